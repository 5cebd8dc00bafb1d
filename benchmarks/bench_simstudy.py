"""Benchmark: a simulation study on 1 worker, on a 2-worker local cluster, and on a "real" one.

    python benchmarks/bench_simstudy.py                          # the full study: 1,000 reps
    python benchmarks/bench_simstudy.py --replications 24        # a fraction, extrapolated
    python benchmarks/bench_simstudy.py --configs 2 --summary s.json   # one configuration

The study of issue 18: replications of 5,000 spells (the spell simulator), four estimators
(unadjusted, ipw, gformula, aipw), a family-clustered bootstrap of 200 replicates. The same
replications run up to three ways (``--configs``), each into its own results folder:

``1``
    one worker (this process);
``2``
    a local Dask cluster of two worker processes (``--workers 2``, the 2-core default);
``remote``
    a separately started Dask cluster reached through its address (``dask scheduler`` and
    ``dask worker --nworkers 4 --nthreads 1`` processes, ``--scheduler tcp://...``),
    standing in for the cluster of a secure research environment; on a 2-core machine its
    four workers share two cores, so it shows the overhead of the remote path, not more
    speed. Its nannies leave glibc's malloc thresholds alone, as escalation's local
    clusters do (``--remote-dask-defaults``: Dask's ``MALLOC_TRIM_THRESHOLD_=65536``,
    which costs about a third more CPU per replication).

Each configuration is timed in two parts: **start-up** (starting the cluster, and a small
warm-up study through it, so every worker has imported the package and loaded its compiled
kernels) and the **study** itself. Reported per configuration: both times and their sum,
replications per minute, the speed-up over one worker (study alone, and with start-up),
the workers' busy time (the sum of every replication's wall time in its worker) and their
efficiency (busy time / (study wall time x workers)), the CPU time of this process and its
children (the workers; per replication, and divided by the wall time: the cores the study
got), that of this process alone (the client, and the scheduler of a local cluster), the
load averages before and after (other users of a shared machine), and the
extrapolation to 1,000 replications. Finally whether the result sets are bit-identical
(every column but each replication's own wall time). ``--summary`` writes all of it, with
the machine, the command and the package commit, to a JSON file. Nothing here is asserted
on in tests.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from _machine import load, machine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from escalation.compute import use_compute  # noqa: E402
from escalation.simstudy import SimulationPlan, run_simstudy  # noqa: E402
from escalation.simstudy.study import RESULT_COLUMNS  # noqa: E402

STABLE = [c for c in RESULT_COLUMNS if c not in ("se_method", "warnings", "error", "seconds")]
ESTIMATORS = ("unadjusted", "ipw", "gformula", "aipw")


#: Dask configuration of the separately started cluster: its nannies leave glibc's malloc
#: thresholds alone, as escalation's own local clusters do (docs/scaling.md).
DASK_CONFIG = """distributed:
  nanny:
    pre-spawn-environ:
      MALLOC_TRIM_THRESHOLD_: null
"""


def external_cluster(
    folder: Path, workers: int, *, dask_defaults: bool = False
) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """Start ``dask scheduler`` and ``dask worker`` processes; return the address."""
    dask = shutil.which("dask") or str(Path(sys.executable).parent / "dask")
    file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if not dask_defaults:
        (folder / "dask-config").mkdir(exist_ok=True)
        (folder / "dask-config" / "escalation.yaml").write_text(DASK_CONFIG, encoding="utf-8")
        env["DASK_CONFIG"] = str(folder / "dask-config")
        env.pop("MALLOC_TRIM_THRESHOLD_", None)
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "env": env}
    scheduler = subprocess.Popen(
        [
            dask,
            "scheduler",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--dashboard-address",
            "127.0.0.1:0",
            "--scheduler-file",
            str(file),
        ],
        **quiet,  # type: ignore[call-overload]
    )
    for _ in range(600):
        if file.is_file() and file.stat().st_size > 0:
            break
        time.sleep(0.1)
    worker = subprocess.Popen(
        [
            dask,
            "worker",
            "--scheduler-file",
            str(file),
            "--nworkers",
            str(workers),
            "--nthreads",
            "1",
            "--memory-limit",
            "2GiB",
        ],
        **quiet,  # type: ignore[call-overload]
    )
    from distributed import Client

    address = json.loads(file.read_text())["address"]
    with Client(address) as client:
        client.wait_for_workers(workers, timeout=600)
    return address, [worker, scheduler]


def commit() -> str:
    """Return the package's git commit (and ``+changes`` when the tree is not clean)."""

    def git(*args: str) -> str:
        run = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, text=True)
        run.check_returncode()
        return run.stdout.strip()

    try:
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+changes" if dirty else "")


def cpu_seconds() -> float:
    """Return the CPU time of this process and all its children (workers) so far."""
    import psutil  # installed with dask.distributed

    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:  # a process that ended
            continue
    return total


def run_one(
    label: str,
    workers: int,
    options: dict[str, Any],
    plan: SimulationPlan,
    warmup: SimulationPlan,
    folder: Path,
    progress: bool,
) -> tuple[dict[str, Any], pd.DataFrame]:
    """Start the engine, warm it up, run the study; return its measurements and results."""
    record: dict[str, Any] = {"configuration": label, "workers": workers, "load_before": load()}
    start = time.perf_counter()
    with use_compute(**options):
        run_simstudy(warmup, out=folder / "warmup")
        record["startup_seconds"] = time.perf_counter() - start
        cpu = time.process_time()
        cpu_all = cpu_seconds()
        begin = time.perf_counter()
        study = run_simstudy(plan, out=folder / "study", progress=progress)
        record["study_seconds"] = time.perf_counter() - begin
        record["cpu_seconds"] = cpu_seconds() - cpu_all
        record["client_cpu_seconds"] = time.process_time() - cpu
    record["total_seconds"] = time.perf_counter() - start
    record["load_after"] = load()
    per_rep = study.results.drop_duplicates(["scenario_id", "replication"])["seconds"]
    record["worker_busy_seconds"] = float(per_rep.sum())
    record["seconds_per_replication_in_worker"] = float(per_rep.mean())
    record["efficiency"] = record["worker_busy_seconds"] / (record["study_seconds"] * workers)
    record["replications_per_minute"] = 60 * plan.replications / record["study_seconds"]
    record["cpu_seconds_per_replication"] = record["cpu_seconds"] / plan.replications
    record["cores_used"] = record["cpu_seconds"] / record["study_seconds"]
    results = study.results[STABLE].sort_values(STABLE[:5]).reset_index(drop=True)
    return record, results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--spells", type=int, default=5000)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--remote-workers", type=int, default=4)
    parser.add_argument(
        "--configs",
        default="1,2,remote",
        help="comma-separated: 1 (this process), 2 (local 2-worker cluster), remote",
    )
    parser.add_argument(
        "--remote-dask-defaults",
        action="store_true",
        help="start the remote cluster's workers with Dask's MALLOC_TRIM_THRESHOLD_=65536",
    )
    parser.add_argument("--summary", type=Path, help="write the measurements to this JSON file")
    parser.add_argument("--progress", action="store_true", help="progress bar per study")
    args = parser.parse_args()
    configs = [c.strip() for c in args.configs.split(",") if c.strip()]
    unknown = sorted(set(configs) - {"1", "2", "remote"})
    if unknown:
        parser.error(f"unknown configuration(s) {unknown}; choose from 1, 2, remote")
    plan = SimulationPlan(
        generator="spells",
        replications=args.replications,
        seed=2026,
        fixed={"n": args.spells},
        estimators=ESTIMATORS,
        horizons=(365, 730),
        bootstrap=args.bootstrap,
        covariates=("risk", "factor", "age"),
        name="benchmark",
    )
    started = dt.datetime.now().astimezone()
    print(f"Machine: {machine()}; load {load()}; {started:%Y-%m-%d %H:%M %Z}; commit {commit()}")
    print(
        f"Study: {args.replications} replications x {len(ESTIMATORS)} estimators x "
        f"{args.bootstrap} bootstrap replicates on {args.spells:,} spells"
    )
    records: list[dict[str, Any]] = []
    results: dict[str, pd.DataFrame] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for config in configs:
            processes: list[subprocess.Popen[bytes]] = []
            cluster_seconds = 0.0  # starting a separate cluster counts as start-up
            if config == "remote":
                workers = args.remote_workers
                label = f"Dask cluster at an address, {workers} workers"
                cluster_start = time.perf_counter()
                address, processes = external_cluster(
                    Path(tmp), workers, dask_defaults=args.remote_dask_defaults
                )
                cluster_seconds = time.perf_counter() - cluster_start
                options: dict[str, Any] = {"scheduler": address}
            else:
                workers = int(config)
                label = "1 worker (this process)" if workers == 1 else "local Dask, 2 workers"
                options = {"workers": workers}
            # The warm-up: a few small replications through the same engine, two per worker.
            warmup = SimulationPlan(
                generator="spells",
                replications=2 * workers,
                seed=1,
                fixed={"n": 300},
                estimators=ESTIMATORS,
                horizons=(365, 730),
                bootstrap=2,
                covariates=("risk", "factor", "age"),
                name="warm-up",
            )
            try:
                record, frame = run_one(
                    label, workers, options, plan, warmup, Path(tmp) / config, args.progress
                )
            finally:
                for process in processes:
                    process.terminate()
                    process.wait()
            record["startup_seconds"] += cluster_seconds
            record["total_seconds"] += cluster_seconds
            records.append(record)
            results[config] = frame
            print(
                f"{label:<36} start-up {record['startup_seconds']:6.1f} s  study "
                f"{record['study_seconds']:8.1f} s  {record['replications_per_minute']:6.1f} "
                f"replications/min  {record['seconds_per_replication_in_worker']:5.2f} s per "
                f"replication in its worker  efficiency {record['efficiency']:4.2f}  "
                f"CPU {record['cpu_seconds_per_replication']:5.2f} s per replication, "
                f"{record['cores_used']:4.2f} cores used (client "
                f"{record['client_cpu_seconds']:.1f} s)  load "
                f"{record['load_before']} -> {record['load_after']}"
            )
    base = next((r for r in records if r["workers"] == 1), None)
    for record in records:
        if base is not None:
            record["speedup_study"] = base["study_seconds"] / record["study_seconds"]
            record["speedup_total"] = base["total_seconds"] / record["total_seconds"]
        record["full_study_minutes"] = (
            record["startup_seconds"] + record["study_seconds"] * 1000 / args.replications
        ) / 60
        speedup = (
            f"speed-up over 1 worker {record['speedup_study']:4.2f}x (study), "
            f"{record['speedup_total']:4.2f}x (with start-up); "
            if base is not None
            else ""
        )
        print(
            f"  {record['configuration']:<36} {speedup}"
            f"1,000 replications ~{record['full_study_minutes']:5.1f} min"
        )
    frames = list(results.values())
    identical = all(frames[0].equals(f) for f in frames[1:])
    print(f"Results bit-identical across the {len(frames)} runs: {identical}")
    if args.summary is not None:
        summary = {
            "benchmark": "simstudy",
            "command": " ".join([Path(sys.executable).name, *sys.argv]),
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now().astimezone().isoformat(timespec="seconds"),
            "machine": machine(),
            "cpus": os.cpu_count(),
            "commit": commit(),
            "study": {
                "replications": args.replications,
                "spells": args.spells,
                "estimators": list(ESTIMATORS),
                "bootstrap": args.bootstrap,
                "horizons": [365, 730],
            },
            "configurations": records,
            "remote_dask_defaults": args.remote_dask_defaults,
            "bit_identical": identical,
        }
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
        print(f"Summary written to {args.summary}")


if __name__ == "__main__":
    main()
