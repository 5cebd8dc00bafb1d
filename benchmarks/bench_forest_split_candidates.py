"""Benchmark: the causal forest's split candidates, R grf's default against every column.

    python benchmarks/bench_forest_split_candidates.py                  # 365 days, 100 trees
    python benchmarks/bench_forest_split_candidates.py --horizon 730 --trees 200 --pairs 3
    python benchmarks/bench_forest_split_candidates.py --demo 6     # the demo's policy study

Each split of the causal forest behind the benefit rule and the heterogeneity stage
(:func:`escalation.causal.heterogeneity.fit_effect_model`) chooses among
:func:`~escalation.causal.heterogeneity.split_candidates` of the coded columns: R grf's
default ``min(ceil(sqrt(p) + 20), p)``, 29 of the default design's 78. EconML's default
is every column. This compares the two against the simulator's truth, out of sample: for
each pair of simulated authorities of 20,000 children (the demo's size) a forest is fitted
on the first, with each setting and each forest seed, and judged on the second against its
children's true risk differences (``GroundTruth.spell_risks``: treated minus untreated):

- **corr**: correlation of the estimated and the true effects;
- **rmse**: root mean squared error of the estimated effects;
- **oracle share**: of the escalations prevented by offering early help to the 30% with
  the largest true benefit, the share prevented by offering it to the 30% with the
  largest estimated benefit (the benefit rule at the demo's capacity);
- **cpu**: CPU seconds of the fit (``time.process_time``).

Paired differences (grf's default minus every column, same authorities and seed) are
printed with their SD over the 15 forests and over the 5 pairs of authorities (each
pair's mean over its seeds: the pairs are the independent units).

``--demo N``: the demo's policy study (its 20,000 children, seed 1; cross-fitted rules,
:func:`escalation.policy.evaluate_policies`) with seeds 1..N under each setting: the
benefit rule's estimated escalations prevented per 1,000 and, from the simulator's truth,
the true value of the rule it learned, and the share of each age band it flags. Nothing
here is asserted in tests.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
from _machine import machine

import escalation.causal.heterogeneity as heterogeneity
from escalation.causal.heterogeneity import fit_effect_model
from escalation.data.simulator import simulate_local_authority
from escalation.design import default_design
from escalation.timeline import build_spells

SETTINGS: dict[str, Callable[[int], int]] = {
    "every column": lambda columns: columns,
    "grf default": heterogeneity.split_candidates,
}


def _true_effects(seed: int, horizon: int) -> tuple[pd.DataFrame, list[str], np.ndarray]:
    """Spells of a simulated authority, their covariates and true risk differences."""
    sim = simulate_local_authority(20_000, seed=seed)
    data = build_spells(sim.history, default_design())
    spells = data.spells.reset_index(drop=True)
    truth = sim.truth.spell_risks.merge(
        spells[["child_id", "time_zero"]], on=["child_id", "time_zero"], how="right"
    )
    effect = truth[f"risk_treated_{horizon}"] - truth[f"risk_untreated_{horizon}"]
    return spells, list(data.model_covariates), effect.to_numpy()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--horizon", type=int, default=365)
    parser.add_argument("--trees", type=int, default=100)
    parser.add_argument("--pairs", type=int, default=5, help="pairs of authorities")
    parser.add_argument("--seeds", type=int, default=3, help="forest seeds per pair")
    parser.add_argument("--demo", type=int, default=0, help="the demo's policy study, N seeds")
    args = parser.parse_args()
    print(machine())
    warnings.simplefilter("ignore")
    if args.demo:
        _demo(args.demo)
        return
    original = heterogeneity.split_candidates
    rows = []
    try:
        for pair in range(args.pairs):
            fitted, covariates, _ = _true_effects(1000 + pair, args.horizon)
            judged, _, true = _true_effects(2000 + pair, args.horizon)
            top = int(0.3 * len(judged))
            oracle = np.sort(true)[:top].sum()  # most negative: the largest benefit
            for setting, rule in SETTINGS.items():
                heterogeneity.split_candidates = rule  # type: ignore[assignment]
                for seed in range(1, args.seeds + 1):
                    start = time.process_time()
                    model = fit_effect_model(
                        fitted, covariates=covariates, horizon=args.horizon,
                        n_estimators=args.trees, seed=seed,
                    )  # fmt: skip
                    cpu = time.process_time() - start
                    effect = model.predict(judged)
                    chosen = np.argsort(effect)[:top]
                    rows.append({
                        "pair": pair, "setting": setting, "seed": seed, "cpu": cpu,
                        "corr": np.corrcoef(effect, true)[0, 1],
                        "rmse": float(np.sqrt(np.mean((effect - true) ** 2))),
                        "oracle share": true[chosen].sum() / oracle,
                    })  # fmt: skip
                    print(pair, setting, seed, {k: round(v, 4) for k, v in rows[-1].items()
                                                if isinstance(v, float)}, flush=True)  # fmt: skip
    finally:
        heterogeneity.split_candidates = original  # type: ignore[assignment]
    table = pd.DataFrame(rows)
    measures = ["cpu", "corr", "rmse", "oracle share"]
    print(f"\nhorizon {args.horizon} days, {args.trees} trees, {args.pairs} authority pairs")
    print(table.groupby("setting")[measures].agg(["mean", "std"]).round(4).to_string())
    wide = table.pivot_table(index=["pair", "seed"], columns="setting", values=measures)
    for measure in measures:
        difference = wide[(measure, "grf default")] - wide[(measure, "every column")]
        by_pair = difference.groupby(level="pair").mean()
        print(f"{measure}: grf default minus every column {difference.mean():+.4f} "
              f"(SD {difference.std():.4f} over {len(difference)} forests; "
              f"SD {by_pair.std():.4f} over {len(by_pair)} pairs)")  # fmt: skip


def _demo(seeds: int) -> None:
    """The demo's policy study at ``seeds`` seeds under each setting, beside the truth."""
    from escalation.policy import evaluate_policies

    sim = simulate_local_authority(20_000, seed=1)
    design = default_design()
    data = build_spells(sim.history, design)
    spells = data.spells.reset_index(drop=True)
    age = pd.cut(spells["age"], [-np.inf, 0, 5, 11, 16, np.inf], right=False,
                 labels=["unborn", "0-4", "5-10", "11-15", "16-17"])  # fmt: skip
    original = heterogeneity.split_candidates
    rows = []
    try:
        for seed in range(1, seeds + 1):
            for setting, rule in SETTINGS.items():
                heterogeneity.split_candidates = rule  # type: ignore[assignment]
                study = evaluate_policies(data, design, seed=seed, n_jobs=1, deployable=False)
                flags = study.values.flags["benefit"]
                true = sim.truth.policy_values(spells, {"benefit": flags}).set_index(
                    ["rule", "horizon"]
                )["prevented_per_1000"]
                tidy = study.tidy()
                estimate = tidy[(tidy["rule"] == "benefit")
                                & (tidy["estimand"] == "prevented_per_1000")]  # fmt: skip
                row = {"seed": seed, "setting": setting}
                for horizon, value in zip(estimate["horizon"], estimate["estimate"], strict=True):
                    row[f"estimate {horizon}"] = value
                    row[f"truth {horizon}"] = true[("benefit", horizon)]
                row.update(pd.Series(flags).groupby(age.to_numpy(), observed=True).mean())
                rows.append(row)
                print({k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()},
                      flush=True)  # fmt: skip
    finally:
        heterogeneity.split_candidates = original  # type: ignore[assignment]
    table = pd.DataFrame(rows).set_index(["seed", "setting"])
    print("\nthe demo's policy study: mean (SD) over seeds")
    print(table.groupby(level="setting").agg(["mean", "std"]).round(3).T.to_string())


if __name__ == "__main__":
    main()
