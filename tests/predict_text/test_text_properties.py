"""Invariants of redaction and the lexicon on generated notes."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.predict.text import find_mentions, redact

WORDS = [
    "Mother",
    "mother",
    "drinks",
    "no",
    "concerns",
    "about",
    "alcohol",
    "possible",
    "DV",
    "if",
    "neglect",
    "Mr",
    "Smith",
    "Olivia",
    "Brown",
    "LS1",
    "4AB",
    "07700",
    "900123",
    "on",
    "12/03/2015",
    "14",
    "Acacia",
    "Avenue",
    "partner",
    "Tom",
    "uses",
    "cannabis",
    "denies",
    "but",
    "the",
    "child",
    "self-harm",
    ".",
    ",",
    ";",
    "?",
    "and",
    "he",
    "sarah@example.org",
    "Should",
    "relapse",
    "not",
    "only",
    "Faith",
    # names in capitals, accented names, initials (review s27)
    "SARAH",
    "JONES",
    "Zoë",
    "Brontë",
    "S.",
    "CAMHS",
    "de",
]
notes = st.lists(st.sampled_from(WORDS), min_size=0, max_size=25).map(" ".join)


@settings(max_examples=150, deadline=None)
@given(st.lists(notes, min_size=1, max_size=6))
def test_text_properties_redaction_is_idempotent_and_vectorised(texts: list[str]) -> None:
    once = redact(pd.Series(texts))
    assert once.tolist() == [redact(t) for t in texts]
    assert redact(once).tolist() == once.tolist()


@settings(max_examples=150, deadline=None)
@given(st.lists(notes, min_size=1, max_size=6))
def test_text_properties_mentions_do_not_depend_on_the_other_notes(texts: list[str]) -> None:
    together = find_mentions(pd.Series(texts))
    for row, text in enumerate(texts):
        alone = find_mentions(pd.Series([text])).drop(columns="note_row")
        mine = together[together["note_row"] == row].drop(columns="note_row")
        pd.testing.assert_frame_equal(mine.reset_index(drop=True), alone.reset_index(drop=True))
