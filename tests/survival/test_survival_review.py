"""Review against R of survival cases the other references left untested (``survrev.R``).

Frozen values: ``tests/reference/survival/survrev_reference.csv``, written by
``Rscript tests/reference/survival/survrev.R`` (R 4.2.2, survival 3.5.3, cmprsk 2.2.11;
``coxph`` converged to ``eps = 1e-12``). Long form: ``case, key, quantity, value``.

- Cox on (start, stop] rows with strata, non-integer case weights and a cluster (Efron and
  Breslow): coefficients, robust and model-based SEs, log-likelihood, concordance and
  ``cox.zph`` (KM and identity transforms, per term and GLOBAL);
- a covariate constant within strata (R: NA; here left out with a warning);
- weights + strata + cluster on spells: ``cox.zph`` and concordance;
- predicted survival for profiles with its standard error and interval, as
  ``summary(survfit(coxph, newdata), times)`` (``conf.type`` log, log-log, plain; plain,
  stratified, weighted with a cluster, and (start, stop] models);
- quantiles 0.25, 0.5, 0.75 of Kaplan–Meier curves (overall, weighted, by group) with their
  limits, as ``quantile(survfit)``;
- Fine–Gray with family clusters (and case weights) against ``finegray`` + ``coxph``, and
  against ``cmprsk::crr`` on untied times; cause-specific Cox with weights and clusters;
  Gray's test with ``strata =`` and ``rho = 1``; AFT (three distributions) with a factor
  and family clusters.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError, StatisticalWarning
from escalation.survival import (
    fit_aft,
    fit_cause_specific,
    fit_cox,
    fit_fine_gray,
    gray_test,
    kaplan_meier,
)
from tests.survival.survival_reference import REFERENCE, counting, read, spells

PROFILES = pd.DataFrame(
    {"x1": [-1.0, 0.0, 1.5], "x2": [0, 1, 1], "x3": [0, 2, 4], "stratum": [1, 2, 1]}
)
TIMES = [5.0, 20.0, 60.0, 90.0]


def _reference(case: str, quantity: str) -> pd.Series:
    frame = read("survrev_reference.csv")
    rows = frame[(frame["case"] == case) & (frame["quantity"] == quantity)]
    assert len(rows), f"no reference rows for {case} {quantity}"
    return pd.Series(rows["value"].to_numpy(dtype=float), index=rows["key"].to_numpy())


def _counting() -> pd.DataFrame:
    rows = counting()
    return rows.assign(s2=rows["id"] % 2, w=0.5 + (rows["id"] % 3) / 2, fam=rows["id"] // 3)


def _close(ours: pd.Series, case: str, quantity: str, rtol: float) -> None:
    ref = _reference(case, quantity).drop(["sc"], errors="ignore")  # R's NA coefficient
    np.testing.assert_allclose(ours.reindex(ref.index).to_numpy(float), ref.to_numpy(), rtol=rtol)


def _zph(fit: object, transform: str) -> pd.Series:
    table = fit.ph_test(transform).set_index("term")["statistic"]  # type: ignore[attr-defined]
    return table.rename({"global": "GLOBAL"})


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_counting_rows_with_strata_weights_and_cluster(ties: str) -> None:
    fit = fit_cox(
        _counting(),
        ["tv", "x1"],
        duration="stop",
        strata="s2",
        weights="w",
        cluster="fam",
        ties=ties,  # type: ignore[arg-type]
        time_varying=True,
    )
    case = f"cox_tv_strata_w_{ties}"
    _close(fit.coefficients, case, "estimate", 1e-8)
    se = pd.Series(np.sqrt(np.diag(fit.covariance)), fit.coefficients.index)
    naive = pd.Series(np.sqrt(np.diag(fit.naive_covariance)), fit.coefficients.index)
    _close(se, case, "std_error", 1e-7)
    _close(naive, case, "naive_std_error", 1e-7)
    _close(pd.Series({"model": fit.loglik}), case, "loglik", 1e-10)
    _close(pd.Series({"model": fit._concordance()}), case, "concordance", 1e-10)
    for transform in ("km", "identity"):
        _close(_zph(fit, transform), f"zph_tv_strata_w_{ties}_{transform}", "chisq", 1e-7)


def test_a_covariate_constant_within_strata_is_left_out_as_r_gives_na() -> None:
    d = spells().assign(sc=lambda f: 2 * f["stratum"] + 1)
    with pytest.warns(StatisticalWarning, match="sc"):
        fit = fit_cox(d, ["x1", "sc", "x2"], cause=1, strata="stratum", cluster=None)
    assert np.isnan(_reference("cox_const_in_strata", "estimate")["sc"])
    assert "sc" in fit.dropped_terms and "sc" not in fit.coefficients.index
    _close(fit.coefficients, "cox_const_in_strata", "estimate", 1e-8)
    se = pd.Series(np.sqrt(np.diag(fit.covariance)), fit.coefficients.index)
    _close(se, "cox_const_in_strata", "std_error", 1e-7)
    _close(_zph(fit, "km"), "zph_const_in_strata", "chisq", 1e-7)


def test_cox_weights_strata_cluster_zph_and_concordance() -> None:
    fit = fit_cox(
        spells(), ["x1", "x2", "x3"], cause=1, strata="stratum", weights="weight", cluster="cluster"
    )
    _close(fit.coefficients, "cox_strata_w_cl", "estimate", 1e-8)
    se = pd.Series(np.sqrt(np.diag(fit.covariance)), fit.coefficients.index)
    _close(se, "cox_strata_w_cl", "std_error", 1e-7)
    _close(pd.Series({"model": fit._concordance()}), "cox_strata_w_cl", "concordance", 1e-10)
    for transform in ("km", "identity"):
        _close(_zph(fit, transform), f"zph_strata_w_cl_{transform}", "chisq", 1e-7)


_PREDICT_MODELS = {
    "plain_efron": {},
    "plain_breslow": {"ties": "breslow"},
    "strata_efron": {"strata": "stratum"},
    "weighted_cluster_efron": {"weights": "weight", "cluster": "cluster"},
    "strata_weighted_cluster_breslow": {
        "strata": "stratum",
        "weights": "weight",
        "cluster": "cluster",
        "ties": "breslow",
    },
}


def _compare_prediction(ours: pd.DataFrame, case: str) -> None:
    keys = [f"{p}@{t:g}" for p, t in zip(ours["profile"], ours["time"], strict=True)]
    keyed = ours.assign(key=keys).set_index("key")
    for column, quantity in [
        ("estimate", "survival"),
        ("std_error", "std_err"),
        ("conf_low", "lower"),
        ("conf_high", "upper"),
    ]:
        _close(keyed[column], case, quantity, 1e-10)
    assert (ours["conf_level"] == 0.95).all()


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
@pytest.mark.parametrize("model", list(_PREDICT_MODELS))
def test_predicted_survival_interval_is_survfit_coxph(model: str, conf_type: str) -> None:
    # R: summary(survfit(fit, newdata = profile, conf.type), times) per profile
    kwargs = {"cluster": None} | _PREDICT_MODELS[model]
    fit = fit_cox(spells(), ["x1", "x2", "x3"], cause=1, **kwargs)  # type: ignore[arg-type]
    ours = fit.predict_survival(PROFILES, TIMES, conf_int=True, conf_type=conf_type)  # type: ignore[arg-type]
    _compare_prediction(ours, f"predict_{model}_{conf_type}")
    # the estimate is the one predict_survival gives without the interval
    plain = fit.predict_survival(PROFILES, TIMES)
    np.testing.assert_array_equal(plain["estimate"], ours["estimate"])
    assert list(plain.columns) == ["profile", "time", "estimate"]


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_predicted_survival_interval_of_counting_rows(ties: str) -> None:
    fit = fit_cox(
        _counting(),
        ["tv", "x1"],
        duration="stop",
        strata="s2",
        weights="w",
        cluster="fam",
        ties=ties,  # type: ignore[arg-type]
        time_varying=True,
    )
    profiles = pd.DataFrame({"tv": [0, 1, 1], "x1": [-0.5, 0.0, 1.2], "s2": [0, 1, 0]})
    ours = fit.predict_survival(profiles, [3.0, 10.0, 25.0, 40.0], conf_int=True)
    _compare_prediction(ours, f"predict_tv_strata_w_{ties}_log")


def test_predicted_survival_interval_edges() -> None:
    fit = fit_cox(spells(), ["x1", "x2", "x3"], cause=1, strata="stratum", cluster=None)
    ours = fit.predict_survival(PROFILES, [0.5, 99.0], conf_int=True)
    early = ours[ours["time"] == 0.5]  # before the first event: S = 1, no spread
    assert (early["estimate"] == 1.0).all() and (early["std_error"] == 0.0).all()
    assert (early["conf_low"] == 1.0).all() and (early["conf_high"] == 1.0).all()
    # day 99 is past stratum 2's last follow-up (98): unknown, interval too
    past = ours[(ours["time"] == 99.0) & (ours["profile"] == 1)]
    assert past[["estimate", "std_error", "conf_low", "conf_high"]].isna().all(axis=None)
    with pytest.raises(DesignError, match="conf_type"):
        fit.predict_survival(PROFILES, [5.0], conf_int=True, conf_type="logit")  # type: ignore[arg-type]


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
@pytest.mark.parametrize("curve", ["overall", "weighted", "by_group"])
def test_quantiles_and_limits_are_r_quantile_survfit(curve: str, conf_type: str) -> None:
    d = spells().assign(event=lambda f: (f["event"] > 0).astype(int))
    options = {"weighted": {"weights": "weight"}, "by_group": {"group": "group"}}.get(curve, {})
    km = kaplan_meier(d, conf_type=conf_type, **options)  # type: ignore[arg-type]
    case = f"quantile_{curve}_{conf_type}"
    for p in (0.25, 0.5, 0.75):
        q = km.quantile(p)
        groups = q["group"] if curve == "by_group" else ["all"] * len(q)
        keys = [f"{g}@{p:g}" for g in groups]
        for column, quantity in [
            ("estimate", "quantile"),
            ("conf_low", "lower"),
            ("conf_high", "upper"),
        ]:
            ref = _reference(case, quantity).reindex(keys).to_numpy()
            np.testing.assert_allclose(q[column].to_numpy(float), ref, rtol=1e-12)


@pytest.mark.parametrize("cause", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
def test_fine_gray_with_family_clusters_is_finegray_coxph(cause: int, weighted: bool) -> None:
    fit = fit_fine_gray(
        spells(),
        ["x1", "x2", "x3"],
        cause=cause,
        cluster="cluster",
        weights="weight" if weighted else None,
    )
    case = f"finegray_{'weighted_' if weighted else ''}family_cause{cause}"
    _close(fit.coefficients, case, "estimate", 1e-8)
    _close(pd.Series(fit.std_error, fit.coefficients.index), case, "std_error", 1e-7)


@pytest.mark.parametrize("cause", [1, 2])
def test_fine_gray_is_crr_on_untied_times(cause: int) -> None:
    # crr's variance also carries the estimation of the censoring distribution; the
    # robust variance of finegray + coxph (and of escalation) does not: 2e-3 apart here
    d = spells().assign(duration=lambda f: f["duration"] + f["id"] * 1e-5)
    fit = fit_fine_gray(d, ["x1", "x2", "x3"], cause=cause, cluster=None)
    index = fit.coefficients.index
    _close(fit.coefficients, f"crr_untied_cause{cause}", "estimate", 1e-7)
    _close(pd.Series(fit.std_error, index), f"crr_untied_cause{cause}", "std_error", 5e-3)


def test_fine_gray_on_tied_times_is_not_crr() -> None:
    # on whole-week ties crr (Breslow-like) and finegray + coxph (Efron) differ by ~2%:
    # escalation follows finegray + coxph (competing_coefficients.csv); record the gap
    fit = fit_fine_gray(spells(), ["x1", "x2", "x3"], cause=1, cluster=None)
    crr = _reference("crr_cause1", "estimate").reindex(fit.coefficients.index).to_numpy()
    gap = np.max(np.abs(fit.coefficients / crr - 1.0))
    assert 1e-3 < gap < 5e-2


@pytest.mark.parametrize("cause", [1, 2])
def test_cause_specific_with_weights_and_clusters_is_coxph(cause: int) -> None:
    fit = fit_cause_specific(spells(), ["x1", "x2", "x3"], weights="weight", cluster="cluster")
    table = fit.tidy().query("cause == @cause").set_index("term")
    case = f"cause_specific_w_cl_cause{cause}"
    _close(table["estimate"], case, "estimate", 1e-8)
    _close(table["std_error"], case, "std_error", 1e-7)


@pytest.mark.parametrize("cause", [1, 2])
def test_gray_test_with_strata_and_rho_is_cuminc(cause: int) -> None:
    result = gray_test(spells(), "x2", cause=cause, strata="stratum", rho=1.0)
    ref = _reference(f"gray_x2_strata_rho1_cause{cause}", "statistic")["test"]
    np.testing.assert_allclose(result.statistic, ref, rtol=1e-9)


@pytest.mark.parametrize("distribution", ["weibull", "lognormal", "loglogistic"])
def test_aft_with_a_factor_and_family_clusters_is_survreg(distribution: str) -> None:
    d = spells().assign(event=lambda f: (f["event"] > 0).astype(int))
    fit = fit_aft(d, ["x1", "x2", "group"], distribution=distribution, cluster="cluster")  # type: ignore[arg-type]
    table = fit.tidy().set_index("term")
    table.index = [
        t.replace("group_", "factor(group)") if t.startswith("group_") else t for t in table.index
    ]
    case = f"aft_any_cl_{distribution}"
    _close(table["estimate"], case, "estimate", 1e-7)
    _close(table["std_error"], case, "std_error", 1e-6)


def test_predicted_survival_interval_with_an_inestimable_coefficient() -> None:
    # R's coxph reports `early` NA; survfit holds it at 0, its variance row at 0
    data = pd.read_csv(REFERENCE.parent / "core" / "singular_data.csv")
    with pytest.warns(StatisticalWarning, match="early"):
        fit = fit_cox(data, ["x", "early"], duration="time", event="status", cluster=None)
    profiles = pd.DataFrame({"x": [0.0, 1.0], "early": [0, 1]})
    ours = fit.predict_survival(profiles, [5.0, 15.0, 30.0], conf_int=True)
    _compare_prediction(ours, "predict_singular_log")


def test_predicted_survival_in_a_stratum_without_events() -> None:
    # Was: DesignError "its stratum was not in the fitted data" for a stratum that was
    # fitted but had no events (no baseline hazard steps); R's survfit gives S = 1 there
    d = spells().copy()
    d.loc[d.index[:25], "stratum"] = 3
    d.loc[d.index[:25], "event"] = 0
    with pytest.warns(StatisticalWarning, match="no events"):
        fit = fit_cox(d, ["x1", "x2"], cause=1, strata="stratum", cluster=None)
    profiles = pd.DataFrame({"x1": [0.0, 0.0], "x2": [1, 1], "stratum": [3, 1]})
    plain = fit.predict_survival(profiles, [5.0, 10.0, 60.0])
    keys = [f"{p}@{t:g}" for p, t in zip(plain["profile"], plain["time"], strict=True)]
    _close(
        pd.Series(plain["estimate"].to_numpy(), keys),
        "predict_stratum_without_events_log",
        "survival",
        1e-10,
    )
    ours = fit.predict_survival(profiles, [5.0, 10.0, 60.0], conf_int=True)
    _compare_prediction(ours, "predict_stratum_without_events_log")
    # past the stratum's last follow-up (day 60) the curve is unknown
    late = fit.predict_survival(profiles, [61.0])
    assert np.isnan(late["estimate"].iloc[0]) and late["estimate"].iloc[1] < 1.0
