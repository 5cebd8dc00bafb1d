"""Time zero at an assessment: its referral's source, need and start are known then.

Review (session 28): with time zero the start of an assessment, the prior counts take the
referral under way as the assessment started (on or before its day: the *index
referral*) as the decision point's own, but ``source``, ``need`` and
``days_since_first_referral`` looked only at referrals started strictly before the
time-zero day. An assessment that starts the day its referral is made (the usual
same-day assessment) then took the source and need of an earlier, unrelated referral
(here police, ``6``, and need ``N2`` from 2018), or none at all, and the days since the
first referral were missing for a child whose first referral is that day's.

Hand-worked: children born 2012-01-01; referral 2020-01-01 -> 2020-02-01 (source ``2A``,
need ``N1``), its assessment 2020-01-01 -> 2020-01-20; child ``a`` also had a referral
2018-01-01 -> 2018-02-01 (source ``6``, need ``N2``), 730 days before 2020-01-01; child
``c``'s assessment starts 2020-01-05, 4 days into its referral.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from escalation.design import default_design
from escalation.timeline import build_spells
from tests.timeline.timeline_support import history


def _ep(child: str, kind: str, start: str, end: str, **codes: str) -> dict[str, Any]:
    return {"child_id": child, "kind": kind, "start": start, "end": end, **codes}


def _referral(child: str, start: str, end: str, source: str, need: str) -> dict[str, Any]:
    return _ep(child, "referral", start, end, reason="RC8", source=source, need=need)


CHILDREN = [{"child_id": c, "birth_date": "2012-01-01", "imd_decile": 3} for c in ("a", "b", "c")]
EPISODES = [
    _referral("a", "2018-01-01", "2018-02-01", "6", "N2"),
    _referral("a", "2020-01-01", "2020-02-01", "2A", "N1"),
    _ep("a", "assessment", "2020-01-01", "2020-01-20", factors="3B"),
    _referral("b", "2020-01-01", "2020-02-01", "2A", "N1"),
    _ep("b", "assessment", "2020-01-01", "2020-01-20", factors="3B"),
    _referral("c", "2020-01-01", "2020-02-01", "2A", "N1"),
    _ep("c", "assessment", "2020-01-05", "2020-01-20", factors="3B"),
]


@pytest.mark.parametrize("at", ["start", "end"])
def test_an_assessment_takes_its_own_referrals_source_and_need(at: str) -> None:
    default = default_design()
    design = replace(
        default, time_zero=replace(default.time_zero, kind="assessment", at=at, reasons=None)
    )
    spells = build_spells(history(CHILDREN, EPISODES), design).spells.set_index("child_id")
    assert spells["source"].astype(str).to_dict() == {"a": "2A", "b": "2A", "c": "2A"}
    assert spells["need"].astype(str).to_dict() == {"a": "N1", "b": "N1", "c": "N1"}
    # time zero 2020-01-01 (start) or 2020-01-20 (end); the first referral 2018-01-01 for
    # a (730 days before 2020-01-01), 2020-01-01 for b and c
    shift = 0 if at == "start" else 19
    expected = {"a": 730.0 + shift, "b": 0.0 + shift, "c": 4.0 if at == "start" else 19.0}
    assert spells["days_since_first_referral"].to_dict() == expected
    # the index referral is the decision point's own, as before: a has one prior referral
    assert spells["prior_referrals"].to_dict() == {"a": 1, "b": 0, "c": 0}
    assert not spells[["source", "need"]].isna().any().any()
