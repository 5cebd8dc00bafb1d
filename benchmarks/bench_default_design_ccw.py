"""Benchmark: the demo's effect stage with and without clone-censor-weight (``ccw``).

    python benchmarks/bench_default_design_ccw.py                  # 20,000 children, 50 reps
    python benchmarks/bench_default_design_ccw.py --children 5000 --reps 20

The default design includes ``ccw`` (issue 13: the demo's immortal-time warning
recommends it). This times ``estimate_effects`` on the demo's simulated local authority
with the old default estimators and with ``ccw`` added, side by side on the same data and
the same bootstrap, and reports the ratio. Nothing here is asserted on in tests; the load
of the machine is printed because other work on it changes the times.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from escalation import build_spells, default_design, simulate_local_authority  # noqa: E402
from escalation.causal import estimate_effects  # noqa: E402

OLD = ("unadjusted", "ipw", "gformula", "aipw")


def machine() -> str:
    """Describe the machine and its load."""
    cpu = platform.processor() or platform.machine()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, load {load}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--reps", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(machine())
    design = default_design()
    data = build_spells(simulate_local_authority(args.children, seed=args.seed).history, design)
    print(f"{len(data.spells):,} spells, {args.reps} bootstrap replicates")
    times = {}
    for label, estimators in (("without ccw", OLD), ("with ccw", design.estimation.estimators)):
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimate_effects(
                data, design, estimators=list(estimators), bootstrap=args.reps, progress=False
            )
        times[label] = time.perf_counter() - start
        print(f"{label:<12} {times[label]:7.1f} s  ({', '.join(estimators)})")
    print(f"ratio        {times['with ccw'] / times['without ccw']:7.2f}")


if __name__ == "__main__":
    main()
