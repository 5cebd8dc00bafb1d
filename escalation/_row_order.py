"""Rows in one canonical order (by ``spell_id``) before anything is drawn at random by position.

Cross-fitting folds, bootstrap draws, forests and DoWhy's refuters pick rows by their
position: the same spells in another row order drew other rows and gave other answers for
the same seed. The functions that draw put the rows in ``spell_id`` order first (a stable
sort, so a table already in that order is left as it is and gives the same numbers to the
last bit), and return per-row results in the caller's order (:func:`restore`).

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"spell_id": [3, 1, 2], "x": [30.0, 10.0, 20.0]})
>>> order = canonical_order(frame)
>>> order.tolist()
[1, 2, 0]
>>> restore(frame["x"].to_numpy()[order], order).tolist()
[30.0, 10.0, 20.0]
>>> canonical_order(frame.sort_values("spell_id")) is None
True
"""

from __future__ import annotations

from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["canonical_order", "in_canonical_order", "restore"]

IntArray = npt.NDArray[np.int64]
_Array = TypeVar("_Array", bound=npt.NDArray[Any])


def canonical_order(frame: pd.DataFrame, key: str = "spell_id") -> IntArray | None:
    """Return the row positions that sort ``frame`` by ``key`` (stable), or ``None``.

    ``None`` when the rows are already in that order or ``frame`` has no ``key`` column
    (then the row order is the only order there is). Missing keys come first.
    """
    if key not in frame.columns:
        return None
    codes = np.asarray(pd.factorize(frame[key], sort=True)[0], dtype=np.int64)
    if len(codes) < 2 or bool((codes[1:] >= codes[:-1]).all()):
        return None
    return np.argsort(codes, kind="stable").astype(np.int64)


def in_canonical_order(
    frame: pd.DataFrame, key: str = "spell_id"
) -> tuple[pd.DataFrame, IntArray | None]:
    """Return ``frame`` in ``key`` order (labels kept) and the positions that made it."""
    order = canonical_order(frame, key)
    return (frame if order is None else frame.iloc[order]), order


def restore(values: _Array, order: IntArray | None) -> _Array:
    """Put per-row ``values`` (first axis) computed in canonical order back in input order."""
    if order is None:
        return values
    out = values.copy()
    out[order] = values
    return out
