"""A fast weighted Aalen–Johansen estimate at chosen times, on plain arrays.

Causal estimators evaluate cumulative incidence thousands of times (weights, bootstrap,
clones), so this entry point works on plain arrays and returns only the values at
``times``. It is the package's one product-limit kernel
(:mod:`escalation.core.productlimit`), as are the public curves with confidence intervals
of :mod:`escalation.survival`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from escalation._vocabulary import cause_code
from escalation.core import productlimit
from escalation.survival._outcome import outcome_arrays, past_follow_up, prediction_times

__all__ = ["cumulative_incidence_at", "incidence_read"]

FloatArray = npt.NDArray[np.float64]


def cumulative_incidence_at(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    times: Sequence[float] | npt.ArrayLike,
    *,
    cause: int = 1,
    weights: npt.ArrayLike | None = None,
) -> FloatArray:
    r"""Return the weighted Aalen–Johansen cumulative incidence of ``cause`` at ``times``.

    Parameters
    ----------
    duration : array_like
        Follow-up times (> 0).
    event : array_like of int
        0 censored, 1, 2, ... the cause that ended follow-up.
    times : array_like
        Times at which to evaluate the estimate (right-continuous step function). A time
        past the last follow-up (the largest ``duration``) gives NaN: no row is followed
        that long, so the estimate is unknown there
        (:func:`~escalation.survival._outcome.past_follow_up`, as a curve's ``at``).
    cause : int, default 1
        The cause whose cumulative incidence is returned.
    weights : array_like, optional
        Non-negative case weights; unit weights when omitted.

    Returns
    -------
    numpy.ndarray
        ``F_cause(t)`` for each ``t`` in ``times``; NaN past the last follow-up.

    Raises
    ------
    DesignError
        When ``cause`` is not a whole number >= 1 (0 means censored).
    DataValidationError
        When a duration is missing or not > 0, an event code not a whole number >= 0 or
        a weight missing, infinite or negative (table ``arrays``, the argument as the
        column, the position as the row), as for the data-frame entry points; or a time
        of ``times`` missing, infinite or negative
        (:func:`~escalation.survival._outcome.prediction_times`).

    Notes
    -----
    With :math:`Y_j` the weighted number at risk just before the j-th distinct event time,
    :math:`d_j` the weighted events of any cause and :math:`d_{kj}` those of cause k,
    :math:`F_k(t) = \sum_{t_j \le t} S(t_j-)\, d_{kj} / Y_j` with
    :math:`S` the weighted Kaplan–Meier estimate of remaining event-free. Without
    competing events it equals one minus Kaplan–Meier.

    Examples
    --------
    >>> cumulative_incidence_at([1, 2, 3, 4], [1, 2, 0, 1], [2.5, 4, 5])
    array([0.25, 0.75,  nan])
    """
    cause = cause_code(cause, function="cumulative_incidence_at")
    time, codes, w = outcome_arrays(duration, event, weights)
    at = prediction_times(times)
    return incidence_read(productlimit.count(time, codes, weights=w), cause, at)


def incidence_read(counts: productlimit.Counts, cause: int, times: FloatArray) -> FloatArray:
    """Return the cumulative incidence of ``cause`` from ``counts`` at ``times``.

    The step function of :func:`escalation.core.productlimit.cumulative_incidence` read
    at ``times`` (0 before the first time), NaN past the last follow-up: the last time of
    ``counts``, which counts every exit time (events and censorings) when made without
    ``times=`` (:func:`~escalation.survival._outcome.past_follow_up`). Shared by
    :func:`cumulative_incidence_at` and the observed risk of
    :func:`escalation.predict.metrics.score_risks`.

    Parameters
    ----------
    counts : Counts
        :func:`escalation.core.productlimit.count` of the rows, at their exit times.
    cause : int
        The cause whose cumulative incidence is read.
    times : numpy.ndarray
        Times, as :func:`~escalation.survival._outcome.prediction_times` returns them.

    Returns
    -------
    numpy.ndarray
        The estimate at each time; NaN past the last follow-up (every time when there
        are no rows).

    Examples
    --------
    >>> counts = productlimit.count([1.0, 2.0, 3.0], [1, 0, 1])
    >>> incidence_read(counts, 1, np.array([0.5, 1.0, 3.0, 3.5]))
    array([0.        , 0.33333333, 1.        ,        nan])
    """
    cif = productlimit.cumulative_incidence(counts, cause)
    values = productlimit.step(counts.time, cif, times, before=0.0)
    last = float(counts.time[-1]) if counts.time.size else -np.inf
    values[past_follow_up(times, last)] = np.nan
    return values
