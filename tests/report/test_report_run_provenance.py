"""A run's manifest says how its input was made: the command that remakes it and the simulation.

The committed demo brief's manifest (written by ``analyses/05_brief.py``) recorded the command
as "analyses (describe, ...) escalation 0.1.0.dev0", without the script or its options, and
nothing of the 20,000 simulated children: the input could not be made again from it. Every
writer of simulated data now records :func:`escalation.data.simulator.simulation_record`,
from which the input is simulated again here and checked against the recorded input hash.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import escalation.pipeline as pipeline
from escalation import default_design, simulate_local_authority, write_case_history
from escalation.cli import main as cli
from escalation.data.simulator import SimulationConfig
from escalation.design import DataSpec

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "analyses" / "01_describe_cohort.py"


@pytest.fixture
def common(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """``analyses/_common.py``, run as ``analyses/01_describe_cohort.py`` would run it."""
    spec = importlib.util.spec_from_file_location("_common", ROOT / "analyses" / "_common.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(sys, "argv", [str(SCRIPT)])
    return module


@pytest.fixture
def slow_stages_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    """The model stages do nothing: only the description, the brief and the manifest run."""
    for stage in ("_effects", "_survival", "_heterogeneity", "_prediction", "_policy"):
        monkeypatch.setattr(pipeline, stage, lambda *args, **kwargs: None)


def simulated_again(manifest: dict[str, Any]) -> str:
    """Simulate the input again from the manifest's record alone; return its hash."""
    record = manifest["simulation"]
    config = SimulationConfig(**record["config"])
    again = simulate_local_authority(record["children"], seed=record["seed"], config=config)
    return again.history.digest()


def footer(html: str) -> str:
    return html[html.index("<footer>") : html.index("</footer>")]


@pytest.mark.usefixtures("slow_stages_skipped")
def test_analyses_script_records_its_command_and_simulation(
    common: ModuleType, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))  # the output folder is under the user's home
    out = tmp_path / "runs" / "describe"
    argv = ["--out", str(out), "--children", "300", "--seed", "5", "--bootstrap", "0"]
    assert common.main(("describe", "brief"), "test", [*argv, "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    # The script from the repository root, then every option as run (defaults written out).
    assert manifest["command"] == (
        "analyses/01_describe_cohort.py --out ~/runs/describe --children 300 --seed 5 "
        "--bootstrap 0 --quiet"
    )
    assert str(tmp_path) not in json.dumps(manifest)  # no absolute user path anywhere
    assert manifest["seeds"] == {"study": 5, "simulation": 5}
    assert (manifest["simulation"]["children"], manifest["simulation"]["seed"]) == (300, 5)
    assert simulated_again(manifest) == manifest["input_hash"]
    # The brief's footer says what the manifest records.
    shown = footer((out / "brief.html").read_text())
    assert "simulated by escalation&#39;s simulator: 300 children, seed 5" in shown
    assert manifest["input_hash"][:12] in shown


@pytest.mark.usefixtures("slow_stages_skipped")
def test_analyses_script_on_data_read_records_no_simulation(
    common: ModuleType, tmp_path: Path
) -> None:
    write_case_history(simulate_local_authority(300, seed=5).history, tmp_path / "la")
    out = tmp_path / "out"
    argv = ["--data", str(tmp_path / "la"), "--out", str(out), "--seed", "2", "--keep-going"]
    assert common.main(("describe", "brief"), "test", [*argv, "--quiet"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["command"].startswith(
        f"analyses/01_describe_cohort.py --data {(tmp_path / 'la').resolve().as_posix()} "
    )
    assert manifest["command"].endswith(" --seed 2 --bootstrap 50 --quiet --keep-going")
    assert "simulation" not in manifest
    assert manifest["seeds"] == {"study": 2}
    assert "simulated" not in footer((out / "brief.html").read_text())


def test_analyses_command_names_repository_paths_from_its_root(common: ModuleType) -> None:
    assert common.shown_path(ROOT / "figures") == "figures"
    assert common.shown_path(Path("/nowhere/with space")) == "/nowhere/with space"
    args = common.parser("test").parse_args(["--out", "/nowhere/with space", "--overwrite"])
    assert common.command_line(SCRIPT, args) == (
        "analyses/01_describe_cohort.py --out '/nowhere/with space' --children 20000 "
        "--seed 1 --bootstrap 50 --overwrite"
    )
    # A folder an earlier version's scripts wrote is still theirs.
    from escalation.report.outputs import command_kind

    assert command_kind(common.command_line(SCRIPT, args)) == "analyses"


@pytest.mark.usefixtures("slow_stages_skipped")
def test_demo_records_the_simulation(tmp_path: Path) -> None:
    from escalation.cli.run import run_demo

    run_demo(tmp_path, children=300, seed=4, bootstrap=0, progress=False)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["command"] == "escalation demo --children 300 --seed 4 --bootstrap 0"
    assert manifest["seeds"] == {"study": 4, "simulation": 4}
    assert simulated_again(manifest) == manifest["input_hash"]
    assert "300 children, seed 4" in footer((tmp_path / "brief.html").read_text())


def test_simulate_records_the_simulation(tmp_path: Path) -> None:
    out = tmp_path / "la"
    assert cli(["simulate", "--children", "200", "--seed", "3", "--out", str(out)]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert (manifest["simulation"]["children"], manifest["simulation"]["seed"]) == (200, 3)
    assert simulated_again(manifest) == manifest["input_hash"]


@pytest.mark.usefixtures("slow_stages_skipped")
def test_run_records_no_absolute_path_of_the_users_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Was: ``escalation run /home/<user>/la/design.toml`` recorded the command and
    ``design_file`` as typed, naming the analyst's home folder (session 25's note)."""
    monkeypatch.setenv("HOME", str(tmp_path))
    home = tmp_path / "la"
    write_case_history(simulate_local_authority(300, seed=5).history, home / "data")
    design = home / "my design.toml"
    default_design().replace(data=DataSpec(path="data")).write(design)
    out = tmp_path / "runs" / "first"
    argv = ["run", str(design), "--out", str(out), "--bootstrap", "0", "--quiet"]
    assert cli([*argv, "--keep-going"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["design_file"] == "~/la/my design.toml"
    assert manifest["command"] == (
        "escalation run ~/'la/my design.toml' --out ~/runs/first --bootstrap 0 --quiet --keep-going"
    )
    assert str(tmp_path) not in json.dumps(manifest)  # no absolute user path anywhere
