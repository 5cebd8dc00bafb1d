"""Weighted logistic regression by Newton–Raphson on numpy arrays (fast inner loop)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from escalation.errors import ConvergenceError

__all__ = ["fit_logistic", "predict_logistic"]

FloatArray = npt.NDArray[np.float64]


def _expit(eta: FloatArray) -> FloatArray:
    out: FloatArray = 0.5 * (1.0 + np.tanh(0.5 * eta))
    return out


def fit_logistic(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    init: FloatArray | None = None,
    max_iter: int = 50,
    tol: float = 1e-10,
) -> FloatArray:
    """Return the coefficients (intercept first) of a weighted logistic regression.

    Examples
    --------
    >>> fit_logistic([[0.0], [0.0], [1.0], [1.0], [1.0]], [0, 1, 1, 1, 0]).round(3) + 0.0
    array([0.   , 0.693])
    """
    design = np.asarray(x, dtype=float)
    design = np.column_stack([np.ones(len(design)), design.reshape(len(design), -1)])
    target = np.asarray(y, dtype=float)
    w = np.ones(len(target)) if weights is None else np.asarray(weights, dtype=float)
    beta = np.zeros(design.shape[1]) if init is None else np.asarray(init, dtype=float).copy()
    for _ in range(max_iter):
        eta = np.clip(design @ beta, -30, 30)
        mu = _expit(eta)
        grad = design.T @ (w * (target - mu))
        info = (design * (w * mu * (1 - mu))[:, None]).T @ design
        try:
            step = np.linalg.solve(info + 1e-10 * np.eye(len(beta)), grad)
        except np.linalg.LinAlgError as error:  # pragma: no cover - singular despite ridge
            raise ConvergenceError(
                "the logistic model could not be fitted (singular information); "
                "drop constant or collinear covariates"
            ) from error
        beta = beta + step
        if np.max(np.abs(step)) < tol or not np.all(np.isfinite(beta)):
            break
    beta = np.clip(beta, -20, 20)
    if not np.all(np.isfinite(beta)):
        raise ConvergenceError(
            "the logistic model did not converge; check for covariates that perfectly "
            "predict the outcome"
        )
    return beta


def predict_logistic(coef: FloatArray, x: npt.ArrayLike) -> FloatArray:
    """Return fitted probabilities for ``x`` (no intercept column)."""
    design = np.asarray(x, dtype=float)
    eta = coef[0] + design.reshape(len(design), -1) @ coef[1:]
    return _expit(np.clip(eta, -30, 30))
