"""Causal effects of early help on escalation.

Propensity and weights, balance, adjusted cumulative incidence (IPW, g-formula, AIPW),
clone–censor–weight for a grace period, a family-clustered bootstrap, DoWhy identification
and refutation, E-values, EconML heterogeneity and the value of treatment rules (policy
value). The top level is
:func:`estimate_effects`, whose ``tidy()`` is the ``effects.csv`` of the study design.
"""

from escalation.causal.balance import balance_table
from escalation.causal.bootstrap import cluster_bootstrap
from escalation.causal.clone import clone_censor_weight, naive_grace_comparison
from escalation.causal.contrasts import difference_curve, rmst_curves
from escalation.causal.curves import (
    AdjustedCurveResult,
    estimate_curves,
    ipcw_outcome,
    pooled_logistic_survival,
)
from escalation.causal.dowhy_graph import (
    RefutationResult,
    causal_graph,
    design_graph,
    refute_effect,
)
from escalation.causal.effects import EffectsResult, estimate_effects, ipw_mean_difference
from escalation.causal.evalues import evalue, evalue_table, hazard_ratio_to_risk_ratio
from escalation.causal.heterogeneity import (
    HeterogeneityResult,
    estimate_heterogeneity,
    subgroup_effects,
)
from escalation.causal.influence import cluster_standard_error
from escalation.causal.policy import (
    PolicyScores,
    PolicyValueResult,
    estimate_policy_values,
    policy_scores,
)
from escalation.causal.propensity import PropensityResult, fit_propensity
from escalation.causal.tableone import TableOne, table_one
from escalation.causal.weights import (
    effective_sample_size,
    positivity_check,
    treatment_weights,
    weight_summary,
)

__all__ = [
    "AdjustedCurveResult",
    "EffectsResult",
    "HeterogeneityResult",
    "PolicyScores",
    "PolicyValueResult",
    "PropensityResult",
    "RefutationResult",
    "TableOne",
    "balance_table",
    "causal_graph",
    "clone_censor_weight",
    "cluster_bootstrap",
    "cluster_standard_error",
    "design_graph",
    "difference_curve",
    "effective_sample_size",
    "estimate_curves",
    "estimate_effects",
    "estimate_heterogeneity",
    "estimate_policy_values",
    "evalue",
    "evalue_table",
    "fit_propensity",
    "hazard_ratio_to_risk_ratio",
    "ipcw_outcome",
    "ipw_mean_difference",
    "naive_grace_comparison",
    "policy_scores",
    "pooled_logistic_survival",
    "positivity_check",
    "refute_effect",
    "rmst_curves",
    "subgroup_effects",
    "table_one",
    "treatment_weights",
    "weight_summary",
]


def __getattr__(name: str) -> object:
    """Old names, kept for one release with a :class:`DeprecationWarning`."""
    if name == "CurveResult":
        from escalation._vocabulary import warn_deprecated

        warn_deprecated(
            "escalation.causal.CurveResult is renamed AdjustedCurveResult "
            "(escalation.survival.CurveResult is the Kaplan–Meier/Aalen–Johansen result)"
        )
        return AdjustedCurveResult
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
