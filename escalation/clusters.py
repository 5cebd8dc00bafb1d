"""Cluster codes for robust variances and the cluster bootstrap (families of siblings)."""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.errors import DataValidationError, Problem

__all__ = ["FAMILY", "cluster_codes", "cluster_labels", "family_labels"]

#: The column of family labels: siblings share one.
FAMILY: Final = "family_id"


def cluster_codes(labels: npt.ArrayLike | pd.Series) -> npt.NDArray[np.int64]:
    """Return integer codes ``0..k-1`` of cluster labels, a missing label its own cluster.

    ``family_id`` is optional in the data contract: a child without a recorded family is
    a family of one, never pooled with other children whose family is missing. Codes of
    the labels present follow their sorted order. A missing label makes a cluster of its
    row alone: give the labels of :func:`cluster_labels` to cluster such a row by its
    child (a child's several spells, with ``spells = "all"``, are one cluster).

    Parameters
    ----------
    labels : array_like
        Cluster label of each row (e.g. ``family_id``); ``None``, NaN and ``pd.NA`` are
        missing.

    Returns
    -------
    numpy.ndarray of int64

    Examples
    --------
    >>> cluster_codes(["f2", None, "f1", "f2", None]).tolist()
    [1, 2, 0, 1, 3]
    >>> cluster_codes([30, 10, 30, 20]).tolist()
    [2, 0, 2, 1]
    """
    values = np.asarray(labels)
    if values.dtype.kind in "iu":  # integer labels (e.g. codes already): no text, no missing
        return np.unique(values, return_inverse=True)[1].astype(np.int64).ravel()
    text = pd.Series(np.asarray(labels, dtype=object)).astype("string")
    codes = np.asarray(pd.factorize(text, sort=True, use_na_sentinel=True)[0], dtype=np.int64)
    missing = codes < 0
    codes[missing] = codes.max(initial=-1) + 1 + np.arange(int(missing.sum()), dtype=np.int64)
    return codes


def family_labels(spells: pd.DataFrame) -> pd.Series:
    """Return the family of each spell: its ``family_id``, or its child without one.

    A child without a recorded family is a family of one: every spell of that child (with
    ``spells = "all"`` a child may have several) is in it, and no other spell. Labels are
    ``"family:<family_id>"`` and ``"child:<child_id>"``, so a child's identifier never
    names the family of another child whose ``family_id`` is the same text.

    Parameters
    ----------
    spells : pandas.DataFrame
        With ``family_id`` (optional) and, when some spell has no ``family_id``,
        ``child_id``.

    Returns
    -------
    pandas.Series of string
        Aligned with ``spells``. The labels are identifiers: personal data.

    Raises
    ------
    DataValidationError
        Some spells have no ``family_id`` and there is no ``child_id`` column (table
        ``spells``, column ``child_id``).

    Examples
    --------
    >>> spells = pd.DataFrame({"child_id": ["a", "b", "b"], "family_id": ["a", None, None]})
    >>> family_labels(spells).tolist()
    ['family:a', 'child:b', 'child:b']
    """
    family = (
        spells[FAMILY].astype("string")
        if FAMILY in spells
        else pd.Series(pd.NA, index=spells.index, dtype="string")
    )
    labels = "family:" + family
    alone = labels.isna()
    if not alone.any():
        return labels
    if "child_id" not in spells:
        reason = (
            "required column is missing: a spell without a family_id is grouped by its "
            f"child ({int(alone.sum())} spell(s) have none"
            + (")" if FAMILY in spells else "; there is no family_id column)")
        )
        raise DataValidationError([Problem("spells", None, "child_id", None, reason)], "spells")
    return labels.fillna("child:" + spells["child_id"].astype("string"))


def cluster_labels(frame: pd.DataFrame, column: str) -> pd.Series:
    """Return the cluster label of each row of ``frame``: the values of ``column``.

    For ``family_id``, a row without a recorded family takes its child's label
    (:func:`family_labels`), when ``frame`` has ``child_id`` and some family is missing:
    the robust variances and the bootstrap then treat a child without a family as a
    family of one, all its spells together. Every estimator that clusters reads its
    labels here; without ``child_id`` such a row stays a cluster of its own.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows to cluster (spells, or counting-process rows).
    column : str
        The cluster column (e.g. ``SpellData.cluster``).

    Returns
    -------
    pandas.Series
        Aligned with ``frame``; code them with :func:`cluster_codes`.

    Examples
    --------
    >>> rows = pd.DataFrame({"child_id": ["a", "a", "b"], "family_id": [None, None, "f"]})
    >>> cluster_codes(cluster_labels(rows, "family_id")).tolist()
    [0, 0, 1]
    """
    values = frame[column]
    if column == FAMILY and "child_id" in frame and bool(values.isna().any()):
        return family_labels(frame)
    return values
