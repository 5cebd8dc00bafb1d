r"""Infinitesimal-jackknife standard errors of curves, by row or by cluster, in one pass.

The influence of a row on a curve (Kaplan–Meier, Aalen–Johansen, Nelson–Aalen) at the
:math:`j`-th event time has a simple shape: while the row is still followed it is the same
for every such row, :math:`v_j`; once the row has left (at the event time :math:`m \le j`
at or before its exit) it is affine in the curve's value :math:`F_j`,
:math:`a_i + F_j b_i`, with :math:`a_i, b_i` fixed by the row's exit and status.

The variance is :math:`\sum_c \{\sum_{i \in c} w_i\,\mathrm{infl}_i(t_j)\}^2` over clusters
:math:`c` (each row its own cluster when there are none: R's ``survfit`` infinitesimal
jackknife; with ``cluster=`` its ``robust = TRUE`` variance). For cluster :math:`c` write
:math:`A_c, B_c` for the sums of :math:`w_i a_i, w_i b_i` over its rows that have left by
:math:`t_j` and :math:`N_c` for the weight of its rows still followed; its total is
:math:`A_c + F_j B_c + v_j N_c`, and the variance is

.. math::
    S_{AA} + 2F_j S_{AB} + F_j^2 S_{BB} + 2 v_j S_{AN} + 2 F_j v_j S_{BN} + v_j^2 S_{NN},

with :math:`S_{XY}(j) = \sum_c X_c Y_c`. Each row's exit changes its cluster's
:math:`A, B, N` and so each :math:`S_{XY}` by a known amount; the sums are cumulative sums
of those changes over the exit times (the products with :math:`N`, which are zero once
everyone has left, from the last time backwards, so they are exactly zero there in any row
order). No loop over times or clusters.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["area_influence", "influence_se"]

FloatArray = npt.NDArray[np.float64]


def _prefix(position: npt.NDArray[np.int64], values: FloatArray, size: int) -> FloatArray:
    """Sum of ``values`` over rows leaving at or before each time."""
    out: FloatArray = np.cumsum(np.bincount(position, weights=values, minlength=size))
    return out


def _suffix(position: npt.NDArray[np.int64], values: FloatArray, size: int) -> FloatArray:
    """Sum of ``values`` over rows leaving after each time (from the last time backwards)."""
    binned = np.bincount(position, weights=values, minlength=size)
    return np.concatenate((np.cumsum(binned[::-1])[::-1][1:], [0.0])).astype(np.float64)


def _running(values: FloatArray, cluster: npt.NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
    """Per row (sorted by cluster, then exit): the cluster's running sum before and after it."""
    running = pd.Series(values).groupby(cluster, sort=False).cumsum()
    after = np.asarray(running.to_numpy(dtype=float), dtype=np.float64)
    before = np.concatenate(([0.0], after[:-1])).astype(np.float64)
    first = np.concatenate(([True], cluster[1:] != cluster[:-1]))
    before[first] = 0.0
    return before, after


def _remaining(values: FloatArray, cluster: npt.NDArray[np.int64]) -> tuple[FloatArray, FloatArray]:
    """Per row (sorted): the cluster's weight still followed before and after it leaves."""
    reverse = pd.Series(values[::-1]).groupby(cluster[::-1], sort=False).cumsum()
    before = np.asarray(reverse.to_numpy(dtype=float)[::-1], dtype=np.float64)
    after = np.concatenate((before[1:], [0.0])).astype(np.float64)
    last = np.concatenate((cluster[1:] != cluster[:-1], [True]))
    after[last] = 0.0
    return before, after


def influence_se(
    position: npt.ArrayLike,
    left: npt.ArrayLike,
    slope: npt.ArrayLike,
    staying: npt.ArrayLike,
    level: npt.ArrayLike,
    weights: npt.ArrayLike,
    clusters: npt.ArrayLike | None = None,
) -> FloatArray:
    r"""Return the infinitesimal-jackknife standard error of a curve at each event time.

    Parameters
    ----------
    position : array_like of int
        Per row: the event time (position) at or before its exit, -1 when it left
        before the first (such a row has no influence).
    left, slope : array_like
        Per row: :math:`a_i` and :math:`b_i`, its influence after it has left
        (:math:`a_i + F_j b_i`).
    staying : array_like
        Per event time: :math:`v_j`, the influence of every row still followed.
    level : array_like
        Per event time: the curve's value :math:`F_j`.
    weights : array_like
        Per row: the case weight :math:`w_i`.
    clusters : array_like of int, optional
        Per row: a cluster code (``escalation.clusters.cluster_codes``). Default: each row
        its own cluster.

    Returns
    -------
    numpy.ndarray
        :math:`\sqrt{\sum_c (\sum_{i \in c} w_i\,\mathrm{infl}_i)^2}` at each event time;
        a variance within rounding of zero (relative to its terms) is exactly zero.

    Examples
    --------
    Two rows followed to the end with influence 1 each: independent they give
    :math:`\sqrt 2`, in one cluster 2.

    >>> influence_se([0, 0], [1.0, 1.0], [0.0, 0.0], [0.0], [0.5], [1.0, 1.0]).tolist()
    [1.4142135623730951]
    >>> influence_se([0, 0], [1.0, 1.0], [0.0, 0.0], [0.0], [0.5], [1.0, 1.0], [0, 0]).tolist()
    [2.0]
    """
    m = np.asarray(position, dtype=np.int64)
    v = np.asarray(staying, dtype=float)
    f = np.asarray(level, dtype=float)
    inside = m >= 0
    size = v.size
    w = np.asarray(weights, dtype=float)[inside]
    wa = w * np.asarray(left, dtype=float)[inside]
    wb = w * np.asarray(slope, dtype=float)[inside]
    m = m[inside]
    if clusters is None:  # each row alone: its sums are its own terms
        s_aa, s_ab, s_bb = (
            _prefix(m, wa * wa, size),
            _prefix(m, wa * wb, size),
            _prefix(m, wb * wb, size),
        )
        s_an = s_bn = np.zeros(size)
        s_nn = _suffix(m, w * w, size)
    else:
        code = np.asarray(clusters, dtype=np.int64)[inside]
        order = np.lexsort((m, code))
        m, code, wa, wb, w = m[order], code[order], wa[order], wb[order], w[order]
        a0, a1 = _running(wa, code)
        b0, b1 = _running(wb, code)
        n0, n1 = _remaining(w, code)
        s_aa = _prefix(m, a1 * a1 - a0 * a0, size)
        s_ab = _prefix(m, a1 * b1 - a0 * b0, size)
        s_bb = _prefix(m, b1 * b1 - b0 * b0, size)
        s_an = _suffix(m, a0 * n0 - a1 * n1, size)
        s_bn = _suffix(m, b0 * n0 - b1 * n1, size)
        s_nn = _suffix(m, n0 * n0 - n1 * n1, size)
    var = s_aa + 2.0 * f * s_ab + f**2 * s_bb + 2.0 * v * s_an + 2.0 * f * v * s_bn + v**2 * s_nn
    # a sum of squares expanded: what is left within rounding of its terms is exactly zero
    # (everyone at risk had the event), whatever the row order
    scale = (
        np.abs(s_aa)
        + 2.0 * np.abs(f * s_ab)
        + f**2 * np.abs(s_bb)
        + 2.0 * np.abs(v * s_an)
        + 2.0 * np.abs(f * v * s_bn)
        + v**2 * np.abs(s_nn)
    )
    var = np.where(var <= 64.0 * np.finfo(float).eps * scale, 0.0, var)
    out: FloatArray = np.sqrt(var)
    return out


def area_influence(
    position: npt.ArrayLike,
    left: npt.ArrayLike,
    slope: npt.ArrayLike,
    staying: npt.ArrayLike,
    level: npt.ArrayLike,
    widths: npt.ArrayLike,
) -> FloatArray:
    r"""Return each row's influence on the area :math:`\sum_j \Delta_j F_j` under a curve.

    With the influence of :func:`influence_se` (:math:`v_j` while followed,
    :math:`a_i + F_j b_i` after leaving at event time :math:`m_i`), row :math:`i`'s
    influence on the area is :math:`\sum_{j < m_i} \Delta_j v_j + a_i \sum_{j \ge m_i}
    \Delta_j + b_i \sum_{j \ge m_i} \Delta_j F_j`: three cumulative sums over the times.
    A row that left before the first time (``position`` -1) has none. The restricted
    mean survival time is the area under :math:`S = 1 - F`, so its influence is minus
    this (R's ``survfit`` influence integrated to ``tau``).

    Parameters
    ----------
    position, left, slope, staying, level
        As :func:`influence_se`.
    widths : array_like
        Per event time: :math:`\Delta_j`, the width of the step after it (0 past the
        end of the area).

    Returns
    -------
    numpy.ndarray
        Per row: its (unweighted) influence on the area.

    Examples
    --------
    >>> area_influence([0, 1], [1.0, 2.0], [0.0, 0.0], [0.5, 0.5], [0.1, 0.2],
    ...                [1.0, 2.0]).tolist()
    [3.0, 4.5]
    """
    m = np.asarray(position, dtype=np.int64)
    width = np.asarray(widths, dtype=float)
    before = np.concatenate(([0.0], np.cumsum(width * np.asarray(staying, dtype=float))))
    after = np.concatenate((np.cumsum(width[::-1])[::-1], [0.0]))
    weighted = width * np.asarray(level, dtype=float)
    after_level = np.concatenate((np.cumsum(weighted[::-1])[::-1], [0.0]))
    k = np.clip(m, 0, None)
    out = before[k] + np.asarray(left, dtype=float) * after[k]
    out = out + np.asarray(slope, dtype=float) * after_level[k]
    result: FloatArray = np.where(m >= 0, out, 0.0)
    return result
