"""Covariate balance before and after weighting.

Standardised mean differences use the unweighted pooled standard deviation of the two arms
as the denominator for both samples, so that weighting changes only the numerator
(Austin & Stuart 2015, doi:10.1002/sim.6607). Variance ratios are treated over untreated.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["balance_table"]


def _weighted_mean_var(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    total = w.sum()
    mean = (w[:, None] * x).sum(axis=0) / total
    # Reliability-weights unbiased variance.
    v2 = np.sum(w**2)
    denom = total - v2 / total if total > 0 else np.nan
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
        ``sample`` is ``"unweighted"`` or ``"weighted"``.

    Examples
    --------
    >>> import pandas as pd
    >>> m = pd.DataFrame({"x": [0.0, 1.0, 1.0, 0.0, 0.0, 1.0]})
    >>> balance_table(m, [1, 1, 1, 0, 0, 0], [1, 0.5, 0.5, 1, 1, 1]).round(3)
      covariate      sample    smd  variance_ratio  mean_treated  mean_untreated
    0         x  unweighted  0.577             1.0         0.667           0.333
    1         x    weighted  0.289             1.2         0.500           0.333
    """
    x = matrix.to_numpy(dtype=float)
    a = np.asarray(treatment).astype(bool)
    samples = [("unweighted", np.ones(len(a)))]
    if weights is not None:
        samples.append(("weighted", np.asarray(weights, dtype=float)))
    _, v1 = _weighted_mean_var(x[a], np.ones(a.sum()))
    _, v0 = _weighted_mean_var(x[~a], np.ones((~a).sum()))
    scale = np.sqrt((v1 + v0) / 2)
    frames = []
    for name, w in samples:
        m1, var1 = _weighted_mean_var(x[a], w[a])
        m0, var0 = _weighted_mean_var(x[~a], w[~a])
        with np.errstate(divide="ignore", invalid="ignore"):
            smd = np.where(scale > 0, (m1 - m0) / scale, 0.0)
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
