"""The case-history data contract: container, code lists, reading, writing and validation."""

from escalation.data.history import CaseHistory, ExclusionReport
from escalation.data.io import read_case_history, write_case_history
from escalation.data.validate import validate_case_history

__all__ = [
    "CaseHistory",
    "ExclusionReport",
    "read_case_history",
    "validate_case_history",
    "write_case_history",
]
