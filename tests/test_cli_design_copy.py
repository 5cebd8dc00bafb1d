"""The design file each command writes beside its outputs names the same data as the one
it read: a relative ``[data] path`` is re-expressed from the output folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from escalation import simulate_local_authority, write_case_history
from escalation.cli import main
from escalation.design import DataSpec, default_design, read_design
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
