"""Nuisance predictions on a fixed grid (escalation.causal._on_grid): rounding and models."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.linear_model import LinearRegression, LogisticRegression

from escalation.causal._on_grid import GRID, GridClassifier, GridRegressor, on_grid


def test_on_grid_rounds_to_the_nearest_multiple_of_the_grid() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=1000) * 3
    g = on_grid(x)
    steps = g / GRID
    assert np.array_equal(steps, np.round(steps))  # multiples of 2^-24 exactly
    assert np.max(np.abs(g - x)) <= GRID / 2
    # Last-bit differences (as two CPUs' BLAS kernels give) land on the same point.
    assert np.array_equal(on_grid(np.nextafter(x, np.inf)), g)
    assert np.array_equal(on_grid(g), g)


def test_grid_models_predict_as_their_estimator_to_half_a_step() -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=(300, 3))
    a = (rng.random(300) < 1 / (1 + np.exp(-x[:, 0]))).astype(int)
    y = x @ np.array([0.5, -1.0, 0.25]) + rng.normal(size=300)
    reg = clone(GridRegressor(LinearRegression())).fit(x, y)
    plain = LinearRegression().fit(x, y).predict(x)
    assert np.max(np.abs(reg.predict(x) - plain)) <= GRID / 2
    cls = clone(GridClassifier(LogisticRegression())).fit(x, a)
    p = cls.predict_proba(x)
    plain_p = LogisticRegression().fit(x, a).predict_proba(x)
    assert np.max(np.abs(p - plain_p)) <= GRID / 2 + 1e-16
    assert np.array_equal(p.sum(axis=1), np.ones(300))
    assert np.array_equal(cls.predict(x), (p[:, 1] > 0.5).astype(int))


def test_grid_classifier_refuses_other_than_two_classes() -> None:
    x = np.arange(12.0).reshape(-1, 1)
    with pytest.raises(ValueError, match="two classes, got 3"):
        GridClassifier(LogisticRegression()).fit(x, np.arange(12) % 3)
