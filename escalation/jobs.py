"""Deprecated: the contents of this module moved to :mod:`escalation.compute`.

``from escalation.jobs import resolve_jobs`` (and ``run_tasks``, ``run_batched``,
``available_cores``, ``show_progress``) still works for one release, with a
:class:`DeprecationWarning`; import them from :mod:`escalation.compute` instead.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__: list[str] = []

_MOVED = ("available_cores", "resolve_jobs", "run_batched", "run_tasks", "show_progress")


def __getattr__(name: str) -> Any:
    if name in _MOVED:
        warnings.warn(
            f"escalation.jobs.{name} moved to escalation.compute.{name}; "
            "escalation.jobs will be removed in the next release",
            DeprecationWarning,
            stacklevel=2,
        )
        from escalation import compute

        return getattr(compute, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
