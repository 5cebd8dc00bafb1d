"""The ``escalation`` command line: thin wrappers that call the public API and write files.

Each sub-command lives in its own module exposing ``register(subparsers)``, which adds
a parser whose ``func`` default takes the parsed arguments and returns an exit code.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from escalation import __version__
from escalation.errors import EscalationError

__all__ = ["main"]

#: Sub-command modules, in the order ``--help`` lists them.
COMMANDS = (
    "escalation.cli.demo",
    "escalation.cli.run",
    "escalation.cli.simulate",
    "escalation.cli.validate",
    "escalation.cli.convert",
    "escalation.cli.build",
    "escalation.cli.estimate",
    "escalation.cli.predict",
    "escalation.cli.simstudy",
)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="escalation",
        description="Causal and survival analysis of children's social care case histories.",
    )
    parser.add_argument("--version", action="version", version=f"escalation {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (EscalationError, FileNotFoundError) as error:
        print(f"escalation: error: {error}", file=sys.stderr)
        return 2
