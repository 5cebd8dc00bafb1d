"""Validation of a case history against the data contract and the DfE code lists.

Every rule is vectorised: a rule yields a boolean mask of offending rows and a reason,
and the checker turns each offending row into a :class:`~escalation.errors.Problem`.
Strict validation raises one :class:`~escalation.errors.DataValidationError` listing every
problem; lenient validation removes offending rows (and, with an excluded child, the
child's episodes and notes) and lists each one in ``history.exclusions``.
"""

from __future__ import annotations

import functools
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Final

import numpy as np
import pandas as pd

from escalation._sort_keys import pack_keys, stable_order
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
from escalation.data.columns import (
    as_text,
    blank_text,
    coded,
    distinct_identifiers,
    distinct_text,
    expand,
    factorize,
    header_words,
    parse_bools,
    parse_dates,
    positions,
    stray_words,
    text_faults,
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
from escalation.errors import DataValidationError, Problem, RecordProblem, spreadsheet_row

__all__ = [
    "BLANK_ROW",
    "END_BEFORE_START",
    "MONTH_ONLY",
    "OPEN_REFERRAL_REASON",
    "blank_rows",
    "case_hints",
    "ends_before_start",
    "episodes_that_cannot_stand",
    "parse_bools",
    "parse_dates",
    "repeated_columns",
    "validate_case_history",
]

_CHILD_EXCLUDED = "the child was excluded (see the children table)"
NO_CHILD = "no child with this child_id in the children table"
_DECIMAL_POINT_APART = (
    "; a child's child_id there differs from it only by a decimal point and zeros "
    "('1001' and '1001.0': a column of numbers saved as decimal numbers); store "
    "identifiers as text, written alike in every table"
)
_INEXACT_ID = (
    "is stored as a decimal number that is not an exact whole number (a fraction, or more "
    "digits than a decimal number holds exactly); store identifiers as text"
)
#: The problem of an episode whose end date is before its start (:func:`ends_before_start`).
END_BEFORE_START: Final = "end is before start"
#: The problem of a closure reason on a referral still open (no end date).
OPEN_REFERRAL_REASON: Final = (
    "a closure reason on a referral with no end date (open at the extract date): the "
    "reason is why the referral closed; give its closure date (end) or leave the reason "
    "empty"
)
#: The problem of a month without its day (``2023-01``) in a date column but ``birth_date``.
MONTH_ONLY: Final = (
    "a month without its day: only birth_date may be given to the month (read as the 1st); "
    "give the day (YYYY-MM-DD)"
)
#: The problem of a row whose every cell is empty (:func:`blank_rows`).
BLANK_ROW = (
    "blank row: every cell is empty (an empty line, or the row of separators a "
    "spreadsheet saved as CSV often ends with); delete it"
)

_EPISODE_CODE_LISTS: Mapping[str, Mapping[str, str]] = {
    "source": REFERRAL_SOURCES,
    "need": PRIMARY_NEEDS,
    "category": CP_CATEGORIES,
    "reason": CLOSURE_REASONS,
    "legal_status": LEGAL_STATUSES,
}


#: What lenient reading does with a row that breaks a hard rule, by table.
_EXCLUDED: Final = {
    "children": "child excluded",
    "episodes": "episode excluded",
    "notes": "note excluded",
}
_WINDOW = pd.Timedelta(days=PREBIRTH_DAYS)
_NS_PER_DAY: Final = 86_400 * 10**9
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
        #: Rows whose every cell is empty: reported once (:meth:`flag_blank_rows`), by no
        #: other rule.
        self.blank = np.zeros(len(self.frame), dtype=bool)

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

    def soft_each(
        self,
        positions: np.ndarray,
        column: str,
        reasons: str | Sequence[str],
        hints: Sequence[str | None] | None = None,
    ) -> None:
        """Record a problem for each row at ``positions`` (own reason or hint); drop values."""
        self._record(positions, column, reasons, True, "value dropped", hints)

    def flag_each(
        self,
        positions: np.ndarray,
        column: str,
        reasons: str | Sequence[str],
        hints: Sequence[str | None] | None = None,
    ) -> None:
        """Record a problem for each row at ``positions`` (own reason or hint); exclude them."""
        self.bad[positions] = True
        self._record(positions, column, reasons, True, _EXCLUDED[self.table], hints)

    def flag_blank_rows(self) -> None:
        """Exclude rows whose every cell is empty, each with one problem, not one per column.

        A spreadsheet saved as CSV often ends with such a row (``,,,,,``); no later rule
        reports it again.
        """
        blank = blank_rows(self.frame)
        self.flag(blank, None, BLANK_ROW)
        self.blank = blank

    def _record(
        self,
        positions: np.ndarray,
        column: str | None,
        reason: str | Sequence[str],
        show: bool,
        action: str,
        hint: Sequence[str | None] | None = None,
    ) -> None:
        reasons = [reason] * len(positions) if isinstance(reason, str) else list(reason)
        hints = [None] * len(positions) if hint is None else list(hint)
        kept = ~self.blank[positions]  # a blank row is reported once, as blank
        positions = positions[kept]
        reasons = [why for why, keep in zip(reasons, kept, strict=True) if keep]
        hints = [h for h, keep in zip(hints, kept, strict=True) if keep]
        shown = show and column in self.frame
        # Only the offending values are taken (a column of Arrow text stays in Arrow).
        raw = self.frame[column].iloc[positions].to_numpy() if shown else None
        for i, pos in enumerate(positions):
            value = None if raw is None else _plain(raw[i])
            problem = RecordProblem(
                self.table, int(pos), column, value, reasons[i], action, hint=hints[i]
            )
            self.problems.append(problem)

    def require_columns(self, spec: Mapping[str, bool]) -> list[Problem]:
        """Return table-level problems for contract columns that are absent or misnamed.

        A required column that is absent is a problem; so is an optional one when another
        column looks like it (:func:`_look_alike`: ``End Date`` for ``end``, ``Reason``
        for ``reason``), which would otherwise be ignored without a word. Each message
        says what to rename, or lists the columns the table has.
        """
        others = [str(name) for name in self.frame.columns if name not in spec]
        out = []
        for column, required in spec.items():
            if column in self.frame:
                continue
            alike = _look_alike(others, column)
            if alike is not None:
                kind = "required" if required else "optional"
                reason = (
                    f"{kind} column is missing, and the table has a column {alike!r} that "
                    f"looks like it{'' if required else ' (it would be ignored)'}: rename it "
                    f"to {column!r}"
                )
            elif required:
                reason = f"required column is missing; {_columns_found(self.frame.columns)}"
            else:
                continue
            out.append(Problem(self.table, None, column, None, reason))
        return out

    def check_cells(self) -> list[Problem]:
        """Flag values with a NUL byte or not UTF-8; return table-level problems of bad columns.

        A value holding a character UTF-8 cannot write (a lone surrogate) would stop every
        later step that writes it; its row is excluded like one with a NUL byte.

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
            nul, unwritable = text_faults(values, kind)
            self.flag(
                nul,
                str(column),
                "holds a NUL byte (character 0), which would cut the value short; the "
                "file is damaged or was not exported as text",
                show=False,
            )
            if unwritable.any():
                # Kept escaped (M\ud800) in the frame: the row is excluded, and the later
                # checks (in Arrow) can read the column.
                kept = values.to_numpy(dtype=object, copy=True)
                kept[unwritable] = [_escaped(v) for v in kept[unwritable]]
                self.frame[column] = pd.Series(kept, index=self.frame.index, dtype=object)
                self.flag(
                    unwritable,
                    str(column),
                    "holds a character that cannot be written as UTF-8; the file is damaged "
                    "or was read with the wrong encoding",
                )
        return out

    def check_codes(self, column: str, allowed: Mapping[str, str], what: str) -> pd.Series:
        """Drop values outside a code list; return the column as a categorical of the list.

        A value that is a listed code but for its case (``neg``) is unknown too, as the
        contract reports codes and never guesses them; its problem names the code
        (:func:`case_hints`).
        """
        codes = list(allowed)
        position, empty = coded(self.frame[column], codes)
        rows = np.flatnonzero(~empty & (position < 0))
        if rows.size:
            reason = f"unknown {what} code ({_code_hint(codes)})"
            self.soft_each(rows, column, reason, case_hints(self.frame[column].iloc[rows], codes))
        return pd.Series(pd.Categorical.from_codes(position, dtype=_code_dtype(tuple(allowed))))

    def check_dates(
        self,
        column: str,
        required: bool,
        extract_date: pd.Timestamp,
        *,
        latest: pd.Timestamp | None = None,
        soft: bool = False,
        month_only: bool = False,
    ) -> pd.Series:
        """Parse a date column, flagging invalid, missing and too-late values.

        ``latest`` is the last allowed date (default: the extract date); with ``soft``
        an invalid or too-late value is dropped rather than its row excluded. A month
        without its day (``2023-01``) is read as the 1st with ``month_only`` (the
        contract's ``birth_date``), else it is a problem of its own (:data:`MONTH_ONLY`).
        """
        values = self.frame[column]
        parsed, invalid = parse_dates(values, month_only=month_only)
        rule = self.soft if soft else self.flag
        month = _month_only(values, invalid) if not month_only else np.zeros(len(values), bool)
        rule(month, column, MONTH_ONLY)
        rule(np.asarray(invalid, dtype=bool) & ~month, column, "not a valid date (use YYYY-MM-DD)")
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


def case_hints(values: pd.Series, codes: Sequence[str]) -> list[str | None]:
    """Return the hint of each unknown value: the code it is but for its case, or None.

    A value equal to a listed code once case is ignored (``neg``, ``f``, ``Referral``)
    stays unknown: codes are read exactly as their list writes them ("unknown codes are
    reported, not guessed"); its hint (:attr:`~escalation.errors.Problem.hint`, apart
    from the reason, by which problems are counted) says which code was probably meant.
    A hint names only a listed code, never the value.

    Examples
    --------
    >>> case_hints(pd.Series(["neg", "XYZ"]), ["NEG", "EMO"])
    ["did you mean 'NEG'? (codes are read exactly as the list writes them, case \
included)", None]
    """
    folded = [code.casefold() for code in codes]
    text = values.astype("string").str.casefold()
    position, _ = coded(text, folded)
    return [
        None
        if at < 0
        else f"did you mean {codes[at]!r}? (codes are read exactly as the list writes them, "
        "case included)"
        for at in position.tolist()
    ]


def _month_only(values: pd.Series, invalid: pd.Series) -> np.ndarray:
    """Return True where an invalid date is a month without its day (``2023-01``)."""
    month = np.asarray(invalid, dtype=bool).copy()
    rows = np.flatnonzero(month)
    if rows.size:
        month[rows] = ~np.asarray(parse_dates(values.iloc[rows], month_only=True)[1], dtype=bool)
    return month


@functools.lru_cache(maxsize=32)
def _code_dtype(codes: tuple[str, ...]) -> pd.CategoricalDtype:
    """Return the categorical type of a code list, made once (a dtype is immutable)."""
    return pd.CategoricalDtype(list(codes))


def _plain(value: object) -> object:
    """Return a plain Python value for a problem report (no pandas NA objects)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def validate_case_history(
    history: CaseHistory,
    *,
    lenient: bool = False,
    context: str = "case history",
    excluded_ids: Iterable[str] = (),
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
    excluded_ids : iterable of str, optional
        Children a reader excluded before validation (a birth date after a return's
        reference date): their episodes and notes are excluded as those of a child
        excluded here are, not reported as of an unknown child.

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
    Rules applied: required columns present, each named once, and tables not empty; no value
    holding a NUL byte and no column of lists or records; note text stored as text; no blank
    row (every cell empty: one problem, no other); no word among the numbers of an extra
    column (at most 3 distinct words filling at most 10% of its values: each reported, the
    column made numbers, the word dropped when lenient); unique, non-empty ``child_id``;
    valid dates (a month without its day in ``birth_date`` only, read as the 1st), none
    after the extract date (a birth date up to 40 weeks after it: a child
    unborn then) and no episode or note more than 280 days (40 weeks) before the child's
    birth or expected birth date; ``end`` never before ``start``; no closure ``reason`` on a
    referral without an ``end`` (the reason dropped); known episode kinds and
    codes (referral source, primary need, assessment factors, CP category, closure reason,
    legal status, sex, ethnicity) written as their lists write them (``neg`` is unknown;
    its message names ``NEG``: :func:`case_hints`), each code only on the kinds it belongs to
    (:data:`~escalation.data.codes.CODED_KINDS`); point events (``contact``, ``s47``,
    ``icpc``, ``moved_out``, ``death``) without a different end date (an end equal to the
    start is normalised to empty); every episode and note for a known child; at most one
    death per child and no episode starting after it; no point event repeating an earlier
    row in every column (the copy is the problem, naming that row); no two episodes of the
    same interval kind overlapping for a child (open episodes run to the extract date); when
    the children table has an ``la`` column (several local authorities), every child has one
    (kept as text), and ``child_id`` stays unique across authorities.

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
        repeated = repeated_columns(checker.table, checker.frame.columns)
        # A repeated name makes frame[name] a table, not a column: no cell check can run.
        structural += repeated or checker.check_cells()
    if "text" in notes.frame and not notes.frame.empty:
        structural += _text_column(notes.frame["text"])
    if structural:
        raise DataValidationError(structural, context)
    for checker, spec in ((kids, CHILDREN_COLUMNS), (eps, EPISODE_COLUMNS), (notes, NOTE_COLUMNS)):
        checker.flag_blank_rows()
        checker.frame = _with_all_columns(checker.frame, spec)
        _check_numeric_extras(checker, spec)

    children = _check_children(kids, extract_date)
    valid_children = children.loc[~kids.bad, ["child_id", "birth_date", "_earliest"]]
    excluded = pd.Index(children.loc[kids.bad, "child_id"].dropna())
    if before := list(excluded_ids):
        excluded = pd.Index([*excluded, *before])
    episodes = _check_episodes(eps, valid_children, excluded, extract_date)
    notes_out = _check_notes(notes, valid_children, excluded, extract_date)

    problems = kids.problems + eps.problems + notes.problems
    if problems and not lenient:
        root_causes = [replace(p, action=None) for p in problems if p.reason != _CHILD_EXCLUDED]
        raise DataValidationError(root_causes, context)
    report = ExclusionReport(tuple(problems))
    return replace(
        history,
        children=_kept(children, kids.bad).drop(columns="_earliest"),
        episodes=_kept(episodes, eps.bad),
        notes=_kept(notes_out, notes.bad),
        exclusions=history.exclusions + report,
    )


def repeated_columns(table: str, columns: pd.Index) -> list[Problem]:
    """Return a table-level problem for each column name the table holds more than once.

    The contract names each column exactly once: with ``sex`` twice, which is the child's
    sex cannot be chosen, and keeping the second as an extra column (``sex.1``, as pandas
    renames it) would make it a covariate without a word.

    Examples
    --------
    >>> [p.describe() for p in repeated_columns("children", pd.Index(["sex", "a", "sex"]))]
    ["table 'children', column 'sex': column name appears 2 times in the header; name each \
column once (rename or delete the copies)"]
    """
    counts = pd.Series(np.asarray(columns, dtype=object)).value_counts(sort=False)
    reason = "column name appears {} times in the header; name each column once (rename or "
    return [
        Problem(table, None, str(name), None, reason.format(n) + "delete the copies)")
        for name, n in counts[counts > 1].items()
    ]


def episodes_that_cannot_stand(
    history: CaseHistory, *, excluded_ids: Iterable[str] = ()
) -> tuple[np.ndarray, tuple[Problem, ...]]:
    """Return the episode rows a rule about the row alone excludes, and their problems.

    The rules are those :func:`validate_case_history` applies to each episode row on its
    own: a known child not excluded (a child whose own row breaks the contract takes its
    episodes, which are not marked here), a known kind, valid dates none after the extract
    date, ``end`` not before ``start``, no start more than 40 weeks before the child's
    birth, codes. Rules between rows (overlaps, repeated point events, deaths) are not
    applied: a reader merging several records of one episode uses this to choose one that
    can stand before it drops the others.

    Parameters
    ----------
    history : CaseHistory
        Tables as read (children one row per child); values may still be text.
    excluded_ids : iterable of str, optional
        Children excluded before (see :func:`validate_case_history`).

    Returns
    -------
    bad : numpy.ndarray of bool
        True for each row of ``history.episodes`` (in order) that cannot stand.
    problems : tuple of Problem
        Every problem of those rows (soft ones too), each at its row's position.

    Examples
    --------
    >>> import pandas as pd
    >>> from escalation import CaseHistory
    >>> children = pd.DataFrame({"child_id": ["a"], "birth_date": ["2015-06-01"]})
    >>> episodes = pd.DataFrame({"child_id": ["a", "a"], "kind": ["referral"] * 2,
    ...                          "start": ["2020-01-01"] * 2, "end": ["2019-01-01", ""]})
    >>> bad, problems = episodes_that_cannot_stand(
    ...     CaseHistory(children, episodes, extract_date="2024-03-31"))
    >>> bad.tolist(), [(p.row, p.reason) for p in problems]
    ([True, False], [(0, 'end is before start')])
    """
    extract_date = history.extract_date
    kids = _Checker("children", history.children.reset_index(drop=True))
    eps = _Checker("episodes", history.episodes.reset_index(drop=True))
    for checker, spec in ((kids, CHILDREN_COLUMNS), (eps, EPISODE_COLUMNS)):
        checker.check_cells()
        checker.flag_blank_rows()
        checker.frame = _with_all_columns(checker.frame, spec)
    children = _check_children(kids, extract_date)
    valid_children = children.loc[~kids.bad, ["child_id", "birth_date", "_earliest"]]
    excluded = pd.Index([*children.loc[kids.bad, "child_id"].dropna(), *excluded_ids])
    _check_episode_rows(eps, valid_children, excluded, extract_date)
    own = [p for p in eps.problems if p.action == _EXCLUDED["episodes"]]
    with_child = {p.row for p in own if p.reason == _CHILD_EXCLUDED}
    bad = np.zeros(len(eps.frame), dtype=bool)
    rows = [p.row for p in own if p.reason != _CHILD_EXCLUDED and p.row not in with_child]
    bad[[int(row) for row in rows if row is not None]] = True
    return bad, tuple(p for p in eps.problems if p.row is not None and bad[p.row])


def ends_before_start(start: pd.Series, end: pd.Series) -> np.ndarray:
    """Return True for each episode whose end date is before its start (the contract's rule).

    ``start`` and ``end`` are dates (``NaT`` where empty: never before anything). A reader
    that joins several source rows into one episode applies it to each row, so that a row
    that cannot stand is reported at its own row (:func:`validate_case_history` applies it
    to the episodes).

    Examples
    --------
    >>> start = pd.Series(pd.to_datetime(["2022-10-01", "2022-10-01", "2022-10-01"]))
    >>> end = pd.Series(pd.to_datetime(["2022-09-01", None, "2022-10-01"]))
    >>> ends_before_start(start, end).tolist()
    [True, False, False]
    """
    return np.asarray(end < start, dtype=bool)


def _escaped(text: str) -> str:
    """Return ``text`` with what UTF-8 cannot hold written as a backslash escape."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _kept(frame: pd.DataFrame, bad: np.ndarray) -> pd.DataFrame:
    """Return the rows not flagged, numbered from 0 (the frame itself when none is flagged)."""
    if not bad.any():
        return frame
    return frame.loc[~bad].reset_index(drop=True)


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


def _code_hint(codes: list[str]) -> str:
    """Return the codes of a short list in words, else where to find them.

    Examples
    --------
    >>> _code_hint(["F", "M", "U"])
    'one of F, M or U'
    >>> _code_hint([f"N{i}" for i in range(11)])
    'see the DfE code list'
    """
    if len(codes) > 10:
        return "see the DfE code list"
    return "one of " + ", ".join(codes[:-1]) + " or " + codes[-1]


def _name_key(name: str) -> str:
    """Return a column name reduced for comparison: its header words run together."""
    return "".join(header_words(name))


def _look_alike(names: list[str], column: str) -> str | None:
    """Return the first of ``names`` that looks like contract column ``column``, if any.

    Alike: the same letters and digits whatever the case, spaces and punctuation
    (``Child ID``, ``birth-date``, ``REASON``), or those followed by "date" (``End Date``
    for ``end``).

    Examples
    --------
    >>> _look_alike(["Gender", "End Date"], "end"), _look_alike(["Child ID"], "child_id")
    ('End Date', 'Child ID')
    >>> _look_alike(["Gender"], "sex") is None
    True
    """
    want = _name_key(column)
    for name in names:
        key = _name_key(name)
        if key == want or key == f"{want}date":
            return name
    return None


def _columns_found(columns: pd.Index) -> str:
    """Return the table's column names in words, with a hint when they look run together.

    A file read with the wrong separator (semicolons, tabs) arrives as one column whose
    name holds them all.
    """
    names = [str(name) for name in columns]
    if not names:
        return "the table has no columns"
    shown = ", ".join(repr(name) for name in names[:12])
    more = f" and {len(names) - 12} more" if len(names) > 12 else ""
    hint = ""
    if len(names) == 1 and any(mark in names[0] for mark in (";", "\t", "|")):
        hint = " (one column: the file may use another separator than commas)"
    return f"the table's columns are {shown}{more}{hint}"


def _with_all_columns(frame: pd.DataFrame, spec: Mapping[str, bool]) -> pd.DataFrame:
    """Add absent optional contract columns (all missing), contract columns first.

    Extra columns read as untyped text (CSV has no types) become numbers when every value
    is one, so a model treats ``imd_decile`` the same whether it came from CSV or Parquet;
    codes with leading zeros ("0123") stay text, as do columns typed as ``string``.
    """
    if not frame.columns.is_unique:  # each name once below; pandas handles repeats
        return _with_all_columns_repeated(frame, spec)
    # The frame is the checker's own copy, numbered from 0: one new frame of its columns.
    # Each absent column its own array: a write to one must not reach the others.
    columns: dict[Hashable, pd.Series] = {
        name: frame[name]
        if name in frame
        else pd.Series(np.full(len(frame), pd.NA, dtype=object), index=frame.index)
        for name in spec
    }
    for column, dtype in frame.dtypes.items():
        if column in spec:
            continue
        values = frame[column]
        if column not in _TEXT_EXTRAS and dtype == np.dtype(object):
            values = _numeric_if_all_numbers(values)
        columns[column] = values
    return pd.DataFrame(columns, index=frame.index, copy=False)


def _with_all_columns_repeated(frame: pd.DataFrame, spec: Mapping[str, bool]) -> pd.DataFrame:
    """Return :func:`_with_all_columns` of a frame with a column name used twice."""
    frame = frame.copy()
    for name in spec:
        if name not in frame:
            frame[name] = pd.Series(pd.NA, index=frame.index, dtype=object)
    for column, dtype in frame.dtypes.items():
        if column in _TEXT_EXTRAS or column in spec or dtype != np.dtype(object):
            continue
        values = frame[column]
        numbers = _numeric_if_all_numbers(values)
        if numbers is not values:
            frame[column] = numbers
    return frame[list(spec) + [c for c in frame.columns if c not in spec]]


def _numeric_if_all_numbers(values: pd.Series) -> pd.Series:
    """Return ``values`` as numbers if every non-missing value is one, else unchanged."""
    codes, uniques = factorize(values)
    present = pd.Series(uniques)  # the checks need distinct values only
    if present.empty or not all(isinstance(v, str) for v in present):
        return values
    # Parsing comes first, as most text columns fail at their first value; a code with a
    # leading zero stays text whatever the parser says.
    try:
        numbers = pd.to_numeric(present).to_numpy()
    except (ValueError, TypeError):
        return values
    except Exception:
        if _leading_zero(present):
            return values
        raise
    if _leading_zero(present):
        return values
    if numbers.dtype.kind not in "if":  # beyond 64-bit integers: as the whole column reads
        return pd.to_numeric(values.astype(object).where(values.notna(), None))
    if (codes < 0).any():  # missing values make the column floating point, as to_numeric does
        numbers = np.r_[numbers.astype(np.float64), np.nan]
    return pd.Series(numbers[codes], index=values.index, name=values.name)


def _leading_zero(present: pd.Series) -> bool:
    """Return whether any text value is a number written with a leading zero ("0123")."""
    return bool(present.str.strip().str.match(r"^[+-]?0\d").any())


def _check_children(kids: _Checker, extract_date: pd.Timestamp) -> pd.DataFrame:
    frame = kids.frame.copy()
    ids = _identifiers(kids, frame["child_id"], "child_id")
    kids.flag(ids.isna(), "child_id", "child_id is empty")
    kids.flag(ids.duplicated(keep=False) & ids.notna(), "child_id", "child_id is not unique")
    frame["child_id"] = ids
    # An unborn child's (expected) birth date may lie up to 40 weeks after the extract date.
    latest = extract_date + _WINDOW
    frame["birth_date"] = kids.check_dates(
        "birth_date", True, extract_date, latest=latest, month_only=True
    )
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
    frame["family_id"] = _identifiers(kids, frame["family_id"], "family_id", soft=True)
    if "la" in frame.columns:
        # Several local authorities in one dataset: each child needs its authority.
        la = as_text(frame["la"])
        kids.flag(la.isna(), "la", "la (local authority) is empty; give every child's authority")
        frame["la"] = la
    return frame


def _identifiers(
    checker: _Checker, values: pd.Series, column: str, *, soft: bool = False
) -> pd.Series:
    """Return an identifier column as text, ``1001.0`` read ``'1001'`` (distinct_identifiers).

    A decimal number that is not an exact whole number is a problem: the row is excluded,
    or (``soft``) the value dropped.
    """
    codes, text, inexact = distinct_identifiers(values)
    if soft:
        checker.soft(inexact[codes], column, f"{column} {_INEXACT_ID}")
        text = text.where(~inexact)
    else:
        checker.flag(inexact[codes], column, f"{column} {_INEXACT_ID}")
    return expand(text, codes)


def _link_children(
    checker: _Checker, frame: pd.DataFrame, children: pd.DataFrame, excluded_ids: pd.Index
) -> np.ndarray:
    """Check each row's ``child_id``; return its position in ``children`` (-1: none).

    Flags empty identifiers, decimal numbers that are not whole numbers, rows of excluded
    children and identifiers no child has, and replaces ``frame["child_id"]`` with the
    identifiers as text (``1001.0`` read ``'1001'``, as in ``children``). The work is done
    once per distinct identifier, then spread to the rows.
    """
    codes, text, inexact = distinct_identifiers(frame["child_id"])
    frame["child_id"] = expand(text, codes)
    empty = text.isna().to_numpy(dtype=bool)
    excluded = text.isin(excluded_ids).fillna(False).to_numpy(dtype=bool) & ~inexact
    position = positions(text, children["child_id"])
    checker.flag(empty[codes], "child_id", "child_id is empty")
    checker.flag(inexact[codes], "child_id", f"child_id {_INEXACT_ID}")
    checker.flag(excluded[codes], "child_id", _CHILD_EXCLUDED)
    unknown = ~empty & (position < 0) & ~excluded & ~inexact
    written_otherwise = _decimal_point_apart(text, unknown, children["child_id"])
    checker.flag((unknown & ~written_otherwise)[codes], "child_id", NO_CHILD)
    checker.flag(written_otherwise[codes], "child_id", f"{NO_CHILD}{_DECIMAL_POINT_APART}")
    return np.asarray(position[codes])


def _decimal_point_apart(text: pd.Series, unknown: np.ndarray, ids: pd.Series) -> np.ndarray:
    """Return True for an unknown identifier a child has written with or without ``.0``.

    ``'1001.0'`` in one table and ``'1001'`` in another are different text: the
    identifiers are not linked (which would be a guess), but the message says why.
    """
    apart = np.zeros(len(text), dtype=bool)
    at = np.flatnonzero(unknown)
    if at.size:
        apart[at] = positions(_without_point_zero(text.iloc[at]), _without_point_zero(ids)) >= 0
    return apart


def _without_point_zero(text: pd.Series) -> pd.Series:
    """Return identifiers written ``1001.0`` (or ``1001.00``) as ``1001``; others as they are."""
    return text.astype(pd.StringDtype()).str.replace(r"^([+-]?[0-9]+)\.0+$", r"\1", regex=True)


def _of_child(values: np.ndarray, child: np.ndarray) -> np.ndarray:
    """Each row's value of a per-child datetime array (``NaT`` where ``child`` is -1)."""
    per_child = np.r_[values.astype("datetime64[ns]"), np.datetime64("NaT", "ns")]
    return np.asarray(per_child[child])


def _check_episodes(
    eps: _Checker,
    children: pd.DataFrame,
    excluded_ids: pd.Index,
    extract_date: pd.Timestamp,
) -> pd.DataFrame:
    frame, child = _check_episode_rows(eps, children, excluded_ids, extract_date)
    _check_repeated_points(eps, frame, child)
    _check_deaths(eps, frame, child, len(children))
    _check_overlaps(eps, frame, child, extract_date)
    return frame


def _check_episode_rows(
    eps: _Checker,
    children: pd.DataFrame,
    excluded_ids: pd.Index,
    extract_date: pd.Timestamp,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Apply the rules that judge each episode row alone (not against the child's others).

    Returns the checked frame and each row's position among ``children`` (-1: none).
    """
    frame = eps.frame.copy()
    child = _link_children(eps, frame, children, excluded_ids)

    kind, empty = coded(frame["kind"], list(EPISODE_KINDS))
    eps.flag(empty, "kind", "kind is empty")
    unknown = np.flatnonzero(~empty & (kind < 0))
    if unknown.size:
        reason = f"unknown episode kind (the contract's kinds are {', '.join(EPISODE_KINDS)})"
        hints = case_hints(frame["kind"].iloc[unknown], list(EPISODE_KINDS))
        eps.flag_each(unknown, "kind", reason, hints)
    dtype = _code_dtype(tuple(EPISODE_KINDS))
    frame["kind"] = pd.Series(pd.Categorical.from_codes(kind, dtype=dtype))
    start = eps.check_dates("start", True, extract_date)
    end = eps.check_dates("end", False, extract_date)
    frame["start"], frame["end"] = start, end
    eps.flag(ends_before_start(start, end), "end", END_BEFORE_START)
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
    earliest = _of_child(children["_earliest"].to_numpy(), child)
    eps.flag(
        start.to_numpy() < earliest,
        "start",
        f"episode starts more than {PREBIRTH_DAYS} days (40 weeks) before the child's birth "
        "date (or expected birth date)",
    )

    for column, allowed in _EPISODE_CODE_LISTS.items():
        frame[column] = eps.check_codes(column, allowed, column.replace("_", " "))
    frame["factors"] = _check_factors(eps, frame["factors"])
    _check_kind_codes(eps, frame)
    _check_open_closure_reasons(eps, frame)
    return frame, child


def _check_open_closure_reasons(eps: _Checker, frame: pd.DataFrame) -> None:
    """Drop the closure reason of a referral with no end date (open at the extract date).

    A referral's ``reason`` is why it closed, and its ``end`` when: the contract's reason
    is "why the episode ended", and the DfE's CIN census refuses a reason for closure
    without a closure date. Kept, an open referral would count as closed for that reason
    (an RC9 as referred to early help) while it is followed up as open.
    """
    open_reason = (
        (frame["kind"] == "referral").to_numpy(dtype=bool)
        & frame["end"].isna().to_numpy(dtype=bool)
        & frame["reason"].notna().to_numpy(dtype=bool)
        & ~eps.bad
    )
    if open_reason.any():
        eps.soft(open_reason, "reason", OPEN_REFERRAL_REASON)
        frame["reason"] = frame["reason"].where(~open_reason)


def _check_kind_codes(eps: _Checker, frame: pd.DataFrame) -> None:
    """Drop codes recorded on a kind they do not belong to (a closure reason on a plan)."""
    # Kinds are few: decide on the categories, then spread to rows by the kind codes.
    kind_codes = frame["kind"].cat.codes.to_numpy()
    names = np.asarray(frame["kind"].cat.categories, dtype=object)
    for column, kinds in CODED_KINDS.items():
        values = frame[column]
        other = np.r_[~np.isin(names, list(kinds)), False]  # missing kind (-1): last
        misplaced = values.notna().to_numpy(dtype=bool) & other[kind_codes]
        if not misplaced.any():
            continue
        listed = " and ".join(sorted(kinds))
        what = column.replace("_", " ")
        for code in sorted(set(kind_codes[misplaced].tolist()), key=lambda c: names[c]):
            here = misplaced & (kind_codes == code)
            reason = f"a {what} is recorded on a {names[code]}; it belongs to {listed} only"
            eps.soft(here, column, reason)
        if isinstance(values.dtype, pd.CategoricalDtype):
            frame[column] = values.where(~misplaced)
        else:
            frame[column] = values.mask(misplaced)


def _check_factors(eps: _Checker, values: pd.Series) -> pd.Series:
    """Drop unknown assessment factor codes (the known codes of a value are kept)."""
    # Spaces are removed from the distinct values only (few), not from every row; values
    # the same once they are gone ("3B; 4B" and "3B;4B") become one.
    outer, stripped = distinct_text(values)
    inner, text = distinct_text(stripped.str.replace(" ", "", regex=False))
    codes = inner[outer]
    known = set(ASSESSMENT_FACTORS)
    reason = (
        "unknown assessment factor code (codes joined by ';', e.g. 3B;16A); the unknown "
        "codes are dropped"
    )
    unknown: list[bool] = []  # False: every code known
    hints: list[str | None] = []
    kept: list[str | None] = []
    for combo in text.tolist():
        parts = [c for c in combo.split(";") if c] if isinstance(combo, str) else []
        good = [c for c in parts if c in known]
        bad = [c for c in parts if c not in known]
        # the hint of the first unknown code that is a listed one but for its case
        found = case_hints(pd.Series(bad, dtype=object), list(ASSESSMENT_FACTORS))
        hints.append(next((h for h in found if h is not None), None))
        unknown.append(bool(bad))
        kept.append(";".join(good) if good else None)
    rows = np.flatnonzero([unknown[code] for code in codes])
    eps.soft_each(rows, "factors", reason, [hints[codes[row]] for row in rows])
    return expand(pd.Series(kept, dtype="string"), codes)


def _check_deaths(eps: _Checker, frame: pd.DataFrame, child: np.ndarray, children: int) -> None:
    """Flag second deaths and episodes that start after a child's death.

    ``child`` is each row's position among the ``children`` valid children (-1: none).
    """
    is_death = (frame["kind"] == "death").to_numpy(dtype=bool) & ~eps.bad & (child >= 0)
    rows = np.flatnonzero(is_death)
    starts = frame["start"].to_numpy()[rows]  # never NaT: a row without a start is bad
    # Each child's deaths by date (two on one day by their content, not their place in
    # the file), then the first of each child's.
    days = starts.view(np.int64) // _NS_PER_DAY
    order = _content_order(eps.frame, rows, child[rows].astype(np.int64), days)
    rows, starts = rows[order], starts[order]
    _, first_of_child = np.unique(child[rows], return_index=True)
    second = np.ones(rows.size, dtype=bool)
    second[first_of_child] = False
    mask = np.zeros(len(frame), dtype=bool)
    mask[rows[second]] = True
    eps.flag(mask, "kind", "a second death recorded for the child")
    death_date = np.full(children, np.datetime64("NaT", "ns"))
    death_date[child[rows[~second]]] = starts[~second]
    eps.flag(
        frame["start"].to_numpy() > _of_child(death_date, child),
        "start",
        "episode starts after the child's death",
    )


def _content_order(frame: pd.DataFrame, rows: np.ndarray, *keys: np.ndarray) -> np.ndarray:
    """Order ``rows`` of ``frame`` by ``keys``, rows alike in every key by their content.

    Of two episodes alike in child, kind and dates but not in another column (a plan's
    category), which comes first, and so which is kept, must not depend on the rows' place
    in the file: the same data in another row order gives the same history. Ties are
    broken by a hash of each row's cells as read (rows equal in every cell keep their
    order, and either is the same row); rows without a tie cost no hash.
    """
    order = stable_order(pack_keys(list(keys)))
    same = np.ones(max(order.size - 1, 0), dtype=bool)
    for key in keys:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    if not same.any():
        return order
    tied = np.zeros(order.size, dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    hashes = pd.util.hash_pandas_object(frame.iloc[rows[order[tied]]], index=False)
    content = np.zeros(order.size, dtype=np.int64)
    content[order[tied]] = np.unique(hashes.to_numpy(), return_inverse=True)[1].ravel()
    return stable_order(pack_keys([*keys, content]))


def _check_overlaps(
    eps: _Checker, frame: pd.DataFrame, child: np.ndarray, extract_date: pd.Timestamp
) -> None:
    """Flag interval episodes that start before an earlier one of the same kind ends.

    ``child`` is each row's position among the valid children (-1: none, a row already
    excluded).
    """
    kind = frame["kind"]
    rows = np.flatnonzero(
        kind.isin(list(INTERVAL_KINDS)).to_numpy(dtype=bool) & ~eps.bad & (child >= 0)
    )
    if rows.size == 0:
        return
    # Sort on one integer code per (child, kind), then start and end (ties by content):
    # the order within each child's kind is what matters, and integers sort far faster
    # than identifiers.
    kind_codes = kind.cat.codes.to_numpy()[rows].astype(np.int64)
    pair = child[rows].astype(np.int64) * len(kind.cat.categories) + kind_codes
    # Days since 1970 (every date is a midnight: validation normalised them).
    starts = frame["start"].to_numpy()[rows].view(np.int64) // _NS_PER_DAY
    end_values = frame["end"].to_numpy()[rows]
    ends = np.where(np.isnat(end_values), extract_date.as_unit("ns").asm8, end_values)
    ends = ends.view(np.int64) // _NS_PER_DAY
    order = _content_order(eps.frame, rows, pair, starts, ends)
    pairs = pair[order]
    group = np.r_[0, np.cumsum(pairs[1:] != pairs[:-1])].astype(np.int64)
    start_days = starts[order]
    end_days = ends[order]
    # Running maximum of end within each group: offset groups so one accumulate suffices.
    offset = group * (10**7)
    running_end = np.maximum.accumulate(end_days + offset) - offset
    new_group = np.r_[True, group[1:] != group[:-1]]
    previous_end = np.r_[np.iinfo(np.int64).min, running_end[:-1]]
    overlaps = ~new_group & (start_days < previous_end)
    mask = np.zeros(len(frame), dtype=bool)
    mask[rows[order][overlaps]] = True
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
    child = _link_children(notes, frame, children, excluded_ids)
    frame["date"] = notes.check_dates("date", True, extract_date)
    notes.flag(
        frame["date"].to_numpy() < _of_child(children["_earliest"].to_numpy(), child),
        "date",
        f"note is dated more than {PREBIRTH_DAYS} days (40 weeks) before the child's birth "
        "date (or expected birth date)",
    )
    raw = frame["text"]
    not_text = _not_text(raw)
    notes.flag(not_text, "text", "note text is a number or other value, not text", show=False)
    text = (raw.where(~not_text) if not_text.any() else raw).astype("string")
    notes.flag(~not_text & blank_text(text), "text", "note text is empty")
    frame["text"] = text
    frame["author_role"] = frame["author_role"].astype("string")
    return frame


def _not_text(values: pd.Series) -> np.ndarray:
    """Return True where a value is present but not text (a number, say)."""
    if pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty"):
        return np.zeros(len(values), dtype=bool)  # text and missing values only
    return values.map(lambda v: not isinstance(v, str) and not pd.isna(v)).to_numpy(bool)


def blank_rows(frame: pd.DataFrame) -> np.ndarray:
    """Return True for rows whose every cell is missing or blank text.

    Columns are checked one by one on the rows still blank, so a table without blank rows
    costs one column's check.
    """
    blank = np.ones(len(frame), dtype=bool)
    for i in range(frame.shape[1]):
        rows = np.flatnonzero(blank)
        if rows.size == 0:
            break
        cells = frame.iloc[:, i] if rows.size == len(frame) else frame.iloc[rows, i]
        blank[rows] = _blank_cells(cells)
    return blank


def _blank_cells(values: pd.Series) -> np.ndarray:
    """Return True where a cell is missing, or text that is empty once stripped."""
    missing = values.isna().to_numpy(dtype=bool)
    if missing.all() or pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return missing
    return blank_text(values)


def _check_repeated_points(eps: _Checker, frame: pd.DataFrame, child: np.ndarray) -> None:
    """Exclude a point event that repeats an earlier row in every column, naming that row.

    Two ``s47`` rows of one child on one day, identical in every column as read, are one
    enquiry entered or extracted twice; counting both would count the enquiry twice. Rows
    alike in child, kind and start but different in another column are kept (they may be
    two records). Repeated interval episodes are reported as overlaps
    (:func:`_check_overlaps`), a repeated death as a second death (:func:`_check_deaths`).
    ``child`` is each row's position among the valid children.
    """
    kind = frame["kind"]
    points = [name for name in POINT_KINDS if name != "death"]
    rows = np.flatnonzero(kind.isin(points).to_numpy(dtype=bool) & ~eps.bad & (child >= 0))
    if rows.size < 2:
        return
    # Rows alike in child, kind and start first (cheap), then every column as read.
    keys = pd.DataFrame(
        {
            "child": child[rows],
            "kind": kind.cat.codes.to_numpy()[rows],
            "start": frame["start"].to_numpy()[rows].view(np.int64),
        }
    )
    rows = rows[keys.duplicated(keep=False).to_numpy(dtype=bool)]
    if rows.size == 0:
        return
    raw = eps.frame.iloc[rows]
    codes = np.column_stack([factorize(raw.iloc[:, i])[0] for i in range(raw.shape[1])])
    _, first, group = np.unique(codes, axis=0, return_index=True, return_inverse=True)
    original = rows[first[group.ravel()]]
    repeats = np.flatnonzero(original != rows)
    kinds = kind.to_numpy()[rows[repeats]]
    # The row repeated is the hint (a case for the analyst), not the reason: the repeats
    # are counted as one kind of problem.
    reasons = [
        f"repeats another row: the same {name} of the same child on the same date, "
        "identical in every column (a copy made in data entry or by the extract, which "
        "would count it twice); delete one"
        for name in kinds
    ]
    hints = [f"repeats row {spreadsheet_row(int(original[i]))}" for i in repeats]
    eps.flag_each(rows[repeats], "kind", reasons, hints)


def _check_numeric_extras(checker: _Checker, spec: Mapping[str, bool]) -> None:
    """Make an extra column of numbers but for a few words numbers; flag each word.

    One ``unknown`` in ``imd_decile`` would otherwise make the column text, and a model
    would treat each decile as a category. Whether a column is otherwise numeric is the
    rule of :func:`~escalation.data.columns.stray_words`; a word's value is dropped
    (lenient reading) and the rest become numbers. Numbers with leading zeros (codes) keep
    the column text, as in :func:`_with_all_columns`.
    """
    frame = checker.frame
    if not frame.columns.is_unique:
        return
    for column in frame.columns:
        if column in spec or column in _TEXT_EXTRAS or frame[column].dtype != np.dtype(object):
            continue
        values = frame[column]
        values = values.mask(_blank_cells(values))  # only whitespace: empty, not a word
        words = stray_words(values)
        if words is None:
            continue
        numbers = _numeric_if_all_numbers(values.mask(words))
        if numbers.dtype == np.dtype(object):
            continue  # codes with leading zeros: text
        present = int(values.notna().sum())
        reason = (
            f"not a number, in a column otherwise numeric ({present - int(words.sum())} of "
            f"its {present} values are numbers): lenient reading treats it as missing, so "
            "the column stays numbers rather than becoming categories; leave unknown values "
            "empty"
        )
        checker.soft(words, str(column), reason)
        checker.frame[column] = numbers
