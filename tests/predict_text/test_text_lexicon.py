"""Hand-written sentences with the mentions a social worker would read in them."""

from __future__ import annotations

import pandas as pd
import pytest

from escalation.data.codes import ASSESSMENT_FACTORS
from escalation.predict.text import FACTOR_GROUPS, find_mentions, group_of, redact

# (sentence, expected set of (factor, assertion)); written by hand, not by the lexicon.
CASES: list[tuple[str, set[tuple[str, str]]]] = [
    # Negation
    ("No concerns about alcohol.", {("1B", "negated")}),
    ("Mother denies any drug use.", {("2B", "negated")}),
    ("Father does not drink.", {("1B", "negated")}),
    ("There is no evidence of neglect.", {("16A", "negated")}),
    ("Drug use was denied by mother.", {("2B", "negated")}),
    ("Alcohol: no concerns.", {("1B", "negated")}),
    ("Allegations of domestic abuse were unfounded.", {("3B", "negated")}),
    ("Mother hasn't used heroin for two years.", {("2B", "negated")}),
    ("No signs of self-harm or going missing.", {("15A", "negated"), ("10A", "negated")}),
    ("Never been known to CAMHS.", {("4A", "negated")}),  # the child's service
    # Negation scope ends at the clause
    (
        "Mother denies drinking, but her partner uses cannabis.",
        {("1B", "negated"), ("2C", "affirmed")},
    ),
    ("No concerns at school; home conditions were poor.", {("16A", "affirmed")}),
    ("Father is not working and he drinks every day.", {("1B", "affirmed")}),
    # Uncertainty
    ("Possible domestic abuse.", {("3B", "uncertain")}),
    ("?DV between parents.", {("3B", "uncertain")}),
    ("Suspected cannabis use by father.", {("2B", "uncertain")}),
    ("Cannot rule out neglect at this stage.", {("16A", "uncertain")}),
    ("Query whether mother has depression.", {("4B", "uncertain")}),
    ("It is alleged that the child was hit by her uncle.", set()),
    ("School report the child may have been self-harming.", {("15A", "uncertain")}),
    ("Neglect is suspected.", {("16A", "uncertain")}),
    # Hypothetical
    ("If drinking resumes, a strategy meeting will be held.", {("1B", "hypothetical")}),
    (
        "Should mother relapse into heroin use, the children will move to nan.",
        {("2B", "hypothetical")},
    ),
    ("Safety plan in case domestic abuse recurs.", {("3B", "hypothetical")}),
    ("Unless the neglect improves, the case will escalate.", {("16A", "hypothetical")}),
    ("If there were no concerns about alcohol, the case would close.", {("1B", "hypothetical")}),
    # Pseudo-negations stay affirmed
    ("There has been no change in mother's drinking.", {("1B", "affirmed")}),
    ("Not only neglect but also emotional abuse.", {("16A", "affirmed"), ("17A", "affirmed")}),
    # Affirmed, with subjects
    ("Mother drinks heavily most evenings.", {("1B", "affirmed")}),
    ("Mother's partner uses cocaine.", {("2C", "affirmed")}),
    ("The child has started drinking alcohol with friends.", {("1A", "affirmed")}),
    ("Misuse of alcohol by her father.", {("1B", "affirmed")}),
    ("Her brother has a learning disability.", {("5C", "affirmed")}),
    (
        "The young person went missing overnight and is at risk of CSE.",
        {("10A", "affirmed"), ("11A", "affirmed")},
    ),
    ("Police attended a domestic incident at the home.", {("3B", "affirmed")}),
    (
        "Young carer for her mother who has bipolar disorder.",
        {("7A", "affirmed"), ("4B", "affirmed")},
    ),
    ("The brother sexually abused his sister.", {("19C", "affirmed")}),
    ("Unexplained bruising to the baby's arm.", {("18B", "affirmed")}),
    ("Concerns about county lines involvement.", {("23A", "affirmed")}),
    ("Unaccompanied asylum-seeking child from Eritrea.", {("9A", "affirmed")}),
    ("Mother was not brought to health appointments with the baby.", {("16A", "affirmed")}),
    # Nothing to find
    ("Home visit completed; children well presented.", set()),
    ("Mother attended the review meeting on time.", set()),
]


@pytest.mark.parametrize(("sentence", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_text_lexicon_hand_written_sentence(sentence: str, expected: set[tuple[str, str]]) -> None:
    found = find_mentions(pd.Series([redact(sentence)]))
    got = set(zip(found["factor"].tolist(), found["assertion"].tolist(), strict=True))
    assert got == expected


def test_text_lexicon_has_enough_hand_written_cases() -> None:
    assert len(CASES) >= 25
    assertions = {a for _, exp in CASES for _, a in exp}
    assert assertions == {"affirmed", "negated", "uncertain", "hypothetical"}


def test_text_lexicon_codes_exist_in_the_cin_code_list() -> None:
    for group, codes in FACTOR_GROUPS.items():
        for code in codes:
            assert code in ASSESSMENT_FACTORS, (group, code)
            assert group_of(code) == group


def test_text_lexicon_note_rows_follow_positions_not_labels() -> None:
    text = pd.Series(["nothing here", None, "Father drinks."], index=[10, 20, 30])
    found = find_mentions(text)
    assert found["note_row"].tolist() == [2]
    assert found.columns.tolist() == ["note_row", "group", "factor", "assertion", "subject"]


def test_text_lexicon_empty_input() -> None:
    found = find_mentions(pd.Series([], dtype="string"))
    assert len(found) == 0
    assert found.columns.tolist() == ["note_row", "group", "factor", "assertion", "subject"]


def test_text_lexicon_cue_does_not_cross_notes() -> None:
    # "no" ends one note; the next note's mention is affirmed.
    found = find_mentions(pd.Series(["Mother said no", "drinking every night."]))
    assert found[["note_row", "assertion"]].values.tolist() == [[1, "affirmed"]]


PHRASES = {
    "domestic abuse": "domestic_abuse",
    "sexual exploitation": "cse",
    "learning disability": "learning_disability",
    "mental health": "mental_health",
    "self harm": "self_harm",
    "going missing": "missing",
}


@pytest.mark.parametrize("space", ["  ", "\t", "\xa0", " \xa0\t ", "\u2009"])
def test_text_lexicon_phrases_match_across_any_horizontal_space(space: str) -> None:
    """Review s26 (text), finding 4: two spaces, a tab or a non-breaking space (text pasted
    from Word or HTML) between a phrase's words lost the mention and its flag."""
    notes = pd.Series([f"Worker noted {p.replace(' ', space)} in the home." for p in PHRASES])
    found = find_mentions(notes)
    assert found["group"].tolist() == list(PHRASES.values())
    assert set(found["assertion"]) == {"affirmed"}


def test_text_lexicon_spaces_do_not_move_note_rows_or_cues() -> None:
    notes = pd.Series(["No  concerns\tabout domestic\xa0abuse.", "x", "Father  drinks."])
    found = find_mentions(notes)
    assert found[["note_row", "group", "assertion"]].values.tolist() == [
        [0, "domestic_abuse", "negated"],
        [2, "alcohol", "affirmed"],
    ]


@pytest.mark.parametrize("brk", ["\n", "\r\n", "\r", "\u2028"])
def test_text_lexicon_a_line_break_ends_a_phrase(brk: str) -> None:
    """Clauses end at line breaks (docs/notes.md), so a phrase broken by one is two
    clauses, not the phrase; and a cue before the break does not reach past it."""
    assert find_mentions(pd.Series([f"Worker noted domestic{brk}abuse here."])).empty
    found = find_mentions(pd.Series([f"No concerns about{brk}alcohol."]))
    assert found["assertion"].tolist() == ["affirmed"]
