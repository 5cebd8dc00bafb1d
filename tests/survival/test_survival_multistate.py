"""Multi-state Aalen–Johansen against R (survival::survfit with a multi-state status)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation import default_design
from escalation.errors import DataValidationError, DesignError
from escalation.survival._cif import cumulative_incidence_at
from escalation.survival.multistate import (
    pathway_transitions,
    state_occupation,
    transition_probabilities,
)
from escalation.timeline import SpellData, build_spells
from tests.timeline.timeline_support import history, synthetic_history

REF = Path(__file__).parents[1] / "reference" / "survival"
STATES = ["referral_closed", "cin_plan", "cp_plan", "looked_after", "death"]


def _rows() -> pd.DataFrame:
    raw = pd.read_csv(REF / "multistate_rows.csv")
    return pd.DataFrame(
        {
            "spell_id": raw["id"],
            "start": raw["start"],
            "stop": raw["stop"],
            "from_state": [STATES[i] for i in raw["from_state"]],
            "to_state": [STATES[i] if i > 0 else None for i in raw["to_state"]],
        }
    )


def test_survival_multistate_matches_survfit() -> None:
    fit = state_occupation(_rows(), states=STATES)
    ref = pd.read_csv(REF / "multistate_pstate.csv")
    got = fit.at(ref["time"].unique())
    merged = ref.merge(got, on=["time", "state"], suffixes=("_r", ""))
    assert len(merged) == len(ref)
    for column in ("probability", "std_error"):
        np.testing.assert_allclose(merged[column], merged[f"{column}_r"], atol=1e-10)
    # R leaves the log-scale interval undefined where the probability is 0; here it is [0, 0]
    defined = merged["conf_low_r"].notna()
    assert (merged.loc[~defined, ["conf_low", "conf_high"]] == 0).all().all()
    for column in ("conf_low", "conf_high"):
        np.testing.assert_allclose(
            merged.loc[defined, column], merged.loc[defined, f"{column}_r"], atol=1e-10
        )


def test_survival_multistate_from_later_start_matches_survfit() -> None:
    fit = state_occupation(_rows(), states=STATES, start_time=100.0)
    ref = pd.read_csv(REF / "multistate_pstate_from100.csv")
    got = fit.at(ref["time"].unique())
    merged = ref.merge(got, on=["time", "state"], suffixes=("_r", ""))
    np.testing.assert_allclose(merged["probability"], merged["probability_r"], atol=1e-10)
    # p(t) = p(s) P(s, t)
    tp = transition_probabilities(_rows(), 100.0, states=STATES)
    at = 400.0
    expected = fit.probabilities[0] @ tp.matrix(at).to_numpy()
    np.testing.assert_allclose(fit.at([at])["probability"], expected, atol=1e-12)
    np.testing.assert_allclose(tp.matrix(at).sum(axis=1), 1.0, atol=1e-12)


def test_survival_multistate_tidy_columns() -> None:
    fit = state_occupation(_rows(), states=STATES)
    tidy = fit.tidy()
    assert list(tidy.columns) == [
        "time",
        "state",
        "probability",
        "std_error",
        "conf_low",
        "conf_high",
        "conf_level",
    ]
    np.testing.assert_allclose(tidy.groupby("time")["probability"].sum(), 1.0, atol=1e-12)
    assert fit.glance().loc[0, "n"] == 500
    assert "Aalen" in fit.summary().as_text()
    tp = transition_probabilities(_rows(), states=STATES).tidy()
    assert list(tp.columns) == ["time", "from_state", "to_state", "probability"]


def test_survival_multistate_pathway_agrees_with_spells() -> None:
    # leaving {referral_closed, cin_plan} is escalation or death, as in the spells, so
    # 1 - p(referral_closed) - p(cin_plan) equals the Aalen-Johansen CIF of any event
    data = build_spells(synthetic_history(2000, seed=3), default_design())
    rows = pathway_transitions(data)
    fit = state_occupation(data)
    times = [30.0, 365.0, 730.0]
    occupied = fit.at(times).pivot(index="time", columns="state", values="probability")
    early = occupied["referral_closed"] + occupied.get("cin_plan", 0.0)
    spells = data.spells
    any_event = cumulative_incidence_at(
        spells["duration"], (spells["event"] > 0).astype(int), times, cause=1
    )
    np.testing.assert_allclose(1.0 - early.to_numpy(), any_event, atol=1e-12)
    # the first row of each spell starts at 0 in referral_closed
    first = rows.groupby("spell_id").head(1)
    assert (first["start"] == 0).all() and (first["from_state"] == "referral_closed").all()
    assert (rows["stop"] > rows["start"]).all()


def test_survival_multistate_errors() -> None:
    rows = _rows()
    with pytest.raises(DataValidationError, match="that states= does not list") as raised:
        state_occupation(rows, states=STATES[:3])
    # each state column names its first row with an unlisted state (looked_after, death)
    first_to = int(rows["to_state"].isin(STATES[3:]).to_numpy().argmax())
    first_from = int(rows["from_state"].isin(STATES[3:]).to_numpy().argmax())
    assert [(p.table, p.row, p.column) for p in raised.value.problems] == [
        ("transitions", first_from, "from_state"),
        ("transitions", first_to, "to_state"),
    ]
    with pytest.raises(DataValidationError, match=r"column 'stop', value '0\.0'"):
        state_occupation(rows.assign(stop=rows["start"]))


@pytest.mark.parametrize("function", [state_occupation, transition_probabilities])
def test_a_row_without_from_state_is_named(function: Any) -> None:
    """Review (session 25): a DesignError named no table, row or count."""
    rows = _rows()
    rows["from_state"] = rows["from_state"].astype(object)
    rows.loc[rows.index[[3, 8]], "from_state"] = None
    with pytest.raises(DataValidationError) as raised:
        function(rows)
    (problem,) = raised.value.problems
    assert (problem.table, problem.row, problem.column) == ("transitions", 3, "from_state")
    assert problem.reason.startswith("2 row(s) with no from_state")


# ---------------------------------------------------------------- hand-made pathways
# child "a" born 2012-01-01; referral 2020-01-01 -> 2020-02-01 closed RC8: time zero is
# 2020-02-01 (day 0); extract date 2024-03-31 = day 1520; 2020-03-01 = day 29,
# 2020-05-01 = day 90, 2020-06-15 = day 135, 2021-01-31 = day 365, 2022-01-31 = day 730.
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


def _pathway(*episodes: tuple[str, str], **options: bool) -> list[tuple[float, float, str, str]]:
    rows = [REFERRAL] + [
        {"child_id": "a", "kind": kind, "start": start, "end": ""} for kind, start in episodes
    ]
    data = build_spells(history([CHILD], rows), default_design(), **options)
    frame = pathway_transitions(data)
    return [
        (r.start, r.stop, r.from_state, r.to_state if isinstance(r.to_state, str) else None)
        for r in frame.itertuples(index=False)
    ]


def test_survival_multistate_pathway_hand_worked() -> None:
    assert _pathway() == [(0.0, 1520.0, "referral_closed", None)]
    assert _pathway(("cin_plan", "2020-03-01"), ("cp_plan", "2020-05-01")) == [
        (0.0, 29.0, "referral_closed", "cin_plan"),
        (29.0, 90.0, "cin_plan", "cp_plan"),
        (90.0, 1520.0, "cp_plan", None),
    ]
    # follow-up continues past escalation (unlike the spells) into care, then death
    assert _pathway(
        ("cp_plan", "2020-03-01"), ("looked_after", "2020-05-01"), ("death", "2020-06-15")
    ) == [
        (0.0, 29.0, "referral_closed", "cp_plan"),
        (29.0, 90.0, "cp_plan", "looked_after"),
        (90.0, 135.0, "looked_after", "death"),
    ]


def test_survival_multistate_pathway_levels_never_go_back() -> None:
    # a CIN plan after a CP plan does not move the child back; same-day entries keep
    # the deepest level; an entry on day 0 happens at 0.5
    assert _pathway(("cp_plan", "2020-03-01"), ("cin_plan", "2020-05-01")) == [
        (0.0, 29.0, "referral_closed", "cp_plan"),
        (29.0, 1520.0, "cp_plan", None),
    ]
    assert _pathway(("cin_plan", "2020-02-01"), ("cp_plan", "2020-02-01")) == [
        (0.0, 0.5, "referral_closed", "cp_plan"),
        (0.5, 1520.0, "cp_plan", None),
    ]


def test_survival_multistate_pathway_exits() -> None:
    # moving out censors; an entry on the day of a censoring counts
    assert _pathway(("cp_plan", "2020-03-01"), ("moved_out", "2020-05-01")) == [
        (0.0, 29.0, "referral_closed", "cp_plan"),
        (29.0, 90.0, "cp_plan", None),
    ]
    assert _pathway(("cp_plan", "2020-05-01"), ("moved_out", "2020-05-01")) == [
        (0.0, 90.0, "referral_closed", "cp_plan"),
    ]
    # on the day of death the child moves to death; same-day entries do not count
    assert _pathway(("cp_plan", "2020-05-01"), ("death", "2020-05-01")) == [
        (0.0, 90.0, "referral_closed", "death"),
    ]
    # administrative censoring at the longest horizon
    assert _pathway(("cp_plan", "2022-02-01"), censor_at_horizon=True) == [
        (0.0, 730.0, "referral_closed", None),
    ]


def test_survival_multistate_pathway_needs_history_without_context() -> None:
    data = build_spells(history([CHILD], [REFERRAL]), default_design())
    bare = SpellData(data.spells, data.flow, data.design, data.extract_date)
    with pytest.raises(DesignError, match="pass history="):
        pathway_transitions(bare)
    rows = pathway_transitions(bare, history=history([CHILD], [REFERRAL]))
    assert rows["stop"].tolist() == [1520.0]


def test_survival_multistate_at_refuses_a_missing_time() -> None:
    """A NaN time read the last row of the curves (searchsorted puts it after every time)."""
    fit = state_occupation(_rows(), states=STATES)
    with pytest.raises(DataValidationError) as raised:
        fit.at([10.0, np.nan])
    assert [(p.table, p.row, p.column) for p in raised.value.problems] == [
        ("arguments", 1, "times")
    ]
    assert len(fit.at([10.0])) == len(STATES)  # a finite time is read as before
