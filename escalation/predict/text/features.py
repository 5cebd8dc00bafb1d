"""Spell-level features from case notes written before time zero.

:func:`note_features` turns a case history's notes into one row of numbers per spell:

- ``text_n_notes``: how many notes the spell's features were built from;
- lexicon counts (:mod:`escalation.predict.text.lexicon`): ``text_n_<group>_<assertion>``
  for each factor group and assertion, and flags ``text_flag_<group>`` (1 when at least one
  *affirmed* mention was found; negated, uncertain and hypothetical mentions never flag);
- optionally topic weights ``text_topic_01`` ... from TF-IDF (scikit-learn
  ``TfidfVectorizer``) followed by non-negative matrix factorisation or latent Dirichlet
  allocation, fitted on one document per spell (its notes joined).

Everything is computed on redacted text (:func:`escalation.predict.text.redact`), and by
default only from notes dated strictly before the spell's time zero. The package's day-0
convention (``docs/timeline.md``) places anything on the time-zero day *after* the decision
(an escalation that day is an outcome at 0.5 days), so a note written that day, which may
describe that escalation, is not a predictor; nor is any later note. A fitted
:class:`NoteTopicModel` is frozen and can transform another period (train on earlier time
zeros, apply to later ones).
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass, field
from typing import Any, Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from sklearn.decomposition import NMF, LatentDirichletAllocation
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer

from escalation.clusters import cluster_codes, family_labels
from escalation.data.history import CaseHistory
from escalation.errors import DataValidationError, Problem, StatisticalWarning
from escalation.predict.text.lexicon import ASSERTIONS, FACTOR_GROUPS, find_mentions
from escalation.predict.text.redact import Redactor
from escalation.results import package_versions

__all__ = [
    "NAME_COLUMNS",
    "NoteTopicModel",
    "TopicVocabularyError",
    "fit_note_topics",
    "note_features",
    "spell_documents",
]

_log = logging.getLogger(__name__)

TopicMethod = Literal["nmf", "lda"]
Level = Literal["group", "code"]
_METHODS: Final = ("nmf", "lda")
_LEVELS: Final = ("group", "code")

#: Children-table columns read as known names for redaction when present.
NAME_COLUMNS: Final = (
    "first_name",
    "forename",
    "given_name",
    "middle_name",
    "last_name",
    "surname",
    "family_name",
    "name",
    "mother_name",
    "father_name",
)
# Tokens: letters only (no digits, so no stray numbers or house numbers), two or more.
_TOKEN_PATTERN: Final = r"(?u)\b[^\W\d_]{2,}\b"
# A term in more than this share of the documents says nothing about a spell.
_MAX_DOCUMENT_SHARE: Final = 0.95


class TopicVocabularyError(DataValidationError):
    """The notes give too few usable terms for a topic model.

    Raised by :func:`fit_note_topics` and :func:`note_features` when no term (or fewer terms
    than ``n_topics``) occurs in the notes of at least ``min_df`` families and in at most
    95% of the documents. A caller may fall back to lexicon features only
    (``vectorizer=None``); every other input error is a plain
    :class:`~escalation.errors.DataValidationError`.
    """


@dataclass(frozen=True, eq=False)
class NoteTopicModel:
    """A fitted, frozen TF-IDF and topic model of redacted spell documents.

    Build one with :func:`fit_note_topics`; pass it to :func:`note_features` as
    ``vectorizer`` to transform spells of another period with the same vocabulary and
    topics.

    Attributes
    ----------
    vectorizer : sklearn.feature_extraction.text.TfidfVectorizer
        The fitted vectoriser (the backend).
    topic_model : sklearn.decomposition.NMF or sklearn.decomposition.LatentDirichletAllocation
        The fitted topic model.
    method : {"nmf", "lda"}
        Which topic model.
    n_topics : int
        Number of topics.
    seed : int
        Seed of the topic model.
    n_documents : int
        Non-empty documents the model was fitted on.
    min_df : int
        Minimum number of families (children where no family is recorded) whose notes a
        term had to occur in.
    provenance : dict
        Package versions at fit time.
    """

    vectorizer: TfidfVectorizer
    topic_model: NMF | LatentDirichletAllocation
    method: TopicMethod
    n_topics: int
    seed: int
    n_documents: int
    min_df: int
    provenance: dict[str, Any] = field(default_factory=dict)

    @property
    def backend(self) -> TfidfVectorizer:
        """The fitted scikit-learn vectoriser."""
        return self.vectorizer

    def vocabulary(self) -> list[str]:
        """Return the terms of the fitted vocabulary, in column order.

        Terms come from redacted text only and each occurred in the notes of at least
        ``min_df`` families.
        """
        return [str(t) for t in self.vectorizer.get_feature_names_out()]

    def transform(self, documents: pd.Series) -> np.ndarray:
        """Return topic weights, one row per document (zeros for empty documents).

        Parameters
        ----------
        documents : pandas.Series of str
            Redacted documents (see :func:`spell_documents`).
        """
        docs = documents.fillna("").astype(str)
        out = np.zeros((len(docs), self.n_topics))
        present = (docs.str.len() > 0).to_numpy()
        if present.any():
            matrix = self.vectorizer.transform(docs[present].tolist())
            out[present] = self.topic_model.transform(matrix)
        return out

    def topics(self, n_terms: int = 10) -> pd.DataFrame:
        """Return the top terms of each topic.

        Parameters
        ----------
        n_terms : int
            Terms per topic.

        Returns
        -------
        pandas.DataFrame
            Columns ``topic, rank, term, weight``.
        """
        terms = np.asarray(self.vocabulary(), dtype=object)
        rows = []
        for k, weights in enumerate(np.asarray(self.topic_model.components_), start=1):
            order = np.argsort(-weights, kind="stable")[:n_terms]
            for rank, j in enumerate(order, start=1):
                rows.append((k, rank, str(terms[j]), float(weights[j])))
        return pd.DataFrame(rows, columns=["topic", "rank", "term", "weight"])


def _check_inputs(history: CaseHistory, spells: pd.DataFrame) -> None:
    problems = [
        Problem("spells", None, c, None, f"column {c!r} is missing; build spells first")
        for c in ("child_id", "time_zero")
        if c not in spells.columns
    ]
    problems += [
        Problem("notes", None, c, None, f"the notes table has no {c!r} column")
        for c in ("child_id", "date", "text")
        if c not in history.notes.columns
    ]
    if not problems:
        dates = history.notes["date"]
        if not pd.api.types.is_datetime64_any_dtype(dates):
            dates = pd.to_datetime(dates, errors="coerce", format="mixed")
        bad = np.flatnonzero(dates.isna().to_numpy())
        problems += [
            Problem("notes", int(r), "date", None, "note date is missing or not a date")
            for r in bad[:50]
        ]
    if problems:
        raise DataValidationError(problems, context="note features")


def name_columns(history: CaseHistory) -> tuple[str, ...]:
    """Return the columns of ``history.children`` read as known names (:data:`NAME_COLUMNS`).

    Parameters
    ----------
    history : CaseHistory
        The case history.

    Returns
    -------
    tuple of str
        The name columns present, in the order of :data:`NAME_COLUMNS` (empty: none).
    """
    return tuple(c for c in NAME_COLUMNS if c in history.children.columns)


def _known_names(history: CaseHistory) -> tuple[str, ...]:
    """Every word of the children table's name columns, whatever its case.

    Redaction matches them case-insensitively and with or without accents, without the
    punctuation around them (:class:`Redactor`), so an upper-case ``WOLSTENHOLME,`` (of
    ``WOLSTENHOLME, Ann``) or a lower-case ``okafor-briggs`` is kept like ``Pemberton``.
    """
    cols = list(name_columns(history))
    if not cols:
        return ()
    values = history.children[cols].stack().dropna().astype(str)
    words = values.str.split().explode().dropna()
    return tuple(sorted({w for w in words if len(w) >= 2 and any(ch.isalpha() for ch in w)}))


def _pairs(
    history: CaseHistory,
    spells: pd.DataFrame,
    horizon_safe: bool,
    lookback_days: int | None,
) -> pd.DataFrame:
    """Return (spell position, note position) pairs of notes usable for each spell."""
    notes = pd.DataFrame(
        {
            "note": np.arange(len(history.notes), dtype=np.int64),
            "child_id": history.notes["child_id"].astype("string").to_numpy(),
            "date": pd.to_datetime(history.notes["date"]).dt.normalize().to_numpy(),
        }
    )
    left = pd.DataFrame(
        {
            "spell": np.arange(len(spells), dtype=np.int64),
            "child_id": spells["child_id"].astype("string").to_numpy(),
            "time_zero": pd.to_datetime(spells["time_zero"]).dt.normalize().to_numpy(),
        }
    )
    pairs = left.merge(notes, on="child_id", how="inner")
    keep = np.ones(len(pairs), dtype=bool)
    if horizon_safe:
        # Day 0 is after the decision (docs/timeline.md): only notes of earlier days.
        keep &= (pairs["date"] < pairs["time_zero"]).to_numpy()
    if lookback_days is not None:
        # The lookback window is the ``lookback_days`` days before the time-zero day.
        start = pairs["time_zero"] - pd.Timedelta(days=lookback_days)
        keep &= (pairs["date"] >= start).to_numpy()
    out = pairs.loc[keep, ["spell", "note"]].sort_values(["spell", "note"], kind="stable")
    return out.reset_index(drop=True)


def _redacted_notes(
    history: CaseHistory, used: np.ndarray, known_names: tuple[str, ...]
) -> pd.Series:
    """Redact the notes at positions ``used`` (each note once, however many spells use it)."""
    text = history.notes["text"].iloc[used].reset_index(drop=True)
    return Redactor(known_names=known_names)(text).fillna("")


def _usable_notes(
    history: CaseHistory,
    spells: pd.DataFrame,
    horizon_safe: bool,
    lookback_days: int | None,
    known_names: tuple[str, ...] | None,
) -> tuple[pd.DataFrame, np.ndarray, pd.Series]:
    """Return the (spell, note) pairs a spell may use, the notes used and their redaction."""
    _check_inputs(history, spells)
    if not horizon_safe:
        warnings.warn(
            "horizon_safe=False: features use notes written after time zero, which leaks "
            "outcomes into predictors; use only to measure that leakage",
            StatisticalWarning,
            stacklevel=3,
        )
    names = _known_names(history) if known_names is None else tuple(known_names)
    pairs = _pairs(history, spells, horizon_safe, lookback_days)
    used = np.unique(pairs["note"].to_numpy())
    return pairs, used, _redacted_notes(history, used, names)


def spell_documents(
    history: CaseHistory,
    spells: pd.DataFrame,
    *,
    horizon_safe: bool = True,
    lookback_days: int | None = None,
    known_names: tuple[str, ...] | None = None,
) -> pd.Series:
    """Return one redacted document per spell: its usable notes joined in date order.

    Parameters
    ----------
    history : CaseHistory
        The case history with its ``notes`` table.
    spells : pandas.DataFrame
        Spells with ``child_id`` and ``time_zero`` (e.g. ``build_spells(...).spells``).
    horizon_safe : bool
        Use only notes dated before each spell's time-zero day (the default). With
        ``False`` every note of the child is used, which leaks the future into features;
        use it only to measure that leakage.
    lookback_days : int, optional
        Use only notes written within this many days before time zero.
    known_names : tuple of str, optional
        Names to redact besides the shipped first names; by default the name columns of
        ``history.children`` (:data:`NAME_COLUMNS`) when there are any.

    Returns
    -------
    pandas.Series of str
        Indexed like ``spells``; empty strings for spells without notes.

    Examples
    --------
    >>> import pandas as pd
    >>> from escalation.data.history import CaseHistory, empty_episodes
    >>> children = pd.DataFrame({"child_id": ["c1"], "birth_date": [pd.Timestamp("2015-01-01")]})
    >>> notes = pd.DataFrame({
    ...     "child_id": ["c1", "c1"],
    ...     "date": pd.to_datetime(["2020-01-01", "2021-01-01"]),
    ...     "text": ["Mother Sarah drinks.", "Later note."],
    ... })
    >>> h = CaseHistory(children, empty_episodes(), notes, extract_date="2022-01-01")
    >>> spells = pd.DataFrame({"child_id": ["c1"], "time_zero": pd.to_datetime(["2020-06-01"])})
    >>> spell_documents(h, spells).tolist()
    ['Mother [NAME] drinks.']
    """
    pairs, used, redacted = _usable_notes(history, spells, horizon_safe, lookback_days, known_names)
    return _documents(history, spells, pairs, used, redacted)


def _documents(
    history: CaseHistory,
    spells: pd.DataFrame,
    pairs: pd.DataFrame,
    used: np.ndarray,
    redacted: pd.Series,
) -> pd.Series:
    local = np.searchsorted(used, pairs["note"].to_numpy())
    dates = pd.to_datetime(history.notes["date"]).to_numpy()[pairs["note"].to_numpy()]
    frame = pd.DataFrame(
        {"spell": pairs["spell"].to_numpy(), "date": dates, "text": redacted.to_numpy()[local]}
    ).sort_values(["spell", "date"], kind="stable")
    joined = frame.groupby("spell", sort=True)["text"].agg("\n".join)
    out = pd.Series("", index=np.arange(len(spells)), dtype=object)
    out[joined.index.to_numpy()] = joined.to_numpy()
    return pd.Series(out.to_numpy(), index=spells.index, dtype=object)


def _topic_backends(
    method: TopicMethod, n_topics: int, seed: int, vocabulary: list[str]
) -> tuple[TfidfVectorizer, NMF | LatentDirichletAllocation]:
    vectorizer = TfidfVectorizer(
        lowercase=True,
        token_pattern=_TOKEN_PATTERN,
        stop_words="english",
        vocabulary=vocabulary or None,
        sublinear_tf=True,
        dtype=np.float64,
    )
    model: NMF | LatentDirichletAllocation
    if method == "nmf":
        model = NMF(n_components=n_topics, init="nndsvda", random_state=seed, max_iter=500)
    else:
        model = LatentDirichletAllocation(
            n_components=n_topics, learning_method="batch", random_state=seed, max_iter=30
        )
    return vectorizer, model


def _families(spells: pd.DataFrame) -> pd.Series:
    """Family of each spell (its child when no family is recorded): :func:`family_labels`."""
    return family_labels(spells)


def _family_vocabulary(
    docs: pd.Series, groups: pd.Series, *, min_df: int, max_features: int
) -> list[str]:
    """Terms used in the notes of at least ``min_df`` families (the most frequent first).

    Counting spells would let one family's repeated spells, whose documents repeat the
    same earlier notes, carry a term (e.g. a surname redaction missed) into the
    vocabulary; counting families does not.
    """
    counter = CountVectorizer(
        lowercase=True, token_pattern=_TOKEN_PATTERN, stop_words="english", binary=True
    )
    try:
        present = counter.fit_transform(docs.tolist()).tocsc()
    except ValueError:  # no term at all
        return []
    codes = cluster_codes(groups.to_numpy())
    by_family = sparse.csr_matrix(
        (np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(codes.max() + 1, len(codes))
    )
    families = np.asarray(((by_family @ present) > 0).sum(axis=0)).ravel()
    spells = np.asarray(present.sum(axis=0)).ravel()
    terms = counter.get_feature_names_out()
    keep = np.flatnonzero((families >= min_df) & (spells <= _MAX_DOCUMENT_SHARE * len(docs)))
    keep = keep[np.argsort(-spells[keep], kind="stable")][:max_features]
    return sorted(str(t) for t in terms[keep])


def _fit_topics(
    documents: pd.Series,
    groups: pd.Series,
    *,
    n_topics: int,
    method: TopicMethod,
    seed: int,
    min_df: int,
    max_features: int,
) -> NoteTopicModel:
    if method not in _METHODS:
        raise ValueError(f"method must be one of {_METHODS}, not {method!r}")
    if n_topics < 1:
        raise ValueError(f"n_topics must be at least 1, not {n_topics}")
    docs = documents.fillna("").astype(str)
    docs = docs[docs.str.len() > 0]
    vocabulary = _family_vocabulary(
        docs, groups.reindex(docs.index), min_df=min_df, max_features=max_features
    )
    vectorizer, model = _topic_backends(method, n_topics, seed, vocabulary)
    try:
        if not vocabulary:
            raise ValueError("empty vocabulary")
        matrix = vectorizer.fit_transform(docs.tolist())
    except ValueError as exc:  # empty vocabulary
        raise TopicVocabularyError(
            [
                Problem(
                    "notes",
                    None,
                    None,
                    None,
                    f"no term occurs both in the notes of at least {min_df} families and in "
                    f"at most {_MAX_DOCUMENT_SHARE:.0%} of the {len(docs)} spells with notes; "
                    "lower min_df or use vectorizer=None",
                )
            ],
            context="note topics",
        ) from exc
    if matrix.shape[1] < n_topics:
        raise TopicVocabularyError(
            [
                Problem(
                    "notes",
                    None,
                    None,
                    None,
                    f"the vocabulary has {matrix.shape[1]} terms, fewer than n_topics="
                    f"{n_topics}; lower n_topics or min_df",
                )
            ],
            context="note topics",
        )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        model.fit(matrix)
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            warnings.warn(
                f"the {method.upper()} topic model did not converge; topics may be unstable",
                StatisticalWarning,
                stacklevel=3,
            )
        else:  # pragma: no cover - re-raise anything else unchanged
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    _log.info(
        "fitted %s topic model: %d topics, %d documents, %d terms",
        method,
        n_topics,
        matrix.shape[0],
        matrix.shape[1],
    )
    return NoteTopicModel(
        vectorizer=vectorizer,
        topic_model=model,
        method=method,
        n_topics=n_topics,
        seed=seed,
        n_documents=int(matrix.shape[0]),
        min_df=min_df,
        provenance={"versions": package_versions()},
    )


def fit_note_topics(
    history: CaseHistory,
    spells: pd.DataFrame,
    *,
    n_topics: int = 10,
    method: TopicMethod = "nmf",
    seed: int = 0,
    min_df: int = 5,
    max_features: int = 5000,
    lookback_days: int | None = None,
    known_names: tuple[str, ...] | None = None,
) -> NoteTopicModel:
    """Fit TF-IDF and a topic model on redacted notes dated before time zero.

    Parameters
    ----------
    history : CaseHistory
        The case history with its notes.
    spells : pandas.DataFrame
        The training spells (``child_id``, ``time_zero``).
    n_topics : int
        Number of topics.
    method : {"nmf", "lda"}
        Non-negative matrix factorisation of the TF-IDF matrix (default) or latent
        Dirichlet allocation.
    seed : int
        Seed of the topic model's initialisation.
    min_df : int
        A term enters the vocabulary only if it occurs in the notes of at least this many
        families (a child without a recorded family counts as one); besides keeping the
        vocabulary stable, this keeps out identifiers that redaction missed (they occur in
        one family's notes only).
    max_features : int
        Largest vocabulary kept (most frequent terms).
    lookback_days : int, optional
        Use only notes written within this many days before time zero.
    known_names : tuple of str, optional
        Extra names to redact (default: name columns of ``history.children``).

    Returns
    -------
    NoteTopicModel
        Frozen; apply it to any period with :func:`note_features` (``vectorizer=model``).

    Examples
    --------
    >>> import pandas as pd
    >>> from escalation.data.history import CaseHistory, empty_episodes
    >>> kids = pd.DataFrame({"child_id": [f"c{i}" for i in range(40)],
    ...                      "birth_date": pd.Timestamp("2015-01-01")})
    >>> words = ["mother drinks alcohol daily", "school attendance is poor",
    ...          "home conditions neglect dirty", "father uses cannabis drugs"]
    >>> notes = pd.DataFrame({"child_id": kids["child_id"],
    ...                       "date": pd.Timestamp("2020-01-01"),
    ...                       "text": [f"{words[i % 4]}; {words[i // 10]}" for i in range(40)]})
    >>> h = CaseHistory(kids, empty_episodes(), notes, extract_date="2022-01-01")
    >>> spells = pd.DataFrame({"child_id": kids["child_id"],
    ...                        "time_zero": pd.Timestamp("2020-06-01")})
    >>> model = fit_note_topics(h, spells, n_topics=4, min_df=2)
    >>> sorted(model.topics(n_terms=1)["term"])
    ['alcohol', 'attendance', 'cannabis', 'conditions']
    """
    docs = spell_documents(history, spells, lookback_days=lookback_days, known_names=known_names)
    return _fit_topics(
        docs,
        _families(spells),
        n_topics=n_topics,
        method=method,
        seed=seed,
        min_df=min_df,
        max_features=max_features,
    )


def _lexicon_columns(level: Level) -> list[tuple[str, str]]:
    keys = list(FACTOR_GROUPS) if level == "group" else _codes()
    return [(k, a) for k in keys for a in ASSERTIONS]


def _codes() -> list[str]:
    from escalation.data.codes import ASSESSMENT_FACTORS

    used = {c for codes in FACTOR_GROUPS.values() for c in codes}
    return [c for c in ASSESSMENT_FACTORS if c in used]


def note_features(
    history: CaseHistory,
    spells: pd.DataFrame,
    *,
    horizon_safe: bool = True,
    vectorizer: Literal["tfidf"] | NoteTopicModel | None = "tfidf",
    n_topics: int = 10,
    method: TopicMethod = "nmf",
    seed: int = 0,
    level: Level = "group",
    min_df: int = 5,
    lookback_days: int | None = None,
    known_names: tuple[str, ...] | None = None,
    counts: bool = True,
    fit_rows: npt.ArrayLike | None = None,
) -> pd.DataFrame:
    """Return lexicon counts and flags and topic weights per spell, from redacted notes.

    Parameters
    ----------
    history : CaseHistory
        The case history with its notes (an empty notes table gives zero features).
    spells : pandas.DataFrame
        Spells with ``child_id`` and ``time_zero`` (e.g. ``build_spells(...).spells``).
    horizon_safe : bool
        Use only notes dated before each spell's time-zero day (default). ``False`` uses
        every note of the child, leaking the future; it warns and exists only to measure
        the leakage.
    vectorizer : {"tfidf"} or NoteTopicModel or None
        ``"tfidf"`` fits TF-IDF and a topic model on these spells' documents (see
        :func:`fit_note_topics`); a fitted :class:`NoteTopicModel` (e.g. fitted on an
        earlier period) transforms these spells without refitting; ``None`` gives lexicon
        features only.
    n_topics : int
        Number of topics when fitting.
    method : {"nmf", "lda"}
        Topic model when fitting.
    seed : int
        Seed of the topic model when fitting.
    level : {"group", "code"}
        Lexicon counts by factor group (``alcohol``; default) or by CIN code (``1B``).
    min_df : int
        Minimum number of families whose notes a term must occur in when fitting.
    lookback_days : int, optional
        Use only notes written within this many days before time zero.
    known_names : tuple of str, optional
        Extra names to redact (default: name columns of ``history.children``).
    counts : bool
        Include the counts by assertion (default); ``False`` keeps ``text_n_notes``, the
        flags and the topics only, a compact set for unpenalised models.
    fit_rows : array_like of int, optional
        With ``vectorizer="tfidf"``: fit the topic model on the spells at these
        positions only (e.g. the training spells), and apply it to every spell. The
        same as ``note_features(..., vectorizer=fit_note_topics(history,
        spells.iloc[fit_rows], ...))``, with each note redacted once.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``spells``. Columns ``text_n_notes``, then for each factor group (or
        code) ``k``: ``text_flag_<k>`` (0/1, affirmed mentions only) and
        ``text_n_<k>_<assertion>`` for ``affirmed, negated, uncertain, hypothetical``; then
        ``text_topic_01`` ... when topics are used.

    Notes
    -----
    Each note is redacted and searched once, however many spells use it. Topic weights of
    spells without notes are zero.

    Examples
    --------
    >>> import pandas as pd
    >>> from escalation.data.history import CaseHistory, empty_episodes
    >>> children = pd.DataFrame({"child_id": ["c1"], "birth_date": [pd.Timestamp("2015-01-01")]})
    >>> notes = pd.DataFrame({
    ...     "child_id": ["c1", "c1", "c1"],
    ...     "date": pd.to_datetime(["2020-01-01", "2020-02-01", "2021-01-01"]),
    ...     "text": ["No concerns about alcohol.", "Mother drinks daily; possible DV.",
    ...              "Written after time zero: neglect."],
    ... })
    >>> h = CaseHistory(children, empty_episodes(), notes, extract_date="2022-01-01")
    >>> spells = pd.DataFrame({"child_id": ["c1"], "time_zero": pd.to_datetime(["2020-06-01"])})
    >>> f = note_features(h, spells, vectorizer=None)
    >>> f[["text_n_notes", "text_flag_alcohol", "text_n_alcohol_negated",
    ...    "text_flag_domestic_abuse", "text_n_domestic_abuse_uncertain",
    ...    "text_flag_neglect"]].iloc[0].tolist()
    [2, 1, 1, 0, 1, 0]
    """
    if level not in _LEVELS:
        raise ValueError(f"level must be one of {_LEVELS}, not {level!r}")
    if not (vectorizer is None or vectorizer == "tfidf" or isinstance(vectorizer, NoteTopicModel)):
        raise ValueError(
            "vectorizer must be 'tfidf', None or a NoteTopicModel from fit_note_topics()"
        )
    pairs, used, redacted = _usable_notes(history, spells, horizon_safe, lookback_days, known_names)
    _log.debug("note features: %d spells, %d notes used", len(spells), len(used))

    columns = _lexicon_columns(level)
    col_index = {key: i for i, key in enumerate(columns)}
    per_note = np.zeros((len(used), len(columns)), dtype=np.int64)
    mentions = find_mentions(redacted)
    if len(mentions):
        key = mentions["group"] if level == "group" else mentions["factor"]
        idx = np.fromiter(
            (
                col_index.get((k, a), -1)
                for k, a in zip(key.tolist(), mentions["assertion"].tolist(), strict=True)
            ),
            dtype=np.int64,
            count=len(mentions),
        )
        ok = idx >= 0
        np.add.at(per_note, (mentions["note_row"].to_numpy()[ok], idx[ok]), 1)
    local = np.searchsorted(used, pairs["note"].to_numpy())
    per_spell = np.zeros((len(spells), len(columns)), dtype=np.int64)
    np.add.at(per_spell, pairs["spell"].to_numpy(), per_note[local])
    n_notes = np.bincount(pairs["spell"].to_numpy(), minlength=len(spells))

    out: dict[str, np.ndarray] = {"text_n_notes": n_notes.astype(np.int64)}
    keys = list(dict.fromkeys(k for k, _ in columns))
    for k in keys:
        out[f"text_flag_{k}"] = (per_spell[:, col_index[(k, "affirmed")]] > 0).astype(np.int8)
        if counts:
            for a in ASSERTIONS:
                out[f"text_n_{k}_{a}"] = per_spell[:, col_index[(k, a)]]
    frame = pd.DataFrame(out, index=spells.index)

    if vectorizer is not None:
        docs = _documents(history, spells, pairs, used, redacted)
        # A spell's document depends on that spell only: the training spells' documents
        # are theirs among every spell's.
        rows = np.arange(len(spells)) if fit_rows is None else np.asarray(fit_rows, np.int64)
        model = (
            vectorizer
            if isinstance(vectorizer, NoteTopicModel)
            else _fit_topics(
                docs.iloc[rows].reset_index(drop=True),
                _families(spells.iloc[rows]).reset_index(drop=True),
                n_topics=n_topics,
                method=method,
                seed=seed,
                min_df=min_df,
                max_features=5000,
            )
        )
        weights = model.transform(docs)
        width = max(2, len(str(model.n_topics)))
        for t in range(model.n_topics):
            frame[f"text_topic_{t + 1:0{width}d}"] = weights[:, t]
    return frame
