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
    EXTENDED_ETHNICITIES,
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
from escalation.errors import (
    KIND_WORDS,
    PLACEHOLDER_WORDS,
    DataValidationError,
    shown,
    value_shape,
)

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
#: The words of each family's closed vocabulary besides its codes, shown in any case.
VOCABULARY: dict[str, set[str]] = {
    family: {w.upper() for w in PLACEHOLDER_WORDS} for family in ALL_CODES
}
VOCABULARY["ethnicity"] |= {
    w.upper()
    for w in (*EXTENDED_ETHNICITIES, *ETHNICITIES.values(), *EXTENDED_ETHNICITIES.values())
}
VOCABULARY["category"] |= {w.upper() for w in CP_CATEGORIES.values()}
VOCABULARY["kind"] |= {w.upper() for w in KIND_WORDS}


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
    # has no near miss of letters only; a placeholder or a label is shown
    if (family in WORD_CODES and near(word, codes)) or word.upper() in VOCABULARY[family]:
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
    if not has_digit and (at < 2 or (code.isupper() and miss != miss.upper())):
        return  # a word that changes a code's second character, or capitals in lower case
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
        ("source", "ZZ", "'ZZ'"),  # a placeholder
        # withheld: no code, a name, or one edit at the first letter or two letters swapped
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


_DISABILITY = "ChildCharacteristics/Disabilities/Disability"
#: A coded column of each kind, as the contract and the statutory returns name it.
CODED_COLUMNS = (
    "ethnicity", "ETHNIC", "category", f"{_PLAN}/InitialCategoryOfAbuse", "kind", "source",
    "need", "reason", "legal_status", "LS", "PLACE", "REC", "RNE", "CIN", "factors",
    "AssessmentFactors", "sex", "GenderCurrent", "disability", "UASC", _DISABILITY,
    "NumberOfPreviousCPP",
)  # fmt: skip


@pytest.mark.parametrize("column", CODED_COLUMNS)
@pytest.mark.parametrize(
    "value", ["NULL", "None", "NA", "n/a", "NK", "N/K", "UNK", "Unknown", "REFUSED", "Other",
              "TBC", "XX", "ZZ", "-", "?"]
)  # fmt: skip
def test_a_placeholder_is_shown_in_every_coded_column(column: str, value: str) -> None:
    # was: hidden in most coded columns, so a file of NULLs read as if it held names
    assert shown(column, value) == repr(value)


@pytest.mark.parametrize("column", WORD_CODES["ethnicity"][1])
def test_a_published_extended_ethnicity_code_is_shown(column: str) -> None:
    hidden = [code for code in EXTENDED_ETHNICITIES if not is_shown(column, code)]
    assert not hidden


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("ethnicity", "White British"),
        ("ETHNIC", "Any other White background"),
        ("ethnicity", "white - english"),
        ("category", "Neglect"),
        ("category", "EMOTIONAL ABUSE"),
        ("kind", "LAC"),
        ("kind", "CLA"),
        ("kind", "CIN"),
        ("kind", "CP"),
        ("kind", "CPP"),
        ("kind", "EH"),
        ("kind", "Section 47"),
        ("kind", "Child Protection Plan"),
        (_DISABILITY, "Hand function"),
    ],
)
def test_a_label_or_known_abbreviation_is_shown(column: str, value: str) -> None:
    assert shown(column, value) == repr(value)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("MOB", "'MOB'"),
        ("HAND", "'HAND'"),
        ("hand", "'hand'"),
        ("MOB1", "'MOB1'"),  # a near miss of MOB with a digit
        ("MOBL", "<not shown: 4 characters, capital letters>"),  # none of letters (MOBY)
        ("HANS", "<not shown: 4 characters, capital letters>"),  # a name one from HAND
        ("ADHD", "<not shown: 4 characters, capital letters>"),  # no code
        ("Smith", "<not shown: 5 characters, letters>"),
    ],
)
def test_a_cin_census_disability_code_is_shown(value: str, expected: str) -> None:
    # was: the element took the contract's yes/no shape, so no disability code was shown
    assert shown(_DISABILITY, value) == expected
    assert not is_shown("disability", "MOB")  # the contract's column is yes/no


@pytest.mark.parametrize("column", ["ethnicity", "category", "kind", _DISABILITY])
def test_no_coded_column_scans_a_value_for_a_digit(column: str) -> None:
    # was: a near miss that needed a digit looked through the whole value for one, once a
    # branch: a value of 1 MB took 0.7 s in ethnicity
    shape = value_shape(column)
    assert shape is not None
    assert "(?=.*" not in shape.pattern


# -- through the readers -------------------------------------------------------------------


def case_history_errors(tmp_path: Path, ethnicities: Iterable[str], episodes: str) -> str:
    """Read a case history with a child of each ethnicity and ``episodes`` (rows of
    ``child_id,kind,start,source``); return the text of the error it raises."""
    folder = tmp_path / "h"
    folder.mkdir()
    children = "".join(f"C{i},2015-01-01,F,{e}\n" for i, e in enumerate(ethnicities, 1))
    (folder / "children.csv").write_text("child_id,birth_date,sex,ethnicity\n" + children)
    (folder / "episodes.csv").write_text("child_id,kind,start,source\n" + episodes)
    with pytest.raises(DataValidationError) as error:
        read_case_history(folder, extract_date="2024-03-31")
    return str(error.value)


def test_names_in_a_case_history_are_located_not_shown(tmp_path: Path) -> None:
    episodes = "C1,referral,2020-01-01,1A\nC1,John Smith,2020-02-01,\nC1,referral,2021-01-01,NG\n"
    text = case_history_errors(tmp_path, ["WBRI", "PATEL"], episodes)
    assert (
        "table 'children', row 3, column 'ethnicity', value <not shown: 5 characters, "
        "capital letters>: unknown ethnicity code" in text
    )
    assert "table 'episodes', row 3, column 'kind', value <not shown: 10 characters, " in text
    assert "table 'episodes', row 4, column 'source', value <not shown: 2 characters, " in text
    assert "PATEL" not in text and "John" not in text and "NG" not in text


def test_bad_codes_in_a_case_history_are_shown(tmp_path: Path) -> None:
    episodes = "C1,referral,2020-01-01,1Z\nC1,S47,2020-02-01,\nC1,cp_pln,2020-03-01,\n"
    text = case_history_errors(tmp_path, ["WBRT", "wbri"], episodes)
    for where in (
        "table 'children', row 2, column 'ethnicity', value 'WBRT'",
        "table 'children', row 3, column 'ethnicity', value 'wbri'",
        "table 'episodes', row 2, column 'source', value '1Z'",
        "table 'episodes', row 3, column 'kind', value 'S47'",
        "table 'episodes', row 4, column 'kind', value 'cp_pln'",
    ):
        assert where in text


def test_an_extended_code_or_an_abbreviation_is_reported_and_shown(tmp_path: Path) -> None:
    episodes = "C1,referral,2020-01-01,1A\nC1,LAC,2020-02-01,\n"
    text = case_history_errors(tmp_path, ["WENG", "Alan"], episodes)
    assert (
        "table 'children', row 2, column 'ethnicity', value 'WENG': unknown ethnicity code" in text
    )
    assert "table 'children', row 3, column 'ethnicity', value <not shown: 4 characters" in text
    assert "table 'episodes', row 3, column 'kind', value 'LAC'" in text
    assert "Alan" not in text


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


def test_a_cin_census_disability_code_is_shown_through_the_reader(tmp_path: Path) -> None:
    kid = child("K1", disabilities=["MOB", "MOB1", "ADHD"], details=[cin_details()])
    path = write(tmp_path, "c.xml", message([kid]))
    with pytest.raises(DataValidationError) as error:
        read_cin_census(path)
    text = str(error.value)
    assert f"element {_DISABILITY!r}, value 'MOB1': unknown disability code" in text
    assert f"element {_DISABILITY!r}, value <not shown: 4 characters, capital letters>" in text


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
