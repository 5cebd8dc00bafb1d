"""Checks of a Cox model in plain words: :func:`cox_advice` (``CoxResult.check_assumptions``).

- **Proportional hazards**: the score tests of ``survival::cox.zph``
  (:meth:`CoxResult.ph_test`), per term and global.
- **Sparse events**: events per coefficient (fewer than 10 makes estimates biased and
  intervals too narrow; Peduzzi et al. 1996, doi:10.1016/S0895-4356(96)00236-3) and
  coded levels with fewer than 5 events (counted, never summed case weights).
- **Separation**: infinite estimates the fit already named.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from escalation.advice import Advice, Check
from escalation.results import format_p
from escalation.timeline.labels import covariate_label

if TYPE_CHECKING:
    from escalation.survival.cox import CoxResult

__all__ = ["EVENTS_PER_COEFFICIENT", "EVENTS_PER_LEVEL", "cox_advice", "ph_checks"]

#: Fewer events per coefficient than this: the model is too rich for the data.
EVENTS_PER_COEFFICIENT = 10
#: A coded level with fewer events than this has an unstable hazard ratio.
EVENTS_PER_LEVEL = 5
#: Proportional-hazards tests below this p-value are reported.
ALPHA = 0.05


def ph_checks(fit: CoxResult, *, what: str = "hazard ratio") -> list[Check]:
    """Return the proportional-hazards checks of ``fit`` (``cox.zph``, KM time scale)."""
    tests = fit.ph_test()
    terms = tests[tests["term"] != "global"]
    overall = float(tests["p_value"].to_numpy(dtype=float)[-1])  # the global test is last
    failing = terms[terms["p_value"] < ALPHA]
    if failing.empty:
        return [
            Check(
                "proportional hazards",
                "ok",
                f"no term's {what} is seen to change over follow-up (cox.zph global "
                f"p = {format_p(overall)}). A test cannot prove the assumption: look at "
                "fit.schoenfeld() (escalation.figures.plot_schoenfeld) for trends.",
            )
        ]
    out = []
    for term, p_value in zip(failing["term"], failing["p_value"].to_numpy(float), strict=True):
        label = covariate_label(str(term))
        out.append(
            Check(
                "proportional hazards",
                "warning",
                f"the {what} of {label} seems to change over follow-up (cox.zph "
                f"p = {format_p(p_value)}): its single ratio averages over time. "
                "Stratify on it if it is categorical (strata=...), estimate it for separate "
                "periods of follow-up, or report cumulative incidences instead.",
            )
        )
    return out


def _sparse(fit: CoxResult) -> list[Check]:
    names = list(fit.coefficients.index)
    per = fit.events / max(len(names), 1)
    checks = []
    if per < EVENTS_PER_COEFFICIENT:
        checks.append(
            Check(
                "sparse events",
                "warning",
                f"{fit.events:,} events for {len(names)} coefficients ({per:.1f} per "
                f"coefficient, fewer than {EVENTS_PER_COEFFICIENT}): estimates may be biased "
                "away from 1 and intervals too narrow. Use fewer covariates, merge rare "
                "levels (min_count=...), or shrink them (penalizer=...).",
            )
        )
    data = fit._model.data
    x = data.x + data.center
    binary = [j for j in range(x.shape[1]) if np.isin(np.unique(x[:, j]), (0.0, 1.0)).all()]
    thin = []
    for j in binary:
        # events, not their case weights: a level's hazard ratio rests on how many events it
        # has (as fit.events counts them), whatever the weights' scale
        hits = int(((x[:, j] == 1.0) & data.status).sum())
        if hits < EVENTS_PER_LEVEL:
            thin.append(f"{covariate_label(names[j])} ({hits:,})")
    if thin:
        checks.append(
            Check(
                "sparse events",
                "warning",
                f"levels with fewer than {EVENTS_PER_LEVEL} events: {', '.join(thin)}; their "
                "hazard ratios are unstable. Merge them with a neighbouring level.",
            )
        )
    if not checks:
        checks.append(
            Check(
                "sparse events",
                "ok",
                f"{fit.events:,} events for {len(names)} coefficients ({per:.0f} per "
                "coefficient); every coded level has at least "
                f"{EVENTS_PER_LEVEL} events.",
            )
        )
    return checks


def cox_advice(fit: CoxResult) -> Advice:
    """Return the plain-words checks of a Cox model (see the module docstring)."""
    checks = ph_checks(fit)
    checks += _sparse(fit)
    if fit.separated:
        labels = ", ".join(covariate_label(t) for t in fit.separated)
        checks.append(
            Check(
                "separation",
                "warning",
                f"infinite estimates for {labels}: some level has no events (or only "
                "events). Merge or drop it, or use penalizer=... .",
            )
        )
    return Advice(fit.title.lower().replace("cox", "Cox"), tuple(checks))
