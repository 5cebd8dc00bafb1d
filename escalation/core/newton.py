r"""The one Newton–Raphson solver, with one convergence rule and one separation rule.

Every likelihood the package maximises (Cox partial likelihoods with any ties, strata,
weights or (start, stop] rows; Fine–Gray and cause-specific models; the censoring and
outcome models of the causal estimators; logistic regression; parametric AFT models)
is maximised here, so they converge, warn and fail alike.

Iteration
    From ``start`` (zero unless given), take the Newton step :math:`\delta = I^{-1} U`
    (information and score of the possibly penalised log-likelihood). While the step
    lowers the log-likelihood (or makes it or the information non-finite) it is halved, up
    to 30 times. Where
    the information is not positive definite (a parametric likelihood far from its
    maximum; never a Cox or logistic one) it is shifted by a multiple of the identity
    until it is (Levenberg–Marquardt), so the step still climbs.

Convergence rule
    The fit has converged when every component of the Newton step at the current
    estimate is small: :math:`|\delta_j| \le 10^{-10} (1 + |\beta_j|)`
    (:data:`STEP_TOLERANCE`). The estimate returned is the one at which that step was
    computed, so the log-likelihood, information and everything else returned with it
    belong to exactly that estimate.

Separation rule (monotone likelihood)
    When a likelihood has no finite maximum (a covariate level with all or none of the
    events, or a propensity covariate that predicts treatment perfectly), Newton steps
    keep a constant size in that direction while the log-likelihood stops changing. The
    fit stops when the log-likelihood changed by at most :data:`LOGLIK_TOLERANCE`
    :math:`\times (|\ell| + 0.1)` on two consecutive steps while some coefficient still
    moved by more than :math:`10^{-5}(1 + |\beta_j|)`; those coefficients are the
    *separated* ones (R's ``coxph`` uses the same test: "Loglik converged before variable
    ...; coefficient may be infinite"). The same warning is given when no halving of a
    step is accepted while the step still moves some coefficients, because a trial raised
    the log-likelihood but its information overflowed, or because every trial changed it
    by no more than rounding (:data:`_ROUNDING` :math:`\times (|\ell| + 1)`): separated
    coefficients that ran far (to the hundreds or millions) before the log-likelihood
    flattened. The fit stops where it is.
    The solver then **warns** with
    :class:`~escalation.errors.StatisticalWarning`, naming them, and returns the estimate
    where it stopped: the separated coefficients are finite stand-ins for infinite ones
    (their standard errors mean nothing) and the other coefficients, and every
    prediction, are at the limit the likelihood approaches. Nothing is dropped, clipped
    or penalised behind the user's back; a penalty is only ever an explicit argument.

Singularity rule (coefficients the likelihood does not depend on)
    A coefficient can be absent from the likelihood altogether although its column varies:
    in a Cox model, a covariate whose every non-zero row leaves the risk set before the
    first event (a small cohort, or one cross-fitting fold of it, with a flag only early
    leavers have) never meets a risk set, so the information is zero in it and the score
    gives it no direction. The information is judged as R's ``coxph`` judges it
    (``cholesky2`` with ``toler.chol``): on covariates scaled to unit mean absolute
    deviation (``spread``; 0/1 columns unscaled), a Cholesky pivot below
    :data:`SINGULAR_TOLERANCE` times the largest diagonal is singular, and the Newton step
    leaves that coefficient where it is (R's ``chsolve2``); the earlier of two collinear
    columns is kept. Without the rule the solve divided by round-off (a pivot of 1e-17)
    and stepped 1e16 along the flat direction, where every trial overflowed. A coefficient
    still singular when the fit stops is *inestimable* when it is 0 and never moved: it
    stays at 0 (no effect: the model without that covariate, which R reports as ``NA``),
    the solver **warns** with :class:`~escalation.errors.StatisticalWarning` naming it,
    and :attr:`Solution.inestimable` records it. One that moved before its information
    vanished, or was held at a non-zero start (a warm start from a separated fit), ran
    off towards infinity: it is *separated* (above).

Failure
    :class:`~escalation.errors.ConvergenceError` when the Newton step is not finite, the
    log-likelihood cannot be increased, or ``max_iter`` steps were used up.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from escalation.errors import ConvergenceError, StatisticalWarning

__all__ = [
    "LOGLIK_TOLERANCE",
    "SINGULAR_TOLERANCE",
    "STEP_TOLERANCE",
    "Evaluation",
    "Solution",
    "Value",
    "covariance",
    "newton",
    "spread",
]

FloatArray = npt.NDArray[np.float64]

#: A step below this (relative to ``1 + |beta|``) in every coefficient means convergence.
STEP_TOLERANCE = 1e-10
#: A change of the log-likelihood below this (relative) counts as no change.
LOGLIK_TOLERANCE = 1e-9
#: A Cholesky pivot of the (scaled) information below this times its largest diagonal is
#: singular: R's ``coxph.control(toler.chol = .Machine$double.eps^0.75)``.
SINGULAR_TOLERANCE = float(np.finfo(float).eps ** 0.75)
_MOVING = float(np.sqrt(STEP_TOLERANCE))
_HALVINGS = 30
#: A trial log-likelihood within this much (times |l| + 1) below the current one differs
#: from it by rounding only (the sums of a likelihood near its supremum).
_ROUNDING = 1e-6


class Evaluation(Protocol):
    """What an objective returns at a coefficient vector (unpenalised)."""

    @property
    def loglik(self) -> float:
        """The log-likelihood."""

    @property
    def score(self) -> FloatArray:
        """Its gradient."""

    @property
    def information(self) -> FloatArray:
        """Minus its Hessian."""


E = TypeVar("E", bound=Evaluation)


@dataclass(frozen=True)
class Value:
    """A plain :class:`Evaluation`: log-likelihood, score, information (and per-row scores)."""

    loglik: float
    score: FloatArray
    information: FloatArray
    scores: FloatArray | None = None


@dataclass(frozen=True)
class Solution(Generic[E]):
    """The maximiser found by :func:`newton`.

    Attributes
    ----------
    beta : numpy.ndarray
        The estimate.
    evaluation : object
        What the objective returned at ``beta`` (unpenalised).
    loglik : float
        The (penalised, when a penalty was given) log-likelihood at ``beta``.
    information : numpy.ndarray
        The (penalised) information at ``beta``.
    iterations : int
        Newton steps taken.
    separated : tuple of int
        Positions of coefficients found infinite by the separation rule (empty normally).
    penalty : numpy.ndarray or None
        The ridge penalty used: ``loglik - 0.5 * sum(penalty * beta**2)`` was maximised.
    inestimable : tuple of int
        Positions of coefficients the likelihood does not depend on (the singularity
        rule; empty normally): held at their starting values, their rows and columns of
        ``information`` are (numerically) zero.
    """

    beta: FloatArray
    evaluation: E
    loglik: float
    information: FloatArray
    iterations: int
    separated: tuple[int, ...]
    penalty: FloatArray | None
    inestimable: tuple[int, ...] = ()


def _penalised(
    evaluation: Evaluation, beta: FloatArray, penalty: FloatArray | None
) -> tuple[float, FloatArray, FloatArray]:
    loglik = float(evaluation.loglik)
    score = np.asarray(evaluation.score, dtype=float)
    info = np.asarray(evaluation.information, dtype=float)
    if penalty is not None:
        loglik -= 0.5 * float(np.sum(penalty * beta**2))
        score = score - penalty * beta
        info = info + np.diag(penalty)
    return loglik, score, info


def _positive(info: FloatArray) -> FloatArray:
    """Return ``info``, shifted to be positive definite when it is clearly not.

    A Cholesky factorisation that succeeds proves ``info`` positive definite (up to
    round-off far below the 1e-8 bar), so it is returned unchanged at a fraction of the
    cost of the eigenvalues, which are computed only otherwise.
    """
    if np.isfinite(info).all():
        try:
            np.linalg.cholesky(info)
        except np.linalg.LinAlgError:
            pass
        else:
            return info
    values = np.linalg.eigvalsh(info)
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    if values.size and values[0] < -1e-8 * scale:
        out: FloatArray = info + (1e-3 * scale - values[0]) * np.eye(info.shape[0])
        return out
    return info


def spread(x: npt.ArrayLike, weights: npt.ArrayLike | None = None) -> FloatArray:
    """Return R's ``coxph`` scale of each column: its mean absolute deviation, 1 for 0/1 ones.

    The singularity rule judges the information on covariates divided by these (R's
    ``doscale``), so that it does not depend on the units of a covariate. A column without
    spread gets 1.

    Examples
    --------
    >>> spread([[0.0, 1.0], [1.0, 3.0], [0.0, 5.0]]).tolist()
    [1.0, 1.3333333333333333]
    """
    values = np.asarray(x, dtype=float)
    if values.ndim == 1:
        values = values[:, None]
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    total = float(w.sum())
    if not len(values) or total <= 0:
        return np.ones(values.shape[1])
    mean = (w @ values) / total
    # The absolute deviations in place: one n x p temporary, not two (the same numbers; a
    # second large array cost more than the arithmetic, and every fit computes this).
    absolute = values - mean
    np.abs(absolute, out=absolute)
    deviation = (w @ absolute) / total
    binary = np.all((values == 0) | (values == 1), axis=0)
    out: FloatArray = np.where(binary | ~(deviation > 0), 1.0, deviation)
    return out


def _singular_pivots(scaled: FloatArray) -> npt.NDArray[np.bool_]:
    """Return the columns whose Cholesky pivot is singular (R's ``cholesky2``, in order)."""
    matrix = np.array(scaled, dtype=float, copy=True)
    p = matrix.shape[0]
    top = float(np.max(np.diag(matrix), initial=0.0))
    eps = SINGULAR_TOLERANCE * top if top > 0 else SINGULAR_TOLERANCE
    singular = np.zeros(p, dtype=bool)
    for i in range(p):
        pivot = matrix[i, i]
        if not np.isfinite(pivot) or pivot < eps:
            singular[i] = True
            continue
        column = matrix[i + 1 :, i] / pivot
        matrix[i + 1 :, i + 1 :] -= np.outer(column, matrix[i, i + 1 :])
    return singular


def _singular(info: FloatArray, scale: FloatArray) -> npt.NDArray[np.bool_]:
    """Return the singular pivots of ``info`` judged on ``scale`` (one Cholesky usually).

    The solver calls this on every Newton step, on systems as small as a calibration
    slope's 2 x 2, so it uses array methods (``diagonal``, ``max``, ``any``) rather than
    their slower module-level wrappers; the arithmetic is the same.
    """
    scaled = info / np.outer(scale, scale)
    top = float(scaled.diagonal().max(initial=0.0))
    try:
        factor = np.linalg.cholesky(scaled)
    except np.linalg.LinAlgError:
        return _singular_pivots(scaled)
    if (factor.diagonal() ** 2 < SINGULAR_TOLERANCE * top).any():
        return _singular_pivots(scaled)
    return np.zeros(len(info), dtype=bool)


def covariance(information: npt.ArrayLike, scale: npt.ArrayLike | None = None) -> FloatArray:
    """Return the inverse information, NaN in the rows and columns of singular pivots.

    The singularity rule of the solver (module notes) decides which coefficients have no
    variance to report (R's ``coxph`` and ``glm`` give them ``NA``); the others' block is
    inverted.

    Parameters
    ----------
    information : array_like, shape (p, p)
        The information at the estimate.
    scale : array_like, optional
        The covariates' spread (:func:`spread`); default 1.

    Examples
    --------
    >>> covariance([[4.0, 0.0], [0.0, 1e-20]]).tolist()
    [[0.25, nan], [nan, nan]]
    """
    info = np.asarray(information, dtype=float)
    p = info.shape[0]
    unit = np.ones(p) if scale is None else np.asarray(scale, dtype=float).reshape(-1)
    out: FloatArray = np.full((p, p), np.nan)
    if not p:
        return out
    kept = ~_singular(info, unit)
    out[np.ix_(kept, kept)] = np.linalg.inv(info[np.ix_(kept, kept)])
    return out


def _newton_step(
    info: FloatArray, score: FloatArray, scale: FloatArray
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Return the Newton step and the coefficients it leaves alone (singular pivots).

    The information (shifted first when it is clearly not positive definite) is judged
    on covariates scaled by ``scale``; a pivot below :data:`SINGULAR_TOLERANCE` times
    the largest diagonal is singular and its coefficient does not move. One Cholesky
    factorisation decides in the usual case; the pivots are walked only when it fails or
    finds a small pivot.
    """
    shifted = _positive(info)
    singular = _singular(shifted, scale)
    if not singular.any():  # the usual case: the whole system (the same solve, no copies)
        whole = np.asarray(np.linalg.solve(shifted, score), dtype=float)
        return whole, singular
    step = np.zeros(len(score))
    kept = ~singular
    step[kept] = np.linalg.solve(shifted[np.ix_(kept, kept)], score[kept])
    return step, singular


def _label(names: Sequence[str], index: int) -> str:
    return str(names[index]) if index < len(names) else f"column {index}"


def newton(
    evaluate: Callable[[FloatArray], E],
    start: npt.ArrayLike,
    *,
    what: str,
    names: Sequence[str] = (),
    penalty: npt.ArrayLike | None = None,
    max_iter: int = 50,
    on_separation: Literal["warn", "raise"] = "warn",
    scale: npt.ArrayLike | None = None,
) -> Solution[E]:
    r"""Maximise a log-likelihood by Newton–Raphson (see the module notes for the rules).

    Parameters
    ----------
    evaluate : callable
        ``evaluate(beta)`` returns an object with ``loglik``, ``score`` and
        ``information`` (unpenalised).
    start : array_like
        Starting values.
    what : str
        The model, for messages (e.g. ``"the Cox model of escalation"``).
    names : sequence of str
        Coefficient names, for messages.
    penalty : array_like, optional
        Ridge penalty per coefficient (:math:`\ell - \frac12\sum_j \lambda_j\beta_j^2`).
    max_iter : int, default 50
        Newton steps allowed.
    on_separation : {"warn", "raise"}, default "warn"
        What the separation and singularity rules do: warn and return (the rule of every
        estimator), or raise :class:`~escalation.errors.ConvergenceError` for a caller
        that has a fallback of its own (it must say so in its documentation).
    scale : array_like, optional
        Spread of each coefficient's covariate (:func:`spread`), on which the
        singularity rule judges the information; default 1 for every coefficient.

    Returns
    -------
    Solution

    Raises
    ------
    ConvergenceError
        A step that is not finite, no increase possible, or ``max_iter`` used up.

    Warns
    -----
    StatisticalWarning
        When the separation rule finds infinite coefficients, or the singularity rule
        coefficients the likelihood does not depend on.

    Examples
    --------
    A Poisson log-likelihood ``y log(mu) - mu`` in ``log(mu)`` (maximum at ``log(3)``):

    >>> from types import SimpleNamespace
    >>> def poisson(b):
    ...     mu = np.exp(b[0])
    ...     return SimpleNamespace(loglik=3 * b[0] - mu, score=np.array([3 - mu]),
    ...                            information=np.array([[mu]]))
    >>> round(float(newton(poisson, [0.0], what="a Poisson mean").beta[0]), 9)
    1.098612289
    """
    beta = np.array(start, dtype=float, copy=True).reshape(-1)
    begin = beta.copy()
    lam = None if penalty is None else np.asarray(penalty, dtype=float).reshape(-1)
    unit = np.ones(beta.size) if scale is None else np.asarray(scale, dtype=float).reshape(-1)
    current = evaluate(beta)
    loglik, score, info = _penalised(current, beta, lam)
    if not np.isfinite(loglik):
        raise ConvergenceError(
            f"{what}: the log-likelihood is not finite at the starting values; check the "
            "covariates for extreme values"
        )
    flat = 0
    singular = np.zeros(beta.size, dtype=bool)

    def stop(iterations: int, moving: npt.NDArray[np.intp] | None = None) -> Solution[E]:
        """Return the fit where it stands, flagging separated and inestimable coefficients."""
        if moving is None and not singular.any():  # the usual end: nothing to flag
            return Solution(beta, current, loglik, info, iterations, (), lam, ())
        # At 0 and never moved: absent from the likelihood. Moved, or held at a non-zero
        # start (a warm start from a separated fit): the information vanished as the
        # coefficient grew, so it is separated.
        still = singular & (beta == begin) & (beta == 0)
        ran_off = np.flatnonzero(singular & ~still)
        separated = np.union1d(moving if moving is not None else [], ran_off).astype(np.intp)
        if separated.size:
            _report(_separation_message(what, names, separated, beta), on_separation, names)
        inestimable = np.flatnonzero(still)
        if inestimable.size:
            _report(_inestimable_message(what, names, inestimable), on_separation)
        return Solution(
            beta,
            current,
            loglik,
            info,
            iterations,
            tuple(int(j) for j in separated),
            lam,
            tuple(int(j) for j in inestimable),
        )

    for iteration in range(max_iter + 1):
        if beta.size == 0:
            return Solution(beta, current, loglik, info, iteration, (), lam)
        try:
            step, singular = _newton_step(info, score, unit)
        except np.linalg.LinAlgError as error:  # pragma: no cover - kept pivots are regular
            raise ConvergenceError(
                f"{what}: the information matrix is singular; drop covariates that are "
                "collinear or merge sparse levels"
            ) from error
        if not np.isfinite(step).all():
            raise ConvergenceError(
                f"{what}: the Newton step is not finite; drop covariates that are collinear "
                "or merge sparse levels"
            )
        if (np.abs(step) <= STEP_TOLERANCE * (1.0 + np.abs(beta))).all():
            return stop(iteration)
        if iteration == max_iter:
            break
        newton_step = step
        # Separation can end here rather than on two flat steps: a trial raised the
        # log-likelihood but its information overflowed, or every trial moved it only by
        # rounding (a likelihood converging to its supremum, often 0, with coefficients
        # in the millions).
        rose_past_overflow = False
        best_trial = -np.inf
        for _ in range(_HALVINGS + 1):
            trial_beta = beta + step
            # A trial step may overflow (exp of a huge linear predictor); the non-finite
            # result is caught below and the step halved, so numpy's warnings are noise.
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                trial = evaluate(trial_beta)
            trial_loglik, trial_score, trial_info = _penalised(trial, trial_beta, lam)
            finite = np.isfinite(trial_loglik) and np.isfinite(trial_info).all()
            if finite and trial_loglik >= loglik - 1e-12 * (abs(loglik) + 1):
                break
            if np.isfinite(trial_loglik):
                rose_past_overflow |= bool(trial_loglik > loglik)
                best_trial = max(best_trial, float(trial_loglik))
            step = step / 2.0
        else:
            moving = np.flatnonzero(np.abs(newton_step) > _MOVING * (1.0 + np.abs(beta)))
            rounding = best_trial >= loglik - _ROUNDING * (abs(loglik) + 1.0)
            if (rose_past_overflow or rounding) and moving.size:
                return stop(iteration, moving)
            raise ConvergenceError(
                f"{what}: the log-likelihood could not be increased from the current "
                "estimate; check for covariates with extreme values or near collinearity"
            )
        change = abs(trial_loglik - loglik)
        flat = flat + 1 if change <= LOGLIK_TOLERANCE * (abs(loglik) + 0.1) else 0
        beta, current = trial_beta, trial
        loglik, score, info = trial_loglik, trial_score, trial_info
        if flat >= 2:  # the separation rule (its coefficients found only when it may apply)
            moving = np.flatnonzero(np.abs(step) > _MOVING * (1.0 + np.abs(beta)))
            if moving.size:
                return stop(iteration + 1, moving)
    raise ConvergenceError(
        f"{what} did not converge in {max_iter} Newton steps; check for covariates that are "
        "nearly collinear or have extreme values"
    )


def _report(
    message: str, on_separation: Literal["warn", "raise"], names: Sequence[str] = ()
) -> None:
    """Warn with ``message`` (from the caller of :func:`newton`), or raise it.

    The warning carries the model's columns (``names``), from which what is shared tells
    a level of a two-level factor (:func:`~escalation.report.caveats.redact_separation`).
    """
    if on_separation == "raise":
        raise ConvergenceError(message)
    warnings.warn(StatisticalWarning(message, columns=names), stacklevel=6)


def _inestimable_message(what: str, names: Sequence[str], held: npt.NDArray[np.intp]) -> str:
    listed = ", ".join(_label(names, int(j)) for j in held)
    return (
        f"{what}: the log-likelihood does not depend on the coefficient(s) of {listed} "
        "(the information is zero in them: e.g. a covariate whose every non-zero row "
        "leaves the risk set before the first event, or a linear combination of earlier "
        "covariates among the rows that count), so they cannot be estimated and are held "
        "at 0 (no effect: the model without them, where R's coxph reports NA); their "
        "standard errors mean nothing. Merge or drop those covariates"
    )


def _separation_message(
    what: str, names: Sequence[str], moving: npt.NDArray[np.intp], beta: FloatArray
) -> str:
    listed = ", ".join(f"{_label(names, int(j))} ({beta[j]:+.1f})" for j in moving)
    return (
        f"{what}: the log-likelihood stopped changing while the coefficient(s) of {listed} "
        "kept growing, so the likelihood is monotone in them and their estimates are "
        "infinite (separation: a covariate value with all or none of the events, or that "
        "predicts the outcome perfectly). Coefficient may be infinite: the values shown "
        "are where the fit stopped and their standard errors mean nothing; the other "
        "estimates and the predictions are at the limit the fit approaches. Merge or drop "
        "those levels, or refit with an explicit penalizer"
    )
