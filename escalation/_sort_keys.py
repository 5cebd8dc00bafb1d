"""Sorting rows by several integer keys at once: keys packed into as few int64 as fit.

Used wherever rows are ordered by (child, day, ...) — the simulator's tables, the
timeline's episodes and assessments — so that one stable sort of one packed number
replaces a sort per key.

Examples
--------
>>> import numpy as np
>>> child, day = np.array([1, 0, 1, 0]), np.array([5, 9, 2, 9])
>>> stable_order(pack_keys([child, day])).tolist()
[1, 3, 2, 0]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["pack_keys", "stable_order"]

IntArray = npt.NDArray[np.int64]


def pack_keys(columns: list[IntArray]) -> list[IntArray]:
    """Pack sort keys (most significant first, each >= 0) into as few int64 keys as fit.

    Neighbouring keys become one mixed-radix number while it stays below 2**62, so
    sorting by the packed keys gives the order of sorting by the original ones.
    """
    packed: list[IntArray] = []
    current: IntArray | None = None
    span = 1
    for column in columns:
        radix = int(column.max(initial=0)) + 1
        if current is not None and span * radix < (1 << 62):
            current = current * radix + column
            span *= radix
        else:
            if current is not None:
                packed.append(current)
            current, span = column.astype(np.int64), radix
    if current is not None:
        packed.append(current)
    return packed


def stable_order(keys: list[IntArray]) -> IntArray:
    """Return the stable order of rows sorted by ``keys`` (most significant first)."""
    if len(keys) == 1:
        out: IntArray = np.argsort(keys[0], kind="stable").astype(np.int64)
        return out
    return np.lexsort(keys[::-1]).astype(np.int64)
