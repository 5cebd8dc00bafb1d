"""The one-pass ISO date parser agrees with the general parser on every input it accepts."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import escalation.data.validate as validate_module
from escalation.data.validate import parse_dates

DATE_LIKE = st.one_of(
    st.dates().map(lambda d: d.isoformat()),  # years 0001-9999, some outside pandas' range
    st.from_regex(r"\A[0-9]{2,4}-[0-9]{1,2}-[0-9]{1,2}\Z"),  # impossible days, no padding
    st.sampled_from(["", " ", "2020-01-01 ", "31/03/2024", "2024-03", "n/a", "2019-02-29"]),
    st.none(),
)


def general(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    original = validate_module._iso_dates
    validate_module._iso_dates = lambda _: None  # type: ignore[assignment]
    try:
        return parse_dates(values)
    finally:
        validate_module._iso_dates = original


@settings(max_examples=300, deadline=None)
@given(st.lists(DATE_LIKE, max_size=8))
def test_fast_and_general_parsers_agree(values: list[str | None]) -> None:
    column = pd.Series(values, dtype=object)
    fast_parsed, fast_invalid = parse_dates(column)
    slow_parsed, slow_invalid = general(column)
    pd.testing.assert_series_equal(fast_parsed, slow_parsed)
    pd.testing.assert_series_equal(fast_invalid, slow_invalid)


@pytest.mark.parametrize(
    "values",
    [["2019-02-29"], ["2020-04-31"], ["20-01-05"], ["2020-1-5"], ["1677-09-21"], ["9999-12-31"]],
)
def test_dates_pyarrow_would_bend_go_to_the_general_parser(values: list[str]) -> None:
    assert validate_module._iso_dates(pd.Series(values, dtype=object)) is None


def test_plain_iso_column_is_parsed_in_one_pass() -> None:
    column = pd.Series(["2020-02-29", None, "1999-12-31"], dtype=object)
    parsed = validate_module._iso_dates(column)
    assert parsed is not None
    assert parsed.tolist()[0] == pd.Timestamp("2020-02-29") and pd.isna(parsed.iloc[1])
