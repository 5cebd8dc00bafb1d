"""A value is shown or withheld by the contract column a reader read its column into.

Was: the form a shown value must have was looked up from the source column's header only,
so a workbook's ``Reason for Closure`` (read into ``reason``) had no form and its closure
reason ``RC8``, a code of a DfE list and no personal data, was ``<not shown: ...>``. Now
the contract column's form decides (:func:`~escalation.errors.disclosed`'s ``read_into``);
identifiers, birth dates and note text read into a personal column stay withheld, and a
name in a coded column is still described. The expected texts are written out by hand
from the rule: a code is quoted as read, a personal value is ``<withheld: personal data>``.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from escalation.data.statutory import read_annex_a, read_cin_census, read_ssda903, source_report
from escalation.data.statutory.problems import SourceProblem
from escalation.errors import WITHHELD, shown

from .statutory_builders import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    child,
    cin_details,
    csv,
    episode_row,
    message,
    samples_dir,
    write,
)


@pytest.mark.parametrize(
    ("header", "read_into", "value"),
    [
        ("Reason for Closure", "reason", "RC8"),
        ("Abuse type", "category", "NEG"),
        ("Where from", "source", "1A"),
        ("Main issue", "need", "N1"),
        ("Legal basis", "legal_status", "C2"),
        ("Gender identity", "sex", "F"),
        ("Heritage", "ethnicity", "WBRI"),
    ],
)
def test_a_code_of_a_column_read_into_a_coded_contract_column_is_shown(
    header: str, read_into: str, value: str
) -> None:
    assert shown(header, value) != f"'{value}'"  # the header alone names no code list
    assert shown(header, value, read_into=read_into) == f"'{value}'"


@pytest.mark.parametrize(
    ("header", "read_into", "value"),
    [
        ("Person Ref", "child_id", "RC8"),
        ("Household", "family_id", "NEG"),
        ("Expected delivery date", "expected_birth_date", "2025-01-01"),
        ("Worker's record", "text", "N1"),
    ],
)
def test_a_value_read_into_a_personal_column_is_withheld_whatever_its_form(
    header: str, read_into: str, value: str
) -> None:
    assert shown(header, value, read_into=read_into) == WITHHELD


@pytest.mark.parametrize("name", ["Smith", "PATEL", "John Smith"])
def test_a_name_in_a_column_read_into_a_coded_contract_column_is_described(name: str) -> None:
    assert shown("Reason for Closure", name, read_into="reason").startswith("<not shown: ")


def _open_referral_workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheet = book.create_sheet("List 6")
    sheet.append(["Child Unique ID", "Gender", "Date of Birth", "CIN Start Date",
                  "Primary Need Code", "CIN Closure Date", "Reason for Closure"])  # fmt: skip
    sheet.append(["SECRET77", "U", "2015-01-01", "2023-04-01", "N1", None, "RC8"])
    book.save(path)
    return path


def test_an_annex_a_closure_reason_is_shown_in_messages_and_reports(tmp_path: Path) -> None:
    path = _open_referral_workbook(tmp_path / "a.xlsx")
    history = read_annex_a(path, lenient=True, extract_date="2024-03-31")
    text = history.exclusions.describe()
    assert "List 6' row 2, column 'Reason for Closure', value 'RC8': a closure reason" in text
    report = source_report(history.exclusions)
    assert report.loc[report["element"] == "Reason for Closure", "value"].tolist() == ["RC8"]
    assert "SECRET77" not in text + report.to_csv()
    assert "2015-01-01" not in text + report.to_csv()


def test_an_annex_a_identifier_read_from_the_workbook_is_still_withheld(tmp_path: Path) -> None:
    problem = SourceProblem(
        "a.xlsx", 2, "Child Unique ID", "SECRET77", "repeated", unit="List 6", read_into="child_id"
    )
    assert problem.shown_value() == problem.reported_value() == WITHHELD


def test_a_cin_census_closure_reason_is_shown_and_its_identifier_withheld(tmp_path: Path) -> None:
    kid = child("SECRET77", details=[cin_details(closure="2022-01-10", reason="RC10")])
    path = write(tmp_path, "c.xml", message([kid]))
    text = read_cin_census(path, lenient=True).exclusions.describe()
    assert "element 'CINdetails[1]/ReasonForClosure', value 'RC10'" in text
    assert "SECRET77" not in text and "2015-05-01" not in text


def test_an_ssda903_legal_status_is_shown_and_its_identifier_withheld(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, ["SECRET77,1,01/05/2010,WBRI,,,"]))
    episode = episode_row("SECRET77", "01/04/2019", "S", "C9", "U1")
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, [episode]))
    text = read_ssda903(tmp_path, lenient=True, extract_date="2020-03-31").exclusions.describe()
    assert "column 'LS', value 'C9'" in text
    assert "SECRET77" not in text and "01/05/2010" not in text


def test_the_shared_annex_a_sample_shows_no_identifier_or_birth_date() -> None:
    path = samples_dir() / "annex-a.xlsx"
    if not path.is_file():
        pytest.skip("the shared samples are not beside the repository")
    book = openpyxl.load_workbook(path, read_only=True)
    personal: set[str] = set()
    for sheet in book.worksheets:
        rows = sheet.iter_rows(values_only=True)
        header = [str(h) for h in next(rows, ())]
        at = [i for i, h in enumerate(header) if h in ("Child Unique ID", "Date of Birth")]
        for row in rows:
            personal |= {str(row[i]) for i in at if i < len(row) and row[i] is not None}
            personal |= {
                row[i].date().isoformat() for i in at if i < len(row) and hasattr(row[i], "date")
            }
    history = read_annex_a(path, lenient=True, extract_date="2024-03-31")
    shown_text = history.exclusions.describe() + source_report(history.exclusions).to_csv()
    assert personal and not [value for value in personal if value in shown_text]
