"""A fast weighted Aalen–Johansen estimate at chosen times (numpy only).

Causal estimators evaluate cumulative incidence thousands of times (weights, bootstrap,
clones), so this core works on plain arrays and returns only the values at ``times``.
Public curves with confidence intervals are built on top of it in
:mod:`escalation.survival`.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

__all__ = ["cumulative_incidence_at"]

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
        Times at which to evaluate the estimate (right-continuous step function).
    cause : int, default 1
        The cause whose cumulative incidence is returned.
    weights : array_like, optional
        Non-negative case weights; unit weights when omitted.

    Returns
    -------
    numpy.ndarray
        ``F_cause(t)`` for each ``t`` in ``times``.

    Notes
    -----
    With :math:`Y_j` the weighted number at risk just before the j-th distinct event time,
    :math:`d_j` the weighted events of any cause and :math:`d_{kj}` those of cause k,
    :math:`F_k(t) = \sum_{t_j \le t} S(t_j-)\, d_{kj} / Y_j` with
    :math:`S` the weighted Kaplan–Meier estimate of remaining event-free. Without
    competing events it equals one minus Kaplan–Meier.

    Examples
    --------
    >>> cumulative_incidence_at([1, 2, 3, 4], [1, 2, 0, 1], [2.5, 4])
    array([0.25, 0.75])
    """
    time = np.asarray(duration, dtype=float)
    code = np.asarray(event, dtype=np.int64)
    w = np.ones_like(time) if weights is None else np.asarray(weights, dtype=float)
    at = np.asarray(times, dtype=float)
    order = np.argsort(time, kind="stable")
    time, code, w = time[order], code[order], w[order]
    unique, first = np.unique(time, return_index=True)
    at_risk = np.cumsum(w[::-1])[::-1][first]
    any_event = np.add.reduceat(np.where(code > 0, w, 0.0), first)
    this_cause = np.add.reduceat(np.where(code == cause, w, 0.0), first)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_all = np.where(at_risk > 0, any_event / at_risk, 0.0)
        hazard_cause = np.where(at_risk > 0, this_cause / at_risk, 0.0)
    survival_before = np.concatenate(([1.0], np.cumprod(1.0 - hazard_all)[:-1]))
    cif = np.cumsum(survival_before * hazard_cause)
    index = np.searchsorted(unique, at, side="right") - 1
    return np.where(index >= 0, cif[np.clip(index, 0, None)], 0.0)
