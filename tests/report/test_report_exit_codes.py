"""Honest exit codes, and every warning of a run in the brief and manifest as a caveat.

A failed stage makes ``escalation run`` (and the analysis scripts) exit 3 and write
nothing, unless ``--keep-going``: then the brief says what failed and why. A statistical
warning raised by any stage is listed in the brief and the manifest against the design key
that governs it, and re-issued against that key's line of the design file.
"""

from __future__ import annotations

import importlib.util
import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

import escalation.pipeline as pipeline
from escalation import (
    StatisticalWarning,
    default_design,
    simulate_local_authority,
    write_case_history,
)
from escalation.cli import main
from escalation.errors import DataValidationError, Problem

ROOT = Path(__file__).resolve().parents[2]
HORIZON_WARNING = (
    "horizon(s) 730 days are past the longest follow-up of the treated spells (500 days): "
    "their risks carry the last estimate forward and are not identified; use shorter horizons"
)


@pytest.fixture
def study_files(tmp_path: Path) -> tuple[Path, Path]:
    """A design file whose [data] path holds a small synthetic case history."""
    write_case_history(simulate_local_authority(300, seed=5).history, tmp_path / "data")
    design = tmp_path / "study.toml"
    design.write_text('[data]\npath = "data"\n\n' + default_design().to_toml().split("\n\n", 1)[1])
    return design, tmp_path / "out"


@pytest.fixture
def describe_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    """The cohort description fails; the slow stages do nothing (they are not under test)."""

    def broken(*args: Any, **kwargs: Any) -> None:
        raise ValueError("the flow table has a hole")

    monkeypatch.setattr(pipeline, "_describe", broken)
    for stage in ("_effects", "_survival", "_heterogeneity", "_prediction", "_policy"):
        monkeypatch.setattr(pipeline, stage, lambda *args, **kwargs: None)


@pytest.mark.usefixtures("describe_fails")
def test_exit_codes_failed_stage_exits_3_and_writes_nothing(
    study_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    design, out = study_files
    assert main(["run", str(design), "--out", str(out), "--quiet"]) == 3
    err = capsys.readouterr().err
    assert "stage 'describe' failed: ValueError: the flow table has a hole" in err
    assert "--keep-going" in err
    assert not out.exists()


@pytest.mark.usefixtures("describe_fails")
def test_exit_codes_keep_going_lists_the_failure_in_the_brief(
    study_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    design, out = study_files
    assert main(["run", str(design), "--out", str(out), "--quiet", "--keep-going"]) == 0
    # The analyst's terminal has the full message; what is shared, the stage and the kind.
    assert "stage describe: ValueError: the flow table has a hole" in capsys.readouterr().err
    html = (out / "brief.html").read_text()
    assert "What did not run" in html
    assert "The description of the cohort did not run (ValueError): the full message is not " in (
        html
    )
    assert "the flow table has a hole" not in html
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "incomplete"
    (failure,) = manifest["failures"]
    assert (failure["stage"], failure["error"]) == ("describe", "ValueError")
    assert "printed on the terminal" in failure["message"]
    assert "the flow table has a hole" not in json.dumps(manifest)


@pytest.mark.usefixtures("describe_fails")
def test_exit_codes_analysis_scripts_exit_3(
    study_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    spec = importlib.util.spec_from_file_location("_common", ROOT / "analyses" / "_common.py")
    assert spec is not None and spec.loader is not None
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    design, out = study_files
    argv = ["--design", str(design), "--out", str(out), "--quiet"]
    assert common.main(("describe",), "test", argv) == 3
    assert "stage 'describe' failed" in capsys.readouterr().err
    assert not out.exists()


def _describe_and_brief(out: Path, design_file: Path, **options: Any) -> Any:
    """Run only the cohort description and the brief of a small simulated study."""
    return pipeline.run_study(
        simulate_local_authority(300, seed=5).history,
        default_design(),
        out=out,
        progress=False,
        stages=("describe", "brief"),
        design_file=design_file,
        **options,
    )


def test_exit_codes_warnings_become_caveats_tied_to_the_design_key(
    study_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    design_file, out = study_files
    describe = pipeline._describe

    def warns(run: Any, data: Any) -> None:
        warnings.warn(HORIZON_WARNING, StatisticalWarning, stacklevel=1)
        warnings.warn(HORIZON_WARNING, StatisticalWarning, stacklevel=1)  # counted once
        describe(run, data)

    monkeypatch.setattr(pipeline, "_describe", warns)
    with pytest.warns(StatisticalWarning) as caught:
        outputs = _describe_and_brief(out, design_file)
    # Re-issued once, against the design file's `horizons` line, not the code that raised it.
    (warning,) = [w for w in caught if "past the longest follow-up" in str(w.message)]
    line = design_file.read_text().splitlines().index("horizons = [365, 730]") + 1
    assert (warning.filename, warning.lineno) == (str(design_file), line)
    assert str(warning.message).startswith("[outcome] horizons: ")
    (caveat,) = outputs.caveats
    assert (caveat.design_key, caveat.count) == ("[outcome] horizons", 2)
    html = (out / "brief.html").read_text()
    assert "Caveats raised by the analysis" in html
    assert re.search(r"In the design file, \[outcome\] horizons: use horizons within", html)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["caveats"][0]["design_key"] == "[outcome] horizons"
    assert manifest["caveats"][0]["message"] == HORIZON_WARNING


def test_exit_codes_counts_in_caveats_and_failures_are_disclosed(
    study_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warning or error quoting a small count reaches the brief and manifest disclosed."""
    design_file, out = study_files
    immortal = (
        "treatment is classified by early help starting within 14 days of time zero; 3 "
        "untreated spells ended within that grace period and could not have been treated, "
        "which biases ipw towards benefit (immortal time)."
    )

    def warns(run: Any, data: Any) -> None:
        warnings.warn(immortal, StatisticalWarning, stacklevel=1)
        warnings.warn(
            "table 'spells', row 0, column 'x': 2 value(s) of 'x' are extreme; "
            "3 stratum/strata hold a single row",
            StatisticalWarning,
            stacklevel=1,
        )
        raise ValueError("the flow table has 1,203 children and 7 events in one box")

    monkeypatch.setattr(pipeline, "_describe", warns)
    with pytest.warns(StatisticalWarning):
        outputs = _describe_and_brief(out, design_file, keep_going=True)
    # The API's results keep the exact counts, for use inside the authority ...
    assert "; 3 untreated spells" in outputs.caveats[0].message
    assert "7 events" in outputs.failures[0].message
    # ... what is shared does not.
    html = (out / "brief.html").read_text()
    manifest = json.loads((out / "manifest.json").read_text())
    for shared in (html, json.dumps(manifest)):
        assert "3 untreated" not in shared and "7 events" not in shared
        assert "fewer than 10 untreated spells ended within that grace period" in shared
        # A failed stage's message is not shared at all, disclosed or not.
        assert "in one box" not in shared
        assert "row 0" not in shared and "2 value(s)" not in shared and "3 stratum" not in shared
        assert "fewer than 10 value(s) of" in shared
    assert "14 days" in manifest["caveats"][0]["message"]  # days are not counts


def test_exit_codes_failed_stage_shares_no_counts_or_rows(
    study_files: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A data error quoting rows and a small count stays on the terminal, not in what is shared.

    The error is the one a covariate left empty for a few children raises.
    """
    design, out = study_files
    message = (
        "table 'spells', row 0, column 'disability' (value nan); row 1, column 'disability' "
        "(value nan): 2 value(s) of numeric covariate 'disability' are missing"
    )

    def broken(*args: Any, **kwargs: Any) -> None:
        raise DataValidationError([Problem("spells", 0, "disability", None, message)])

    monkeypatch.setattr(pipeline, "_describe", broken)
    for stage in ("_effects", "_survival", "_heterogeneity", "_prediction", "_policy"):
        monkeypatch.setattr(pipeline, stage, lambda *args, **kwargs: None)
    assert main(["run", str(design), "--out", str(out), "--quiet", "--keep-going"]) == 0
    assert "2 value(s) of numeric covariate 'disability'" in capsys.readouterr().err
    html = (out / "brief.html").read_text()
    manifest = (out / "manifest.json").read_text()
    for shared in (html, manifest):
        assert "value(s)" not in shared
        assert "row 0" not in shared and "row 1" not in shared
        assert "DataValidationError" in shared and "printed on the terminal" in shared
    assert "The description of the cohort did not run (DataValidationError)" in html
    notes = json.loads(manifest)["notes"]
    assert notes and all("value(s)" not in n for n in notes)


def test_a_rerun_with_another_design_says_it_replaced_the_earlier_outputs(
    study_files: tuple[Path, Path],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The same command may re-run into its folder; with another design it replaced the
    earlier study without a word (an analyst's walkthrough). Now a note names both
    designs' hashes; a re-run of the same design says nothing."""
    for stage in ("_effects", "_survival", "_heterogeneity", "_prediction", "_policy"):
        monkeypatch.setattr(pipeline, stage, lambda *args, **kwargs: None)
    design, out = study_files
    assert main(["run", str(design), "--out", str(out), "--quiet"]) == 0
    first = json.loads((out / "manifest.json").read_text())["design"]["sha256"]
    assert main(["run", str(design), "--out", str(out), "--quiet"]) == 0
    assert "another design" not in capsys.readouterr().err
    design.write_text(design.read_text().replace("grace_days = 14", "grace_days = 30"))
    assert main(["run", str(design), "--out", str(out), "--quiet"]) == 0
    second = json.loads((out / "manifest.json").read_text())["design"]["sha256"]
    assert first != second
    assert (
        f"held the outputs of a run of another design (design SHA-256 {first[:12]}, now "
        f"{second[:12]}); they were replaced"
    ) in capsys.readouterr().err
