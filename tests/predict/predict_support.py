"""Test support: spells with outcomes drawn from known hazards, and their true risks.

The spells (covariates, families, time zeros) come from the timeline's synthetic history;
their follow-up is then redrawn from a known data-generating process: a constant
cause-specific hazard of escalation ``rate * exp(beta @ x)`` and a constant hazard of death
``death_rate``, censored uniformly. The true risk of escalation by ``h`` is then
``l1 / (l1 + l2) * (1 - exp(-(l1 + l2) h))``, the oracle.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from escalation import build_spells, default_design
from escalation.timeline import SpellData
from tests.timeline.timeline_support import synthetic_history

BETA = {"prior_referrals": 0.35, "factor_3B": 0.7, "factor_16A": 0.6, "age": -0.06}
RATE = 0.0006
DEATH_RATE = 0.00004


def true_risk(spells: pd.DataFrame, horizon: float) -> np.ndarray:
    eta = sum(b * spells[c].to_numpy(dtype=float) for c, b in BETA.items())
    l1 = RATE * np.exp(eta)
    total = l1 + DEATH_RATE
    return np.asarray(l1 / total * (1 - np.exp(-total * horizon)))


def simulated_spells(n_children: int, seed: int) -> tuple[SpellData, pd.DataFrame]:
    """Return spells with outcomes from the known process, and the truth table."""
    data = build_spells(synthetic_history(n_children, seed), default_design())
    spells = data.spells.copy()
    rng = np.random.default_rng(seed + 1000)
    n = len(spells)
    eta = sum(b * spells[c].to_numpy(dtype=float) for c, b in BETA.items())
    escalation = rng.exponential(1 / (RATE * np.exp(eta)))
    death = rng.exponential(1 / DEATH_RATE, n)
    censor = rng.uniform(200, 1500, n)
    time = np.minimum.reduce([escalation, death, censor])
    spells["duration"] = np.maximum(np.ceil(time), 1.0)
    spells["event"] = np.select([time == escalation, time == death], [1, 2], 0).astype(np.int64)
    spells["end_reason"] = pd.array(
        np.select([spells["event"] == 1, spells["event"] == 2], ["cp_plan", "death"], "censored"),
        dtype="string",
    )
    truth = spells[["child_id", "time_zero"]].copy()
    for h in (365, 730):
        truth[f"risk_observed_{h}"] = true_risk(spells, h)
    return dataclasses.replace(data, spells=spells), truth


def two_covariate_spells(n: int, seed: int, end: float = 730.0) -> SpellData:
    """Return ``n`` spells of two covariates (age, prior referrals), followed at most ``end``.

    Escalation times are exponential with a rate rising with prior referrals; families of
    two spells; time zeros over four years from April 2019; the default design with those
    two covariates.
    """
    rng = np.random.default_rng(seed)
    prior = rng.poisson(1.0, n)
    t = rng.exponential(1500 * np.exp(-0.6 * prior))
    spells = pd.DataFrame(
        {
            "spell_id": np.arange(1, n + 1),
            "child_id": [f"c{i}" for i in range(n)],
            "family_id": [f"f{i // 2}" for i in range(n)],
            "time_zero": pd.Timestamp("2019-04-01")
            + pd.to_timedelta(rng.integers(0, 1400, n), "D"),
            "duration": np.ceil(np.minimum(t, end)),
            "event": (t < end).astype(int),
            "age": rng.uniform(0, 17, n),
            "prior_referrals": prior,
        }
    )
    design = default_design()
    covariates = dataclasses.replace(design.covariates, include=("age", "prior_referrals"))
    design = dataclasses.replace(design, covariates=covariates)
    return SpellData(spells, pd.DataFrame(), design, pd.Timestamp("2024-03-31"))
