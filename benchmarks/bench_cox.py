"""Benchmark the numerical core: Cox, Fine–Gray, curves and memory, against lifelines and R.

    python benchmarks/bench_cox.py                      # 1,000,000 spells (the issue's size)
    python benchmarks/bench_cox.py --n 200000 --n-fg 20000
    python benchmarks/bench_cox.py --skip-r --skip-statsmodels

Data: seeded spells with whole-day durations (1..730, so many tied event times), about a
third escalating, 15 covariates (8 continuous, 7 binary) with known log hazard ratios. The
Fine–Gray data (``--n-fg`` spells, default 100,000) add a competing event (code 2).

Everything runs side by side in one process on the same data, so the ratios are fair on a
busy machine; the load average is printed before and after. Timed, on the same data:

1. Cox, Efron and Breslow ties, model-based variance (``cluster=None``):
   ``escalation.survival.fit_cox`` (the core: compiled risk sets + one Newton solver),
   lifelines ``CoxPHFitter`` (Efron only), optionally statsmodels ``PHReg``, and R
   ``survival::coxph`` through ``Rscript`` on the same data written to CSV (only the
   ``coxph`` call is timed, not the read);
2. Fine–Gray: ``escalation.survival.fit_fine_gray`` against R ``finegray()`` + ``coxph(ties =
   "efron")`` (both calls timed together);
3. Kaplan–Meier and Aalen–Johansen (both causes) with confidence intervals on the Cox data;
4. peak memory (maximum resident set size) of a fresh process that reads the Cox data
   (Parquet) and fits the Efron model, and of one that only reads it.

The compiled kernels are compiled (or loaded from numba's cache) on a small sample first;
the first call in a fresh install compiles them once (a few seconds), which is not timed.
Prints the machine, each wall time, the largest coefficient difference and the ratios.
Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from _machine import load, machine

from escalation.survival import aalen_johansen, fit_cox, fit_fine_gray, kaplan_meier

P_CONTINUOUS = 8
P_BINARY = 7


def simulate(n: int, seed: int = 1, *, competing: bool = False) -> tuple[pd.DataFrame, list[str]]:
    """Return ``n`` spells with 15 covariates and tied whole-day durations."""
    rng = np.random.default_rng(seed)
    cont = rng.normal(size=(n, P_CONTINUOUS))
    binary = (rng.random((n, P_BINARY)) < np.linspace(0.1, 0.5, P_BINARY)).astype(float)
    x = np.hstack((cont, binary))
    beta = np.linspace(-0.3, 0.3, x.shape[1])
    event_time = rng.exponential(900.0 * np.exp(-(x @ beta)))
    censor = rng.uniform(30, 1500, n)
    other = rng.exponential(4000.0, n) if competing else np.full(n, np.inf)
    time_ = np.minimum.reduce([event_time, censor, other, np.full(n, 730.0)])
    duration = np.ceil(time_)
    event = np.select([time_ == event_time, time_ == other], [1, 2], 0)
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
    print(f"  {label:<48}{seconds:9.2f} s", flush=True)
    return seconds, result


R_COX = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
covs <- setdiff(names(d), c("duration", "event"))
f <- as.formula(paste("Surv(duration, event == 1) ~", paste(covs, collapse = " + ")))
for (ties in c("efron", "breslow")) {
  t <- system.time(fit <- coxph(f, data = d, ties = ties))[["elapsed"]]
  cat(ties, t, paste(sprintf("%.15g", coef(fit)), collapse = ","), "\n")
}
"""

R_FINEGRAY = r"""
suppressPackageStartupMessages(library(survival))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d$id <- seq_len(nrow(d))
d$status <- factor(d$event, 0:2, c("censor", "c1", "c2"))
covs <- setdiff(names(d), c("duration", "event", "id", "status"))
f <- as.formula(paste("Surv(fgstart, fgstop, fgstatus) ~", paste(covs, collapse = " + ")))
t <- system.time({
  fg <- finegray(Surv(duration, status) ~ ., data = d[, c("id", "duration", "status", covs)],
                 etype = "c1", id = id)
  fit <- coxph(f, data = fg, weights = fgwt, cluster = id, ties = "efron")
})[["elapsed"]]
cat("finegray", t, paste(sprintf("%.15g", coef(fit)), collapse = ","), nrow(fg), "\n")
"""


def run_r(script: str, frame: pd.DataFrame) -> list[list[str]] | None:
    """Run an R script on ``frame`` written to CSV; ``None`` when Rscript is missing."""
    rscript = shutil.which("Rscript")
    if rscript is None:
        print("  R: Rscript not found on the PATH; R timing skipped")
        return None
    with tempfile.TemporaryDirectory() as folder:
        data = Path(folder) / "spells.csv"
        code = Path(folder) / "bench.R"
        frame.to_csv(data, index=False)
        code.write_text(script)
        out = subprocess.run(
            [rscript, str(code), str(data)], capture_output=True, text=True, check=False
        )
    if out.returncode != 0:
        print(f"  R failed: {out.stderr.strip()[:300]}")
        return None
    return [line.split() for line in out.stdout.strip().splitlines()]


MEMORY = """
from pathlib import Path
import pandas as pd
frame = pd.read_parquet({path!r})
names = [c for c in frame.columns if c not in ("duration", "event")]
if {fit}:
    from escalation.survival import fit_cox
    fit_cox(frame, names, cluster=None)
status = Path("/proc/self/status").read_text().splitlines()
print(next(int(line.split()[1]) for line in status if line.startswith("VmHWM")))
"""


def peak_memory(n: int, seed: int) -> tuple[float, float]:
    """Peak resident memory (GiB) of fresh processes that read the data, and also fit it.

    The high-water mark ``VmHWM`` of ``/proc/self/status`` (Linux): unlike ``ru_maxrss``
    it starts afresh in the new process, not at the parent's peak.
    """
    frame, _ = simulate(n, seed)
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "spells.parquet")
        frame.to_parquet(path)
        del frame
        out = []
        for fit in (False, True):
            code = MEMORY.format(path=path, fit=fit)
            done = subprocess.run(
                [sys.executable, "-c", code], capture_output=True, text=True, check=True
            )
            out.append(int(done.stdout.strip().splitlines()[-1]) / 2**20)
    return out[0], out[1]


def bench_cox(args: argparse.Namespace) -> None:
    """Cox on the large data: escalation, lifelines, statsmodels, R."""
    frame, names = simulate(args.n, args.seed)
    print(
        f"Cox data: {len(frame):,} spells, {len(names)} covariates, "
        f"{int((frame['event'] == 1).sum()):,} events, "
        f"{frame.loc[frame['event'] == 1, 'duration'].nunique()} distinct event times"
    )
    fit_cox(frame.iloc[:2000], names, cluster=None)  # compile / load the kernels
    times: dict[str, float] = {}
    coefs: dict[str, np.ndarray] = {}
    for ties in ("efron", "breslow"):
        seconds, fit = timed(
            f"escalation fit_cox ({ties})",
            lambda ties=ties: fit_cox(frame, names, cluster=None, ties=ties),
        )
        times[f"escalation_{ties}"] = seconds
        coefs[f"escalation_{ties}"] = fit.coefficients.to_numpy()
    if not args.skip_lifelines:
        from lifelines import CoxPHFitter

        work = frame.assign(event=(frame["event"] == 1).astype(int))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            seconds, fitter = timed(
                "lifelines CoxPHFitter (efron)",
                lambda: CoxPHFitter().fit(work, "duration", "event"),
            )
        times["lifelines_efron"] = seconds
        coefs["lifelines_efron"] = fitter.params_.to_numpy()
    if not args.skip_statsmodels:
        from statsmodels.duration.hazard_regression import PHReg

        for ties in ("efron", "breslow"):
            model = PHReg(
                frame["duration"].to_numpy(),
                frame[names].to_numpy(),
                status=(frame["event"] == 1).to_numpy(),
                ties=ties,
            )
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                seconds, result = timed(f"statsmodels PHReg ({ties})", model.fit)
            times[f"statsmodels_{ties}"] = seconds
            coefs[f"statsmodels_{ties}"] = np.asarray(result.params)
    if not args.skip_r:
        for ties, seconds, values in run_r(R_COX, frame) or []:
            times[f"R_{ties}"] = float(seconds)
            coefs[f"R_{ties}"] = np.array([float(v) for v in values.split(",")])
            print(f"  {'R coxph (' + ties + ')':<48}{float(seconds):9.2f} s")
    print("Largest |coefficient difference| from escalation (same ties):")
    for key, value in coefs.items():
        if not key.startswith("escalation"):
            diff = float(np.max(np.abs(value - coefs[f"escalation_{key.split('_')[1]}"])))
            print(f"  {key:<48}{diff:9.2e}")
    print("Time ratios (other / escalation; > 1 means escalation is faster):")
    for key, seconds in times.items():
        if key.startswith("escalation"):
            continue
        ties = key.split("_")[1]
        print(f"  {key + ' / escalation_' + ties:<48}{seconds / times[f'escalation_{ties}']:9.2f}")
        if key == "lifelines_efron":
            ratio = seconds / times["escalation_breslow"]
            print(f"  {'lifelines_efron / escalation_breslow':<48}{ratio:9.2f}")


def bench_finegray(args: argparse.Namespace) -> None:
    """Fine–Gray: escalation against R finegray + coxph."""
    frame, names = simulate(args.n_fg, args.seed + 1, competing=True)
    counts = frame["event"].value_counts().to_dict()
    print(
        f"Fine–Gray data: {len(frame):,} spells, events {counts.get(1, 0):,}, competing "
        f"{counts.get(2, 0):,}, censored {counts.get(0, 0):,}"
    )
    fit_fine_gray(frame.iloc[:2000], names, cause=1, min_count=1)
    seconds, fit = timed(
        "escalation fit_fine_gray", lambda: fit_fine_gray(frame, names, cause=1, min_count=1)
    )
    print(f"  expanded rows: {fit.expanded_rows:,}")
    if not args.skip_r:
        for _, r_seconds, values, rows in run_r(R_FINEGRAY, frame) or []:
            r_coef = np.array([float(v) for v in values.split(",")])
            print(f"  {'R finegray + coxph (efron)':<48}{float(r_seconds):9.2f} s ({rows} rows)")
            gap = np.max(np.abs(r_coef - fit.coefficients.to_numpy()))
            print(f"  largest |coefficient difference|: {gap:.2e}")
            print(f"  ratio R / escalation: {float(r_seconds) / seconds:.2f}")


def bench_curves(args: argparse.Namespace) -> None:
    """Kaplan–Meier and Aalen–Johansen with confidence intervals on the large data."""
    frame, _ = simulate(args.n, args.seed + 2, competing=True)
    kaplan_meier(frame.iloc[:1000])
    timed(f"kaplan_meier with CIs ({len(frame):,} spells)", lambda: kaplan_meier(frame))
    timed(f"aalen_johansen, 2 causes, with CIs ({len(frame):,})", lambda: aalen_johansen(frame))


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="spells for Cox and curves")
    parser.add_argument("--n-fg", type=int, default=100_000, help="spells for Fine–Gray")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--skip-lifelines", action="store_true")
    parser.add_argument("--skip-statsmodels", action="store_true")
    parser.add_argument("--skip-r", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args(argv)
    print(f"Machine: {machine()}")
    print(f"Load before: {load()}")
    print("Wall times:")
    bench_cox(args)
    bench_finegray(args)
    bench_curves(args)
    if not args.skip_memory:
        data, fitted = peak_memory(args.n, args.seed)
        print(
            f"Peak memory (max RSS of a fresh process that reads the {args.n:,} spells): "
            f"read only {data:.2f} GiB, read + fit_cox (efron) {fitted:.2f} GiB"
        )
    print(f"Load after: {load()}")


if __name__ == "__main__":
    main()
