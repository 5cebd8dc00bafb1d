"""Sorted integer views of a case history, and vectorised look-ups on them.

Every date becomes a whole number of days since 1970-01-01. Episodes are sorted by
(child, start, kind, end and the coded columns), so every result is independent of the
row order of the input. Look-ups ("the first cp_plan starting on or after day d", "how
many referrals started before day d") are binary searches on one composite key
``child << 20 | (day - base)``: no per-child Python loop.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._sort_keys import pack_keys, stable_order
from escalation.data.codes import EPISODE_KINDS, POINT_KINDS
from escalation.data.history import CaseHistory
from escalation.errors import DataValidationError, Problem

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

#: Day value standing for "no such date" (an open end, no event).
NEVER: Final = np.int64(2**40)
_SHIFT: Final = 20
_TIE_COLUMNS: Final = ("reason", "source", "need", "category", "legal_status", "factors")
#: Stands for an open end when sorting: after the last day a datetime64[ns] can hold.
_LAST_DAY: Final = 106_752


def to_days(values: pd.Series | pd.Index) -> tuple[IntArray, BoolArray]:
    """Return whole days since 1970-01-01 and a mask of missing dates (set to ``NEVER``)."""
    # Dates already stored as dates (a validated history's) are read as they are:
    # pandas.to_datetime would look them over again (14 ms per 20,000 dates).
    if not pd.api.types.is_datetime64_dtype(values.dtype):
        values = pd.to_datetime(values)
    stamps = values.to_numpy(dtype="datetime64[ns]")
    missing = np.isnat(stamps)
    days = stamps.astype("datetime64[D]").astype(np.int64)
    days[missing] = NEVER
    return days, missing


def day_time(days: IntArray) -> npt.NDArray[np.float64]:
    """Map whole days after time zero to analysis time: day 0 becomes 0.5, day d > 0 stays d."""
    out = days.astype(np.float64)
    out[days == 0] = 0.5
    return out


@dataclass(frozen=True, eq=False)
class KindIndex:
    """Positions of one kind's episodes, sorted by (child, start), with their search keys."""

    positions: IntArray
    keys: IntArray
    child: IntArray
    start: IntArray
    end: IntArray


@dataclass(frozen=True, eq=False)
class Prepared:
    """A case history as sorted integer arrays.

    Attributes
    ----------
    children : pandas.DataFrame
        The children table sorted by ``child_id`` (row ``i`` is child code ``i``).
    table : pandas.DataFrame
        The episodes table as given (not copied).
    rows : ndarray
        Row position in ``table`` of each usable episode (known child and kind, a start
        date), in sorted order: episode ``i`` is ``table.iloc[rows[i]]``.
    """

    children: pd.DataFrame
    table: pd.DataFrame
    rows: IntArray
    birth: IntArray
    child: IntArray
    kind: IntArray
    start: IntArray
    end: IntArray
    open: BoolArray
    base: int
    extract_day: int
    unknown_child: int
    no_start: int
    unknown_kind: int
    _kinds: dict[str, KindIndex] = field(default_factory=dict, repr=False)

    def column(self, name: str, positions: IntArray) -> pd.Series:
        """Return one episode column at episode ``positions`` (missing where -1 or absent)."""
        n = len(positions)
        if name not in self.table.columns:
            return pd.Series(pd.NA, index=range(n), dtype="object")
        column = self.table[name]
        rows = self.rows[np.maximum(positions, 0)] if n else positions
        if isinstance(column.dtype, pd.api.extensions.ExtensionDtype):
            # Categorical, string, boolean...: row -1 takes a missing value.
            at = np.where(positions >= 0, rows, -1)
            return pd.Series(column.array.take(at, allow_fill=True), name=name)
        values = column.take(rows)
        values = values.reset_index(drop=True)
        return values.mask(pd.Series(positions < 0)) if n else values

    def key(self, child: IntArray, day: IntArray) -> IntArray:
        """Return search keys of (child, day) pairs; days are clipped into the key range."""
        span = np.int64((1 << _SHIFT) - 1)
        offset = np.clip(day - self.base, 0, span)
        return (child << _SHIFT) | offset

    def kind_index(self, kind: str) -> KindIndex:
        """Return (and cache) the sorted index of one episode kind."""
        if kind not in self._kinds:
            pos = np.flatnonzero(self.kind == EPISODE_KINDS.index(kind)).astype(np.int64)
            child, start = self.child[pos], self.start[pos]
            self._kinds[kind] = KindIndex(pos, self.key(child, start), child, start, self.end[pos])
        return self._kinds[kind]

    def first_from(
        self, kind: str, child: IntArray, day: IntArray, exclude: IntArray | None = None
    ) -> tuple[IntArray, IntArray]:
        """First episode of ``kind`` starting on or after ``day`` (skipping ``exclude``).

        Returns
        -------
        start : ndarray
            Its start day, ``NEVER`` when there is none.
        position : ndarray
            Its episode position, -1 when there is none.
        """
        index = self.kind_index(kind)
        n = len(index.positions)
        pos = np.searchsorted(index.keys, self.key(child, day), side="left")
        if exclude is not None:
            here = np.minimum(pos, max(n - 1, 0))
            is_self = (pos < n) & (index.positions[here] == exclude) if n else pos < 0
            pos = pos + is_self
        found = pos < n
        safe = np.minimum(pos, max(n - 1, 0))
        if n:
            found &= index.child[safe] == child
        start = np.where(found, index.start[safe] if n else NEVER, NEVER)
        position = np.where(found, index.positions[safe] if n else -1, -1)
        return start.astype(np.int64), position.astype(np.int64)

    def count_before(
        self, kind: str, child: IntArray, day: IntArray, *, inclusive: bool = False
    ) -> IntArray:
        """Count episodes of ``kind`` starting before ``day`` (or on it, if inclusive)."""
        index = self.kind_index(kind)
        side: Literal["left", "right"] = "right" if inclusive else "left"
        upto = np.searchsorted(index.keys, self.key(child, day), side=side)
        first = np.searchsorted(index.keys, child << _SHIFT, side="left")
        return (upto - first).astype(np.int64)

    def first_of_child(self, kind: str, child: IntArray) -> IntArray:
        """Start day of each child's first episode of ``kind`` (``NEVER`` if none)."""
        index = self.kind_index(kind)
        n = len(index.positions)
        if n == 0:
            return np.full(len(child), NEVER, dtype=np.int64)
        pos = np.searchsorted(index.keys, child << _SHIFT, side="left")
        safe = np.minimum(pos, n - 1)
        found = (pos < n) & (index.child[safe] == child)
        return np.where(found, index.start[safe], NEVER).astype(np.int64)

    def last_before(
        self, kind: str, child: IntArray, day: IntArray, *, inclusive: bool
    ) -> IntArray:
        """Position of the latest episode of ``kind`` starting before (or on) ``day``, or -1."""
        index = self.kind_index(kind)
        n = len(index.positions)
        if n == 0:
            return np.full(len(child), -1, dtype=np.int64)
        side: Literal["left", "right"] = "right" if inclusive else "left"
        pos = np.searchsorted(index.keys, self.key(child, day), side=side) - 1
        safe = np.clip(pos, 0, n - 1)
        found = (pos >= 0) & (index.child[safe] == child)
        return np.where(found, index.positions[safe], -1).astype(np.int64)

    def covering(self, kind: str, child: IntArray, day: IntArray) -> BoolArray:
        """Whether an episode of ``kind`` started before ``day`` and had not ended by it.

        An episode ending on ``day`` itself does not cover it; an open episode does. A
        point event (``s47``, ``death``, ...: :data:`~escalation.data.codes.POINT_KINDS`)
        covers no day: it has no end date because it has no length, not because it is
        still under way.
        """
        index = self.kind_index(kind)
        n = len(index.positions)
        if n == 0 or kind in POINT_KINDS:
            return np.zeros(len(child), dtype=bool)
        running = _running_max_end(index.child, index.end)
        pos = np.searchsorted(index.keys, self.key(child, day), side="left") - 1
        safe = np.clip(pos, 0, n - 1)
        found = (pos >= 0) & (index.child[safe] == child)
        covered: BoolArray = found & (running[safe] > day)
        return covered


def _running_max_end(child: IntArray, end: IntArray) -> IntArray:
    """Latest end so far within each child's episodes (sorted by child): a cumulative max.

    Each end (``NEVER`` after every real day) becomes an 18-bit offset below the child's
    number, so one running maximum over all rows restarts at every child.
    """
    low = -(1 << 17)  # before the first day a datetime64[ns] can hold
    offset = np.where(end >= NEVER, _LAST_DAY, end) - low
    most = np.maximum.accumulate((child << 18) | offset) & ((1 << 18) - 1)
    out: IntArray = np.where(most == _LAST_DAY - low, NEVER, most + low)
    return out


def prepare(history: CaseHistory) -> Prepared:
    """Sort and encode a case history for the timeline builder."""
    children = history.children.sort_values("child_id", kind="stable").reset_index(drop=True)
    ids = pd.Index(children["child_id"].astype("string"))
    if not ids.is_unique:
        problem = Problem(
            "children", None, "child_id", None, "child_id is not unique; validate the history"
        )
        raise DataValidationError([problem], "case history")
    episodes = history.episodes
    child = ids.get_indexer(pd.Index(episodes["child_id"].astype("string"))).astype(np.int64)
    start, no_start = to_days(episodes["start"])
    end, is_open = to_days(episodes["end"])
    kind = _kind_codes(episodes["kind"])
    usable = (child >= 0) & ~no_start & (kind >= 0)
    unknown_child = int(np.sum(child < 0))
    birth, _ = to_days(children["birth_date"])
    extract_day = int(to_days(pd.Series([history.extract_date]))[0][0])
    real = np.concatenate([birth[birth != NEVER], start[usable], [extract_day]])
    base = int(real.min()) - 1
    if int(real.max()) - base >= (1 << _SHIFT):
        raise ValueError("dates span more than 2,800 years; check the date columns")
    # Sort the usable episodes by (child, start, kind, end, tie columns), packing
    # neighbouring keys into one integer where they fit.
    kept = np.flatnonzero(usable).astype(np.int64)
    last = end[kept]
    last = np.where(last == NEVER, _LAST_DAY, last)  # open ends after every real day
    columns = [child[kept], start[kept] - base, kind[kept], last]
    ties = [c for c in _TIE_COLUMNS if c in episodes.columns]
    # The factors text (slow to encode in order) is read only when everything else ties.
    first = [c for c in ties if c != "factors"]
    keys = pack_keys([*columns, *(_codes(episodes[c])[kept] + 1 for c in first)])
    order = stable_order(keys)
    if len(first) < len(ties) and _any_ties(keys, order):
        keys = pack_keys([*columns, *(_codes(episodes[c])[kept] + 1 for c in ties)])
        order = stable_order(keys)
    order = kept[order]
    return Prepared(
        children=children,
        table=episodes,
        rows=order,
        birth=birth,
        child=child[order],
        kind=kind[order],
        start=start[order],
        end=end[order],
        open=is_open[order],
        base=base,
        extract_day=extract_day,
        unknown_child=unknown_child,
        no_start=int(np.sum(no_start & (child >= 0))),
        unknown_kind=int(np.sum((kind < 0) & ~no_start & (child >= 0))),
    )


def _kind_codes(kinds: pd.Series) -> IntArray:
    """Return the position of each episode's kind in ``EPISODE_KINDS`` (-1: unknown)."""
    dtype = kinds.dtype
    if isinstance(dtype, pd.CategoricalDtype) and list(dtype.categories) == list(EPISODE_KINDS):
        return np.asarray(kinds.cat.codes, dtype=np.int64)
    codes = pd.Categorical(kinds.astype("string"), categories=list(EPISODE_KINDS)).codes
    return np.asarray(codes, dtype=np.int64)


def _any_ties(keys: list[IntArray], order: IntArray) -> bool:
    """Whether two rows have equal ``keys`` (``order`` sorts them)."""
    same = np.ones(max(len(order) - 1, 0), dtype=bool)
    for key in keys:
        ranked = key[order]
        same &= ranked[1:] == ranked[:-1]
    return bool(same.any())


def _codes(values: pd.Series) -> IntArray:
    """Return sortable integer codes of a column (missing values first)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        return np.asarray(values.cat.codes, dtype=np.int64)
    codes, _ = pd.factorize(values.astype("string"), sort=True, use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)
