"""The sparse-events check counts a coded level's events, whatever the case weights.

Was: ``CoxResult.check_assumptions()`` summed the case weights of a level's events, so a
level with 2 events passed as "at least 5 events" under weights of 50 (survey or
frequency-scaled weights) and a level with 100 events was flagged under weights of 1/50,
while the events per coefficient beside it counted events (``fit.events``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.survival import fit_cox
from tests.survival.survival_reference import spells


def _spells_with_a_rare_level(events: int) -> pd.DataFrame:
    d = spells().copy()
    d["rare"] = 0
    d.loc[d.index[d["event"] == 1][:events], "rare"] = 1
    d.loc[d.index[d["event"] == 0][:30], "rare"] = 1
    return d


def _sparse_message(d: pd.DataFrame, scale: float | None) -> str:
    weights = None if scale is None else d["weight"].to_numpy() * scale
    fit = fit_cox(d, ["x1", "rare"], cause=1, weights=weights, cluster="cluster")
    checks = [c for c in fit.check_assumptions().checks if c.topic == "sparse events"]
    return " ".join(c.message for c in checks)


@pytest.mark.parametrize("scale", [None, 50.0, 1 / 50])
def test_a_level_with_two_events_is_sparse_under_any_weights(scale: float | None) -> None:
    d = _spells_with_a_rare_level(2)
    assert int(((d["rare"] == 1) & (d["event"] == 1)).sum()) == 2
    assert "levels with fewer than 5 events: Rare (2)" in _sparse_message(d, scale)


@pytest.mark.parametrize("scale", [None, 50.0, 1 / 50])
def test_a_level_with_many_events_is_not_sparse_under_any_weights(scale: float | None) -> None:
    d = _spells_with_a_rare_level(100)
    message = _sparse_message(d, scale)
    assert "levels with fewer than" not in message
    assert "every coded level has at least 5 events" in message
    assert np.isclose(float(((d["rare"] == 1) & (d["event"] == 1)).sum()), 100)
