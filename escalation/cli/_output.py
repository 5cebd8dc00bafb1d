"""Output folder arguments shared by every command that writes a folder."""

from __future__ import annotations

import argparse
from collections.abc import Iterable
from pathlib import Path
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
        help="output folder: new, empty, or one the same command wrote before (its "
        "manifest.json says so), never one holding the command's input; outputs appear "
        "there only when the command succeeds",
    )
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="also write into a folder escalation did not write, or another command wrote, "
        "beside the files there (those files are never deleted or changed)",
    )


def output_folder(
    args: argparse.Namespace,
    writes: Iterable[str] = (),
    inputs: Iterable[str | Path | None] = (),
    keep: Iterable[str] = (),
) -> OutputFolder:
    """Return the (unopened) output folder of a command, named after the command line.

    Parameters
    ----------
    args : argparse.Namespace
        The parsed command line (``out``, ``overwrite``, ``command_line``).
    writes : iterable of str
        Files the command will write, when known in advance.
    inputs : iterable of str, Path or None
        Files and folders the command reads (None: not given): opening the folder refuses
        one that is the output folder or lies inside it.
    keep : iterable of str
        Folders or patterns of files that earlier runs of the command wrote and this run
        keeps (see :class:`~escalation.report.outputs.OutputFolder`).
    """
    from escalation.report.outputs import OutputFolder

    command = (
        getattr(args, "command_line", None)
        or " ".join(["escalation", str(getattr(args, "command", "") or "")]).strip()
    )
    return OutputFolder(
        args.out,
        overwrite=args.overwrite,
        command=command,
        writes=writes,
        inputs=[Path(i) for i in inputs if i is not None],
        keep=keep,
    )
