"""Reading and writing case-history folders."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from escalation import DataValidationError, read_case_history, write_case_history
from escalation.cli import main

from .conftest import EXTRACT, history_from, valid_tables


def write_csvs(folder, tables, encoding="utf-8"):
    folder.mkdir(exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, encoding=encoding)
    return folder


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_round_trip_preserves_every_value(tmp_path, fmt):
    history = read_case_history(write_csvs(tmp_path / "in", valid_tables()), extract_date=EXTRACT)
    out = write_case_history(history, tmp_path / "out", format=fmt)
    again = read_case_history(out)  # extract date from case_history.json
    assert again.extract_date == pd.Timestamp(EXTRACT)
    assert again.extract_date_source == "case_history.json"
    for table in ("children", "episodes", "notes"):
        expected = getattr(history, table)
        got = getattr(again, table)
        pd.testing.assert_frame_equal(got, expected)
    meta = json.loads((out / "case_history.json").read_text())
    assert meta["rows"] == {"children": 3, "episodes": 12, "notes": 2}


def test_notes_are_optional(tmp_path):
    tables = valid_tables()
    del tables["notes"]
    history = read_case_history(write_csvs(tmp_path / "in", tables), extract_date=EXTRACT)
    assert history.notes.empty and list(history.notes.columns)[:3] == ["child_id", "date", "text"]


def test_missing_table_file_is_reported(tmp_path):
    folder = write_csvs(tmp_path / "in", valid_tables())
    (folder / "episodes.csv").unlink()
    with pytest.raises(DataValidationError, match=r"expected episodes\.csv or episodes\.parquet"):
        read_case_history(folder, extract_date=EXTRACT)


def test_ambiguous_table_files_are_reported(tmp_path):
    folder = write_csvs(tmp_path / "in", valid_tables())
    valid_tables()["children"].to_parquet(folder / "children.parquet")
    with pytest.raises(DataValidationError, match=r"both children\.csv and children\.parquet"):
        read_case_history(folder, extract_date=EXTRACT)


def test_corrupt_parquet_and_metadata_are_reported_not_crashes(tmp_path):
    folder = write_csvs(tmp_path / "in", valid_tables())
    (folder / "episodes.csv").unlink()
    (folder / "episodes.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(DataValidationError, match=r"episodes\.parquet is not a readable Parquet"):
        read_case_history(folder, extract_date=EXTRACT)
    folder = write_csvs(tmp_path / "in2", valid_tables())
    (folder / "case_history.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DataValidationError, match="not readable JSON"):
        read_case_history(folder)


def test_extract_date_is_required(tmp_path):
    folder = write_csvs(tmp_path / "in", valid_tables())
    with pytest.raises(DataValidationError, match="no extract date"):
        read_case_history(folder)
    with pytest.raises(DataValidationError, match="is not YYYY-MM-DD"):
        read_case_history(folder, extract_date="31 March")


def test_wrong_encoding_names_the_table_row_and_fix(tmp_path):
    tables = valid_tables()
    tables["notes"].loc[1, "text"] = "Café visit: mum’s partner present."
    folder = write_csvs(tmp_path / "in", tables, encoding="cp1252")
    with pytest.raises(DataValidationError) as info:
        read_case_history(folder, extract_date=EXTRACT)
    (problem,) = info.value.problems
    assert (problem.table, problem.row) == ("notes", 1)
    assert "encoding='cp1252'" in problem.reason
    history = read_case_history(folder, extract_date=EXTRACT, encoding="cp1252")
    assert history.notes.loc[1, "text"].startswith("Café")


def test_utf8_byte_order_mark_is_accepted(tmp_path):
    folder = write_csvs(tmp_path / "in", valid_tables(), encoding="utf-8-sig")
    history = read_case_history(folder, extract_date=EXTRACT)
    assert "child_id" in history.children.columns


def test_lenient_read_returns_exclusions(tmp_path):
    tables = valid_tables()
    tables["episodes"].loc[0, "reason"] = "RC99"
    folder = write_csvs(tmp_path / "in", tables)
    with pytest.raises(DataValidationError, match="unknown reason code"):
        read_case_history(folder, extract_date=EXTRACT)
    history = read_case_history(folder, extract_date=EXTRACT, lenient=True)
    # lenient reading drops the bad value, never the rest of the episode
    assert len(history.exclusions) == 1 and len(history.episodes) == 12
    assert history.exclusions.problems[0].action == "value dropped"


def test_not_a_folder(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_case_history(tmp_path / "missing", extract_date=EXTRACT)


def test_repr_shows_sizes_not_data():
    history = history_from(valid_tables())
    assert repr(history).startswith("CaseHistory(children=3, episodes=12, notes=2")
    assert "c1" not in repr(history)


def test_cli_validate_reports_and_exits_nonzero(tmp_path, capsys):
    tables = valid_tables()
    good = write_csvs(tmp_path / "good", tables)
    assert main(["validate", str(good), "--extract-date", EXTRACT]) == 0
    assert "Valid: every row meets the case-history contract." in capsys.readouterr().out
    tables["children"]["child_id"] = ["SECRET-7", "SECRET-7", "c3"]
    tables["episodes"]["child_id"] = tables["episodes"]["child_id"].replace("c1", "SECRET-7")
    bad = write_csvs(tmp_path / "bad", tables)
    assert main(["validate", str(bad), "--extract-date", EXTRACT]) == 1
    out = capsys.readouterr().out
    assert "child_id is not unique" in out and "SECRET-7" not in out
    assert main(["validate", str(tmp_path / "nowhere"), "--extract-date", EXTRACT]) == 2


def test_write_never_replaces_tables_it_did_not_write(tmp_path):
    """An SSDA903 folder's episodes.csv or a hand-made notes.csv is not deleted by a write."""
    history = read_case_history(write_csvs(tmp_path / "in", valid_tables()), extract_date=EXTRACT)
    theirs = tmp_path / "return"
    theirs.mkdir()
    (theirs / "episodes.csv").write_text("CHILD,DECOM\n1,2020-01-01\n")
    (theirs / "notes.csv").write_text("mine\n")
    with pytest.raises(FileExistsError, match=r"episodes.csv, notes.csv.*overwrite=True"):
        write_case_history(history, theirs)
    assert (theirs / "episodes.csv").read_text() == "CHILD,DECOM\n1,2020-01-01\n"
    assert sorted(p.name for p in theirs.iterdir()) == ["episodes.csv", "notes.csv"]
    # Its own earlier tables are replaced, in either format: nothing stale is read back.
    out = write_case_history(history, tmp_path / "out", format="csv")
    write_case_history(history, out, format="parquet")
    tables = sorted(p.name for p in out.iterdir() if p.name != "case_history.json")
    assert tables == ["children.parquet", "episodes.parquet", "notes.parquet"]
    # Told to, it replaces them.
    write_case_history(history, theirs, overwrite=True, format="csv")
    assert len(read_case_history(theirs).episodes) == len(history.episodes)
