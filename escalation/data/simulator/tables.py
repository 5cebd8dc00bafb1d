"""From integer-coded pathway rows to the contract's children and episodes tables."""

from __future__ import annotations

import threading

import numpy as np
import numpy.typing as npt
import pandas as pd
from pandas.api.extensions import ExtensionArray

from escalation._sort_keys import pack_keys, stable_order
from escalation.data.history import CODE_DTYPES
from escalation.data.simulator.pathway import (
    CATEGORIES,
    FACTOR_CODES,
    KINDS,
    LEGAL,
    NEEDS,
    NEVER,
    REASONS,
    SOURCES,
    Pathway,
)
from escalation.data.simulator.population import ETHNICITY_SHARES, Population, day_of

__all__ = ["child_ids", "children_table", "episodes_table", "factor_text", "truncate"]

IntArray = npt.NDArray[np.int64]
#: Whether each episode kind is a point event (no end), by kind code.
_IS_POINT = np.isin(KINDS, ("s47", "icpc", "moved_out", "death"))
_REFERRAL = KINDS.index("referral")


#: Identifier texts already made, as string arrays, by (prefix, width, string dtype):
#: repeated simulations (Monte Carlo studies of one size) reuse them. At most
#: ``_KEEP_NUMBERED`` texts in all are kept (about 14 MB at 200,000 texts such as
#: ``LA01-C0000001``), those made last; simulations in several threads share them under
#: ``_NUMBERED_LOCK``.
_NUMBERED: dict[tuple[str, int, pd.StringDtype], ExtensionArray] = {}
_KEEP_NUMBERED = 200_000
_NUMBERED_LOCK = threading.Lock()


def _numbered(prefix: str, width: int, count: int) -> ExtensionArray:
    """Return a string array ``{prefix}{i:0{width}d}`` for i = 1..count (a new array).

    The texts are made and checked as strings once, then copied for each call.
    """
    key = (prefix, width, pd.StringDtype())  # the default string storage, followed
    with _NUMBERED_LOCK:
        known = _NUMBERED.get(key)
        if known is None or len(known) < count:
            texts = np.empty(count, dtype=object)
            texts[:] = [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]
            known = pd.array(texts, dtype="string")
            _NUMBERED.pop(key, None)
            _NUMBERED[key] = known
            while sum(len(kept) for kept in _NUMBERED.values()) > _KEEP_NUMBERED:
                del _NUMBERED[next(iter(_NUMBERED))]  # the least recently made go first
    return known[:count].copy()


def child_ids(n: int, prefix: str = "") -> ExtensionArray:
    """Return identifiers ``C0000001``, ... (zero-padded to 7 digits or more).

    A pandas string array: the tables take their identifiers from it by position
    (``ids.take(child)``), so each text is made and checked once. ``prefix`` comes
    first (``LA01-C0000001``).
    """
    return _numbered(f"{prefix}C", max(7, len(str(n))), n)


#: The contract's category code of each simulator code, by (labels, column); the last
#: entry is -1 (missing), so that code -1 gathers it.
_LOOKUPS: dict[tuple[tuple[str, ...], str], IntArray] = {}


def _lookup(labels: tuple[str, ...], column: str) -> IntArray:
    """Return the contract's category codes of ``labels`` followed by -1 (made once)."""
    key = (labels, column)
    if key not in _LOOKUPS:
        categories = CODE_DTYPES[column].categories
        codes = [categories.get_loc(c) for c in labels]
        _LOOKUPS[key] = np.array([*codes, -1], dtype=np.int64)
    return _LOOKUPS[key]


def _categorical(codes: IntArray, labels: tuple[str, ...], column: str) -> pd.Categorical:
    """Return the contract's categorical of simulator codes (``labels`` positions, -1 none).

    The codes are gathered from a lookup made once and are valid by construction, so
    pandas does not check them again.
    """
    mapped = _lookup(labels, column)[codes]
    return pd.Categorical.from_codes(mapped, dtype=CODE_DTYPES[column], validate=False)


def _dates(days: IntArray) -> npt.NDArray[np.datetime64]:
    out = np.where(days == NEVER, np.iinfo(np.int64).min, days * 86_400 * 10**9)
    return out.astype("datetime64[ns]")


def children_table(pop: Population, ids: ExtensionArray, prefix: str = "") -> pd.DataFrame:
    """Return the children table in normal form (plus ``imd_decile``).

    Family identifiers start with ``prefix`` (as the children's in ``ids``).
    """
    width = max(6, len(str(int(pop.family.max(initial=0)) + 1)))
    fam_ids = _numbered(f"{prefix}F", width, int(pop.family.max(initial=-1)) + 1)
    return pd.DataFrame(
        {
            "child_id": ids.copy(),
            "birth_date": _dates(pop.birth),
            "sex": _categorical(pop.sex, ("F", "M", "U"), "sex"),
            "ethnicity": _categorical(pop.ethnicity, tuple(ETHNICITY_SHARES), "ethnicity"),
            "disability": pd.array(pop.disability, dtype="boolean"),
            "family_id": fam_ids.take(pop.family),
            "imd_decile": pop.imd.astype(np.int64),
        }
    )


def truncate(pathway: Pathway, pop: Population, extract_date: str) -> dict[str, IntArray]:
    """Apply turning 18, moving out, death and the extract date to the pathway rows.

    Episodes starting after the child leaves (18th birthday, moving out, death) or after
    the extract date are dropped; episodes running past it end there (referrals with
    closure reason RC6, RC5 or RC2) or, at the extract date, stay open. Moving out and
    death are added as point events.
    """
    rows = dict(pathway.rows)
    extract = day_of(extract_date)
    child = rows["child"]
    b18 = pop.birthday18[child]
    moved, death = pop.moved_out[child], pop.death[child]
    leave = np.minimum(np.minimum(moved, death), b18)
    leave_reason = np.where(
        b18 <= np.minimum(moved, death),
        REASONS.index("RC6"),
        np.where(death <= moved, REASONS.index("RC2"), REASONS.index("RC5")),
    )
    start, end = rows["start"], rows["end"]
    is_point = _IS_POINT[rows["kind"]]
    keep = (start < b18) & (start <= np.minimum(moved, death)) & (start <= extract)
    cut = ~is_point & (end > leave) & (leave <= extract)
    end = np.where(cut, leave, end)
    reason = np.where(cut & (rows["kind"] == _REFERRAL), leave_reason, rows["reason"])
    open_ = ~is_point & (end > extract)
    end = np.where(open_, NEVER, end)
    reason = np.where(open_ & (rows["kind"] == _REFERRAL), -1, reason)
    end = np.where(is_point, NEVER, end)
    rows["end"], rows["reason"] = end, reason
    kept = np.flatnonzero(keep)
    # Point events: moving out and death (only while under 18 and by the extract date).
    n = len(pop.birth)
    kids = np.arange(n, dtype=np.int64)
    dies = (pop.death <= extract) & (pop.death < pop.birthday18) & (pop.death <= pop.moved_out)
    moves = (
        (pop.moved_out <= extract) & (pop.moved_out < pop.birthday18) & (pop.moved_out < pop.death)
    )
    extra = {
        "kind": np.concatenate(
            [
                np.full(dies.sum(), KINDS.index("death")),
                np.full(moves.sum(), KINDS.index("moved_out")),
            ]
        ),
        "child": np.concatenate([kids[dies], kids[moves]]),
        "start": np.concatenate([pop.death[dies], pop.moved_out[moves]]),
    }
    m = len(extra["child"])
    for k in rows:
        if k not in extra:
            extra[k] = np.full(m, NEVER if k == "end" else -1, dtype=np.int64)
    # The kept rows, then the point events, sorted: one gather per column.
    take = np.concatenate([kept, len(keep) + np.arange(m)])
    child, start, kind = (
        np.concatenate([rows[k][kept], extra[k]]) for k in ("child", "start", "kind")
    )
    order = take[stable_order(pack_keys([child, start, kind]))]
    return {
        k: np.concatenate([v, extra[k]]).astype(np.int64, copy=False)[order]
        for k, v in rows.items()
    }


#: Factor bits per label table: a mask's label joins those of its two halves.
_HALF = 10


def _half_labels(low: int) -> list[str]:
    """Codes joined by ``;`` of every mask of the ``_HALF`` factor bits from bit ``low``."""
    codes = FACTOR_CODES[low : low + _HALF]
    return [";".join(c for i, c in enumerate(codes) if mask >> i & 1) for mask in range(1 << _HALF)]


_LOW_LABELS = _half_labels(0)
_HIGH_LABELS = _half_labels(_HALF)
_LOW_TEXT = np.array(_LOW_LABELS, dtype=object)
_HIGH_TEXT = np.array(_HIGH_LABELS, dtype=object)
_LOW_ANY = np.array([bool(label) for label in _LOW_LABELS])
_HIGH_ANY = np.array([bool(label) for label in _HIGH_LABELS])


def _mask_labels(masks: IntArray) -> npt.NDArray[np.object_]:
    """Return the codes of each factor mask joined by ``;`` (None for -1).

    A mask's label joins those of its two halves, gathered from the label tables.
    """
    low_bits = np.where(masks < 0, 0, masks) & ((1 << _HALF) - 1)
    high_bits = np.where(masks < 0, 0, masks) >> _HALF
    low, high = _LOW_TEXT[low_bits], _HIGH_TEXT[high_bits]
    both = _LOW_ANY[low_bits] & _HIGH_ANY[high_bits]
    labels: npt.NDArray[np.object_] = np.where(_LOW_ANY[low_bits], low, high)
    labels[both] = low[both] + ";" + high[both]
    labels[masks < 0] = None
    return labels


def factor_text(masks: IntArray) -> pd.Series:
    """Factor masks as codes joined by ``;`` (``<NA>`` for -1), vectorised by unique mask."""
    inverse, uniques = pd.factorize(np.asarray(masks, dtype=np.int64))
    labels = _mask_labels(np.asarray(uniques, dtype=np.int64))
    # Converted to strings once per distinct mask, then gathered (no per-row conversion).
    return pd.Series(pd.array(labels, dtype="string").take(inverse))


def episodes_table(rows: dict[str, IntArray], ids: ExtensionArray) -> pd.DataFrame:
    """Return the episodes table in normal form."""
    return pd.DataFrame(
        {
            "child_id": ids.take(rows["child"]),
            "kind": _categorical(rows["kind"], KINDS, "kind"),
            "start": _dates(rows["start"]),
            "end": _dates(rows["end"]),
            "source": _categorical(rows["source"], SOURCES, "source"),
            "need": _categorical(rows["need"], NEEDS, "need"),
            "factors": factor_text(rows["factors"]),
            "category": _categorical(rows["category"], CATEGORIES, "category"),
            "reason": _categorical(rows["reason"], REASONS, "reason"),
            "legal_status": _categorical(rows["legal"], LEGAL, "legal_status"),
        }
    )
