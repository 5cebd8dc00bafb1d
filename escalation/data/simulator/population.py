"""Children and families: birth dates, sex, ethnicity, disability, deprivation, frailty."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import numpy.typing as npt

from escalation._calendar import eighteenth_birthday
from escalation.data.simulator.config import SimulationConfig

__all__ = ["ETHNICITY_SHARES", "FAMILY_PROBLEMS", "Population", "draw_population"]

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: Ethnicity of children in need in England (DfE codes; approximate census shares).
ETHNICITY_SHARES: Final = {
    "WBRI": 0.640,
    "WIRI": 0.003,
    "WIRT": 0.003,
    "WOTH": 0.055,
    "WROM": 0.006,
    "MWBC": 0.025,
    "MWBA": 0.010,
    "MWAS": 0.010,
    "MOTH": 0.030,
    "AIND": 0.013,
    "APKN": 0.030,
    "ABAN": 0.012,
    "AOTH": 0.015,
    "BCRB": 0.012,
    "BAFR": 0.040,
    "BOTH": 0.010,
    "CHNE": 0.002,
    "OOTH": 0.025,
    "REFU": 0.019,
    "NOBT": 0.040,
}

#: Parental problems a family may have (the assessment factor code that records each).
FAMILY_PROBLEMS: Final = ("3B", "4B", "2B", "1B", "5B")
#: Base prevalence of each family problem among referred families (before deprivation).
_PROBLEM_BASE: Final = (0.30, 0.26, 0.10, 0.09, 0.04)


@dataclass(frozen=True, eq=False)
class Population:
    """Per-child arrays (index = child number), days as integers since 1970-01-01."""

    family: IntArray
    birth: IntArray
    first_referral: IntArray
    birthday18: IntArray
    sex: IntArray  # 0 F, 1 M, 2 U
    ethnicity: IntArray  # index into ETHNICITY_SHARES
    disability: BoolArray
    imd: IntArray  # 1 (most deprived) .. 10
    frailty: FloatArray
    problems: BoolArray  # (n, len(FAMILY_PROBLEMS)) true family problems
    moved_out: IntArray  # day the child would move out (may lie after the extract date)
    death: IntArray  # day the child would die
    death_rate: FloatArray  # per day, constant


def day_of(value: str) -> int:
    """Return a ``YYYY-MM-DD`` date as days since 1970-01-01."""
    return int(np.datetime64(value, "D").astype(np.int64))


def draw_population(
    n_children: int, config: SimulationConfig, rng: np.random.Generator
) -> Population:
    """Draw children grouped in families (1-4 siblings) with their fixed characteristics."""
    sizes = rng.choice(4, size=n_children, p=config.family_size_probabilities) + 1
    family_of_slot = np.repeat(np.arange(n_children, dtype=np.int64), sizes)[:n_children]
    n_fam = int(family_of_slot[-1]) + 1
    family = family_of_slot

    start, extract = day_of(config.history_start), day_of(config.extract_date)
    # Deprivation: referred families are concentrated in deprived deciles.
    imd_p = np.linspace(2.2, 0.4, 10) * np.exp(config.deprivation * (4.5 - np.arange(10)))
    fam_imd = rng.choice(10, size=n_fam, p=imd_p / imd_p.sum()) + 1
    shape = 1 / config.frailty_variance if config.frailty_variance > 0 else np.inf
    fam_frailty = rng.gamma(shape, 1 / shape, size=n_fam) if np.isfinite(shape) else np.ones(n_fam)
    codes = list(ETHNICITY_SHARES)
    shares = np.array(list(ETHNICITY_SHARES.values()))
    fam_eth = rng.choice(len(codes), size=n_fam, p=shares / shares.sum())
    # Family problems: more common with deprivation and a family adversity latent.
    adversity = rng.normal(size=n_fam) + 0.12 * (5.5 - fam_imd)
    base = np.asarray(_PROBLEM_BASE)
    logit = np.log(base / (1 - base))[None, :] + 0.8 * adversity[:, None]
    fam_problems = rng.random((n_fam, len(base))) < 1 / (1 + np.exp(-logit))
    # First referral of the family, siblings referred around the same time.
    fam_first = rng.integers(start, extract - 20, size=n_fam)

    first = fam_first[family] + rng.integers(0, 120, size=n_children) * (
        rng.random(n_children) < 0.5
    )
    first = np.minimum(first, extract - 10)
    # Age at first referral: many babies, then spread over childhood.
    baby = rng.random(n_children) < 0.16
    age_days = np.where(
        baby,
        rng.integers(0, 365, size=n_children),
        rng.integers(365, int(17.3 * 365.25), size=n_children),
    )
    birth = first - age_days
    sex = np.where(rng.random(n_children) < 0.52, 1, 0)
    sex = np.where(rng.random(n_children) < 0.01, 2, sex)
    disability = rng.random(n_children) < config.disability_rate
    # Move-out and death clocks start at the first referral (constant hazards).
    move_rate = config.moved_out_rate_per_year / 365.25 * np.where(fam_imd[family] <= 3, 1.3, 1.0)
    moved = first + np.ceil(rng.exponential(1 / move_rate)).astype(np.int64)
    death_rate = config.death_rate_per_year / 365.25 * np.where(disability, 3.0, 1.0)
    death = first + np.ceil(rng.exponential(1 / death_rate)).astype(np.int64)
    # Unborn children: a share is first referred before birth, 2 to 28 weeks ahead of it
    # (drawn last, so the other draws do not depend on the share). Their age at referral
    # is negative; some are still unborn at the extract date.
    unborn = rng.random(n_children) < config.unborn_share
    days_ahead = rng.integers(14, 197, size=n_children)
    birth = np.where(unborn, first + days_ahead, birth)
    return Population(
        family=family.astype(np.int64),
        birth=birth.astype(np.int64),
        first_referral=first.astype(np.int64),
        birthday18=eighteenth_birthday(birth.astype(np.int64)),
        sex=sex.astype(np.int64),
        ethnicity=fam_eth[family].astype(np.int64),
        disability=disability,
        imd=fam_imd[family].astype(np.int64),
        frailty=fam_frailty[family].astype(np.float64),
        problems=fam_problems[family],
        moved_out=moved,
        death=death,
        death_rate=death_rate.astype(np.float64),
    )
