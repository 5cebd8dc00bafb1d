"""``escalation estimate --spells BUILT``: estimates from the folder ``escalation build`` wrote.

Was: national data stopped at ``escalation build``; only a hand-written Python snippet led
from the built ``spells/`` folder to estimates, and no command did. The reference is
``escalation estimate`` on the original case histories (one ``build_spells`` in memory).
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.cli import main
from escalation.data.dataset import write_case_history_dataset
from escalation.data.io import write_case_history
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.design import default_design
from escalation.errors import DesignError

# Caveats (a small simulated authority, 5 bootstrap replicates) are shown as warnings.
pytestmark = pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
QUICK = ["--jobs", "1", "--refutations", "0", "--trees", "0", "--quiet"]


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with design.toml, the history whole (plain/) and partitioned (national/),
    and ``escalation build`` of the partitioned one (built/)."""
    root = tmp_path_factory.mktemp("study")
    history = simulate_local_authority(3000, seed=8, config=SimulationConfig(notes=False)).history
    design = default_design().with_estimation(bootstrap=5)
    (root / "design.toml").write_text(design.to_toml(), encoding="utf-8")
    write_case_history(history, root / "plain")
    write_case_history_dataset(history, root / "national", buckets=4)
    args = ["build", str(root / "design.toml"), "--data", str(root / "national")]
    assert main([*args, "--out", str(root / "built"), "--quiet"]) == 0
    return root


def test_estimate_from_the_built_folder_equals_estimate_on_the_history(study: Path) -> None:
    design = str(study / "design.toml")
    whole = study / "whole"
    built = study / "from_built"
    assert (
        main(["estimate", design, "--data", str(study / "plain"), "--out", str(whole), *QUICK]) == 0
    )
    assert main(["estimate", "--spells", str(study / "built"), "--out", str(built), *QUICK]) == 0
    ours = pd.read_csv(built / "effects.csv")
    theirs = pd.read_csv(whole / "effects.csv")
    assert len(ours) == len(theirs) > 0 and ours["std_error"].notna().any()
    numbers = theirs.select_dtypes("number").columns
    pd.testing.assert_frame_equal(ours.drop(columns=numbers), theirs.drop(columns=numbers))
    np.testing.assert_allclose(ours[numbers], theirs[numbers], rtol=1e-9, atol=1e-12)
    # The manifest records the build's input hash: that of the case histories it read.
    build = json.loads((study / "built" / "manifest.json").read_text(encoding="utf-8"))
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["input_hash"] == build["input_hash"]
    assert len(build["input_hash"]) == 64


def test_a_design_given_with_the_built_folder_may_change_only_the_estimation(
    study: Path,
) -> None:
    from escalation.timeline.partitioned import read_built_spells

    base = default_design().with_estimation(bootstrap=5)
    horizons = dataclasses.replace(base.outcome, horizons=(180, 365))
    data = read_built_spells(study / "built", base.replace(outcome=horizons))
    assert data.design.outcome.horizons == (180, 365)
    grace = dataclasses.replace(base.treatment, grace_days=30)
    with pytest.raises(DesignError, match=r"differs from the build's in what decides the spells"):
        read_built_spells(study / "built", base.replace(treatment=grace))
    # The same refusal from the command line, with its exit status 2.
    other = study / "grace30.toml"
    other.write_text(base.replace(treatment=grace).to_toml(), encoding="utf-8")
    out = study / "refused"
    assert (
        main(["estimate", str(other), "--spells", str(study / "built"), "--out", str(out), *QUICK])
        == 2
    )
    assert not (out / "effects.csv").exists()


def test_a_folder_that_is_not_a_build_is_refused_and_named(
    study: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder, says in (
        (study / "plain", "no manifest.json"),
        (study / "nowhere", "no such folder"),
    ):
        assert main(["estimate", "--spells", str(folder), "--out", str(study / "x"), *QUICK]) == 2
        err = capsys.readouterr().err
        assert f"built spells {folder}" in err and says in err
    assert (
        main(["estimate", "--spells", str(study / "built"), "--out", str(study / "e"), *QUICK]) == 0
    )
    capsys.readouterr()
    assert main(["estimate", "--spells", str(study / "e"), "--out", str(study / "x"), *QUICK]) == 2
    assert "'escalation estimate', not escalation build" in capsys.readouterr().err
    assert (
        main(
            [
                "estimate",
                "--spells",
                str(study / "built"),
                "--data",
                str(study / "plain"),
                "--out",
                str(study / "x"),
                *QUICK,
            ]
        )
        == 2
    )
    assert "leave out --data" in capsys.readouterr().err
    assert main(["estimate", "--out", str(study / "x"), *QUICK]) == 2
    assert "give the study design file (DESIGN), or --spells BUILT" in capsys.readouterr().err


def test_a_design_toml_edited_after_the_build_is_refused(study: Path, tmp_path: Path) -> None:
    import shutil

    from escalation.timeline.partitioned import read_built_spells

    copy = tmp_path / "built"
    shutil.copytree(study / "built", copy)
    design = default_design().with_estimation(bootstrap=5)
    edited = design.replace(treatment=dataclasses.replace(design.treatment, grace_days=7))
    (copy / "design.toml").write_text(edited.to_toml(), encoding="utf-8")
    with pytest.raises(DesignError, match=r"design.toml: changed since the build"):
        read_built_spells(copy)


def test_a_build_of_one_folder_is_read_as_well(study: Path) -> None:
    """``escalation build`` of a plain folder writes ``spells.parquet``: the same estimates."""
    design = str(study / "design.toml")
    plain = ["--data", str(study / "plain")]
    assert main(["build", design, *plain, "--out", str(study / "built_plain"), "--quiet"]) == 0
    whole, ours = study / "whole_again", study / "from_plain_build"
    assert main(["estimate", design, *plain, "--out", str(whole), *QUICK]) == 0
    spells = ["--spells", str(study / "built_plain")]
    assert main(["estimate", design, *spells, "--out", str(ours), *QUICK]) == 0
    pd.testing.assert_frame_equal(
        pd.read_csv(ours / "effects.csv"), pd.read_csv(whole / "effects.csv"), rtol=1e-9
    )
