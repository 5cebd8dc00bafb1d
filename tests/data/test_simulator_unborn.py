"""Unborn children in the simulator: pre-birth records, kept by the default design, truth exact."""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalation import validate_case_history
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from tests.data.simulator_support import simulated, spells


def test_unborn_children_are_referred_assessed_and_planned_before_birth() -> None:
    history = simulated(20_000, 5).history
    eps = history.episodes
    birth = eps["child_id"].map(history.children.set_index("child_id")["birth_date"])
    before = eps[eps["start"] < birth]
    kinds = set(before["kind"].astype(str))
    assert {"referral", "assessment"} <= kinds
    assert kinds & {"cp_plan", "looked_after", "s47"}
    # never earlier than the contract's 40 weeks; valid under strict validation
    assert ((birth - eps["start"]).dt.days <= 280).all()
    assert len(validate_case_history(history).episodes) == len(eps)
    # some are still unborn at the extract date: their (expected) birth date lies ahead
    assert (history.children["birth_date"] > history.extract_date).any()


def test_default_design_keeps_unborn_children_at_time_zero_and_truth_covers_them() -> None:
    data = spells(20_000, 5).spells
    unborn = data[data["unborn"] == 1]
    assert len(unborn) > 20
    assert (unborn["age"] < 0).all() and (data.loc[data["unborn"] == 0, "age"] >= 0).all()
    truth = simulated(20_000, 5).truth.spell_risks
    covered = unborn.merge(truth, on=["child_id", "time_zero"])
    assert len(covered) == len(unborn)
    # babies and the unborn are the highest-risk group (the age slope of the hazard)
    older = data[data["age"] >= 5]
    assert (covered["risk_untreated_365"].mean()) > older.merge(truth)["risk_untreated_365"].mean()


def test_unborn_share_zero_gives_no_pre_birth_records_and_other_children_are_unchanged() -> None:
    config = SimulationConfig(unborn_share=0.0, notes=False)
    history = simulate_local_authority(3_000, seed=2, config=config).history
    birth = history.episodes["child_id"].map(history.children.set_index("child_id")["birth_date"])
    assert not (history.episodes["start"] < birth).any()
    with_unborn = simulate_local_authority(3_000, seed=2, config=SimulationConfig(notes=False))
    # the unborn draw comes last: every other child is drawn exactly as before
    a = history.children.set_index("child_id")["birth_date"]
    b = with_unborn.history.children.set_index("child_id")["birth_date"]
    assert 0.9 < float(np.mean(a == b)) < 1.0
    assert pd.Series(a != b).sum() > 0
