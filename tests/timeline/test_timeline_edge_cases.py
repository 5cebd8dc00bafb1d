"""Hand-written histories with hand-worked spells, for every edge case of the issue.

Unless said otherwise: child ``a`` born 2012-01-01; referral 2020-01-01 -> 2020-02-01
closed RC8, so time zero (end of the referral) is 2020-02-01 = day 0; the extract date is
2024-03-31 = day 1520 (2020-02-01 + 366 + 365 + 365 + 365 = 2024-02-01 = day 1461,
+29 (Feb 2024) + 30 = 1520). Day counts from 2020-02-01: 02-05 = 4, 02-10 = 9, 03-01 = 29
(2020 is a leap year), 04-01 = 60, 05-01 = 90, 06-15 = 135, 2021-01-31 = 365,
2022-01-31 = 730.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.data.history import CODE_DTYPES, CaseHistory
from escalation.design import OutcomeSpec, StudyDesign, TimeZeroSpec, TreatmentSpec, default_design
from escalation.timeline import SPELL_COLUMNS, SpellData, build_spells, landmark
from tests.timeline.timeline_support import history

DESIGN = default_design()
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
ASSESSMENT = {
    "child_id": "a",
    "kind": "assessment",
    "start": "2020-01-03",
    "end": "2020-01-20",
    "factors": "3B;16A",
}


def ep(kind: str, start: str, end: str = "", **extra: Any) -> dict[str, Any]:
    return {"child_id": "a", "kind": kind, "start": start, "end": end, **extra}


def build(
    *episodes: dict[str, Any],
    design: StudyDesign = DESIGN,
    children: list[dict[str, Any]] | None = None,
    base: bool = True,
    **options: Any,
) -> SpellData:
    rows = ([REFERRAL, ASSESSMENT] if base else []) + list(episodes)
    return build_spells(history(children or [CHILD], rows), design, **options)


def one(data: SpellData) -> dict[str, Any]:
    assert len(data.spells) == 1
    return dict(data.spells.iloc[0])


def intervals(data: SpellData, spell_id: int = 1) -> list[tuple[float, float, int, int, int]]:
    rows = data.counting[data.counting["spell_id"] == spell_id]
    cols = ["start", "stop", "event", "treatment_tv", "early_help_episodes"]
    return [tuple(r) for r in rows[cols].itertuples(index=False)]  # type: ignore[misc]


def excluded(data: SpellData, rule: str) -> tuple[int, int]:
    row = data.flow[data.flow["rule"] == rule].iloc[0]
    return int(row["children"]), int(row["episodes"])


# --------------------------------------------------------------------- the plain case
def test_plain_spell_censored_at_the_extract_date() -> None:
    data = build()
    spell = one(data)
    assert list(data.spells.columns[: len(SPELL_COLUMNS)]) == list(SPELL_COLUMNS)
    assert spell["spell_id"] == 1
    assert spell["child_id"] == "a"
    assert spell["family_id"] == "f1"
    assert spell["time_zero"] == pd.Timestamp("2020-02-01")
    assert spell["duration"] == 1520.0
    assert (spell["event"], spell["end_reason"]) == (0, "extract_date")
    assert spell["treatment"] == 0
    assert math.isnan(spell["treatment_start"])
    assert spell["age"] == pytest.approx(
        (pd.Timestamp("2020-02-01") - pd.Timestamp("2012-01-01")).days / 365.25
    )
    assert spell["imd_decile"] == 4
    # Neither the time-zero referral nor its own assessment is prior history.
    assert (spell["prior_referrals"], spell["prior_assessments"]) == (0, 0)
    assert (spell["prior_cp_plans"], spell["prior_looked_after"]) == (0, 0)
    assert spell["days_since_first_referral"] == 31.0
    assert (spell["source"], spell["need"]) == ("2A", "N1")
    assert (spell["factor_3B"], spell["factor_16A"], spell["n_factors"]) == (1, 1, 2)
    assert intervals(data) == [(0.0, 1520.0, 0, 0, 0)]
    assert data.model_covariates == (
        "age", "sex", "ethnicity", "disability", "imd_decile", "prior_referrals",
        "prior_assessments", "prior_cp_plans", "prior_looked_after",
        "days_since_first_referral", "source", "need", "factor_3B", "factor_16A",
    )  # fmt: skip
    assert data.covariates[-1] == "n_factors"


# --------------------------------------------------------------------- several events on one day
def test_escalation_and_death_on_the_same_day_is_an_escalation() -> None:
    spell = one(build(ep("cp_plan", "2020-03-01"), ep("death", "2020-03-01")))
    assert (spell["duration"], spell["event"], spell["end_reason"]) == (29.0, 1, "cp_plan")
    spell = one(build(ep("death", "2020-03-01")))
    assert (spell["duration"], spell["event"], spell["end_reason"]) == (29.0, 2, "death")


def test_two_escalation_kinds_on_one_day_take_the_design_order() -> None:
    spell = one(build(ep("looked_after", "2020-03-01"), ep("cp_plan", "2020-03-01")))
    assert (spell["duration"], spell["event"], spell["end_reason"]) == (29.0, 1, "cp_plan")


def test_escalation_beats_censoring_on_the_same_day() -> None:
    spell = one(build(ep("moved_out", "2020-03-01"), ep("cp_plan", "2020-03-01")))
    assert (spell["event"], spell["end_reason"]) == (1, "cp_plan")
    spell = one(build(ep("moved_out", "2020-03-01")))
    assert (spell["duration"], spell["event"], spell["end_reason"]) == (29.0, 0, "moved_out")


def test_treatment_and_escalation_on_the_same_day_is_untreated() -> None:
    data = build(ep("early_help", "2020-02-10", "2020-04-01"), ep("cp_plan", "2020-02-10"))
    spell = one(data)
    assert (spell["duration"], spell["event"], spell["treatment"]) == (9.0, 1, 0)
    assert math.isnan(spell["treatment_start"])
    assert intervals(data) == [(0.0, 9.0, 1, 0, 0)]


def test_treatment_before_escalation_switches_on_at_its_start() -> None:
    data = build(ep("early_help", "2020-02-05", "2020-04-01"), ep("cp_plan", "2020-02-10"))
    spell = one(data)
    assert (spell["duration"], spell["event"], spell["treatment"]) == (9.0, 1, 1)
    assert spell["treatment_start"] == 4.0
    assert intervals(data) == [(0.0, 4.0, 0, 0, 0), (4.0, 9.0, 1, 1, 1)]


def test_treatment_after_the_grace_period_is_untreated_but_timed() -> None:
    data = build(ep("early_help", "2020-03-01", "2020-04-01"))
    spell = one(data)
    assert (spell["treatment"], spell["treatment_start"]) == (0, 29.0)
    assert intervals(data) == [(0.0, 29.0, 0, 0, 0), (29.0, 60.0, 0, 1, 1), (60.0, 1520.0, 0, 0, 1)]


def test_events_on_the_day_of_time_zero_are_at_half_a_day() -> None:
    spell = one(build(ep("cp_plan", "2020-02-01")))
    assert (spell["duration"], spell["event"]) == (0.5, 1)
    data = build(ep("early_help", "2020-02-01"))
    spell = one(data)
    assert (spell["treatment"], spell["treatment_start"]) == (1, 0.5)
    assert intervals(data) == [(0.0, 0.5, 0, 0, 0), (0.5, 1520.0, 0, 1, 1)]
    # Treatment and escalation both on day 0: the escalation comes first.
    data = build(ep("early_help", "2020-02-01"), ep("cp_plan", "2020-02-01"))
    spell = one(data)
    assert (spell["duration"], spell["event"], spell["treatment"]) == (0.5, 1, 0)
    assert intervals(data) == [(0.0, 0.5, 1, 0, 0)]


# --------------------------------------------------------------------- extract date and horizons
def test_open_episodes_at_the_extract_date() -> None:
    data = build(ep("early_help", "2020-03-01"))
    assert intervals(data) == [(0.0, 29.0, 0, 0, 0), (29.0, 1520.0, 0, 1, 1)]
    open_referral = dict(REFERRAL, end="", reason="")  # open: not closed, for no reason
    data = build_spells(history([CHILD], [open_referral]), DESIGN)
    assert data.spells.empty
    assert excluded(data, "open") == (1, 1)


def test_event_on_the_extract_date_is_an_event() -> None:
    spell = one(build(ep("cp_plan", "2024-03-31")))
    assert (spell["duration"], spell["event"], spell["end_reason"]) == (1520.0, 1, "cp_plan")


@pytest.mark.parametrize("censor", [False, True])
def test_event_exactly_at_a_horizon_is_an_event(censor: bool) -> None:
    for day, when in ((365, "2021-01-31"), (730, "2022-01-31")):
        spell = one(build(ep("cp_plan", when), censor_at_horizon=censor))
        assert (spell["duration"], spell["event"], spell["end_reason"]) == (day, 1, "cp_plan")


def test_administrative_censoring_at_the_longest_horizon() -> None:
    spell = one(build(ep("cp_plan", "2022-02-01"), censor_at_horizon=True))
    assert (spell["duration"], spell["event"], spell["end_reason"]) == (730.0, 0, "horizon")
    spell = one(build(ep("cp_plan", "2022-02-01")))
    assert (spell["duration"], spell["event"], spell["end_reason"]) == (731.0, 1, "cp_plan")


# --------------------------------------------------------------------- turning 18
def test_a_child_turning_18_during_follow_up_is_censored_on_the_birthday() -> None:
    child = dict(CHILD, birth_date="2002-06-15")
    spell = one(build(children=[child]))
    assert (spell["duration"], spell["event"], spell["end_reason"]) == (135.0, 0, "age_18")
    spell = one(build(ep("cp_plan", "2020-06-15"), children=[child]))
    assert (spell["duration"], spell["event"], spell["end_reason"]) == (135.0, 1, "cp_plan")


def test_a_29_february_birthday_turns_18_on_1_march() -> None:
    child = dict(CHILD, birth_date="2004-02-29")
    referral = dict(REFERRAL, start="2021-05-01", end="2021-06-01")
    data = build_spells(history([child], [referral]), DESIGN)
    spell = one(data)
    # 2021-06-01 -> 2022-03-01: 30+31+31+30+31+30+31+31+28 = 273 days.
    assert (spell["duration"], spell["end_reason"]) == (273.0, "age_18")


def test_a_child_already_18_has_no_spell() -> None:
    data = build(children=[dict(CHILD, birth_date="2002-01-15")])
    assert data.spells.empty
    assert excluded(data, "age") == (1, 1)


# --------------------------------------------------------------------- re-referral, overlaps
RE_REFERRAL = [
    dict(REFERRAL, reason="RC9"),
    ep("referral", "2020-02-05", "2020-03-01", reason="RC8", source="6", need="N4"),
    ep("assessment", "2020-02-06", "2020-02-20", factors="4B"),
    ep("early_help", "2020-02-10", "2020-02-20"),
]


def with_spells(rule: str) -> StudyDesign:
    tz = DESIGN.time_zero
    return DESIGN.replace(
        time_zero=TimeZeroSpec(
            kind=tz.kind, at=tz.at, reasons=tz.reasons, from_=tz.from_, to=tz.to,
            spells=rule, min_age=tz.min_age, max_age=tz.max_age,
        )
    )  # fmt: skip


def test_a_re_referral_inside_the_grace_period() -> None:
    data = build_spells(history([CHILD], [*RE_REFERRAL, ASSESSMENT]), with_spells("first"))
    spell = one(data)
    # The re-referral neither ends follow-up nor changes the treatment (early help on day 9).
    assert spell["time_zero"] == pd.Timestamp("2020-02-01")
    assert (spell["duration"], spell["event"]) == (1520.0, 0)
    assert (spell["treatment"], spell["treatment_start"]) == (1, 9.0)
    assert spell["prior_referrals"] == 0
    assert (spell["factor_3B"], spell["n_factors"]) == (1, 2)
    assert "factor_4B" not in data.spells.columns  # found only after time zero
    assert excluded(data, "spell_rule") == (0, 1)
    assert intervals(data) == [(0.0, 9.0, 0, 0, 0), (9.0, 19.0, 0, 1, 1), (19.0, 1520.0, 0, 0, 1)]


def test_multiple_spells_per_child_all_first_last() -> None:
    rows = [*RE_REFERRAL, ASSESSMENT]
    every = build_spells(history([CHILD], rows), with_spells("all")).spells
    assert every["spell_id"].tolist() == [1, 2]
    assert every["time_zero"].tolist() == [pd.Timestamp("2020-02-01"), pd.Timestamp("2020-03-01")]
    second = dict(every.iloc[1])
    assert (second["duration"], second["event"]) == (1491.0, 0)
    assert second["treatment"] == 0 and math.isnan(second["treatment_start"])
    # The first referral and its assessment are prior; the second's own assessment is not.
    assert (second["prior_referrals"], second["prior_assessments"]) == (1, 1)
    assert second["days_since_first_referral"] == 60.0
    assert (second["source"], second["need"]) == ("6", "N4")
    assert (second["factor_3B"], second["factor_4B"], second["n_factors"]) == (0, 1, 1)
    last = build_spells(history([CHILD], rows), with_spells("last")).spells
    assert last["spell_id"].tolist() == [1]
    assert last["time_zero"].tolist() == [pd.Timestamp("2020-03-01")]
    first = build_spells(history([CHILD], rows), with_spells("first")).spells
    assert first["time_zero"].tolist() == [pd.Timestamp("2020-02-01")]


def _unvalidated(rows: list[dict[str, Any]]) -> CaseHistory:
    """A history in normal form that breaks the no-overlap rule (not validated)."""
    frame = pd.DataFrame(rows)
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column].replace("", None))
    for column in ("kind", "reason", "source", "need"):
        frame[column] = frame.get(column, pd.Series(dtype=object)).astype(CODE_DTYPES[column])
    frame["factors"] = frame["factors"].astype("string")
    children = pd.DataFrame([CHILD]).assign(birth_date=lambda f: pd.to_datetime(f["birth_date"]))
    return CaseHistory(children, frame, extract_date="2024-03-31")


def test_overlapping_episodes() -> None:
    rows = [
        REFERRAL,
        ASSESSMENT,
        # An assessment still running at time zero: its factors are not known yet.
        ep("assessment", "2020-01-25", "2020-02-15", factors="1B"),
        # Two overlapping early-help episodes: on from day 4 to day 90.
        ep("early_help", "2020-02-05", "2020-04-01"),
        ep("early_help", "2020-03-01", "2020-05-01"),
        # A care period starting inside a CP plan's lead-in: the first escalation wins.
        ep("cp_plan", "2020-07-10", "2021-01-01"),
        ep("looked_after", "2020-07-05", "2020-12-01"),
    ]
    data = build_spells(_unvalidated(rows), DESIGN)
    spell = one(data)
    # 2020-07-05 is day 29 + 31 + 30 + 31 + 30 + 4 = 155.
    assert (spell["duration"], spell["event"], spell["end_reason"]) == (155.0, 1, "looked_after")
    assert (spell["factor_3B"], spell["factor_16A"], spell["n_factors"]) == (1, 1, 2)
    assert "factor_1B" not in data.spells.columns
    assert spell["prior_assessments"] == 0  # both started within the time-zero referral
    assert intervals(data) == [
        (0.0, 4.0, 0, 0, 0),
        (4.0, 29.0, 0, 1, 1),
        (29.0, 60.0, 0, 1, 2),
        (60.0, 90.0, 0, 1, 2),
        (90.0, 155.0, 1, 0, 2),
    ]


# --------------------------------------------------------------------- prior history
#: An earlier referral with its assessment, early help after it and a CP plan that ended,
#: all before the time-zero referral (REFERRAL, 2020-01-01 -> 2020-02-01, and ASSESSMENT).
EARLIER = [
    ep("referral", "2019-03-01", "2019-04-15", reason="RC9", source="2A", need="N1"),
    ep("assessment", "2019-03-02", "2019-04-10", factors="3B"),
    ep("early_help", "2019-05-01", "2019-08-01"),
    ep("cp_plan", "2019-09-01", "2019-11-01"),
]
PRIOR = ["prior_referrals", "prior_assessments", "prior_cp_plans", "prior_looked_after"]


def index_design(kind: str, at: str) -> StudyDesign:
    """Time zero at the ``at`` of the child's last ``kind`` episode; default outcomes."""
    return StudyDesign(
        time_zero=TimeZeroSpec(kind=kind, at=at, spells="last"),  # type: ignore[arg-type]
        outcome=DESIGN.outcome,
        treatment=TreatmentSpec(kind="cin_plan", grace_days=14),
    )


def prior_counts(rows: list[dict[str, Any]], design: StudyDesign) -> list[int]:
    spell = one(build_spells(history([CHILD], rows), design))
    return [int(spell[c]) for c in PRIOR]


@pytest.mark.parametrize("at", ["start", "end"])
def test_prior_counts_leave_out_the_index_referral_and_its_assessment(at: str) -> None:
    # The reviewer's finding: at the end of the referral its own assessment was "prior".
    rows = [*EARLIER, REFERRAL, ASSESSMENT]
    assert prior_counts(rows, index_design("referral", at)) == [1, 1, 1, 0]
    assert prior_counts(rows, with_spells("last")) == [1, 1, 1, 0]  # the default design


@pytest.mark.parametrize("at", ["start", "end"])
@pytest.mark.parametrize("start", ["2020-01-01", "2020-01-03"])
def test_prior_counts_at_an_assessment_leave_out_the_referral_it_belongs_to(
    at: str, start: str
) -> None:
    # The referral under way is the index episode's case, whether the assessment began
    # on the referral's day or later: the same counts.
    rows = [*EARLIER, REFERRAL, dict(ASSESSMENT, start=start)]
    assert prior_counts(rows, index_design("assessment", at)) == [1, 1, 1, 0]


def test_prior_counts_at_early_help() -> None:
    # Early help after the earlier referral closed: that referral is prior history (the CP
    # plan came after the early help).
    assert prior_counts(EARLIER, index_design("early_help", "start")) == [1, 1, 0, 0]
    # Early help while a referral is under way: a time zero of another kind than referral
    # or assessment has no index referral, so the referral and its assessment are history.
    rows = [*EARLIER, REFERRAL, ASSESSMENT, ep("early_help", "2020-01-25", "2020-04-01")]
    assert prior_counts(rows, index_design("early_help", "start")) == [2, 2, 1, 0]


@pytest.mark.parametrize("at", ["start", "end"])
def test_prior_counts_keep_plans_and_care_within_an_open_referral(at: str) -> None:
    """A review found the first version of the index-episode rule leaving out every plan,
    period of care and assessment that started inside a referral still open at time zero:
    confounders lost, and counts that depended on whether the authority opened a new
    referral for the plan."""
    open_referral = ep("referral", "2018-01-01", "2021-06-01")
    rows = [
        open_referral,
        ep("assessment", "2018-01-10", "2018-02-10"),
        ep("cp_plan", "2018-03-01", "2018-12-01"),
        ep("looked_after", "2018-12-05", "2019-03-01"),
        ep("cp_plan", "2019-06-01", "2020-06-01"),
    ]
    assert prior_counts(rows, index_design("cp_plan", at)) == [1, 1, 1, 1]


def test_landmark_counts_what_started_after_time_zero_only() -> None:
    rows = [*EARLIER, REFERRAL, ASSESSMENT, ep("assessment", "2020-02-11", "2020-02-19")]
    # At the end of the referral its own assessment stays the decision point's; from its
    # start, the assessment is follow-up, counted by a landmark as what came after it.
    for at, expected in [("end", [1, 2, 1, 0]), ("start", [1, 3, 1, 0])]:
        data = build_spells(history([CHILD], rows), index_design("referral", at))
        row = dict(landmark(data, at=60).iloc[0])
        assert [int(row[c]) for c in PRIOR] == expected


def test_simulated_prior_assessments_never_exceed_prior_referrals() -> None:
    from escalation.data.simulator import simulate_local_authority

    spells = build_spells(simulate_local_authority(300, seed=1).history, DESIGN).spells
    # Every simulated assessment lies within a referral.
    assert (spells["prior_assessments"] <= spells["prior_referrals"]).all()


# --------------------------------------------------------------------- eligibility
def test_a_child_with_no_eligible_spell_is_counted_in_the_flow() -> None:
    other = dict(CHILD, child_id="b")
    rows = [REFERRAL, ASSESSMENT, dict(REFERRAL, child_id="b", reason="RC7")]
    data = build_spells(history([CHILD, other], rows), DESIGN)
    assert data.spells["child_id"].tolist() == ["a"]
    assert excluded(data, "reason") == (1, 1)
    flow = data.flow.set_index("rule")
    assert flow.loc["history", ["children", "episodes"]].tolist() == [2, 3]
    assert flow.loc["candidates", ["children", "episodes"]].tolist() == [2, 2]
    assert flow.loc["spells", ["children", "episodes"]].tolist() == [1, 1]


def test_already_escalated_and_prevalent_treatment_are_excluded() -> None:
    data = build(ep("cp_plan", "2019-12-01"))
    assert data.spells.empty and excluded(data, "already_escalated") == (1, 1)
    spell = one(build(ep("cp_plan", "2019-12-01", "2020-01-15")))
    assert spell["prior_cp_plans"] == 1
    data = build(ep("early_help", "2020-01-15"))
    assert data.spells.empty and excluded(data, "prevalent_treatment") == (1, 1)


def test_window_rules() -> None:
    early = dict(REFERRAL, start="2019-02-01", end="2019-03-31")
    late = dict(REFERRAL, start="2023-03-01", end="2023-04-01")
    data = build_spells(history([CHILD], [early, late]), DESIGN)
    assert data.spells.empty
    assert excluded(data, "before_window") == (0, 1)
    assert excluded(data, "after_window") == (1, 1)


def test_reasons_form_of_the_treatment() -> None:
    design = DESIGN.replace(treatment=TreatmentSpec(reasons=("RC9",)))
    spell = one(build_spells(history([CHILD], [dict(REFERRAL, reason="RC9")]), design))
    assert (spell["treatment"], spell["treatment_start"]) == (1, 0.0)
    spell = one(build_spells(history([CHILD], [REFERRAL]), design))
    assert spell["treatment"] == 0 and math.isnan(spell["treatment_start"])


def test_time_zero_at_the_start_and_re_referral_as_escalation() -> None:
    design = StudyDesign(
        time_zero=TimeZeroSpec(kind="referral", at="start"),
        outcome=OutcomeSpec(events=("referral",)),
        treatment=TreatmentSpec(kind="early_help", grace_days=14),
    )
    rows = [REFERRAL, ep("referral", "2020-06-01", "2020-06-20", reason="RC8")]
    data = build_spells(history([CHILD], rows), design)
    spell = dict(data.spells.iloc[0])
    # The time-zero referral is not its own escalation: the re-referral on day 152 is.
    assert (spell["time_zero"], spell["duration"], spell["end_reason"]) == (
        pd.Timestamp("2020-01-01"), 152.0, "referral",
    )  # fmt: skip
    assert spell["days_since_first_referral"] == 0.0


def test_missing_extra_covariate_is_a_design_error() -> None:
    from escalation.errors import DesignError

    with pytest.raises(DesignError, match="imd_decile"):
        build_spells(history([{"child_id": "a", "birth_date": "2012-01-01"}], [REFERRAL]), DESIGN)


# --------------------------------------------------------------------- landmarks
def test_landmark_updates_covariates_to_the_landmark() -> None:
    data = build(
        ep("early_help", "2020-02-05"),
        ep("assessment", "2020-02-10", "2020-02-20", factors="4B"),
        ep("cp_plan", "2020-03-15"),
    )
    frame = landmark(data, at=30)
    row = dict(frame.iloc[0])
    assert (row["landmark"], row["duration"], row["event"]) == (30, 13.0, 1)
    assert (row["treatment_tv"], row["early_help_episodes"], row["treated_by_landmark"]) == (
        1,
        1,
        1,
    )
    assert row["age"] == pytest.approx(one(data)["age"] + 30 / 365.25)
    assert row["prior_assessments"] == 1  # the one after time zero; the referral's own is not
    assert row["days_since_first_referral"] == 61.0
    assert (row["factor_3B"], row["factor_4B"], row["n_factors"]) == (0, 1, 1)
    assert landmark(data, at=43).empty  # the escalation on day 43 ends the risk
    zero = landmark(data, at=0)
    assert zero["treatment_tv"].tolist() == [0]
    pd.testing.assert_frame_equal(
        zero.drop(columns=["landmark", "treatment_tv", "early_help_episodes",
                           "treated_by_landmark"]),
        data.spells,
    )  # fmt: skip


def test_landmark_from_a_history_needs_the_design() -> None:
    h = history([CHILD], [REFERRAL, ASSESSMENT])
    assert len(landmark(h, DESIGN, at=10)) == 1
    from escalation.errors import DesignError

    with pytest.raises(DesignError):
        landmark(h, at=10)
    with pytest.raises(ValueError, match="whole number"):
        landmark(build(), at=-1)


def test_landmark_values_equal_the_counting_interval_just_after() -> None:
    rows = [
        REFERRAL,
        ASSESSMENT,
        ep("early_help", "2020-02-05", "2020-04-01"),
        ep("early_help", "2020-03-01", "2020-05-01"),
    ]
    data = build_spells(_unvalidated(rows), DESIGN)
    for at in (0, 4, 10, 29, 60, 89, 90, 100):
        frame = landmark(data, at=at)
        counting = data.counting
        row = counting[(counting["start"] <= at + 0.5) & (counting["stop"] > at + 0.5)]
        assert frame["treatment_tv"].tolist() == row["treatment_tv"].tolist(), at
        assert frame["early_help_episodes"].tolist() == row["early_help_episodes"].tolist(), at


def test_spell_data_is_frozen_and_summarised() -> None:
    data = build(ep("cp_plan", "2020-03-01"))
    glance = data.glance()
    assert glance.loc[0, "n"] == 1 and glance.loc[0, "events"] == 1
    assert "Time-to-escalation spells" in data.summary().as_text()
    assert "a" not in repr(data).replace("SpellData", "").replace("escalations", "")
    with pytest.raises(AttributeError):
        data.spells = pd.DataFrame()  # type: ignore[misc]
    assert np.all(data.counting["stop"] > data.counting["start"])


def test_flow_is_a_tidy_table_in_order() -> None:
    data = build(design=with_spells("first"))
    flow = data.flow
    assert list(flow.columns) == ["step", "stage", "rule", "description", "children", "episodes"]
    assert flow["step"].tolist() == list(range(1, len(flow) + 1))
    assert flow["rule"].tolist() == [
        "history", "not_time_zero_kind", "candidates", "open", "reason", "before_window",
        "after_window", "age", "no_follow_up", "competing_before", "censored_before",
        "already_escalated", "prevalent_treatment", "spell_rule", "spells",
    ]  # fmt: skip
    assert set(flow["stage"]) == {"entered", "excluded", "remaining"}


def test_dates_stored_as_dates_or_as_text_give_the_same_days() -> None:
    """to_days reads datetime64 columns (any unit) directly and parses anything else."""
    from escalation.timeline._index import NEVER, to_days

    text = pd.Series(["2020-02-01", None, "1969-12-31", "2024-03-31"])
    stamps = pd.to_datetime(text)
    days, missing = to_days(text)
    assert days.tolist() == [18293, int(NEVER), -1, 19813]
    assert missing.tolist() == [False, True, False, False]
    for values in (stamps, stamps.astype("datetime64[s]"), pd.Index(stamps)):
        again, gap = to_days(values)
        np.testing.assert_array_equal(again, days)
        np.testing.assert_array_equal(gap, missing)


def test_counting_rows_name_a_spells_column_they_need_and_lack() -> None:
    """Spells edited with dataclasses.replace that dropped treatment_start (which
    treatment_started is made from): a located error, not a bare KeyError."""
    import dataclasses

    from escalation.errors import DataValidationError
    from tests.timeline.timeline_support import synthetic_history

    data = build_spells(synthetic_history(200, 3), default_design())
    edited = dataclasses.replace(data, spells=data.spells.drop(columns="treatment_start"))
    with pytest.raises(DataValidationError, match="no treatment_start column") as raised:
        _ = edited.counting
    assert [p.column for p in raised.value.problems] == ["treatment_start"]


def test_glance_counts_as_dropped_only_the_candidates_excluded() -> None:
    """Was: ``dropped`` summed every ``excluded`` row of the flow, the case history's
    episodes of other kinds (assessments, plans, early help: the history the spells read)
    included: 29,916 "dropped" beside 2,361 spells from 10,954 candidates (session 26)."""
    from escalation import simulate_local_authority

    data = build_spells(simulate_local_authority(800, seed=3).history, DESIGN)
    flow = data.flow.set_index("rule")["episodes"]
    assert flow["not_time_zero_kind"] > 0
    glance = data.glance().iloc[0]
    assert (
        glance["dropped"] == flow["candidates"] - flow["spells"] == flow["candidates"] - glance["n"]
    )
