"""Bad survival input is refused, naming the table, row, column and value of the user's input.

Each case once passed silently or named the wrong row: a missing ``start`` of a
counting-process row took delayed entry out of every risk set of its stratum; a missing
stratum label became a stratum ``nan``; after rows of weight 0 were left out, errors named
the position among the rows left; the array functions returned numbers for impossible
durations, event codes and weights.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.core.riskset import CoxData
from escalation.errors import DataValidationError, DesignError, Problem
from escalation.survival import (
    cumulative_incidence_at,
    finegray_expand,
    fit_aft,
    fit_cause_specific,
    fit_cox,
    fit_fine_gray,
    kaplan_meier,
    rmst,
    state_occupation,
)
from tests.survival.survival_reference import counting, spells

BAD_ROW = 10  # rows 0-2 have weight 0 and are left out before the checks run


def _problem(raised: pytest.ExceptionInfo[DataValidationError]) -> Problem:
    assert len(raised.value.problems) == 1
    return raised.value.problems[0]


@pytest.mark.parametrize("bad", [np.nan, -np.inf])
@pytest.mark.parametrize("row", [0, 3])  # row 3 has delayed entry
def test_fit_cox_refuses_a_start_that_is_not_a_time(bad: float, row: int) -> None:
    rows = counting()
    assert rows.loc[3, "start"] > 0
    rows.loc[row, "start"] = bad
    with pytest.raises(DataValidationError) as raised:
        fit_cox(rows, ["tv", "x1"], cluster=None, time_varying=True)
    problem = _problem(raised)
    assert (problem.table, problem.row, problem.column) == ("counting", row, "start")
    assert problem.shown_value() == repr(str(bad))


def test_the_core_refuses_a_missing_start() -> None:
    rows = counting()
    start = rows["start"].to_numpy(dtype=float)
    start[3] = np.nan
    with pytest.raises(DesignError, match="position 3"):
        CoxData.build(
            rows["stop"], rows["event"] == 1, rows[["tv", "x1"]], start=start, strata=None
        )


def test_fit_cox_refuses_a_missing_stratum_label() -> None:
    rows = spells()
    rows["stratum"] = rows["stratum"].astype(object)
    rows.loc[[4, 7], "stratum"] = None
    with pytest.raises(DataValidationError) as raised:
        fit_cox(rows, ["x1", "x2"], cluster=None, strata="stratum")
    assert [(p.row, p.column) for p in raised.value.problems] == [(4, "stratum"), (7, "stratum")]


def _zero_weighted(
    column: str, value: object, *, frame: pd.DataFrame | None = None
) -> pd.DataFrame:
    rows = spells() if frame is None else frame
    rows = rows.assign(weight=1.0)
    rows.loc[[0, 1, 2], "weight"] = 0.0
    rows[column] = rows[column].astype(object if isinstance(value, str) else float)
    rows.loc[BAD_ROW, column] = value
    return rows


CALLS: dict[str, tuple[str, object, Callable[[pd.DataFrame], Any]]] = {
    "cox": ("duration", -4.0, lambda d: fit_cox(d, ["x1"], cluster=None, weights="weight")),
    "cox event": ("event", 0.5, lambda d: fit_cox(d, ["x1"], cluster=None, weights="weight")),
    "cox covariate": (
        "x1",
        np.nan,
        lambda d: fit_cox(d, ["x1", "x2"], cluster=None, weights="weight"),
    ),
    "cox formula": (
        "x1",
        np.nan,
        lambda d: fit_cox(d, "Surv(duration, event) ~ x1 + x2", cluster=None, weights="weight"),
    ),
    "aft": ("duration", -4.0, lambda d: fit_aft(d, ["x1"], cluster=None, weights="weight")),
    "cause_specific": (
        "duration",
        -4.0,
        lambda d: fit_cause_specific(d, ["x1"], cluster=None, weights="weight"),
    ),
    "fine_gray": (
        "duration",
        -4.0,
        lambda d: fit_fine_gray(d, ["x1"], cluster=None, weights="weight"),
    ),
    "kaplan_meier": ("event", 0.5, lambda d: kaplan_meier(d, weights="weight")),
    "rmst": ("duration", -4.0, lambda d: rmst(d, 20, weights="weight")),
}


@pytest.mark.parametrize("kind", list(CALLS))
def test_errors_name_the_row_of_the_input_after_rows_of_weight_0(kind: str) -> None:
    column, value, call = CALLS[kind]
    with pytest.raises(DataValidationError) as raised:
        call(_zero_weighted(column, value))
    problem = _problem(raised)
    assert (problem.row, problem.column) == (BAD_ROW, column)


@pytest.mark.parametrize(
    ("column", "value", "model"),
    [
        ("stop", -4.0, ["tv", "x1"]),
        ("start", np.nan, ["tv", "x1"]),
        # A covariate's check named the rows of the counting table as rows of 'spells'
        # (review, session 25), or of 'data' when given by a formula.
        ("x1", np.nan, ["tv", "x1"]),
        ("x1", np.nan, "Surv(start, stop, event) ~ tv + x1"),
    ],
)
@pytest.mark.parametrize("weighted", [True, False])  # rows of weight 0 left out, or none
def test_time_varying_errors_name_the_counting_table_column_and_value(
    column: str, value: float, model: list[str] | str, weighted: bool
) -> None:
    rows = _zero_weighted(column, value, frame=counting())
    weights = "weight" if weighted else None
    with pytest.raises(DataValidationError) as raised:
        fit_cox(rows, model, cluster=None, time_varying=True, weights=weights)
    problem = _problem(raised)
    assert (problem.table, problem.row, problem.column) == ("counting", BAD_ROW, column)
    assert problem.shown_value() == repr(str(value))
    assert "np.float64" not in str(raised.value)


ARRAYS: dict[str, tuple[dict[str, list[float]], int, str]] = {
    "missing duration": ({"duration": [1, np.nan, 3], "event": [1, 0, 1]}, 1, "duration"),
    "zero duration": ({"duration": [0, 2, 3], "event": [1, 0, 1]}, 0, "duration"),
    "negative duration": ({"duration": [1, 2, -3], "event": [1, 0, 1]}, 2, "duration"),
    "event 0.5": ({"duration": [1, 2, 3], "event": [1, 0.5, 1]}, 1, "event"),
    "event 1.7": ({"duration": [1, 2, 3], "event": [1.7, 2, 1]}, 0, "event"),
}
WEIGHTS: dict[str, tuple[list[float], int]] = {
    "negative": ([1, -1, 1], 1),
    "missing": ([1, 1, np.nan], 2),
}


@pytest.mark.parametrize("case", list(ARRAYS))
@pytest.mark.parametrize("function", ["cumulative_incidence_at", "finegray_expand"])
def test_array_functions_refuse_impossible_outcomes(case: str, function: str) -> None:
    arrays, row, column = ARRAYS[case]
    with pytest.raises(DataValidationError) as raised:
        if function == "finegray_expand":
            finegray_expand(arrays["duration"], arrays["event"])
        else:
            cumulative_incidence_at(arrays["duration"], arrays["event"], [1, 2, 3])
    problem = _problem(raised)
    assert (problem.table, problem.row, problem.column) == ("arrays", row, column)


@pytest.mark.parametrize("case", list(WEIGHTS))
def test_cumulative_incidence_at_refuses_impossible_weights(case: str) -> None:
    weights, row = WEIGHTS[case]
    with pytest.raises(DataValidationError) as raised:
        cumulative_incidence_at([1, 2, 3], [1, 0, 1], [1, 2, 3], weights=weights)
    problem = _problem(raised)
    assert (problem.table, problem.row, problem.column) == ("arrays", row, "weights")


def test_state_occupation_names_a_missing_start() -> None:
    rows = pd.DataFrame(
        {
            "spell_id": [1, 1, 2],
            "start": [0.0, np.nan, 0.0],
            "stop": [4.0, 9.0, 6.0],
            "from_state": ["referral_closed", "cin_plan", "referral_closed"],
            "to_state": ["cin_plan", None, None],
        }
    )
    with pytest.raises(DataValidationError) as raised:
        state_occupation(rows)
    problem = _problem(raised)
    assert (problem.table, problem.row, problem.column) == ("transitions", 1, "start")
