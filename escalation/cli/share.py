"""``escalation share design.toml --out pack/``: one authority's share pack for the hub.

Runs inside one local authority: reads its case histories, runs the registered design and
writes ``pack/<la>.zip`` holding only aggregate, disclosure-controlled statistics (see
``docs/federated.md``). Nothing record-level leaves: the pack is checked before it is
written.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from escalation.cli import SUMMARIES
from escalation.cli._compute import add_compute_options, compute_from
from escalation.cli._study import add_study_arguments, load_study
from escalation.errors import DataValidationError
from escalation.federated.pack import build_share_pack, read_share_pack, write_share_pack
from escalation.report.outputs import OutputFolderError

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``share`` sub-command."""
    parser = subparsers.add_parser(
        "share",
        help=SUMMARIES["share"],
        description=(
            "Read the study design and this authority's case histories, run the analysis and "
            "write DIR/<la>.zip: effect estimates with standard errors and bootstrap "
            "summaries, Cox likelihood profiles, risk-set tables on coarsened time, covariate "
            "summaries, the design hash and the package version. Every count is at least the "
            "disclosure threshold; no identifier or record-level field is included."
        ),
    )
    add_study_arguments(parser, "the registered study design (TOML)")
    parser.add_argument("--out", required=True, metavar="DIR", help="folder for the pack")
    parser.add_argument(
        "--la", help="the authority's code (needed when the data hold several authorities)"
    )
    parser.add_argument("--bootstrap", type=int, help="replicates (overrides the design)")
    parser.add_argument("--seed", type=int, help="seed (overrides the design)")
    add_compute_options(parser)
    parser.set_defaults(func=run)


def _refuse_replacing_another_file(out: str, authority: str) -> None:
    """Refuse to replace a file that is not an earlier share pack (escalation did not write it)."""
    target = Path(out)
    if target.suffix != ".zip":
        target = target / f"{authority}.zip"
    if not target.exists():
        return
    try:
        read_share_pack(target)
    except (DataValidationError, OSError, ValueError) as error:
        raise OutputFolderError(
            f"{target} exists and is not a share pack escalation wrote ({type(error).__name__}); "
            "escalation never replaces a file it did not write: move it or choose another --out"
        ) from None


def run(args: argparse.Namespace) -> int:
    """Build and write the pack; return 0 on success."""
    design, history = load_study(args)
    with compute_from(args, design):
        pack = build_share_pack(
            history, design, authority=args.la, bootstrap=args.bootstrap, seed=args.seed
        )
    _refuse_replacing_another_file(args.out, pack.authority)
    path = write_share_pack(pack, args.out)
    withheld = pack.tables["disclosure"]
    print(f"Authority      {pack.authority}")
    print(f"Design SHA-256 {pack.design_hash[:12]}")
    print(f"Disclosure     {len(withheld)} item(s) withheld, folded or coarsened (disclosure.csv)")
    print(f"Wrote {path}")
    return 0
