"""Follow-up that ended before time zero: a death, a move out of the area (review s23, 1).

Child ``a``'s referral runs 2020-01-01 -> 2020-02-01 (closed RC8); time zero is its end,
2020-02-01. A death or a move out on an earlier day must exclude the candidate with a flow
row of its own, never follow the child as at risk up to the extract date (1,520 days).
"""

from __future__ import annotations

from typing import Any

from escalation.design import OutcomeSpec, TimeZeroSpec, default_design
from escalation.timeline import SpellData, build_spells
from escalation.timeline.flow import no_spell_reason
from tests.timeline.timeline_support import history

DESIGN = default_design()
CHILD = {"child_id": "a", "birth_date": "2012-01-01", "imd_decile": 4}
REFERRAL = {
    "child_id": "a",
    "kind": "referral",
    "start": "2020-01-01",
    "end": "2020-02-01",
    "reason": "RC8",
}


def ep(kind: str, start: str, end: str = "", **extra: Any) -> dict[str, Any]:
    return {"child_id": "a", "kind": kind, "start": start, "end": end, **extra}


def build(*episodes: dict[str, Any], design: Any = DESIGN) -> SpellData:
    return build_spells(history([CHILD], [REFERRAL, *episodes]), design)


def flow_row(data: SpellData, rule: str) -> tuple[int, int]:
    row = data.flow.set_index("rule").loc[rule]
    return int(row["children"]), int(row["episodes"])


def test_a_death_before_time_zero_excludes_the_candidate_with_its_own_flow_row() -> None:
    data = build(ep("death", "2020-01-10"))
    assert data.spells.empty
    assert flow_row(data, "competing_before") == (1, 1)
    assert flow_row(data, "censored_before") == (0, 0)
    description = data.flow.set_index("rule").loc["competing_before", "description"]
    assert description == "death before time zero"
    reason = no_spell_reason(data.flow)
    assert reason is not None and "death before time zero ([outcome] competing)" in reason


def test_a_death_on_the_day_of_time_zero_still_competes_at_half_a_day() -> None:
    data = build(ep("death", "2020-02-01"))
    spell = data.spells.iloc[0]
    assert (spell["duration"], spell["event"], spell["end_reason"]) == (0.5, 2, "death")
    assert flow_row(data, "competing_before") == (0, 0)


def test_a_move_out_during_the_referral_with_no_return_excludes_the_candidate() -> None:
    data = build(ep("moved_out", "2020-01-20"))
    assert data.spells.empty
    assert flow_row(data, "censored_before") == (1, 1)
    assert flow_row(data, "competing_before") == (0, 0)


def test_a_move_out_followed_by_an_episode_before_time_zero_keeps_the_spell() -> None:
    """Back in the area by time zero (a contact after the move): followed as before."""
    data = build(ep("moved_out", "2020-01-20"), ep("contact", "2020-01-25"))
    assert len(data.spells) == 1
    assert data.spells.iloc[0]["end_reason"] == "extract_date"
    assert flow_row(data, "censored_before") == (0, 0)


def test_a_move_out_before_the_referral_started_keeps_the_spell() -> None:
    """The referral itself shows the child came back."""
    data = build(ep("moved_out", "2019-06-01"))
    assert len(data.spells) == 1
    assert flow_row(data, "censored_before") == (0, 0)


def test_a_child_who_moved_out_and_was_referred_again_is_a_new_candidate() -> None:
    later = dict(REFERRAL, start="2021-01-01", end="2021-02-01")
    for spells in ("first", "all"):
        design = DESIGN.replace(
            time_zero=TimeZeroSpec(kind="referral", at="end", spells=spells, max_age=17)
        )
        data = build(ep("moved_out", "2020-01-20"), later, design=design)
        assert data.spells["time_zero"].dt.strftime("%Y-%m-%d").tolist() == ["2021-02-01"]
        assert flow_row(data, "censored_before") == (0, 1)  # the child keeps a spell


def test_an_interval_competing_kind_under_way_at_time_zero_excludes_the_candidate() -> None:
    design = DESIGN.replace(
        outcome=OutcomeSpec(events=("cp_plan",), competing=("looked_after",), horizons=(365,))
    )
    data = build(ep("looked_after", "2020-01-15"), design=design)
    assert data.spells.empty and flow_row(data, "competing_before") == (1, 1)
    ended = build(ep("looked_after", "2019-01-15", "2019-03-01"), design=design)
    assert len(ended.spells) == 1  # over before time zero: history, not an exclusion


def test_the_rules_have_no_row_without_a_competing_or_censoring_episode_kind() -> None:
    design = DESIGN.replace(
        # competing stated empty: left out it is the contract's ("death",)
        outcome=OutcomeSpec(events=("cp_plan",), competing=(), censor=("age_18",), horizons=(365,))
    )
    rules = build(design=design).flow["rule"].tolist()
    assert "competing_before" not in rules and "censored_before" not in rules


def test_a_move_out_listed_as_competing_does_not_exclude_a_child_who_came_back() -> None:
    """Review (session 28): a move to another authority is a competing event (DOMAIN.md).

    Listed under ``[outcome] competing``, any move on an earlier day excluded the candidate:
    a child who moved out in June 2019 and was referred again in January 2020 (so back in
    the area) lost the spell, though the same history with the move as a censoring kind
    keeps it. A move out before time zero holds as under ``censor``: unless an episode of
    another kind shows the child back by the time-zero day.
    """
    design = DESIGN.replace(
        outcome=OutcomeSpec(
            events=("cp_plan", "looked_after"),
            competing=("death", "moved_out"),
            censor=("age_18",),
            horizons=(365,),
        )
    )
    back = build(ep("moved_out", "2019-06-01"), design=design)
    # followed from 2020-02-01 to the extract date 2024-03-31: 1,520 days
    assert back.spells[["duration", "event", "end_reason"]].to_dict("records") == [
        {"duration": 1520.0, "event": 0, "end_reason": "extract_date"}
    ]
    assert flow_row(back, "competing_before") == (0, 0)
    # a move during the referral with no return still excludes it, as competing
    gone = build(ep("moved_out", "2020-01-20"), design=design)
    assert gone.spells.empty and flow_row(gone, "competing_before") == (1, 1)
    # a move after time zero competes: code 3 (the second competing kind), day 90
    later = build(ep("moved_out", "2020-05-01"), design=design)
    assert later.spells[["duration", "event", "end_reason"]].to_dict("records") == [
        {"duration": 90.0, "event": 3, "end_reason": "moved_out"}
    ]
    # a death before time zero is final: nothing brings the child back
    dead = build(ep("death", "2020-01-10"), design=design)
    assert dead.spells.empty and flow_row(dead, "competing_before") == (1, 1)
