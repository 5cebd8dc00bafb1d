"""Policy values against known truth on held-out simulated authorities.

The simulator knows each child's risk of escalation with and without early help, hence
the true value of every rule (:meth:`GroundTruth.policy_values`). The study's estimates
must lie within max(1 percentage point, 2.5 standard errors) of the truth for every rule;
risk targeting and benefit targeting must be told apart when the simulator makes them
differ, and not when it does not.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from escalation.causal.policy import CURRENT_PRACTICE, estimate_policy_values, policy_scores
from escalation.data.simulator import SimulatedLocalAuthority
from escalation.design import default_design
from escalation.policy import evaluate_policies, learn_rules
from escalation.timeline import SpellData
from tests.policy.policy_support import authority


def _within(estimates: pd.DataFrame, sim: SimulatedLocalAuthority, spells: pd.DataFrame,
            flags: dict[str, np.ndarray]) -> pd.DataFrame:  # fmt: skip
    """Estimates of the value (``risk``) and of the offers to children who would not have
    escalated anyway, beside the truth, with the tolerance max(1 pp, 2.5 SE)."""
    learned = {k: v for k, v in flags.items() if k != CURRENT_PRACTICE}
    truth = sim.truth.policy_values(spells, learned)
    truth = truth.melt(
        id_vars=["rule", "horizon"],
        value_vars=["risk", "unneeded_offers_per_1000"],
        var_name="estimand",
        value_name="truth",
    )
    out = estimates.merge(truth, on=["rule", "horizon", "estimand"])
    scale = np.where(out["estimand"] == "risk", 1.0, 1000.0)  # per 1,000: 1 pp is 10
    out["error"] = out["estimate"] - out["truth"]
    out["tolerance"] = np.maximum(0.01 * scale, 2.5 * out["std_error"])
    return out


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
@pytest.mark.parametrize("heterogeneity", [False, True])
def test_every_rule_is_within_tolerance_of_the_truth(heterogeneity: bool) -> None:
    """The whole study (cross-fitted risk, benefit and tree rules) on one authority.

    Every rule's value and unneeded offers at both horizons (24 estimates) within
    max(1 pp, 2.5 SE) of the simulator's truth: a correct estimate misses by more than
    2.5 SE with probability 1.2% (one draw, no Monte Carlo average; the 1-point floor
    makes it rarer). Guards against bias of the cross-fitted study as a whole.
    """
    sim, data = authority(20_000, 31 if heterogeneity else 32, heterogeneity=heterogeneity)
    # In this process: the same results as on workers (test_policy_rules), without
    # sending five forests between processes. Only the cross-fitted rules are judged:
    # the rules to deploy (a sixth forest and tree) would change no estimate
    # (test_policy_study), so they are not learned.
    study = evaluate_policies(data, seed=3, n_jobs=1, deployable=False)
    spells = data.spells.reset_index(drop=True)
    risk = _within(study.tidy(), sim, spells, study.values.flags)
    assert set(risk["rule"]) == {
        "current_practice", "everyone", "no_one", "risk_cox", "benefit", "tree",
    }  # fmt: skip
    assert len(risk) == 24
    assert set(risk["estimand"]) == {"risk", "unneeded_offers_per_1000"}
    bad = risk[risk["error"].abs() > risk["tolerance"]]
    assert bad.empty, bad


def _held_out_contrast(heterogeneity: bool) -> tuple[pd.Series, float]:
    """Rules learned on one authority, judged on another: benefit minus risk, per 1,000."""
    horizon = 730
    design = default_design()
    _, development = authority(30_000, 41, heterogeneity=heterogeneity, strong=0.1)
    learned = learn_rules(
        development.spells,
        covariates=list(development.model_covariates),
        capacity=0.3,
        horizon=horizon,
        rules=("risk", "benefit"),
        cross_fit=False,
        forest_trees=200,
        seed=1,
    )
    sim, held_out = authority(60_000, 42, heterogeneity=heterogeneity, strong=0.1)
    spells = held_out.spells.reset_index(drop=True)
    flags = learned.apply(spells)
    scores = policy_scores(spells, covariates=list(held_out.model_covariates),
                           horizons=list(design.outcome.horizons),
                           cluster="family_id")  # fmt: skip
    fit = estimate_policy_values(scores, flags)
    risk = _within(fit.tidy(), sim, spells, flags)
    bad = risk[risk["error"].abs() > risk["tolerance"]]
    assert bad.empty, bad
    assert set(risk["estimand"]) == {"risk", "unneeded_offers_per_1000"}
    truth = sim.truth.policy_values(spells, flags).set_index(["rule", "horizon"])["risk"]
    true_difference = 1000 * (truth[("benefit", horizon)] - truth[("risk_cox", horizon)])
    return fit.compare("benefit", "risk_cox", horizon=horizon).iloc[0], true_difference


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_risk_and_benefit_targeting_are_told_apart_when_they_differ() -> None:
    """Strong heterogeneity: the high-risk children with a prior plan, care or neglect are
    not helped, those with parental mental health are helped a lot (hazard ratio 0.1).

    One held-out authority of 60,000 children (one draw): every value within max(1 pp,
    2.5 SE) of the truth (1.2% chance each of missing by more), benefit targeting truly
    prevents 5+ more escalations per 1,000 than risk targeting, and the 95% interval of
    the estimated difference covers that truth (5% chance of missing) and excludes 0."""
    contrast, truth = _held_out_contrast(heterogeneity=True)
    assert truth < -5  # benefit targeting truly prevents 5+ more escalations per 1,000
    assert contrast["conf_high"] < 0, contrast
    assert contrast["conf_low"] <= truth <= contrast["conf_high"]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_without_heterogeneity_the_contrast_is_small_and_covers_the_truth() -> None:
    """No heterogeneity: the two targetings differ by less than 5 per 1,000 in truth, and the
    interval covers that truth. (It need not cover 0: a benefit rule learned from noise is
    truly a little worse than risk targeting, 4.6 per 1,000 on this draw.) The 95% interval
    misses the true difference by chance with probability 5% (one draw)."""
    contrast, truth = _held_out_contrast(heterogeneity=False)
    assert abs(truth) < 5
    assert contrast["conf_low"] <= truth <= contrast["conf_high"], contrast


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_flags_of_the_study_are_its_cross_fitted_rules() -> None:
    """The rules the study judges are those learned by cross-fitting (not in-sample)."""
    _, data = authority(4000, 3)
    design = data.design
    assert design.policy is not None and design.criteria is not None
    design = design.replace(
        policy=dataclasses.replace(design.policy, rules=("no_one", "tree"), folds=2),
        criteria=dataclasses.replace(design.criteria, rule="tree"),
    )
    # In this process (as above): worker processes would only add their start-up.
    study = evaluate_policies(data, design, seed=5, n_jobs=1)
    assert isinstance(data, SpellData)
    assert set(np.unique(study.rules.fold)) == {0, 1}
    np.testing.assert_array_equal(study.values.flags["tree"], study.rules.flags["tree"])
