"""Redaction: each kind of identifier, the vectorised path, and words that must survive."""

from __future__ import annotations

import pandas as pd
import pytest

from escalation.predict.text import Redactor, first_names, redact

CASES = [
    # e-mail
    ("Email sarah.jones@example.org today.", "Email [EMAIL] today."),
    ("From: j_okafor+work@leeds.gov.uk", "From: [EMAIL]"),
    # dates and dates of birth
    ("DOB 03/04/2012.", "DOB [DATE]."),
    ("Born 3.4.12 in hospital.", "Born [DATE] in hospital."),
    ("Seen on 2021-04-05.", "Seen on [DATE]."),
    ("Born on 12th March 2015.", "Born on [DATE]."),
    ("Review on March 12, 2022.", "Review on [DATE]."),
    ("Birthday is 7 Feb.", "Birthday is [DATE]."),
    ("Referral in September 2020.", "Referral in [DATE]."),
    # postcodes
    ("Postcode LS1 4AB.", "Postcode [POSTCODE]."),
    ("Moved to sw1a 1aa.", "Moved to [POSTCODE]."),
    ("Near M1 1AE station.", "Near [POSTCODE] station."),
    # phones
    ("Mobile 07700 900123.", "Mobile [PHONE]."),
    ("Call 0113 496 0000 or 01134960000.", "Call [PHONE] or [PHONE]."),
    ("Tel: +44 (0)20 7946 0018.", "Tel: [PHONE]."),
    ("Landline (01632) 960 123.", "Landline [PHONE]."),
    ("Ring +44 7700 900456 after 5.", "Ring [PHONE] after 5."),
    # addresses
    ("Lives at 14 Acacia Avenue.", "Lives at [ADDRESS]."),
    ("Flat 3, 22 Kingsley Road, Bradford.", "[ADDRESS]."),
    ("Visited 7 Mill Ct today.", "Visited [ADDRESS] today."),
    ("Moved to Orchard Drive last week.", "Moved to [ADDRESS] last week."),
    # names
    ("Mr Smith attended.", "[NAME] attended."),
    ("Ms J. Khan called.", "[NAME] called."),
    ("Dr Patel from the surgery.", "[NAME] from the surgery."),
    (
        "Mother Sarah and partner Tom Briggs were seen.",
        "Mother [NAME] and partner [NAME] were seen.",
    ),
    ("Her nan, Edna, is supportive.", "Her nan [NAME], is supportive."),
    ("The Okonkwo family moved.", "The [NAME] family moved."),
    ("Olivia Brown and Jack were at school.", "[NAME] and [NAME] were at school."),
    ("Spoke with Mohammed's teacher.", "Spoke with [NAME]'s teacher."),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:30] for c in CASES])
def test_text_redact_identifier(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Faith leaders were consulted about witchcraft concerns.",
        "Hope and Faith are ordinary words here.",
        "Family Court hearing next month; Youth Court last year.",
        "Mother has no concerns about alcohol; Police attended on Monday.",
        "Child is 14 and attends Year 9.",
        "Children aged 3 may attend the nursery.",
        "Drug use noted; mother reports 3 cans of lager a day.",
    ],
)
def test_text_redact_leaves_ordinary_text(text: str) -> None:
    assert redact(text) == text


def test_text_redact_series_keeps_index_and_missing() -> None:
    s = pd.Series(["Mr Smith drinks.", None, "No names."], index=[5, 7, 9], name="text")
    out = redact(s)
    assert out.index.tolist() == [5, 7, 9]
    assert out.name == "text"
    assert out.tolist()[0] == "[NAME] drinks."
    assert out.isna().tolist() == [False, True, False]
    assert out.tolist()[2] == "No names."


def test_text_redact_series_equals_one_by_one() -> None:
    texts = [c[0] for c in CASES]
    assert redact(pd.Series(texts)).tolist() == [redact(t) for t in texts]


def test_text_redact_separator_in_text_does_not_split_notes() -> None:
    out = redact(pd.Series(["a\x00b", "Mr Smith"]))
    assert out.tolist() == ["a b", "[NAME]"]


def test_text_redact_known_names() -> None:
    text = "Zebedee said Achterberg shouted."
    assert redact(text) == text
    assert redact(text, known_names=["Zebedee", "Achterberg"]) == "[NAME] said [NAME] shouted."
    assert Redactor(known_names=("Achterberg",), use_first_names=False)(text) == (
        "Zebedee said [NAME] shouted."
    )


def test_text_redact_first_names_list() -> None:
    names = first_names()
    assert len(names) > 500
    assert {"Olivia", "Mohammed", "Kacper", "Aisha"} <= names
    assert not names & {"Faith", "Hope", "May", "Will", "Mark", "Dawn", "Summer"}


def test_text_redact_rejects_other_types() -> None:
    with pytest.raises(TypeError, match="str or a pandas Series"):
        redact(3)  # type: ignore[call-overload]
