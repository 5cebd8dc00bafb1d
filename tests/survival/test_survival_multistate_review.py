"""Multi-state Aalen–Johansen against R on the cases an analysis of pathways meets.

Reference: ``tests/reference/survival/multistate_review.R`` (R 4.2.2, survival 3.5.3):
``survfit(Surv(start, stop, to) ~ 1, id, istate, influence = TRUE)`` on 300 seeded spells
with delayed entry, spells starting in a later state, moves back (cin_plan ->
referral_closed), deaths, and moves, censorings and entries tied on whole days, in 104
families. Compared: state occupation and its standard errors from days 0, 10 (a
transition time) and 10.5; the standard errors clustered by family (R's per-spell
influence summed by family); the cumulative transition hazards (``cumhaz``); and
:math:`P(s, t)` from ``survfit(start.time = 10.5, p0 = e_h)``.

Review (session 27): the state occupation standard errors could not be clustered (the
pipeline published them per spell while its hazard models cluster by family), and the
cumulative transition hazards were not given.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation import default_design
from escalation.errors import DataValidationError, DesignError
from escalation.survival.multistate import (
    pathway_transitions,
    state_occupation,
    transition_probabilities,
)
from escalation.timeline import build_spells
from tests.timeline.timeline_support import synthetic_history

REF = Path(__file__).parents[1] / "reference" / "survival"
STATES = ["referral_closed", "cin_plan", "cp_plan", "looked_after", "death"]
TOLERANCE = 1e-10  # absolute; observed <= 5e-15


def _rows() -> pd.DataFrame:
    rows = pd.read_csv(REF / "multistate_review_rows.csv")
    return rows.assign(to_state=rows["to_state"].astype("string"))


def _reference(quantity: str, start_time: float | None = None) -> pd.DataFrame:
    ref = pd.read_csv(REF / "multistate_review_reference.csv")
    ref = ref[ref["quantity"] == quantity]
    return ref if start_time is None else ref[ref["start_time"] == start_time]


def _compare(fit_frame: pd.DataFrame, ref: pd.DataFrame, column: str) -> None:
    merged = ref.merge(fit_frame, left_on=["time", "to_state"], right_on=["time", "state"])
    assert len(merged) == len(ref)
    np.testing.assert_allclose(merged[column], merged["value"], rtol=0, atol=TOLERANCE)


def test_the_reference_rows_have_the_cases() -> None:
    rows = _rows()
    first = rows.groupby("spell_id").head(1)
    assert (first["start"] > 0).any()  # delayed entry
    assert (first["from_state"] != "referral_closed").any()  # a spell starting later on
    moved = rows["to_state"].notna()
    assert ((rows["from_state"] == "cin_plan") & (rows["to_state"] == "referral_closed")).any()
    tied = set(rows.loc[moved, "stop"]) & set(rows.loc[~moved, "stop"])
    assert len(tied) > 10  # moves and censorings on the same days


@pytest.mark.parametrize("start_time", [0.0, 10.0, 10.5])
def test_state_occupation_matches_survfit(start_time: float) -> None:
    fit = state_occupation(_rows(), states=STATES, start_time=start_time)
    for quantity in ("probability", "std_error"):
        ref = _reference(quantity, start_time)
        _compare(fit.at(ref["time"].unique()), ref, quantity)


@pytest.mark.parametrize("start_time", [0.0, 10.0, 10.5])
def test_state_occupation_clustered_by_family_matches_survfit(start_time: float) -> None:
    fit = state_occupation(_rows(), states=STATES, start_time=start_time, cluster="family")
    ref = _reference("std_error_family", start_time)
    _compare(fit.at(ref["time"].unique()), ref, "std_error")
    assert (fit.cluster, fit.clusters) == ("family", 104)
    assert fit.glance().loc[0, "clusters"] == 104
    # the probabilities do not change
    plain = state_occupation(_rows(), states=STATES, start_time=start_time)
    np.testing.assert_array_equal(fit.probabilities, plain.probabilities)


@pytest.mark.parametrize("start_time", [0.0, 10.0])
def test_cumulative_hazards_match_survfit(start_time: float) -> None:
    # from 10: summed from the moves at 10 on, as R's survfit(start.time = 10)$cumhaz
    fit = state_occupation(_rows(), states=STATES, start_time=start_time)
    got = fit.cumulative_hazards()
    ref = _reference("cumulative_hazard", start_time)
    # R has a row at every time, also one with censorings only (day 32): the step before
    at = np.searchsorted(fit.times, ref["time"].to_numpy(), side="right") - 1
    merged = ref.assign(time=fit.times[at]).merge(got, on=["time", "from_state", "to_state"])
    assert len(merged) == len(ref)
    np.testing.assert_allclose(merged["cumulative_hazard"], merged["value"], rtol=0, atol=TOLERANCE)
    # the eleven moves seen, in the order of the states
    moves = got[got["time"] == start_time]
    assert len(moves) == 11
    assert moves["from_state"].map(STATES.index).is_monotonic_increasing


@pytest.mark.parametrize("start_time", [10.0, 10.5])
def test_transition_probabilities_are_the_product_over_s_t(start_time: float) -> None:
    # survfit(start.time = 10.5, p0 = e_h): no move falls in (10, 10.5], so the product
    # over (10.5, t] is the product over (10, t], which P(10, t) is (the moves at 10 left
    # out)
    tp = transition_probabilities(_rows(), start_time, states=STATES)
    ref = _reference("transition_probability")
    got = pd.concat(
        [
            tp.matrix(t).rename_axis("from_state").reset_index().assign(time=t)
            for t in ref["time"].unique()
        ]
    ).melt(id_vars=["time", "from_state"], var_name="to_state", value_name="probability")
    merged = ref.merge(got, on=["time", "from_state", "to_state"])
    assert len(merged) == len(ref)
    np.testing.assert_allclose(merged["probability"], merged["value"], rtol=0, atol=TOLERANCE)


def test_spell_data_cluster_auto_is_the_design_family() -> None:
    data = build_spells(synthetic_history(600, seed=5), default_design())
    rows = pathway_transitions(data)
    auto = state_occupation(data, cluster="auto")
    assert auto.cluster == data.cluster == "family_id"
    # the same as the rows carrying each spell's family
    family = data.spells.set_index("spell_id")["family_id"]
    labelled = rows.assign(family=rows["spell_id"].map(family).to_numpy())
    by_rows = state_occupation(labelled, cluster="family")
    np.testing.assert_allclose(auto.std_error, by_rows.std_error, rtol=0, atol=1e-15)
    # each spell its own cluster: the standard errors by spell
    alone = state_occupation(rows.assign(own=rows["spell_id"]), cluster="own")
    np.testing.assert_allclose(alone.std_error, state_occupation(rows).std_error, atol=1e-15)
    assert (auto.std_error >= 0).all() and auto.clusters is not None
    assert auto.clusters < auto.n


def test_a_spell_in_two_clusters_is_refused() -> None:
    rows = _rows()
    second = int(np.flatnonzero(rows["spell_id"].duplicated().to_numpy())[0])
    rows.loc[second, "family"] = -1  # the spell's other rows keep their family
    first = int(np.flatnonzero((rows["spell_id"] == rows.loc[second, "spell_id"]).to_numpy())[0])
    with pytest.raises(DataValidationError) as raised:
        state_occupation(rows, cluster="family")
    (problem,) = raised.value.problems
    assert problem.table == "transitions" and problem.column == "family"
    assert problem.row == first  # the spell's first row
    with pytest.raises(DesignError, match="cluster column 'household' is not in"):
        state_occupation(rows, cluster="household")
