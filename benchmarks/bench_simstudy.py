"""Benchmark: a simulation study on 1 worker, on a 2-worker local cluster, and on a "real" one.

    python benchmarks/bench_simstudy.py                          # the full study: 1,000 reps
    python benchmarks/bench_simstudy.py --replications 24        # a fraction, extrapolated

The study of issue 18: replications of 5,000 spells (the spell simulator), four estimators
(unadjusted, ipw, gformula, aipw), a family-clustered bootstrap of 200 replicates. The same
replications run three ways, each into its own results folder:

1. one worker (this process);
2. a local Dask cluster of two worker processes (``--workers 2``, the 2-core default);
3. a separately started Dask cluster reached through its address (``dask scheduler`` and
   ``dask worker --nworkers 4`` processes, ``--scheduler tcp://...``), standing in for the
   cluster of a secure research environment; on a 2-core machine its four workers share
   two cores, so it shows the overhead of the remote path, not more speed.

Reports wall time, replications per minute, the speed-up over one worker, the extrapolation
to 1,000 replications, and whether the three sets of results are bit-identical (every
column but each replication's own wall time). Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
from _machine import load, machine

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from escalation.simstudy import SimulationPlan, run_simstudy  # noqa: E402
from escalation.simstudy.study import RESULT_COLUMNS  # noqa: E402

STABLE = [c for c in RESULT_COLUMNS if c not in ("se_method", "warnings", "error", "seconds")]


def external_cluster(folder: Path, workers: int) -> tuple[str, list[subprocess.Popen[bytes]]]:
    """Start ``dask scheduler`` and ``dask worker`` processes; return the address."""
    dask = shutil.which("dask") or str(Path(sys.executable).parent / "dask")
    file = folder / "scheduler.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
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
    import json

    from distributed import Client

    address = json.loads(file.read_text())["address"]
    with Client(address) as client:
        client.wait_for_workers(workers, timeout=600)
    return address, [worker, scheduler]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--spells", type=int, default=5000)
    parser.add_argument("--bootstrap", type=int, default=200)
    parser.add_argument("--remote-workers", type=int, default=4)
    args = parser.parse_args()
    plan = SimulationPlan(
        generator="spells",
        replications=args.replications,
        seed=2026,
        fixed={"n": args.spells},
        estimators=("unadjusted", "ipw", "gformula", "aipw"),
        horizons=(365, 730),
        bootstrap=args.bootstrap,
        covariates=("risk", "factor", "age"),
        name="benchmark",
    )
    print(f"Machine: {machine()}; load {load()}")
    print(
        f"Study: {args.replications} replications x 4 estimators x {args.bootstrap} bootstrap "
        f"replicates on {args.spells:,} spells"
    )
    results: dict[str, pd.DataFrame] = {}
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        runs = [("1 worker (this process)", {"workers": 1}),
                ("local Dask cluster, 2 workers", {"workers": 2})]  # fmt: skip
        address, processes = external_cluster(Path(tmp), args.remote_workers)
        runs.append((f"Dask cluster at an address, {args.remote_workers} workers",
                     {"scheduler": address}))  # fmt: skip
        try:
            for label, options in runs:
                before = load()
                start = time.perf_counter()
                study = run_simstudy(plan, out=Path(tmp) / label.split()[0], **options)  # type: ignore[arg-type]
                times[label] = time.perf_counter() - start
                results[label] = (
                    study.results[STABLE].sort_values(STABLE[:5]).reset_index(drop=True)
                )
                per_rep = study.results.drop_duplicates(["replication"])["seconds"].mean()
                print(
                    f"{label:<42} {times[label]:8.1f} s  "
                    f"{60 * args.replications / times[label]:6.1f} replications/min  "
                    f"{per_rep:5.2f} s per replication in its worker  load {before} -> {load()}"
                )
        finally:
            for process in processes:
                process.terminate()
                process.wait()
    first = next(iter(times))
    for label, seconds in times.items():
        full = seconds * 1000 / args.replications
        print(
            f"  {label:<42} speed-up over 1 worker {times[first] / seconds:4.2f}x; "
            f"1,000 replications ~{full / 60:5.1f} min"
        )
    frames = list(results.values())
    identical = all(frames[0].equals(f) for f in frames[1:])
    print(f"Results bit-identical across the three runs: {identical}")


if __name__ == "__main__":
    main()
