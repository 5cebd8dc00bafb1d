"""``escalation estimate design.toml --out DIR``: effects, balance, weights, refutations."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pandas as pd

from escalation.causal.dowhy_graph import refute_effect
from escalation.causal.effects import estimate_effects
from escalation.causal.evalues import evalue_table
from escalation.causal.heterogeneity import estimate_heterogeneity
from escalation.cli import SUMMARIES
from escalation.cli._compute import add_compute_options, compute_from
from escalation.cli.build import load_study
from escalation.timeline.spells import build_spells

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``estimate`` sub-command."""
    parser = subparsers.add_parser(
        "estimate",
        help=SUMMARIES["estimate"],
        description=(
            "Read the study design and its case-history data, build the spells and write "
            "effects.csv, curves.csv, balance.csv, weights.csv, evalues.csv, "
            "refutations.csv and heterogeneity.csv to DIR."
        ),
    )
    parser.add_argument("design", metavar="DESIGN", help="the study design TOML file")
    parser.add_argument("--out", required=True, metavar="DIR", help="output folder")
    parser.add_argument("--data", help="case-history folder (overrides [data] path)")
    parser.add_argument(
        "--extract-date", help="extract date YYYY-MM-DD (overrides [data] extract_date)"
    )
    parser.add_argument("--bootstrap", type=int, help="replicates (overrides the design)")
    parser.add_argument("--seed", type=int, help="seed (overrides the design)")
    add_compute_options(parser)
    parser.add_argument("--jobs", type=int, dest="workers", help=argparse.SUPPRESS)  # old name
    parser.add_argument(
        "--refutations", type=int, default=20, help="simulations per DoWhy refuter (0: skip)"
    )
    parser.add_argument(
        "--trees", type=int, default=200, help="causal forest trees (0: skip heterogeneity)"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Estimate and write the tables; return 0 on success."""
    design, history = load_study(args)
    data = build_spells(history, design)
    with compute_from(args, design):
        result = estimate_effects(
            data, bootstrap=args.bootstrap, seed=args.seed, progress=not args.no_progress
        )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    result.tidy().to_csv(out / "effects.csv", index=False)
    result.curves.to_csv(out / "curves.csv", index=False)
    result.balance.to_csv(out / "balance.csv", index=False)
    result.weights.to_csv(out / "weights.csv", index=False)
    result.positivity.to_csv(out / "positivity.csv", index=False)
    evalue_table(result.tidy()).to_csv(out / "evalues.csv", index=False)
    spells = data.spells.reset_index(drop=True)
    covariates = list(data.model_covariates)
    seed = int(result.settings["seed"])
    refutations = []
    heterogeneity = []
    for horizon in design.outcome.horizons:
        if args.refutations > 0:
            refutations.append(
                refute_effect(
                    spells,
                    covariates=covariates,
                    horizon=horizon,
                    num_simulations=args.refutations,
                    seed=seed,
                ).tidy()
            )
        if args.trees > 0:
            heterogeneity.append(
                estimate_heterogeneity(
                    spells,
                    covariates=covariates,
                    horizon=horizon,
                    n_estimators=args.trees,
                    seed=seed,
                ).tidy()
            )
    if refutations:
        pd.concat(refutations, ignore_index=True).to_csv(out / "refutations.csv", index=False)
    if heterogeneity:
        pd.concat(heterogeneity, ignore_index=True).to_csv(out / "heterogeneity.csv", index=False)
    (out / "design.toml").write_text(design.to_toml(), encoding="utf-8")
    record = result.provenance()
    record["command"] = "estimate"
    (out / "provenance.json").write_text(
        json.dumps(record, indent=2, default=str) + "\n", encoding="utf-8"
    )
    glance = result.glance().iloc[0]
    print(f"Spells         {glance['n']:,}; escalations {glance['events']:,}")
    print(f"Estimators     {glance['method']} (bootstrap {glance['bootstrap']})")
    print(f"Wrote effects.csv and diagnostics to {out}")
    return 0
