"""A module's private names stay in it: a helper shared by modules has a package-wide name.

Was: about fifteen ``_private`` helpers were imported from one module into another (the
AFT model took ``_check_variation``, ``_frame_of`` and ``_require`` from the Cox model's
module; Gray's test ``_arrays`` and ``_levels`` from the curves'; the validation the
fairness module's ``_check_groups``), so a change to one module's private helper broke
another without a sign in its signature. Shared helpers now live in small modules of their
own (``survival/_checks.py``, ``survival/_curve_data.py``, ``predict/_inputs.py``,
``causal/_estimable.py``) or carry a name without the underscore.
"""

from __future__ import annotations

import ast
from pathlib import Path

import escalation

PACKAGE = Path(escalation.__file__).parent


def _private_imports(path: Path) -> list[str]:
    """Return ``module.name`` of each private name ``path`` imports from another module.

    A private module (``escalation.core._riskset_numpy``) imported by a module of its own
    package is its package's business, and allowed.
    """
    here = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = here.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.ImportFrom) or not node.module or node.level:
            continue
        if not node.module.startswith("escalation"):
            continue
        for alias in node.names:
            name = alias.name
            if not name.startswith("_") or name.startswith("__"):
                continue
            as_module = PACKAGE.parent.joinpath(*node.module.split("."), f"{name}.py")
            if as_module.is_file() and node.module == package:
                continue
            found.append(f"{node.module}.{name}")
    return found


def test_no_module_imports_another_modules_private_names() -> None:
    found = {
        str(path.relative_to(PACKAGE)): names
        for path in sorted(PACKAGE.rglob("*.py"))
        if (names := _private_imports(path))
    }
    assert found == {}
