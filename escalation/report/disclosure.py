"""Former home of the disclosure gate, now :mod:`escalation.disclosure`.

The gate moved beneath the models and figures (which apply it too and must not import
the report). ``from escalation.report.disclosure import disclose_table`` (and the gate's
other names) still works for one release, with a :class:`DeprecationWarning`; import them
from :mod:`escalation.disclosure` instead.
"""

from __future__ import annotations

import warnings
from typing import Any

__all__: list[str] = []


def __getattr__(name: str) -> Any:
    import escalation.disclosure as disclosure

    if name in disclosure.__all__:
        warnings.warn(
            f"escalation.report.disclosure.{name} moved to escalation.disclosure.{name}; "
            "import it from there (the old name goes in the next release)",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(disclosure, name)
    raise AttributeError(f"module 'escalation.report.disclosure' has no attribute {name!r}")
