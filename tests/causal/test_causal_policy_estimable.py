"""The policy value refuses, before any model is fitted, the spells the effect estimate refuses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import escalation.causal.policy as policy_module
from escalation.causal import estimate_effects
from escalation.causal.policy import policy_scores
from escalation.errors import DesignError


def _spells(n: int = 400, seed: int = 11, follow_up: float = 800.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    a = (rng.random(n) < 1 / (1 + np.exp(-0.5 * x))).astype(int)
    t = rng.exponential(400 / np.exp(0.6 * x - 0.5 * a)).round() + 1
    c = rng.uniform(100, follow_up, n).round()
    return pd.DataFrame(
        {"x": x, "treatment": a, "duration": np.minimum(t, c), "event": (t <= c).astype(int),
         "family_id": rng.integers(0, n // 2, n), "spell_id": np.arange(n) + 1}
    )  # fmt: skip


def _no_model(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a model was fitted on spells that should have been refused")


@pytest.mark.parametrize(
    ("change", "horizons"),
    [
        ({}, [365, 5000]),  # a horizon past the longest follow-up (800 days at most)
        ({"treatment": 0}, [365]),  # no treated spell
        ({"event": 0}, [365]),  # no escalation
    ],
)
def test_policy_scores_refuses_what_the_effect_estimate_refuses(
    monkeypatch: pytest.MonkeyPatch, change: dict[str, int], horizons: list[int]
) -> None:
    """A horizon of 5,000 days on 800 days of follow-up gave a current-practice risk of
    0.741 by day 5,000, which ``estimate_effects`` refuses for the same spells."""
    frame = _spells().assign(**change)
    with pytest.raises(DesignError) as effect:
        estimate_effects(frame, estimators=["aipw"], covariates=["x"], horizons=horizons,
                         bootstrap=0)  # fmt: skip
    # The check comes before any model: the AIPW engine is never reached.
    monkeypatch.setattr(policy_module, "run_estimator", _no_model)
    with pytest.raises(DesignError) as policy:
        policy_scores(frame, covariates=["x"], horizons=horizons, cluster="family_id")
    assert str(policy.value) == str(effect.value)  # one rule, one message


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_policy_scores_at_the_longest_follow_up_is_estimated() -> None:
    """The boundary itself is within the follow-up (the rule refuses only beyond it)."""
    frame = _spells()
    longest = int(frame["duration"].max())
    scores = policy_scores(frame, covariates=["x"], horizons=[365, longest])
    assert scores.horizons == (365, longest)
    assert np.isfinite(scores.observed).all()
