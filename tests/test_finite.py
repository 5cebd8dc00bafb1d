"""The one rule "these numbers are finite" (escalation._finite), as its callers use it.

Was: five private copies (Table 1's ``refuse_infinite``, the covariate matrix's
``_refuse_non_finite``, the formula's ``_check_variables`` and ``_check_coded``, the
balance table's covariate check), each reading values and listing rows its own way, and
none in ``ipw_mean_difference``'s outcome.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation._finite import LISTED, finite_numbers, finite_problems
from escalation.errors import DataValidationError


def _refused(values: pd.Series, **rule: bool) -> list[tuple[int | None, object]]:
    with pytest.raises(DataValidationError) as raised:
        finite_numbers(values, table="t", why="because", **rule)
    return [(p.row, p.value) for p in raised.value.problems]


VALUES = pd.Series([1.5, "ten", None, np.inf, 2, -np.inf], name="v", dtype=object)


@pytest.mark.parametrize(
    ("rule", "rows"),
    [
        ({}, [1, 2, 3, 5]),
        ({"missing_allowed": True}, [1, 3, 5]),
        ({"text_allowed": True}, [2, 3, 5]),
        ({"missing_allowed": True, "text_allowed": True}, [3, 5]),
    ],
)
def test_infinite_values_are_always_refused_missing_and_text_when_the_caller_says(
    rule: dict[str, bool], rows: list[int]
) -> None:
    assert [row for row, _ in _refused(VALUES, **rule)] == rows


@pytest.mark.parametrize(
    ("rule", "fault"),
    [
        ({}, "4 value(s) are missing, infinite or not numbers; because"),
        ({"missing_allowed": True}, "3 value(s) are infinite or not numbers; because"),
        ({"text_allowed": True}, "3 value(s) are missing or infinite; because"),
        ({"missing_allowed": True, "text_allowed": True}, "2 value(s) are infinite; because"),
    ],
)
def test_the_reason_counts_the_rows_and_says_what_the_rule_refuses(
    rule: dict[str, bool], fault: str
) -> None:
    with pytest.raises(DataValidationError) as raised:
        finite_numbers(VALUES, table="t", why="because", **rule)
    assert {p.reason for p in raised.value.problems} == {fault}


def test_a_value_is_shown_when_a_number_and_described_when_text() -> None:
    with pytest.raises(DataValidationError) as raised:
        finite_numbers(VALUES, table="spells", why="because", context="outcome 'v'")
    text = str(raised.value)
    assert text.startswith("Outcome 'v': 4 problems found")
    assert "table 'spells', row 1, column 'v', value <not shown: 3 characters" in text
    assert "row 2, column 'v', value <empty>" in text
    assert "row 3, column 'v', value 'inf'" in text and "row 5, column 'v', value '-inf'" in text
    assert "ten" not in text


def test_at_most_the_first_rows_are_listed_and_all_are_counted() -> None:
    values = pd.Series(np.r_[np.full(LISTED + 5, np.inf), 1.0], name="v")
    numbers, problems = finite_problems(values, table="t", why="because")
    assert [p.row for p in problems] == list(range(LISTED))
    assert problems[0].reason.startswith(f"{LISTED + 5} value(s)")
    assert np.isinf(numbers[:-1]).all() and numbers[-1] == 1.0


@pytest.mark.parametrize(
    "values",
    [
        pd.Series([1, 2, 3], dtype=np.int8),
        pd.Series([1, 2, 3], dtype="Int64"),
        pd.Series([1.0, 2.0, 3.0], dtype="Float64"),
        pd.Series([1, "2", 3.0], dtype=object),
        pd.Series([True, False, True]),
        pd.Series([True, False, True], dtype="boolean"),
    ],
    ids=["int8", "Int64", "Float64", "object", "bool", "boolean"],
)
def test_numbers_of_every_dtype_are_read_as_floats(values: pd.Series) -> None:
    expected = np.asarray(pd.to_numeric(values), dtype=float)
    np.testing.assert_array_equal(
        finite_numbers(values.rename("v"), table="t", why="because"), expected, strict=True
    )


def test_missing_values_of_nullable_dtypes_are_missing_and_shown_empty() -> None:
    values = pd.Series([1, None, 3], dtype="Int64", name="v")
    assert _refused(values) == [(1, None)]
    allowed = finite_numbers(values, table="t", why="because", missing_allowed=True)
    assert np.isnan(allowed[1]) and allowed[[0, 2]].tolist() == [1.0, 3.0]


def test_text_is_read_once_per_distinct_value_whatever_its_dtype() -> None:
    """Object, string and categorical columns are read by their distinct values."""
    labels = ["a", None, "inf", "b", "a"]
    for dtype in (object, "string", "category"):
        values = pd.Series(labels, name="g", dtype=dtype)
        assert _refused(values, missing_allowed=True, text_allowed=True) == [(2, "inf")]
        assert [row for row, _ in _refused(values, missing_allowed=True)] == [0, 2, 3, 4]
        numbers = finite_numbers(
            values.where(values != "inf"), table="t", why="w", missing_allowed=True,
            text_allowed=True,
        )  # fmt: skip
        assert np.isnan(numbers).all()


_DATES = pd.Series(pd.to_datetime(["2019-04-01", "2020-01-01", None]), name="referral_date")


@pytest.mark.parametrize(
    "values",
    [
        _DATES,
        _DATES.dt.tz_localize("UTC"),
        _DATES - pd.Timestamp("2019-01-01"),  # timedelta64
        _DATES.astype(object),  # Timestamp objects
        _DATES.astype("category"),
        pd.Series([1.5, pd.Timestamp("2019-04-01"), None], name="referral_date", dtype=object),
    ],
    ids=["datetime64", "tz-aware", "timedelta64", "timestamps", "category", "mixed"],
)
def test_dates_are_refused_naming_the_table_and_column_not_read_as_nanoseconds(
    values: pd.Series,
) -> None:
    """A date column was read as nanoseconds since 1970 (a coefficient per nanosecond)."""
    with pytest.raises(DataValidationError) as error:
        finite_numbers(values, table="spells", why="x", missing_allowed=True)
    text = str(error.value)
    assert "table 'spells', column 'referral_date'" in text
    assert "dates are not numbers: convert to days since time zero first" in text
    assert "2019" not in text and "2020" not in text  # a date may be a birth date


def test_a_date_covariate_is_refused_by_the_propensity_model() -> None:
    from escalation.causal import fit_propensity

    frame = pd.DataFrame(
        {"treatment": [0, 1] * 10, "referral_date": pd.date_range("2020-01-01", periods=20)}
    )
    with pytest.raises(
        DataValidationError, match=r"column 'referral_date': 20 value\(s\) are dates"
    ):
        fit_propensity(frame, "treatment", ["referral_date"])
