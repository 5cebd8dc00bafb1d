"""A referral with no further action (NFA) against a record closing it otherwise.

The DfE's CIN census guide closes an NFA referral on its referral date. A record of the same
referral (child and date) that holds it open, or closes it on another day, disagrees, in
one record (a census ``<CINdetails>``), in one workbook (List 3 beside List 6) or across
returns (two workbooks, two census returns, a workbook beside a return): each is an error at
the closure date naming the NFA record, both fields and their values, and one rule gives the
end everywhere (a closure date given, else the referral date). Each test builds files whose
right reading is known by construction; no message shows a child's identifier or birth date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from escalation.data.statutory import read_annex_a, read_cin_census, source_report
from escalation.errors import DataValidationError

from .statutory_builders import child, cin_details, line_of, message, workbook, write

COMMON = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth"]
LIST_3 = [*COMMON, "Date of Referral", "Referral Source", "Referral NFA?"]
LIST_6 = [*COMMON, "CIN Start Date", "Primary Need Code", "CIN Closure Date", "Reason for Closure"]
BIRTH = dt.datetime(2015, 1, 1)
NFA_SAYS = "(no further action: the referral closes on its referral date)"


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def report(history: Any) -> list[list[object]]:
    """Each problem's file, sheet, row, element, value, reason, action and severity."""
    columns = ["file", "sheet", "row", "element", "value", "reason", "action", "severity"]
    table = source_report(history.exclusions)[columns]
    return table.astype(object).where(table.notna(), None).values.tolist()


def referrals(history: Any) -> list[list[str]]:
    rows = history.episodes[history.episodes["kind"] == "referral"]
    return rows[["child_id", "start", "end", "reason"]].astype(str).values.tolist()


def list_3(nfa: str = "Yes", *, later: bool = False) -> list[list[object]]:
    """Q1's referral of 2022-06-01 (``later``: and Q2's of 2023-06-01, which dates the
    workbook after one without it)."""
    rows = [LIST_3, ["Q1", "Female", "WBRI", BIRTH, day("2022-06-01"), "1A", nfa]]
    return rows + ([["Q2", "Male", "WBRI", BIRTH, day("2023-06-01"), "1A", "No"]] if later else [])


def list_6(closure: dt.datetime | None, *, later: bool = False) -> list[list[object]]:
    reason = "RC7" if closure else None
    rows = [LIST_6, ["Q1", "Female", "WBRI", BIRTH, day("2022-06-01"), "N1", closure, reason]]
    return rows + (
        [["Q2", "Male", "WBRI", BIRTH, day("2023-06-01"), "N1", None, None]] if later else []
    )


def no_personal_data(history: Any) -> None:
    shown = history.exclusions.describe()
    assert "Q1" not in shown and "P1" not in shown and "2015-01-01" not in shown


@pytest.mark.parametrize(
    ("closure", "here", "end", "kept"),
    [
        (day("2022-09-01"), "closes it on another day", "2022-09-01", "the closure date given"),
        (None, "holds it open", "2022-06-01", "its referral date"),
    ],
)
def test_an_nfa_in_one_workbook_against_list_6_in_another_is_an_error(
    tmp_path: Path, closure: dt.datetime | None, here: str, end: str, kept: str
) -> None:
    """2023's List 3 says NFA; 2024's List 6 holds the referral open or closes it later."""
    paths = [
        workbook(tmp_path / "annex_2023.xlsx", {"List 3": list_3()}),
        workbook(tmp_path / "annex_2024.xlsx", {"List 6": list_6(closure, later=True)}),
    ]
    history = read_annex_a(paths, lenient=True, extract_date="2024-03-31")
    assert referrals(history)[0][:3] == ["Q1", "2022-06-01", end]
    assert report(history) == [
        [
            "annex_2024.xlsx",
            "List 6",
            2,
            "CIN Closure Date",
            "<empty>" if closure is None else "2022-09-01",
            "'annex_2023.xlsx', sheet 'List 3' row 2, column 'Referral NFA?' is 'yes' "
            f"{NFA_SAYS} but 'CIN Closure Date' {here}: two records of one referral differ; "
            f"its end is {kept}, {end}",
            "kept",
            "error",
        ]
    ]
    no_personal_data(history)
    with pytest.raises(DataValidationError, match="two records of one referral differ"):
        read_annex_a(paths, extract_date="2024-03-31")


@pytest.mark.parametrize("closure", [day("2022-09-01"), None])
def test_one_workbook_and_two_give_the_nfa_referral_the_same_end(
    tmp_path: Path, closure: dt.datetime | None
) -> None:
    """The readers agree: Lists 3 and 6 in one workbook or in two give one end."""
    one = workbook(
        tmp_path / "one.xlsx",
        {"List 3": list_3(later=True), "List 6": list_6(closure, later=True)},
    )
    two = [
        workbook(tmp_path / "annex_2023.xlsx", {"List 3": list_3()}),
        workbook(tmp_path / "annex_2024.xlsx", {"List 6": list_6(closure, later=True)}),
    ]
    together = read_annex_a(one, lenient=True, extract_date="2024-03-31")
    apart = read_annex_a(two, lenient=True, extract_date="2024-03-31")
    assert referrals(together) == referrals(apart)
    assert [r[6:] for r in report(together)] == [r[6:] for r in report(apart)]


def test_an_earlier_open_record_then_an_nfa_is_the_usual_update(tmp_path: Path) -> None:
    """A workbook made before the decision holds the referral open; the next says NFA."""
    paths = [
        workbook(tmp_path / "annex_2023.xlsx", {"List 6": list_6(None)}),
        workbook(tmp_path / "annex_2024.xlsx", {"List 3": list_3(later=True)}),
    ]
    history = read_annex_a(paths, extract_date="2024-03-31")  # strict: no error
    assert referrals(history)[0][:3] == ["Q1", "2022-06-01", "2022-06-01"]
    assert not history.exclusions


def test_a_census_nfa_closed_on_another_day_is_an_error(tmp_path: Path) -> None:
    details = cin_details("2022-06-01", closure="2022-09-01", reason="RC7", nfa="true")
    text = message([child("P1", details=[details])], year=2023, reference="2023-03-31")
    path = write(tmp_path, "cin.xml", text)
    history = read_cin_census(path, lenient=True)
    assert referrals(history) == [["P1", "2022-06-01", "2022-09-01", "RC7"]]
    assert report(history) == [
        [
            "cin.xml",
            None,
            None,
            "CINdetails[1]/CINclosureDate",
            "2022-09-01",
            f"element 'CINdetails[1]/ReferralNFA' of this record is 'true' {NFA_SAYS} but "
            "'CINdetails[1]/CINclosureDate' closes it on another day: two records of one "
            "referral differ; its end is the closure date given, 2022-09-01",
            "kept",
            "error",
        ]
    ]
    assert history.exclusions.problems[0].line == line_of(text, "<CINclosureDate>")
    no_personal_data(history)
    with pytest.raises(DataValidationError, match="two records of one referral differ"):
        read_cin_census(path)


def test_a_census_nfa_closed_on_its_referral_date_agrees(tmp_path: Path) -> None:
    details = cin_details("2022-06-01", closure="2022-06-01", reason="RC8", nfa="true")
    text = message([child("P1", details=[details])], year=2023, reference="2023-03-31")
    history = read_cin_census(write(tmp_path, "cin.xml", text))  # strict: no error
    assert referrals(history) == [["P1", "2022-06-01", "2022-06-01", "RC8"]]


def test_a_census_nfa_against_a_later_returns_closure_is_an_error(tmp_path: Path) -> None:
    earlier = message(
        [child("P1", details=[cin_details("2022-03-01", nfa="true")])],
        year=2022,
        reference="2022-03-31",
    )
    later = message(
        [child("P1", details=[cin_details("2022-03-01", closure="2022-09-01", reason="RC7")])],
        year=2023,
        reference="2023-03-31",
    )
    paths = [write(tmp_path, "cin_2022.xml", earlier), write(tmp_path, "cin_2023.xml", later)]
    history = read_cin_census(paths, lenient=True)
    assert referrals(history) == [["P1", "2022-03-01", "2022-09-01", "RC7"]]
    nfa_line = line_of(earlier, "<ReferralNFA>")
    assert report(history) == [
        [
            "cin_2023.xml",
            None,
            None,
            "CINdetails[1]/CINclosureDate",
            "2022-09-01",
            f"'cin_2022.xml', Child #1 (line {nfa_line}), element 'CINdetails[1]/ReferralNFA' "
            f"is 'true' {NFA_SAYS} but 'CINdetails[1]/CINclosureDate' closes it on another "
            "day: two records of one referral differ; its end is the closure date given, "
            "2022-09-01",
            "kept",
            "error",
        ]
    ]
    no_personal_data(history)


def test_a_workbook_nfa_against_a_census_closure_is_an_error(tmp_path: Path) -> None:
    details = [cin_details("2022-06-01", closure="2022-09-01", reason="RC7")]
    text = message(
        [child("Q1", birth="2015-01-01", gender="2", details=details)],
        year=2023,
        reference="2023-03-31",
    )
    cin = write(tmp_path, "cin_2023.xml", text)
    book = workbook(tmp_path / "annex.xlsx", {"List 3": list_3()})
    history = read_annex_a(book, cin_census=cin, lenient=True)
    assert [r[:3] for r in referrals(history)] == [["Q1", "2022-06-01", "2022-09-01"]]
    ((file, _, _, element, value, reason, _, severity),) = report(history)
    assert (file, element, value, severity) == (
        "cin_2023.xml",
        "CINdetails[1]/CINclosureDate",
        "2022-09-01",
        "error",
    )
    assert reason.startswith("'annex.xlsx', sheet 'List 3' row 2, column 'Referral NFA?' is 'yes'")
    no_personal_data(history)


def test_a_referral_end_problem_is_at_list_6_when_list_3_is_read_first(tmp_path: Path) -> None:
    """List 3 gives the referral, List 6 (row 3) its closure before the referral date: the
    problem names List 6's row and column, not List 3's row and the contract's 'end'."""
    other = ["Q9", "Male", "WBRI", BIRTH, day("2021-01-01"), "N1", None, None]
    closed = ["Q1", "Female", "WBRI", BIRTH, day("2022-06-01"), "N1", day("2022-05-01"), "RC7"]
    sheets = {"List 3": list_3("No"), "List 6": [LIST_6, other, closed]}
    history = read_annex_a(workbook(tmp_path / "w.xlsx", sheets), lenient=True,
                           extract_date="2023-03-31")  # fmt: skip
    assert [r[:6] for r in report(history)] == [
        ["w.xlsx", "List 6", 3, "CIN Closure Date", "2022-05-01", "end is before start"]
    ]


# -- session 27: the census closure an NFA disagrees with is located at its own line ----------
def test_a_census_closure_against_an_earlier_census_nfa_names_both_lines(tmp_path: Path) -> None:
    """The problem of the 2023 closure gave its record's line (the referral date's, 33)
    beside the NFA's own line: it is at the closure's line (36); the reason names the NFA
    record's file, child, line, element and value. Both lines are counted in the text."""
    earlier = message(
        [child("P1", details=[cin_details("2022-03-01", nfa="true")])],
        year=2022,
        reference="2022-03-31",
    )
    later = message(
        [child("P1", details=[cin_details("2022-03-01", closure="2022-09-01", reason="RC7")])],
        year=2023,
        reference="2023-03-31",
    )
    paths = [write(tmp_path, "cin_2022.xml", earlier), write(tmp_path, "cin_2023.xml", later)]
    history = read_cin_census(paths, lenient=True)
    closure, referral = line_of(later, "<CINclosureDate>"), line_of(later, "<CINreferralDate>")
    assert closure != referral  # else the test could not tell them apart
    (problem,) = history.exclusions.problems
    assert problem.line == closure
    assert problem.describe().startswith(
        f"file 'cin_2023.xml', Child #1 (line {closure}), element "
        "'CINdetails[1]/CINclosureDate', value '2022-09-01': 'cin_2022.xml', Child #1 "
        f"(line {line_of(earlier, '<ReferralNFA>')}), element 'CINdetails[1]/ReferralNFA' "
        "is 'true'"
    )
    no_personal_data(history)


def test_a_census_closure_against_a_workbook_nfa_is_at_the_closures_line(tmp_path: Path) -> None:
    """List 3 says NFA; the census closes the referral later: the problem is at the census
    closure's line, and names the workbook's sheet, row, column and value."""
    details = [cin_details("2022-06-01", closure="2022-09-01", reason="RC7")]
    text = message(
        [child("Q1", birth="2015-01-01", gender="2", details=details)],
        year=2023,
        reference="2023-03-31",
    )
    cin = write(tmp_path, "cin_2023.xml", text)
    book = workbook(tmp_path / "annex.xlsx", {"List 3": list_3()})
    history = read_annex_a(book, cin_census=cin, lenient=True)
    (problem,) = history.exclusions.problems
    closure = line_of(text, "<CINclosureDate>")
    assert closure != line_of(text, "<CINreferralDate>")
    assert problem.line == closure
    assert problem.describe().startswith(
        f"file 'cin_2023.xml', Child #1 (line {closure}), element "
        "'CINdetails[1]/CINclosureDate', value '2022-09-01': 'annex.xlsx', sheet 'List 3' "
        "row 2, column 'Referral NFA?' is 'yes'"
    )
    no_personal_data(history)


def test_an_end_date_problem_of_a_census_record_is_at_the_end_dates_line(tmp_path: Path) -> None:
    """The one rule for any end date merging reports (here the contract's: a CP plan's end
    before its start): the line of ``CPPendDate``, not of ``CPPstartDate``."""
    from .statutory_builders import cp_plan

    plan = cp_plan("2021-08-01", "2021-07-01")
    details = [cin_details("2021-06-01", blocks=[plan])]
    text = message([child("P1", details=details)], year=2022, reference="2022-03-31")
    history = read_cin_census(write(tmp_path, "cin.xml", text), lenient=True)
    ends = [p for p in history.exclusions.problems if p.column and "CPPendDate" in p.column]
    assert [p.reason for p in ends] == ["end is before start"]
    assert ends[0].line == line_of(text, "<CPPendDate>") != line_of(text, "<CPPstartDate>")
