"""Monte Carlo study of the early-help effect estimators (bias, SEs, 95% coverage).

Each replication simulates a local authority from a data-generating process with known
potential-outcome risks (confounding by indication, siblings sharing families, death as a
competing event, administrative censoring), estimates the effects with every estimator and
a family-clustered bootstrap, and compares them with the truth. The table reports, per
estimator, horizon and estimand: bias, empirical SE, mean model SE and 95% coverage, each
with its Monte Carlo standard error (Morris, White & Crowther 2019, doi:10.1002/sim.8086).

Uses the simulator ``escalation.data.simulator`` when ``--simulator`` is given and it is
installed; otherwise the reference DGP of the test-suite (tests/causal/causal_support.py).

Usage::

    .venv/bin/python analyses/monte_carlo_early_help.py --reps 200 --n 1500 \\
        --bootstrap 100 --jobs 2 --out analyses/output/monte_carlo_early_help.csv
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from escalation import StatisticalWarning  # noqa: E402
from escalation.causal import estimate_effects  # noqa: E402
from tests.causal.causal_support import simulate, true_risks  # noqa: E402

ESTIMATORS = ["unadjusted", "ipw", "gformula", "aipw"]
ESTIMANDS = ["risk_treated", "risk_untreated", "risk_difference", "risk_ratio"]
COVARIATES = ["risk", "factor", "age"]


def one(rep: int, n: int, bootstrap: int, seed: int) -> pd.DataFrame:
    """Estimate every estimator on one simulated data set."""
    data = simulate(n, seed=seed + rep)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        out = estimate_effects(
            data,
            covariates=COVARIATES,
            estimators=ESTIMATORS,
            horizons=[365, 730],
            bootstrap=bootstrap,
            seed=seed + 10_000 + rep,
        ).tidy()
    return out.assign(rep=rep)


def summarise(results: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """Bias, empirical SE, model SE and coverage with Monte Carlo standard errors."""
    rows = []
    results = results[results["estimand"].isin(ESTIMANDS)]
    for (estimator, horizon, estimand), group in results.groupby(
        ["estimator", "horizon", "estimand"], sort=False
    ):
        true = float(truth.loc[horizon, estimand])
        est = group["estimate"].to_numpy()
        se = group["std_error"].to_numpy()
        covered = ((group["conf_low"] <= true) & (true <= group["conf_high"])).to_numpy()
        reps = len(est)
        emp = est.std(ddof=1)
        coverage = covered.mean()
        rows.append(
            {
                "estimator": estimator,
                "horizon": horizon,
                "estimand": estimand,
                "truth": true,
                "reps": reps,
                "mean_estimate": est.mean(),
                "bias": est.mean() - true,
                "bias_mcse": emp / np.sqrt(reps),
                "empirical_se": emp,
                "empirical_se_mcse": emp / np.sqrt(2 * (reps - 1)),
                "model_se": se.mean(),
                "model_se_mcse": se.std(ddof=1) / np.sqrt(reps),
                "coverage": coverage,
                "coverage_mcse": np.sqrt(coverage * (1 - coverage) / reps),
            }
        )
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--n", type=int, default=1500, help="spells per replication")
    parser.add_argument("--bootstrap", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--jobs", type=int, default=1, help="replications in parallel")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "analyses" / "output" / "monte_carlo_early_help.csv"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    from joblib import Parallel, delayed
    from rich.progress import track

    jobs = (delayed(one)(rep, args.n, args.bootstrap, args.seed) for rep in range(args.reps))
    runner = Parallel(n_jobs=args.jobs, return_as="generator")
    frames = list(track(runner(jobs), total=args.reps, description="replications"))
    results = pd.concat(frames, ignore_index=True)
    truth = true_risks((365, 730)).set_index("horizon")
    table = summarise(results, truth)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(args.out, index=False)
    results.to_csv(args.out.with_name(args.out.stem + "_replications.csv"), index=False)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.round(4).to_string(index=False))
    print(f"{args.reps} replications of n = {args.n} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
