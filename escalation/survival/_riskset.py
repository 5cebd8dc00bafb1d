"""Risk-set sums of the Cox partial likelihood (numpy only).

One pass over sorted data gives, for Breslow or Efron ties, strata, case weights and
(start, stop] counting-process rows, everything the Cox model code needs beyond the
fitting itself: log partial likelihood, score, information, Schoenfeld residuals, score
residuals, the Breslow baseline hazard and the time-weighted score and information of
``survival::cox.zph`` (survival >= 3.0). The p x p information is accumulated per row
(``X' diag(h) X``), never per event time, so memory stays O(n p).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Ties = Literal["efron", "breslow"]


@dataclass(frozen=True)
class CoxData:
    """Arrays of one Cox model, sorted by stratum then stop time."""

    start: FloatArray
    stop: FloatArray
    status: npt.NDArray[np.bool_]
    x: FloatArray
    weights: FloatArray
    strata: IntArray

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
    ) -> tuple[CoxData, IntArray]:
        """Return the sorted data and the order used (positions in the input)."""
        stop_ = np.asarray(stop, dtype=float)
        n = stop_.size
        start_ = np.full(n, -np.inf) if start is None else np.asarray(start, dtype=float)
        strata_ = np.zeros(n, np.int64) if strata is None else np.asarray(strata, np.int64)
        order = np.lexsort((stop_, strata_)).astype(np.int64)
        w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
        xx = np.asarray(x, dtype=float).reshape(n, -1)
        return (
            cls(
                start_[order],
                stop_[order],
                np.asarray(status, dtype=bool)[order],
                xx[order],
                w[order],
                strata_[order],
            ),
            order,
        )


@dataclass(frozen=True)
class Terms:
    """Per-term quantities: one term per event (Efron) or per event time (Breslow)."""

    loglik: float
    score: FloatArray
    information: FloatArray
    #: event rows (positions in the sorted data) and their Schoenfeld residuals
    event_rows: IntArray
    schoenfeld: FloatArray
    #: per event time: stratum, time, Breslow hazard increment at eta = x beta
    hazard_strata: IntArray
    hazard_time: FloatArray
    hazard: FloatArray
    #: time-weighted score and information blocks (cox.zph), when g was given
    score_g: FloatArray | None = None
    info_xg: FloatArray | None = None
    info_gg: FloatArray | None = None
    #: per row score residuals (unweighted), when asked
    score_residuals: FloatArray | None = None


def _stratum_slices(strata: IntArray) -> list[slice]:
    cuts = np.flatnonzero(np.diff(strata)) + 1
    edges = np.concatenate(([0], cuts, [strata.size]))
    return [slice(int(a), int(b)) for a, b in itertools.pairwise(edges)]


def _sums_from(
    key: FloatArray, r: FloatArray, rx: FloatArray, times: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return the sums of ``r`` and ``rx`` over rows with ``key >= t`` (``key`` sorted).

    Rows are first summed within runs of equal ``key`` (few distinct days), so the
    cumulative sums run over distinct values rather than rows.
    """
    if key.size == 0:
        return np.zeros(times.size), np.zeros((times.size, rx.shape[1]))
    first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    values = key[first]
    r_bin = np.add.reduceat(r, first)
    rx_bin = np.add.reduceat(rx, first, axis=0)
    cum_r = np.concatenate((np.cumsum(r_bin[::-1])[::-1], [0.0]))
    cum_rx = np.vstack((np.cumsum(rx_bin[::-1], axis=0)[::-1], np.zeros((1, rx.shape[1]))))
    index = np.searchsorted(values, times, side="left")
    return np.asarray(cum_r[index], dtype=float), np.asarray(cum_rx[index], dtype=float)


def _row_weights(
    ct: FloatArray,
    cft: FloatArray,
    times: FloatArray,
    start: FloatArray,
    stop: FloatArray,
    d_idx: IntArray,
    d_time: IntArray,
) -> FloatArray:
    """Sum of per-time weights over each row's risk period (own death: Efron fraction)."""
    cum = np.concatenate(([0.0], np.cumsum(ct)))
    hi = np.searchsorted(times, stop, side="right")
    lo = np.searchsorted(times, start, side="right")
    h = np.asarray(cum[hi] - cum[lo], dtype=float)
    h[d_idx] -= ct[d_time] - cft[d_time]
    return h


def compute_terms(
    data: CoxData,
    beta: FloatArray,
    ties: Ties,
    *,
    gtime: FloatArray | None = None,
    residuals: bool = False,
) -> Terms:
    """Return the partial-likelihood terms at ``beta``.

    Parameters
    ----------
    data : CoxData
        Sorted arrays.
    beta : ndarray
        Coefficients.
    ties : {"efron", "breslow"}
        Tie handling.
    gtime : ndarray, optional
        ``g(t)`` for each row (used at event rows only) for the cox.zph score test.
    residuals : bool
        Whether to compute per-row score residuals.
    """
    n, p = data.x.shape
    center = data.x.mean(axis=0) if n else np.zeros(p)
    xc = data.x - center
    eta_all = xc @ beta
    loglik = 0.0
    score = np.zeros(p)
    info = np.zeros((p, p))
    score_g = np.zeros(p)
    info_xg = np.zeros((p, p))
    info_gg = np.zeros((p, p))
    event_rows: list[IntArray] = []
    schoen: list[FloatArray] = []
    h_strata: list[IntArray] = []
    h_time: list[FloatArray] = []
    h_value: list[FloatArray] = []
    sresid = np.zeros((n, p)) if residuals else None
    for part in _stratum_slices(data.strata):
        base = part.start
        stop = data.stop[part]
        start = data.start[part]
        dead = data.status[part]
        x = xc[part]
        w = data.weights[part]
        eta = eta_all[part]
        shift = float(eta.max()) if eta.size else 0.0
        r = w * np.exp(eta - shift)
        times = np.unique(stop[dead])
        m_t = times.size
        if m_t == 0:
            continue
        # risk-set sums at each event time: rows with stop >= t minus rows with start >= t
        rx = r[:, None] * x
        s0, s1 = _sums_from(stop, r, rx, times)
        if np.isfinite(start).any():
            by_start = np.argsort(start, kind="stable")
            e0, e1 = _sums_from(start[by_start], r[by_start], rx[by_start], times)
            s0, s1 = s0 - e0, s1 - e1
        # deaths at each event time
        d_idx = np.flatnonzero(dead).astype(np.int64)
        d_time = np.searchsorted(times, stop[d_idx]).astype(np.int64)
        m = np.bincount(d_time, minlength=m_t).astype(float)
        d0 = np.bincount(d_time, weights=r[d_idx], minlength=m_t)
        dw = np.bincount(d_time, weights=w[d_idx], minlength=m_t)
        # d_time is sorted and hits every event time: sum contiguous runs
        d_first = np.searchsorted(d_time, np.arange(m_t))
        d1 = np.add.reduceat(rx[d_idx], d_first, axis=0) if p else np.zeros((m_t, 0))
        # expand into terms
        if ties == "efron":
            k_count = m.astype(np.int64)
            term_t = np.repeat(np.arange(m_t), k_count)
            first = np.concatenate(([0], np.cumsum(k_count)[:-1]))
            k = np.arange(term_t.size) - np.repeat(first, k_count) + 1
            frac = k / m[term_t]
            wtave = (dw / m)[term_t]
        else:
            term_t = np.arange(m_t)
            frac = np.ones(m_t)
            wtave = dw
        denom = s0[term_t] - d0[term_t] * (1.0 - frac)
        a = s1[term_t] - d1[term_t] * (1.0 - frac)[:, None]
        xbar = a / denom[:, None]
        c = wtave / denom
        loglik += float(np.sum(w[d_idx] * eta[d_idx]) - np.sum(wtave * (np.log(denom) + shift)))
        score += (w[d_idx, None] * x[d_idx]).sum(axis=0) - (wtave[:, None] * xbar).sum(axis=0)
        big_c = np.bincount(term_t, weights=c, minlength=m_t).astype(float)
        big_cf = np.bincount(term_t, weights=c * frac, minlength=m_t).astype(float)

        h = _row_weights(big_c, big_cf, times, start, stop, d_idx, d_time)
        info += (x * (r * h)[:, None]).T @ x - (xbar * wtave[:, None]).T @ xbar
        # Schoenfeld residuals: x minus the mean of the term means at the event time
        t_first = np.searchsorted(term_t, np.arange(m_t))
        mean_t = np.add.reduceat(xbar, t_first, axis=0) if p else np.zeros((m_t, 0))
        mean_t /= np.bincount(term_t, minlength=m_t)[:, None]
        event_rows.append(d_idx + base)
        schoen.append(x[d_idx] - mean_t[d_time])
        # Breslow hazard at eta: deaths' weight / risk-set weight
        h_strata.append(np.full(m_t, data.strata[base], np.int64))
        h_time.append(times)
        h_value.append(dw / (s0 * np.exp(shift)))
        if gtime is not None:
            g_t = np.zeros(m_t)
            g_t[d_time] = gtime[part][d_idx]
            gk = g_t[term_t]
            score_g += (w[d_idx, None] * g_t[d_time, None] * x[d_idx]).sum(axis=0) - (
                (wtave * gk)[:, None] * xbar
            ).sum(axis=0)
            hg = _row_weights(big_c * g_t, big_cf * g_t, times, start, stop, d_idx, d_time)
            hgg = _row_weights(big_c * g_t**2, big_cf * g_t**2, times, start, stop, d_idx, d_time)
            info_xg += (x * (r * hg)[:, None]).T @ x - (xbar * (wtave * gk)[:, None]).T @ xbar
            info_gg += (x * (r * hgg)[:, None]).T @ x - (xbar * (wtave * gk**2)[:, None]).T @ xbar
        if sresid is not None:
            # r_i * sum over terms in risk (x_i - xbar_k) c_k (frac_k for own death)
            cum_c = np.concatenate(([0.0], np.cumsum(big_c)))
            cxb = np.add.reduceat(c[:, None] * xbar, t_first, axis=0)
            cxbf = np.add.reduceat((c * frac)[:, None] * xbar, t_first, axis=0)
            cum_cxb = np.vstack((np.zeros((1, p)), np.cumsum(cxb, axis=0)))
            hi = np.searchsorted(times, stop, side="right")
            lo = np.searchsorted(times, start, side="right")
            hsum = cum_c[hi] - cum_c[lo]
            gsum = cum_cxb[hi] - cum_cxb[lo]
            hsum[d_idx] -= big_c[d_time] - big_cf[d_time]
            gsum[d_idx] -= cxb[d_time] - cxbf[d_time]
            res = -(r / w)[:, None] * (x * hsum[:, None] - gsum)
            res[d_idx] += x[d_idx] - mean_t[d_time]
            sresid[part] = res
    rows = np.concatenate(event_rows) if event_rows else np.zeros(0, np.int64)
    return Terms(
        loglik=loglik,
        score=score,
        information=info,
        event_rows=rows,
        schoenfeld=np.vstack(schoen) if schoen else np.zeros((0, p)),
        hazard_strata=np.concatenate(h_strata) if h_strata else np.zeros(0, np.int64),
        hazard_time=np.concatenate(h_time) if h_time else np.zeros(0),
        hazard=np.concatenate(h_value) if h_value else np.zeros(0),
        score_g=score_g if gtime is not None else None,
        info_xg=info_xg if gtime is not None else None,
        info_gg=info_gg if gtime is not None else None,
        score_residuals=sresid,
    )
