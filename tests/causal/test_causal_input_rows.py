"""Causal estimators that leave rows out name the rows of the user's table in errors.

``ipw_mean_difference`` leaves out the rows with a missing outcome before it fits the
propensity model; a bad treatment or covariate value further down was reported at its
position among the rows left (row 7 for row 10 of the table).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.causal import ipw_mean_difference
from escalation.errors import DataValidationError

BAD_ROW = 10  # rows 0-2 have no outcome and are left out before the checks run


def _spells(column: str, value: float) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    x = rng.normal(size=120)
    a = (rng.random(120) < 0.5).astype(float)
    rows = pd.DataFrame({"x": x, "a": a, "y": 2 * a + x + rng.normal(size=120)})
    rows.loc[[0, 1, 2], "y"] = np.nan
    rows.loc[BAD_ROW, column] = value
    return rows


@pytest.mark.parametrize(
    ("column", "value"), [("a", 2.0), ("a", np.nan), ("x", np.nan), ("x", np.inf)]
)
@pytest.mark.parametrize("formula", [None, "a ~ x"])
def test_ipw_mean_difference_names_the_input_row_after_missing_outcomes(
    column: str, value: float, formula: str | None
) -> None:
    design = {"formula": formula} if formula else {"treatment": "a", "covariates": ["x"]}
    with pytest.raises(DataValidationError) as raised:
        ipw_mean_difference(_spells(column, value), outcome="y", **design)
    assert [(p.row, p.column) for p in raised.value.problems] == [(BAD_ROW, column)]


def _with_outcome(value: object) -> pd.DataFrame:
    rows = _spells("x", 0.5)
    rows["y"] = rows["y"].astype(object if isinstance(value, str) else float)
    rows.loc[BAD_ROW, "y"] = value
    return rows


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (np.inf, "'inf'"),
        (-np.inf, "'-inf'"),
        ("ten", "<not shown: 3 characters, lower-case letters>"),
    ],
    ids=["inf", "-inf", "text"],
)
def test_ipw_mean_difference_refuses_an_outcome_that_is_no_finite_number(
    value: object, shown: str
) -> None:
    """An infinite outcome gave an estimate of inf or -inf (no error) and a text one numpy's
    bare "could not convert string to float"; the row named is the user's, after the rows
    with a missing outcome (0-2) were left out."""
    with pytest.raises(DataValidationError) as raised:
        ipw_mean_difference(_with_outcome(value), outcome="y", treatment="a", covariates=["x"])
    [problem] = raised.value.problems
    assert (problem.table, problem.row, problem.column) == ("spells", BAD_ROW, "y")
    assert problem.shown_value() == shown
    assert "1 value(s) are infinite or not numbers" in problem.reason


def test_ipw_mean_difference_still_leaves_missing_outcomes_out() -> None:
    out = ipw_mean_difference(_with_outcome(np.nan), outcome="y", treatment="a", covariates=["x"])
    assert (out["n"].iloc[0], out["dropped"].iloc[0]) == (116, 4)
    assert np.isfinite(out["estimate"].iloc[0])


def _shuffled_spells() -> pd.DataFrame:
    """Spells with their ``spell_id`` out of order: estimators sort them by it first."""
    from escalation.data.simulator.exponential import simulate_spells

    rows = simulate_spells(300, 3)
    rows["spell_id"] = np.random.default_rng(4).permutation(len(rows)) + 1
    return rows.astype({"duration": float, "event": float, "treatment": float, "risk": float})


@pytest.mark.parametrize(
    ("column", "value"),
    [("duration", -5.0), ("treatment", 2.0), ("event", 1.5), ("risk", np.inf)],
)
def test_subgroup_effects_names_the_input_row_not_its_spell_id_position(
    column: str, value: float
) -> None:
    """subgroup_effects sorts the spells by spell_id; its checks named the row's position
    in that order (a valid spell of the user's table), not the row given, as
    estimate_heterogeneity and refute_effect do."""
    from escalation.causal.heterogeneity import subgroup_effects

    rows = _shuffled_spells()
    sorted_position = int(np.flatnonzero(rows["spell_id"].argsort().to_numpy() == BAD_ROW)[0])
    assert sorted_position != BAD_ROW  # the two orders differ at the bad row
    rows.loc[BAD_ROW, column] = value
    with pytest.raises(DataValidationError) as raised:
        subgroup_effects(rows, covariates=["risk", "age"], horizon=365)
    assert [(p.row, p.column) for p in raised.value.problems] == [(BAD_ROW, column)]
