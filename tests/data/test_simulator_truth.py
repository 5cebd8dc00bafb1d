"""The ground truth is exact, covers the default design's spells, and is recovered."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.data.simulator import SimulatedLocalAuthority, SimulationConfig
from escalation.data.simulator.pathway import (
    FACTOR_CODES,
    NEEDS,
    SOURCES,
    Features,
    early_help_lp,
    escalation_lp,
    weibull_cumhaz,
)
from escalation.data.simulator.truth import _risk, grace_delay_weights
from escalation.survival._cif import cumulative_incidence_at
from tests.data.simulator_support import simulated, spells

N = 60_000
HORIZONS = [365, 730]


def _arm_risks(data: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    out = []
    for arm in (1, 0):
        d = data[data["treatment"] == arm]
        f = cumulative_incidence_at(d["duration"], d["event"], HORIZONS)
        # Binomial SE inflated by 10% for censoring: a conservative yardstick.
        out += [f, 1.1 * np.sqrt(f * (1 - f) / len(d))]
    return out[0], out[1], out[2], out[3]


def test_truth_covers_exactly_the_default_design_spells() -> None:
    data = spells(20_000, 5).spells
    truth = simulated(20_000, 5).truth.spell_risks
    merged = data.merge(truth, on=["child_id", "time_zero"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all()
    # Planned early help within the grace period is what the design sees as treatment,
    # except for the rare child who escalates before the planned start.
    assert (merged["treatment"] <= merged["treated"]).all()
    assert (merged["treatment"] == merged["treated"]).mean() > 0.995


def test_every_confounder_is_a_recorded_spell_covariate() -> None:
    sim = simulated(20_000, 5)
    data = spells(20_000, 5).spells
    merged = data.merge(sim.truth.spell_risks, on=["child_id", "time_zero"])
    mask = np.zeros(len(merged), dtype=np.int64)
    for bit, code in enumerate(FACTOR_CODES):
        if f"factor_{code}" in merged:
            mask |= merged[f"factor_{code}"].to_numpy(np.int64) << bit
    x = Features(
        factors=mask,
        prior_referrals=merged["prior_referrals"].to_numpy(np.int64),
        prior_cp=merged["prior_cp_plans"].to_numpy(np.int64),
        prior_la=merged["prior_looked_after"].to_numpy(np.int64),
        age=merged["age"].to_numpy(np.float64),
        imd=merged["imd_decile"].to_numpy(np.int64)
        if "imd_decile" in merged
        else sim.history.children.set_index("child_id")
        .loc[merged["child_id"], "imd_decile"]
        .to_numpy(),
        disability=merged["disability"].to_numpy(bool),
        source=np.array([SOURCES.index(s) for s in merged["source"].astype(str)]),
        need=np.array([NEEDS.index(s) for s in merged["need"].astype(str)]),
    )
    config = sim.config
    share = np.log(config.early_help_share / (1 - config.early_help_share))
    propensity = (1 - config.late_early_help) / (1 + np.exp(-(share + early_help_lp(x))))
    np.testing.assert_allclose(propensity, merged["propensity"], rtol=1e-10)
    # The escalation rate is the recorded-covariate predictor times the family frailty.
    assert np.isfinite(escalation_lp(x)).all()


def test_risks_are_probabilities_ordered_by_the_effect() -> None:
    risks = simulated(20_000, 5).truth.spell_risks
    for h in HORIZONS:
        cols = [f"risk_{s}_{h}" for s in ("treated", "untreated", "observed", "never")]
        values = risks[cols].to_numpy()
        assert ((values >= 0) & (values <= 1)).all()
        assert (risks[f"risk_treated_{h}"] < risks[f"risk_untreated_{h}"]).all()
        assert (risks[f"risk_untreated_{h}"] <= risks[f"risk_never_{h}"] + 1e-15).all()
    assert (risks["risk_treated_365"] < risks["risk_treated_730"]).all()


def test_no_effect_means_equal_potential_risks() -> None:
    sim = simulated_no_effect()
    risks = sim.truth.spell_risks
    for h in HORIZONS:
        np.testing.assert_allclose(
            risks[f"risk_treated_{h}"], risks[f"risk_untreated_{h}"], rtol=0, atol=1e-6
        )
        np.testing.assert_allclose(
            risks[f"risk_observed_{h}"], risks[f"risk_never_{h}"], rtol=0, atol=1e-6
        )
    assert (sim.truth.marginal_risks()["risk_difference"].abs() < 1e-8).all()


def simulated_no_effect() -> SimulatedLocalAuthority:
    from escalation.data.simulator import simulate_local_authority

    return simulate_local_authority(
        3_000, seed=2, config=SimulationConfig(early_help_hazard_ratio=1.0, notes=False)
    )


@pytest.mark.parametrize("delay", [0.0, 6.0, 42.0, np.inf])
def test_risk_integral_matches_a_fine_daily_grid(delay: float) -> None:
    config = SimulationConfig()
    rate = np.array([0.3, 1.0, 4.0])
    mu = np.array([1e-6, 5e-6, 5e-4])  # the last far above the simulator's, to test the term
    for h in HORIZONS:
        exact = _risk(rate, mu, delay, h, config)
        t = np.linspace(0, h, 200 * h + 1)
        base = weibull_cumhaz(t, config)
        if np.isfinite(delay):
            at = weibull_cumhaz(np.array([delay]), config)[0]
            base = np.where(t > delay, at + config.early_help_hazard_ratio * (base - at), base)
        cum = rate[:, None] * base[None, :]
        surv = np.exp(-cum - mu[:, None] * t[None, :])
        # F(h) = sum of P(escalation in (t_k, t_k+1]) ~ S_all(t_k) (1 - exp(-dLambda_e))
        d_esc = np.diff(cum, axis=1)
        d_all = d_esc + mu[:, None] * np.diff(t)[None, :]
        brute = (surv[:, :-1] * (1 - np.exp(-d_all)) * d_esc / d_all).sum(axis=1)
        np.testing.assert_allclose(exact, brute, rtol=2e-5)


def test_grace_weights_sum_to_one() -> None:
    assert grace_delay_weights(14).sum() == pytest.approx(1.0)


@pytest.mark.slow
def test_randomised_early_help_unadjusted_arms_recover_the_truth() -> None:
    data = spells(N, 21, confounding=0.0).spells
    truth = simulated(N, 21, confounding=0.0).truth.marginal_risks(data)
    f1, se1, f0, se0 = _arm_risks(data)
    # Tolerance: 3 SE plus 0.003 for the rare planned-but-not-started early help.
    assert np.all(np.abs(f1 - truth["risk_treated"].to_numpy()) < 3 * se1 + 0.003)
    assert np.all(np.abs(f0 - truth["risk_untreated"].to_numpy()) < 3 * se0 + 0.003)


def test_confounding_biases_the_unadjusted_comparison() -> None:
    data = spells(N, 21).spells
    truth = simulated(N, 21).truth.marginal_risks(data)
    f1, se1, f0, se0 = _arm_risks(data)
    naive = f1 - f0
    true_rd = truth["risk_difference"].to_numpy()
    assert (true_rd < 0).all()
    # Early help looks harmful (or useless) while it truly protects.
    assert (naive - true_rd > 3 * np.sqrt(se1**2 + se0**2)).all()


def test_oracle_risks_average_to_the_observed_incidence() -> None:
    data = spells(N, 21).spells
    merged = data.merge(simulated(N, 21).truth.spell_risks, on=["child_id", "time_zero"])
    observed = cumulative_incidence_at(merged["duration"], merged["event"], HORIZONS)
    oracle = merged[["risk_observed_365", "risk_observed_730"]].mean().to_numpy()
    se = np.sqrt(observed * (1 - observed) / len(merged))
    assert np.all(np.abs(observed - oracle) < 3.5 * se)


def test_marginal_risks_join_att_and_errors() -> None:
    sim = simulated(20_000, 5)
    data = spells(20_000, 5).spells
    ate = sim.truth.marginal_risks(data)
    att = sim.truth.marginal_risks(data, estimand="att")
    assert list(ate.columns) == [
        "horizon", "risk_treated", "risk_untreated", "risk_difference", "risk_ratio", "n",
    ]  # fmt: skip
    assert att["n"].iloc[0] == int(data["treatment"].sum())
    # The treated are at higher risk than average (confounding by indication).
    assert (att["risk_untreated"] > ate["risk_untreated"]).all()
    bad = data.head(3).assign(time_zero=pd.Timestamp("2000-01-01"))
    with pytest.raises(ValueError, match="no ground truth"):
        sim.truth.marginal_risks(bad)
    with pytest.raises(ValueError, match="estimand"):
        sim.truth.marginal_risks(data, estimand="atc")  # type: ignore[arg-type]


def test_drawn_outcomes_match_the_computed_risks() -> None:
    # Common random numbers: the escalation actually drawn for each index spell (in the
    # world without censoring) is a Bernoulli draw with the oracle risk.
    risks = simulated(N, 21).truth.spell_risks
    for h in HORIZONS:
        drawn = (risks["escalation_time"] <= h) & (risks["escalation_time"] <= risks["death_time"])
        p = risks[f"risk_observed_{h}"].to_numpy()
        z = (drawn.mean() - p.mean()) / (np.sqrt(np.sum(p * (1 - p))) / len(p))
        assert abs(z) < 4


def test_the_history_realises_the_drawn_escalation() -> None:
    data = spells(20_000, 5).spells
    merged = data.merge(simulated(20_000, 5).truth.spell_risks, on=["child_id", "time_zero"])
    escalated = merged["event"] == 1
    assert escalated.sum() > 500
    # Every observed escalation happens on the drawn day ...
    np.testing.assert_array_equal(
        merged.loc[escalated, "duration"], merged.loc[escalated, "escalation_time"]
    )
    # ... and every drawn escalation before follow-up ends is observed (no CP plan or
    # care starts on the 18th birthday itself, so a tie with age_18 stays censored).
    time, duration = merged["escalation_time"], merged["duration"]
    seen_before = (time < duration) | ((time == duration) & (merged["end_reason"] != "age_18"))
    assert (escalated == seen_before).all()


def test_potential_outcomes_share_random_numbers_and_match_the_exact_risks() -> None:
    risks = simulated(N, 21).truth.spell_risks
    treated = risks["treated"] == 1
    # Under the strategy actually followed, the potential time is the observed one.
    assert (
        risks.loc[treated, "escalation_time_treated"] == risks.loc[treated, "escalation_time"]
    ).all()
    assert (
        risks.loc[~treated, "escalation_time_untreated"] == risks.loc[~treated, "escalation_time"]
    ).all()
    # Early help never brings escalation forward (same uniform, lower hazard).
    assert (risks["escalation_time_treated"] >= risks["escalation_time_untreated"]).mean() > 0.99
    for h in HORIZONS:
        for arm in ("treated", "untreated"):
            time = risks[f"escalation_time_{arm}"]
            drawn = float(((time <= h) & (time <= risks["death_time"])).mean())
            p = float(risks[f"risk_{arm}_{h}"].mean())
            assert abs(drawn - p) < 4 * np.sqrt(p * (1 - p) / len(risks))
