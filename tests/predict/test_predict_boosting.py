"""The boosted Cox model's loss and model equal scikit-survival's own (its O(n^2) loop)."""

from __future__ import annotations

import importlib
from typing import Any

import numpy as np
import pytest

from escalation.predict.boosting import BoostedCox, cox_loss_and_gradient

# scikit-survival's compiled loss: the reference (a double loop over the spells)
_reference: Any = importlib.import_module("sksurv.ensemble._coxph_loss")
_ensemble: Any = importlib.import_module("sksurv.ensemble")
_util: Any = importlib.import_module("sksurv.util")


def tied_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Whole-day times with many ties, censorings tied with events, spread predictions."""
    rng = np.random.default_rng(seed)
    time = np.ceil(rng.exponential(30, n))
    event = rng.random(n) < 0.5
    eta = rng.normal(0, 2, n)
    return event, time, eta


@pytest.mark.parametrize("seed", [1, 2])
def test_predict_boosting_loss_and_gradient_equal_scikit_survival(seed: int) -> None:
    event, time, eta = tied_data(2000, seed)
    assert len(np.unique(time)) < 200  # heavy ties
    loss, gradient = cox_loss_and_gradient(event, time, eta)
    expected_loss = _reference.coxph_loss(event.astype(np.uint8), time, eta)
    expected_gradient = _reference.coxph_negative_gradient(event.astype(np.uint8), time, eta)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    np.testing.assert_allclose(gradient, expected_gradient, rtol=0, atol=1e-9)


def test_predict_boosting_gradient_is_minus_the_derivative_of_the_loss() -> None:
    event, time, eta = tied_data(60, 3)
    _, gradient = cox_loss_and_gradient(event, time, eta)
    step = 1e-6
    for i in (0, 7, 31, 59):
        up, down = eta.copy(), eta.copy()
        up[i] += step
        down[i] -= step
        slope = (
            cox_loss_and_gradient(event, time, up)[0] - cox_loss_and_gradient(event, time, down)[0]
        ) / (2 * step)
        assert -slope == pytest.approx(gradient[i], abs=1e-6)


def test_predict_boosting_model_is_scikit_survivals_model() -> None:
    rng = np.random.default_rng(4)
    n = 400
    x = np.column_stack([rng.normal(size=n), rng.integers(0, 2, n), rng.integers(0, 5, n)])
    t = np.ceil(rng.exponential(200 * np.exp(-0.7 * x[:, 0] + 0.5 * x[:, 1])))
    c = np.ceil(rng.uniform(20, 400, n))
    y = _util.Surv.from_arrays(t <= c, np.minimum(t, c))
    options = {"n_estimators": 40, "max_depth": 3, "min_samples_leaf": 20, "random_state": 0}
    ours = BoostedCox(**options).fit(x, y)
    theirs = _ensemble.GradientBoostingSurvivalAnalysis(**options).fit(x, y)
    np.testing.assert_allclose(ours.train_score_, theirs.train_score_, rtol=1e-10)
    np.testing.assert_allclose(ours.predict(x), theirs.predict(x), rtol=0, atol=1e-10)
    np.testing.assert_allclose(
        ours.predict_cumulative_hazard_function(x[:20], return_array=True),
        theirs.predict_cumulative_hazard_function(x[:20], return_array=True),
        rtol=0,
        atol=1e-10,
    )


def test_predict_boosting_refuses_other_losses() -> None:
    y = _util.Surv.from_arrays([True, False, True], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="Cox loss only"):
        BoostedCox(loss="squared").fit(np.zeros((3, 1)), y)
