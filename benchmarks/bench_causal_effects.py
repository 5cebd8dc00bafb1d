"""Benchmark: ``estimate_effects`` (ipw, gformula, aipw) with a family-clustered bootstrap.

    python benchmarks/bench_causal_effects.py                     # 100,000 spells, 200 reps
    python benchmarks/bench_causal_effects.py --n 20000 50000 --reps 10 20 --jobs 2

Reports wall time for each number of spells and of bootstrap replicates, the time per
replicate, and how time grows (ratios to the smallest setting), against a lifelines route
for the g-formula's outcome model (one ``CoxPHFitter`` fit per cause, the step a user
would otherwise repeat in every replicate). Data: the seeded spell simulator
(escalation.data.simulator.exponential). Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from escalation import StatisticalWarning  # noqa: E402
from escalation.causal import estimate_effects  # noqa: E402
from escalation.causal.curves import fit_hazard  # noqa: E402
from escalation.data.simulator.exponential import simulate_spells as simulate  # noqa: E402

COVARIATES = ["risk", "factor", "age"]
ESTIMATORS = ["ipw", "gformula", "aipw"]


def machine() -> str:
    """Describe the machine."""
    cpu = platform.processor() or platform.machine()
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def run(n: int, reps: int, jobs: int) -> float:
    """Return seconds for estimate_effects on n spells with reps replicates."""
    data = simulate(n, seed=1)
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        estimate_effects(
            data,
            covariates=COVARIATES,
            estimators=ESTIMATORS,
            horizons=[365, 730],
            bootstrap=reps,
            seed=1,
            n_jobs=jobs,
        )
    return time.perf_counter() - start


def cox_versus_lifelines(n: int) -> tuple[float, float]:
    """Seconds for one cause-specific Cox fit: escalation's core vs lifelines."""
    from lifelines import CoxPHFitter

    data = simulate(n, seed=2)
    x = data[["treatment", *COVARIATES]].to_numpy(float)
    start = time.perf_counter()
    fit_hazard(data["duration"].to_numpy(float), (data["event"] == 1).to_numpy(), x, None, "bench")
    ours = time.perf_counter() - start
    frame = data[["treatment", *COVARIATES, "duration"]].assign(e=(data["event"] == 1) * 1)
    start = time.perf_counter()
    CoxPHFitter(baseline_estimation_method="breslow").fit(frame, "duration", "e")
    return ours, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[25_000, 50_000, 100_000])
    parser.add_argument("--reps", type=int, nargs="+", default=[0, 20, 200])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    print(machine())
    rows = []
    for n in args.n:
        for reps in args.reps:
            seconds = run(n, reps, args.jobs)
            rows.append({"spells": n, "replicates": reps, "seconds": seconds})
            print(f"n={n:>7,} reps={reps:>4} {seconds:8.1f} s", flush=True)
    table = pd.DataFrame(rows)
    base = table["seconds"].iloc[0]
    table["ratio"] = table["seconds"] / base
    boot = table[table["replicates"] > 0]
    if len(boot):
        zero = table[table["replicates"] == 0].set_index("spells")["seconds"]
        per = (boot["seconds"] - boot["spells"].map(zero).fillna(0)) / boot["replicates"]
        table.loc[boot.index, "seconds_per_replicate"] = per
    print(table.round(3).to_string(index=False))
    ours, lifelines = cox_versus_lifelines(min(args.n))
    print(
        f"one cause-specific Cox fit on {min(args.n):,} spells: escalation {ours:.2f} s, "
        f"lifelines {lifelines:.2f} s (x{lifelines / max(ours, 1e-9):.1f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
