"""The causal functions of the censoring-weighted outcome check its durations and events.

``ipcw_outcome`` read a missing duration as follow-up beyond the horizon, and a missing
event code failed in numpy; ``fit_effect_model`` and ``refute_effect`` fitted a forest or
refuted an effect on missing or infinite durations and missing event codes without a
word, and ``refute_effect`` counted a treatment of 2 as treated. The three functions that
put the spells in ``spell_id`` order first named a bad row by its place in that order
(row 192 for row 7 of the table).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from escalation.causal import estimate_heterogeneity, ipcw_outcome, refute_effect
from escalation.causal.heterogeneity import fit_effect_model
from escalation.errors import DataValidationError

BAD_ROW = 7


@pytest.mark.parametrize(
    ("duration", "event", "column", "row"),
    [
        ([1.0, np.nan, 3.0], [1, 0, 0], "duration", 1),
        ([1.0, 2.0, np.inf], [1, 0, 0], "duration", 2),
        ([1.0, 2.0, 3.0], [1, np.nan, 0], "event", 1),
    ],
)
def test_ipcw_outcome_refuses_missing_or_infinite_durations_and_events(
    duration: list[float], event: list[float], column: str, row: int
) -> None:
    with pytest.raises(DataValidationError) as raised:
        ipcw_outcome(duration, event, 2)
    assert [(p.table, p.row, p.column) for p in raised.value.problems] == [("arrays", row, column)]


def _spells(column: str, value: float) -> pd.DataFrame:
    """Spells whose ``spell_id`` runs backwards, so that spell_id order is not row order."""
    rng = np.random.default_rng(0)
    n = 200
    age = rng.uniform(0, 17, n)
    a = (rng.random(n) < 0.5).astype(int)
    t = rng.exponential(500, size=n)
    rows = pd.DataFrame(
        {
            "age": age,
            "treatment": a.astype(float),
            "duration": np.minimum(t, 800),
            "event": (t < 800).astype(float),
            "spell_id": np.arange(n)[::-1],
        }
    )
    rows.loc[BAD_ROW, column] = value
    return rows


FUNCTIONS: dict[str, Callable[[pd.DataFrame], object]] = {
    "fit_effect_model": lambda d: fit_effect_model(
        d, covariates=["age"], horizon=365, n_estimators=8
    ),
    "estimate_heterogeneity": lambda d: estimate_heterogeneity(
        d, covariates=["age"], horizon=365, n_estimators=8
    ),
    "refute_effect": lambda d: refute_effect(d, covariates=["age"], horizon=365, num_simulations=2),
}


@pytest.mark.filterwarnings("ignore")  # the backends' noise on a small sample
@pytest.mark.parametrize(
    ("column", "value"),
    [("duration", np.nan), ("duration", np.inf), ("event", np.nan), ("treatment", 2.0),
     ("age", np.nan)],
)  # fmt: skip
@pytest.mark.parametrize("function", list(FUNCTIONS))
def test_a_bad_outcome_treatment_or_covariate_is_named_at_the_users_row(
    function: str, column: str, value: float
) -> None:
    with pytest.raises(DataValidationError) as raised:
        FUNCTIONS[function](_spells(column, value))
    assert [(p.row, p.column) for p in raised.value.problems] == [(BAD_ROW, column)]
