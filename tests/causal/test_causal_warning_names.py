"""Warnings of the causal estimators' nuisance models name the covariate, not its position.

Was: the engine (``run_estimator``) got no column names, so a separation warning of the
outcome, competing-event or censoring model read "covariate 4" and one of the
propensity model "column 5", which a user cannot map back to the design.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.causal import estimate_effects
from escalation.causal.clone import clone_censor_weight, naive_grace_comparison
from escalation.causal.curves import estimate_curves
from escalation.causal.policy import policy_scores
from escalation.errors import StatisticalWarning

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
FLAG = "prior_care_order"  # a named covariate that separates perfectly


def _frame(no_events: bool = True, all_treated: bool = False) -> pd.DataFrame:
    d = pd.read_csv(REFERENCE / "causal" / "ate_data.csv")
    flag = np.arange(len(d)) % 11 == 0
    if no_events:  # flagged spells never escalate: the outcome model separates
        d.loc[flag & (d["event"] == 1), "event"] = 0
    if all_treated:  # flagged spells are all treated: the propensity model separates
        d.loc[flag, "treatment"] = 1
    return d.assign(**{FLAG: flag.astype(float)})


def _messages(caught: list[warnings.WarningMessage]) -> list[str]:
    found = [str(w.message) for w in caught if issubclass(w.category, StatisticalWarning)]
    assert found, "no StatisticalWarning was raised"
    return [m for m in found if "infinite" in m]


def _check(messages: list[str]) -> None:
    assert messages, "no separation warning"
    for message in messages:
        assert FLAG in message, message
        assert "covariate 4" not in message and "column " not in message, message


@pytest.mark.parametrize("method", ["gformula", "aipw"])
def test_outcome_model_separation_names_the_column(method: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimate_curves(
            _frame(),
            ["risk", "factor", "age", FLAG],
            method=method,  # type: ignore[arg-type]
            times=[100.0, 365.0],
            min_count=1,
        )
    _check(_messages(caught))


def test_propensity_separation_in_the_engine_names_the_column() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimate_curves(
            _frame(no_events=False, all_treated=True),
            ["risk", "age", FLAG],
            method="ipw",
            times=[365.0],
            min_count=1,
        )
    _check(_messages(caught))


def test_estimate_effects_and_policy_scores_name_the_column() -> None:
    frame = _frame()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        estimate_effects(
            frame,
            estimators=["gformula"],
            covariates=["risk", "factor", FLAG],
            horizons=[365],
            bootstrap=0,
            min_count=1,
            cluster=None,
        )
    _check(_messages(caught))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        policy_scores(
            frame, covariates=["risk", "factor", FLAG], horizons=[365], cluster=None, min_count=1
        )
    _check(_messages(caught))


def test_clone_censor_weight_names_the_column() -> None:
    rng = np.random.default_rng(3)
    n = 600
    flag = (np.arange(n) % 7 == 0).astype(float)
    start = np.where(rng.random(n) < 0.5, rng.uniform(0, 14, n), np.nan)
    start[flag == 1] = np.nan  # flagged children never start: the start model separates
    t = rng.exponential(300, n)
    duration = np.minimum(t, 400)
    start[start >= duration] = np.nan
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            FLAG: flag,
            "duration": duration,
            "event": (t < 400).astype(int),
            "treatment_start": start,
        }
    )
    for run in (clone_censor_weight, naive_grace_comparison):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            run(frame, covariates=["x", FLAG], grace_days=14, times=[365], min_count=1)
        if run is clone_censor_weight:
            _check(_messages(caught))
        else:  # only the immortal-time caveat; any separation warning names the column
            for message in _messages(caught):
                assert FLAG in message, message
