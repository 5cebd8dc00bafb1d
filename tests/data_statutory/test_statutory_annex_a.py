"""Ofsted Annex A workbooks: the shared sample, header variants, round trips, merging."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from escalation.cli import main
from escalation.data.history import CaseHistory
from escalation.data.simulator import simulate_local_authority
from escalation.data.statutory import (
    read_annex_a,
    read_cin_census,
    source_report,
    write_annex_a,
    write_cin_census,
)
from escalation.data.statutory.annex_a_writer import WRITTEN_KINDS
from escalation.errors import DataValidationError

from .statutory_builders import samples_dir, workbook

SAMPLE = samples_dir() / "annex-a.xlsx"
COLUMNS = ["child_id", "kind", "start", "end", "source", "need", "category", "reason",
           "legal_status"]  # fmt: skip
CHILD = ["child_id", "birth_date", "sex", "ethnicity", "disability"]


def canonical(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return frame[columns].astype(str).sort_values(columns).reset_index(drop=True)


@pytest.mark.skipif(not SAMPLE.is_file(), reason="the shared sample is absent")
def test_the_shared_sample_converts_and_reports_its_inconsistencies(tmp_path: Path) -> None:
    history = read_annex_a(SAMPLE, lenient=True)
    counts = history.counts().set_index("kind")["episodes"].to_dict()
    assert {k: v for k, v in counts.items() if v} == {
        "contact": 4, "referral": 11, "assessment": 5, "early_help": 5, "s47": 5, "icpc": 3,
        "cp_plan": 6, "looked_after": 4,
    }  # fmt: skip
    # List 6 records a child last seen on 2021-03-15, after every episode date
    assert history.extract_date == pd.Timestamp("2021-03-15")
    assert history.extract_date_source == (
        "Annex A: latest date recorded in annex-a.xlsx (sheet 'List 6', column 'Date Child "
        "Was Last Seen')"
    )
    early = history.episodes[history.episodes["kind"] == "early_help"]
    assert "Early Help Locality 2" in set(early["organisation"])
    report = source_report(history.exclusions)
    errors = report[report["severity"] == "error"]
    assert sorted(zip(errors["sheet"], errors["row"], errors["element"], strict=True)) == [
        ("List 1", 3, "Date of Birth"),  # no birth date in any list
        ("List 6", 2, "Primary Need Code"),  # 'PSRMEM - ...' is not a DfE primary need
        ("List 7", 8, "Child Protection Plan Start Date"),  # years before the birth date
        ("List 8", 5, "Date Started to be Looked After"),
    ]
    notes = report.loc[report["severity"] == "note", "sheet"]
    assert set(notes) == {"List 9", "List 10", "List 11"}
    # strict: one error listing the same problems; identifiers never shown
    with pytest.raises(DataValidationError) as error:
        read_annex_a(SAMPLE)
    shown = str(error.value) + report.to_csv()
    for secret in ("11973218", "9212044", "2018-03-13", "Dustin"):
        assert secret not in shown
    assert "sheet 'List 8' row 5, column 'Date Started to be Looked After'" in str(error.value)
    assert main(["convert", "annex-a", str(SAMPLE), "--out", str(tmp_path / "o"), "--lenient"]) == 0
    assert (tmp_path / "o" / "conversion_report.csv").is_file()


def with_an_unborn_child(history: CaseHistory) -> CaseHistory:
    """The history with a child unborn at its extract date, referred before birth."""
    due = history.extract_date + pd.Timedelta(days=60)
    unborn = pd.DataFrame({"child_id": ["UNBORN1"], "birth_date": [due], "sex": ["U"],
                           "ethnicity": ["NOBT"], "expected_birth_date": [due]})  # fmt: skip
    referral = pd.DataFrame({"child_id": ["UNBORN1"], "kind": ["referral"], "source": ["5A"],
                             "start": [history.extract_date - pd.Timedelta(days=30)],
                             "need": ["N1"]})  # fmt: skip
    children = pd.concat([history.children, unborn], ignore_index=True)
    episodes = pd.concat([history.episodes, referral], ignore_index=True)
    return history.with_tables(children=children, episodes=episodes)


def test_simulated_authority_round_trips_through_a_workbook(tmp_path: Path) -> None:
    plain = simulate_local_authority(600, seed=11).history  # no child unborn
    history = with_an_unborn_child(plain)
    summary = write_annex_a(history, tmp_path / "annex.xlsx")
    back = read_annex_a(tmp_path / "annex.xlsx", extract_date=history.extract_date)
    # the unborn child is written with its expected date of birth only (not as a birth
    # date in the future) and comes back unborn, with the reader's note
    report = source_report(back.exclusions)
    assert report[["sheet", "element", "severity"]].values.tolist() == [
        ["List 3", "Expected Date of Birth", "note"]
    ]
    assert report["reason"].str.contains("unborn child").all()
    held = history.episodes[history.episodes["kind"].astype(str).isin(WRITTEN_KINDS)]
    # Annex A holds no assessment factors; everything else comes back as it was
    pd.testing.assert_frame_equal(canonical(back.episodes, COLUMNS), canonical(held, COLUMNS))
    born = [*CHILD, "expected_birth_date"]
    pd.testing.assert_frame_equal(canonical(back.children, born), canonical(history.children, born))
    assert summary.skipped.get("cin_plan", 0) == int((history.episodes["kind"] == "cin_plan").sum())
    # a history with no child unborn keeps the template's columns
    written = write_annex_a(plain, tmp_path / "plain.xlsx")
    headers = [c.value for c in next(openpyxl.load_workbook(written.path)["List 3"].rows)]
    assert "Expected Date of Birth" not in headers and "Date of Birth" in headers


def test_a_childs_cells_are_worked_out_once_and_left_empty_where_unknown() -> None:
    """The writer looks each child up once (a lookup per row took half its time), and a
    missing value or column gives an empty cell."""
    from escalation.data.statutory.annex_a_writer import _child_cells

    kids = pd.DataFrame(
        {
            "child_id": pd.array(["c1", "c2"], dtype="string"),
            "birth_date": [pd.Timestamp("2012-10-01"), pd.NaT],
            "sex": pd.Categorical(["M", None]),
            "disability": pd.array([False, None], dtype="boolean"),
        }
    )
    cells = _child_cells(kids, pd.Timestamp("2024-03-31"))
    assert cells == {
        "c1": (("c1", "a) Male", None, dt.date(2012, 10, 1), 11.5, None), "b) No"),
        "c2": (("c2", None, None, None, None, None), None),
    }


def test_several_years_of_workbooks_merge_into_one_history(tmp_path: Path) -> None:
    history = simulate_local_authority(600, seed=4).history
    older = write_annex_a(history, tmp_path / "a2023.xlsx", since="2022-04-01", until="2023-03-31")
    newer = write_annex_a(history, tmp_path / "a2024.xlsx", since="2023-04-01")
    files = [tmp_path / "a2024.xlsx", tmp_path / "a2023.xlsx"]  # any order
    merged = read_annex_a(files, extract_date=history.extract_date)
    assert older.rows["List 3"] > 0
    # a child born after a workbook's date is written unborn in it (expected date of birth
    # only): a note each, and the later workbook's birth date replaces the expected one
    report = source_report(merged.exclusions)
    assert len(report) > 0 and set(report["severity"]) == {"note"}
    assert set(report["element"]) == {"Expected Date of Birth"}
    assert report["reason"].str.contains("unborn child").all()
    births = history.children.set_index("child_id")["birth_date"]
    kids = merged.children.set_index("child_id")["birth_date"]
    pd.testing.assert_series_equal(kids, births.loc[kids.index], check_dtype=False)
    eps = history.episodes[history.episodes["kind"].astype(str).isin(WRITTEN_KINDS)]
    last = eps["end"].where(eps["end"].notna(), eps["start"])
    point = eps["kind"].isin(["contact", "s47", "icpc"])
    active = eps[(last >= pd.Timestamp("2022-04-01")) | (eps["end"].isna() & ~point)]
    # every episode read is the history's, exactly; every active one is read, but for
    # conferences whose enquiry predates the workbooks (List 5 pairs them)
    both = canonical(active, COLUMNS).merge(
        canonical(merged.episodes, COLUMNS), how="outer", indicator=True
    )
    assert (both["_merge"] != "right_only").all()
    missing = both[both["_merge"] == "left_only"]
    assert set(missing["kind"]) <= {"icpc"}
    assert len(missing) <= older.skipped.get("icpc", 0) + newer.skipped.get("icpc", 0)
    assert len(merged.episodes) > 0.99 * len(active)
    # an episode open in the older workbook and closed in the later one is one episode
    a2023 = read_annex_a(tmp_path / "a2023.xlsx", extract_date="2023-03-31")
    opened = a2023.episodes[a2023.episodes["end"].isna() & (a2023.episodes["kind"] == "referral")]
    key = ["child_id", "kind", "start"]
    closed = opened[key].merge(merged.episodes, on=key)
    assert len(closed) == len(opened) and closed["end"].notna().any()


def test_merged_with_the_cin_census_by_child_identifier_with_conflicts_reported(
    tmp_path: Path,
) -> None:
    history = simulate_local_authority(300, seed=8).history
    write_cin_census(history, tmp_path / "cin.xml")
    write_annex_a(history, tmp_path / "annex.xlsx", since="2023-04-01")
    both = read_annex_a(tmp_path / "annex.xlsx", cin_census=tmp_path / "cin.xml")
    cin = read_cin_census(tmp_path / "cin.xml")
    assert both.extract_date_source == "CIN census ReferenceDate (cin.xml)"
    # each referral, assessment, plan once: the census's and the workbook's are the same
    key = ["child_id", "kind", "start"]
    assert not both.episodes.duplicated(key).any()
    census = both.episodes[~both.episodes["kind"].isin(["early_help", "looked_after"])]
    assert len(census) == len(cin.episodes)
    early = history.episodes[history.episodes["kind"] == "early_help"]
    assert 0 < int((both.episodes["kind"] == "early_help").sum()) <= len(early)
    assert (both.episodes["kind"] == "looked_after").any()
    # conflicts between the sources are reported: a birth date (error), a sex (note)
    book = openpyxl.load_workbook(tmp_path / "annex.xlsx")
    sheet = book["List 3"]
    first, second = sheet.cell(2, 1).value, sheet.cell(3, 1).value
    sheet.cell(2, 4).value = dt.datetime(2001, 1, 1)
    for each in book.worksheets:  # the second child's sex, in every list
        for row in each.iter_rows(min_row=2):
            if row[0].value == second:
                row[1].value = "b) Female" if row[1].value != "b) Female" else "a) Male"
    book.save(tmp_path / "conflict.xlsx")
    with pytest.raises(DataValidationError, match="birth date differs between Annex A and CIN"):
        read_annex_a(tmp_path / "conflict.xlsx", cin_census=tmp_path / "cin.xml")
    lenient = read_annex_a(
        tmp_path / "conflict.xlsx", cin_census=tmp_path / "cin.xml", lenient=True
    )
    report = source_report(lenient.exclusions)
    sex = report[report["reason"].str.startswith("the child's sex differs")]
    # at the census's record kept, naming the workbook's other record and its column
    assert sex[["file", "element", "value", "severity"]].values.tolist() == [
        ["cin.xml", "ChildIdentifiers/GenderCurrent", "<withheld: personal data>", "note"]
    ]
    assert re.fullmatch(
        r"the child's sex differs between Annex A and CIN census returns \(another is "
        r"recorded in 'conflict\.xlsx', sheet 'List \d+' row \d+, column 'Gender'\); the "
        r"latest return's is kept",
        sex["reason"].iloc[0],
    )
    assert str(first) not in lenient.exclusions.describe()


def test_header_variants_title_rows_and_value_forms(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "variants.xlsx",
        {
            "List 1 - Contacts": [
                ["Annex A return, authority X"],
                [],
                [
                    "ChildID",
                    "Sex",
                    "Ethnic group",
                    "DOB",
                    "Age of Child (Years)",
                    "Contact date",
                    "Source of contact",
                ],
                ["0012", "Female", "WBRI", "01/02/2015", 9, 45017, "Police"],
                [12.0, "M", "White British", dt.datetime(2010, 5, 4), 13, "02/04/2023", "2A"],
                [None, None, None, None, None, None, None],
            ],
            "List 2": [
                [
                    "Child’s Unique ID ",
                    "Gender",
                    "Ethnicity",
                    "Date of Birth",
                    "Early help assessment start date",
                    "Date early help assessment completed",
                    "Lead agency",
                ],
                [
                    "0012",
                    "b) Female",
                    "a) WBRI",
                    "01/02/2015",
                    dt.date(2023, 4, 3),
                    dt.date(2023, 5, 1),
                    "School",
                ],
            ],
            "L3 referrals": [
                [
                    "LA Child ID",
                    "Gender",
                    "Ethnicity",
                    "Date of Birth",
                    "Date of referral ",
                    "Referral Source",
                    "Referral NFA",
                ],
                ["0012", "F", "WBRI", "01/02/2015", "2023-04-05", "q) 6: Police", "Y"],
            ],
            "Summary": [["nothing here"]],
        },
    )
    history = read_annex_a(path, lenient=True)
    eps = history.episodes.set_index(["child_id", "kind"])
    assert eps.loc[("0012", "contact"), "start"] == pd.Timestamp("2023-04-01")  # Excel serial
    assert eps.loc[("0012", "contact"), "source"] == "6"
    assert eps.loc[("12", "contact"), "source"] == "2A"
    assert eps.loc[("0012", "early_help"), "end"] == pd.Timestamp("2023-05-01")
    assert eps.loc[("0012", "early_help"), "organisation"] == "School"
    referral = eps.loc[("0012", "referral")]
    assert referral["end"] == referral["start"] == pd.Timestamp("2023-04-05")  # NFA: closed
    kids = history.children.set_index("child_id")
    assert kids.loc["0012", "sex"] == "F" and kids.loc["12", "ethnicity"] == "WBRI"
    notes = source_report(history.exclusions)
    assert notes["sheet"].tolist() == ["Summary"] and notes["severity"].tolist() == ["note"]


def test_a_date_column_needs_a_date_header(tmp_path: Path) -> None:
    """Review s27 (leftovers), finding 7: in a List 4 whose "Organisation completing
    assessment" comes before the completion date, the organisation was read as the
    assessment's end (its header has "complet") and the real date column as a repeat.
    A date column's header must now hold a date word.
    """
    header = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth",
              "Continuous Assessment Start Date", "Organisation completing assessment",
              "Continuous Assessment Date of Authorisation"]  # fmt: skip
    row = ["0012", "F", "WBRI", "01/02/2015", dt.date(2023, 4, 3), "Family Hub",
           dt.date(2023, 5, 10)]  # fmt: skip
    path = workbook(tmp_path / "organisation_first.xlsx", {"List 4": [header, row]})
    history = read_annex_a(path)
    assessment = history.episodes.set_index(["child_id", "kind"]).loc[("0012", "assessment")]
    assert assessment["start"] == pd.Timestamp("2023-04-03")
    assert assessment["end"] == pd.Timestamp("2023-05-10")
    assert len(history.exclusions) == 0


def test_a_shifted_value_is_described_never_echoed(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "shifted.xlsx",
        {
            "List 1": [
                [
                    "Child Unique ID",
                    "Gender",
                    "Ethnicity",
                    "Date of Birth",
                    "Date of Contact",
                    "Contact Source",
                ],
                ["C1", "F000001", "2015-02-01", "01/02/2015", "2023-04-01", "Police"],
            ],
        },
    )
    history = read_annex_a(path, lenient=True)
    text = history.exclusions.describe() + source_report(history.exclusions).to_csv()
    assert "F000001" not in text and "2015-02-01" not in text
    assert "<not shown: 7 characters, capital letters and digits>" in text
    assert len(history.episodes) == 1  # the values are dropped, the contact kept


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0 old excel", "Excel 97-2003"),
        ("text.xlsx", b"Child Unique ID,Gender\n1,F\n", "not a zip archive"),
        ("empty.xlsx", b"", "not a zip archive"),
    ],
)
def test_what_is_not_a_workbook_is_refused_with_one_line(
    tmp_path: Path, name: str, content: bytes, reason: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataValidationError, match=reason):
        read_annex_a(path, lenient=True)
    assert main(["convert", "annex-a", str(path), "--out", str(tmp_path / "o")]) == 2


def test_a_damaged_workbook_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "damaged.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='List 1'")
    with pytest.raises(DataValidationError, match=r"not a readable \.xlsx workbook"):
        read_annex_a(path, lenient=True)
    with zipfile.ZipFile(tmp_path / "nobook.xlsx", "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(DataValidationError, match=r"no xl/workbook\.xml"):
        read_annex_a(tmp_path / "nobook.xlsx")


def test_a_zip_needing_an_unknown_version_to_extract_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "garbled.xlsx"
    openpyxl.Workbook().save(path)
    data = bytearray(path.read_bytes())
    record = data.find(b"PK\x01\x02")  # the first central directory record
    data[record + 6 : record + 8] = (113).to_bytes(2, "little")  # "version 11.3 needed"
    path.write_bytes(bytes(data))
    with pytest.raises(DataValidationError, match=r"not a readable \.xlsx workbook"):
        read_annex_a(path, lenient=True)


def test_a_birth_date_is_never_shown(tmp_path: Path) -> None:
    kid = ["a) Male", "a) WBRI"]
    path = workbook(
        tmp_path / "born.xlsx",
        {
            "List 1": [
                ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Date of Contact"],
                ["C1", *kid, dt.datetime(2012, 1, 1), dt.datetime(2023, 3, 20)],
                ["C2", *kid, dt.datetime(2025, 1, 7), dt.datetime(2023, 3, 1)],  # too late
            ],
        },
    )
    history = read_annex_a(path, lenient=True)
    report = source_report(history.exclusions)
    born = report[report["element"] == "Date of Birth"]
    assert born["value"].tolist() == ["<withheld: personal data>"]
    assert "2025-01-07" not in history.exclusions.describe() + report.to_csv()


def test_code_cells_read_once_are_kept_for_one_read_only() -> None:
    """A code cell may hold more than its code (a name, an address): its text is kept
    only in the reader's own memo for one list, never by the module between reads."""
    import functools

    from escalation.data.statutory import annex_a_columns

    cell = "N1 - mother's partner John Smith assaulted her at 12 Oak Drive"
    known: dict[tuple[str, str], object] = {}
    assert annex_a_columns.parse_value(cell, "need", known) == "N1"
    assert annex_a_columns.parse_value(cell, "need", known) == "N1"
    assert annex_a_columns.parse_value("Jo Bloggs", "text", known) == "Jo Bloggs"
    assert annex_a_columns.parse_value("9212044", "id", known) == "9212044"
    assert list(known) == [(cell, "need")]  # free text and identifiers are not kept
    for _ in range(2):  # an unreadable value raises every time and is not kept
        with pytest.raises(ValueError, match="not a need code"):
            annex_a_columns.parse_value("Z9 unknown", "need", known)
    assert list(known) == [(cell, "need")]
    kept = [
        name for name, value in vars(annex_a_columns).items()
        if isinstance(value, functools._lru_cache_wrapper)
    ]  # fmt: skip
    assert kept == [], kept
