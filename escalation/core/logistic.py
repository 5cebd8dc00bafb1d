r"""The one weighted logistic regression, on the Newton solver of :mod:`escalation.core.newton`.

Used for propensity scores, the artificial-censoring model of clone–censor–weight and the
calibration models of the prediction metrics. The log-likelihood is
:math:`\sum_i w_i\{y_i\eta_i - \log(1 + e^{\eta_i})\}` with :math:`\eta = \beta_0 + x\beta`,
computed without clipping the linear predictor (``logaddexp`` and ``expit`` are exact in
floating point at any :math:`\eta`). Separation (a covariate that predicts the outcome
perfectly) follows the solver's one rule: a :class:`~escalation.errors.StatisticalWarning`
naming the coefficients, whose estimates are then finite stand-ins for infinite ones.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import special

from escalation._vocabulary import INTERCEPT
from escalation.core.newton import Value, covariance, newton, spread

__all__ = ["LogisticFit", "fit_logistic", "predict_logistic"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class LogisticFit:
    """A fitted logistic regression.

    Attributes
    ----------
    coef : numpy.ndarray
        Intercept first, then one coefficient per column of ``x``.
    information : numpy.ndarray
        Observed (= expected) information at ``coef``.
    loglik : float
        Log-likelihood at ``coef``.
    iterations : int
        Newton steps taken.
    separated : tuple of int
        Coefficients found infinite by the separation rule (0 is the intercept).
    inestimable : tuple of int
        Coefficients the likelihood does not depend on (the singularity rule), held at 0.
    scale : numpy.ndarray or None
        The columns' spread on which the singularity rule judged the information.
    """

    coef: FloatArray
    information: FloatArray
    loglik: float
    iterations: int
    separated: tuple[int, ...]
    inestimable: tuple[int, ...] = ()
    scale: FloatArray | None = None

    @property
    def covariance(self) -> FloatArray:
        """Model-based covariance: the inverse information (NaN for singular pivots)."""
        return covariance(self.information, self.scale)

    def scores(
        self, x: npt.ArrayLike, y: npt.ArrayLike, weights: npt.ArrayLike | None = None
    ) -> FloatArray:
        """Return per-row weighted score contributions at :attr:`coef` (for sandwiches)."""
        design = _design(x)
        target = np.asarray(y, dtype=float)
        w = np.ones(target.size) if weights is None else np.asarray(weights, dtype=float)
        mu = special.expit(design @ self.coef)
        out: FloatArray = design * (w * (target - mu))[:, None]
        return out


def _design(x: npt.ArrayLike) -> FloatArray:
    values = np.asarray(x, dtype=float)
    values = values.reshape(len(values), -1)
    return np.column_stack([np.ones(len(values)), values])


def fit_logistic(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    start: npt.ArrayLike | None = None,
    names: Sequence[str] = (),
    what: str = "the logistic model",
    on_separation: Literal["warn", "raise"] = "warn",
    max_iter: int = 50,
) -> LogisticFit:
    """Fit a weighted logistic regression of ``y`` (0/1) on ``x`` (an intercept is added).

    Parameters
    ----------
    x : array_like, shape (n, p)
        Covariates (no intercept column).
    y : array_like
        0/1 outcome.
    weights : array_like, optional
        Non-negative case weights.
    start : array_like, optional
        Starting values (intercept first), e.g. a previous fit (bootstrap).
    names : sequence of str
        Covariate names, for messages.
    what : str
        The model, for messages.
    on_separation : {"warn", "raise"}, default "warn"
        What the separation rule does (see :mod:`escalation.core.newton`).
    max_iter : int, default 50
        Newton steps allowed.

    Returns
    -------
    LogisticFit

    Examples
    --------
    >>> fit = fit_logistic([[0.0], [0.0], [1.0], [1.0], [1.0]], [0, 1, 1, 1, 0])
    >>> fit.coef.round(6).tolist()
    [0.0, 0.693147]
    """
    design = _design(x)
    target = np.asarray(y, dtype=float)
    w = np.ones(target.size) if weights is None else np.asarray(weights, dtype=float)

    def evaluate(beta: FloatArray) -> Value:
        eta = design @ beta
        mu = special.expit(eta)
        loglik = float(w @ (target * eta - np.logaddexp(0.0, eta)))
        score = design.T @ (w * (target - mu))
        info = (design * (w * mu * (1.0 - mu))[:, None]).T @ design
        return Value(loglik, score, info)

    begin = np.zeros(design.shape[1]) if start is None else np.asarray(start, dtype=float)
    scale = spread(design, w)
    solution = newton(
        evaluate,
        begin,
        what=what,
        names=[INTERCEPT, *names],
        max_iter=max_iter,
        on_separation=on_separation,
        scale=scale,
    )
    return LogisticFit(
        coef=solution.beta,
        information=solution.information,
        loglik=solution.loglik,
        iterations=solution.iterations,
        separated=solution.separated,
        inestimable=solution.inestimable,
        scale=scale,
    )


def predict_logistic(coef: npt.ArrayLike, x: npt.ArrayLike) -> FloatArray:
    """Return fitted probabilities for ``x`` (no intercept column).

    Examples
    --------
    >>> predict_logistic([0.0, 1.0], [[0.0], [800.0]]).tolist()
    [0.5, 1.0]
    """
    b = np.asarray(coef, dtype=float)
    out: FloatArray = special.expit(_design(x) @ b)
    return out
