"""``escalation simstudy plan.toml``: run (or resume) a simulation study of the estimators."""

from __future__ import annotations

import argparse
from typing import Any

import pandas as pd

from escalation.cli import (
    EXIT_INTERRUPTED,
    SUMMARIES,
    interrupt_in_compiled_code,
    note_kept,
)
from escalation.cli._progress import add_quiet_option, shows_progress

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``simstudy`` sub-command."""
    parser = subparsers.add_parser(
        "simstudy",
        help=SUMMARIES["simstudy"],
        description=(
            "Read a simulation-study plan (scenarios x estimators x replications), run every "
            "replication not yet in the output folder (results/ is partitioned Parquet, "
            "appended as replications finish: stop and rerun to resume), then write "
            "performance.csv (Morris, White & Crowther 2019 measures with Monte Carlo SEs), "
            "scenarios.csv and figures/. The folder is written like every output folder: it "
            "must be new, empty or escalation's, and manifest.json lists every file with the "
            "plan, its seed and the package versions."
        ),
    )
    parser.add_argument("plan", metavar="PLAN", help="the simulation-study plan TOML file")
    parser.add_argument("--out", metavar="DIR", help="output folder (overrides [study] output)")
    parser.add_argument(
        "--replications", type=int, help="replications per scenario (overrides the plan)"
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="local worker processes, -1 for every core (overrides [compute] workers)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="address of a Dask scheduler, e.g. tcp://host:8786 (overrides [compute])",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="also write into a folder escalation did not write, beside the files there "
        "(files escalation did not write are never deleted or changed)",
    )
    parser.add_argument("--no-figures", action="store_true", help="do not draw the figures")
    add_quiet_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Run the study, write the tables and figures, print the headline table; return 0."""
    from escalation.simstudy import read_plan, run_simstudy

    plan = read_plan(args.plan)
    try:
        study = run_simstudy(
            plan,
            out=args.out,
            replications=args.replications,
            workers=args.workers,
            scheduler=args.scheduler,
            progress=shows_progress(args),
            figures=not args.no_figures,
            overwrite=args.overwrite,
            inputs=[args.plan],
        )
    except KeyboardInterrupt:
        _interrupted(args.out if args.out is not None else plan.output)
        return EXIT_INTERRUPTED
    except Exception as error:
        if interrupt_in_compiled_code(error):  # Ctrl-C inside a compiled kernel
            _interrupted(args.out if args.out is not None else plan.output)
            return EXIT_INTERRUPTED
        kept = _kept(args.out if args.out is not None else plan.output)
        if kept is not None:  # past a checkpoint: the unexpected error's message says so
            note_kept(error, kept)
        raise
    figures = (study.folder / "figures").is_dir()
    glance = study.glance().iloc[0]
    table = study.wide(["bias", "empirical_se", "model_se", "coverage"])
    keep = [
        "scenario",
        "estimator",
        "horizon",
        "estimand",
        "bias",
        "bias_mcse",
        "empirical_se",
        "model_se",
        "coverage",
        "coverage_mcse",
    ]
    with pd.option_context("display.width", 160, "display.max_rows", 400):
        print(table[[c for c in keep if c in table.columns]].round(4).to_string(index=False))
    print(
        f"{glance['replications']:,} replications ({glance['new_replications']:,} new, "
        f"{glance['failed']:,} failed) of {glance['scenarios']} scenario(s) in "
        f"{study.seconds:.0f} s"
    )
    note = _without_std_error(study.performance)
    if note:
        print(note)
    print(
        f"Wrote results/, performance.csv, scenarios.csv{', figures/' if figures else ''} "
        f"and manifest.json to {study.folder}"
    )
    return 0


def _without_std_error(performance: pd.DataFrame) -> str | None:
    """Name the estimators whose SE-based measures used fewer replications than their bias.

    Parameters
    ----------
    performance : pandas.DataFrame
        The tidy performance measures (``estimator``, ``measure``, ``replications``).

    Returns
    -------
    str or None
        A sentence for the console, or None when every estimate had a standard error.
    """
    used = performance.pivot_table(
        index="estimator", columns="measure", values="replications", aggfunc="sum"
    )
    if not {"bias", "model_se"} <= set(used.columns):
        return None
    short = used.index[used["model_se"] < used["bias"]].tolist()
    if not short:
        return None
    return (
        f"Without a standard error in some replications (not failures): {', '.join(short)}; "
        "their model SE and coverage use only the replications with one (performance.csv, "
        "column replications)"
    )


def _kept(out: str | None) -> str | None:
    """Say what a study stopped part-way kept (its last checkpoint), or None: nothing."""
    import json
    from pathlib import Path

    stored = None
    manifest = Path(str(out)) / "manifest.json"
    if out is not None and manifest.is_file():
        record = json.loads(manifest.read_text(encoding="utf-8"))
        if record.get("complete") is False:
            stored = record.get("replications_stored")
    if not isinstance(stored, int):
        return None
    which = "replication that finished is" if stored == 1 else "replications that finished are"
    return f'the {stored:,} {which} kept in {out} (its manifest.json says "complete": false)'


def _interrupted(out: str | None) -> None:
    """Say what a stopped study kept: the replications of its last checkpoint."""
    import sys

    kept = _kept(out) or "no replication had finished; the output folder is as it was"
    print(
        f"escalation simstudy: interrupted; {kept}. Run the same command again to resume.",
        file=sys.stderr,
    )
