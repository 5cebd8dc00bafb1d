"""Covariate balance before and after weighting.

Standardised mean differences use the unweighted pooled standard deviation of the two arms
as the denominator for both samples, so that weighting changes only the numerator
(Austin & Stuart 2015, doi:10.1002/sim.6607). Variance ratios are treated over untreated.
An SMD that is not defined is NaN (an arm of one child: no variance) and one of arms
constant at different values ``±inf``, never 0 (:mod:`escalation.core.smd`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._finite import LISTED, finite_problems
from escalation.core.smd import standardised_difference
from escalation.errors import DataValidationError, DesignError, Problem
from escalation.survival._outcome import weight_problems

__all__ = ["balance_table"]

#: Why a covariate of a balance table must be a finite number.
_NO_BALANCE = "a covariate's balance is not defined with them"


def _weighted_mean_var(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return the weighted means and reliability-weights unbiased variances of the columns.

    A variance is NaN when not defined (one child, or all the weight on one).
    """
    total = w.sum()
    mean = (w[:, None] * x).sum(axis=0) / total
    v2 = np.sum(w**2)
    denom = total - v2 / total if total > 0 else np.nan
    if not denom > 0:
        return mean, np.full(x.shape[1], np.nan)
    var = (w[:, None] * (x - mean) ** 2).sum(axis=0) / denom
    return mean, var


def balance_table(
    matrix: pd.DataFrame,
    treatment: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Return standardised mean differences and variance ratios, unweighted and weighted.

    Parameters
    ----------
    matrix : pandas.DataFrame
        Coded covariates (e.g. ``PropensityResult.matrix``).
    treatment : array_like of {0, 1}
        Treatment.
    weights : array_like, optional
        Balancing weights; only the unweighted rows are returned when omitted.

    Returns
    -------
    pandas.DataFrame
        ``covariate, sample, smd, variance_ratio, mean_treated, mean_untreated``;
        ``sample`` is ``"unweighted"`` or ``"weighted"``. ``smd`` is ``±inf`` for
        different means over an unweighted pooled SD of 0 and NaN where that SD is not
        defined (:func:`~escalation.core.smd.standardised_difference`).

    Raises
    ------
    DataValidationError
        When a covariate value is missing or infinite, a treatment is not 0 or 1, or a
        weight is missing, infinite or negative (naming the rows).
    DesignError
        When the lengths differ, or there are no rows of one arm.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"x": [0.0, 1.0, 1.0, 0.0, 0.0, 1.0]})
    >>> balance_table(m, [1, 1, 1, 0, 0, 0], [1, 0.5, 0.5, 1, 1, 1]).round(3)
      covariate      sample    smd  variance_ratio  mean_treated  mean_untreated
    0         x  unweighted  0.577             1.0         0.667           0.333
    1         x    weighted  0.289             1.2         0.500           0.333
    """
    x, a, given = _checked(matrix, treatment, weights)
    samples = [("unweighted", np.ones(len(a)))]
    if given is not None:
        samples.append(("weighted", given))
    _, v1 = _weighted_mean_var(x[a], np.ones(a.sum()))
    _, v0 = _weighted_mean_var(x[~a], np.ones((~a).sum()))
    frames = []
    for name, w in samples:
        m1, var1 = _weighted_mean_var(x[a], w[a])
        m0, var0 = _weighted_mean_var(x[~a], w[~a])
        smd = standardised_difference(m1 - m0, v1, v0)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(var0 > 0, var1 / var0, np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "covariate": list(matrix.columns),
                    "sample": name,
                    "smd": smd,
                    "variance_ratio": ratio,
                    "mean_treated": m1,
                    "mean_untreated": m0,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _weights_series(weights: npt.ArrayLike) -> pd.Series:
    """Return the weights as given (text kept, to be described), named by their column."""
    name = weights.name if isinstance(weights, pd.Series) and weights.name is not None else None
    values = np.asarray(weights, dtype=object).ravel()
    return pd.Series(values, name=str(name) if name is not None else "weight")


def _checked(
    matrix: pd.DataFrame, treatment: npt.ArrayLike, weights: npt.ArrayLike | None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], npt.NDArray[np.float64] | None]:
    """Return the covariates, arms and weights as arrays, or raise naming the bad rows.

    A missing covariate made its SMD missing, an arm coded other than 0/1 (or missing)
    was counted as treated, and a negative weight gave a balance no weighting can give.
    """
    n = len(matrix)
    arm = pd.Series(np.asarray(treatment).ravel(), dtype=object)
    given = None if weights is None else _weights_series(weights)
    if len(arm) != n or (given is not None and len(given) != n):
        lengths = f"{n} rows of covariates, {len(arm)} treatments"
        lengths += "" if given is None else f" and {len(given)} weights"
        raise DesignError(f"balance_table: {lengths}; give one of each per row")
    if not n:
        raise DesignError("balance_table: the covariates have no rows; nothing to compare")
    problems = [
        problem
        for j in range(matrix.shape[1])
        for problem in finite_problems(matrix.iloc[:, j], table="spells", why=_NO_BALANCE)[1]
    ]
    codes = pd.to_numeric(arm, errors="coerce")
    checks: list[tuple[str, npt.NDArray[np.bool_], pd.Series, str]] = [
        ("treatment", ~codes.isin([0, 1]).to_numpy(), arm, "treatment(s) not 0 or 1")
    ]
    w = None
    if given is not None:  # the one rule of weights, as Table 1's and the survival layer's
        w, weight_faults = weight_problems(given, table="spells")
        problems += weight_faults
    problems += [
        Problem("spells", int(r), column, values.iloc[r], f"{int(bad.sum())} {reason}")
        for column, bad, values, reason in checks
        for r in np.flatnonzero(bad)[:LISTED]
    ]
    if problems:
        raise DataValidationError(problems, "balance table")
    x = matrix.to_numpy(dtype=float)
    a = codes.to_numpy(dtype=float) == 1
    if a.all() or not a.any():
        raise DesignError(
            f"balance_table: {int(a.sum())} treated and {int((~a).sum())} untreated rows; "
            "balance compares the two arms, so both need rows"
        )
    return x, a, w
