"""The one standardised difference of a categorical covariate (Yang & Dalton, 2012).

Table 1 (:mod:`escalation.causal.tableone`) prints it, and disclosure control
(:func:`escalation.disclosure.disclose_balance`) publishes it from disclosed counts: one
formula for both, so a shared SMD is the one Table 1 prints.

References
----------
Yang D, Dalton JE (2012). A unified approach to measuring the effect size between two
groups using SAS. SAS Global Forum, paper 335-2012.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["smd_categorical"]

FloatArray = npt.NDArray[np.float64]


def smd_categorical(p1: npt.ArrayLike, p0: npt.ArrayLike) -> float:
    r"""Return the SMD of a categorical covariate from its level proportions in each arm.

    :math:`\sqrt{(p_1 - p_0)^\top S^{-1} (p_1 - p_0)}` over the levels but the first,
    with :math:`S` the mean of the two multinomial covariance matrices; for a yes/no
    covariate :math:`|p_1 - p_0| / \sqrt{(p_1 (1 - p_1) + p_0 (1 - p_0)) / 2}`.

    Parameters
    ----------
    p1, p0 : array_like
        Proportions of each level (summing to 1) in the two arms.

    Returns
    -------
    float
        The SMD (>= 0); 0 with fewer than two levels.

    Examples
    --------
    >>> round(smd_categorical([0.3, 0.7], [0.5, 0.5]), 4)  # binary: 0.2 / sqrt(0.23)
    0.417
    """
    a, b = np.asarray(p1, float), np.asarray(p0, float)
    if len(a) < 2:
        return 0.0
    d = a[1:] - b[1:]

    def cov(p: FloatArray) -> FloatArray:
        q = p[1:]
        return np.diag(q) - np.outer(q, q)

    s = (cov(a) + cov(b)) / 2
    value = float(d @ np.linalg.pinv(s) @ d)
    return float(np.sqrt(max(value, 0.0)))
