r"""The one cumulative-incidence formula: risks from cause-specific hazard increments.

Every risk the package reports from a hazard model (``risk_model(...).predict_risk``, the
cause-specific Cox predictions, the g-formula and AIPW curves, the pooled-logistic
g-formula) is computed by :func:`step` (through :func:`cumulative_incidence` or the compiled
loops that call it), so they are one formula.

Formula
    On a grid of times with hazard increments :math:`d\Lambda_k(s \mid x)` of each cause
    :math:`k` and total :math:`d\Lambda(s) = \sum_k d\Lambda_k(s)`, the product limit
    (R's ``riskRegression::predictRisk(..., product.limit = TRUE)``, the default for
    cause-specific Cox models, and ``ate``):

    .. math::
        S(s) = S(s-)\{1 - d\Lambda(s)\}, \qquad
        F_k(s) = F_k(s-) + S(s-)\, d\Lambda_k(s).

    Then :math:`S + \sum_k F_k = 1` at every time, so each :math:`F_k` lies in [0, 1]
    as long as no total increment exceeds one. A model can extrapolate to an increment
    above one (a profile far outside the data, or a separated covariate): that step is
    read as "the event happens for certain", :math:`S(s) = 0`, and the step's
    probability :math:`S(s-)` is shared among the causes in proportion to their
    increments. Where that happens :func:`cumulative_incidence` warns
    (:class:`~escalation.errors.StatisticalWarning`), so the bound is never silent.
    Otherwise the formula equals riskRegression's exactly.
"""

from __future__ import annotations

import warnings
from typing import Any, Literal

import numba
import numpy as np
import numpy.typing as npt

from escalation.core.kernels import F2, I1, c_array, kernel
from escalation.errors import StatisticalWarning

__all__ = ["cumulative_incidence", "event_free", "step", "warn_capped"]

FloatArray = npt.NDArray[np.float64]


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def step(survival: float, cause: float, total: float) -> tuple[float, float]:
    """Return (incidence increment of the cause, survival after) for one grid step.

    ``survival`` is the event-free probability just before the step, ``cause`` the
    increment of the cause's hazard and ``total`` that of all causes together.
    """
    if total > 1.0:
        return survival * cause / total, 0.0
    return survival * cause, survival * (1.0 - total)


@kernel(F2, F2, I1)
def _paths(cause: Any, total: Any, at: Any) -> tuple[Any, int]:  # pragma: no cover - compiled
    """Every row's path over the whole grid, kept at the grid positions ``at`` (ascending)."""
    n, g = cause.shape
    m = at.shape[0]
    out = np.empty((n, m))
    capped = 0
    for i in range(n):
        s = 1.0
        f = 0.0
        j = 0
        for k in range(g):
            if total[i, k] > 1.0:
                capped += 1
            inc, s = step(s, cause[i, k], total[i, k])
            f += inc
            while j < m and at[j] == k:
                out[i, j] = f
                j += 1
    return out, capped


@kernel(F2)
def _survival(total: Any) -> tuple[Any, int]:  # pragma: no cover - compiled
    n, g = total.shape
    out = np.empty((n, g))
    capped = 0
    for i in range(n):
        s = 1.0
        for k in range(g):
            if total[i, k] > 1.0:
                capped += 1
            s = step(s, total[i, k], total[i, k])[1]
            out[i, k] = s
    return out, capped


def _paths_numpy(cause: FloatArray, total: FloatArray) -> tuple[FloatArray, int]:
    over = total > 1.0
    survival = np.cumprod(1.0 - np.minimum(total, 1.0), axis=1)
    before = np.concatenate([np.ones((cause.shape[0], 1)), survival[:, :-1]], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = np.where(over, cause / total, cause)
    out: FloatArray = np.cumsum(before * share, axis=1)
    return out, int(over.sum())


def warn_capped(capped: int, what: str) -> None:
    """Warn that ``capped`` grid steps had a total hazard increment above one."""
    if capped:
        warnings.warn(
            f"{what}: at {capped:,} (profile, time) step(s) the model's hazard increments "
            "add up to more than 1 (it predicts the event for certain there, usually a "
            "profile outside the data or a separated covariate); at those steps the "
            "event-free probability is 0 and the step's probability is shared among the "
            "causes in proportion to their hazards, so risks stay within [0, 1]",
            StatisticalWarning,
            stacklevel=3,
        )


def cumulative_incidence(
    cause: npt.ArrayLike,
    total: npt.ArrayLike,
    *,
    what: str = "cumulative incidence",
    engine: Literal["compiled", "numpy"] = "compiled",
    at: npt.ArrayLike | None = None,
) -> FloatArray:
    """Return the cumulative incidence of a cause on a grid, one row per profile.

    Parameters
    ----------
    cause : array_like, shape (n, G)
        Hazard increments of the cause at each grid time, per profile.
    total : array_like, shape (n, G) or (G,)
        Hazard increments of all causes together (the cause's included).
    what : str
        The model, for the warning.
    engine : {"compiled", "numpy"}
        The compiled loop or the whole-array numpy path (equal to 1e-12).
    at : array_like of int, optional
        Grid positions whose values are wanted (default every one): the same values,
        without an ``n x G`` result when only a few are read. Every step is still
        counted for the warning.

    Returns
    -------
    numpy.ndarray, shape (n, G) or (n, len(at))
        :math:`F(t)` just after each grid time (or each of ``at``).

    Examples
    --------
    >>> cumulative_incidence([[0.1, 0.2]], [[0.3, 0.2]]).round(6).tolist()
    [[0.1, 0.24]]
    >>> cumulative_incidence([[0.1, 0.2]], [[0.3, 0.2]], at=[1, 0, 1]).round(6).tolist()
    [[0.24, 0.1, 0.24]]
    """
    c = np.atleast_2d(np.asarray(cause, dtype=float))
    t = np.asarray(total, dtype=float)
    if t.shape != c.shape:  # a broadcast view is read-only: the kernel gets a copy of it
        t = np.broadcast_to(t, c.shape)
    g = c.shape[1]
    wanted = np.arange(g) if at is None else np.asarray(at, dtype=np.int64).reshape(-1)
    if wanted.size and (wanted.min() < 0 or wanted.max() >= g):
        raise ValueError(f"grid positions must lie in [0, {g}), got {wanted.tolist()}")
    if engine == "numpy":
        out, capped = _paths_numpy(c, np.asarray(t))
        out = out if at is None else out[:, wanted]
    else:
        # the kernel keeps ascending positions; any order (or repeats) is read from them
        kept, back = np.unique(wanted, return_inverse=True)
        out, capped = _paths(c_array(c), c_array(t), c_array(kept, np.int64))
        out = out if at is None else out[:, back.reshape(-1)]
    warn_capped(int(capped), what)
    return np.asarray(out, dtype=float)


def event_free(total: npt.ArrayLike, *, what: str = "event-free probability") -> FloatArray:
    r"""Return the event-free probability on a grid from total hazard increments.

    The survival part of :func:`step`: :math:`S(s) = S(s-)\{1 - \min(1, d\Lambda(s))\}`.

    Examples
    --------
    >>> event_free([[0.5, 0.5]]).tolist()
    [[0.5, 0.25]]
    """
    t = np.atleast_2d(np.asarray(total, dtype=float))
    out, capped = _survival(c_array(t))
    warn_capped(int(capped), what)
    return np.asarray(out, dtype=float)
