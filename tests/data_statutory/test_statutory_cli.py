"""``escalation convert cin-census`` and ``escalation convert ssda903``."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import pytest

from escalation.cli import COMMANDS, convert, main
from escalation.data.io import read_case_history
from escalation.errors import DataValidationError

from .statutory_builders import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    child,
    cin_details,
    csv,
    episode_row,
    message,
    write,
)


def run(argv: list[str]) -> int:
    """Run ``escalation convert ...`` whether or not the lead has registered it yet."""
    if "escalation.cli.convert" in COMMANDS:
        return main(["convert", *argv])
    parser = argparse.ArgumentParser(prog="escalation")
    convert.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["convert", *argv])
    try:
        return int(args.func(args))
    except DataValidationError:
        return 2


def test_convert_cin_census_writes_the_contract_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kids = [
        child("C1", details=[cin_details("2021-01-01", closure="2021-02-01", reason="RC8")]),
        child("C2", details=[cin_details("2021-03-01", source="ZZ")]),
    ]
    xml = write(tmp_path, "cin.xml", message(kids))
    out = tmp_path / "out"
    assert run(["cin-census", str(xml), "--out", str(out)]) == 2  # strict: the unknown code
    assert run(["cin-census", str(xml), "--out", str(out), "--lenient", "--format", "csv"]) == 0
    printed = capsys.readouterr().out
    assert "CIN census ReferenceDate (cin.xml)" in printed
    assert "Child #2" in printed and "C2" not in printed.replace("Child #2", "")
    history = read_case_history(out)
    assert history.extract_date == pd.Timestamp("2022-03-31")
    assert history.episodes["source"].astype(str).tolist() == ["2A", "nan"]
    report = pd.read_csv(out / convert.REPORT_FILE)
    assert report[["file", "child", "element", "action"]].values.tolist() == [
        ["cin.xml", 2, "CINdetails[1]/ReferralSource", "value dropped"]
    ]


def test_convert_ssda903(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "return"
    source.mkdir()
    write(source, "header.csv", csv(HEADER_COLUMNS, ["A,2,01/05/2010,WBRI,,,"]))
    write(
        source,
        "episodes.csv",
        csv(
            EPISODE_COLUMNS,
            [
                episode_row("A", "01/04/2019", "S", "V2", "U1", "10/05/2019", "X1"),
                episode_row("A", "10/05/2019", "P", "V2", "U2"),
            ],
        ),
    )
    out = tmp_path / "out"
    assert run(["ssda903", str(source), "--out", str(out), "--extract-date", "2020-03-31"]) == 0
    assert "No problems found" in capsys.readouterr().out
    history = read_case_history(out)
    assert history.episodes[["kind", "legal_status", "placements"]].astype(str).values.tolist() == [
        ["looked_after", "V2", "U1;U2"]
    ]
    assert not (out / convert.REPORT_FILE).exists()


def test_main_reports_a_strict_failure_without_identifiers(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        "escalation.cli.COMMANDS",
        (*COMMANDS, "escalation.cli.convert")
        if "escalation.cli.convert" not in COMMANDS
        else COMMANDS,
    )
    kid = child("SECRET42", details=[cin_details("2021-03-01", need="N11")])
    xml = write(tmp_path, "cin.xml", message([kid]))
    assert main(["convert", "cin-census", str(xml), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err
    assert "Child #1" in err and "'N11'" in err and "SECRET42" not in err
    # The way on: what --lenient does (the problems read "[kept]", yet nothing was written).
    assert "Nothing was converted: the word in brackets after each problem is what" in err
    assert "--lenient would do about it. With --lenient, what can be read is converted" in err
    assert not (tmp_path / "out" / "children.parquet").exists()
