"""Deprecated: the contents of this module moved to :mod:`escalation.compute`.

``from escalation.jobs import resolve_jobs`` (and ``run_tasks``, ``run_batched``,
``available_cores``, ``show_progress``) still works for one release, with a
:class:`DeprecationWarning`; import them from :mod:`escalation.compute` instead.
"""

from __future__ import annotations

from escalation._vocabulary import moved_names

__all__: list[str] = []

__getattr__ = moved_names(
    __name__,
    "escalation.compute",
    ("available_cores", "resolve_jobs", "run_batched", "run_tasks", "show_progress"),
)
