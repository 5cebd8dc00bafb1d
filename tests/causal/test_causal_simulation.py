"""Recovery of known potential-outcome risks (tests/causal/causal_support.py DGP).

Confounding by indication: children with more risk get more help and escalate more, so the
unadjusted comparison hides a protective effect; every adjusted estimator should land
within its interval of the truth.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.causal import estimate_effects

from .causal_support import simulate, true_risks

COVARIATES = ["risk", "factor", "age"]


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    return true_risks((365, 730)).set_index("horizon")


@pytest.fixture(scope="module")
def fit() -> pd.DataFrame:
    data = simulate(8000, seed=21)
    result = estimate_effects(
        data,
        covariates=COVARIATES,
        estimators=["unadjusted", "ipw", "gformula", "aipw"],
        horizons=[365, 730],
        bootstrap=30,
        seed=3,
    )
    return result.tidy()


@pytest.mark.parametrize("estimator", ["ipw", "gformula", "aipw"])
def test_adjusted_estimators_cover_the_truth(
    fit: pd.DataFrame, truth: pd.DataFrame, estimator: str
) -> None:
    """Effects (difference, ratio) inside their 95% intervals; every risk within 3 SE.

    With 24 intervals a few misses are expected by chance at 95%; calibration of the
    intervals is checked by the Monte Carlo test below and the full study script.
    """
    rows = fit[(fit["estimator"] == estimator) & fit["estimand"].isin(truth.columns)]
    assert len(rows) == 8
    for _, row in rows.iterrows():
        true = truth.loc[row["horizon"], row["estimand"]]
        if row["estimand"] in ("risk_difference", "risk_ratio"):
            assert row["conf_low"] <= true <= row["conf_high"], (estimator, row.to_dict(), true)
        assert abs(row["estimate"] - true) < 3 * row["std_error"], (estimator, row.to_dict())


def test_unadjusted_estimate_is_visibly_biased(fit: pd.DataFrame, truth: pd.DataFrame) -> None:
    rows = fit[(fit["estimator"] == "unadjusted") & (fit["estimand"] == "risk_difference")]
    for _, row in rows.iterrows():
        true = truth.loc[row["horizon"], "risk_difference"]
        # The truth is protective (about -0.09 to -0.12); the naive difference is not.
        assert row["estimate"] - true > 4 * row["std_error"]
        assert not row["conf_low"] <= true <= row["conf_high"]


def test_influence_function_interval_without_bootstrap(truth: pd.DataFrame) -> None:
    data = simulate(4000, seed=5)
    out = estimate_effects(
        data, covariates=COVARIATES, estimators=["aipw"], horizons=[365], bootstrap=0
    ).tidy()
    row = out[out["estimand"] == "risk_difference"].iloc[0]
    assert row["se_method"] == "influence_function"
    assert 0.005 < row["std_error"] < 0.03
    assert row["conf_low"] <= truth.loc[365, "risk_difference"] <= row["conf_high"]


@pytest.mark.slow
def test_monte_carlo_coverage_small() -> None:
    """40 replications of n = 1,500: bias near zero, 95% coverage within Monte Carlo error.

    The full study (200+ replications, all estimators, bootstrap) is
    analyses/monte_carlo_early_help.py.
    """
    truth = true_risks((365,)).set_index("horizon").loc[365, "risk_difference"]
    estimates, covered, ses = [], [], []
    for rep in range(40):
        data = simulate(1500, seed=1000 + rep)
        out = estimate_effects(
            data, covariates=COVARIATES, estimators=["aipw"], horizons=[365], bootstrap=0
        ).tidy()
        row = out[out["estimand"] == "risk_difference"].iloc[0]
        estimates.append(row["estimate"])
        ses.append(row["std_error"])
        covered.append(row["conf_low"] <= truth <= row["conf_high"])
    estimates_a = np.asarray(estimates)
    empirical_se = estimates_a.std(ddof=1)
    bias = estimates_a.mean() - truth
    assert abs(bias) < 3 * empirical_se / np.sqrt(len(estimates_a))
    coverage = float(np.mean(covered))
    mc_error = np.sqrt(0.95 * 0.05 / len(covered))
    assert abs(coverage - 0.95) <= 3 * mc_error + 1e-9
    # Model SE agrees with the empirical SE within 25%.
    assert np.mean(ses) == pytest.approx(empirical_se, rel=0.25)
