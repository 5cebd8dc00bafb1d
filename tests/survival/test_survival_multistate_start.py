"""State occupation from a later start time, and the checks on a spell's rows.

Was: ``state_occupation(start_time=s)`` took p(s) from the rows with start <= s < stop,
so a spell moving into an absorbing state or censored exactly at ``s`` was left out
(R's ``survfit(start.time = s)`` keeps it); and overlapping rows of one spell (counted
twice), gaps and state jumps between a spell's rows were accepted without a word (R's
``survcheck`` flags them and ``survfit`` refuses them).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError
from escalation.survival.multistate import state_occupation, transition_probabilities

REF = Path(__file__).parents[1] / "reference" / "survival"
STATES = ["referral_closed", "cin_plan", "cp_plan", "looked_after"]


def _rows() -> pd.DataFrame:
    rows = pd.read_csv(REF / "multistate_start_rows.csv")
    return rows.assign(to_state=rows["to_state"].astype("string"))


@pytest.mark.parametrize("start_time", [0.0, 5.0, 5.5, 7.0])
def test_state_occupation_from_a_start_time_matches_survfit(start_time: float) -> None:
    # at days 5 and 7 spells move into looked_after for good, are censored, enter
    ref = pd.read_csv(REF / "multistate_start_reference.csv")
    ref = ref[ref["start_time"] == start_time]
    fit = state_occupation(_rows(), states=STATES, start_time=start_time)
    got = fit.at(ref["time"].unique())
    merged = ref.merge(got, on=["time", "state"], suffixes=("_r", ""))
    assert len(merged) == len(ref)
    for column in ("probability", "std_error"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_r"], atol=1e-10)
    # the first row is the start time, after the transitions on it (R's first row)
    assert fit.times[0] == start_time and np.all(np.diff(fit.times) > 0)


def _tiny() -> pd.DataFrame:
    # at day 5: spell 1 moves to looked_after (no later row), spell 2 to cin_plan,
    # spell 4 is censored; spell 3 carries on
    return pd.DataFrame(
        {
            "spell_id": [1, 2, 2, 3, 4],
            "start": [0.0, 0.0, 5.0, 0.0, 0.0],
            "stop": [5.0, 5.0, 10.0, 10.0, 5.0],
            "from_state": ["referral_closed"] * 2 + ["cin_plan"] + ["referral_closed"] * 2,
            "to_state": pd.Series(["looked_after", "cin_plan", None, None, None], dtype="string"),
        }
    )


def test_state_occupation_keeps_spells_absorbed_or_censored_at_the_start_time() -> None:
    # by hand: 4 at risk at day 5, one to looked_after and one to cin_plan
    states = ["referral_closed", "cin_plan", "looked_after"]
    from_zero = state_occupation(_tiny(), states=states)
    from_five = state_occupation(_tiny(), states=states, start_time=5.0)
    expected = [0.5, 0.25, 0.25]
    for fit in (from_zero, from_five):
        np.testing.assert_allclose(fit.at([5.0, 7.0])["probability"], expected * 2, atol=1e-15)
    assert from_five.times.tolist() == [5.0]


def test_transition_probabilities_start_after_the_jumps_at_s() -> None:
    # P(s, t) is the product over (s, t]: p(t) = p(s) P(s, t), p(s) after the jumps at s
    rows = _rows()
    for s in (5.0, 7.0):
        occupied = state_occupation(rows, states=STATES, start_time=s)
        tp = transition_probabilities(rows, s, states=STATES)
        for t in (9.0, 20.0):
            expected = occupied.probabilities[0] @ tp.matrix(t).to_numpy()
            np.testing.assert_allclose(occupied.at([t])["probability"], expected, atol=1e-12)
        np.testing.assert_allclose(tp.matrix(s).to_numpy(), np.eye(len(STATES)), atol=0)


@pytest.mark.parametrize(
    ("change", "column", "words"),
    [
        ({"start": 3.0}, "start", "starts before the spell's previous row stops"),
        ({"start": 7.0}, "start", "starts after the spell's previous row stops"),
        ({"from_state": "looked_after"}, "from_state", "not the state the previous row ended"),
    ],
)
def test_broken_spells_are_refused(change: dict[str, object], column: str, words: str) -> None:
    rows = _tiny()
    for key, value in change.items():
        rows.loc[2, key] = value
    rows["spell_id"] = ["id-secret-1", "id-secret-2", "id-secret-2", "id-secret-3", "x"]
    with pytest.raises(DataValidationError, match=words) as caught:
        state_occupation(rows)
    (problem,) = caught.value.problems
    assert (problem.table, problem.row, problem.column) == ("transitions", 2, column)
    assert "secret" not in str(caught.value)
    with pytest.raises(DataValidationError, match=words):
        transition_probabilities(rows.iloc[::-1])  # any row order


def test_a_censored_row_followed_by_a_row_in_the_same_state_is_accepted() -> None:
    rows = _tiny()
    rows.loc[1, "to_state"] = pd.NA
    rows.loc[2, "from_state"] = "referral_closed"  # e.g. a covariate changing at day 5
    fit = state_occupation(rows, states=["referral_closed", "cin_plan", "looked_after"])
    assert fit.at([7.0])["probability"].tolist() == [0.75, 0.0, 0.25]


@pytest.mark.parametrize(("column", "value"), [("start", np.nan), ("stop", np.nan), ("stop", 4.0)])
def test_bad_interval_names_the_column_and_value(column: str, value: float) -> None:
    rows = _tiny()
    rows.loc[2, column] = value
    with pytest.raises(DataValidationError) as caught:
        state_occupation(rows)
    (problem,) = caught.value.problems
    assert (problem.table, problem.row, problem.column) == ("transitions", 2, column)
    assert problem.value == value or (np.isnan(value) and np.isnan(float(problem.value)))


def test_a_spell_entering_before_the_first_transition_counts_from_zero() -> None:
    # spell 3 enters at day 1 in cin_plan, before the first transition (day 3): at risk
    # at day 3 are three in referral_closed and one in cin_plan (R's p0: 0.75, 0.25, 0);
    # at 3 one of the three moves to looked_after, at 8 the one in cin_plan does
    rows = pd.DataFrame(
        {
            "spell_id": [1, 2, 3, 4],
            "start": [0.0, 0.0, 1.0, 0.0],
            "stop": [3.0, 6.0, 8.0, 9.0],
            "from_state": ["referral_closed", "referral_closed", "cin_plan", "referral_closed"],
            "to_state": pd.Series(["looked_after", None, "looked_after", None], dtype="string"),
        }
    )
    fit = state_occupation(rows, states=["referral_closed", "cin_plan", "looked_after"])
    np.testing.assert_allclose(fit.probabilities[0], [0.75, 0.25, 0.0], atol=1e-15)
    np.testing.assert_allclose(
        fit.at([3.0, 8.0])["probability"], [0.5, 0.25, 0.25, 0.5, 0.0, 0.5], atol=1e-15
    )
