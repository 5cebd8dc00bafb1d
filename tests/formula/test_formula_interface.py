"""Formulas and the shared vocabulary on data a user brings (plain frames, SpellData)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation import build_spells, default_design, simulate_local_authority
from escalation.causal import estimate_effects
from escalation.errors import DataValidationError, DesignError
from escalation.formula import FormulaCoding, parse_formula
from escalation.survival import fit_cause_specific, fit_cox, fit_fine_gray, kaplan_meier

SPELLS = Path(__file__).resolve().parents[1] / "reference" / "survival" / "spells.csv"


@pytest.fixture(scope="module")
def spells() -> pd.DataFrame:
    return pd.read_csv(SPELLS)


def test_fit_cox_on_a_plain_frame_is_not_clustered(spells: pd.DataFrame) -> None:
    """Before, fit_cox defaulted to cluster='family_id' and failed on any plain frame."""
    fit = fit_cox(spells, ["x1", "x2"])
    assert fit.variance == "model"
    clustered = fit_cox(spells, "Surv(duration, event) ~ x1 + x2 + cluster(cluster)")
    asked = fit_cox(spells, ["x1", "x2"], cluster="cluster")
    pd.testing.assert_frame_equal(clustered.covariance, asked.covariance)
    assert clustered.variance == "robust"


def test_spell_data_are_clustered_by_family_as_the_design_says() -> None:
    data = build_spells(simulate_local_authority(1500, seed=3).history, default_design())
    assert data.cluster == "family_id"
    auto = fit_cox(data, ["age"])
    by_family = fit_cox(data, ["age"], cluster="family_id")
    assert auto.variance == "robust"
    pd.testing.assert_frame_equal(auto.covariance, by_family.covariance)
    assert fit_cox(data, ["age"], cluster=None).variance == "model"


def test_survival_models_agree_between_formula_and_covariates(spells: pd.DataFrame) -> None:
    frame = spells.rename(columns={"duration": "days", "event": "status"})
    for fit in (fit_fine_gray, fit_cause_specific):
        by_formula = fit(frame, "Surv(days, status) ~ x1 + C(group)", min_count=1)
        by_list = fit(frame, ["x1", "group"], duration="days", event="status", min_count=1)
        np.testing.assert_allclose(
            by_formula.tidy()["estimate"], by_list.tidy()["estimate"], rtol=1e-10
        )
    cs = fit_cause_specific(frame, "Surv(days, status == 2) ~ x1")
    assert cs.causes == (2,)
    fg = fit_fine_gray(frame, "Surv(days, status == 2) ~ x1")
    assert fg.cause == 2
    km = kaplan_meier(frame, duration="days", event="status", cause=1)
    assert km.tidy()["estimate"].iloc[-1] == pytest.approx(
        kaplan_meier(spells, cause=1).tidy()["estimate"].iloc[-1]
    )


def test_estimate_effects_reads_any_column_names() -> None:
    from tests.causal.causal_support import simulate

    canonical = simulate(300, seed=5)[["duration", "event", "treatment", "risk"]]
    frame = canonical.rename(columns={"duration": "days", "event": "status", "treatment": "arm"})
    kwargs = {"estimators": ["ipw"], "horizons": [365], "bootstrap": 0}
    named = estimate_effects(
        frame, covariates=["risk"], duration="days", event="status", treatment="arm", **kwargs
    )
    by_formula = estimate_effects(
        frame, formula="Surv(days, status) ~ risk", treatment="arm", **kwargs
    )
    plain = estimate_effects(canonical, covariates=["risk"], **kwargs)
    for fit in (named, by_formula):
        pd.testing.assert_frame_equal(fit.tidy(), plain.tidy())
    assert by_formula.settings["covariates"] == "risk"


def test_formula_errors_name_the_problem(spells: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="intercept"):
        parse_formula("Surv(duration, event) ~ 0 + x1")
    with pytest.raises(DesignError, match="terms of their own"):
        parse_formula("Surv(duration, event) ~ x1 + x1:strata(group)")
    with pytest.raises(DesignError, match="Surv"):
        parse_formula("Surv(duration) ~ x1")
    with pytest.raises(DesignError, match="not in the data"):
        fit_cox(spells, "Surv(duration, event) ~ nothing")
    with pytest.raises(DesignError, match="not both"):
        fit_cox(spells, ["x1"], formula="Surv(duration, event) ~ x1")
    gap = spells.assign(x1=spells["x1"].where(spells.index != 5))
    with pytest.raises(DataValidationError, match="row 5, column 'x1'"):
        fit_cox(gap, "Surv(duration, event) ~ x1 + x2")
    with pytest.raises(DataValidationError, match="row 5, column 'x1'"):  # inside a spline
        fit_cox(gap, "Surv(duration, event) ~ bs(x1, df=3) + x2")
    coding = FormulaCoding.learn(spells, "x1 + C(group)")
    with pytest.raises(DesignError, match="level not seen"):
        coding.apply(spells.assign(group="zzz"))


def test_formula_strata_match_the_strata_argument(spells: pd.DataFrame) -> None:
    a = fit_cox(spells, "Surv(duration, event) ~ x1 + x2 + strata(stratum)")
    b = fit_cox(spells, ["x1", "x2"], strata="stratum")
    pd.testing.assert_series_equal(a.coefficients, b.coefficients)
    with pytest.raises(DesignError, match="not both"):
        fit_cox(spells, "Surv(duration, event) ~ x1 + strata(stratum)", strata="group")


@pytest.mark.parametrize("value", [np.inf, -np.inf])
@pytest.mark.parametrize("call", ["cox", "propensity", "coding"])
def test_an_infinite_value_in_a_formula_variable_is_refused(
    spells: pd.DataFrame, value: float, call: str
) -> None:
    # A formula gave the propensity model without x1, as a column that "does not vary";
    # covariates=["x1"] refused the same value.
    from escalation.causal import fit_propensity

    rows = spells.assign(x1=spells["x1"].where(spells.index != 5, value))
    with pytest.raises(DataValidationError) as raised:
        if call == "cox":
            fit_cox(rows, "Surv(duration, event) ~ x1 + x2")
        elif call == "propensity":
            fit_propensity(rows.assign(a=rows.index % 2), formula="a ~ x1 + x2")
        else:
            FormulaCoding.learn(spells, "x1 + x2").apply(rows)
    [problem] = raised.value.problems
    assert (problem.row, problem.column, problem.shown_value()) == (5, "x1", repr(str(value)))


def _with_zero() -> pd.DataFrame:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "duration": rng.uniform(1, 100, 60),
            "event": rng.integers(0, 2, 60),
            "x": rng.uniform(0.5, 2, 60),
        }
    )
    frame.loc[5, "x"] = 0.0
    return frame


@pytest.mark.parametrize(("term", "value"), [("I(1/x)", "inf"), ("np.log(x)", "-inf")])
def test_a_transform_that_is_not_finite_is_refused_at_its_row(term: str, value: str) -> None:
    """x is finite everywhere, but 1/x and log(x) are not at 0: the fit left the term out as
    "not varying" (with a warning that said so) and a coding passed the value on."""
    frame = _with_zero()
    with pytest.raises(DataValidationError) as error:
        fit_cox(frame, f"Surv(duration, event) ~ {term} + x")
    text = str(error.value)
    assert "row 5" in text and f"value '{value}'" in text and "transform" in text
    coding = FormulaCoding.learn(frame.drop(index=5), term)
    with pytest.raises(DataValidationError, match=r"row 5, column .*value '-?inf'"):
        coding.apply(frame)
