"""Why does a simulation study's coverage differ from 95%? Split the shortfall into its causes.

    python analyses/simstudy_coverage_check.py analyses/output/simstudy_early_help
    python analyses/simstudy_coverage_check.py BOOTSTRAP_RUN --influence INFLUENCE_RUN

For every estimator (the unadjusted one is left out: it is biased), horizon and estimand of
a finished ``escalation simstudy`` folder, the table shows:

``coverage``
    the share of the model's intervals that contain the truth;
``with_empirical_se``
    the share of ``estimate ± z EmpSE`` that do: the coverage a perfect standard error would
    give these estimates (it tests their normality and bias, not the SE);
``from_se_spread``
    the coverage expected from how the model SEs vary, ``mean(2 Φ(z SE_i / EmpSE) − 1)``
    (estimates normal and independent of their SEs): what a noisy or biased SE costs;
``bootstrap_noise``
    the coverage of a Wald interval whose SE comes from ``B`` bootstrap replicates and is
    otherwise exact, ``P(|t_{B−1}| ≤ z)`` (the bootstrap variance is a scaled
    chi-squared with B − 1 degrees of freedom);
``cv_se``, ``skewness``, ``excess_kurtosis``, ``relative_error_se``
    the spread of the model SEs (%), the shape of the estimates, and 100 (ModSE / EmpSE − 1).

With ``--influence`` (a run of the same plan and seed with ``bootstrap = 0`` and
``estimators = ["aipw"]``: the same data sets, standard errors from the influence function)
the AIPW rows add ``coverage_influence`` and the spread of the ratio of the two SEs on the
same data set, ``cv_ratio`` (%), next to its value for pure bootstrap noise,
``100 / sqrt(2 (B − 1))``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from escalation.simstudy.store import read_results  # noqa: E402

KEYS = ["estimator", "horizon", "estimand"]


def _log_scale(frame: pd.DataFrame) -> pd.DataFrame:
    """Put risk ratios on the log scale, where their intervals are symmetric."""
    ratio = frame["estimand"] == "risk_ratio"
    out = frame.copy()
    out.loc[ratio, "std_error"] = frame.loc[ratio, "std_error"] / frame.loc[ratio, "estimate"]
    for column in ("estimate", "truth"):
        out.loc[ratio, column] = np.log(frame.loc[ratio, column])
    return out


def diagnose(results: pd.DataFrame, bootstrap: int, conf_level: float = 0.95) -> pd.DataFrame:
    """Return the table of the module docstring, one row per estimator, horizon, estimand."""
    z = stats.norm.ppf(0.5 + conf_level / 2)
    rows = []
    kept = results[(results["estimator"] != "unadjusted") & results["error"].isna()]
    for key, group in _log_scale(kept).groupby(KEYS, sort=False):
        raw = kept.loc[group.index]
        est, se, truth = (group[c].to_numpy(float) for c in ("estimate", "std_error", "truth"))
        empirical = est.std(ddof=1)
        inside = (raw["conf_low"] <= raw["truth"]) & (raw["truth"] <= raw["conf_high"])
        rows.append(
            {
                **dict(zip(KEYS, key, strict=True)),
                "replications": len(group),
                "coverage": 100 * np.mean(inside),
                "with_empirical_se": 100 * np.mean(np.abs(est - truth) <= z * empirical),
                "from_se_spread": 100 * np.mean(2 * stats.norm.cdf(z * se / empirical) - 1),
                "bootstrap_noise": 100 * (2 * stats.t.cdf(z, bootstrap - 1) - 1)
                if bootstrap > 1
                else np.nan,
                "relative_error_se": 100 * (np.sqrt(np.mean(se**2)) / empirical - 1),
                "cv_se": 100 * se.std(ddof=1) / se.mean(),
                "skewness": stats.skew(est - truth),
                "excess_kurtosis": stats.kurtosis(est - truth),
            }
        )
    return pd.DataFrame(rows)


def compare_influence(
    results: pd.DataFrame, influence: pd.DataFrame, bootstrap: int
) -> pd.DataFrame:
    """Return AIPW coverage with influence-function SEs and the spread of SE_boot / SE_if."""
    both = results.merge(influence, on=["replication", *KEYS], suffixes=("", "_if"))
    if not np.allclose(both["estimate"], both["estimate_if"], rtol=1e-9, atol=1e-12):
        raise SystemExit("the two runs' AIPW estimates differ: not the same data sets")
    rows = []
    for key, group in both.groupby(KEYS, sort=False):
        truth = group["truth"]
        ratio = group["std_error"] / group["std_error_if"]
        rows.append(
            {
                **dict(zip(KEYS, key, strict=True)),
                "coverage_influence": 100
                * np.mean((group["conf_low_if"] <= truth) & (truth <= group["conf_high_if"])),
                "cv_ratio": 100 * ratio.std(ddof=1) / ratio.mean(),
                "cv_ratio_bootstrap_noise": 100 / np.sqrt(2 * (bootstrap - 1)),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="an escalation simstudy output folder")
    parser.add_argument("--influence", type=Path, help="the same plan run with bootstrap = 0")
    args = parser.parse_args()
    plan = json.loads((args.folder / "simstudy.json").read_text())["plan"]
    bootstrap = int(plan["estimation"]["bootstrap"])
    level = float(plan["estimation"].get("conf_level", 0.95))
    results = read_results(args.folder / "results")
    table = diagnose(results, bootstrap, level)
    if args.influence is not None:
        extra = compare_influence(results, read_results(args.influence / "results"), bootstrap)
        table = table.merge(extra, on=KEYS, how="left")
    with pd.option_context("display.width", 250, "display.max_columns", 30):
        print(f"{args.folder}: bootstrap of {bootstrap} replicates, {level:.0%} intervals")
        print(table.round(2).to_string(index=False))
        numeric = table.drop(columns=KEYS).mean(numeric_only=True).round(2)
        print("mean over rows:", numeric.to_dict())


if __name__ == "__main__":
    main()
