"""DoWhy refutations and EconML heterogeneity on small seeded data (fast settings)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.causal import causal_graph, estimate_heterogeneity, refute_effect
from escalation.causal.curves import ipcw_outcome

from .causal_support import simulate, true_cif

#: The warning that a band has no child (no unborn child, none with 3+ factors here): the
#: band is listed all the same.
NO_CHILD = "ignore:subgroup [a-z_]+ = [^ ]+ has fewer than 10:escalation.errors.StatisticalWarning"


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return simulate(1500, seed=8)


def test_ipcw_outcome_mean_is_the_aalen_johansen_risk(data: pd.DataFrame) -> None:
    from escalation.survival._cif import cumulative_incidence_at

    y, w = ipcw_outcome(data["duration"], data["event"], 365)
    aj = cumulative_incidence_at(data["duration"], data["event"], [365])[0]
    assert y.mean() == pytest.approx(aj, abs=0.01)
    assert w.mean() == pytest.approx(1.0, abs=0.02)


def test_graph_has_backdoor_structure() -> None:
    graph = causal_graph(["age", "risk"], outcome="escalation_365")
    assert set(graph.predecessors("early_help")) == {"age", "risk"}
    assert set(graph.predecessors("escalation_365")) == {"age", "risk", "early_help"}


def test_refutations_pass_on_a_correct_model(data: pd.DataFrame) -> None:
    out = refute_effect(
        data, covariates=["risk", "factor", "age"], horizon=365, num_simulations=10, seed=2
    )
    table = out.tidy()
    assert list(table["refuter"]) == ["placebo_treatment", "random_common_cause", "data_subset"]
    assert list(table.columns) == [
        "refuter", "horizon", "estimate", "new_effect", "p_value", "num_simulations", "passed",
        "verdict",
    ]  # fmt: skip
    assert table["verdict"].tolist() == ["passed"] * 3
    # The regression-adjusted estimate on the censoring-weighted outcome is near the true -0.09.
    assert -0.17 < out.estimate < -0.02
    placebo = float(table.set_index("refuter").loc["placebo_treatment", "new_effect"])
    assert abs(placebo) < abs(out.estimate)
    random_cause = float(table.set_index("refuter").loc["random_common_cause", "new_effect"])
    assert random_cause == pytest.approx(out.estimate, abs=0.01)


@pytest.mark.filterwarnings(NO_CHILD)  # every band is listed: one with no child is said
def test_heterogeneity_finds_larger_effects_for_high_risk(data: pd.DataFrame) -> None:
    """True risk differences grow in absolute size with the number of factors."""
    out = estimate_heterogeneity(
        data,
        covariates=["risk", "factor", "age"],
        horizon=365,
        n_estimators=40,
        min_samples_leaf=40,
        seed=1,
    )
    table = out.tidy()
    assert set(table["subgroup"]) == {"all", "age_band", "n_factors", "deprivation"}
    assert {"subgroup", "level", "estimate", "std_error", "conf_low", "conf_high"} <= set(
        table.columns
    )
    assert len(out.effects()) == len(data)
    true_effect = true_cif(data, 1, 365) - true_cif(data, 0, 365)
    assert np.mean(out.effect) == pytest.approx(true_effect.mean(), abs=0.05)
    assert out.projection["term"].iloc[0] == "(Intercept)"
    assert out.projection["std_error"].gt(0).all()


@pytest.mark.filterwarnings(NO_CHILD)  # every band is listed: one with no child is said
def test_heterogeneity_subgroup_intervals_shrink_with_the_group() -> None:
    """Subgroup intervals are those of a mean: a group 1/6 the size is about sqrt(6) wider.

    Was: EconML's ``ate_interval(X=subset)``, a bound that does not shrink with the group
    (on the demo a group of 245 children had a narrower interval than one of 4,365). Ages
    are uniform on 0-17, so the 16-17 band holds about 1/17 of the children and 5-10 about
    6/17; the scores of the two bands vary alike (the simulator's effect does not depend on
    age), so their widths differ by about sqrt(6) = 2.4.
    """
    from escalation.data.simulator.exponential import simulate_spells

    data = simulate_spells(4_000, 6)
    out = estimate_heterogeneity(
        data, covariates=["risk", "factor", "age"], horizon=365, n_estimators=8, seed=1
    )
    table = out.tidy().set_index("level")
    width = table["conf_high"] - table["conf_low"]
    expected = np.sqrt(table.loc["5-10", "n"] / table.loc["16-17", "n"])
    assert expected > 2
    assert width["16-17"] / width["5-10"] == pytest.approx(expected, rel=0.3)


@pytest.fixture(scope="module")
def spell_data() -> object:
    from escalation import build_spells, default_design, simulate_local_authority

    return build_spells(simulate_local_authority(2_000, seed=1).history, default_design())


@pytest.mark.filterwarnings("ignore")  # the simulated design covariates are collinear
def test_refutations_take_spell_data_with_the_design_covariates(spell_data: object) -> None:
    covariates = list(spell_data.model_covariates)  # type: ignore[attr-defined]
    spells = spell_data.spells  # type: ignore[attr-defined]
    settings = {"horizon": 365, "num_simulations": 2, "seed": 3}
    got = refute_effect(spell_data, **settings)  # type: ignore[arg-type]
    expected = refute_effect(spells, covariates=covariates, **settings)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got.tidy(), expected.tidy())


@pytest.mark.filterwarnings("ignore")  # the simulated design covariates are collinear
def test_heterogeneity_takes_spell_data_with_the_design_covariates(spell_data: object) -> None:
    covariates = list(spell_data.model_covariates)  # type: ignore[attr-defined]
    spells = spell_data.spells  # type: ignore[attr-defined]
    settings = {"horizon": 365, "n_estimators": 8, "seed": 3}
    got = estimate_heterogeneity(spell_data, **settings)  # type: ignore[arg-type]
    # A SpellData clusters the subgroups' standard errors by its design's clusters.
    cluster = spell_data.cluster  # type: ignore[attr-defined]
    expected = estimate_heterogeneity(spells, covariates=covariates, cluster=cluster, **settings)  # type: ignore[arg-type]
    pd.testing.assert_frame_equal(got.tidy(), expected.tidy())
    np.testing.assert_array_equal(got.effect, expected.effect)
