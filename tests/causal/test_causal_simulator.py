"""Acceptance check on the package's simulator (skipped until escalation.data.simulator exists).

A large simulated local authority with known potential-outcome risks
(``truth.marginal_risks(spells)``): every adjusted estimator's interval for the risk
difference and ratio contains the truth, and the unadjusted comparison is visibly biased.
"""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from escalation import StatisticalWarning, build_spells, default_design
from escalation.causal import estimate_effects
from escalation.data import simulator

ADJUSTED = ["ipw", "gformula", "aipw", "ccw"]


@pytest.mark.slow
def test_simulated_local_authority_effects_cover_the_truth() -> None:
    la = simulator.simulate_local_authority(20_000, seed=2026)
    data = build_spells(la.history, default_design())
    truth = la.truth.marginal_risks(data.spells).set_index("horizon")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        fit = estimate_effects(
            data, estimators=["unadjusted", *ADJUSTED], bootstrap=30, seed=1
        ).tidy()
    effects = fit[fit["estimand"].isin(["risk_difference", "risk_ratio"])]
    misses = []
    for _, row in effects.iterrows():
        true = truth.loc[row["horizon"], row["estimand"]]
        inside = row["conf_low"] <= true <= row["conf_high"]
        if row["estimator"] in ADJUSTED and not inside:
            misses.append(
                (row["estimator"], row["horizon"], row["estimand"], row["estimate"], true)
            )
    assert not misses, pd.DataFrame(misses)
    naive = effects[
        (effects["estimator"] == "unadjusted") & (effects["estimand"] == "risk_difference")
    ]
    for _, row in naive.iterrows():
        true = truth.loc[row["horizon"], "risk_difference"]
        assert abs(row["estimate"] - true) > 3 * row["std_error"]
