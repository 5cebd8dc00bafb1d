"""``escalation build design.toml --out DIR``: write spells, counting-process data and the flow."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    data_folder,
    design_as_read,
    extract_date_of,
    load_study,
    write_design_copy,
)
from escalation.data.dataset import is_partitioned
from escalation.design.study import StudyDesign, read_design
from escalation.timeline.flow import no_spell_reason
from escalation.timeline.spells import build_spells

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["register", "run"]


def register(subparsers: Any) -> None:
    """Add the ``build`` sub-command."""
    parser = subparsers.add_parser(
        "build",
        help=SUMMARIES["build"],
        description=(
            "Read the study design and its case-history data ([data] path, relative to the "
            "design file), then write spells.parquet, counting.parquet and flow.csv to DIR. "
            "These are record-level data for use inside the local authority: their counts "
            "are exact. "
            "A partitioned dataset (children/key=value/ folders) is validated and built "
            "partition by partition into DIR/spells/ and DIR/counting/, on --workers local "
            "processes or the Dask cluster at --scheduler."
        ),
    )
    add_study_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument(
        "--censor-at-horizon",
        action="store_true",
        help="censor follow-up at the longest horizon (end_reason 'horizon')",
    )
    add_quiet_option(parser)
    add_compute_options(parser)
    parser.set_defaults(func=run)


def _run_partitioned(args: argparse.Namespace, design: StudyDesign, folder: Path) -> int:
    """Build a partitioned dataset partition by partition."""
    from escalation.data.dataset import open_case_history_dataset
    from escalation.timeline.partitioned import build_spell_dataset, spells_sha256

    dataset = open_case_history_dataset(folder, extract_date=extract_date_of(args, design))
    writes = ("flow.csv", "design.toml", "spells_dataset.json")
    inputs = (args.design, folder)
    with output_folder(args, writes, inputs) as output, compute_from(args, design):
        before = design_hash_in(output.path)
        built = build_spell_dataset(
            dataset,
            design,
            output.staging,
            censor_at_horizon=args.censor_at_horizon,
            progress=shows_progress(args),
        )
        write_design_copy(design, args.design, output)
        output.commit(
            command=output.command,
            design=design,
            design_file=args.design,
            input_hash=built.input_hash,
            extra={
                "extract_date": dataset.extract_date.date().isoformat(),
                "censor_at_horizon": bool(args.censor_at_horizon),
                "spells_sha256": spells_sha256(design, censor_at_horizon=args.censor_at_horizon),
                "partitions": len(dataset.partitions),
                "partition_key": dataset.key,
                "partition_hashes": built.partition_hashes,
                "rows": built.rows,
                "disclosure": "none: record-level data and exact counts, for use inside the "
                "local authority only",
            },
        )
    note_design_replaced("escalation build", output.path, before)
    out = output.path
    children = int(built.flow.loc[built.flow["rule"] == "spells", "children"].sum())
    print(f"Partitions     {len(dataset.partitions):,} (by {dataset.key})")
    print(f"Spells         {built.rows['spells']:,} ({children:,} children)")
    print(f"Counting rows  {built.rows['counting']:,}")
    print(
        "Wrote spells/, counting/ (partitioned Parquet), flow.csv, design.toml, "
        f"spells_dataset.json and manifest.json to {out}"
    )
    _warn_if_empty(built.flow)
    return 0


def _warn_if_empty(flow: pd.DataFrame) -> None:
    """Say on standard error why no spell was built (``run`` would stop on it)."""
    reason = no_spell_reason(flow)
    if reason is not None:
        print(
            f"escalation build: warning: no spell: {reason}. Every analysis needs spells: "
            "change the design keys named above (escalation run stops on this design)",
            file=sys.stderr,
        )


def run(args: argparse.Namespace) -> int:
    """Build the data and write the files; return 0 on success."""
    design_file = Path(args.design)
    design = read_design(design_file)
    source = data_folder(design, design_file, args.data)
    if is_partitioned(source):
        return _run_partitioned(args, design_as_read(design, design_file, args), source)
    from escalation.timeline.partitioned import spells_sha256

    writes = ("spells.parquet", "counting.parquet", "flow.csv", "design.toml")
    with output_folder(args, writes, (design_file, source)) as folder:
        before = design_hash_in(folder.path)
        design, history = load_study(args)
        data = build_spells(history, design, censor_at_horizon=args.censor_at_horizon)
        out = folder.staging
        data.spells.to_parquet(out / "spells.parquet", index=False)
        data.counting.to_parquet(out / "counting.parquet", index=False)
        data.flow.to_csv(out / "flow.csv", index=False)
        write_design_copy(design, args.design, folder)
        folder.commit(
            command=folder.command,
            design=design,
            design_file=args.design,
            input_hash=history.digest(),
            extra={
                "extract_date": history.extract_date.date().isoformat(),
                "censor_at_horizon": bool(args.censor_at_horizon),
                "spells_sha256": spells_sha256(design, censor_at_horizon=args.censor_at_horizon),
                "rows": {"spells": len(data.spells), "counting": len(data.counting)},
                "disclosure": "none: record-level data and exact counts, for use inside the "
                "local authority only",
            },
        )
    note_design_replaced("escalation build", folder.path, before)
    glance = data.glance().iloc[0]
    print(f"Spells         {glance['n']:,} ({glance['children']:,} children)")
    print(f"Escalations    {glance['events']:,}; competing {glance['competing']:,}")
    print(f"Treated        {glance['treated']:,}")
    print(
        "Wrote spells.parquet, counting.parquet, flow.csv, design.toml and manifest.json to "
        f"{folder.path} (record-level data: for use inside the local authority only)"
    )
    _warn_if_empty(data.flow)
    return 0
