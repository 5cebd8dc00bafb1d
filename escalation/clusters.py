"""Cluster codes for robust variances and the cluster bootstrap (families of siblings)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["cluster_codes"]


def cluster_codes(labels: npt.ArrayLike | pd.Series) -> npt.NDArray[np.int64]:
    """Return integer codes ``0..k-1`` of cluster labels, a missing label its own cluster.

    ``family_id`` is optional in the data contract: a child without a recorded family is
    a family of one, never pooled with other children whose family is missing. Codes of
    the labels present follow their sorted order.

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
