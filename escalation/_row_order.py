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

from escalation.errors import DesignError

__all__ = ["canonical_order", "check_same_spells", "in_canonical_order", "restore"]

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


def check_same_spells(
    spell_id: npt.ArrayLike, expected: npt.ArrayLike, *, function: str, done: str
) -> None:
    """Refuse spells other than those results were made on, or in another row order.

    Per-spell results (the flags of rules, their scores) are read by row position: another
    table, or the same spells in another order, would pair children with other children's
    results. The error names the function and the first row that differs, never an
    identifier.

    Parameters
    ----------
    spell_id : array_like
        The ``spell_id`` of the spells given (or their row positions when they have none).
    expected : array_like
        Those of the spells the results were made on, in that order.
    function : str
        The function the error names.
    done : str
        What was done on the spells (``"scored"``, ``"learned"``), as the error says it.

    Raises
    ------
    DesignError
        When the number of spells or a ``spell_id`` differs.

    Examples
    --------
    >>> check_same_spells([1, 2, 3], [1, 2, 3], function="f", done="scored")
    >>> check_same_spells([1, 3, 2], [1, 2, 3], function="f", done="scored")
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: f: the spells are not those the rules were scored on, \
in that order (spell_id differs from row 1); pass the spells they were scored on, in that order
    """
    ids, wanted = np.asarray(spell_id), np.asarray(expected)
    fix = f"pass the spells they were {done} on, in that order"
    if ids.shape != wanted.shape:
        raise DesignError(
            f"{function}: spells has {ids.size:,} rows but the rules were {done} on "
            f"{wanted.size:,} spells (spell_id differs); {fix}"
        )
    differs = np.flatnonzero(ids != wanted)
    if len(differs):
        raise DesignError(
            f"{function}: the spells are not those the rules were {done} on, in that order "
            f"(spell_id differs from row {int(differs[0])}); {fix}"
        )
