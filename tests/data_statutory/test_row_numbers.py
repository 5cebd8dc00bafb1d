"""One row-number convention in every reader's messages and reports.

A CSV record is located by the row a spreadsheet shows (the header is row 1, the first data
row row 2, however many lines a quoted value spans); a workbook's by its sheet's own row
number; an XML child by its position and the line of its element.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from escalation import read_case_history
from escalation.cli import main
from escalation.data.statutory import read_annex_a, read_cin_census, read_ssda903, source_report
from escalation.errors import DataValidationError

from .statutory_builders import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    child,
    cin_details,
    csv,
    episode_row,
    line_of,
    message,
    write,
)

CHILDREN = "child_id,birth_date,sex\nC1,2015-01-01,F\nC2,2016-01-01,M\n"
EPISODES = "child_id,kind,start,end\nC1,referral,2020-01-01,2020-02-01\n"


def case_history(folder: Path, children: str, notes: str | None = None) -> Path:
    folder.mkdir()
    (folder / "children.csv").write_text(children)
    (folder / "episodes.csv").write_text(EPISODES)
    if notes is not None:
        (folder / "notes.csv").write_text(notes)
    return folder


def test_a_case_history_csv_names_the_first_data_row_row_2(tmp_path: Path) -> None:
    folder = case_history(tmp_path / "h", CHILDREN.replace("C1,2015-01-01,F", "C1,2015-01-01,Q"))
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date="2024-03-31")
    assert "table 'children', row 2, column 'sex', value 'Q'" in str(error.value)
    history = read_case_history(folder, extract_date="2024-03-31", lenient=True)
    assert history.exclusions.to_frame()["row"].tolist() == [2]


def test_a_case_history_note_over_several_lines_is_one_row(tmp_path: Path) -> None:
    notes = (
        "child_id,date,text\n"
        'C1,2020-01-05,"first line\nsecond line\nthird line"\n'
        "C1,2020-01-06,\n"  # on line 6 of the file, row 3 of a spreadsheet
    )
    folder = case_history(tmp_path / "h", CHILDREN, notes)
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date="2024-03-31")
    assert "table 'notes', row 3, column 'text'" in str(error.value)


EMPTY_LINE_EPISODES = (
    "child_id,kind,start,end,source\n"  # row 1
    "C1,referral,2020-01-10,2020-03-01,1A\n"  # row 2
    "\n"  # row 3: an empty line, an empty row in a spreadsheet
    "C2,referral,2021-01-10,2021-01-20,2A\n"  # row 4
    "C2,referral,2021-02-10,,1Z\n"  # row 5: an unknown source
    "\n\r\n"  # empty lines closing the file: no row moves, nothing to report
)


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])  # the Arrow and the pandas reader
def test_an_empty_line_in_a_case_history_csv_is_a_row(tmp_path: Path, encoding: str) -> None:
    folder = case_history(tmp_path / "h", CHILDREN)
    (folder / "episodes.csv").write_bytes(EMPTY_LINE_EPISODES.encode(encoding))
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date="2024-03-31", encoding=encoding)
    located = [(p.table, p.shown_row, p.column) for p in error.value.problems]
    assert located == [("episodes", 3, None), ("episodes", 5, "source")]
    assert error.value.problems[0].reason.startswith("blank row")
    history = read_case_history(folder, extract_date="2024-03-31", lenient=True, encoding=encoding)
    assert history.exclusions.to_frame()["row"].tolist() == [3, 5]
    assert len(history.episodes) == 3


def test_ssda903_counts_an_empty_line_as_a_row(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, ["A,1,01/05/2010,WBRI,,,"]))
    rows = [
        episode_row("A", "01/04/2019", "S", "V2", "U1", "01/05/2019", "X1"),
        "",  # row 3: an empty line
        episode_row("A", "01/05/2019", "L", "V2", "U3", "01/06/2019", "X1"),
        episode_row("A", "01/06/2019", "L", "ZZ", "U3"),  # row 5: an unknown legal status
    ]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path, extract_date="2020-03-31")
    text = str(error.value)
    assert "file 'episodes.csv', row 5, column 'LS', value 'ZZ'" in text
    assert "row 4" not in text


def test_the_validate_command_prints_spreadsheet_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = case_history(tmp_path / "h", CHILDREN.replace("C2,2016-01-01,M", "C2,2016-01-01,Q"))
    assert main(["validate", str(folder), "--extract-date", "2024-03-31"]) == 1
    assert "table 'children', row 3, column 'sex', value 'Q'" in capsys.readouterr().out


def test_ssda903_names_the_row_a_spreadsheet_shows_once(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, ["A,1,01/05/2010,WBRI,,,"]))
    rows = [episode_row("A", "01/04/2019", "S", "ZZ", "U1")]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path, extract_date="2020-03-31")
    text = str(error.value)
    assert "file 'episodes.csv', row 2, column 'LS'" in text
    assert "line" not in text  # one number, not "row 0 (line 2)"
    history = read_ssda903(tmp_path, extract_date="2020-03-31", lenient=True)
    report = source_report(history.exclusions)
    assert report[["row", "child", "line", "sheet"]].values.tolist() == [[2, pd.NA, pd.NA, None]]


def test_annex_a_names_the_sheet_row_excel_shows(tmp_path: Path) -> None:
    path = tmp_path / "annex.xlsx"
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheet = book.create_sheet("List 1")
    sheet.append(["Contacts"])  # a title row above the header
    sheet.append(["Child Unique ID", "Gender", "Date of Birth", "Date of Contact"])
    sheet.append(["C1", "a) Male", "2015-01-01", "2023-04-01"])
    sheet.append(["C2", "a) Male", "2015-01-01", "2023-13-01"])  # row 4
    book.save(path)
    history = read_annex_a(path, lenient=True)
    (problem,) = history.exclusions.problems
    assert "file 'annex.xlsx', sheet 'List 1' row 4, column 'Date of Contact'" in (
        problem.describe()
    )
    report = source_report(history.exclusions)
    assert report[["sheet", "row", "child", "line"]].values.tolist() == [
        ["List 1", 4, pd.NA, pd.NA]
    ]


def test_a_csv_or_sheet_problem_carries_no_line_but_its_row(tmp_path: Path) -> None:
    """SSDA903 and Annex A problems carried a ``line`` (the row again, plus one for the
    SSDA903's header) that no message or report read: a CSV record whose note runs over
    several lines would have had a line unlike its row. The row alone locates them now."""
    folder = tmp_path / "ssda903"
    folder.mkdir()
    write(folder, "header.csv", csv(HEADER_COLUMNS, ["A,1,01/05/2010,WBRI,,,"]))
    rows = [
        episode_row("A", "01/04/2019", "S", "V2", "U1"),
        episode_row("Z", "01/04/2019", "S", "V2", "U1"),
    ]
    write(folder, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    history = read_ssda903(folder, extract_date="2020-03-31", lenient=True)
    located = [(p.table, p.shown_row, p.line) for p in history.exclusions.problems]
    assert located == [("episodes.csv", 3, None)]  # Z: no such child in the header
    path = tmp_path / "annex.xlsx"
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheet = book.create_sheet("List 1")
    sheet.append(["Child Unique ID", "Gender", "Date of Birth", "Date of Contact"])
    sheet.append(["C1", "a) Male", "2015-01-01", "2023-04-01"])
    sheet.append(["C1", "b) Female", "2015-01-01", "2023-05-01"])  # row 3: another sex
    sheet.append(["C2", "a) Male", "2015-01-01", "2023-13-01"])  # row 4: not a date
    book.save(path)
    history = read_annex_a(path, lenient=True)
    located = [(p.unit, p.row, p.line) for p in history.exclusions.problems]
    assert len(located) >= 2 and {line for _, _, line in located} == {None}
    assert {row for _, row, _ in located} >= {3, 4}


def test_the_cin_census_names_the_child_and_the_line_of_its_element(tmp_path: Path) -> None:
    kids = [child(f"K{i}", details=[cin_details("2021-01-01", source="2A")]) for i in range(3)]
    kids[1] = child("K1", details=[cin_details("2021-01-01", source="ZZ")])
    text = message(kids)
    history = read_cin_census(write(tmp_path, "c.xml", text), lenient=True)
    line = line_of(text, "<ReferralSource>ZZ")
    (problem,) = history.exclusions.problems
    assert f"file 'c.xml', Child #2 (line {line}), element" in problem.describe()
    report = source_report(history.exclusions)
    assert report[["sheet", "row", "child", "line"]].values.tolist() == [[None, pd.NA, 2, line]]


def test_the_conversion_report_names_its_columns_for_what_they_hold(tmp_path: Path) -> None:
    source = tmp_path / "return"
    source.mkdir()
    write(source, "header.csv", csv(HEADER_COLUMNS, ["A,1,01/05/2010,WBRI,,,"]))
    rows = [episode_row("A", "01/04/2019", "S", "V2", "U1"), episode_row("A", "x", "S", "V2", "U1")]
    write(source, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    out = tmp_path / "out"
    assert main(["convert", "ssda903", str(source), "--out", str(out), "--lenient"]) == 0
    report = pd.read_csv(out / "conversion_report.csv")
    assert report.columns.tolist() == [
        "file", "sheet", "row", "child", "line", "element", "value", "reason", "action",
        "severity", "hint",
    ]  # fmt: skip
    assert report["row"].tolist() == [3]


def test_the_convert_help_says_what_the_report_locates_by(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["convert", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "the row a spreadsheet shows" in help_text


@pytest.mark.parametrize("lead", ["", "\n\n"])
def test_a_bad_byte_and_a_bad_value_on_one_line_name_one_row(tmp_path: Path, lead: str) -> None:
    """Empty lines above the header are skipped (rows count from the header); a bad byte's
    row was counted from the top of the file, two rows below the bad value's."""
    rows = [f"C{i},2015-01-01,F" for i in range(1, 5)]
    for broken in ("byte", "value"):
        folder = tmp_path / f"{broken}{len(lead)}"
        folder.mkdir()
        text = lead + "child_id,birth_date,sex\n" + "\n".join(rows) + "\n"
        data = text.encode("utf-8")
        if broken == "byte":
            data = data.replace(b"C4,2015-01-01,F", b"C4,2015-01-01,\xff")
        else:
            data = data.replace(b"C4,2015-01-01,F", b"C4,2015-01-01,Q")
        (folder / "children.csv").write_bytes(data)
        (folder / "episodes.csv").write_text(EPISODES)
        with pytest.raises(DataValidationError) as error:
            read_case_history(folder, extract_date="2024-03-31")
        shown = {p.shown_row for p in error.value.problems if p.table == "children"}
        assert shown == {5}, (broken, lead, str(error.value))
