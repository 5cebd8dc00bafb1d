"""No planted identifier reaches redacted text, features, vocabulary, topics, logs or errors."""

from __future__ import annotations

import logging
import re
from functools import cache

import pandas as pd
import pytest

from escalation import build_spells, default_design
from escalation.data.history import CaseHistory, empty_episodes
from escalation.errors import DataValidationError
from escalation.predict.text import evaluate_lexicon, fit_note_topics, note_features, redact
from tests.predict_text.text_support import plant_notes
from tests.timeline.timeline_support import synthetic_history

# A surname in no name list, written bare (no title, no first name) in one family's notes:
# redaction cannot know it; the vocabulary's min_df must keep it out.
RARE_SURNAME = "Wolstenholme"


@cache
def _data() -> tuple[CaseHistory, pd.DataFrame, pd.DataFrame]:
    history = synthetic_history(1200, seed=11)
    history, _, planted = plant_notes(history, seed=12, notes_per_child=5, span_days=3000)
    notes = history.notes.copy()
    first_child = notes["child_id"].iloc[0]
    rows = notes.index[notes["child_id"] == first_child]
    notes.loc[rows, "text"] = notes.loc[rows, "text"] + f" {RARE_SURNAME} visited again."
    history = history.with_tables(notes=notes)
    spells = build_spells(history, default_design()).spells
    return history, spells, planted


def _identifier_tokens(planted: pd.DataFrame) -> set[str]:
    """Every lower-case word of every planted identifier that is itself identifying."""
    tokens: set[str] = {RARE_SURNAME.lower()}
    for kind, value in zip(planted["kind"], planted["value"], strict=True):
        if kind in {"first", "last"}:
            tokens.add(value.lower())
        elif kind == "street":
            tokens.add(value.split()[0].lower())  # "Acacia" of "Acacia Avenue"
        elif kind == "email":
            tokens.update(re.split(r"[.@]", value.lower()))
    tokens -= {"example", "org"}  # the shared e-mail domain is not an identifier
    return tokens


def test_text_leaks_redacted_text_has_no_planted_identifier() -> None:
    history, _, planted = _data()
    redacted = redact(history.notes["text"])
    by_row = redacted.to_numpy()
    for row, value in zip(planted["note_row"], planted["value"], strict=True):
        assert value not in by_row[row]
    # first names and surnames as whole words anywhere
    joined = "\n".join(redacted.tolist())
    for kind in ("first", "last", "postcode", "phone", "street"):
        for value in set(planted.loc[planted["kind"] == kind, "value"]):
            # absent as a substring, so absent as a whole word (the regex scans the text)
            whole_word = value in joined and re.search(rf"(?<!\w){re.escape(value)}(?!\w)", joined)
            assert not whole_word, kind


def test_text_leaks_vocabulary_topics_and_features_hold_no_identifier() -> None:
    history, spells, planted = _data()
    tokens = _identifier_tokens(planted)
    model = fit_note_topics(history, spells, n_topics=5, seed=0, min_df=5)
    vocabulary = set(model.vocabulary())
    assert vocabulary, "the vocabulary should not be empty"
    assert not vocabulary & tokens
    assert not set(model.topics(n_terms=50)["term"]) & tokens
    features = note_features(history, spells, vectorizer=model)
    names = " ".join(features.columns).lower()
    assert not any(re.search(rf"\b{t}\b", names) for t in tokens)
    # the rare surname survives redaction (it is in no list) but not the vocabulary
    assert RARE_SURNAME in "".join(redact(history.notes["text"]).tolist())
    assert RARE_SURNAME.lower() not in vocabulary


def test_text_leaks_known_names_remove_the_rare_surname() -> None:
    history, _, _ = _data()
    out = redact(history.notes["text"], known_names=[RARE_SURNAME])
    assert not out.str.contains(RARE_SURNAME).any()
    kids = history.children.assign(surname=RARE_SURNAME)
    docs = fit_note_topics(history.with_tables(children=kids), *_data()[1:2], n_topics=3, min_df=1)
    assert RARE_SURNAME.lower() not in docs.vocabulary()


def test_text_leaks_logs_hold_no_note_text(caplog: pytest.LogCaptureFixture) -> None:
    history, spells, planted = _data()
    with caplog.at_level(logging.DEBUG, logger="escalation"):
        note_features(history, spells, n_topics=3, seed=0)
    assert caplog.records, "expected count-only log records"
    logged = caplog.text
    for value in planted["value"]:
        assert value not in logged
    for text in history.notes["text"].head(50):
        assert text not in logged
    assert RARE_SURNAME not in logged


def test_text_leaks_errors_hold_no_note_text() -> None:
    history, spells, _ = _data()
    notes = history.notes.copy()
    notes["date"] = notes["date"].astype(object)
    notes.loc[0, "date"] = "not a date"
    with pytest.raises(DataValidationError) as err:
        note_features(history.with_tables(notes=notes), spells)
    message = str(err.value)
    assert notes.loc[0, "text"] not in message
    assert str(notes.loc[0, "child_id"]) not in message
    truth = pd.DataFrame({"note_row": [10**6], "factor": ["1B"], "assertion": ["affirmed"]})
    with pytest.raises(DataValidationError) as err2:
        evaluate_lexicon(history.notes, truth)
    assert not any(t in str(err2.value) for t in history.notes["text"].head(20))


def test_text_leaks_a_word_from_one_family_never_enters_the_vocabulary() -> None:
    # One child's notes mention a surname that redaction cannot know; the child has five
    # spells (repeat referrals), each document repeating that note. Document frequency is
    # counted over families, so the word stays out however many spells carry it.
    kids = pd.DataFrame(
        {"child_id": [f"c{i}" for i in range(40)], "birth_date": pd.Timestamp("2015-01-01")}
    )
    words = ["mother drinks alcohol daily", "school attendance is poor",
             "home conditions neglect dirty", "father uses cannabis drugs"]  # fmt: skip
    notes = pd.DataFrame(
        {"child_id": kids["child_id"], "date": pd.Timestamp("2020-01-01"),
         "text": [words[i % 4] for i in range(40)]}
    )  # fmt: skip
    extra = pd.DataFrame(
        {"child_id": ["c0"], "date": [pd.Timestamp("2020-01-02")], "text": ["Wolstenholme came."]}
    )
    history = CaseHistory(
        kids, empty_episodes(), pd.concat([notes, extra], ignore_index=True),
        extract_date="2023-01-01",
    )  # fmt: skip
    zero = pd.Timestamp("2020-06-01")
    spells = pd.DataFrame(
        [{"child_id": c, "time_zero": zero} for c in kids["child_id"]]
        + [{"child_id": "c0", "time_zero": zero + pd.Timedelta(days=60 * k)} for k in range(1, 6)]
    )
    model = fit_note_topics(history, spells, n_topics=4, min_df=5)
    assert "wolstenholme" not in model.vocabulary()
    assert {"alcohol", "cannabis"} <= set(model.vocabulary())
