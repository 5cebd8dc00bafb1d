"""The chi-square statistic of a k-sample test and its degrees of freedom (the variance's rank).

A group with nobody at risk at any event time carries no information: its observed minus
expected is 0 and its row of the variance is 0, so the variance of the k - 1 contrasts has
rank below k - 1. The statistic is the quadratic form with the Moore–Penrose inverse and
its degrees of freedom the rank of the variance, which is R's ``survdiff`` rule (groups
with expected > 0, minus 1) where that rule applies, and also covers a stratified design
whose variance is singular for another reason (where ``survdiff`` stops with "system is
computationally singular").
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from escalation.errors import DesignError, StatisticalWarning

#: Singular values below this share of the largest count as zero.
RANK_TOLERANCE = 1e-10


def check_rho(rho: object, *, function: str) -> float:
    """Return the power ``rho`` of a test's weights as a float, or raise unless finite.

    A missing or infinite ``rho`` makes every weight undefined: Gray's test failed with
    numpy's bare "SVD did not converge", the log-rank test gave a NaN statistic.

    Raises
    ------
    DesignError
        When ``rho`` is not a real number (a bool is not) or is not finite, showing it.

    Examples
    --------
    >>> check_rho(1, function="gray_test")
    1.0
    >>> check_rho(float("nan"), function="gray_test")
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: gray_test: rho must be a finite number (0 weights every event time alike), got nan
    """  # noqa: E501
    if not isinstance(rho, bool) and isinstance(rho, numbers.Real) and math.isfinite(rho):
        return float(rho)
    raise DesignError(
        f"{function}: rho must be a finite number (0 weights every event time alike), got {rho!r}"
    )


def quadratic_statistic(
    score: npt.NDArray[np.float64], variance: npt.NDArray[np.float64]
) -> tuple[float, int]:
    """Return ``score' V^+ score`` and the rank of ``V`` (the degrees of freedom).

    Examples
    --------
    >>> quadratic_statistic(np.array([1.0, 0.0]), np.array([[2.0, 0.0], [0.0, 0.0]]))
    (0.5, 1)
    """
    if not variance.size or not np.any(variance):
        return 0.0, 0
    singular = np.linalg.svd(variance, compute_uv=False)
    rank = int((singular > RANK_TOLERANCE * singular[0]).sum())
    inverse = np.linalg.pinv(variance, rcond=RANK_TOLERANCE, hermitian=True)
    return float(score @ inverse @ score), rank


def uninformative_groups(
    duration: npt.NDArray[np.float64],
    hit: npt.NDArray[np.bool_],
    codes: npt.NDArray[np.int64],
    strata: npt.NDArray[np.generic],
    k: int,
) -> npt.NDArray[np.bool_]:
    """Return, per group, whether nobody of it is at risk at any event time of its strata."""
    informative = np.zeros(k, dtype=bool)
    for level in np.unique(strata):
        rows = strata == level
        if hit[rows].any():
            first = duration[rows & hit].min()
            informative[np.unique(codes[rows & (duration >= first)])] = True
    return ~informative


def warn_lost_df(
    test: str, levels: Sequence[object], uninformative: npt.NDArray[np.bool_], df: int
) -> None:
    """Warn when the test has fewer than ``k - 1`` degrees of freedom, naming the groups."""
    if df >= len(levels) - 1:
        return
    names = [str(level) for level, lost in zip(levels, uninformative, strict=True) if lost]
    why = (
        f"group(s) {', '.join(names)} had nobody at risk at any event time and carry no information"
        if names
        else "the variance of the group contrasts is singular (e.g. a group confined to "
        "strata where it is the only one at risk)"
    )
    warnings.warn(
        f"{test}: {why}; the test has {df} degree(s) of freedom (the rank of the "
        f"variance), not {len(levels) - 1}",
        StatisticalWarning,
        stacklevel=3,
    )
