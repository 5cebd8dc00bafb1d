r"""Comparable pairs of survival times and their concordance, counted with a Fenwick tree.

Harrell's C compares each case (an event at :math:`T_i`) with every spell followed longer
(:math:`T_j > T_i`) and with the non-cases ending at :math:`T_i`; cases tied on time are
not compared. Ordering spells by time (descending) and, within a time, non-cases first
makes each case's comparable set a prefix of that order, and the (weighted) numbers of
lower and tied risks within prefixes are found with a Fenwick tree in O(n log n)
(:func:`prefix_counts`). With (start, stop] rows (delayed entry, time-varying covariates)
a case is compared only with the rows at risk at its time, :math:`\mathrm{start}_j < T_i`,
as R's ``concordance`` of a ``Surv(start, stop, event)`` fit: the rows that start at or
after :math:`T_i` all end after it, so they are the comparable prefix's rows taken away,
and are themselves a prefix of the rows ordered by start (descending). The validation
metrics (``escalation.predict.metrics``: Harrell's and Uno's C) and the Cox model's
concordance (``CoxResult.glance``, with case weights, strata and (start, stop] rows as
R's ``coxph``) count their pairs here.

Examples
--------
>>> agree, pairs = concordance_sums(
...     np.array([1.0, 2, 3, 4]), np.array([True, True, False, False]),
...     np.array([0.9, 0.5, 0.6, 0.1]), np.ones(4),
... )
>>> agree / pairs
0.8
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from escalation.core.kernels import F1, I1, c_array, kernel

FloatArray = npt.NDArray[np.float64]

#: Risks closer than this count as tied.
RISK_TIE = 1e-8


@dataclass(frozen=True)
class CaseRuns:
    """The order of the pairs and each case's comparable prefix (no risks).

    ``order``: spells by time descending, non-cases first within a time; ``queries``: the
    cases' positions in that order; ``prefix``: how many spells (of the order) each case
    is comparable with.
    """

    order: npt.NDArray[np.intp]
    queries: npt.NDArray[np.intp]
    prefix: npt.NDArray[np.int64]


def case_runs(time: FloatArray, case: npt.NDArray[np.bool_]) -> CaseRuns:
    """Return the spells' order and every case's comparable prefix (see the module notes)."""
    n = len(time)
    order = np.lexsort((case, -time))
    t, c = time[order], case[order]
    queries = np.flatnonzero(c)
    if len(queries) == 0:
        return CaseRuns(order, queries, np.zeros(0, np.int64))
    change = (np.diff(t) != 0) | (np.diff(c.astype(np.int8)) != 0)
    run_start = np.r_[0, np.flatnonzero(change) + 1]
    run_of = np.repeat(np.arange(len(run_start)), np.diff(np.r_[run_start, n]))
    return CaseRuns(order, queries, run_start[run_of[queries]])


def concordance_sums(
    time: FloatArray,
    case: npt.NDArray[np.bool_],
    risk: FloatArray,
    weight: FloatArray,
    start: FloatArray | None = None,
) -> tuple[float, float]:
    """Return the weighted concordant pairs (ties in risk one half) and comparable pairs.

    Each comparable pair counts the product of its two spells' weights, as R's
    ``concordance`` (and ``coxph(weights =)$concordance``); with unit weights the sums are
    the numbers of pairs. With ``start`` (the starts of (start, stop] rows ending at
    ``time``) a row is compared with a case only when it is at risk at the case's time
    (see the module notes).
    """
    runs = case_runs(time, case)
    if len(runs.queries) == 0:
        return 0.0, 0.0
    ordered_weight = weight[runs.order]
    r = risk[runs.order]
    q = r[runs.queries]
    less, upto = prefix_counts(r, runs.prefix, q - RISK_TIE, q + RISK_TIE, ordered_weight)
    followed = np.r_[0.0, np.cumsum(ordered_weight)][runs.prefix]
    if start is not None:
        at = time[runs.order][runs.queries]
        late_less, late_upto, late = _not_yet_at_risk(start, at, risk, q, weight)
        less, upto, followed = less - late_less, upto - late_upto, followed - late
    w_case = ordered_weight[runs.queries]
    return float(w_case @ (less + 0.5 * (upto - less))), float(w_case @ followed)


def _not_yet_at_risk(
    start: FloatArray, at: FloatArray, risk: FloatArray, q: FloatArray, weight: FloatArray
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """For each case time ``at[k]`` (risk ``q[k]``): the rows starting at or after it.

    Returns their weighted numbers with a lower risk than ``q[k]``, with a lower or tied
    one, and in all (:func:`prefix_counts` on the rows ordered by start, descending).
    """
    order = np.argsort(-start, kind="stable")
    descending = start[order]
    prefix = np.searchsorted(-descending, -at, side="right").astype(np.int64)
    w = weight[order]
    less, upto = prefix_counts(risk[order], prefix, q - RISK_TIE, q + RISK_TIE, w)
    return less, upto, np.r_[0.0, np.cumsum(w)][prefix]


def prefix_counts(
    values: FloatArray,
    prefix: npt.NDArray[np.int64],
    low: FloatArray,
    high: FloatArray,
    mass: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray]:
    """For each query k: the mass of values[:prefix[k]] < low[k], and <= high[k].

    ``mass`` is each value's weight (default 1: counts). Each value is replaced by its
    rank among all values, each bound by the number of values below it, and the values are
    added in order to a Fenwick tree of ranks that answers each query when its prefix is
    complete: O((n + queries) log n).
    """
    ordered = np.sort(values)
    rank = np.searchsorted(ordered, values, side="left").astype(np.int64)
    below = np.searchsorted(ordered, low, side="left").astype(np.int64)
    within = np.searchsorted(ordered, high, side="right").astype(np.int64)
    order = np.argsort(prefix, kind="stable").astype(np.int64)
    weights = np.ones(len(values)) if mass is None else mass
    rank, prefix, below, within, order = (
        c_array(a, np.int64) for a in (rank, prefix, below, within, order)
    )
    return _fenwick_counts(rank, prefix, below, within, order, c_array(weights, np.float64))


@kernel(I1, I1, I1, I1, I1, F1)
def _fenwick_counts(
    rank: Any, prefix: Any, below: Any, within: Any, order: Any, mass: Any
) -> tuple[Any, Any]:  # pragma: no cover - compiled; tested against a direct count
    """Return the mass of ranks < ``below[k]`` and < ``within[k]`` in ``rank[:prefix[k]]``."""
    n = rank.size
    tree = np.zeros(n + 1, np.float64)
    less = np.zeros(prefix.size, np.float64)
    upto = np.zeros(prefix.size, np.float64)
    added = 0
    for k in order:
        while added < prefix[k]:
            i = rank[added] + 1
            while i <= n:
                tree[i] += mass[added]
                i += i & -i
            added += 1
        less[k] = _fenwick_total(tree, below[k])
        upto[k] = _fenwick_total(tree, within[k])
    return less, upto


@numba.njit(cache=True, nogil=True, inline="always")
def _fenwick_total(tree: Any, bound: int) -> float:  # pragma: no cover - compiled
    """Return the mass of the added ranks below ``bound``."""
    total = 0.0
    i = bound
    while i > 0:
        total += tree[i]
        i -= i & -i
    return total
