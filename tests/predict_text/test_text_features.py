"""Spell features from notes: time zero is a hard wall; fit on one period, apply to another."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest

from escalation import build_spells, default_design
from escalation.data.history import CaseHistory, empty_episodes
from escalation.errors import DataValidationError, StatisticalWarning
from escalation.predict.text import (
    FACTOR_GROUPS,
    NoteTopicModel,
    fit_note_topics,
    note_features,
    spell_documents,
)
from tests.predict_text.text_support import plant_notes
from tests.timeline.timeline_support import synthetic_history


@cache
def _data() -> tuple[CaseHistory, pd.DataFrame]:
    history = synthetic_history(1500, seed=3)
    history, _, _ = plant_notes(history, seed=4, notes_per_child=6, span_days=3000)
    spells = build_spells(history, default_design()).spells
    return history, spells


def test_text_features_columns_and_index() -> None:
    history, spells = _data()
    spells = spells.set_axis(spells.index + 1000)
    f = note_features(history, spells, n_topics=5, seed=1)
    assert f.index.equals(spells.index)
    assert f.columns[0] == "text_n_notes"
    assert all(c.startswith("text_") for c in f.columns)
    for g in FACTOR_GROUPS:
        assert f"text_flag_{g}" in f
        for a in ("affirmed", "negated", "uncertain", "hypothetical"):
            assert f"text_n_{g}_{a}" in f
    assert [c for c in f if c.startswith("text_topic_")] == [
        f"text_topic_0{k}" for k in range(1, 6)
    ]
    # flags are exactly "at least one affirmed mention"
    for g in FACTOR_GROUPS:
        assert (f[f"text_flag_{g}"] == (f[f"text_n_{g}_affirmed"] > 0)).all()
    assert f["text_n_notes"].sum() > 0


def test_text_features_counts_match_a_direct_count() -> None:
    history, spells = _data()
    f = note_features(history, spells, vectorizer=None)
    # Independent count for one spell: notes dated before the time-zero day, by hand.
    row = int(np.flatnonzero(f["text_n_notes"].to_numpy() >= 2)[0])
    spell = spells.iloc[row]
    notes = history.notes
    mine = notes[(notes["child_id"] == spell["child_id"]) & (notes["date"] < spell["time_zero"])]
    assert f["text_n_notes"].iloc[row] == len(mine)
    text = " ".join(mine["text"].str.lower())
    expected_neglect_negated = text.count("no signs of neglect")
    assert f["text_n_neglect_negated"].iloc[row] == expected_neglect_negated


def test_text_features_a_note_on_or_after_time_zero_changes_nothing() -> None:
    """Notes dated on the time-zero day or later are not predictors.

    Was (review s26, text, finding 1): a note dated on the time-zero day was used, and
    this test asserted so. But the package's day-0 convention (docs/timeline.md) puts
    anything on that day *after* the decision: an escalation on day 0 is an outcome at
    0.5 days, and a note written that day may describe it. So the same-day note must
    change nothing, like a later one; a note of the day before is used.
    """
    history, spells = _data()
    before = note_features(history, spells, n_topics=4, seed=0)
    late = spells[["child_id", "time_zero"]].copy()
    extra = pd.DataFrame(
        {
            "child_id": late["child_id"].astype("string"),
            "date": late["time_zero"] + pd.Timedelta(days=1),
            "text": pd.array(
                ["Mother drinks, father uses heroin; neglect and DV. Olivia Smith."] * len(late),
                dtype="string",
            ),
            "author_role": pd.array(["social worker"] * len(late), dtype="string"),
        }
    )
    for offset in (1, 0):  # the day after time zero, and the time-zero day itself
        dated = extra.assign(date=late["time_zero"].to_numpy() + pd.Timedelta(days=offset))
        later = history.with_tables(notes=pd.concat([history.notes, dated], ignore_index=True))
        after = note_features(later, spells, n_topics=4, seed=0)
        pd.testing.assert_frame_equal(before, after)
    # ... and the same note dated the day before time zero does change the features.
    day_before = extra.assign(date=late["time_zero"].to_numpy() - pd.Timedelta(days=1))
    earlier = history.with_tables(notes=pd.concat([history.notes, day_before], ignore_index=True))
    changed = note_features(earlier, spells, vectorizer=None)
    assert (changed["text_n_notes"] == before["text_n_notes"] + 1).all()
    assert changed["text_flag_drugs"].all()


def test_text_features_lookback_is_the_days_before_the_time_zero_day() -> None:
    """``lookback_days=30`` uses notes of the 30 days before time zero, not time zero's."""
    children = pd.DataFrame({"child_id": ["c1"], "birth_date": [pd.Timestamp("2015-01-01")]})
    zero = pd.Timestamp("2020-06-01")
    days = [31, 30, 1, 0]  # days before time zero
    notes = pd.DataFrame(
        {
            "child_id": "c1",
            "date": [zero - pd.Timedelta(days=d) for d in days],
            "text": "Father drinks.",
        }
    )
    history = CaseHistory(children, empty_episodes(), notes, extract_date="2022-01-01")
    spells = pd.DataFrame({"child_id": ["c1"], "time_zero": [zero]})
    window = note_features(history, spells, vectorizer=None, lookback_days=30)
    assert window["text_n_notes"].tolist() == [2]  # 30 days and 1 day before
    every = note_features(history, spells, vectorizer=None)
    assert every["text_n_notes"].tolist() == [3]


def test_text_features_known_names_in_any_case() -> None:
    """Review s26 (text), finding 3: names of the children table in upper or lower case
    were ignored or matched in their stored case only."""
    children = pd.DataFrame(
        {
            "child_id": ["c1", "c2", "c3"],
            "birth_date": pd.Timestamp("2015-01-01"),
            "surname": ["WOLSTENHOLME", "okafor-briggs", "Pemberton"],
        }
    )
    notes = pd.DataFrame(
        {
            "child_id": ["c1", "c2", "c3"],
            "date": pd.Timestamp("2020-01-01"),
            "text": [
                "Wolstenholme home visited.",
                "Okafor-Briggs home visited; okafor-briggs family.",
                "PEMBERTON home visited.",
            ],
        }
    )
    history = CaseHistory(children, empty_episodes(), notes, extract_date="2022-01-01")
    spells = pd.DataFrame({"child_id": ["c1", "c2", "c3"], "time_zero": pd.Timestamp("2020-06-01")})
    assert spell_documents(history, spells).tolist() == [
        "[NAME] home visited.",
        "[NAME] home visited; [NAME] family.",
        "[NAME] home visited.",
    ]


def test_text_features_leaky_mode_warns_and_differs() -> None:
    history, spells = _data()
    safe = note_features(history, spells, vectorizer=None)
    with pytest.warns(StatisticalWarning, match="leaks"):
        leaky = note_features(history, spells, vectorizer=None, horizon_safe=False)
    assert (leaky["text_n_notes"] >= safe["text_n_notes"]).all()
    assert (leaky["text_n_notes"] > safe["text_n_notes"]).any()


def test_text_features_fitted_model_transforms_another_period() -> None:
    history, spells = _data()
    cut = spells["time_zero"].median()
    early, late = spells[spells["time_zero"] <= cut], spells[spells["time_zero"] > cut]
    model = fit_note_topics(history, early, n_topics=4, seed=2, min_df=5)
    assert isinstance(model, NoteTopicModel)
    vocabulary = model.vocabulary()
    f_late = note_features(history, late, vectorizer=model)
    assert model.vocabulary() == vocabulary  # transforming did not refit
    # Same as transforming the late documents directly with the frozen model.
    direct = model.transform(spell_documents(history, late))
    np.testing.assert_allclose(f_late.filter(like="text_topic_").to_numpy(), direct)
    # Fitting on the late period instead gives a different model.
    refit = fit_note_topics(history, late, n_topics=4, seed=2, min_df=5)
    a, b = refit.topic_model.components_, model.topic_model.components_
    assert a.shape != b.shape or not np.allclose(a, b)
    top = model.topics(n_terms=3)
    assert top.columns.tolist() == ["topic", "rank", "term", "weight"]
    assert len(top) == 12


def test_text_features_lda_and_code_level() -> None:
    history, spells = _data()
    f = note_features(history, spells, method="lda", n_topics=3, seed=0, level="code")
    assert "text_flag_1B" in f and "text_n_16A_negated" in f
    topics = f.filter(like="text_topic_").to_numpy()
    has_notes = f["text_n_notes"].to_numpy() > 0
    np.testing.assert_allclose(topics[has_notes].sum(axis=1), 1.0, rtol=1e-6)
    assert (topics[~has_notes] == 0).all()


def test_text_features_compact_set_keeps_flags_only() -> None:
    history, spells = _data()
    full = note_features(history, spells, vectorizer=None)
    compact = note_features(history, spells, vectorizer=None, counts=False)
    assert compact.columns.tolist() == ["text_n_notes"] + [f"text_flag_{g}" for g in FACTOR_GROUPS]
    pd.testing.assert_frame_equal(compact, full[compact.columns])


def test_text_features_without_notes_are_zero() -> None:
    history, spells = _data()
    empty = history.with_tables(notes=history.notes.iloc[:0])
    f = note_features(empty, spells, vectorizer=None)
    assert len(f) == len(spells)
    assert (f.to_numpy() == 0).all()


def test_text_features_errors_name_the_problem_not_the_text() -> None:
    history, spells = _data()
    bad = history.notes.copy()
    bad["date"] = bad["date"].astype(object)
    bad.loc[3, "date"] = None
    with pytest.raises(DataValidationError) as err:
        note_features(history.with_tables(notes=bad), spells, vectorizer=None)
    message = str(err.value)
    assert "row 3" in message and "'date'" in message
    assert bad.loc[3, "text"] not in message
    with pytest.raises(DataValidationError, match="time_zero"):
        note_features(history, spells.drop(columns="time_zero"))
    with pytest.raises(ValueError, match="level"):
        note_features(history, spells, level="word")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="vectorizer"):
        note_features(history, spells, vectorizer="bow")  # type: ignore[arg-type]


def test_text_features_too_few_spells_for_a_vocabulary() -> None:
    kids = pd.DataFrame({"child_id": ["a", "b"], "birth_date": pd.Timestamp("2015-01-01")})
    notes = pd.DataFrame(
        {
            "child_id": ["a", "b"],
            "date": pd.Timestamp("2020-01-01"),
            "text": ["mother drinks", "father smokes"],
        }
    )
    history = CaseHistory(kids, empty_episodes(), notes, extract_date="2022-01-01")
    spells = pd.DataFrame({"child_id": ["a", "b"], "time_zero": pd.Timestamp("2020-06-01")})
    with pytest.raises(DataValidationError, match="min_df"):
        note_features(history, spells, min_df=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = note_features(history, spells, vectorizer=None)
    assert f["text_flag_alcohol"].tolist() == [1, 0]


def test_text_features_fitted_on_some_rows_equal_a_model_fitted_on_them() -> None:
    history, spells = _data()
    spells = spells.reset_index(drop=True)
    # Training rows scattered through the table, as a temporal split's are.
    rows = np.flatnonzero((spells["time_zero"] <= spells["time_zero"].median()).to_numpy())
    assert not np.array_equal(rows, np.arange(len(rows)))
    model = fit_note_topics(history, spells.iloc[rows], n_topics=4, seed=2)
    direct = note_features(history, spells, vectorizer=model)
    once = note_features(history, spells, n_topics=4, seed=2, fit_rows=rows)
    pd.testing.assert_frame_equal(once, direct)
    assert once.filter(like="text_topic_").shape[1] == 4


def test_text_features_fitted_on_later_rows_count_each_family_once() -> None:
    # Was: with training rows not starting at 0, the documents were renumbered but their
    # families were not, so each note was counted under another spell's family and a
    # term seen in one family's notes only passed the family min_df rule.
    ids = [f"c{i}" for i in range(12)]
    kids = pd.DataFrame({"child_id": ids, "birth_date": pd.Timestamp("2012-01-01")})
    common = ["school attendance poor", "home conditions dirty", "mother drinks alcohol"]
    text = [common[i % 3] + (" zebra" if i in (8, 9) else "") for i in range(12)]
    notes = pd.DataFrame({"child_id": ids, "date": pd.Timestamp("2020-01-01"), "text": text})
    history = CaseHistory(kids, empty_episodes(), notes, extract_date="2022-01-01")
    spells = pd.DataFrame(
        {
            "child_id": ids,
            "family_id": [f"f{i}" if i not in (8, 9) else "shared" for i in range(12)],
            "time_zero": pd.Timestamp("2020-06-01"),
        }
    )
    rows = np.arange(4, 12)
    model = fit_note_topics(history, spells.iloc[rows], n_topics=2, seed=0, min_df=2)
    assert "zebra" not in set(model.topics(n_terms=50)["term"])
    direct = note_features(history, spells, vectorizer=model)
    once = note_features(history, spells, n_topics=2, seed=0, min_df=2, fit_rows=rows)
    pd.testing.assert_frame_equal(once, direct)


def test_text_features_known_names_written_with_punctuation() -> None:
    """Review s27 (text): a name column holding ``WOLSTENHOLME, Ann`` or ``(Pemberton)``
    gave the words ``WOLSTENHOLME,`` and ``(Pemberton)``, which no note holds."""
    children = pd.DataFrame(
        {
            "child_id": ["c1", "c2"],
            "birth_date": pd.Timestamp("2015-01-01"),
            "name": ["WOLSTENHOLME, Ann", "Kit (Pemberton)"],
        }
    )
    notes = pd.DataFrame(
        {
            "child_id": ["c1", "c2"],
            "date": pd.Timestamp("2020-01-01"),
            "text": ["Wolstenholme home visited.", "Pemberton home visited."],
        }
    )
    history = CaseHistory(children, empty_episodes(), notes, extract_date="2022-01-01")
    spells = pd.DataFrame({"child_id": ["c1", "c2"], "time_zero": pd.Timestamp("2020-06-01")})
    assert spell_documents(history, spells).tolist() == [
        "[NAME] home visited.",
        "[NAME] home visited.",
    ]
