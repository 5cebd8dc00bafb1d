"""Survival models of escalation: curves, Cox, AFT, competing risks and multi-state."""

from escalation.survival._cif import cumulative_incidence_at
from escalation.survival.aft import AFTResult, fit_aft
from escalation.survival.cause_specific import CauseSpecificResult, fit_cause_specific
from escalation.survival.cox import CoxResult, fit_cox
from escalation.survival.finegray import FineGrayResult, finegray_expand, fit_fine_gray
from escalation.survival.gray import GrayTestResult, gray_test
from escalation.survival.multistate import (
    PATHWAY_STATES,
    StateOccupationResult,
    TransitionProbabilityResult,
    pathway_transitions,
    state_occupation,
    transition_probabilities,
)
from escalation.survival.nonparametric import (
    CurveResult,
    LogRankResult,
    RMSTResult,
    aalen_johansen,
    kaplan_meier,
    logrank_test,
    nelson_aalen,
    rmst,
)

__all__ = [
    "PATHWAY_STATES",
    "AFTResult",
    "CauseSpecificResult",
    "CoxResult",
    "CurveResult",
    "FineGrayResult",
    "GrayTestResult",
    "LogRankResult",
    "RMSTResult",
    "StateOccupationResult",
    "TransitionProbabilityResult",
    "aalen_johansen",
    "cumulative_incidence_at",
    "finegray_expand",
    "fit_aft",
    "fit_cause_specific",
    "fit_cox",
    "fit_fine_gray",
    "gray_test",
    "kaplan_meier",
    "logrank_test",
    "nelson_aalen",
    "pathway_transitions",
    "rmst",
    "state_occupation",
    "transition_probabilities",
]
