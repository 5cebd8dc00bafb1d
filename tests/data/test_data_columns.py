"""Column parsers: the Arrow paths give what the plain Python definitions give.

Each parser in :mod:`escalation.data.columns` has a fast path for Arrow text (the CSV
reader's columns) or for distinct values; here each is held to a plain, row-by-row Python
reference on random columns, in every representation a column can arrive in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.data.columns import as_text, coded, factorize, has_nul, parse_bools
from escalation.data.validate import _numeric_if_all_numbers

# Text with the characters that matter: Python's whitespace (ASCII and not), NUL, letters.
TEXT = st.one_of(
    st.none(),
    st.text(alphabet=" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2003\u3000\x00aZ9;é-", max_size=5),
    st.sampled_from(["c1", " c1", "c1 ", "c1\x00x", "", "  ", "True", " no ", "Y", "maybe"]),
)


def arrow_series(values: list[str | None], chunks: int = 1) -> pd.Series:
    """Arrow text as the CSV reader gives it, split into ``chunks`` record batches."""
    cut = np.array_split(np.arange(len(values)), chunks) if values else [np.arange(0)]
    array = pa.chunked_array(
        [pa.array([values[i] for i in part], type=pa.string()) for part in cut],
        type=pa.string(),
    )
    return pd.Series(array, dtype=pd.ArrowDtype(pa.string()))


def forms(values: list[str | None]) -> dict[str, pd.Series]:
    return {
        "python strings": pd.Series(values, dtype=object),
        "pandas strings": pd.Series(values, dtype="string"),
        "Arrow text": arrow_series(values),
        "Arrow text in chunks": arrow_series(values, chunks=3),
    }


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=10))
def test_text_is_stripped_per_value_in_every_form(values: list[str | None]) -> None:
    expected = [None if v is None or not v.strip() else v.strip() for v in values]
    for form, column in forms(values).items():
        got = [None if pd.isna(v) else v for v in as_text(column).tolist()]
        assert got == expected, form


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=10))
def test_codes_are_looked_up_per_stripped_value_in_every_form(values: list[str | None]) -> None:
    codes = ["c1", "True", "Y", "aZ"]

    def one(value: str | None) -> tuple[int, bool]:
        text = "" if value is None else value.strip()
        return (codes.index(text) if text in codes else -1), text == ""

    expected = [one(v) for v in values]
    for form, column in forms(values).items():
        position, empty = coded(column, codes)
        assert list(zip(position.tolist(), empty.tolist(), strict=True)) == expected, form


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=10))
def test_factorize_keeps_every_distinct_text_apart(values: list[str | None]) -> None:
    for form, column in forms(values).items():
        codes, distinct = factorize(column)
        rebuilt = [None if c < 0 else distinct[c] for c in codes]
        assert rebuilt == values, form
        assert len(set(distinct.tolist())) == len(distinct), form


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=10))
def test_nul_bytes_are_found_in_every_form(values: list[str | None]) -> None:
    expected = [v is not None and "\x00" in v for v in values]
    for form, column in forms(values).items():
        assert has_nul(column, pd.api.types.infer_dtype(column, skipna=True)).tolist() == (
            expected
        ), form


@pytest.mark.parametrize("large", [False, True])
def test_nul_bytes_are_found_in_a_slice_of_arrow_text(large: bool) -> None:
    # A slice shares its parent's bytes: a NUL outside the slice is not in the column.
    kind = pa.large_string() if large else pa.string()
    parent = pa.array(["a\x00", "bb", "c", "d\x00d"], type=kind)
    column = pd.Series(pa.chunked_array([parent.slice(1, 2)]), dtype=pd.ArrowDtype(kind))
    assert has_nul(column, "string").tolist() == [False, False]
    column = pd.Series(pa.chunked_array([parent.slice(2, 2)]), dtype=pd.ArrowDtype(kind))
    assert has_nul(column, "string").tolist() == [False, True]


@settings(max_examples=200, deadline=None)
@given(st.lists(TEXT, max_size=10))
def test_yes_no_values_are_read_per_value_in_every_form(values: list[str | None]) -> None:
    true, false = {"true", "t", "yes", "y", "1"}, {"false", "f", "no", "n", "0"}

    def one(value: str | None) -> tuple[bool | None, bool]:
        text = "" if value is None else value.strip().lower()
        answer = True if text in true else False if text in false else None
        return answer, answer is None and text != ""

    expected = [one(v) for v in values]
    for form, column in forms(values).items():
        parsed, invalid = parse_bools(column)
        got = [
            (None if pd.isna(p) else bool(p), bool(i)) for p, i in zip(parsed, invalid, strict=True)
        ]
        assert got == expected, form


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.integers(-(10**6), 10**6).map(str),
            st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
            st.sampled_from(["1e3", " 7", "-0", "0.5"]),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_extra_columns_of_numbers_read_as_pandas_reads_the_whole_column(
    values: list[str | None],
) -> None:
    column = pd.Series(values, dtype=object)
    got = _numeric_if_all_numbers(column)
    if any(v is not None and v.strip().lstrip("+-").startswith("0") and len(v.strip()) > 1
           for v in values):  # fmt: skip
        return  # codes with leading zeros stay text (another test)
    if all(v is None for v in values):
        pd.testing.assert_series_equal(got, column)
        return
    expected = pd.to_numeric(column.where(column.notna(), None))
    pd.testing.assert_series_equal(got, expected)
