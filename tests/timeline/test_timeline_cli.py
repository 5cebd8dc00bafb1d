"""``escalation build design.toml --out DIR`` (the sub-command module on its own)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pandas as pd
import pytest

from escalation.cli import build as build_command
from escalation.design import read_design
from escalation.errors import DesignError

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "timeline"


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="escalation")
    build_command.register(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(list(argv))


def test_build_writes_spells_counting_and_flow(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(REFERENCE / "history", tmp_path / "data")
    text = (REFERENCE / "design.toml").read_text()
    (tmp_path / "design.toml").write_text('[data]\npath = "data"\n' + text)
    args = parse("build", str(tmp_path / "design.toml"), "--out", str(tmp_path / "out"))
    assert args.func(args) == 0
    out = tmp_path / "out"
    spells = pd.read_parquet(out / "spells.parquet")
    counting = pd.read_parquet(out / "counting.parquet")
    flow = pd.read_csv(out / "flow.csv")
    assert len(spells) == len(pd.read_csv(REFERENCE / "spells.csv"))
    assert list(counting.columns[:7]) == [
        "spell_id", "start", "stop", "event", "treatment_tv", "treatment_started",
        "early_help_episodes",
    ]  # fmt: skip
    assert flow["rule"].iloc[-1] == "spells" and flow["episodes"].iloc[-1] == len(spells)
    assert read_design(out / "design.toml").time_zero.spells == "all"
    assert "Spells" in capsys.readouterr().out


def test_build_without_a_data_path_says_what_to_do(tmp_path: Path) -> None:
    shutil.copy(REFERENCE / "design.toml", tmp_path / "design.toml")
    args = parse("build", str(tmp_path / "design.toml"), "--out", str(tmp_path / "out"))
    with pytest.raises(DesignError, match="--data DIR"):
        args.func(args)
    args = parse(
        "build", str(tmp_path / "design.toml"), "--out", str(tmp_path / "out"),
        "--data", str(REFERENCE / "history"), "--censor-at-horizon",
    )  # fmt: skip
    assert args.func(args) == 0
    spells = pd.read_parquet(tmp_path / "out" / "spells.parquet")
    assert spells["duration"].max() <= 730
