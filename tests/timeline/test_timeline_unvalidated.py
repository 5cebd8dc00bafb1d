"""build_spells on a history that was not validated (review s23, finding 5).

The contract never drops a row silently. An episode the timeline cannot place (a
misspelt kind, no start, a child missing from the children table) used to leave the
spells with only a count in the flow, and the children's escalations were lost: now
build_spells refuses it with the validator's own error, naming each row.
"""

from __future__ import annotations

import pandas as pd
import pytest

from escalation import CaseHistory
from escalation.design import default_design
from escalation.errors import DataValidationError
from escalation.timeline import build_spells

KIDS = pd.DataFrame(
    {"child_id": ["a", "b"], "birth_date": ["2015-01-01", "2015-01-01"], "imd_decile": [3, 3]}
)


def unvalidated(episodes: dict[str, list[object]]) -> CaseHistory:
    return CaseHistory(KIDS, pd.DataFrame(episodes), extract_date="2024-03-31")


def test_unusable_episodes_are_refused_naming_table_row_column_and_value() -> None:
    history = unvalidated(
        {
            "child_id": ["a", "a", "b", "b", "zz"],
            "kind": ["referral", "cp-plan", "referral", "cp_plan", "referral"],
            "start": ["2020-01-01", "2020-03-01", "2020-01-01", None, "2020-01-01"],
            "end": ["2020-02-01", "", "2020-02-01", "", "2020-02-01"],
            "reason": ["RC8", "", "RC8", "", "RC8"],
        }
    )
    with pytest.raises(DataValidationError) as caught:
        build_spells(history, default_design())
    found = {(p.table, p.row, p.column) for p in caught.value.problems}
    assert found == {("episodes", 1, "kind"), ("episodes", 3, "start"), ("episodes", 4, "child_id")}
    kind = next(p for p in caught.value.problems if p.column == "kind")
    assert kind.value == "cp-plan" and "unknown episode kind" in kind.reason
    message = str(caught.value)
    assert "zz" not in message  # an identifier is personal data: withheld


def test_a_history_the_validator_accepts_is_built_from_its_normal_form() -> None:
    """Identifiers read as 1 in one table and 1.0 in the other name the same child."""
    kids = KIDS.assign(child_id=[1, 2])
    episodes = pd.DataFrame(
        {
            "child_id": [1.0, 2.0],
            "kind": ["referral", "referral"],
            "start": ["2020-01-01", "2020-01-01"],
            "end": ["2020-02-01", "2020-02-01"],
            "reason": ["RC8", "RC8"],
        }
    )
    data = build_spells(CaseHistory(kids, episodes, extract_date="2024-03-31"), default_design())
    assert data.spells["child_id"].tolist() == ["1", "2"]
    assert data.flow.set_index("rule").loc["history", "episodes"] == 2


def test_the_flow_has_no_row_for_unusable_episodes() -> None:
    history = unvalidated(
        {
            "child_id": ["a"],
            "kind": ["referral"],
            "start": ["2020-01-01"],
            "end": ["2020-02-01"],
            "reason": ["RC8"],
        }
    )
    assert "unusable_episode" not in build_spells(history, default_design()).flow["rule"].tolist()
