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
    """Pack integer sort keys (most significant first) into as few int64 keys as fit.

    Each key is counted from its own minimum (so negative keys, e.g. days before 1970,
    sort as they are) and neighbouring keys become one mixed-radix number while it stays
    below 2**62, so sorting by the packed keys gives the order of sorting by the original
    ones. A key whose own range does not fit is kept as it is, a key of its own.

    Examples
    --------
    >>> stable_order(pack_keys([np.array([0, 0, 1]), np.array([3, -5, -9])])).tolist()
    [1, 0, 2]
    """
    packed: list[IntArray] = []
    current: IntArray | None = None
    span = 1
    for column in columns:
        low = int(column.min()) if column.size else 0
        radix = int(column.max(initial=low)) - low + 1
        if radix >= (1 << 62):  # its range alone does not fit: a key of its own, unshifted
            if current is not None:
                packed.append(current)
            packed.append(column.astype(np.int64))
            current, span = None, 1
        elif current is not None and span * radix < (1 << 62):
            current = current * radix + (column - low)
            span *= radix
        else:
            if current is not None:
                packed.append(current)
            current, span = (column - low).astype(np.int64), radix
    if current is not None:
        packed.append(current)
    return packed


def stable_order(keys: list[IntArray]) -> IntArray:
    """Return the stable order of rows sorted by ``keys`` (most significant first)."""
    if len(keys) == 1:
        out: IntArray = np.argsort(keys[0], kind="stable").astype(np.int64)
        return out
    return np.lexsort(keys[::-1]).astype(np.int64)
