"""Benchmark: the causal forest's split candidates, R grf's default against every column.

    python benchmarks/bench_forest_split_candidates.py                  # 365 days, 100 trees
    python benchmarks/bench_forest_split_candidates.py --horizon 730 --trees 200 --pairs 3

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
printed with their SD. Nothing here is asserted in tests.
"""

from __future__ import annotations

import argparse
import time
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd

import escalation.causal.heterogeneity as heterogeneity
from benchmarks._machine import machine
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
    args = parser.parse_args()
    print(machine())
    warnings.simplefilter("ignore")
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
        print(f"{measure}: grf default minus every column {difference.mean():+.4f} "
              f"(SD {difference.std():.4f}, {len(difference)} pairs)")  # fmt: skip


if __name__ == "__main__":
    main()
