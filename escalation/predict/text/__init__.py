"""Case notes to features: redaction, a CIN-factor lexicon with negation, TF-IDF topics.

Identifiers are removed first (:func:`redact`); the lexicon (:func:`find_mentions`) and the
TF-IDF topic model read redacted text only, and :func:`note_features` uses only notes dated
before the day of each spell's time zero.
"""

from escalation.predict.text.evaluate import EVALUATION_COLUMNS, evaluate_lexicon
from escalation.predict.text.features import (
    NAME_COLUMNS,
    NoteTopicModel,
    TopicVocabularyError,
    fit_note_topics,
    note_features,
    spell_documents,
)
from escalation.predict.text.lexicon import (
    ASSERTIONS,
    FACTOR_GROUPS,
    MENTION_COLUMNS,
    Assertion,
    find_mentions,
    group_of,
    lexicon_words,
)
from escalation.predict.text.redact import PLACEHOLDERS, Redactor, first_names, redact

__all__ = [
    "ASSERTIONS",
    "EVALUATION_COLUMNS",
    "FACTOR_GROUPS",
    "MENTION_COLUMNS",
    "NAME_COLUMNS",
    "PLACEHOLDERS",
    "Assertion",
    "NoteTopicModel",
    "Redactor",
    "TopicVocabularyError",
    "evaluate_lexicon",
    "find_mentions",
    "first_names",
    "fit_note_topics",
    "group_of",
    "lexicon_words",
    "note_features",
    "redact",
    "spell_documents",
]
