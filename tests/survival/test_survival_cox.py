"""Cox models against R's coxph / cox.zph / survfit (frozen in tests/reference/survival).

Tolerances: coefficients 1e-7 relative, standard errors 1e-6 relative, log-likelihood
1e-8 absolute, cox.zph statistics 1e-6 relative, scaled Schoenfeld residuals and
predicted survival 1e-6 absolute (Efron-corrected baselines: tests/core).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.survival import CoxResult, fit_cox
from tests.survival.survival_reference import counting, read, rossi, spells, tmerge

COVARIATES = ["x1", "x2", "x3"]
ROSSI = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
TV = ["treatment_tv", "early_help_episodes"]


def fits() -> dict[str, CoxResult]:
    d, c = spells(), counting()
    return {
        "efron": fit_cox(d, COVARIATES, cluster=None),
        "breslow": fit_cox(d, COVARIATES, cluster=None, ties="breslow"),
        "weighted_cluster_efron": fit_cox(d, COVARIATES, cluster="cluster", weights="weight"),
        "weighted_cluster_breslow": fit_cox(
            d, COVARIATES, cluster="cluster", weights="weight", ties="breslow"
        ),
        "strata_efron": fit_cox(d, COVARIATES, cluster=None, strata="stratum"),
        "strata_breslow": fit_cox(d, COVARIATES, cluster=None, strata="stratum", ties="breslow"),
        "tv_efron": fit_cox(c, ["tv", "x1"], cluster=None, time_varying=True),
        "tv_breslow": fit_cox(c, ["tv", "x1"], cluster=None, time_varying=True, ties="breslow"),
        "tv_cluster_efron": fit_cox(c, ["tv", "x1"], cluster="id", time_varying=True),
        "tmerge_efron": fit_cox(tmerge(), TV, cluster="spell_id", time_varying=True),
        "tmerge_breslow": fit_cox(tmerge(), TV, cluster=None, time_varying=True, ties="breslow"),
        "rossi_efron": fit_cox(rossi(), ROSSI, cluster=None),
    }


@pytest.fixture(scope="module")
def fitted() -> dict[str, CoxResult]:
    return fits()


MODELS = [
    "efron",
    "breslow",
    "weighted_cluster_efron",
    "weighted_cluster_breslow",
    "strata_efron",
    "strata_breslow",
    "tv_efron",
    "tv_breslow",
    "tv_cluster_efron",
    "tmerge_efron",
    "tmerge_breslow",
    "rossi_efron",
]


@pytest.mark.parametrize("model", MODELS)
def test_coefficients_and_standard_errors_match_coxph(
    fitted: dict[str, CoxResult], model: str
) -> None:
    ref = read("cox_reference.csv").query("model == @model")
    fit = fitted[model]
    tidy = fit.tidy()
    assert list(tidy["term"]) == list(ref["term"])
    np.testing.assert_allclose(tidy["estimate"], ref["estimate"], rtol=1e-7)
    np.testing.assert_allclose(tidy["std_error"], ref["std_error"], rtol=1e-6)
    naive = np.sqrt(np.diag(fit.naive_covariance.to_numpy()))
    np.testing.assert_allclose(naive, ref["naive_std_error"], rtol=1e-6)
    assert fit.loglik == pytest.approx(ref["loglik"].iloc[0], abs=1e-8)
    assert fit.events == ref["events"].iloc[0]


def test_rossi_matches_published_coxph() -> None:
    # DOMAIN.md: R's coxph gives fin -0.37942 (SE 0.19138), prio 0.09150.
    tidy = fit_cox(rossi(), ROSSI, cluster=None).tidy().set_index("term")
    assert tidy.loc["fin", "estimate"] == pytest.approx(-0.37942, abs=5e-6)
    assert tidy.loc["fin", "std_error"] == pytest.approx(0.19138, abs=5e-6)
    assert tidy.loc["prio", "estimate"] == pytest.approx(0.09150, abs=5e-6)


def test_hazard_ratios_exponentiate_estimate_and_interval(fitted: dict[str, CoxResult]) -> None:
    log = fitted["efron"].tidy()
    hr = fitted["efron"].tidy(exponentiate=True)
    np.testing.assert_allclose(hr["estimate"], np.exp(log["estimate"]))
    np.testing.assert_allclose(hr["conf_low"], np.exp(log["conf_low"]))
    np.testing.assert_allclose(hr["std_error"], log["std_error"])
    z = 1.959963984540054
    np.testing.assert_allclose(log["conf_high"], log["estimate"] + z * log["std_error"])


@pytest.mark.parametrize(
    "model",
    ["efron", "breslow", "strata_efron", "tv_efron", "rossi_efron", "weighted_cluster_efron"],
)
@pytest.mark.parametrize("transform", ["km", "identity"])
def test_ph_test_matches_cox_zph(fitted: dict[str, CoxResult], model: str, transform: str) -> None:
    ref = read("zph_reference.csv").query("model == @model and transform == @transform")
    test = fitted[model].ph_test(transform)  # type: ignore[arg-type]
    np.testing.assert_allclose(test["statistic"], ref["chisq"], rtol=1e-6)
    np.testing.assert_allclose(test["p_value"], ref["p"], rtol=1e-5)
    assert list(test["df"]) == list(ref["df"])


ZPH_TERMS = {
    "factor": "x1 + C(group) + x3",
    "interaction": "x1 + C(group) + x1:C(group)",
    "spline": "bs(x1, df=3) + x2 + C(group)",
}


@pytest.mark.parametrize("model", [*ZPH_TERMS, "factor_covariates"])
@pytest.mark.parametrize("transform", ["km", "identity"])
def test_ph_test_has_one_row_per_term_as_cox_zph(model: str, transform: str) -> None:
    # a factor, an interaction or a spline is one test on its df (tests/reference/survival/
    # zph_terms.R); it was one 1-df row per indicator column
    if model == "factor_covariates":
        fit = fit_cox(spells(), ["x1", "group", "x3"], cluster=None, min_count=1)
        names = ["x1", "group", "x3", "global"]
        model = "factor"
    else:
        fit = fit_cox(spells(), f"Surv(duration, event == 1) ~ {ZPH_TERMS[model]}", cluster=None)
        names = [t.strip() for t in ZPH_TERMS[model].split("+")] + ["global"]
    ref = read("zph_terms_reference.csv").query("model == @model and transform == @transform")
    test = fit.ph_test(transform)  # type: ignore[arg-type]
    assert test["term"].tolist() == names
    np.testing.assert_allclose(test["statistic"], ref["chisq"], rtol=1e-6)
    np.testing.assert_allclose(test["p_value"], ref["p"], rtol=1e-5)
    assert list(test["df"]) == list(ref["df"])


@pytest.mark.parametrize("model", ["efron", "strata_efron", "rossi_efron", "tv_efron"])
def test_scaled_schoenfeld_residuals_match_cox_zph(
    fitted: dict[str, CoxResult], model: str
) -> None:
    ref = read("zph_residuals.csv").query("model == @model")
    ours = fitted[model].schoenfeld()
    assert list(ours.columns[:4]) == ["time", "transformed_time", "covariate", "residual"]
    keys = ["covariate", "time", "residual"]
    # R orders tied counting-process rows differently: compare within (covariate, time)
    a = ours.sort_values(keys).reset_index(drop=True)
    b = ref.sort_values(keys).reset_index(drop=True)
    assert len(a) == len(b)
    np.testing.assert_allclose(a["residual"], b["residual"], atol=1e-6)
    np.testing.assert_allclose(a["transformed_time"], b["transformed_time"], atol=1e-12)


@pytest.mark.parametrize("model", ["breslow"])
def test_predicted_survival_matches_survfit(fitted: dict[str, CoxResult], model: str) -> None:
    # Breslow ties: survfit's ctype = 1 (its default after a Breslow fit). Efron fits are
    # compared with survfit's defaults in tests/core/test_core_baseline.py.
    ref = read("cox_predict.csv").query("model == @model")
    profiles = pd.DataFrame({"x1": [-1, 0, 1.5], "x2": [0, 1, 1], "x3": [0, 2, 4]})
    ours = fitted[model].predict_survival(profiles, [5, 20, 60, 100])
    np.testing.assert_allclose(ours["estimate"], ref["survival"], atol=1e-6)
    assert list(ours["profile"]) == list(ref["profile"])


def test_stratified_prediction_needs_the_stratum(fitted: dict[str, CoxResult]) -> None:
    from escalation.errors import DesignError

    profiles = pd.DataFrame({"x1": [0.0], "x2": [1], "x3": [1]})
    with pytest.raises(DesignError, match="strata column"):
        fitted["strata_efron"].predict_survival(profiles, [10])
    by_stratum = fitted["strata_efron"].predict_survival(
        pd.concat([profiles.assign(stratum=1), profiles.assign(stratum=2)], ignore_index=True),
        [30],
    )
    assert by_stratum["estimate"].iloc[0] != pytest.approx(by_stratum["estimate"].iloc[1])


def test_unit_weights_change_nothing() -> None:
    d = spells().assign(one=1.0)
    plain = fit_cox(d, COVARIATES, cluster="cluster")
    weighted = fit_cox(d, COVARIATES, cluster="cluster", weights="one")
    pd.testing.assert_frame_equal(plain.tidy(), weighted.tidy(), rtol=1e-9)


def test_integer_weights_equal_replicated_rows() -> None:
    # V sum((w s)(w s)') V with clusters = ids equals the sandwich on replicated rows
    d = spells().assign(copies=lambda f: 1 + f["id"] % 3)
    weighted = fit_cox(d, COVARIATES, cluster="id", weights="copies", ties="breslow")
    long = d.loc[d.index.repeat(d["copies"])]
    replicated = fit_cox(long, COVARIATES, cluster="id", ties="breslow")
    pd.testing.assert_frame_equal(weighted.tidy(), replicated.tidy(), rtol=1e-7)


def test_missing_cluster_is_a_family_of_one() -> None:
    # family_id is optional: a spell without one is its own cluster, never pooled with others
    d = spells()
    missing = d["id"] % 2 == 0
    with_gaps = d.assign(family=d["cluster"].astype(str).where(~missing, None))
    own = d.assign(family=d["cluster"].astype(str).where(~missing, "lone-" + d["id"].astype(str)))
    a = fit_cox(with_gaps, COVARIATES, cluster="family").tidy()
    b = fit_cox(own, COVARIATES, cluster="family").tidy()
    pd.testing.assert_frame_equal(a, b, rtol=1e-10)


def test_row_order_does_not_matter() -> None:
    d = spells()
    shuffled = d.sample(frac=1.0, random_state=3)
    a = fit_cox(d, COVARIATES, cluster="cluster", strata="stratum").tidy()
    b = fit_cox(shuffled, COVARIATES, cluster="cluster", strata="stratum").tidy()
    pd.testing.assert_frame_equal(a, b, rtol=1e-8)


def test_result_interface(fitted: dict[str, CoxResult]) -> None:
    fit = fitted["weighted_cluster_efron"]
    glance = fit.glance()
    assert glance.loc[0, "n"] == 400
    assert glance.loc[0, "variance"] == "robust"
    assert "lifelines" in glance.columns
    text = fit.summary().as_text()
    assert "Cox proportional hazards" in text and "x1" in text
    assert "<table" in fit.summary().as_html()
    assert fit.backend.params_.index.tolist() == COVARIATES
    base = fit.baseline_hazard()
    assert base["cumulative_hazard"].is_monotonic_increasing


def test_fit_on_spell_data_for_the_pipeline() -> None:
    from escalation import default_design
    from escalation.timeline import build_spells
    from tests.timeline.timeline_support import synthetic_history

    data = build_spells(synthetic_history(2000, 5), default_design())
    fit = _fit_quietly(data)
    hr = fit.tidy(exponentiate=True)
    assert set(hr.columns) >= {"term", "estimate", "conf_low", "conf_high", "p_value"}
    assert fit.variance == "robust"  # clustered by family by default
    residuals = fit.schoenfeld()
    assert list(residuals.columns[:4]) == ["time", "transformed_time", "covariate", "residual"]
    assert len(residuals) == fit.events * len(hr)
    tv = _fit_quietly(data, time_varying=True)
    assert tv.tidy()["term"].iloc[0] == "treatment_started"


def _fit_quietly(data: object, **kwargs: object) -> CoxResult:
    import warnings

    from escalation.errors import StatisticalWarning

    with warnings.catch_warnings():
        # the synthetic history makes some design covariates collinear or constant
        warnings.simplefilter("ignore", StatisticalWarning)
        return fit_cox(data, **kwargs)  # type: ignore[arg-type]


def test_concordance_compares_pairs_within_strata() -> None:
    from lifelines.utils import concordance_index

    plain = fit_cox(spells(), COVARIATES, cluster=None)
    data = plain._model.data
    eta = data.x @ plain.coefficients.to_numpy()
    reference = concordance_index(data.stop, -eta, data.status)  # lifelines, no strata
    assert plain.glance()["concordance"].iloc[0] == pytest.approx(reference, abs=1e-12)
    # Stratum "b" fails ten times faster but has the lower covariate values: across strata
    # the covariate ranks pairs backwards; within strata (as R's coxph) it ranks them well.
    rng = np.random.default_rng(8)
    n = 2000
    stratum = np.repeat(["a", "b"], n // 2)
    x = rng.normal(size=n) + np.where(stratum == "b", -2.0, 2.0)
    base = np.where(stratum == "b", 10.0, 1.0)
    time = rng.exponential(100 / (base * np.exp(0.4 * x)))
    frame = pd.DataFrame({"duration": np.ceil(time), "event": 1, "x": x, "stratum": stratum})
    fit = fit_cox(frame, ["x"], strata="stratum", cluster=None)
    assert fit.glance()["concordance"].iloc[0] > 0.58


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_zero_weights_equal_leaving_the_rows_out(ties: str) -> None:
    d = spells().assign(w=lambda f: np.where(f["id"] % 5 == 0, 0.0, 1.0 + f["id"] % 3))
    zero = fit_cox(d, COVARIATES, cluster="cluster", weights="w", ties=ties).tidy()  # type: ignore[arg-type]
    kept = fit_cox(d[d["w"] > 0], COVARIATES, cluster="cluster", weights="w", ties=ties).tidy()  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(zero, kept, rtol=1e-10)
    assert zero["std_error"].notna().all()


@pytest.fixture(scope="module")
def simulated() -> object:
    from escalation import build_spells, default_design, simulate_local_authority

    return build_spells(simulate_local_authority(5_000, seed=1).history, default_design())


@pytest.mark.parametrize(
    ("covariates", "treatment"),
    [
        (["age"], "treatment_started"),
        (["age", "treatment"], "treatment_started"),
        (["treatment", "age"], "treatment_started"),
        (["age", "treatment_started"], "treatment_started"),
        (["age", "treatment_tv"], "treatment_tv"),  # under way only: fitted as asked
    ],
)
def test_time_varying_fit_on_spell_data_always_uses_a_time_varying_treatment(
    simulated: object, covariates: list[str], treatment: str
) -> None:
    # the listed covariates are kept; a baseline "treatment" becomes treatment_started (using
    # it from time zero on the counting rows would give the treated spells immortal time)
    data = simulated
    formula = f"Surv(start, stop, event) ~ age + {treatment} + cluster(family_id)"
    expected = _fit_quietly(data.counting, covariates=formula).coefficients  # type: ignore[attr-defined]
    got = _fit_quietly(data, covariates=covariates, time_varying=True)
    assert sorted(got.coefficients.index) == ["age", treatment]
    assert got.variance == "robust"
    np.testing.assert_allclose(got.coefficients[expected.index], expected, rtol=1e-9)
    assert "treatment" in _fit_quietly(data, covariates=["age", "treatment"]).coefficients


def test_time_varying_fit_finds_no_effect_where_early_help_has_none() -> None:
    """Simulated authorities where early help has no effect (hazard ratio 1): the default
    time-varying fit (the design's covariates and ``treatment_started``, 1 from the start of
    early help on) covers a hazard ratio of 1 on each of three authorities of 5,000
    children (each a 5% chance of missing). ``treatment_tv`` (1 only while early help is
    under way) excludes 1 on each: early help ends when a case steps up, just before it
    escalates, so help without effect looks protective (0.60 to 0.72 on five such
    authorities); that was the default before."""
    from escalation import build_spells, default_design
    from escalation.data.simulator import SimulationConfig, simulate_local_authority

    config = SimulationConfig(notes=False, early_help_hazard_ratio=1.0)
    for seed in (1, 2, 3):
        history = simulate_local_authority(5_000, seed=seed, config=config).history
        data = build_spells(history, default_design())
        started = _fit_quietly(data, time_varying=True).tidy(exponentiate=True).iloc[0]
        assert started["term"] == "treatment_started"
        assert started["conf_low"] <= 1 <= started["conf_high"], started
        covariates = ["treatment_tv", *data.model_covariates]
        under_way = _fit_quietly(data, covariates=covariates, time_varying=True)
        row = under_way.tidy(exponentiate=True).iloc[0]
        assert row["term"] == "treatment_tv" and row["conf_high"] < 1, row


def test_time_varying_disagreeing_with_a_spell_formula_is_refused(simulated: object) -> None:
    from escalation.errors import DesignError

    with pytest.raises(DesignError, match=r"Surv\(start, stop, event\)"):
        fit_cox(simulated, "Surv(duration, event) ~ age", time_varying=True)  # type: ignore[arg-type]
