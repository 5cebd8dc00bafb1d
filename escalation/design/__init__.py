"""The study design: a frozen, validated description of an analysis, read from TOML."""

from escalation.design.options import (
    AuthorityHandling,
    BuiltinCovariate,
    DerivedEndKind,
    EpisodeKind,
    EstimatorName,
    RiskModelName,
    SpellRule,
    TimeZeroAt,
)
from escalation.design.study import (
    AnalysisSpec,
    CovariateSpec,
    DataSpec,
    DisclosureSpec,
    EstimationSpec,
    OutcomeSpec,
    PredictionSpec,
    StudyDesign,
    TimeZeroSpec,
    TreatmentSpec,
    default_design,
    read_design,
)

__all__ = [
    "AnalysisSpec",
    "AuthorityHandling",
    "BuiltinCovariate",
    "CovariateSpec",
    "DataSpec",
    "DerivedEndKind",
    "DisclosureSpec",
    "EpisodeKind",
    "EstimationSpec",
    "EstimatorName",
    "OutcomeSpec",
    "PredictionSpec",
    "RiskModelName",
    "SpellRule",
    "StudyDesign",
    "TimeZeroAt",
    "TimeZeroSpec",
    "TreatmentSpec",
    "default_design",
    "read_design",
]
