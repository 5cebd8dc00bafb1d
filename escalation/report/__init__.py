"""Reporting: output folders, statistical disclosure control, provenance and the policy brief.

- :mod:`escalation.report.outputs`: output folders with an owner, one writer at a time,
  written all at once (:class:`OutputFolder`).
- :mod:`escalation.report.disclosure`: the one disclosure gate every shared table, figure,
  brief and model card passes through, under one :class:`DisclosureRules`.
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
from escalation.report.disclosure import (
    DEFAULT_RULES,
    DisclosureRules,
    count_labels,
    disclose_balance,
    disclose_count,
    disclose_curves,
    disclose_decision_curve,
    disclose_effects,
    disclose_metric_counts,
    disclose_model,
    disclose_model_card,
    disclose_operating_metrics,
    disclose_positivity,
    disclose_table,
    disclose_weights,
    disclosed_share,
    format_count,
    microaggregate,
    spell_records,
)
from escalation.report.manifest import build_manifest, write_manifest
from escalation.report.outputs import FolderState, OutputFolder, OutputFolderError, inspect_folder

__all__ = [
    "DECISION_SUPPORT_CAVEAT",
    "DEFAULT_RULES",
    "Brief",
    "BriefFigure",
    "Caveat",
    "CaveatLog",
    "DisclosureRules",
    "Failure",
    "FolderState",
    "KeyNumber",
    "OutputFolder",
    "OutputFolderError",
    "build_manifest",
    "caveat_from_warning",
    "count_labels",
    "describe_difference",
    "describe_risk",
    "disclose_balance",
    "disclose_count",
    "disclose_curves",
    "disclose_decision_curve",
    "disclose_effects",
    "disclose_metric_counts",
    "disclose_model",
    "disclose_model_card",
    "disclose_operating_metrics",
    "disclose_positivity",
    "disclose_table",
    "disclose_weights",
    "disclosed_share",
    "format_count",
    "inspect_folder",
    "microaggregate",
    "render_brief",
    "spell_records",
    "write_brief",
    "write_manifest",
]
