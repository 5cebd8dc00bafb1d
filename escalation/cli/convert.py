"""``escalation convert``: read DfE statutory returns and write the case-history tables.

``escalation convert cin-census FILE.xml [FILE.xml ...] --out DIR [--lenient]``,
``escalation convert ssda903 DIR --out DIR [--lenient]`` and
``escalation convert annex-a FILE.xlsx [FILE.xlsx ...] [--cin-census FILE.xml ...] --out DIR``.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import Any

from escalation.cli import SUMMARIES
from escalation.cli._output import add_output_arguments, output_folder
from escalation.data.history import CaseHistory
from escalation.data.io import write_case_history
from escalation.data.statutory import (
    read_annex_a,
    read_cin_census,
    read_ssda903,
    source_report,
)
from escalation.errors import DataValidationError, EscalationError

__all__ = ["REPORT_FILE", "register", "run"]

#: The problem report written next to the tables when anything was found.
REPORT_FILE = "conversion_report.csv"


def register(subparsers: Any) -> None:
    """Add the ``convert`` sub-command with its ``cin-census``, ``ssda903``, ``annex-a`` formats."""
    parser = subparsers.add_parser(
        "convert",
        help=SUMMARIES["convert"],
        description=(
            "Read a statutory return and write children, episodes and case_history.json to "
            f"DIR, with {REPORT_FILE} listing every problem (file, sheet, the row a "
            "spreadsheet shows, or an XML file's child and line; element, value, what was "
            "done). Identifiers and birth dates are never shown."
        ),
    )
    formats = parser.add_subparsers(dest="format_name", required=True, metavar="FORMAT")
    cin = formats.add_parser(
        "cin-census",
        help="Children in Need census XML (2018-19 to 2025-26); several years are merged",
    )
    cin.add_argument("files", nargs="+", metavar="FILE.xml", help="CIN census XML files")
    ssda = formats.add_parser("ssda903", help="SSDA903 looked-after return (folder of CSV files)")
    ssda.add_argument("folder", metavar="DIR", help="folder with the return's CSV files")
    annex = formats.add_parser(
        "annex-a",
        help=(
            "Ofsted Annex A workbooks (.xlsx; lists 1-8: contacts, early help, referrals, ..., "
            "looked after); several years are merged, and with CIN census returns if given"
        ),
    )
    annex.add_argument("files", nargs="+", metavar="FILE.xlsx", help="Annex A workbooks")
    annex.add_argument(
        "--cin-census",
        nargs="+",
        default=[],
        metavar="FILE.xml",
        help="CIN census returns of the same authority, merged by the LA child identifier",
    )
    for sub in (cin, ssda, annex):
        add_output_arguments(sub)
        sub.add_argument(
            "--lenient",
            action="store_true",
            help=(
                "keep what is valid and report the rest "
                "(default: stop with one error listing every problem)"
            ),
        )
        sub.add_argument(
            "--extract-date", help="extract date YYYY-MM-DD (default: from the return)"
        )
        sub.add_argument(
            "--format",
            choices=("parquet", "csv"),
            default="parquet",
            help="table file format (default parquet)",
        )
        sub.set_defaults(func=run)


@contextlib.contextmanager
def _lenient_hint(lenient: bool) -> Iterator[None]:
    """Add to a strict conversion's problems how to convert what can be read.

    A strict read that finds problems converts nothing and lists them all, some marked
    ``[kept]`` (what lenient reading would keep), which read as if nothing had stopped.
    """
    try:
        yield
    except DataValidationError as error:
        if lenient:
            raise
        raise EscalationError(
            f"{error}\nNothing was converted: the word in brackets after each problem is what "
            "--lenient would do about it. With --lenient, what can be read is converted and "
            f"every problem above is listed in {REPORT_FILE} with what was done about it."
        ) from error


def run(args: argparse.Namespace) -> int:
    """Convert the return; write the tables and the report; return 0 on success.

    The output folder is written all at once when the conversion succeeds; it never holds
    the return being read (a folder holding it, or being it, is refused, ``--overwrite`` or
    not; a folder escalation did not write is refused unless ``--overwrite``, and even then
    only escalation's own files are written there).
    """
    # Known before reading: the notes table and the report are written only when needed.
    writes = [f"children.{args.format}", f"episodes.{args.format}", "case_history.json"]
    if args.format_name == "ssda903":
        inputs = [args.folder]
    else:
        inputs = [*args.files, *getattr(args, "cin_census", [])]
    with output_folder(args, writes, inputs) as folder, _lenient_hint(args.lenient):
        history: CaseHistory
        if args.format_name == "cin-census":
            history = read_cin_census(
                args.files, lenient=args.lenient, extract_date=args.extract_date
            )
            what = f"CIN census ({len(args.files)} file{'s' if len(args.files) != 1 else ''})"
        elif args.format_name == "annex-a":
            history = read_annex_a(
                args.files,
                cin_census=args.cin_census,
                lenient=args.lenient,
                extract_date=args.extract_date,
            )
            n, m = len(args.files), len(args.cin_census)
            what = f"Annex A ({n} workbook{'s' if n != 1 else ''})"
            if m:
                what += f" with the CIN census ({m} file{'s' if m != 1 else ''})"
        else:
            history = read_ssda903(
                args.folder, lenient=args.lenient, extract_date=args.extract_date
            )
            what = f"SSDA903 return in {args.folder}"
        write_case_history(history, folder.staging, format=args.format)
        report = source_report(history.exclusions)
        if not report.empty:
            report.to_csv(folder.staging / REPORT_FILE, index=False)
        folder.commit(
            command=folder.command,
            # the hash every command records of these data once read (notes and extract
            # date included), so a later run on them records the same one
            input_hash=history.digest(),
            extra={
                "source": what,
                "disclosure": "none: record-level case histories, for use inside the local "
                "authority only",
            },
        )
    out = folder.path
    print(f"Converted {what}")
    print(f"  extract date   {history.extract_date.date()} ({history.extract_date_source})")
    print(f"  children       {len(history.children):,}")
    print(f"  episodes       {len(history.episodes):,}")
    print(history.counts().to_string(index=False))
    if folder.left_alone:
        print(f"Left {len(folder.left_alone)} file(s) escalation did not write untouched in {out}")
    if report.empty:
        print(f"No problems found. Wrote the tables to {out}")
        return 0
    counts = report.groupby(["severity", "action"]).size().rename("problems").reset_index()
    print(f"\n{len(report):,} problems (details in {out / REPORT_FILE}):")
    print(counts.to_string(index=False))
    print("\nFirst problems:")
    for problem in history.exclusions.problems[:20]:
        print(f"  - {problem.describe()}")
    print(f"\nWrote the tables and {REPORT_FILE} to {out}")
    return 0
