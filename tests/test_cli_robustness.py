"""What a command-line user meets when something unexpected happens, or the output is piped.

An error that is not one of escalation's own is one message naming its type and the place
in escalation's code (never its text, which may quote the data), exit status 70, nothing
written; ``--debug`` shows the traceback. ``escalation ... | head`` stops quietly with
128 + SIGPIPE, as a program stopped by SIGPIPE.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import escalation.cli.estimate as estimate_cli
from escalation import simulate_local_authority, write_case_history
from escalation.cli import EXIT_BROKEN_PIPE, EXIT_INTERNAL, main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("study")
    write_case_history(simulate_local_authority(300, seed=4).history, folder / "la")
    assert main(["init", str(folder / "study"), "--data", str(folder / "la")]) == 0
    return folder / "study" / "design.toml"


def _fails(*args: object, **kwargs: object) -> None:
    raise ValueError("could not convert string to float: 'C0000123'")


def test_an_unexpected_error_is_one_message_without_the_data(
    study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(estimate_cli, "estimate_effects", _fails)
    out = tmp_path / "effects"
    capsys.readouterr()
    assert main(["estimate", str(study), "--out", str(out)]) == EXIT_INTERNAL == 70
    err = capsys.readouterr().err
    assert err.startswith("escalation estimate: unexpected error: ValueError in ")
    assert "escalation/cli/estimate.py:" in err and "(run)" in err  # where, in our code
    assert "--debug" in err and "Traceback" not in err
    assert "C0000123" not in err  # the exception's text may quote the data: never shown
    assert not out.exists()  # nothing written


def test_debug_shows_the_traceback(
    study: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(estimate_cli, "estimate_effects", _fails)
    with pytest.raises(ValueError, match="could not convert"):
        main(["estimate", str(study), "--out", str(tmp_path / "a"), "--debug"])
    monkeypatch.setenv("ESCALATION_DEBUG", "1")
    with pytest.raises(ValueError, match="could not convert"):
        main(["estimate", str(study), "--out", str(tmp_path / "b")])


def test_piping_into_head_stops_quietly(study: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    folder = study.parents[1] / "la"
    child = subprocess.Popen(
        [sys.executable, "-m", "escalation", "validate", str(folder)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert child.stdout is not None and child.stderr is not None
    child.stdout.close()  # the reader has gone before the report is written, as head does
    err = child.stderr.read().decode()
    child.stderr.close()
    assert child.wait(timeout=120) == EXIT_BROKEN_PIPE == 141
    assert err == ""  # no "Broken pipe", no "Exception ignored"


STUDY_COMMANDS = ("build", "estimate", "predict", "policy", "run", "share")


@pytest.mark.parametrize("command", STUDY_COMMANDS)
def test_study_commands_read_the_design_and_data_one_way(
    command: str, study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from escalation.cli import build_parser

    no_path = tmp_path / "design.toml"
    text = study.read_text()
    no_path.write_text("\n".join(line for line in text.splitlines() if not line.startswith("path")))
    out = ["--out", str(tmp_path / "out")]
    capsys.readouterr()
    assert main([command, str(no_path), *out]) == 2
    err = capsys.readouterr().err
    assert "design.toml: [data] path is not set; add it or pass --data DIR" in err
    # --data and --extract-date mean the same in every study command
    args = build_parser([command]).parse_args(
        [command, str(study), *out, "--data", "la/", "--extract-date", "2024-03-31"]
    )
    assert (args.design, args.data, args.extract_date) == (str(study), "la/", "2024-03-31")


def _demo_folder(out: Path) -> None:
    """A folder as ``escalation demo`` leaves it (its study files, data and truth)."""
    from escalation.report.outputs import OutputFolder

    with OutputFolder(out, command="escalation demo --out demo") as folder:
        for name in ("design.toml", "brief.html", "truth.json", "data/children.csv"):
            (folder.staging / name).parent.mkdir(parents=True, exist_ok=True)
            (folder.staging / name).write_text("x", encoding="utf-8")
        folder.commit(command=folder.command)


@pytest.mark.parametrize("command", ["run", "predict", "policy"])
def test_a_demo_folder_is_refused_with_a_remedy_that_works(
    command: str, study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``escalation run`` into a demo's folder suggested --overwrite, which then failed: the
    run writes design.toml (and brief.html), which the demo wrote and no run replaces."""
    out = tmp_path / "demo"
    _demo_folder(out)
    capsys.readouterr()
    for overwrite in ([], ["--overwrite"]):
        assert main([command, str(study), "--out", str(out), *overwrite]) == 2
        err = capsys.readouterr().err
        assert "was written by `escalation demo`" in err, err
        assert "design.toml, which that run wrote and this one never replaces" in err, err
        assert "pass --overwrite" not in err, err
        assert "Choose another output folder." in err, err
