"""The pathway's state at time zero: a plan already under way then is where a spell starts.

Review (session 28): every spell started in ``referral_closed``, so a child whose child
in need plan was still open when the referral closed was counted as having no plan at
time zero, and a CIN plan started later (or the open one) moved them "into" cin_plan.
The state of the pathway is the deepest level of statutory involvement entered so far;
an episode of ``cin_plan`` (or, when the design does not end follow-up there, ``cp_plan``)
started before the day of time zero and not ended by it is under way at time zero: the
spell starts in that state, and only a deeper level moves it on.

Hand-worked days (as ``test_survival_multistate``): child ``a`` born 2012-01-01; referral
2020-01-01 -> 2020-02-01 closed RC8, so time zero is 2020-02-01 (day 0); 2020-03-01 is
day 29, 2020-05-01 day 90; the extract date 2024-03-31 is day 1520.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from escalation import default_design
from escalation.design import StudyDesign
from escalation.survival.multistate import pathway_transitions, state_occupation
from escalation.timeline import build_spells
from tests.timeline.timeline_support import history

CHILD = {"child_id": "a", "birth_date": "2012-01-01", "imd_decile": 4, "family_id": "f1"}
REFERRAL = {
    "child_id": "a",
    "kind": "referral",
    "start": "2020-01-01",
    "end": "2020-02-01",
    "reason": "RC8",
    "source": "2A",
    "need": "N1",
}


def _pathway(
    *episodes: tuple[str, str, str], design: StudyDesign | None = None
) -> list[tuple[float, float, str, str | None]]:
    rows = [REFERRAL] + [
        {"child_id": "a", "kind": kind, "start": start, "end": end} for kind, start, end in episodes
    ]
    data = build_spells(history([CHILD], rows), design or default_design())
    assert len(data.spells) == 1
    frame = pathway_transitions(data)
    return [
        (r.start, r.stop, r.from_state, r.to_state if isinstance(r.to_state, str) else None)
        for r in frame.itertuples(index=False)
    ]


def test_a_cin_plan_open_at_time_zero_is_the_starting_state() -> None:
    # CIN plan from 2020-01-15, still open: the child is on a plan at time zero, then
    # a CP plan on day 90 moves it on from cin_plan (not from referral_closed)
    assert _pathway(("cin_plan", "2020-01-15", ""), ("cp_plan", "2020-05-01", "")) == [
        (0.0, 90.0, "cin_plan", "cp_plan"),
        (90.0, 1520.0, "cp_plan", None),
    ]
    # a closed plan that is still under way at time zero (ends on day 90) counts too;
    # its end does not move the child back (levels are never undone)
    assert _pathway(("cin_plan", "2020-01-15", "2020-05-01")) == [
        (0.0, 1520.0, "cin_plan", None),
    ]


def test_a_new_cin_plan_during_an_open_one_is_no_move() -> None:
    # the plan open at time zero, then another CIN plan on day 29: no move
    assert _pathway(("cin_plan", "2020-01-15", "2020-03-01"), ("cin_plan", "2020-03-01", "")) == [
        (0.0, 1520.0, "cin_plan", None),
    ]


def test_a_plan_that_ended_by_time_zero_is_history() -> None:
    # ended on the day of time zero: not under way (as the spells' rule "already in")
    assert _pathway(("cin_plan", "2020-01-15", "2020-02-01")) == [
        (0.0, 1520.0, "referral_closed", None),
    ]
    # one starting on the day of time zero is an entry at half a day, as before
    assert _pathway(("cin_plan", "2020-02-01", "")) == [
        (0.0, 0.5, "referral_closed", "cin_plan"),
        (0.5, 1520.0, "cin_plan", None),
    ]


def test_a_cp_plan_open_at_time_zero_when_only_care_ends_follow_up() -> None:
    # events = looked_after only: a CP plan under way at time zero is not an exclusion;
    # the spell starts in cp_plan, a later CIN plan (a step down) is no move, and care
    # on day 90 is the move
    default = default_design()
    design = replace(default, outcome=replace(default.outcome, events=("looked_after",)))
    assert _pathway(
        ("cp_plan", "2020-01-20", ""),
        ("cin_plan", "2020-03-01", ""),
        ("looked_after", "2020-05-01", ""),
        design=design,
    ) == [
        (0.0, 90.0, "cp_plan", "looked_after"),
        (90.0, 1520.0, "looked_after", None),
    ]


def test_state_occupation_starts_from_the_states_under_way() -> None:
    # child a on a CIN plan at time zero, child b not: half start in each state, and no
    # one moves before day 1520 (hand computation: 0.5 and 0.5 throughout)
    children = [CHILD, {**CHILD, "child_id": "b", "family_id": "f2"}]
    rows = [
        REFERRAL,
        {**REFERRAL, "child_id": "b"},
        {"child_id": "a", "kind": "cin_plan", "start": "2020-01-15", "end": ""},
    ]
    data = build_spells(history(children, rows), default_design())
    got = state_occupation(data).at([10.0, 1000.0])
    wide = got.pivot(index="time", columns="state", values="probability")
    assert wide["referral_closed"].tolist() == pytest.approx([0.5, 0.5], abs=1e-12)
    assert wide["cin_plan"].tolist() == pytest.approx([0.5, 0.5], abs=1e-12)
