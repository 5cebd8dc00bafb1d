"""The simulation-study harness: plans, seeds, resuming, workers, the command line."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.cli import main
from escalation.errors import DesignError
from escalation.simstudy import SimulationPlan, SimulationStudy, read_plan, run_simstudy
from escalation.simstudy import study as study_module

ROOT = Path(__file__).resolve().parents[2]
STABLE = [c for c in study_module.RESULT_COLUMNS if c not in ("se_method", "warnings", "error",
                                                                   "seconds")]  # fmt: skip


def small_plan(**changes: object) -> SimulationPlan:
    plan = SimulationPlan(
        generator="spells",
        replications=3,
        seed=11,
        varied={"confounding": (0.0, 1.0)},
        fixed={"n": 300},
        estimators=("unadjusted", "ipw"),
        horizons=(365,),
        bootstrap=4,
    )
    return dataclasses.replace(plan, **changes)


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> SimulationStudy:
    """:func:`small_plan` run once, here (one worker), into a folder of its own: the study
    that resumed, stopped and Dask runs must reproduce (each run is 0.4-0.5 s of CPU)."""
    return run_simstudy(small_plan(), out=tmp_path_factory.mktemp("whole"), workers=1)


def stopping_after(finished: int):  # type: ignore[no-untyped-def]
    """Return ``replicate`` as a user stopping the run (Ctrl-C) after ``finished`` calls."""
    real = study_module.replicate
    calls = {"n": 0}

    def replicate(task, plan):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] > finished:
            raise KeyboardInterrupt
        return real(task, plan)

    return replicate


def stable(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[STABLE].sort_values(STABLE[:5]).reset_index(drop=True)


def test_plan_file_reads_and_grids(tmp_path: Path) -> None:
    file = tmp_path / "plan.toml"
    file.write_text(
        '[study]\ngenerator = "spells"\nreplications = 2\nseed = 3\noutput = "out"\n'
        "[scenarios]\nn = [300, 600]\nconfounding = [0.0, 0.5, 1.0]\nfollowup = 800.0\n"
        '[estimation]\nestimators = ["aipw"]\nhorizons = [365]\nbootstrap = 0\n'
        "[compute]\nworkers = 2\n"
    )
    plan = read_plan(file)
    scenarios = plan.scenarios()
    assert len(scenarios) == 6
    assert [s.settings["n"] for s in scenarios] == [300, 300, 300, 600, 600, 600]
    assert {s.settings["followup"] for s in scenarios} == {800.0}
    assert len({s.scenario_id for s in scenarios}) == 6
    assert plan.output == str(tmp_path / "out") and plan.workers == 2
    # More replications or workers keep the fingerprint; other settings change it.
    assert dataclasses.replace(plan, replications=50, workers=1).fingerprint() == plan.fingerprint()
    assert dataclasses.replace(plan, bootstrap=5).fingerprint() != plan.fingerprint()


def test_scenario_ids_do_not_move_when_the_grid_grows() -> None:
    one = small_plan().scenarios()
    grown = small_plan(varied={"confounding": (0.0, 0.5, 1.0)}).scenarios()
    assert {s.scenario_id for s in one} <= {s.scenario_id for s in grown}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"generator": "spels"}, "did you mean 'spells'"),
        ({"fixed": {"n": 300, "confunding": 1.0}}, "did you mean 'confounding'"),
        ({"fixed": {"n": 300, "followup": 100.0}}, "followup must exceed 200 days"),
        ({"fixed": {"n": 300, "confounding": 0.5}}, "both fixed and varied"),
        ({"fixed": {"n": 10}}, "n = 10"),
        ({"estimators": ("aipw", "magic")}, "unknown 'magic'"),
        ({"varied": {"confounding": ()}}, "empty list"),
    ],
)
def test_bad_plans_are_explained(changes: dict[str, object], message: str) -> None:
    with pytest.raises(DesignError, match=message):
        small_plan(**changes)


_TOML_PLAN = {
    "study": {"generator": "spells", "replications": 2, "seed": 1},
    "scenarios": {"n": 300},
    "estimation": {"estimators": ["unadjusted"], "horizons": [365], "bootstrap": 0},
}


@pytest.mark.parametrize(
    ("section", "key", "value", "message"),
    [
        # each raised a bare TypeError ("'int' object is not iterable", "'<' not supported")
        ("estimation", "horizons", 365, r"horizons = 365: must be a list of days"),
        ("estimation", "conf_level", "0.95", r"conf_level = '0.95': must be a number"),
        (None, "scenarios", 5, r"scenarios = 5 must be a section"),
        # accepted: a string became its letters, [] meant the generator's confounders
        ("estimation", "covariates", "risk", r"covariates = 'risk': must be a non-empty list"),
        ("estimation", "covariates", [], r"covariates = \(\): must be a non-empty list"),
        ("estimation", "covariates", ["risk", "risk"], r"lists a column more than once"),
        ("study", "output", 5, r"output = 5: must be text"),
        ("study", "name", 5, r"name = 5: must be text"),
        # the value was shown as its letters: ['r', 'i', 's', 'k', ...]
        ("estimation", "estimands", "risk_ratio", r"estimands = 'risk_ratio': must be a non-empty"),
    ],
)
def test_bad_toml_plans_name_the_key_and_value(
    section: str | None, key: str, value: object, message: str
) -> None:
    mapping = {name: dict(values) for name, values in _TOML_PLAN.items()}
    if section is None:
        mapping[key] = value  # type: ignore[assignment]
    else:
        mapping[section][key] = value
    with pytest.raises(DesignError, match=message):
        SimulationPlan.from_dict(mapping)


def test_covariates_the_data_lack_are_refused_before_any_replication(tmp_path: Path) -> None:
    # every replication failed with the same error, and the "finished" study was all failures
    plan = small_plan(covariates=("risk", "riks"))
    with pytest.raises(DesignError, match=r"covariates = \['risk', 'riks'\]: .*riks"):
        run_simstudy(plan, out=tmp_path / "study", workers=1)
    assert not (tmp_path / "study" / "results").exists()
    fine = run_simstudy(small_plan(covariates=("risk",), replications=1), out=tmp_path / "ok")
    assert fine.results["error"].isna().all()


def test_local_authority_settings_are_the_simulator_config() -> None:
    plan = small_plan(
        generator="local_authority", varied={}, fixed={"n_children": 500, "confounding": 0.5}
    )
    settings = plan.scenarios()[0].settings
    assert settings["early_help_hazard_ratio"] == 0.75 and settings["notes"] is False
    with pytest.raises(DesignError, match="did you mean 'early_help_share'"):
        small_plan(generator="local_authority", varied={}, fixed={"early_help_shar": 0.4})


def test_results_do_not_depend_on_order_or_resuming(tmp_path: Path, whole: SimulationStudy) -> None:
    assert whole.new_replications == 6
    assert len(whole.results) == 2 * 3 * 2 * 4  # scenarios x reps x estimators x estimands
    assert whole.results["error"].isna().all()
    # Two replications first, then the third: only the missing ones run.
    first = run_simstudy(small_plan(), out=tmp_path / "parts", replications=2)
    second = run_simstudy(small_plan(), out=tmp_path / "parts")
    assert (first.new_replications, second.new_replications) == (4, 2)
    pd.testing.assert_frame_equal(stable(second.results), stable(whole.results), check_exact=True)
    assert len(list((tmp_path / "parts" / "results").rglob("*.parquet"))) >= 4


def test_a_stopped_run_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whole: SimulationStudy
) -> None:
    from escalation.report.outputs import inspect_folder

    real = study_module.replicate
    monkeypatch.setattr(study_module, "replicate", stopping_after(3))
    out = tmp_path / "study"
    with pytest.raises(KeyboardInterrupt):
        run_simstudy(small_plan(), out=out, flush_every=2)
    # The three finished replications were published (flushed at 2, then on stopping):
    # the folder is escalation's, with a manifest saying the study is unfinished.
    stopped = _manifest(out)
    assert stopped["complete"] is False and stopped["replications_stored"] == 3
    assert not inspect_folder(out).foreign and not (out / "performance.csv").exists()
    monkeypatch.setattr(study_module, "replicate", real)
    resumed = run_simstudy(small_plan(), out=out)
    assert resumed.new_replications == 3
    finished = _manifest(out)
    assert finished["complete"] is True and finished["replications_stored"] == 6
    listed = {o["path"] for o in finished["outputs"]}  # type: ignore[attr-defined]
    assert {o["path"] for o in stopped["outputs"]} - {"manifest.json"} <= listed  # type: ignore[attr-defined]
    assert not inspect_folder(out).foreign
    pd.testing.assert_frame_equal(stable(resumed.results), stable(whole.results), check_exact=True)


def test_another_plan_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    run_simstudy(small_plan(replications=1), out=tmp_path)
    before = _manifest(tmp_path)
    with pytest.raises(DesignError, match="another plan"):
        run_simstudy(small_plan(replications=1, bootstrap=7), out=tmp_path)
    assert _manifest(tmp_path) == before  # the folder is as it was


def test_a_resume_under_other_package_versions_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the resume was accepted, and the manifest then named only the new versions, as if
    # every stored replication had been computed under them
    from importlib import metadata

    from escalation import results

    run_simstudy(small_plan(replications=1), out=tmp_path, workers=1)
    before = _manifest(tmp_path)
    real = metadata.version

    def upgraded(name: str) -> str:
        return "9.9.9" if name == "numpy" else real(name)

    monkeypatch.setattr(results.metadata, "version", upgraded)
    with pytest.raises(DesignError) as error:
        run_simstudy(small_plan(replications=2), out=tmp_path, workers=1)
    message = str(error.value)
    assert f"numpy {real('numpy')} (stored) vs 9.9.9 (now)" in message
    assert "escalation" not in message.split("versions:")[1].split(". Results")[0]
    assert "Use a new output folder" in message
    assert _manifest(tmp_path) == before  # the folder is as it was
    monkeypatch.setattr(results.metadata, "version", real)
    resumed = run_simstudy(small_plan(replications=2), out=tmp_path, workers=1)
    assert resumed.new_replications == 2  # under the recorded versions it resumes


@pytest.mark.parametrize(("package", "refused"), [("plotnine", False), ("scipy", True)])
def test_only_a_figures_only_package_may_change_on_resuming(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    whole: SimulationStudy,
    package: str,
    refused: bool,
) -> None:
    # plotnine only draws the figures (redrawn from every replication on each run), yet a
    # new plotnine refused the resume like a new numpy would
    from importlib import metadata

    from escalation import results

    run_simstudy(small_plan(replications=1), out=tmp_path, workers=1)
    real = metadata.version
    monkeypatch.setattr(
        results.metadata, "version", lambda name: "9.9.9" if name == package else real(name)
    )
    if refused:
        with pytest.raises(DesignError, match=f"{package} {real(package)} \\(stored\\) vs 9.9.9"):
            run_simstudy(small_plan(), out=tmp_path, workers=1)
        return
    resumed = run_simstudy(small_plan(), out=tmp_path, workers=1)
    assert resumed.new_replications == 4
    pd.testing.assert_frame_equal(stable(resumed.results), stable(whole.results), check_exact=True)
    record = json.loads((tmp_path / "simstudy.json").read_text(encoding="utf-8"))
    assert record["versions"]["plotnine"] == "9.9.9"  # the version that drew the figures
    assert record["versions"]["numpy"] == real("numpy")


def test_same_results_on_two_dask_workers(
    tmp_path: Path, dask_scheduler: str, whole: SimulationStudy
) -> None:
    """The replications run here and on the suite's two-worker Dask cluster (reached as a
    user reaches theirs, by its address) give the same results. (A local cluster started
    with ``workers=2`` is the same engine: tests/compute.)"""
    there = run_simstudy(small_plan(), out=tmp_path / "two", scheduler=dask_scheduler)
    pd.testing.assert_frame_equal(stable(whole.results), stable(there.results), check_exact=True)


def test_full_simulator_replication_has_a_per_replication_truth(tmp_path: Path) -> None:
    plan = small_plan(
        generator="local_authority",
        replications=2,
        varied={},
        fixed={"n_children": 1500},
        estimators=("unadjusted", "aipw"),
        horizons=(365,),
        bootstrap=0,
    )
    study = run_simstudy(plan, out=tmp_path)
    results = study.results
    assert results["error"].isna().all(), results["error"].dropna().unique()
    truth = results[results["estimand"] == "risk_difference"].groupby("replication")["truth"]
    assert truth.nunique().eq(1).all() and truth.first().nunique() == 2
    assert (truth.first() < 0).all()  # early help protects (hazard ratio 0.75)
    aipw = results[(results["estimator"] == "aipw") & results["std_error"].notna()]
    assert len(aipw) == 8  # influence-function SEs without a bootstrap


def test_a_failing_replication_is_recorded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from escalation.simstudy import generators

    real = generators._Spells.draw

    def broken(self, settings, seed, horizons):  # type: ignore[no-untyped-def]
        if settings["confounding"] == 1.0:
            raise ValueError("no events")
        return real(self, settings, seed, horizons)

    monkeypatch.setattr(generators._Spells, "draw", broken)
    study = run_simstudy(small_plan(replications=2), out=tmp_path)
    failed = study.results[study.results["error"].notna()]
    assert set(failed["error"]) == {"ValueError: no events"}
    assert failed["estimate"].isna().all()
    performance = study.performance.set_index(["scenario", "estimator", "estimand", "measure"])
    assert performance.loc[(2, "ipw", "risk_difference", "bias"), "failed"] == 2
    assert np.isnan(performance.loc[(2, "ipw", "risk_difference", "bias"), "estimate"])
    assert study.glance()["failed"].iloc[0] == 2


def test_committed_early_help_plan_and_cli(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    committed = ROOT / "analyses" / "simstudy_early_help.toml"
    plan = read_plan(committed)
    assert plan.generator == "spells" and plan.replications == 1000
    assert plan.estimators == ("unadjusted", "ipw", "gformula", "aipw")
    assert plan.scenarios()[0].settings["n"] == 1500 and plan.bootstrap == 200
    # The committed plan through the command, at 2 replications (--replications) of 20
    # bootstrap replicates (the command has no option for it: a copy of the plan says so).
    text = committed.read_text(encoding="utf-8")
    assert text.count("\nbootstrap = 200\n") == 1
    (tmp_path / "plan").mkdir()
    copy = tmp_path / "plan" / committed.name
    copy.write_text(text.replace("\nbootstrap = 200\n", "\nbootstrap = 20\n"), encoding="utf-8")
    assert read_plan(copy).bootstrap == 20
    out = tmp_path / "out"
    code = main(
        [
            "simstudy",
            str(copy),
            "--out",
            str(out),
            "--replications",
            "2",
            "--workers",
            "1",
            "--no-progress",
        ]
    )
    assert code == 0
    shown = capsys.readouterr().out
    assert "2 replications (2 new, 0 failed) of 1 scenario(s)" in shown
    assert (out / "performance.csv").is_file()
    assert {p.name for p in (out / "figures").iterdir()} >= {
        "coverage.png",
        "zip_risk_difference_365.png",
    }
    performance = pd.read_csv(out / "performance.csv")
    assert set(performance["measure"]) >= {"bias", "coverage", "relative_error_model_se"}


def test_committed_local_authority_plan_gives_every_estimator_its_bias(tmp_path: Path) -> None:
    """docs/simstudy.md's study on whole simulated authorities: the committed plan as the
    page describes it, and through the command at 2 replications every estimator has a
    bias (only AIPW a standard error: no bootstrap) and none failed."""
    committed = ROOT / "analyses" / "simstudy_local_authority.toml"
    plan = read_plan(committed)
    assert plan.generator == "local_authority" and plan.replications == 100
    assert plan.estimators == ("unadjusted", "ipw", "gformula", "aipw", "ccw")
    assert plan.scenarios()[0].settings["n_children"] == 5000 and plan.bootstrap == 0
    out = tmp_path / "out"
    args = ["simstudy", str(committed), "--out", str(out), "--replications", "2"]
    assert main([*args, "--workers", "1", "--no-progress"]) == 0
    performance = pd.read_csv(out / "performance.csv")
    bias = performance[
        (performance["measure"] == "bias") & (performance["estimand"] == "risk_difference")
    ].set_index("estimator")
    assert bias["estimate"].notna().all() and (bias["failed"] == 0).all()
    assert set(bias.index) == set(plan.estimators)


def _manifest(folder: Path) -> dict[str, object]:
    import json

    manifest: dict[str, object] = json.loads((folder / "manifest.json").read_text())
    return manifest


def test_the_study_folder_is_owned_and_has_a_manifest(tmp_path: Path) -> None:
    from escalation.report.manifest import file_hash
    from escalation.report.outputs import OutputFolderError, inspect_folder

    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("my own notes")
    with pytest.raises(OutputFolderError, match="not written by escalation"):
        run_simstudy(small_plan(replications=1), out=mine)
    assert sorted(p.name for p in mine.iterdir()) == ["notes.txt"]  # nothing written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]  # no lock or staging left

    study = run_simstudy(small_plan(replications=2), out=tmp_path / "study")
    manifest = _manifest(study.folder)
    outputs = {o["path"]: o["sha256"] for o in manifest["outputs"]}  # type: ignore[attr-defined]
    parts = sorted(p.relative_to(study.folder).as_posix() for p in study.folder.rglob("*.parquet"))
    assert parts and set(parts) <= set(outputs)
    assert {"performance.csv", "scenarios.csv", "simstudy.json"} <= set(outputs)
    assert all(file_hash(study.folder / p) == h for p, h in outputs.items())
    assert not inspect_folder(study.folder).foreign
    assert manifest["complete"] is True and manifest["replications_stored"] == 4
    assert manifest["plan_fingerprint"] == small_plan().fingerprint()
    assert manifest["seeds"] == {"master": 11}
    assert "escalation" in manifest["versions"]  # type: ignore[operator]


def test_parquet_files_not_ours_among_the_results_are_refused(tmp_path: Path) -> None:
    from escalation.report.outputs import OutputFolderError

    run_simstudy(small_plan(replications=1), out=tmp_path / "study")
    stray = tmp_path / "study" / "results" / "scenario_id=x" / "part-mine.parquet"
    stray.parent.mkdir()
    pd.DataFrame({"replication": [0]}).to_parquet(stray)
    with pytest.raises(OutputFolderError, match=r"results/ holds results/scenario_id=x"):
        run_simstudy(small_plan(replications=2), out=tmp_path / "study", overwrite=True)
    assert stray.is_file()


def test_the_command_says_what_a_stopped_study_kept_and_resumes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plan = tmp_path / "plan.toml"
    plan.write_text(
        '[study]\nname = "small"\ngenerator = "spells"\nreplications = 2\nseed = 3\n'
        '[scenarios]\nn = 300\n[estimation]\nestimators = ["unadjusted"]\nhorizons = [365]\n'
        "bootstrap = 0\n"
    )
    real = study_module.replicate
    monkeypatch.setattr(study_module, "replicate", stopping_after(1))
    argv = ["simstudy", str(plan), "--out", str(tmp_path / "out"), "--no-progress", "--no-figures"]
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "the 1 replication that finished is kept" in err and "nothing was written" not in err
    monkeypatch.setattr(study_module, "replicate", real)
    assert main(argv) == 0
    assert "2 replications (1 new, 0 failed)" in capsys.readouterr().out


def test_estimators_without_a_bootstrap_keep_their_bias(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """bootstrap = 0: no SE for ipw, not a failure; the command and performance.csv agree."""
    file = tmp_path / "plan.toml"
    file.write_text(
        '[study]\ngenerator = "spells"\nreplications = 3\nseed = 5\noutput = "out"\n'
        '[scenarios]\nn = 300\n[estimation]\nestimators = ["aipw", "ipw"]\nhorizons = [365]\n'
        'bootstrap = 0\nestimands = ["risk_difference"]\n'
    )
    code = main(["simstudy", str(file), "--workers", "1", "--no-progress", "--no-figures"])
    assert code == 0
    shown = capsys.readouterr().out
    assert "3 replications (3 new, 0 failed) of 1 scenario(s)" in shown
    performance = pd.read_csv(tmp_path / "out" / "performance.csv")
    assert (performance["failed"] == 0).all()
    ipw = performance[performance["estimator"] == "ipw"].set_index("measure")
    for measure in ("bias", "empirical_se", "mse"):
        assert np.isfinite(ipw.loc[measure, ["estimate", "mcse"]].astype(float)).all()
        assert ipw.loc[measure, "replications"] == 3
    for measure in ("model_se", "relative_error_model_se", "coverage", "power"):
        assert np.isnan(ipw.loc[measure, "estimate"]) and ipw.loc[measure, "replications"] == 0
    aipw = performance[performance["estimator"] == "aipw"].set_index("measure")
    assert (aipw.loc[["bias", "model_se", "coverage"], "replications"] == 3).all()
    assert "Without a standard error in some replications (not failures): ipw;" in shown


def _fails_after_the_checkpoint(*args: object, **kwargs: object) -> None:
    raise RuntimeError("a bug once every replication had run")


def _plan_without_standard_errors(folder: Path) -> Path:
    """The smallest early-help plan with bootstrap = 0 and no AIPW: no standard error."""
    plan = folder / "plan.toml"
    plan.write_text(
        '[study]\nname = "tiny"\ngenerator = "spells"\nreplications = 3\nseed = 7\n'
        '[scenarios]\nn = 400\n[estimation]\nestimators = ["unadjusted", "ipw"]\n'
        'horizons = [365]\nbootstrap = 0\ncovariates = ["risk", "factor", "age"]\n'
        "[compute]\nworkers = 1\n"
    )
    return plan


def test_a_study_without_standard_errors_draws_no_zip_plot(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """bootstrap = 0 and no AIPW: the figures crashed drawing the zip plot (exit 70) after
    every replication had run. It is skipped as the coverage plot is (one guard)."""
    out = tmp_path / "simout"
    plan = _plan_without_standard_errors(tmp_path)
    assert main(["simstudy", str(plan), "--out", str(out), "--no-progress"]) == 0
    assert "3 replications (3 new, 0 failed)" in capsys.readouterr().out
    assert (out / "performance.csv").is_file()
    figures = sorted(p.name for p in (out / "figures").glob("*.png"))
    assert not [name for name in figures if name.startswith(("zip_", "coverage"))], figures


def test_an_error_after_a_checkpoint_says_what_was_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The message of an unexpected error said "nothing was written" beside the results
    and manifest of the study's checkpoint; it says which replications were kept."""
    out = tmp_path / "simout"
    plan = _plan_without_standard_errors(tmp_path)
    monkeypatch.setattr(study_module, "summarise", _fails_after_the_checkpoint)
    assert main(["simstudy", str(plan), "--out", str(out), "--no-progress"]) == 70
    err = capsys.readouterr().err
    assert "unexpected error: RuntimeError" in err
    assert f"the 3 replications that finished are kept in {out}" in err, err
    assert "nothing was written" not in err
    assert json.loads((out / "manifest.json").read_text())["complete"] is False


def test_glance_counts_the_failures_the_performance_table_counts() -> None:
    # glance() (and the command's "N failed") counted only replications with an error:
    # an estimator that returned no estimate, which performance.csv counts as failed, was
    # not a failure there
    plan = small_plan()
    rows = pd.DataFrame(
        {
            "scenario_id": "x",
            "replication": [0, 0, 1, 1, 2, 2],
            "estimator": ["unadjusted", "ipw"] * 3,
            "horizon": 365,
            "estimand": "risk_difference",
            "estimate": [0.1, np.nan, 0.1, 0.2, np.nan, np.nan],
            "std_error": 0.05,
            "conf_low": 0.0,
            "conf_high": 0.3,
            "p_value": 0.04,
            "se_method": "bootstrap",
            "truth": 0.1,
            "error": pd.array([None, None, None, None, "ValueError: x", "ValueError: x"],
                              dtype="string"),
        }
    )  # fmt: skip
    performance = study_module.summarise(plan, rows, pd.DataFrame({"scenario_id": ["x"],
                                                                    "scenario": [1]}))  # fmt: skip
    study = SimulationStudy(plan, pd.DataFrame(), rows, performance, Path("."), 0.0, 0)
    assert int(study.glance()["failed"].iloc[0]) == 2  # replications 0 (ipw) and 2
    failed = performance.groupby("estimator")["failed"].first()
    assert failed.to_dict() == {"ipw": 2, "unadjusted": 1}


def test_the_records_hash_the_plan_file_they_were_made_from(tmp_path: Path) -> None:
    # manifest.json said "input_hash": null, and simstudy.json had no input hash or seed:
    # nothing tied the results to the plan file that made them
    import hashlib

    file = tmp_path / "plan.toml"
    file.write_text(
        '[study]\ngenerator = "spells"\nreplications = 1\nseed = 5\n'
        '[scenarios]\nn = 300\n[estimation]\nestimators = ["unadjusted"]\nhorizons = [365]\n'
        "bootstrap = 0\n"
    )
    expected = hashlib.sha256(file.read_bytes()).hexdigest()  # independent of the package
    out = tmp_path / "out"
    run_simstudy(read_plan(file), out=out, inputs=[file], workers=1)
    assert _manifest(out)["input_hash"] == expected
    record = json.loads((out / "simstudy.json").read_text(encoding="utf-8"))
    assert (record["input_hash"], record["seed"]) == (expected, 5)
    assert record["plan"]["study"]["seed"] == 5 and record["versions"]["numpy"]


def test_same_results_on_two_joblib_processes_in_any_order_of_completion(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whole: SimulationStudy
) -> None:
    """Two loky processes (the engine without dask.distributed), the replications finishing
    in reverse order: the results are the one-process run's, bit for bit. (A check of a
    path no test ran; it passed before this review's changes.)"""
    from escalation import compute

    monkeypatch.setattr(compute, "_has_distributed", lambda: False)
    assert compute._make_engine(2, None).backend == "joblib"
    real = study_module.imap_unordered

    def reversed_completion(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        yield from reversed(list(real(*args, **kwargs)))  # type: ignore[arg-type]

    monkeypatch.setattr(study_module, "imap_unordered", reversed_completion)
    there = run_simstudy(small_plan(), out=tmp_path / "loky", workers=2, flush_every=1)
    pd.testing.assert_frame_equal(stable(whole.results), stable(there.results), check_exact=True)
    pd.testing.assert_frame_equal(whole.performance, there.performance, check_exact=True)
