"""``escalation validate DIR``: check a case-history folder against the data contract."""

from __future__ import annotations

import argparse
import warnings
from typing import Any

from escalation.cli import SUMMARIES
from escalation.cli._compute import add_compute_options, compute_from
from escalation.cli._progress import add_quiet_option, shows_progress
from escalation.data.dataset import is_partitioned
from escalation.data.history import TABLES
from escalation.data.io import read_case_history
from escalation.errors import DataValidationError, DataWarning

__all__ = ["register"]


def register(subparsers: Any) -> None:
    """Add the ``validate`` sub-command."""
    parser = subparsers.add_parser(
        "validate",
        help=SUMMARIES["validate"],
        description=(
            "Read children, episodes and notes (CSV or Parquet) from DIR, check every rule of "
            "the case-history contract, print a report and exit 1 if any row breaks it."
        ),
    )
    parser.add_argument("folder", metavar="DIR", help="folder with the case-history tables")
    parser.add_argument(
        "--extract-date", help="extract date YYYY-MM-DD (default: from case_history.json)"
    )
    parser.add_argument("--encoding", default="utf-8", help="CSV text encoding (default utf-8)")
    add_compute_options(parser)
    add_quiet_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate the folder; print a report; return 0 when valid, 1 otherwise.

    The report goes to standard output whatever it finds (rows that break the contract,
    or a table missing or unreadable, which stops reading); standard error has only the
    errors that leave nothing to validate (no such folder, a bad argument: exit 2), as for
    every command.
    """
    if is_partitioned(args.folder):
        return _run_partitioned(args)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DataWarning)
        try:
            history = read_case_history(
                args.folder, extract_date=args.extract_date, lenient=True, encoding=args.encoding
            )
        except DataValidationError as error:
            _print_warnings(caught)
            return _print_unreadable(error)
    _print_warnings(caught)
    counts = history.counts()
    print(f"Case history in {args.folder}")
    print(f"  extract date   {history.extract_date.date()} ({history.extract_date_source})")
    print(f"  children       {len(history.children):,}")
    print(f"  episodes       {len(history.episodes):,}")
    print(f"  notes          {len(history.notes):,}")
    print(counts.to_string(index=False))
    if not history.exclusions:
        print("Valid: every row meets the case-history contract.")
        return 0
    print(f"\nInvalid: {len(history.exclusions):,} problems. Rows affected, by reason:")
    _print_reasons(history.exclusions.counts())
    print("\nFirst problems:")
    for problem in history.exclusions.problems[:20]:
        print(f"  - {problem.describe()}")
    return 1


def _print_reasons(counts: Any) -> None:
    """Print the rows affected by each reason: rows, table, then the reason, left-aligned.

    ``DataFrame.to_string`` right-aligned the reasons to the longest one, so every short
    reason stood after some 200 spaces and each line ran far past the terminal's width.
    """
    width = max([len("rows"), *(len(f"{int(n):,}") for n in counts["rows"])])
    print(f"{'rows':>{width}}  {'table':<8}  reason")
    for table, reason, rows in counts[["table", "reason", "rows"]].itertuples(index=False):
        print(f"{int(rows):>{width},}  {table:<8}  {reason}")


def _print_unreadable(error: DataValidationError) -> int:
    """Print, as the report, why the tables could not be read; return 1 (invalid)."""
    print(str(error))
    print(
        f"\nInvalid: {len(error.problems):,} problem(s) stopped the reading; none of the rows "
        "was checked."
    )
    return 1


def _print_warnings(caught: list[warnings.WarningMessage]) -> None:
    """Print the data warnings of reading (part of a file ignored); raise the others again."""
    data = [w.message for w in caught if isinstance(w.message, DataWarning)]
    for other in caught:
        if not isinstance(other.message, DataWarning):
            warnings.warn_explicit(other.message, other.category, other.filename, other.lineno)
    if data:
        print("Warnings (read, but part of the data ignored):")
        for warning in data:
            print(f"  - {warning}")


def _run_partitioned(args: argparse.Namespace) -> int:
    """Validate a partitioned dataset partition by partition."""
    from escalation.data.dataset import open_case_history_dataset
    from escalation.data.stream import validate_case_history_dataset

    try:
        dataset = open_case_history_dataset(args.folder, extract_date=args.extract_date)
    except DataValidationError as error:
        return _print_unreadable(error)
    with compute_from(args):
        report = validate_case_history_dataset(dataset, progress=shows_progress(args))
    totals = report.rows.sum(numeric_only=True)
    print(f"Partitioned case history in {args.folder}")
    print(f"  extract date   {dataset.extract_date.date()} ({dataset.extract_date_source})")
    print(f"  partitions     {len(dataset.partitions):,} (by {dataset.key})")
    for table in TABLES:
        if f"{table}_read" in totals:
            print(f"  {table:<14} {int(totals[f'{table}_read']):,}")
    if report.valid:
        print("Valid: every row meets the case-history contract.")
        return 0
    problems = report.exclusions
    print(f"\nInvalid: {len(problems):,} problems. Rows affected, by reason:")
    _print_reasons(problems.counts())
    print("\nFirst problems:")
    for problem in problems.problems[:20]:
        print(f"  - {problem.describe()}")
    return 1
