"""Monte Carlo of the pooled risk difference: coverage of its 95% CI and prediction interval.

Each simulated study draws ``k`` local authorities with
:func:`~escalation.data.simulator.simulate_local_authorities` (authorities differing in
size, base rate, early-help uptake and effect), estimates each authority's risk
difference at 365 days, and pools them with the hub's
:func:`~escalation.federated.meta.meta_analyse` (REML, Hartung–Knapp).

The per-authority estimate is the affordable path, validated here: early help is
randomised at closure within each authority (``confounding = 0``), starts within the
grace period whenever it is offered (``late_early_help = 0``) and the treatment is the
closure decision (``[treatment] reasons = ["RC9"]``), so the unadjusted Aalen–Johansen
risk difference (the package's :func:`~escalation.survival.aalen_johansen`, with its
influence-function standard errors) is unbiased for the authority's true effect;
children are not siblings (``family_size_probabilities = (1, 0, 0, 0)``), so those
standard errors need no clustering. It equals the ``unadjusted`` estimator of
``estimate_effects``.

Targets: the mean of the authorities' true risk differences over the process that draws
authorities (estimated by the average over every authority simulated, hundreds of them),
and, for the prediction interval, the true effect of a new authority (the share of all
simulated authorities' true effects inside each study's interval).
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
CONFIG = SimulationConfig(
    notes=False,
    confounding=0.0,
    late_early_help=0.0,
    family_size_probabilities=(1.0, 0.0, 0.0, 0.0),
)
VARIATION = AuthorityVariation(
    size_sd=0.3,
    base_rate_sd=0.3,
    threshold_sd=0.3,
    early_help_sd=0.4,
    deprivation_sd=0.2,
    effect_sd=0.35,
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


@dataclass(frozen=True)
class Coverage:
    """Per-study results and the coverage of both intervals."""

    studies: pd.DataFrame
    truths: np.ndarray
    mean_effect: float
    ci_coverage: float
    pi_coverage: float

    def monte_carlo_se(self, p: float) -> float:
        return float(np.sqrt(p * (1 - p) / len(self.studies)))


def run(studies: int = 200, k: int = 8, children: int = 1_500, seed: int = 20240331) -> Coverage:
    """Simulate ``studies`` multi-authority studies of ``k`` authorities each."""
    chosen = design()
    rows, truths = [], []
    for s in range(studies):
        sims = simulate_local_authorities(
            k, n_children=children, seed=seed + s, config=CONFIG, variation=VARIATION
        )
        spells = build_spells(sims.history, chosen).spells
        truth = sims.truth.by_authority(spells)
        truth = truth[truth["horizon"] == HORIZON].set_index("la")["risk_difference"]
        estimates, errors = [], []
        for la in sims.codes:
            rd, se = authority_estimate(spells[spells["la"] == la])
            estimates.append(rd)
            errors.append(se)
            truths.append(float(truth[la]))
        fit = meta_analyse(estimates, errors, studies=list(sims.codes))
        pred = fit.predict().iloc[0]
        rows.append(
            {
                "study": s,
                "estimate": float(pred["estimate"]),
                "conf_low": float(pred["conf_low"]),
                "conf_high": float(pred["conf_high"]),
                "pi_low": float(pred["pi_low"]),
                "pi_high": float(pred["pi_high"]),
                "tau2": fit.tau2,
                "i2": fit.i2,
            }
        )
    frame = pd.DataFrame(rows)
    values = np.asarray(truths)
    mu = float(values.mean())
    ci = float(((frame["conf_low"] <= mu) & (mu <= frame["conf_high"])).mean())
    inside = (values[None, :] >= frame["pi_low"].to_numpy()[:, None]) & (
        values[None, :] <= frame["pi_high"].to_numpy()[:, None]
    )
    return Coverage(frame, values, mu, ci, float(inside.mean()))
