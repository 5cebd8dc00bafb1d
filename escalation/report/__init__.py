"""Reporting: output folders, statistical disclosure control, provenance and the policy brief.

- :mod:`escalation.report.outputs`: output folders with an owner, one writer at a time,
  written all at once (:class:`OutputFolder`).
- The one disclosure gate every shared table, figure, brief and model card passes
  through is :mod:`escalation.disclosure` (beneath the models and figures, which use it
  too); the report applies it to everything it writes.
- :mod:`escalation.report.caveats`: warnings of a run tied to the design key to change.
- :mod:`escalation.report.manifest`: ``manifest.json``, how every output was made.
- :mod:`escalation.report.brief`: the self-contained HTML policy brief.
- :mod:`escalation.report.alt_text`: the brief figures' alternative text, each stating
  what the figure plots and its finding from the disclosed tables.
- :mod:`escalation.report.risk_tool`: the brief's paragraph on the risk tool, its
  calibration and case-note verdicts read from the validation's intervals.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from escalation._lazy import lazy_attributes
from escalation._vocabulary import moved_names

#: Public name -> the module that defines it, imported on first access (PEP 562). Importing
#: every module here loaded the brief's plotting and modelling stack (plotnine, matplotlib,
#: SciPy, the causal estimators: about 1.4 s of CPU) into every command that only writes
#: an output folder, such as ``escalation simulate``, ``convert`` or ``build``.
_EXPORTS = {
    "DECISION_SUPPORT_CAVEAT": "escalation.report.brief",
    "Brief": "escalation.report.brief",
    "BriefFigure": "escalation.report.brief",
    "KeyNumber": "escalation.report.brief",
    "describe_difference": "escalation.report.brief",
    "describe_risk": "escalation.report.brief",
    "render_brief": "escalation.report.brief",
    "write_brief": "escalation.report.brief",
    "Caveat": "escalation.report.caveats",
    "CaveatLog": "escalation.report.caveats",
    "Failure": "escalation.report.caveats",
    "caveat_from_warning": "escalation.report.caveats",
    "build_manifest": "escalation.report.manifest",
    "write_manifest": "escalation.report.manifest",
    "FolderState": "escalation.report.outputs",
    "OutputFolder": "escalation.report.outputs",
    "OutputFolderError": "escalation.report.outputs",
    "inspect_folder": "escalation.report.outputs",
}
#: Its modules, reachable as attributes (``escalation.report.brief``) as when they were all
#: imported with the package.
_SUBMODULES = (
    "alt_text", "brief", "caveats", "disclosure", "manifest", "outputs", "policy_section",
    "risk_tool", "table_one", "wording", "workbook",
)  # fmt: skip
_exported, __dir__ = lazy_attributes(__name__, _EXPORTS, _SUBMODULES)


def __getattr__(name: str) -> Any:
    """Return a public name, imported on first access, or a disclosure name that moved."""
    if name in _EXPORTS or name in _SUBMODULES:
        return _exported(name)
    # The disclosure gate's names, which moved to :mod:`escalation.disclosure`, still
    # resolve here for one release, with a deprecation warning.
    from escalation import disclosure

    return moved_names(__name__, "escalation.disclosure", disclosure.__all__)(name)


if TYPE_CHECKING:  # what type checkers and the API docs see
    from escalation.report.brief import (
        DECISION_SUPPORT_CAVEAT,
        Brief,
        BriefFigure,
        KeyNumber,
        describe_difference,
        describe_risk,
        render_brief,
        write_brief,
    )
    from escalation.report.caveats import Caveat, CaveatLog, Failure, caveat_from_warning
    from escalation.report.manifest import build_manifest, write_manifest
    from escalation.report.outputs import (
        FolderState,
        OutputFolder,
        OutputFolderError,
        inspect_folder,
    )

__all__ = [
    "DECISION_SUPPORT_CAVEAT",
    "Brief",
    "BriefFigure",
    "Caveat",
    "CaveatLog",
    "Failure",
    "FolderState",
    "KeyNumber",
    "OutputFolder",
    "OutputFolderError",
    "build_manifest",
    "caveat_from_warning",
    "describe_difference",
    "describe_risk",
    "inspect_folder",
    "render_brief",
    "write_brief",
    "write_manifest",
]
