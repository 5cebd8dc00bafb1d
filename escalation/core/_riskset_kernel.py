"""The compiled walk over Cox risk sets (numba); :mod:`escalation.core.riskset` wraps it.

One backward pass per stratum over rows sorted by stop time adds each row to the risk set
at its stop time and, for (start, stop] rows, removes it at the first event time not after
its start. At each event time the Breslow term, or the Efron terms of the tied events
(summed in closed form), are formed from running sums, so the walk costs O(n p + T p^2)
for n rows, T distinct event times and p covariates. The p x p information is finished by
:func:`weighted_gram`, one more pass over the rows with per-row weights from the walk.
:mod:`escalation.core._riskset_numpy` computes the same quantities with numpy only; the
tests hold the two to 1e-12.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from escalation.core.kernels import B1, BOOL, F1, F2, I1, kernel

__all__ = ["gather_centred", "relative_risks", "score_residuals", "walk", "weighted_gram"]


@kernel(F2, F1, F1, B1, F1, F1, I1, I1, BOOL, BOOL, BOOL)
def walk(
    x: Any,
    r: Any,
    w: Any,
    status: Any,
    stop: Any,
    start: Any,
    entry_order: Any,
    bounds: Any,
    has_entry: bool,
    efron: bool,
    residuals: bool,
) -> tuple[Any, ...]:  # pragma: no cover - compiled; compared with the numpy path in tests
    """Return the risk-set sums of a sorted Cox data set (see the module notes).

    Returns
    -------
    tuple
        ``logsum`` (sum of term weight x log denominator), ``means`` (sum of term weight x
        mean covariate, shape (p,)), ``outer`` (sum of term weight x mean mean', (p, p)),
        ``h`` (per-row sum of the hazard increments over its risk period, own Efron
        fraction removed), ``g`` (the same for hazard x mean, (n, p), when ``residuals``),
        per event time ``time, stratum, hazard, weight, count`` and ``mean`` (the average
        of the term means, when ``residuals``), and ``time_of`` (per row: its event
        time's position, or -1).

    Notes
    -----
    Event times get positions in the order the walk meets them (latest first). A row is
    at risk at the positions from when it was added up to when it was removed; its sums
    over that range are read from sums accumulated from the *earliest* time on, so a row
    at risk only early is not the difference of two large late sums (the hazard
    increments at late times can be huge when a coefficient is large).
    """
    n, p = x.shape
    n_dead = 0
    for i in range(n):
        if status[i]:
            n_dead += 1
    logsum = 0.0
    means = np.zeros(p)
    outer = np.zeros((p, p))
    h = np.zeros(n)
    g = np.zeros((n if residuals else 0, p))
    ev_time = np.empty(n_dead)
    ev_stratum = np.empty(n_dead, dtype=np.int64)
    ev_hazard = np.empty(n_dead)
    ev_own = np.empty(n_dead)
    ev_weight = np.empty(n_dead)
    ev_count = np.empty(n_dead, dtype=np.int64)
    ev_mean = np.zeros((n_dead if residuals else 0, p))
    ev_cxb = np.zeros((n_dead if residuals else 0, p))
    ev_cxbf = np.zeros((n_dead if residuals else 0, p))
    time_of = np.full(n, -1, dtype=np.int64)
    added = np.empty(n, dtype=np.int64)
    removed = np.empty(n, dtype=np.int64)
    tail = np.zeros(n_dead + 1)
    tail_g = np.zeros((n_dead + 1 if residuals else 0, p))
    s1 = np.empty(p)
    t1 = np.empty(p)
    n_t = 0
    for s in range(bounds.shape[0] - 1):
        a = bounds[s]
        b = bounds[s + 1]
        first_t = n_t
        s0 = 0.0
        for k in range(p):
            s1[k] = 0.0
        e = b - 1
        i = b - 1
        while i >= a:
            t = stop[i]
            m = 0
            t0 = 0.0
            dw = 0.0
            for k in range(p):
                t1[k] = 0.0
            j = i
            while j >= a and stop[j] == t:
                rj = r[j]
                s0 += rj
                for k in range(p):
                    s1[k] += rj * x[j, k]
                added[j] = n_t
                removed[j] = -1
                if status[j]:
                    m += 1
                    t0 += rj
                    dw += w[j]
                    for k in range(p):
                        t1[k] += rj * x[j, k]
                j -= 1
            if m == 0:
                i = j
                continue
            if has_entry:
                while e >= a and start[entry_order[e]] >= t:
                    q = entry_order[e]
                    rq = r[q]
                    s0 -= rq
                    for k in range(p):
                        s1[k] -= rq * x[q, k]
                    removed[q] = n_t
                    e -= 1
            # The terms of one event time, summed in closed form: with u = S1, v = T1 and
            # D_k = S0 - f_k T0, every sum over the Efron terms k needs only the scalars
            # sum 1/D, f/D, 1/D^2, f/D^2, f^2/D^2 and log D (Breslow: one term, f = 0).
            n_terms = m if efron else 1
            weight = dw / m if efron else dw
            a0 = 0.0
            a1 = 0.0
            b0 = 0.0
            b1 = 0.0
            b2 = 0.0
            for kk in range(n_terms):
                f = kk / m if efron else 0.0
                den = s0 - f * t0
                logsum += weight * np.log(den)
                inv = 1.0 / den
                a0 += inv
                a1 += f * inv
                b0 += inv * inv
                b1 += f * inv * inv
                b2 += f * f * inv * inv
            for k in range(p):
                means[k] += weight * (s1[k] * a0 - t1[k] * a1)
                uk = s1[k]
                vk = t1[k]
                if efron:
                    for q in range(k + 1):
                        outer[k, q] += weight * (
                            uk * s1[q] * b0 - (uk * t1[q] + vk * s1[q]) * b1 + vk * t1[q] * b2
                        )
                else:
                    # Breslow: b1 = b2 = 0, so the Efron terms add exact zeros; left out,
                    # the same sums at a third of the operations.
                    for q in range(k + 1):
                        outer[k, q] += weight * (uk * s1[q] * b0)
            if residuals:
                for k in range(p):
                    ev_cxb[n_t, k] = weight * (s1[k] * b0 - t1[k] * b1)
                    ev_cxbf[n_t, k] = weight * (s1[k] * b1 - t1[k] * b2)
                    ev_mean[n_t, k] = (s1[k] * a0 - t1[k] * a1) / n_terms
            ev_time[n_t] = t
            ev_stratum[n_t] = s
            ev_hazard[n_t] = weight * a0
            ev_own[n_t] = weight * a1
            ev_weight[n_t] = dw
            ev_count[n_t] = m
            for q in range(j + 1, i + 1):
                if status[q]:
                    time_of[q] = n_t
            n_t += 1
            i = j
        # sums over each row's risk period, accumulated from the earliest event time on
        tail[n_t] = 0.0
        if residuals:
            for k in range(p):
                tail_g[n_t, k] = 0.0
        for tt in range(n_t - 1, first_t - 1, -1):
            tail[tt] = tail[tt + 1] + ev_hazard[tt]
            if residuals:
                for k in range(p):
                    tail_g[tt, k] = tail_g[tt + 1, k] + ev_cxb[tt, k]
        for q in range(a, b):
            lo = added[q]
            hi = removed[q] if removed[q] >= 0 else n_t
            h[q] = tail[lo] - tail[hi]
            if residuals:
                for k in range(p):
                    g[q, k] = tail_g[lo, k] - tail_g[hi, k]
            own = time_of[q]
            if own >= 0:
                h[q] -= ev_own[own]
                if residuals:
                    for k in range(p):
                        g[q, k] -= ev_cxbf[own, k]
    for k in range(p):
        for q in range(k):
            outer[q, k] = outer[k, q]
    return (
        logsum,
        means,
        outer,
        h,
        g,
        ev_time[:n_t],
        ev_stratum[:n_t],
        ev_hazard[:n_t],
        ev_weight[:n_t],
        ev_count[:n_t],
        ev_mean[: (n_t if residuals else 0)],
        time_of,
    )


@kernel(F2, F1, F1, F1, B1, I1)
def relative_risks(
    x: Any, beta: Any, offset: Any, w: Any, status: Any, bounds: Any
) -> tuple[Any, Any, Any, float]:  # pragma: no cover - compiled; tested via cox_terms
    """Return the relative risks ``exp(eta - shift)``, their weighted values and the shifts.

    Also returns ``sum(w * status * eta)``, the linear part of the log-likelihood. The
    shift is each stratum's largest linear predictor, so the exponentials never overflow;
    one pass over the rows.
    """
    n, p = x.shape
    relative = np.empty(n)
    r = np.empty(n)
    shift = np.zeros(bounds.shape[0] - 1)
    events = 0.0
    for s in range(bounds.shape[0] - 1):
        top = -np.inf
        for i in range(bounds[s], bounds[s + 1]):
            value = offset[i]
            for k in range(p):
                value += x[i, k] * beta[k]
            relative[i] = value
            top = max(top, value)
            if status[i]:
                events += w[i] * value
        shift[s] = top
        for i in range(bounds[s], bounds[s + 1]):
            relative[i] = np.exp(relative[i] - top)
            r[i] = w[i] * relative[i]
    return relative, r, shift, events


@kernel(F2, F2, F1, F1, I1, F2)
def score_residuals(
    x: Any, g: Any, h: Any, relative: Any, time_of: Any, mean: Any
) -> None:  # pragma: no cover - compiled; compared with the numpy path in tests
    """Turn ``g`` into the score residuals in place (see ``riskset.cox_terms``)."""
    n, p = x.shape
    for i in range(n):
        own = time_of[i]
        for k in range(p):
            value = -relative[i] * (x[i, k] * h[i] - g[i, k])
            if own >= 0:
                value += x[i, k] - mean[own, k]
            g[i, k] = value


@kernel(F2, F1, F1)
def weighted_gram(x: Any, r: Any, h: Any) -> Any:  # pragma: no cover - tested via cox_terms
    """Return ``x' diag(r h) x`` in one pass over the rows (no n x p temporary).

    Rows of weight zero add nothing and are skipped. The others are taken four at a
    time: each element gets the first row's product, then the second's, and so on (the
    same additions in the same order as one row at a time, so the same sums to the last
    bit), with one load and store of the element instead of four. A third less time.
    """
    n, p = x.shape
    out = np.zeros((p, p))
    rows = np.empty(n, dtype=np.int64)
    m = 0
    for i in range(n):
        if r[i] * h[i] != 0.0:
            rows[m] = i
            m += 1
    full = m - m % 4
    for block in range(0, full, 4):
        i0 = rows[block]
        i1 = rows[block + 1]
        i2 = rows[block + 2]
        i3 = rows[block + 3]
        v0 = r[i0] * h[i0]
        v1 = r[i1] * h[i1]
        v2 = r[i2] * h[i2]
        v3 = r[i3] * h[i3]
        for k in range(p):
            t0 = v0 * x[i0, k]
            t1 = v1 * x[i1, k]
            t2 = v2 * x[i2, k]
            t3 = v3 * x[i3, k]
            for q in range(k + 1):
                out[k, q] = (
                    ((out[k, q] + t0 * x[i0, q]) + t1 * x[i1, q]) + t2 * x[i2, q]
                ) + t3 * x[i3, q]
    for rest in range(full, m):
        i = rows[rest]
        vi = r[i] * h[i]
        for k in range(p):
            t = vi * x[i, k]
            for q in range(k + 1):
                out[k, q] += t * x[i, q]
    for k in range(p):
        for q in range(k):
            out[q, k] = out[k, q]
    return out


@kernel(F2, I1, F1, B1, BOOL)
def gather_centred(
    x: Any, order: Any, w: Any, status: Any, columns: bool
) -> tuple[Any, Any, Any]:  # pragma: no cover
    """Return ``x[order]`` centred at its ``w``-weighted column means, and the means.

    Also returns ``sum_i w_i status_i (x_i - mean)``, the part of the Cox score free of
    beta. ``w`` and ``status`` are already in the new order. One pass to gather and sum, one to
    centre: cheaper than numpy's fancy indexing of a large array and a subtraction. With
    ``columns``, ``x`` is the (p, n) transpose of the covariates (a Fortran-ordered matrix,
    read without a copy: :func:`escalation.core.kernels.rows_or_columns`).
    """
    n = order.shape[0]
    p = x.shape[0] if columns else x.shape[1]
    out = np.empty((n, p))
    center = np.zeros(p)
    events = np.zeros(p)
    total = 0.0
    total_events = 0.0
    for i in range(n):
        o = order[i]
        wi = w[i]
        total += wi
        dead = wi if status[i] else 0.0
        total_events += dead
        for k in range(p):
            value = x[k, o] if columns else x[o, k]
            out[i, k] = value
            center[k] += wi * value
            events[k] += dead * value
    for k in range(p):
        center[k] = center[k] / total if total > 0.0 else 0.0
        events[k] -= total_events * center[k]
    for i in range(n):
        for k in range(p):
            out[i, k] -= center[k]
    return out, center, events
