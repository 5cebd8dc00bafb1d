"""Table 1's levels: personal columns, an all-missing characteristic, clashes, order.

Found by the review of Table 1 (session 26, findings 2, 3, 6 and 7):

- note text, NHS and unique pupil numbers, addresses, e-mail addresses and phone numbers
  were accepted as characteristics and printed, one child's value per level, in every file
  (p05: "Mum says Jayden Smith0 hit sibling" in table_one.csv); a column whose levels are
  nearly all one child's each is now refused whatever its name, naming the column only;
- a categorical characteristic with every value missing had no row at all;
- 1 and "1" were counted as one level, "F" and "Female" printed as two rows named Female;
- levels were always alphabetical: an ordered Categorical low < medium < high printed
  high, low, medium, and codes "1" to "10" printed 1, 10, 2.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.causal.tableone import table_one
from escalation.disclosure import DisclosureRules
from escalation.errors import DataValidationError
from escalation.report.table_one import disclosed_table_one, write_table_one

NAMES = ["Jayden Smith", "Amelia Jones", "Oliver Brown", "Isla Taylor", "Noah Wilson"]


def arms(values: list[object]) -> pd.DataFrame:
    """Half the rows early help, half not; ``values`` the characteristic ``column``."""
    half = len(values) // 2
    return pd.DataFrame({"treatment": [1] * half + [0] * (len(values) - half), "column": values})


@pytest.mark.parametrize(
    "column",
    ["note_text", "notes", "case_notes", "CaseNotes", "free_text", "nhs_number", "NHSNumber",
     "unique_pupil_number", "address", "email", "phone", "Telephone"],
)  # fmt: skip
def test_causal_table_one_refuses_a_personal_column_by_its_name(column: str) -> None:
    spells = arms(["North", "South"] * 20).rename(columns={"column": column})
    with pytest.raises(DataValidationError, match=rf"'{column}': personal data"):
        table_one(spells, variables=[column])


def test_causal_table_one_keeps_a_count_of_notes() -> None:
    # a count of case notes is a model's covariate, not note text
    spells = arms(list(range(40))).rename(columns={"column": "text_n_notes"})
    assert table_one(spells, variables=["text_n_notes"]).smd["variable"].tolist() == [
        "text_n_notes"
    ]


def test_causal_table_one_refuses_levels_of_one_child_each_whatever_the_name() -> None:
    # free text and phone numbers under names no rule can know: refused, the column named,
    # no value in the message
    notes = [f"Mum says {NAMES[i % 5]}{i} hit sibling" for i in range(36)] + ["none"] * 4
    phones = [f"07700 900{i:03}" for i in range(40)]
    for values in (notes, phones):
        with pytest.raises(DataValidationError, match=r"'remarks'.*one child's or a few") as error:
            table_one(arms(values).rename(columns={"column": "remarks"}), variables=["remarks"])
        message = str(error.value)
        assert not any(name in message for name in NAMES)
        assert "07700" not in message and "Mum" not in message


def test_causal_table_one_written_files_hold_no_free_text(tmp_path: Path) -> None:
    notes = [f"Mum says {NAMES[i % 5]}{i} hit sibling" for i in range(40)]
    spells = arms(notes).rename(columns={"column": "remarks"})
    with pytest.raises(DataValidationError):
        write_table_one(table_one(spells, variables=["remarks"]), tmp_path)
    assert not list(tmp_path.iterdir())


def test_causal_table_one_keeps_levels_with_a_few_single_children() -> None:
    # ethnicity in a small cohort: some codes held by one child, most by several
    codes = ["WBRI"] * 20 + ["WIRI"] * 6 + ["MWBC"] * 5 + ["ABAN", "APKN", "BAFR", "CHNE"]
    t1 = table_one(arms(codes).rename(columns={"column": "ethnicity"}), variables=["ethnicity"])
    assert t1.stats["level"].nunique() == 7


def test_causal_table_one_keeps_a_characteristic_with_every_value_missing() -> None:
    spells = pd.DataFrame({"treatment": [1] * 100 + [0] * 100, "age": np.arange(200.0) % 17,
                           "region": pd.Series([None] * 200, dtype=object)})  # fmt: skip
    t1 = table_one(spells, variables=["age", "region"])
    table = disclosed_table_one(t1).set_index("Characteristic")
    assert table.loc["Region, n (%)", "Missing"] == "200"
    assert table.loc["Region, n (%)", "SMD"] == "not defined"
    raw = t1.table().set_index("Characteristic")
    assert raw.loc["Region, n (%)", "Missing"] == "200"


def test_causal_table_one_refuses_levels_that_print_alike() -> None:
    # 20 x int 1, 10 x "1", 30 x "2" were one level "1" of 30; "F" and "Female" two rows
    # both named Female
    mixed = pd.DataFrame({"treatment": [1, 0] * 30, "region": [1] * 20 + ["1"] * 10 + ["2"] * 30})
    with pytest.raises(DataValidationError, match=r"'region'.*int and str.*one level"):
        table_one(mixed, variables=["region"])
    sexes = pd.DataFrame({"treatment": [1, 0] * 15, "sex": ["F"] * 10 + ["Female"] * 20})
    with pytest.raises(DataValidationError, match=r"'sex'.*str and str.*one level") as error:
        table_one(sexes, variables=["sex"])
    assert "Female" not in str(error.value)


def test_causal_table_one_prints_a_categoricals_levels_in_category_order() -> None:
    risk = pd.Categorical(
        ["high", "low", "medium"] * 20, categories=["low", "medium", "high"], ordered=True
    )
    spells = pd.DataFrame({"treatment": [1, 0] * 30, "risk": risk})
    levels = table_one(spells, variables=["risk"]).table()["Level"].tolist()[1:]
    assert levels == ["low", "medium", "high"]


def test_causal_table_one_prints_numbers_kept_as_text_in_numeric_order() -> None:
    spells = pd.DataFrame({"treatment": [1, 0] * 50, "band": [str(i % 10 + 1) for i in range(100)]})
    levels = table_one(spells, variables=["band"]).table()["Level"].tolist()[1:]
    assert levels == [str(i) for i in range(1, 11)]


def test_the_local_and_federated_table_one_order_and_classify_levels_alike() -> None:
    """Was: the federated summary sorted levels as text and read codes kept as text
    ("1" to "10") as a number with a mean and SD, while the local Table 1 printed them as
    levels in code order (session 26's last read)."""
    from escalation.federated.summaries import covariate_summary
    from escalation.timeline.matrix import level_order

    risk = pd.Categorical(["high", "low", "medium"] * 8, categories=["low", "medium", "high"])
    spells = pd.DataFrame(
        {
            "treatment": [0, 1] * 12,
            "region": ["10", "2", "1"] * 8,
            "risk": risk,
        }
    )
    summary = covariate_summary(spells, ["region", "risk"])
    for covariate in ("region", "risk"):
        rows = summary[(summary["covariate"] == covariate) & (summary["group"] == "all")]
        assert rows["mean"].isna().all(), covariate  # levels, not a mean of codes
        federated = [level for level in rows["level"] if level != "(missing)"]
        assert federated == level_order(spells[covariate]), covariate


# -- session 27: the guard follows the disclosure threshold the table is published under ------
def family_references() -> pd.DataFrame:
    """60 children in 30 families of two siblings: each reference printed as a level."""
    return arms([f"FAM-{i // 2:04}" for i in range(60)]).rename(columns={"column": "household"})


def test_causal_table_one_refuses_levels_of_a_few_children_each_under_the_threshold() -> None:
    """A family reference has levels of two siblings each: none was one child's, so the
    guard (5 levels, 80% of them one child's) printed every family's reference, each
    beside '<10'. Under the default rules (threshold 10) its 30 levels of 2 are all small."""
    with pytest.raises(DataValidationError, match=r"'household': 30 of its 30 levels are each "
                       r"fewer than 10 children's") as error:  # fmt: skip
        table_one(family_references(), variables=["household"])
    assert "FAM-" not in str(error.value)


@pytest.mark.parametrize(("threshold", "refused"), [(2, False), (3, True), (20, True)])
def test_causal_table_one_guard_follows_the_designs_threshold(
    threshold: int, refused: bool
) -> None:
    """The rules of a design with another [disclosure] threshold: families of two are small
    under a threshold of 3 or 20 (2 < 3), not under 2 (counts of 2 are shown)."""
    rules = DisclosureRules(threshold=threshold, rounding=1)
    if refused:
        with pytest.raises(DataValidationError, match=rf"fewer than {threshold} children's"):
            table_one(family_references(), variables=["household"], rules=rules)
    else:
        t1 = table_one(family_references(), variables=["household"], rules=rules)
        assert t1.stats["level"].nunique() == 30


def test_causal_table_one_keeps_rare_codes_of_a_code_list_under_any_threshold() -> None:
    """Ethnicity in a small cohort under a threshold of 20: every code is held by fewer
    than 20 children, but a code the code list names is no child's value: kept."""
    codes = ["WBRI"] * 12 + ["WIRI"] * 6 + ["MWBC"] * 5 + ["ABAN", "APKN", "BAFR", "CHNE", "WIRT"]
    spells = arms(codes).rename(columns={"column": "ethnicity"})
    t1 = table_one(spells, variables=["ethnicity"], rules=DisclosureRules(threshold=20))
    assert t1.stats["level"].nunique() == 8
