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
"""

from escalation import disclosure as _disclosure
from escalation._vocabulary import moved_names
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
from escalation.report.outputs import FolderState, OutputFolder, OutputFolderError, inspect_folder

#: The disclosure gate's names, which moved to :mod:`escalation.disclosure`, still resolve
#: here for one release, with a deprecation warning.
__getattr__ = moved_names(__name__, "escalation.disclosure", _disclosure.__all__)


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
