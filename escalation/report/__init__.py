"""Reporting: statistical disclosure control, provenance manifests and the policy brief."""

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
from escalation.report.disclosure import (
    disclose_count,
    disclose_metric_counts,
    disclose_table,
    disclosed_share,
    format_count,
)
from escalation.report.manifest import build_manifest, write_manifest

__all__ = [
    "DECISION_SUPPORT_CAVEAT",
    "Brief",
    "BriefFigure",
    "KeyNumber",
    "build_manifest",
    "describe_difference",
    "describe_risk",
    "disclose_count",
    "disclose_metric_counts",
    "disclose_table",
    "disclosed_share",
    "format_count",
    "render_brief",
    "write_brief",
    "write_manifest",
]
