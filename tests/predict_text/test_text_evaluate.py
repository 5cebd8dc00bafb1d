"""Lexicon precision and recall: arithmetic checked against counts made by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError
from escalation.predict.text import EVALUATION_COLUMNS, evaluate_lexicon

NOTES = pd.DataFrame(
    {
        "text": [
            "Mother drinks every night.",  # found 1B affirmed
            "No concerns about alcohol.",  # found 1B negated
            "Possible neglect.",  # found 16A uncertain
            "Father drinks; home conditions were poor.",  # found 1B affirmed, 16A affirmed
            "Nothing of note.",  # nothing found
        ]
    }
)
# Truth as an annotator would record it. Hand count against what the lexicon finds:
#  1B affirmed: truth rows {0, 3}, found {0, 3}          -> tp 2, n 2, pred 2
#  1B negated:  truth {} ; found {1}                    -> tp 0, n 0, pred 1
#  1C negated:  truth {1}; found {}                     -> tp 0, n 1, pred 0
#  16A uncertain: truth {2}, found {2}                   -> tp 1, n 1, pred 1
#  16A affirmed: truth {3, 4}, found {3}                 -> tp 1, n 2, pred 1
TRUTH = pd.DataFrame(
    {
        "note_row": [0, 3, 1, 2, 3, 4, 0],
        "factor": ["1B", "1B", "1C", "16A", "16A", "16A", "1B"],  # last row duplicates row 0
        "assertion": [
            "affirmed",
            "affirmed",
            "negated",
            "uncertain",
            "affirmed",
            "affirmed",
            "affirmed",
        ],
    }
)


def _row(out: pd.DataFrame, factor: str, assertion: str) -> pd.Series:
    hit = out[(out["factor"] == factor) & (out["assertion"] == assertion)]
    assert len(hit) == 1
    return hit.iloc[0]


def test_text_evaluate_counts_by_hand() -> None:
    out = evaluate_lexicon(NOTES, TRUTH)
    assert out.columns.tolist()[:6] == ["factor", "assertion", "precision", "recall", "f1", "n"]
    assert tuple(out.columns) == EVALUATION_COLUMNS
    r = _row(out, "1B", "affirmed")
    assert (r["n"], r["n_predicted"], r["true_positives"]) == (2, 2, 2)
    assert r["precision"] == 1.0 and r["recall"] == 1.0
    r = _row(out, "1B", "negated")
    assert (r["n"], r["n_predicted"], r["true_positives"]) == (0, 1, 0)
    assert r["precision"] == 0.0 and np.isnan(r["recall"]) and np.isnan(r["f1"])
    r = _row(out, "1C", "negated")
    assert r["recall"] == 0.0 and np.isnan(r["precision"])
    r = _row(out, "16A", "affirmed")
    assert r["precision"] == 1.0 and r["recall"] == 0.5
    assert r["f1"] == pytest.approx(2 * 1.0 * 0.5 / 1.5)
    # micro-averages: all assertions together, tp 4 of 6 true and 5 predicted
    r = _row(out, "all", "all")
    assert (r["n"], r["n_predicted"], r["true_positives"]) == (6, 5, 4)
    assert r["precision"] == pytest.approx(4 / 5) and r["recall"] == pytest.approx(4 / 6)
    r = _row(out, "all", "negated")
    assert (r["n"], r["n_predicted"], r["true_positives"]) == (1, 1, 0)


def test_text_evaluate_group_level_forgives_the_subject() -> None:
    out = evaluate_lexicon(NOTES, TRUTH, level="group")
    r = _row(out, "alcohol", "negated")  # 1B found, 1C true: same group
    assert (r["n"], r["n_predicted"], r["true_positives"]) == (1, 1, 1)
    # truth given as groups is compared by group
    as_groups = TRUTH.assign(
        factor=TRUTH["factor"].map({"1B": "alcohol", "1C": "alcohol", "16A": "neglect"})
    )
    pd.testing.assert_frame_equal(evaluate_lexicon(NOTES, as_groups), out)


def test_text_evaluate_accepts_a_text_series() -> None:
    a = evaluate_lexicon(NOTES, TRUTH)
    b = evaluate_lexicon(NOTES["text"], TRUTH)
    pd.testing.assert_frame_equal(a, b)


def test_text_evaluate_rejects_bad_truth() -> None:
    with pytest.raises(DataValidationError, match="note_row"):
        evaluate_lexicon(NOTES, TRUTH.drop(columns="note_row"))
    with pytest.raises(DataValidationError, match="no note at this position"):
        evaluate_lexicon(NOTES, TRUTH.assign(note_row=9))
    with pytest.raises(DataValidationError, match="assertion must be one of"):
        evaluate_lexicon(NOTES, TRUTH.assign(assertion="probable"))
    with pytest.raises(ValueError, match="level"):
        evaluate_lexicon(NOTES, TRUTH, level="word")  # type: ignore[arg-type]
