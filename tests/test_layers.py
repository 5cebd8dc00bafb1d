"""Lower layers never import higher ones (docs/developing.md, "Layout and data flow").

Was: ``escalation.figures.heterogeneity`` and ``escalation.policy`` imported the disclosure
gate from ``escalation.report``, and ``escalation.report`` repeated the gate's list of
names. The gate now lives beneath them, in ``escalation.disclosure``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import escalation.disclosure
import escalation.report

PACKAGE = Path(escalation.__file__).parent
#: Packages below the report (models, figures and what they stand on) and what they may
#: not import.
BELOW_REPORT = (
    "core",
    "data",
    "design",
    "timeline",
    "survival",
    "causal",
    "predict",
    "policy",
    "figures",
    "disclosure",
)


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


@pytest.mark.parametrize("layer", BELOW_REPORT)
def test_layers_below_the_report_never_import_it(layer: str) -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(
            m
            for m in _imports(path)
            if m == "escalation.report" or m.startswith("escalation.report.")
        )
        for path in sorted((PACKAGE / layer).rglob("*.py"))
    }
    assert not {k: v for k, v in offenders.items() if v}


def test_the_report_does_not_repeat_the_gates_names() -> None:
    assert not set(escalation.report.__all__) & set(escalation.disclosure.__all__)


def test_the_former_homes_of_the_gate_warn_and_give_the_gate_itself() -> None:
    import escalation.report.disclosure as old

    for name in escalation.disclosure.__all__:
        with pytest.deprecated_call(match=f"escalation.disclosure.{name}"):
            assert getattr(old, name) is getattr(escalation.disclosure, name)
        with pytest.deprecated_call(match=f"escalation.disclosure.{name}"):
            assert getattr(escalation.report, name) is getattr(escalation.disclosure, name)
    with pytest.raises(AttributeError, match="no_such_name"):
        escalation.report.no_such_name  # noqa: B018
