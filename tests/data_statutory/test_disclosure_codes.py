"""A value of a coded column is shown only when it is a code or a near miss of one.

Was: a coded column showed any value of its codes' loose form, so names in capitals were
echoed: two capitals (``NG``, ``LI``) in the DfE code columns, two to six (``PATEL``) in
the ethnicity and abuse-category columns, and any words (``John Smith``) in the episode
``kind``. Now a column with a closed list of codes of letters shows its listed codes and
their near misses, in any case (``WBRT``, ``wbri``, ``cp_pln``); a column whose codes hold
a digit shows a value with a digit (``1Z``), never a word of letters only (``ZZ``, ``NG``).
The oracle below is a plain edit distance, not the patterns of the rule.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Collection, Iterable
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation import read_case_history
from escalation.data.codes import (
    ASSESSMENT_FACTORS,
    CLOSURE_REASONS,
    CP_CATEGORIES,
    EPISODE_KINDS,
    ETHNICITIES,
    LEGAL_STATUSES,
    PRIMARY_NEEDS,
    REFERRAL_SOURCES,
)
from escalation.data.statutory import read_annex_a, read_cin_census, read_ssda903
from escalation.data.statutory.ssda903 import (
    PLACEMENT_CODES,
    REASONS_EPISODE_CEASED,
    REASONS_NEW_EPISODE,
)
from escalation.errors import DataValidationError, shown, value_shape

from .statutory_builders import (
    EPISODE_COLUMNS,
    HEADER_COLUMNS,
    child,
    cin_details,
    cp_plan,
    csv,
    episode_row,
    message,
    write,
)

_PLAN = "CINdetails[1]/ChildProtectionPlans[1]"
#: Columns with a closed list of codes of letters (``s47`` aside): their codes and the
#: names the contract, the statutory returns and Annex A (a header read as a kind) give them.
WORD_CODES: dict[str, tuple[Collection[str], tuple[str, ...]]] = {
    "ethnicity": (
        ETHNICITIES,
        ("ethnicity", "ETHNIC", "ChildCharacteristics/Ethnicity", "@ethnicity"),
    ),
    "category": (
        CP_CATEGORIES,
        (
            "category",
            f"{_PLAN}/InitialCategoryOfAbuse",
            f"{_PLAN}/LatestCategoryOfAbuse",
            "@category",
        ),
    ),
    "kind": (EPISODE_KINDS, ("kind",)),
}
#: Columns whose codes all hold a digit or are one character.
DIGIT_CODES: dict[str, tuple[Collection[str], tuple[str, ...]]] = {
    "source": (REFERRAL_SOURCES, ("source", "CINdetails[1]/ReferralSource", "@source")),
    "need": (PRIMARY_NEEDS, ("need", "CINdetails[1]/PrimaryNeedCode", "CIN", "@need")),
    "reason": (CLOSURE_REASONS, ("reason", "CINdetails[1]/ReasonForClosure", "@reason")),
    "legal_status": (LEGAL_STATUSES, ("legal_status", "LS", "@legal_status")),
    "factors": (
        ASSESSMENT_FACTORS,
        ("factors", "CINdetails[1]/Assessments[1]/FactorsIdentifiedAtAssessment/AssessmentFactors"),
    ),
    "place": (PLACEMENT_CODES, ("PLACE",)),
    "rec": (REASONS_EPISODE_CEASED, ("REC", "@ceased")),
    "rne": (REASONS_NEW_EPISODE, ("RNE",)),
}
ALL_CODES = {**WORD_CODES, **DIGIT_CODES}


def is_shown(column: str, value: str) -> bool:
    """Whether a message shows ``value`` of ``column`` as read.

    ``@kind`` is an Annex A column read as that kind of code (its header says nothing).
    """
    if column.startswith("@"):
        return shown("Column X", value, shape=value_shape(column[1:])) == repr(value)
    return shown(column, value) == repr(value)


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (changes, additions and removals of one character)."""
    previous = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        current = [i]
        for j, y in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (x != y)))
        previous = current
    return previous[-1]


def near(word: str, codes: Iterable[str]) -> bool:
    """Whether ``word`` is within one edit of a code, whatever the case."""
    return any(edit_distance(word.upper(), code.upper()) <= 1 for code in codes)


@pytest.mark.parametrize("family", sorted(ALL_CODES))
def test_every_listed_code_is_shown_in_any_case(family: str) -> None:
    codes, columns = ALL_CODES[family]
    hidden = [
        (column, value)
        for column in columns
        for code in codes
        for value in {code, code.lower(), code.upper()}
        if not is_shown(column, value)
    ]
    assert not hidden


names = st.text(alphabet=string.ascii_uppercase, min_size=2, max_size=6)
cases = st.sampled_from([str.upper, str.capitalize, str.lower])


@settings(max_examples=400, derandomize=True, deadline=None)
@given(family=st.sampled_from(sorted(ALL_CODES)), name=names, case=cases)
def test_a_word_of_letters_far_from_every_code_is_never_shown(
    family: str, name: str, case: Callable[[str], str]
) -> None:
    codes, columns = ALL_CODES[family]
    word = case(name)
    # a word one edit from a code of letters may be a typo of it; a code with a digit
    # has no near miss of letters only
    if family in WORD_CODES and near(word, codes):
        return
    for column in columns:
        assert not is_shown(column, word), (column, word)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    first=st.text(alphabet=string.ascii_letters, min_size=1, max_size=8),
    last=st.text(alphabet=string.ascii_letters, min_size=2, max_size=12),
)
def test_a_forename_and_surname_in_the_kind_column_is_never_shown(first: str, last: str) -> None:
    name = f"{first.capitalize()} {last.capitalize()}"
    if not near(name, EPISODE_KINDS):
        assert not is_shown("kind", name)


@pytest.mark.parametrize("family", sorted(WORD_CODES))
@pytest.mark.parametrize("word", ["NG", "LI", "Li", "WU", "SAM", "LEE", "ALI", "Ng"])
def test_a_word_of_two_or_three_letters_that_is_no_code_is_never_shown(
    family: str, word: str
) -> None:
    for column in WORD_CODES[family][1]:
        assert not is_shown(column, word), column


edits = st.sampled_from(["change", "add", "drop"])
typed = st.sampled_from(string.ascii_letters + string.digits + "_ -")


@settings(max_examples=400, derandomize=True, deadline=None)
@given(
    family=st.sampled_from(sorted(WORD_CODES)),
    data=st.data(),
    edit=edits,
    character=typed,
    case=cases,
)
def test_a_near_miss_of_a_listed_code_is_shown(
    family: str, data: st.DataObject, edit: str, character: str, case: Callable[[str], str]
) -> None:
    codes, columns = WORD_CODES[family]
    code = data.draw(st.sampled_from(sorted(codes)))
    at = data.draw(st.integers(1, len(code) if edit == "add" else len(code) - 1))
    kept = code[at + (edit != "add") :]
    miss = case(code[:at] + ("" if edit == "drop" else character) + kept)
    has_digit = any(c.isdigit() for c in miss)
    if not miss.strip() or miss != miss.strip():
        return  # a separator at the end is stripped: another value
    if any(c.isdigit() for c in code) and not has_digit:
        return  # L1 typed LI: the name Li
    if not has_digit and len(miss) < 4:
        return  # two- and three-letter words are names as often as typos
    for column in columns:
        assert is_shown(column, miss), (column, code, miss)


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("ethnicity", "WBRT", "'WBRT'"),
        ("ethnicity", "wbri", "'wbri'"),
        ("ETHNIC", "WBRII", "'WBRII'"),
        ("ethnicity", "WBR1", "'WBR1'"),
        ("category", "PHYS", "'PHYS'"),
        ("kind", "cp_pln", "'cp_pln'"),
        ("kind", "CP Plan", "'CP Plan'"),
        ("kind", "S47", "'S47'"),
        ("kind", "s 47", "'s 47'"),
        ("source", "1a", "'1a'"),
        ("source", "1Z", "'1Z'"),
        ("LS", "V9", "'V9'"),
        ("REC", "E4C", "'E4C'"),
        ("AssessmentFactors", "1A, 99Z", "'1A, 99Z'"),
        # withheld: no code, a name, or one edit at the first letter or two letters swapped
        ("source", "ZZ", "<not shown: 2 characters, capital letters>"),
        ("source", "NG", "<not shown: 2 characters, capital letters>"),
        ("LS", "LI", "<not shown: 2 characters, capital letters>"),
        ("ReasonForClosure", "RCI", "<not shown: 3 characters, capital letters>"),
        ("ethnicity", "PATEL", "<not shown: 5 characters, capital letters>"),
        ("ethnicity", "QBRI", "<not shown: 4 characters, capital letters>"),
        ("ethnicity", "CHEN", "<not shown: 4 characters, capital letters>"),
        ("category", "SMITH", "<not shown: 5 characters, capital letters>"),
        ("category", "NG", "<not shown: 2 characters, capital letters>"),
        ("kind", "John Smith", "<not shown: 10 characters, letters and spaces>"),
        ("AssessmentFactors", "NG, LI", "<not shown: 6 characters, capital letters, spaces "
         "and other characters>"),
    ],
)  # fmt: skip
def test_what_a_message_shows_of_a_coded_value(column: str, value: str, expected: str) -> None:
    assert shown(column, value) == expected


# -- through the readers -------------------------------------------------------------------


def test_names_in_a_case_history_are_located_not_shown(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "children.csv").write_text(
        "child_id,birth_date,sex,ethnicity\nC1,2015-01-01,F,WBRI\nC2,2015-01-01,M,PATEL\n"
    )
    (folder / "episodes.csv").write_text(
        "child_id,kind,start,source\n"
        "C1,referral,2020-01-01,1A\n"
        "C1,John Smith,2020-02-01,\n"
        "C1,referral,2021-01-01,NG\n"
    )
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date="2024-03-31")
    text = str(error.value)
    assert (
        "table 'children', row 3, column 'ethnicity', value <not shown: 5 characters, "
        "capital letters>: unknown ethnicity code" in text
    )
    assert "table 'episodes', row 3, column 'kind', value <not shown: 10 characters, " in text
    assert "table 'episodes', row 4, column 'source', value <not shown: 2 characters, " in text
    assert "PATEL" not in text and "John" not in text and "NG" not in text


def test_bad_codes_in_a_case_history_are_shown(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "children.csv").write_text(
        "child_id,birth_date,sex,ethnicity\nC1,2015-01-01,F,WBRT\nC2,2015-01-01,M,wbri\n"
    )
    (folder / "episodes.csv").write_text(
        "child_id,kind,start,source\n"
        "C1,referral,2020-01-01,1Z\n"
        "C1,S47,2020-02-01,\n"
        "C1,cp_pln,2020-03-01,\n"
    )
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date="2024-03-31")
    text = str(error.value)
    for where in (
        "table 'children', row 2, column 'ethnicity', value 'WBRT'",
        "table 'children', row 3, column 'ethnicity', value 'wbri'",
        "table 'episodes', row 2, column 'source', value '1Z'",
        "table 'episodes', row 3, column 'kind', value 'S47'",
        "table 'episodes', row 4, column 'kind', value 'cp_pln'",
    ):
        assert where in text


def test_names_in_an_ssda903_return_are_located_not_shown(tmp_path: Path) -> None:
    write(tmp_path, "header.csv", csv(HEADER_COLUMNS, ["A,1,01/05/2010,PATEL,,,"]))
    rows = [episode_row("A", "01/04/2019", "S", "LI", "NG")]
    write(tmp_path, "episodes.csv", csv(EPISODE_COLUMNS, rows))
    with pytest.raises(DataValidationError) as error:
        read_ssda903(tmp_path, extract_date="2020-03-31")
    text = str(error.value)
    assert "file 'header.csv', row 2, column 'ETHNIC', value <not shown: 5 characters" in text
    assert "file 'episodes.csv', row 2, column 'LS', value <not shown: 2 characters" in text
    assert "file 'episodes.csv', row 2, column 'PLACE', value <not shown: 2 characters" in text
    assert "PATEL" not in text and "'LI'" not in text and "'NG'" not in text


def test_names_in_a_cin_census_are_located_not_shown(tmp_path: Path) -> None:
    plan = cp_plan("2021-07-01", initial="SMITH")
    kid = child("K1", ethnicity="KHAN", details=[cin_details(source="NG", blocks=[plan])])
    path = write(tmp_path, "c.xml", message([kid]))
    with pytest.raises(DataValidationError) as error:
        read_cin_census(path)
    text = str(error.value)
    for element in (
        "ChildCharacteristics/Ethnicity",
        "CINdetails[1]/ReferralSource",
        f"{_PLAN}/InitialCategoryOfAbuse",
    ):
        assert f"element {element!r}, value <not shown: " in text
    assert "file 'c.xml', Child #1 (line" in text
    assert "KHAN" not in text and "SMITH" not in text and "NG" not in text


def test_names_in_an_annex_a_workbook_are_located_not_shown(tmp_path: Path) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    sheet = book.create_sheet("List 3")
    sheet.append(["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Date of Referral",
                  "Referral Source"])  # fmt: skip
    sheet.append(["C1", "a) Male", "PATEL", "2015-01-01", "2023-04-01", "NG"])
    sheet.append(["C2", "a) Male", "WBRT", "2015-01-01", "2023-04-01", "1Z"])
    book.save(tmp_path / "a.xlsx")
    text = read_annex_a(tmp_path / "a.xlsx", lenient=True).exclusions.describe()
    assert "sheet 'List 3' row 2, column 'Ethnicity', value <not shown: 5 characters" in text
    assert "sheet 'List 3' row 2, column 'Referral Source', value <not shown: 2 char" in text
    assert "PATEL" not in text and "NG" not in text
    assert "sheet 'List 3' row 3, column 'Ethnicity', value 'WBRT'" in text
    assert "sheet 'List 3' row 3, column 'Referral Source', value '1Z'" in text
