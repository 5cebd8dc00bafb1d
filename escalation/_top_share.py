"""Flag the highest scores up to a share: one rule for the policy rules and the risk metrics.

The rule flags exactly ``floor(share · n)`` of ``n`` rows (the floor: never more than a
capacity allows), the highest scores first. Rows tied at the cut-off are the only
choice left, and it never depends on the rows' order or index:

* with tie keys (:func:`tie_keys`: a seeded draw keyed on each row's identifier, e.g.
  ``spell_id``), the tied rows with the largest keys fill the places left, so each row
  gets a 0/1 flag (the policy rules: a decision per child);
* without keys, every tied row is flagged with the same weight, the share of the tied
  rows the places left would take (the risk metrics: their expected value over a random
  choice among the tied rows, as the area under the ROC curve counts a tie as ½).

The cut-off (:class:`TopCut`) can be carried to other rows (a test fold, a subgroup,
another authority): scores above it are flagged, and rows at its score by the same key
(or the same weight), so a tie is decided there as it was where the cut-off was found.

Examples
--------
>>> score = np.array([0.9, 0.5, 0.5, 0.5, 0.1])
>>> cut = top_cut(score, 0.4)
>>> cut.score, round(cut.ties, 4)
(0.5, 0.3333)
>>> top_weights(score, cut).round(4).tolist()
[1.0, 0.3333, 0.3333, 0.3333, 0.0]
>>> keys = tie_keys(np.array([11, 12, 13, 14, 15]), seed=1)
>>> int(top_weights(score, top_cut(score, 0.4, keys), keys).sum())
2
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["TopCut", "capacity_places", "tie_keys", "top_cut", "top_weights"]

FloatArray = npt.NDArray[np.float64]
#: Places are ``floor(share · n + _SLACK)``: 0.3 · 10 is 2.9999999999999996 in floating point.
_SLACK = 1e-9


@dataclass(frozen=True)
class TopCut:
    """A cut-off flagging the highest scores: above ``score`` all, at ``score`` some.

    Attributes
    ----------
    score : float
        Rows scoring above it are flagged, below it not (``inf``: no row flagged).
    ties : float
        Share of the rows at ``score`` flagged where the cut-off was found (the weight of
        a tied row without tie keys).
    key : float
        With tie keys: a row at ``score`` is flagged when its key is at least this
        (``-inf``: every tied row; NaN: the cut-off was found without keys).
    """

    score: float
    ties: float = 1.0
    key: float = float("-inf")

    @classmethod
    def at(cls, threshold: float) -> TopCut:
        """Return the cut-off flagging every score at or above ``threshold``."""
        return cls(float(threshold))


def tie_keys(ids: npt.ArrayLike, seed: int) -> FloatArray:
    """Return a draw in [0, 1) per row, seeded and keyed on the row's identifier.

    The same identifier and seed give the same draw in any row order, table or process
    (a hash of the identifier's text, not Python's salted ``hash``).

    Examples
    --------
    >>> a = tie_keys(np.array([3, 1, 2]), seed=1)
    >>> b = tie_keys(np.array([1, 2, 3]), seed=1)
    >>> bool(np.array_equal(a[[1, 2, 0]], b)), bool(((0 <= a) & (a < 1)).all())
    (True, True)
    """
    text = pd.Series(np.asarray(ids, dtype=object)).astype(str).to_numpy(dtype=object)
    salt = hashlib.blake2b(str(seed).encode(), digest_size=8).hexdigest()
    hashed = pd.util.hash_array(text, hash_key=salt, categorize=False)
    out: FloatArray = (hashed >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return out


def capacity_places(share: float, n: int) -> int:
    """Return the places a share of ``n`` rows allows: ``floor(share · n)``, at most ``n``.

    Examples
    --------
    >>> capacity_places(0.3, 10), capacity_places(0.25, 10), capacity_places(1.0, 3)
    (3, 2, 3)
    """
    return min(int(np.floor(share * n + _SLACK)), n)


def top_cut(score: FloatArray, share: float, keys: FloatArray | None = None) -> TopCut:
    """Return the cut-off flagging exactly ``floor(share · n)`` of the ``n`` scores.

    ``keys`` (:func:`tie_keys`) decide which rows tied at the cut-off are flagged;
    without them each tied row is flagged with the weight :attr:`TopCut.ties`.
    """
    n = len(score)
    places = capacity_places(share, n)
    if places == 0:
        return TopCut(float("inf"))
    if places == n:
        return TopCut(float(np.min(score)))
    last = float(np.sort(score)[::-1][places - 1])
    tied = score == last
    left = places - int((score > last).sum())
    ties = left / int(tied.sum())
    if keys is None:
        return TopCut(last, ties, float("nan"))
    key = float(np.sort(keys[tied])[::-1][left - 1])
    return TopCut(last, ties, key)


def top_weights(score: FloatArray, cut: TopCut, keys: FloatArray | None = None) -> FloatArray:
    """Return each row's flag under ``cut``: 1 or 0, or for a tie without keys its weight."""
    out = (score > cut.score).astype(float)
    tied = score == cut.score
    if not tied.any():
        return out
    if keys is not None and not np.isnan(cut.key):
        out[tied] = (keys[tied] >= cut.key).astype(float)
    else:
        out[tied] = cut.ties
    return out
