"""The Newton solver: its convergence rule, explicit penalties, and oracles.

lifelines and statsmodels serve here as independent implementations of the same
likelihoods (test oracles), never as a step of the fit.
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from escalation.core.logistic import fit_logistic
from escalation.core.newton import STEP_TOLERANCE, newton
from escalation.errors import ConvergenceError, StatisticalWarning
from escalation.survival import fit_cox
from tests.survival.survival_reference import spells

COVARIATES = ["x1", "x2", "x3"]


def test_convergence_rule_stops_at_a_small_step() -> None:
    calls: list[float] = []

    def quadratic(b: np.ndarray) -> SimpleNamespace:
        calls.append(float(b[0]))
        return SimpleNamespace(
            loglik=-float((b[0] - 2.0) ** 2),
            score=np.array([-2 * (b[0] - 2.0)]),
            information=np.array([[2.0]]),
        )

    out = newton(quadratic, [0.0], what="a quadratic")
    assert out.beta[0] == pytest.approx(2.0, abs=STEP_TOLERANCE)
    assert out.iterations == 1 and out.separated == ()


def test_a_coefficient_absent_from_the_likelihood_is_held_and_named() -> None:
    """The singularity rule: zero information in a coefficient (round-off, not exactly 0).

    Was: the solve divided by the round-off and stepped ~1e16 along the flat direction.
    """

    def absent(b: np.ndarray) -> SimpleNamespace:
        return SimpleNamespace(
            loglik=-float((b[0] - 2.0) ** 2),
            score=np.array([-2 * (b[0] - 2.0), 1e-18]),
            information=np.array([[2.0, 1e-18], [1e-18, 1e-17]]),
        )

    with pytest.warns(StatisticalWarning, match="does not depend on the coefficient.*of spare"):
        out = newton(absent, [0.0, 0.0], what="a quadratic", names=["x", "spare"])
    assert out.beta[0] == pytest.approx(2.0) and out.beta[1] == 0.0
    assert out.inestimable == (1,) and out.separated == ()
    with pytest.raises(ConvergenceError, match="does not depend"):
        newton(absent, [0.0, 0.0], what="a quadratic", on_separation="raise")


def test_logistic_matches_statsmodels() -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(4)
    x = rng.normal(size=(500, 3))
    y = (rng.random(500) < 1 / (1 + np.exp(-(0.3 + x @ [0.5, -1.0, 0.2])))).astype(float)
    w = rng.uniform(0.5, 2.0, 500)
    ours = fit_logistic(x, y, weights=w)
    glm = sm.GLM(y, sm.add_constant(x), family=sm.families.Binomial(), var_weights=w).fit(tol=1e-12)
    np.testing.assert_allclose(ours.coef, glm.params, rtol=1e-9)
    np.testing.assert_allclose(np.sqrt(np.diag(ours.covariance)), glm.bse, rtol=1e-7)


@pytest.mark.parametrize("penalizer", [0.01, 0.1])
def test_cox_penalizer_is_lifelines_penalizer(penalizer: float) -> None:
    """An explicit ridge penalty, recorded in the result, equal to lifelines' objective."""
    from lifelines import CoxPHFitter

    d = spells()
    fit = fit_cox(d, COVARIATES, cluster=None, penalizer=penalizer)
    assert fit.penalizer == penalizer and fit.glance().loc[0, "penalizer"] == penalizer
    frame = d[[*COVARIATES, "duration"]].assign(event=(d["event"] == 1).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        oracle = CoxPHFitter(penalizer=penalizer).fit(
            frame, "duration", "event", fit_options={"precision": 1e-12}
        )
    np.testing.assert_allclose(fit.coefficients, oracle.params_.to_numpy(), rtol=1e-6)
    np.testing.assert_allclose(
        np.sqrt(np.diag(fit.covariance)), oracle.standard_errors_.to_numpy(), rtol=1e-5
    )
    unpenalised = fit_cox(d, COVARIATES, cluster=None)
    assert np.all(np.abs(fit.coefficients) < np.abs(unpenalised.coefficients))


def test_efron_fit_takes_no_lifelines_detour() -> None:
    """The Cox fit is the core's alone: lifelines is fitted only when .backend is read."""
    fit = fit_cox(spells(), COVARIATES, cluster=None)
    assert "backend" not in vars(fit)
    assert isinstance(fit.backend.params_, pd.Series)
    np.testing.assert_allclose(fit.backend.params_.to_numpy(), fit.coefficients, rtol=1e-5)


def test_a_trial_step_that_overflows_is_halved_without_a_warning() -> None:
    # from log(mu) = -5.8 the first Newton step of y log(mu) - mu (y = 3) is ~1000 long:
    # exp overflows at the trial point; the step is halved, silently, to the maximum
    def poisson(b: np.ndarray) -> SimpleNamespace:
        mu = np.exp(b[0])
        return SimpleNamespace(
            loglik=3 * b[0] - mu, score=np.array([3 - mu]), information=np.array([[mu]])
        )

    solution = newton(poisson, [-5.8], what="a Poisson mean")
    assert abs(float(solution.beta[0]) - np.log(3)) < 1e-8


def test_information_is_shifted_only_when_clearly_not_positive_definite() -> None:
    """The Cholesky shortcut of ``_positive`` decides as the eigenvalue rule it stands for.

    Positive definite (even nearly singular) informations come back unchanged; one with an
    eigenvalue below -1e-8 of the largest is shifted to smallest eigenvalue 1e-3 of it;
    one with a tiny negative eigenvalue (round-off, above the bar) is left as it is.
    """
    from escalation.core.newton import _positive

    rng = np.random.default_rng(3)
    q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    for values in ([5.0, 3, 2, 1, 0.5, 0.1], [4.0, 2, 1, 1, 1e-9, 1e-12],
                   [3.0, 2, 1, 0.5, 0.2, -1e-12], [3.0, 2, 1, 0.5, 0.2, -0.4]):  # fmt: skip
        info = (q * np.array(values)) @ q.T
        out = _positive(info)
        eigen = np.linalg.eigvalsh(info)
        scale = np.abs(eigen).max()
        if eigen[0] < -1e-8 * scale:
            np.testing.assert_allclose(np.linalg.eigvalsh(out)[0], 1e-3 * scale, rtol=1e-8)
        else:
            assert out is info
