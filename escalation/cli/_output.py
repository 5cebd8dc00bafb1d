"""Output folder arguments shared by every command that writes a folder."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from escalation.report.outputs import OutputFolder

__all__ = ["add_output_arguments", "design_hash_in", "note_design_replaced", "output_folder"]


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


def design_hash_in(folder: str | Path) -> str | None:
    """Return the design SHA-256 the manifest in ``folder`` records (None without one).

    Read when a study command opens its output folder, before it writes: with
    :func:`note_design_replaced` after it has written.
    """
    from escalation.report.manifest import MANIFEST_NAME

    try:
        manifest = json.loads((Path(folder) / MANIFEST_NAME).read_text(encoding="utf-8"))
        recorded = manifest["design"]["sha256"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return str(recorded) if recorded else None


def note_design_replaced(command: str, folder: str | Path, before: str | None) -> None:
    """Say on standard error when a run replaced the outputs of another design.

    The one rule of every study command (``run``, ``build``, ``estimate``, ``predict``,
    ``policy``): the same command may re-run into its own output folder, and when the
    design differs from the one the folder's earlier outputs came from (``before``, the
    hash :func:`design_hash_in` read before writing), a note names both designs' hashes.
    A re-run of the same design says nothing.

    Parameters
    ----------
    command : str
        The command, e.g. ``"escalation estimate"``.
    folder : str or Path
        The output folder, as written.
    before : str or None
        The design hash its manifest recorded before this run (None: none).
    """
    after = design_hash_in(folder)
    if before is None or after is None or before == after:
        return
    print(
        f"{command}: note: {folder} held the outputs of a run of another design "
        f"(design SHA-256 {before[:12]}, now {after[:12]}); they were replaced",
        file=sys.stderr,
    )
