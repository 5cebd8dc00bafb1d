"""Reporting: output folders, statistical disclosure control, provenance and the policy brief.

- :mod:`escalation.report.outputs`: output folders with an owner, one writer at a time,
  written all at once (:class:`OutputFolder`).
- The one disclosure gate every shared table, figure, brief and model card passes
  through is :mod:`escalation.disclosure` (beneath the models and figures, which use it
  too); the report applies it to everything it writes.
- :mod:`escalation.report.caveats`: warnings of a run tied to the design key to change.
- :mod:`escalation.report.manifest`: ``manifest.json``, how every output was made.
- :mod:`escalation.report.brief`: the self-contained HTML policy brief.
"""

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


def __getattr__(name: str) -> object:
    """Forward the disclosure gate's names, which moved to :mod:`escalation.disclosure`.

    Deprecated for one release: ``escalation.report.disclose_table`` and the like warn and
    return the object from its new home.
    """
    import warnings

    import escalation.disclosure as disclosure

    if name in disclosure.__all__:
        warnings.warn(
            f"escalation.report.{name} moved to escalation.disclosure.{name}; "
            "import it from there (the old name goes in the next release)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(disclosure, name)
    raise AttributeError(f"module 'escalation.report' has no attribute {name!r}")


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
