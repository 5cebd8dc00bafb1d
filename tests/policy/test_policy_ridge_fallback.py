"""The policy stage's ridge-Cox fallback, against R (``reference/policy/ridge.R``).

Where the Cox risk model of a risk rule fails outright (``ConvergenceError``: separation
only warns), ``escalation.policy.rules`` says so and fits a ridge-penalised Cox model
instead (lifelines, penalizer ``_RIDGE``, no L1 part). The failure is forced here (the
core's Cox fit raises), since data that pass the collinearity check and still break
Newton's method are fragile to construct; the fallback that follows is the real one, and
its coefficients and standard errors are checked against ``survival::coxph`` with
``ridge(scale = TRUE, theta = n * penalizer)`` on the same spells (frozen values).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import escalation.predict.models as models
from escalation.errors import ConvergenceError, StatisticalWarning
from escalation.policy import rules
from escalation.timeline.matrix import CovariateCoding

REFERENCE = Path(__file__).parents[1] / "reference" / "policy"
COVARIATES = ["x1", "x2", "flag"]


def _fail(*args: object, **kwargs: object) -> None:
    raise ConvergenceError("the cox risk model of escalation: did not converge (forced)")


def test_ridge_fallback_of_the_cox_risk_rule_matches_r(monkeypatch: pytest.MonkeyPatch) -> None:
    spells = pd.read_csv(REFERENCE / "ridge_data.csv")
    reference = pd.read_csv(REFERENCE / "ridge_reference.csv").set_index("term")
    assert (reference["penalizer"] == rules._RIDGE).all()  # R fitted the same penalty
    coding = CovariateCoding.learn(spells, COVARIATES, min_count=1)
    monkeypatch.setattr(models, "fit_cox_model", _fail)
    with pytest.warns(StatisticalWarning, match="ridge-penalised Cox") as caught:
        fitted = rules._fit_risk("cox", coding, spells, seed=1)
    assert "[policy] risk_models" in str(caught[0].message.design_key)  # type: ignore[union-attr]
    assert fitted.spec.kind == "penalised_cox"
    assert (fitted.spec.penalizer, fitted.spec.l1_ratio) == (rules._RIDGE, 0.0)
    assert fitted.columns == tuple(COVARIATES)
    estimate = fitted.backend.params_[COVARIATES].to_numpy(float)
    std_error = fitted.backend.standard_errors_[COVARIATES].to_numpy(float)
    np.testing.assert_allclose(estimate, reference.loc[COVARIATES, "estimate"], rtol=1e-5)
    np.testing.assert_allclose(std_error, reference.loc[COVARIATES, "std_error"], rtol=1e-4)
    # the penalty matters here: the unpenalised fit is clearly different
    unpenalised = models.risk_model("penalised_cox", penalizer=0.0, l1_ratio=0.0)
    plain = unpenalised.fit(coding.apply(spells), spells["duration"], spells["event"])
    assert np.abs(plain.backend.params_[COVARIATES].to_numpy() - estimate).max() > 5e-3
    # risks come out of it like any risk model's
    risk = fitted.predict_risk(coding.apply(spells), 365)
    assert np.all((risk >= 0) & (risk <= 1)) and np.ptp(risk) > 0.1


def test_other_risk_models_that_fail_are_not_replaced(monkeypatch: pytest.MonkeyPatch) -> None:
    spells = pd.read_csv(REFERENCE / "ridge_data.csv")
    coding = CovariateCoding.learn(spells, COVARIATES, min_count=1)
    monkeypatch.setattr(
        models.RiskModel, "fit", lambda self, *a, **k: _fail()
    )  # every kind fails: only cox falls back, and its fallback fails too
    with pytest.raises(ConvergenceError), pytest.warns(StatisticalWarning, match="ridge"):
        rules._fit_risk("cox", coding, spells, seed=1)
    with pytest.raises(ConvergenceError):
        rules._fit_risk("penalised_cox", coding, spells, seed=1)
