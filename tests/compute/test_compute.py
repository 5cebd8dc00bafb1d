"""escalation.compute: the same results in this process, on joblib and on a Dask cluster.

Each check runs on the session's Dask cluster of two worker processes (reached through its
scheduler address) and compares it bit for bit with the work done in this process (one
worker); the simulation-study tests start a local cluster with ``workers=2``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation import compute
from escalation.causal.bootstrap import cluster_bootstrap
from escalation.compute import imap_unordered, parallel_map, use_compute
from escalation.errors import EscalationError
from tests.compute.tasks import dies, draw, fails, mean, nested, trim_setting, warns

pytest.importorskip("distributed")


@pytest.fixture
def cluster(dask_scheduler: str) -> Iterator[compute.ComputeEngine]:
    with use_compute(scheduler=dask_scheduler) as engine:
        yield engine


def test_in_process_is_the_default() -> None:
    assert compute.current_compute().backend == "in-process"
    assert parallel_map(draw, [1, 2], shared=(2.0,))[1].tolist() == draw(2, 2.0).tolist()


def test_dask_results_in_item_order_and_identical(cluster: compute.ComputeEngine) -> None:
    assert cluster.backend == "dask"
    local = parallel_map(draw, range(12), shared=(3.0,), workers=1)
    remote = parallel_map(draw, range(12), shared=(3.0,))
    assert all(np.array_equal(a, b) for a, b in zip(local, remote, strict=True))
    positions = sorted(i for i, _ in imap_unordered(draw, range(12), shared=(3.0,)))
    assert positions == list(range(12))


def test_bootstrap_bit_identical_on_one_and_two_workers(cluster: compute.ComputeEngine) -> None:
    rng = np.random.default_rng(0)
    values = rng.exponential(size=400)
    families = np.arange(400) // 3
    two = cluster_bootstrap(mean, families, 60, args=(values,), seed=9)
    with use_compute(workers=1):
        one = cluster_bootstrap(mean, families, 60, args=(values,), seed=9)
    assert one.shape == (60, 2)
    assert np.array_equal(one, two)


def test_task_errors_reach_the_caller(cluster: compute.ComputeEngine) -> None:
    with pytest.raises(ValueError, match="item 3 is bad"):
        parallel_map(fails, range(6))


def test_a_local_cluster_prints_no_failed_task(capfd: pytest.CaptureFixture[str]) -> None:
    # the workers logged "Compute Failed" with the exception and its traceback on the
    # terminal, which may show values from the data: the CLI shows them only with --debug
    with use_compute(workers=2), pytest.raises(ValueError, match="item 3 is bad"):
        parallel_map(fails, range(6))
    printed = capfd.readouterr()
    assert "item 3 is bad" not in printed.out + printed.err
    assert "Compute Failed" not in printed.err


def test_nested_work_runs_inside_the_worker(cluster: compute.ComputeEngine) -> None:
    assert parallel_map(nested, [1, 2]) == [[1, 1], [2, 2]]


def test_joblib_when_dask_is_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compute, "_has_distributed", lambda: False)
    with use_compute(workers=2) as engine:
        assert engine.backend == "joblib"
        out = parallel_map(draw, range(6), shared=(1.5,))
    assert all(np.array_equal(a, draw(i, 1.5)) for i, a in enumerate(out))


def test_local_workers_keep_glibc_malloc_thresholds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dask's nannies set MALLOC_TRIM_THRESHOLD_ in every worker, which made a replication of
    a simulation study cost a third more CPU than in this process; a local cluster started
    here leaves glibc's adaptive thresholds alone, unless the user chose a value."""
    if getattr(compute, "_USER_TRIM", None) is not None:
        pytest.skip("MALLOC_TRIM_THRESHOLD_ is set in this environment: the user's choice")
    import dask

    key = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # as an earlier cluster leaves it
    with use_compute(workers=2):
        seen = parallel_map(trim_setting, range(4))
    assert seen == [None] * 4
    assert os.environ["MALLOC_TRIM_THRESHOLD_"] == "65536"  # this process's own: restored
    with dask.config.set({key: 131072}), compute._glibc_malloc_defaults():
        assert dask.config.get(key) == 131072  # a value the user configured is kept


def test_bad_settings_are_refused() -> None:
    refused = "workers = 0: must be a whole number: at least 1, or -1"
    with pytest.raises(EscalationError, match=refused), use_compute(0):
        pass
    with pytest.raises(EscalationError, match="scheduler"), use_compute(scheduler="  "):
        pass


def test_cross_validation_folds_identical_on_dask(cluster: compute.ComputeEngine) -> None:
    from escalation.design import default_design
    from escalation.predict import validate_risk_models
    from escalation.timeline import SpellData

    rng = np.random.default_rng(1)
    n = 600
    prior = rng.poisson(1.0, n)
    t = rng.exponential(1500 * np.exp(-0.6 * prior))
    spells = pd.DataFrame(
        {
            "spell_id": np.arange(1, n + 1),
            "child_id": [f"c{i}" for i in range(n)],
            "family_id": [f"f{i // 2}" for i in range(n)],
            "time_zero": pd.Timestamp("2019-04-01")
            + pd.to_timedelta(rng.integers(0, 1400, n), "D"),
            "duration": np.ceil(np.minimum(t, 730)),
            "event": (t < 730).astype(int),
            "age": rng.uniform(0, 17, n),
            "sex": rng.choice(["F", "M"], n),
            "prior_referrals": prior,
        }
    )
    design = default_design()
    design = design.replace(covariates=type(design.covariates)(include=("age", "prior_referrals")))
    data = SpellData(spells, pd.DataFrame(), design, pd.Timestamp("2024-03-31"))
    # Folds, and the bootstrap replicates of the metrics, fairness and decision curve.
    kwargs = {"models": ["cox"], "validation": "grouped_cv", "n_splits": 3, "bootstrap": 30}
    on_dask = validate_risk_models(data, seed=2, **kwargs)
    with use_compute(workers=1):
        here = validate_risk_models(data, seed=2, **kwargs)
    assert on_dask.metrics["conf_low"].notna().any() and len(on_dask.subgroup_metrics) > 0
    for table in ("metrics", "subgroup_metrics", "decision_curve", "calibration"):
        pd.testing.assert_frame_equal(
            getattr(on_dask, table), getattr(here, table), check_exact=True
        )


# Small simulated authorities: models may rightly warn about sparse levels.
@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_per_authority_runs_identical_on_dask(
    cluster: compute.ComputeEngine, tmp_path: Path
) -> None:
    import dataclasses
    import zipfile

    from escalation.data.io import write_case_history
    from escalation.data.simulator import simulate_local_authorities
    from escalation.design import DataSpec
    from escalation.federated.demo import share_authority
    from tests.federated.federated_support import cheap_design

    base = cheap_design()
    design = base.replace(estimation=dataclasses.replace(base.estimation, bootstrap=3))
    homes = []
    for la, sim in simulate_local_authorities(2, n_children=600, seed=4).authorities.items():
        write_case_history(sim.history, tmp_path / la / "data")
        design.replace(data=DataSpec(path="data")).write(tmp_path / la / "design.toml")
        homes.append(tmp_path / la)
    on_dask = parallel_map(share_authority, homes, shared=(tmp_path / "dask",))
    here = parallel_map(share_authority, homes, shared=(tmp_path / "here",), workers=1)
    assert [p.name for p in on_dask] == [p.name for p in here] == ["LA01.zip", "LA02.zip"]
    for one, two in zip(on_dask, here, strict=True):
        with zipfile.ZipFile(one) as a, zipfile.ZipFile(two) as b:
            tables = sorted(n for n in a.namelist() if n.endswith(".csv"))
            assert "effects.csv" in tables and tables == sorted(
                n for n in b.namelist() if n.endswith(".csv")
            )
            for name in tables:
                assert a.read(name) == b.read(name), name


def test_progress_names_the_cluster_and_its_dashboard(
    cluster: compute.ComputeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert parallel_map(abs, [-1, -2], progress=True) == [1, 2]
    shown = capsys.readouterr().err
    assert f"Running on the Dask cluster at {cluster.scheduler}" in shown
    pytest.importorskip("bokeh")  # the dashboard is served only with bokeh installed
    link = cluster.dashboard_link
    assert link is not None and link.startswith("http://127.0.0.1:") and link.endswith("/status")
    assert f"dashboard {link}" in shown


def test_run_tasks_goes_to_the_cluster_and_brings_warnings_back(
    cluster: compute.ComputeEngine,
) -> None:
    import os

    from escalation.compute import run_tasks
    from escalation.errors import StatisticalWarning

    with pytest.warns(StatisticalWarning) as caught:
        out = run_tasks(warns, [1, 2], n_jobs=1)
    assert [str(w.message) for w in caught] == ["task 1 is sparse", "task 2 is sparse"]
    assert [item for item, _ in out] == [1, 2]
    assert all(pid != os.getpid() for _, pid in out)  # ran on the cluster's workers


def test_one_blas_thread_limits_once_for_nested_calls(monkeypatch: pytest.MonkeyPatch) -> None:
    """A limited function calling another finds the BLAS libraries once, not per call."""
    import threadpoolctl

    entered: list[int] = []
    original = threadpoolctl.threadpool_limits

    def counting(*args: object, **kwargs: object) -> object:
        entered.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(threadpoolctl, "threadpool_limits", counting)

    @compute.one_blas_thread
    def inner() -> set[int]:
        info = threadpoolctl.threadpool_info()
        return {p["num_threads"] for p in info if p["user_api"] == "blas"}

    @compute.one_blas_thread
    def outer() -> list[set[int]]:
        return [inner(), inner()]

    assert outer() == [{1}, {1}]
    assert len(entered) == 1
    assert inner() == {1} and len(entered) == 2  # outside again: limited anew


def test_a_worker_that_dies_is_a_clear_error_not_an_internal_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Dask's KilledWorker reached the user, and the command line called it "a bug in
    # escalation" (an unexpected error); it names the task and says what usually causes it
    import dask
    from distributed import KilledWorker

    with (
        dask.config.set({"distributed.scheduler.allowed-failures": 0}),
        use_compute(workers=2),
        pytest.raises(EscalationError) as error,
    ):
        parallel_map(dies, range(4), description="partitions")
    # Dask counts the death against every task the worker held: the first or the one
    # queued behind it on the same worker
    assert re.match(
        r"the worker processes holding task [1-4] of 4 \('partitions'\) on a Dask local "
        r"cluster of 2 workers died, each time the task was tried: most often the task needs "
        r"more memory than a worker may use",
        str(error.value),
    )
    assert not isinstance(error.value, KilledWorker)


def test_a_joblib_worker_that_dies_is_a_clear_error_not_an_internal_one() -> None:
    # joblib's TerminatedWorkerError (the bootstrap's default pool, outside use_compute)
    # reached the command line as "unexpected error ... a bug in escalation"
    with pytest.raises(EscalationError) as error:
        compute.run_tasks(dies, list(range(4)), n_jobs=2, progress=False, description="folds")
    assert str(error.value).startswith(
        "the worker processes holding one of 4 tasks ('folds') on a joblib process pool of 2 "
        "workers died, each time the task was tried: most often the task needs more memory"
    )


def test_a_script_without_a_main_guard_is_told_why_its_cluster_failed(tmp_path: Path) -> None:
    # every worker imported the script again and ran its top level; Dask's last word was
    # "RuntimeError: Nanny failed to start." (an "unexpected error" on the command line)
    import subprocess
    import sys

    script = tmp_path / "study.py"
    script.write_text(
        "from escalation.compute import parallel_map, use_compute\n"
        "with use_compute(workers=2):\n"
        "    print(parallel_map(abs, [-1, 2]))\n",
        encoding="utf-8",
    )
    root = str(Path(compute.__file__).resolve().parents[1])  # this checkout's package
    done = subprocess.run(
        [sys.executable, "-P", str(script)],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": root},
        check=False,
    )
    assert done.returncode != 0
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "escalation.errors.EscalationError: the local Dask cluster's worker processes failed "
        "to start. Each worker imports the main script again"
    )
    assert '`if __name__ == "__main__":`' in last
