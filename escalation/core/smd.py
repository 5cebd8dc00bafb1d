"""The one standardised difference of a covariate (Yang & Dalton, 2012).

Table 1 (:mod:`escalation.causal.tableone`) prints it, the balance table
(:func:`escalation.causal.balance_table`) and the love plot show it, and disclosure control
(:func:`escalation.disclosure.disclose_balance`) publishes it from disclosed counts: one
formula for each kind of covariate, so a shared SMD is the one Table 1 prints.

An SMD is not always defined, and where it is not it is never 0 ("perfect balance"), as
R's ``tableone`` (``StdDiff``, ``StdDiffFromLstMeans`` in its ``modules-smd.R``):

- numeric: a difference of means over a pooled SD of 0 (two arms each constant, at
  different values) is ``±inf``; 0 over 0, or a variance that is not defined (an arm with
  one child, or none with the value recorded), is NaN;
- categorical: when the pooled covariance matrix :math:`S` is all zeros (each arm has one
  level only) the SMD is NaN (``tableone``: "a zero SMD regardless of mean difference. Such
  a case should be NaN"); so is a share that is not defined (an arm with no value).

References
----------
Yang D, Dalton JE (2012). A unified approach to measuring the effect size between two
groups using SAS. SAS Global Forum, paper 335-2012.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["INFINITE", "NOT_DEFINED", "format_smd", "smd_categorical", "standardised_difference"]

FloatArray = npt.NDArray[np.float64]

#: How an SMD that is not defined (NaN) reads in Table 1 and on the love plot.
NOT_DEFINED: Final = "not defined"
#: How an infinite SMD (arms constant at different values) reads.
INFINITE: Final = "∞"


def standardised_difference(
    difference: npt.ArrayLike, variance1: npt.ArrayLike, variance0: npt.ArrayLike
) -> FloatArray:
    r"""Return :math:`d / \sqrt{(v_1 + v_0) / 2}` elementwise, never 0 where undefined.

    The SMD of a numeric covariate (signed as ``difference``), as ``tableone::StdDiff``
    computes it: a non-zero difference over a pooled SD of 0 is ``±inf``; 0 over 0 and a
    missing (NaN) difference or variance give NaN.

    Parameters
    ----------
    difference : array_like
        Difference of the means (treated minus untreated, say).
    variance1, variance0 : array_like
        The variances whose mean is the pooled variance (NaN when not defined).

    Returns
    -------
    numpy.ndarray
        The standardised differences, of the broadcast shape of the inputs.

    Examples
    --------
    >>> standardised_difference([0.5, -7.0, 0.0, 1.0], [0.25, 0.0, 0.0, np.nan], [0.25, 0, 0, 1])
    array([  1., -inf,  nan,  nan])
    """
    d = np.asarray(difference, dtype=float)
    pooled = np.sqrt((np.asarray(variance1, dtype=float) + np.asarray(variance0, dtype=float)) / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(d / pooled, dtype=float)


def smd_categorical(p1: npt.ArrayLike, p0: npt.ArrayLike) -> float:
    r"""Return the SMD of a categorical covariate from its level proportions in each arm.

    :math:`\sqrt{(p_1 - p_0)^\top S^{-1} (p_1 - p_0)}` over the levels but the first,
    with :math:`S` the mean of the two multinomial covariance matrices; for a yes/no
    covariate :math:`|p_1 - p_0| / \sqrt{(p_1 (1 - p_1) + p_0 (1 - p_0)) / 2}`.

    Parameters
    ----------
    p1, p0 : array_like
        Proportions of each level (summing to 1) in the two arms; NaN for an arm with no
        value recorded.

    Returns
    -------
    float
        The SMD (>= 0); NaN when it is not defined: a proportion is NaN, or :math:`S` is
        all zeros (each arm has a single level: the pseudo-inverse of 0 is 0, which gave
        "perfect balance" to two arms with nothing in common), as ``tableone``.

    Examples
    --------
    >>> round(smd_categorical([0.3, 0.7], [0.5, 0.5]), 4)  # binary: 0.2 / sqrt(0.23)
    0.417
    >>> smd_categorical([0.0, 1.0], [1.0, 0.0])  # every treated child has it, no other
    nan
    """
    a, b = np.asarray(p1, float), np.asarray(p0, float)
    if np.isnan(a).any() or np.isnan(b).any():
        return float("nan")
    q1, q0 = (a[1:], b[1:]) if len(a) > 1 else (a, b)  # one level: kept, as tableone
    s = (_multinomial_covariance(q1) + _multinomial_covariance(q0)) / 2
    if not s.any():
        return float("nan")
    d = q1 - q0
    value = float(d @ np.linalg.pinv(s) @ d)
    return float(np.sqrt(max(value, 0.0)))


def _multinomial_covariance(p: FloatArray) -> FloatArray:
    """Return the covariance matrix of the indicators of levels with proportions ``p``."""
    return np.diag(p) - np.outer(p, p)


def format_smd(value: float, digits: int = 3) -> str:
    """Return an SMD as tables print it: decimals, :data:`INFINITE` or :data:`NOT_DEFINED`.

    Examples
    --------
    >>> format_smd(0.12345), format_smd(float("inf")), format_smd(-np.inf), format_smd(np.nan)
    ('0.123', '∞', '-∞', 'not defined')
    """
    number = float(value)
    if np.isnan(number):
        return NOT_DEFINED
    if np.isinf(number):
        return INFINITE if number > 0 else "-" + INFINITE
    return f"{number:.{digits}f}"
