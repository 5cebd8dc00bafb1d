"""Output folder arguments shared by every command that writes a folder."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from escalation.report.outputs import OutputFolder

__all__ = ["add_output_arguments", "output_folder"]


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--out DIR`` and ``--overwrite`` to a sub-command."""
    parser.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="output folder: new, empty, or one escalation wrote before (its manifest.json "
        "says so); outputs appear there only when the command succeeds",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="also write into a folder escalation did not write, beside the files there "
        "(files escalation did not write are never deleted or changed)",
    )


def output_folder(args: argparse.Namespace, writes: Iterable[str] = ()) -> OutputFolder:
    """Return the (unopened) output folder of a command, named after the command line."""
    from escalation.report.outputs import OutputFolder

    command = (
        getattr(args, "command_line", None)
        or " ".join(["escalation", str(getattr(args, "command", "") or "")]).strip()
    )
    return OutputFolder(args.out, overwrite=args.overwrite, command=command, writes=writes)
