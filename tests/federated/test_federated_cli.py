"""escalation share / pool / demo --authorities, end to end on simulated authorities."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import shutil
import warnings
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from escalation.cli import main
from escalation.data.io import write_case_history
from escalation.data.simulator import (
    AuthorityVariation,
    SimulationConfig,
    simulate_local_authorities,
)
from escalation.design import DataSpec
from escalation.errors import StatisticalWarning
from escalation.federated.demo import run_federated_demo
from escalation.federated.pack import SharePack, write_share_pack
from tests.federated.federated_support import authorities, cheap_design, packs


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``escalation share`` run in each authority's folder with :func:`cheap_design`.

    Returns the folder, the packs folder, the share exit codes and what share printed.
    Both tests read these packs: the hub pools them, and the check of a mismatched design
    pairs the first with a pack shared under another seed (so no authority is shared twice).
    """
    root = tmp_path_factory.mktemp("federated_cli")
    design = cheap_design()
    codes = []
    printed = io.StringIO()
    # Small simulated authorities: models may rightly warn about sparse levels.
    with warnings.catch_warnings(), contextlib.redirect_stdout(printed):
        warnings.simplefilter("ignore", StatisticalWarning)
        for la, sim in authorities().authorities.items():
            home = root / la
            write_case_history(sim.history, home / "data")
            design.replace(data=DataSpec(path="data")).write(home / "design.toml")
            codes.append(main(["share", str(home / "design.toml"), "--out", str(root / "packs")]))
    return {"root": root, "packs": root / "packs", "codes": codes, "out": printed.getvalue()}


def test_share_prints_the_registered_design_hash_and_names_the_pack_s(
    shared: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """Was: ``share`` printed "Design SHA-256" with the pack's hash (of the design without
    ``[data]`` and ``[compute]``), which differs from the one ``register`` prints for the
    same file: analysts would think they ran another design. It prints the design's hash
    as ``register`` gives it, and the pack's under a name that says what it is."""
    first = sorted(p for p in shared["root"].iterdir() if (p / "design.toml").exists())[0]
    capsys.readouterr()
    assert main(["register", str(first / "design.toml"), "--out", str(first / "reg")]) == 0
    registered = capsys.readouterr().out.split("Design SHA-256 ")[1].split()[0]
    with zipfile.ZipFile(shared["packs"] / f"{first.name}.zip") as pack:
        in_pack = json.loads(pack.read("manifest.json"))["design_sha256"]
    assert registered != in_pack  # the two hashes, of two texts, do differ
    lines = shared["out"].splitlines()
    said = [line for line in lines if line.startswith("Design SHA-256 ")]
    assert said[0] == f"Design SHA-256 {registered} (the design as run, as manifest.json " + (
        "records it; escalation register gives the same for an unchanged design file)"
    )
    pack_lines = [line for line in lines if line.startswith("Pack design hash ")]
    assert pack_lines[0] == f"Pack design hash {in_pack} (without [data] and [compute]: " + (
        "what the hub compares across authorities' packs)"
    )


# Small simulated authorities: models may rightly warn about sparse levels.
@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
@pytest.mark.usefixtures("png_figures")  # the pooled tables and PNG are checked
def test_share_in_each_authority_then_pool_at_the_hub(
    shared: dict[str, Any], tmp_path: Path
) -> None:
    sims = authorities()
    design = cheap_design()
    assert shared["codes"] == [0] * len(sims.codes)
    assert "Design SHA-256" in shared["out"]
    packs = sorted(shared["packs"].glob("*.zip"))
    assert [p.stem for p in packs] == list(sims.codes)
    # Written through the output folder: its manifest lists every authority's pack shared
    # there (each run keeps the packs of the runs before it).
    manifest = json.loads((shared["packs"] / "manifest.json").read_text())
    assert manifest["command"].startswith("escalation share")
    assert [o["path"] for o in manifest["outputs"]] == [p.name for p in packs]
    design.write(tmp_path / "registered.toml")
    code = main(
        [
            "pool",
            *map(str, packs),
            "--out",
            str(tmp_path / "pooled"),
            "--design",
            str(tmp_path / "registered.toml"),
        ]
    )
    assert code == 0
    pooled = tmp_path / "pooled"
    for name in ("meta_analysis", "cox_pooled", "curves", "table1", "checks", "meta_regression"):
        assert (pooled / "results" / f"{name}.csv").exists(), name
    assert (pooled / "figures" / "forest_hazard_ratio.png").exists()
    html = (pooled / "brief.html").read_text()
    assert "Evidence from 3 local authorities" in html
    identifiers = set(sims.history.children["child_id"])
    assert not any(i in html for i in list(identifiers)[:500])
    checks = pd.read_csv(pooled / "results" / "checks.csv")
    assert checks["matches"].all()


def test_pool_refuses_a_pack_of_another_design(
    shared: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    sims = authorities()
    first, second = list(sims.codes)[:2]
    # the first authority's pack as shared under the design; the second shares its data
    # under the same design but another seed
    (tmp_path / "packs").mkdir()
    shutil.copy(shared["packs"] / f"{first}.zip", tmp_path / "packs")
    home = tmp_path / second
    write_case_history(sims.authorities[second].history, home / "data")
    own = cheap_design().replace(data=DataSpec(path="data"))
    own = own.replace(estimation=dataclasses.replace(own.estimation, seed=7))
    own.write(home / "design.toml")
    # the folder holds a pack copied by hand, which escalation did not write: --overwrite
    argv = ["share", str(home / "design.toml"), "--out", str(tmp_path / "packs")]
    assert main([*argv, "--overwrite"]) == 0
    capsys.readouterr()  # what share printed
    packs = [str(p) for p in sorted((tmp_path / "packs").glob("*.zip"))]
    assert len(packs) == 2
    # one pack each: no design is the majority's, so the hub names both and asks
    assert main(["pool", *packs, "--out", str(tmp_path / "pooled")]) == 2
    err = capsys.readouterr().err
    assert "no design was used by most" in err and "--design" in err
    assert f": {first}" in err and f": {second}" in err
    assert not (tmp_path / "pooled").exists()
    registered = tmp_path / "registered.toml"
    cheap_design().write(registered)
    argv = ["pool", *packs, "--design", str(registered), "--out", str(tmp_path / "pooled")]
    assert main(argv) == 2
    assert f"{second} used a different design from the registered design" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "pooled").exists()


def coded(pack: SharePack, code: str) -> SharePack:
    """The pack as the authority with the code ``code`` would have shared it."""
    return dataclasses.replace(
        pack,
        authority=code,
        manifest={**pack.manifest, "authority": code},
        tables={**pack.tables, "authority": pack.tables["authority"].assign(authority=code)},
    )


def test_pool_matches_authority_codes_with_a_leading_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--characteristics`` and the packs keep ``0886`` as ``0886``.

    Both were read with pandas' default types: ``0886`` became 886 in the packs'
    authority tables and in the characteristics, so the notes matched them with each
    other but no estimate (of authority ``0886``) had a characteristic, and every
    meta-regression was left out ("no value of early_help_rate: 0886, ...").
    """
    codes = ["0886", "0887", "0888"]
    for pack, code in zip(packs(), codes, strict=True):
        write_share_pack(coded(pack, code), tmp_path / "packs")
    # a national table: a row for an authority not pooled, one characteristic blank
    table = tmp_path / "authorities.csv"
    table.write_text(
        "authority,early_help_rate,deprivation\n"
        "0886,0.3,4.0\n0887,0.4,5.0\n0888,0.5,6.5\n0999,0.2,\n"
    )
    packed = [str(p) for p in sorted((tmp_path / "packs").glob("*.zip"))]
    out = tmp_path / "pooled"
    assert main(["pool", *packed, "--out", str(out), "--characteristics", str(table)]) == 0
    printed = capsys.readouterr().out
    assert "Pooled         3 authorities: 0886, 0887, 0888" in printed
    assert "characteristics: 0999 is not a pooled authority (not used)." in printed
    assert "no row for" not in printed and "no value of" not in printed
    published = pd.read_csv(out / "results" / "authorities.csv", dtype={"authority": str})
    assert published["authority"].tolist() == codes
    assert published["deprivation"].tolist() == [4.0, 5.0, 6.5]  # the table's, as numbers
    regressions = pd.read_csv(out / "results" / "meta_regression.csv")
    hazard = regressions[regressions["estimator"] == "cox_ps_stratified"]
    assert set(hazard["moderators"]) == {"early_help_rate", "deprivation"}
    assert (hazard["k"] == 3).all()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def no_work(*args: Any, **kwargs: Any) -> Any:
    """Stands in for the analysis: a refused folder must be refused before it runs."""
    raise AssertionError("the analysis ran before the output folder refused the run")


def test_share_writes_through_an_output_folder(
    shared: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # share wrote its pack with no output folder: into a folder of someone else's files,
    # another command's folder or its own data folder, over a pack copied there by hand
    # (after the analysis had run), and with no manifest.
    from escalation.cli import share
    from escalation.federated.pack import read_share_pack
    from escalation.report.outputs import OutputFolder

    sims = authorities()
    first = next(iter(sims.codes))
    home = tmp_path / "home"
    write_case_history(sims.authorities[first].history, home / "data")
    cheap_design().replace(data=DataSpec(path="data")).write(home / "design.toml")
    design = str(home / "design.toml")
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "report.docx").write_text("the analyst's own file")
    copied = tmp_path / "copied"
    copied.mkdir()
    shutil.copy(shared["packs"] / f"{first}.zip", copied)
    with OutputFolder(tmp_path / "built", command=f"escalation build {design}") as folder:
        (folder.staging / "flow.csv").write_text("rule,children\n")
        folder.commit(command=folder.command)
    monkeypatch.setattr(share, "build_share_pack", no_work)
    cases = [
        ("mine", [], "not written by escalation"),
        ("built", [], "was written by `escalation build`"),
        ("home", [], "design.toml, which lies inside the output folder"),
        ("home", ["--overwrite"], "design.toml, which lies inside the output folder"),
        ("home/data", ["--overwrite"], "data, which is the output folder"),
        ("copied", ["--overwrite"], f"{first}.zip, which escalation did not write"),
        ("pack.zip", [], "names a file"),
    ]
    capsys.readouterr()
    for name, extra, says in cases:
        before = snapshot(tmp_path)
        assert main(["share", design, "--out", str(tmp_path / name), *extra]) == 2, name
        err = capsys.readouterr().err
        assert says in err, err
        assert snapshot(tmp_path) == before, name
    # Into a folder of packs share wrote, an authority's pack replaces its own earlier one
    # and keeps the others, all listed by the manifest.
    packs = tmp_path / "packs"
    shutil.copytree(shared["packs"], packs)
    again = read_share_pack(packs / f"{first}.zip")
    monkeypatch.setattr(share, "build_share_pack", lambda *args, **kwargs: again)
    (packs / f"{first}.zip").unlink()  # gone: it is written again, the others are kept
    assert main(["share", design, "--out", str(packs)]) == 0
    manifest = json.loads((packs / "manifest.json").read_text())
    assert [o["path"] for o in manifest["outputs"]] == [f"{code}.zip" for code in sims.codes]
    assert manifest["authority"] == first
    assert read_share_pack(packs / f"{first}.zip").design_hash == again.design_hash
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_demo_with_authorities_runs_the_federated_path(tmp_path: Path) -> None:
    demo = run_federated_demo(
        tmp_path, authorities=2, children=2_500, seed=3, bootstrap=5, progress=False, jobs=1
    )
    assert len(demo.packs) == 2
    for pack in demo.packs:
        with zipfile.ZipFile(pack) as archive:
            assert "cox_profiles.csv" in archive.namelist()
    assert (tmp_path / "pooled" / "brief.html").exists()
    truth = json.loads(demo.truth.read_text())
    assert {"authorities", "by_authority", "pooled", "mean_over_authorities"} <= set(truth)
    html = (tmp_path / "pooled" / "brief.html").read_text()
    assert "Simulated local authorities: not real children" in html
    # Every pooled figure says it was drawn from simulated data, as the study's do.
    svgs = sorted((tmp_path / "pooled" / "figures").glob("*.svg"))
    assert svgs and all("Simulated data: not real children" in s.read_text() for s in svgs)
    manifest = json.loads((tmp_path / "pooled" / "manifest.json").read_text())
    assert manifest["design_sha256"] == demo.pooled.design_sha256
    assert "bootstrap = 5" in (tmp_path / "registered_design.toml").read_text()
    # Was: nothing recorded how the authorities were simulated. The record alone makes
    # them again, and the brief's footer says they were simulated and how.
    record = manifest["simulation"]
    again = simulate_local_authorities(
        record["authorities"],
        n_children=record["children"],
        seed=record["seed"],
        config=SimulationConfig(**record["config"]),
        variation=AuthorityVariation(**record["variation"]),
    )
    pd.testing.assert_frame_equal(
        again.characteristics, pd.DataFrame(truth["authorities"]), check_dtype=False
    )
    assert "2 local authorities of about 2,500 children each, seed 3" in html
    assert manifest["command"] == (
        "escalation demo --authorities 2 --children 5000 --seed 3 --bootstrap 5"
    )
