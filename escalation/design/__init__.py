"""The study design: a frozen, validated description of an analysis, read from TOML."""

from escalation.design.options import (
    AuthorityHandling,
    BuiltinCovariate,
    DerivedEndKind,
    EpisodeKind,
    EstimatorName,
    SpellRule,
    TimeZeroAt,
)
from escalation.design.study import (
    AnalysisSpec,
    ComputeSpec,
    CovariateSpec,
    DataSpec,
    EstimationSpec,
    OutcomeSpec,
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
    "ComputeSpec",
    "CovariateSpec",
    "DataSpec",
    "DerivedEndKind",
    "EpisodeKind",
    "EstimationSpec",
    "EstimatorName",
    "OutcomeSpec",
    "SpellRule",
    "StudyDesign",
    "TimeZeroAt",
    "TimeZeroSpec",
    "TreatmentSpec",
    "default_design",
    "read_design",
]
