"""Validation of a case history against the data contract and the DfE code lists.

Every rule is vectorised: a rule yields a boolean mask of offending rows and a reason,
and the checker turns each offending row into a :class:`~escalation.errors.Problem`.
Strict validation raises one :class:`~escalation.errors.DataValidationError` listing every
problem; lenient validation removes offending rows (and, with an excluded child, the
child's episodes and notes) and lists each one in ``history.exclusions``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import pandas as pd

from escalation.data.codes import (
    ASSESSMENT_FACTORS,
    CLOSURE_REASONS,
    CODED_KINDS,
    CP_CATEGORIES,
    EPISODE_KINDS,
    ETHNICITIES,
    INTERVAL_KINDS,
    LEGAL_STATUSES,
    POINT_KINDS,
    PREBIRTH_DAYS,
    PRIMARY_NEEDS,
    REFERRAL_SOURCES,
    SEXES,
)
from escalation.data.history import (
    CHILDREN_COLUMNS,
    EPISODE_COLUMNS,
    NOTE_COLUMNS,
    RECOGNISED_CHILD_COLUMNS,
    CaseHistory,
    ExclusionReport,
    empty_notes,
)
from escalation.errors import DataValidationError, Problem

__all__ = ["parse_bools", "parse_dates", "validate_case_history"]

#: Accepted written forms of dates, tried in order (ISO first; UK day-first next).
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m",
    "%m/%Y",
)
_CHILD_EXCLUDED = "the child was excluded (see the children table)"
#: First and last whole days pandas can hold at nanosecond precision (seconds since 1970).
_FIRST_SECOND = int((dt.datetime(1677, 9, 22) - dt.datetime(1970, 1, 1)).total_seconds())
_LAST_SECOND = int((dt.datetime(2262, 4, 11) - dt.datetime(1970, 1, 1)).total_seconds())
_TRUE = frozenset({"true", "t", "yes", "y", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "0"})

_EPISODE_CODE_LISTS: Mapping[str, Mapping[str, str]] = {
    "source": REFERRAL_SOURCES,
    "need": PRIMARY_NEEDS,
    "category": CP_CATEGORIES,
    "reason": CLOSURE_REASONS,
    "legal_status": LEGAL_STATUSES,
}


def parse_dates(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates to day precision.

    Accepts datetimes, ``datetime.date`` objects and text in ISO 8601 (``2024-03-31``),
    UK day-first (``31/03/2024``) or month-only form (``2024-03``, read as the 1st).

    Parameters
    ----------
    values : pandas.Series
        The raw column.

    Returns
    -------
    parsed : pandas.Series
        ``datetime64[ns]`` values normalised to midnight; ``NaT`` where empty or invalid.
    invalid : pandas.Series of bool
        True where a non-empty value could not be read as a real calendar date.
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = pd.Series(values, copy=False)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        parsed = parsed.dt.normalize().astype("datetime64[ns]")
        return parsed, pd.Series(False, index=values.index)
    fast = _iso_dates(values)
    if fast is not None:
        return fast, pd.Series(False, index=values.index, dtype="boolean")
    text = values.astype("string").str.strip()
    empty = text.isna() | (text == "")
    parsed = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    for fmt in DATE_FORMATS:
        todo = parsed.isna() & ~empty
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    todo = parsed.isna() & ~empty
    if todo.any() and values.dtype == object:  # date objects read from Parquet
        objects = values[todo]
        is_date = objects.map(lambda v: hasattr(v, "year") and hasattr(v, "month"))
        if is_date.any():
            parsed[objects.index[is_date]] = pd.to_datetime(objects[is_date], errors="coerce")
    parsed = parsed.dt.normalize()
    return parsed, parsed.isna() & ~empty


def _iso_dates(values: pd.Series) -> pd.Series | None:
    """Parse a text column in one vectorised pass when every value is a plain ISO date.

    Returns ``None`` (the general parser then runs) unless every present value is text of
    the exact form ``YYYY-MM-DD`` naming a real day within pandas' date range (pyarrow parses
    them; a day that does not exist, which pyarrow would roll into the next month, sends the
    column to the general parser). That is exactly the set the general parser accepts with its
    first format, so the result is the same.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values.dtype, pd.ArrowDtype) and values.dtype.pyarrow_dtype == pa.string():
        text = pa.array(values.array)  # Arrow text from the CSV reader
    elif values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        try:
            text = pa.array(values.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            return None  # not all text (e.g. date objects from Parquet)
    else:
        return None
    parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
    if parsed.null_count != text.null_count:
        return None
    if len(parsed) > parsed.null_count:
        if not pc.all(pc.match_substring_regex(text, r"^\d{4}-\d{2}-\d{2}$")).as_py():
            return None  # not zero-padded YYYY-MM-DD
        written_day = pc.cast(pc.utf8_slice_codeunits(text, 8, 10), pa.int64())
        if not pc.all(pc.equal(written_day, pc.day(parsed))).as_py():
            return None  # an impossible day (31 April) that pyarrow rolled over
        seconds = pc.min_max(parsed.cast(pa.int64()))
        if seconds["min"].as_py() < _FIRST_SECOND or seconds["max"].as_py() > _LAST_SECOND:
            return None  # outside the days pandas can hold
    days = parsed.cast(pa.timestamp("ns")).to_numpy(zero_copy_only=False)
    return pd.Series(days, index=values.index, dtype="datetime64[ns]")


def parse_bools(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of yes/no values (``true/false``, ``yes/no``, ``1/0``, ``t/f``).

    Returns
    -------
    parsed : pandas.Series
        Nullable ``boolean`` values (``<NA>`` where empty or invalid).
    invalid : pandas.Series of bool
        True where a non-empty value is not a recognised yes/no.
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean"), pd.Series(False, index=values.index)
    text = values.astype("string").str.strip().str.lower()
    parsed = pd.Series(pd.NA, index=values.index, dtype="boolean")
    parsed[text.isin(_TRUE).fillna(False)] = True
    parsed[text.isin(_FALSE).fillna(False)] = False
    empty = text.isna() | (text == "")
    return parsed, parsed.isna() & ~empty


#: What lenient reading does with a row that breaks a hard rule, by table.
_EXCLUDED: Final = {
    "children": "child excluded",
    "episodes": "episode excluded",
    "notes": "note excluded",
}
_WINDOW = pd.Timedelta(days=PREBIRTH_DAYS)
_NESTED = (list, tuple, dict, set, np.ndarray)


@dataclass
class _Checker:
    """Collects the problems of one table, row by row, from vectorised rules.

    A hard rule (:meth:`flag`) excludes the row under lenient reading; a soft rule
    (:meth:`soft`) drops only the offending value and keeps the row.
    """

    table: str
    frame: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bad = np.zeros(len(self.frame), dtype=bool)

    def flag(
        self,
        mask: pd.Series | np.ndarray,
        column: str | None,
        reason: str,
        *,
        show: bool = True,
        action: str | None = None,
    ) -> None:
        """Record a problem for every row where ``mask`` is true; those rows are excluded."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if positions.size == 0:
            return
        self.bad[positions] = True
        self._record(positions, column, reason, show, action or _EXCLUDED[self.table])

    def soft(self, mask: pd.Series | np.ndarray, column: str, reason: str) -> None:
        """Record a problem for every row where ``mask`` is true; only the value is dropped."""
        positions = np.flatnonzero(np.asarray(mask, dtype=bool))
        if positions.size:
            self._record(positions, column, reason, True, "value dropped")

    def _record(
        self, positions: np.ndarray, column: str | None, reason: str, show: bool, action: str
    ) -> None:
        raw = self.frame[column].to_numpy() if show and column in self.frame else None
        for pos in positions:
            value = None if raw is None else _plain(raw[pos])
            self.problems.append(Problem(self.table, int(pos), column, value, reason, action))

    def require_columns(self, spec: Mapping[str, bool]) -> list[Problem]:
        """Return table-level problems for required columns that are absent."""
        return [
            Problem(self.table, None, column, None, "required column is missing")
            for column, required in spec.items()
            if required and column not in self.frame
        ]

    def check_cells(self) -> list[Problem]:
        """Flag values holding a NUL byte; return table-level problems for unusable columns.

        A NUL byte (character 0) cuts a value short in most software, so ``C0000001``
        followed by a NUL and more characters would otherwise pass as ``C0000001``. A
        column of lists or records (a Parquet list or struct column) holds no single value
        per cell and cannot be read at all.
        """
        out: list[Problem] = []
        for column in self.frame.columns:
            values = self.frame[column]
            # Text columns: object, pandas strings, or Arrow text (the CSV reader's).
            if values.dtype != object and not pd.api.types.is_string_dtype(values.dtype):
                continue
            kind = pd.api.types.infer_dtype(values, skipna=True)
            if kind not in ("string", "empty"):
                nested = values.map(lambda v: isinstance(v, _NESTED)).to_numpy(dtype=bool)
                if nested.any():
                    reason = (
                        "holds lists or records (a Parquet list or struct column); each cell "
                        "must hold a single value"
                    )
                    out.append(Problem(self.table, None, str(column), None, reason))
                    continue
            if kind == "bytes":
                out.append(Problem(self.table, None, str(column), None, "holds bytes, not text"))
                continue
            self.flag(
                _has_nul(values, kind),
                str(column),
                "holds a NUL byte (character 0), which would cut the value short; the "
                "file is damaged or was not exported as text",
                show=False,
            )
        return out

    def check_codes(self, column: str, allowed: Mapping[str, str], what: str) -> pd.Series:
        """Drop values outside a code list; return the column as a categorical of the list."""
        codes, text = _distinct_text(self.frame[column])
        unknown = text.notna() & ~text.isin(list(allowed))
        self.soft(unknown.to_numpy()[codes], column, f"unknown {what} code (see the DfE code list)")
        dtype = pd.CategoricalDtype(list(allowed))
        lookup = dtype.categories.get_indexer(pd.Index(text.where(~unknown).fillna("\0")))
        return pd.Series(pd.Categorical.from_codes(lookup[codes], dtype=dtype))

    def check_dates(
        self,
        column: str,
        required: bool,
        extract_date: pd.Timestamp,
        *,
        latest: pd.Timestamp | None = None,
        soft: bool = False,
    ) -> pd.Series:
        """Parse a date column, flagging invalid, missing and too-late values.

        ``latest`` is the last allowed date (default: the extract date); with ``soft``
        an invalid or too-late value is dropped rather than its row excluded.
        """
        parsed, invalid = parse_dates(self.frame[column])
        rule = self.soft if soft else self.flag
        rule(invalid, column, "not a valid date (use YYYY-MM-DD)")
        if required:
            self.flag(parsed.isna() & ~invalid, column, "required date is empty")
        if latest is None:
            rule(
                parsed > extract_date,
                column,
                f"date is after the extract date {extract_date.date().isoformat()}",
            )
        else:
            rule(
                parsed > latest,
                column,
                f"date is more than {PREBIRTH_DAYS} days (40 weeks) after the extract date "
                f"{extract_date.date().isoformat()}: not even an unborn child's expected "
                "birth date lies so far ahead",
            )
        if not soft:
            return parsed
        limit = extract_date if latest is None else latest
        return parsed.where(~invalid & ~(parsed > limit))


def _has_nul(values: pd.Series, kind: str) -> np.ndarray:
    """Return True where a text value holds a NUL byte.

    Arrow text is searched in Arrow. Otherwise one joined string is searched first (fast,
    and nearly always NUL-free); only when it holds a NUL are the rows found one by one.
    """
    if isinstance(values.dtype, pd.ArrowDtype):
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_string(values.dtype.pyarrow_dtype) or pa.types.is_large_string(
            values.dtype.pyarrow_dtype
        ):
            # Arrow text (the CSV reader's): searched where it is, no Python strings made.
            found = pc.fill_null(pc.match_substring(values.array.__arrow_array__(), "\x00"), False)
            return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)
    text = values if kind in ("string", "empty") else values.where(values.map(_is_text))
    present = text.dropna()
    if "\x00" not in "".join(present.astype(str).tolist()):
        return np.zeros(len(values), dtype=bool)
    found = text.astype("string").str.contains("\x00", regex=False)
    return found.fillna(False).to_numpy(dtype=bool)


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def _plain(value: object) -> object:
    """Return a plain Python value for a problem report (no pandas NA objects)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _distinct_text(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Factorise a column and return (codes, distinct values as stripped text).

    Work on distinct values only: coded columns have few of them, so this is fast.
    The last entry of the distinct values is always missing; missing input maps to it.
    """
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    text = pd.Series(np.asarray(uniques, dtype=object)).astype("string").str.strip()
    text = pd.concat([text.where(text != ""), pd.Series([pd.NA], dtype="string")])
    return np.where(codes < 0, len(text) - 1, codes), text.reset_index(drop=True)


def _expand(distinct: pd.Series, codes: np.ndarray) -> pd.Series:
    """Map factorised codes back to a full column of distinct values."""
    return pd.Series(distinct.to_numpy()[codes], dtype=distinct.dtype)


def _as_text(values: pd.Series) -> pd.Series:
    """Return values as stripped strings, with empty strings as missing."""
    codes, text = _distinct_text(values)
    return _expand(text, codes)


def validate_case_history(
    history: CaseHistory, *, lenient: bool = False, context: str = "case history"
) -> CaseHistory:
    """Check a case history against the data contract and return it in normal form.

    Parameters
    ----------
    history : CaseHistory
        Tables as read or constructed; values may still be text.
    lenient : bool, default False
        If False, any problem raises one :class:`~escalation.errors.DataValidationError`
        listing every problem. If True, bad optional values are dropped, rows that cannot
        stand are removed (with an excluded child go its episodes and notes) and each
        problem is listed in ``result.exclusions`` with what was done. Table-level problems
        (a missing required column, an empty ``children`` or ``episodes`` table, a column
        of lists) raise in both modes, since no row can be kept.
    context : str, default "case history"
        What is being validated, used in messages (e.g. a folder name).

    Returns
    -------
    CaseHistory
        The history with normal column types: identifiers as ``string``, dates as
        ``datetime64[ns]``, codes as categoricals of the DfE code lists, ``disability``
        as nullable ``boolean``; extra columns are kept unchanged.

    Raises
    ------
    DataValidationError
        When the data break the contract (strict mode) or cannot be read at all.

    Notes
    -----
    Rules applied: required columns present and tables not empty; no value holding a NUL
    byte and no column of lists or records; note text stored as text; unique, non-empty
    ``child_id``; valid dates, none after the extract date (a birth date up to 40 weeks
    after it: a child unborn then) and no episode or note more than 280 days (40 weeks)
    before the child's birth or expected birth date; ``end`` never before ``start``;
    known episode kinds and codes (referral source, primary need, assessment factors, CP
    category, closure reason, legal status, sex, ethnicity), each code only on the kinds
    it belongs to (:data:`~escalation.data.codes.CODED_KINDS`); point events (``contact``,
    ``s47``, ``icpc``, ``moved_out``, ``death``) without a different end date (an end equal
    to the start is normalised to empty); every episode and note for a known child; at
    most one death per child and no episode starting after it; no two episodes of the
    same interval kind overlapping for a child (open episodes run to the extract date);
    when the children table has an ``la`` column (several local authorities), every child
    has one (kept as text), and ``child_id`` stays unique across authorities.

    Lenient reading drops a bad optional value and keeps its row (``action`` "value
    dropped": an unknown or misplaced code, a yes/no that is neither, an end on a point
    event); it excludes a row only when the row itself cannot stand.

    Examples
    --------
    >>> import pandas as pd
    >>> from escalation import CaseHistory, validate_case_history
    >>> children = pd.DataFrame({"child_id": ["a"], "birth_date": ["2015-06-01"]})
    >>> episodes = pd.DataFrame(
    ...     {"child_id": ["a"], "kind": ["referral"], "start": ["2020-01-01"], "end": [""]}
    ... )
    >>> valid = validate_case_history(CaseHistory(children, episodes, extract_date="2024-03-31"))
    >>> valid.episodes["start"].dt.year.tolist()
    [2020]
    """
    extract_date = history.extract_date
    kids = _Checker("children", history.children.reset_index(drop=True))
    eps = _Checker("episodes", history.episodes.reset_index(drop=True))
    notes_frame = history.notes if history.notes is not None else empty_notes()
    notes = _Checker("notes", notes_frame.reset_index(drop=True))

    structural = kids.require_columns(CHILDREN_COLUMNS) + eps.require_columns(EPISODE_COLUMNS)
    if len(notes.frame.columns) > 0:
        structural += notes.require_columns(NOTE_COLUMNS)
    for checker in (kids, eps):
        if checker.frame.empty:
            structural.append(Problem(checker.table, None, None, None, "table has no rows"))
    for checker in (kids, eps, notes):
        structural += checker.check_cells()
    if "text" in notes.frame and not notes.frame.empty:
        structural += _text_column(notes.frame["text"])
    if structural:
        raise DataValidationError(structural, context)
    for checker, spec in ((kids, CHILDREN_COLUMNS), (eps, EPISODE_COLUMNS), (notes, NOTE_COLUMNS)):
        checker.frame = _with_all_columns(checker.frame, spec)

    children = _check_children(kids, extract_date)
    valid_children = children.loc[~kids.bad, ["child_id", "birth_date", "_earliest"]]
    excluded_ids = pd.Index(children.loc[kids.bad, "child_id"].dropna().unique())
    episodes = _check_episodes(eps, valid_children, excluded_ids, extract_date)
    notes_out = _check_notes(notes, valid_children, excluded_ids, extract_date)

    problems = kids.problems + eps.problems + notes.problems
    if problems and not lenient:
        root_causes = [replace(p, action=None) for p in problems if p.reason != _CHILD_EXCLUDED]
        raise DataValidationError(root_causes, context)
    report = ExclusionReport(tuple(problems))
    return replace(
        history,
        children=children.loc[~kids.bad].drop(columns="_earliest").reset_index(drop=True),
        episodes=episodes.loc[~eps.bad].reset_index(drop=True),
        notes=notes_out.loc[~notes.bad].reset_index(drop=True),
        exclusions=history.exclusions + report,
    )


#: Optional contract columns outside the required/optional spec that stay text (codes
#: such as a local authority number "318" are names, not quantities).
_TEXT_EXTRAS: Final = frozenset({"la"})


def _text_column(values: pd.Series) -> list[Problem]:
    """Note text must be text: a column of numbers (say from Parquet) is refused."""
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        reason = (
            f"note text is stored as {values.dtype} numbers, not text; write the notes' "
            "text column as text (string)"
        )
        return [Problem("notes", None, "text", None, reason)]
    return []


def _with_all_columns(frame: pd.DataFrame, spec: Mapping[str, bool]) -> pd.DataFrame:
    """Add absent optional contract columns (all missing), contract columns first.

    Extra columns read as untyped text (CSV has no types) become numbers when every value
    is one, so a model treats ``imd_decile`` the same whether it came from CSV or Parquet;
    codes with leading zeros ("0123") stay text, as do columns typed as ``string``.
    """
    frame = frame.reset_index(drop=True)
    missing = {c: pd.Series(pd.NA, index=frame.index, dtype=object) for c in spec if c not in frame}
    frame = frame.assign(**missing)
    for column in frame.columns:
        if column in _TEXT_EXTRAS:
            continue
        if column not in spec and frame[column].dtype == object:
            frame[column] = _numeric_if_all_numbers(frame[column])
    return frame[list(spec) + [c for c in frame.columns if c not in spec]]


def _numeric_if_all_numbers(values: pd.Series) -> pd.Series:
    """Return ``values`` as numbers if every non-missing value is one, else unchanged."""
    present = pd.Series(values.dropna().unique())  # the checks need distinct values only
    if present.empty or not all(isinstance(v, str) for v in present):
        return values
    text = present.str.strip()
    if text.str.match(r"^[+-]?0\d").any():
        return values
    try:
        numbers = pd.to_numeric(values.astype(object).where(values.notna(), None))
    except (ValueError, TypeError):
        return values
    return numbers


def _check_children(kids: _Checker, extract_date: pd.Timestamp) -> pd.DataFrame:
    frame = kids.frame.copy()
    ids = _as_text(frame["child_id"])
    kids.flag(ids.isna(), "child_id", "child_id is empty")
    kids.flag(ids.duplicated(keep=False) & ids.notna(), "child_id", "child_id is not unique")
    frame["child_id"] = ids
    # An unborn child's (expected) birth date may lie up to 40 weeks after the extract date.
    latest = extract_date + _WINDOW
    frame["birth_date"] = kids.check_dates("birth_date", True, extract_date, latest=latest)
    earliest = frame["birth_date"]
    for column in RECOGNISED_CHILD_COLUMNS:
        if column in frame:
            frame[column] = kids.check_dates(column, False, extract_date, latest=latest, soft=True)
            earliest = earliest.where(~(frame[column] < earliest), frame[column])
    # Records may begin up to 40 weeks before the birth date or, for a child born after
    # the expected date, before the expected birth date.
    frame["_earliest"] = earliest - _WINDOW
    frame["sex"] = kids.check_codes("sex", SEXES, "sex")
    frame["ethnicity"] = kids.check_codes("ethnicity", ETHNICITIES, "ethnicity")
    parsed, invalid = parse_bools(frame["disability"])
    kids.soft(invalid, "disability", "not a yes/no value (use true or false)")
    frame["disability"] = parsed
    frame["family_id"] = _as_text(frame["family_id"])
    if "la" in frame.columns:
        # Several local authorities in one dataset: each child needs its authority.
        la = _as_text(frame["la"])
        kids.flag(la.isna(), "la", "la (local authority) is empty; give every child's authority")
        frame["la"] = la
    return frame


def _check_episodes(
    eps: _Checker,
    children: pd.DataFrame,
    excluded_ids: pd.Index,
    extract_date: pd.Timestamp,
) -> pd.DataFrame:
    frame = eps.frame.copy()
    ids = _as_text(frame["child_id"])
    frame["child_id"] = ids
    eps.flag(ids.isna(), "child_id", "child_id is empty")
    excluded = ids.isin(excluded_ids).fillna(False)
    eps.flag(excluded, "child_id", _CHILD_EXCLUDED)
    unknown = ids.notna() & ~ids.isin(children["child_id"]).fillna(False) & ~excluded
    eps.flag(unknown, "child_id", "no child with this child_id in the children table")

    eps.flag(_as_text(frame["kind"]).isna(), "kind", "kind is empty")
    kinds, kind_text = _distinct_text(frame["kind"])
    known_kind = kind_text.isin(list(EPISODE_KINDS))
    eps.flag(
        (kind_text.notna() & ~known_kind).to_numpy()[kinds],
        "kind",
        f"unknown episode kind (the contract's kinds are {', '.join(EPISODE_KINDS)})",
    )
    dtype = pd.CategoricalDtype(list(EPISODE_KINDS))
    lookup = dtype.categories.get_indexer(pd.Index(kind_text.where(known_kind).fillna("\0")))
    frame["kind"] = pd.Series(pd.Categorical.from_codes(lookup[kinds], dtype=dtype))
    start = eps.check_dates("start", True, extract_date)
    end = eps.check_dates("end", False, extract_date)
    frame["start"], frame["end"] = start, end
    eps.flag(end < start, "end", "end is before start")
    is_point = frame["kind"].isin(list(POINT_KINDS))
    point_end = is_point & end.notna() & (end != start)
    eps.soft(
        point_end,
        "end",
        "a point event (contact, s47, icpc, moved_out, death) has no end date",
    )
    # Some systems record a point event with end = start: the same fact, normalised to the
    # contract's empty end.
    frame.loc[is_point & end.notna(), "end"] = pd.NaT
    earliest = ids.map(children.set_index("child_id")["_earliest"])
    eps.flag(
        start < earliest,
        "start",
        f"episode starts more than {PREBIRTH_DAYS} days (40 weeks) before the child's birth "
        "date (or expected birth date)",
    )

    for column, allowed in _EPISODE_CODE_LISTS.items():
        frame[column] = eps.check_codes(column, allowed, column.replace("_", " "))
    frame["factors"] = _check_factors(eps, frame["factors"])
    _check_kind_codes(eps, frame)

    _check_deaths(eps, frame)
    _check_overlaps(eps, frame, extract_date)
    return frame


def _check_kind_codes(eps: _Checker, frame: pd.DataFrame) -> None:
    """Drop codes recorded on a kind they do not belong to (a closure reason on a plan)."""
    kind = frame["kind"].astype("string")
    # Kinds are few: decide on the distinct kinds, then expand to rows.
    codes, distinct = pd.factorize(kind, use_na_sentinel=True)
    distinct_kinds = np.asarray(distinct, dtype=object)
    for column, kinds in CODED_KINDS.items():
        values = frame[column]
        other = np.r_[~np.isin(distinct_kinds, list(kinds)), False]  # missing kind: last
        misplaced = values.notna().to_numpy(dtype=bool) & other[codes]
        if not misplaced.any():
            continue
        listed = " and ".join(sorted(kinds))
        what = column.replace("_", " ")
        for name in sorted(set(kind[misplaced].tolist())):
            here = misplaced & (kind == name).to_numpy(dtype=bool)
            eps.soft(here, column, f"a {what} is recorded on a {name}; it belongs to {listed} only")
        if isinstance(values.dtype, pd.CategoricalDtype):
            frame[column] = values.where(~misplaced)
        else:
            frame[column] = values.mask(misplaced)


def _check_factors(eps: _Checker, values: pd.Series) -> pd.Series:
    """Drop unknown assessment factor codes (the known codes of a value are kept)."""
    # Spaces are removed from the distinct values only (few), not from every row.
    raw_codes, raw = pd.factorize(values, use_na_sentinel=True)
    spaced = pd.Series(np.asarray(raw, dtype=object), dtype="string")
    inner, text = _distinct_text(spaced.str.replace(" ", "", regex=False))
    lookup = np.r_[inner, len(text) - 1]  # the last entry: missing
    codes = lookup[np.where(raw_codes < 0, len(inner), raw_codes)]
    known = set(ASSESSMENT_FACTORS)
    unknown = []
    kept: list[str | None] = []
    for combo in text.tolist():
        if not isinstance(combo, str):
            unknown.append(False)
            kept.append(None)
            continue
        parts = [c for c in combo.split(";") if c]
        good = [c for c in parts if c in known]
        unknown.append(len(good) != len(parts))
        kept.append(";".join(good) if good else None)
    reason = (
        "unknown assessment factor code (codes joined by ';', e.g. 3B;16A); the unknown "
        "codes are dropped"
    )
    eps.soft(np.asarray(unknown, dtype=bool)[codes], "factors", reason)
    return _expand(pd.Series(kept, dtype="string"), codes)


def _check_deaths(eps: _Checker, frame: pd.DataFrame) -> None:
    """Flag second deaths and episodes that start after a child's death."""
    deaths = frame[(frame["kind"] == "death") & ~eps.bad].sort_values("start")
    second = deaths["child_id"].duplicated(keep="first")
    eps.flag(
        np.isin(np.arange(len(frame)), deaths.index[second]),
        "kind",
        "a second death recorded for the child",
    )
    death_date = deaths[~second].set_index("child_id")["start"]
    died = frame["child_id"].map(death_date)
    eps.flag(frame["start"] > died, "start", "episode starts after the child's death")


def _sort_order(*keys: np.ndarray) -> np.ndarray:
    """Stable order by several non-negative-range integer keys (first key most significant).

    One packed 64-bit key sorts much faster than ``np.lexsort`` on several; when the keys'
    ranges do not fit in 62 bits, ``np.lexsort`` is used.
    """
    packed = np.zeros(len(keys[0]), dtype=np.int64)
    room = 1
    for key in keys:
        low = int(key.min(initial=0))
        span = int(key.max(initial=0)) - low + 1
        room *= span
        if room >= 2**62:
            return np.lexsort(keys[::-1])
        packed = packed * span + (key - low)
    return np.argsort(packed, kind="stable")


def _check_overlaps(eps: _Checker, frame: pd.DataFrame, extract_date: pd.Timestamp) -> None:
    """Flag interval episodes that start before an earlier one of the same kind ends."""
    candidates = frame[frame["kind"].isin(list(INTERVAL_KINDS)) & ~eps.bad]
    if candidates.empty:
        return
    # Sort on one integer code per (child, kind), then start and end (np.lexsort is stable,
    # so ties keep row order): the order within each child's kind is what matters, and
    # integers sort far faster than identifiers.
    child = pd.factorize(candidates["child_id"])[0].astype(np.int64)
    kind = candidates["kind"].cat.codes.to_numpy().astype(np.int64)
    pair = child * len(candidates["kind"].cat.categories) + kind
    starts = candidates["start"].to_numpy().astype("datetime64[D]").astype(np.int64)
    ends = candidates["end"].fillna(extract_date).to_numpy()
    ends = ends.astype("datetime64[D]").astype(np.int64)
    order = _sort_order(pair, starts, ends)
    pairs = pair[order]
    group = np.r_[0, np.cumsum(pairs[1:] != pairs[:-1])].astype(np.int64)
    start_days = starts[order]
    end_days = ends[order]
    # Running maximum of end within each group: offset groups so one accumulate suffices.
    offset = (group.astype(np.int64)) * (10**7)
    running_end = np.maximum.accumulate(end_days + offset) - offset
    new_group = np.r_[True, group[1:] != group[:-1]]
    previous_end = np.r_[np.iinfo(np.int64).min, running_end[:-1]]
    overlaps = ~new_group & (start_days < previous_end)
    mask = np.zeros(len(frame), dtype=bool)
    mask[candidates.index.to_numpy()[order][overlaps]] = True
    eps.flag(mask, "start", "overlaps an earlier episode of the same kind for this child")


def _check_notes(
    notes: _Checker,
    children: pd.DataFrame,
    excluded_ids: pd.Index,
    extract_date: pd.Timestamp,
) -> pd.DataFrame:
    if notes.frame.empty:
        return empty_notes()
    frame = notes.frame.copy()
    ids = _as_text(frame["child_id"])
    frame["child_id"] = ids
    notes.flag(ids.isna(), "child_id", "child_id is empty")
    excluded = ids.isin(excluded_ids).fillna(False)
    notes.flag(excluded, "child_id", _CHILD_EXCLUDED)
    unknown = ids.notna() & ~ids.isin(children["child_id"]).fillna(False) & ~excluded
    notes.flag(unknown, "child_id", "no child with this child_id in the children table")
    frame["date"] = notes.check_dates("date", True, extract_date)
    earliest = ids.map(children.set_index("child_id")["_earliest"])
    notes.flag(
        frame["date"] < earliest,
        "date",
        f"note is dated more than {PREBIRTH_DAYS} days (40 weeks) before the child's birth "
        "date (or expected birth date)",
    )
    raw = frame["text"]
    not_text = raw.map(lambda v: not isinstance(v, str) and not pd.isna(v)).to_numpy(bool)
    notes.flag(not_text, "text", "note text is a number or other value, not text", show=False)
    text = raw.where(~not_text).astype("string")
    notes.flag(
        ~not_text & (text.isna() | (text.str.strip() == "")).to_numpy(bool),
        "text",
        "note text is empty",
    )
    frame["text"] = text
    frame["author_role"] = frame["author_role"].astype("string")
    return frame
