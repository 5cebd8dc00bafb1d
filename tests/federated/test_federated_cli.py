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
from escalation.design import DataSpec
from escalation.errors import StatisticalWarning
from escalation.federated.demo import run_federated_demo
from tests.federated.federated_support import authorities, cheap_design


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
    main(["share", str(home / "design.toml"), "--out", str(tmp_path / "packs")])
    capsys.readouterr()  # what share printed
    packs = [str(p) for p in sorted((tmp_path / "packs").glob("*.zip"))]
    assert len(packs) == 2
    assert main(["pool", *packs, "--out", str(tmp_path / "pooled")]) == 2
    assert "used a different design" in capsys.readouterr().err
    assert not (tmp_path / "pooled").exists()


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
    manifest = json.loads((tmp_path / "pooled" / "manifest.json").read_text())
    assert manifest["design_sha256"] == demo.pooled.design_sha256
    assert "bootstrap = 5" in (tmp_path / "registered_design.toml").read_text()
