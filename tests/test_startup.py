"""The command line and ``import escalation`` start without the heavy dependencies.

``escalation --version`` used to take 1.6 s because every modelling library was imported
before anything was printed. What a process imports is read from ``python -X importtime``
in a subprocess (no timing is asserted here; ``benchmarks/bench_startup.py`` times it).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import escalation
from escalation.cli import COMMANDS, SUMMARIES, build_parser, main

ROOT = Path(__file__).resolve().parents[1]
#: Libraries that must load only where they are used. pandas, numpy, scipy and matplotlib
#: are listed too: pandas alone takes about 0.4 s, the whole start-up budget.
HEAVY = frozenset(
    {
        "lifelines",
        "econml",
        "dowhy",
        "plotnine",
        "sklearn",
        "sksurv",
        "statsmodels",
        "numba",
        "pandas",
        "numpy",
        "scipy",
        "matplotlib",
        "pyarrow",
        "networkx",
    }
)


def _imported(*args: str) -> set[str]:
    """Top-level names of every module a fresh ``python -X importtime ARGS`` imports."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    out = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
    )
    rows = [line for line in out.stderr.splitlines() if line.startswith("import time:")]
    return {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in rows}


@pytest.mark.parametrize("flag", ["--help", "--version"])
def test_command_line_starts_without_heavy_dependencies(flag: str) -> None:
    imported = _imported("-m", "escalation", flag)
    assert "escalation" in imported  # the list is read correctly
    assert sorted(imported & HEAVY) == []


def test_import_escalation_is_light_and_every_public_name_resolves() -> None:
    assert sorted(_imported("-c", "import escalation") & HEAVY) == []
    from escalation.timeline import build_spells

    assert escalation.build_spells is build_spells
    for name in escalation.__all__:
        assert getattr(escalation, name) is not None
        assert name in dir(escalation)
    assert escalation.survival is sys.modules["escalation.survival"]  # subpackages too
    assert "survival" in dir(escalation)
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = escalation.nothing_here  # type: ignore[attr-defined]


def test_every_sub_command_is_listed_and_loaded_only_when_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    names = [module.rsplit(".", 1)[-1] for module in COMMANDS]
    assert set(names) == set(SUMMARIES)
    full = build_parser()  # every module registered: the help text is the same
    with pytest.raises(SystemExit):
        full.parse_args(["--help"])
    listed = capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["--help"])
    assert capsys.readouterr().out == listed
    with pytest.raises(SystemExit):
        main(["predict", "--help"])  # the chosen command's own options are all there
    assert "--models" in capsys.readouterr().out
    with pytest.raises(SystemExit):
        main(["nonsense"])
    assert "invalid choice: 'nonsense'" in capsys.readouterr().err


def test_importing_econml_or_dowhy_leaves_the_prompt_showing_values_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DoWhy (imported by EconML) calls sympy's ``init_printing()`` on import, which replaced
    ``sys.displayhook``: after the first causal forest the prompt showed ``['a', 'b']`` as
    ``[a, b]`` (and a doctest of estimate_heterogeneity failed when run alone). The package
    imports them through ``import_module_quietly``, which puts the hook back."""
    from escalation._lazy import import_module_quietly

    (tmp_path / "hooking_module.py").write_text(
        "import sys\nsys.displayhook = lambda value: print(str(value))\nVALUE = 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    hook = sys.displayhook
    try:
        assert import_module_quietly("hooking_module").VALUE == 1
        assert sys.displayhook is hook
    finally:
        sys.displayhook = hook
        sys.modules.pop("hooking_module", None)
