r"""Kalbfleisch–Prentice baseline: a Cox model's event-free probabilities that stay above 0.

The Breslow baseline gives a profile with relative risk :math:`r` the increment
:math:`r\,d\Lambda_0(t_j)` at each event time, and the product limit
:math:`\prod_j \{1 - r\,d\Lambda_0(t_j)\}` reaches 0 once an increment passes 1 (many tied
events at one time, a profile with a high linear predictor): a child seen to stay event
free would be given probability 0 of doing so. Kalbfleisch and Prentice (1973; *The
Statistical Analysis of Failure Time Data*, 2nd ed., section 4.3) estimate instead a
discrete hazard :math:`\alpha_j` at each event time, with

.. math::
    \sum_{i \in D_j} \frac{w_i r_i}{1 - (1 - \alpha_j)^{r_i}} = \sum_{i \in R_j} w_i r_i ,
    \qquad S(t \mid r) = \prod_{t_j \le t} (1 - \alpha_j)^{r},

(:math:`D_j` the rows with an event at :math:`t_j`, :math:`R_j` those at risk), which is
R's ``survfit.coxph(fit, stype = 1, ctype = 1)`` and always lies in (0, 1] for a profile
that was at risk and stayed event free. With one event at a time it has the closed form
:math:`1 - \alpha_j = (1 - r_d / \sum_{R_j} r)^{1 / r_d}`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["kalbfleisch_prentice"]

FloatArray = npt.NDArray[np.float64]

#: Bisection steps on log(1 - alpha): the bracket shrinks by 2**-200, far below rounding.
_STEPS = 200


def kalbfleisch_prentice(
    time: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    at: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
) -> FloatArray:
    r"""Return :math:`\log(1 - \alpha)` at each time of ``at`` (0 where no event).

    Parameters
    ----------
    time : array_like
        Follow-up time of each row (right-censored data).
    event : array_like
        1 for an event at ``time``, 0 for censoring.
    risk : array_like
        Relative risk :math:`r_i = \exp(x_i^\top \beta)` of each row (any common scale).
    at : array_like
        Times at which the discrete hazard is wanted, ascending.
    weights : array_like, optional
        Case weights (default 1).

    Returns
    -------
    numpy.ndarray
        :math:`\log(1 - \alpha_j)` for each time of ``at`` (``-inf`` when every row at risk
        had the event); a profile's event-free probability is
        ``exp(r * cumsum(result))``.

    Examples
    --------
    One event among two at risk with equal risks: :math:`\alpha = 1/2`.

    >>> round(float(np.exp(kalbfleisch_prentice([1, 2], [1, 0], [1.0, 1.0], [1])[0])), 12)
    0.5
    """
    t = np.asarray(time, dtype=float)
    d = np.asarray(event).astype(bool)
    r = np.asarray(risk, dtype=float)
    w = np.ones_like(t) if weights is None else np.asarray(weights, dtype=float)
    grid = np.asarray(at, dtype=float)
    out = np.zeros(len(grid))
    for j, tj in enumerate(grid):
        dead = d & (t == tj)
        if not dead.any():
            continue
        at_risk = float(np.sum((w * r)[t >= tj]))
        r_dead, w_dead = r[dead], w[dead]
        if at_risk <= float(np.sum(w_dead * r_dead)) * (1 + 1e-12):
            out[j] = -np.inf  # every row at risk had the event
            continue
        out[j] = _solve(r_dead, w_dead, at_risk)
    return out


def _solve(r_dead: FloatArray, w_dead: FloatArray, at_risk: float) -> float:
    """Solve the Kalbfleisch–Prentice equation for ``u = log(1 - alpha)`` by bisection."""

    def excess(u: float) -> float:
        # sum over events of w r / (1 - exp(r u)) minus the risk set's sum: decreasing in u.
        return float(np.sum(w_dead * r_dead / -np.expm1(r_dead * u))) - at_risk

    high = -1e-300  # excess(high) > 0 (u -> 0-)
    low = -1.0
    while excess(low) > 0:
        low *= 2.0
    for _ in range(_STEPS):
        middle = 0.5 * (low + high)
        if excess(middle) > 0:
            high = middle
        else:
            low = middle
        if high - low <= 1e-15 * abs(low):
            break
    return 0.5 * (low + high)
