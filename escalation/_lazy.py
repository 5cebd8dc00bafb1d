"""Lazy attributes of a package (PEP 562): a name's module is imported on first access.

``import escalation`` must not import pandas, lifelines, EconML or plotnine: the command
line starts in a fraction of a second, and a user pays only for what they use.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterable, Mapping
from types import ModuleType
from typing import Any

__all__ = ["import_module_quietly", "lazy_attributes"]


def lazy_attributes(
    package: str, exports: Mapping[str, str], submodules: Iterable[str] = ()
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Return ``__getattr__`` and ``__dir__`` for ``package``.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : mapping
        Public name -> module that defines it. On first access the module is imported,
        and the value is stored in the package so later look-ups are plain attributes.
    submodules : iterable of str
        Subpackages and modules reachable as attributes (``package.survival``), imported
        on first access.

    Examples
    --------
    >>> getattr_, dir_ = lazy_attributes("escalation", {"default_design": "escalation.design"})
    >>> getattr_("default_design").__name__
    'default_design'
    >>> "default_design" in dir_()
    True
    """
    modules = frozenset(submodules)

    def attribute(name: str) -> Any:
        if name in modules:
            return importlib.import_module(f"{package}.{name}")
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def names() -> list[str]:
        return sorted({*vars(sys.modules[package]), *exports, *modules})

    return attribute, names


def import_module_quietly(name: str) -> ModuleType:
    """Import the module ``name``, undoing any change it makes to how results are shown.

    DoWhy (imported by EconML) calls ``sympy.init_printing()`` when it is imported, which
    replaces ``sys.displayhook``: after a causal forest was first fitted, the Python prompt
    showed ``['a', 'b']`` as ``[a, b]``. The package imports EconML and DoWhy through this.

    Examples
    --------
    >>> import_module_quietly("math").sqrt(4.0)
    2.0
    """
    hook = sys.displayhook
    try:
        return importlib.import_module(name)
    finally:
        sys.displayhook = hook
