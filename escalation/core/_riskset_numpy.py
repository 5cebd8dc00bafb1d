"""The Cox risk-set sums with numpy only: the reference path of :mod:`escalation.core.riskset`.

The same quantities as the compiled walk (:mod:`escalation.core._riskset_kernel`), from
cumulative sums over distinct times instead of a loop, plus the time-weighted score and
information of ``survival::cox.zph`` (survival >= 3.0). Slower, but every step is a
whole-array operation that can be read against the formulas; the tests hold the two
paths to 1e-12.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["Sums", "sums"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Sums:
    """Risk-set sums of one Cox data set at one coefficient vector (shifted scale)."""

    logsum: float
    means: FloatArray
    outer: FloatArray
    h: FloatArray
    g: FloatArray | None
    time: FloatArray
    stratum: IntArray
    hazard: FloatArray
    weight: FloatArray
    count: IntArray
    mean: FloatArray | None
    time_of: IntArray
    score_g: FloatArray | None = None
    info_xg: FloatArray | None = None
    info_gg: FloatArray | None = None
    hazard_var: FloatArray | None = None
    hazard_xbar: FloatArray | None = None


def _sums_from(
    key: FloatArray, r: FloatArray, rx: FloatArray, times: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return the sums of ``r`` and ``rx`` over rows with ``key >= t`` (``key`` sorted)."""
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


def _over_risk(
    per_time: FloatArray,
    own: FloatArray,
    times: FloatArray,
    start: FloatArray,
    stop: FloatArray,
    d_idx: IntArray,
    d_time: IntArray,
) -> FloatArray:
    """Sum per-time values over each row's risk period; deaths lose their ``own`` share."""
    shape = (1, *per_time.shape[1:])
    cum = np.concatenate((np.zeros(shape), np.cumsum(per_time, axis=0)))
    hi = np.searchsorted(times, stop, side="right")
    lo = np.searchsorted(times, start, side="right")
    out: FloatArray = cum[hi] - cum[lo]
    out[d_idx] -= own[d_time]
    return out


def sums(
    x: FloatArray,
    r: FloatArray,
    w: FloatArray,
    status: npt.NDArray[np.bool_],
    stop: FloatArray,
    start: FloatArray,
    bounds: IntArray,
    efron: bool,
    residuals: bool,
    gtime: FloatArray | None = None,
) -> Sums:
    """Return the risk-set sums (the compiled walk's outputs, plus cox.zph's with ``gtime``).

    Also, per event time, the variance increment of the baseline hazard (the sum over the
    terms of weight / denominator squared) and the hazard-weighted covariate means (the
    sum over the terms of weight x mean / denominator): R's ``agsurv`` ``varhaz`` and
    ``xbar`` increments, from which ``survfit.coxph`` computes the standard error of a
    predicted curve.
    """
    n, p = x.shape
    logsum = 0.0
    means = np.zeros(p)
    outer = np.zeros((p, p))
    h = np.zeros(n)
    g = np.zeros((n, p)) if residuals else None
    time_of = np.full(n, -1, np.int64)
    score_g = np.zeros(p)
    info_xg = np.zeros((p, p))
    info_gg = np.zeros((p, p))
    pieces: dict[str, list[npt.NDArray[np.generic]]] = {
        k: [] for k in ("time", "stratum", "hazard", "weight", "count", "mean", "var", "xbar")
    }
    n_t = 0
    for s, (a, b) in enumerate(itertools.pairwise(bounds)):
        part = slice(int(a), int(b))
        xs, rs, ws, dead = x[part], r[part], w[part], status[part]
        stop_s, start_s = stop[part], start[part]
        times = np.unique(stop_s[dead])
        m_t = times.size
        if m_t == 0:
            continue
        rx = rs[:, None] * xs
        s0, s1 = _sums_from(stop_s, rs, rx, times)
        if np.isfinite(start_s).any():
            by_start = np.argsort(start_s, kind="stable")
            e0, e1 = _sums_from(start_s[by_start], rs[by_start], rx[by_start], times)
            s0, s1 = s0 - e0, s1 - e1
        d_idx = np.flatnonzero(dead).astype(np.int64)
        d_time = np.searchsorted(times, stop_s[d_idx]).astype(np.int64)
        m = np.bincount(d_time, minlength=m_t)
        t0 = np.bincount(d_time, weights=rs[d_idx], minlength=m_t)
        dw = np.bincount(d_time, weights=ws[d_idx], minlength=m_t)
        d_first = np.searchsorted(d_time, np.arange(m_t))
        t1 = np.add.reduceat(rx[d_idx], d_first, axis=0) if p else np.zeros((m_t, 0))
        if efron:
            term_t = np.repeat(np.arange(m_t), m)
            first = np.concatenate(([0], np.cumsum(m)[:-1]))
            f = np.asarray((np.arange(term_t.size) - first[term_t]) / m[term_t], dtype=float)
            weight = (dw / m)[term_t]
        else:
            term_t = np.arange(m_t)
            f = np.zeros(m_t)
            weight = np.asarray(dw, dtype=float)
        den = s0[term_t] - f * t0[term_t]
        xbar = (s1[term_t] - f[:, None] * t1[term_t]) / den[:, None]
        c = weight / den
        logsum += float(np.sum(weight * np.log(den)))
        means += (weight[:, None] * xbar).sum(axis=0)
        outer += (xbar * weight[:, None]).T @ xbar
        big_c = np.bincount(term_t, weights=c, minlength=m_t).astype(float)
        big_cf = np.bincount(term_t, weights=c * f, minlength=m_t).astype(float)
        h[part] = _over_risk(big_c, big_cf, times, start_s, stop_s, d_idx, d_time)
        t_first = np.searchsorted(term_t, np.arange(m_t))
        mean_t = np.add.reduceat(xbar, t_first, axis=0) if p else np.zeros((m_t, 0))
        mean_t /= np.bincount(term_t, minlength=m_t)[:, None]
        time_of[d_idx + int(a)] = d_time + n_t
        cxb = np.add.reduceat(c[:, None] * xbar, t_first, axis=0) if p else np.zeros((m_t, 0))
        if g is not None:
            cxbf = np.add.reduceat((c * f)[:, None] * xbar, t_first, axis=0)
            g[part] = _over_risk(cxb, cxbf, times, start_s, stop_s, d_idx, d_time)
        if gtime is not None:
            g_t = np.zeros(m_t)
            g_t[d_time] = gtime[part][d_idx]
            gk = g_t[term_t]
            score_g += (ws[d_idx, None] * g_t[d_time, None] * xs[d_idx]).sum(axis=0) - (
                (weight * gk)[:, None] * xbar
            ).sum(axis=0)
            hg = _over_risk(big_c * g_t, big_cf * g_t, times, start_s, stop_s, d_idx, d_time)
            hgg = _over_risk(big_c * g_t**2, big_cf * g_t**2, times, start_s, stop_s, d_idx, d_time)
            info_xg += (xs * (rs * hg)[:, None]).T @ xs - (xbar * (weight * gk)[:, None]).T @ xbar
            info_gg += (xs * (rs * hgg)[:, None]).T @ xs - (
                xbar * (weight * gk**2)[:, None]
            ).T @ xbar
        pieces["time"].append(times)
        pieces["stratum"].append(np.full(m_t, s, np.int64))
        pieces["hazard"].append(big_c)
        pieces["weight"].append(dw)
        pieces["count"].append(m.astype(np.int64))
        pieces["mean"].append(mean_t)
        pieces["var"].append(np.bincount(term_t, weights=c / den, minlength=m_t).astype(float))
        pieces["xbar"].append(cxb)
        n_t += m_t

    def joined(key: str, dtype: type, width: int | None = None) -> npt.NDArray[np.generic]:
        if pieces[key]:
            return np.concatenate(pieces[key]).astype(dtype)
        return np.zeros((0, width) if width is not None else 0, dtype=dtype)

    zph = gtime is not None
    return Sums(
        logsum=logsum,
        means=means,
        outer=outer,
        h=h,
        g=g,
        time=np.asarray(joined("time", float), dtype=float),
        stratum=np.asarray(joined("stratum", np.int64), dtype=np.int64),
        hazard=np.asarray(joined("hazard", float), dtype=float),
        weight=np.asarray(joined("weight", float), dtype=float),
        count=np.asarray(joined("count", np.int64), dtype=np.int64),
        mean=np.asarray(joined("mean", float, p), dtype=float) if residuals else None,
        time_of=time_of,
        score_g=score_g if zph else None,
        info_xg=info_xg if zph else None,
        info_gg=info_gg if zph else None,
        hazard_var=np.asarray(joined("var", float), dtype=float),
        hazard_xbar=np.asarray(joined("xbar", float, p), dtype=float),
    )
