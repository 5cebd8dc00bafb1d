"""The ``escalation`` command line: thin wrappers that call the public API and write files.

Each sub-command lives in its own module exposing ``register(subparsers)``, which adds
a parser whose ``func`` default takes the parsed arguments and returns an exit code.
Only the module of the sub-command being run is imported: ``escalation --help`` and
``escalation --version`` list the sub-commands from :data:`SUMMARIES` without loading
pandas or any modelling library.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Sequence
from typing import Final

from escalation import __version__
from escalation.errors import EscalationError

__all__ = ["COMMANDS", "SUMMARIES", "build_parser", "main"]

#: Sub-command modules, in the order ``--help`` lists them (the last part is the name).
COMMANDS = (
    "escalation.cli.demo",
    "escalation.cli.run",
    "escalation.cli.simulate",
    "escalation.cli.validate",
    "escalation.cli.convert",
    "escalation.cli.build",
    "escalation.cli.estimate",
    "escalation.cli.predict",
    "escalation.cli.share",
    "escalation.cli.pool",
    "escalation.cli.simstudy",
)

#: One-line help of each sub-command (``escalation --help``; the modules use it too).
SUMMARIES: Final = {
    "demo": "run the full analysis on the built-in synthetic local authority",
    "run": "run the whole study on your case histories: results, figures, brief, manifest",
    "simulate": "simulate a local authority with known ground truth",
    "validate": "check a case-history folder against the data contract",
    "convert": "convert DfE statutory returns (CIN census XML, SSDA903 CSV) to case-history tables",
    "build": "build time-to-escalation data (spells, counting process, exclusion flow)",
    "estimate": "estimate effects of the treatment on escalation (effects.csv and diagnostics)",
    "predict": "validate risk models of escalation (metrics, fairness, calibration, model cards)",
    "share": "write this authority's share pack (aggregate statistics only) for pooling",
    "pool": "pool share packs from several authorities (meta-analysis, Cox, curves, brief)",
    "simstudy": "run a simulation study of the effect estimators (bias, SEs, coverage, power)",
}


def _name(module: str) -> str:
    return module.rsplit(".", 1)[-1]


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """Return the argument parser.

    Parameters
    ----------
    commands : iterable of str, optional
        Sub-commands whose modules are imported and registered in full (default: all).
        The others are listed by their one-line help only.
    """
    parser = argparse.ArgumentParser(
        prog="escalation",
        description="Causal and survival analysis of children's social care case histories.",
    )
    parser.add_argument("--version", action="version", version=f"escalation {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = None if commands is None else set(commands)
    for module in COMMANDS:
        name = _name(module)
        if wanted is None or name in wanted:
            importlib.import_module(module).register(subparsers)
        else:
            subparsers.add_parser(name, help=SUMMARIES.get(name), add_help=False)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """Return the sub-command named in ``argv`` (its first word that is not an option)."""
    names = {_name(m) for m in COMMANDS}
    for word in argv:
        if not word.startswith("-"):
            return word if word in names else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    command = _command(words)
    args = build_parser([command] if command else []).parse_args(words)
    try:
        return int(args.func(args))
    except (EscalationError, FileNotFoundError) as error:
        print(f"escalation: error: {error}", file=sys.stderr)
        return 2
