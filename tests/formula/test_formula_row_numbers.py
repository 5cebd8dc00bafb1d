"""A formula's "not finite" error names the row of the data as every error of a frame does.

Rows of a data frame passed to a function are named by their position (``frame.iloc``:
``escalation.errors.Problem.shown_row``), as ``covariates=`` and every other check of a
frame name them; spreadsheet rows (the header row 1) are those of a case-history table
read from files. Session 24: the pooled logistic model codes its formula on one row per
person and interval, so a term that is not finite (``I(1/x)`` at ``x == 0``) was named at
the rows of the expanded table (rows 9 to 12 for the person of row 3), not the person's.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from escalation.causal import pooled_logistic_survival
from escalation.errors import DataValidationError
from escalation.survival import fit_cox

#: The row of the data (its position) whose x is 0.
ROW = 3


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(24)
    n = 40
    x = rng.uniform(0.5, 2.0, n)
    x[ROW] = 0.0
    return pd.DataFrame(
        {
            "x": x,
            "a": np.tile([0, 1], n // 2),
            "t": np.tile([4, 2, 3, 4], n // 4),  # rows 0 to 2 expand to 9 intervals
            "d": np.tile([1, 0], n // 2),
            "w": np.r_[1.0, 0.0, np.ones(n - 2)],  # row 1 weighs 0: left out of a fit
        }
    )


def rows_named(error: pytest.ExceptionInfo[DataValidationError]) -> list[int]:
    return [int(row) for row in re.findall(r"row (\d+)", str(error.value))]


def test_a_term_not_finite_names_the_row_as_a_covariate_not_finite_does(
    frame: pd.DataFrame,
) -> None:
    # the same rule with a formula and with covariates=, a row of weight 0 left out or not
    with pytest.raises(DataValidationError) as formula:
        fit_cox(frame, "Surv(t, d) ~ I(1 / x)", duration="t", event="d", weights="w")
    infinite = frame.assign(x=1 / frame["x"])
    with pytest.raises(DataValidationError) as listed:
        fit_cox(infinite, ["x"], duration="t", event="d", weights="w")
    assert rows_named(formula) == rows_named(listed) == [ROW]
    assert "column 'I(1 / x)', value 'inf'" in str(formula.value)


def test_pooled_logistic_names_the_row_of_the_person_not_of_an_interval(
    frame: pd.DataFrame,
) -> None:
    with pytest.raises(DataValidationError) as raised:
        pooled_logistic_survival(
            frame, duration="t", event="d", treatment="a", formula="a + I(1 / x)", times=[2]
        )
    assert rows_named(raised) == [ROW], str(raised.value)
    assert "column 'I(1 / x)', value 'inf'" in str(raised.value)


def test_pooled_logistic_counts_the_people_not_their_intervals() -> None:
    # the person of row 0 has 4 intervals, each with x = 0: the error said "4 value(s) are
    # missing or infinite" beside the one row it named; two such people of 4 and 3
    # intervals said "7 value(s)" beside two rows
    frame = pd.DataFrame(
        {
            "t": [4, 2, 3, 2, 1, 3],
            "d": [0, 1, 1, 0, 1, 0],
            "a": [1, 0, 1, 0, 1, 0],
            "x": [0.0, 1.0, 0.0, 2.0, 3.0, 4.0],
        }
    )
    with pytest.raises(DataValidationError) as raised:
        pooled_logistic_survival(
            frame, duration="t", event="d", treatment="a", formula="a + I(1 / x)", times=[2]
        )
    assert rows_named(raised) == [0, 2], str(raised.value)
    assert str(raised.value).count("2 value(s) are missing or infinite") == 2, str(raised.value)


def test_pooled_logistic_lists_every_person_past_the_first_one_s_intervals() -> None:
    # the error lists the first 20 bad rows: a person of 25 intervals filled them, and the
    # person of row 2 (x = 0 too) was not named
    frame = pd.DataFrame(
        {"t": [25, 2, 3, 1], "d": [0, 1, 1, 1], "a": [1, 0, 1, 0], "x": [0.0, 1.0, 0.0, 2.0]}
    )
    with pytest.raises(DataValidationError) as raised:
        pooled_logistic_survival(
            frame, duration="t", event="d", treatment="a", formula="a + I(1 / x)", times=[1]
        )
    assert rows_named(raised) == [0, 2], str(raised.value)
    assert "2 value(s) are missing or infinite" in str(raised.value)
