"""Annex A: a birth date after the workbook's date; List 3's NFA against List 6; serials.

Each test is a defect a review found (session 25): a recorded ``Date of Birth`` after the
workbook's date taken silently for an expected one (negative ages), where the CIN census
excludes the child with an error; a ``Referral NFA?`` yes beside a List 6 record of the
same referral open, or closed on another day, resolved without a word; a date-time stored
as a bare Excel serial with a fraction (``45019.5``) refused, though read as text.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from escalation.data.statutory import read_annex_a, read_cin_census, source_report
from escalation.data.statutory.annex_a_columns import parse_date
from escalation.errors import DataValidationError

from .statutory_builders import child, cin_details, message, workbook, write

LIST_3 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Date of Referral",
          "Referral Source", "Referral NFA?"]  # fmt: skip
LIST_6 = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "CIN Start Date",
          "Primary Need Code", "CIN Closure Date", "Reason for Closure"]  # fmt: skip
BORN = dt.datetime(2015, 1, 1)


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


# -- finding 2: a birth date after the workbook's date -----------------------------------------
def test_a_birth_date_after_the_workbooks_date_excludes_the_child_as_the_census_does(
    tmp_path: Path,
) -> None:
    """``Date of Birth`` 2023-06-01 in a workbook of 2023-03-31 was kept as an expected
    date, with no problem (a referral before birth, negative ages); the CIN census reader
    excludes the same child with an error, and Annex A now does the same."""
    rows = [LIST_3, ["F1", "Female", "WBRI", day("2023-06-01"), day("2023-01-10"), "1A", "No"],
            ["F2", "Female", "WBRI", day("2012-06-01"), day("2023-03-31"), "1A", "No"]]  # fmt: skip
    path = workbook(tmp_path / "annex.xlsx", {"List 3": rows})
    details = [cin_details("2023-01-10")]
    census = message(
        [child("F1", birth="2023-06-01", details=details),
         child("F2", birth="2012-06-01", details=details)],
        year=2023, reference="2023-03-31",
    )  # fmt: skip
    cin = read_cin_census(write(tmp_path, "cin.xml", census), lenient=True)
    cin_problem = source_report(cin.exclusions)
    for given in (None, "2023-03-31"):
        history = read_annex_a(path, lenient=True, extract_date=given)
        assert history.children["child_id"].tolist() == ["F2"]
        assert history.episodes["child_id"].tolist() == ["F2"]
        report = source_report(history.exclusions)
        assert report[["sheet", "row", "element", "action", "severity"]].values.tolist() == [
            ["List 3", 2, "Date of Birth", "child excluded", "error"]
        ]
        # the same problem, in the same words, as the census reader's (after the date
        # the user gave, when given: the workbook's own date is the latest it records)
        assert cin_problem["reason"].tolist() == [
            "the birth date is after the return's reference date"
        ]
        assert report["reason"].tolist() == (
            cin_problem["reason"].tolist()
            if given is None
            else ["the birth date is after the extract date given"]
        )
        assert report["action"].tolist() == cin_problem["action"].tolist()
        assert "2023-06-01" not in report.to_csv() + history.exclusions.describe()
    with pytest.raises(DataValidationError, match="birth date is after the return's reference"):
        read_annex_a(path)


def test_a_birth_before_the_extract_date_given_is_kept(tmp_path: Path) -> None:
    """A workbook's date is the latest date it records, not when it was made: a birth
    after every other date in it but before the ``extract_date`` the user gives is a
    birth, kept (it was excluded whatever the date given); one after the date given is
    excluded, saying so."""
    rows = [LIST_3, ["F1", "Female", "WBRI", day("2023-03-20"), day("2023-01-10"), "1A", "No"],
            ["F2", "Female", "WBRI", day("2012-06-01"), day("2023-03-10"), "1A", "No"]]  # fmt: skip
    path = workbook(tmp_path / "annex.xlsx", {"List 3": rows})
    with pytest.raises(DataValidationError, match="birth date is after the return's reference"):
        read_annex_a(path)  # the workbook's date: 2023-03-10
    history = read_annex_a(path, extract_date="2023-03-31")  # strict: no problem
    assert sorted(history.children["child_id"]) == ["F1", "F2"]
    born = history.children.set_index("child_id").loc["F1", "birth_date"]
    assert born == pd.Timestamp("2023-03-20")
    with pytest.raises(DataValidationError, match="birth date is after the extract date given"):
        read_annex_a(path, extract_date="2023-03-15")


def test_an_unborn_childs_expected_birth_date_may_still_lie_after_the_workbooks_date(
    tmp_path: Path,
) -> None:
    """Only a recorded birth date is refused: an empty ``Date of Birth`` with an ``Expected
    Date of Birth`` after the workbook's date is an unborn child, kept with a note."""
    header = [*LIST_3, "Expected Date of Birth"]
    rows = [header, ["U1", "Unborn", "NOBT", None, day("2023-01-10"), "1A", "No",
                     day("2023-06-01")]]  # fmt: skip
    history = read_annex_a(workbook(tmp_path / "annex.xlsx", {"List 3": rows}))  # strict
    kids = history.children.set_index("child_id")
    assert kids.loc["U1", "birth_date"] == kids.loc["U1", "expected_birth_date"]
    assert source_report(history.exclusions)["severity"].tolist() == ["note"]


# -- finding 3: List 3's Referral NFA? against List 6's closure date ---------------------------
def nfa_workbook(
    path: Path,
    closure: dt.datetime | None,
    reason: str | None,
    list_6_first: bool = False,
    nfa: str = "Yes",
) -> Path:
    referral = [LIST_3, ["Q1", "Female", "WBRI", BORN, day("2022-06-01"), "1A", nfa]]
    need = [LIST_6, ["Q1", "Female", "WBRI", BORN, day("2022-06-01"), "N1", closure, reason]]
    sheets = {"List 3": referral, "List 6": need}
    return workbook(path, dict(reversed(sheets.items())) if list_6_first else sheets)


@pytest.mark.parametrize("list_6_first", [False, True])
@pytest.mark.parametrize(
    ("closure", "reason", "end", "here", "kept"),
    [
        (None, None, "2022-06-01", "holds it open", "its referral date"),
        (day("2022-09-01"), "RC7", "2022-09-01", "closes it on another day",
         "the closure date given"),
    ],
)  # fmt: skip
def test_an_nfa_referral_that_list_6_holds_open_or_closes_later_is_reported(
    tmp_path: Path,
    list_6_first: bool,
    closure: dt.datetime | None,
    reason: str | None,
    end: str,
    here: str,
    kept: str,
) -> None:
    """List 3 says no further action, List 6 holds the same referral (child and date) open
    or closed months later: two records of one episode that differ, an error naming both
    columns; one rule (List 6's closure date when given, else the referral day) gives the
    end, whichever sheet comes first."""
    path = nfa_workbook(tmp_path / "nfa.xlsx", closure, reason, list_6_first)
    history = read_annex_a(path, lenient=True, extract_date="2023-03-31")
    episode = history.episodes.iloc[0]
    assert len(history.episodes) == 1
    assert episode["end"] == pd.Timestamp(end) and episode["source"] == "1A"
    report = source_report(history.exclusions)
    assert report[["sheet", "row", "element", "action", "severity"]].values.tolist() == [
        ["List 6", 2, "CIN Closure Date", "kept", "error"]
    ]
    assert report["reason"].tolist() == [
        "sheet 'List 3' row 2, column 'Referral NFA?' is 'yes' (no further action: the "
        f"referral closes on its referral date) but 'CIN Closure Date' {here}: two records of "
        f"one referral differ; its end is {kept}, {end}"
    ]
    with pytest.raises(DataValidationError, match="two records of one referral differ"):
        read_annex_a(path, extract_date="2023-03-31")


@pytest.mark.parametrize(
    ("nfa", "closure"), [("Yes", day("2022-06-01")), ("No", None), ("No", day("2022-09-01"))]
)
def test_lists_3_and_6_that_agree_about_a_referral_give_no_problem(
    tmp_path: Path, nfa: str, closure: dt.datetime | None
) -> None:
    """An NFA referral closed on its day in List 6, or a referral with no NFA, agree."""
    path = nfa_workbook(tmp_path / "nfa.xlsx", closure, "RC8" if closure else None, nfa=nfa)
    history = read_annex_a(path, extract_date="2023-03-31")  # strict: no error
    assert not history.exclusions
    expected = pd.NaT if closure is None else pd.Timestamp(closure)
    assert history.episodes["end"].tolist() == [expected]


# -- finding 9: a date-time as a bare serial ---------------------------------------------------
@pytest.mark.parametrize("serial", [45019, 45019.0, 45019.5, 45019.999])
def test_a_bare_serial_with_a_time_of_day_is_read_to_its_day(serial: float) -> None:
    """A General-formatted date-time cell holds a serial with a fraction (45019.5 is
    2023-04-03 12:00); it was "not a date", though ``03/04/2023 12:00`` as text is read."""
    assert parse_date(serial) == parse_date("03/04/2023 12:00") == "2023-04-03"
    assert parse_date(serial, epoch=dt.date(1904, 1, 1)) == "2027-04-04"  # 1,462 days on


@pytest.mark.parametrize("value", [0.5, -1.5, 2958466.5, float("nan"), float("inf"), True])
def test_a_number_that_is_no_days_serial_is_still_not_a_date(value: Any) -> None:
    with pytest.raises(ValueError, match="not a date"):
        parse_date(value)


def test_a_workbooks_serial_with_a_time_of_day_gives_the_episodes_day(tmp_path: Path) -> None:
    rows = [LIST_3, ["Q1", "Female", "WBRI", BORN, 45019.5, "1A", "No"]]
    history = read_annex_a(workbook(tmp_path / "a.xlsx", {"List 3": rows}))  # strict
    assert history.episodes["start"].tolist() == [pd.Timestamp("2023-04-03")]
    assert not history.exclusions
