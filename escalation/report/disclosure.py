"""Former home of the disclosure gate, now :mod:`escalation.disclosure`.

The gate moved beneath the models and figures (which apply it too and must not import
the report). ``from escalation.report.disclosure import disclose_table`` (and the gate's
other names) still works for one release, with a :class:`DeprecationWarning`; import them
from :mod:`escalation.disclosure` instead.
"""

from __future__ import annotations

from escalation import disclosure
from escalation._vocabulary import moved_names

__all__: list[str] = []

__getattr__ = moved_names(__name__, "escalation.disclosure", disclosure.__all__)
