"""Nothing lost, nothing echoed, nothing crashes: the inputs of issue 12, one test each."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation import CaseHistory, DataValidationError, read_case_history, validate_case_history
from escalation.cli import main
from escalation.data.statutory import read_cin_census, read_ssda903, source_report
from escalation.design import StudyDesign, default_design
from escalation.errors import DesignError
from tests.data_statutory.statutory_builders import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    child,
    cin_details,
    csv,
    episode_row,
    message,
    write,
)

from .conftest import EXTRACT, history_from, valid_tables


def write_csvs(folder: Path, tables: dict[str, pd.DataFrame], encoding: str = "utf-8") -> Path:
    folder.mkdir(exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, encoding=encoding)
    return folder


# -- NUL bytes --------------------------------------------------------------------------------
def test_a_nul_byte_in_a_csv_identifier_is_a_located_error(tmp_path: Path) -> None:
    tables = valid_tables()
    tables["children"].loc[1, "child_id"] = "c2\x00zz"  # would pass as 'c2' if cut short
    tables["notes"].loc[0, "text"] = "Home visit\x00 more"
    folder = write_csvs(tmp_path / "in", tables)
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date=EXTRACT)
    found = [(p.table, p.row, p.column) for p in error.value.problems]
    assert ("children", 1, "child_id") in found and ("notes", 0, "text") in found
    assert "NUL byte" in str(error.value) and "zz" not in str(error.value)
    history = read_case_history(folder, extract_date=EXTRACT, lenient=True)
    assert "c2" not in set(history.children["child_id"])  # excluded, never truncated
    assert history.notes.empty  # the NUL note, and c2's with c2


def test_a_damaged_identifier_does_not_stand_for_the_good_one() -> None:
    # pandas' hash table for text ends a value at a NUL byte: "c3" + NUL + "x", seen first,
    # stood for every "c3", so the good episode of child c3 was excluded as unknown.
    children = pd.DataFrame({"child_id": ["c3", "c4"], "birth_date": ["2012-05-04"] * 2})
    episodes = pd.DataFrame(
        {
            "child_id": ["c3\x00x", "c3", "c4"],
            "kind": "referral",
            "start": "2019-06-01",
            "end": None,
        }
    )
    history = validate_case_history(
        CaseHistory(children, episodes, extract_date="2024-03-31"), lenient=True
    )
    assert history.episodes["child_id"].tolist() == ["c3", "c4"]
    problems = {(p.row, p.reason) for p in history.exclusions.problems}
    assert (0, "no child with this child_id in the children table") in problems
    assert all(row == 0 for row, _ in problems)


def test_a_nul_byte_in_an_ssda903_field_is_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_text(
        csv(HEADER_COLUMNS, ["A1\x00X,1,01/05/2012,WBRI,,,", "B2,2,01/05/2013,WBRI,,,"])
    )
    (tmp_path / "episodes.csv").write_text(
        csv(EPISODE_COLUMNS, [episode_row("B2", "03/01/2022", "S", "V2", "U1")])
    )
    with pytest.raises(DataValidationError, match="NUL byte"):
        read_ssda903(tmp_path)
    history = read_ssda903(tmp_path, lenient=True)
    assert history.children["child_id"].tolist() == ["B2"]
    (problem,) = history.exclusions.problems
    assert (problem.row, problem.column, problem.action) == (0, "CHILD", "child excluded")


# -- lenient reading keeps what it can ----------------------------------------------------------
def test_lenient_reading_drops_a_bad_optional_code_not_the_childs_history() -> None:
    tables = valid_tables()
    tables["children"].loc[0, "ethnicity"] = "WHITE"
    tables["children"].loc[0, "sex"] = "X"
    history = validate_case_history(history_from(tables), lenient=True)
    assert "c1" in set(history.children["child_id"])
    assert (history.episodes["child_id"] == "c1").sum() == 7  # every episode kept
    kid = history.children.set_index("child_id").loc["c1"]
    assert pd.isna(kid["ethnicity"]) and pd.isna(kid["sex"])
    assert {p.action for p in history.exclusions.problems} == {"value dropped"}


def test_reason_is_checked_against_kind() -> None:
    tables = valid_tables()
    tables["episodes"].loc[6, "reason"] = "RC8"  # on a CP plan
    tables["episodes"].loc[1, "category"] = "NEG"  # on an assessment
    with pytest.raises(DataValidationError) as error:
        validate_case_history(history_from(tables))
    reasons = {(p.row, p.column): p.reason for p in error.value.problems}
    assert (
        reasons[(6, "reason")] == "a reason is recorded on a cp_plan; it belongs to referral only"
    )
    assert "belongs to cp_plan only" in reasons[(1, "category")]
    history = validate_case_history(history_from(tables), lenient=True)
    assert pd.isna(history.episodes.loc[6, "reason"]) and len(history.episodes) == 12


# -- shifted columns ----------------------------------------------------------------------------
def test_values_shifted_into_another_column_are_described_not_echoed(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    # a missing separator shifts the identifier and birth date one column right
    (folder / "children.csv").write_text(
        "child_id,birth_date,sex,ethnicity,disability\n"
        "C1,2015-01-01,F,WBRI,false\n"
        ",F000001,2016-03-04,M,WBRI\n"
    )
    (folder / "episodes.csv").write_text(
        "child_id,kind,start,end\nC1,referral,2020-01-01,2020-02-01\n"
    )
    history = read_case_history(folder, extract_date=EXTRACT, lenient=True)
    text = history.exclusions.describe() + history.exclusions.to_frame().to_csv()
    for secret in ("F000001", "2016-03-04"):
        assert secret not in text
    assert "<not shown: 10 characters, digits and other characters>" in text


@pytest.mark.parametrize("extra", ["", ",2016-03-04"])
def test_rows_with_one_field_more_than_the_header_are_refused_not_shifted(
    tmp_path: Path, extra: str
) -> None:
    # pandas would read the first field as a row label and shift every value one column
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "children.csv").write_text(
        f"child_id,birth_date,sex\nF000001,C1,2015-01-01,F\nF000002,C2,2016-01-01{extra}\n"
    )
    (folder / "episodes.csv").write_text(
        "child_id,kind,start,end\nC1,referral,2020-01-01,2020-02-01\n"
    )
    with pytest.raises(DataValidationError, match="has 4 fields but the header names 3") as err:
        read_case_history(folder, extract_date=EXTRACT, lenient=True)
    assert "F00000" not in str(err.value)


def test_an_ssda903_header_row_with_a_field_too_many_is_refused(tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_text(
        HEADER_COLUMNS + "\nA1101/05/2012WBRI,,2,01/05/2013,WBRI,,,\n"
    )
    (tmp_path / "episodes.csv").write_text(
        csv(EPISODE_COLUMNS, [episode_row("A1", "03/01/2022", "S", "V2", "U1")])
    )
    for lenient in (False, True):
        with pytest.raises(DataValidationError, match="has 8 fields but the header names 7"):
            read_ssda903(tmp_path, lenient=lenient)


def test_ssda903_dob_under_sex_is_not_echoed_in_the_conversion_report(tmp_path: Path) -> None:
    source = tmp_path / "ssda"
    source.mkdir()
    (source / "header.csv").write_text(
        csv(HEADER_COLUMNS, ["A1,01/05/2012,WBRI,1,,,", "B2,2,01/05/2013,WBRI,,,"])
    )
    (source / "episodes.csv").write_text(
        csv(EPISODE_COLUMNS, [episode_row("B2", "03/01/2022", "S", "V2", "U1")])
    )
    assert main(["convert", "ssda903", str(source), "--out", str(tmp_path / "o"), "--lenient"]) == 0
    report = (tmp_path / "o" / "conversion_report.csv").read_text()
    assert "01/05/2012" not in report and "SEX" in report


# -- encodings and row numbers ------------------------------------------------------------------
def test_ssda903_bytes_invalid_in_every_encoding_are_a_located_error(tmp_path: Path) -> None:
    (tmp_path / "header.csv").write_bytes(
        (HEADER_COLUMNS + "\nA1,1,01/05/2012,WBRI,,,\n").encode() + b"B\x81,2,01/05/2013,WBRI,,,\n"
    )
    (tmp_path / "episodes.csv").write_text(
        csv(EPISODE_COLUMNS, [episode_row("A1", "03/01/2022", "S", "V2", "U1")])
    )
    with pytest.raises(DataValidationError, match="neither UTF-8 nor Windows-1252") as error:
        read_ssda903(tmp_path)
    assert "header.csv', row 3" in str(error.value)  # the row a spreadsheet shows
    assert main(["convert", "ssda903", str(tmp_path), "--out", str(tmp_path / "o")]) == 2


def test_rows_are_counted_as_a_spreadsheet_shows_them_after_multiline_notes(
    tmp_path: Path,
) -> None:
    tables = valid_tables()
    notes = pd.DataFrame(
        {
            "child_id": ["c1"] * 6,
            "date": ["2019-06-05"] * 6,
            "text": ["First line\nsecond line\nthird"] * 5 + ["Café visit"],
            "author_role": ["social worker"] * 6,
        }
    )
    tables["notes"] = notes
    folder = write_csvs(tmp_path / "in", tables, encoding="cp1252")
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date=EXTRACT)  # read as UTF-8: é is invalid
    (problem,) = error.value.problems
    assert (problem.table, problem.row) == ("notes", 5)
    assert "table 'notes', row 7:" in problem.describe()  # 5 notes of three lines above it
    read_case_history(folder, extract_date=EXTRACT, encoding="cp1252")


def test_an_unknown_encoding_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = write_csvs(tmp_path / "in", valid_tables())
    with pytest.raises(ValueError, match="unknown text encoding 'nonsense'"):
        read_case_history(folder, extract_date=EXTRACT, encoding="nonsense")
    assert main(["validate", str(folder), "--encoding", "nonsense"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


# -- Parquet ---------------------------------------------------------------------------------
def test_a_parquet_list_column_is_refused_with_its_name(tmp_path: Path) -> None:
    folder = write_csvs(tmp_path / "in", valid_tables())
    (folder / "children.csv").unlink()
    kids = valid_tables()["children"].assign(tags=[["a"], ["b", "c"], []])
    kids.to_parquet(folder / "children.parquet")
    with pytest.raises(DataValidationError, match=r"column 'tags'.*lists or records"):
        read_case_history(folder, extract_date=EXTRACT, lenient=True)
    assert main(["validate", str(folder), "--extract-date", EXTRACT]) == 1


def test_note_text_stored_as_numbers_is_refused(tmp_path: Path) -> None:
    folder = write_csvs(tmp_path / "in", valid_tables())
    (folder / "notes.csv").unlink()
    notes = valid_tables()["notes"].assign(text=[12345, 67890])
    notes.to_parquet(folder / "notes.parquet")
    with pytest.raises(DataValidationError, match="note text is stored as int64 numbers"):
        read_case_history(folder, extract_date=EXTRACT, lenient=True)
    mixed = valid_tables()["notes"].astype(object)
    mixed.loc[1, "text"] = 42
    tables = {**valid_tables(), "notes": mixed}
    with pytest.raises(DataValidationError, match="note text is a number or other value"):
        validate_case_history(history_from(tables))


# -- the CIN census's namespace -----------------------------------------------------------------
def test_a_foreign_xml_namespace_is_refused(tmp_path: Path) -> None:
    text = message([child(details=[cin_details("2021-01-01")])])
    wrong = text.replace("<Message>", '<Message xmlns="http://example.org/orders">', 1)
    path = write(tmp_path, "wrong.xml", wrong)
    with pytest.raises(DataValidationError, match=r"namespace 'http://example\.org/orders'"):
        read_cin_census(path)
    history = read_cin_census(path, lenient=True)
    assert source_report(history.exclusions)["severity"].tolist() == ["error"]
    prefixed = text.replace("<Message>", '<cin:Message xmlns:cin="urn:other">', 1)
    prefixed = prefixed.replace("</Message>", "</cin:Message>")
    with pytest.raises(DataValidationError, match="namespace 'urn:other'"):
        read_cin_census(write(tmp_path, "prefixed.xml", prefixed))


# -- the command line: one line, exit 2 -------------------------------------------------------
@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["simulate", "--seed", "-5", "--out", "{tmp}/o"], "--seed must be 0 or more"),
        (["estimate", "d.toml", "--out", "{tmp}/o", "--jobs", "0"], "--jobs must be 1 or more"),
        (["estimate", "d.toml", "--out", "{tmp}/o", "--bootstrap", "-1"], "--bootstrap must"),
        (["run", "d.toml", "--out", "{tmp}/o", "--bootstrap", "-1"], "--bootstrap must"),
        (["predict", "d.toml", "--out", "{tmp}/o", "--cutoff", "notadate"], "--cutoff must be"),
        (["validate", "{tmp}", "--encoding", "nonsense"], "--encoding must be a known"),
        (["simulate", "--out", "{tmp}/file.txt"], "is a file, not a folder"),
        (["build", "{tmp}", "--out", "{tmp}/o"], "is a folder, not a design file"),
        (["build", "{tmp}/latin1.toml", "--out", "{tmp}/o"], "not UTF-8 text (byte"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    (tmp_path / "file.txt").write_text("x")
    (tmp_path / "latin1.toml").write_bytes("# caf\xe9\n[time_zero]\n".encode("latin-1"))
    assert main([a.replace("{tmp}", str(tmp_path)) for a in argv]) == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1 and "Traceback" not in err


def test_horizons_given_as_text_are_refused() -> None:
    sections = default_design().to_dict()
    sections["outcome"]["horizons"] = "365"
    with pytest.raises(DesignError, match="must be a list of days such as \\[365\\], not text"):
        StudyDesign.from_dict(sections)


def test_an_unborn_child_is_said_so_at_time_zero() -> None:
    from escalation.timeline import build_spells

    tables = valid_tables()
    tables["children"].loc[1, "birth_date"] = "2021-03-20"  # c2 referred before birth
    history = validate_case_history(history_from(tables))
    spells = build_spells(history, default_design()).spells
    mine = spells.set_index("child_id").loc["c2"]
    assert mine["unborn"] == 1 and mine["age"] < 0
    assert np.isfinite(mine["age"])
