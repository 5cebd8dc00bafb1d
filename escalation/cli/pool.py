"""``escalation pool packs/*.zip --out pooled/``: the hub pools authorities' share packs."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from escalation.cli import SUMMARIES
from escalation.cli._output import add_output_arguments, output_folder
from escalation.design.study import read_design
from escalation.federated._csv import read_hub_csv
from escalation.federated.hub import pool_share_packs
from escalation.federated.outputs import write_pooled
from escalation.federated.pack import read_share_pack

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``pool`` sub-command."""
    parser = subparsers.add_parser(
        "pool",
        help=SUMMARIES["pool"],
        description=(
            "Read share packs, check they used the same (registered) design, and write "
            "random-effects meta-analyses, pooled Cox models from likelihood profiles, pooled "
            "curves and Table 1, meta-regressions on authority characteristics, forest plots "
            "by authority and a pooled brief to DIR."
        ),
    )
    parser.add_argument("packs", nargs="+", metavar="PACK", help="share packs (.zip)")
    add_output_arguments(parser)
    parser.add_argument(
        "--design",
        help="the registered design: every pack must match it (default: the "
        "design more than half the packs used; without one, give --design)",
    )
    parser.add_argument(
        "--on-mismatch",
        choices=("refuse", "exclude", "flag"),
        default="refuse",
        help="a pack with another design: stop (default), leave it out, or pool it flagged",
    )
    parser.add_argument(
        "--characteristics",
        help="CSV of authority characteristics (an 'authority' column) for meta-regression",
    )
    parser.add_argument(
        "--moderators",
        default="early_help_rate,deprivation",
        help="comma-separated characteristics to meta-regress on",
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Pool the packs and write the outputs; return 0 on success."""
    inputs = [*args.packs, args.design, args.characteristics]
    with output_folder(args, inputs=inputs) as folder:
        packs = [read_share_pack(Path(p)) for p in args.packs]
        design = read_design(args.design) if args.design else None
        # authority codes as text (0886 stays 0886), as the packs' are read
        extra = read_hub_csv(args.characteristics) if args.characteristics else None
        moderators = [m.strip() for m in args.moderators.split(",") if m.strip()]
        result = pool_share_packs(
            packs,
            design=design,
            on_mismatch=args.on_mismatch,
            characteristics=extra,
            moderators=moderators,
        )
        outputs = write_pooled(result, folder.staging, command=folder.command)
        folder.commit()  # write_pooled wrote manifest.json last
    print(f"Pooled         {len(result.authorities)} authorities: {', '.join(result.authorities)}")
    print(f"Design SHA-256 {result.design_sha256[:12]}")
    for note in result.notes:
        print(f"Note           {note}")
    print(f"Wrote results, figures and {outputs.brief.name} to {folder.path}")
    return 0
