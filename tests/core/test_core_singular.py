"""The singularity rule: a coefficient the likelihood does not depend on is held at 0 and named.

R is the reference (``tests/reference/core/singular.R``, output frozen beside it): on a
small data set with a covariate whose only non-zero rows leave before the first event
(``early``) and a flag without events (``flag``), ``coxph`` reports ``early`` NA and
``flag`` "may be infinite"; ``glm`` reports an aliased column (``x2 = 2 x``) NA. The
estimable coefficients and the log-likelihood agree with R's.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.core.coxfit import fit_cox_model
from escalation.core.logistic import fit_logistic
from escalation.core.riskset import CoxData
from escalation.errors import StatisticalWarning

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "core"


def _data() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "singular_data.csv")


def _frozen() -> pd.DataFrame:
    """R's output (``format(digits = 17)`` pads ``NA`` with spaces)."""
    r = pd.read_csv(REFERENCE / "singular_r.csv", skipinitialspace=True)
    return r.assign(model=r["model"].str.strip())


def _r(model: str) -> pd.Series:
    r = _frozen()
    r = r[r["model"] == model]
    return pd.Series(r["estimate"].to_numpy(float), index=r["term"].str.strip())


@pytest.mark.parametrize("ties", ["breslow", "efron"])
def test_cox_holds_the_absent_covariate_as_coxph_reports_it_na(ties: str) -> None:
    d = _data()
    r = _r(f"coxph_{ties}")
    names = ["x", "early", "flag"]
    data, _ = CoxData.build(
        d["time"].to_numpy(float), d["status"].to_numpy(bool), d[names].to_numpy(float)
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_cox_model(data, ties, what="the Cox model", names=names)  # type: ignore[arg-type]
    messages = [str(w.message) for w in caught if issubclass(w.category, StatisticalWarning)]
    assert any("does not depend on the coefficient(s) of early" in m for m in messages)
    assert any("flag" in m and "may be infinite" in m for m in messages)
    assert np.isnan(r["early"]) and fit.inestimable == (1,) and fit.beta[1] == 0.0
    assert fit.separated == (2,) and fit.beta[2] < -15 and r["flag"] < -15
    assert fit.beta[0] == pytest.approx(r["x"], abs=1e-7)
    expected = _frozen()
    loglik = expected.loc[expected["model"] == f"coxph_{ties}", "loglik"].iloc[0]
    assert fit.loglik == pytest.approx(loglik, abs=1e-6)
    cov = fit.covariance()
    assert np.isnan(cov[1]).all() and np.isnan(cov[:, 1]).all() and np.isfinite(cov[0, 0])


def test_logistic_holds_an_aliased_column_as_glm_reports_it_na() -> None:
    d = _data()
    r = _r("glm")
    x = np.column_stack([d["x"], 2 * d["x"], d["flag"]])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_logistic(x, d["y"].to_numpy(float), names=["x", "x2", "flag"])
    messages = [str(w.message) for w in caught if issubclass(w.category, StatisticalWarning)]
    assert any("does not depend on the coefficient(s) of x2" in m for m in messages)
    assert any("flag" in m and "may be infinite" in m for m in messages)
    assert np.isnan(r["x2"]) and fit.inestimable == (2,) and fit.coef[2] == 0.0
    assert fit.separated == (3,) and fit.coef[3] < -15 and r["flag"] < -15
    np.testing.assert_allclose(fit.coef[:2], [r["(Intercept)"], r["x"]], atol=1e-6)
    assert np.isnan(fit.covariance[2, 2]) and np.isfinite(fit.covariance[1, 1])


def test_a_small_authority_policy_study_finishes() -> None:
    """The censoring model of a cross-fitting fold (79 spells of a 200-child authority):
    prior_looked_after and factor_14A are 1 only for spells that end before the first
    censoring, so the partial likelihood does not depend on them. The solve divided by
    round-off (pivots of 1e-17), stepped 1e16 along them, and every halving overflowed:
    "the censoring model: the log-likelihood could not be increased" stopped the policy
    stage of a 200-child demo. Now they are held at 0 and named, as R's coxph gives NA."""
    from escalation.causal.policy import policy_scores

    d = pd.read_csv(REFERENCE / "singular_fold.csv")
    covariates = [c for c in d.columns if c not in ("duration", "event", "treatment")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scores = policy_scores(d, covariates=covariates, horizons=[365], min_count=1)
    held = [str(w.message) for w in caught if "does not depend" in str(w.message)]
    assert any(
        m.startswith("the censoring model") and "prior_looked_after, factor_14A" in m for m in held
    )
    assert scores.backend.censoring is not None
    assert scores.backend.censoring.inestimable == (8, 24)  # treatment first, as named
    assert np.all(np.isfinite(scores.treated)) and np.all(np.isfinite(scores.untreated))


def test_fit_cox_reports_no_variance_and_no_ph_test_for_the_absent_covariate() -> None:
    """R's coxph gives early NA (no variance) and cox.zph leaves it out; x is tested."""
    from escalation.survival import fit_cox

    d = _data().rename(columns={"time": "duration", "status": "event"})
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        fit = fit_cox(d, ["x", "early"], cluster=None)
    assert fit.coefficients["early"] == 0.0
    assert np.isnan(fit.covariance.loc["early", "early"])
    assert np.isfinite(fit.covariance.loc["x", "x"])
    ph = fit.ph_test().set_index("term")
    assert np.isnan(ph.loc["early", "statistic"]) and np.isfinite(ph.loc["x", "statistic"])


def _user_data() -> pd.DataFrame:
    """The reference data as fit_cox reads them, with singular.R's factor g ("a": early)."""
    d = _data().rename(columns={"time": "duration", "status": "event"})
    g = np.where(d["early"] == 1, "a", np.where(d["duration"] % 3 == 0, "b", "c"))
    return d.assign(g=g)


def _user_fit(model: str, ties: str = "efron") -> object:
    from escalation.survival import fit_cox

    covariates = ["x", "early"] if model == "x_early" else "Surv(duration, event) ~ x + C(g)"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = fit_cox(_user_data(), covariates, cluster=None, ties=ties)  # type: ignore[arg-type]
    assert any("does not depend on the coefficient(s)" in str(w.message) for w in caught)
    return fit


def _reference(name: str) -> pd.DataFrame:
    r = pd.read_csv(REFERENCE / name, skipinitialspace=True)
    return r.assign(**{c: r[c].str.strip() for c in r.columns if r[c].dtype == object})


@pytest.mark.parametrize(("model", "held"), [("x_early", "early"), ("x_g", "C(g)[T.c]")])
def test_tidy_reports_the_inestimable_term_na_as_coxph(model: str, held: str) -> None:
    """summary(coxph) gives the coefficient NA: tidy() gives NaN, never a ratio of 1."""
    fit = _user_fit(model)
    r = _reference("singular_coef.csv")
    r = r[r["model"] == model].reset_index(drop=True)
    for exponentiate in (False, True):
        table = fit.tidy(exponentiate=exponentiate)  # type: ignore[attr-defined]
        row = table.set_index("term").loc[held]
        assert row[["estimate", "std_error", "conf_low", "conf_high", "p_value"]].isna().all()
    table = fit.tidy()  # type: ignore[attr-defined]
    assert np.isnan(r["estimate"]).tolist() == table["estimate"].isna().tolist()
    ok = r["estimate"].notna().to_numpy()
    np.testing.assert_allclose(table["estimate"][ok], r["estimate"][ok], rtol=1e-7)
    np.testing.assert_allclose(table["std_error"][ok], r["std_error"][ok], rtol=1e-6)
    np.testing.assert_allclose(table["p_value"][ok], r["p_value"][ok], rtol=1e-6)
    assert fit.coefficients[held] == 0.0  # type: ignore[attr-defined]  # predictions: no effect


def test_glance_and_summary_say_which_terms_are_not_estimable() -> None:
    fit = _user_fit("x_g")
    glance = fit.glance().iloc[0]  # type: ignore[attr-defined]
    assert glance["inestimable"] == "C(g)[T.c]"
    assert glance["lr_df"] == 2  # R's likelihood ratio test counts the estimated ones
    text = str(fit.summary())  # type: ignore[attr-defined]
    assert "1 not defined because of singularities: C(g)[T.c]" in text
    assert "on 2 df" in text and "Not estimable: C(g)[T.c]" in text


@pytest.mark.parametrize("transform", ["km", "identity"])
@pytest.mark.parametrize(
    ("model", "held", "term"), [("x_early", "early", "early"), ("x_g", "C(g)[T.c]", "C(g)")]
)
def test_ph_test_leaves_the_inestimable_coefficient_out_as_cox_zph(
    model: str, held: str, term: str, transform: str
) -> None:
    """cox.zph drops NA coefficients: the global test is on the estimable ones."""
    fit = _user_fit(model)
    ph = fit.ph_test(transform).set_index("term")  # type: ignore[attr-defined]
    r = _reference("singular_zph.csv")
    r = r[(r["model"] == model) & (r["transform"] == transform)]
    r = r.assign(term=r["term"].replace({"GLOBAL": "global", "g": "C(g)"})).set_index("term")
    for name in r.index:
        assert ph.loc[name, "statistic"] == pytest.approx(r.loc[name, "statistic"], rel=1e-6)
        assert ph.loc[name, "df"] == r.loc[name, "df"]
        assert ph.loc[name, "p_value"] == pytest.approx(r.loc[name, "p_value"], rel=1e-6)
    assert held in ph.loc["global", "note"] and "not estimable" in ph.loc["global", "note"]
    assert held in ph.loc[term, "note"]
    if term not in r.index:  # the whole term is inestimable: no test, said why
        assert np.isnan(ph.loc[term, "statistic"]) and ph.loc[term, "df"] == 0
    assert ph.loc["x", "note"] == ""


def test_competing_risk_models_report_the_inestimable_term_na() -> None:
    from escalation.survival import fit_cause_specific, fit_fine_gray

    d = _user_data()
    d.loc[d["duration"].isin([10, 20, 30]), "event"] = 2
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        fg = fit_fine_gray(d, ["x", "early"], cluster=None)
        cs = fit_cause_specific(d, ["x", "early"], cluster=None)
    assert fg.inestimable == ("early",) and fg.glance()["inestimable"].iloc[0] == "early"
    assert fg.tidy().set_index("term").loc["early"].drop("conf_level").isna().all()
    assert cs.inestimable == {1: ("early",), 2: ("early",)}
    assert cs.tidy(exponentiate=True).query("term == 'early'")["estimate"].isna().all()


def test_hazard_ratio_figures_draw_no_ratio_for_an_inestimable_term() -> None:
    """A ratio of 1 without an interval would read as an estimate: the table figure says
    "not estimable" and draws no point; the forest plot leaves the row out."""
    from escalation.figures import plot_hazard_ratio_table
    from escalation.figures.results import plot_coefficients

    hr = _user_fit("x_early").tidy(exponentiate=True)  # type: ignore[attr-defined]
    table = plot_hazard_ratio_table(hr)
    assert table.data["term"].tolist() == ["x"]  # the point and interval: x only
    texts = [layer.geom.data for layer in table.layers]
    texts = [d for d in texts if isinstance(d, pd.DataFrame) and "label_text" in d]
    assert "not estimable" in texts[0]["label_text"].tolist()
    forest = plot_coefficients(hr, "Hazard ratio")
    assert len(forest.data) == 1
    table.draw()  # no "Removed rows containing missing values" (warnings are errors)
    forest.draw()


def test_a_separated_term_has_no_interval_in_tables_or_figures() -> None:
    """``flag`` has no events: its coefficient runs off (R: "Loglik converged before
    variable; coefficient may be infinite"). Its Wald interval around where the fit
    stopped meant nothing but was shown: on a 200-child demo a hazard ratio of 8e-10 with
    an interval of 6e-11 to 1e-8 and a p-value of 1e-51. The estimate stays (it says the
    direction); the standard error, interval and p-value are NaN, and the figures draw no
    point for it."""
    from escalation.figures import plot_hazard_ratio_table
    from escalation.figures.results import plot_coefficients
    from escalation.survival import fit_cox

    d = _data().rename(columns={"time": "duration", "status": "event"})
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        fit = fit_cox(d, ["x", "flag"], cluster=None)
    assert fit.separated == ("flag",)
    hr = fit.tidy(exponentiate=True).set_index("term")
    assert hr.loc["flag", "estimate"] < 1e-6  # the direction: escalation much later
    assert hr.loc["flag", ["std_error", "conf_low", "conf_high", "p_value"]].isna().all()
    assert hr.loc["x", ["std_error", "conf_low", "conf_high", "p_value"]].notna().all()
    table = plot_hazard_ratio_table(hr.reset_index())
    assert table.data["term"].tolist() == ["x"]
    texts = [layer.geom.data for layer in table.layers]
    texts = [t for t in texts if isinstance(t, pd.DataFrame) and "label_text" in t]
    assert "infinite (separation)" in texts[0]["label_text"].tolist()
    forest = plot_coefficients(hr.reset_index(), "Hazard ratio")
    assert len(forest.data) == 1  # x only
    table.draw()  # no "Removed rows containing missing values" (warnings are errors)
    forest.draw()
