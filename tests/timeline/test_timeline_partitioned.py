"""Spells from a partitioned case history equal one build on all the data, on any engine.

The session's Dask cluster is reached through its scheduler address, the path a user with a
cluster takes (``--scheduler ADDRESS``).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.cli import main
from escalation.compute import use_compute
from escalation.data.codes import ASSESSMENT_FACTORS
from escalation.data.dataset import write_case_history_dataset
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.data.simulator.national import simulate_national
from escalation.design import default_design
from escalation.errors import DataValidationError
from escalation.timeline import build_spells
from escalation.timeline.partitioned import SPELL_ID_STRIDE, build_spell_dataset


@pytest.fixture(scope="module")
def history():  # type: ignore[no-untyped-def]
    return simulate_local_authority(3000, seed=8, config=SimulationConfig(notes=False)).history


@pytest.fixture
def scheduler(dask_scheduler: str) -> str:
    return dask_scheduler


def by_child(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(["child_id", "time_zero"], kind="stable").reset_index(drop=True)


def test_partitioned_build_equals_one_build(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    design = default_design()
    whole = build_spells(history, design)
    dataset = write_case_history_dataset(history, tmp_path / "in", buckets=4)
    built = build_spell_dataset(dataset, design, tmp_path / "out")
    spells = built.read("spells")
    assert spells["spell_id"].is_unique
    assert set(spells["spell_id"] // SPELL_ID_STRIDE) <= {0, 1, 2, 3}
    ours = by_child(spells.drop(columns=["spell_id", "bucket"]))
    theirs = by_child(whole.spells.drop(columns=["spell_id"]))
    assert list(ours.columns) == list(theirs.columns)
    for column in theirs.columns:  # dtypes may differ (categoricals read back), values not
        assert ours[column].astype(str).tolist() == theirs[column].astype(str).tolist(), column
    pd.testing.assert_frame_equal(built.flow, whole.flow, check_dtype=False)
    counting = built.read("counting")
    assert len(counting) == len(whole.counting) == built.rows["counting"]
    id_map = dict(zip(spells["spell_id"], spells["child_id"], strict=True))
    theirs_map = dict(zip(whole.spells["spell_id"], whole.spells["child_id"], strict=True))
    keyed = counting.assign(child_id=counting["spell_id"].map(id_map))
    keyed_theirs = whole.counting.assign(child_id=whole.counting["spell_id"].map(theirs_map))
    columns = ["child_id", "start", "stop", "event", "treatment_tv", "early_help_episodes"]
    pd.testing.assert_frame_equal(
        keyed[columns].sort_values(columns[:3]).reset_index(drop=True),
        keyed_theirs[columns].sort_values(columns[:3]).reset_index(drop=True),
        check_dtype=False,
    )


def test_factor_columns_are_the_union_over_partitions(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # Give a factor the simulator never records to one child: only one partition sees it.
    before = build_spells(history, default_design()).spells
    unused = next(c for c in ASSESSMENT_FACTORS if f"factor_{c}" not in before.columns)
    child = before.loc[before["n_factors"] > 0, "child_id"].iloc[0]
    episodes = history.episodes.copy()
    mine = (episodes["child_id"] == child) & (episodes["kind"] == "assessment")
    episodes.loc[mine, "factors"] = unused
    marked = history.with_tables(episodes=episodes)
    whole = build_spells(marked, default_design())
    dataset = write_case_history_dataset(marked, tmp_path / "in", buckets=6)
    built = build_spell_dataset(dataset, default_design(), tmp_path / "out")
    spells = built.read("spells")
    factors = [c for c in whole.spells.columns if c.startswith("factor_")]
    assert list(built.factors) == factors
    assert [c for c in spells.columns if c.startswith("factor_")] == factors
    assert spells[f"factor_{unused}"].sum() == whole.spells[f"factor_{unused}"].sum() == 1
    assert spells.columns.tolist().index("n_factors") == len(spells.columns) - 2  # then bucket


def test_invalid_rows_stop_the_build_and_are_located(history, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    dataset = write_case_history_dataset(history, tmp_path / "in", buckets=3)
    for bucket, row in (("0", 2), ("2", 5)):
        file = tmp_path / "in" / "episodes" / f"bucket={bucket}" / "part-0.parquet"
        frame = pd.read_parquet(file)
        frame["kind"] = frame["kind"].astype("string")
        frame.loc[row, "kind"] = "referal"  # a typo: shown
        frame.to_parquet(file, index=False)
    with pytest.raises(DataValidationError) as error:
        build_spell_dataset(dataset, default_design(), tmp_path / "out")
    described = [p.describe() for p in error.value.problems]
    reason = "unknown episode kind (the contract's kinds are contact, referral, assessment, "
    reason += "early_help, cin_plan, s47, icpc, cp_plan, looked_after, moved_out, death)"
    assert described == [
        # the rows a spreadsheet shows (header row 1): frame rows 2 and 5
        f"table 'episodes (bucket=0)', row 4, column 'kind', value 'referal': {reason}",
        f"table 'episodes (bucket=2)', row 7, column 'kind', value 'referal': {reason}",
    ]
    assert not (tmp_path / "out" / "spells").exists()
    assert [p.name for p in (tmp_path / "out").iterdir()] == []  # no staging left behind


def test_national_simulation_and_build_on_a_dask_scheduler(tmp_path: Path, scheduler: str) -> None:
    here = simulate_national(2400, tmp_path / "a", authorities=3, seed=5)
    with use_compute(scheduler=scheduler) as engine:
        assert engine.backend == "dask"
        there = simulate_national(2400, tmp_path / "b", authorities=3, seed=5)
        built = build_spell_dataset(there, default_design(), tmp_path / "b_out")
    for partition in here.partitions:
        a, b = here.read(partition), there.read(partition)
        pd.testing.assert_frame_equal(a.children, b.children, check_exact=True)
        pd.testing.assert_frame_equal(a.episodes, b.episodes, check_exact=True)
    ids = pd.concat([here.read(p).children["child_id"] for p in here.partitions])
    assert ids.is_unique and ids.str.startswith("LA00").all()
    # Children carry the contract's la column (the authority), and so do the spells.
    assert (here.read("LA003").children["la"] == "LA003").all()
    # Authority 2 is the simulator's own output for its derived seed, relabelled.
    seed = int(np.random.SeedSequence(5, spawn_key=(1,)).generate_state(1)[0])
    alone = simulate_local_authority(800, seed=seed, config=SimulationConfig(notes=False))
    assert (("LA002-" + alone.history.episodes["child_id"]).tolist()) == (
        here.read("LA002").episodes["child_id"].tolist()
    )
    in_process = build_spell_dataset(here, default_design(), tmp_path / "a_out")
    pd.testing.assert_frame_equal(in_process.read("spells"), built.read("spells"), check_exact=True)
    pd.testing.assert_frame_equal(in_process.flow, built.flow)
    spells = in_process.read("spells")
    assert sorted(spells["la"].unique()) == ["LA001", "LA002", "LA003"]
    truth = pd.read_parquet(tmp_path / "a" / "truth")
    assert truth["child_id"].str.startswith("LA").all()


def test_build_cli_on_a_partitioned_folder_with_a_scheduler(
    tmp_path: Path, scheduler: str, capsys: pytest.CaptureFixture[str]
) -> None:
    simulate_national(1500, tmp_path / "data", authorities=2, seed=2)
    design = tmp_path / "design.toml"
    design.write_text(default_design().to_toml() + "\n[compute]\nworkers = 1\n")
    code = main(
        [
            "build",
            str(design),
            "--data",
            str(tmp_path / "data"),
            "--out",
            str(tmp_path / "out"),
            "--scheduler",
            scheduler,
            "--no-progress",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "Partitions     2 (by authority)" in out
    assert sorted(p.name for p in (tmp_path / "out" / "spells").iterdir()) == [
        "authority=LA001",
        "authority=LA002",
    ]
    flow = pd.read_csv(tmp_path / "out" / "flow.csv")
    spells = pd.read_parquet(tmp_path / "out" / "spells")
    assert flow.loc[flow["rule"] == "spells", "episodes"].iloc[0] == len(spells)
    code = main(["validate", str(tmp_path / "data"), "--workers", "1"])
    assert code == 0


def test_simulate_authorities_writes_an_owned_folder_with_a_manifest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    from escalation.data.dataset import open_case_history_dataset
    from escalation.report.manifest import file_hash
    from escalation.report.outputs import inspect_folder

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own notes")
    argv = ["simulate", "--children", "600", "--authorities", "2", "--seed", "4", "--out"]
    assert main([*argv, str(mine)]) == 2  # refused, nothing written
    assert "not written by escalation" in capsys.readouterr().err
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]

    out = tmp_path / "national"
    assert main([*argv, str(out), "--workers", "1"]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    outputs = {o["path"]: o["sha256"] for o in manifest["outputs"]}
    assert any(p.startswith("episodes/authority=LA002/") for p in outputs)
    assert all(file_hash(out / p) == h for p, h in outputs.items())
    assert not inspect_folder(out).foreign
    assert manifest["seeds"] == {"simulation": 4}
    assert manifest["simulation"]["authorities"] == 2
    assert (manifest["simulation"]["children"], manifest["simulation"]["seed"]) == (600, 4)
    assert manifest["simulation"]["rows"]["children"] == 600
    assert open_case_history_dataset(out).partitions == ("LA001", "LA002")
    # A rerun replaces escalation's own folder (no stale partitions are left).
    assert main(["simulate", "--children", "300", "--authorities", "1", "--out", str(out)]) == 0
    assert open_case_history_dataset(out).partitions == ("LA001",)


def test_a_child_in_two_partitions_is_reported_beside_other_problems(tmp_path: Path) -> None:
    # the duplicate was looked for only among partitions without problems: a user fixed the
    # birth date, ran again, and only then learnt of the duplicate
    dataset = simulate_national(400, tmp_path / "nat", authorities=2, seed=3)
    children = [
        tmp_path / "nat" / "children" / f"authority=LA00{k}" / "part-0.parquet" for k in (1, 2)
    ]
    one, two = pd.read_parquet(children[0]), pd.read_parquet(children[1])
    two = pd.concat([two, one.iloc[[0]]], ignore_index=True)
    two.loc[2, "birth_date"] = None
    two.to_parquet(children[1], index=False)
    with pytest.raises(DataValidationError) as error:
        build_spell_dataset(dataset, default_design(), tmp_path / "out")
    described = [p.describe() for p in error.value.problems]
    assert described[0].startswith(
        "table 'children (authority=LA002)', row 4, column 'birth_date', value <empty>"
    )
    assert described[-1] == (
        f"table 'children (authority=LA002)', row {len(two) + 1}, column 'child_id', value "
        "<withheld: personal data>: child_id also appears in partition authority=LA001 "
        "(row 2): all of a child's rows must be in one partition"
    )
    assert not (tmp_path / "out" / "spells").exists()


def test_partitioned_build_records_what_it_read(tmp_path: Path) -> None:
    # the manifest of a partitioned build had "input_hash": null: two builds of different
    # national datasets with one design could not be told apart
    import json

    from escalation.data.validate import validate_case_history

    dataset = simulate_national(600, tmp_path / "data", authorities=2, seed=6)
    design = tmp_path / "design.toml"
    design.write_text(default_design().to_toml())

    def build(out: str) -> dict[str, object]:
        argv = ["build", str(design), "--data", str(tmp_path / "data"), "--out"]
        assert main([*argv, str(tmp_path / out), "--no-progress", "--workers", "1"]) == 0
        manifest: dict[str, object] = json.loads((tmp_path / out / "manifest.json").read_text())
        return manifest

    first = build("a")
    digests = {p: validate_case_history(dataset.read(p)).digest() for p in dataset.partitions}
    assert first["partition_hashes"] == digests
    lines = sorted(f"{d}  authority={p}\n" for p, d in digests.items())
    assert first["input_hash"] == hashlib.sha256("".join(lines).encode()).hexdigest()
    meta = json.loads((tmp_path / "a" / "spells_dataset.json").read_text())
    assert meta["input_hash"] == first["input_hash"]
    file = tmp_path / "data" / "children" / "authority=LA002" / "part-0.parquet"
    children = pd.read_parquet(file)
    children.loc[0, "disability"] = not children.loc[0, "disability"]
    children.to_parquet(file, index=False)
    second = build("b")
    assert second["input_hash"] != first["input_hash"]
    hashes = (first["partition_hashes"], second["partition_hashes"])
    assert [hashes[0][p] == hashes[1][p] for p in ("LA001", "LA002")] == [True, False]  # type: ignore[index]


def test_a_covariate_one_partition_lacks_reads_back_with_the_others(  # type: ignore[no-untyped-def]
    history, tmp_path: Path
) -> None:
    # an authority whose children have no deprivation decile (all missing) stored the
    # column with Arrow's null type; first in the dataset, its type ruled the others' and
    # the built spells could not be read back ('Unsupported cast from int64 to null')
    import dataclasses

    from escalation.data.dataset import identifier_text, partition_bucket

    bucket = partition_bucket(identifier_text(history.children["child_id"]), 3)
    decile = history.children["imd_decile"].astype(float)
    decile[bucket == 0] = np.nan  # no decile in one authority
    decile[bucket == 2] += 0.5  # decimals in another
    children = history.children.assign(imd_decile=decile)
    changed = dataclasses.replace(history, children=children)
    dataset = write_case_history_dataset(changed, tmp_path / "in", buckets=3)
    first = pd.read_parquet(tmp_path / "in" / "children" / "bucket=0" / "part-0.parquet")
    first.assign(imd_decile=None).to_parquet(  # as an authority without the column writes it
        tmp_path / "in" / "children" / "bucket=0" / "part-0.parquet", index=False
    )
    design = default_design()
    built = build_spell_dataset(dataset, design, tmp_path / "out")
    spells = built.read("spells")
    missing = spells.groupby("bucket", observed=True)["imd_decile"].apply(lambda v: v.isna().all())
    assert missing.tolist() == [True, False, False]
    assert (
        pd.read_parquet(tmp_path / "out" / "spells")["imd_decile"].isna().sum()
        == (spells["bucket"] == "0").sum()
    )
    whole = build_spells(changed, design).spells
    ours = by_child(spells)["imd_decile"].astype(float).to_numpy()
    np.testing.assert_array_equal(ours, by_child(whole)["imd_decile"].astype(float).to_numpy())
    assert (ours[by_child(spells)["bucket"].to_numpy() == "2"] % 1 == 0.5).all()


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")  # small data
def test_documented_estimate_from_a_built_folder_equals_the_in_memory_one(  # type: ignore[no-untyped-def]
    history, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/scaling.md's snippet reads ``escalation build``'s folder into estimates.

    National data stopped at ``escalation build``: no documented way led from the built
    ``spells/`` folder to an estimate. The snippet is run as written, in the folder holding
    ``built/``; its estimates, bootstrap standard errors included, are those of one
    ``build_spells`` of the same history in memory.
    """
    import functools
    import re

    import escalation.causal as causal

    page = (Path(__file__).parents[2] / "docs" / "scaling.md").read_text(encoding="utf-8")
    blocks = re.findall(r"^```python\n(.*?)^```", page, re.S | re.M)
    (snippet,) = [b for b in blocks if 'read_built_spells("built")' in b]
    design = default_design().with_estimation(bootstrap=5)
    (tmp_path / "design.toml").write_text(design.to_toml(), encoding="utf-8")
    write_case_history_dataset(history, tmp_path / "national", buckets=4)
    monkeypatch.chdir(tmp_path)
    assert main(["build", "design.toml", "--data", "national", "--out", "built", "--quiet"]) == 0
    one_process = functools.partial(causal.estimate_effects, n_jobs=1, progress=False)
    monkeypatch.setattr(causal, "estimate_effects", one_process)
    namespace: dict[str, object] = {}
    exec(compile(snippet, "docs/scaling.md", "exec"), namespace)
    ours = namespace["fit"].tidy()  # type: ignore[attr-defined]
    whole = build_spells(history, design)
    theirs = one_process(whole).tidy()
    assert len(ours) == len(theirs) > 0 and ours["std_error"].notna().any()
    numbers = theirs.select_dtypes("number").columns
    pd.testing.assert_frame_equal(ours.drop(columns=numbers), theirs.drop(columns=numbers))
    np.testing.assert_allclose(ours[numbers], theirs[numbers], rtol=1e-9, atol=1e-12)
