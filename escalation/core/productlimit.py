r"""The one product-limit kernel: Kaplan–Meier, Aalen–Johansen and reverse Kaplan–Meier.

Every survival curve, cumulative incidence and censoring-survival estimate of the package
(``kaplan_meier``, ``aalen_johansen``, ``cumulative_incidence_at``, the Fine–Gray
censoring weights, the IPCW weights of the prediction metrics and of ``ipcw_outcome``,
the weighted curves of the causal estimators, the time transform of ``cox.zph``) is
computed from :func:`count` and the three estimators here.

Tie rule
    At a time :math:`t`, events come before censorings, as in R's ``survival`` and
    ``prodlim``: a row censored at :math:`t` is still at risk of the event at
    :math:`t`, and a row with an event at :math:`t` is no longer at risk of being
    censored at :math:`t`. So the event hazard at :math:`t` is :math:`d(t)/Y(t)` and the
    censoring hazard is :math:`c(t)/\{Y(t) - d(t)\}`, where :math:`Y(t)` is the
    (weighted) number at risk just before :math:`t` (rows with
    :math:`\mathrm{start} < t \le \mathrm{stop}`), :math:`d(t)` the events (any cause)
    and :math:`c(t)` the censorings at :math:`t`.

Estimators
    Kaplan–Meier :math:`S(t) = \prod_{s \le t}\{1 - d(s)/Y(s)\}`; Aalen–Johansen
    :math:`F_k(t) = \sum_{s \le t} S(s-)\, d_k(s)/Y(s)`; reverse Kaplan–Meier of
    censoring :math:`G(t) = \prod_{s \le t}[1 - c(s)/\{Y(s) - d(s)\}]`. A factor whose
    hazard is one up to rounding (everyone at risk has the event) is exactly zero, so the
    estimate does not depend on the order the weights were summed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "Counts",
    "censoring_survival",
    "count",
    "cumulative_incidence",
    "horizon_weights",
    "horizons_weights",
    "product_limit",
    "step",
    "survival",
]

FloatArray = npt.NDArray[np.float64]

#: A hazard this close to one (relative) is one: everyone at risk had the event.
_ALL = 1e-12


@dataclass(frozen=True)
class Counts:
    """Weighted counts at distinct times.

    Attributes
    ----------
    time : numpy.ndarray
        The distinct times, increasing.
    at_risk : numpy.ndarray
        Weighted number at risk just before each time (``start < t <= stop``).
    events : numpy.ndarray, shape (len(time), len(causes))
        Weighted events of each cause at each time.
    censored : numpy.ndarray
        Weighted censorings (code 0) at each time.
    n_risk : numpy.ndarray
        Unweighted number at risk.
    causes : tuple of int
        The cause codes of the columns of ``events``.
    last : numpy.ndarray of int
        Per input row: the position in ``time`` of the last time at or before its exit
        (-1 when it left before the first).
    """

    time: FloatArray
    at_risk: FloatArray
    events: FloatArray
    censored: FloatArray
    n_risk: FloatArray
    causes: tuple[int, ...]
    last: npt.NDArray[np.int64]

    @property
    def any_event(self) -> FloatArray:
        """Weighted events of any cause at each time."""
        out: FloatArray = self.events.sum(axis=1)
        return out

    def cause(self, code: int) -> FloatArray:
        """Weighted events of cause ``code`` at each time (zeros when absent)."""
        if code in self.causes:
            out: FloatArray = self.events[:, self.causes.index(code)]
            return out
        return np.zeros(self.time.size)


def _from(index: npt.NDArray[np.intp], size: int, values: FloatArray) -> FloatArray:
    """Sum of ``values`` over rows at or after each grid time.

    ``index`` is each row's number of grid times at or before its key (a binary search into
    the short grid, not a sort of the rows); the sums run from the last time backwards, so
    late sums over few rows stay exact.
    """
    binned = np.bincount(index, weights=values, minlength=size + 1)
    return np.asarray(np.cumsum(binned[::-1])[::-1][1:], dtype=float)


def distinct(values: npt.ArrayLike) -> FloatArray:
    """Return the sorted distinct values (hashing first, so only they are sorted)."""
    out: FloatArray = np.sort(pd.unique(np.asarray(values, dtype=float).ravel()))
    return out


def count(
    stop: npt.ArrayLike,
    code: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    start: npt.ArrayLike | None = None,
    times: npt.ArrayLike | None = None,
) -> Counts:
    """Count, at distinct times, those at risk, the events by cause and the censorings.

    Parameters
    ----------
    stop : array_like
        Exit times.
    code : array_like of int
        0 censored (or a change of row), 1, 2, ... the cause at ``stop``.
    weights : array_like, optional
        Non-negative case weights (unit when omitted).
    start : array_like, optional
        Entry times (delayed entry): at risk on ``(start, stop]``.
    times : array_like, optional
        Times to report (sorted). Default: every distinct exit time.

    Returns
    -------
    Counts

    Examples
    --------
    >>> c = count([1, 2, 2, 3], [1, 0, 2, 0])
    >>> c.time.tolist(), c.at_risk.tolist(), c.censored.tolist(), c.causes
    ([1.0, 2.0, 3.0], [4.0, 3.0, 1.0], [0.0, 1.0, 1.0], (1, 2))
    """
    t = np.asarray(stop, dtype=float)
    k = np.asarray(code, dtype=np.int64)
    w = np.ones(t.size) if weights is None else np.asarray(weights, dtype=float)
    grid = distinct(t) if times is None else np.asarray(times, dtype=float)
    ones = np.ones(t.size)
    # at risk at u: stop >= u, less those entering at or after u
    index = np.searchsorted(grid, t, side="right")
    at_risk = _from(index, grid.size, w)
    n_risk = _from(index, grid.size, ones)
    if start is not None:
        entry = np.searchsorted(grid, np.asarray(start, dtype=float), side="right")
        at_risk = at_risk - _from(entry, grid.size, w)
        n_risk = n_risk - _from(entry, grid.size, ones)
    position = index - 1
    on_grid = position >= 0
    on_grid[on_grid] = grid[position[on_grid]] == t[on_grid]
    causes = tuple(int(c) for c in pd.unique(k[k > 0]))
    causes = tuple(sorted(causes))
    events = np.zeros((grid.size, len(causes)))
    for j, c in enumerate(causes):
        hit = on_grid & (k == c)
        events[:, j] = np.bincount(position[hit], weights=w[hit], minlength=grid.size)
    cens = on_grid & (k == 0)
    censored = np.bincount(position[cens], weights=w[cens], minlength=grid.size).astype(float)
    return Counts(
        grid, at_risk, events, censored, n_risk.astype(float), causes, position.astype(np.int64)
    )


def hazard(at_risk: npt.ArrayLike, jumps: npt.ArrayLike) -> FloatArray:
    """Return the discrete hazard ``jumps / at_risk`` (0 where nobody is at risk).

    A hazard within 1e-12 of one is exactly one: everyone at risk had the event, whatever
    the order the weights were summed in.
    """
    y = np.asarray(at_risk, dtype=float)
    d = np.asarray(jumps, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(y > 0, d / y, 0.0)
    result: FloatArray = np.where(out > 1.0 - _ALL, 1.0, out)
    return result


def product_limit(at_risk: npt.ArrayLike, jumps: npt.ArrayLike) -> FloatArray:
    r"""Return :math:`\prod_{s \le t}\{1 - \mathrm{jumps}(s)/\mathrm{at\_risk}(s)\}` at each time.

    The one product-limit kernel. Times with nobody at risk contribute a factor 1; a
    hazard within 1e-12 of one gives a factor of exactly zero.

    Examples
    --------
    >>> product_limit([4.0, 3.0, 1.0], [1.0, 1.0, 1.0]).tolist()
    [0.75, 0.5, 0.0]
    """
    out = np.cumprod(1.0 - hazard(at_risk, jumps))
    return np.asarray(out, dtype=float)


def survival(counts: Counts, *, cause: int | None = None) -> FloatArray:
    """Kaplan–Meier survival free of ``cause`` (any cause by default) just after each time."""
    jumps = counts.any_event if cause is None else counts.cause(cause)
    return product_limit(counts.at_risk, jumps)


def cumulative_incidence(counts: Counts, cause: int) -> FloatArray:
    """Aalen–Johansen cumulative incidence of ``cause`` just after each time.

    Examples
    --------
    >>> cumulative_incidence(count([1, 2, 3, 4], [1, 2, 0, 1]), 1).tolist()
    [0.25, 0.25, 0.25, 0.75]
    """
    before = np.concatenate(([1.0], survival(counts)[:-1]))
    out: FloatArray = np.cumsum(before * hazard(counts.at_risk, counts.cause(cause)))
    return out


def censoring_survival(counts: Counts) -> FloatArray:
    """Reverse Kaplan–Meier: probability of remaining uncensored, just after each time.

    Events at a time come before censorings at that time (the tie rule above).

    Examples
    --------
    >>> censoring_survival(count([1, 2, 3, 4], [1, 0, 1, 0])).round(4).tolist()
    [1.0, 0.6667, 0.6667, 0.0]
    """
    return product_limit(counts.at_risk - counts.any_event, counts.censored)


def step(
    times: npt.ArrayLike,
    values: npt.ArrayLike,
    at: npt.ArrayLike,
    *,
    before: float,
    left: bool = False,
) -> FloatArray:
    """Evaluate a right-continuous step function (jumps at ``times``) at ``at``.

    Parameters
    ----------
    times, values : array_like
        Jump times (increasing) and the value just after each.
    at : array_like
        Where to evaluate.
    before : float
        The value before the first jump (1 for survival, 0 for incidence).
    left : bool, default False
        Return the left limit (the value just before ``at``).

    Returns
    -------
    numpy.ndarray
        The values at ``at``; NaN where ``at`` is NaN (``searchsorted`` would put it past
        every jump and return the last value). The entry points refuse such times first
        (:func:`escalation.survival._outcome.prediction_times`).

    Examples
    --------
    >>> step([1.0, 3.0], [0.8, 0.5], [0.5, 1.0, 2.0, 3.0], before=1.0).tolist()
    [1.0, 0.8, 0.8, 0.5]
    >>> step([1.0, 3.0], [0.8, 0.5], [1.0, 3.0], before=1.0, left=True).tolist()
    [1.0, 0.8]
    >>> step([], [], [2.0], before=1.0).tolist()
    [1.0]
    >>> step([1.0], [0.8], [np.nan], before=1.0).tolist()
    [nan]
    """
    t = np.asarray(times, dtype=float)
    v = np.asarray(values, dtype=float)
    where = np.asarray(at, dtype=float)
    if v.size == 0:  # no jump (no rows): the value before the first jump everywhere
        return np.full(where.shape, float(before))
    index = np.searchsorted(t, where, side="left" if left else "right") - 1
    out: FloatArray = np.where(index >= 0, v[np.clip(index, 0, None)], before)
    return np.where(np.isnan(where), np.nan, out)


def horizon_weights(stop: npt.ArrayLike, code: npt.ArrayLike, horizon: float) -> FloatArray:
    """Return inverse-probability-of-censoring weights for each row's status at ``horizon``.

    A row whose follow-up ended with an event (any cause) by the horizon is weighted
    :math:`1/G(T_i-)`, a row followed beyond the horizon :math:`1/G(h)`, a row censored
    by the horizon 0 (its status is unknown); :math:`G` is :func:`censoring_survival`
    (events before censorings at tied times). The weights of the prediction metrics
    (``riskRegression::Score``'s marginal censoring model) and of ``ipcw_outcome``.

    Examples
    --------
    >>> horizon_weights([1, 2, 3, 5], [1, 0, 2, 0], 4).round(6).tolist()
    [1.0, 0.0, 1.5, 1.5]
    """
    t = np.asarray(stop, dtype=float)
    k = np.asarray(code, dtype=np.int64)
    out: FloatArray = horizons_weights(count(t, k), t, k, [horizon])[0]
    return out


def horizons_weights(
    counts: Counts, stop: npt.ArrayLike, code: npt.ArrayLike, horizons: npt.ArrayLike
) -> FloatArray:
    """Return :func:`horizon_weights` at each of ``horizons`` from the rows' counts.

    ``counts`` is :func:`count` of ``stop`` and ``code`` (found once: the censoring
    survival and each row's :math:`G(T_i-)` do not depend on the horizon). Row ``j`` of
    the result is ``horizon_weights(stop, code, horizons[j])``, bit for bit.

    Examples
    --------
    >>> t, k = [1, 2, 3, 5], [1, 0, 2, 0]
    >>> horizons_weights(count(t, k), t, k, [2, 4]).round(6).tolist()
    [[1.0, 0.0, 1.5, 1.5], [1.0, 0.0, 1.5, 1.5]]
    """
    t = np.asarray(stop, dtype=float)
    k = np.asarray(code, dtype=np.int64)
    g = censoring_survival(counts)
    g_own = step(counts.time, g, t, before=1.0, left=True)
    grid = np.asarray(horizons, dtype=float).reshape(-1)
    g_at = step(counts.time, g, grid, before=1.0)
    event = k > 0
    out = np.zeros((grid.size, t.size))
    for j, horizon in enumerate(grid):
        before = t <= horizon
        known = np.where(before, event, True)
        value = np.where(before, g_own, float(g_at[j]))
        np.divide(1.0, value, out=out[j], where=known & (value > 0))
    return out
