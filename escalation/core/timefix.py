"""Times that differ only by floating-point rounding made one time, as R's ``timefix``.

R's ``survfit``, ``coxph``, ``survdiff``, ``finegray`` and ``concordance`` apply
``survival::aeqSurv`` to their follow-up times by default (``timefix = TRUE``): the
distinct finite times (every start and stop of (start, stop] rows together) are sorted,
and a time closer to the one before it than the tolerance, sqrt(machine epsilon)
(about 1.5e-8), absolutely or relative to the mean absolute distinct time, joins that
one's run; every time of a run becomes its first (smallest) time. Durations in weeks
computed as ``days / 7`` and ``days * (1 / 7)`` are then one time, as they are in exact
arithmetic. Times that are all whole numbers below 1 / tolerance (whole days) are
never within the tolerance of each other and are returned as they are, unsorted and
uncopied.

Examples
--------
>>> days = np.array([3.0, 5.0])
>>> weeks = near_ties_merged(np.r_[days / 7, days * (1 / 7)])[0]
>>> np.unique(weeks).size
2
>>> near_ties_merged(np.array([1.0, 2.0]))[0].tolist()
[1.0, 2.0]
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

#: R's ``aeqSurv`` tolerance, ``sqrt(.Machine$double.eps)``.
TIME_TOLERANCE: Final = float(np.sqrt(np.finfo(float).eps))


def near_ties_merged(*times: FloatArray) -> tuple[FloatArray, ...]:
    """Return ``times`` with the times of each run of near-ties made its first time.

    Parameters
    ----------
    *times : numpy.ndarray
        Arrays of times judged together (the stops, or the starts and the stops of
        (start, stop] rows); infinite and missing values are left as they are.

    Returns
    -------
    tuple of numpy.ndarray
        The arrays in the order given: the inputs themselves when no two times are near
        ties (always so for whole days), otherwise new arrays.
    """
    if all(_whole_days(t) for t in times):
        return times
    distinct = np.unique(np.concatenate([np.ravel(t) for t in times]))
    distinct = distinct[np.isfinite(distinct)]
    gaps = np.diff(distinct)
    if not gaps.size:
        return times
    tied = (gaps <= TIME_TOLERANCE) | (gaps / np.mean(np.abs(distinct)) <= TIME_TOLERANCE)
    if not tied.any():
        return times
    cuts = distinct[np.r_[True, ~tied]]
    return tuple(_to_cuts(t, cuts) for t in times)


def _whole_days(time: FloatArray) -> bool:
    """Return whether every time is a whole number below 1 / :data:`TIME_TOLERANCE`.

    Two such distinct times differ by at least 1, more than the tolerance both absolutely
    and relative to their mean (below 1 / tolerance). Two passes over the times, no sort;
    missing and infinite times are not whole (the full rule handles them).
    """
    return bool(
        time.size == 0
        or (np.abs(time).max() < 1 / TIME_TOLERANCE and np.array_equal(time, np.floor(time)))
    )


def _to_cuts(time: FloatArray, cuts: FloatArray) -> FloatArray:
    """Return each finite time replaced by the largest cut not above it."""
    out = np.array(time, dtype=float, copy=True)
    finite = np.isfinite(out)
    out[finite] = cuts[np.searchsorted(cuts, out[finite], side="right") - 1]
    return out
