"""simulate_local_authorities: authorities that differ, with truth for each and pooled."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from escalation.data.simulator import (
    AuthorityVariation,
    SimulationConfig,
    simulate_local_authorities,
    simulate_local_authority,
)
from escalation.data.validate import validate_case_history
from escalation.design import default_design
from escalation.results import data_hash
from escalation.timeline import build_spells


def test_authorities_have_unique_identifiers_an_la_column_and_valid_records() -> None:
    sims = simulate_local_authorities(3, n_children=800, seed=4)
    history = validate_case_history(sims.history)
    assert history.children["child_id"].is_unique
    assert history.children["family_id"].str[:4].isin(sims.codes).all()
    assert set(history.children["la"]) == set(sims.codes)
    for la, sim in sims.authorities.items():
        assert (sim.history.children["la"] == la).all()
        assert sim.history.episodes["child_id"].str.startswith(f"{la}-").all()


def test_authorities_differ_and_their_truth_follows_their_parameters() -> None:
    sims = simulate_local_authorities(4, n_children=2_000, seed=9)
    chars = sims.characteristics
    for column in ("n_children", "base_rate", "early_help_share", "hazard_ratio"):
        assert chars[column].nunique() == 4
    truth = sims.truth.by_authority()
    for la, sim in sims.authorities.items():
        assert sim.truth.hazard_ratio == pytest.approx(
            float(chars.set_index("la").loc[la, "hazard_ratio"])
        )
        mine = truth[truth["la"] == la]
        own = sim.truth.marginal_risks()
        assert np.allclose(mine["risk_difference"], own["risk_difference"])
    pooled = sims.truth.pooled()
    at = truth[truth["horizon"] == 365]
    expected = np.average(at["risk_treated"], weights=at["n"])
    assert pooled.loc[pooled["horizon"] == 365, "risk_treated"].iloc[0] == pytest.approx(expected)
    assert pooled["n"].iloc[0] == at["n"].sum()


def test_truth_of_the_spells_matches_the_pooled_spells() -> None:
    sims = simulate_local_authorities(2, n_children=1_000, seed=2)
    spells = build_spells(sims.history, default_design()).spells
    by = sims.truth.by_authority(spells)
    assert set(by["la"]) == {"LA01", "LA02"}
    assert by.groupby("horizon")["n"].sum().iloc[0] == len(spells)


def test_same_seed_same_authorities_and_no_variation_means_equal_parameters() -> None:
    a = simulate_local_authorities(2, n_children=500, seed=3)
    b = simulate_local_authorities(2, n_children=500, seed=3)
    assert data_hash(a.history.children, a.history.episodes) == data_hash(
        b.history.children, b.history.episodes
    )
    flat = simulate_local_authorities(
        3, n_children=500, seed=3, variation=AuthorityVariation.none()
    )
    chars = flat.characteristics
    assert (chars["n_children"] == 500).all() and chars["hazard_ratio"].nunique() == 1


def test_threshold_and_deprivation_knobs_act_as_documented() -> None:
    base = SimulationConfig(notes=False)
    low = simulate_local_authority(3_000, seed=1, config=base)
    high = simulate_local_authority(
        3_000, seed=1, config=dataclasses.replace(base, referral_threshold=1.5)
    )

    def closed_share(sim: object) -> float:
        eps = sim.history.episodes  # type: ignore[attr-defined]
        referrals = eps[eps["kind"] == "referral"]
        return float(referrals["reason"].isin(["RC8", "RC9"]).mean())

    assert closed_share(high) > closed_share(low) + 0.05
    deprived = simulate_local_authority(
        3_000, seed=1, config=dataclasses.replace(base, deprivation=0.5)
    )
    assert (
        deprived.history.children["imd_decile"].mean()
        < low.history.children["imd_decile"].mean() - 0.5
    )


def test_bad_arguments_are_refused() -> None:
    with pytest.raises(ValueError, match="k must be"):
        simulate_local_authorities(0)
    with pytest.raises(ValueError, match="size_sd"):
        AuthorityVariation(size_sd=-1)
    with pytest.raises(ValueError, match="referral_threshold"):
        SimulationConfig(referral_threshold=5)
