"""Multi-state transition rows and arguments that were accepted and gave wrong answers.

Review (session 27). Was: a row without a ``spell_id`` was counted as a spell of its own
in the risk sets, left out of ``n`` and its influence added to the last spell's (pandas'
code -1); a row whose ``to_state`` is its ``from_state`` lost probability (the states
added up to 2/3 on three spells); a ``start_time`` after the last follow-up gave 0 in
every state (and an identity ``P(s, t)``) where R's ``survfit`` stops; ``at()`` and
``matrix()`` before the start time gave the start's value (R's ``summary`` leaves such
times out).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError, DesignError
from escalation.survival.multistate import state_occupation, transition_probabilities

FUNCTIONS = [state_occupation, transition_probabilities]


def _rows() -> pd.DataFrame:
    # spell 1: a on (0, 2], then a -> b at 5; spell 2: censored in a at 4; spell 3 at 6
    return pd.DataFrame(
        {
            "spell_id": ["id-secret-1", "id-secret-1", "id-secret-2", "id-secret-3"],
            "start": [0.0, 2.0, 0.0, 0.0],
            "stop": [2.0, 5.0, 4.0, 6.0],
            "from_state": ["a", "a", "a", "a"],
            "to_state": pd.Series([None, "b", None, None], dtype="string"),
        }
    )


def test_the_example_by_hand() -> None:
    # by hand (and R: survfit(Surv(start, stop, to) ~ 1, id = id, istate = from) gives
    # one step, at 5, with 2 at risk, Pr(a) = Pr(b) = 0.5)
    fit = state_occupation(_rows())
    assert fit.at([3.0, 5.0])["probability"].tolist() == [1.0, 0.0, 0.5, 0.5]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_row_without_spell_id_is_named(function: Any) -> None:
    rows = _rows()
    rows.loc[1, "spell_id"] = None
    with pytest.raises(DataValidationError) as raised:
        function(rows)
    (problem,) = raised.value.problems
    assert (problem.table, problem.row, problem.column) == ("transitions", 1, "spell_id")
    assert "1 row(s) have no spell_id" in problem.reason
    assert "secret" not in str(raised.value)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_move_to_the_same_state_is_refused(function: Any) -> None:
    # row 0 "moves" from a to a at 2: R's survfit takes it as no move (the example by
    # hand); here it was a move, its hazard went onto the diagonal, and at 2 the states
    # added up to 2/3
    rows = _rows()
    rows["to_state"] = pd.Series(["a", "b", None, None], dtype="string")
    with pytest.raises(DataValidationError) as raised:
        function(rows)
    (problem,) = raised.value.problems
    assert (problem.table, problem.row, problem.column) == ("transitions", 0, "to_state")
    assert problem.value == "a"
    assert "to_state is their from_state" in problem.reason


@pytest.mark.parametrize("function", FUNCTIONS)
def test_an_unlisted_state_names_its_row(function: Any) -> None:
    rows = _rows()
    with pytest.raises(DataValidationError) as raised:
        function(rows, states=["a"])
    (problem,) = raised.value.problems
    assert (problem.table, problem.row, problem.column) == ("transitions", 1, "to_state")
    assert problem.value == "b"
    assert "secret" not in str(raised.value)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_start_time_after_the_last_follow_up_is_refused(function: Any) -> None:
    # R: survfit(..., start.time = 7) stops, "start.time has removed all observations";
    # here state_occupation gave 0 in every state (they added up to 0) and
    # transition_probabilities the identity, with its summary at time 7
    with pytest.raises(DesignError, match=r"start_time=7\.0 is after the last follow-up"):
        function(_rows(), start_time=7.0)
    # the last stop itself is a start: the spell followed to 6 is in a there
    np.testing.assert_allclose(
        state_occupation(_rows(), start_time=6.0).probabilities, [[1.0, 0.0]], atol=0
    )
    assert transition_probabilities(_rows(), 6.0).matrix(6.0).to_numpy().tolist() == [
        [1.0, 0.0],
        [0.0, 1.0],
    ]


@pytest.mark.parametrize("function", FUNCTIONS)
@pytest.mark.parametrize("value", [np.nan, np.inf, "5"])
def test_a_start_time_that_is_not_a_number_is_refused(function: Any, value: object) -> None:
    with pytest.raises(DesignError, match="start_time must be a finite number of days"):
        function(_rows(), start_time=value)


def test_state_occupation_is_unknown_before_its_start_time() -> None:
    # R's summary(survfit(..., start.time = 3), times = c(1, 3, 5)) leaves time 1 out;
    # here it gave the value at 3
    fit = state_occupation(_rows(), start_time=3.0)
    got = fit.at([1.0, 3.0, 5.0])
    assert got["probability"].isna().tolist() == [True, True, False, False, False, False]
    assert got["probability"].tolist()[2:] == [1.0, 0.0, 0.5, 0.5]


def test_transition_probabilities_are_unknown_before_s() -> None:
    tp = transition_probabilities(_rows(), 3.0)
    assert tp.matrix(1.0).isna().all().all()
    # by hand: of the 2 in a at 5, one moves to b
    assert tp.matrix(5.0).to_numpy().tolist() == [[0.5, 0.5], [0.0, 1.0]]


def test_the_transition_probability_summary_says_what_p_s_t_is() -> None:
    text = transition_probabilities(_rows(), 3.0).summary().as_text()
    assert "P(s, t) with s = 3: the product over (s, t]" in text
    assert "Markov" in text
