"""escalation: causal and survival analysis of children's social care case histories.

The tools assist social workers' decisions; they never make them.

The public names below are imported on first use (PEP 562), so ``import escalation``
and the command line start without loading pandas or the modelling libraries.
"""

from __future__ import annotations

from importlib import metadata
from typing import TYPE_CHECKING

from escalation._lazy import lazy_attributes
from escalation.errors import (
    ConvergenceError,
    DataValidationError,
    DesignError,
    EscalationError,
    Problem,
    StageError,
    StatisticalWarning,
)

try:
    __version__ = metadata.version("escalation")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

#: Public name -> the module that defines it (imported on first access).
_EXPORTS = {
    "CaseHistory": "escalation.data",
    "ExclusionReport": "escalation.data",
    "read_case_history": "escalation.data",
    "validate_case_history": "escalation.data",
    "write_case_history": "escalation.data",
    "GroundTruth": "escalation.data.simulator",
    "SimulatedLocalAuthority": "escalation.data.simulator",
    "SimulationConfig": "escalation.data.simulator",
    "simulate_local_authority": "escalation.data.simulator",
    "SourceProblem": "escalation.data.statutory",
    "read_annex_a": "escalation.data.statutory",
    "read_cin_census": "escalation.data.statutory",
    "read_ssda903": "escalation.data.statutory",
    "source_report": "escalation.data.statutory",
    "write_annex_a": "escalation.data.statutory",
    "write_cin_census": "escalation.data.statutory",
    "write_ssda903": "escalation.data.statutory",
    "StudyDesign": "escalation.design",
    "default_design": "escalation.design",
    "read_design": "escalation.design",
    "SpellData": "escalation.timeline",
    "build_spells": "escalation.timeline",
    "landmark": "escalation.timeline",
}
#: Subpackages reachable as attributes (``escalation.survival``), imported on first access.
_SUBMODULES = (
    "causal",
    "clusters",
    "compute",
    "data",
    "design",
    "figures",
    "formula",
    "pipeline",
    "predict",
    "report",
    "results",
    "simstudy",
    "survival",
    "timeline",
)
__getattr__, __dir__ = lazy_attributes(__name__, _EXPORTS, _SUBMODULES)

if TYPE_CHECKING:  # what type checkers and the API docs see
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
        read_annex_a,
        read_cin_census,
        read_ssda903,
        source_report,
        write_annex_a,
        write_cin_census,
        write_ssda903,
    )
    from escalation.design import StudyDesign, default_design, read_design
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
    "StageError",
    "StatisticalWarning",
    "StudyDesign",
    "__version__",
    "build_spells",
    "default_design",
    "landmark",
    "read_annex_a",
    "read_case_history",
    "read_cin_census",
    "read_design",
    "read_ssda903",
    "simulate_local_authority",
    "source_report",
    "validate_case_history",
    "write_annex_a",
    "write_case_history",
    "write_cin_census",
    "write_ssda903",
]
