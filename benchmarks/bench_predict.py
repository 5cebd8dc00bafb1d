"""Benchmark: validation metrics of escalation.predict against scikit-survival's.

    python benchmarks/bench_predict.py            # n = 20,000 test spells
    python benchmarks/bench_predict.py --n 100000

Times each metric on the same seeded predictions (continuous times, 10% deaths) with
escalation.predict.metrics and with the scikit-survival function a user would otherwise
call (deaths treated as censoring there), checks the values agree, and prints the ratios.
Bootstrapped, per-group validation calls these metrics thousands of times, so their speed
sets the cost of ``escalation predict``. Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
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


def timed(function: Callable[[], Any], repeat: int = 3) -> tuple[float, Any]:
    best, value = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20_000)
    n = parser.parse_args().n
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
