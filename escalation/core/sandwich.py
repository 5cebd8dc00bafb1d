r"""The one cluster-robust (sandwich) covariance.

With per-row score contributions :math:`U_i` (already multiplied by the case weight) and
the inverse information :math:`V`, the influence of row :math:`i` on the estimate is
:math:`D_i = U_i V`; summing :math:`D_i` within clusters :math:`c` gives
:math:`\hat\Sigma = \sum_c D_c^\top D_c = V (\sum_c U_c^\top U_c) V` (Lin & Wei 1989; R's
``coxph(cluster =)`` and ``survreg(cluster =)``). Each row its own cluster gives the plain
robust variance. The middle sum is one compiled pass over the clusters.

The same middle sum at :math:`\beta = 0` gives the robust score test
(:func:`robust_score_statistic`, R's ``coxph`` "Robust" test):
:math:`U(0)^\top \{\sum_c U_c(0)^\top U_c(0)\}^{-1} U(0)`, which, unlike the
likelihood-ratio test, allows for the clusters. For a Cox model
(:func:`cox_robust_score_statistic`) the per-row scores are the score residuals at
:math:`\beta = 0`; with the groups of a log-rank test as the covariates this is the
clustered (robust) log-rank test.
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from escalation.core._riskset_kernel import weighted_gram
from escalation.core.kernels import c_array
from escalation.core.riskset import CoxData, Ties, cox_terms
from escalation.errors import StatisticalWarning

__all__ = [
    "cluster_sandwich",
    "cox_robust_score_statistic",
    "logrank_score_residuals",
    "robust_score_statistic",
]

FloatArray = npt.NDArray[np.float64]


def _meat(scores: npt.ArrayLike, cluster: npt.ArrayLike | None) -> FloatArray:
    """Return ``sum_c U_c' U_c``, the scores summed within clusters (one compiled pass)."""
    u = np.asarray(scores, dtype=float)
    if cluster is not None:
        codes = np.asarray(cluster, dtype=np.int64)
        size = int(codes.max()) + 1 if codes.size else 0
        columns = [np.bincount(codes, weights=col, minlength=size) for col in u.T]
        u = np.column_stack(columns) if columns else np.zeros((size, 0))
    ones = np.ones(len(u))
    out: FloatArray = weighted_gram(c_array(u), ones, ones)
    return out


def robust_score_statistic(
    scores: npt.ArrayLike, score: npt.ArrayLike, cluster: npt.ArrayLike | None = None
) -> float:
    """Return the robust score statistic ``U' (sum_c U_c' U_c)^- U`` (chi-squared, p df).

    Parameters
    ----------
    scores : array_like, shape (n, p)
        Weighted per-row score contributions at the null (``beta = 0``).
    score : array_like, shape (p,)
        Their total, the score vector at the null.
    cluster : array_like of int, optional
        Cluster codes (each row its own cluster when omitted).

    Examples
    --------
    >>> round(robust_score_statistic([[1.0], [-1.0], [2.0], [0.5]], [2.5], [0, 0, 1, 2]), 6)
    1.470588

    Warns
    -----
    StatisticalWarning
        With no more clusters than coefficients tested: the statistic then equals the
        number of clusters whatever the data (the middle matrix is a sum of that many
        outer products), so its p-value means nothing.
    """
    u = np.asarray(score, dtype=float)
    meat = _meat(scores, cluster)
    units = len(np.asarray(scores)) if cluster is None else np.unique(np.asarray(cluster)).size
    if 0 < units <= u.size:
        warnings.warn(
            f"the robust score test has {units} cluster(s) for {u.size} degree(s) of freedom: "
            "with no more clusters than degrees of freedom its statistic equals the number "
            "of clusters whatever the data, and its p-value means nothing; it needs many "
            "more clusters than degrees of freedom",
            StatisticalWarning,
            stacklevel=2,
        )
    return float(u @ np.linalg.pinv(meat) @ u)


def cox_robust_score_statistic(
    data: CoxData,
    ties: Ties,
    cluster: npt.ArrayLike | None = None,
    columns: npt.NDArray[np.bool_] | None = None,
) -> float:
    r"""Return R's ``coxph`` robust score statistic (``rscore``) that the coefficients are 0.

    The weighted score residuals at :math:`\beta = 0` (R's ``residuals(fit, "score")``
    times the case weights) summed within clusters give the middle of
    :func:`robust_score_statistic`.

    Parameters
    ----------
    data : CoxData
        The sorted arrays of the model.
    ties : {"efron", "breslow"}
        Tie handling of the score residuals (R uses the fit's ``ties``).
    cluster : array_like of int, optional
        Cluster codes in the order of ``data`` (its sorted rows); each row its own
        cluster when omitted.
    columns : numpy.ndarray of bool, optional
        The coefficients tested (default all): the others are left out of the test.

    Examples
    --------
    >>> data, order = CoxData.build([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], [[0.0], [1], [0], [1]])
    >>> round(cox_robust_score_statistic(data, "breslow", np.array([0, 0, 1, 1])[order]), 6)
    0.310345
    """
    keep = np.ones(data.x.shape[1], dtype=bool) if columns is None else columns
    null = cox_terms(data, np.zeros(data.x.shape[1]), ties, residuals=True)
    assert null.score_residuals is not None
    scores = (null.score_residuals * data.weights[:, None])[:, keep]
    return robust_score_statistic(scores, null.score[keep], cluster)


def cluster_sandwich(
    scores: npt.ArrayLike, bread: npt.ArrayLike, cluster: npt.ArrayLike | None = None
) -> FloatArray:
    """Return the cluster-robust covariance ``sum_c (U_c V)' (U_c V)``.

    Parameters
    ----------
    scores : array_like, shape (n, p)
        Weighted per-row score contributions.
    bread : array_like, shape (p, p)
        The inverse information (NaN rows and columns, for coefficients without a
        variance, stay NaN).
    cluster : array_like of int, optional
        Cluster codes 0, 1, ... (each row its own cluster when omitted).

    Examples
    --------
    >>> cluster_sandwich([[1.0], [-1.0], [2.0]], [[0.5]], [0, 0, 1]).tolist()
    [[1.0]]
    """
    meat = _meat(scores, cluster)
    v = np.asarray(bread, dtype=float)
    # Coefficients without a variance (NaN rows and columns of the bread: the singularity
    # rule of escalation.core.newton) keep NaN; they do not spread to the others.
    missing = np.isnan(v)
    if missing.any():
        v = np.where(missing, 0.0, v)
    out: FloatArray = v @ meat @ v
    if missing.any():
        out[missing] = np.nan
    return out


def logrank_score_residuals(
    duration: FloatArray,
    hit: npt.NDArray[np.bool_],
    groups: npt.NDArray[np.int64],
    times: FloatArray,
    weight: FloatArray,
    hazard: FloatArray,
    share: FloatArray,
) -> FloatArray:
    r"""Return each row's weighted log-rank score residual in one stratum, one column a group.

    Row :math:`i` of group :math:`g_i` contributes to group :math:`g`'s observed minus
    expected
    :math:`r_{ig} = \sum_j w_j \{dN_i(t_j) - Y_i(t_j)\, d_j / Y_j\}\{1(g_i = g) - Y_{gj}/Y_j\}`
    over the event times :math:`t_j` (``times``), with :math:`w_j` the G-rho weight
    (``weight``), :math:`d_j / Y_j` the pooled hazard (``hazard``) and :math:`Y_{gj}/Y_j`
    the group's share of the risk set (``share``, shape (times, groups)). Summed over the
    rows they are the weighted observed minus expected counts; at ``rho = 0`` they are the
    Breslow score residuals at :math:`\beta = 0` of a Cox model with the groups as
    covariates (R's ``residuals(fit, type = "score")``), whose sums by cluster make R's
    robust score test ``rscore``.
    """
    k = share.shape[1]
    step = weight * hazard
    compensator = np.concatenate(([0.0], np.cumsum(step)))
    expected = np.vstack([np.zeros(k), np.cumsum(step[:, None] * share, axis=0)])
    seen = np.searchsorted(times, duration, side="right")  # event times t_j <= duration
    own = np.eye(k)[groups]
    out: FloatArray = expected[seen] - own * compensator[seen][:, None]
    at = np.searchsorted(times, duration[hit])  # each event's own time
    out[hit] += weight[at][:, None] * (own[hit] - share[at])
    return out
