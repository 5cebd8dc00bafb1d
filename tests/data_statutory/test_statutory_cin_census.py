"""CIN census XML reader: every element, code lists, structure problems, hostile input."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from escalation.data.statutory import read_cin_census, source_report
from escalation.data.statutory.problems import SourceProblem
from escalation.errors import DataValidationError

from .statutory_builders import (
    assessment,
    child,
    cin_details,
    cin_plan,
    cp_plan,
    line_of,
    message,
    section47,
    write,
)

SECRET_ID = "SECRETID7731"
SECRET_BIRTH = "2013-02-17"


def full_child() -> str:
    """A child with every CIN census element populated (three CIN episodes)."""
    first = cin_details(
        referral="2020-01-10",
        source="3A",
        need="N4",
        closure="2020-09-30",
        reason="RC7",
        icpc="2020-02-20",
        nfa="false",
        blocks=[
            assessment("2020-01-12", "2020-01-20", "2020-02-05", ["3B", "16A", "3B"]),
            cin_plan("2020-02-05", "2020-02-20"),
            section47("2020-02-06", "2020-02-27", "2020-02-20", "false"),
            cp_plan("2020-02-20", "2020-09-01", "NEG", "EMO", "0", ["2020-05-01"]),
        ],
    )
    nfa = cin_details(referral="2021-03-01", source="6", need="N1", nfa="true")
    open_one = cin_details(referral="2022-01-05", source="10", need="N0", nfa="0")
    return child(
        la_id=SECRET_ID,
        birth=SECRET_BIRTH,
        former_upn="B987654321098",
        upn_unknown="UN2",
        gender="2",
        ethnicity="BAFR",
        disabilities=["HAND", "HEAR"],
        details=[first, nfa, open_one],
    )


def episodes_of(history: object) -> list[tuple[str, ...]]:
    frame = history.episodes  # type: ignore[attr-defined]
    cols = ["kind", "start", "end", "source", "need", "factors", "category", "reason"]
    out = frame[cols].copy()
    for c in ("start", "end"):
        out[c] = out[c].dt.strftime("%Y-%m-%d")
    return sorted(tuple("" if pd.isna(v) else str(v) for v in row) for row in out.to_numpy())


def test_every_element_maps_to_the_contract(tmp_path: Path) -> None:
    path = write(tmp_path, "cin.xml", message([full_child()]))
    history = read_cin_census(path)
    assert history.extract_date == pd.Timestamp("2022-03-31")
    assert history.extract_date_source == "CIN census ReferenceDate (cin.xml)"
    kid = history.children.iloc[0]
    assert (kid["child_id"], kid["birth_date"]) == (SECRET_ID, pd.Timestamp(SECRET_BIRTH))
    assert (kid["sex"], kid["ethnicity"], bool(kid["disability"])) == ("F", "BAFR", True)
    assert episodes_of(history) == sorted(
        [
            ("referral", "2020-01-10", "2020-09-30", "3A", "N4", "", "", "RC7"),
            ("icpc", "2020-02-20", "", "", "", "", "", ""),  # CINdetails and Section47: once
            ("assessment", "2020-01-12", "2020-02-05", "", "", "3B;16A", "", ""),
            ("cin_plan", "2020-02-05", "2020-02-20", "", "", "", "", ""),
            ("s47", "2020-02-06", "", "", "", "", "", ""),
            ("cp_plan", "2020-02-20", "2020-09-01", "", "", "", "NEG", ""),  # initial category
            ("referral", "2021-03-01", "2021-03-01", "6", "N1", "", "", ""),  # ReferralNFA
            ("referral", "2022-01-05", "", "10", "N0", "", "", ""),  # open at the census
        ]
    )
    assert not history.exclusions


def test_death_sex_codes_and_disability_none(tmp_path: Path) -> None:
    kids = [
        child(
            "A",
            gender="1",
            death="2021-08-01",
            disabilities=["NONE"],
            details=[cin_details("2021-01-01", closure="2021-08-01", reason="RC2")],
        ),
        child("B", gender="0", disabilities=None, details=[cin_details("2021-02-01")]),
        child("C", gender="9", ethnicity="NOBT", details=[cin_details("2021-03-01")]),
    ]
    history = read_cin_census(write(tmp_path, "c.xml", message(kids)))
    kids_frame = history.children.set_index("child_id")
    assert kids_frame["sex"].astype(str).to_dict() == {"A": "M", "B": "U", "C": "U"}
    assert kids_frame["disability"].astype(str).to_dict() == {
        "A": "False",
        "B": "<NA>",
        "C": "False",
    }
    deaths = history.episodes[history.episodes["kind"] == "death"]
    assert deaths["start"].tolist() == [pd.Timestamp("2021-08-01")]


def test_sex_element_from_2024_25_and_disagreement(tmp_path: Path) -> None:
    kids = [
        child("A", gender=None, sex="F", details=[cin_details("2024-05-01")]),
        child("B", gender=None, sex="U", details=[cin_details("2024-05-01")]),
        child("C", gender="1", sex="F", details=[cin_details("2024-05-01")]),
    ]
    text = message(kids, year=2025, reference="2025-03-31")
    path = write(tmp_path, "c.xml", text)
    with pytest.raises(DataValidationError, match="<Sex> and <GenderCurrent> disagree"):
        read_cin_census(path)
    history = read_cin_census(path, lenient=True)
    assert history.children.set_index("child_id")["sex"].astype(str).to_dict() == {
        "A": "F",
        "B": "U",
        "C": "F",
    }
    (problem,) = history.exclusions.problems
    assert isinstance(problem, SourceProblem)
    assert (problem.row, problem.line) == (2, line_of(text, "<Sex>F", 2))


@pytest.mark.parametrize(
    ("element", "code", "accepted"),
    [
        ("source", "10", True),
        ("source", "4", True),
        ("source", "1E", False),
        ("source", "04", False),
        ("need", "N9", True),
        ("need", "N10", False),
        ("reason", "RC9", True),
        ("reason", "rc8", False),
        ("reason", "RC10", False),
    ],
)
def test_referral_code_lists(tmp_path: Path, element: str, code: str, accepted: bool) -> None:
    kwargs = {"source": "2A", "need": "N1", "reason": "RC8", element: code}
    details = cin_details("2021-01-01", closure="2021-02-01", **kwargs)
    path = write(tmp_path, "c.xml", message([child(details=[details])]))
    history = read_cin_census(path, lenient=True)
    value = history.episodes[element].iloc[0]
    if accepted:
        assert str(value) == code and not history.exclusions
    else:
        assert pd.isna(value)
        (problem,) = history.exclusions.problems
        assert problem.action == "value dropped" and problem.value == code  # type: ignore[attr-defined]
        assert "unknown" in problem.reason


def test_factor_codes_edge_cases(tmp_path: Path) -> None:
    factors = ["20", "21", "8B", "18A", "24A", "1D", "9A", " 3B "]
    details = cin_details(
        "2021-01-01", blocks=[assessment("2021-01-02", None, "2021-01-20", factors)]
    )
    path = write(tmp_path, "c.xml", message([child(details=[details])]))
    history = read_cin_census(path, lenient=True)
    got = history.episodes.loc[history.episodes["kind"] == "assessment", "factors"].iloc[0]
    assert got == "20;21;8B;18A;24A;9A;3B"  # 1D is not a factor code; whitespace stripped
    (problem,) = history.exclusions.problems
    assert problem.value == "1D" and problem.column.endswith("AssessmentFactors")


def test_categories_and_unknown_characteristics(tmp_path: Path) -> None:
    details = cin_details(
        "2021-01-01",
        blocks=[
            cp_plan("2021-02-01", "2021-05-01", initial="XYZ", latest="MUL"),
            cp_plan("2021-06-01", initial="SAB"),
        ],
    )
    kid = child(gender="3", ethnicity="WXYZ", disabilities=["AUT", "BAD"], details=[details])
    history = read_cin_census(write(tmp_path, "c.xml", message([kid])), lenient=True)
    plans = history.episodes[history.episodes["kind"] == "cp_plan"].sort_values("start")
    assert plans["category"].astype(str).tolist() == ["MUL", "SAB"]  # unknown initial: latest
    row = history.children.iloc[0]
    assert pd.isna(row["sex"]) and pd.isna(row["ethnicity"]) and bool(row["disability"])
    values = sorted(str(p.value) for p in history.exclusions.problems)
    assert values == ["3", "BAD", "WXYZ", "XYZ"]


def test_several_cin_details_and_window_checks(tmp_path: Path) -> None:
    details = [
        cin_details(
            "2019-01-01",
            closure="2019-03-01",
            reason="RC8",
            blocks=[assessment("2018-12-30", None, "2019-03-05")],
        ),
        cin_details(
            "2020-01-01",
            closure="2020-06-01",
            reason="RC7",
            blocks=[cin_plan("2020-07-01"), section47("2020-01-05", icpc="2020-01-03")],
        ),
    ]
    text = message([child(details=details)])
    path = write(tmp_path, "c.xml", text)
    with pytest.raises(DataValidationError) as error:
        read_cin_census(path)
    assert "before the CIN referral date" in str(error.value)
    history = read_cin_census(path, lenient=True)
    reasons = {(p.column, p.reason) for p in history.exclusions.problems}
    assert reasons == {
        (
            "CINdetails[1]/Assessments[1]/AssessmentActualStartDate",
            "date is before the CIN referral date of its <CINdetails>",
        ),
        (
            "CINdetails[1]/Assessments[1]/AssessmentAuthorisationDate",
            "date is after the CIN closure date of its <CINdetails>",
        ),
        (
            "CINdetails[2]/Section47[1]/DateOfInitialCPC",
            "the initial conference is before its section 47 enquiry started",
        ),
        (
            "CINdetails[2]/CINPlanDates[1]/CINPlanStartDate",
            "date is after the CIN closure date of its <CINdetails>",
        ),
    }
    assert all(p.action == "kept" for p in history.exclusions.problems)  # type: ignore[attr-defined]
    assert (history.episodes["kind"] == "referral").sum() == 2


def test_dates_after_reference_and_invalid_dates(tmp_path: Path) -> None:
    details = cin_details(
        "2021-01-01",
        blocks=[
            assessment("2022-04-02"),
            cin_plan("2021-13-01"),
            cin_plan("2021-02-01", "01/03/2021"),
        ],
    )
    text = message([child(details=[details])])
    history = read_cin_census(write(tmp_path, "c.xml", text), lenient=True)
    assert history.episodes["kind"].astype(str).tolist() == ["referral"]
    report = source_report(history.exclusions)
    assert sorted(report["action"]) == ["episode excluded"] * 3
    assert set(report["value"]) == {"2022-04-02", "2021-13-01", "01/03/2021"}
    late = report[report["value"] == "2022-04-02"].iloc[0]
    assert late["reason"] == "date is after the return's reference date 2022-03-31"
    assert late["element"] == "CINdetails[1]/Assessments[1]/AssessmentActualStartDate"
    assert late["line"] == line_of(text, "<AssessmentActualStartDate>2022-04-02")


def test_wrong_order_stray_text_and_unknown_elements(tmp_path: Path) -> None:
    details = cin_details(
        "2021-01-01", source=None, head="<ReferralSource>1C</ReferralSource>\nstray words\n"
    )
    extra = "<FavouriteColour>blue</FavouriteColour>\n"
    text = message([child(details=[details], extra_identifiers=extra)])
    path = write(tmp_path, "c.xml", text)
    with pytest.raises(DataValidationError) as error:
        read_cin_census(path)
    # order is a note (never the reason a strict read stops); the other two are errors
    assert "out of the specification's order" not in str(error.value)
    assert "2 problems found" in str(error.value)
    history = read_cin_census(path, lenient=True)
    assert history.episodes["source"].astype(str).tolist() == ["1C"]  # read anyway
    report = source_report(history.exclusions).set_index("element")
    order = report.loc["CINdetails[1]/CINreferralDate"]
    assert order["reason"].startswith("<CINreferralDate> is out of the specification's order")
    assert order["severity"] == "note"
    assert report.loc["CINdetails[1]", "reason"].startswith("stray text (11 characters)")
    assert "stray words" not in history.exclusions.describe()
    assert report.loc["CINdetails[1]", "line"] == line_of(text, "<CINdetails>")
    assert (
        "not an element of <ChildIdentifiers>"
        in report.loc["ChildIdentifiers/FavouriteColour", "reason"]
    )


def test_repeated_leaf_keeps_the_first(tmp_path: Path) -> None:
    details = cin_details("2021-01-01", head="")
    details = details.replace(
        "<PrimaryNeedCode>N1</PrimaryNeedCode>\n",
        "<PrimaryNeedCode>N1</PrimaryNeedCode>\n<PrimaryNeedCode>N5</PrimaryNeedCode>\n",
    )
    history = read_cin_census(
        write(tmp_path, "c.xml", message([child(details=[details])])), lenient=True
    )
    assert history.episodes["need"].astype(str).tolist() == ["N1"]
    (problem,) = history.exclusions.problems
    assert "appears more than once" in problem.reason and problem.value == "N5"


def test_pre_proceedings_module_is_read_into_its_referral(tmp_path: Path) -> None:
    module = (
        "<PreProceedings>\n<PreProceedingsStartDate>2025-09-01</PreProceedingsStartDate>\n"
        "<PreProceedingsEndDate>2025-12-01</PreProceedingsEndDate>\n"
        "<PreProceedingsDecision>1</PreProceedingsDecision>\n"
        "<PreProceedingsMeetingVenue>hall</PreProceedingsMeetingVenue>\n</PreProceedings>\n"
    )
    details = cin_details("2025-06-01", blocks=[cp_plan("2025-07-01"), module])
    second = cin_details("2025-02-01", closure="2025-03-01", reason="RC8")
    path = write(
        tmp_path,
        "c.xml",
        message(
            [child(gender=None, sex="M", details=[second, details])],
            year=2026,
            reference="2026-03-31",
        ),
    )
    history = read_cin_census(path)  # strict: what is not converted is a note
    referrals = history.episodes[history.episodes["kind"] == "referral"].set_index("start")
    read = referrals.loc[pd.Timestamp("2025-06-01")]
    assert read["pre_proceedings_start"] == pd.Timestamp("2025-09-01")
    assert read["pre_proceedings_end"] == pd.Timestamp("2025-12-01")
    assert read["pre_proceedings_outcome"] == "1"
    assert referrals["pre_proceedings_start"].dtype == "datetime64[ns]"
    assert pd.isna(referrals.loc[pd.Timestamp("2025-02-01"), "pre_proceedings_start"])
    (note,) = history.exclusions.problems
    assert note.severity == "note" and "PreProceedingsMeetingVenue" in note.reason  # type: ignore[attr-defined]
    assert "hall" not in history.exclusions.describe()


def test_missing_identifiers_and_unborn_child(tmp_path: Path) -> None:
    kids = [
        child(la_id=None, details=[cin_details("2021-01-01")]),
        child("U1", birth=None, expected_birth="2021-02-01", details=[cin_details("2021-03-01")]),
        child("N1", birth=None, details=[cin_details("2021-03-01")]),
        child("OK", details=[cin_details("2021-03-01")]),
    ]
    history = read_cin_census(write(tmp_path, "c.xml", message(kids)), lenient=True)
    assert sorted(history.children["child_id"]) == ["OK", "U1"]
    born = history.children.set_index("child_id").loc["U1", "birth_date"]
    assert born == pd.Timestamp("2021-02-01")
    report = source_report(history.exclusions)
    assert report[["child", "action", "severity"]].values.tolist() == [
        [1, "child excluded", "error"],
        [2, "kept", "note"],
        [3, "child excluded", "error"],
    ]


def test_duplicate_child_in_a_file_is_merged_and_never_named(tmp_path: Path) -> None:
    kids = [
        child(
            SECRET_ID,
            birth=SECRET_BIRTH,
            details=[cin_details("2020-01-01", closure="2020-02-01", reason="RC8")],
        ),
        child(SECRET_ID, birth=SECRET_BIRTH, details=[cin_details("2021-01-01")]),
    ]
    path = write(tmp_path, "c.xml", message(kids))
    with pytest.raises(DataValidationError) as error:
        read_cin_census(path)
    assert "first at Child #1" in str(error.value) and "Child #2" in str(error.value)
    assert SECRET_ID not in str(error.value) and SECRET_BIRTH not in str(error.value)
    history = read_cin_census(path, lenient=True)
    assert len(history.children) == 1 and len(history.episodes) == 2


def test_personal_values_are_withheld_everywhere(tmp_path: Path) -> None:
    kids = [
        child(SECRET_ID, birth="2013-02-30", details=[cin_details("2021-01-01")]),
        child("B2", birth=SECRET_BIRTH, details=[cin_details("2012-01-01")]),  # before birth
    ]
    path = write(tmp_path, "c.xml", message(kids))
    with pytest.raises(DataValidationError) as error:
        read_cin_census(path)
    text = str(error.value)
    history = read_cin_census(path, lenient=True)
    shown = text + history.exclusions.describe() + source_report(history.exclusions).to_csv()
    for secret in (SECRET_ID, "2013-02-30", SECRET_BIRTH):
        assert secret not in shown
    assert "Child #1" in text and "ChildIdentifiers/PersonBirthDate" in text
    assert "episode starts more than 280 days (40 weeks) before the child's birth" in text


def test_line_numbers_point_at_the_element(tmp_path: Path) -> None:
    kids = [child(f"K{i}", details=[cin_details("2021-01-01", source="2A")]) for i in range(5)]
    kids[3] = child("K3", details=[cin_details("2021-01-01", source="1Z")])
    text = message(kids)
    history = read_cin_census(write(tmp_path, "c.xml", text), lenient=True)
    (problem,) = history.exclusions.problems
    assert problem.describe() == (
        f"file 'c.xml', Child #4 (line {line_of(text, '<ReferralSource>1Z')}), element "
        "'CINdetails[1]/ReferralSource', value '1Z': unknown referral source code "
        "(see the DfE code list) [value dropped]"
    )


def test_truncated_file(tmp_path: Path) -> None:
    text = message([child(f"K{i}", details=[cin_details("2021-01-01")]) for i in range(3)])
    cut = text[: text.index("<Child>", text.index("<Child>", text.index("<Child>") + 1) + 1) + 40]
    path = write(tmp_path, "cut.xml", cut)
    with pytest.raises(DataValidationError, match="not well-formed XML at line"):
        read_cin_census(path)
    history = read_cin_census(path, lenient=True)
    assert len(history.children) == 2
    (problem,) = history.exclusions.problems
    assert problem.action == "rest of file not read"  # type: ignore[attr-defined]
    assert "2 complete children read before it" in problem.reason


@pytest.mark.parametrize(
    ("text", "message_part"),
    [
        ("", "not well-formed XML"),
        ("<Message><Header></Message>", "not well-formed XML"),
        ("<Return><Children/></Return>", "the root element is <Return>"),
    ],
)
def test_malformed_files(tmp_path: Path, text: str, message_part: str) -> None:
    path = write(tmp_path, "bad.xml", text)
    with pytest.raises(DataValidationError, match=message_part):
        read_cin_census(path)


def test_wrong_collection_missing_reference_and_other_authorities(tmp_path: Path) -> None:
    kid = child(details=[cin_details("2021-01-01")])
    with pytest.raises(DataValidationError, match="<Collection> is 'CLA', not 'CIN'"):
        read_cin_census(write(tmp_path, "a.xml", message([kid], collection="CLA")))
    no_ref = write(tmp_path, "b.xml", message([kid], reference=None))
    with pytest.raises(DataValidationError, match="no valid <ReferenceDate>"):
        read_cin_census(no_ref, lenient=True)
    history = read_cin_census(no_ref, extract_date="2022-03-31")
    assert history.extract_date_source == "given"
    one = write(tmp_path, "c.xml", message([kid], lea="201"))
    two = write(tmp_path, "d.xml", message([kid], lea="202", year=2023, reference="2023-03-31"))
    with pytest.raises(DataValidationError, match="different local authorities"):
        read_cin_census([one, two], lenient=True)
    with pytest.raises(FileNotFoundError):
        read_cin_census(tmp_path / "absent.xml")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Message [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Message><Header><CollectionDetails><Collection>&lol9;</Collection></CollectionDetails></Header></Message>
"""


@pytest.mark.parametrize(
    "text",
    [
        BILLION_LAUGHS,
        '<?xml version="1.0"?>\n<!DOCTYPE Message [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        "<Message><Header><CollectionDetails><Collection>&xxe;</Collection>"
        "</CollectionDetails></Header></Message>",
        '<?xml version="1.0"?>\n<!DOCTYPE Message SYSTEM "http://example.invalid/cin.dtd">\n'
        "<Message/>",
    ],
    ids=["billion-laughs", "external-entity", "external-dtd"],
)
@pytest.mark.parametrize("lenient", [False, True])
def test_hostile_xml_is_refused(tmp_path: Path, text: str, lenient: bool) -> None:
    path = write(tmp_path, "hostile.xml", text)
    started = time.perf_counter()
    with pytest.raises(
        DataValidationError, match="refused: the file declares a document type"
    ) as error:
        read_cin_census(path, lenient=lenient)
    assert time.perf_counter() - started < 2.0
    assert "root:" not in str(error.value)  # nothing of /etc/passwd
    assert "file 'hostile.xml'" in str(error.value)


def test_namespaced_and_crlf_files_read(tmp_path: Path) -> None:
    text = message([child(details=[cin_details("2021-01-01")])]).replace("\n", "\r\n")
    text = text.replace("<Message>", '<Message xmlns="http://www.dfe.gov.uk/CIN">', 1)
    history = read_cin_census(write(tmp_path, "ns.xml", text))
    assert history.episodes["kind"].astype(str).tolist() == ["referral"]


def test_child_order_in_the_file_does_not_matter(tmp_path: Path) -> None:
    kids = [
        child(f"K{i}", gender=str(1 + i % 2), details=[cin_details(f"202{i % 2}-0{1 + i % 9}-01")])
        for i in range(12)
    ]
    forward = read_cin_census(write(tmp_path, "a.xml", message(kids)))
    backward = read_cin_census(write(tmp_path, "b.xml", message(kids[::-1])))
    cols = ["child_id", "kind", "start", "end", "source", "need"]
    pd.testing.assert_frame_equal(
        forward.episodes[cols].sort_values("child_id", ignore_index=True),
        backward.episodes[cols].sort_values("child_id", ignore_index=True),
    )


def test_a_file_without_children(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.xml", message([]))
    with pytest.raises(DataValidationError, match="no valid children or episodes"):
        read_cin_census(path, lenient=True)
