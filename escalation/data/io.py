"""Reading and writing case histories as folders of CSV or Parquet files.

A case-history folder holds ``children``, ``episodes`` and (optionally) ``notes`` as
``.csv`` or ``.parquet`` files, plus ``case_history.json`` recording the extract date
when the package wrote the folder.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
import re
import warnings
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from escalation.data.columns import blank_text
from escalation.data.csv_reader import read_csv_table
from escalation.data.history import (
    CHILDREN_COLUMNS,
    EPISODE_COLUMNS,
    NOTE_COLUMNS,
    REQUIRED_TABLES,
    TABLES,
    CaseHistory,
    empty_notes,
)
from escalation.data.validate import validate_case_history
from escalation.errors import (
    DataValidationError,
    DataWarning,
    Problem,
    RecordProblem,
    spreadsheet_column,
)

__all__ = [
    "METADATA_FILE",
    "TableFormat",
    "TooManyFieldsError",
    "check_encoding",
    "given_date",
    "is_utf8_beyond_ascii",
    "read_case_history",
    "read_csv_text",
    "record_of",
    "unnamed_columns",
    "without_unnamed_columns",
    "write_case_history",
]

TableFormat = Literal["csv", "parquet"]
METADATA_FILE = "case_history.json"
#: Empty lines (or lines of spaces and tabs) above a CSV file's header.
_LEADING_EMPTY_LINES = re.compile(r"\A(?:[ \t]*(?:\r\n|\r|\n))+")
#: The lines that end a text holding only spaces and tabs, with the line end before them.
_TRAILING_BLANK_LINES = re.compile(r"(?:\r\n|\r|\n)[ \t\r\n]*\Z")


def read_case_history(
    path: str | Path,
    *,
    extract_date: str | pd.Timestamp | None = None,
    lenient: bool = False,
    encoding: str = "utf-8",
) -> CaseHistory:
    """Read a case history from a folder of CSV or Parquet files and validate it.

    Parameters
    ----------
    path : str or Path
        Folder holding ``children.csv`` (or ``.parquet``), ``episodes.csv`` (or
        ``.parquet``) and optionally ``notes.csv`` (or ``.parquet``).
    extract_date : str or Timestamp, optional
        The date the data were extracted. When omitted, it is taken from
        ``case_history.json`` in the folder (written by :func:`write_case_history`);
        if neither is available the read fails, since the extract date cannot be guessed.
    lenient : bool, default False
        Keep valid rows and report the rest in ``history.exclusions`` instead of raising.
    encoding : str, default "utf-8"
        Text encoding of CSV files (a UTF-8 byte-order mark is accepted). Files saved by
        Excel on Windows are often ``"cp1252"``. A UTF-8 file holding a character outside
        ASCII read as another encoding (which would garble it: ``Zoë`` as ``ZoÃ«``) is
        refused, naming its first garbled value's row and column.

    Returns
    -------
    CaseHistory
        The validated history in normal form.

    Raises
    ------
    DataValidationError
        When a file is missing, ambiguous or unreadable, or (strict mode) when any row
        breaks the contract. The message lists every problem.
    FileNotFoundError
        When ``path`` is not a folder.
    ValueError
        When ``encoding`` is not a known text encoding.

    Warns
    -----
    DataWarning
        When a CSV header cell holds no name over a column with values (``child_id,
        birth_date,``): the column's values are ignored; the warning names the table, the
        file and the column's letter (``column C``).

    Notes
    -----
    Problems give the row a spreadsheet shows (the header is row 1, the first data row
    row 2); a note whose text runs over several lines is one row, as a spreadsheet shows
    it. A NUL byte (character 0) in a CSV field is reported at its row and column
    rather than cutting the value short.

    Examples
    --------
    >>> from escalation import read_case_history
    >>> history = read_case_history("data/", extract_date="2024-03-31")  # doctest: +SKIP
    """
    folder = Path(path)
    check_encoding(encoding)
    if folder.is_file():
        raise NotADirectoryError(
            f"{folder} is a file, not a case-history folder: give the folder that holds "
            "children, episodes and (optionally) notes"
        )
    if not folder.is_dir():
        raise FileNotFoundError(f"case-history folder not found: {folder}")
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame] = {}
    for table in TABLES:
        frame, table_problems = _read_table(folder, table, encoding)
        problems += table_problems
        if frame is not None:
            tables[table] = frame
    when, source = _extract_date(folder, extract_date, problems)
    if problems:
        raise DataValidationError(problems, f"case history in {folder}")
    history = CaseHistory(
        children=tables["children"],
        episodes=tables["episodes"],
        notes=tables.get("notes", empty_notes()),
        extract_date=when,
        extract_date_source=source,
        source=(str(folder),),
    )
    return validate_case_history(history, lenient=lenient, context=f"case history in {folder}")


def _read_table(
    folder: Path, table: str, encoding: str
) -> tuple[pd.DataFrame | None, list[Problem]]:
    candidates = [folder / f"{table}.{ext}" for ext in ("csv", "parquet")]
    present = [p for p in candidates if p.is_file()]
    if len(present) > 1:
        reason = f"both {table}.csv and {table}.parquet exist; keep only one"
        return None, [Problem(table, None, None, None, reason)]
    if not present:
        if table in REQUIRED_TABLES and (folder / table).is_dir():
            reason = (
                f"{table}/ is a folder: this is a partitioned case history, which "
                "`escalation validate` and `escalation build` read partition by partition "
                f"(docs/scaling.md); this step reads one {table}.csv or {table}.parquet"
            )
            return None, [Problem(table, None, None, None, reason)]
        unread = _lookalikes(folder, table)
        if unread:
            # a table saved under another name or format (children.xlsx, Notes.csv) is
            # never passed over in silence, optional or not
            reason = (
                f"file not found: expected {table}.csv or {table}.parquet, found "
                f"{', '.join(unread)}, which is not read: save it as {table}.csv (CSV UTF-8) "
                f"or {table}.parquet"
            )
            return None, [Problem(table, None, None, None, reason)]
        if table in REQUIRED_TABLES:
            reason = f"file not found: expected {table}.csv or {table}.parquet"
            return None, [Problem(table, None, None, None, reason)]
        return None, []
    file = present[0]
    if file.suffix == ".parquet":
        try:
            return pd.read_parquet(file), []
        except (OSError, ValueError) as error:  # pyarrow's errors derive from these
            reason = f"{file.name} is not a readable Parquet file ({type(error).__name__})"
            return None, [Problem(table, None, None, None, reason)]
    contract = {"children": CHILDREN_COLUMNS, "episodes": EPISODE_COLUMNS, "notes": NOTE_COLUMNS}
    # Multi-threaded; contract columns stay Arrow text (validation gives them their types);
    # None: read the old way.
    fast = read_csv_table(file, encoding, text_columns=contract.get(table, {}))
    if fast is not None:
        return fast, []
    return _read_csv(file, table, encoding)


def _lookalikes(folder: Path, table: str) -> list[str]:
    """Return the files in ``folder`` named as ``table`` but not read as it, sorted.

    Its name, in any case, with another extension or in another case
    (``children.xlsx``, ``Children.csv``, ``NOTES.CSV``): the table the user meant,
    which the reader would otherwise not see. Hidden files are left out.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> for name in ("Notes.csv", "notes.xlsx", "notes_2023.csv", ".notes.csv"):
    ...     _ = (folder / name).write_text("")
    >>> _lookalikes(folder, "notes")
    ['Notes.csv', 'notes.xlsx']
    """
    return sorted(
        path.name
        for path in folder.iterdir()
        if path.is_file()
        and not path.name.startswith(".")
        and path.name.split(".", 1)[0].lower() == table
    )


def check_encoding(encoding: str) -> str:
    """Return ``encoding`` if Python knows it as a text encoding; raise ValueError if not.

    Examples
    --------
    >>> check_encoding("cp1252")
    'cp1252'
    """
    try:
        info = codecs.lookup(encoding)
    except (LookupError, TypeError):
        info = None
    if info is None or not getattr(info, "_is_text_encoding", True):
        raise ValueError(
            f"unknown text encoding {encoding!r}: use a name such as 'utf-8' or 'cp1252' "
            "(the encoding Excel on Windows uses)"
        )
    return encoding


def record_of(text: str, position: int) -> int:
    r"""Return the 0-based data row (the header not counted) holding character ``position``.

    Rows are CSV records, as a spreadsheet shows them: a quoted value running over several
    lines is one row. Empty lines above the header are not counted, as the readers skip
    them (rows count from the header).

    Examples
    --------
    >>> record_of('id,text\na,"two\nlines"\nb,x\n', 22)
    1
    """
    lead = _LEADING_EMPTY_LINES.match(text)  # skipped above the header, as the readers do
    skipped = lead.end() if lead is not None and lead.end() <= position else 0
    prefix = text[skipped:position]
    records = sum(1 for _ in csv.reader(io.StringIO(prefix)))
    complete = prefix.endswith(("\n", "\r")) or not prefix
    return max(records - (1 if not complete else 0) - 1, 0)


def _placeholder(text: str) -> str:
    """Return a private-use character absent from ``text``, to carry NUL bytes through parsing."""
    for code in range(0xE000, 0xF8FF):
        if chr(code) not in text:
            return chr(code)
    raise ValueError("no free character to stand for NUL bytes")  # pragma: no cover


def read_csv_text(text: str) -> pd.DataFrame:
    """Parse CSV text to a frame of strings, keeping NUL bytes inside the values.

    pandas' parser ends a value at a NUL byte, silently cutting ``C0000001`` + NUL +
    ``X`` to ``C0000001``; here each NUL is carried through as a stand-in character and
    put back afterwards, so the validator reports it at its row and column.

    An empty line (or one of spaces) is a row, every value missing or blank, as a
    spreadsheet shows it, so each later record keeps its row number (:func:`record_of`
    counts rows alike); empty lines (or lines of spaces and tabs) at the end of the text,
    which shift no row, are left out, and so are empty lines above the header, as before
    (rows are counted from the header, row 1). A column name the header repeats is kept as
    written (pandas would rename the second ``sex`` to ``sex.1``), so that validation
    reports it.

    Raises
    ------
    TooManyFieldsError
        When a row holds more fields than the header names (pandas would read a first
        row's extra leading fields as row labels and shift every value); it names the row.
    pandas.errors.ParserError, pandas.errors.EmptyDataError
        When the text is not CSV.
    """
    nul = "\x00" in text
    stand_in = _placeholder(text) if nul else ""
    text = _TRAILING_BLANK_LINES.sub("", _LEADING_EMPTY_LINES.sub("", text, count=1), count=1)
    try:
        frame = pd.read_csv(
            io.StringIO(text.replace("\x00", stand_in) if nul else text),
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            skip_blank_lines=False,
            engine="c",
        )
    except pd.errors.ParserError as error:
        raise _too_many_fields(text) or error from error
    if not isinstance(frame.index, pd.RangeIndex):
        # pandas takes a first data row with more fields than the header has names as
        # "the first fields are the row labels", shifting every value of every row into
        # the wrong column; refuse instead.
        fields = len(frame.columns) + frame.index.nlevels
        raise TooManyFieldsError(0, fields, len(frame.columns))
    header = next(csv.reader(io.StringIO(text)), [])
    if len(set(header)) < len(header) == len(frame.columns):
        # pandas renames a repeated name (a second ``sex`` becomes ``sex.1``, an extra
        # column): keep the names as written, so validation reports the repeat.
        frame.columns = pd.Index(header, dtype=object)
    if nul:
        frame.columns = [str(c).replace(stand_in, "\x00") for c in frame.columns]
        for column in frame.columns.unique():
            values = frame[column]
            if values.str.contains(stand_in, regex=False).any():
                frame[column] = values.str.replace(stand_in, "\x00", regex=False)
    return frame


class TooManyFieldsError(pd.errors.ParserError):
    """A CSV record holds more fields than the header names columns, at data row ``row``.

    ``row`` is the record's 0-based data row (the header not counted; a quoted value over
    several lines is one row), as :class:`~escalation.errors.RecordProblem` takes it.

    Examples
    --------
    >>> str(TooManyFieldsError(1, 4, 3)).split(":")[0]
    'has 4 fields but the header names 3 columns'
    """

    def __init__(self, row: int, fields: int, columns: int) -> None:
        self.row = row
        super().__init__(
            f"has {fields} fields but the header names {columns} columns: a separator too "
            "many, or a value holding an unquoted separator (quote the value, or name every "
            "column in the header)"
        )


def _too_many_fields(text: str) -> TooManyFieldsError | None:
    """Return the error of the first record with more fields than the header, if any.

    Records are counted as :func:`record_of` counts them (``text`` starts at the header).
    """
    try:
        records = csv.reader(io.StringIO(text))
        columns = len(next(records, []))
        for row, record in enumerate(records):
            if len(record) > columns:
                return TooManyFieldsError(row, len(record), columns)
    except csv.Error:
        return None
    return None


def _read_csv(file: Path, table: str, encoding: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    raw = file.read_bytes()
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in {"utf-8", "utf8"} else encoding
    try:
        text = raw.decode(codec)
    except UnicodeDecodeError as error:
        # Rows counted on the bytes (one character each): decoded with the wrong encoding
        # they hold no line break, and every byte before the error would be row 2.
        readable = raw[: error.start].decode("latin-1")
        row = record_of(readable, len(readable))
        reason = (
            f"{file.name} is not valid {encoding} text (byte {error.start}); re-save it "
            "as UTF-8, or give the file's encoding (command line: --encoding cp1252; "
            "Python: encoding='cp1252')"
        )
        if codec != "utf-8-sig" and is_utf8_beyond_ascii(raw):
            reason = (
                f"{file.name} is not valid {encoding} text (byte {error.start}): it is UTF-8 "
                "text; read it as UTF-8 (command line: --encoding utf-8, the default; "
                "Python: encoding='utf-8')"
            )
        return None, [RecordProblem(table, row, None, None, reason)]
    try:
        frame = read_csv_text(text)
    except TooManyFieldsError as error:
        return None, [RecordProblem(table, error.row, None, None, f"{file.name}: {error}")]
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        return None, [Problem(table, None, None, None, f"{file.name} is not readable CSV: {error}")]
    if any("\x00" in str(c) for c in frame.columns):
        reason = f"{file.name}: a column name in the header holds a NUL byte (character 0)"
        return None, [Problem(table, None, None, None, reason)]
    if codec != "utf-8-sig" and is_utf8_beyond_ascii(raw):
        return None, [_garbled(frame, table, file.name, encoding)]
    frame, ignored = without_unnamed_columns(frame, unnamed_columns(text), table, file.name)
    for problem in ignored:
        warnings.warn(DataWarning(problem), stacklevel=4)
    return frame, []


def is_utf8_beyond_ascii(raw: bytes) -> bool:
    """Return whether ``raw`` is UTF-8 text holding a character outside ASCII.

    Such text read in another encoding (cp1252, latin-1) is garbled without an error: each
    character outside ASCII becomes two or three (``Zoë`` reads ``ZoÃ«``). Text in cp1252
    with a letter outside ASCII is almost never valid UTF-8 (``ë`` alone is byte 0xEB,
    which UTF-8 cannot end a text or precede a letter with).

    Examples
    --------
    >>> is_utf8_beyond_ascii("Zoë".encode()), is_utf8_beyond_ascii("Zoë".encode("cp1252"))
    (True, False)
    >>> is_utf8_beyond_ascii(b"Zoe")
    False
    """
    if raw.isascii():
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _garbled(frame: pd.DataFrame, table: str, file: str, encoding: str) -> Problem:
    """Return the problem of a UTF-8 file read as ``encoding``, at its first garbled value.

    The value is shown only as the disclosure rule allows (never a personal one).
    """
    reason = (
        f"{file} is UTF-8 text but was read as {encoding}, which garbles every character "
        "outside ASCII ('ë' reads 'Ã«'); read it as UTF-8 (command line: --encoding utf-8, "
        "the default; Python: encoding='utf-8')"
    )
    # A character that starts a UTF-8 sequence, then one that continues it, as decoded.
    lead = bytes(range(0xC2, 0xF5)).decode(encoding, errors="ignore")
    follow = bytes(range(0x80, 0xC0)).decode(encoding, errors="ignore")
    pattern = f"[{re.escape(lead)}][{re.escape(follow)}]"
    first: tuple[int, int] | None = None
    for at in range(frame.shape[1]):
        values = frame.iloc[:, at]
        if pd.api.types.infer_dtype(values, skipna=True) != "string":
            continue  # no text (a column with no value)
        hits = np.flatnonzero(values.str.contains(pattern, regex=True, na=False).to_numpy(bool))
        if hits.size and (first is None or (int(hits[0]), at) < first):
            first = (int(hits[0]), at)
    if first is None:  # only the header (a byte-order mark read as ï»¿) is garbled
        return Problem(table, None, None, None, f"{reason}; the header is garbled")
    row, at = first
    return RecordProblem(table, row, str(frame.columns[at]), frame.iat[row, at], reason)


def unnamed_columns(text: str) -> list[int]:
    r"""Return the 0-based positions of the cells of a CSV text's header that hold no name.

    The header is the first line read (empty lines above it are skipped, as the readers
    skip them); a cell empty or of spaces only has no name (``child_id,birth_date,``).

    Examples
    --------
    >>> unnamed_columns("child_id,,birth_date, \nc1,x,2015-01-01,y\n")
    [1, 3]
    """
    try:
        header = next(csv.reader(io.StringIO(_LEADING_EMPTY_LINES.sub("", text, count=1))), [])
    except csv.Error:
        return []
    return [at for at, name in enumerate(header) if not name.strip()]


def without_unnamed_columns(
    frame: pd.DataFrame, unnamed: list[int], table: str, file: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """Drop the columns whose header cell holds no name; return a problem for each with values.

    A column without a name is no contract column and cannot be named as an extra one
    (pandas would call it ``Unnamed: 2``, a covariate no one named). Its values are
    ignored: each such column holding a value gives a problem naming the table, the file
    and the column's letter as a spreadsheet shows it, never a value. A column with no
    value (the separator a spreadsheet leaves at the end of each line) is dropped without
    one: nothing is lost.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read, one column per header cell.
    unnamed : list of int
        The positions :func:`unnamed_columns` gives.
    table, file : str
        The table the problems name, and the file it was read from.
    """
    if not unnamed or len(unnamed) > frame.shape[1]:
        return frame, []
    problems = []
    for at in unnamed:
        values = frame.iloc[:, at]
        count = int((~blank_text(values.astype("string"))).sum())
        if count:
            reason = (
                f"{file}: column {spreadsheet_column(at)} has no name in the header, so its "
                f"{count} value{'s' if count != 1 else ''} {'are' if count != 1 else 'is'} "
                "ignored; name the column to keep it (an extra column), or delete it"
            )
            problems.append(Problem(table, None, None, None, reason))
    kept = [at for at in range(frame.shape[1]) if at not in set(unnamed)]
    return frame.iloc[:, kept], problems


def _extract_date(
    folder: Path, given: str | pd.Timestamp | None, problems: list[Problem]
) -> tuple[pd.Timestamp, str]:
    if given is not None:
        return _timestamp(given, "extract_date argument", problems), "given"
    meta = folder / METADATA_FILE
    if meta.is_file():
        try:
            value = json.loads(meta.read_text(encoding="utf-8")).get("extract_date")
        except (ValueError, AttributeError):
            reason = "not readable JSON with an extract_date; fix it or pass the extract date"
            problems.append(Problem(METADATA_FILE, None, "extract_date", None, reason))
            value = None
        if value:
            return _timestamp(value, METADATA_FILE, problems), METADATA_FILE
    problems.append(
        Problem(
            "case history",
            None,
            None,
            None,
            "no extract date: give the date the data were extracted (command line: "
            "--extract-date YYYY-MM-DD; Python: extract_date=...; or set [data] extract_date "
            "in the design file)",
        )
    )
    return pd.Timestamp("1970-01-01"), "missing"


def given_date(value: object, what: str = "extract_date") -> pd.Timestamp:
    """Read a date given as an argument (``YYYY-MM-DD`` text, a date or a Timestamp).

    Raises
    ------
    DataValidationError
        When the value is not a date written ``YYYY-MM-DD``.

    Examples
    --------
    >>> given_date("2024-03-31").date().isoformat()
    '2024-03-31'
    """
    problems: list[Problem] = []
    when = _timestamp(value, f"the {what} given", problems)
    if problems:
        raise DataValidationError(problems, f"the {what} given")
    return when


def _timestamp(value: object, where: str, problems: list[Problem]) -> pd.Timestamp:
    if isinstance(value, dt.date):  # a date, datetime or Timestamp
        return pd.Timestamp(value).normalize()
    parsed = pd.to_datetime(str(value), format="%Y-%m-%d", errors="coerce")
    if pd.isna(parsed):
        problems.append(
            Problem("case history", None, "extract_date", value, f"{where} is not YYYY-MM-DD")
        )
        return pd.Timestamp("1970-01-01")
    return pd.Timestamp(parsed)


def write_case_history(
    history: CaseHistory,
    path: str | Path,
    *,
    format: TableFormat = "parquet",
    overwrite: bool = False,
) -> Path:
    """Write a case history to a folder that :func:`read_case_history` reads back.

    Parameters
    ----------
    history : CaseHistory
        The history to write.
    path : str or Path
        Destination folder (created if needed). The tables of a case history written
        there before (the folder has its ``case_history.json``) are replaced, in either
        format, so no stale table is read back.
    format : {"parquet", "csv"}, default "parquet"
        File format of the tables. CSV dates are written as ``YYYY-MM-DD``.
    overwrite : bool, default False
        Also replace (or remove) table files this function did not write, e.g. the
        ``episodes.csv`` of an SSDA903 return or a hand-made ``notes.csv``.

    Returns
    -------
    Path
        The folder written.

    Raises
    ------
    FileExistsError
        When the folder holds ``children``, ``episodes`` or ``notes`` tables that were
        not written by this function, and ``overwrite`` is false (nothing is written).
    """
    if format not in ("csv", "parquet"):
        raise ValueError(f"format must be 'csv' or 'parquet', not {format!r}")
    folder = Path(path)
    present = [
        folder / f"{table}.{ext}"
        for table in TABLES
        for ext in ("csv", "parquet")
        if (folder / f"{table}.{ext}").exists()
    ]
    if present and not overwrite and not (folder / METADATA_FILE).is_file():
        raise FileExistsError(
            f"{folder} already holds {', '.join(p.name for p in present)}, which "
            "write_case_history did not write (the folder has no "
            f"{METADATA_FILE}); writing there would replace them. Choose another folder, "
            "or pass overwrite=True."
        )
    folder.mkdir(parents=True, exist_ok=True)
    for stale in present:
        stale.unlink(missing_ok=True)
    frames = {"children": history.children, "episodes": history.episodes, "notes": history.notes}
    for table, frame in frames.items():
        if table == "notes" and frame.empty:
            continue
        target = folder / f"{table}.{format}"
        if format == "parquet":
            frame.to_parquet(target, index=False)
        else:
            frame.to_csv(target, index=False, date_format="%Y-%m-%d")
    metadata = {
        "extract_date": history.extract_date.date().isoformat(),
        "extract_date_source": history.extract_date_source,
        "rows": {table: len(frame) for table, frame in frames.items()},
    }
    (folder / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    return folder
