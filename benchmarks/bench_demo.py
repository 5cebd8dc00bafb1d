"""Benchmark: the demo (``escalation demo``) by stage, wall and CPU time.

    python benchmarks/bench_demo.py                       # this tree, once
    python benchmarks/bench_demo.py --runs 2 --baseline 15244c6
    python benchmarks/bench_demo.py --baseline main --keep /tmp/demos   # keep the outputs

Runs ``python -m escalation demo --out TMP --quiet`` (20,000 simulated children, 50
bootstrap replicates: the demo's own settings) in a fresh process and prints the time of
each stage from the run's ``manifest.json`` (``timings_seconds``, the stage log), the
start-up, simulation and validation before the first stage, the wall time and the CPU
time of the process and its helpers (``os.wait4``: the demo process plus the helper
process that draws figures, which it joins on exit). With ``--baseline REV`` the
``escalation`` package of a git revision (exported with ``git archive``) runs the same
demo too, alternating with this tree so that changes in machine load hit both alike.
With ``--keep DIR`` the demos' output folders are kept in ``DIR`` (one per run and
source), to compare their results. Before the runs, each source runs a small demo (3,000
children), unrecorded, so that the runs find its kernels compiled (a revision exported
for ``--baseline`` has no compiled cache of its own). With ``--first-run`` every run is
instead a new user's first, as from a fresh clone: the package is copied without its
``__pycache__`` folders and numba's cache (``NUMBA_CACHE_DIR``) starts empty, so every
module is byte-compiled and every kernel compiled (the installed dependencies keep
theirs, as after an install).

The machine and its load averages are printed before and after: on a shared machine wall
times stretch with the load, CPU times much less. Nothing here is asserted in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from _machine import load, machine, trees

#: Children in the small demo that fills numba's cache before warm runs.
PRIME_CHILDREN = 3_000


@dataclass(frozen=True)
class Run:
    """One demo run: wall and CPU seconds, and the stage log."""

    wall: float
    cpu: float
    stages: dict[str, float]


def run_demo(
    source: Path, out: Path, children: int, bootstrap: int, first_run: bool = False
) -> Run:
    """Run the demo of the package in ``source`` into ``out``; return its times."""
    if first_run:
        fresh = Path(tempfile.mkdtemp(prefix="first-run-", dir=out.parent))
        ignore = shutil.ignore_patterns("__pycache__")
        shutil.copytree(source / "escalation", fresh / "escalation", ignore=ignore)
        source = fresh
    env = {**os.environ, "PYTHONPATH": str(source)}
    if first_run:
        env["NUMBA_CACHE_DIR"] = str(source / "numba-cache")
    command = [sys.executable, "-m", "escalation", "demo", "--out", str(out), "--quiet"]
    command += ["--children", str(children), "--bootstrap", str(bootstrap)]
    with (out.parent / f"{out.name}.log").open("w") as log:
        start = time.perf_counter()
        # In the source's folder: ``python -m`` puts the working directory first on the
        # path, ahead of PYTHONPATH, so run from a checkout's root the "baseline" imported
        # the checkout's own escalation and both sides ran the same code.
        process = subprocess.Popen(command, env=env, cwd=source, stdout=log, stderr=log)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
    if status != 0:
        raise RuntimeError(f"the demo failed; see {log.name}")
    manifest = json.loads((out / "manifest.json").read_text())
    return Run(wall, usage.ru_utime + usage.ru_stime, dict(manifest["timings_seconds"]))


def table(runs: dict[str, list[Run]]) -> str:
    """Return a Markdown table: one row per stage, one column per source (mean of runs)."""
    names = list(runs)
    stages = list(dict.fromkeys(s for rs in runs.values() for r in rs for s in r.stages))

    def mean(values: list[float]) -> str:
        return f"{sum(values) / len(values):.1f}" if values else "—"

    lines = ["| | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for stage in stages:
        cells = [mean([r.stages[stage] for r in runs[n] if stage in r.stages]) for n in names]
        lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    rows = {
        "stage log (sum of stages)": lambda r: sum(r.stages.values()),
        "start-up, simulation, validation": lambda r: r.wall - sum(r.stages.values()),
        "**wall, whole demo**": lambda r: r.wall,
        "CPU (demo + helper)": lambda r: r.cpu,
    }
    for label, value in rows.items():
        cells = [mean([value(r) for r in runs[n]]) for n in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    """Run the benchmark and print the machine, the load and the stage table (seconds)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1, help="runs of each (default 1)")
    parser.add_argument("--baseline", metavar="REV", help="git revision to compare with")
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--bootstrap", type=int, default=50)
    parser.add_argument("--keep", metavar="DIR", type=Path, help="keep the demos' outputs here")
    parser.add_argument(
        "--first-run",
        action="store_true",
        help="empty numba and byte-code caches for every run (a fresh clone's first demo)",
    )
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"load before: {load()}")
    if args.first_run:
        print("first run: empty numba and byte-code caches for every run")
    with tempfile.TemporaryDirectory() as folder:
        sources = trees(args.baseline, Path(folder))
        runs: dict[str, list[Run]] = {name: [] for name in sources}
        if not args.first_run:
            for name, source in sources.items():  # fill numba's cache: the runs are warm
                prime = Path(folder) / f"prime-{name.replace(' ', '-')}"
                run_demo(source, prime, PRIME_CHILDREN, 2)
                print(f"primed {name}'s compiled kernels (a demo of {PRIME_CHILDREN:,})")
        for i in range(args.runs):
            for name, source in sources.items():
                where = args.keep.resolve() if args.keep is not None else Path(folder)
                where.mkdir(parents=True, exist_ok=True)
                out = where / f"demo-{len(runs[name])}-{name.replace(' ', '-')}"
                runs[name].append(
                    run_demo(source, out, args.children, args.bootstrap, args.first_run)
                )
                print(f"run {i + 1}, {name}: {runs[name][-1].wall:.1f} s", flush=True)
    print(f"load after: {load()}")
    print()
    print(table(runs))


if __name__ == "__main__":
    main()
