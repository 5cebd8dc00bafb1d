"""Benchmark: how long ``escalation --version`` and ``escalation --help`` take to start.

    python benchmarks/bench_startup.py                  # against the eager start-up
    python benchmarks/bench_startup.py --runs 30 --baseline 70ba67c

Times ``python -m escalation --version`` and ``--help`` (wall clock, fresh process each
run) for this source tree and for a baseline revision of the package (default
``70ba67c``, before start-up became lazy: it imported every modelling library first),
exported with ``git archive`` to a temporary folder. Runs alternate between the two so
that changes in machine load hit both alike. Also lists which heavy libraries each start
imports (from ``python -X importtime``). The target is under 0.5 s; nothing here is
asserted on in tests (``tests/test_startup.py`` checks the imports).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _machine import export, machine

ROOT = Path(__file__).resolve().parents[1]
HEAVY = (
    "pandas",
    "numpy",
    "scipy",
    "lifelines",
    "statsmodels",
    "sklearn",
    "numba",
    "plotnine",
    "matplotlib",
    "econml",
    "dowhy",
)


def run_once(source: Path, flag: str) -> float:
    """Return the wall time of one ``python -m escalation FLAG`` with ``source`` first."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "escalation", flag],
        env=env,
        cwd=source,
        stdout=subprocess.DEVNULL,
        check=True,
    )
    return time.perf_counter() - start


def heavy_imports(source: Path, flag: str) -> list[str]:
    """Return the heavy libraries ``python -m escalation FLAG`` imports."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    out = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "escalation", flag],
        env=env,
        cwd=source,
        capture_output=True,
        text=True,
        check=True,
    )
    names = {
        line.rsplit("|", 1)[-1].strip().split(".")[0]
        for line in out.stderr.splitlines()
        if line.startswith("import time:")
    }
    return [name for name in HEAVY if name in names]


def main() -> None:
    """Time both starts for this tree and the baseline; print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs per command and tree")
    parser.add_argument("--baseline", default="70ba67c", help="git revision to compare with")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    print(f"Load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        baseline = export(args.baseline, Path(folder))
        trees = {"this tree": ROOT, f"baseline {args.baseline}": baseline}
        print(f"{args.runs} runs each, alternating; median (min) wall time in seconds\n")
        print(f"{'command':<22}{'tree':<20}{'median':>8}{'min':>8}  heavy libraries imported")
        for flag in ("--version", "--help"):
            times: dict[str, list[float]] = {name: [] for name in trees}
            for source in trees.values():
                run_once(source, flag)  # warm the file cache and byte-code
            for _ in range(args.runs):
                for name, source in trees.items():
                    times[name].append(run_once(source, flag))
            medians = {}
            for name, source in trees.items():
                medians[name] = statistics.median(times[name])
                heavy = ", ".join(heavy_imports(source, flag)) or "none"
                print(
                    f"{'escalation ' + flag:<22}{name:<20}{medians[name]:>8.3f}"
                    f"{min(times[name]):>8.3f}  {heavy}"
                )
            ours, theirs = medians["this tree"], medians[f"baseline {args.baseline}"]
            print(f"{'':<22}{'ratio':<20}{theirs / ours:>7.1f}x faster (target < 0.5 s)\n")
    print(f"Load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
