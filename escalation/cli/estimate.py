"""``escalation estimate design.toml --out DIR``: effects, balance, weights, refutations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import pandas as pd

from escalation.causal.dowhy_graph import refute_effect
from escalation.causal.effects import estimate_effects
from escalation.causal.evalues import evalue_table
from escalation.causal.heterogeneity import estimate_heterogeneity, subgroup_levels
from escalation.causal.tableone import table_one
from escalation.cli import SUMMARIES
from escalation.cli._compute import add_compute_options, compute_from
from escalation.cli._output import (
    add_output_arguments,
    design_hash_in,
    note_design_replaced,
    output_folder,
)
from escalation.cli._progress import add_quiet_option, shows_progress
from escalation.cli._study import (
    add_study_arguments,
    design_as_read,
    load_spells,
    study_inputs,
    write_design_copy,
)
from escalation.design.study import StudyDesign, read_design
from escalation.disclosure import (
    DisclosureRules,
    disclose_balance,
    disclose_curve_shares,
    disclose_curves,
    disclose_effects,
    disclose_observed_effects,
    disclose_positivity,
    disclose_subgroup_table,
    disclose_weights,
    spell_records,
)
from escalation.errors import DesignError
from escalation.report.caveats import CaveatLog
from escalation.report.table_one import hidden_indicators
from escalation.timeline.flow import require_spells
from escalation.timeline.spells import SpellData

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``estimate`` sub-command."""
    parser = subparsers.add_parser(
        "estimate",
        help=SUMMARIES["estimate"],
        description=(
            "Read the study design and its case-history data, build the spells and write "
            "effects.csv, curves.csv, balance.csv, weights.csv, positivity.csv, evalues.csv, "
            "refutations.csv (unless --refutations 0) and heterogeneity.csv (unless --trees "
            "0) to DIR, with design.toml and manifest.json, under the design's disclosure "
            "control ([disclosure]: counts below the threshold suppressed, others rounded). "
            "With --spells BUILT the spells are those escalation build wrote to BUILT "
            "(partitioned national data included) and DESIGN may be left out: the build's "
            "design.toml is used."
        ),
    )
    add_study_arguments(
        parser,
        design_help="the study design TOML file (with --spells: optional, and it may differ "
        "from the build's only in what does not decide the spells)",
        optional=True,
    )
    parser.add_argument(
        "--spells",
        metavar="BUILT",
        help="estimate from the folder escalation build --out wrote (its spells, flow, "
        "extract date and design) instead of building spells from case histories; "
        "not with --data or --extract-date",
    )
    add_output_arguments(parser)
    parser.add_argument("--bootstrap", type=int, help="replicates (overrides the design)")
    parser.add_argument("--seed", type=int, help="seed (overrides the design)")
    parser.add_argument(
        "--jobs",
        type=int,
        help="bootstrap worker processes (default: the design's [compute] workers, else "
        "every core; 1 for none)",
    )
    add_compute_options(parser)
    parser.add_argument(
        "--refutations",
        type=int,
        default=20,
        help="simulations per DoWhy refuter (default 20; 0: skip the refutations)",
    )
    parser.add_argument(
        "--trees",
        type=int,
        default=200,
        help="causal forest trees (default 200; 0: skip heterogeneity)",
    )
    add_quiet_option(parser)
    parser.set_defaults(func=run)


def _blank_horizons(frame: pd.DataFrame, effects: pd.DataFrame) -> pd.DataFrame:
    """Blank the numbers of rows at horizons whose effect estimates are suppressed."""
    hidden = set(effects.loc[effects["suppressed"], "horizon"])
    blank = frame["horizon"].isin(hidden).to_numpy()
    out = frame.copy()
    for column in out.columns:
        if column != "horizon" and pd.api.types.is_float_dtype(out[column]):
            out[column] = out[column].where(~blank)
    out["suppressed"] = blank
    return out


def _from_built(args: argparse.Namespace) -> tuple[StudyDesign, SpellData, CaveatLog, str]:
    """Read the folder ``--spells`` names: design, spells, caveat log and the build's input hash.

    The design is ``DESIGN`` when given, else the build's ``design.toml``
    (:func:`~escalation.timeline.partitioned.read_built_spells` refuses one that would
    build other spells).
    """
    from escalation.timeline.partitioned import built_manifest, read_built_spells

    design_file = Path(args.design) if args.design is not None else Path(args.spells, "design.toml")
    manifest = built_manifest(args.spells)
    design = design_as_read(read_design(design_file), design_file, args)
    log = CaveatLog(design, design_file)
    with log.watch("spells"):
        data = read_built_spells(args.spells, design)
    require_spells(data.flow)
    return design, data, log, str(manifest["input_hash"])


def _inputs(args: argparse.Namespace) -> list[Path]:
    """Return what the command reads (the output folder refuses to be or hold one)."""
    if args.spells is None:
        if args.design is None:
            raise DesignError(
                "escalation estimate: give the study design file (DESIGN), or --spells BUILT"
            )
        return study_inputs(args)
    if args.data is not None or args.extract_date is not None:
        raise DesignError(
            "escalation estimate: --spells BUILT reads the case histories the build read; "
            "leave out --data and --extract-date (build again to change them)"
        )
    return [Path(args.spells)] + ([Path(args.design)] if args.design is not None else [])


def run(args: argparse.Namespace) -> int:
    """Estimate and write the disclosed tables; return 0 on success."""
    writes = [
        f"{name}.csv"
        for name in (
            "effects", "curves", "balance", "weights", "positivity", "evalues", "refutations",
            "heterogeneity",
        )
    ]  # fmt: skip
    with output_folder(args, [*writes, "design.toml"], _inputs(args)) as folder:
        before = design_hash_in(folder.path)
        if args.spells is None:
            study = load_spells(args)
            design, data, log = study.design, study.data, study.log
            input_hash, design_file = study.history.digest(), args.design
        else:
            design, data, log, input_hash = _from_built(args)
            design_file = args.design or str(Path(args.spells, "design.toml"))
        with log.watch("effects"), compute_from(args, design):
            result = estimate_effects(
                data,
                bootstrap=args.bootstrap,
                seed=args.seed,
                n_jobs=args.jobs,
                progress=shows_progress(args),
            )
        rules = DisclosureRules.from_design(design)
        out = folder.staging
        spells = data.spells.reset_index(drop=True)
        records = spell_records(spells)
        # As a run publishes them: observed risks, their contrasts and curves from
        # disclosed counts (at full precision they give the counts back).
        effects = disclose_observed_effects(
            disclose_effects(result.tidy(), records, rules=rules), records, rules
        )
        effects.to_csv(out / "effects.csv", index=False)
        curves = disclose_curve_shares(
            disclose_curves(result.curves, records, rules=rules, by=("estimator", "group")),
            records,
            rules,
        )
        curves.to_csv(out / "curves.csv", index=False)
        # As a run: no count Table 1 withholds (<10 or [c]) is given back by an SMD,
        # whether or not Table 1 is published beside this table.
        disclose_balance(
            result.balance,
            result.propensity.matrix,
            result.propensity.treatment,
            rules=rules,
            withheld=hidden_indicators(
                table_one(data, rules=rules), result.propensity.coding, rules
            ),
        ).to_csv(out / "balance.csv", index=False)
        disclose_weights(result.weights, rules=rules).to_csv(out / "weights.csv", index=False)
        disclose_positivity(result.positivity, rules=rules).to_csv(
            out / "positivity.csv", index=False
        )
        _blank_horizons(evalue_table(result.tidy()), effects).to_csv(
            out / "evalues.csv", index=False
        )
        covariates = list(data.model_covariates)
        seed = int(result.settings["seed"])
        refutations = []
        heterogeneity = []
        with log.watch("heterogeneity"):
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
                    tidy = estimate_heterogeneity(
                        spells,
                        covariates=covariates,
                        horizon=horizon,
                        n_estimators=args.trees,
                        seed=seed,
                        cluster=data.cluster,  # the design's, as the effects' errors
                    ).tidy()
                    # As the run's subgroups.csv: each level's effect needs the threshold
                    # of children with and without an escalation in each arm.
                    heterogeneity.append(
                        disclose_subgroup_table(
                            tidy, subgroup_levels(spells), records, horizon=horizon, rules=rules
                        )
                    )
        if refutations:
            _blank_horizons(pd.concat(refutations, ignore_index=True), effects).to_csv(
                out / "refutations.csv", index=False
            )
        if heterogeneity:
            pd.concat(heterogeneity, ignore_index=True).to_csv(
                out / "heterogeneity.csv", index=False
            )
        write_design_copy(design, design_file, folder)
        folder.commit(
            command=folder.command,
            design=design,
            design_file=design_file,
            input_hash=input_hash,  # with --spells: the build's, of the case histories it read
            seeds={"estimation": seed},
            extra={
                "estimation": result.settings,
                "disclosure": rules.to_dict(),
                "caveats": [c.disclosed(rules).to_dict() for c in log.caveats],
            },
        )
    note_design_replaced("escalation estimate", folder.path, before)
    glance = result.glance().iloc[0]
    print(f"Spells         {glance['n']:,}; escalations {glance['events']:,}")
    print(f"Estimators     {glance['method']} (bootstrap {glance['bootstrap']})")
    print(f"Wrote effects.csv and diagnostics (under disclosure control) to {folder.path}")
    if log.caveats:  # each shown once, as a warning against its line of the design file
        print(
            f"{len(log.caveats)} caveat(s) raised (shown above as warnings): each with its "
            f"design key in {folder.path / 'manifest.json'}",
            file=sys.stderr,
        )
    return 0
