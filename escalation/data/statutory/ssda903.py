"""Read the DfE SSDA903 looked-after children return (CSV files) into a :class:`CaseHistory`.

The SSDA903 return holds one CSV table per module: ``Header`` (one row per child),
``Episodes`` (one row per change of legal status or placement) and, where present,
``UASC``, ``Missing`` and ``Reviews``. Episodes are joined into periods of care: an episode
with reason for new episode ``RNE = S`` starts a period, and an episode that ceased with
``REC = X1`` continues into the next one. Each period becomes one ``looked_after``
episode; the legal status on entry is the contract's ``legal_status``, and every legal
status and placement code of the period is kept in extra columns. A file of the return's
other tables (``OC2``, ``OC3``, ``AD1``, ``PlacedAdoption``, ``PrevPerm``,
``SocialWorker``) is named as its table in a note and not read.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from escalation.data.codes import ETHNICITIES, LEGAL_STATUSES
from escalation.data.history import CaseHistory
from escalation.data.io import (
    given_date,
    read_csv_text,
    record_of,
    unnamed_columns,
    without_unnamed_columns,
)
from escalation.data.statutory.file_years import (
    collection_year_of,
    name_order,
    told_apart,
    unclear_year,
)
from escalation.data.statutory.merge import merge_returns, same_cell, used_instead
from escalation.data.statutory.problems import Severity, SourceProblem, record_label
from escalation.data.validate import (
    BLANK_ROW,
    END_BEFORE_START,
    NO_CHILD,
    blank_rows,
    ends_before_start,
)
from escalation.errors import DataValidationError

__all__ = [
    "PLACEMENT_CODES",
    "REASONS_EPISODE_CEASED",
    "REASONS_NEW_EPISODE",
    "SSDA903_LAYOUTS",
    "SSDA903_TABLES",
    "read_ssda903",
]

#: Columns of each SSDA903 table the reader uses (others are ignored).
SSDA903_TABLES: Final = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC"),
    "episodes": ("CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "DEC", "REC"),
    "uasc": ("CHILD", "DUC"),
    "missing": ("CHILD", "MISSING", "MIS_START", "MIS_END"),
    "reviews": ("CHILD", "REVIEW"),
}
#: Every table of the return with its columns in the DfE's CSV layout (2016-17 onward);
#: the reader uses the first five and names the others, which it sets aside.
SSDA903_LAYOUTS: Final = {
    "header": ("CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"),
    "episodes": (
        "CHILD", "DECOM", "RNE", "LS", "CIN", "PLACE", "PLACE_PROVIDER", "DEC", "REC",
        "REASON_PLACE_CHANGE", "HOME_POST", "PL_POST", "URN",
    ),
    "uasc": ("CHILD", "SEX", "DOB", "DUC"),
    "missing": ("CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"),
    "reviews": ("CHILD", "DOB", "REVIEW", "REVIEW_CODE"),
    "OC2": (
        "CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK",
        "IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE",
        "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED",
    ),
    "OC3": ("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"),
    "AD1": (
        "CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR",
        "LS_ADOPTR",
    ),
    "PlacedAdoption": (
        "CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED",
    ),
    "PrevPerm": ("CHILD", "DOB", "PREV_PERM", "LA_PERM", "DATE_PERM"),
    "SocialWorker": ("CHILD", "DOB", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON"),
}  # fmt: skip
#: The child's identifier and characteristics, which several tables repeat: they identify
#: no table (an OC3 file with ``SEX`` and ``ETHNIC`` is still the OC3 table).
_CHILD_COLUMNS: Final = frozenset({"CHILD", "SEX", "DOB", "ETHNIC"})
#: Columns that identify a table read, all present: the rule a file is first matched by.
_IDENTIFIED_BY: Final = {
    "episodes": ("DECOM", "RNE"),
    "uasc": ("DUC",),
    "missing": ("MIS_START",),
    "reviews": ("REVIEW",),
}
#: Columns without which a table cannot be read: a file lacking one is not read.
REQUIRED_COLUMNS: Final = {
    "header": ("CHILD", "DOB"),
    "episodes": ("CHILD", "DECOM", "RNE"),
    "uasc": ("CHILD", "DUC"),
    "missing": ("CHILD", "MIS_START"),
    "reviews": ("CHILD", "REVIEW"),
}
#: Columns each row of a table must fill: a row with other values but one of these empty
#: is an error at its row and column, and is not read (the header's ``CHILD`` is checked
#: when the returns are merged, its ``DOB`` by the case-history contract).
_NOT_EMPTY: Final = {
    "episodes": ("CHILD", "DECOM"),
    "uasc": ("CHILD",),
    "missing": ("CHILD", "MIS_START"),
    "reviews": ("CHILD", "REVIEW"),
}
#: Other columns read, when missing from a file: (severity, what becomes of its rows). A
#: child characteristic the case-history contract treats as optional is a note; an
#: episode column, which makes or describes the periods of care, is an error.
_WITHOUT: Final = {
    ("header", "SEX"): (
        "note",
        "sex is unknown for this file's children (optional in the case-history contract)",
    ),
    ("header", "ETHNIC"): (
        "note",
        "ethnicity is unknown for this file's children (optional in the case-history contract)",
    ),
    ("episodes", "LS"): (
        "note",
        "legal status is unknown for this file's episodes (optional in the case-history contract)",
    ),
    ("episodes", "CIN"): ("note", "category of need is unknown for this file's episodes"),
    ("episodes", "PLACE"): ("note", "placement type is unknown for this file's episodes"),
    ("episodes", "DEC"): (
        "error",
        "this file's episodes are read with no end date, so a period of care that ended "
        "reads as still open unless a later file records its end",
    ),
    ("episodes", "REC"): (
        "error",
        "the reason each of this file's episodes ceased is unknown: an episode is read as "
        "continuing its period when the child's next episode does not start one (RNE other "
        "than S), and a death (E2) is not seen",
    ),
    ("missing", "MISSING"): (
        "note",
        "whether each episode was missing (M) or away without authorisation (A) is unknown; "
        "missing_episodes counts both, by MIS_START, so it is read as usual",
    ),
    ("missing", "MIS_END"): (
        "note",
        "when each episode ended is unknown; missing_episodes counts episodes by their "
        "MIS_START, so it is read as usual",
    ),
}
#: Reason for new episode: S starts a period of care; the others continue one.
REASONS_NEW_EPISODE: Final = {
    "S": "Started to be looked after",
    "L": "Change of legal status only",
    "P": "Change of placement and carer(s) only",
    "T": "Change of both legal status and placement and carer(s) at the same time",
    "U": "Change of legal status and placement and carer(s) on the same day, as a result of "
    "the same event",
    "B": "Change of placement but carer(s) unchanged",
}
#: Reason episode ceased: X1 continues the period of care; every other code ends it.
REASONS_EPISODE_CEASED: Final = frozenset(
    {
        "X1",
        "E11",
        "E12",
        "E13",
        "E14",
        "E15",
        "E16",
        "E17",
        "E2",
        "E3",
        "E41",
        "E45",
        "E46",
        "E47",
        "E48",
        "E4A",
        "E4B",
        "E5",
        "E6",
        "E7",
        "E8",
        "E9",
    }
)
#: Placement type codes (SSDA903 guidance, 2018-19 to 2025-26, legacy codes included).
PLACEMENT_CODES: Final = frozenset(
    {
        "A3", "A4", "A5", "A6", "H5", "K1", "K2", "K3", "P1", "P2", "P3", "R1", "R2", "R3",
        "R5", "S1", "T0", "T1", "T2", "T3", "T4", "U1", "U2", "U3", "U4", "U5", "U6", "Z1",
    }
)  # fmt: skip
_SEX: Final = {"1": "M", "2": "F"}
_ELEMENTS: Final = {
    "child_id": "CHILD",
    "birth_date": "DOB",
    "sex": "SEX",
    "ethnicity": "ETHNIC",
    "start": "DECOM",
    "end": "DEC",
    "legal_status": "LS",
    "kind": "REC",
}
_DATE_FORMATS: Final = ("%d/%m/%Y", "%Y-%m-%d")


def _element(table: str, column: str | None, element: str, kind: str | None) -> str | None:
    """Return the column behind a contract column (a death's date is its episode's ``DEC``)."""
    if kind == "death" and column == "start":
        return "DEC"
    return _ELEMENTS.get(column or "", element)


def _csv_problem(
    file: str,
    row: int | None,
    column: str | None,
    value: object,
    reason: str,
    *,
    action: str = "kept",
    severity: Severity = "error",
) -> SourceProblem:
    """Return a problem of one of the return's CSV files, at a data row (from 0) or the file.

    Messages and reports give the row as a spreadsheet shows it (:attr:`SourceProblem.shown_row`).
    """
    return SourceProblem(
        file, row, column, value, reason, unit="row", action=action, severity=severity
    )


def _read_csv(path: Path, problems: list[SourceProblem]) -> pd.DataFrame | None:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        first = error.start
        try:
            text = raw.decode("cp1252")
        except UnicodeDecodeError:
            text = None
    if text is None:
        # Neither UTF-8 nor Windows-1252 (whose five undefined bytes fail): say where.
        readable = raw[:first].decode("utf-8", errors="replace")
        row = record_of(readable, len(readable))
        reason = (
            f"byte {first} is neither UTF-8 nor Windows-1252 text; re-save the file "
            "as UTF-8 (CSV UTF-8 in Excel)"
        )
        problems.append(_csv_problem(path.name, row, None, None, reason, action="file not read"))
        return None
    try:
        frame = read_csv_text(text)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        problems.append(
            _csv_problem(
                path.name,
                getattr(error, "row", None),  # a row with a field too many: that row
                None,
                None,
                f"not readable CSV: {error}",
                action="file not read",
            )
        )
        return None
    frame, ignored = without_unnamed_columns(frame, unnamed_columns(text), path.name, path.name)
    for problem in ignored:  # a column without a name: its values ignored, said
        reason = problem.reason.removeprefix(f"{path.name}: ")
        problems.append(_csv_problem(path.name, None, None, None, reason, action="ignored",
                                     severity="note"))  # fmt: skip
    frame.columns = [str(c).strip().upper() for c in frame.columns]
    return frame


def _drop_nul_rows(
    frame: pd.DataFrame, file: str, action: str, problems: list[SourceProblem]
) -> pd.DataFrame:
    """Report and drop rows with a NUL byte in any field (it would cut the value short)."""
    bad = np.zeros(len(frame), dtype=bool)
    for column, dtype in zip(frame.columns, frame.dtypes, strict=True):
        if column.startswith("_") or dtype != np.dtype(object):
            continue
        has = (frame[column].str.contains("\x00", regex=False) == True).to_numpy(  # noqa: E712
            dtype=bool
        )
        if not has.any():
            continue
        for pos in frame["_pos"].to_numpy()[has].tolist():
            problems.append(
                _csv_problem(
                    file,
                    int(pos),
                    column,
                    None,
                    "holds a NUL byte (character 0), which would cut the value short; the "
                    "file is damaged or was not exported as text",
                    action=action,
                )
            )
        bad |= has
    return frame[~bad]


def _drop_blank_rows(
    frame: pd.DataFrame, file: str, action: str, problems: list[SourceProblem]
) -> pd.DataFrame:
    """Report and drop rows whose every cell is empty, each with one problem.

    The contract's blank-row rule (:data:`~escalation.data.validate.BLANK_ROW`): a
    spreadsheet saved as CSV often ends with such rows (``,,,,,,``); no other rule
    reports them.
    """
    blank = blank_rows(frame[[c for c in frame.columns if not str(c).startswith("_")]])
    for pos in frame["_pos"].to_numpy()[blank].tolist():
        problems.append(_csv_problem(file, int(pos), None, None, BLANK_ROW, action=action))
    return frame[~blank]


def _kinds_of(columns: Iterable[str]) -> list[str]:
    """Return the table(s) a file's columns identify (one, unless the file is ambiguous).

    A table read is identified by all of its :data:`_IDENTIFIED_BY` columns; failing
    that, any table but the header by one of its own columns (those of its layout in
    :data:`SSDA903_LAYOUTS` that are not the child's, :data:`_CHILD_COLUMNS`), so that a
    table the reader does not use is named, and a table read with its key column renamed
    is reported as lacking it; failing that, the header by ``CHILD``, ``SEX``, ``DOB`` and
    ``ETHNIC``. Empty when nothing identifies the file. A file with the header's whole
    layout is the header too: with another table's column, it is both (and not read).

    Examples
    --------
    >>> _kinds_of(["CHILD", "SEX", "DOB", "ETHNIC", "IN_TOUCH", "ACTIV", "ACCOM"])
    ['OC3']
    >>> _kinds_of(["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"])
    ['header']
    >>> _kinds_of(["CHILD", "DECOM", "RNE", "DUC"])
    ['episodes', 'uasc']
    >>> _kinds_of([*SSDA903_LAYOUTS["header"], "IN_TOUCH"])
    ['header', 'OC3']
    """
    have = set(columns)
    header = ["header"] if set(SSDA903_LAYOUTS["header"]) <= have else []
    read = [kind for kind, key in _IDENTIFIED_BY.items() if set(key) <= have]
    if read:
        return header + read
    owning = [
        kind
        for kind, layout in SSDA903_LAYOUTS.items()
        if kind != "header" and (set(layout) - _CHILD_COLUMNS) & have
    ]
    if owning:
        return header + owning
    return ["header"] if {"CHILD", "SEX", "DOB", "ETHNIC"} <= have else []


def _set_aside(name: str, kinds: list[str], columns: Iterable[str]) -> SourceProblem:
    """Return the problem of a file of the tables ``kinds``, which is not read.

    A file of tables the reader does not use (``OC2``, ``AD1``, ...) is a note naming
    them; a file holding the identifying columns of two tables, one of them read, is an
    error: which table its rows belong to cannot be told.
    """
    have = set(columns)
    tables = " and ".join(kinds)
    by = [
        column
        for kind in kinds
        for column in SSDA903_LAYOUTS[kind]
        if column in have and column not in _CHILD_COLUMNS
    ]
    if all(kind not in SSDA903_TABLES for kind in kinds):
        reason = (
            f"the SSDA903 {tables} table{'s' if len(kinds) > 1 else ''} (by the column(s) "
            f"{', '.join(dict.fromkeys(by))}), not used by this reader; not converted"
        )
        return _csv_problem(name, None, None, None, reason, action="ignored", severity="note")
    reason = (
        f"holds the columns of the SSDA903 {tables} tables ({', '.join(dict.fromkeys(by))}): "
        "a file holds one table; not converted: split it, one table per file"
    )
    return _csv_problem(name, None, None, None, reason, action="file not read")


#: Suffixes of files that hold tables but are not CSV: a note says they are not read.
_WORKBOOKS: Final = (".xlsx", ".xlsm", ".xls", ".ods")


def _table_files(root: Path, problems: list[SourceProblem]) -> list[Path]:
    """Return the folder's CSV files (``.csv`` in any case), noting workbooks not read."""
    files = sorted(path for path in root.iterdir() if path.is_file())
    for path in files:
        if path.suffix.lower() in _WORKBOOKS:
            reason = (
                "a workbook, not a CSV file: the SSDA903 reader reads CSV files only; save "
                "each table as CSV (CSV UTF-8 in Excel) to convert it"
            )
            problems.append(
                _csv_problem(
                    path.name,
                    None,
                    None,
                    None,
                    reason,
                    action="ignored",
                    severity="note",
                )
            )
    return [path for path in files if path.suffix.lower() == ".csv"]


def _recognised(name: str, columns: Iterable[str]) -> str | SourceProblem:
    """Return the table a file is read as, or the problem saying why it is not read.

    Examples
    --------
    >>> _recognised("r.csv", ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"])
    'reviews'
    >>> problem = _recognised("oc2.csv", ["CHILD", "SEX", "DOB", "SDQ_SCORE"])
    >>> problem.severity, problem.action
    ('note', 'ignored')
    """
    kinds = _kinds_of(columns)
    if len(kinds) == 1 and kinds[0] in SSDA903_TABLES:
        return kinds[0]
    if kinds:
        return _set_aside(name, kinds, columns)
    return _kind_read_as(name, columns) or _unrecognised(name, columns)


def _unrecognised(name: str, columns: Iterable[str]) -> SourceProblem:
    """Return the problem of a file that is none of the tables read.

    A year's table with a renamed or missing column (:func:`_meant_kind`) is an error:
    as a note, that year's table would be left out with little notice. Any other file
    (someone else's, or a table not read) is a note.
    """
    meant = _meant_kind(name, columns)
    if meant is None:
        reason = (
            "not recognised as a table of the SSDA903 return (none of its tables' columns "
            "identifies it); not converted"
        )
        return _csv_problem(name, None, None, None, reason, action="ignored", severity="note")
    kind, lacking = meant
    reason = (
        f"looks like the SSDA903 {kind} table (by its name or columns) but lacks the "
        f"column(s) {', '.join(lacking)}; not converted: check its header row"
    )
    return _csv_problem(name, None, None, None, reason, action="file not read")


def _meant_kind(name: str, columns: Iterable[str]) -> tuple[str, list[str]] | None:
    """Return the table a file not recognised seems meant to be, and the columns it lacks.

    Meant: the file's name contains the table's (``header_2015.csv``), or it has at least
    half of the table's key columns (:data:`SSDA903_TABLES`), two or more. None for a
    file that is neither (someone else's file, reported as a note).

    Examples
    --------
    >>> _meant_kind("header_2015.csv", ["CHILD", "SEX", "Date of Birth", "ETHNIC"])
    ('header', ['DOB'])
    >>> _meant_kind("notes.csv", ["something", "else"]) is None
    True
    """
    have = {str(column).strip().upper() for column in columns}
    stem = Path(name).stem.lower()
    candidates = []  # (named after it, key columns present, kind, lacking)
    for kind, needed in SSDA903_TABLES.items():
        lacking = [column for column in needed if column not in have]
        present = len(needed) - len(lacking)
        if kind in stem or (present >= 2 and 2 * present >= len(needed)):
            candidates.append((kind in stem, present, kind, lacking))
    if not candidates:
        return None
    _, _, kind, lacking = max(candidates, key=lambda c: (c[0], c[1]))
    return kind, lacking


def _lacking(kind: str, name: str, columns: Iterable[str]) -> tuple[list[SourceProblem], bool]:
    """Return the problems of the expected columns a table's file lacks, and whether it is read.

    A file lacking a column of :data:`REQUIRED_COLUMNS` is not read (an error); each other
    missing column the reader uses is reported, with what becomes of the file's rows.

    Examples
    --------
    >>> problems, read = _lacking("episodes", "episodes_2024.csv", ["CHILD", "DECOM", "RNE"])
    >>> read, [(p.column, p.severity) for p in problems]  # doctest: +NORMALIZE_WHITESPACE
    (True, [('LS', 'note'), ('CIN', 'note'), ('PLACE', 'note'), ('DEC', 'error'),
            ('REC', 'error')])
    >>> _lacking("header", "header.csv", ["CHILD", "SEX"])[1]
    False
    """
    have = set(columns)
    required = [c for c in REQUIRED_COLUMNS[kind] if c not in have]
    if required:
        reason = (
            f"the SSDA903 {kind} table lacks the column(s) {', '.join(required)}, without "
            "which its rows cannot be read; not converted: check its header row"
        )
        problem = _csv_problem(name, None, None, None, reason, action="file not read")
        return [problem], False
    out = []
    for column in SSDA903_TABLES[kind]:
        if column in have or (kind, column) not in _WITHOUT:
            continue
        severity, consequence = _WITHOUT[(kind, column)]
        out.append(
            _csv_problem(
                name,
                None,
                column,
                None,
                f"the column {column} expected in the SSDA903 {kind} table is missing; "
                f"{consequence}",
                action="value dropped",
                severity="note" if severity == "note" else "error",
            )
        )
    return out, True


def _kind_read_as(name: str, columns: Iterable[str]) -> str | None:
    """Return the table a file lacking only columns it can do without is read as, if any.

    Such a file is named after the table (``header_2024.csv`` without ``ETHNIC``), or lacks
    a single one of its key columns; it must have every column of
    :data:`REQUIRED_COLUMNS`.

    Examples
    --------
    >>> _kind_read_as("header_2024.csv", ["CHILD", "SEX", "DOB"])
    'header'
    >>> _kind_read_as("oc3.csv", ["CHILD", "DOB", "IN_TOUCH"]) is None
    True
    """
    meant = _meant_kind(name, columns)
    if meant is None:
        return None
    kind, lacking = meant
    if set(lacking) & set(REQUIRED_COLUMNS[kind]):
        return None
    named = kind in Path(name).stem.lower()
    return kind if named or len(lacking) <= 1 else None


def _parsed_dates(text: pd.Series) -> pd.Series:
    """Return dd/mm/YYYY (or ISO) date text as timestamps (NaT where not a date)."""
    parsed = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    for fmt in _DATE_FORMATS:
        todo = parsed.isna() & text.notna()
        if not todo.any():
            break
        parsed[todo] = pd.to_datetime(text[todo], format=fmt, errors="coerce")
    return parsed


def _collection_year(day: pd.Timestamp) -> int:
    """Return the collection year of a date (``2024``: 1 April 2023 to 31 March 2024).

    Examples
    --------
    >>> _collection_year(pd.Timestamp("2024-03-31")), _collection_year(pd.Timestamp("2024-04-01"))
    (2024, 2025)
    """
    return day.year if day <= pd.Timestamp(day.year, 3, 31) else day.year + 1


def _dates(
    frame: pd.DataFrame, column: str, file: str, problems: list[SourceProblem], action: str
) -> pd.Series:
    """Parse dd/mm/YYYY (or ISO) dates to ISO text; report invalid ones."""
    text = frame[column].str.strip() if column in frame else pd.Series(pd.NA, index=frame.index)
    parsed = _parsed_dates(text)
    bad = parsed.isna() & text.notna() & (text != "")
    for row, value in zip(frame.loc[bad, "_pos"].tolist(), text[bad].tolist(), strict=True):
        problems.append(
            _csv_problem(
                file,
                int(row),
                column,
                value,
                "not a date in the form dd/mm/YYYY",
                action=action,
            )
        )
    iso: pd.Series = parsed.dt.strftime("%Y-%m-%d").where(parsed.notna(), None)
    return iso


def _codes(
    frame: pd.DataFrame,
    column: str,
    allowed: Iterable[str],
    what: str,
    file: str,
    problems: list[SourceProblem],
) -> pd.Series:
    allowed = set(allowed)
    text = (
        frame[column].str.strip()
        if column in frame
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    )
    bad = text.notna() & (text != "") & ~text.isin(allowed)
    for row, value in zip(frame.loc[bad, "_pos"].tolist(), text[bad].tolist(), strict=True):
        problems.append(
            _csv_problem(
                file,
                int(row),
                column,
                value,
                f"unknown {what} code (see the SSDA903 guidance)",
                action="value dropped",
            )
        )
    return text.where(~bad & text.notna() & (text != ""), None)  # empty: None, not NaN


def read_ssda903(
    folder: str | Path,
    *,
    lenient: bool = False,
    extract_date: str | pd.Timestamp | None = None,
) -> CaseHistory:
    r"""Read an SSDA903 return (a folder of CSV files) into a case history.

    Parameters
    ----------
    folder : str or Path
        Folder holding the return's CSV files (``header``, ``episodes`` and optionally
        ``uasc``, ``missing``, ``reviews``; any file names: each file is recognised by
        the columns that identify its table, :data:`SSDA903_LAYOUTS`; a file of another
        table is named in a note). Several years' files of the same table are combined,
        an episode recurring across years (same child and start date) kept once, from
        the file with the latest start or end date; a child in several header files,
        from the one whose name carries the latest collection year (``header_2023-24``).
    lenient : bool, default False
        If False, any error raises one :class:`~escalation.errors.DataValidationError`
        listing every problem; if True, valid rows are kept and every problem is listed in
        ``history.exclusions`` (see :func:`source_report`).
    extract_date : str or Timestamp, optional
        The extract date. When omitted, the 31 March on or after the latest date in the
        episodes (the end of that collection year), stated in
        ``history.extract_date_source``.

    Returns
    -------
    CaseHistory
        Children (``CHILD``, ``DOB``, ``SEX`` 1/2 → M/F, ``ETHNIC``; extra columns
        ``uasc``, ``missing_episodes`` and ``reviews`` when those tables are present) and
        one ``looked_after`` episode per period of care, with ``legal_status`` (on entry)
        and extra columns ``legal_statuses``, ``placement`` (on entry), ``placements``,
        ``category_of_need`` and ``reason_ceased``; a ``death`` for ``REC = E2``.

    Raises
    ------
    DataValidationError
        When the folder has no header or episodes table, or (strict mode) any row
        breaks the guidance or the contract.
    FileNotFoundError
        When ``folder`` is not a folder.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from escalation.data.statutory import read_ssda903
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "header.csv").write_text(
    ...     "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\nA1,1,01/05/2012,WBRI,,,\n")
    >>> _ = (folder / "episodes.csv").write_text(
    ...     "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,"
    ...     "HOME_POST,PL_POST,URN\n"
    ...     "A1,03/01/2022,S,V2,N1,U1,PR1,10/02/2022,X1,,,,\n"
    ...     "A1,10/02/2022,T,C1,N1,U3,PR1,,,,,,\n")
    >>> history = read_ssda903(folder)
    >>> history.episodes[["kind", "legal_status", "placements"]].astype(str).values.tolist()
    [['looked_after', 'V2', 'U1;U3']]
    >>> history.extract_date.date().isoformat(), history.extract_date_source
    ('2022-03-31', 'SSDA903: 31 March after the latest episode date')
    """
    root = Path(folder)
    if not root.is_dir():
        raise FileNotFoundError(f"SSDA903 folder not found: {root}")
    problems: list[SourceProblem] = []
    tables: dict[str, list[tuple[str, pd.DataFrame]]] = {k: [] for k in SSDA903_TABLES}
    refused: list[str] = []  # header files not read: their children are missing
    for path in _table_files(root, problems):
        frame = _read_csv(path, problems)
        if frame is None:
            if "header" in path.stem.lower():
                refused.append(path.name)
            continue
        kind = _recognised(path.name, frame.columns)
        if isinstance(kind, SourceProblem):
            problems.append(kind)
            meant = _meant_kind(path.name, frame.columns)
            meant_header = meant is not None and meant[0] == "header"
            header = meant_header or "header" in _kinds_of(frame.columns)
            if kind.severity == "error" and header:
                refused.append(path.name)
            continue
        lacking, readable = _lacking(kind, path.name, frame.columns)
        problems.extend(lacking)
        if not readable:
            if kind == "header":
                refused.append(path.name)
            continue
        frame = frame.assign(_pos=range(len(frame)), _file=path.name)
        action = {"header": "child excluded", "episodes": "episode excluded"}.get(kind, "ignored")
        frame = _drop_nul_rows(frame, path.name, action, problems)
        frame = _drop_blank_rows(frame, path.name, action, problems)
        frame = _drop_empty_keys(frame, kind, path.name, action, problems)
        tables[kind].append((path.name, frame))
        problems.extend(_unclear_name(path.name))
    problems.extend(_versions_of_a_year(tables["episodes"]))
    context = f"SSDA903 return in {root}"

    def arrange(found: list[SourceProblem]) -> list[SourceProblem]:
        return _arranged(found, refused)

    missing = [k for k in ("header", "episodes") if not any(len(f) for _, f in tables[k])]
    if missing:
        problems.append(
            _csv_problem(
                root.name,
                None,
                None,
                None,
                f"no {' or '.join(missing)} table found (a CSV file with columns "
                f"{', '.join(SSDA903_TABLES[missing[0]])})",
                action="file not read",
            )
        )
        raise DataValidationError(arrange(problems), context)
    episodes = _episodes(tables["episodes"], problems)
    children, unreadable = _children(tables, problems)
    if episodes.empty:
        reason = "no episode could be read (every row of the episodes table has a problem)"
        problems.append(_csv_problem(root.name, None, None, None, reason, action="file not read"))
        raise DataValidationError(arrange(problems), context)
    problems.extend(_without_episodes(children, episodes))
    if extract_date is not None:
        when, source = given_date(extract_date), "given"
    else:
        latest = pd.Timestamp(max(pd.concat([episodes["start"], episodes["end"]]).dropna()))
        year = _collection_year(latest)
        when, source = pd.Timestamp(year, 3, 31), "SSDA903: 31 March after the latest episode date"
    history = merge_returns(
        [],
        problems,
        extract_date=when,
        extract_date_source=source,
        lenient=lenient,
        context=context,
        format_name="SSDA903",
        element_of=_element,
        frames=[(children, episodes)],
        arrange=arrange,
        excluded_ids=unreadable,
    )
    return replace(history, source=(str(folder),))


def _arranged(problems: list[SourceProblem], refused: list[str]) -> list[SourceProblem]:
    """Order problems by file then row, files not read first; name refused header files.

    An episode whose child is missing because a header file could not be read says so,
    so that the cascade of "no child" errors does not hide its cause.
    """
    if refused:
        names = ", ".join(repr(name) for name in refused)
        why = (
            f"; the header file(s) {names} could not be read (reported first) and may "
            "hold this child"
        )
        problems = [
            replace(p, reason=p.reason + why) if p.reason.startswith(NO_CHILD) else p
            for p in problems
        ]

    def key(p: SourceProblem) -> tuple[bool, str, int]:
        not_read = p.row is None and getattr(p, "action", "") == "file not read"
        return (not not_read, str(p.table), -1 if p.row is None else int(p.row))

    return sorted(problems, key=key)


def _without_episodes(children: pd.DataFrame, episodes: pd.DataFrame) -> list[SourceProblem]:
    """Return a note for each child of the header tables with no episode read.

    The child is kept (the contract allows a child with no episode), named at its row in
    the latest header file that holds it.
    """
    have = set(episodes["child_id"].dropna()) if "child_id" in episodes else set()
    latest = children.sort_values("_rank", ascending=False, kind="stable")
    latest = latest.drop_duplicates("child_id")
    alone = latest[latest["child_id"].notna() & ~latest["child_id"].isin(have)]
    reason = (
        "the child has no episode read (none in the episodes tables, or each was excluded "
        "for a problem reported here): kept in the children table with no period of care"
    )
    return [
        _csv_problem(
            str(row["_file"]),
            int(row["_pos"]),
            None,
            None,
            reason,
            action="kept",
            severity="note",
        )
        for row in alone.sort_values(["_file", "_pos"]).to_dict("records")
    ]


def _latest(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Timestamp | None:
    """Return the latest date in a file's ``columns`` (None when it has none)."""
    dates = [_parsed_dates(frame[c].str.strip()) for c in columns if c in frame]
    latest = pd.concat(dates).max() if dates else pd.NaT
    return None if pd.isna(latest) else pd.Timestamp(latest)


def _ranked(files: list[tuple[str, pd.DataFrame]], *date_columns: str) -> pd.DataFrame:
    """Concatenate several years' files; rank files by their latest date (later wins).

    The latest date of any of ``date_columns`` (an episode's start or end: a later year
    may start no period after an earlier year's last, but it ends some); ties and files
    without dates (the header's) ranked by the collection year in their names, then by
    name (:func:`_file_order`).
    """
    ordered = sorted(files, key=lambda item: _file_order(item[0], item[1], date_columns))
    out = [frame.assign(_rank=rank) for rank, (_, frame) in enumerate(ordered)]
    return pd.concat(out, ignore_index=True)


def _file_order(
    name: str, frame: pd.DataFrame, date_columns: tuple[str, ...]
) -> tuple[str, int, tuple[tuple[str, int], ...]]:
    """Return the key that puts a table's files in order, the latest last.

    By the latest date of ``date_columns``, then by the collection year the name carries
    (:func:`~escalation.data.statutory.file_years.collection_year_of`; none first), then
    by name, numbers compared as numbers.

    Examples
    --------
    >>> undated = pd.DataFrame({"CHILD": ["A"]})
    >>> names = ["header_2023-24.csv", "header_2023.csv", "header.csv"]
    >>> sorted(names, key=lambda name: _file_order(name, undated, ()))
    ['header.csv', 'header_2023.csv', 'header_2023-24.csv']
    """
    latest = _latest(frame, date_columns)
    year = collection_year_of(name)
    return (
        "" if latest is None else latest.date().isoformat(),
        -1 if year is None else year,
        name_order(name),
    )


def _unclear_name(name: str) -> list[SourceProblem]:
    """Return the error of a file whose name's collection year cannot be told, if any.

    ``header_2023-25.csv`` names the years 2023 and 2025 (:func:`unclear_year`): the
    reader does not guess which collection year the file holds; its rows are read
    (lenient reading) ranked as a file whose name carries no year.
    """
    why = unclear_year(name)
    if why is None:
        return []
    reason = (
        f"the file's name carries {why}: which collection year the file holds cannot be "
        "told, and is not guessed (it is ranked as a file whose name carries no year); "
        "rename it with its one collection year (2023-24, or 2024 alone, names 1 April "
        "2023 to 31 March 2024)"
    )
    return [_csv_problem(name, None, None, None, reason, action="kept")]


def _versions_of_a_year(files: list[tuple[str, pd.DataFrame]]) -> list[SourceProblem]:
    """Return a note for each episodes file that another of its year records differently.

    Each year's return has its latest episode date in its own collection year (unless
    nothing started or ended in it), so two files whose latest dates share a year and
    record an episode (same ``CHILD`` and ``DECOM``) differently are two versions of one
    return (a resubmission beside the first): the row of the one ranked later by
    :func:`_ranked` is used. The note is on each other file of the year, naming that one.
    Files that agree on every episode they share are not noted: either row gives the same.
    """
    dated = ("DECOM", "DEC")
    years: dict[int, list[tuple[str, pd.DataFrame]]] = {}
    for name, frame in files:
        latest = _latest(frame, dated)
        if latest is not None:
            years.setdefault(_collection_year(latest), []).append((name, frame))
    out = []
    for year, found in sorted(years.items()):
        found.sort(key=lambda item: _file_order(item[0], item[1], dated))
        *others, (used, theirs) = found
        for name, mine in others:
            differ = _differing_episodes(mine, theirs)
            if not differ:
                continue
            reason = (
                f"its latest episode date falls in the collection year {year - 1}-"
                f"{year % 100:02d}, like that of {used!r}, and {differ} episode(s) (same "
                f"CHILD and DECOM) are recorded differently in the two: two versions of one "
                f"year's return? The rows of {used!r} are used; keep only the version to "
                "convert"
            )
            out.append(_csv_problem(name, None, None, None, reason, action="kept", severity="note"))
    return out


def _differing_episodes(mine: pd.DataFrame, theirs: pd.DataFrame) -> int:
    """Return how many episodes (``CHILD`` and ``DECOM``) two files hold with other values.

    The columns compared are those the reader uses (:data:`SSDA903_TABLES`) that both
    have, cells as read (:func:`~escalation.data.statutory.merge.same_cell`).
    """
    columns = [c for c in SSDA903_TABLES["episodes"] if c in mine and c in theirs]
    keys = ["CHILD", "DECOM"]
    compared = [c for c in columns if c not in keys]

    def rows(frame: pd.DataFrame) -> pd.DataFrame:
        stripped = pd.DataFrame({c: frame[c].str.strip() for c in columns})
        return stripped.drop_duplicates()

    both = rows(mine).merge(rows(theirs), on=keys, suffixes=("", "_theirs"))
    differ = {
        (row["CHILD"], row["DECOM"])
        for row in both.to_dict("records")
        if not all(same_cell(row[c], row[f"{c}_theirs"]) for c in compared)
    }
    return len(differ)


def _children(
    tables: dict[str, list[tuple[str, pd.DataFrame]]], problems: list[SourceProblem]
) -> tuple[pd.DataFrame, list[str]]:
    """Return the header tables' children and the identifiers of rows excluded here.

    A row whose ``DOB`` is not a date is excluded (reported by :func:`_dates`): its child's
    episodes go with it, unless another row holds the child.
    """
    head = _ranked(tables["header"])
    out = pd.DataFrame({"child_id": head["CHILD"].str.strip() if "CHILD" in head else None})
    births = []
    for name, part in head.groupby("_file", sort=False):
        births.append(_dates(part, "DOB", str(name), problems, "child excluded"))
    out["birth_date"] = pd.concat(births).reindex(head.index)
    sexes = []
    for name, part in head.groupby("_file", sort=False):
        sexes.append(_codes(part, "SEX", _SEX, "sex", str(name), problems).map(_SEX.get))
    out["sex"] = pd.concat(sexes).reindex(head.index)
    ethnic = []
    for name, part in head.groupby("_file", sort=False):
        ethnic.append(_codes(part, "ETHNIC", ETHNICITIES, "ethnicity", str(name), problems))
    out["ethnicity"] = pd.concat(ethnic).reindex(head.index)
    out["disability"] = None
    bad_birth = out["birth_date"].isna() & head["DOB"].notna()
    out = out.assign(
        _file=head["_file"],
        _rank=head["_rank"],
        _pos=head["_pos"],
        _el="CHILD",
        _ref=None,
        _unit="row",
    )
    excluded = [str(child) for child in out.loc[bad_birth, "child_id"].dropna() if child]
    out = out[~bad_birth]  # reported by _dates; no birth date, no child
    problems.extend(_untold_conflicts(out))
    ids = out["child_id"]
    known = set(ids.dropna())
    if tables["uasc"]:
        out["uasc"] = ids.isin(_uasc_children(tables["uasc"], known, problems))
    for kind, column, extra in (
        ("missing", "MIS_START", "missing_episodes"),
        ("reviews", "REVIEW", "reviews"),
    ):
        if tables[kind]:
            counts = _dated_counts(tables[kind], (column, extra), known, problems)
            out[extra] = ids.map(counts).fillna(0).astype("int64")
    return out.reset_index(drop=True), excluded


def _uasc_children(
    files: list[tuple[str, pd.DataFrame]], known: set[str], problems: list[SourceProblem]
) -> set[str]:
    """Return the children the UASC tables (all their files) name.

    A ``DUC`` (date UASC status ceased; empty while the child is still UASC) that is not a
    date is an error at its row (:func:`_dates`, as every date of the return): the value is
    dropped and the row still names its child as UASC. A row of a child in no header
    table is a note (:func:`_of_no_child`).
    """
    uasc = _ranked(files, "DUC")
    problems.extend(_of_no_child(uasc, known, "uasc"))
    for name, part in uasc.groupby("_file", sort=False):
        _dates(part, "DUC", str(name), problems, "value dropped")
    return set(uasc["CHILD"].str.strip().dropna())


#: The children's characteristics the header gives, by their source column.
_CHARACTERISTICS: Final = {"DOB": "birth_date", "SEX": "sex", "ETHNIC": "ethnicity"}


def _untold_conflicts(children: pd.DataFrame) -> list[SourceProblem]:
    """Return an error for each two header files, not told apart, that disagree on a column.

    Header files hold no dates: the one whose values are kept for a child in several is
    told by the collection years in their names (:func:`_ranked`). Two files whose names
    carry no year, or the same one, are ranked by name alone; when they record a different
    ``DOB``, ``SEX`` or ``ETHNIC`` for some child (both recorded), which is the child's
    current value cannot be told. The error names the files, the column and how many
    children, never a child or a value.
    """
    firsts = children.drop_duplicates(["_file", "child_id"])
    files = firsts.sort_values("_rank").drop_duplicates("_file")["_file"].tolist()
    out = []
    for at, earlier in enumerate(files):
        for later in files[at + 1 :]:
            if told_apart(earlier, later):
                continue
            pair = firsts[firsts["_file"] == earlier].merge(
                firsts[firsts["_file"] == later], on="child_id", suffixes=("", "_later")
            )
            for column, field in _CHARACTERISTICS.items():
                mine, theirs = pair[field], pair[f"{field}_later"]
                differ = int((mine.notna() & theirs.notna() & (mine != theirs)).sum())
                if differ:
                    out.append(_untold(earlier, later, column, differ))
    return out


def _untold(earlier: str, later: str, column: str, children: int) -> SourceProblem:
    """Return the error of two header files not told apart that disagree on ``column``."""
    years = [collection_year_of(name) for name in (earlier, later)]
    if years[0] is not None and years[0] == years[1]:
        why = f"both are named for the collection year {years[0] - 1}-{years[0] % 100:02d}"
    else:
        unnamed = " and ".join(
            repr(n) for n, y in zip((earlier, later), years, strict=True) if y is None
        )
        why = f"no collection year in the name of {unnamed}"
    reason = (
        f"the header files {earlier!r} and {later!r} record a different {column} for "
        f"{children} child(ren), and which is the later return cannot be told ({why}): "
        f"the values of {later!r}, last in name order, are kept; put each year's collection "
        "year in its files' names (header_2023-24.csv) or keep one version of the year"
    )
    return _csv_problem(later, None, column, None, reason, action="kept")


def _dated_counts(
    files: list[tuple[str, pd.DataFrame]],
    what: tuple[str, str],
    known: set[str],
    problems: list[SourceProblem],
) -> pd.Series:
    """Return each child's count of distinct dates in a table's column (all its files).

    ``what`` is the table's date column and the children's column the counts become.

    A row recurring across years (same child and date) counts once; a row whose date is
    not a date is reported and not counted, and so is a row of a child in no header table
    (a note: the child is not in the children table). Rows with an empty child or date
    were reported and dropped on reading (:func:`_drop_empty_keys`).
    """
    column, extra = what
    table = _ranked(files, column)
    problems.extend(_of_no_child(table, known, extra))
    dated = []
    for name, part in table.groupby("_file", sort=False):
        file = str(name)
        day = _dates(part, column, file, problems, "ignored")
        dated.append(pd.DataFrame({"child": part["CHILD"].str.strip(), "day": day}))
    if not dated:  # every row was blank or keyless, each reported on reading
        return pd.Series(dtype="int64")
    rows = pd.concat(dated).dropna().drop_duplicates()
    counts: pd.Series = rows["child"].value_counts()
    return counts


def _of_no_child(table: pd.DataFrame, known: set[str], extra: str) -> list[SourceProblem]:
    """Return a note for each row of a table whose child is in no header table.

    ``extra`` is the children's column the table gives (``uasc``, ``reviews``, ...).
    """
    child = table["CHILD"].str.strip()
    alone = table[child.notna() & (child != "") & ~child.isin(known)]
    reason = (
        "no child with this CHILD in the header tables (or only in rows excluded there): "
        f"the row is not used for the children's {extra} column"
    )
    return [
        _csv_problem(
            str(row["_file"]),
            int(row["_pos"]),
            "CHILD",
            None,
            reason,
            action="ignored",
            severity="note",
        )
        for row in alone.to_dict("records")
    ]


def _episodes(files: list[tuple[str, pd.DataFrame]], problems: list[SourceProblem]) -> pd.DataFrame:
    raw = _ranked(files, "DECOM", "DEC")
    # Each file's own columns: the files are joined, so a column one year lacks is there,
    # empty, beside the years that have it.
    columns_of = {name: set(frame.columns) for name, frame in files}
    parts = []
    for name, part in raw.groupby("_file", sort=False):
        file = str(name)
        parsed = pd.DataFrame(
            {
                "child": part["CHILD"].str.strip() if "CHILD" in part else None,
                "decom": _dates(part, "DECOM", file, problems, "episode excluded"),
                "dec": _dates(part, "DEC", file, problems, "episode excluded"),
                "rne": _codes(
                    part, "RNE", REASONS_NEW_EPISODE, "reason for new episode", file, problems
                ),
                "ls": _codes(part, "LS", LEGAL_STATUSES, "legal status", file, problems),
                "cin": _codes(
                    part, "CIN", [f"N{i}" for i in range(1, 9)], "category of need", file, problems
                ),
                "place": _codes(part, "PLACE", PLACEMENT_CODES, "placement type", file, problems),
                "rec": _codes(
                    part, "REC", REASONS_EPISODE_CEASED, "reason episode ceased", file, problems
                ),
                "rec_known": "REC" in columns_of[file],
                "_file": file,
                "_rank": part["_rank"],
                "_pos": part["_pos"],
                "bad_dec": part["DEC"].notna() if "DEC" in part else False,
                "decom_read": _as_read(part, "DECOM"),
                "dec_read": _as_read(part, "DEC"),
            }
        )
        parsed["bad_dec"] = parsed["bad_dec"] & parsed["dec"].isna()
        parsed["child"] = parsed["child"].where(parsed["child"] != "")
        _report_empty(part, "episodes", file, "episode excluded", problems)
        backwards = _ending_before_start(parsed, file, problems)
        keep = parsed["decom"].notna() & ~parsed["bad_dec"] & ~backwards & parsed["child"].notna()
        repeated = _repeated(part, parsed, keep, file, problems)
        parsed["excluded"] = ~keep
        parts.append(parsed[~repeated])
    every = pd.concat(parts)
    eps = every[~every["excluded"]]
    _used_instead(every, eps, problems)
    # an episode recurring in several years' files: keep the latest file's row
    eps = eps.sort_values("_rank", ascending=False, kind="stable")
    eps = eps.drop_duplicates(["child", "decom"]).sort_values(["child", "decom"], kind="stable")
    return _periods(eps.drop(columns=["excluded", "bad_dec"]), problems)


def _as_read(part: pd.DataFrame, column: str) -> pd.Series:
    """Return a column's text as read (stripped; ``None`` where absent), for messages."""
    if column not in part:
        return pd.Series(None, index=part.index, dtype=object)
    return part[column].str.strip().astype(object).where(part[column].notna(), None)


def _ending_before_start(
    parsed: pd.DataFrame, file: str, problems: list[SourceProblem]
) -> pd.Series:
    """Report and mark the rows whose ``DEC`` is before their ``DECOM`` (the contract's rule).

    Each row is judged on its own, before the rows are joined into periods of care, so that
    such a row is excluded at its own row and never displaces another year's record of the
    episode (:func:`_used_instead`), and a period is never made from it.
    """
    backwards = pd.Series(
        ends_before_start(pd.to_datetime(parsed["decom"]), pd.to_datetime(parsed["dec"])),
        index=parsed.index,
    )
    for pos, value in zip(
        parsed.loc[backwards, "_pos"].tolist(), parsed.loc[backwards, "dec_read"], strict=True
    ):
        problems.append(
            _csv_problem(file, int(pos), "DEC", value, END_BEFORE_START, action="episode excluded")
        )
    return backwards


def _report_empty(
    part: pd.DataFrame, kind: str, file: str, action: str, problems: list[SourceProblem]
) -> pd.Series:
    """Report each row of a table whose :data:`_NOT_EMPTY` column is empty; return them.

    Blank rows are dropped before (:func:`_drop_blank_rows`), so each such row holds other
    values: an episode, a UASC record, a missing episode or a review whose child (or date)
    is missing. Each empty column is an error at its row and column (value ``<empty>``).
    """
    empty = pd.Series(False, index=part.index)
    for column in _NOT_EMPTY[kind]:
        if column not in part:
            continue
        blank = part[column].fillna("").str.strip() == ""
        for pos in part.loc[blank, "_pos"].tolist():
            reason = (
                f"{column} is empty, which the SSDA903 {kind} table requires: the row is not read"
            )
            problems.append(_csv_problem(file, int(pos), column, None, reason, action=action))
        empty |= blank
    return empty


def _drop_empty_keys(
    frame: pd.DataFrame, kind: str, file: str, action: str, problems: list[SourceProblem]
) -> pd.DataFrame:
    """Report and drop the rows of a UASC, Missing or Reviews file with an empty key.

    The episodes table reports such rows in :func:`_episodes` (an excluded episode is
    still matched with other years' files); the header's empty ``CHILD`` is reported when
    the returns are merged.
    """
    if kind not in _NOT_EMPTY or kind == "episodes":
        return frame
    return frame[~_report_empty(frame, kind, file, action, problems)]


def _repeated(
    part: pd.DataFrame,
    parsed: pd.DataFrame,
    keep: pd.Series,
    file: str,
    problems: list[SourceProblem],
) -> pd.Series:
    """Report and mark the rows of one file repeating an earlier row's child and DECOM.

    A row identical in every column is a copy (made in data entry or by the extract); a
    row differing in some column is a second, conflicting record of the episode. Either
    way the first row is kept and the column(s) that differ are named, never their values.
    """
    # Among the rows kept only: a row excluded for a bad value is not the episode's first
    # record (the corrected row after it is then the one kept, not a repeat).
    candidates = keep.to_numpy()
    repeats = np.zeros(len(parsed), dtype=bool)
    repeats[candidates] = parsed[candidates].duplicated(["child", "decom"], keep="first").to_numpy()
    again = pd.Series(repeats, index=parsed.index)
    if not again.any():
        return again
    columns = [c for c in part.columns if not str(c).startswith("_")]
    values = part[columns].astype(object).to_dict("index")
    firsts: dict[tuple[object, object], Hashable] = {}
    kept = zip(parsed.index[keep], parsed["child"][keep], parsed["decom"][keep], strict=True)
    for at, child, decom in kept:
        firsts.setdefault((child, decom), at)
    positions = {at: int(pos) for at, pos in part["_pos"].items()}
    twice = zip(
        parsed.index[repeats], parsed["child"][repeats], parsed["decom"][repeats], strict=True
    )
    for at, child, decom in twice:
        origin = firsts[(child, decom)]
        mine, theirs = values[at], values[origin]
        differ = [str(c) for c in columns if not same_cell(mine[c], theirs[c])]
        first, own = record_label("row", positions[origin]), positions[at]
        if differ:
            reason = (
                f"the same child and DECOM as {first} but a different {', '.join(differ)}: "
                f"two records of one episode; {first} is kept"
            )
        else:
            reason = (
                f"repeats {first}: the same episode, identical in every column (a copy made "
                "in data entry or by the extract, which would count it twice); delete one"
            )
        problems.append(
            _csv_problem(
                file,
                own,
                "DECOM",
                mine.get("DECOM"),
                reason,
                action="episode excluded",
            )
        )
    return again


def _used_instead(every: pd.DataFrame, kept: pd.DataFrame, problems: list[SourceProblem]) -> None:
    """Say which earlier file's record of an episode stands in for a row excluded for a date.

    An episode recurs in each year's file while it is open; when the latest file's row is
    excluded (a ``DECOM`` or ``DEC`` that is not a date), an earlier file's row of the same
    episode is used instead, and it may lack the episode's end (an earlier file's row
    excluded is said to be superseded by the later file's). With a readable ``DECOM``
    that row is the one with the same child and ``DECOM``; with an unreadable one, it is
    an episode of the child open in an earlier file that the later file does not otherwise
    hold. The exclusion's reason is extended to say so (``problems`` is changed in place).
    """
    bad = every[every["excluded"] & every["child"].notna()]
    if bad.empty:
        return
    at = {
        (p.table, p.row): i
        for i, p in enumerate(problems)
        if isinstance(p, SourceProblem)
        and p.action == "episode excluded"
        and p.column in ("DECOM", "DEC")
    }
    by_child = {child: group for child, group in kept.groupby("child", sort=False)}
    for row in bad.to_dict("records"):
        index = at.get((row["_file"], int(row["_pos"])))
        if index is None or row["child"] not in by_child:
            continue
        extra = _stand_in(row, by_child[row["child"]])
        if extra:
            problem = problems[index]
            problems[index] = problem.with_hint(extra)


def _stand_in(row: dict[Hashable, Any], theirs: pd.DataFrame) -> str:
    """Return the hint :func:`_used_instead` gives an excluded row's problem ('' for none).

    ``theirs`` are the rows kept of the excluded row's child, from every file.
    """
    known = row["decom"] is not None and not pd.isna(row["decom"])
    if known:
        same = theirs[theirs["decom"] == row["decom"]]
        later = same[same["_rank"] > row["_rank"]]
        if not later.empty:  # a later year's record supersedes this row anyway
            used = later.sort_values(["_rank", "_pos"]).iloc[-1]
            return used_instead(_where(used), later=True)
        # an earlier year's record, or another row of this file (the first kept)
        older = same[same["_rank"] <= row["_rank"]]
    else:
        here = theirs[theirs["_file"] == row["_file"]]
        mine = set(zip(here["child"], here["decom"], strict=True))
        older = theirs[theirs["_rank"] < row["_rank"]]
        elsewhere = np.array(
            [(c, d) not in mine for c, d in zip(older["child"], older["decom"], strict=True)], bool
        )
        older = older[older["dec"].isna().to_numpy(dtype=bool) & elsewhere]
    if older.empty:
        return ""
    here = older[older["_rank"] == row["_rank"]]  # this file's own record of the episode
    used = here.iloc[0] if len(here) else older.sort_values(["_rank", "_pos"]).iloc[-1]
    if not known:
        return (
            f"its start cannot be read, so the episode of this child open in {_where(used)} "
            "and missing from this file is taken to be this one: that earlier record, which "
            "has no end date, is used instead (its period reads as open)"
        )
    return used_instead(_where(used), later=False, end=used["dec"])


def _where(row: pd.Series) -> str:
    """Name an episodes row as problems do: ``'episodes_2023.csv' (row 2)``."""
    return f"{row['_file']!r} ({record_label('row', int(row['_pos']))})"


def _periods(eps: pd.DataFrame, problems: list[SourceProblem]) -> pd.DataFrame:
    """Join episodes into periods of care (RNE S starts one; REC X1 continues it)."""
    rows: list[dict[Hashable, Any]] = []
    current: dict[Hashable, Any] | None = None
    previous: dict[Hashable, Any] | None = None

    def report(ep: dict[Hashable, Any], column: str, value: object, reason: str) -> None:
        problems.append(
            _csv_problem(
                str(ep["_file"]),
                int(str(ep["_pos"])),
                column,
                value,
                reason,
                action="kept",
            )
        )

    def close(period: dict[Hashable, Any] | None) -> None:
        if period is not None:
            rows.append(period)

    for ep in eps.to_dict("records"):
        same_child = previous is not None and previous["child"] == ep["child"]
        if not same_child:
            close(current)
            current = None
            if previous is not None and previous["rec"] == "X1":
                report(
                    previous,
                    "REC",
                    "X1",
                    "ceased with X1 (continues) but no later episode "
                    "follows; the period is treated as still open",
                )
                rows[-1]["end"] = rows[-1]["_end_read"] = None
            previous = None
        if previous is not None and previous["dec"] is None:
            report(ep, "DECOM", ep["decom_read"], "starts while the previous episode is still open")
        starts = ep["rne"] == "S"
        continues = previous is not None and (
            previous["rec"] == "X1" or (not previous["rec_known"] and not starts)
        )
        if starts and continues:
            report(
                ep,
                "RNE",
                "S",
                "RNE S (new period) follows an episode that ceased with X1 "
                "(continues); read as a new period",
            )
        elif not starts and previous is not None and not continues:
            report(
                ep,
                "RNE",
                ep["rne"],
                "continues a period whose previous episode ended it "
                f"(REC {previous['rec']}); read as a new period",
            )
        elif not starts and previous is None:
            problems.append(
                _csv_problem(
                    str(ep["_file"]),
                    int(str(ep["_pos"])),
                    "RNE",
                    ep["rne"],
                    "the child's first episode does not start a period (RNE is not S): the period "
                    "began before these data; its start is this episode's DECOM",
                    action="kept",
                    severity="note",
                )
            )
        if continues and previous is not None and previous["dec"] != ep["decom"] and not starts:
            report(
                ep,
                "DECOM",
                ep["decom_read"],
                "does not start on the date the previous episode ceased (X1)",
            )
        if current is None or not continues or starts:
            close(current)
            current = {
                "child_id": ep["child"],
                "kind": "looked_after",
                "start": ep["decom"],
                "legal_status": ep["ls"],
                "legal_statuses": [],
                "placement": ep["place"],
                "placements": [],
                "category_of_need": ep["cin"],
                "_file": ep["_file"],
                "_rank": ep["_rank"],
                "_pos": ep["_pos"],
                "_start_read": ep["decom_read"],
            }
        for key, value in (("legal_statuses", ep["ls"]), ("placements", ep["place"])):
            seen = current[key]
            assert isinstance(seen, list)
            if value is not None and (not seen or seen[-1] != value):
                seen.append(value)
        current["end"], current["_end_read"] = ep["dec"], ep["dec_read"]
        current["_end_file"], current["_end_pos"] = ep["_file"], ep["_pos"]
        current["reason_ceased"] = ep["rec"]
        if ep["rec"] == "E2" and ep["dec"] is not None:
            rows.append(
                {
                    "child_id": ep["child"],
                    "kind": "death",
                    "start": ep["dec"],
                    "end": None,
                    "_file": ep["_file"],
                    "_rank": ep["_rank"],
                    "_pos": ep["_pos"],
                    "_start_read": ep["dec_read"],
                }
            )
        previous = ep
    close(current)
    if previous is not None and previous["rec"] == "X1":
        report(
            previous,
            "REC",
            "X1",
            "ceased with X1 (continues) but no later episode follows; "
            "the period is treated as still open",
        )
        for row in reversed(rows):
            if row["kind"] == "looked_after":
                row["end"] = row["_end_read"] = None
                break
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    for key in ("legal_statuses", "placements"):
        frame[key] = [";".join(v) if isinstance(v, list) and v else None for v in frame[key]]
    for key in ("legal_statuses", "placements", "placement", "category_of_need", "reason_ceased"):
        frame[key] = frame[key].astype("string")
    return frame.assign(_el="DECOM", _ref=None, _unit="row")
