"""Checks of an effect estimate in plain words: :func:`effects_advice`.

``EffectsResult.check_assumptions()`` looks at

- **positivity**: propensity scores near 0 or 1 (outside 0.025–0.975) and the effective
  sample sizes the weights leave in each arm;
- **balance**: covariates whose weighted standardised mean difference exceeds 0.1;
- **sparse events**: escalations per column of the outcome models (fewer than 10);
- **proportional hazards** of the outcome model (g-formula, AIPW): given the spells, the
  Cox model of escalation on treatment and the covariates is tested by ``cox.zph``
  (:func:`escalation.survival.assumptions.ph_checks`).
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from escalation._vocabulary import spells_of
from escalation.advice import Advice, Check
from escalation.design.options import OUTCOME_MODEL_ESTIMATORS
from escalation.errors import EscalationError, StatisticalWarning
from escalation.survival.assumptions import EVENTS_PER_COEFFICIENT, ph_checks
from escalation.timeline.labels import covariate_label

if TYPE_CHECKING:
    from escalation.causal.effects import EffectsResult

__all__ = ["BOUNDS", "SMD_LIMIT", "effects_advice"]

#: Propensity scores outside these bounds are near-violations of positivity.
BOUNDS = (0.025, 0.975)
#: Weighted standardised mean differences above this are imbalance.
SMD_LIMIT = 0.1


def _positivity(fit: EffectsResult) -> Check:
    scores = np.asarray(fit.propensity.scores, dtype=float)
    extreme = int(((scores < BOUNDS[0]) | (scores > BOUNDS[1])).sum())
    ess = {
        str(g): (float(e), int(n))
        for g, e, n in zip(
            fit.weights["group"],
            fit.weights["ess"].to_numpy(dtype=float),
            fit.weights["n"].to_numpy(dtype=int),
            strict=True,
        )
    }
    shares = [ess[g][0] / ess[g][1] for g in ("1", "0") if g in ess and ess[g][1]]
    worst = min(shares) if shares else 1.0
    text = (
        f"{extreme:,} of {scores.size:,} spells have propensity scores outside "
        f"{BOUNDS[0]}–{BOUNDS[1]}; the weights leave an effective sample of "
        + ", ".join(
            f"{ess[g][0]:,.0f} of {ess[g][1]:,} {name}"
            for g, name in (("1", "treated"), ("0", "untreated"))
            if g in ess
        )
    )
    if extreme > 0.05 * scores.size or worst < 0.5:
        drivers = [covariate_label(str(c)) for c in fit.positivity["covariate"].head(3)]
        driven = f" Extreme scores go with {', '.join(drivers)}." if drivers else ""
        return Check(
            "positivity",
            "warning",
            text + ": some children were (almost) certain to get, or not get, the "
            "treatment, so the comparison rests on few of them." + driven + " Restrict the "
            "cohort (e.g. by those covariates), use overlap weights (the ipw estimator "
            "with weight_estimand='overlap'), or truncate the ipw weights (truncate=...).",
        )
    return Check("positivity", "ok", text + ".")


def _balance(fit: EffectsResult) -> Check:
    """Check the weighted SMDs: above :data:`SMD_LIMIT` (``inf`` too) or not defined is a warning.

    An SMD that is not defined (NaN: no variance in an arm) says nothing of balance; it was
    left out of the check, which then said every covariate was balanced.
    """
    weighted = fit.balance[fit.balance["sample"] == "weighted"]
    if weighted.empty:
        return Check("balance", "not checked", "no weighted balance table.")
    size = weighted["smd"].abs()
    off = weighted[size > SMD_LIMIT]
    unknown = weighted[size.isna()]
    if off.empty and unknown.empty:
        return Check(
            "balance",
            "ok",
            f"after weighting every covariate's standardised mean difference is below "
            f"{SMD_LIMIT} (largest {float(size.max()):.3f}).",
        )
    found = []
    if not off.empty:
        found.append(
            f"after weighting {len(off)} covariate column(s) still differ between the arms "
            f"(standardised mean difference above {SMD_LIMIT}): {_names(off)}. The propensity "
            "model may be missing interactions or non-linear terms; IPW is then biased, AIPW "
            "less so."
        )
    if not unknown.empty:
        found.append(
            f"the standardised mean difference of {len(unknown)} covariate column(s) is not "
            f"defined (an arm with too few children to have a variance): {_names(unknown)}; "
            "their balance is unknown: compare them by arm in Table 1."
        )
    return Check("balance", "warning", " ".join(found))


def _names(rows: pd.DataFrame) -> str:
    """Return the first five covariates of balance rows, in words."""
    return ", ".join(covariate_label(str(c)) for c in rows["covariate"].head(5))


def _sparse(fit: EffectsResult) -> Check:
    columns = fit.propensity.matrix.shape[1] + 1
    per = fit.events / columns
    if per < EVENTS_PER_COEFFICIENT:
        return Check(
            "sparse events",
            "warning",
            f"{fit.events:,} escalations for {columns} outcome-model columns ({per:.1f} "
            f"per column, fewer than {EVENTS_PER_COEFFICIENT}): the g-formula and AIPW "
            "outcome models are too rich for the data. Use fewer covariates or merge "
            "rare levels (min_count=...).",
        )
    return Check(
        "sparse events",
        "ok",
        f"{fit.events:,} escalations for {columns} outcome-model columns ({per:.0f} per column).",
    )


def _hazards(fit: EffectsResult, frame: pd.DataFrame | None) -> list[Check]:
    if not set(OUTCOME_MODEL_ESTIMATORS) & set(fit.settings["estimators"]):
        return []
    if frame is None:
        return [
            Check(
                "proportional hazards",
                "not checked",
                "the g-formula and AIPW outcome models assume proportional hazards; pass "
                "the spells (check_assumptions(data)) to test them.",
            )
        ]
    from escalation.survival.cox import fit_cox

    coding = fit.propensity.coding
    # the estimate's own columns and min_count: the model tested is the one it fitted
    used = fit.settings
    duration, event = used.get("duration", "duration"), used.get("event", "event")
    treatment = used.get("treatment", "treatment")
    formula = getattr(coding, "formula", None)  # confounders given as a formula
    covariates: list[str] | str = (
        f"Surv({duration}, {event}) ~ {treatment} + {formula}"
        if isinstance(formula, str)
        else [treatment, *coding.columns]
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StatisticalWarning)
            model = fit_cox(
                frame,
                covariates,
                duration=duration,
                event=event,
                cluster=None,
                min_count=used.get("min_count", 20),
            )
    except EscalationError as error:
        return [Check("proportional hazards", "not checked", f"the outcome model failed: {error}")]
    return ph_checks(model, what="hazard ratio in the outcome model")


def effects_advice(fit: EffectsResult, data: Any = None) -> Advice:
    """Return the plain-words checks of an effect estimate (see the module docstring).

    ``data`` (the spells, a SpellData or a data frame) is taken as at every entry point
    (:func:`~escalation._vocabulary.spells_of`): anything else is refused, not reported
    as a check that failed.
    """
    frame = None if data is None else spells_of(data, function="EffectsResult.check_assumptions")
    checks = [_positivity(fit), _balance(fit), _sparse(fit), *_hazards(fit, frame)]
    return Advice("effect estimate", tuple(checks))
