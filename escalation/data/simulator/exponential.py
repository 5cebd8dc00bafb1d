"""A small spell-level data-generating process with closed-form potential-outcome risks.

Where :func:`~escalation.data.simulator.simulate_local_authority` simulates whole case
histories, this generator draws analysis-ready spells directly (one row per child at the
decision point), for simulation studies of the effect estimators: thousands of
replications cost seconds, and the true risks under early help and under none have a
closed form.

The data-generating process
---------------------------
Children come in families (about two children each) sharing a normal family effect.
Each child has a continuous risk score (family effect plus noise), a recorded risk factor
(more likely at higher risk) and an age uniform on 0–17 years. Early help is more likely
at higher risk and with the factor, less likely with age (confounding by indication), with
slopes scaled by ``confounding``. Escalation and a competing event (death or leaving, the
same for both arms) have exponential cause-specific hazards given covariates; early help
multiplies the escalation hazard by ``exp(log_hazard_ratio + heterogeneity * risk)``.
Administrative censoring is uniform between 200 days and ``followup`` days. With
``authorities > 1`` each child belongs to one of that many local authorities, whose
baseline escalation hazard and early-help uptake differ (a confounder to adjust for).

For a child with covariates ``x`` and arm ``a``, the cause-specific hazards are
``l1 = r1 exp(x'b1 + a g(x))`` and ``l2 = r2 exp(x'b2)``, so the cumulative incidence of
escalation by ``t`` is ``l1 / (l1 + l2) (1 - exp(-(l1 + l2) t))``; the marginal (population)
risk averages it over a large covariate sample.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._age_bands import age_bands

__all__ = ["SpellSimulationConfig", "simulate_spells", "true_cif", "true_risks"]

FloatArray = npt.NDArray[np.float64]

BETA_1 = np.array([0.5, 0.35, -0.02])  # escalation: risk score, factor flag, age
BETA_2 = np.array([0.1, 0.0, 0.01])  # competing event
RATE_1, RATE_2 = 0.4 / 365, 0.05 / 365
_PROPENSITY = (-0.6, 0.9, 0.6, -0.03)  # intercept; risk, factor, age slopes
_TRUTH_SEED = 12345


@dataclass(frozen=True)
class SpellSimulationConfig:
    """Settings of :func:`simulate_spells` (every one may vary in a simulation study).

    Parameters
    ----------
    confounding : float, default 1.0
        Multiplies the slopes of risk, factor and age in the early-help model; 0 makes
        early help randomised (about 35% treated).
    log_hazard_ratio : float, default -0.4
        Log hazard ratio of early help on escalation for a child of average (zero) risk.
    heterogeneity : float, default 0.0
        Change in that log hazard ratio per unit of risk score (effect modification).
    followup : float, default 900.0
        Longest follow-up in days: censoring is uniform on ``[200, followup]``.
    authorities : int, default 1
        Local authorities; with more than one, children are spread evenly over them and
        each has its own baseline escalation hazard and early-help uptake.
    authority_sd : float, default 0.3
        Standard deviation of the authorities' log baseline hazard and log odds of early
        help (drawn once from ``authority_seed``, so fixed within a scenario).
    authority_seed : int, default 7
        Seed of the authorities' effects.
    """

    confounding: float = 1.0
    log_hazard_ratio: float = -0.4
    heterogeneity: float = 0.0
    followup: float = 900.0
    authorities: int = 1
    authority_sd: float = 0.3
    authority_seed: int = 7

    def __post_init__(self) -> None:
        if self.confounding < 0:
            raise ValueError("confounding must be >= 0 (0 randomises early help)")
        if self.followup <= 200:
            raise ValueError(
                "followup must exceed 200 days (censoring is uniform on 200..followup)"
            )
        if int(self.authorities) != self.authorities or self.authorities < 1:
            raise ValueError("authorities must be a whole number >= 1")
        if self.authority_sd < 0:
            raise ValueError("authority_sd must be >= 0")

    def to_dict(self) -> dict[str, Any]:
        """Return the settings as a JSON-ready dictionary."""
        return asdict(self)

    def _authority_effects(self) -> tuple[FloatArray, FloatArray]:
        """Log baseline-hazard and log-odds shifts of each authority."""
        k = int(self.authorities)
        if k == 1:
            return np.zeros(1), np.zeros(1)
        rng = np.random.default_rng(self.authority_seed)
        hazard = rng.normal(0, self.authority_sd, k)
        uptake = rng.normal(0, self.authority_sd, k)
        return hazard - hazard.mean(), uptake - uptake.mean()


def _covariates(rng: np.random.Generator, n: int, config: SpellSimulationConfig) -> pd.DataFrame:
    families = rng.integers(0, max(n // 2, 1), n)
    shared = rng.normal(size=max(n // 2, 1))[families]
    risk = 0.7 * rng.normal(size=n) + 0.5 * shared
    factor = (rng.random(n) < 1 / (1 + np.exp(-(risk - 0.5)))).astype(int)
    age = rng.uniform(0, 17, n)
    band = age_bands(np.floor(age))  # exact ages: their whole years are completed years
    frame = pd.DataFrame(
        {"risk": risk, "factor": factor, "age": age, "band": band, "family_id": families}
    )
    if config.authorities > 1:
        k = int(config.authorities)
        labels = np.array([f"LA{i + 1:0{len(str(k))}d}" for i in range(k)], dtype=object)
        frame["authority"] = labels[np.arange(n) % k]
    return frame


def _authority_index(frame: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Position of each child's authority (labels ``LA1``, ``LA2``, ... in order)."""
    text = frame["authority"].astype(str).str.slice(2)
    return np.asarray(text.astype(np.int64).to_numpy(dtype=np.int64) - 1, dtype=np.int64)


def _linear(frame: pd.DataFrame, beta: FloatArray) -> FloatArray:
    out: FloatArray = frame[["risk", "factor", "age"]].to_numpy(float) @ beta
    return out


def _hazards(
    frame: pd.DataFrame, arm: npt.ArrayLike, config: SpellSimulationConfig
) -> tuple[FloatArray, FloatArray]:
    """Cause-specific hazards of escalation and of the competing event."""
    log_hr = config.log_hazard_ratio + config.heterogeneity * frame["risk"].to_numpy(float)
    base = _linear(frame, BETA_1)
    if "authority" in frame.columns:
        base = base + config._authority_effects()[0][_authority_index(frame)]
    l1: FloatArray = RATE_1 * np.exp(base + log_hr * np.asarray(arm))
    l2: FloatArray = RATE_2 * np.exp(_linear(frame, BETA_2))
    return l1, l2


def true_cif(
    frame: pd.DataFrame, arm: int, t: float, config: SpellSimulationConfig | None = None
) -> FloatArray:
    """Return each child's true cumulative incidence of escalation by ``t`` under ``arm``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Spells from :func:`simulate_spells` (``risk, factor, age``; ``authority`` with
        several authorities).
    arm : {0, 1}
        1: early help for everyone; 0: for no one.
    t : float
        Days after time zero.
    config : SpellSimulationConfig, optional
        The settings the spells were drawn with (default settings when omitted).

    Returns
    -------
    numpy.ndarray
    """
    config = config if config is not None else SpellSimulationConfig()
    l1, l2 = _hazards(frame, arm, config)
    out: FloatArray = l1 / (l1 + l2) * (1 - np.exp(-(l1 + l2) * t))
    return out


def true_risks(
    horizons: tuple[int, ...] = (365, 730),
    n: int = 400_000,
    config: SpellSimulationConfig | None = None,
) -> pd.DataFrame:
    """Return the marginal true risks (population averages) by horizon.

    Parameters
    ----------
    horizons : tuple of int
        Days after time zero.
    n : int, default 400000
        Size of the fixed covariate sample the closed-form risks are averaged over.
    config : SpellSimulationConfig, optional
        Settings (default settings when omitted).

    Returns
    -------
    pandas.DataFrame
        Columns ``horizon, risk_treated, risk_untreated, risk_difference, risk_ratio``.

    Examples
    --------
    >>> truth = true_risks((365,))
    >>> round(float(truth["risk_difference"].iloc[0]), 3)
    -0.091
    """
    config = config if config is not None else SpellSimulationConfig()
    frame = _covariates(np.random.default_rng(_TRUTH_SEED), n, config)
    rows = []
    for h in horizons:
        r1 = float(true_cif(frame, 1, h, config).mean())
        r0 = float(true_cif(frame, 0, h, config).mean())
        rows.append(
            {
                "horizon": int(h),
                "risk_treated": r1,
                "risk_untreated": r0,
                "risk_difference": r1 - r0,
                "risk_ratio": r1 / r0,
            }
        )
    return pd.DataFrame(rows)


def simulate_spells(
    n: int, seed: int, *, config: SpellSimulationConfig | None = None
) -> pd.DataFrame:
    """Draw ``n`` analysis-ready spells with confounded early help and a competing event.

    Parameters
    ----------
    n : int
        Spells (one per child).
    seed : int
        Random seed; the same seed and settings give the same spells.
    config : SpellSimulationConfig, optional
        Settings (default settings when omitted).

    Returns
    -------
    pandas.DataFrame
        ``risk, factor, age`` (exact, in years), ``band`` (its age band, of the one rule
        :func:`escalation.causal.heterogeneity.age_bands`), ``family_id`` (and
        ``authority``), then ``duration``
        (whole days, at least 1), ``event`` (0 censored, 1 escalation, 2 competing),
        ``treatment``, ``n_factors`` and ``imd_decile``.

    Examples
    --------
    >>> spells = simulate_spells(1000, seed=1)
    >>> sorted(spells["event"].unique().tolist())
    [0, 1, 2]
    """
    config = config if config is not None else SpellSimulationConfig()
    rng = np.random.default_rng(seed)
    frame = _covariates(rng, n, config)
    b0, b_risk, b_factor, b_age = _PROPENSITY
    s = config.confounding
    logit = (
        b0
        + s * b_risk * frame["risk"].to_numpy(float)
        + s * b_factor * frame["factor"].to_numpy(float)
        + s * b_age * frame["age"].to_numpy(float)
    )
    if "authority" in frame.columns:
        logit = logit + config._authority_effects()[1][_authority_index(frame)]
    p = 1 / (1 + np.exp(-logit))
    a = (rng.random(n) < p).astype(int)
    l1, l2 = _hazards(frame, a, config)
    t1, t2 = rng.exponential(1 / l1), rng.exponential(1 / l2)
    c = rng.uniform(200, config.followup, n)  # administrative (independent) censoring
    time = np.minimum.reduce([t1, t2, c])
    event = np.where(time == t1, 1, np.where(time == t2, 2, 0))
    frame["duration"] = np.maximum(np.ceil(time), 1.0)
    frame["event"] = event
    frame["treatment"] = a
    frame["n_factors"] = frame["factor"] + (frame["risk"] > 1).astype(int)
    frame["imd_decile"] = rng.integers(1, 11, n)
    return frame
