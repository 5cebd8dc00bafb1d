"""Monte Carlo of the pooled risk difference: coverage of its 95% CI and prediction interval.

Stage 1, a bank of authorities: :func:`~escalation.data.simulator.simulate_local_authorities`
draws authorities differing in size, base rate, threshold, early-help uptake, deprivation
and effect (300 by default, in groups of 10); each authority's risk difference at 365 days
is estimated on its own records, and its true risk difference (over its spells) is kept.

Stage 2, studies: each simulated study samples ``k`` distinct authorities from the bank and
pools their estimates with the hub's :func:`~escalation.federated.meta.meta_analyse`
(REML, Hartung–Knapp, metafor's prediction interval). Targets: the mean true risk
difference over the bank (the average authority), and, for the prediction interval, the
true effect of a new authority (the share of the bank's true effects inside each study's
interval). Estimating each authority once and drawing studies from the bank keeps the test
affordable while every estimate still comes from simulated records.

The per-authority estimate is the affordable path, validated here: early help is
randomised at closure within each authority (``confounding = 0``), starts within the
grace period whenever it is offered (``late_early_help = 0``) and the treatment is the
closure decision (``[treatment] reasons = ["RC9"]``), so the unadjusted Aalen–Johansen
risk difference (the package's :func:`~escalation.survival.aalen_johansen`, with its
influence-function standard errors) is unbiased for the authority's true effect (it equals
the ``unadjusted`` estimator of ``estimate_effects``, tested); children are not siblings
(``family_size_probabilities = (1, 0, 0, 0)``), so those standard errors need no
clustering.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from escalation.data.simulator import (
    AuthorityVariation,
    SimulationConfig,
    simulate_local_authorities,
)
from escalation.design import TreatmentSpec, default_design
from escalation.design.study import StudyDesign
from escalation.federated.meta import meta_analyse
from escalation.survival import aalen_johansen
from escalation.timeline import build_spells

HORIZON = 365
#: ``horizons``: the true risks are computed at the one horizon used (the simulated
#: records do not depend on the horizons; the truth at 730 days was never read).
CONFIG = SimulationConfig(
    horizons=(HORIZON,),
    notes=False,
    confounding=0.0,
    late_early_help=0.0,
    family_size_probabilities=(1.0, 0.0, 0.0, 0.0),
)
#: Authorities differ clearly in their effect (log hazard ratio SD 0.5), as the
#: heterogeneity a prediction interval is for.
VARIATION = AuthorityVariation(
    size_sd=0.3,
    base_rate_sd=0.15,
    threshold_sd=0.2,
    early_help_sd=0.4,
    deprivation_sd=0.2,
    effect_sd=0.5,
    effect_by_offer=0.0,
)


def design() -> StudyDesign:
    """The default design with the closure decision (RC9) as the treatment."""
    base = default_design()
    return base.replace(treatment=TreatmentSpec(reasons=("RC9",)))


def authority_estimate(spells: pd.DataFrame) -> tuple[float, float]:
    """Unadjusted Aalen–Johansen risk difference at the horizon and its standard error."""
    fit = aalen_johansen(spells, causes=[1], group="treatment").tidy()
    out = {}
    for arm in (0, 1):
        curve = fit[fit["group"] == arm].sort_values("time")
        row = curve[curve["time"] <= HORIZON].iloc[-1]
        out[arm] = (float(row["estimate"]), float(row["std_error"]))
    return out[1][0] - out[0][0], float(np.hypot(out[1][1], out[0][1]))


def bank(
    groups: int = 30, per_group: int = 10, children: int = 3_000, seed: int = 99
) -> pd.DataFrame:
    """Simulate ``groups * per_group`` authorities; return ``theta, estimate, std_error``."""
    chosen = design()
    rows = []
    for g in range(groups):
        sims = simulate_local_authorities(
            per_group, n_children=children, seed=seed + g, config=CONFIG, variation=VARIATION
        )
        spells = build_spells(sims.history, chosen).spells
        truth = sims.truth.by_authority(spells)
        truth = truth[truth["horizon"] == HORIZON].set_index("la")["risk_difference"]
        by_la = dict(tuple(spells.groupby("la", sort=False, observed=True)))
        for la in sims.codes:
            estimate, se = authority_estimate(by_la[la])
            rows.append({"theta": float(truth[la]), "estimate": estimate, "std_error": se})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Coverage:
    """Per-study results and the coverage of both intervals."""

    studies: pd.DataFrame
    truths: np.ndarray
    mean_effect: float
    ci_coverage: float
    pi_coverage: float

    def monte_carlo_se(self, p: float) -> float:
        """Binomial Monte Carlo standard error of a coverage over the studies."""
        return float(np.sqrt(p * (1 - p) / len(self.studies)))


def run(authorities: pd.DataFrame, studies: int = 400, k: int = 16, seed: int = 1) -> Coverage:
    """Draw ``studies`` studies of ``k`` distinct authorities from the bank and pool each."""
    rng = np.random.default_rng(seed)
    truths = authorities["theta"].to_numpy(float)
    mu = float(truths.mean())
    rows = []
    for s in range(studies):
        chosen = authorities.iloc[rng.choice(len(authorities), k, replace=False)]
        fit = meta_analyse(chosen["estimate"], chosen["std_error"])
        pred = fit.predict().iloc[0]
        rows.append(
            {
                "study": s,
                **{c: float(pred[c]) for c in ("estimate", "conf_low", "conf_high")},
                **{c: float(pred[c]) for c in ("pi_low", "pi_high")},
                "tau2": fit.tau2,
                "i2": fit.i2,
            }
        )
    frame = pd.DataFrame(rows)
    ci = float(((frame["conf_low"] <= mu) & (mu <= frame["conf_high"])).mean())
    inside = (truths[None, :] >= frame["pi_low"].to_numpy()[:, None]) & (
        truths[None, :] <= frame["pi_high"].to_numpy()[:, None]
    )
    return Coverage(frame, truths, mu, ci, float(inside.mean()))
