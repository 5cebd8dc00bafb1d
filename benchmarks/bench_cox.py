"""Benchmark: a Cox model on N spells with 15 covariates, escalation vs statsmodels vs R.

    python benchmarks/bench_cox.py               # 1,000,000 spells
    python benchmarks/bench_cox.py --n 200000
    python benchmarks/bench_cox.py --n 200000 --skip-statsmodels --skip-r

Data: seeded spells with whole-day durations (1..730, so many tied event times), about a
third escalating, 15 covariates (8 continuous, 7 binary) with known log hazard ratios.

Fits, on the same data, Efron ties unless stated:

1. ``escalation.survival.fit_cox`` (lifelines ``CoxPHFitter`` then Newton polishing and
   the risk-set engine for variances), model-based variance (``cluster=None``);
2. ``escalation.survival.fit_cox(..., ties="breslow")`` (own Newton–Raphson);
3. ``statsmodels`` ``PHReg(ties="efron")`` and ``PHReg(ties="breslow")``;
4. R ``survival::coxph`` (``ties = "efron"`` and ``"breslow"``) through ``Rscript`` on
   the same data written to a CSV file; only the ``coxph`` call is timed (not the read).
   Skipped with a message when ``Rscript`` is not on the PATH.

Prints the machine, each wall time, the largest coefficient difference from escalation
and the time ratios. Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from escalation.survival import fit_cox

P_CONTINUOUS = 8
P_BINARY = 7


def machine() -> str:
    """Return a one-line description of the CPU, cores and memory."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        memory = f", {pages / 2**30:.0f} GiB RAM"
    except (ValueError, OSError):
        pass
    return f"{cpu}, {os.cpu_count()} logical cores{memory}; Python {platform.python_version()}"


def simulate(n: int, seed: int = 1) -> tuple[pd.DataFrame, list[str]]:
    """Return ``n`` spells with 15 covariates and tied whole-day durations."""
    rng = np.random.default_rng(seed)
    cont = rng.normal(size=(n, P_CONTINUOUS))
    binary = (rng.random((n, P_BINARY)) < np.linspace(0.1, 0.5, P_BINARY)).astype(float)
    x = np.hstack((cont, binary))
    beta = np.linspace(-0.3, 0.3, x.shape[1])
    event_time = rng.exponential(900.0 * np.exp(-(x @ beta)))
    censor = rng.uniform(30, 1500, n)
    time_ = np.minimum(np.minimum(event_time, censor), 730.0)
    duration = np.ceil(time_)
    event = ((event_time <= censor) & (event_time <= 730.0)).astype(int)
    names = [f"c{i + 1}" for i in range(P_CONTINUOUS)] + [f"b{i + 1}" for i in range(P_BINARY)]
    frame = pd.DataFrame(x, columns=names)
    frame.insert(0, "event", event)
    frame.insert(0, "duration", duration)
    return frame, names


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    """Run ``fn`` once, print and return (seconds, result)."""
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<44}{seconds:9.2f} s", flush=True)
    return seconds, result


R_SCRIPT = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
covs <- setdiff(names(d), c("duration", "event"))
f <- as.formula(paste("Surv(duration, event) ~", paste(covs, collapse = " + ")))
for (ties in c("efron", "breslow")) {
  t <- system.time(fit <- coxph(f, data = d, ties = ties))[["elapsed"]]
  cat(ties, t, paste(sprintf("%.15g", coef(fit)), collapse = ","), "\n")
}
"""


def run_r(frame: pd.DataFrame) -> dict[str, tuple[float, np.ndarray]] | None:
    """Time R's coxph on the same data; ``None`` when Rscript is not installed."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("  R: Rscript not found on the PATH; R timing skipped")
        return None
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "spells.csv"
        script = Path(folder) / "cox.R"
        frame.to_csv(data, index=False)
        script.write_text(R_SCRIPT)
        out = subprocess.run(
            [rscript, str(script), str(data)], capture_output=True, text=True, check=False
        )
    if out.returncode != 0:
        print(f"  R failed: {out.stderr.strip()[:300]}")
        return None
    results = {}
    for line in out.stdout.strip().splitlines():
        ties, seconds, coefs = line.split()
        results[ties] = (float(seconds), np.array([float(v) for v in coefs.split(",")]))
        print(f"  {'R coxph (' + ties + ')':<44}{float(seconds):9.2f} s")
    return results


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="number of spells")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-statsmodels", action="store_true")
    parser.add_argument("--skip-r", action="store_true")
    args = parser.parse_args(argv)

    print(f"Machine: {machine()}")
    frame, names = simulate(args.n, args.seed)
    print(
        f"Data: {len(frame):,} spells, {len(names)} covariates, {int(frame['event'].sum()):,} "
        f"events, {frame.loc[frame['event'] == 1, 'duration'].nunique()} distinct event times"
    )
    times: dict[str, float] = {}
    coefs: dict[str, np.ndarray] = {}
    print("Wall times:")
    for ties in ("efron", "breslow"):
        seconds, fit = timed(
            f"escalation fit_cox ({ties})",
            lambda ties=ties: fit_cox(frame, names, cluster=None, ties=ties),
        )
        times[f"escalation_{ties}"] = seconds
        coefs[f"escalation_{ties}"] = fit.coefficients.to_numpy()
    if not args.skip_statsmodels:
        from statsmodels.duration.hazard_regression import PHReg

        for ties in ("efron", "breslow"):
            model = PHReg(
                frame["duration"].to_numpy(),
                frame[names].to_numpy(),
                status=frame["event"].to_numpy(),
                ties=ties,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                seconds, result = timed(f"statsmodels PHReg ({ties})", model.fit)
            times[f"statsmodels_{ties}"] = seconds
            coefs[f"statsmodels_{ties}"] = np.asarray(result.params)
    if not args.skip_r:
        r = run_r(frame)
        if r is not None:
            for ties, (seconds, values) in r.items():
                times[f"R_{ties}"] = seconds
                coefs[f"R_{ties}"] = values
    print("Largest |coefficient difference| from escalation (same ties):")
    for key, value in coefs.items():
        if key.startswith("escalation"):
            continue
        ties = key.split("_")[1]
        diff = float(np.max(np.abs(value - coefs[f"escalation_{ties}"])))
        print(f"  {key:<44}{diff:9.2e}")
    print("Time ratios (other / escalation, same ties; > 1 means escalation is faster):")
    for key, seconds in times.items():
        if key.startswith("escalation"):
            continue
        ties = key.split("_")[1]
        print(f"  {key:<44}{seconds / times[f'escalation_{ties}']:9.2f}")


if __name__ == "__main__":
    main()
