"""A point event is no state: a past section 47 enquiry does not make a child "already in" it.

Review (session 28): DOMAIN.md names a section 47 enquiry as one of the escalations a
study may define. A point event (``s47``, ``icpc``, ``contact``) has no end date by the
contract, and the rule "already in an escalation state at time zero" (an episode started
before the day of time zero and not ended by it) read that missing end as "still open":
every child with any earlier enquiry, years before, was excluded.

Hand-worked: children born 2012-01-01, the default design with ``events = ["s47",
"cp_plan", "looked_after"]``; referral 2020-01-01 -> 2020-02-01 closed RC8, so time zero is
2020-02-01, and an enquiry on 2020-04-01 (day 60). Child ``a`` also had an enquiry on
2018-01-10 within a 2018 referral (time zero before the window: not a candidate).
"""

from __future__ import annotations

from typing import Any

from escalation.design import OutcomeSpec, default_design
from escalation.timeline import build_spells
from tests.timeline.timeline_support import history

DESIGN = default_design().replace(
    outcome=OutcomeSpec(
        events=("s47", "cp_plan", "looked_after"),
        competing=("death",),
        censor=("moved_out", "age_18"),
        horizons=(365,),
    )
)


def _ep(child: str, kind: str, start: str, end: str = "", **codes: str) -> dict[str, Any]:
    return {"child_id": child, "kind": kind, "start": start, "end": end, **codes}


def test_an_earlier_enquiry_is_history_not_a_state() -> None:
    children = [{"child_id": c, "birth_date": "2012-01-01", "imd_decile": 1} for c in "ab"]
    episodes = [
        _ep("a", "referral", "2018-01-01", "2018-03-01", reason="RC8"),
        _ep("a", "s47", "2018-01-10"),
        _ep("a", "referral", "2020-01-01", "2020-02-01", reason="RC8"),
        _ep("a", "s47", "2020-04-01"),
        _ep("b", "referral", "2020-01-01", "2020-02-01", reason="RC8"),
        _ep("b", "s47", "2020-04-01"),
    ]
    data = build_spells(history(children, episodes), DESIGN)
    got = data.spells[["child_id", "duration", "event", "end_reason"]].astype({"child_id": str})
    assert got.to_dict("records") == [
        {"child_id": "a", "duration": 60.0, "event": 1, "end_reason": "s47"},
        {"child_id": "b", "duration": 60.0, "event": 1, "end_reason": "s47"},
    ]
    flow = data.flow.set_index("rule")
    assert flow.loc["already_escalated", ["children", "episodes"]].tolist() == [0, 0]
    assert flow.loc["before_window", ["children", "episodes"]].tolist() == [0, 1]


def test_an_enquiry_within_the_referral_is_history_too() -> None:
    # an enquiry on 2020-01-10, during the referral closed with no further action: an
    # event before time zero, not one under way at it; the next, on day 60, ends the spell
    children = [{"child_id": "a", "birth_date": "2012-01-01", "imd_decile": 1}]
    episodes = [
        _ep("a", "referral", "2020-01-01", "2020-02-01", reason="RC8"),
        _ep("a", "s47", "2020-01-10"),
        _ep("a", "s47", "2020-04-01"),
    ]
    spells = build_spells(history(children, episodes), DESIGN).spells
    assert spells[["duration", "event"]].to_dict("records") == [{"duration": 60.0, "event": 1}]
