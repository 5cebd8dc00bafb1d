"""``escalation simulate --format ssda903``: truth.json is true of the files it wrote."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from escalation.cli import main
from escalation.data.simulator import simulate_local_authority
from escalation.data.statutory import read_ssda903, write_ssda903

PERIOD = ["child_id", "start", "end", "legal_status", "reason_ceased"]
CHILD = ["child_id", "birth_date", "sex", "ethnicity"]


def rows(records: list[dict[str, Any]], columns: list[str]) -> list[tuple[object, ...]]:
    return sorted(tuple(record[c] for c in columns) for record in records)


def read_back(folder: Path, extract_date: str) -> tuple[list[tuple[object, ...]], ...]:
    """The periods of care and children that reading the folder gives, as truth.json says them."""
    back = read_ssda903(folder, extract_date=extract_date)  # strict: no problem at all
    assert len(back.exclusions) == 0
    care = back.episodes[back.episodes["kind"] == "looked_after"]
    periods = [
        {
            "child_id": row["child_id"],
            "start": row["start"].date().isoformat(),
            "end": None if pd.isna(row["end"]) else row["end"].date().isoformat(),
            "legal_status": None if pd.isna(row["legal_status"]) else row["legal_status"],
            "reason_ceased": None if pd.isna(row["reason_ceased"]) else row["reason_ceased"],
        }
        for row in care.to_dict("records")
    ]
    children = [
        {
            "child_id": row["child_id"],
            "birth_date": row["birth_date"].date().isoformat(),
            "sex": None if pd.isna(row["sex"]) else row["sex"],
            "ethnicity": None if pd.isna(row["ethnicity"]) else row["ethnicity"],
        }
        for row in back.children.to_dict("records")
    ]
    return rows(periods, PERIOD), rows(children, CHILD)


def test_simulate_ssda903_truth_is_what_the_files_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It printed "index spells with ground truth 1,438" and wrote the simulation's
    causal truth as truth.json, none of which SSDA903 files (periods of care only) hold.
    truth.json now says first what the files hold, which reading them back gives; the
    causal truth sits under ``full_history``, saying it is not theirs."""
    out = tmp_path / "la"
    argv = ["simulate", "--children", "1200", "--seed", "2", "--format", "ssda903"]
    assert main([*argv, "--no-notes", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    truth = json.loads((out / "truth.json").read_text())
    assert truth["format"] == "ssda903"
    periods, children = read_back(out, truth["extract_date"])
    assert rows(truth["periods"], PERIOD) == periods
    assert rows(truth["looked_after"], CHILD) == children
    assert truth["periods_of_care"] == len(periods) > 50
    assert truth["children"] == len(children)
    assert truth["open_periods"] == sum(p[2] is None for p in periods) > 0
    assert truth["deaths"] == sum(p[4] == "E2" for p in periods)
    statuses = pd.Series([p[3] or "unknown" for p in periods]).value_counts().to_dict()
    assert truth["legal_status_on_entry"] == statuses
    written = sorted(int(p.stem.split("_")[1]) for p in out.glob("episodes_*.csv"))
    assert truth["collection_years"] == written
    # The causal truth is kept apart, saying it is not the files'.
    assert "ate" not in truth and "index_spells" not in truth
    full = truth["full_history"]
    assert full["index_spells"] > 0 and "cannot be found in" in full["note"]
    assert f"{truth['periods_of_care']:,} periods of care" in printed
    (spells,) = [line for line in printed.splitlines() if "index spells" in line]
    assert spells.startswith("  not written:") and "full_history" in spells


def test_a_period_running_past_the_last_year_written_is_open_in_the_summary(
    tmp_path: Path,
) -> None:
    """The summary's periods are as the files hold them: a period still running on the
    last 31 March written is open there."""
    history = simulate_local_authority(1200, seed=2).history
    summary = write_ssda903(history, tmp_path, years=[2022])
    written = summary.to_dict()
    periods, children = read_back(tmp_path, "2022-03-31")
    assert rows(written["periods"], PERIOD) == periods
    assert rows(written["looked_after"], CHILD) == children
    care = history.episodes[history.episodes["kind"] == "looked_after"]
    running = care[(care["start"] <= "2022-03-31") & (care["end"] > "2022-03-31")]
    assert len(running) > 0 and written["open_periods"] >= len(running)
