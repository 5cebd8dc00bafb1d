"""One disclosure rule for every message and report of the readers.

An empty value is ``<empty>``, personal or not; a personal value (identifier, birth date,
postcode, note text) is withheld; a coded value is shown as read, quoted in messages and
plain in reports (the CSV writer quotes as needed).
"""

from __future__ import annotations

import logging
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from escalation import read_case_history
from escalation.cli import main
from escalation.data.statutory import read_annex_a, read_ssda903, source_report
from escalation.errors import DataValidationError, shown

from .statutory_builders import EPISODE_COLUMNS, HEADER_COLUMNS, csv, episode_row, write

SECRET_ID = "SECRET77"
SECRET_NOTE = "Seen at 12 Oak Drive with Jane Smith"
#: A note the reader cannot keep: a NUL byte would cut it short, so it is a located problem.
BROKEN_NOTE = "Seen at 12 Oak Drive\x00 with Jane Smith"


def ssda903_return(folder: Path, header_rows: list[str], episodes: list[str]) -> Path:
    folder.mkdir()
    write(folder, "header.csv", csv(HEADER_COLUMNS, header_rows))
    write(folder, "episodes.csv", csv(EPISODE_COLUMNS, episodes))
    return folder


def referrals_workbook(path: Path, row: list[object]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheet = book.create_sheet("List 3")
    sheet.append(
        [
            "Child Unique ID",
            "Gender",
            "Ethnicity",
            "Date of Birth",
            "Referral Date",
            "Referral Source",
            "Referral NFA?",
        ]
    )
    sheet.append(row)
    book.save(path)
    return path


def test_the_conversion_report_holds_values_as_read_not_quoted(tmp_path: Path) -> None:
    source = ssda903_return(
        tmp_path / "return",
        ["A,1,01/05/2010,WBRI,,,"],
        [
            episode_row("A", "01/04/2019", "S", "V9", "U1"),
            episode_row("A", "31/02/2020", "S", "V2", "U1"),
        ],
    )
    out = tmp_path / "out"
    assert main(["convert", "ssda903", str(source), "--out", str(out), "--lenient"]) == 0
    report = pd.read_csv(out / "conversion_report.csv", dtype=str)
    assert report.set_index("element")["value"].to_dict() == {"LS": "V9", "DECOM": "31/02/2020"}
    history = read_ssda903(source, lenient=True)
    assert "value 'V9'" in history.exclusions.describe()  # quoted in messages


def test_the_exclusion_frame_holds_values_as_read_not_quoted(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "children.csv").write_text("child_id,birth_date,sex\nC1,2015-01-01,Q\n")
    (folder / "episodes.csv").write_text("child_id,kind,start\nC1,referral,2020-13-01\n")
    history = read_case_history(folder, extract_date="2024-03-31", lenient=True)
    values = history.exclusions.to_frame().set_index("column")["value"].to_dict()
    assert values == {"sex": "Q", "start": "2020-13-01"}


def test_an_empty_birth_date_is_empty_not_withheld(tmp_path: Path) -> None:
    source = ssda903_return(
        tmp_path / "return", ["A,1,,WBRI,,,"], [episode_row("A", "01/04/2019", "S", "V2", "U1")]
    )
    with pytest.raises(DataValidationError) as error:
        read_ssda903(source, extract_date="2020-03-31")
    assert "column 'DOB', value <empty>" in str(error.value)
    history = read_ssda903(source, extract_date="2020-03-31", lenient=True)
    report = source_report(history.exclusions)
    assert report.loc[report["element"] == "DOB", "value"].tolist() == ["<empty>"]


def test_an_empty_workbook_birth_date_is_empty_not_withheld(tmp_path: Path) -> None:
    path = referrals_workbook(
        tmp_path / "a.xlsx", ["C1", "a) Male", "WBRI", None, "2023-04-01", "1A", "No"]
    )
    report = source_report(read_annex_a(path, lenient=True).exclusions)
    assert report.loc[report["element"] == "Date of Birth", "value"].tolist() == ["<empty>"]


def test_a_coded_workbook_value_is_shown_as_read(tmp_path: Path) -> None:
    path = referrals_workbook(
        tmp_path / "a.xlsx", ["C1", "a) Male", "WBRI", "2015-01-01", "2023-04-01", "1A", "Maybe"]
    )
    history = read_annex_a(path, lenient=True)
    (problem,) = history.exclusions.problems
    assert "column 'Referral NFA?', value 'Maybe': not yes or no" in problem.describe()
    assert source_report(history.exclusions)["value"].tolist() == ["Maybe"]


def test_a_coded_case_history_value_is_shown_as_read(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "children.csv").write_text("child_id,birth_date,sex\nC1,2015-01-01,Female\n")
    (folder / "episodes.csv").write_text("child_id,kind,start\nC1,referral,2020-01-01\n")
    with pytest.raises(DataValidationError, match="column 'sex', value 'Female'"):
        read_case_history(folder, extract_date="2024-03-31")


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("child_id", "", "<empty>"),
        ("birth_date", None, "<empty>"),
        ("DOB", float("nan"), "<empty>"),
        ("source", None, "<empty>"),
        ("source", "  ", "<empty>"),
        ("Date of Birth", "2015-01-01", "<withheld: personal data>"),
        ("HOME_POST", "AB1 2CD", "<withheld: personal data>"),
        ("Child Unique ID", "C1", "<withheld: personal data>"),
        ("text", SECRET_NOTE, "<withheld: personal data>"),
        ("sex", "Female", "Female"),
        ("LS", "V9", "V9"),
    ],
)
def test_one_rule_decides_what_is_shown(column: str, value: object, expected: str) -> None:
    from escalation.errors import disclosed  # new: the rule, unquoted for reports

    assert disclosed(column, value) == expected
    quoted = expected if expected.startswith("<") else repr(expected)
    assert shown(column, value) == quoted


def test_an_identifier_and_a_note_are_never_shown_anywhere(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "children.csv").write_text(f"child_id,birth_date,sex\n{SECRET_ID},2015-01-01,Q\n")
    (folder / "episodes.csv").write_text(f"child_id,kind,start\n{SECRET_ID},referral,2020-01-01\n")
    (folder / "notes.csv").write_text(
        "child_id,date,text\n"
        f'NOBODY,2020-01-05,"{SECRET_NOTE}"\n'
        f'{SECRET_ID},2020-01-06,"{BROKEN_NOTE}"\n'
    )
    caplog.set_level(logging.DEBUG)
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date="2024-03-31")
    history = read_case_history(folder, extract_date="2024-03-31", lenient=True)
    assert main(["validate", str(folder), "--extract-date", "2024-03-31"]) == 1
    printed = capsys.readouterr()
    seen = [
        str(error.value),
        history.exclusions.describe(),
        history.exclusions.to_frame().to_csv(),
        printed.out,
        printed.err,
        caplog.text,
    ]
    assert {"text", "child_id"} <= set(history.exclusions.to_frame()["column"])
    for text in seen:
        assert SECRET_ID not in text and "Oak Drive" not in text and "NOBODY" not in text


def test_a_statutory_identifier_is_never_in_the_conversion_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    source = ssda903_return(
        tmp_path / "return",
        [f"{SECRET_ID},1,01/05/2010,WBRI,,,"],
        [
            episode_row(SECRET_ID, "01/04/2019", "S", "V9", "U1"),
            episode_row("NOBODY", "x", "S", "V2", "U1"),
        ],
    )
    out = tmp_path / "out"
    caplog.set_level(logging.DEBUG)
    assert main(["convert", "ssda903", str(source), "--out", str(out), "--lenient"]) == 0
    printed = capsys.readouterr()
    # every file but the tables (Parquet), which hold the identifiers by design
    written = [p.read_text() for p in out.rglob("*") if p.is_file() and p.suffix != ".parquet"]
    for text in [printed.out, printed.err, caplog.text, *written]:
        assert SECRET_ID not in text and "NOBODY" not in text
    assert "V9" in (out / "conversion_report.csv").read_text()


NAMES = ["Smith", "Mohammed", "Jones", "Patel", "Ali", "Ng", "Li", "SMITH", "NG", "ALI"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "column", ["sex", "gender", "ChildCharacteristics/GenderCurrent", "disability", "UASC"]
)
def test_a_name_in_a_sex_gender_or_yes_no_column_is_never_shown(column: str, name: str) -> None:
    assert name not in shown(column, name)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["yes_no", "sex"])
def test_a_name_in_a_workbook_column_read_as_codes_is_never_shown(kind: str, name: str) -> None:
    from escalation.errors import disclosed, value_shape

    assert name not in disclosed("Referral NFA?", name, shape=value_shape(kind))


@pytest.mark.parametrize("name", ["Smith", "Patel", "Ali", "Li", "ALI", "NG", "LI"])
@pytest.mark.parametrize("column", ["source", "LS", "PrimaryNeedCode", "AssessmentFactors"])
def test_a_name_in_a_code_column_is_never_shown(column: str, name: str) -> None:
    assert name not in shown(column, name)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("sex", "Female"),
        ("sex", "not stated"),
        ("sex", "INDETERMINATE"),
        ("sex", "Q"),
        ("gender", "9"),
        ("disability", "Maybe"),
        ("UASC", "yes"),
        ("source", "1Z"),
        ("need", "n1"),
        ("LS", "V9"),
        ("ReasonForClosure", "RC10"),
        ("AssessmentFactors", "1A, 99Z"),
        ("ethnicity", "WBRT"),
        ("ethnicity", "wbri"),
        ("kind", "cp_pln"),
    ],
)
def test_a_bad_code_or_a_known_word_is_shown(column: str, value: str) -> None:
    assert shown(column, value) == repr(value)


def test_a_name_in_the_sex_column_of_a_case_history_is_not_shown(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "children.csv").write_text(
        "child_id,birth_date,sex\nC1,2015-01-01,F\nC2,2015-01-01,Smith\n"
    )
    (folder / "episodes.csv").write_text("child_id,kind,start\nC1,referral,2020-01-01\n")
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date="2024-03-31")
    message = str(error.value)
    assert "row 3, column 'sex', value <not shown: 5 characters, letters>" in message
    assert "Smith" not in message


def test_a_name_in_a_workbook_yes_no_column_is_not_shown(tmp_path: Path) -> None:
    path = referrals_workbook(
        tmp_path / "a.xlsx", ["C1", "a) Male", "WBRI", "2015-01-01", "2023-04-01", "1A", "Jones"]
    )
    history = read_annex_a(path, lenient=True)
    assert "Jones" not in history.exclusions.describe()
    assert "Jones" not in source_report(history.exclusions).to_csv()


@pytest.mark.parametrize(
    "header", ["Surname", "Forename", "LastName", "First Name", "ChildUniqueID", "PersonId"]
)
def test_a_header_naming_a_name_or_an_identifier_is_personal(header: str) -> None:
    from escalation.errors import is_personal

    assert is_personal(header)
    assert shown(header, "Ali") == "<withheld: personal data>"


@pytest.mark.parametrize("header", ["Did the child attend?", "Referral Source", "Paid"])
def test_a_header_with_id_inside_a_word_is_not_personal(header: str) -> None:
    from escalation.errors import is_personal

    assert not is_personal(header)


@pytest.mark.parametrize(
    ("header", "key"),
    [
        ("Person Ref", "child_id"),
        ("LA Ref", "child_id"),
        ("Child Reference", "child_id"),
        ("Expected delivery date", "expected_birth_date"),
    ],
)
def test_a_column_read_into_a_personal_contract_column_is_withheld(header: str, key: str) -> None:
    from escalation.data.statutory import SourceProblem

    problem = SourceProblem(
        "a.xlsx", 7, header, "31/02/2025", "not a date", unit="List 3", read_into=key
    )
    assert problem.shown_value() == problem.reported_value() == "<withheld: personal data>"
    assert "31/02/2025" not in problem.describe()


def test_a_bad_expected_delivery_date_in_a_workbook_is_withheld(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheet = book.create_sheet("List 3")
    sheet.append(
        ["Person Ref", "Gender", "Expected delivery date", "Referral Date", "Referral Source"]
    )
    sheet.append(["C1", "U", "31/02/2025", "2023-04-01", "1A"])
    book.save(tmp_path / "a.xlsx")
    history = read_annex_a(tmp_path / "a.xlsx", lenient=True)
    assert "Expected delivery date" in history.exclusions.describe()
    assert "31/02/2025" not in history.exclusions.describe()
    report = source_report(history.exclusions)
    assert "31/02/2025" not in report.to_csv()
    assert report.loc[report["element"] == "Expected delivery date", "value"].tolist() == [
        "<withheld: personal data>"
    ]


def test_an_expected_delivery_date_too_far_ahead_is_withheld(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheet = book.create_sheet("List 3")
    sheet.append(
        ["Person Ref", "Gender", "Expected delivery date", "Referral Date", "Referral Source"]
    )
    sheet.append(["C1", "U", "2025-12-01", "2023-04-01", "1A"])
    sheet.append(["C2", "U", "2023-06-01", "2023-04-01", "1A"])  # valid: the return is read
    book.save(tmp_path / "a.xlsx")
    history = read_annex_a(tmp_path / "a.xlsx", lenient=True, extract_date="2024-03-31")
    described = history.exclusions.describe()
    assert "column 'Expected delivery date', value <withheld: personal data>" in described
    assert "2025-12-01" not in described + source_report(history.exclusions).to_csv()
