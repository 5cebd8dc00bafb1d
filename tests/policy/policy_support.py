"""Shared simulated data for the policy tests (built once per session)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from escalation.causal.policy import estimate_policy_values, policy_scores
from escalation.compute import one_blas_thread
from escalation.data.simulator import (
    SimulatedLocalAuthority,
    SimulationConfig,
    simulate_local_authority,
)
from escalation.design import default_design
from escalation.policy import learn_rules
from escalation.timeline import SpellData, build_spells
from tests.causal.causal_support import simulate


@cache
def authority(
    n: int, seed: int, heterogeneity: bool = False, strong: float = 0.4, hazard_ratio: float = 0.75
) -> tuple[SimulatedLocalAuthority, SpellData]:
    """A simulated local authority and the default design's spells, cached."""
    config = SimulationConfig(
        notes=False,
        effect_heterogeneity=heterogeneity,
        strong_effect_hazard_ratio=strong,
        early_help_hazard_ratio=hazard_ratio,
    )
    sim = simulate_local_authority(n, seed=seed, config=config)
    return sim, build_spells(sim.history, default_design())


@cache
def small_spells(n: int = 1500, seed: int = 4) -> pd.DataFrame:
    """A small spells-like table (tests/causal DGP) with identifiers and families."""
    frame = simulate(n, seed).reset_index(drop=True)
    frame["spell_id"] = np.arange(1, n + 1)
    frame["child_id"] = [f"C{i:06d}" for i in range(n)]
    frame["family_id"] = [f"F{f:06d}" for f in frame["family_id"]]
    frame["sex"] = np.where(np.arange(n) % 2 == 0, "F", "M")
    return frame


#: Estimands checked against the truth: the value, and offers to children who would not
#: have escalated without early help (per 1,000).
CHECKED = ("risk", "unneeded_offers_per_1000")


def monte_carlo(
    reps: int,
    *,
    n_children: int = 3000,
    seed: int = 10_000,
    hazard_ratio: float = 0.75,
    capacity: float = 0.3,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Replicate the policy study on independent small authorities with known truth.

    Rules: everyone, no one and current practice, and the rules learned once on a separate
    development authority (highest predicted risk, largest estimated benefit, the policy
    tree) applied unchanged to every replicate (held-out authorities). Returns one row per
    replicate, rule, horizon and estimand of :data:`CHECKED` (``estimate, std_error,
    conf_low, conf_high, truth, sample_truth``: see the note on ``truth`` below) and
    one row per replicate and contrast of two rules (with the true difference).
    """
    # Small matrices: one thread is fastest, and stable when cores are shared. Inside
    # one_blas_thread the package's own limited functions do not look for the BLAS
    # libraries again on every replicate.
    with threadpool_limits(1):
        return one_blas_thread(_replicates)(reps, n_children, seed, hazard_ratio, capacity)


#: The columns of a tidy row the replicates keep, and of a contrast of two rules.
_ROW = ("rule", "horizon", "estimand", "estimate", "std_error", "conf_low", "conf_high")
_CONTRAST = ("horizon", "estimate", "std_error", "conf_low", "conf_high")


def _columns(frame: pd.DataFrame, names: tuple[str, ...]) -> list[list[object]]:
    """Return the columns ``names`` of ``frame`` as lists of Python scalars."""
    return [frame[name].tolist() for name in names]


def _replicates(
    reps: int, n_children: int, seed: int, hazard_ratio: float, capacity: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    _, development = authority(20_000, 77, hazard_ratio=hazard_ratio)
    learned = learn_rules(
        development.spells,
        covariates=list(development.model_covariates),
        capacity=capacity,
        horizon=365,
        rules=("risk", "benefit", "tree"),
        cross_fit=False,
        seed=1,
    )
    values, contrasts = [], []
    pairs = [("everyone", "no_one"), ("risk_cox", "current_practice"), ("benefit", "risk_cox"),
             ("tree", "risk_cox")]  # fmt: skip
    config = SimulationConfig(notes=False, early_help_hazard_ratio=hazard_ratio)
    for rep in range(reps):
        sim = simulate_local_authority(n_children, seed=seed + rep, config=config)
        data = build_spells(sim.history, default_design())
        spells = data.spells.reset_index(drop=True)
        flags = {"everyone": np.ones(len(spells)), "no_one": np.zeros(len(spells))}
        flags.update(learned.apply(spells))
        scores = policy_scores(spells, covariates=list(data.model_covariates),
                               horizons=[365, 730], cluster="family_id")  # fmt: skip
        fit = estimate_policy_values(scores, flags)
        # (rule, horizon) -> estimand -> the true value (looked up ~30 times a replicate;
        # columns read as lists: pandas' per-row iteration would cost more than the rest)
        truth_table = sim.truth.policy_values(spells, flags)
        truth = {
            (rule, horizon): dict(zip(CHECKED, true_values, strict=True))
            for rule, horizon, *true_values in zip(
                *_columns(truth_table, ("rule", "horizon", *CHECKED)), strict=True
            )
        }
        table = fit.tidy()
        checked = table[table["estimand"].isin(CHECKED)]
        for rule, horizon, estimand, estimate, std_error, low, high in zip(
            *_columns(checked, _ROW), strict=True
        ):
            if rule == "no_one" and estimand != "risk":
                continue  # flags no one: zero by construction, nothing to check
            values.append(
                {"rep": rep, "rule": rule, "horizon": horizon,
                 "estimand": estimand, "n": len(spells),
                 "estimate": estimate, "std_error": std_error,
                 "conf_low": low, "conf_high": high,
                 "truth": truth[(rule, horizon)][estimand]}
            )  # fmt: skip
        for one, other in pairs:
            compared = fit.compare(one, other)
            for horizon, estimate, std_error, low, high in zip(
                *_columns(compared, _CONTRAST), strict=True
            ):
                true = 1000 * (truth[(one, horizon)]["risk"] - truth[(other, horizon)]["risk"])
                contrasts.append(
                    {"rep": rep, "rule": one, "other": other, "horizon": horizon,
                     "estimate": estimate, "std_error": std_error,
                     "conf_low": low, "conf_high": high, "truth": true}
                )  # fmt: skip
    frame = pd.DataFrame(values)
    # The value is judged against each authority's own truth (its children's potential-
    # outcome risks). The offers to children who would not have escalated anyway,
    # d (1 - Y^0), vary mostly with who is flagged, which the intervals count as sampling
    # variation (the estimand is per 1,000 referrals of the population, like
    # flagged_per_1000): it is judged against the population truth, the mean of the
    # authorities' truths for the same fixed rule (Monte Carlo error about SE / 14).
    frame["sample_truth"] = frame["truth"]
    population = frame.groupby(["estimand", "rule", "horizon"])["truth"].transform("mean")
    unneeded = frame["estimand"] == "unneeded_offers_per_1000"
    frame.loc[unneeded, "truth"] = population[unneeded]
    return frame, pd.DataFrame(contrasts)


def coverage_summary(values: pd.DataFrame) -> pd.DataFrame:
    """Per estimand, rule and horizon: coverage, bias, empirical and model SE, and the share
    within tolerance, max(1 pp, 2.5 SE) (1 pp is 10 per 1,000)."""
    frame = values.assign(
        covered=(values["conf_low"] <= values["truth"]) & (values["truth"] <= values["conf_high"]),
        error=values["estimate"] - values["truth"],
    )
    scale = np.where(frame["estimand"] == "risk", 1.0, 1000.0)
    frame["within"] = frame["error"].abs() <= np.maximum(0.01 * scale, 2.5 * frame["std_error"])
    return (
        frame.groupby(["estimand", "rule", "horizon"], sort=False)
        .agg(
            reps=("rep", "size"),
            coverage=("covered", "mean"),
            bias=("error", "mean"),
            empirical_se=("error", "std"),
            model_se=("std_error", "mean"),
            within=("within", "mean"),
        )
        .reset_index()
    )
