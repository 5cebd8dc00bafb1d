"""AFT models against R's survreg (frozen in tests/reference/survival).

Tolerances: estimates 1e-7 relative, standard errors 1e-6 relative, log-likelihood 1e-7.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.survival import fit_aft
from escalation.survival.aft import Distribution
from tests.survival.survival_reference import read, rossi, spells

COVARIATES = ["x1", "x2", "x3"]
DISTRIBUTIONS = ["weibull", "lognormal", "loglogistic"]


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_model_based_fit_matches_survreg(distribution: Distribution) -> None:
    ref = read("aft_reference.csv").query("distribution == @distribution")
    fit = fit_aft(spells(), COVARIATES, distribution=distribution, cluster=None)
    tidy = fit.tidy()
    assert list(tidy["term"]) == list(ref["term"])
    np.testing.assert_allclose(tidy["estimate"], ref["estimate"], rtol=1e-7)
    np.testing.assert_allclose(tidy["std_error"], ref["std_error"], rtol=1e-6)
    assert fit.loglik == pytest.approx(ref["loglik"].iloc[0], abs=1e-7)


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_cluster_robust_fit_matches_survreg(distribution: Distribution) -> None:
    ref = read("aft_cluster_reference.csv").query(
        "distribution == @distribution and variant == 'cluster'"
    )
    tidy = fit_aft(spells(), COVARIATES, distribution=distribution, cluster="cluster").tidy()
    np.testing.assert_allclose(tidy["estimate"], ref["estimate"], rtol=1e-7)
    np.testing.assert_allclose(tidy["std_error"], ref["std_error"], rtol=1e-6)


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
def test_weighted_estimates_match_survreg(distribution: Distribution) -> None:
    # survreg's robust variance with weights uses unweighted score residuals; ours uses
    # the weighted ones (as coxph), so only estimates and log-likelihood are compared.
    ref = read("aft_cluster_reference.csv").query(
        "distribution == @distribution and variant == 'weighted_cluster'"
    )
    fit = fit_aft(
        spells(),
        COVARIATES,
        distribution=distribution,
        weights="weight",
        cluster="cluster",
    )
    np.testing.assert_allclose(fit.tidy()["estimate"], ref["estimate"], rtol=1e-7)
    assert fit.loglik == pytest.approx(ref["loglik"].iloc[0], abs=1e-7)


def test_integer_weights_equal_replicated_rows() -> None:
    d = spells().assign(copies=lambda f: 1 + f["id"] % 3)
    weighted = fit_aft(d, COVARIATES, cluster="id", weights="copies")
    replicated = fit_aft(d.loc[d.index.repeat(d["copies"])], COVARIATES, cluster="id")
    pd.testing.assert_frame_equal(weighted.tidy(), replicated.tidy(), rtol=1e-7)


@pytest.mark.parametrize("distribution", DISTRIBUTIONS)
@pytest.mark.parametrize("cluster", ["id", "cluster"])
def test_weighted_standard_errors_equal_survreg_of_replicated_rows(
    distribution: Distribution, cluster: str
) -> None:
    # survreg(weights =, robust = TRUE) is not the weighted fit's variance (it is about half
    # as large here); survreg of the replicated rows is (tests/reference/survival/aft_weighted.R)
    ref = read("aft_weighted_reference.csv").query("distribution == @distribution")
    replicated = ref[ref["variant"] == f"replicated_{cluster}"]
    quirk = ref[ref["variant"] == f"survreg_weighted_{cluster}"]
    d = spells().assign(copies=lambda f: 1 + f["id"] % 3)
    fit = fit_aft(d, COVARIATES, distribution=distribution, cluster=cluster, weights="copies")
    tidy = fit.tidy()
    assert list(tidy["term"]) == list(replicated["term"])
    np.testing.assert_allclose(tidy["estimate"], replicated["estimate"], rtol=1e-7)
    np.testing.assert_allclose(tidy["std_error"], replicated["std_error"], rtol=1e-6)
    assert (tidy["std_error"].to_numpy() > 1.5 * quirk["std_error"].to_numpy()).all()


def test_predictions_follow_the_model() -> None:
    fit = fit_aft(rossi(), ["fin", "prio"], distribution="weibull", cluster=None)
    profiles = pd.DataFrame({"fin": [0, 1], "prio": [2, 2]})
    median = fit.predict_median(profiles)
    # the financial-aid profile lives exp(beta_fin) times longer
    beta = fit.coefficients
    assert median.iloc[1] / median.iloc[0] == pytest.approx(np.exp(beta["fin"]), rel=1e-12)
    surv = fit.predict_survival(profiles, [median.iloc[0]])
    assert surv["estimate"].iloc[0] == pytest.approx(0.5, abs=1e-12)
    assert fit.backend is not None
    assert "aic" in fit.glance().columns
    assert "Accelerated failure time (weibull)" in fit.summary().as_text()


def test_time_ratios_exponentiate() -> None:
    fit = fit_aft(rossi(), ["fin", "prio"], distribution="lognormal", cluster=None)
    ratios = fit.tidy(exponentiate=True).set_index("term")
    assert ratios.loc["fin", "estimate"] == pytest.approx(np.exp(fit.coefficients["fin"]))
    # the baseline rows are not ratios: they stay what their names say (log scale)
    for term in ("(Intercept)", "log(scale)"):
        assert ratios.loc[term, "estimate"] == pytest.approx(fit.coefficients[term])
    assert set(ratios["std_error_scale"]) == {"log"}


def test_time_ratios_match_lifelines_weibull() -> None:
    """Time ratios are lifelines' ``exp(coef)`` of the covariates; the intercept is its
    log scale ``lambda_`` intercept and log(scale) is minus its log shape ``rho_``."""
    from lifelines import WeibullAFTFitter

    data = rossi()
    fit = fit_aft(data, ["fin", "prio"], distribution="weibull", cluster=None)
    ours = fit.tidy(exponentiate=True).set_index("term")
    theirs = (
        WeibullAFTFitter()
        .fit(data[["duration", "event", "fin", "prio"]], "duration", "event")
        .summary
    )
    for term in ("fin", "prio"):
        row = theirs.loc[("lambda_", term)]
        assert ours.loc[term, "estimate"] == pytest.approx(row["exp(coef)"], rel=1e-5)
        assert ours.loc[term, "conf_low"] == pytest.approx(row["exp(coef) lower 95%"], rel=1e-4)
        assert ours.loc[term, "conf_high"] == pytest.approx(row["exp(coef) upper 95%"], rel=1e-4)
    intercept = theirs.loc[("lambda_", "Intercept"), "coef"]
    assert ours.loc["(Intercept)", "estimate"] == pytest.approx(intercept, rel=1e-5)
    log_shape = theirs.loc[("rho_", "Intercept"), "coef"]
    assert ours.loc["log(scale)", "estimate"] == pytest.approx(-log_shape, rel=1e-4)
    summary = fit.summary().table.set_index("term")
    assert summary.loc[["(Intercept)", "log(scale)"], "time ratio"].isna().all()
