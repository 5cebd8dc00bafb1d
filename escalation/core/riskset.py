r"""The one weighted risk-set engine of the Cox partial likelihood.

:class:`CoxData` sorts a data set once: strata, (start, stop] rows with delayed entry,
case weights and offsets. :func:`cox_terms` evaluates, at a coefficient vector and for
Breslow or Efron ties, everything the Cox models of the package need: the log partial
likelihood, score and information, the baseline hazard increments (Efron-corrected after
an Efron fit, as R's ``survfit.coxph`` and ``basehaz`` compute them), Schoenfeld and score
residuals and, on the numpy path, the time-weighted score and information of
``survival::cox.zph``. A ridge penalty, when wanted, is added by the Newton solver
(:mod:`escalation.core.newton`).

Definitions (R's ``survival::coxph``)
    Row :math:`i` is at risk at :math:`t` when :math:`\mathrm{start}_i < t \le
    \mathrm{stop}_i` (within its stratum), with weight :math:`w_i` and relative risk
    :math:`r_i = w_i e^{x_i\beta + o_i}`. At an event time with :math:`m` events of
    total weight :math:`d_w`, risk-set sums :math:`S_0, S_1` and event sums
    :math:`T_0, T_1`: Breslow has one term with denominator :math:`S_0` and weight
    :math:`d_w`; Efron has :math:`m` terms :math:`k = 0..m-1` with denominators
    :math:`D_k = S_0 - (k/m) T_0`, means :math:`(S_1 - (k/m) T_1)/D_k` and weight
    :math:`d_w / m`. The baseline hazard increment is the sum over the terms of weight /
    denominator (the Breslow estimate, or its Efron correction).

Two paths compute the same numbers: a compiled walk (numba, used by default) and plain
numpy (``engine="numpy"``), which also gives the ``cox.zph`` terms.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

from escalation.core import _riskset_numpy
from escalation.core._riskset_kernel import (
    gather_centred,
    relative_risks,
    score_residuals,
    walk,
    weighted_gram,
)
from escalation.core.kernels import c_array, rows_or_columns
from escalation.errors import DesignError

__all__ = ["CoxData", "Engine", "Terms", "Ties", "bad_intervals", "cox_terms"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Ties = Literal["efron", "breslow"]
Engine = Literal["compiled", "numpy"]

_FIELD_DTYPES: dict[str, type] = {
    "start": np.float64,
    "stop": np.float64,
    "status": np.bool_,
    "x": np.float64,
    "center": np.float64,
    "weights": np.float64,
    "offset": np.float64,
    "strata": np.int64,
    "bounds": np.int64,
    "entry_order": np.int64,
    "event_score": np.float64,
}


def bad_intervals(start: FloatArray, stop: FloatArray) -> IntArray:
    """Return the positions of (start, stop] rows no risk set can hold.

    A start must be finite and a stop finite and after it. A missing start is not
    merely one bad row: sorted last among the entries, it stops the walk that takes rows
    out of the risk sets at their entry, so every row of its stratum would count as at
    risk from time zero.

    Examples
    --------
    >>> bad_intervals(np.array([0.0, np.nan, 2, 1]), np.array([3.0, 4, 2, np.inf])).tolist()
    [1, 2, 3]
    """
    return np.flatnonzero(~np.isfinite(start) | ~np.isfinite(stop) | ~(stop > start)).astype(
        np.int64
    )


@dataclass(frozen=True, eq=False)
class CoxData:
    """The arrays of one Cox model, sorted by stratum then stop time.

    Attributes
    ----------
    start, stop : numpy.ndarray
        Interval ends (``start`` is ``-inf`` without delayed entry).
    status : numpy.ndarray of bool
        Whether the row ends with the event.
    x : numpy.ndarray, shape (n, p)
        Covariates, centred at :attr:`center` (C-contiguous).
    center : numpy.ndarray
        The weighted column means subtracted from ``x``.
    weights, offset : numpy.ndarray
        Case weights and offsets.
    strata : numpy.ndarray of int
        Stratum code of each row (0, 1, ... in order).
    bounds : numpy.ndarray of int
        Row positions where each stratum starts, and ``n``.
    entry_order : numpy.ndarray of int or None
        Rows sorted by stratum then start (``None`` without delayed entry).
    event_score : numpy.ndarray
        ``x' (weights * status)``: the part of the score that does not depend on beta.
    """

    start: FloatArray
    stop: FloatArray
    status: npt.NDArray[np.bool_]
    x: FloatArray
    center: FloatArray
    weights: FloatArray
    offset: FloatArray
    strata: IntArray
    bounds: IntArray
    entry_order: IntArray | None
    event_score: FloatArray

    def __post_init__(self) -> None:
        # The compiled walk takes C-contiguous writable arrays of one dtype each, so that
        # it is compiled once (escalation.core.kernels); arrays already so are not copied.
        for name, dtype in _FIELD_DTYPES.items():
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, c_array(value, dtype))

    @property
    def n(self) -> int:
        """Number of rows."""
        return int(self.stop.size)

    @cached_property
    def event_weight(self) -> FloatArray:
        """Case weight of the event rows, 0 elsewhere."""
        out: FloatArray = self.weights * self.status
        return out

    @classmethod
    def build(
        cls,
        stop: npt.ArrayLike,
        status: npt.ArrayLike,
        x: npt.ArrayLike,
        *,
        start: npt.ArrayLike | None = None,
        weights: npt.ArrayLike | None = None,
        strata: npt.ArrayLike | None = None,
        offset: npt.ArrayLike | None = None,
    ) -> tuple[CoxData, IntArray]:
        """Sort and centre the data; return it and the order used (input positions).

        Parameters
        ----------
        stop : array_like
            Event or censoring times (the interval ends).
        status : array_like of bool
            True where the row ends with the event.
        x : array_like, shape (n, p)
            Covariates (no intercept).
        start : array_like, optional
            Interval starts (delayed entry); rows are at risk on (start, stop].
        weights : array_like, optional
            Non-negative case weights.
        strata : array_like of int, optional
            Stratum codes (0, 1, ...).
        offset : array_like, optional
            Offsets added to the linear predictor.

        Raises
        ------
        DesignError
            When a row with ``start`` has a start not finite or a stop not after it
            (:func:`bad_intervals`; entry points check their columns first, naming the
            table, row and column).
        """
        stop_ = np.asarray(stop, dtype=float)
        if start is not None:
            bad = bad_intervals(np.asarray(start, dtype=float), stop_)
            if len(bad):
                raise DesignError(
                    f"{len(bad)} (start, stop] row(s) with a start not finite or a stop not "
                    f"after it, the first at position {int(bad[0])}"
                )
        n = stop_.size
        codes = np.zeros(n, np.int64) if strata is None else np.asarray(strata, np.int64)
        order = (
            np.argsort(stop_, kind="stable") if strata is None else np.lexsort((stop_, codes))
        ).astype(np.int64)
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)[order]
        xx = np.asarray(x, dtype=float).reshape(n, -1)
        dead = np.asarray(status, dtype=bool)[order]
        matrix, columns = rows_or_columns(xx)
        xs, center, event_score = gather_centred(matrix, order, c_array(w), dead, columns)
        codes = codes[order]
        cuts = np.flatnonzero(np.diff(codes)) + 1
        bounds = np.concatenate(([0], cuts, [n])).astype(np.int64)
        if start is None:
            start_ = np.full(n, -np.inf)
            entry = None
        else:
            start_ = np.asarray(start, dtype=float)[order]
            entry = np.lexsort((start_, codes)).astype(np.int64)
        return (
            cls(
                start=start_,
                stop=stop_[order],
                status=dead,
                x=xs,
                center=np.asarray(center, dtype=float),
                weights=np.asarray(w, dtype=float),
                offset=np.zeros(n) if offset is None else np.asarray(offset, float)[order],
                strata=codes,
                bounds=bounds,
                entry_order=entry,
                event_score=np.asarray(event_score, dtype=float),
            ),
            order,
        )

    def subset_columns(self, keep: npt.NDArray[np.bool_]) -> CoxData:
        """Return the same rows with only the ``keep`` columns of ``x``."""
        return CoxData(
            self.start,
            self.stop,
            self.status,
            np.ascontiguousarray(self.x[:, keep]),
            self.center[keep],
            self.weights,
            self.offset,
            self.strata,
            self.bounds,
            self.entry_order,
            self.event_score[keep],
        )


@dataclass(frozen=True, eq=False)
class Terms:
    """The partial-likelihood terms at one coefficient vector.

    Attributes
    ----------
    loglik : float
        Log partial likelihood (unpenalised).
    score, information : numpy.ndarray
        Its gradient and minus its Hessian.
    hazard_strata, hazard_time : numpy.ndarray
        Stratum code and time of each event time.
    hazard : numpy.ndarray
        Baseline hazard increment at each event time for covariates at the centre
        (``x = CoxData.center``), offset 0: Breslow, or Efron-corrected for Efron ties.
    hazard_events : numpy.ndarray
        Weighted number of events at each event time.
    event_rows : numpy.ndarray of int
        Event rows (positions in the sorted data), when residuals were asked for.
    schoenfeld : numpy.ndarray or None
        Schoenfeld residuals of the event rows (centred covariates minus the mean of the
        term means at the event time).
    score_residuals : numpy.ndarray or None
        Per-row score residuals (unweighted, as R's ``residuals(fit, "score")``).
    score_g, info_xg, info_gg : numpy.ndarray or None
        ``cox.zph`` blocks, when ``gtime`` was given (numpy path).
    hazard_var, hazard_xbar : numpy.ndarray or None
        Numpy path only: at each event time, the variance increment of :attr:`hazard`
        (the sum over the terms of weight / denominator squared; R's ``agsurv``
        ``varhaz``) and the hazard-weighted means of the centred covariates (the sum
        over the terms of weight x mean / denominator; ``agsurv``'s ``xbar``
        increments), for the standard error of a predicted survival curve.
    """

    loglik: float
    score: FloatArray
    information: FloatArray
    hazard_strata: IntArray
    hazard_time: FloatArray
    hazard: FloatArray
    hazard_events: FloatArray
    event_rows: IntArray
    schoenfeld: FloatArray | None = None
    score_residuals: FloatArray | None = None
    score_g: FloatArray | None = None
    info_xg: FloatArray | None = None
    info_gg: FloatArray | None = None
    hazard_var: FloatArray | None = None
    hazard_xbar: FloatArray | None = None


def cox_terms(
    data: CoxData,
    beta: npt.ArrayLike,
    ties: Ties,
    *,
    residuals: bool = False,
    gtime: FloatArray | None = None,
    engine: Engine = "compiled",
) -> Terms:
    """Return the partial-likelihood terms at ``beta``.

    Parameters
    ----------
    data : CoxData
        Sorted arrays.
    beta : array_like
        Coefficients (for the columns of ``data.x``).
    ties : {"efron", "breslow"}
        Tie handling.
    residuals : bool, default False
        Also return Schoenfeld and score residuals.
    gtime : numpy.ndarray, optional
        ``g(t)`` per row (read at event rows) for the ``cox.zph`` score test; forces the
        numpy path.
    engine : {"compiled", "numpy"}, default "compiled"
        Which path computes the sums.

    Returns
    -------
    Terms

    Examples
    --------
    >>> data, _ = CoxData.build([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], [[0.0], [1], [0], [1]])
    >>> round(cox_terms(data, [0.0], "breslow").loglik, 6)
    -2.484907
    """
    b = c_array(np.asarray(beta, dtype=float).reshape(-1))
    if engine == "numpy" or gtime is not None:
        eta = data.x @ b + data.offset if b.size else data.offset.copy()
        shift = np.zeros(data.bounds.size - 1)
        if data.n:
            shift = np.maximum.reduceat(eta, data.bounds[:-1])
        relative = np.exp(eta - np.repeat(shift, np.diff(data.bounds)))
        r = data.weights * relative
        event_eta = float(data.event_weight @ eta)
    else:
        relative, r, shift, event_eta = relative_risks(
            data.x, b, data.offset, data.weights, data.status, data.bounds
        )
    efron = ties == "efron"
    want = residuals or gtime is not None
    if engine == "numpy" or gtime is not None:
        s = _riskset_numpy.sums(
            data.x,
            r,
            data.weights,
            data.status,
            data.stop,
            data.start,
            data.bounds,
            efron,
            want,
            gtime,
        )
        parts = (
            s.logsum,
            s.means,
            s.outer,
            s.h,
            s.g,
            s.time,
            s.stratum,
            s.hazard,
            s.weight,
            s.count,
            s.mean,
            s.time_of,
        )
    else:
        entry = data.entry_order
        parts = walk(
            data.x,
            r,
            data.weights,
            data.status,
            data.stop,
            data.start,
            entry if entry is not None else np.zeros(0, np.int64),
            data.bounds,
            entry is not None,
            bool(efron),
            bool(want),
        )
        s = None
    logsum, means, outer, h, g, time, stratum, hazard, weight, _count, mean, time_of = parts
    if s is None:
        # the walk runs backwards in time: put the event times in increasing order
        order = np.lexsort((time, stratum))
        time, stratum, hazard, weight = time[order], stratum[order], hazard[order], weight[order]
        if mean is not None and len(mean):
            mean = mean[order]
            position = np.empty_like(order)
            position[order] = np.arange(order.size)
            time_of = np.where(time_of >= 0, position[np.maximum(time_of, 0)], -1)
    score = data.event_score - means
    if s is None:
        information = weighted_gram(data.x, r, h) - outer
    else:
        information = (data.x * (r * h)[:, None]).T @ data.x - outer
    loglik = float(event_eta) - float(logsum) - float(shift[stratum] @ weight)
    event_rows = np.flatnonzero(data.status).astype(np.int64) if want else np.zeros(0, np.int64)
    schoenfeld = score_residuals_ = None
    if want and mean is not None:
        schoenfeld = np.asarray(data.x[event_rows] - mean[time_of[event_rows]], dtype=float)
        if g is not None:
            if s is None:
                score_residuals(data.x, g, h, relative, time_of, mean)
                res = g
            else:
                res = -relative[:, None] * (data.x * h[:, None] - g)
                res[event_rows] += schoenfeld
            score_residuals_ = np.asarray(res, dtype=float)
    return Terms(
        loglik=loglik,
        score=np.asarray(score, dtype=float),
        information=np.asarray(information, dtype=float),
        hazard_strata=data.strata[data.bounds[np.asarray(stratum, dtype=np.int64)]],
        hazard_time=np.asarray(time, dtype=float),
        hazard=np.asarray(hazard, dtype=float) * np.exp(-shift[stratum]),
        hazard_events=np.asarray(weight, dtype=float),
        event_rows=event_rows,
        schoenfeld=schoenfeld,
        score_residuals=score_residuals_,
        score_g=None if s is None else s.score_g,
        info_xg=None if s is None else s.info_xg,
        info_gg=None if s is None else s.info_gg,
        hazard_var=None if s is None else _scaled(s.hazard_var, np.exp(-2.0 * shift[stratum])),
        hazard_xbar=None if s is None else _scaled(s.hazard_xbar, np.exp(-shift[stratum])),
    )


def _scaled(values: FloatArray | None, factor: FloatArray) -> FloatArray | None:
    """Return per-event-time ``values`` (a vector or rows) times ``factor`` (unshifted)."""
    if values is None:
        return None
    out = np.asarray(values, dtype=float)
    return out * (factor[:, None] if out.ndim == 2 else factor)
