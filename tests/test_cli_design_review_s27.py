"""Study commands re-run into their own folder, and ``run --registration``."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from escalation import pipeline
from escalation.cli import main
from escalation.cli import policy as policy_cli
from escalation.data.io import write_case_history
from escalation.data.simulator import simulate_local_authority
from escalation.design import default_design

pytestmark = pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic case history (the spells are built from it for real)."""
    folder = tmp_path_factory.mktemp("history") / "data"
    write_case_history(simulate_local_authority(300, seed=5).history, folder)
    return folder


def _design(tmp_path: Path, data: Path) -> Path:
    design = tmp_path / "study.toml"
    text = default_design().to_toml().split("\n\n", 1)[1]  # without its [data] section
    design.write_text(f'[data]\npath = "{data.as_posix()}"\n\n{text}', encoding="utf-8")
    return design


def _sha(out: Path) -> str:
    return str(json.loads((out / "manifest.json").read_text())["design"]["sha256"])


#: Each command with options that keep it quick (no bootstrap, refuters, forests).
QUICK = {
    "build": [],
    "estimate": ["--bootstrap", "0", "--refutations", "0", "--trees", "0", "--no-progress"],
    "predict": ["--bootstrap", "0", "--models", "cox"],
    "policy": ["--trees", "10"],
}


def _no_policy_study(*args: Any, **kwargs: Any) -> Any:
    empty = pd.DataFrame()
    return SimpleNamespace(
        settings={"seed": 1}, provenance=dict, figure_data=lambda: empty, criteria=empty
    )


@pytest.mark.parametrize("command", sorted(QUICK))
def test_a_study_command_rerun_with_another_design_says_it_replaced_the_outputs(
    command: str,
    tmp_path: Path,
    data_folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Only ``run`` said so: ``build``, ``estimate``, ``predict`` and ``policy`` replaced
    an earlier design's results in their folder without a word. Now each says it by the
    same rule (``note_design_replaced``); a re-run of the same design says nothing."""
    if command == "policy":  # the policy study itself is not under test (and slow)
        monkeypatch.setattr(policy_cli, "evaluate_policies", _no_policy_study)
        monkeypatch.setattr(policy_cli, "_write", lambda *args: None)
    design, out = _design(tmp_path, data_folder), tmp_path / "out"
    argv = [command, str(design), "--out", str(out), *QUICK[command]]
    assert main(argv) == 0
    first = _sha(out)
    assert main(argv) == 0
    assert "another design" not in capsys.readouterr().err
    design.write_text(design.read_text().replace("grace_days = 14", "grace_days = 30"))
    assert main(argv) == 0
    second = _sha(out)
    assert first != second
    assert (
        f"escalation {command}: note: {out} held the outputs of a run of another design "
        f"(design SHA-256 {first[:12]}, now {second[:12]}); they were replaced"
    ) in capsys.readouterr().err


def test_run_reads_a_registration_written_elsewhere(
    tmp_path: Path,
    data_folder: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``register --out FILE`` may put the registration anywhere, but ``run`` had no
    ``--registration`` (``policy`` has): its manifest said "not_registered". Now the
    option reads it, as ``policy``'s does."""
    for stage in ("_effects", "_survival", "_heterogeneity", "_prediction", "_policy"):
        monkeypatch.setattr(pipeline, stage, lambda *args, **kwargs: None)
    design = _design(tmp_path, data_folder)
    registration = tmp_path / "elsewhere" / "plan.registration.json"
    registration.parent.mkdir()
    assert main(["register", str(design), "--out", str(registration)]) == 0
    out = tmp_path / "out"
    argv = ["run", str(design), "--out", str(out), "--quiet", "--registration", str(registration)]
    assert main(argv) == 0
    recorded: dict[str, Any] = json.loads((out / "manifest.json").read_text())["registration"]
    assert recorded["status"] == "registered"
    assert recorded["registered_sha256"] == recorded["design_sha256"]
    capsys.readouterr()


def test_init_force_that_fails_half_way_leaves_the_existing_design(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``init --force`` emptied the design file before writing; a write that failed
    (here text UTF-8 cannot encode) left an empty design. It is now written whole, by the
    rule of ``StudyDesign.write``."""
    from escalation.cli import init as init_cli

    assert main(["init", str(tmp_path)]) == 0
    target = tmp_path / "design.toml"
    before = target.read_text(encoding="utf-8")
    written = init_cli.design_text
    monkeypatch.setattr(init_cli, "design_text", lambda *args: written(*args) + "# \ud800\n")
    capsys.readouterr()
    assert main(["init", str(tmp_path), "--force"]) != 0
    # The message says "nothing was written": now true of the design file too.
    assert "UnicodeEncodeError" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["design.toml"]
