"""The vectorised ISO date pass agrees with the general parser on every value.

``parse_dates`` parses values written exactly ``YYYY-MM-DD`` in pyarrow (one cast when a whole
column is clean, row by row when it is not) and sends every other row to the general parser,
which tries each accepted format in turn. For any column, in any representation (Python
strings, pandas strings, Arrow text as the CSV reader gives), the result must be the general
parser's on the whole column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.data import columns
from escalation.data.columns import parse_dates

DATE_LIKE = st.one_of(
    st.dates().map(lambda d: d.isoformat()),  # years 0001-9999, some outside pandas' range
    st.from_regex(r"\A[0-9]{2,4}-[0-9]{1,2}-[0-9]{1,2}\Z"),  # impossible days, no padding
    st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),  # month 00 or 13, day 00 or 32
    st.sampled_from(
        [
            "",
            " ",
            "2020-01-01 ",
            " 2020-01-01",
            "31/03/2024",
            "2024-03",
            "03/2024",
            "2024-03-31 10:15:00",
            "2024-03-31T10:15:00",
            "n/a",
            "2019-02-29",
            "2020-02-29",
            "1677-09-21",
            "1677-09-22",
            "2262-04-11",
            "2262-04-12",
            "0000-01-01",
            "２０２０-01-01",  # full-width digits
            "2020-01-01\x00",
        ]
    ),
    st.none(),
)
REPRESENTATIONS = {
    "python strings": lambda values: pd.Series(values, dtype=object),
    "pandas strings": lambda values: pd.Series(values, dtype="string"),
    "Arrow text": lambda values: pd.Series(
        pa.array(values, type=pa.string()), dtype=pd.ArrowDtype(pa.string())
    ),
}


@settings(max_examples=300, deadline=None)
@given(st.lists(DATE_LIKE, max_size=8), st.sampled_from(sorted(REPRESENTATIONS)))
def test_vectorised_and_general_parsers_agree(values: list[str | None], form: str) -> None:
    column = REPRESENTATIONS[form](values)
    fast_parsed, fast_invalid = parse_dates(column)
    slow_parsed, slow_invalid = columns._general_dates(pd.Series(values, dtype=object))
    pd.testing.assert_series_equal(fast_parsed, slow_parsed)
    pd.testing.assert_series_equal(fast_invalid, slow_invalid)


@pytest.mark.parametrize(
    "value",
    ["2019-02-29", "2020-04-31", "20-01-05", "2020-1-5", "1677-09-21", "9999-12-31", "31/03/2024"],
)
def test_values_the_cast_would_refuse_or_pandas_cannot_hold_go_to_the_general_parser(
    value: str,
) -> None:
    text = pa.chunked_array([pa.array(["2020-02-29", value, None])])
    days, rest = columns._iso_days(text)
    assert rest.tolist() == [False, True, False]
    assert days[0] == (pd.Timestamp("2020-02-29") - pd.Timestamp("1970-01-01")).days


def test_a_clean_column_is_one_cast_and_the_row_by_row_pass_agrees() -> None:
    values = ["2020-02-29", None, "1999-12-31", "1677-09-22", "2262-04-11"]
    text = pa.chunked_array([pa.array(values[:2]), pa.array(values[2:])])
    days, rest = columns._iso_days(text)
    assert not rest.any()
    np.testing.assert_array_equal(days, columns._iso_days_by_row(text))
    expected = pd.to_datetime(pd.Series(values), format="%Y-%m-%d")
    assert parse_dates(pd.Series(values))[0].tolist() == expected.tolist()


def test_one_odd_date_in_a_column_is_parsed_by_the_general_parser_alone() -> None:
    values = ["2024-01-05", "05/01/2024", "2024-13-01", None]
    parsed, invalid = parse_dates(pd.Series(pa.array(values), dtype=pd.ArrowDtype(pa.string())))
    assert parsed.iloc[:2].tolist() == [pd.Timestamp("2024-01-05")] * 2
    assert pd.isna(parsed.iloc[2]) and pd.isna(parsed.iloc[3])
    assert invalid.tolist() == [False, False, True, False]
