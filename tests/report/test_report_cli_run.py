"""The ``escalation run`` sub-command: registration, arguments and errors."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from escalation import default_design
from escalation.cli import run as run_cli
from escalation.errors import DesignError


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="escalation")
    run_cli.register(top.add_subparsers(dest="command"))
    return top


def test_report_cli_run_parses_arguments() -> None:
    args = parser().parse_args(
        ["run", "design.toml", "--out", "study", "--seed", "4", "--bootstrap", "0", "--quiet"]
    )
    assert args.func is run_cli.run
    assert (args.design, args.out, args.seed, args.bootstrap, args.quiet) == (
        "design.toml",
        "study",
        4,
        0,
        True,
    )


def test_report_cli_run_needs_a_data_folder(tmp_path: Path) -> None:
    design_file = tmp_path / "design.toml"
    design_file.write_text(default_design().to_toml())
    args = parser().parse_args(["run", str(design_file), "--out", str(tmp_path / "o")])
    with pytest.raises(DesignError, match=r"\[data\] path is not set"):
        run_cli.run(args)
