"""The ``--quiet`` option of every command that shows progress on standard error."""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["add_quiet_option", "shows_progress"]


def add_quiet_option(parser: Any) -> None:
    """Add ``--quiet`` (also spelt ``--no-progress``) to a sub-command's parser.

    One option, one name, on every command with long steps: ``run`` and ``demo`` had
    ``--quiet``, ``build``, ``estimate`` and ``simstudy`` ``--no-progress``, and
    ``predict``, ``validate`` and ``simulate`` neither; each now takes both.
    """
    parser.add_argument(
        "--quiet",
        "--no-progress",
        dest="quiet",
        action="store_true",
        help="do not show progress (bars and stage messages); warnings, caveats and the "
        "summary are still shown",
    )


def shows_progress(args: argparse.Namespace) -> bool:
    """Whether the command shows its progress: unless ``--quiet`` was given."""
    return not bool(getattr(args, "quiet", False))
