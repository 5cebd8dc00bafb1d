r"""Standard errors from influence functions, clustered by family.

For an estimator :math:`\hat\psi` with influence values :math:`\phi_i`
(:math:`\hat\psi - \psi \approx n^{-1}\sum_i \phi_i`), the cluster-robust variance sums
the influence values within each family before squaring:
:math:`\widehat{\operatorname{var}} = n^{-2} \sum_c (\sum_{i \in c} \phi_i)^2`.
The AIPW estimator's influence function is computed in
:func:`escalation.causal.curves.run_estimator`; nuisance-estimation terms vanish when the
propensity and outcome models are both correct (Ozenne et al. 2020, Biometrical Journal
62(3):751–763, doi:10.1002/bimj.201800298), so they are not added here.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.clusters import cluster_codes, cluster_labels
from escalation.errors import DesignError, available_columns

__all__ = ["cluster_standard_error", "effect_influence", "influence_clusters"]

FloatArray = npt.NDArray[np.float64]


def influence_clusters(frame: pd.DataFrame, cluster: str | None) -> npt.NDArray[Any] | None:
    """Return the cluster label of each row (``None``: every row its own cluster).

    The one lookup of the ``cluster=`` column (resolved by
    :func:`~escalation._vocabulary.resolve_cluster`) of the causal estimators whose
    standard errors sum influence values within clusters; the labels are those of
    :func:`escalation.clusters.cluster_labels` (a child without a recorded family is a
    family of one).

    Raises
    ------
    DesignError
        When the column is not in ``frame``.

    Examples
    --------
    >>> influence_clusters(pd.DataFrame({"family_id": [1, 1, 2]}), "family_id").tolist()
    [1, 1, 2]
    >>> influence_clusters(pd.DataFrame({"x": [1]}), None) is None
    True
    """
    if cluster is None:
        return None
    if cluster not in frame.columns:
        raise DesignError(
            f"the cluster column {cluster!r} is not in the spells table"
            f"{available_columns([cluster], frame.columns)}"
        )
    return cluster_labels(frame, cluster).to_numpy()


def as_clustered(frame: pd.DataFrame, cluster: str | None) -> pd.DataFrame:
    """Return ``frame`` with its cluster column replaced by the labels the errors sum within.

    For a result's data hash (:func:`~escalation.results.used_data_hash`): the labels of
    :func:`influence_clusters` read ``child_id`` where a spell has no ``family_id`` (a
    family of one), so hashing the raw column left out values that move the standard
    errors.

    Examples
    --------
    >>> rows = pd.DataFrame({"child_id": ["a", "b"], "family_id": ["f", None]})
    >>> as_clustered(rows, "family_id")["family_id"].tolist()
    ['family:f', 'child:b']
    """
    labels = influence_clusters(frame, cluster)
    return frame if cluster is None or labels is None else frame.assign(**{cluster: labels})


def cluster_standard_error(
    influence: npt.ArrayLike, cluster: npt.ArrayLike | None = None, *, coded: bool = False
) -> FloatArray:
    """Return standard errors from per-row influence values, summed within clusters.

    Parameters
    ----------
    influence : array_like, shape (n, ...)
        Influence values (mean zero over rows).
    cluster : array_like, optional
        Cluster label per row (independent rows when omitted).
    coded : bool, default False
        ``cluster`` already holds the codes of :func:`escalation.clusters.cluster_codes`
        (``0..k-1``, every code present): used as they are, not coded again (for callers
        that compute many standard errors over the same clusters).

    Returns
    -------
    numpy.ndarray
        One standard error per trailing element.

    Examples
    --------
    >>> cluster_standard_error([[1.0], [-1.0], [1.0], [-1.0]]).round(3)
    array([0.5])
    >>> cluster_standard_error([[1.0], [-1.0], [1.0], [-1.0]], [0, 0, 1, 1]).round(3)
    array([0.])
    """
    phi = np.asarray(influence, dtype=float)
    n = phi.shape[0]
    if cluster is None:
        out: FloatArray = np.sqrt((phi**2).sum(axis=0)) / n
        return out
    codes = np.asarray(cluster, dtype=np.int64) if coded else cluster_codes(cluster)
    k = int(codes.max()) + 1
    # Per trailing element, the rows' values added to their cluster's sum in row order
    # (as numpy's ``add.at`` does, many times faster).
    flat = phi.reshape(n, -1)
    sums = np.zeros((k, flat.shape[1]))  # (stays empty when ``influence`` has no columns)
    for j in range(flat.shape[1]):
        sums[:, j] = np.bincount(codes, weights=flat[:, j], minlength=k)
    out = np.sqrt((sums.reshape(k, *phi.shape[1:]) ** 2).sum(axis=0)) / n
    return out


def effect_influence(
    phi_treated: npt.ArrayLike,
    phi_untreated: npt.ArrayLike,
    risk_treated: npt.ArrayLike,
    risk_untreated: npt.ArrayLike,
) -> dict[str, FloatArray]:
    """Return influence values of the risk difference and of the log risk ratio.

    Examples
    --------
    >>> out = effect_influence([[0.1]], [[0.2]], [0.5], [0.4])
    >>> out["risk_difference"].round(3).tolist(), out["log_risk_ratio"].round(3).tolist()
    ([[-0.1]], [[-0.3]])
    """
    p1, p0 = np.asarray(phi_treated, float), np.asarray(phi_untreated, float)
    r1, r0 = np.asarray(risk_treated, float), np.asarray(risk_untreated, float)
    return {"risk_difference": p1 - p0, "log_risk_ratio": p1 / r1 - p0 / r0}
