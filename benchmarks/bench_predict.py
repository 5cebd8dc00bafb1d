"""Benchmark: validation metrics of escalation.predict against scikit-survival's.

    python benchmarks/bench_predict.py            # n = 20,000 test spells
    python benchmarks/bench_predict.py --n 100000
    python benchmarks/bench_predict.py --validate 3000 20000 --baseline main --runs 3

Times each metric on the same seeded predictions (continuous times, 10% deaths) with
escalation.predict.metrics and with the scikit-survival function a user would otherwise
call (deaths treated as censoring there), checks the values agree, and prints the ratios.
Bootstrapped, per-group validation calls these metrics thousands of times, so their speed
sets the cost of ``escalation predict``. Nothing here is asserted on in tests.

With ``--validate CHILDREN ...`` it times instead ``validate_risk_models`` as the demo's
prediction stage calls it (a simulated authority, seed 1, 50 bootstrap replicates, the
design's models on the structured and the structured+text features, training follow-up
censored at the cutoff, one process, ``n_jobs=1``): the CPU time
(``time.process_time``) of the call in a fresh process per tree, ``--runs`` processes per
tree alternating with those of ``--baseline REV`` (its package exported with ``git
archive``), the minimum reported; and a digest of every output table and warning, the
same in both trees when the outputs are identical bit for bit.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from sksurv.metrics import (
    brier_score,
    concordance_index_censored,
    concordance_index_ipcw,
    cumulative_dynamic_auc,
)
from sksurv.util import Surv

from escalation.predict import metrics

_VALIDATE = r"""
import hashlib, json, pickle, sys, time, warnings
sys.path.insert(0, sys.argv[1])
import pandas as pd
from escalation.predict import validate_risk_models
data, design, history = pickle.loads(open(sys.argv[2], "rb").read())
feature_sets = ("structured", "structured+text") if len(history.notes) else ("structured",)
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    start = time.process_time()
    fit = validate_risk_models(
        data, design, models=design.prediction.models, feature_sets=feature_sets,
        bootstrap=50, seed=1, history=history, censor_training=True, n_jobs=1,
        progress=False,
    )
    cpu = time.process_time() - start
digest = hashlib.sha256()
for table in (fit.metrics, fit.subgroup_metrics, fit.calibration, fit.decision_curve,
              fit.predictions):
    digest.update(pd.util.hash_pandas_object(table, index=True).to_numpy().tobytes())
    digest.update(repr(list(table.columns)).encode())
digest.update(repr(sorted(fit.model_cards)).encode())
digest.update(repr([(w.category.__name__, str(w.message)) for w in caught]).encode())
print(json.dumps({"cpu": cpu, "digest": digest.hexdigest()[:16]}))
"""


def timed(function: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def _authority(children: int, folder: Path) -> Path:
    """Simulate an authority (seed 1) and pickle its spells, design and history."""
    import pickle

    from escalation import build_spells, default_design
    from escalation.data.simulator import simulate_local_authority
    from escalation.pipeline import design_as_run

    history = simulate_local_authority(children, seed=1).history
    design = design_as_run(default_design(), seed=1, bootstrap=50)
    path = folder / f"authority_{children}.pkl"
    path.write_bytes(pickle.dumps((build_spells(history, design), design, history)))
    return path


def validate_benchmark(children: list[int], baseline: str | None, runs: int) -> None:
    """Print the minimum CPU of validate_risk_models per tree and size, and the digests."""
    from _machine import load, machine, trees

    print(machine())
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        sources = trees(baseline, Path(tmp))
        rows = []
        for size in children:
            data = _authority(size, Path(tmp))
            best = {name: float("inf") for name in sources}
            digests: dict[str, set[str]] = {name: set() for name in sources}
            for _ in range(runs):
                for name, source in sources.items():
                    done = subprocess.run(
                        [sys.executable, "-c", _VALIDATE, str(source), str(data)],
                        check=True, capture_output=True, text=True,
                    )  # fmt: skip
                    result = json.loads(done.stdout.strip().splitlines()[-1])
                    best[name] = min(best[name], result["cpu"])
                    digests[name].add(result["digest"])
            rows.append((size, best, digests))
    print(f"load after: {load()}")
    names = list(sources)
    print("validate_risk_models as the demo calls it; minimum CPU s of " + f"{runs} processes")
    header = " | ".join(names) + (" | this / baseline | identical |" if len(names) == 2 else " |")
    print(f"| children | {header}")
    print("|---" * (len(names) + 1 + 2 * (len(names) == 2)) + "|")
    for size, best, digests in rows:
        cells = [f"{best[n]:.2f}" for n in names]
        if len(names) == 2:
            same = len(set().union(*digests.values())) == 1
            cells += [f"{best[names[0]] / best[names[1]]:.2f}", "yes" if same else "NO"]
        print(f"| {size:,} | " + " | ".join(cells) + " |")
        listed = "; ".join(f"{n}: {', '.join(sorted(d))}" for n, d in digests.items())
        print(f"  digests: {listed}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument(
        "--validate", type=int, nargs="+", metavar="CHILDREN",
        help="time validate_risk_models on simulated authorities of these sizes",
    )  # fmt: skip
    parser.add_argument("--baseline", metavar="REV", help="git revision to compare with")
    parser.add_argument("--runs", type=int, default=3, help="processes per tree, alternating")
    args = parser.parse_args()
    if args.validate:
        validate_benchmark(args.validate, args.baseline, args.runs)
        return
    n = args.n
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )
    rng = np.random.default_rng(1)
    x = rng.normal(size=n)
    t = rng.exponential(900, n) * np.exp(-0.7 * x)
    death = rng.exponential(9000, n)
    censor = rng.uniform(60, 1500, n)
    duration = np.minimum.reduce([t, death, censor])
    event = np.select([duration == t, duration == death], [1, 2], 0)
    risk = 1 / (1 + np.exp(-(-2 + 0.7 * x + rng.normal(0, 0.5, n))))
    y = Surv.from_arrays(event == 1, duration)
    h = 365.0
    cases = [
        ("Harrell's C", lambda: metrics.harrell_c(duration, event, risk),
         lambda: concordance_index_censored(event == 1, duration, risk)[0]),
        ("Uno's C", lambda: metrics.uno_c(duration, event, risk, h),
         lambda: concordance_index_ipcw(y, y, risk, tau=h)[0]),
        ("AUC(h)", lambda: metrics.time_dependent_auc(duration, event, risk, h, competing="censor"),
         lambda: cumulative_dynamic_auc(y, y, risk, [h])[0][0]),
        ("Brier(h)", lambda: metrics.brier_score(duration, event, risk, h, competing="censor"),
         lambda: brier_score(y, y, 1 - risk, [h])[1][0]),
    ]  # fmt: skip
    print(f"n = {n:,} spells, {int((event == 1).sum()):,} escalations")
    print(f"{'metric':<14}{'escalation s':>14}{'sksurv s':>12}{'ratio':>9}{'|diff|':>11}")
    for name, ours, theirs in cases:
        t_ours, v_ours = timed(ours)
        t_theirs, v_theirs = timed(theirs, repeat=1)
        print(
            f"{name:<14}{t_ours:>14.4f}{t_theirs:>12.4f}{t_theirs / t_ours:>8.1f}x"
            f"{abs(v_ours - v_theirs):>11.1e}"
        )
    t_all, _ = timed(lambda: metrics.score_risks(duration, event, risk, h))
    print(f"score_risks (every metric, one call): {t_all:.4f} s")


if __name__ == "__main__":
    main()
