"""Output folders: ownership, no stale files, one writer at a time, atomic, interruptible.

Each case of issue 13 is checked through the command line (``escalation.cli.main``) as a
user meets it, or through :class:`~escalation.report.outputs.OutputFolder` directly.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import escalation
from escalation import default_design
from escalation.cli import main
from escalation.pipeline import run_study
from tests.data_statutory.statutory_builders import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    child,
    cin_details,
    csv,
    episode_row,
    message,
    write,
)
from tests.timeline.timeline_support import synthetic_history

ROOT = Path(__file__).resolve().parents[2]
#: The folder holding the package these tests import (a child process imports the same).
PACKAGE_ROOT = Path(escalation.__file__).resolve().parents[1]


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` with the SHA-256 of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def manifest_matches(folder: Path) -> list[str]:
    """The manifest's outputs, after checking each one's hash against the file."""
    manifest = json.loads((folder / "manifest.json").read_text())
    for entry in manifest["outputs"]:
        digest = hashlib.sha256((folder / entry["path"]).read_bytes()).hexdigest()
        assert digest == entry["sha256"], entry["path"]
    return sorted(entry["path"] for entry in manifest["outputs"])


def leftovers(parent: Path) -> list[str]:
    """Hidden staging folders or lock files left beside the output folders."""
    return sorted(p.name for p in parent.iterdir() if p.name.startswith("."))


# ------------------------------------------------------------------ convert never deletes
def cin_xml(folder: Path) -> Path:
    kids = [child("C1", details=[cin_details("2021-01-01", closure="2021-02-01", reason="RC8")])]
    return write(folder, "cin.xml", message(kids))


def ssda903_return(folder: Path) -> Path:
    source = folder / "return"
    source.mkdir()
    write(source, "header.csv", csv(HEADER_COLUMNS, ["A,2,01/05/2010,WBRI,,,"]))
    rows = [
        episode_row("A", "01/04/2019", "S", "V2", "U1", "10/05/2019", "X1"),
        episode_row("A", "10/05/2019", "P", "V2", "U2"),
    ]
    write(source, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    return source


def test_outputs_convert_keeps_files_it_did_not_write(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xml = cin_xml(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.csv").write_text("child_id,date,text\nX,2020-01-01,kept\n")
    before = snapshot(out)
    # A folder escalation did not write is refused, untouched...
    assert main(["convert", "cin-census", str(xml), "--out", str(out)]) == 2
    assert "was not written by escalation" in capsys.readouterr().err
    assert snapshot(out) == before
    # ...and with --overwrite the tables are written beside the user's file, never over it.
    argv = ["convert", "cin-census", str(xml), "--out", str(out), "--overwrite", "--format", "csv"]
    assert main(argv) == 0
    after = snapshot(out)
    assert after["notes.csv"] == before["notes.csv"]
    assert {"children.csv", "episodes.csv", "case_history.json", "manifest.json"} <= set(after)
    assert "notes.csv" not in manifest_matches(out)
    assert leftovers(tmp_path) == []


def test_outputs_convert_ssda903_never_deletes_its_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = ssda903_return(tmp_path)
    before = snapshot(source)
    # The return is the output folder: refused before it starts, --overwrite or not, even
    # with parquet tables that would clash with none of its files.
    for extra in ([], ["--format", "csv"], ["--overwrite", "--format", "csv"], ["--overwrite"]):
        argv = ["convert", "ssda903", str(source), "--out", str(source), *extra]
        argv += ["--extract-date", "2020-03-31"]
        assert main(argv) == 2, extra
        assert snapshot(source) == before
        assert "which is the output folder" in capsys.readouterr().err
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------ inputs, other commands
STUDY_DESIGN = """\
[data]
path = "{data}"
[time_zero]
kind = "referral"
at = "start"
[outcome]
events = ["cp_plan", "looked_after"]
competing = ["death"]
censor = ["moved_out", "age_18"]
horizons = [365]
[treatment]
kind = "early_help"
grace_days = 14
[covariates]
include = ["age"]
[estimation]
estimators = ["unadjusted"]
bootstrap = 0
seed = 1
"""


def simulated_return(tmp_path: Path, name: str = "return") -> Path:
    """An SSDA903 return written by ``escalation simulate`` (a folder with its manifest)."""
    out = tmp_path / name
    argv = ["simulate", "--children", "300", "--seed", "1", "--format", "ssda903"]
    assert main([*argv, "--out", str(out)]) == 0
    return out


def test_outputs_build_into_its_own_data_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # convert writes my-la; a design reads it; build --out my-la removed the converted
    # tables (the build's own input) and exited 0.
    source = simulated_return(tmp_path)
    data = tmp_path / "my-la"
    argv = ["convert", "ssda903", str(source), "--out", str(data), "--format", "csv"]
    assert main(argv) == 0
    design = tmp_path / "design.toml"
    design.write_text(STUDY_DESIGN.format(data="my-la/"))
    before = snapshot(data)
    capsys.readouterr()
    for extra in ([], ["--overwrite"]):
        assert main(["build", str(design), "--out", str(data), *extra]) == 2, extra
        err = capsys.readouterr().err.strip()
        assert "which is the output folder" in err and "my-la" in err, err
        assert "Choose another output folder" in err and "\n" not in err
        assert snapshot(data) == before
    # Into another folder it builds.
    assert main(["build", str(design), "--out", str(tmp_path / "spells")]) == 0
    assert snapshot(data) == before
    assert leftovers(tmp_path) == []


def test_outputs_convert_a_simulated_return_into_itself_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The return simulate wrote has a manifest: convert --out return removed all its files.
    source = simulated_return(tmp_path)
    before = snapshot(source)
    assert any(name.startswith("episodes_") for name in before)
    capsys.readouterr()
    for extra in (["--format", "csv"], ["--format", "csv", "--overwrite"]):
        argv = ["convert", "ssda903", str(source), "--out", str(source), *extra]
        assert main(argv) == 2, extra
        assert "which is the output folder" in capsys.readouterr().err
        assert snapshot(source) == before
    assert leftovers(tmp_path) == []


def demo_folder(tmp_path: Path) -> Path:
    """A folder as ``escalation demo`` leaves it: data/, truth.json, the registration."""
    from escalation.data.io import write_case_history
    from escalation.data.simulator import simulate_local_authority
    from escalation.design.registration import register_design
    from escalation.report.outputs import OutputFolder

    out = tmp_path / "d"
    command = f"escalation demo --children 400 --out {out}"
    with OutputFolder(out, command=command) as folder:
        write_case_history(simulate_local_authority(400, seed=1).history, folder.staging / "data")
        (folder.staging / "truth.json").write_text("{}")
        design = folder.staging / "design.toml"
        design.write_text(default_design().to_toml())
        register_design(design)
        folder.commit(command=command)
    return out


def test_outputs_run_into_the_demo_folder_it_reads_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # escalation run d/design.toml --data d/data --out d removed d/data, truth.json and
    # design.registration.json.
    out = demo_folder(tmp_path)
    before = snapshot(out)
    assert {"truth.json", "design.registration.json"} <= set(before)
    design, data = out / "design.toml", out / "data"
    argv = ["run", str(design), "--data", str(data), "--out", str(out), "--quiet"]
    for extra in (["--keep-going", "--bootstrap", "0"], ["--overwrite"]):
        assert main([*argv, *extra]) == 2, extra
        err = capsys.readouterr().err
        assert "design.toml, which lies inside the output folder" in err, err
        assert snapshot(out) == before
    assert leftovers(tmp_path) == []


def test_outputs_a_folder_another_command_wrote_is_refused_unless_overwrite(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # build's data are elsewhere; its output folder is one convert wrote.
    source = simulated_return(tmp_path)
    data = tmp_path / "la"
    argv = ["convert", "ssda903", str(source), "--out", str(data), "--format", "csv"]
    assert main(argv) == 0
    converted = tmp_path / "converted"
    argv = ["convert", "ssda903", str(source), "--out", str(converted), "--format", "csv"]
    assert main(argv) == 0
    design = tmp_path / "design.toml"
    design.write_text(STUDY_DESIGN.format(data="la/"))
    before = snapshot(converted)
    capsys.readouterr()
    assert main(["build", str(design), "--out", str(converted)]) == 2
    err = capsys.readouterr().err
    assert "was written by `escalation convert`" in err and "--overwrite" in err, err
    assert snapshot(converted) == before
    # simulate writes a case_history.json too: convert's is never replaced, --overwrite or not.
    argv = ["simulate", "--children", "30", "--format", "csv", "--out", str(converted)]
    assert main([*argv, "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "case_history.json" in err and "which that run wrote and this one never" in err, err
    assert snapshot(converted) == before
    # With --overwrite build's files are written beside convert's, which are all kept.
    assert main(["build", str(design), "--out", str(converted), "--overwrite"]) == 0
    after = snapshot(converted)
    assert {name: after[name] for name in before if name != "manifest.json"} == {
        name: digest for name, digest in before.items() if name != "manifest.json"
    }
    assert set(manifest_matches(converted)) == {
        "counting.parquet", "design.toml", "flow.csv", "spells.parquet"
    }  # fmt: skip
    # The same command again replaces its own files, as before.
    capsys.readouterr()
    argv = ["convert", "ssda903", str(source), "--out", str(data), "--format", "csv"]
    assert main(argv) == 0
    assert leftovers(tmp_path) == []


def test_outputs_run_study_refuses_the_folder_its_data_were_read_from(tmp_path: Path) -> None:
    from escalation.data.io import read_case_history
    from escalation.report.outputs import OutputFolderError

    data = tmp_path / "la"
    assert main(["simulate", "--children", "300", "--format", "csv", "--out", str(data)]) == 0
    history = read_case_history(data)
    before = snapshot(data)
    for overwrite in (False, True):
        with pytest.raises(OutputFolderError, match=r"which is the output folder"):
            run_study(
                history, default_design(), out=data, progress=False, stages=("describe",),
                overwrite=overwrite,
            )  # fmt: skip
        assert snapshot(data) == before
    # A folder holding the data is refused too (the demo's layout: out/data).
    demo = demo_folder(tmp_path)
    before = snapshot(demo)
    history = read_case_history(demo / "data")
    with pytest.raises(OutputFolderError, match=r"lies inside the output folder"):
        run_study(history, default_design(), out=demo, progress=False, stages=("describe",))
    assert snapshot(demo) == before
    assert leftovers(tmp_path) == []


def no_work(*args: Any, **kwargs: Any) -> Any:
    """Stands in for a command's work: a clash must be refused before it is called."""
    raise AssertionError("the work started before the output folder refused the run")


def test_outputs_simulate_finds_a_clash_before_it_simulates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # simulate declared none of its files: a clash was found only when committing, after
    # the simulation, and its outputs went to a sibling folder (out-escalation-<time>).
    from escalation.data import simulator
    from escalation.data.simulator import national
    from escalation.report.outputs import OutputFolder

    assert main(["simulate", "--children", "30", "--no-notes", "--out", str(tmp_path / "own")]) == 0
    (tmp_path / "own" / "notes.parquet").write_text("the analyst's own notes")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "children.parquet").write_text("theirs")
    (tmp_path / "ret").mkdir()
    (tmp_path / "ret" / "header_2020.csv").write_text("theirs")
    part = tmp_path / "national" / "children" / "authority=LA001"
    part.mkdir(parents=True)
    (part / "part-0.parquet").write_text("theirs")
    with OutputFolder(tmp_path / "converted", command="escalation convert ssda903 r") as folder:
        (folder.staging / "case_history.json").write_text("{}")
        folder.commit(command=folder.command)
    monkeypatch.setattr(simulator, "simulate_local_authority", no_work)
    monkeypatch.setattr(national, "simulate_national", no_work)
    cases = [
        ("own", [], "notes.parquet, which escalation did not write"),
        ("foreign", ["--overwrite"], "children.parquet, which escalation did not write"),
        ("ret", ["--overwrite", "--format", "ssda903"], "header_2020.csv, which escalation"),
        ("national", ["--overwrite", "--authorities", "2"], "authority=LA001/part-0.parquet"),
        ("converted", ["--overwrite"], "case_history.json, which that run wrote"),
    ]
    capsys.readouterr()
    for name, extra, says in cases:
        before = snapshot(tmp_path / name)
        argv = ["simulate", "--children", "30", "--out", str(tmp_path / name), *extra]
        assert main(argv) == 2, name
        err = capsys.readouterr().err
        assert says in err and "instead" not in err, err
        assert snapshot(tmp_path / name) == before
    assert [p.name for p in tmp_path.iterdir() if "-escalation-" in p.name] == []
    assert leftovers(tmp_path) == []


def test_outputs_run_study_knows_where_a_history_was_read_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A history read with a relative path, then a change of directory: run_study resolved
    # the path against the new directory, and ran into the folder the data were read from.
    from escalation import pipeline
    from escalation.data.io import read_case_history, write_case_history
    from escalation.data.simulator import simulate_local_authority
    from escalation.report.outputs import OutputFolderError

    history = simulate_local_authority(300, seed=1).history
    assert history.source == ()  # built in memory: no file of it to protect
    monkeypatch.chdir(tmp_path)
    write_case_history(history, "la/data")
    read = read_case_history("la/data")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    before = snapshot(tmp_path / "la")
    with monkeypatch.context() as patched:
        patched.setattr(pipeline, "build_spells", no_work)  # refused before any work
        for overwrite in (False, True):
            with pytest.raises(OutputFolderError, match=r"lies inside the output folder"):
                run_study(read, default_design(), out="../la", overwrite=overwrite,
                          progress=False, stages=("describe",))  # fmt: skip
            assert snapshot(tmp_path / "la") == before
    assert read.source == (str(tmp_path / "la" / "data"),)  # absolute: read before cd
    # The same tables built in memory were read from no file: the folder's own files are
    # what protects them (refused, or with overwrite written beside, never replaced).
    with pytest.raises(OutputFolderError, match=r"not written by escalation"):
        run_study(history, default_design(), out="../la", progress=False, stages=("describe",))
    run_study(history, default_design(), out="../la", overwrite=True, progress=False,
              stages=("describe",))  # fmt: skip
    after = snapshot(tmp_path / "la")
    assert {name: after[name] for name in before} == before
    assert leftovers(tmp_path) == []


def test_outputs_run_study_finds_a_clash_before_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A hand-made design.toml in the folder, written into with overwrite: the study ran to
    # the end, was then refused, and left its outputs in a sibling folder.
    from escalation import pipeline
    from escalation.report.outputs import OutputFolderError

    out = tmp_path / "study"
    out.mkdir()
    (out / "design.toml").write_text("# my notes on the design\n", encoding="utf-8")
    before = snapshot(out)
    monkeypatch.setattr(pipeline, "build_spells", no_work)  # refused before any work
    for stages in (("describe",), ("describe", "brief")):
        with pytest.raises(OutputFolderError, match=r"writes design\.toml, which escalation"):
            run_study(synthetic_history(50, 1), default_design(), out=out, overwrite=True,
                      progress=False, stages=stages)  # fmt: skip
    assert snapshot(out) == before
    assert leftovers(tmp_path) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["study"]  # no sibling folder
    # The demo: a truth.json of the user's is found before the authority is simulated.
    from escalation.cli.run import run_demo

    demo = tmp_path / "demo"
    demo.mkdir()
    (demo / "truth.json").write_text("{}", encoding="utf-8")
    monkeypatch.setattr("escalation.data.simulator.simulate_local_authority", no_work)
    with pytest.raises(OutputFolderError, match=r"writes truth\.json, which escalation"):
        run_demo(demo, children=100, progress=False, overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "study"]


def test_outputs_command_kind_decides_who_owns_a_folder(tmp_path: Path) -> None:
    from escalation.report.outputs import OutputFolder, OutputFolderError, command_kind

    assert command_kind("escalation demo --children 80 --out d") == "escalation demo"
    assert command_kind("escalation run d/design.toml --out d") == "escalation run"
    assert command_kind("run_study") == "escalation run"
    out = tmp_path / "out"
    with OutputFolder(out, command="escalation demo --out out") as folder:
        (folder.staging / "truth.json").write_text("{}")
        folder.commit(command=folder.command)
    # demo and run both write a study, but a demo's folder holds its simulated data too.
    refused = r"written by `escalation demo`.*not by `escalation run`"
    with pytest.raises(OutputFolderError, match=refused):
        OutputFolder(out, command="run_study").open()
    with OutputFolder(out, command="escalation run x.toml --out out", overwrite=True) as folder:
        (folder.staging / "brief.html").write_text("brief")
        folder.commit(command=folder.command)
    assert (out / "truth.json").read_text() == "{}"
    assert manifest_matches(out) == ["brief.html"]
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------ no stale files
@pytest.mark.usefixtures("png_figures")  # which files a rerun leaves: one format is enough
def test_outputs_rerun_leaves_no_stale_files_and_lists_only_its_own(tmp_path: Path) -> None:
    history = synthetic_history(400, 3)
    out = tmp_path / "study"
    design = default_design()
    run_study(history, design, out=out, progress=False, stages=("describe", "brief"))
    first = manifest_matches(out)
    assert "brief.html" in first
    (out / "my_notes.txt").write_text("the analyst's own file")
    second = run_study(history, design, out=out, progress=False, stages=("describe",))
    files = set(snapshot(out))
    # The brief of the first run is gone; the analyst's file stays, unlisted.
    assert "brief.html" not in files
    assert "my_notes.txt" in files
    assert manifest_matches(out) == sorted(files - {"my_notes.txt", "manifest.json"})
    assert second.left_alone == ("my_notes.txt",)
    assert leftovers(tmp_path) == []


def test_outputs_refuse_a_folder_escalation_did_not_write(tmp_path: Path) -> None:
    from escalation.report.outputs import OutputFolder, OutputFolderError

    out = tmp_path / "theirs"
    (out / "sub").mkdir(parents=True)
    (out / "sub" / "report.docx").write_bytes(b"someone's work")
    with pytest.raises(OutputFolderError, match=r"not written by escalation.*sub/report\.docx"):
        OutputFolder(out).open()
    assert snapshot(out) == {"sub/report.docx": hashlib.sha256(b"someone's work").hexdigest()}
    assert leftovers(tmp_path) == []


def test_outputs_refuse_outputs_edited_since_unless_overwrite(tmp_path: Path) -> None:
    from escalation.report.outputs import OutputFolder, OutputFolderError, inspect_folder

    out = tmp_path / "out"
    with OutputFolder(out) as folder:
        (folder.staging / "effects.csv").write_text("estimate\n0.1\n")
        folder.commit(command="test")
    (out / "effects.csv").write_text("estimate\n0.9\n")  # edited by hand
    assert inspect_folder(out).changed == {"effects.csv"}
    with pytest.raises(OutputFolderError, match=r"effects\.csv changed since escalation wrote"):
        OutputFolder(out).open()
    with pytest.raises(OutputFolderError) as error:
        OutputFolder(out).open()
    assert "wrote it (it no longer matches manifest.json). Move it away" in str(error.value)
    with OutputFolder(out, overwrite=True) as folder:
        (folder.staging / "effects.csv").write_text("estimate\n0.2\n")
        folder.commit(command="test")
    assert (out / "effects.csv").read_text() == "estimate\n0.2\n"


def test_outputs_a_file_in_the_way_is_never_replaced(tmp_path: Path) -> None:
    from escalation.report.outputs import OutputFolder, OutputFolderError

    out = tmp_path / "out"
    out.mkdir()
    (out / "table.csv").write_text("theirs")
    with OutputFolder(out, overwrite=True) as folder:
        (folder.staging / "table.csv").write_text("ours")
        with pytest.raises(OutputFolderError, match=r"table\.csv, which escalation did not"):
            folder.commit(command="test")
    assert (out / "table.csv").read_text() == "theirs"
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("out-escalation-")]
    assert len(kept) == 1 and (kept[0] / "table.csv").read_text() == "ours"


# ------------------------------------------------------------------ atomic, interrupted
def complete_run(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    out = tmp_path / "sim"
    assert main(["simulate", "--children", "60", "--seed", "2", "--out", str(out)]) == 0
    return out, snapshot(out)


def test_outputs_interrupted_run_keeps_the_previous_outputs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out, before = complete_run(tmp_path)
    capsys.readouterr()

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr("escalation.data.simulator.simulate_local_authority", interrupted)
    assert main(["simulate", "--children", "60", "--seed", "3", "--out", str(out)]) == 130
    err = capsys.readouterr().err
    assert "interrupted; nothing was written" in err and "Traceback" not in err
    assert snapshot(out) == before
    manifest_matches(out)
    assert leftovers(tmp_path) == []


def test_outputs_failed_run_writes_no_manifest(tmp_path: Path) -> None:
    from escalation.errors import StageError
    from escalation.report.outputs import OutputFolder

    out = tmp_path / "new"
    with pytest.raises(StageError), OutputFolder(out) as folder:
        (folder.staging / "half.csv").write_text("a\n")
        raise StageError("effects", "did not converge")
    assert not out.exists()
    assert leftovers(tmp_path) == []


# A process started from a background job of a non-interactive shell (``make test &``, some
# CI runners) inherits SIGINT ignored, and so does ``python -m escalation`` started from it:
# Python installs its KeyboardInterrupt handler only where SIGINT is not ignored, so the one
# SIGINT of the Ctrl-C test was lost and the run went on to the end. This launcher gives
# SIGINT its default action back, as a shell does for a command run in the foreground of a
# terminal (where Ctrl-C comes from), then execs the command in the same process (same pid,
# which the lock file names).
FOREGROUND = (
    "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); "
    "os.execv(sys.argv[1], sys.argv[1:])"
)
SIGINT_RAISES = (
    "import signal; print(signal.getsignal(signal.SIGINT) is signal.default_int_handler)"
)


def in_foreground(argv: list[str], **popen: Any) -> subprocess.Popen[str]:
    """Start ``argv`` with SIGINT's default action, as from a terminal's foreground."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", FOREGROUND, *argv], env=env, text=True, **popen)


def test_outputs_ctrl_c_reaches_a_run_started_where_sigint_is_ignored() -> None:
    """Where SIGINT is ignored (a background job), the Ctrl-C tests' child still gets it."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        plain = subprocess.Popen(
            [sys.executable, "-c", SIGINT_RAISES], stdout=subprocess.PIPE, text=True
        )
        launched = in_foreground([sys.executable, "-c", SIGINT_RAISES], stdout=subprocess.PIPE)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert plain.communicate(timeout=60)[0].strip() == "False"  # SIGINT would be lost
    assert launched.communicate(timeout=60)[0].strip() == "True"


def test_outputs_a_command_writing_a_folder_imports_no_plotting_or_models(tmp_path: Path) -> None:
    """``escalation simulate`` imported the brief's plotting and modelling stack (plotnine,
    matplotlib, SciPy, the causal estimators) with its output folder: ``import
    escalation.report.outputs`` ran ``escalation/report/__init__.py``, which imported the
    brief. About 1.4 s of CPU for each such command (and for the runs the tests below stop)."""
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "escalation", "simulate", "--children", "30",
         "--no-notes", "--format", "csv", "--out", str(tmp_path / "sim")],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)},
        cwd=tmp_path, check=True,  # not the checkout's folder, which -m puts on sys.path
    )  # fmt: skip
    rows = [line for line in out.stderr.splitlines() if line.startswith("import time:")]
    imported = {line.rsplit("|", 1)[-1].strip() for line in rows}
    assert "escalation.report.outputs" in imported  # the list is read correctly
    heavy = {"plotnine", "matplotlib", "scipy", "sklearn", "escalation.causal"}
    assert sorted(imported & heavy) == []
    assert manifest_matches(tmp_path / "sim")


def start_long_run(out: Path) -> subprocess.Popen[str]:
    """Start ``python -m escalation simulate`` of a large authority; return once it writes."""
    argv = [sys.executable, "-m", "escalation", "simulate", "--children", "300000"]
    process = in_foreground([*argv, "--out", str(out)], stderr=subprocess.PIPE)
    lock = out.parent / f".{out.name}.escalation.lock"
    deadline = time.monotonic() + 120  # a loaded machine imports slowly
    while not lock.exists() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    if process.poll() is not None or not lock.exists():
        process.kill()
        _, err = process.communicate()
        pytest.fail(
            f"the run ended, or took no lock within 120 s, before it could be stopped: {err}"
        )
    return process


@pytest.mark.slow
def test_outputs_ctrl_c_in_a_real_process(tmp_path: Path) -> None:
    """A SIGINT to ``python -m escalation``: exit 130, a message, no traceback, nothing left."""
    out = tmp_path / "sim"
    process = start_long_run(out)
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:  # the interrupt was lost: fail here, leave no process behind
            process.kill()
            process.communicate()
    assert process.returncode == 130, err
    assert "interrupted; nothing was written" in err and "Traceback" not in err
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_outputs_ctrl_c_as_the_staging_folder_is_made_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Ctrl-C just after the staging folder was made, before the run holds the folder.

    The real-process test above, on a loaded machine, once left ``.sim.escalation-partial-N``
    behind: the interrupt came inside ``OutputFolder.open``, after the staging folder was
    made, and only the lock was removed."""
    from escalation.report.outputs import OutputFolder

    out = tmp_path / "sim"
    made = Path.mkdir

    def mkdir_then_interrupt(path: Path, *args: Any, **kwargs: Any) -> None:
        made(path, *args, **kwargs)
        if path.name.startswith(".sim.escalation-partial-"):
            raise KeyboardInterrupt

    monkeypatch.setattr(Path, "mkdir", mkdir_then_interrupt)
    with pytest.raises(KeyboardInterrupt), OutputFolder(out):
        pytest.fail("the folder was opened")
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------ one writer at a time
@pytest.mark.slow
def test_outputs_second_concurrent_run_is_refused_naming_the_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "shared"
    first = start_long_run(out)
    try:
        assert main(["simulate", "--children", "30", "--out", str(out)]) == 2
        err = capsys.readouterr().err
        assert f"process {first.pid}" in err and "escalation simulate --children 300000" in err
        assert not out.exists()
    finally:
        first.kill()  # no chance to clean up: its lock file stays behind
        first.communicate()
    # The lock of a process that no longer runs is stale: the next run takes it over.
    assert main(["simulate", "--children", "30", "--out", str(out)]) == 0
    manifest_matches(out)
    assert leftovers(tmp_path) == []


# ------------------------------------------------------------------ append-only stores
def test_outputs_checkpoint_publishes_and_a_stopped_run_keeps_it(tmp_path: Path) -> None:
    from escalation.report.outputs import OutputFolder, inspect_folder

    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt), OutputFolder(out, keep=("store",)) as folder:
        (folder.staging / "store").mkdir()
        (folder.staging / "store" / "a.txt").write_text("a")
        (folder.staging / "plan.txt").write_text("plan")
        folder.checkpoint(command="test", extra={"complete": False})
        assert (out / "store" / "a.txt").read_text() == "a"  # published, run still open
        (folder.staging / "store").mkdir()
        (folder.staging / "store" / "b.txt").write_text("b")
        folder.checkpoint(command="test", extra={"complete": False})
        # a published file stays listed although the run did not write it again
        assert manifest_matches(out) == ["plan.txt", "store/a.txt", "store/b.txt"]
        (folder.staging / "store").mkdir()
        (folder.staging / "store" / "c.txt").write_text("never published")
        raise KeyboardInterrupt
    assert manifest_matches(out) == ["plan.txt", "store/a.txt", "store/b.txt"]
    assert not inspect_folder(out).foreign
    assert json.loads((out / "manifest.json").read_text())["complete"] is False
    assert leftovers(tmp_path) == []  # lock released, staging removed

    # The next run keeps the store's files, adds its own, and drops the stale plan.txt.
    with OutputFolder(out, keep=("store",)) as folder:
        (folder.staging / "store").mkdir()
        (folder.staging / "store" / "d.txt").write_text("d")
        folder.commit(command="test", extra={"complete": True})
    assert manifest_matches(out) == ["store/a.txt", "store/b.txt", "store/d.txt"]
    assert sorted(p.name for p in (out / "store").iterdir()) == ["a.txt", "b.txt", "d.txt"]


def test_outputs_checkpoint_needs_an_open_folder(tmp_path: Path) -> None:
    from escalation.report.outputs import OutputFolder, OutputFolderError

    folder = OutputFolder(tmp_path / "out")
    with pytest.raises(OutputFolderError, match="not open"):
        folder.checkpoint(command="test")


def test_outputs_the_report_modules_are_attributes_of_the_package() -> None:
    """Imported lazily now, the modules of ``escalation.report`` are still its attributes."""
    import escalation.report as report

    assert report.brief.write_brief is report.write_brief
    assert report.workbook.write_workbook.__module__ == "escalation.report.workbook"
    assert {"brief", "outputs", "write_brief", "OutputFolder"} <= set(dir(report))


def test_a_note_is_said_once_on_the_terminal(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The demo printed each note twice: on the progress console and, with no logging
    configured, again through Python's last-resort handler of the pipeline's warning."""
    import io
    import logging

    from rich.console import Console

    from escalation import pipeline

    shown = io.StringIO()
    run = pipeline._Run.__new__(pipeline._Run)
    run.notes, run.shared_notes, run.remarks = [], [], []
    run.console = Console(file=shown, width=200)
    # no handler anywhere (pytest's own capture handlers are taken off for the test)
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setattr(logging, "lastResort", logging.StreamHandler(sys.stderr))
    run.note("table one: a repeated count; shown once")
    assert shown.getvalue().count("a repeated count") == 1
    assert "a repeated count" not in capsys.readouterr().err
    # A user who configured logging still gets the note there.
    records: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = records.append  # type: ignore[method-assign]
    monkeypatch.setattr(logging.getLogger(), "handlers", [handler])
    run.note("another note")
    assert [r.getMessage() for r in records] == ["another note"]
