"""Column parsers behind validation: dates, yes/no values, identifiers and codes as text.

A column reaches validation as Python objects (pandas' CSV reader, a frame a user built), as
Arrow text (the multi-threaded CSV reader, :mod:`escalation.data.csv_reader`) or typed
(Parquet). Each parser here gives the same result for the same values whatever the
representation. Values that repeat (codes, identifiers, yes/no) are worked on once per
distinct value; dates written ``YYYY-MM-DD`` are parsed in ``pyarrow.compute``, and only the
rows written otherwise go to the general parser, so a column with one odd date costs little
more than a clean one and its message is exactly the general parser's.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "DATE_FORMATS",
    "MONTH_FORMATS",
    "as_text",
    "blank_text",
    "coded",
    "distinct_identifiers",
    "distinct_text",
    "expand",
    "factorize",
    "has_nul",
    "header_words",
    "memory_pool",
    "parse_bools",
    "parse_dates",
    "positions",
    "text_faults",
]

#: Accepted written forms of dates, tried in order (ISO first; UK day-first next).
DATE_FORMATS = (
    "%Y-%m-%d",
    "%d/%m/%Y",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
)
#: Written forms of a month without its day, read as the 1st: the contract allows them in
#: ``birth_date`` only ("day precision; a month-only date is read as the 1st").
MONTH_FORMATS = ("%Y-%m", "%m/%Y")
_EPOCH: Final = dt.date(1970, 1, 1)
#: First and last whole days pandas can hold at nanosecond precision (days since 1970).
_FIRST_DAY: Final = (dt.date(1677, 9, 22) - _EPOCH).days
_LAST_DAY: Final = (dt.date(2262, 4, 11) - _EPOCH).days
_NO_DAY: Final = np.iinfo(np.int64).min
_NS_PER_DAY: Final = 86_400 * 10**9
_ISO_SHAPE: Final = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
_STRIPPED: Final = r"(?s)^[\x21-\x7e](.*[\x21-\x7e])?$"
_TRUE: Final = frozenset({"true", "t", "yes", "y", "1"})
_FALSE: Final = frozenset({"false", "f", "no", "n", "0"})


def parse_dates(values: pd.Series, *, month_only: bool = False) -> tuple[pd.Series, pd.Series]:
    """Parse a column of dates to day precision.

    Accepts datetimes, ``datetime.date`` objects and text in ISO 8601 (``2024-03-31``) or
    UK day-first (``31/03/2024``) form; with ``month_only``, also a month without its day
    (``2024-03``, ``03/2024``: :data:`MONTH_FORMATS`), read as the 1st.

    Parameters
    ----------
    values : pandas.Series
        The raw column.
    month_only : bool, default False
        Accept a month without its day (the contract allows it in ``birth_date`` only).

    Returns
    -------
    parsed : pandas.Series
        ``datetime64[ns]`` values normalised to midnight; ``NaT`` where empty or invalid.
    invalid : pandas.Series of bool
        True where a non-empty value could not be read as a real calendar date.

    Notes
    -----
    Text written exactly ``YYYY-MM-DD`` naming a real day pandas can hold is parsed in one
    vectorised pass; every other row (another form, padding, an impossible or out-of-range
    day) goes to the general parser, which tries :data:`DATE_FORMATS` (then, with
    ``month_only``, :data:`MONTH_FORMATS`) in turn. The first
    of those formats accepts exactly the rows the vectorised pass parses, so the result is
    the general parser's for every row.

    Examples
    --------
    >>> parsed, invalid = parse_dates(pd.Series(["2024-03-31", "31/03/2024", "2024-02-30"]))
    >>> parsed.dt.strftime("%Y-%m-%d").tolist(), invalid.tolist()
    (['2024-03-31', '2024-03-31', nan], [False, False, True])
    >>> [parse_dates(pd.Series(["2024-03"]), month_only=m)[1].tolist() for m in (False, True)]
    [[True], [False]]
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        parsed = pd.Series(values, copy=False)
        if isinstance(parsed.dtype, pd.DatetimeTZDtype):
            parsed = parsed.dt.tz_localize(None)
        parsed = parsed.dt.normalize().astype("datetime64[ns]")
        return parsed, pd.Series(False, index=values.index)
    formats = DATE_FORMATS + MONTH_FORMATS if month_only else DATE_FORMATS
    text = _arrow_text(values, convert=True)
    if text is None:
        return _general_dates(values, formats)
    days, rest = _iso_days(text)
    midnights = _datetimes(days)
    invalid = np.zeros(len(values), dtype=bool)
    if rest.any():
        rows = np.flatnonzero(rest)
        rest_parsed, rest_invalid = _general_dates(values.iloc[rows], formats)
        midnights[rows] = rest_parsed.to_numpy()
        invalid[rows] = rest_invalid.to_numpy(dtype=bool)
    return (
        pd.Series(midnights, index=values.index),
        pd.Series(invalid, index=values.index, dtype="boolean"),
    )


def _general_dates(
    values: pd.Series, formats: tuple[str, ...] = DATE_FORMATS
) -> tuple[pd.Series, pd.Series]:
    """Parse any column of dates, trying each of ``formats`` in turn."""
    text = values.astype("string").str.strip()
    empty = text.isna() | (text == "")
    present = ~empty.to_numpy(dtype=bool)
    strings = text.to_numpy(dtype=object)
    midnights = np.full(len(values), np.datetime64("NaT"), dtype="datetime64[ns]")
    for fmt in formats:
        todo = np.isnat(midnights) & present
        if not todo.any():
            break
        midnights[todo] = pd.to_datetime(strings[todo], format=fmt, errors="coerce")
    parsed = pd.Series(midnights, index=values.index)
    todo = parsed.isna() & ~empty
    if todo.any() and values.dtype == object:  # date objects read from Parquet
        objects = values[todo]
        is_date = objects.map(lambda v: hasattr(v, "year") and hasattr(v, "month"))
        if is_date.any():
            parsed[objects.index[is_date]] = pd.to_datetime(objects[is_date], errors="coerce")
    parsed = parsed.dt.normalize()
    return parsed, parsed.isna() & ~empty


def _iso_days(text: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Days since 1970 of values written ``YYYY-MM-DD``, and the rows left to other parsers.

    Returns
    -------
    days : numpy.ndarray of int64
        The day of each plain ISO date pandas can hold; ``_NO_DAY`` elsewhere.
    rest : numpy.ndarray of bool
        True where a value is present (and not empty text) but was not parsed here.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        # Arrow's cast accepts exactly zero-padded YYYY-MM-DD naming a real day (no
        # padding, no time, no impossible day): one pass when a whole column is clean.
        as_days = pc.cast(
            pc.cast(text, pa.date32(), memory_pool=memory_pool()),
            pa.int32(),
            memory_pool=memory_pool(),
        )
    except pa.ArrowInvalid:
        days, blank = _iso_days_with_blanks(text)
        # Empty text ("") is an empty date, as the general parser reads it.
        present = _valid(text) & ~blank
    else:
        days, present = _cast_days(as_days), _valid(text)
    days[(days < _FIRST_DAY) | (days > _LAST_DAY)] = _NO_DAY  # outside pandas' range
    return days, present & (days == _NO_DAY)


def _cast_days(as_days: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """Day numbers of Arrow ``int32`` days as a writable array (``_NO_DAY`` where null)."""
    days = np.array(_filled(as_days, 0).to_numpy(), dtype=np.int64)  # a writable copy
    days[~_valid(as_days)] = _NO_DAY
    return days


def _iso_days_with_blanks(text: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_iso_days`' days when Arrow's cast refused the column, and its empty texts.

    A column whose only values the cast refuses are empty texts ("", as a CSV read without
    missing-value markers gives) is cast once more with them as missing; any other is read
    row by row.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    is_blank = _filled(pc.equal(text, "", memory_pool=memory_pool()), False)
    blank = np.asarray(is_blank.to_numpy(), dtype=bool)
    if blank.any():
        missing = pa.scalar(None, type=text.type)
        try:
            as_days = pc.cast(
                pc.cast(
                    pc.if_else(is_blank, missing, text, memory_pool=memory_pool()),
                    pa.date32(),
                    memory_pool=memory_pool(),
                ),
                pa.int32(),
                memory_pool=memory_pool(),
            )
        except pa.ArrowInvalid:
            pass
        else:
            return _cast_days(as_days), blank
    return _iso_days_by_row(text), blank


def _valid(array: pa.ChunkedArray) -> np.ndarray:
    """Return True where an Arrow value is present."""
    import pyarrow.compute as pc

    return np.asarray(pc.is_valid(array, memory_pool=memory_pool()).to_numpy(), dtype=bool)


def _iso_days_by_row(text: pa.ChunkedArray) -> np.ndarray:
    """:func:`_iso_days` for a column with some values Arrow's cast refuses, row by row."""
    import pyarrow as pa
    import pyarrow.compute as pc

    shaped = _filled(pc.match_substring_regex(text, _ISO_SHAPE, memory_pool=memory_pool()), False)
    safe = pc.if_else(
        shaped, text, "1970-01-01", memory_pool=memory_pool()
    )  # digits in every row, so casts succeed

    def part(start: int, stop: int) -> np.ndarray:
        digits = pc.cast(
            pc.utf8_slice_codeunits(safe, start, stop, memory_pool=memory_pool()),
            pa.int64(),
            memory_pool=memory_pool(),
        )
        return np.asarray(digits.to_numpy(), dtype=np.int64)

    year, month, day = part(0, 4), part(5, 7), part(8, 10)
    ok = np.asarray(shaped.to_numpy(), dtype=bool) & (month >= 1) & (month <= 12) & (day >= 1)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    first = months.astype("datetime64[D]").astype(np.int64)
    length = (months + 1).astype("datetime64[D]").astype(np.int64) - first
    ok &= day <= length
    return np.where(ok, first + day - 1, _NO_DAY)


def _datetimes(days: np.ndarray) -> np.ndarray:
    """``datetime64[ns]`` midnights of day numbers (``NaT`` for ``_NO_DAY``)."""
    missing = days == _NO_DAY
    nanoseconds = np.where(missing, 0, days) * _NS_PER_DAY
    out = nanoseconds.view("datetime64[ns]")
    out[missing] = np.datetime64("NaT")
    return out


def _arrow_text(values: pd.Series, *, convert: bool = False) -> pa.ChunkedArray | None:
    """Return the column as Arrow text, or ``None`` when it is not all text.

    Arrow text (the CSV reader's) is returned as it is; with ``convert``, a column of
    Python strings (and missing values) is converted.
    """
    import pyarrow as pa

    dtype = values.dtype
    if isinstance(dtype, pd.ArrowDtype):
        if pa.types.is_string(dtype.pyarrow_dtype) or pa.types.is_large_string(dtype.pyarrow_dtype):
            return pa.chunked_array(values.array.__arrow_array__())
        return None
    if not convert or not (dtype == np.dtype(object) or isinstance(dtype, pd.StringDtype)):
        return None
    if pd.api.types.infer_dtype(values, skipna=True) not in ("string", "empty"):
        return None  # numbers, dates, bytes (Arrow would decode them), ...
    converted = pa.array(
        values.to_numpy(dtype=object), type=pa.string(), from_pandas=True, memory_pool=memory_pool()
    )
    return pa.chunked_array([converted])


def factorize(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    r"""Return codes (-1 where missing) and the distinct values of a column.

    As ``pandas.factorize``, except that text is compared whole: pandas' hash table for
    columns of text ends each value at a NUL byte (character 0), so that ``"c3"`` and a
    damaged ``"c3"`` + NUL + ``"x"`` would be one value, and the damaged row's value could
    stand for the good rows. Text is encoded in Arrow instead.

    Examples
    --------
    >>> codes, distinct = factorize(pd.Series(["c3", "c3\x00x", None, "c3"]))
    >>> codes.tolist(), distinct.tolist()
    ([0, 1, -1, 0], ['c3', 'c3\x00x'])
    """
    arrow = _arrow_text(values, convert=True)
    if arrow is None:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        return codes, np.asarray(uniques, dtype=object)
    codes, distinct = _encode(arrow)
    return codes, np.asarray(distinct.to_numpy(zero_copy_only=False), dtype=object)


def _encode(text: pa.ChunkedArray) -> tuple[np.ndarray, pa.Array]:
    """Dictionary-encode Arrow text: codes (-1 where missing) and the distinct values."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(text, memory_pool=memory_pool()).combine_chunks(memory_pool())
    codes = _filled(encoded.indices, -1).to_numpy(zero_copy_only=False)
    return np.asarray(codes, dtype=np.intp), encoded.dictionary


def parse_bools(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse a column of yes/no values (``true/false``, ``yes/no``, ``1/0``, ``t/f``).

    Returns
    -------
    parsed : pandas.Series
        Nullable ``boolean`` values (``<NA>`` where empty or invalid).
    invalid : pandas.Series of bool
        True where a non-empty value is not a recognised yes/no.

    Examples
    --------
    >>> parsed, invalid = parse_bools(pd.Series(["Yes", " false ", "maybe", None]))
    >>> parsed.tolist(), invalid.tolist()
    ([True, False, <NA>, <NA>], [False, False, True, False])
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean"), pd.Series(False, index=values.index)
    codes, text = distinct_text(values)  # few distinct values: decide on those
    lowered = text.str.lower()
    yes = lowered.isin(_TRUE).fillna(False).to_numpy(dtype=bool)
    no = lowered.isin(_FALSE).fillna(False).to_numpy(dtype=bool)
    answer = pd.Series(pd.arrays.BooleanArray(yes & ~no, ~(yes | no)), index=text.index)
    parsed = expand(answer, codes)
    parsed.index = values.index
    invalid = answer.isna().to_numpy() & text.notna().to_numpy()
    return parsed, pd.Series(invalid[codes], index=values.index, dtype="boolean")


def blank_text(text: pd.Series) -> np.ndarray:
    """Return True where ``string`` text is missing or only whitespace.

    Text holding a printable ASCII character other than the space is not blank (Python's
    whitespace is never printable ASCII), which Arrow finds in one pass; only the rest
    (empty, whitespace, other alphabets) is stripped in Python.
    """
    import pyarrow.compute as pc

    missing = text.isna().to_numpy(dtype=bool)
    arrow = _arrow_text(text, convert=True)  # no lone surrogates after check_cells
    if arrow is None:
        return missing | (text.str.strip() == "").fillna(False).to_numpy(dtype=bool)
    printable = pc.match_substring_regex(arrow, r"[\x21-\x7e]", memory_pool=memory_pool())
    rest = np.flatnonzero(~missing & ~np.asarray(_filled(printable, True).to_numpy(), dtype=bool))
    blank = missing.copy()
    blank[rest] = text.iloc[rest].str.strip().eq("").to_numpy(dtype=bool)
    return blank


def distinct_text(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Factorise a column and return (codes, distinct values as stripped text).

    Work on distinct values only: coded columns and identifiers repeat, so this is fast.
    The last entry of the distinct values is always missing; missing input, and text that
    is empty once stripped, maps to it. Distinct values may strip to the same text.

    Examples
    --------
    >>> codes, text = distinct_text(pd.Series(["a ", None, "b", "a ", "  "]))
    >>> codes.tolist(), text.tolist()
    ([0, 3, 1, 0, 2], ['a', 'b', <NA>, <NA>])
    """
    codes, text, _ = _distinct(values, identifiers=False)
    return codes, text


def distinct_identifiers(values: pd.Series) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """:func:`distinct_text` of an identifier column, a whole-number float read as an integer.

    Identifiers are text. A column of whole numbers with a blank cell reaches pandas
    (from Excel, Parquet) as floating point: its ``1001.0`` is read ``'1001'``, as a column
    of integers gives it and the Annex A reader reads an identifier cell. A floating-point
    value that is not a whole number held exactly (a fraction, or beyond 2**53, where
    floating point no longer holds every whole number) is no identifier: it keeps its text
    as written and is marked.

    Returns
    -------
    codes, text
        As :func:`distinct_text`.
    inexact : numpy.ndarray of bool
        True for a distinct value (aligned with ``text``) stored as a floating-point number
        that is not an exact whole number.

    Examples
    --------
    >>> codes, text, inexact = distinct_identifiers(pd.Series([1001.0, None, 7.5]))
    >>> codes.tolist(), text.tolist(), inexact.tolist()
    ([0, 2, 1], ['1001', '7.5', <NA>], [False, True, False])
    """
    return _distinct(values, identifiers=True)


def _distinct(values: pd.Series, *, identifiers: bool) -> tuple[np.ndarray, pd.Series, np.ndarray]:
    """Return :func:`distinct_text` or (``identifiers``) :func:`distinct_identifiers`."""
    arrow = _arrow_text(values, convert=True)
    stripped: list[str | None]
    inexact: list[bool] = []
    if arrow is not None:  # text: encoded in Arrow, Python strings for distinct values only
        codes, distinct = _encode(arrow)
        stripped = _stripped_arrow(distinct).tolist()
    else:  # numbers, dates, ...: the text of each distinct value
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        objects = np.asarray(uniques, dtype=object)
        if identifiers:
            inexact = [_inexact(v) for v in objects]
            objects = np.array([_whole(v) for v in objects], dtype=object)
        written = pd.Series(objects, dtype=object).astype("string").tolist()
        stripped = [(v.strip() or None) if isinstance(v, str) else None for v in written]
    text = pd.Series([*stripped, None], dtype=pd.StringDtype())
    marked = np.zeros(len(text), dtype=bool)
    marked[: len(inexact)] = inexact
    return np.where(codes < 0, len(text) - 1, codes), text, marked


#: Beyond this, floating point no longer holds every whole number.
_EXACT_FLOAT: Final = 2.0**53


def _inexact(value: object) -> bool:
    """Return whether a value is a float that is not an exact whole number."""
    if not isinstance(value, float | np.floating):
        return False
    number = float(value)
    return not number.is_integer() or abs(number) > _EXACT_FLOAT


def _whole(value: object) -> object:
    """Return an exact whole-number float as an integer; any other value as it is."""
    if isinstance(value, float | np.floating) and not _inexact(value):
        return int(value)
    return value


def _stripped_arrow(distinct: pa.Array) -> np.ndarray:
    """Python strings of Arrow text values, stripped, with ``""`` as None."""
    import pyarrow.compute as pc

    objects = np.asarray(distinct.to_numpy(zero_copy_only=False), dtype=object)
    # Python's whitespace is never printable ASCII: values that begin and end with a
    # printable ASCII character are already stripped (nearly all of them).
    plain = _filled(pc.match_substring_regex(distinct, _STRIPPED, memory_pool=memory_pool()), False)
    for i in np.flatnonzero(~np.asarray(plain.to_numpy(zero_copy_only=False), dtype=bool)):
        objects[i] = objects[i].strip() or None
    return objects


def expand(distinct: pd.Series, codes: np.ndarray) -> pd.Series:
    """Map factorised codes back to a full column of distinct values."""
    return pd.Series(distinct.array.take(codes))


def as_text(values: pd.Series) -> pd.Series:
    """Return values as stripped strings, with empty strings as missing."""
    codes, text = distinct_text(values)
    return expand(text, codes)


def positions(values: pd.Series, among: pd.Series) -> np.ndarray:
    """Return where each text value first occurs in ``among`` (-1: absent or missing).

    Looked up in Arrow, whole values compared (see :func:`factorize`).

    Examples
    --------
    >>> positions(pd.Series(["b", None, "z"]), pd.Series(["a", "b"])).tolist()
    [1, -1, -1]
    """
    return _index_in(values, _as_arrow(among))


def _as_arrow(column: pd.Series) -> pa.Array:
    """Return a column of text (and missing values) as an Arrow array."""
    import pyarrow as pa

    return pa.array(
        column.astype(object).to_numpy(),
        type=pa.string(),
        from_pandas=True,
        memory_pool=memory_pool(),
    )


def _index_in(values: pd.Series, value_set: pa.Array) -> np.ndarray:
    """:func:`positions` with the values looked among already in Arrow."""
    import pyarrow.compute as pc

    found = pc.index_in(
        _as_arrow(values), value_set=value_set, skip_nulls=True, memory_pool=memory_pool()
    )
    return np.asarray(_filled(found, -1).to_numpy(zero_copy_only=False), dtype=np.intp)


def coded(values: pd.Series, codes: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return each value's position in a code list (-1: none) and where it is empty.

    A value is matched once stripped; an empty value (missing, or blank) has position -1
    and is marked empty, a value outside the list has position -1 and is not. Text (Arrow
    text, or Python strings converted to it) is looked up in Arrow as it is, and only the
    few rows that do not match exactly (padded, blank, unknown) are stripped and looked up
    again; a categorical column is decided on its categories.

    Examples
    --------
    >>> position, empty = coded(pd.Series(["b", " a", None, "z", " "]), ["a", "b"])
    >>> position.tolist(), empty.tolist()
    ([1, 0, -1, -1, -1], [False, False, True, False, True])
    """
    import pyarrow.compute as pc

    if isinstance(values.dtype, pd.CategoricalDtype):
        # Categories are few: decide on them, then spread to the rows (-1: missing, last).
        categories = pd.Series(np.asarray(values.cat.categories, dtype=object), dtype=object)
        known, blank = coded(categories, codes)
        rows = values.cat.codes.to_numpy()
        return np.r_[known, -1][rows], np.r_[blank, True][rows]
    value_set = _code_array(tuple(codes))
    arrow = _arrow_text(values, convert=True)
    if arrow is None:
        rows, text = distinct_text(values)
        return _index_in(text, value_set)[rows], text.isna().to_numpy(dtype=bool)[rows]
    found = pc.index_in(arrow, value_set=value_set, memory_pool=memory_pool())
    position = np.array(_filled(found, -1).to_numpy(), dtype=np.intp)  # a writable copy
    empty = ~_valid(arrow)
    odd = np.flatnonzero((position < 0) & ~empty)
    if odd.size:
        rows, text = distinct_text(values.iloc[odd])
        position[odd] = _index_in(text, value_set)[rows]
        empty[odd] = text.isna().to_numpy(dtype=bool)[rows]
    return position, empty


@functools.lru_cache(maxsize=64)
def _code_array(codes: tuple[str, ...]) -> pa.Array:
    """Return a code list as Arrow text, made once per list (Arrow arrays are immutable)."""
    import pyarrow as pa

    return pa.array(codes, type=pa.string())


def has_nul(values: pd.Series, kind: str) -> np.ndarray:
    """Return True where a text value holds a NUL byte (see :func:`text_faults`)."""
    return text_faults(values, kind)[0]


def text_faults(values: pd.Series, kind: str) -> tuple[np.ndarray, np.ndarray]:
    r"""Return where a text value holds a NUL byte, and where UTF-8 cannot write it.

    ``kind`` is ``pandas.api.types.infer_dtype`` of the column. Arrow text is searched
    where it is: its bytes in one scan, and only when a zero byte is there, the rows; it is
    UTF-8 by construction. A column of Python strings is joined once, searched for a NUL
    and encoded as UTF-8; only when either fails are the rows found one by one. Text UTF-8
    cannot hold (a lone surrogate) comes from a damaged file or one decoded with the wrong
    encoding (``surrogateescape``), and would stop every later step that writes it.

    Examples
    --------
    >>> nul, unwritable = text_faults(pd.Series(["M", "M\ud800", "F\x00", None]), "string")
    >>> nul.tolist(), unwritable.tolist()
    ([False, False, True, False], [False, True, False, False])
    """
    import pyarrow.compute as pc

    none = np.zeros(len(values), dtype=bool)
    text = _arrow_text(values)
    if text is not None:
        if not _holds_zero_byte(text):
            return none, none
        found = _filled(pc.match_substring(text, "\x00", memory_pool=memory_pool()), False)
        return np.asarray(found.to_numpy(), dtype=bool), none
    present = values if kind in ("string", "empty") else values.where(values.map(_is_text))
    objects = present.to_numpy(dtype=object)
    joined = "".join(objects[~pd.isna(objects)].tolist())
    nul = unwritable = none
    if "\x00" in joined:
        found_rows = present.astype("string").str.contains("\x00", regex=False)
        nul = found_rows.fillna(False).to_numpy(dtype=bool)
    if not joined.isascii() and not _encodes(joined):
        unwritable = np.array([isinstance(v, str) and not _encodes(v) for v in objects])
    return nul, unwritable


def _encodes(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _holds_zero_byte(text: pa.ChunkedArray) -> bool:
    """Whether any value of Arrow (large) string ``text`` holds a zero byte."""
    import pyarrow as pa

    for chunk in text.chunks:
        if len(chunk) == 0:
            continue
        offset_type = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        _, offsets_buffer, data_buffer = chunk.buffers()
        ends = np.frombuffer(offsets_buffer, dtype=offset_type)[chunk.offset :]
        first, last = int(ends[0]), int(ends[len(chunk)])
        if last > first and data_buffer is not None:
            data = np.frombuffer(data_buffer, dtype=np.uint8, count=last)[first:]
            if not data.all():
                return True
    return False


def memory_pool() -> pa.MemoryPool:
    """Return the memory pool for the Arrow work of reading and validation.

    The C library's allocator rather than pyarrow's default (mimalloc in the wheels), which
    hands freed pages back to the kernel and faults them in again. Reading and validating
    200,000 children (1.3 million episodes) on the benchmark machine (2-core AMD EPYC,
    Linux 6.18) spent 0.5-0.8 s in the kernel with the default pool and 0.3-0.4 s with this
    one, the user time the same (four runs each, alternating, load 11-12).
    """
    import pyarrow as pa

    return pa.system_memory_pool()


def _filled(array: pa.ChunkedArray | pa.Array, value: object) -> pa.ChunkedArray | pa.Array:
    """``pyarrow.compute.fill_null`` in :func:`_pool`'s memory."""
    import pyarrow.compute as pc

    return pc.coalesce(array, value, memory_pool=memory_pool())


def _is_text(value: object) -> bool:
    return isinstance(value, str)


def header_words(header: object) -> tuple[str, ...]:
    """Split a header into lower-case words (``ChildID`` → ``child id``; quotes dropped).

    Examples
    --------
    >>> header_words("Child's Unique ID ")
    ('childs', 'unique', 'id')
    >>> header_words("ChildID")
    ('child', 'id')
    """
    text = str(header) if header is not None else ""
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)
    text = re.sub(r"(?<=[A-Z])(?=[A-Z][a-z])", " ", text)
    text = text.lower().replace("'", "").replace("’", "").replace("‘", "")
    return tuple(w for w in re.split(r"[^a-z0-9]+", text) if w)


#: "Otherwise numeric": at most this many distinct values in a column of numbers are not...
MAX_WORDS: Final = 3
#: ... and they hold at most this share of the column's non-empty values.
MAX_WORD_SHARE: Final = 0.1


def stray_words(values: pd.Series) -> np.ndarray | None:
    """Return where a column of numbers holds a few values that are not numbers.

    The one rule of "one word in a numeric column": the reader's (an extra column of a
    case history, read as text) and the models' (a covariate or a formula variable given
    in a data frame, whose numbers may be numbers or text). A column is otherwise numeric
    when every non-empty value is a number or text, at most :data:`MAX_WORDS` distinct
    values are not numbers, they hold at most :data:`MAX_WORD_SHARE` of the non-empty
    values, and no number is written with a leading zero (``"0123"``: a code, so the
    column is text).

    Returns
    -------
    numpy.ndarray of bool or None
        Where the words are; ``None`` when the column is all numbers, or not numbers but
        for a few.

    Examples
    --------
    >>> stray_words(pd.Series([str(i % 10) for i in range(19)] + ["unknown"])).nonzero()
    (array([19]),)
    >>> stray_words(pd.Series([0.5 * i for i in range(19)] + ["unknown"])).nonzero()
    (array([19]),)
    >>> stray_words(pd.Series(["1", "two", "3"])) is None  # a third: not "a few"
    True
    >>> stray_words(pd.Series(["0%d" % (i % 9) for i in range(19)] + ["x"])) is None  # codes
    True
    """
    codes, uniques = factorize(values)
    text = [isinstance(v, str) for v in uniques]
    number = [_real_number(v) for v in uniques]
    if len(uniques) == 0 or not all(t or n for t, n in zip(text, number, strict=True)):
        return None
    parsed = pd.to_numeric(pd.Series(uniques, dtype=object), errors="coerce")
    word = parsed.isna().to_numpy(dtype=bool)
    if not word.any() or word.sum() > MAX_WORDS or word.all():
        return None
    written = [str(v).strip() for v, t, w in zip(uniques, text, word, strict=True) if t and not w]
    if any(re.match(r"^[+-]?0\d", v) for v in written):
        return None
    present = codes >= 0
    rows = present & np.r_[word, False][codes]
    if rows.sum() > MAX_WORD_SHARE * present.sum():
        return None
    return np.asarray(rows)


def _real_number(value: object) -> bool:
    """Whether ``value`` is a number (not a boolean, not text)."""
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_
    )
