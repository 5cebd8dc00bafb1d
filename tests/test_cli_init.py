"""``escalation init``: a commented design file for the user's data that the README's
``escalation build`` accepts; the ``[prediction] models`` key; the CLI's extract-date advice."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from escalation import simulate_local_authority, write_case_history
from escalation.cli import main
from escalation.design import default_design, read_design
from escalation.errors import DesignError

DESIGN_DOC = Path(__file__).parents[1] / "docs" / "design.md"


@pytest.fixture(scope="module")
def data_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("la")
    write_case_history(simulate_local_authority(400, seed=3).history, folder)
    return folder


def _contract_text() -> str:
    return DESIGN_DOC.read_text().split("```toml\n")[1].split("```")[0]


def _contract_keys() -> dict[str, set[str]]:
    """Sections and keys of the design contract (the TOML block of docs/design.md)."""
    block = re.search(r"## The keys.*?```toml\n(.*?)```", DESIGN_DOC.read_text(), re.S)
    assert block is not None
    spec = tomllib.loads(block.group(1))
    # the commented alternative of [treatment] is a key too
    return {name: set(keys) | ({"reasons"} if name == "treatment" else set())
            for name, keys in spec.items()}  # fmt: skip


def test_init_writes_every_contract_key_with_a_comment(
    data_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "study"), "--data", str(data_folder)]) == 0
    text = (tmp_path / "study" / "design.toml").read_text()
    lines = text.splitlines()
    section = None
    seen: dict[str, set[str]] = {}
    for i, line in enumerate(lines):
        head = re.match(r"^\[(\w+)\]", line)
        if head:
            section = head.group(1)
            continue
        key = re.match(r"^#?\s?(\w+) = ", line)
        if key and section:
            seen.setdefault(section, set()).add(key.group(1))
            explained = "#" in line.split("=", 1)[1] or lines[i - 1].lstrip().startswith("#")
            assert explained or line.startswith("#"), f"{section}.{key.group(1)} has no comment"
    for name, keys in _contract_keys().items():
        assert keys <= seen.get(name, set()), f"[{name}] lacks {keys - seen.get(name, set())}"
    assert seen["prediction"] == {"models"}
    design = read_design(tmp_path / "study" / "design.toml")
    assert design.data.extract_date is not None
    assert design.data.extract_date.isoformat() == "2024-03-31"  # from the data's metadata
    assert "penalised_cox" in design.prediction.models
    # The estimators the default design runs, the grace period's CCW among them: without
    # it the brief led with an estimate its own caveat called biased towards benefit.
    assert design.estimation.estimators == default_design().estimation.estimators
    assert "ccw" in design.estimation.estimators
    assert "escalation build" in capsys.readouterr().out


def test_readme_build_works_on_the_initialised_design(data_folder: Path, tmp_path: Path) -> None:
    study = tmp_path / "study"
    assert main(["init", str(study), "--data", str(data_folder)]) == 0
    assert main(["init", str(study), "--data", str(data_folder)]) == 2  # no silent overwrite
    assert main(["build", str(study / "design.toml"), "--out", str(tmp_path / "spells")]) == 0
    assert (tmp_path / "spells" / "spells.parquet").is_file()


def test_missing_extract_date_tells_a_cli_user_the_option(
    data_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "no-date"
    folder.mkdir()
    for file in data_folder.iterdir():
        if file.name != "case_history.json":  # the metadata that states the extract date
            (folder / file.name).write_bytes(file.read_bytes())
    design = tmp_path / "design.toml"
    text = _contract_text()
    design.write_text(text.replace('extract_date = "2024-03-31"', "").replace("data/", "no-date/"))
    assert main(["build", str(design), "--out", str(tmp_path / "out")]) == 2
    message = capsys.readouterr().err
    assert "--extract-date" in message


def test_prediction_models_come_from_the_design(tmp_path: Path) -> None:
    text = _contract_text()
    path = tmp_path / "design.toml"
    path.write_text(text + '\n[prediction]\nmodels = ["penalised_cox", "random_forest"]\n')
    design = read_design(path)
    assert design.prediction.models == ("penalised_cox", "random_forest")
    assert "[prediction]" in design.to_toml()
    plain = tmp_path / "plain.toml"
    plain.write_text(text)
    assert "[prediction]" not in read_design(plain).to_toml()  # the default is not written
    path.write_text(text + '\n[prediction]\nmodels = ["svm"]\n')
    with pytest.raises(DesignError, match=r"prediction.*models.*svm"):
        read_design(path)


def test_a_design_from_statutory_data_builds_on_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Data converted from the statutory returns have no ``imd_decile``, may have
    ``disability`` unrecorded, and may close no referral with RC8 or RC9: ``init --data``
    offered all three, so ``build`` refused the design or found no spell."""
    history = simulate_local_authority(400, seed=3).history
    children = history.children.drop(columns="imd_decile")
    children["disability"] = children["disability"].astype(object)
    children.loc[children.index[:5], "disability"] = None  # not recorded for five children
    episodes = history.episodes.copy()
    referral = episodes["kind"] == "referral"
    episodes.loc[referral & episodes["reason"].isin(["RC8", "RC9"]), "reason"] = "RC7"
    folder = tmp_path / "la"
    write_case_history(
        type(history)(children, episodes, history.notes, history.extract_date), folder
    )
    study = tmp_path / "study"
    assert main(["init", str(study), "--data", str(folder)]) == 0
    design = read_design(study / "design.toml")
    assert "imd_decile" not in design.covariates.include
    assert "disability" not in design.covariates.include
    assert {"age", "sex", "prior_referrals"} <= set(design.covariates.include)
    assert design.time_zero.reasons is None  # every closure kept: none is RC8 or RC9
    text = (study / "design.toml").read_text()
    assert "# left out: missing for some or all of your children: disability, imd_decile" in text
    capsys.readouterr()
    assert main(["build", str(study / "design.toml"), "--out", str(tmp_path / "spells")]) == 0
    assert "Spells         0" not in capsys.readouterr().out


def test_the_next_command_can_be_pasted_for_a_path_with_spaces(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import shlex

    study = tmp_path / "my study"
    assert main(["init", str(study)]) == 0
    command = capsys.readouterr().out.splitlines()[-1].strip()
    assert shlex.split(command) == [
        "escalation", "build", str(study / "design.toml"), "--out", str(study / "spells"),
    ]  # fmt: skip


@pytest.mark.parametrize("name", ['la "north"', "la\\north"])
def test_init_writes_a_data_folder_with_quotes_or_backslashes_as_toml(
    data_folder: Path, tmp_path: Path, name: str
) -> None:
    """``init --data`` wrote the folder inside quotes as it was: a folder named
    ``la "north"`` (or ``la\\north``) gave a file that was not TOML, and init stopped with an
    unexpected TOMLDecodeError (exit 70)."""
    import shutil

    folder = tmp_path / name
    shutil.copytree(data_folder, folder)
    assert main(["init", str(tmp_path / "study"), "--data", str(folder)]) == 0
    design = read_design(tmp_path / "study" / "design.toml")
    assert design.data.path == f"../{name}/"
    assert (tmp_path / "study" / str(design.data.path)).resolve() == folder.resolve()


@pytest.fixture(scope="module")
def annex_a(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared Annex A sample converted: no referral in it has a closure date."""
    from tests.data_statutory.statutory_builders import samples_dir

    data = tmp_path_factory.mktemp("annex") / "aa"
    sample = str(samples_dir() / "annex-a.xlsx")
    assert main(["convert", "annex-a", sample, "--out", str(data), "--lenient"]) == 0
    return data


_WHY = "no referral in these data has an end date"


def test_init_on_annex_a_data_fits_the_window_and_says_why_no_spell(
    annex_a: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Time zero at a referral's end gives no spell on these data: ``init`` wrote the
    default window (to 2023-03-31, past the 2021-03-15 extract) and said nothing."""
    study = tmp_path / "st_aa"
    capsys.readouterr()
    assert main(["init", str(study), "--data", str(annex_a)]) == 0
    assert _WHY in capsys.readouterr().err
    text = (study / "design.toml").read_text()
    assert "# NOTE: these data give no spell under this design" in text
    # The file may be shared as a pre-registration: the rules, not the record-level
    # counts of the exclusion flow (the terminal has them).
    note = " ".join(line for line in text.splitlines() if line.startswith("#"))
    assert "Excluded by:" in note and "Exclusion flow:" not in note
    design = read_design(study / "design.toml")
    assert design.data.extract_date is not None
    assert design.time_zero.to is not None and design.time_zero.from_ is not None
    assert design.time_zero.to <= design.data.extract_date  # the window fits the data
    assert design.time_zero.from_ <= design.time_zero.to


def test_build_and_run_say_why_a_design_gives_no_spell(
    annex_a: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``build`` wrote 0 spells without a word; ``run`` failed in its effects stage
    (exit 3) without saying why. Now: a warning, and exit 2 before any analysis."""
    study = tmp_path / "st_aa"
    assert main(["init", str(study), "--data", str(annex_a)]) == 0
    capsys.readouterr()
    assert main(["build", str(study / "design.toml"), "--out", str(study / "spells")]) == 0
    built = capsys.readouterr()
    assert "Spells         0" in built.out
    assert _WHY in built.err and "[time_zero] at" in built.err
    assert main(["run", str(study / "design.toml"), "--out", str(study / "results")]) == 2
    err = capsys.readouterr().err
    assert _WHY in err and "[time_zero] at" in err
    assert "stage 'effects'" not in err
    assert not (study / "results").exists()


def test_init_says_nothing_of_spells_when_the_data_give_some(
    data_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", str(tmp_path / "study"), "--data", str(data_folder)]) == 0
    assert "no spell" not in capsys.readouterr().err
    design = read_design(tmp_path / "study" / "design.toml")
    assert "NOTE" not in (tmp_path / "study" / "design.toml").read_text()
    assert design.time_zero.to is not None and design.data.extract_date is not None
    assert design.time_zero.to <= design.data.extract_date
