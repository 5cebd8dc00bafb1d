"""Disclosed Table 1: an arm's number missing, its percentages and the Missing column.

Found by the review of Table 1 (session 26, findings 1 and 5):

- with exact counts (``rounding = 1``) a level's percentage of the children with the value
  recorded gave the arm's suppressed number missing back (X 50 printed "52.1" beside
  n 100: only 96 recorded gives it, so 4 missing), and with it the ``[c]`` count protecting
  it (Y = 96 - 50); and the Missing column (24) less the other arm's missing (20, worked
  out from its printed levels) gave it back too. Now an arm whose number missing is hidden
  has no percentages for the characteristic (the federated Table 1's rule, one function:
  ``share_of_recorded``), and the Missing column is a margin of the arms' missing in the
  complementary suppression;
- an arm with no missing value had a count withheld as the complement of a "missing" of 0
  whenever the other arm had missing values (40 of 100 printed ``[c]``, its SMD "not shown").
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from escalation.causal.tableone import table_one
from escalation.disclosure import DisclosureRules
from escalation.federated.summaries import pool_covariate_summaries
from escalation.report.table_one import disclosed_table_one

EXACT = DisclosureRules(threshold=10, rounding=1)


def regions(early: list[str | None], other: list[str | None]) -> pd.DataFrame:
    return pd.DataFrame({"treatment": [1] * len(early) + [0] * len(other), "region": early + other})


def cells(table: pd.DataFrame, arm: str) -> dict[str, str]:
    """The printed cells of an arm by level (the row n left out)."""
    levels = table.iloc[1:]
    return dict(zip(levels["Level"], levels[arm], strict=True))


def consistent(printed: dict[str, str], n: int, levels: list[str], threshold: int) -> set[tuple]:
    """Every (counts of ``levels``, missing) adding up to ``n`` that the printed cells allow."""
    found = set()
    for counts in itertools.product(range(n + 1), repeat=len(levels)):
        missing = n - sum(counts)
        if missing < 0:
            continue
        fits = True
        for level, count in zip(levels, counts, strict=True):
            text = printed[level]
            if text == "[c]":
                continue
            if text == f"<{threshold}":
                fits &= count < threshold
                continue
            shown, _, percent = text.partition(" (")
            fits &= count == int(shown.replace(",", ""))
            if percent and fits:
                fits &= f"{100 * count / (n - missing):.1f}" == percent.rstrip(")")
        if fits:
            found.add((*counts, missing))
    return found


def test_report_table_one_percentages_do_not_give_a_suppressed_missing_back() -> None:
    early = ["X"] * 50 + ["Y"] * 46 + [None] * 4
    t1 = table_one(regions(early, ["X"] * 60 + ["Y"] * 40), variables=["region"])
    table = disclosed_table_one(t1, EXACT)
    printed = cells(table, "Early help")
    assert printed["X"] == "50"  # no percentage: it was "50 (52.1)", 50 of 96 recorded
    assert printed["Y"] == "[c]"
    assert table["SMD"].iloc[1] == "not shown"
    # what the table allows of Early help (X, Y, missing, with missing below 10): many
    allowed = {c for c in consistent(printed, 100, ["X", "Y"], 10) if c[2] < 10}
    assert len(allowed) > 1


def test_report_table_one_missing_column_is_a_margin_of_the_arms_missing() -> None:
    # the other arm's 20 missing are known from its printed levels (50 + 30 of 100): with
    # the Missing column at 24, Early help's 4 came back. Now it is hidden as a complement.
    early = ["X"] * 50 + ["Y"] * 46 + [None] * 4
    other = ["X"] * 50 + ["Y"] * 30 + [None] * 20
    table = disclosed_table_one(table_one(regions(early, other), variables=["region"]), EXACT)
    by_arm = {arm: cells(table, arm) for arm in ("Early help", "No early help")}
    other_allowed = consistent(by_arm["No early help"], 100, ["X", "Y"], 10)
    early_allowed = consistent(by_arm["Early help"], 100, ["X", "Y"], 10)
    total = table["Missing"].iloc[1]
    joint = {
        (e[2], o[2])
        for e, o in itertools.product(early_allowed, other_allowed)
        if total in ("[c]", "<10") or e[2] + o[2] == int(total)
    }
    assert len({e for e, _ in joint if e < 10}) > 1  # Early help's missing not worked out


def test_report_table_one_yes_no_flag_percentage_keeps_a_small_missing_hidden() -> None:
    flag = [1.0] * 50 + [0.0] * 46 + [np.nan] * 4 + [1.0] * 40 + [0.0] * 60
    spells = pd.DataFrame({"treatment": [1] * 100 + [0] * 100, "factor_3A": flag})
    table = disclosed_table_one(table_one(spells, variables=["factor_3A"]), EXACT)
    assert table["Early help"].iloc[1] == "50"  # was "50 (52.1)"
    assert table["No early help"].iloc[1] == "40 (40.0)"


def test_report_table_one_arm_without_missing_keeps_its_counts() -> None:
    # No early help: 40 of 100 with the flag, none missing; Early help gains 20 missing
    flag = [1.0] * 50 + [0.0] * 30 + [np.nan] * 20 + [1.0] * 40 + [0.0] * 60
    spells = pd.DataFrame({"treatment": [1] * 100 + [0] * 100, "factor_3A": flag})
    table = disclosed_table_one(table_one(spells, variables=["factor_3A"]))
    assert table["No early help"].iloc[1] == "40 (40.0)"  # was [c]
    assert table["SMD"].iloc[1] != "not shown"
    early = ["X"] * 50 + ["Y"] * 30 + [None] * 20
    t1 = table_one(regions(early, ["X"] * 60 + ["Y"] * 40), variables=["region"])
    levels = disclosed_table_one(t1)
    assert cells(levels, "No early help") == {"X": "60 (60.0)", "Y": "40 (40.0)"}  # Y was [c]


def test_report_table_one_and_the_federated_one_share_the_percentage_rule() -> None:
    # one rule: no percentage of a withheld number recorded, in both Table 1s
    from escalation.disclosure import share_of_recorded

    assert share_of_recorded(50, None) is None
    assert share_of_recorded(50, float("nan")) is None
    assert share_of_recorded(50, 96) == 100 * 50 / 96
    summary = pd.DataFrame(
        {
            "covariate": ["region"] * 3,
            "level": ["X", "Y", "(missing)"],
            "group": ["treated"] * 3,
            "n": [100.0] * 3,
            "count": [50.0, 46.0, np.nan],  # the number missing withheld by the authority
            "mean": [np.nan] * 3,
            "sd": [np.nan] * 3,
        }
    )
    pooled = pool_covariate_summaries({"LA01": summary})
    assert pooled.loc[pooled["level"] == "X", "percent"].isna().all()
