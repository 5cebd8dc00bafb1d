"""escalation: causal and survival analysis of children's social care case histories.

The tools assist social workers' decisions; they never make them.
"""

from __future__ import annotations

from importlib import metadata

try:
    __version__ = metadata.version("escalation")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from escalation.data import (
    CaseHistory,
    ExclusionReport,
    read_case_history,
    validate_case_history,
    write_case_history,
)
from escalation.data.simulator import (
    GroundTruth,
    SimulatedLocalAuthority,
    SimulationConfig,
    simulate_local_authority,
)
from escalation.data.statutory import (
    SourceProblem,
    read_cin_census,
    read_ssda903,
    source_report,
    write_cin_census,
)
from escalation.design import StudyDesign, default_design, read_design
from escalation.errors import (
    ConvergenceError,
    DataValidationError,
    DesignError,
    EscalationError,
    Problem,
    StatisticalWarning,
)
from escalation.timeline import SpellData, build_spells, landmark

__all__ = [
    "CaseHistory",
    "ConvergenceError",
    "DataValidationError",
    "DesignError",
    "EscalationError",
    "ExclusionReport",
    "GroundTruth",
    "Problem",
    "SimulatedLocalAuthority",
    "SimulationConfig",
    "SourceProblem",
    "SpellData",
    "StatisticalWarning",
    "StudyDesign",
    "__version__",
    "build_spells",
    "default_design",
    "landmark",
    "read_case_history",
    "read_cin_census",
    "read_design",
    "read_ssda903",
    "simulate_local_authority",
    "source_report",
    "validate_case_history",
    "write_case_history",
    "write_cin_census",
]
