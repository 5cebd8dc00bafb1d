"""A multi-threaded CSV reader for case-history tables (pyarrow), with pandas as the fallback.

:func:`read_csv_table` parses a UTF-8 table with ``pyarrow.csv`` on every core, every column
as text and only empty fields missing, giving the same frame the single-threaded pandas
reader of :mod:`escalation.data.io` gives (object columns of ``str``, missing values as
missing). Whenever the file is anything but plain, well-formed UTF-8 CSV (another encoding,
invalid bytes, ragged rows, an empty file, a repeated or blank column name), it returns
``None`` and the caller reads the file the old way, so every located error message (the byte
and row of bad text, the line of a ragged row) is exactly what it was, and a column without
a name is reported there. Both readers keep an empty line as a row (every value missing), as
a spreadsheet shows it, so every later row keeps its number; empty lines at the end of the
file, which shift no row, are left out.
"""

from __future__ import annotations

import csv
import io
import mmap
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from escalation.data.columns import memory_pool

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["read_csv_table"]

_BOM: Final = b"\xef\xbb\xbf"
_BLOCK: Final = 1 << 22  # 4 MiB per parsing task
_HEAD: Final = 1 << 16  # a file blank so far is left to the pandas reader
#: What a blank line at the end of a file holds.
_BLANK: Final = b" \t\r\n"


def _layout(file: Path) -> tuple[int, int, list[str], bool] | None:
    """Find where the rows begin and end, the column names and whether any value is quoted.

    Rows begin after a byte-order mark, if any, and end before the line ends that close
    the file (empty lines there shift no row). ``None`` when the file is empty, blank or
    its header cannot be read simply. The file is searched where it lies (memory-mapped),
    not copied.
    """
    try:
        if file.stat().st_size == 0:
            return None
        with (
            file.open("rb") as handle,
            mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data,
        ):
            start = len(_BOM) if data[: len(_BOM)] == _BOM else 0
            if data[start : start + _HEAD].isspace() or len(data) == start:
                return None  # blank (or so it starts): the pandas reader says what is wrong
            end = data.find(b"\n", start)
            names = _header(data[start : len(data) if end < 0 else end])
            quoted = data.find(b'"', start) >= 0
            stop = _text_end(data)
    except (OSError, ValueError):
        return None
    return None if names is None else (start, stop, names, quoted)


def _text_end(data: mmap.mmap) -> int:
    """Return the length of ``data`` up to the end of its last line that is not blank.

    Lines of only spaces and tabs at the end are left out as empty ones are (they shift
    no row); the last line kept keeps its own spaces and one line end (CR or LF) after
    it: pyarrow cannot read a header alone without one.
    """
    stop = len(data)
    while stop > 0 and data[stop - 1] in _BLANK:
        stop -= 1
    ends = [i for i in (data.find(b"\n", stop), data.find(b"\r", stop)) if i >= 0]
    return min(ends) + 1 if ends else len(data)


def _header(line: bytes) -> list[str] | None:
    """Column names from the first line (``None`` when it cannot be read simply)."""
    try:
        text = line.decode("utf-8").rstrip("\r")
    except UnicodeDecodeError:
        return None
    rows = list(csv.reader(io.StringIO(text)))
    if len(rows) != 1:
        return None
    names = rows[0]
    if not names or len(set(names)) != len(names) or any(not n.strip() for n in names):
        return None
    return names


def read_csv_table(
    file: Path, encoding: str = "utf-8", *, text_columns: Collection[str] = ()
) -> pd.DataFrame | None:
    r"""Read one CSV table as text with pyarrow's multi-threaded reader.

    Parameters
    ----------
    file : Path
        The CSV file (a header line, then rows).
    encoding : str, default "utf-8"
        Only UTF-8 (with or without a byte-order mark) is read here.
    text_columns : collection of str
        Columns kept as Arrow-backed text (``pandas.ArrowDtype(pyarrow.string())``) instead
        of Python strings: the contract columns, which validation converts to their own
        types anyway, so no Python object is made for values it only parses or codes.

    Returns
    -------
    pandas.DataFrame or None
        Every column as text (``object`` or, for ``text_columns``, Arrow-backed), empty
        fields missing; ``None`` when the file must be read (and its problems reported) by
        the pandas reader instead.

    Examples
    --------
    >>> path = getfixture("tmp_path") / "t.csv"
    >>> _ = path.write_text("child_id,birth_date\nc1,2015-01-02\nc2,\n")
    >>> read_csv_table(path).to_dict("list")
    {'child_id': ['c1', 'c2'], 'birth_date': ['2015-01-02', nan]}
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if encoding.lower().replace("_", "-") not in {"utf-8", "utf8", "utf-8-sig"}:
        return None
    layout = _layout(file)
    if layout is None:
        return None
    start, stop, names, quoted = layout
    try:
        # The file is mapped, not read into memory: the parsing threads read it in place.
        # An empty line is a row (every value missing), as pandas' reader keeps it.
        with pa.memory_map(str(file)) as source:
            table = pacsv.read_csv(
                source.read_buffer().slice(start, stop - start),
                read_options=pacsv.ReadOptions(use_threads=True, block_size=_BLOCK),
                parse_options=pacsv.ParseOptions(
                    newlines_in_values=quoted, ignore_empty_lines=False
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    null_values=[""],
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                    check_utf8=True,
                ),
                memory_pool=memory_pool(),
            )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
        return None
    if table.column_names != names:
        return None
    arrow_text = pd.ArrowDtype(pa.string())
    columns = {
        name: (
            pd.Series(table.column(name), dtype=arrow_text)
            if name in text_columns
            else _python_strings(table.column(name))
        )
        for name in names
    }
    return pd.DataFrame(columns)


def _python_strings(column: pa.ChunkedArray) -> pd.Series:
    """Return a column of Python strings, missing values NaN, as pandas' reader gives them."""
    values = np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
    values[np.asarray(column.is_null().to_numpy(), dtype=bool)] = np.nan
    return pd.Series(values, dtype=object)
