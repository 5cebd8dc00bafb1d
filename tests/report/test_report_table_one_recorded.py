"""Disclosed Table 1: summaries rest on the children with the value recorded; one arm.

Found by the review of Table 1 (session 23). The threshold was checked against the arm's
size: with 200 children per arm but 2, 1 and 3 of one arm with the value recorded,
``disclosed_table_one`` printed a mean (SD) giving both values back, one child's age and
quartiles giving back three values. A Table 1 of one arm printed "nan" as its SMD in every
export; it has no SMD column now, as R's tableone prints one stratum.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from escalation.causal.tableone import table_one
from escalation.disclosure import DisclosureRules
from escalation.report.table_one import disclosed_table_one, write_table_one


def mostly_missing(recorded: dict[str, int]) -> pd.DataFrame:
    """200 children per arm; in the early-help arm only ``recorded[column]`` have a value."""
    n = 200
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "treatment": [1] * n + [0] * n,
            "imd_decile": rng.integers(1, 11, 2 * n).astype(float),
            "age": rng.normal(8, 4, 2 * n),
            "days_since_first_referral": rng.integers(0, 900, 2 * n).astype(float),
        }
    )
    for column, kept in recorded.items():
        frame.loc[: n - 1 - kept, column] = np.nan
    return frame


def test_report_table_one_summaries_need_the_threshold_of_children_with_a_value() -> None:
    frame = mostly_missing({"imd_decile": 2, "age": 1, "days_since_first_referral": 3})
    t1 = table_one(frame, variables=["imd_decile", "age", "days_since_first_referral"])
    shown = disclosed_table_one(t1).set_index("Characteristic")
    early = shown["Early help"]
    assert early["Deprivation (IMD decile), mean (SD)"] == "not shown"
    assert early["Age (years), mean (SD)"] == "not shown"
    assert early["Days since first referral, median [Q1, Q3]"] == "not shown"
    # the other arm has every value recorded: shown; the SMDs beside a withheld summary not
    assert shown["No early help"].iloc[1:].str.match(r"^\d").all()
    assert set(shown["SMD"].iloc[1:]) == {"not shown"}


def test_report_table_one_summary_threshold_is_of_children_recorded() -> None:
    rules = DisclosureRules(threshold=10, rounding=5)
    at = {"imd_decile": 10, "age": 9, "days_since_first_referral": 40}
    t1 = table_one(mostly_missing(at), variables=list(at), nonnormal=["days_since_first_referral"])
    early = disclosed_table_one(t1, rules)["Early help"].tolist()
    assert early[1] != "not shown"  # a mean of 10 recorded values
    assert early[2] == "not shown"  # of 9
    assert early[3] != "not shown"  # a median whose lower quartile has 10 below it
    below = table_one(
        mostly_missing({"days_since_first_referral": 39}), variables=["days_since_first_referral"]
    )
    assert disclosed_table_one(below, rules)["Early help"].tolist()[1] == "not shown"


def test_report_table_one_of_one_arm_has_no_smd_column(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {"treatment": [1] * 40, "age": np.linspace(1, 17, 40), "sex": ["F", "M"] * 20}
    )
    t1 = table_one(frame, variables=["age", "sex"])
    assert list(t1.table().columns) == ["Characteristic", "Level", "Early help", "Missing"]
    assert "SMD" not in disclosed_table_one(t1).columns
    for path in write_table_one(t1, tmp_path):
        if path.suffix != ".docx":
            text = path.read_text(encoding="utf-8")
            assert not re.search(r"\bnan\b", text, flags=re.IGNORECASE), path.name
    weighted = table_one(frame, variables=["age"], weights=np.ones(40)).table()
    assert not [c for c in weighted.columns if c.startswith("SMD")]
