"""Benchmark: the demo's effects stage alone (``estimate_effects``), CPU and wall.

    python benchmarks/bench_effects_stage.py --jobs 1                 # this tree
    python benchmarks/bench_effects_stage.py --jobs 1 --baseline fd679b6 --keep DIR

Simulates the demo's local authority (20,000 children, seed 1), builds its spells with the
default design and runs ``estimate_effects`` with the demo's settings (its estimators, 50
bootstrap replicates, seed 1) once unrecorded (imports, compiled kernels) and once timed,
in a fresh process. With ``--baseline REV`` the ``escalation`` package of a git revision
runs at the same time, so that both see the same machine load (on a shared machine wall and
even CPU times stretch with the load). With ``--jobs 1`` the CPU time is the whole
stage's; with more workers only the main process's CPU is counted (the pool's workers
outlive the call). ``--keep DIR`` writes each side's ``effects.csv`` and replicates there,
to compare. Nothing here is asserted in the tests.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import load, machine, trees

#: What each side runs (in its own folder: ``python -c`` puts it first on the path).
RUN = """
import resource, sys, time, warnings
from pathlib import Path
import numpy as np
from escalation.causal import estimate_effects
from escalation.data.simulator import simulate_local_authority
from escalation.design.study import default_design
from escalation.pipeline import design_as_run
from escalation.timeline.spells import build_spells

jobs, keep = int(sys.argv[1]), sys.argv[2]
design = design_as_run(default_design(), seed=1, bootstrap=50)
data = build_spells(simulate_local_authority(20_000, seed=1).history, design)
options = dict(estimators=list(design.estimation.estimators), seed=1, progress=False)
warnings.simplefilter("ignore")
estimate_effects(data, design, bootstrap=0, n_jobs=1, **options)
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu, wall = usage.ru_utime + usage.ru_stime, time.perf_counter()
fit = estimate_effects(data, design, bootstrap=50, n_jobs=jobs, **options)
usage = resource.getrusage(resource.RUSAGE_SELF)
cpu = usage.ru_utime + usage.ru_stime - cpu
print(f"{time.perf_counter() - wall:.2f} {cpu:.2f}")
if keep:
    Path(keep).mkdir(parents=True, exist_ok=True)
    fit.tidy().to_csv(Path(keep) / "effects.csv", index=False)
    np.save(Path(keep) / "replicates.npy", fit.replicates)
"""


def start(source: Path, jobs: int, keep: Path | None) -> subprocess.Popen[str]:
    """Start the stage of the package in ``source``; its output is "wall cpu"."""
    env = {**os.environ, "PYTHONPATH": str(source)}
    command = [sys.executable, "-c", RUN, str(jobs), str(keep or "")]
    return subprocess.Popen(command, env=env, cwd=source, stdout=subprocess.PIPE, text=True)


def main() -> None:
    """Run the stage (beside a baseline, at the same time) and print wall and CPU seconds."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=1, help="bootstrap workers (default 1)")
    parser.add_argument("--baseline", metavar="REV", help="git revision run beside it")
    parser.add_argument("--keep", metavar="DIR", type=Path, help="write each side's results")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as folder:
        sources = trees(args.baseline, Path(folder))
        keep = args.keep.resolve() if args.keep is not None else None
        running = {
            name: start(source, args.jobs, keep / name.replace(" ", "-") if keep else None)
            for name, source in sources.items()
        }
        for name, process in running.items():
            out, _ = process.communicate()
            wall, cpu = out.split()[-2:]
            print(f"{name}: wall {wall} s, CPU {cpu} s (jobs={args.jobs})")
    print(f"load after: {load()}")


if __name__ == "__main__":
    main()
