"""Degrees of freedom of the k-sample tests when a group carries no information.

Was: ``logrank_test`` and ``gray_test`` reported k - 1 degrees of freedom whatever the
rank of the variance, so a group with nobody at risk at any event time (observed =
expected = 0) made the p-value wrong (R's ``survdiff`` counts the groups with expected > 0).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.errors import StatisticalWarning
from escalation.survival import gray_test, logrank_test

REF = Path(__file__).parents[1] / "reference" / "survival"
CASES = {"any": (None, 0.0), "cause2": (2, 0.0), "any_rho1": (None, 1.0)}


def _spells() -> pd.DataFrame:
    spells = pd.read_csv(REF / "spells.csv")
    extra = spells.iloc[[0]].assign(duration=0.5, event=0, group="0")  # leaves before any event
    return pd.concat([spells, extra], ignore_index=True)


@pytest.mark.parametrize("case", list(CASES))
def test_logrank_df_counts_informative_groups_as_survdiff(case: str) -> None:
    ref = pd.read_csv(REF / "logrank_df_reference.csv").set_index("case").loc[case]
    cause, rho = CASES[case]
    spells = _spells()
    if cause is None:
        spells["event"] = (spells["event"] > 0).astype(int)
        cause = 1
    with pytest.warns(StatisticalWarning, match=r"group\(s\) 0 had nobody at risk"):
        result = logrank_test(spells, "group", cause=cause, rho=rho)
    row = result.glance().iloc[0]
    assert row["df"] == ref["df"] == 2
    np.testing.assert_allclose(row["statistic"], ref["statistic"], rtol=1e-9)
    np.testing.assert_allclose(row["p_value"], ref["p_value"], rtol=1e-9)


def test_gray_df_counts_informative_groups() -> None:
    # group "0" is at risk at no event time: the test is the three-group test, on 2 df
    spells = _spells()
    with pytest.warns(StatisticalWarning, match=r"group\(s\) 0 had nobody at risk"):
        with_empty = gray_test(spells, "group", cause=1).glance().iloc[0]
    without = gray_test(spells.iloc[:-1], "group", cause=1).glance().iloc[0]
    assert with_empty["df"] == without["df"] == 2
    np.testing.assert_allclose(with_empty["statistic"], without["statistic"], rtol=1e-12)
    np.testing.assert_allclose(with_empty["p_value"], without["p_value"], rtol=1e-12)


def test_stratified_logrank_with_a_group_alone_in_its_stratum_uses_the_rank() -> None:
    # group "0" is the only group of stratum 9: its O - E is 0 there and it appears in no
    # other stratum, so the variance of the contrasts has rank 2 (survdiff stops:
    # "computationally singular"); the test is then the stratified test of a, b, c
    spells = pd.read_csv(REF / "spells.csv")
    alone = spells.iloc[:5].assign(group="0", stratum=9)
    with pytest.warns(StatisticalWarning, match="2 degree"):
        result = logrank_test(pd.concat([spells, alone]), "group", strata="stratum")
    plain = logrank_test(spells, "group", strata="stratum")
    assert result.df == plain.df == 2
    np.testing.assert_allclose(result.statistic, plain.statistic, rtol=1e-10)
