"""The value of a rule from the doubly robust scores, by hand on a small data set.

With one binary covariate the logistic propensity model is saturated (it fits each
stratum's share treated), and with no censoring before the horizon the censoring-augmented
outcome is the outcome itself. The AIPW score of arm ``a`` is then

    Gamma_i(a) = F_a(x_i) + 1{A_i = a} (Y_i - F_a(x_i)) / p_a(x_i),

with ``p_a(x)`` the stratum's observed share in arm ``a``. Its mean over the ``n_x``
children of stratum ``x`` is ``F_a(x) + (1 / n_xa) sum_{A = a} (Y - F_a(x))`` = the
observed share escalating among the stratum's children in arm ``a``, whatever the outcome
model's ``F_a(x)``. So for a rule ``d(x)`` the value
``V(d) = mean(d Gamma(1) + (1 - d) Gamma(0))`` is by hand

    V(d) = sum_x (n_x / n) * mean(Y | X = x, A = d(x)),

the standardised observed risk: an independent check of the estimator's arithmetic
(the Cox outcome models drop out).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.causal.policy import estimate_policy_values, policy_scores


def _frame(n: int = 600, seed: int = 8) -> pd.DataFrame:
    """One binary covariate, treatment depending on it, follow-up to day 1,000 (>= 365)."""
    rng = np.random.default_rng(seed)
    x = (rng.random(n) < 0.4).astype(int)
    a = (rng.random(n) < np.where(x == 1, 0.6, 0.3)).astype(int)
    t = rng.exponential(500 / np.exp(0.8 * x - 0.5 * a + 0.3 * a * x)) + 1
    dead = rng.random(n) < 0.1
    return pd.DataFrame(
        {
            "x": x,
            "treatment": a,
            "duration": np.minimum(t, 1000.0),
            "event": np.where(t < 1000, np.where(dead, 2, 1), 0),  # no censoring before 1,000
        }
    )


def _by_hand(frame: pd.DataFrame, rule: np.ndarray, horizon: int) -> float:
    """sum_x (n_x / n) * mean(Y | X = x, A = d(x)), d constant within each stratum."""
    y = ((frame["event"] == 1) & (frame["duration"] <= horizon)).to_numpy(float)
    x, a = frame["x"].to_numpy(), frame["treatment"].to_numpy()
    total = 0.0
    for level in (0, 1):
        stratum = x == level
        arm = int(rule[stratum][0])  # the rule's decision for the stratum
        total += stratum.mean() * y[stratum & (a == arm)].mean()
    return total


@pytest.mark.parametrize("horizon", [100, 365])
def test_the_value_of_a_rule_is_the_standardised_observed_risk(horizon: int) -> None:
    frame = _frame()
    x = frame["x"].to_numpy(float)
    rules = {"x_only": x, "not_x": 1 - x, "everyone": np.ones(len(x)), "no_one": np.zeros(len(x))}
    scores = policy_scores(frame, covariates=["x"], horizons=[horizon])
    table = estimate_policy_values(scores, rules).tidy().set_index(["rule", "estimand"])
    for name, rule in rules.items():
        assert table.loc[(name, "risk"), "estimate"] == pytest.approx(
            _by_hand(frame, rule, horizon), abs=1e-10
        ), name
    # Escalations prevented per 1,000 against no one: 1,000 (V(no one) - V(d)), by hand.
    nobody = _by_hand(frame, np.zeros(len(x)), horizon)
    assert table.loc[("x_only", "prevented_per_1000"), "estimate"] == pytest.approx(
        1000 * (nobody - _by_hand(frame, x, horizon)), abs=1e-7
    )
