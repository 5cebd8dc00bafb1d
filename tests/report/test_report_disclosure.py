"""Statistical disclosure control: suppress below 10, round the rest to the nearest 5."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation.errors import DataValidationError
from escalation.report.disclosure import (
    disclose_count,
    disclose_table,
    disclosed_share,
    format_count,
)


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, None),
        (1, None),
        (9, None),
        (10, 10),
        (12, 10),
        (12.0, 10),
        (13, 15),
        (17, 15),
        (18, 20),
        (22, 20),
        (23, 25),
        (100, 100),
        (1002, 1000),
        (1003, 1005),
        (None, None),
    ],
)
def test_report_disclose_count_table(count: int | None, expected: int | None) -> None:
    assert disclose_count(count) == expected


@given(st.integers(min_value=0, max_value=10_000_000))
def test_report_disclose_count_properties(n: int) -> None:
    out = disclose_count(n)
    if n < 10:
        assert out is None
    else:
        assert out is not None
        assert out % 5 == 0
        assert abs(out - n) <= 2  # nearest multiple of 5
        assert out >= 10


def test_report_disclose_count_rejects_non_counts() -> None:
    with pytest.raises(DataValidationError, match="whole number"):
        disclose_count(-1)
    with pytest.raises(DataValidationError, match="whole number"):
        disclose_count(2.5)


def test_report_format_and_share() -> None:
    assert format_count(7) == "fewer than 10"
    assert format_count(123_457) == "123,455"
    # Share from disclosed counts: 210 / 1005.
    assert disclosed_share(212, 1003, digits=1) == f"{100 * 210 / 1005:.1f}%"
    assert disclosed_share(5, 100).startswith("not shown")


def test_report_disclose_table_marks_suppressed_rows() -> None:
    table = pd.DataFrame(
        {
            "attribute": ["sex", "sex", "ethnicity"],
            "n": [4, 1236, 58],
            "events": [0, 301, 12],
            "estimate": [0.1, 0.25, 0.31],
            "n_factors": [3, 2, 1],
        }
    )
    out = disclose_table(table)
    assert out["n"].tolist()[1:] == [1235, 60]
    assert out["events"].tolist()[1:] == [300, 10]
    assert out["n"].isna().tolist() == [True, False, False]
    assert out["suppressed"].tolist() == [True, False, False]
    # Non-count columns are untouched (n_factors is a covariate, not a count).
    assert out["n_factors"].tolist() == [3, 2, 1]
    np.testing.assert_array_equal(out["estimate"], table["estimate"])
    assert table["n"].tolist() == [4, 1236, 58]  # input not modified
    with pytest.raises(DataValidationError, match="column 'children'"):
        disclose_table(table, ["children"])
