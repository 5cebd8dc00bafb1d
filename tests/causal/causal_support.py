"""A small data-generating process with known potential-outcome risks (test support).

Confounding by indication: children with more risk factors are more likely to get early
help and to escalate. Cause-specific hazards are exponential given covariates, so the
true counterfactual cumulative incidence has a closed form per child and is averaged
over a large covariate sample.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BETA_1 = np.array([0.5, 0.35, -0.02])  # escalation: risk score, factor flag, age
GAMMA = -0.4  # log hazard ratio of early help on escalation
BETA_2 = np.array([0.1, 0.0, 0.01])  # competing (death / moving treated as competing)
RATE_1, RATE_2 = 0.4 / 365, 0.05 / 365


def _covariates(rng: np.random.Generator, n: int) -> pd.DataFrame:
    families = rng.integers(0, max(n // 2, 1), n)
    shared = rng.normal(size=max(n // 2, 1))[families]
    risk = 0.7 * rng.normal(size=n) + 0.5 * shared
    factor = (rng.random(n) < 1 / (1 + np.exp(-(risk - 0.5)))).astype(int)
    age = rng.uniform(0, 17, n)
    band = np.where(age < 5, "0-4", np.where(age < 11, "5-10", "11-17"))
    return pd.DataFrame(
        {"risk": risk, "factor": factor, "age": age, "band": band, "family_id": families}
    )


def _linear(frame: pd.DataFrame, beta: np.ndarray) -> np.ndarray:
    out: np.ndarray = frame[["risk", "factor", "age"]].to_numpy(float) @ beta
    return out


def true_cif(frame: pd.DataFrame, arm: int, t: float) -> np.ndarray:
    """Per-child true cumulative incidence of escalation by ``t`` under ``arm``."""
    l1 = RATE_1 * np.exp(_linear(frame, BETA_1) + GAMMA * arm)
    l2 = RATE_2 * np.exp(_linear(frame, BETA_2))
    out: np.ndarray = l1 / (l1 + l2) * (1 - np.exp(-(l1 + l2) * t))
    return out


def true_risks(horizons: tuple[int, ...] = (365, 730), n: int = 400_000) -> pd.DataFrame:
    """Marginal true risks (population average) by horizon."""
    frame = _covariates(np.random.default_rng(12345), n)
    rows = []
    for h in horizons:
        r1, r0 = true_cif(frame, 1, h).mean(), true_cif(frame, 0, h).mean()
        rows.append(
            {
                "horizon": h,
                "risk_treated": r1,
                "risk_untreated": r0,
                "risk_difference": r1 - r0,
                "risk_ratio": r1 / r0,
            }
        )
    return pd.DataFrame(rows)


def simulate(n: int, seed: int, *, followup: float = 900.0) -> pd.DataFrame:
    """Return a spells-like table: duration, event (0/1/2), treatment, covariates."""
    rng = np.random.default_rng(seed)
    frame = _covariates(rng, n)
    p = 1 / (
        1 + np.exp(-(-0.6 + 0.9 * frame["risk"] + 0.6 * frame["factor"] - 0.03 * frame["age"]))
    )
    a = (rng.random(n) < p).astype(int)
    l1 = RATE_1 * np.exp(_linear(frame, BETA_1) + GAMMA * a)
    l2 = RATE_2 * np.exp(_linear(frame, BETA_2))
    t1, t2 = rng.exponential(1 / l1), rng.exponential(1 / l2)
    c = rng.uniform(200, followup, n)  # administrative (independent) censoring
    time = np.minimum.reduce([t1, t2, c])
    event = np.where(time == t1, 1, np.where(time == t2, 2, 0))
    frame["duration"] = np.maximum(np.ceil(time), 1.0)
    frame["event"] = event
    frame["treatment"] = a
    frame["n_factors"] = frame["factor"] + (frame["risk"] > 1).astype(int)
    frame["imd_decile"] = rng.integers(1, 11, n)
    return frame
