"""Several years' CIN census returns merged into one history; the shared DfE-style sample."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from escalation.data.statutory import read_cin_census, source_report
from escalation.errors import DataValidationError

from .statutory_builders import assessment, child, cin_details, message, samples_dir, write

SAMPLE = samples_dir() / "cin-2022.xml"


def two_years(tmp_path: Path) -> tuple[Path, Path]:
    y2021 = message(
        [
            child(
                "C1",
                details=[cin_details("2020-11-01", source="3B", blocks=[assessment("2020-11-03")])],
            ),
            child(
                "C2",
                gender="2",
                details=[cin_details("2020-05-01", closure="2020-06-01", reason="RC8")],
            ),
        ],
        year=2021,
        reference="2021-03-31",
    )
    y2022 = message(
        [
            child(
                "C1",
                gender="0",
                ethnicity="WIRI",
                details=[
                    cin_details(
                        "2020-11-01",
                        source="3B",
                        closure="2021-05-01",
                        reason="RC9",
                        blocks=[assessment("2020-11-03", None, "2020-11-20", ["21"])],
                    ),
                    cin_details("2022-01-10", source="5A"),
                ],
            ),
            child(
                "C3",
                birth="2019-01-01",
                details=[cin_details("2021-09-01", closure="2021-09-01", reason="RC8", nfa="true")],
            ),
        ],
        year=2022,
        reference="2022-03-31",
    )
    return write(tmp_path, "cin_2021.xml", y2021), write(tmp_path, "cin_2022.xml", y2022)


def table(history: object) -> list[tuple[str, ...]]:
    frame = history.episodes  # type: ignore[attr-defined]
    cols = ["child_id", "kind", "start", "end", "source", "factors", "reason"]
    out = frame[cols].astype(str)
    return sorted(tuple(row) for row in out.to_numpy())


@pytest.mark.parametrize("order", [1, -1])
def test_years_merge_and_recurring_episodes_kept_once(tmp_path: Path, order: int) -> None:
    files = list(two_years(tmp_path))[::order]
    history = read_cin_census(files)
    assert history.extract_date == pd.Timestamp("2022-03-31")
    assert history.extract_date_source == "CIN census ReferenceDate (cin_2022.xml)"
    assert table(history) == sorted(
        [
            ("C1", "referral", "2020-11-01", "2021-05-01", "3B", "<NA>", "RC9"),  # closed in 2022
            ("C1", "assessment", "2020-11-03", "2020-11-20", "nan", "21", "nan"),
            ("C1", "referral", "2022-01-10", "NaT", "5A", "<NA>", "nan"),
            ("C2", "referral", "2020-05-01", "2020-06-01", "2A", "<NA>", "RC8"),  # 2021 only
            ("C3", "referral", "2021-09-01", "2021-09-01", "2A", "<NA>", "RC8"),
        ]
    )
    kids = history.children.set_index("child_id")
    assert kids.loc["C1", "sex"] == "U" and kids.loc["C1", "ethnicity"] == "WIRI"  # latest
    assert sorted(kids.index) == ["C1", "C2", "C3"]
    # the changed characteristics are reported as notes, never silently overwritten
    notes = source_report(history.exclusions)
    assert set(notes["severity"]) == {"note"}
    assert sorted(notes["reason"].str.extract(r"child's (\w+) differs")[0]) == [
        "ethnicity",
        "sex",
    ]


def test_same_return_twice_changes_nothing(tmp_path: Path) -> None:
    _, y2022 = two_years(tmp_path)
    once = read_cin_census(y2022)
    twice = read_cin_census([y2022, y2022])
    assert table(once) == table(twice)
    assert len(twice.exclusions) == 0


def test_birth_date_conflict_between_years_is_reported(tmp_path: Path) -> None:
    a = write(
        tmp_path,
        "a.xml",
        message(
            [child("C1", birth="2015-05-01", details=[cin_details("2020-01-01")])],
            year=2021,
            reference="2021-03-31",
        ),
    )
    b = write(
        tmp_path,
        "b.xml",
        message([child("C1", birth="2015-06-01", details=[cin_details("2020-01-01")])]),
    )
    with pytest.raises(DataValidationError, match="birth date differs between CIN census returns"):
        read_cin_census([a, b])
    history = read_cin_census([a, b], lenient=True)
    assert history.children["birth_date"].tolist() == [pd.Timestamp("2015-06-01")]
    assert "2015-0" not in history.exclusions.describe()


def test_date_after_its_own_reference_is_caught_even_when_merged(tmp_path: Path) -> None:
    a = write(
        tmp_path,
        "a.xml",
        message(
            [child("C1", details=[cin_details("2021-05-01")])], year=2021, reference="2021-03-31"
        ),
    )
    b = write(tmp_path, "b.xml", message([child("C2", details=[cin_details("2021-05-01")])]))
    history = read_cin_census([a, b], lenient=True)
    assert history.episodes["child_id"].tolist() == ["C2"]
    (problem,) = history.exclusions.problems
    assert problem.table == "a.xml" and "reference date 2021-03-31" in problem.reason


@pytest.mark.skipif(not SAMPLE.is_file(), reason="the shared sample ../shared/samples is absent")
def test_shared_sample_converts_leniently_with_its_inconsistent_dates() -> None:
    with pytest.raises(DataValidationError):
        read_cin_census(SAMPLE)
    history = read_cin_census(SAMPLE, lenient=True)
    assert len(history.children) == 1
    assert history.extract_date == pd.Timestamp("2022-03-31")
    counts = history.episodes["kind"].astype(str).value_counts().to_dict()
    assert counts == {
        "referral": 1,
        "assessment": 1,
        "cin_plan": 1,
        "s47": 1,
        "icpc": 2,
        "cp_plan": 1,
        "death": 1,
    }
    report = source_report(history.exclusions)
    dates = report[report["reason"].str.contains("CIN referral date|CIN closure date")]
    assert sorted(dates["element"]) == [
        "CINdetails[1]/Assessments[1]/AssessmentActualStartDate",  # before the referral
        "CINdetails[1]/Assessments[1]/AssessmentAuthorisationDate",  # after the closure
        "CINdetails[1]/ChildProtectionPlans[1]/CPPendDate",
        "CINdetails[1]/ChildProtectionPlans[1]/CPPstartDate",
        "CINdetails[1]/Section47[1]/DateOfInitialCPC",
        "CINdetails[1]/Section47[1]/S47ActualStartDate",
    ]
    assert set(report["child"]) == {1}
    ends = report.set_index("element")["line"]
    assert ends["CINdetails[1]/Assessments[1]/AssessmentAuthorisationDate"] == 46
    assert ends["CINdetails[1]/ChildProtectionPlans[1]/CPPendDate"] == 65
    # <ReferralNFA> after <Section47> is where the DfE schema puts it: nothing to report
    assert (report["element"] == "CINdetails[1]/ReferralNFA").sum() == 0
    assert (report["severity"] == "error").all()
    assert "DfEX0000001" not in history.exclusions.describe()


def test_a_recorded_closure_that_changes_between_years_is_reported(tmp_path: Path) -> None:
    y2021 = message(
        [child("C2", details=[cin_details("2020-05-01", closure="2020-06-01", reason="RC8")])],
        year=2021,
        reference="2021-03-31",
    )
    y2022 = message(
        [child("C2", details=[cin_details("2020-05-01", closure="2020-07-15", reason="RC9")])],
        year=2022,
        reference="2022-03-31",
    )
    files = [write(tmp_path, "cin_2021.xml", y2021), write(tmp_path, "cin_2022.xml", y2022)]
    history = read_cin_census(files)
    referral = history.episodes[history.episodes["kind"] == "referral"]
    assert referral["end"].tolist() == [pd.Timestamp("2020-07-15")]  # the latest return's
    assert referral["reason"].tolist() == ["RC9"]
    (problem,) = history.exclusions.problems
    assert "different end and reason" in problem.reason and problem.table == "cin_2021.xml"
