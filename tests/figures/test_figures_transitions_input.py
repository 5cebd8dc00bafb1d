"""The transition diagram refuses rows that are not one move between two states.

Review (session 27). Was: a row with a missing ``to_state`` (a censored pathway row
counted as a move) was drawn as a box named "None" with an arrow into it; a move from a
state to itself was left out without a word; a move given twice was drawn twice, one
label over the other.
"""

from __future__ import annotations

import pandas as pd
import pytest

from escalation.errors import DataValidationError
from escalation.figures import plot_transitions


def _moves(**change: list[object]) -> pd.DataFrame:
    moves = pd.DataFrame(
        {
            "from_state": ["referral_closed", "referral_closed", "cin_plan"],
            "to_state": ["cin_plan", "cp_plan", "cp_plan"],
            "n": [40, 25, 15],
        }
    )
    return moves.assign(**change)


def test_good_moves_are_drawn() -> None:
    plot = plot_transitions(_moves())
    assert sorted(plot.data["text"].str.replace("\n", "")) == [
        "cin_plan",
        "cp_plan",
        "referral_closed",
    ]


@pytest.mark.parametrize(
    ("change", "row", "column", "words"),
    [
        ({"to_state": ["cin_plan", None, "cp_plan"]}, 1, "to_state", "needs both of its states"),
        ({"from_state": ["referral_closed", None, "cin_plan"]}, 1, "from_state", "both"),
        ({"to_state": ["cin_plan", "cp_plan", "cin_plan"]}, 2, "to_state", "to itself"),
        ({"to_state": ["cin_plan", "cin_plan", "cp_plan"]}, 1, "to_state", "earlier row"),
    ],
)
def test_a_row_that_is_not_one_move_is_named(
    change: dict[str, list[object]], row: int, column: str, words: str
) -> None:
    with pytest.raises(DataValidationError, match=words) as raised:
        plot_transitions(_moves(**change))
    (problem,) = raised.value.problems
    assert (problem.table, problem.row, problem.column) == ("transition diagram", row, column)
