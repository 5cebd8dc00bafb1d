"""How the case-note features of ``structured+text`` were made: provenance and model card.

Review s26 (text), finding 5: the provenance held no text setting, the card always said
"(lexicon counts and flags, topics)" even when no topic model could be fitted, the
fallback's warning blamed "too few case notes" for an empty vocabulary, and any input
error (a bad note date) was caught by that fallback first.
"""

from __future__ import annotations

import json
import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest

from escalation.data.history import CaseHistory, empty_episodes
from escalation.errors import DataValidationError, StatisticalWarning
from escalation.predict.text import note_features
from escalation.predict.validate import RiskValidation, validate_risk_models
from escalation.timeline import SpellData
from tests.predict.predict_support import two_covariate_spells

# Stock sentences make some text columns nearly constant: lifelines says so.
pytestmark = pytest.mark.filterwarnings(
    "ignore:penalised_cox \\(lifelines\\).*:escalation.errors.StatisticalWarning"
)

# Ten themes of eight words: notes drawn from them have ten clear topics.
THEMES = [
    "school attendance teacher lessons homework classroom uniform timetable",
    "health visitor baby weight feeding clinic immunisation growth",
    "housing officer rent arrears tenancy eviction landlord repairs",
    "grandmother childcare weekends support respite visits overnight stays",
    "football club coach training match team pitch trophy",
    "parenting course sessions certificate facilitator workbook group routines",
    "benefits payments universal credit debt budgeting vouchers foodbank",
    "dentist appointment teeth checkup filling orthodontist braces toothbrush",
    "nursery places keyworker playroom nappies sleeping toddlers painting",
    "mother drinks alcohol daily domestic abuse police incident",
]


@cache
def _spells(n: int = 600) -> SpellData:
    return two_covariate_spells(n, seed=11)


def _history(text: np.ndarray | str | None = None) -> CaseHistory:
    """Two notes per child, 20 and 40 days before time zero; surnames in the children table."""
    spells = _spells().spells
    rng = np.random.default_rng(12)
    n = len(spells)
    if text is None:
        words = [theme.split() for theme in THEMES]
        text = np.array(
            [" ".join(rng.choice(words[k], 6)) + "." for k in rng.integers(0, len(THEMES), 2 * n)]
        )
    children = pd.DataFrame(
        {
            "child_id": spells["child_id"],
            "birth_date": pd.Timestamp("2010-01-01"),
            "surname": "Achterberg",
        }
    )
    notes = pd.DataFrame(
        {
            "child_id": np.tile(spells["child_id"].to_numpy(), 2),
            "date": np.concatenate(
                [
                    (spells["time_zero"] - pd.Timedelta(days=20)).to_numpy(),
                    (spells["time_zero"] - pd.Timedelta(days=40)).to_numpy(),
                ]
            ),
            "text": text,
        }
    )
    return CaseHistory(children, empty_episodes(), notes, extract_date="2024-03-31")


def _validate(history: CaseHistory | None, **kwargs: object) -> RiskValidation:
    options: dict[str, object] = {
        "models": ["penalised_cox"],
        "feature_sets": ["structured", "structured+text"],
        "history": history,
        "bootstrap": 0,
        "seed": 3,
        "n_jobs": 1,
    }
    return validate_risk_models(_spells(), **{**options, **kwargs})  # type: ignore[arg-type]


def _features_line(result: RiskValidation, label: str) -> str:
    (line,) = [x for x in result.model_cards[label].to_markdown().splitlines() if "Features" in x]
    return line


def test_text_settings_are_recorded_per_split() -> None:
    history = _history()
    result = _validate(history)
    (record,) = result.provenance["text_features"]
    lexicon = note_features(history, _spells().spells, vectorizer=None).shape[1]
    n_text = lexicon + 10  # and ten topics
    assert record == {
        "split": 1,
        "source": "notes",
        "topics_fitted": True,
        "n_topics": 10,
        "method": "nmf",
        "min_df": 5,
        "seed": 3,
        "horizon_safe": True,
        "lookback_days": None,
        "known_name_columns": ["surname"],
        "shipped_first_names": True,
        "n_columns": n_text,
    }
    assert (
        sum(str(c).startswith("text_topic_") for c in result.backend["penalised_cox+text"].columns)
        == 10
    )
    json.dumps(result.provenance)  # the CLI's manifest.json copies it
    line = _features_line(result, "penalised_cox+text")
    assert f"plus {n_text} case-note features" in line
    assert "10 NMF topics fitted on the training notes" in line
    assert "case-note" not in _features_line(result, "penalised_cox")


def test_text_settings_of_every_fold() -> None:
    result = _validate(_history(), validation="grouped_cv", n_splits=3)
    records = result.provenance["text_features"]
    assert [r["split"] for r in records] == [1, 2, 3]
    assert all(r["topics_fitted"] and r["seed"] == 3 for r in records)


def test_no_topic_model_is_said_truthfully() -> None:
    """The same words in every note: no term is rare enough for a topic model."""
    history = _history(text="Visit done. Mother drinks heavily.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _validate(history)
    messages = [str(w.message) for w in caught if issubclass(w.category, StatisticalWarning)]
    (fallback,) = [m for m in messages if "topic" in m]
    assert "no topic model could be fitted on the training spells' notes" in fallback
    assert "at most 95%" in fallback and "too few case notes" not in fallback
    (record,) = result.provenance["text_features"]
    assert record["topics_fitted"] is False and record["n_topics"] == 0
    assert "95%" in record["no_topics_because"]
    assert record["n_columns"] == note_features(history, _spells().spells, vectorizer=None).shape[1]
    line = _features_line(result, "penalised_cox+text")
    assert "lexicon counts and flags only: no topic model could be fitted" in line
    assert "NMF topics" not in line


def test_a_bad_note_is_an_error_not_a_fallback() -> None:
    """Only the empty-vocabulary error falls back to lexicon features; a bad note date is
    raised at once, without the fallback's warning first."""
    history = _history()
    notes = history.notes.assign(date=history.notes["date"].astype(object))
    notes.loc[7, "date"] = None
    broken = history.with_tables(notes=notes)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(DataValidationError, match="date") as error:
            _validate(broken)
    assert not [w for w in caught if "topic" in str(w.message)]
    assert error.value.problems[0].table == "notes" and error.value.problems[0].row == 7


def test_precomputed_text_features_are_recorded_as_such() -> None:
    spells = _spells().spells
    given = pd.DataFrame({"text_x": np.arange(len(spells), dtype=float)}, index=spells.index)
    result = _validate(None, text_features=given)
    assert result.provenance["text_features"] == [
        {"split": 1, "source": "precomputed", "n_columns": 1}
    ]
    assert "plus 1 precomputed text features" in _features_line(result, "penalised_cox+text")


def test_no_text_record_without_text_features() -> None:
    result = _validate(None, feature_sets=["structured"])
    assert result.provenance["text_features"] is None
