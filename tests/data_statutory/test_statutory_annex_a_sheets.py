"""Annex A: which sheets are read, and how far; unborn children; the 1904 date system.

Each test is a defect a review found (session 22): rows past a sheet's stated
``<dimension>`` dropped silently; an unborn child excluded with its episodes; ``List_2``
left out; early help numbered as another list read as social-work assessments; bare date
serials of a 1904 workbook read four years early.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl.utils.datetime import CALENDAR_MAC_1904

from escalation.data.statutory import read_annex_a, source_report
from escalation.errors import DataValidationError

from .statutory_builders import workbook

CHILD = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
LIST_1 = [*CHILD, "Date of Contact", "Contact Source"]
LIST_2 = [*CHILD, "Assessment start date", "Assessment completion date",
          "Organisation completing assessment"]  # fmt: skip
BORN = dt.datetime(2015, 1, 25)


def contact(child: str, day: str, source: str) -> list[Any]:
    return [child, "Male", "WBRI", BORN, 6, dt.datetime.fromisoformat(day), source]


def early_help(child: str, start: str, end: str) -> list[Any]:
    day = dt.datetime.fromisoformat
    return [child, "Female", "WBRI", BORN, 6, day(start), day(end), "EH team"]


CONTACTS = [LIST_1, contact("A1", "2020-09-16", "6"), contact("A2", "2020-09-17", "2A"),
            contact("A3", "2020-09-18", "1Z")]  # fmt: skip
EARLY_HELP = [LIST_2, early_help("E1", "2020-09-16", "2020-10-01")]


def with_dimension(source: Path, target: Path, ref: str) -> Path:
    """Copy a one-sheet workbook with its sheet's ``<dimension>`` rewritten to ``ref``."""
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                stated = f'<dimension ref="{ref}"/>'.encode()
                data, count = re.subn(rb'<dimension ref="[^"]*"/>', stated, data)
                assert count == 1
            new.writestr(item, data)
    return target


# -- finding 2: a sheet's stated range is only a hint ----------------------------------------
@pytest.mark.parametrize("ref", ["A1:G2", "A1:F4", "A1"])
def test_rows_and_columns_outside_a_sheets_stated_dimension_are_read(
    tmp_path: Path, ref: str
) -> None:
    """Some programs write ``<dimension>`` too small; read-only openpyxl kept to it, so
    rows 3-4 (or the Contact Source column) vanished with no problem reported."""
    written = workbook(tmp_path / "a.xlsx", {"List 1": CONTACTS})
    path = with_dimension(written, tmp_path / "b.xlsx", ref)
    with pytest.raises(DataValidationError) as error:
        read_annex_a(path)
    assert "sheet 'List 1' row 4, column 'Contact Source', value '1Z'" in str(error.value)
    history = read_annex_a(path, lenient=True)
    eps = history.episodes
    assert eps["child_id"].tolist() == ["A1", "A2", "A3"]
    assert eps["source"].astype(str).tolist()[:2] == ["6", "2A"] and pd.isna(eps["source"][2])


# -- finding 9: the 1904 date system ---------------------------------------------------------
def test_bare_date_serials_of_a_1904_workbook_are_read_in_its_date_system(tmp_path: Path) -> None:
    """A 1904 workbook (an Excel for Mac option) numbers days from 1904-01-01; its bare
    serials were read from 1899-12-30, 1,462 days early."""
    day = dt.date(2020, 9, 16)
    serial = (day - dt.date(1904, 1, 1)).days  # 42628
    seen = (dt.date(2020, 9, 30) - dt.date(1904, 1, 1)).days
    header = [*LIST_1, "Date Child Was Last Seen"]
    rows = [header, ["S1", "Male", "WBRI", BORN, 6, serial, "6", seen],  # bare numbers
            ["D1", "Male", "WBRI", BORN, 6, dt.datetime(2020, 9, 16), "6", None]]  # fmt: skip
    path = workbook(tmp_path / "mac.xlsx", {"List 1": rows}, epoch=CALENDAR_MAC_1904)
    history = read_annex_a(path)
    starts = history.episodes.set_index("child_id")["start"]
    assert starts.to_dict() == {"S1": pd.Timestamp(day), "D1": pd.Timestamp(day)}
    assert history.extract_date == pd.Timestamp("2020-09-30")  # 'Last Seen', a serial too
    assert "'Date Child Was Last Seen'" in history.extract_date_source
    # the same serial in a 1900 workbook (the default) is the 1900 system's day
    serial_1900 = (day - dt.date(1899, 12, 30)).days
    rows = [LIST_1, ["S1", "Male", "WBRI", BORN, 6, serial_1900, "6"]]
    history = read_annex_a(workbook(tmp_path / "win.xlsx", {"List 1": rows}))
    assert history.episodes["start"].tolist() == [pd.Timestamp(day)]


# -- finding 5: unborn children ---------------------------------------------------------------
LIST_3 = [*CHILD, "Expected Date of Birth", "Date of Referral", "Referral Source", "Referral NFA?"]


def referral(child: str, birth: Any, expected: Any, day: str) -> list[Any]:
    return [child, "Unborn" if birth is None else "Male", "NOBT", birth, None, expected,
            dt.datetime.fromisoformat(day), "5A", "No"]  # fmt: skip


def test_an_unborn_child_has_its_expected_birth_date_as_birth_date(tmp_path: Path) -> None:
    """A blank Date of Birth with an Expected Date of Birth is a child unborn when the
    workbook was made: kept, as the CIN census reader keeps one, not excluded."""
    due = dt.datetime(2021, 1, 20)
    rows = [LIST_3, referral("U1", None, due, "2020-11-16"),
            referral("B1", dt.datetime(2015, 1, 1), None, "2020-11-17")]  # fmt: skip
    history = read_annex_a(workbook(tmp_path / "a.xlsx", {"List 3": rows}))  # strict
    kids = history.children.set_index("child_id")
    assert kids.loc["U1", "birth_date"] == kids.loc["U1", "expected_birth_date"] == due
    assert history.episodes["child_id"].tolist() == ["U1", "B1"]
    report = source_report(history.exclusions)
    assert report[["severity", "sheet", "row", "element"]].values.tolist() == [
        ["note", "List 3", 2, "Expected Date of Birth"]
    ]
    assert report["reason"].tolist() == [
        "'Date of Birth' is empty (unborn child): the expected birth date is the birth date"
    ]
    assert "2021-01-20" not in report.to_csv() + history.exclusions.describe()
    # born in a later workbook: its birth date replaces the expected one, no conflict
    born = [LIST_3, referral("U1", dt.datetime(2021, 1, 25), due, "2021-02-01")]
    later = workbook(tmp_path / "b.xlsx", {"List 3": born})
    merged = read_annex_a([tmp_path / "a.xlsx", later])
    assert merged.children.set_index("child_id").loc["U1", "birth_date"] == pd.Timestamp(
        "2021-01-25"
    )
    assert set(source_report(merged.exclusions)["severity"]) == {"note"}


def test_an_expected_birth_date_does_not_stand_in_for_a_birth_date_given(tmp_path: Path) -> None:
    """A birth date in another row of the child, or an unreadable one, is not replaced.

    (The child's second referral follows its birth: a birth date after the workbook's
    date would exclude the child, as in the CIN census.)"""
    due = dt.datetime(2021, 1, 20)
    rows = [LIST_3, referral("U1", None, due, "2020-11-16"),
            referral("U1", dt.datetime(2021, 1, 18), None, "2021-01-25"),
            referral("U2", "not a date", due, "2020-11-17")]  # fmt: skip
    history = read_annex_a(workbook(tmp_path / "a.xlsx", {"List 3": rows}), lenient=True)
    kids = history.children.set_index("child_id")
    assert kids.index.tolist() == ["U1"]  # U2's birth date is unreadable: excluded
    assert kids.loc["U1", "birth_date"] == pd.Timestamp("2021-01-18")
    assert "unborn" not in history.exclusions.describe()


# -- finding 6: sheet names with separators ---------------------------------------------------
@pytest.mark.parametrize(
    "name", ["List_2", "list_2", "List-2", "List.2", "List - 2", "Annex_A_List_2", "List_2_EH"]
)
def test_a_list_named_with_underscores_dashes_or_dots_is_read(tmp_path: Path, name: str) -> None:
    path = workbook(tmp_path / "a.xlsx", {"List 1": CONTACTS[:2], name: EARLY_HELP})
    history = read_annex_a(path)
    assert history.episodes["kind"].astype(str).tolist() == ["contact", "early_help"]
    assert not history.exclusions


def test_list_numbers_in_sheet_names() -> None:
    from escalation.data.statutory.annex_a_sheets import list_number

    names = ["List 2", "List2", "List 02", "L2 - EH", "Early Help (List 2)", "list_2",
             "List 12", "Checklist 2", "List 2a", "Sheet1", "2. Early Help"]  # fmt: skip
    assert [list_number(n) for n in names] == [2, 2, 2, 2, 2, 2, 12, None, None, None, None]


def test_a_sheet_naming_no_list_says_why_it_is_left_out(tmp_path: Path) -> None:
    sheets = {"List 1": CONTACTS[:2], "Summary": [["nothing here"]], "List 12": [["x"]]}
    history = read_annex_a(workbook(tmp_path / "a.xlsx", sheets))
    notes = source_report(history.exclusions).set_index("sheet")["reason"]
    assert notes.to_dict() == {
        "Summary": "not recognised as an Annex A list (its name has no list number); not converted",
        "List 12": "not recognised as an Annex A list (its name says List 12, and Annex A has "
        "List 1 to List 11); not converted",
    }


@pytest.mark.parametrize("name", ["Sheet1", "2. Early Help", "List 2a"])
def test_a_sheet_naming_no_list_but_holding_one_is_an_error(tmp_path: Path, name: str) -> None:
    """A list the reader cannot place is lost data: strict reading stops."""
    path = workbook(tmp_path / "a.xlsx", {"List 1": CONTACTS[:2], name: EARLY_HELP})
    where = re.escape(f"sheet '{name}': not recognised")
    with pytest.raises(DataValidationError, match=where) as error:
        read_annex_a(path)
    assert "its headers are those of List 2 (early help assessments)" in str(error.value)


# -- finding 8: a sheet's number against its name and headers ---------------------------------
def test_early_help_under_another_lists_number_is_an_error_naming_both(tmp_path: Path) -> None:
    """'List 4 - Early Help' with early help's columns was read as social-work assessments."""
    sheets = {"List 1": CONTACTS[:2], "List 4 - Early Help": EARLY_HELP}
    path = workbook(tmp_path / "a.xlsx", sheets)
    with pytest.raises(DataValidationError) as error:
        read_annex_a(path)
    assert (
        "sheet 'List 4 - Early Help': the sheet's name says List 2 (early help assessments), "
        "but its number says List 4 (assessments); not converted"
    ) in str(error.value)
    history = read_annex_a(path, lenient=True)
    assert history.episodes["kind"].astype(str).tolist() == ["contact"]  # nothing guessed


def test_a_lists_own_error_is_shown_beside_no_episode_dates_found(tmp_path: Path) -> None:
    """A lone 'List 5 Early Help' said only that no episode dates were found."""
    for name, says in [
        ("List 5 Early Help", "the sheet's name says List 2 (early help assessments), but its "
         "number says List 5 (section 47 enquiries and initial conferences)"),
        ("List 5", "its headers are those of List 2 (early help assessments), but its name "
         "says List 5 (section 47 enquiries and initial conferences)"),
    ]:  # fmt: skip
        path = workbook(tmp_path / "a.xlsx", {name: EARLY_HELP})
        with pytest.raises(DataValidationError) as error:
            read_annex_a(path, lenient=True)
        text = str(error.value)
        assert says in text and "no episode dates found to take the extract date from" in text


@pytest.mark.parametrize(
    ("name", "number"),
    [
        ("List 1 - Contacts", 1), ("List 2 - Early Help Assessments", 2), ("List 2 EH", 2),
        ("List 3 - Referrals", 3), ("List 4 - Assessments", 4),
        ("List 5 - Section 47 enquiries and initial child protection conferences", 5),
        ("List 5 S47", 5), ("List 6 - Children in Need", 6), ("List 6 CIN", 6),
        ("List 7 - Child Protection Plans", 7), ("List 7 CP", 7),
        ("List 8 - Children Looked After", 8), ("List 8 Children in care", 8),
        ("List 8 CLA", 8), ("List 9 - Care Leavers", 9), ("List 10 - Adoption", 10),
        ("List 11 - Adopters", 11),
    ],
)  # fmt: skip
def test_a_list_named_for_its_own_subject_agrees_with_its_number(name: str, number: int) -> None:
    from escalation.data.statutory.annex_a_sheets import list_number, named_lists

    assert list_number(name) == number and number in named_lists(name)


def test_a_list_four_named_early_help_assessments_is_not_taken_for_assessments() -> None:
    from escalation.data.statutory.annex_a_sheets import named_lists

    assert named_lists("List 4 - Early Help Assessments") == {2}


# -- a List 2 date header that names neither start nor completion (session 23) ---------------
@pytest.mark.parametrize(
    "header", ["Early help assessment date", "Date of early help assessment", "EHA date"]
)
def test_an_early_help_date_header_naming_no_start_is_refused_saying_why(
    tmp_path: Path, header: str
) -> None:
    """Ofsted's template and liia-tools' column specification name List 2's dates
    'Assessment start date' and 'Assessment completion date' only; a header naming
    neither is not taken for either (which date it holds cannot be told). The error said
    only that no header row had 'Assessment start date', beside a header row plainly
    there; it now names that row and the header, and says to rename it."""
    rows = [[*CHILD, header, "Organisation completing assessment"],
            ["E1", "Female", "WBRI", BORN, 6, dt.datetime(2020, 9, 16), "EH team"]]  # fmt: skip
    path = workbook(tmp_path / "a.xlsx", {"List 1": CONTACTS[:2], "List 2": rows})
    with pytest.raises(DataValidationError) as error:
        read_annex_a(path)
    assert (
        f"sheet 'List 2': no header row with the columns Child Unique ID and Assessment "
        f"start date in the first 20 rows: row 1 has the date column(s) '{header}', whose "
        "header does not say it holds the Assessment start date; rename the header to say "
        "which date it holds (as the template's 'Assessment start date' does); the list is "
        "not converted [ignored]"
    ) in str(error.value)
    history = read_annex_a(path, lenient=True)
    assert history.episodes["kind"].astype(str).tolist() == ["contact"]  # nothing guessed


# -- session 27: a sheet named only 'List 4' holding early help ------------------------------
def test_a_list_4_with_early_helps_columns_is_refused_naming_the_headers(tmp_path: Path) -> None:
    """Some local templates number the early help list 'List 4'. Its 'Assessment start
    date' and 'Assessment completion date' are List 4's columns too, so the sheet was read
    as social-work assessments (E1's early help became an assessment, with no problem).
    Its columns fit List 2 better (also 'Organisation completing assessment'): the sheet is
    an error naming the sheet, the header row and its columns, and nothing is guessed."""
    path = workbook(tmp_path / "a.xlsx", {"List 1": CONTACTS[:2], "List 4": EARLY_HELP})
    with pytest.raises(DataValidationError) as error:
        read_annex_a(path)
    assert (
        "file 'a.xlsx', sheet 'List 4': its headers are those of List 2 (early help "
        "assessments), but its name says List 4 (assessments): row 1 has List 2's columns "
        "'Assessment start date', 'Assessment completion date', 'Organisation completing "
        "assessment'; List 4 would read only 'Assessment start date', 'Assessment completion "
        "date'; not converted: name the sheet for the list it holds [ignored]"
    ) in str(error.value)
    history = read_annex_a(path, lenient=True)
    assert history.episodes["kind"].astype(str).tolist() == ["contact"]  # nothing guessed


@pytest.mark.parametrize(
    ("headers", "kind"),
    [
        (["Continuous Assessment Start Date", "Continuous Assessment Date of Authorisation"],
         "assessment"),
        (["Assessment start date", "Assessment end date"], "assessment"),  # List 2 ties
    ],
)  # fmt: skip
def test_a_list_4_whose_columns_fit_it_as_well_as_any_is_read_as_list_4(
    tmp_path: Path, headers: list[str], kind: str
) -> None:
    """The name decides between lists the columns fit equally well."""
    day = dt.datetime.fromisoformat
    rows = [[*CHILD, *headers], ["S1", "Male", "WBRI", BORN, 6, day("2020-09-16"), None]]
    history = read_annex_a(workbook(tmp_path / "a.xlsx", {"List 4": rows}))
    assert history.episodes["kind"].astype(str).tolist() == [kind]
    assert not history.exclusions
