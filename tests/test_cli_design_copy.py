"""The design file each command writes beside its outputs names the same data as the one
it read: a relative ``[data] path`` is re-expressed from the output folder."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from escalation import simulate_local_authority, write_case_history
from escalation.cli import build_parser, main
from escalation.cli._study import load_study
from escalation.design import (
    DataSpec,
    Registration,
    StudyDesign,
    check_registration,
    default_design,
    read_design,
)
from escalation.design.registration import design_sha256


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``study/design.toml`` reading ``la/`` as ``../la/``, and a decoy ``deep/a/la/``."""
    root = tmp_path_factory.mktemp("project")
    write_case_history(simulate_local_authority(300, seed=5).history, root / "la")
    # A folder also called la where a copy at deep/a/b/ would look for "../la/".
    write_case_history(simulate_local_authority(120, seed=6).history, root / "deep" / "a" / "la")
    design = default_design().replace(data=DataSpec(path="../la/"))
    (root / "study").mkdir()
    design.write(root / "study" / "design.toml")
    return root


def test_a_copy_of_the_design_reads_the_same_data_wherever_it_is_written(
    project: Path,
) -> None:
    first = project / "deep" / "a" / "b"
    assert main(["build", str(project / "study" / "design.toml"), "--out", str(first)]) == 0
    copy = read_design(first / "design.toml")
    assert copy.data.path == "../../../la/"  # relative still
    assert (first / copy.data.path).resolve() == (project / "la").resolve()
    second = project / "deep2"
    assert main(["build", str(first / "design.toml"), "--out", str(second)]) == 0
    assert read_design(second / "design.toml").data.path == "../la/"
    spells = pd.read_parquet(first / "spells.parquet")
    again = pd.read_parquet(second / "spells.parquet")
    pd.testing.assert_frame_equal(spells, again)  # not the decoy deep/a/la


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_estimate_and_run_study_write_the_relocated_copy(project: Path) -> None:
    from escalation.data.io import read_case_history
    from escalation.pipeline import run_study

    design_file = project / "study" / "design.toml"
    out = project / "est" / "x"
    assert main([
        "estimate", str(design_file), "--out", str(out), "--bootstrap", "0",
        "--refutations", "0", "--trees", "0", "--no-progress",
    ]) == 0  # fmt: skip
    assert read_design(out / "design.toml").data.path == "../../la/"
    history = read_case_history(project / "la")
    design = read_design(design_file)
    folder = project / "runs" / "one"
    run_study(
        history, design, out=folder, design_file=design_file, stages=("describe",),
        progress=False, background_figures=False,
    )  # fmt: skip
    assert read_design(folder / "design.toml").data.path == "../../la/"


def test_relocating_changes_only_the_data_path() -> None:
    design = default_design().replace(data=DataSpec(path="../la/"))
    # The copy beside the original is the original: same text, same registration hash.
    same = design.relocated("study/design.toml", "study")
    assert same == design and design_sha256(same) == design_sha256(design)
    moved = design.relocated("study/design.toml", "results/deep")
    assert moved.data.path == "../../la/"
    assert moved.replace(data=design.data) == design
    # No path, an absolute path or no design file: nothing to re-express.
    assert default_design().relocated("study/design.toml", "x") == default_design()
    absolute = design.replace(data=DataSpec(path=str(Path("/srv/la").resolve())))
    assert absolute.relocated("study/design.toml", "x") == absolute
    assert design.relocated(None, "x") == design


def test_the_copy_names_the_data_given_with_data_and_extract_date(project: Path) -> None:
    """With ``--data`` (and ``--extract-date``) the command reads another folder than the
    design file names: the copy named the design file's folder, data not analysed."""
    out = project / "other_data"
    decoy = project / "deep" / "a" / "la"
    assert main([
        "build", str(project / "study" / "design.toml"), "--out", str(out),
        "--data", str(decoy), "--extract-date", "2024-03-31",
    ]) == 0  # fmt: skip
    copy = read_design(out / "design.toml")
    assert copy.data.path == "../deep/a/la/"  # relative, from the output folder
    assert (out / str(copy.data.path)).resolve() == decoy.resolve()
    assert str(copy.data.extract_date) == "2024-03-31"


def test_run_analyses_and_records_the_design_with_the_data_given(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``escalation run --data`` read the folder given but passed the design file's
    ``[data]`` to the study: the copy beside the outputs, the manifest's design hash and the
    registration check named data that were not analysed."""
    import escalation.pipeline

    given: list[object] = []

    def study(history: object, design: object, **kwargs: object) -> object:
        given.append(design)
        raise KeyboardInterrupt  # the design is all this test needs; nothing is written

    monkeypatch.setattr(escalation.pipeline, "run_study", study)
    decoy = project / "deep" / "a" / "la"
    design_file = project / "study" / "design.toml"
    argv = ["run", str(design_file), "--out", str(project / "ran"), "--data", str(decoy)]
    assert main([*argv, "--extract-date", "2024-03-31", "--quiet"]) == 130
    (design,) = given
    assert design.data.path == "../deep/a/la/"  # type: ignore[attr-defined]
    assert (design_file.parent / design.data.path).resolve() == decoy.resolve()  # type: ignore[attr-defined]
    assert str(design.data.extract_date) == "2024-03-31"  # type: ignore[attr-defined]
    assert not (project / "ran").exists()


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_estimate_records_the_seed_and_replicates_it_ran_with(project: Path) -> None:
    """``estimate --bootstrap 0 --seed 7`` wrote ``design.toml`` and the manifest's design
    (and its hash) with the file's ``bootstrap = 200`` and ``seed = 1``: the recorded design
    was not the one that made ``effects.csv``, and rerunning the copy gave other results."""
    out = project / "overrides"
    assert main([
        "estimate", str(project / "study" / "design.toml"), "--out", str(out),
        "--bootstrap", "0", "--seed", "7", "--refutations", "0", "--trees", "0",
        "--no-progress",
    ]) == 0  # fmt: skip
    copy = read_design(out / "design.toml")
    assert (copy.estimation.seed, copy.estimation.bootstrap) == (7, 0)
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    recorded = StudyDesign.from_toml(manifest["design"]["toml"])
    assert (recorded.estimation.seed, recorded.estimation.bootstrap) == (7, 0)
    assert manifest["design"]["sha256"] == design_sha256(recorded)
    assert manifest["seeds"] == {"estimation": 7}
    assert manifest["estimation"]["bootstrap"] == 0  # the settings estimate_effects used


@pytest.mark.parametrize("command", ["estimate", "predict", "policy", "share", "run"])
def test_every_study_command_analyses_the_design_with_its_overrides(
    project: Path, command: str
) -> None:
    """Every study command reads the design through ``load_study``: the design it records
    (and that ``policy`` checks against the registration) carries ``--seed`` and, where the
    command takes it, ``--bootstrap``; ``predict``, ``policy`` and ``share`` recorded the
    file's."""
    design_file = project / "study" / "design.toml"
    argv = [command, str(design_file), "--out", str(project / "unused"), "--seed", "7"]
    takes_bootstrap = command != "policy"
    if takes_bootstrap:
        argv += ["--bootstrap", "0"]
    if command == "share":
        argv += ["--la", "999"]
    args = build_parser().parse_args(argv)
    design, _ = load_study(args)
    assert design.estimation.seed == 7
    assert design.estimation.bootstrap == (0 if takes_bootstrap else 200)
    registered = read_design(design_file)
    changes = check_registration(design, _registration(registered)).changes
    assert "[estimation] seed: 1 -> 7" in changes  # policy's check flags the new seed


def _registration(design: StudyDesign) -> Registration:
    return Registration(
        design_sha256(design), "", "2024-01-01T00:00:00+00:00", "x", design.to_dict()
    )


def test_run_study_uses_and_records_the_designs_seed(project: Path) -> None:
    """The same design file drives the API and the command line: ``escalation run`` used
    ``[estimation] seed``, but ``run_study(history, design)`` ran (and recorded) seed 1
    whatever the design said."""
    import dataclasses

    from escalation.data.io import read_case_history
    from escalation.pipeline import run_study

    design = default_design()
    design = design.replace(estimation=dataclasses.replace(design.estimation, seed=5))
    folder = project / "runs" / "seed"
    run_study(
        read_case_history(project / "la"), design, out=folder, stages=("describe",),
        progress=False, background_figures=False,
    )  # fmt: skip
    assert read_design(folder / "design.toml").estimation.seed == 5
