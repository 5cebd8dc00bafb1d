"""``escalation share design.toml --out pack/``: one authority's share pack for the hub.

Runs inside one local authority: reads its case histories, runs the registered design and
writes ``pack/<la>.zip`` holding only aggregate, disclosure-controlled statistics (see
``docs/federated.md``). Nothing record-level leaves: the pack is checked before it is
written.

The folder is written through :class:`~escalation.report.outputs.OutputFolder`, as every
command's: it must be new, empty, or one ``escalation share`` wrote before (then the packs
of other authorities shared there are kept, and listed again in ``manifest.json``); the
design file and the data folder may not be or lie inside it; and a pack that would replace
a file escalation did not write, or another command's file, is refused before the analysis
runs.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from escalation.cli import SUMMARIES
from escalation.cli._compute import add_compute_options, compute_from
from escalation.cli._output import add_output_arguments, output_folder
from escalation.cli._study import add_study_arguments, load_study, study_inputs
from escalation.federated.pack import build_share_pack, pack_name, write_share_pack
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
            "disclosure threshold; no identifier or record-level field is included. DIR "
            "keeps the packs of other authorities shared there before."
        ),
    )
    add_study_arguments(parser, "the registered study design (TOML)")
    add_output_arguments(parser)
    parser.add_argument(
        "--la", help="the authority's code (needed when the data hold several authorities)"
    )
    parser.add_argument("--bootstrap", type=int, help="replicates (overrides the design)")
    parser.add_argument("--seed", type=int, help="seed (overrides the design)")
    add_compute_options(parser)
    parser.set_defaults(func=run)


def _refuse_a_file_name(out: str) -> None:
    """Refuse ``--out NAME.zip``: the output is a folder, the pack is named by its authority."""
    target = Path(out)
    if target.suffix == ".zip" and not target.is_dir():
        raise OutputFolderError(
            f"--out {out} names a file: --out is the folder the pack is written to, as "
            "DIR/<la>.zip. Choose a folder (e.g. --out pack/)."
        )


def run(args: argparse.Namespace) -> int:
    """Build the pack and write it into the output folder; return 0 on success."""
    _refuse_a_file_name(args.out)
    with output_folder(args, inputs=study_inputs(args), keep=("*.zip",)) as folder:
        design, history = load_study(args)
        name = pack_name(history, args.la)
        folder.claim([name])  # before the analysis: a clash is refused with no work done
        with compute_from(args, design):
            pack = build_share_pack(
                history, design, authority=args.la, bootstrap=args.bootstrap, seed=args.seed
            )
        write_share_pack(pack, folder.staging / name)
        folder.commit(
            command=folder.command,
            design=design,
            inputs=(history.children, history.episodes),
            extra={
                "authority": pack.authority,
                "pack": name,
                "pack_design_sha256": pack.design_hash,
                # The rules the pack was made under (its design's), as every manifest.
                "disclosure": pack.rules.to_dict(),
            },
        )
    withheld = pack.tables["disclosure"]
    print(f"Authority      {pack.authority}")
    print(f"Design SHA-256 {pack.design_hash[:12]}")
    print(f"Disclosure     {len(withheld)} item(s) withheld, folded or coarsened (disclosure.csv)")
    print(f"Wrote {folder.final(folder.staging / name)}")
    return 0
