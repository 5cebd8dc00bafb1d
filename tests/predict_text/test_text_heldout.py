"""Lexicon accuracy on hand-annotated sentences written independently of the lexicon.

Each file was annotated before the lexicon first saw it. First runs (code level):

- ``heldout_sentences.csv`` (40 mentions): precision 0.83, recall 0.75; then generic gaps it
  exposed were fixed (post-cue "cannot be excluded", "suggests", "clean from", a
  conditional reaching its whole clause, CAMHS as the child's service), so it is now partly
  in-sample (0.95, 0.90);
- ``heldout_sentences_2.csv`` (28 mentions): precision 0.81, recall 0.75; then "left home
  alone", "possibility of", "was controlling" and 3B for children witnessing domestic abuse
  were added (now 0.82, 0.82);
- ``heldout_sentences_3.csv`` (23 mentions), written after those fixes and never tuned on
  (the later CAMHS change left it unchanged): precision 0.83, recall 0.87 -- the honest
  estimate.

The floors below guard against regressions.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from escalation.predict.text import evaluate_lexicon

HERE = Path(__file__).parent


def _load(name: str) -> tuple[pd.Series, pd.DataFrame]:
    frame = pd.read_csv(HERE / name, keep_default_na=False)
    rows = [
        (i, *item.split(":"))
        for i, mentions in enumerate(frame["mentions"])
        for item in mentions.split("|")
        if item
    ]
    truth = pd.DataFrame(rows, columns=["note_row", "factor", "assertion"])
    return frame["sentence"], truth


@pytest.mark.parametrize(
    ("name", "level", "precision", "recall"),
    [
        ("heldout_sentences.csv", "code", 0.89, 0.87),
        ("heldout_sentences.csv", "group", 0.94, 0.89),
        ("heldout_sentences_2.csv", "code", 0.82, 0.82),
        ("heldout_sentences_2.csv", "group", 0.82, 0.82),
        ("heldout_sentences_3.csv", "code", 0.83, 0.86),
        ("heldout_sentences_3.csv", "group", 0.87, 0.91),
    ],
)
def test_text_heldout_precision_and_recall(
    name: str, level: str, precision: float, recall: float
) -> None:
    sentences, truth = _load(name)
    out = evaluate_lexicon(sentences, truth, level=level)  # type: ignore[arg-type]
    overall = out[(out["factor"] == "all") & (out["assertion"] == "all")].iloc[0]
    assert overall["n"] == len(truth.drop_duplicates())
    assert overall["precision"] >= precision
    assert overall["recall"] >= recall
