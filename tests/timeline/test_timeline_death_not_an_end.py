"""A design in which death ends no follow-up says so when the history has deaths."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest

from escalation import CaseHistory, validate_case_history
from escalation.design import OutcomeSpec, default_design
from escalation.errors import StatisticalWarning
from escalation.timeline import build_spells


def _history() -> CaseHistory:
    """Three children referred (RC8, closed 2020-02-01): ``dead1`` and ``dead2`` die after
    time zero (2020-06-01), ``alive`` does not; ``dead1`` also has a CP plan before
    dying, which ends its follow-up first (by hand: 1 spell followed past a death)."""
    children = pd.DataFrame(
        {
            "child_id": ["dead1", "dead2", "alive"],
            "birth_date": ["2012-06-01", "2013-06-01", "2014-06-01"],
            "imd_decile": [3, 5, 7],
        }
    )
    episodes = pd.DataFrame(
        {
            "child_id": ["dead1", "dead1", "dead1", "dead2", "dead2", "alive"],
            "kind": ["referral", "cp_plan", "death", "referral", "death", "referral"],
            "start": [
                "2020-01-01", "2020-03-01", "2020-06-01", "2020-01-01", "2020-06-01",
                "2020-01-01",
            ],
            "end": ["2020-02-01", "", "", "2020-02-01", "", "2020-02-01"],
            "reason": ["RC8", "", "", "RC8", "", "RC8"],
        }
    )  # fmt: skip
    return validate_case_history(CaseHistory(children, episodes, extract_date="2024-03-31"))


def _without_death_as_an_end(**outcome: tuple[str, ...]) -> object:
    design = default_design()
    return design.replace(outcome=OutcomeSpec(**{**vars(design.outcome), **outcome}))


def test_competing_empty_warns_with_the_count_of_spells_followed_past_a_death() -> None:
    """``competing = []`` kept a child who died at risk of escalation, silently."""
    design = _without_death_as_an_end(competing=())
    with pytest.warns(StatisticalWarning) as caught:
        data = build_spells(_history(), design)  # type: ignore[arg-type]
    spells = data.spells.set_index("child_id")
    assert spells.loc["dead2", "end_reason"] == "extract_date"  # at risk after death
    found = [w.message for w in caught if "death" in str(w.message)]
    assert len(found) == 1
    message = found[0]
    assert str(message).startswith("1 spell(s) followed a child past their recorded death")
    assert isinstance(message, StatisticalWarning)
    assert message.design_key == "[outcome] competing"
    for child in ("dead1", "dead2", "alive"):  # no identifier reaches the warning
        assert child not in str(message) and child not in str(message.advice)


@pytest.mark.parametrize(
    "outcome",
    [{}, {"competing": (), "censor": ("moved_out", "age_18", "death")}],
    ids=["death_competes", "death_censors"],
)
def test_no_warning_when_death_ends_follow_up(outcome: dict[str, tuple[str, ...]]) -> None:
    design = _without_death_as_an_end(**outcome)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StatisticalWarning)
        data = build_spells(_history(), design)  # type: ignore[arg-type]
    assert data.spells.set_index("child_id").loc["dead2", "end_reason"] == "death"
