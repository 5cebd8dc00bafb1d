"""Merging returns: repeated records, returns of one date, conflicts and excluded children.

Each test builds small Annex A workbooks, CIN census files or SSDA903 folders whose right
reading is known by construction.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

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
    workbook,
    write,
)

COMMON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
LIST_1 = [*COMMON, "Date of Contact", "Contact Source"]
LIST_2 = [
    *COMMON,
    "Assessment start date",
    "Assessment completion date",
    "Organisation completing assessment",
]
LIST_3 = [*COMMON, "Date of Referral", "Referral Source", "Referral NFA?"]
LIST_7 = [
    *COMMON,
    "Does the Child have a Disability",
    "Child Protection Plan Start Date",
    "Initial Category of Abuse",
    "Child Protection Plan End Date",
]


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def reasons(history: Any) -> list[list[object]]:
    """Each problem's file, row, element, severity and reason."""
    report = source_report(history.exclusions)
    return report[["file", "row", "element", "severity", "reason"]].values.tolist()


def episodes(history: Any, columns: list[str]) -> list[list[str]]:
    return history.episodes[columns].astype(str).values.tolist()


# -- Finding 4: a second record of an episode in one return -------------------------------
def test_contacts_alike_but_for_their_source_are_both_kept(tmp_path: Path) -> None:
    a1 = ["A1", "Male", "WBRI", day("2015-01-25"), 6, day("2020-09-16")]
    rows = [LIST_1, [*a1, "6"], [*a1, "2A"], [*a1, "2A"]]  # police, school, school again
    history = read_annex_a(workbook(tmp_path / "contacts.xlsx", {"List 1": rows}))
    assert episodes(history, ["kind", "source"]) == [["contact", "6"], ["contact", "2A"]]
    # only the copy of row 3 is a note, naming that row
    assert reasons(history) == [
        [
            "contacts.xlsx",
            4,
            "Date of Contact",
            "note",
            "the same contact as 'contacts.xlsx', sheet 'List 1' row 3, identical in every "
            "column, is recorded twice in this return; kept once",
        ]
    ]


def test_an_early_help_recorded_twice_with_other_ends_is_an_error(tmp_path: Path) -> None:
    a1 = ["A1", "Male", "WBRI", day("2015-01-25"), 6, day("2020-09-16")]
    rows = [LIST_2, [*a1, day("2020-10-01"), "EH team"], [*a1, day("2020-12-01"), "School"]]
    path = workbook(tmp_path / "eh.xlsx", {"List 2": rows})
    expected = [
        "eh.xlsx",
        3,
        "Assessment start date",
        "error",
        "the same child, early_help and start as 'eh.xlsx', sheet 'List 2' row 2 but a "
        "different 'Assessment completion date', 'Organisation completing assessment': two "
        "records of one episode in this return; 'eh.xlsx', sheet 'List 2' row 2 is kept",
    ]
    with pytest.raises(DataValidationError) as error:
        read_annex_a(path)
    assert [p.describe() for p in error.value.problems] == [
        "file 'eh.xlsx', sheet 'List 2' row 3, column 'Assessment start date', value "
        f"'2020-09-16': {expected[4]} [episode excluded]"
    ]
    history = read_annex_a(path, lenient=True)
    assert reasons(history) == [expected]
    assert episodes(history, ["start", "end", "organisation"]) == [
        ["2020-09-16", "2020-10-01", "EH team"]
    ]
    # the extract date is not taken from the row left out (its end, 2020-12-01)
    assert history.extract_date == pd.Timestamp("2020-10-01")
    assert "'Assessment completion date'" in history.extract_date_source


def test_two_census_referrals_of_one_date_that_differ_are_an_error(tmp_path: Path) -> None:
    details = [
        cin_details("2021-01-10", source="1A", closure="2021-02-01", reason="RC1"),
        cin_details("2021-01-10", source="2A", closure="2021-06-01", reason="RC1"),
    ]
    path = write(tmp_path, "cin.xml", message([child("X1", details=details)]))
    with pytest.raises(DataValidationError, match="two records of one episode"):
        read_cin_census(path)
    history = read_cin_census(path, lenient=True)
    [(file, _, element, severity, reason)] = reasons(history)
    assert (file, element, severity) == ("cin.xml", "CINdetails[2]/CINreferralDate", "error")
    assert "a different 'CINdetails[2]/CINclosureDate', 'CINdetails[2]/ReferralSource'" in reason
    assert episodes(history, ["start", "end", "source"]) == [["2021-01-10", "2021-02-01", "1A"]]


# -- Finding 7: returns of one date, in either order ---------------------------------------
def tied_workbooks(folder: Path) -> list[Path]:
    """Two workbooks whose latest date is 2021-03-15, recording one plan differently."""

    def plan(child_id: str, start: str, category: str, end: str | None) -> list[Any]:
        sex = "Male" if child_id != "K3" else "Female"
        return [child_id, sex, "WBRI", day("2015-01-01"), 6, "No", day(start), category,
                None if end is None else day(end)]  # fmt: skip

    ten = [
        plan("K1", "2020-06-01", "Neglect", "2021-01-10"),
        plan("K3", "2021-03-15", "Neglect", None),
    ]
    nine = [plan("K1", "2020-06-01", "Emotional abuse", "2021-02-20"),
            plan("K2", "2021-03-15", "Neglect", None)]  # fmt: skip
    return [
        workbook(folder / "annex_10.xlsx", {"List 7": [LIST_7, *ten]}),
        workbook(folder / "annex_9.xlsx", {"List 7": [LIST_7, *nine]}),
    ]


@pytest.mark.parametrize("order", [1, -1])
def test_workbooks_of_one_date_are_ranked_by_name_not_order(tmp_path: Path, order: int) -> None:
    paths = tied_workbooks(tmp_path)
    history = read_annex_a(paths[::order], lenient=True)
    # annex_10 comes after annex_9 in name order (numbers as numbers): its record is used
    plan = history.episodes[history.episodes["child_id"] == "K1"]
    assert plan[["start", "end", "category"]].astype(str).values.tolist() == [
        ["2020-06-01", "2021-01-10", "NEG"]
    ]
    assert "annex_10.xlsx" in history.extract_date_source
    assert reasons(history) == [
        [
            "annex_9.xlsx",
            2,
            "Child Protection Plan Start Date",
            "note",
            "this cp_plan is recorded with a different 'Child Protection Plan End Date', "
            "'Initial Category of Abuse' in 'annex_10.xlsx', sheet 'List 7' row 2, a return "
            "of the same date (2021-03-15): that record, of the file last in name order, is "
            "used",
        ]
    ]


@pytest.mark.parametrize("order", [1, -1])
def test_census_returns_of_one_date_that_differ_are_an_error(tmp_path: Path, order: int) -> None:
    def census(name: str, closure: str, reason: str, gender: str) -> Path:
        details = [cin_details("2021-01-10", closure=closure, reason=reason)]
        return write(tmp_path, name, message([child("X1", gender=gender, details=details)]))

    paths = [
        census("cin_b.xml", "2021-02-01", "RC8", "2"),
        census("cin_a.xml", "2021-05-01", "RC1", "1"),
    ]
    with pytest.raises(DataValidationError, match="two CIN census returns of one collection"):
        read_cin_census(paths[::order])
    history = read_cin_census(paths[::order], lenient=True)
    assert episodes(history, ["end", "reason"]) == [["2021-02-01", "RC8"]]  # cin_b's
    assert history.children["sex"].tolist() == ["F"]
    assert history.extract_date_source == "CIN census ReferenceDate (cin_b.xml)"
    [sex, (file, _, element, severity, reason)] = reasons(history)
    assert sex[2:] == [
        "ChildIdentifiers/GenderCurrent",
        "note",
        "the child's sex differs between CIN census returns (another is recorded in "
        f"'cin_a.xml', Child #1 (line {line_of(paths[1].read_text(), '<Child>')})); both "
        "returns are of 2022-03-31, so that of "
        "'cin_b.xml', last in name order, is kept",
    ]
    assert (file, element, severity) == ("cin_a.xml", "CINdetails[1]/CINreferralDate", "error")
    assert reason.startswith(
        "this referral is recorded with a different 'CINdetails[1]/CINclosureDate', "
        "'CINdetails[1]/ReasonForClosure' in 'cin_b.xml', Child #1 (line "
    )


def test_swapping_the_paths_gives_the_same_history(tmp_path: Path) -> None:
    paths = tied_workbooks(tmp_path)
    one, other = (read_annex_a(order, lenient=True) for order in (paths, paths[::-1]))
    pd.testing.assert_frame_equal(one.episodes, other.episodes)
    pd.testing.assert_frame_equal(one.children, other.children)
    assert one.extract_date_source == other.extract_date_source
    assert source_report(one.exclusions).equals(source_report(other.exclusions))


# -- Finding 11: a conflicting characteristic names its column and the other record -----
def test_a_birth_date_differing_between_workbooks_names_both_records(tmp_path: Path) -> None:
    first = workbook(
        tmp_path / "w1.xlsx",
        {"List 1": [LIST_1, ["A1", "Male", "WBRI", day("2015-01-25"), 6, day("2020-09-16"), "6"]]},
    )
    second = workbook(
        tmp_path / "w2.xlsx",
        {"List 3": [LIST_3, ["A1", "Female", "WIRI", day("2014-01-25"), 6, day("2020-09-20"),
                             "6", "No"]]},
    )  # fmt: skip
    history = read_annex_a([first, second], lenient=True)
    report = source_report(history.exclusions)
    assert report[["file", "sheet", "row", "element", "value", "severity"]].values.tolist() == [
        ["w2.xlsx", "List 3", 2, "Date of Birth", "<withheld: personal data>", "error"],
        ["w2.xlsx", "List 3", 2, "Gender", "<withheld: personal data>", "note"],
        ["w2.xlsx", "List 3", 2, "Ethnicity", "<withheld: personal data>", "note"],
    ]
    assert report["reason"].iloc[0] == (
        "the child's birth date differs between Annex A returns (another is recorded in "
        "'w1.xlsx', sheet 'List 1' row 2); the latest return's is kept"
    )
    text = history.exclusions.describe()
    assert "2014-01-25" not in text and "2015-01-25" not in text


def test_a_birth_date_differing_within_a_workbook_names_its_column(tmp_path: Path) -> None:
    rows = {
        "List 1": [LIST_1, ["A1", "Male", "WBRI", day("2015-01-25"), 6, day("2020-09-16"), "6"]],
        "List 3": [LIST_3, ["A1", "Male", "WBRI", day("2014-01-25"), 6, day("2020-09-20"), "6",
                            "No"]],
    }  # fmt: skip
    history = read_annex_a(workbook(tmp_path / "one.xlsx", rows), lenient=True)
    report = source_report(history.exclusions)
    assert report[["sheet", "row", "element", "value", "severity"]].values.tolist() == [
        ["List 3", 2, "Date of Birth", "<withheld: personal data>", "error"]
    ]


def test_ssda903_header_years_with_other_birth_dates_name_both_rows(tmp_path: Path) -> None:
    write(tmp_path, "header_2023.csv", csv(HEADER_COLUMNS, ["B1,1,01/01/2015,WBRI,,,"]))
    later = ["A9,2,01/01/2016,WBRI,,,", "B1,2,02/02/2015,WBRI,,,"]
    write(tmp_path, "header_2024.csv", csv(HEADER_COLUMNS, later))
    rows = [episode_row(child_id, "03/01/2022", "S", "C2", "U1") for child_id in ("B1", "A9")]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    history = read_ssda903(tmp_path, lenient=True)
    report = source_report(history.exclusions)
    assert report[["file", "row", "element", "value", "severity", "reason"]].values.tolist() == [
        ["header_2024.csv", 3, "DOB", "<withheld: personal data>", "error",
         "the child's birth date differs between SSDA903 returns (another is recorded in "
         "'header_2023.csv', row 2); the latest return's is kept"],
        ["header_2024.csv", 3, "SEX", "<withheld: personal data>", "note",
         "the child's sex differs between SSDA903 returns (another is recorded in "
         "'header_2023.csv', row 2); the latest return's is kept"],
    ]  # fmt: skip


# -- Finding 12: the episodes of a child excluded for its birth date -----------------------
def test_episodes_of_a_child_born_after_the_reference_date_go_with_it(tmp_path: Path) -> None:
    late = child("X1", birth="2023-01-05", details=[cin_details("2021-01-10")])
    ok = child("X2", birth="2015-01-05", details=[cin_details("2021-01-10")])
    path = write(tmp_path, "cin.xml", message([late, ok]))
    with pytest.raises(DataValidationError) as error:
        read_cin_census(path)
    assert [p.reason for p in error.value.problems] == [
        "the birth date is after the return's reference date"
    ]
    history = read_cin_census(path, lenient=True)
    assert not any(re.search("no child with this", p.reason) for p in history.exclusions.problems)
    assert history.episodes["child_id"].tolist() == ["X2"]


def test_episodes_of_a_child_with_an_unreadable_birth_date_go_with_it(tmp_path: Path) -> None:
    header = ["A1,1,31/02/2012,WBRI,,,", "A2,2,02/06/2013,WIRI,,,"]  # no 31 February
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, header))
    rows = [episode_row(child_id, "03/01/2022", "S", "C2", "U1") for child_id in ("A1", "A2")]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path)
    assert [(p.table, p.shown_row, p.column, p.reason) for p in error.value.problems] == [
        ("header.csv", 2, "DOB", "not a date in the form dd/mm/YYYY")
    ]
    history = read_ssda903(tmp_path, lenient=True)
    assert len(history.exclusions.problems) == 1
    assert history.episodes["child_id"].tolist() == ["A2"]
