"""Benchmark: CPU per call of what the suite's Monte Carlo checks repeat hundreds of times.

    python benchmarks/bench_small_calls.py                      # this tree
    python benchmarks/bench_small_calls.py --baseline d764237   # and a revision, alternating

On the simulated authorities of 3,000 children the coverage checks draw (about 1,400
decision points each), per call:

- ``policy_scores``: each spell's doubly robust scores at 365 and 730 days, clustered by
  family, as ``tests/policy/policy_support.py`` computes them for every replicate (inside
  ``threadpool_limits(1)`` and :func:`escalation.compute.one_blas_thread`);
- ``aalen_johansen`` and ``kaplan_meier`` by treatment, as
  ``tests/federated/federated_coverage.py`` estimates every authority's risk difference
  (``aalen_johansen``), and without groups.

Each measurement runs in a fresh process (one call first, uncounted, for imports and the
compiled kernels) with the package of this tree or of ``--baseline REV`` (exported with
``git archive``) first on the path, alternating between them ``--runs`` times; each
reports the best of three rounds of ``--calls`` calls over ten authorities, in CPU time
(``time.process_time``: other users of a shared machine count less than in wall time).
Nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _machine import load, machine, run_child, trees

_CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
from threadpoolctl import threadpool_limits
from escalation.causal.policy import policy_scores
from escalation.compute import one_blas_thread
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.design import default_design
from escalation.survival import aalen_johansen, kaplan_meier
from escalation.timeline import build_spells

calls = int(sys.argv[1])
config = SimulationConfig(notes=False, early_help_hazard_ratio=0.75)
data = []
for seed in range(10):
    built = build_spells(simulate_local_authority(3000, seed=10_000 + seed, config=config).history,
                         default_design())
    data.append((built.spells.reset_index(drop=True), list(built.model_covariates)))
tasks = {
    "policy_scores": lambda s, c: policy_scores(s, covariates=c, horizons=[365, 730],
                                                cluster="family_id"),
    "aalen_johansen by treatment": lambda s, c: aalen_johansen(s, causes=[1], group="treatment"),
    "kaplan_meier": lambda s, c: kaplan_meier(s),
}


def best(task):
    task(*data[0])  # imports and compiled kernels
    rounds = []
    for _ in range(3):
        start = time.process_time()
        for k in range(calls):
            task(*data[k % len(data)])
        rounds.append((time.process_time() - start) / calls)
    return 1000 * min(rounds)


with threadpool_limits(1):
    out = one_blas_thread(lambda: {name: best(task) for name, task in tasks.items()})()
import escalation

print(json.dumps({**out, "package": escalation.__file__}))
"""


def measure(source: Path, calls: int) -> dict[str, float]:
    """Run the measurements in a fresh process with ``source`` first on the path."""
    return run_child(source, _CHILD, str(calls))


def main() -> None:
    """Print the machine, the load and one row per call (CPU milliseconds)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", metavar="REV", help="git revision to compare with")
    parser.add_argument("--runs", type=int, default=2, help="alternating runs (default 2)")
    parser.add_argument("--calls", type=int, default=20, help="calls per round (default 20)")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as folder:
        sources = trees(args.baseline, Path(folder))
        results: dict[str, dict[str, list[float]]] = {name: {} for name in sources}
        for _ in range(args.runs):
            for name, source in sources.items():
                for key, value in measure(source, args.calls).items():
                    results[name].setdefault(key, []).append(value)
    print(f"load after: {load()}")
    print()
    names = list(sources)
    print("| CPU ms per call, each run's best of three | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for key in results[names[0]]:
        cells = [", ".join(f"{v:.2f}" for v in results[n][key]) for n in names]
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
