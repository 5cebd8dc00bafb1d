"""Benchmark: the policy study's CPU time, as its tests run it, beside a baseline revision.

    python benchmarks/bench_policy.py                        # this tree
    python benchmarks/bench_policy.py --baseline 57b0e46     # and a revision, alternating

Each measurement runs in a fresh process (imports and compiled kernels warmed up first,
on a small authority) with the package of this tree or of ``--baseline REV`` (exported
with ``git archive``) first on the path, alternating so that changes in machine load hit
both alike:

- **study**: :func:`escalation.policy.evaluate_policies` on a simulated authority of
  20,000 children (about 9,400 decision points; five cross-fitting folds and the rules to
  deploy, each with a 100-tree causal forest, a policy tree and a Cox risk model), in
  this process (``n_jobs=1``) as ``tests/policy/test_policy_truth.py`` calls it: without
  a thread limit of its own;
- **demo stage**: the policy stage of ``escalation demo`` (its 20,000 children, seed 1),
  in this process and on one BLAS thread as ``run_study`` runs it: with the heterogeneity
  stage's causal forest given, where the package takes it (``effect_model=``);
- **replicate**: one replicate of the Monte Carlo coverage check
  (``tests/policy/test_policy_coverage.py``):
  simulate an authority of 3,000 children, build its spells, flag them with rules
  learned once on a development authority, score them and estimate six rules' values;
  the mean over ``--reps`` replicates of each part (simulation, spells, applying the
  rules, the scores, the values with their contrasts and tidy table, the true values)
  and of the whole, inside ``threadpool_limits(1)`` and
  :func:`escalation.compute.one_blas_thread` as ``tests/policy/policy_support.py``.

CPU time is the process's user + system time (``time.process_time``); on a shared machine
wall times stretch with the load, CPU times much less. Nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from _machine import load, machine, run_child, trees

MEASURES = ("study", "stage", "replicate")

_CHILD = r"""
import json, sys, time, warnings
warnings.simplefilter("ignore")
import numpy as np
import scipy.linalg  # noqa: F401  (SciPy's BLAS loaded, so that threadpool_limits sees it)
from threadpoolctl import threadpool_limits
from escalation.causal.policy import estimate_policy_values, policy_scores
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.design import default_design
from escalation.policy import evaluate_policies, learn_rules
from escalation.timeline import build_spells

what, reps = sys.argv[1], int(sys.argv[2])
design = default_design()


def spells_of(n, seed, hazard_ratio=0.75):
    config = SimulationConfig(notes=False, early_help_hazard_ratio=hazard_ratio)
    sim = simulate_local_authority(n, seed=seed, config=config)
    return sim, build_spells(sim.history, design)


out = {}
if what == "study":
    _, small = spells_of(3000, 5)
    evaluate_policies(small, seed=3, n_jobs=1)  # imports and compiled kernels
    _, data = spells_of(20_000, 32)
    start, wall = time.process_time(), time.perf_counter()
    evaluate_policies(data, seed=3, n_jobs=1)
    out = {"study": time.process_time() - start, "study wall": time.perf_counter() - wall}
elif what == "stage":
    import inspect
    from escalation.causal import estimate_heterogeneity
    _, small = spells_of(3000, 5)
    evaluate_policies(small, seed=3, n_jobs=1)
    sim = simulate_local_authority(20_000, seed=1)
    data = build_spells(sim.history, design)
    forest = estimate_heterogeneity(data.spells, covariates=list(data.model_covariates),
                                    horizon=design.policy_horizon, seed=1, n_estimators=100)
    given = {}
    if "effect_model" in inspect.signature(evaluate_policies).parameters:
        given = {"effect_model": forest.backend["effect_model"]}
    start = time.process_time()
    with threadpool_limits(limits=1, user_api="blas"):  # as run_study runs its stages
        evaluate_policies(data, design, seed=1, n_jobs=1, **given)
    out = {"demo stage": time.process_time() - start}
else:
    from escalation.compute import one_blas_thread

    def replicates(reps):
        _, development = spells_of(20_000, 77)
        learned = learn_rules(development.spells, covariates=list(development.model_covariates),
                              capacity=0.3, horizon=365, rules=("risk", "benefit", "tree"),
                              cross_fit=False, seed=1)
        config = SimulationConfig(notes=False, early_help_hazard_ratio=0.75)
        names = ("simulate_local_authority", "build_spells", "LearnedRules.apply",
                 "policy_scores", "values, compare, tidy", "truth.policy_values")
        parts = dict.fromkeys(names, 0.0)
        for rep in range(reps + 1):  # the first replicate warms up, uncounted
            clock = [time.process_time()]
            sim = simulate_local_authority(3000, seed=10_000 + rep, config=config)
            clock.append(time.process_time())
            data = build_spells(sim.history, design)
            clock.append(time.process_time())
            spells = data.spells.reset_index(drop=True)
            flags = {"everyone": np.ones(len(spells)), "no_one": np.zeros(len(spells))}
            flags.update(learned.apply(spells))
            clock.append(time.process_time())
            scores = policy_scores(spells, covariates=list(data.model_covariates),
                                   horizons=[365, 730], cluster="family_id")
            clock.append(time.process_time())
            fit = estimate_policy_values(scores, flags)
            fit.tidy()
            for one, other in (("everyone", "no_one"), ("risk_cox", "current_practice"),
                               ("benefit", "risk_cox"), ("tree", "risk_cox")):
                fit.compare(one, other)
            clock.append(time.process_time())
            sim.truth.policy_values(spells, flags)
            clock.append(time.process_time())
            if rep:
                for name, begin, end in zip(names, clock, clock[1:]):
                    parts[name] += (end - begin) / reps
        parts["one replicate"] = sum(parts.values())
        return parts

    # as tests/policy/policy_support.py runs the replicates: one BLAS thread, and the
    # package's own limited functions inside one_blas_thread (no new BLAS lookups)
    with threadpool_limits(1):
        parts = one_blas_thread(replicates)(reps)
    out = {f"replicate, ms: {k}": 1000 * v for k, v in parts.items()}
import escalation
print(json.dumps({**out, "package": escalation.__file__}))
"""


def measure(source: Path, what: str, reps: int) -> dict[str, float]:
    """Run one measurement in a fresh process with ``source`` first on the path."""
    return run_child(source, _CHILD, what, str(reps))


def main() -> None:
    """Print the machine, the load and one row per measurement (CPU seconds)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", metavar="REV", help="git revision to compare with")
    parser.add_argument("--runs", type=int, default=1, help="runs of each (default 1)")
    parser.add_argument("--reps", type=int, default=20, help="Monte Carlo replicates timed")
    parser.add_argument("--only", choices=MEASURES, help="one measurement only")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as folder:
        sources = trees(args.baseline, Path(folder))
        results: dict[str, dict[str, list[float]]] = {name: {} for name in sources}
        for _ in range(args.runs):
            for what in (args.only,) if args.only else MEASURES:
                for name, source in sources.items():
                    for key, value in measure(source, what, args.reps).items():
                        results[name].setdefault(key, []).append(value)
    print(f"load after: {load()}")
    print()
    names = list(sources)
    print("| seconds (replicate: ms), mean of runs (CPU unless wall) | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for key in results[names[0]]:
        cells = [f"{sum(v) / len(v):.3f}" for v in (results[n].get(key, []) for n in names) if v]
        print(f"| {key} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
