"""Annex A: the extract date is the latest date the workbook records on any list.

A workbook records more dates than its episodes' starts and ends: the date a child was last
seen (List 6), visits and review conferences (List 7), reviews, visits and checks (List 8),
adoption dates (Lists 10 and 11). Without a CIN census or an ``extract_date=``, the extract
date is the latest of them all; a date after today, or outside the episodes and more than
31 days after the latest episode date (a mistyped year), is reported and not used.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from escalation.data.statutory import read_annex_a, source_report
from escalation.errors import DataValidationError

from .statutory_builders import child, cin_details, message, samples_dir, workbook, write

SAMPLE = samples_dir() / "annex-a.xlsx"
#: Identifiers of the synthetic workbook: never shown in a message.
IDS = ("SECRET-A1", "SECRET-B2", "SECRET-C3", "SECRET-D4", "SECRET-E5")
CHILD = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth"]


def day(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def synthetic(path: Path) -> Path:
    """Contacts to 2023-03-20, later dates only in columns the reader does not convert.

    List 6 'Date Child Was Last Seen': 2023-03-28, a year mistyped as 2031 or 2024, and
    text; a 'Date of Next Review' ahead by design. List 7 'Last statutory visit' (no word
    'date' in the header): 2023-03-30, the latest date; a plan's end date mistyped as 2091.
    List 10 'Date of Adoption Order': 2023-03-25.
    """
    a, b, c, d, e = IDS
    kid = ["b) Female", "a) WBRI", day("2012-05-04")]
    return workbook(
        path,
        {
            "List 1": [
                [*CHILD, "Date of Contact", "Contact Source"],
                [a, *kid, day("2023-03-01"), "q) 6: Police"],
                [b, *kid, day("2023-03-20"), "e) 2A: Schools"],
            ],
            "List 6": [
                [
                    *CHILD,
                    "CIN Start Date",
                    "Primary Need Code",
                    "Date Child Was Last Seen",
                    "CIN Closure Date",
                    "Reason for Closure",
                    "Date of Next Review",
                ],
                [
                    a,
                    *kid,
                    day("2023-01-10"),
                    "N1",
                    day("2023-03-28"),
                    None,
                    None,
                    day("2023-06-01"),
                ],
                [b, *kid, day("2023-02-01"), "N1", day("2031-03-28"), None, None, None],
                [c, *kid, day("2023-02-02"), "N2", "not seen", None, None, None],
                [e, *kid, day("2023-02-03"), "N2", day("2024-03-08"), None, None, None],
            ],
            "List 7": [
                [
                    *CHILD,
                    "Child Protection Plan Start Date",
                    "Initial Category of Abuse",
                    "Last statutory visit",
                    "Child Protection Plan End Date",
                ],
                [a, *kid, day("2023-01-20"), "NEG", day("2023-03-30"), None],
                [d, *kid, day("2023-02-15"), "EMO", day("2023-03-10"), day("2091-02-15")],
            ],
            "List 10": [
                [*CHILD, "Date the Child Entered Care", "Date of Adoption Order"],
                [c, *kid, day("2019-01-01"), day("2023-03-25")],
            ],
        },
    )


@pytest.mark.skipif(not SAMPLE.is_file(), reason="the shared sample is absent")
def test_the_sample_extract_date_is_the_date_a_child_was_last_seen() -> None:
    history = read_annex_a(SAMPLE, lenient=True)
    eps = history.episodes
    latest_episode_date = max(eps["start"].max(), eps["end"].max())
    assert latest_episode_date == pd.Timestamp("2021-02-16")  # List 7, a plan's end
    # List 6 records later: a child last seen on 2021-03-15
    assert history.extract_date == pd.Timestamp("2021-03-15")
    assert history.extract_date_source == (
        "Annex A: latest date recorded in annex-a.xlsx (sheet 'List 6', column 'Date Child "
        "Was Last Seen')"
    )
    # every date of the sample is plausible: nothing reported about the extract date
    reasons = source_report(history.exclusions)["reason"]
    assert not reasons.str.contains("not used for the extract date").any()


def test_the_latest_date_of_any_list_is_taken_and_mistyped_ones_reported(
    tmp_path: Path,
) -> None:
    path = synthetic(tmp_path / "synthetic.xlsx")
    history = read_annex_a(path, lenient=True)
    # the latest date recorded, 10 days after the latest episode date (2023-03-20)
    assert history.extract_date == pd.Timestamp("2023-03-30")
    assert history.extract_date_source == (
        "Annex A: latest date recorded in synthetic.xlsx (sheet 'List 7', column 'Last "
        "statutory visit'); 2 later dates not used, after today or more than 31 days after "
        "the latest episode date (see the exclusion report)"
    )
    report = source_report(history.exclusions).set_index(["sheet", "row", "element"])
    typo = report.loc[("List 6", 5, "Date Child Was Last Seen")]
    assert typo["value"] == "2024-03-08" and typo["severity"] == "error"
    assert typo["reason"] == (
        "the date is more than 31 days after the workbook's latest episode date "
        "(2023-03-20), most likely mistyped; not used for the extract date"
    )
    # 2031 is after today (or, from 2031, more than 31 days after): reported, not used
    future = report.loc[("List 6", 3, "Date Child Was Last Seen")]
    assert future["value"] == "2031-03-28" and future["severity"] == "error"
    assert future["reason"].endswith("not used for the extract date")
    text = report.loc[("List 6", 4, "Date Child Was Last Seen")]
    assert text["severity"] == "note" and text["value"].startswith("<not shown")
    assert "not used for the extract date" in text["reason"]
    # a plan end mistyped as 2091 moves nothing: the plan is excluded, located
    plan = report.loc[("List 7", 3, "Child Protection Plan End Date")]
    assert plan["value"] == "2091-02-15" and plan["action"] == "episode excluded"
    assert int((history.episodes["kind"] == "cp_plan").sum()) == 1
    # a next review lies ahead by design: neither used nor reported
    assert "Date of Next Review" not in set(report.index.get_level_values("element"))
    shown = history.exclusions.describe() + source_report(history.exclusions).to_csv()
    assert not any(secret in shown for secret in IDS)


def test_strict_reading_refuses_a_mistyped_date_with_its_place(tmp_path: Path) -> None:
    path = synthetic(tmp_path / "synthetic.xlsx")
    with pytest.raises(DataValidationError) as error:
        read_annex_a(path)
    message = str(error.value)
    assert (
        "sheet 'List 6' row 5, column 'Date Child Was Last Seen', value '2024-03-08': the "
        "date is more than 31 days after" in message
    )
    assert not any(secret in message for secret in IDS)
    # a given extract date is used as it is: the other dates are not checked
    given = read_annex_a(path, lenient=True, extract_date="2023-03-31")
    assert given.extract_date == pd.Timestamp("2023-03-31")
    assert given.extract_date_source == "given"
    assert "not used for the extract date" not in given.exclusions.describe()


def test_a_date_after_today_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from escalation.data.statutory import annex_a

    monkeypatch.setattr(annex_a, "_today", lambda: "2023-03-26")
    history = read_annex_a(synthetic(tmp_path / "synthetic.xlsx"), lenient=True)
    # last seen (03-28) and the visit (03-30) lie after "today": List 10's 03-25 is latest
    assert history.extract_date == pd.Timestamp("2023-03-25")
    assert "(sheet 'List 10', column 'Date of Adoption Order'); 4 later dates not used" in (
        history.extract_date_source
    )
    report = source_report(history.exclusions)
    later = report[report["reason"].str.startswith("the date is after today (2023-03-26)")]
    assert sorted(zip(later["sheet"], later["row"], later["value"], strict=True)) == [
        ("List 6", 2, "2023-03-28"),
        ("List 6", 3, "2031-03-28"),
        ("List 6", 5, "2024-03-08"),
        ("List 7", 2, "2023-03-30"),
    ]


@pytest.mark.parametrize(
    ("header", "is_date"),
    [
        # Ofsted's template (liia-tools' Annex A configuration) and other spellings
        ("Date Child Was Last Seen", True),
        ("Date of the Last Statutory Visit", True),
        ("Date of latest review conference", True),
        ("Date of Latest Statutory Review", True),
        ("Date of Last Social Work Visit", True),
        ("Date of Last IRO Visit / Contact to the Child", True),
        ("Date of Last Health Assessment", True),
        ("Start Date of Most Recent Placement", True),
        ("Date of Decision that Child Should No Longer be Placed for Adoption", True),
        ("Date Stage 1 ended", True),
        ("LastSeenDate", True),
        ("Last seen", True),
        ("Latest review", True),
        ("Most recent visit", True),
        # not dates the authority recorded as having happened
        ("Date of Birth", False),
        ("DOB", False),
        ("Expected Date of Birth", False),
        ("Date of next review", False),
        ("Review due date", False),
        ("Target date for ICPC", False),
        ("Number of days since last visit", False),
        ("Was the Child Seen Alone?", False),
        ("Child Seen During Continuous Assessment", False),
        ("Age of Child (Years)", False),
        ("Allocated Worker", False),
    ],
)
def test_date_columns_are_recognised_by_their_headers(header: str, is_date: bool) -> None:
    from escalation.data.statutory.annex_a_columns import other_date_columns

    assert bool(other_date_columns(["Child Unique ID", header])) is is_date


@pytest.mark.parametrize(
    ("last_referral", "extract", "kept"),
    [
        ("2023-06-01", "2023-06-01", ("2022-06-01", "RC7")),  # the workbook is the later
        ("2023-02-01", "2023-03-31", ("2022-05-01", "RC8")),  # the census is the later
    ],
)
def test_with_the_census_the_latest_source_gives_the_extract_date_and_outranks(
    tmp_path: Path, last_referral: str, extract: str, kept: tuple[str, str]
) -> None:
    """The extract date of a workbook read with CIN census returns is the latest of the
    census ``ReferenceDate`` and the workbook's latest date (docs/statutory.md): an Annex A
    workbook made for an inspection after the census's 31 March is the later extract, and
    its record of an episode both hold is kept over the census's, with a note."""
    details = cin_details("2021-06-01", closure="2022-05-01", reason="RC8")
    text = message([child("X1", details=[details])], year=2023, reference="2023-03-31")
    census = write(tmp_path, "cin_2023.xml", text)
    person = ["X1", "a) Male", "WBRI", day("2015-05-01")]
    book = workbook(
        tmp_path / "annex.xlsx",
        {
            "List 3": [
                [*CHILD, "Date of Referral", "Referral Source", "Referral NFA?"],
                [*person, day("2021-06-01"), "1A", "No"],
                [*person, day(last_referral), "1A", "No"],
            ],
            "List 6": [
                [
                    *CHILD,
                    "CIN Start Date",
                    "Primary Need Code",
                    "CIN Closure Date",
                    "Reason for Closure",
                ],
                [*person, day("2021-06-01"), "N1", day("2022-06-01"), "RC7"],
            ],
        },
    )
    history = read_annex_a(book, cin_census=census, lenient=True)
    assert history.extract_date == pd.Timestamp(extract)
    workbook_later = extract == last_referral
    assert history.extract_date_source.startswith("Annex A" if workbook_later else "CIN census")
    eps = history.episodes
    first = eps[(eps["kind"] == "referral") & (eps["start"] == pd.Timestamp("2021-06-01"))]
    assert [(str(e.date()), r) for e, r in zip(first["end"], first["reason"], strict=True)] == [
        (kept[0], kept[1])
    ]
    notes = source_report(history.exclusions)
    outranked = notes[notes["reason"].str.contains("recorded in a later return")]
    assert outranked["file"].tolist() == ["annex.xlsx" if not workbook_later else "cin_2023.xml"]
