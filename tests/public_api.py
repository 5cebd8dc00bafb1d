"""The public API as the tests walk it: every public package's ``__all__``.

Shared by the tests that check the whole API (``test_api_vocabulary.py``,
``test_api_consistency.py``), so that a new public package is walked by all of them.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from typing import Any

import escalation

#: Subpackages that are not public API, and why.
INTERNAL = {
    "escalation.cli": "the command line; its interface is the commands, not Python names",
    "escalation.core": "the numerical kernels beneath the public estimators (internal)",
}


def _public_modules() -> tuple[str, ...]:
    """``escalation``, its public attribute modules and every public subpackage, walked."""
    found = {"escalation", *(f"escalation.{name}" for name in escalation._SUBMODULES)}
    for info in pkgutil.walk_packages(escalation.__path__, "escalation."):
        private = any(part.startswith("_") for part in info.name.split("."))
        if info.ispkg and not private and info.name not in INTERNAL:
            found.add(info.name)
    return tuple(sorted(found))


PACKAGES = _public_modules()


def public_names() -> Iterator[tuple[str, str, Any]]:
    """Yield ``(package, name, object)`` for every name of every public ``__all__``."""
    for package in PACKAGES:
        module = importlib.import_module(package)
        for name in module.__all__:
            yield package, name, getattr(module, name)
