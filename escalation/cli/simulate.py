"""``escalation simulate``: write a simulated local authority and its ground truth."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Final

from escalation.cli import SUMMARIES
from escalation.cli._compute import add_compute_options, compute_from
from escalation.cli._output import add_output_arguments, output_folder
from escalation.cli._progress import add_quiet_option, shows_progress
from escalation.data.history import TABLES
from escalation.data.io import write_case_history

__all__ = ["planned_files", "register"]


def register(subparsers: Any) -> None:
    """Add the ``simulate`` sub-command."""
    parser = subparsers.add_parser(
        "simulate",
        help=SUMMARIES["simulate"],
        description=(
            "Simulate children's social care case histories (children, episodes and notes) "
            "and write them to DIR with truth.json, the true risks and parameters (with "
            "--format ssda903, first the children and periods of care written)."
        ),
    )
    parser.add_argument("--children", type=int, default=20_000, help="children (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    add_output_arguments(parser)
    parser.add_argument(
        "--format",
        choices=("parquet", "csv", "ssda903"),
        default="parquet",
        help=(
            "table format; ssda903 writes the periods of care as the DfE's SSDA903 "
            "looked-after children return instead, one header_YYYY.csv and episodes_YYYY.csv "
            "per collection year (read them with 'escalation convert ssda903')"
        ),
    )
    parser.add_argument("--no-notes", action="store_true", help="do not write case notes")
    parser.add_argument(
        "--authorities",
        type=int,
        metavar="K",
        help=(
            "simulate K local authorities as a partitioned Parquet dataset (one partition "
            "per authority, children split evenly; notes off unless --notes), for national-"
            "scale data"
        ),
    )
    parser.add_argument("--notes", action="store_true", help="write notes with --authorities")
    add_compute_options(parser)
    add_quiet_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Simulate, write the tables and ``truth.json``; return 0 on success."""
    from escalation.data.simulator import (
        SimulationConfig,
        simulate_local_authority,
        simulation_record,
    )

    if args.children < 1:
        print("--children must be at least 1", file=sys.stderr)
        return 2
    if args.authorities is not None:
        return _national(args)
    config = SimulationConfig(notes=not args.no_notes)
    with output_folder(args, writes=planned_files(args.format, config)) as folder:
        simulated = simulate_local_authority(args.children, seed=args.seed, config=config)
        returns = None
        truth = simulated.truth.to_json()
        if args.format == "ssda903":
            returns = _write_returns(simulated.history, folder.staging)
            truth = _returns_truth(returns, simulated)
        else:
            write_case_history(simulated.history, folder.staging, format=args.format)
        (folder.staging / "truth.json").write_text(truth, encoding="utf-8")
        folder.commit(
            command=folder.command,
            input_hash=simulated.history.digest(),
            seeds={"simulation": args.seed},
            extra={
                "disclosure": "none: simulated children, not real ones",
                "simulation": simulation_record(args.children, args.seed, config),
            },
        )
    if returns is not None:
        _say_returns(folder.path, simulated, returns)
        return 0
    history = simulated.history
    print(f"Simulated local authority written to {folder.path}")
    print(f"  children  {len(history.children):,}")
    print(f"  episodes  {len(history.episodes):,}")
    print(f"  notes     {len(history.notes):,}")
    print(f"  index spells with ground truth  {len(simulated.truth.spell_risks):,}")
    return 0


def _say_returns(out: Any, simulated: Any, returns: Any) -> None:
    """Print what ``--format ssda903`` wrote, apart from what it simulated but did not."""
    history, spells = simulated.history, len(simulated.truth.spell_risks)
    print(f"Simulated local authority written to {out} as SSDA903 returns")
    print(
        f"  written    {len(returns.files) // 2} collection years: {returns.children:,} "
        f"children looked after, {returns.episodes:,} periods of care"
    )
    print("  truth.json those children and periods of care, to check what a pipeline reads back")
    print(
        f"  not written: the other {sum(returns.skipped.values()):,} episodes simulated for "
        f"{len(history.children):,} children (referrals, plans, early help) and the ground "
        f"truth of their {spells:,} index spells (kept under full_history in truth.json)"
    )


def planned_files(table_format: str, config: Any) -> list[str]:
    """Return the files ``escalation simulate`` writes, known before it simulates.

    The output folder refuses a clash with one of them (a file escalation did not write,
    or one another command wrote) before any work starts, as ``build`` and ``convert`` do.

    Parameters
    ----------
    table_format : {"parquet", "csv", "ssda903"}
        The ``--format``.
    config : SimulationConfig
        The simulation's configuration (its notes, history start and extract date).

    Returns
    -------
    list of str
        Paths relative to the output folder. For ``ssda903``, the two files of every
        collection year from the history's start to the extract date: which of them hold a
        period of care is known only once simulated.

    Examples
    --------
    >>> from escalation.data.simulator import SimulationConfig
    >>> planned_files("csv", SimulationConfig(notes=False))
    ['truth.json', 'case_history.json', 'children.csv', 'episodes.csv']
    >>> planned_files("ssda903", SimulationConfig())[1:3]
    ['header_2015.csv', 'episodes_2015.csv']
    """
    import pandas as pd

    from escalation.data.io import METADATA_FILE

    if table_format == "ssda903":
        first, last = pd.Timestamp(config.history_start), pd.Timestamp(config.extract_date)
        # collection year YYYY runs from 1 April YYYY-1 to 31 March YYYY
        years = range(first.year + (first.month > 3), last.year + (last.month > 3) + 1)
        return [
            "truth.json",
            *(f"{kind}_{y}.csv" for y in years for kind in ("header", "episodes")),
        ]
    tables = ("children", "episodes", *(("notes",) if config.notes else ()))
    return ["truth.json", METADATA_FILE, *(f"{table}.{table_format}" for table in tables)]


def _write_returns(history: Any, folder: Any) -> Any:
    """Write one SSDA903 return per collection year holding a period of care."""
    from escalation.data.statutory import write_ssda903

    return write_ssda903(history, folder, years=_collection_years(history))


def _collection_years(history: Any) -> list[int]:
    """Return the collection years from the first period of care's to the extract date's."""
    import pandas as pd

    care = history.episodes[history.episodes["kind"].astype(str) == "looked_after"]
    if care.empty:
        return []
    first = pd.Timestamp(care["start"].min())
    # collection year YYYY runs from 1 April YYYY-1 to 31 March YYYY
    since = first.year + (first.month > 3)
    until = history.extract_date.year + (history.extract_date.month > 3)
    return list(range(since, until + 1))


#: What ``full_history`` in an SSDA903 folder's ``truth.json`` refers to.
FULL_HISTORY_NOTE: Final = (
    "the ground truth of the full simulated case histories (referrals, assessments, early "
    "help, child protection, care) from which the periods of care were written: SSDA903 "
    "files hold periods of care only, so these index spells and risks cannot be found in, "
    "checked against or estimated from them"
)


def _returns_truth(returns: Any, simulated: Any) -> str:
    """Return ``truth.json`` for ``--format ssda903``: first what the files hold.

    Its top level is true of the files written (:meth:`Ssda903WriteSummary.to_dict`:
    the children and periods of care, which reading the folder back should give); the
    simulation's causal truth is kept under ``full_history``, saying it is not theirs.
    """
    history = simulated.history
    truth = {
        "format": "ssda903",
        "describes": (
            "the looked-after children and periods of care written in this folder's "
            "header_YYYY.csv and episodes_YYYY.csv files, as simulated: read the folder "
            "with 'escalation convert ssda903' or read_ssda903 and compare"
        ),
        "extract_date": history.extract_date.date().isoformat(),
        "collection_years": _collection_years(history),
        **returns.to_dict(),
        "full_history": {"note": FULL_HISTORY_NOTE, **simulated.truth.to_dict()},
    }
    return json.dumps(truth, indent=2, default=float) + "\n"


def _national(args: argparse.Namespace) -> int:
    """Simulate ``--authorities`` authorities straight into a partitioned dataset."""
    import time

    from escalation.data.simulator import SimulationConfig, simulation_record
    from escalation.data.simulator.national import national_files, simulate_national

    start = time.perf_counter()
    config = SimulationConfig(notes=args.notes)
    writes = national_files(args.authorities, notes=args.notes)
    with output_folder(args, writes=writes) as folder, compute_from(args) as engine:
        dataset = simulate_national(
            args.children,
            folder.staging,
            authorities=args.authorities,
            seed=args.seed,
            config=config,
            progress=shows_progress(args),
        )
        rows = dataset.count_rows().sum(numeric_only=True)
        folder.commit(
            command=folder.command,
            seeds={"simulation": args.seed},
            extra={
                "disclosure": "none: simulated children, not real ones",
                "simulation": {
                    **simulation_record(args.children, args.seed, config),
                    # simulate_national: children in all, split evenly over authorities
                    "simulator": "simulate_national",
                    "authorities": args.authorities,
                    "rows": {k: int(rows.get(k, 0)) for k in TABLES},
                    "computed_on": engine.describe(),
                },
                "input": "none: the data are determined by the seed and the configuration; "
                "every file's SHA-256 is listed under outputs",
            },
        )
    print(f"Simulated {len(dataset.partitions)} local authorities to {folder.path}")
    print(f"  children  {int(rows['children']):,}")
    print(f"  episodes  {int(rows['episodes']):,}")
    print(f"  in {time.perf_counter() - start:.1f} s (truth/ holds each authority's true risks)")
    return 0
