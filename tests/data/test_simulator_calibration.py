"""The simulator reproduces England's base rates within its stated tolerances."""

from __future__ import annotations

import numpy as np

from escalation.data.simulator.calibration import TARGETS, calibration_report
from escalation.survival._cif import cumulative_incidence_at
from tests.data.simulator_support import simulated, spells

N = 50_000


def test_every_base_rate_is_within_its_tolerance() -> None:
    report = calibration_report(simulated(N, 11).history)
    assert list(report["measure"]) == list(TARGETS)
    outside = report.loc[~report["within"], ["measure", "achieved", "low", "high"]]
    assert outside.empty, outside.to_string()


def test_one_year_escalation_after_closure_is_realistic() -> None:
    data = spells(N, 11).spells
    risk = cumulative_incidence_at(data["duration"], data["event"], [365, 730])
    assert 0.05 <= risk[0] <= 0.12
    assert risk[0] < risk[1] <= 0.20
    # Deaths are rare; moving out, turning 18 and the extract date censor.
    reasons = data["end_reason"].value_counts(normalize=True)
    assert reasons["death"] < 0.005
    assert {"moved_out", "age_18", "extract_date", "cp_plan", "looked_after"} <= set(reasons.index)


def test_pathway_shape_is_plausible() -> None:
    sim = simulated(N, 11)
    counts = sim.history.counts().set_index("kind")["episodes"]
    # Every referral has its assessment; siblings share families of 1-4 children.
    assert abs(counts["assessment"] / counts["referral"] - 1) < 0.01
    sizes = sim.history.children["family_id"].value_counts()
    assert sizes.max() <= 4
    assert 1.8 <= len(sim.history.children) / len(sizes) <= 2.2
    # Early help follows most RC9 closures within 14 days; closures are RC8 or RC9.
    eps = sim.history.episodes
    reason = eps.loc[eps["kind"] == "referral", "reason"].value_counts(normalize=True)
    assert reason["RC8"] + reason["RC9"] > 0.5
    imd = sim.history.children["imd_decile"]
    assert imd.between(1, 10).all() and (imd <= 3).mean() > 0.4
    risks = sim.truth.spell_risks
    rc9 = risks[risks["decision"] == "RC9"]
    assert 0.85 <= float(np.mean(rc9["early_help_delay"] <= 14)) <= 0.97
