"""Heterogeneous effects of early help: who benefits, each child's potential risks, and
the true value of every rule (the ground truth of the policy study)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.data.simulator.pathway import weibull_cumhaz
from escalation.data.simulator.truth import _risk
from escalation.design import default_design
from escalation.timeline import build_spells
from tests.data.simulator_support import simulated

HORIZONS = (365, 730)
CONFIG = SimulationConfig(notes=False, effect_heterogeneity=True)


@cache
def heterogeneous() -> tuple[pd.DataFrame, pd.DataFrame]:
    sim = simulate_local_authority(20_000, seed=8, config=CONFIG)
    data = build_spells(sim.history, default_design()).spells
    return data, sim.truth._join(data)


def test_heterogeneity_is_off_by_default() -> None:
    assert SimulationConfig().effect_heterogeneity is False
    risks = simulated(3_000, 4).truth.spell_risks
    assert (risks["hazard_ratio"] == 0.75).all()


def test_hazard_ratios_follow_recorded_modifiers() -> None:
    """No effect with a prior plan, care or recorded neglect; a strong one with parental
    mental health (4B) otherwise: rebuilt from the spells' own covariates."""
    data, truth = heterogeneous()
    none = (data["prior_cp_plans"] > 0) | (data["prior_looked_after"] > 0)
    none |= data["factor_16A"] == 1
    strong = ~none & (data["factor_4B"] == 1)
    expected = np.where(none, 1.0, np.where(strong, 0.4, 0.75))
    np.testing.assert_array_equal(truth["hazard_ratio"].to_numpy(), expected)
    assert 0.1 < none.mean() < 0.3 and 0.1 < strong.mean() < 0.3


def test_some_children_do_not_benefit_and_some_benefit_more_than_their_risk() -> None:
    _, truth = heterogeneous()
    for h in HORIZONS:
        treated, untreated = truth[f"risk_treated_{h}"], truth[f"risk_untreated_{h}"]
        benefit = untreated - treated
        none = truth["hazard_ratio"] == 1.0
        strong = truth["hazard_ratio"] == 0.4
        np.testing.assert_allclose(benefit[none], 0.0, atol=1e-6)  # quadrature error
        # The unhelped are among the riskiest; the strongly helped gain more per unit risk.
        assert untreated[none].mean() > 1.5 * untreated[~none].mean()
        relative = benefit / untreated
        assert relative[strong].mean() > 1.8 * relative[~none & ~strong].mean()


def test_risk_targeting_and_benefit_targeting_differ_only_with_heterogeneity() -> None:
    for config in (SimulationConfig(notes=False), CONFIG):
        sim = simulate_local_authority(20_000, seed=8, config=config)
        spells = build_spells(sim.history, default_design()).spells
        truth = sim.truth._join(spells)
        rules = {}
        for h in HORIZONS:
            risk = truth[f"risk_untreated_{h}"].to_numpy()
            rules[f"risk_{h}"] = (risk >= np.sort(risk)[::-1][int(0.3 * len(risk)) - 1]) * 1.0
        values = sim.truth.policy_values(spells, rules, capacity=0.3).set_index(["rule", "horizon"])
        for h in HORIZONS:
            oracle = values.loc[("oracle", h), "prevented_per_1000"]
            by_risk = values.loc[(f"risk_{h}", h), "prevented_per_1000"]
            assert oracle >= by_risk - 1e-9
            if config.effect_heterogeneity:
                assert oracle - by_risk > 3.0  # escalations per 1,000
            else:  # a common hazard ratio: the riskiest gain most
                assert oracle - by_risk < 0.05


def test_policy_values_of_fixed_rules_match_the_marginal_risks() -> None:
    sim = simulated(3_000, 4)
    spells = sim.truth.spell_risks[["child_id", "time_zero"]]
    n = len(spells)
    values = sim.truth.policy_values(
        spells, {"everyone": np.ones(n), "no_one": np.zeros(n)}
    ).set_index(["rule", "horizon"])
    marginal = sim.truth.marginal_risks().set_index("horizon")
    for h in HORIZONS:
        assert values.loc[("everyone", h), "risk"] == pytest.approx(marginal.loc[h, "risk_treated"])
        assert values.loc[("no_one", h), "risk"] == pytest.approx(marginal.loc[h, "risk_untreated"])
        assert values.loc[("no_one", h), "prevented_per_1000"] == 0
        # Offers to children who would not have escalated without early help.
        assert values.loc[("no_one", h), "unneeded_offers_per_1000"] == 0
        assert values.loc[("everyone", h), "unneeded_offers_per_1000"] == pytest.approx(
            1000 * (1 - marginal.loc[h, "risk_untreated"])
        )
        offered = sim.truth.spell_risks["treated"] == 1
        assert values.loc[("current_practice", h), "unneeded_offers_per_1000"] == pytest.approx(
            1000 * (offered * (1 - sim.truth.spell_risks[f"risk_untreated_{h}"])).mean()
        )
        assert values.loc[("current_practice", h), "risk"] == pytest.approx(
            sim.truth.spell_risks[f"risk_observed_{h}"].mean()
        )
    with pytest.raises(ValueError, match="0/1 flag per spell"):
        sim.truth.policy_values(spells, {"half": np.full(n, 0.5)})
    with pytest.raises(ValueError, match="capacity"):
        sim.truth.policy_values(spells, {}, capacity=1.5)


def test_drawn_potential_outcomes_match_heterogeneous_risks() -> None:
    _, truth = heterogeneous()
    for arm in ("treated", "untreated"):
        for h in HORIZONS:
            time = truth[f"escalation_time_{arm}"]
            drawn = (time <= h) & (time <= truth["death_time"])
            p = truth[f"risk_{arm}_{h}"].to_numpy()
            z = (drawn.mean() - p.mean()) / (np.sqrt(np.sum(p * (1 - p))) / len(p))
            assert abs(z) < 4, (arm, h, z)


def test_child_hazard_ratios_are_exact_on_a_fine_grid() -> None:
    config = SimulationConfig()
    rate = np.array([0.5, 1.0, 3.0])
    mu = np.array([1e-6, 2e-6, 4e-4])
    hr = np.array([1.0, 0.4, 0.75])
    delay, h = 6.0, 365
    exact = _risk(rate, mu, delay, h, config, hr)
    t = np.linspace(0, h, 200 * h + 1)
    base = weibull_cumhaz(t, config)
    at = weibull_cumhaz(np.array([delay]), config)[0]
    cum = rate[:, None] * np.where(t > delay, at + hr[:, None] * (base - at), base)[None, :]
    if cum.ndim == 3:
        cum = cum[0]
    surv = np.exp(-cum - mu[:, None] * t[None, :])
    d_esc = np.diff(cum, axis=1)
    d_all = d_esc + mu[:, None] * np.diff(t)[None, :]
    brute = (surv[:, :-1] * (1 - np.exp(-d_all)) * d_esc / d_all).sum(axis=1)
    np.testing.assert_allclose(exact, brute, rtol=2e-5)
    # A common ratio given as an array equals the configured one.
    np.testing.assert_allclose(
        _risk(rate, mu, delay, h, config, np.full(3, 0.75)), _risk(rate, mu, delay, h, config)
    )
