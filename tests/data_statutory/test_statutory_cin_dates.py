"""CIN census dates: the schema's ``xs:date`` forms, date-times, and what is shown of them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from escalation.data.statutory import read_cin_census, source_report
from escalation.errors import DataValidationError

from .statutory_builders import child, cin_details, cp_plan, line_of, message, write

DATE_TIME_NOTE = (
    "a date with a time of day (an xs:dateTime) where the CIN schema has a date (an "
    "xs:date): its calendar day as written is read, the time and any time zone ignored"
)


ZONES = ("", "Z", "+01:00", "-05:30", "+14:00")


@pytest.mark.parametrize("written", [f"2022-01-05{zone}" for zone in ZONES])
def test_an_xs_date_with_a_time_zone_is_its_day_as_written(tmp_path: Path, written: str) -> None:
    """Every census date is an ``xs:date``, which may carry a zone: the day is read as
    written, never moved by the zone, and strict reading finds nothing to report."""
    details = cin_details(written, blocks=[cp_plan("2022-01-06Z", reviews=[written])])
    text = message([child(birth="2015-01-01" + written[10:], details=[details])])
    text = text.replace("<ReferenceDate>2022-03-31", f"<ReferenceDate>2022-03-31{written[10:]}")
    history = read_cin_census(write(tmp_path, "c.xml", text))
    assert not history.exclusions
    starts = dict(zip(history.episodes["kind"].astype(str), history.episodes["start"], strict=True))
    assert starts == {"referral": pd.Timestamp("2022-01-05"), "cp_plan": pd.Timestamp("2022-01-06")}
    assert history.children["birth_date"].tolist() == [pd.Timestamp("2015-01-01")]
    assert history.extract_date == pd.Timestamp("2022-03-31")


@pytest.mark.parametrize("written", ["2022-01-05T00:00:00", "2022-01-05T23:59:59.5+01:00"])
def test_a_date_with_a_time_of_day_is_read_as_its_day_with_a_located_note(
    tmp_path: Path, written: str
) -> None:
    text = message([child(details=[cin_details(written)])])
    history = read_cin_census(write(tmp_path, "c.xml", text))  # strict: a note never stops it
    assert history.episodes["start"].tolist() == [pd.Timestamp("2022-01-05")]
    report = source_report(history.exclusions)
    assert report[["element", "value", "reason", "action", "severity"]].values.tolist() == [
        ["CINdetails[1]/CINreferralDate", written, DATE_TIME_NOTE, "kept", "note"]
    ]
    assert report["line"].tolist() == [line_of(text, "<CINreferralDate>")]


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("2022-01-05Tfoo", "<not shown: 14 characters, letters, digits"),
        ("2022-01-05T", "2022-01-05T"),
        ("2022-01-05T13:45", "2022-01-05T13:45"),  # no seconds: not an xs:dateTime
        ("2022-01-05T25:00:00", "2022-01-05T25:00:00"),
        ("2022-01-05+15:00", "2022-01-05+15:00"),  # no such time zone
        ("2022-13-05Z", "2022-13-05Z"),  # a date-shaped value is shown to be corrected
        ("2022-01-05 Z", "2022-01-05 Z"),
        ("05/01/2022", "05/01/2022"),
    ],
)
def test_anything_else_is_refused_and_a_date_shaped_value_is_shown(
    tmp_path: Path, written: str, shown: str
) -> None:
    valid = child("C2", details=[cin_details("2022-01-05")])
    text = message([child(details=[cin_details(written)]), valid])
    path = write(tmp_path, "c.xml", text)
    history = read_cin_census(path, lenient=True)
    assert history.episodes["child_id"].tolist() == ["C2"]
    report = source_report(history.exclusions)
    assert report[["element", "reason", "action"]].values.tolist() == [
        ["CINdetails[1]/CINreferralDate", "not a date in the form YYYY-MM-DD", "episode excluded"]
    ]
    assert str(report["value"].iloc[0]).startswith(shown)
    with pytest.raises(DataValidationError, match="not a date in the form YYYY-MM-DD"):
        read_cin_census(path)


@pytest.mark.parametrize("written", ["2015-13-01Z", "2015-01-01T12:00:00Z"])
def test_a_birth_date_is_never_shown_refused_or_noted(tmp_path: Path, written: str) -> None:
    valid = child("C2", details=[cin_details("2022-01-05")])
    text = message([child(birth=written, details=[cin_details("2022-01-05")]), valid])
    history = read_cin_census(write(tmp_path, "c.xml", text), lenient=True)
    report = source_report(history.exclusions)
    assert report["element"].tolist() == ["ChildIdentifiers/PersonBirthDate"]
    assert report["value"].tolist() == ["<withheld: personal data>"]
    shown = history.exclusions.describe() + report.to_csv()
    assert written not in shown and written[:10] not in shown
