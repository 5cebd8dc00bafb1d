"""A Cox model fitted on sorted arrays: the risk-set engine driven by the Newton solver.

Every Cox-type model of the package (``survival.fit_cox``, the cause-specific and
Fine–Gray models, the outcome, competing-event and censoring models of the causal
estimators, the ``cox`` risk model) is this fit on its own rows, so they share ties,
convergence, separation and baseline-hazard rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from escalation.core.newton import covariance, newton, spread
from escalation.core.riskset import CoxData, Terms, Ties, cox_terms

__all__ = ["CoxFit", "fit_cox_model"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class CoxFit:
    """A fitted Cox model on :class:`~escalation.core.riskset.CoxData`.

    Attributes
    ----------
    data : CoxData
        The sorted rows.
    ties : {"efron", "breslow"}
        Tie handling.
    beta : numpy.ndarray
        Log hazard ratios, one per column of ``data.x``.
    terms : Terms
        Partial-likelihood terms at ``beta`` (with residuals when asked for).
    loglik, loglik_null : float
        Log partial likelihood at ``beta`` (penalised, when a penalty was given) and at 0.
    information : numpy.ndarray
        The (penalised) information at ``beta``.
    iterations : int
        Newton steps taken.
    separated : tuple of int
        Coefficients the separation rule found infinite (see :mod:`escalation.core.newton`).
    penalty : numpy.ndarray or None
        The ridge penalty per coefficient, when one was given.
    inestimable : tuple of int
        Coefficients the partial likelihood does not depend on (the singularity rule of
        :mod:`escalation.core.newton`), held at their starting values (0: no effect).
    """

    data: CoxData
    ties: Ties
    beta: FloatArray
    terms: Terms
    loglik: float
    loglik_null: float
    information: FloatArray
    iterations: int
    separated: tuple[int, ...]
    penalty: FloatArray | None
    inestimable: tuple[int, ...] = ()

    def covariance(self) -> FloatArray:
        """Return the model-based covariance: the inverse information, NaN for singular pivots.

        The singularity rule of :mod:`escalation.core.newton` on the fit's scale (R's
        ``coxph`` gives those coefficients ``NA``).
        """
        return covariance(
            self.information, spread(self.data.x + self.data.center, self.data.weights)
        )

    @property
    def center(self) -> FloatArray:
        """Covariate values at which :attr:`Terms.hazard` is the baseline."""
        return self.data.center

    def linear_predictor(self, x: npt.ArrayLike) -> FloatArray:
        """Return ``(x - center) @ beta`` for rows of (uncentred) covariates."""
        values = np.asarray(x, dtype=float).reshape(-1, self.beta.size)
        out: FloatArray = (values - self.data.center) @ self.beta
        return out

    def baseline(self, *, at_zero: bool = False) -> tuple[IntArray, FloatArray, FloatArray]:
        """Return ``(stratum, time, hazard increment)`` of the baseline hazard.

        The increments refer to covariates at :attr:`center`, or at zero with
        ``at_zero`` (R's ``basehaz(fit, centered = FALSE)``). After an Efron fit they are
        Efron-corrected, as R's ``survfit.coxph`` and ``basehaz``.
        """
        hazard = self.terms.hazard
        if at_zero:
            hazard = hazard * float(np.exp(-self.data.center @ self.beta))
        return self.terms.hazard_strata, self.terms.hazard_time, hazard

    def hazard_on(self, grid: npt.ArrayLike, *, stratum: int = 0) -> FloatArray:
        """Return the baseline hazard increments (at :attr:`center`) on a sorted ``grid``.

        The grid must hold every event time up to its last point (later event times are
        beyond it and left out); otherwise ``ValueError``.
        """
        at = np.asarray(grid, dtype=float)
        keep = self.terms.hazard_strata == stratum
        keep &= self.terms.hazard_time <= (at[-1] if at.size else -np.inf)
        times, values = self.terms.hazard_time[keep], self.terms.hazard[keep]
        position = np.searchsorted(at, times)
        if np.any(at[position] != times):
            raise ValueError("the grid does not hold every event time of the model")
        out: FloatArray = np.bincount(position, weights=values, minlength=at.size).astype(float)
        return out


def fit_cox_model(
    data: CoxData,
    ties: Ties,
    *,
    what: str,
    names: Sequence[str] = (),
    penalty: npt.ArrayLike | None = None,
    start: npt.ArrayLike | None = None,
    residuals: bool = False,
    max_iter: int = 50,
) -> CoxFit:
    """Fit a Cox model to sorted data by Newton–Raphson (:func:`escalation.core.newton.newton`).

    Parameters
    ----------
    data : CoxData
        The rows, sorted and centred.
    ties : {"efron", "breslow"}
        Tie handling.
    what : str
        The model, for messages.
    names : sequence of str
        Coefficient names, for messages.
    penalty : array_like, optional
        Ridge penalty per coefficient: ``loglik - 0.5 * sum(penalty * beta**2)``.
    start : array_like, optional
        Starting values (zero by default).
    residuals : bool, default False
        Keep Schoenfeld and score residuals in :attr:`CoxFit.terms`.
    max_iter : int, default 50
        Newton steps allowed.

    Returns
    -------
    CoxFit

    Examples
    --------
    >>> data, _ = CoxData.build([1.0, 2, 3, 4, 5], [1, 1, 0, 1, 1], [[0.0], [1], [0], [1], [0]])
    >>> round(float(fit_cox_model(data, "breslow", what="an example").beta[0]), 6)
    0.834115
    """
    p = data.x.shape[1]
    first: list[Terms] = []

    def evaluate(beta: FloatArray) -> Terms:
        terms = cox_terms(data, beta, ties)
        if not first:
            first.append(terms)
        return terms

    begin = np.zeros(p) if start is None else np.asarray(start, dtype=float)
    # R's coxph scales covariates to unit mean absolute deviation (0/1 columns as they
    # are); the singularity rule judges the information on that scale.
    scale = spread(data.x + data.center, data.weights)
    solution = newton(
        evaluate, begin, what=what, names=names, penalty=penalty, max_iter=max_iter, scale=scale
    )
    null = first[0] if start is None else cox_terms(data, np.zeros(p), ties)
    terms = (
        cox_terms(data, solution.beta, ties, residuals=True) if residuals else solution.evaluation
    )
    return CoxFit(
        data=data,
        ties=ties,
        beta=solution.beta,
        terms=terms,
        loglik=solution.loglik,
        loglik_null=null.loglik,
        information=solution.information,
        iterations=solution.iterations,
        separated=solution.separated,
        penalty=solution.penalty,
        inestimable=solution.inestimable,
    )
