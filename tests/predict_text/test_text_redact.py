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


# Review s26 (text), findings 2, 3 and 6: identifiers that survived redaction.
MORE_CASES = [
    # surnames with an inner capital or an apostrophe, after a title, a relation, "the"
    ("Mrs McGregor attended.", "[NAME] attended."),
    ("Mr MacLeod attended.", "[NAME] attended."),
    ("Ms O'Neill attended.", "[NAME] attended."),
    ("Mrs O’Brien attended.", "[NAME] attended."),
    ("Dr D'Souza called.", "[NAME] called."),
    ("Mr DeSouza attended.", "[NAME] attended."),
    ("Mr LeBlanc attended.", "[NAME] attended."),
    ("mother Siobhan McCarthy attended.", "mother [NAME] attended."),
    ("father Connor O'Brien attended.", "father [NAME] attended."),
    ("the McKenzie family were seen.", "the [NAME] family were seen."),
    ("Mrs Smith-McGregor attended.", "[NAME] attended."),
    # the shipped first names in any case
    ("SARAH attended.", "[NAME] attended."),
    ("spoke to olivia today.", "spoke to [NAME] today."),
    # a non-breaking space inside a postcode; an international prefix written 0044
    ("Lives at LS1\xa04AB.", "Lives at [POSTCODE]."),
    ("Call 0044 7700 900123.", "Call [PHONE]."),
    ("Call 0044 (0)20 7946 0018.", "Call [PHONE]."),
    # dates of birth written dd mm yyyy and yyyymmdd
    ("DOB 03 04 2012.", "DOB [DATE]."),
    ("Born 20120403 in Leeds.", "Born [DATE] in Leeds."),
    # NHS numbers (943 476 5919 has a valid modulus-11 check digit)
    ("NHS number 943 476 5919.", "NHS number [NHS]."),
    ("NHS no 9434765919.", "NHS no [NHS]."),
    ("NHS: 943-476-5919.", "NHS: [NHS]."),
]


@pytest.mark.parametrize(("text", "expected"), MORE_CASES, ids=[c[0][:30] for c in MORE_CASES])
def test_text_redact_more_identifiers(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # a wrong check digit: not an NHS number (a case reference, left as it is)
        "Case reference 943 476 5918.",
        # numbers that are not dates: a year alone, a count, an invalid month
        "Seen 3 times in 2012.",
        "Score 12 34 2012 on the scale.",
        "Reference 20121340.",
        # "child CAMHS" after a relation: not a name (no lower-case ending)
        "Referred by the child CAMHS team.",
    ],
)
def test_text_redact_more_leaves_ordinary_text(text: str) -> None:
    assert redact(text) == text


def test_text_redact_known_names_in_any_case() -> None:
    """A supplied name is removed in any case; one stored in lower case is kept too."""
    text = "WOLSTENHOLME and Wolstenholme; Okafor-Briggs and okafor-briggs; PEMBERTON."
    out = redact(text, known_names=["Wolstenholme", "okafor-briggs", "Pemberton"])
    assert out == "[NAME] and [NAME]; [NAME] and [NAME]; [NAME]."


def test_text_redact_a_name_that_is_a_lexicon_word_keeps_the_word() -> None:
    """A child called May or Young: the capitalised name goes, "may be", "young carer" stay."""
    redactor = Redactor(known_names=("May", "Young"), use_first_names=False)
    text = "May Young is a young carer; neglect may be present."
    assert redactor(text) == "[NAME] [NAME] is a young carer; neglect may be present."


# The review's hand-made set of identifiers (findings 2, 3 and 6): (text, what must go).
RECALL_SET = [
    ("Olivia attended the meeting.", "Olivia"),
    ("Seen with Jayden today.", "Jayden"),
    ("mother Sarah was present", "Sarah"),
    ("Mother's partner, Dean Walsh, left", "Walsh"),
    ("SARAH JONES attended", "SARAH"),
    ("spoke to olivia", "olivia"),
    ("Mrs O'Brien attended", "O'Brien"),
    ("Mr. Smith attended", "Smith"),
    ("Muhammad and Aisha attended", "Aisha"),
    ("Zofia attended", "Zofia"),
    ("lives at LS1 4AB now", "LS1 4AB"),
    ("postcode sw1a1aa", "sw1a1aa"),
    ("moved to M1 1AE.", "M1 1AE"),
    ("B33 8TH", "B33 8TH"),
    ("EC1A 1BB", "EC1A 1BB"),
    ("call 07700 900123", "900123"),
    ("call 07700900123", "07700900123"),
    ("call +44 7700 900123", "900123"),
    ("call +447700900123", "7700900123"),
    ("call 0113 496 0000", "496 0000"),
    ("call 020 7946 0018", "7946 0018"),
    ("call (01632) 960 123", "960 123"),
    ("call 07700-900-123", "900-123"),
    ("call 0044 7700 900123", "900123"),
    ("NHS number 943 476 5919", "943 476 5919"),
    ("NHS no 9434765919", "9434765919"),
    ("NHS: 943-476-5919", "943-476-5919"),
    ("email sarah.jones@example.org", "sarah.jones"),
    ("email SARAH@EXAMPLE.CO.UK", "SARAH"),
    ("DOB 03/04/2012", "03/04/2012"),
    ("DOB: 3.4.12", "3.4.12"),
    ("born 12th March 2015", "March 2015"),
    ("DOB 2012-04-03", "2012-04-03"),
    ("d.o.b. 03-04-2012", "03-04-2012"),
    ("born on 3rd of May 2012", "May 2012"),
    ("DOB 03 04 2012", "03 04 2012"),
    ("DOB 3/4/2012", "3/4/2012"),
    ("born 20120403", "20120403"),
    ("lives at 14 Acacia Avenue", "Acacia"),
    ("lives at Flat 3, 22 Kingsley Road, Bradford", "Kingsley"),
    ("lives at 5 Church St", "Church"),
    ("lives at 7 The Green", "7 The Green"),
]


def test_text_redact_recall_on_the_hand_made_set() -> None:
    """Every identifier of the review's set goes (a lone unlisted surname is left out of
    the set: redaction cannot know it, as docs/notes.md says)."""
    survived = [text for text, secret in RECALL_SET if secret in redact(text)]
    assert survived == []
