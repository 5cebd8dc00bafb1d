"""Hidden cells of a margin must together stand for at least the threshold.

Review (session 27): complementary suppression hid a second cell only beside a LONE
hidden one. Two small cells of a margin (two empty groups, two levels of 4 and 3
children, two moves out of a state no child made) hid each other, and their total, the
published margin less the shown cells, came out below the threshold (0 for two empty
cells): both could be read as small, or as empty, to within the rounding. The rule
(:func:`escalation.disclosure.complementary_suppression`) now hides the smallest shown
cells until the hidden ones add up to at least the threshold (the standard secondary
suppression rule: the suppressed cells of a margin together are no small count).

The expected cells are worked out by hand from the rule as written in each test; the
tables' exact counts are counted from the input, not taken from the code under test.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import escalation as esc
import escalation.pipeline as pipeline
from escalation.causal import table_one
from escalation.disclosure import (
    DEFAULT_RULES,
    DisclosureRules,
    complementary_suppression,
    disclose_table,
)
from escalation.report.table_one import disclosed_table_one
from escalation.survival import pathway_transitions

THRESHOLD = DEFAULT_RULES.threshold


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # two empty cells: hidden total 0 < 10, so the smallest shown (230) goes too
        ([0, 0, 240, 230], [True, True, False, True]),
        # 4 + 3 = 7 < 10: the smallest shown (20) is hidden with them, total 27
        ([4, 3, 20, 500], [True, True, True, False]),
        # 6 + 5 = 11 >= 10 and two cells: they protect each other, nothing more hidden
        ([6, 5, 20, 500], [True, True, False, False]),
        # a lone small cell takes the smallest other (the rule as before)
        ([4, 40, 500], [True, True, False]),
        # 0 + 0 + 1 = 1, then + 12 = 13 >= 10: one complement is enough
        ([0, 0, 1, 12, 30], [True, True, True, True, False]),
        # all small, nothing shown: nothing left to hide
        ([0, 2], [True, True]),
    ],
)
def test_hidden_cells_add_up_to_the_threshold(raw: list[int], expected: list[bool]) -> None:
    counts = np.array(raw, dtype=float)
    out = complementary_suppression(counts, counts < THRESHOLD, [np.zeros(len(raw))])
    assert out.tolist() == expected


def test_the_threshold_is_the_rules() -> None:
    """Under a threshold of 20, 12 + 9 = 21 protect each other; 8 + 9 = 17 do not."""
    rules = DisclosureRules(threshold=20)
    for raw, third in (([12, 9, 40, 50], False), ([8, 9, 40, 50], True)):
        table = pd.DataFrame({"n": raw})
        out = disclose_table(table, ["n"], rules=rules, partition=())
        assert out["suppressed"].tolist() == [True, True, third, False]


def test_a_hidden_cell_with_no_count_counts_as_none() -> None:
    """A count withheld before (NaN: no number, as a fairness group below min_n)."""
    counts = np.array([np.nan, 0.0, 30.0, 40.0])
    hidden = np.array([True, True, False, False])
    assert complementary_suppression(counts, hidden, [np.zeros(4)]).tolist() == [
        True, True, True, False,
    ]  # fmt: skip


def test_table_one_two_small_levels_take_a_third_with_them() -> None:
    """An arm of 987: 500 White British, 480 Indian, 4 Black African, 3 not obtained.

    With the two small levels hidden alone, the arm's n (985) less the shown 500 and 480
    gives 5 (the exact 7 to within the rounding). The smaller shown level (Indian, 480)
    is withheld with them, so the hidden total is 487.
    """
    codes = ["WBRI"] * 500 + ["AIND"] * 480 + ["BAFR"] * 4 + ["NOBT"] * 3
    spells = pd.DataFrame({"treatment": [1] * len(codes), "ethnicity": codes})
    table = disclosed_table_one(table_one(spells, variables=["ethnicity"]), DEFAULT_RULES)
    arm = dict(zip(table["Level"], table["Early help"], strict=True))
    assert arm["Black African"] == "<10"
    assert arm["Information not yet obtained"] == "<10"
    assert arm["Indian"] == "[c]"
    assert arm["White British"] == "500 (50.8)"


class _Run:
    """The parts of a pipeline run ``_pathways`` uses: the rules, tables and figures."""

    def __init__(self) -> None:
        self.rules = DEFAULT_RULES
        self.tables: dict[str, pd.DataFrame] = {}

    def table(self, name: str, frame: pd.DataFrame) -> pd.DataFrame:
        self.tables[name] = frame
        return frame

    def figure(self, name: str, plot: Any, **kwargs: Any) -> None:
        pass


def test_transitions_hidden_moves_out_of_a_state_reach_the_threshold() -> None:
    """``transitions.csv``: the moves out of a state add up to the children leaving it.

    On this simulated authority a state has two moves fewer than 10 children made (0 and
    1 deaths, a few moves into care): hidden alone, their total would be the published
    moves out less the shown ones. Counted from the pathway rows, every state's hidden
    moves add up to at least the threshold (where a move out of it is shown: a state
    all of whose moves are hidden has no shown one to add).
    """
    history = esc.simulate_local_authority(2000, seed=5).history
    data = esc.build_spells(history, esc.default_design())
    run = _Run()
    pipeline._pathways(run, data)  # type: ignore[arg-type]
    published = run.tables["transitions"]
    rows = pathway_transitions(data)
    exact = rows[rows["to_state"].notna()].groupby(["from_state", "to_state"]).size()
    checked = 0
    for state, part in published.groupby("from_state"):
        hidden = part[part["n"].isna()]
        if not len(hidden) or len(hidden) == len(part):  # all hidden: nothing to add
            continue
        moves = [int(exact.get((state, to), 0)) for to in hidden["to_state"]]
        assert len(hidden) >= 2 and sum(moves) >= THRESHOLD, (state, sum(moves))
        checked += sum(m < THRESHOLD for m in moves)
    assert checked >= 2  # the pair this test is about is there
