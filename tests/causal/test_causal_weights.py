"""Propensity, weights, balance, positivity, bootstrap and engine invariants."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression

from escalation.causal import (
    balance_table,
    cluster_bootstrap,
    cluster_standard_error,
    effective_sample_size,
    fit_propensity,
    positivity_check,
    treatment_weights,
)
from escalation.causal.curves import run_estimator
from escalation.errors import DataValidationError, DesignError, StatisticalWarning

from .causal_support import simulate

COVARIATES = ["risk", "factor", "age"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return simulate(3000, seed=2)


def test_logistic_propensity_matches_statsmodels_and_sklearn(data: pd.DataFrame) -> None:
    fit = fit_propensity(data, "treatment", COVARIATES)
    unpenalised = LogisticRegression(C=np.inf, max_iter=5000).fit(
        data[COVARIATES].to_numpy(float), data["treatment"]
    )
    np.testing.assert_allclose(fit.backend.params[1:], unpenalised.coef_[0], rtol=1e-3)
    np.testing.assert_allclose(
        fit.scores, unpenalised.predict_proba(data[COVARIATES].to_numpy(float))[:, 1], atol=1e-4
    )
    learner = fit_propensity(data, "treatment", COVARIATES, model="learner", learner=unpenalised)
    np.testing.assert_allclose(learner.scores, fit.scores, atol=1e-4)
    assert learner.tidy().empty
    assert list(fit.overlap().columns) == ["propensity", "treatment", "weight"]


def test_treatment_column_is_validated(data: pd.DataFrame) -> None:
    bad = data.assign(treatment=data["treatment"].replace({1: 2}))
    with pytest.raises(DataValidationError, match="must be 0 or 1"):
        fit_propensity(bad, "treatment", COVARIATES)
    with pytest.raises(DesignError, match="only the value"):
        fit_propensity(data.assign(treatment=0), "treatment", COVARIATES)


def test_weights_balance_the_covariates(data: pd.DataFrame) -> None:
    fit = fit_propensity(data, "treatment", COVARIATES)
    for estimand in ("ate", "att", "overlap"):
        w = treatment_weights(fit.scores, fit.treatment, estimand=estimand)
        table = balance_table(fit.matrix, fit.treatment, w)
        before = table[table["sample"] == "unweighted"]["smd"].abs()
        after = table[table["sample"] == "weighted"]["smd"].abs()
        assert before.max() > 0.3
        if estimand == "overlap":
            # Overlap weights balance means exactly under a logistic propensity model.
            assert after.max() < 1e-8
        else:
            assert after.max() < 0.1


def test_stabilised_ate_weights_average_one_and_truncation(data: pd.DataFrame) -> None:
    fit = fit_propensity(data, "treatment", COVARIATES)
    w = treatment_weights(fit.scores, fit.treatment)
    assert w.mean() == pytest.approx(1.0, abs=0.05)
    raw = treatment_weights(fit.scores, fit.treatment, stabilize=False)
    p = fit.treatment.mean()
    np.testing.assert_allclose(w, raw * np.where(fit.treatment == 1, p, 1 - p))
    cut = treatment_weights(fit.scores, fit.treatment, truncate=1)
    assert cut.max() <= np.percentile(w, 99) + 1e-12
    assert effective_sample_size(cut) >= effective_sample_size(w)
    with pytest.raises(DesignError, match="percentile"):
        treatment_weights(fit.scores, fit.treatment, truncate=60)


def test_positivity_warning_names_covariates_and_counts_only() -> None:
    rng = np.random.default_rng(0)
    n = 2000
    frame = pd.DataFrame({"severe": rng.random(n) < 0.05, "age": rng.uniform(0, 17, n)})
    frame["severe"] = frame["severe"].astype(float)
    p = np.where(frame["severe"] == 1, 0.995, 0.3)
    a = (rng.random(n) < p).astype(int)
    matrix = frame[["severe", "age"]]
    with pytest.warns(StatisticalWarning, match=r"positivity: \d+ children .* severe"):
        table = positivity_check(p, a, matrix)
    assert table["covariate"].iloc[0] == "severe"
    assert table["n_extreme"].iloc[0] == int((frame["severe"] == 1).sum())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert positivity_check(np.full(n, 0.5), a, matrix).empty


def test_frequency_weights_equal_duplicated_rows(data: pd.DataFrame) -> None:
    x = data[COVARIATES].to_numpy(float)
    arrays = (
        data["duration"].to_numpy(float),
        data["event"].to_numpy(),
        data["treatment"].to_numpy(),
    )
    h = np.array([365.0, 730.0])
    counts = np.random.default_rng(4).integers(0, 3, len(data))
    rows = np.repeat(np.arange(len(data)), counts)
    keep = counts > 0
    for method in ("unadjusted", "ipw", "gformula", "aipw"):
        dup = run_estimator(method, *(v[rows] for v in arrays), x[rows], h, h)
        wtd = run_estimator(
            method,
            *(v[keep] for v in arrays),
            x[keep],
            h,
            h,
            case_weights=counts[keep].astype(float),
        )
        np.testing.assert_allclose(dup.risk, wtd.risk, atol=1e-10)
        np.testing.assert_allclose(dup.rmst, wtd.rmst, atol=1e-7)


def test_row_order_does_not_change_estimates(data: pd.DataFrame) -> None:
    x = data[COVARIATES].to_numpy(float)
    order = np.random.default_rng(1).permutation(len(data))
    h = np.array([365.0])
    for method in ("ipw", "gformula", "aipw"):
        a = run_estimator(
            method,
            data["duration"].to_numpy(float),
            data["event"].to_numpy(),
            data["treatment"].to_numpy(),
            x,
            h,
            h,
        )
        b = run_estimator(
            method,
            data["duration"].to_numpy(float)[order],
            data["event"].to_numpy()[order],
            data["treatment"].to_numpy()[order],
            x[order],
            h,
            h,
        )
        np.testing.assert_allclose(a.risk, b.risk, atol=1e-10)


def _mean(rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.array([values[rows].mean()])


def test_bootstrap_reproducible_and_independent_of_workers() -> None:
    values = np.random.default_rng(0).normal(size=300)
    cluster = np.arange(300) // 3
    one = cluster_bootstrap(_mean, cluster, 40, args=(values,), seed=9)
    again = cluster_bootstrap(_mean, cluster, 40, args=(values,), seed=9)
    two = cluster_bootstrap(_mean, cluster, 40, args=(values,), seed=9, n_jobs=2)
    np.testing.assert_array_equal(one, again)
    np.testing.assert_array_equal(one, two)
    assert not np.array_equal(one, cluster_bootstrap(_mean, cluster, 40, args=(values,), seed=10))


def test_cluster_bootstrap_and_influence_se_reflect_family_correlation() -> None:
    """Siblings sharing a value: clustered SEs are larger than naive ones (sqrt(3) here)."""
    rng = np.random.default_rng(3)
    family = np.repeat(np.arange(400), 3)
    values = rng.normal(size=400)[family]
    phi = (values - values.mean())[:, None]
    naive = cluster_standard_error(phi)[0]
    clustered = cluster_standard_error(phi, family)[0]
    assert clustered / naive == pytest.approx(np.sqrt(3), rel=0.01)
    reps = cluster_bootstrap(_mean, family, 300, args=(values,), seed=1)
    assert reps.std(ddof=1) == pytest.approx(clustered, rel=0.15)


def test_missing_family_is_a_family_of_one() -> None:
    """family_id is optional: children without one are not pooled into one big family."""
    rng = np.random.default_rng(5)
    phi = rng.normal(size=(300, 1))
    family = np.repeat(np.arange(100), 3).astype(object)
    family[::2] = None
    own = family.copy()
    own[::2] = [f"lone-{i}" for i in range(len(own[::2]))]
    se_missing = cluster_standard_error(phi, family)[0]
    assert se_missing == pytest.approx(cluster_standard_error(phi, own)[0], rel=1e-12)
    one = cluster_bootstrap(_mean, family, 30, args=(phi[:, 0],), seed=2)
    two = cluster_bootstrap(_mean, pd.array(family, dtype="string"), 30, args=(phi[:, 0],), seed=2)
    np.testing.assert_array_equal(one, two)


def test_clustered_errors_keep_the_shape_of_the_influence_values() -> None:
    """Per element of the trailing axes, the square root of the summed squared cluster
    totals over n; an influence array with no elements beyond the rows gives none."""
    phi = np.arange(12.0).reshape(4, 3) - 5.5
    family = np.array([0, 1, 0, 1])
    totals = np.array([phi[0] + phi[2], phi[1] + phi[3]])
    expected = np.sqrt((totals**2).sum(axis=0)) / 4
    np.testing.assert_allclose(cluster_standard_error(phi, family), expected, rtol=1e-14)
    assert cluster_standard_error(np.zeros((4, 0)), family).shape == (0,)
    assert cluster_standard_error(np.zeros((4, 2, 0)), family).shape == (2, 0)


@pytest.mark.parametrize(("column", "value"), [("duration", -3.0), ("event", -1), ("event", 0.5)])
def test_invalid_outcomes_are_refused_with_their_row(column: str, value: float) -> None:
    from escalation.causal import estimate_effects

    data = simulate(200, seed=1)
    data[column] = data[column].astype(float)
    data.loc[9, column] = value
    with pytest.raises(DataValidationError, match=f"row 9, column '{column}'"):
        estimate_effects(data, covariates=["risk"], estimators=["ipw"], horizons=[365], bootstrap=0)


def test_horizon_past_follow_up_is_flagged() -> None:
    from escalation.causal import estimate_effects

    data = simulate(300, seed=2)
    # past every spell's follow-up: refused (was exit 0 with carried-forward risks)
    short = data.assign(duration=data["duration"].clip(upper=300))
    with pytest.raises(DesignError, match=r"horizon\(s\) 365 days are past the longest"):
        estimate_effects(
            short, covariates=["risk"], estimators=["ipw"], horizons=[365], bootstrap=0
        )
    # past one arm's follow-up only: a warning
    untreated = data["treatment"] == 0
    data.loc[untreated, "duration"] = data.loc[untreated, "duration"].clip(upper=300)
    assert data["duration"].max() > 365
    with pytest.warns(StatisticalWarning, match=r"horizon\(s\) 365 days are past"):
        estimate_effects(data, covariates=["risk"], estimators=["ipw"], horizons=[365], bootstrap=0)


def test_a_handful_of_spells_is_refused_not_estimated_as_zero() -> None:
    from escalation.causal import estimate_effects

    data = simulate(300, seed=2)
    with pytest.raises(DesignError, match="too few spells to estimate effects"):
        estimate_effects(data.head(5), covariates=["risk"], horizons=[365], bootstrap=0)
    no_events = data.assign(event=0)
    with pytest.raises(DesignError, match="with 0 escalations"):
        estimate_effects(no_events, covariates=["risk"], horizons=[365], bootstrap=0)
    # refused before any model is fitted: 3 treated spells that the covariate separates
    # made the propensity model overflow (a warning) before the refusal came
    few = pd.concat([data[data["treatment"] == 0].head(12), data[data["treatment"] == 1].head(3)])
    few = few.assign(risk=np.where(few["treatment"] == 1, 50.0, -50.0))
    with pytest.raises(DesignError, match="3 treated and 12 untreated"):
        estimate_effects(few, covariates=["risk"], horizons=[365], bootstrap=0)


def test_simplified_competing_model_is_recorded() -> None:
    from escalation.causal import estimate_effects

    data = simulate(300, seed=3)
    deaths = int((data["event"] == 2).sum())
    columns = 1 + 3  # treatment and the three covariates
    kwargs = {"covariates": ["risk", "factor", "age"], "horizons": [365], "bootstrap": 0}
    assert 0 < deaths < 5 * columns
    with pytest.warns(StatisticalWarning, match="competing event by treatment only"):
        fit = estimate_effects(data, estimators=["gformula"], **kwargs)
    assert fit.settings["competing_model"] == "treatment only"
    many = simulate(3000, seed=3)
    assert (
        estimate_effects(many, estimators=["gformula"], **kwargs).settings["competing_model"]
        == "covariates"
    )


@pytest.mark.parametrize("estimand", ["ate", "att"])
def test_a_treated_unit_scored_exactly_one_gives_its_weight_without_a_warning(
    estimand: str,
) -> None:
    # a saturated logistic fit in a bootstrap replicate scores a treated unit 1.0; its
    # weight is finite, and the untreated-arm formula must not be evaluated for it
    from escalation.causal.weights import treatment_weights

    w = treatment_weights([1.0, 0.5, 0.0], [1, 1, 0], estimand=estimand, stabilize=False)
    expected = {"ate": [1.0, 2.0, 1.0], "att": [1.0, 1.0, 0.0]}[estimand]
    np.testing.assert_allclose(w, expected)
