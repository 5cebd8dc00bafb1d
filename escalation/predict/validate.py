"""Would a risk tool help? Fit risk models, validate them honestly, report who they fail.

:func:`validate_risk_models` fits every requested model on every feature set, predicts the
risk of escalation by the horizon for spells it has not seen (a later period, or held-out
families), and scores the predictions with the metrics of
:mod:`escalation.predict.metrics`, by group with :mod:`escalation.predict.fairness`, with
clustered bootstrap intervals, beside the oracle (true risks) on simulated data, and
writes a model card per model.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._row_order import in_canonical_order
from escalation._vocabulary import refuse_repeats, spell_data_of
from escalation.compute import batched_map, one_blas_thread, resolve_jobs, run_batched, run_tasks
from escalation.design.options import bootstrap_replicates
from escalation.design.study import StudyDesign
from escalation.errors import DataValidationError, DesignError, Problem, StatisticalWarning
from escalation.predict._inputs import prediction_arrays
from escalation.predict.fairness import (
    FAIRNESS_COLUMNS,
    check_groups,
    fairness_groups,
    subgroup_metrics,
    subgroup_tables,
)
from escalation.predict.metrics import (
    BootstrapInterval,
    Competing,
    bootstrap_indices,
    bootstrap_interval,
    calibration_curve,
    check_competing,
    horizon_status,
    integrated_brier_score,
    left_out_count,
    net_benefit,
    score_risks,
    warn_left_out,
)
from escalation.predict.modelcard import ModelCard, model_card
from escalation.predict.models import MODEL_KINDS, FittedRiskModel, risk_model
from escalation.predict.splits import (
    Split,
    SplitMethod,
    family_groups,
    grouped_folds,
    temporal_split,
)
from escalation.results import Presents, Summary, data_hash, package_versions, provenance
from escalation.survival._outcome import durations, event_codes, past_follow_up, reordered_rows
from escalation.timeline.matrix import CovariateCoding
from escalation.timeline.spells import SpellData

__all__ = [
    "AUC_DIFFERENCE",
    "FEATURE_SETS",
    "TEXT_SUFFIX",
    "FeatureSet",
    "RiskValidation",
    "check_censor_training",
    "oracle_risk",
    "validate_risk_models",
]

FeatureSet = Literal["structured", "structured+text"]
#: Feature sets: baseline covariates of the design, or those plus case-note features.
FEATURE_SETS: Final[tuple[str, ...]] = get_args(FeatureSet)
ORACLE: Final = "oracle"
#: The suffix of a model's label with case-note features (``cox+text``).
TEXT_SUFFIX: Final = "+text"
#: The paired difference of the AUCs of ``<model>+text`` and ``<model>``.
AUC_DIFFERENCE: Final = "auc_difference"
#: The model card's count of test spells with a level their training spells lacked.
UNSEEN_LEVELS: Final = (
    "Test spells with a covariate level the training spells lacked (predicted as the "
    "reference level)"
)
METRIC_COLUMNS: Final = (
    "model",
    "feature_set",
    "metric",
    "estimate",
    "conf_low",
    "conf_high",
    "conf_level",
    "horizon",
    "draws_left_out",
)
# How the card's outcome says deaths were scored (validate_risk_models' ``competing``).
_DEATHS: Final = {
    "control": "a child who died first is scored as not escalating (death competing)",
    "censor": "a child who died first is scored as censored at death",
}
_DESCRIPTIONS: Final = {
    "cox": "Cox proportional hazards model of the cause-specific hazard of escalation",
    "penalised_cox": "Elastic-net penalised Cox model of the cause-specific hazard of escalation",
    "gradient_boosting": "Gradient-boosted Cox model (regression trees) of escalation",
    "random_forest": "Random survival forest of escalation",
}


@dataclass(frozen=True, eq=False)
class RiskValidation(Presents):
    """The validation of risk models of escalation by one horizon.

    Attributes
    ----------
    metrics : pandas.DataFrame
        ``model, feature_set, metric, estimate, conf_low, conf_high, conf_level, horizon``;
        one row per model and metric (see :func:`~escalation.predict.metrics.score_risks`
        plus ``integrated_brier``); each ``<model>+text`` whose ``<model>`` was validated
        too has an ``auc_difference`` row (its AUC minus that model's, with a paired
        bootstrap interval).
    subgroup_metrics : pandas.DataFrame
        ``model, metric, attribute, group, n, estimate, conf_low, conf_high, conf_level,
        suppressed``.
    calibration : pandas.DataFrame
        ``model, predicted, observed, conf_low, conf_high, conf_level``: smoothed
        calibration curves.
    decision_curve : pandas.DataFrame
        ``model, threshold, net_benefit, conf_low, conf_high, conf_level`` (with
        ``treat_all`` and ``treat_none`` rows; bootstrap intervals), the counts each net
        benefit is made of: ``true_positives, false_positives`` (expected numbers of the
        children flagged who escalated and who did not; for ``treat_all`` every child) and
        ``n``, and
        ``draws_left_out``: the bootstrap draws whose net benefit could not be computed,
        left out of the interval (as in the metric tables).
    predictions : pandas.DataFrame
        ``spell_id, split, model, risk``: every test prediction (no identifiers).
    model_cards : dict
        :class:`~escalation.predict.modelcard.ModelCard` by model.
    horizon : int
        Days.
    validation : str
        ``"temporal"`` or ``"grouped_cv"``.
    n_train, n_test, events_test : int
        Training spells (per split, summed), test spells and escalations in the test data
        by the horizon.
    dropped : int
        Spells used neither for training nor testing (temporal validation drops later
        spells of families that have an earlier, training spell).
    backend : dict
        The fitted models (:class:`~escalation.predict.models.FittedRiskModel`) of the
        last split, by model.
    provenance : dict
        Versions, seed, data hash and the settings that move the metrics: validation,
        ``cutoff`` (the first test time zero, temporal) or ``n_splits`` (grouped_cv),
        models, feature sets, ``model_options``, ``censor_training``, ``competing``,
        ``flags``, ``min_group``, bootstrap and ``conf_level``.
    """

    metrics: pd.DataFrame
    subgroup_metrics: pd.DataFrame
    calibration: pd.DataFrame
    decision_curve: pd.DataFrame
    predictions: pd.DataFrame
    model_cards: dict[str, ModelCard]
    horizon: int
    validation: str
    n_train: int
    n_test: int
    events_test: int
    dropped: int
    backend: dict[str, FittedRiskModel] = field(repr=False)
    provenance: dict[str, Any] = field(default_factory=dict, repr=False)

    def tidy(self) -> pd.DataFrame:
        """Return :attr:`metrics`."""
        return self.metrics.copy()

    def glance(self) -> pd.DataFrame:
        """Return one row: test spells, escalations, horizon, validation, models, versions."""
        row: dict[str, Any] = {
            "n": self.n_test,
            "events": self.events_test,
            "dropped": self.dropped,
            "n_train": self.n_train,
            "horizon": self.horizon,
            "validation": self.validation,
            "models": ", ".join(self.model_cards),
            "method": "validate_risk_models",
            **package_versions(),
        }
        return pd.DataFrame([row])

    def summary(self) -> Summary:
        """Return the headline metrics as a wide table (never prints)."""
        keep = ["auc", "harrell_c", "brier", "calibration_slope", "average_precision"]
        keep += [m for m in self.metrics["metric"].unique() if str(m).startswith("precision_")]
        table = self.metrics[self.metrics["metric"].isin(keep)].pivot_table(
            index="model", columns="metric", values="estimate", sort=False
        )
        facts = {str(k): v for k, v in self.glance().iloc[0, :7].items()}
        notes = (
            "Risks are cumulative incidences of escalation by the horizon (death competing).",
            "Intervals: percentile bootstrap over families of the test data (models not refitted).",
        )
        return Summary("Risk models of escalation", facts, table.reset_index(), notes)


def _check_horizon(
    horizon: int,
    duration: npt.NDArray[np.float64],
    *,
    spells: str = "in these data",
    remedy: str = "a horizon within the follow-up",
) -> None:
    """Refuse a horizon past the longest follow-up: no risk by then can be validated.

    The effect estimates' rule (:func:`escalation.causal._estimable.check_estimable`):
    no spell is followed that long, so the observed risk by the horizon is unknown
    (:func:`~escalation.predict.metrics.observed_risk` is NaN there) and a model's
    predicted risk there is its risk at the end of the data.

    Parameters
    ----------
    horizon : int
        The horizon (days).
    duration : numpy.ndarray
        Every spell's follow-up (days).
    spells : str, default "in these data"
        Which spells these are, for the message.
    remedy : str, default "a horizon within the follow-up"
        What to choose instead, for the message.

    Raises
    ------
    DesignError
        When ``horizon`` is past the longest follow-up.
    """
    longest = float(duration.max(initial=0.0))
    if past_follow_up(horizon, longest):
        raise DesignError(
            f"horizon {horizon} days is past the longest follow-up {spells} "
            f"({longest:g} days): no spell is followed that long, so risks by then cannot "
            f"be validated; choose {remedy}"
        )


def _check_test_horizon(horizon: int, split: Split, duration: npt.NDArray[np.float64]) -> None:
    """Refuse a horizon past the longest follow-up of a temporal split's test spells.

    Later spells are followed for less time: a cutoff late in the time-zero window can
    leave test spells that all end before the horizon, where their observed risk is
    unknown (the rule of :func:`_check_horizon`). Cross-validation folds together test
    every spell, which :func:`_check_horizon` has checked.

    Parameters
    ----------
    horizon : int
        The horizon (days).
    split : Split
        The temporal split.
    duration : numpy.ndarray
        Every spell's follow-up (days), in the rows the split's positions refer to.

    Raises
    ------
    DesignError
        Naming the split and its cutoff, when ``horizon`` is past the longest follow-up
        of its test spells.
    """
    cutoff = "" if split.cutoff is None else f", time zero on or after {split.cutoff.date()}"
    which = f"of the test spells of the {split.label} split ({len(split.test)} spells{cutoff})"
    _check_horizon(
        horizon,
        duration[split.test],
        spells=which,
        remedy="a horizon within it or an earlier cutoff",
    )


def check_censor_training(
    validation: str, censor_training: bool, *, option: str = "censor_training=True"
) -> None:
    """Refuse censoring the training follow-up unless the validation is temporal.

    Only a temporal split has a cutoff to censor at: with ``grouped_cv`` the option did
    nothing, yet the provenance recorded it. The CLI's ``--censor-training`` is checked
    here too (``option`` names it).

    Raises
    ------
    DesignError
        Naming ``option`` and the validation.

    Examples
    --------
    >>> check_censor_training("grouped_cv", True)
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: censor_training=True censors the training follow-up at \
a temporal split's cutoff; validation 'grouped_cv' has no cutoff, so it would change \
nothing: leave it out or use temporal validation
    """
    if censor_training and validation != "temporal":
        raise DesignError(
            f"{option} censors the training follow-up at a temporal split's cutoff; "
            f"validation {validation!r} has no cutoff, so it would change nothing: leave it "
            "out or use temporal validation"
        )


def _training_outcome(
    train: pd.DataFrame, split: Split, *, censor: bool
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Return the training spells' follow-up and event codes as the models learn them.

    With ``censor`` (``censor_training``) follow-up past the split's cutoff is censored
    there, as a tool built on that date would have seen it.
    """
    duration = train["duration"].to_numpy(dtype=float)
    event = train["event"].to_numpy(dtype=np.int64)
    if censor and split.cutoff is not None:
        known = (split.cutoff - pd.to_datetime(train["time_zero"])).dt.days.to_numpy(float)
        later = duration > known
        duration = np.where(later, known, duration)
        event = np.where(later, 0, event)
    return duration, event


def _check_training_horizon(horizon: int, split: Split, train: pd.DataFrame) -> None:
    """Refuse a horizon past the training follow-up once censored at the split's cutoff.

    With ``censor_training`` the training spells are followed at most from the first
    time zero to the cutoff: a model learns no hazard past that, so its risk by a later
    horizon is its risk at the end of the training data, held flat (the rule of
    :func:`_check_horizon`).

    Raises
    ------
    DesignError
        Naming the split, its cutoff and the training follow-up.
    """
    duration, _ = _training_outcome(train, split, censor=True)
    cutoff = "" if split.cutoff is None else f" {split.cutoff.date()}"
    which = (
        f"of the training spells of the {split.label} split ({len(split.train)} spells) "
        f"censored at its cutoff{cutoff} (censor_training)"
    )
    _check_horizon(
        horizon,
        duration,
        spells=which,
        remedy="a horizon within it, a later cutoff, or censor_training=False",
    )


def oracle_risk(truth: Any, spells: pd.DataFrame, horizon: int) -> pd.Series | None:
    """Return each spell's true risk of escalation by ``horizon`` from simulation truth.

    ``truth`` is the simulator's ground truth (with a ``spell_risks`` table) or that table
    itself; rows are matched on ``child_id`` and ``time_zero`` and the column
    ``risk_observed_<horizon>`` is used. Returns ``None`` when the column is absent.

    Examples
    --------
    >>> spells = pd.DataFrame({"child_id": ["a", "b"],
    ...                        "time_zero": pd.to_datetime(["2020-01-01", "2020-02-01"])})
    >>> table = spells.assign(risk_observed_365=[0.1, 0.4])
    >>> oracle_risk(table, spells, 365).tolist()
    [0.1, 0.4]
    """
    table = _oracle_table(truth, horizon)
    if table is None:
        return None
    column = f"risk_observed_{horizon}"
    keys = table[["child_id", "time_zero", column]].copy()
    keys["child_id"] = keys["child_id"].astype("string")
    keys["time_zero"] = pd.to_datetime(keys["time_zero"])
    keys = keys.drop_duplicates(["child_id", "time_zero"])
    left = pd.DataFrame(
        {
            "child_id": spells["child_id"].astype("string").to_numpy(),
            "time_zero": pd.to_datetime(spells["time_zero"]).to_numpy(),
        }
    )
    merged = left.merge(keys, on=["child_id", "time_zero"], how="left")
    return pd.Series(merged[column].to_numpy(dtype=float), index=spells.index, name=ORACLE)


def _oracle_table(truth: Any, horizon: int) -> pd.DataFrame | None:
    """Return the truth's table of spell risks if it has ``risk_observed_<horizon>``."""
    table = getattr(truth, "spell_risks", truth)
    if not isinstance(table, pd.DataFrame) or f"risk_observed_{horizon}" not in table.columns:
        return None
    return table


# How "structured+text" makes its case-note features (note_features' arguments): the
# provenance records these values, so the record is what was used.
_N_TOPICS: Final = 10
_TOPIC_METHOD: Final = "nmf"
_MIN_DF: Final = 5
_HORIZON_SAFE: Final = True
_LOOKBACK_DAYS: Final[int | None] = None


def _text_matrix(
    history: Any,
    spells: pd.DataFrame,
    train: npt.NDArray[np.int64],
    seed: int,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Case-note features of every spell, the topic model fitted on training spells only.

    Returns the features and how they were made (``provenance["text_features"]``).
    """
    try:
        from escalation.predict.text import TopicVocabularyError, note_features
        from escalation.predict.text.features import name_columns
    except ImportError as error:  # pragma: no cover - text module absent
        raise DesignError(
            "feature set 'structured+text' needs escalation.predict.text (case-note features)"
        ) from error
    record: dict[str, Any] = {
        "source": "notes",
        "topics_fitted": True,
        "n_topics": _N_TOPICS,
        "method": _TOPIC_METHOD,
        "min_df": _MIN_DF,
        "seed": int(seed),
        "horizon_safe": _HORIZON_SAFE,
        "lookback_days": _LOOKBACK_DAYS,
        "known_name_columns": list(name_columns(history)),
        "shipped_first_names": True,
    }
    try:
        # The topic model is fitted on the training spells' notes (each note redacted once).
        features = note_features(
            history,
            spells,
            seed=seed,
            fit_rows=train,
            n_topics=_N_TOPICS,
            method=_TOPIC_METHOD,
            min_df=_MIN_DF,
            horizon_safe=_HORIZON_SAFE,
            lookback_days=_LOOKBACK_DAYS,
        )
    except TopicVocabularyError as error:
        reason = error.problems[0].reason
        warnings.warn(
            f"no topic model could be fitted on the training spells' notes ({reason}); "
            "their text features are lexicon counts and flags only",
            StatisticalWarning,
            stacklevel=3,
        )
        features = note_features(
            history,
            spells,
            vectorizer=None,
            horizon_safe=_HORIZON_SAFE,
            lookback_days=_LOOKBACK_DAYS,
        )
        record.update(topics_fitted=False, n_topics=0, no_topics_because=reason)
    record["n_columns"] = int(features.shape[1])
    return features.astype(float), record


def _precomputed_record(features: pd.DataFrame) -> dict[str, Any]:
    """How precomputed text features were made, as far as this function knows."""
    return {"source": "precomputed", "n_columns": int(features.shape[1])}


def _model_label(kind: str, feature_set: str) -> str:
    return kind if feature_set == "structured" else f"{kind}{TEXT_SUFFIX}"


@one_blas_thread
def validate_risk_models(
    data: SpellData,
    design: StudyDesign | None = None,
    *,
    horizon: int | None = None,
    models: Sequence[str] = ("cox", "penalised_cox", "gradient_boosting"),
    feature_sets: Sequence[str] = ("structured",),
    validation: SplitMethod = "temporal",
    cutoff: str | pd.Timestamp | None = None,
    censor_training: bool = False,
    n_splits: int = 5,
    bootstrap: int | None = None,
    seed: int | None = None,
    flags: Sequence[float] = (0.1,),
    thresholds: Sequence[float] | npt.ArrayLike | None = None,
    truth: Any = None,
    history: Any = None,
    text_features: pd.DataFrame | None = None,
    model_options: Mapping[str, Mapping[str, Any]] | None = None,
    min_group: int = 10,
    conf_level: float = 0.95,
    competing: Competing = "control",
    n_jobs: int | None = None,
    progress: bool | None = None,
) -> RiskValidation:
    """Fit and validate risk models of escalation by ``horizon``.

    Parameters
    ----------
    data : SpellData
        Spells from :func:`~escalation.timeline.build_spells`.
    design : StudyDesign, optional
        Design (default ``data.design``): covariates, horizons, bootstrap and seed.
    horizon : int, optional
        Days after time zero (default: the design's first horizon).
    models : sequence of str
        From ``cox``, ``penalised_cox``, ``gradient_boosting``, ``random_forest``.
    feature_sets : sequence of str
        ``"structured"`` (the design's covariates) and/or ``"structured+text"`` (plus the
        ``text_`` case-note features; needs ``history`` with notes or ``text_features``).
        Text models are labelled ``<model>+text``.
    validation : {"temporal", "grouped_cv"}
        Train on earlier time zeros and test on later ones (default), or cross-validate
        over families (out-of-fold predictions pooled).
    cutoff : date, optional
        First time zero of the test period (temporal); default leaves 70% for training.
    censor_training : bool
        Temporal validation only (with ``grouped_cv`` a ``DesignError``: there is no
        cutoff): censor the training spells' follow-up at the cutoff, as a tool built on
        that date would have seen it (default ``False``: training follow-up runs to the
        extract date). A horizon past the training follow-up so censored is refused.
    n_splits : int
        Folds of ``grouped_cv``.
    bootstrap : int, optional
        Bootstrap replicates for intervals (default: the design's ``bootstrap``): 0 for
        none, else at least 2.
    seed : int, optional
        Seed of folds, models and bootstrap (default: the design's ``seed``).
    flags : sequence of float
        Operating points as shares flagged (default the top 10%).
    thresholds : array_like, optional
        Risk thresholds of the decision curve (default 0.01, 0.02, ..., 0.50).
    truth : object, optional
        Simulation truth (``truth.spell_risks`` with ``risk_observed_<h>``): the oracle is
        scored beside the models.
    history : CaseHistory, optional
        The case history with notes, for ``structured+text``.
    text_features : pandas.DataFrame, optional
        Precomputed numeric text features indexed like ``data.spells`` (instead of
        ``history``): one row per spell, matched by index label in any order. A spell
        without a row, a row for no spell of ``data.spells`` (features made for other
        spells, or renumbered: select ``text_features.loc[data.spells.index]``), a
        repeated row and a missing value are refused, not dropped or filled.
    model_options : mapping, optional
        Options per model kind, e.g. ``{"random_forest": {"n_estimators": 50}}``.
    min_group : int
        Subgroups with fewer spells or escalations are suppressed.
    conf_level : float
        Level of the intervals.
    competing : {"control", "censor"}
        Whether children who died first count as controls (default) or as censored; the
        model cards and the provenance say which.
    n_jobs : int, optional
        Worker processes for the cross-validation folds and the bootstrap of the
        metrics: default the design's ``[compute] workers``, else every core; ``1`` runs
        here. Results are identical for any number (every model is seeded).
    progress : bool, optional
        Show a progress bar over the folds (default: when standard error is a terminal).

    Returns
    -------
    RiskValidation

    Raises
    ------
    DesignError
        Unknown model or feature set, a horizon beyond follow-up (of every spell, of
        the test spells of a temporal split, or with ``censor_training`` of its training
        spells censored at the cutoff, naming the split and cutoff), an empty split,
        ``competing`` other than ``"control"`` or ``"censor"``, or ``censor_training``
        without temporal validation.
    DataValidationError
        When ``text_features`` has no row for a spell (naming its row of ``spells``), a
        row for no spell or repeating one, or a missing value (naming its row of
        ``text_features``): see ``text_features``.

    Warns
    -----
    StatisticalWarning
        When a test spell has a categorical value the coding learnt on its training
        spells has no level for (a level first seen after a temporal cutoff, or held
        only by one fold's families under ``grouped_cv``; or missing where no training
        value was) and no ``other`` level takes it: it is predicted as the reference
        level, as a tool in use would have to, and the warning names the covariate and
        counts, never the value
        (:meth:`~escalation.timeline.CovariateCoding.apply`'s ``held_out``). How many
        test spells were so coded is the model cards' fact :data:`UNSEEN_LEVELS` (when
        any) and the provenance's ``unseen_levels``. A fitted model applied to new
        children (:class:`~escalation.predict.models.FittedRiskModel`) still refuses
        such a level.

    Notes
    -----
    Intervals are percentile bootstrap intervals over *families* of the test data with
    the models held fixed: they show how much the metrics would vary over other children
    from the same period, not the variation from refitting. Metrics follow
    :mod:`escalation.predict.metrics` (IPCW with a marginal censoring model of the test
    data). The integrated Brier score averages the Brier score over ten equally spaced
    times up to the horizon.

    With both feature sets, each text model's ``auc_difference`` row (``<model>+text``,
    ``structured+text``) is its AUC minus that of ``<model>`` on structured data alone;
    its interval is the percentile interval of the differences over the same bootstrap
    samples (both AUCs on the same resampled children), so it allows for the strong
    correlation of the two AUCs that comparing their separate intervals ignores. Two
    models that predict different test spells get no such row (a warning says so).

    The folds, the bootstrap and the seeded learners pick rows by position, so the spells
    are put in ``spell_id`` order first (spells already in that order, as
    :func:`~escalation.timeline.build_spells` writes them, are used as they are): the same
    spells give the same results for a seed whatever their row order or index.

    Examples
    --------
    >>> import dataclasses
    >>> from escalation import default_design
    >>> from escalation.timeline import SpellData
    >>> rng = np.random.default_rng(0)
    >>> n = 800
    >>> prior = rng.poisson(1.0, n)
    >>> t = rng.exponential(1500 * np.exp(-0.6 * prior))
    >>> spells = pd.DataFrame({
    ...     "spell_id": np.arange(1, n + 1), "child_id": [f"c{i}" for i in range(n)],
    ...     "family_id": [f"f{i // 2}" for i in range(n)],
    ...     "time_zero": pd.Timestamp("2019-04-01")
    ...     + pd.to_timedelta(rng.integers(0, 1400, n), "D"),
    ...     "duration": np.ceil(np.minimum(t, 730)), "event": (t < 730).astype(int),
    ...     "age": rng.uniform(0, 17, n), "prior_referrals": prior})
    >>> design = default_design()
    >>> design = dataclasses.replace(design, covariates=dataclasses.replace(
    ...     design.covariates, include=("age", "prior_referrals")))
    >>> data = SpellData(spells, pd.DataFrame(), design, pd.Timestamp("2024-03-31"))
    >>> result = validate_risk_models(data, models=["cox"], bootstrap=0, seed=1)
    >>> auc = result.metrics.query("metric == 'auc'")["estimate"].iloc[0]
    >>> bool(0.6 < auc < 0.8)
    True
    >>> sorted(result.metrics["metric"])[:3]
    ['auc', 'average_precision', 'brier']
    """
    data = spell_data_of(data, function="validate_risk_models", uses="its design")
    design = data.design if design is None else design
    horizon = int(design.outcome.horizons[0] if horizon is None else horizon)
    if getattr(data, "censor_at_horizon", False) and horizon >= max(design.outcome.horizons):
        raise DesignError(
            f"the spells were censored at day {max(design.outcome.horizons)} "
            "(censor_at_horizon): at that horizon no child is seen escalation-free beyond "
            "it, so there are no controls; build the spells without censor_at_horizon or "
            "score a shorter horizon"
        )
    bootstrap = (
        design.estimation.bootstrap if bootstrap is None else bootstrap_replicates(bootstrap)
    )
    seed = design.estimation.seed if seed is None else int(seed)
    unknown = [m for m in models if m not in MODEL_KINDS]
    if unknown:
        raise DesignError(f"unknown risk model(s) {unknown}; choose from {MODEL_KINDS}")
    check_competing(competing)
    refuse_repeats("risk model(s)", models, "each is fitted and scored once")
    refuse_repeats("feature set(s)", feature_sets, "each is fitted and scored once")
    bad_sets = [f for f in feature_sets if f not in FEATURE_SETS]
    if bad_sets:
        raise DesignError(f"unknown feature set(s) {bad_sets}; choose from {FEATURE_SETS}")
    if "structured+text" in feature_sets and history is None and text_features is None:
        raise DesignError(
            "feature set 'structured+text' needs the case history with notes (history=...) "
            "or precomputed text_features"
        )
    # Folds, bootstrap draws and seeded learners pick rows by position: in spell_id order,
    # the same spells give the same answer whatever order they arrive in.
    source, order = in_canonical_order(data.spells)
    spells = source.reset_index(drop=True)
    if spells.empty:
        raise DataValidationError(
            [Problem("spells", None, None, None, "no spells to validate on")], "spells"
        )
    # rows named as given; a missing duration made the scoring loop forever
    _check_horizon(horizon, durations(data.spells["duration"]))
    event_codes(data.spells["event"])
    check_censor_training(validation, censor_training)
    if validation == "temporal":
        splits = [temporal_split(spells, cutoff=cutoff)]
        _check_test_horizon(horizon, splits[0], durations(spells["duration"]))
        if censor_training:
            _check_training_horizon(horizon, splits[0], spells.iloc[splits[0].train])
    elif validation == "grouped_cv":
        splits = grouped_folds(spells, n_splits, seed=seed)
    else:
        raise DesignError(f"validation must be 'temporal' or 'grouped_cv', not {validation!r}")
    covariates: list[str] = []
    for name in design.covariates.include:
        if name == "factors":
            covariates += [c for c in spells.columns if str(c).startswith("factor_")]
        else:
            covariates.append(name)
    times = np.linspace(horizon / 10, horizon, 10)

    if truth is not None and _oracle_table(truth, horizon) is None:
        raise DesignError(
            f"truth was given but has no risk_observed_{horizon} column (with child_id "
            "and time_zero): pass the simulator's GroundTruth or its spell_risks table"
        )
    given_rows = np.arange(len(spells)) if order is None else order
    if text_features is not None and "structured+text" in feature_sets:
        text_features = _aligned(text_features, source.index, given_rows)
    task = _SplitTask(
        spells=spells,
        index=source.index,
        given_rows=given_rows,
        covariates=tuple(covariates),
        censor_training=censor_training,
        feature_sets=tuple(feature_sets),
        text_features=text_features,
        history=history,
        seed=seed,
        models=tuple(models),
        model_options={k: dict(v) for k, v in (model_options or {}).items()},
        times=times,
    )
    workers = resolve_jobs(n_jobs, design)
    # One task per split and feature set (the text features are made once per split).
    parts = [(split, feature_set) for split in splits for feature_set in feature_sets]
    fitted_parts = iter(
        run_tasks(
            _fit_part, parts, args=(task,), n_jobs=workers if len(parts) > 1 else 1,
            progress=progress, description="cross-validation" if len(splits) > 1 else "fitting",
        )
    )  # fmt: skip
    predictions: list[pd.DataFrame] = []
    backend: dict[str, FittedRiskModel] = {}
    n_train = 0
    oracle = None if truth is None else oracle_risk(truth, spells, horizon)
    text_records: list[dict[str, Any]] = []
    # test spells with a level their training spells lacked (each split counted once)
    unseen_levels = 0
    for number, split in enumerate(splits, start=1):
        for first, _ in enumerate(feature_sets):
            part_predictions, part_backend, text_record, unplaced = next(fitted_parts)
            unseen_levels += unplaced if first == 0 else 0
            predictions += part_predictions
            backend.update(part_backend)
            if text_record is not None:
                text_records.append({"split": number, **text_record})
        predictions += _oracle_predictions(split, task, oracle)
        n_train += len(split.train)
    frame = pd.concat(predictions, ignore_index=True)
    test_rows = np.unique(np.concatenate([s.test for s in splits]))
    test = spells.iloc[test_rows].reset_index(drop=True)
    status = horizon_status(test["duration"], test["event"], horizon, competing=competing)
    if int(status.case.sum()) == 0:
        raise DesignError(
            f"no escalations by day {horizon} in the test data; choose a shorter horizon "
            "or an earlier cutoff"
        )
    replicates = bootstrap_indices(family_groups(test), bootstrap, seed) if bootstrap else []
    groups = fairness_groups(test)
    thresholds = (
        np.round(np.arange(0.01, 0.505, 0.01), 2)
        if thresholds is None
        else np.asarray(thresholds, dtype=float)
    )
    position = pd.Series(np.arange(len(test)), index=test["spell_id"].to_numpy())
    metric_rows: list[pd.DataFrame] = []
    subgroup_rows: list[pd.DataFrame] = []
    calibration_rows: list[pd.DataFrame] = []
    decision_rows: list[pd.DataFrame] = []
    labels = list(dict.fromkeys(frame["model"]))
    matrices = {label: _risk_matrix(frame, label, position, len(test), times) for label in labels}
    duration_all, event_all = test["duration"].to_numpy(), test["event"].to_numpy()
    # Models with a prediction for every test spell are scored by group together (each
    # bootstrap sample and group counted once); the others one by one below.
    complete = [label for label in labels if np.isfinite(matrices[label][:, -1]).all()]
    joint = _joint_subgroups(
        complete, matrices, duration_all, event_all, groups, horizon,
        flags=flags, replicates=replicates, min_group=min_group, conf_level=conf_level,
        competing=competing, n_jobs=workers,
    )  # fmt: skip
    tables: dict[str, pd.DataFrame] = {}
    auc_draws: dict[str, npt.NDArray[np.float64]] = {}
    predicted: dict[str, npt.NDArray[np.bool_]] = {}
    for label in labels:
        rows = frame[frame["model"] == label]
        matrix = matrices[label]
        risk = matrix[:, -1]
        usable = np.isfinite(risk)
        predicted[label] = usable
        if not usable.all():
            warnings.warn(
                f"{label}: {int((~usable).sum())} test spells without a prediction were "
                "left out of its metrics",
                StatisticalWarning,
                stacklevel=2,
            )
        sub = test[usable].reset_index(drop=True)
        duration, event = sub["duration"].to_numpy(), sub["event"].to_numpy()
        r = risk[usable]
        feature_set = str(rows["feature_set"].iloc[0])
        tables[label], auc_draws[label] = _metric_table(
            label,
            feature_set,
            duration,
            event,
            r,
            matrix[usable],
            times,
            horizon,
            flags=flags,
            replicates=_restrict(replicates, usable),
            conf_level=conf_level,
            competing=competing,
            n_jobs=workers,
        )
        subgroup_rows.append(
            joint[label]
            if label in joint
            else subgroup_metrics(
                duration,
                event,
                r,
                groups[usable].reset_index(drop=True),
                horizon,
                model=label,
                flags=flags,
                replicates=_restrict(replicates, usable),
                min_n=min_group,
                min_events=min_group,
                conf_level=conf_level,
                competing=competing,
                n_jobs=workers,
            )
        )
        curve = calibration_curve(
            duration, event, r, horizon, competing=competing, conf_level=conf_level
        )
        calibration_rows.append(curve.assign(model=label))
        benefit = _decision_curve(
            duration, event, r, horizon, thresholds, _restrict(replicates, usable),
            label=label, conf_level=conf_level, competing=competing,
        )  # fmt: skip
        decision_rows.append(benefit[benefit["model"] == "model"].assign(model=label))
        if label == labels[0]:
            decision_rows.append(benefit[benefit["model"] != "model"])
    for label in labels:
        metric_rows.append(tables[label])
        base = label.removesuffix(TEXT_SUFFIX)
        if label.endswith(TEXT_SUFFIX) and base in tables:
            metric_rows += _auc_difference(
                label, tables, auc_draws, predicted, conf_level=conf_level
            )
    metrics = pd.concat(metric_rows, ignore_index=True)
    fairness = pd.concat(subgroup_rows, ignore_index=True)[list(FAIRNESS_COLUMNS)]
    calibration = pd.concat(calibration_rows, ignore_index=True)[
        ["model", "predicted", "observed", "conf_low", "conf_high", "conf_level"]
    ]
    decision = pd.concat(decision_rows, ignore_index=True)
    period = pd.to_datetime(test["time_zero"])
    facts = {
        "Outcome": "escalation ("
        + ", ".join(design.outcome.events)
        + f") by day {horizon}; "
        + _DEATHS[competing],
        "Validation": (
            "temporal: trained on earlier time zeros, tested on later ones"
            if validation == "temporal"
            else f"{n_splits}-fold cross-validation grouped by family"
        ),
        # Counts are exact here (the API's results stay exact, for use inside the local
        # authority); escalation.disclosure.disclose_model_card discloses them.
        ("Training spells" if validation == "temporal" else "Training spells per fold"): (
            int(n_train) if validation == "temporal" else int(n_train // max(n_splits, 1))
        ),
        "Test spells": len(test),
        "Spells left out (later spells of families already in the training data)": (
            int(len(spells) - len(test) - n_train) if validation == "temporal" else 0
        ),
        "Test escalations by the horizon": int(status.case.sum()),
        "Test time zeros": f"{period.min():%B %Y} to {period.max():%B %Y}",
        "Bootstrap": f"{bootstrap} replicates over families (seed {seed})",
    }
    if unseen_levels:
        facts[UNSEEN_LEVELS] = unseen_levels
    cards = {}
    for label in labels:
        if label == ORACLE:
            continue
        kind = label.removesuffix("+text")
        extra = " with case-note (text) features" if label.endswith("+text") else ""
        cards[label] = model_card(
            label,
            metrics,
            fairness,
            description=(
                f"{_DESCRIPTIONS[kind]}{extra}, predicting the risk of escalation by day "
                f"{horizon} after a referral closed with no further action or to early help."
            ),
            facts={**facts, "Features": _feature_text(label, covariates, text_records)},
            min_group=min_group,
        )
    public = frame.drop(columns=["_risks"])
    return RiskValidation(
        metrics=metrics,
        subgroup_metrics=fairness,
        calibration=calibration,
        decision_curve=decision,
        predictions=public,
        model_cards=cards,
        horizon=horizon,
        validation=validation,
        n_train=n_train,
        n_test=len(test),
        events_test=int(status.case.sum()),
        dropped=len(spells) - len(test) - (n_train if validation == "temporal" else 0),
        backend=backend,
        provenance=provenance(
            seed=seed,
            bootstrap=bootstrap,
            validation=validation,
            models=list(models),
            feature_sets=list(feature_sets),
            censor_training=censor_training,
            # the settings that move the metrics (None: not used by this validation)
            cutoff=None if splits[0].cutoff is None else f"{splits[0].cutoff:%Y-%m-%d}",
            n_splits=int(n_splits) if validation == "grouped_cv" else None,
            competing=competing,
            flags=[float(q) for q in flags],
            min_group=int(min_group),
            conf_level=float(conf_level),
            model_options=task.model_options,
            # how the case-note features were made, per split (None: not used)
            text_features=text_records or None,
            # test spells coded as the reference level for a level their training lacked
            unseen_levels=unseen_levels,
            data_hash=data_hash(spells[["spell_id", "duration", "event"]]),
        ),
    )


def _risk_matrix(
    frame: pd.DataFrame, label: str, position: pd.Series, n: int, times: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Return one model's predicted risks at ``times`` for every test spell (NaN: none)."""
    rows = frame[frame["model"] == label]
    matrix = np.full((n, len(times)), np.nan)
    matrix[position[rows["spell_id"].to_numpy()].to_numpy()] = np.vstack(list(rows["_risks"]))
    return matrix


def _joint_subgroups(
    labels: Sequence[str],
    matrices: Mapping[str, npt.NDArray[np.float64]],
    duration: npt.NDArray[Any],
    event: npt.NDArray[Any],
    groups: pd.DataFrame,
    horizon: int,
    *,
    flags: Sequence[float],
    replicates: Sequence[npt.NDArray[np.int64]],
    min_group: int,
    conf_level: float,
    competing: Competing,
    n_jobs: int,
) -> dict[str, pd.DataFrame]:
    """Return :func:`subgroup_metrics` of every model in ``labels``, found together.

    Each model predicts every test spell; each bootstrap sample and group is counted
    once for all of them.
    """
    if not labels:
        return {}
    time, code, _ = prediction_arrays(duration, event)
    scores = [prediction_arrays(time, code, matrices[label][:, -1])[2] for label in labels]
    check_groups(groups, len(time))
    tables = subgroup_tables(
        time, code, scores, groups, horizon, models=labels, flags=flags,
        replicates=list(replicates), min_n=min_group, min_events=min_group,
        conf_level=conf_level, competing=competing, n_jobs=n_jobs,
    )  # fmt: skip
    return dict(zip(labels, tables, strict=True))


@dataclass(frozen=True, eq=False)
class _SplitTask:
    """What every split's fit needs (sent once to each worker process)."""

    spells: pd.DataFrame
    index: pd.Index
    #: Position in ``data.spells`` of each row of :attr:`spells` (errors name those rows).
    given_rows: npt.NDArray[np.int64]
    covariates: tuple[str, ...]
    censor_training: bool
    feature_sets: tuple[str, ...]
    text_features: pd.DataFrame | None
    history: Any
    seed: int
    models: tuple[str, ...]
    model_options: dict[str, dict[str, Any]]
    times: npt.NDArray[np.float64]


def _fit_part(
    part: tuple[Split, str], task: _SplitTask
) -> tuple[list[pd.DataFrame], dict[str, FittedRiskModel], dict[str, Any] | None, int]:
    """Fit every model of one split and feature set on its training spells; predict its test.

    Returns the predictions, the fitted models, for ``structured+text`` how the text
    features were made, and how many test spells had a level the training spells lacked
    (coded as the reference level).

    Module level, so splits and feature sets run on worker processes; every model is
    seeded from the task, so the predictions do not depend on where they ran.
    """
    split, feature_set = part
    spells, covariates, seed, times = task.spells, list(task.covariates), task.seed, task.times
    predictions: list[pd.DataFrame] = []
    backend: dict[str, FittedRiskModel] = {}
    train, test = spells.iloc[split.train], spells.iloc[split.test]
    coding = CovariateCoding.learn(train, covariates)
    # Errors name the rows of data.spells. The test spells are new rows to the coding
    # learnt on the training spells: a level they never had (a fold's level the other
    # folds lack, or one first seen after a temporal cutoff) is coded as the reference,
    # with a warning (CovariateCoding.apply's held_out), and counted for the model card.
    with reordered_rows(train, task.given_rows[split.train]).input_rows():
        x_train = coding.apply(train)
    learnt_on = (
        "the spells of the other folds"
        if split.cutoff is None
        else f"the training spells (time zero before {split.cutoff.date()})"
    )
    with reordered_rows(test, task.given_rows[split.test]).input_rows():
        x_test = coding.apply(test, table="spells", held_out=True, learnt_on=learnt_on)
    unplaced = int(coding.unplaced(test).sum())
    train_duration, train_event = _training_outcome(train, split, censor=task.censor_training)
    text_record: dict[str, Any] | None = None
    if feature_set == "structured+text":
        if task.text_features is not None:  # one row per spell, in their order (_aligned)
            text = task.text_features
            text_record = _precomputed_record(text)
        else:
            text, text_record = _text_matrix(task.history, spells, split.train, seed)
        clash = [str(c) for c in text.columns if c in x_train.columns]
        if clash:
            raise DesignError(
                f"text feature(s) {', '.join(map(repr, clash))} share a name with a coded "
                "covariate of the spells; rename them"
            )
        text = text.set_axis(spells.index)
        x_train = pd.concat([x_train, text.iloc[split.train]], axis=1)
        x_test = pd.concat([x_test, text.iloc[split.test]], axis=1)
    for kind in task.models:
        options = dict(task.model_options.get(kind, {}))
        options.setdefault("seed", seed)
        fitted = risk_model(kind, **options).fit(x_train, train_duration, train_event)
        risk = fitted.predict_risk(x_test, times)
        label = _model_label(kind, feature_set)
        backend[label] = fitted
        predictions.append(_prediction_frame(spells, split, label, feature_set, risk))
    return predictions, backend, text_record, unplaced


def _oracle_predictions(
    split: Split, task: _SplitTask, oracle: pd.Series | None
) -> list[pd.DataFrame]:
    """Return the true risks of the split's test spells (none without a simulation truth).

    ``oracle``: every spell's true risk (:func:`oracle_risk`, found once for all splits).
    """
    if oracle is None:
        return []
    risk = np.full((len(split.test), len(task.times)), np.nan)
    risk[:, -1] = oracle.to_numpy()[split.test]
    return [_prediction_frame(task.spells, split, ORACLE, "truth", risk)]


def _aligned(
    features: pd.DataFrame, index: pd.Index, given_rows: npt.NDArray[np.int64]
) -> pd.DataFrame:
    """Return the text features in the order of the spells: one row per spell, no other.

    ``index`` holds the labels of the spells in the order they are fitted in, and
    ``given_rows`` each one's position in ``data.spells`` (errors name that row). A row of
    ``features`` for no spell is refused, not dropped: a table indexed like other spells
    (another selection of them, renumbered) would give its rows to the wrong children.

    Raises
    ------
    DataValidationError
        Naming the first row of ``text_features`` that repeats a spell or is for no spell
        of ``data.spells``, the first row of ``spells`` without text features, and the
        first row and column of a missing value, each with the count of its kind; never
        an index label (it may be an identifier).
    """
    own = features.index
    fix = "index text_features like data.spells, one row per spell"
    problems: list[Problem] = []
    repeats = np.flatnonzero(own.duplicated())
    if repeats.size:
        problems.append(
            Problem("text_features", int(repeats[0]), None, None,
                    f"this row repeats the spell of an earlier row ({repeats.size} such "
                    f"row(s)); {fix}")
        )  # fmt: skip
    extra = np.flatnonzero(~own.isin(index))
    if extra.size:
        problems.append(
            Problem("text_features", int(extra[0]), None, None,
                    f"this row is for no spell of data.spells ({extra.size} such row(s)); "
                    f"{fix} (text_features.loc[data.spells.index])")
        )  # fmt: skip
    absent = np.flatnonzero(~index.isin(own))
    if absent.size:
        problems.append(
            Problem("spells", int(given_rows[absent].min()), None, None,
                    f"this spell has no row in text_features ({absent.size} spell(s) have "
                    f"none); {fix}, and fill absent notes with 0")
        )  # fmt: skip
    if problems:
        raise DataValidationError(problems, "text features")
    values = features.to_numpy(dtype=float)
    gaps = np.argwhere(np.isnan(values))
    if gaps.size:
        row, column = (int(v) for v in gaps[0])
        problems.append(
            Problem("text_features", row, str(features.columns[column]), None,
                    f"missing text feature ({len(np.unique(gaps[:, 0]))} row(s) with one); "
                    "fill absent notes with 0")
        )  # fmt: skip
        raise DataValidationError(problems, "text features")
    return features.reindex(index).reset_index(drop=True).astype(float)


def _net_benefit_rows(
    rows: npt.NDArray[np.int64],
    duration: npt.NDArray[Any],
    event: npt.NDArray[Any],
    risk: npt.NDArray[np.float64],
    horizon: int,
    thresholds: npt.NDArray[np.float64],
    competing: Competing,
) -> pd.DataFrame:
    """Net benefit on one bootstrap sample."""
    return net_benefit(
        duration[rows], event[rows], risk[rows], horizon, thresholds, competing=competing
    )


def _decision_curve(
    duration: npt.NDArray[Any],
    event: npt.NDArray[Any],
    risk: npt.NDArray[np.float64],
    horizon: int,
    thresholds: npt.NDArray[np.float64],
    replicates: Sequence[npt.NDArray[np.int64]],
    *,
    label: str = "model",
    conf_level: float,
    competing: Competing,
) -> pd.DataFrame:
    """Net benefit of the model ``label``, of flagging all and none, with bootstrap intervals.

    A draw whose net benefit is NaN (every spell drawn ended before the horizon) is left
    out of the interval, counted (``draws_left_out``, as the metric tables count them;
    empty without a bootstrap) and warned of; too many make the interval missing
    (:func:`~escalation.predict.metrics.bootstrap_interval`).
    """
    point = net_benefit(duration, event, risk, horizon, thresholds, competing=competing)
    draws = batched_map(
        _net_benefit_rows,
        replicates,
        shared=(duration, event, risk, horizon, thresholds, competing),
        description="decision curve bootstrap",
    )
    frames = []
    # Each row keeps the (expected) counts its net benefit is made of, which disclosure
    # control publishes it from (disclose_decision_curve).
    for name, counts in (
        ("model", ("true_positives", "false_positives")),
        ("treat_all", ("escalations", "non_escalations")),
    ):
        values = np.array([d[name].to_numpy() for d in draws]).reshape(len(draws), len(thresholds))
        bounds = [bootstrap_interval(values[:, k], conf_level) for k in range(len(thresholds))]
        warn_left_out(
            f"{label}: decision curve ({name})",
            {f"net benefit at {t:g}": b for t, b in zip(thresholds, bounds, strict=True)},
            stacklevel=3,
        )
        frames.append(
            pd.DataFrame(
                {
                    "model": name,
                    "threshold": thresholds,
                    "net_benefit": point[name].to_numpy(),
                    "conf_low": [b.low for b in bounds],
                    "conf_high": [b.high for b in bounds],
                    "conf_level": float(conf_level),
                    "true_positives": point[counts[0]].to_numpy(),
                    "false_positives": point[counts[1]].to_numpy(),
                    "n": point["n"].to_numpy(),
                    "draws_left_out": pd.array([left_out_count(b) for b in bounds], dtype="Int64"),
                }
            )
        )
    frames.append(
        pd.DataFrame(
            {
                "model": "treat_none",
                "threshold": thresholds,
                "net_benefit": 0.0,
                "conf_low": 0.0,
                "conf_high": 0.0,
                "conf_level": float(conf_level),
                "true_positives": 0.0,
                "false_positives": 0.0,
                "n": point["n"].to_numpy(),
                # 0 on every draw: none left out (none drawn without a bootstrap)
                "draws_left_out": pd.array(
                    [0 if len(draws) else pd.NA] * len(thresholds), dtype="Int64"
                ),
            }
        )
    )
    return pd.concat(frames, ignore_index=True)


def _feature_text(
    label: str, covariates: Sequence[str], text_records: Sequence[Mapping[str, Any]]
) -> str:
    """Return the model card's features line (a text model's from how they were made)."""
    base = f"{len(covariates)} baseline covariates known at time zero"
    if TEXT_SUFFIX not in label or not text_records:
        return base
    return f"{base}; plus {_text_feature_text(text_records)}"


def _text_feature_text(records: Sequence[Mapping[str, Any]]) -> str:
    """Describe the text features of every split (``provenance["text_features"]``)."""
    widths = sorted({int(r["n_columns"]) for r in records})
    count = str(widths[0]) if len(widths) == 1 else f"{widths[0]} to {widths[-1]}"
    if records[0]["source"] == "precomputed":
        return f"{count} precomputed text features"
    fitted = [r for r in records if r["topics_fitted"]]
    what = f"{count} case-note features (lexicon counts and flags"
    if not fitted:
        return f"{what} only: no topic model could be fitted on the training notes)"
    topics = f"{fitted[0]['n_topics']} {str(fitted[0]['method']).upper()} topics"
    if len(fitted) == len(records):
        return f"{what}, {topics} fitted on the training notes)"
    return (
        f"{what}, {topics} fitted on the training notes in {len(fitted)} of "
        f"{len(records)} folds; lexicon only in the others)"
    )


def _prediction_frame(
    spells: pd.DataFrame, split: Split, label: str, feature_set: str, risk: npt.NDArray[np.float64]
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "spell_id": spells["spell_id"].to_numpy()[split.test],
            "split": split.label,
            "model": label,
            "feature_set": feature_set,
            "risk": risk[:, -1],
            "_risks": list(risk),
        }
    )


def _restrict(
    replicates: Sequence[npt.NDArray[np.int64]], usable: npt.NDArray[np.bool_]
) -> list[npt.NDArray[np.int64]]:
    if usable.all():
        return list(replicates)
    new_index = np.cumsum(usable) - 1
    return [new_index[r[usable[r]]].astype(np.int64) for r in replicates]


@dataclass(frozen=True)
class _ScoreInputs:
    """One model's test-set predictions, scored on every bootstrap sample (sent to workers)."""

    duration: npt.NDArray[Any]
    event: npt.NDArray[Any]
    risk: npt.NDArray[np.float64]
    matrix: npt.NDArray[np.float64]
    times: npt.NDArray[np.float64]
    horizon: int
    flags: tuple[float, ...]
    competing: Competing
    has_curve: bool


def _metrics_of_sample(
    rows: npt.NDArray[np.int64] | slice, inputs: _ScoreInputs
) -> dict[str, float]:
    """Return every metric of the predictions on ``rows`` (a bootstrap sample, or all).

    :func:`~escalation.predict.metrics.score_risks` and the integrated Brier score; the
    statistic the bootstrap of :func:`_metric_table` resamples.
    """
    out = score_risks(
        inputs.duration[rows],
        inputs.event[rows],
        inputs.risk[rows],
        inputs.horizon,
        flags=inputs.flags,
        competing=inputs.competing,
    )
    out["integrated_brier"] = (
        integrated_brier_score(
            inputs.duration[rows],
            inputs.event[rows],
            inputs.matrix[rows],
            inputs.times,
            competing=inputs.competing,
        )
        if inputs.has_curve
        else float("nan")
    )
    return out


def _metric_table(
    label: str,
    feature_set: str,
    duration: npt.NDArray[Any],
    event: npt.NDArray[Any],
    risk: npt.NDArray[np.float64],
    matrix: npt.NDArray[np.float64],
    times: npt.NDArray[np.float64],
    horizon: int,
    *,
    flags: Sequence[float],
    replicates: Sequence[npt.NDArray[np.int64]],
    conf_level: float,
    competing: Competing,
    n_jobs: int = 1,
) -> tuple[pd.DataFrame, npt.NDArray[np.float64]]:
    """Return one model's metrics table and its AUC on every bootstrap sample (in order).

    A draw on which a metric could not be estimated (every spell drawn ended before the
    horizon, no escalation drawn, or nobody flagged at an operating point) is left out of
    its interval and counted, in the table's ``draws_left_out`` column (shown on the
    model card) and in a warning naming the metrics; an interval missing more than
    :data:`~escalation.predict.metrics.MAX_LEFT_OUT` of its draws is missing
    (:func:`~escalation.predict.metrics.bootstrap_interval`).
    """
    inputs = _ScoreInputs(
        duration=duration,
        event=event,
        risk=risk,
        matrix=matrix,
        times=times,
        horizon=horizon,
        flags=tuple(flags),
        competing=competing,
        has_curve=bool(np.isfinite(matrix).all()),
    )
    point = _metrics_of_sample(slice(None), inputs)
    draws = run_batched(
        _metrics_of_sample,
        replicates,
        args=(inputs,),
        n_jobs=n_jobs,
        description=f"{label}: bootstrap",
    )
    records = []
    # The draws left out of an estimate's interval (not of one not estimated at all, such
    # as the integrated Brier score of a model without a risk curve).
    intervals: dict[str, BootstrapInterval] = {}
    for metric, estimate in point.items():
        left_out = float("nan")  # no interval: none asked (counts) or not estimated
        if metric in ("n", "events"):
            low = high = float("nan")
        else:
            interval = bootstrap_interval([d[metric] for d in draws], conf_level)
            low, high = interval.low, interval.high
            if np.isfinite(estimate):
                intervals[metric] = interval
                left_out = left_out_count(interval)
        records.append(
            {
                "model": label,
                "feature_set": feature_set,
                "metric": metric,
                "estimate": estimate,
                "conf_low": low,
                "conf_high": high,
                "conf_level": conf_level,
                "horizon": horizon,
                "draws_left_out": left_out,
            }
        )
    warn_left_out(f"{label}: metrics", intervals, stacklevel=3)
    table = pd.DataFrame.from_records(records, columns=list(METRIC_COLUMNS))
    table["draws_left_out"] = table["draws_left_out"].astype("Int64")
    return table, np.array([d["auc"] for d in draws], dtype=float)


def _auc_difference(
    label: str,
    tables: Mapping[str, pd.DataFrame],
    auc_draws: Mapping[str, npt.NDArray[np.float64]],
    predicted: Mapping[str, npt.NDArray[np.bool_]],
    *,
    conf_level: float,
) -> list[pd.DataFrame]:
    """Return the ``auc_difference`` row of the text model ``label`` (none if unpaired).

    The estimate is the text model's AUC minus that of the same model on structured data
    (the two ``auc`` rows); the interval is the percentile interval of the differences on
    each bootstrap sample, both AUCs computed on the same resampled children. Models that
    predict different test spells are not paired (no row, with a warning).
    """
    base = label.removesuffix(TEXT_SUFFIX)
    if not np.array_equal(predicted[label], predicted[base]):
        warnings.warn(
            f"{label} and {base} predict different test spells: their AUCs are not "
            f"compared pairwise (no {AUC_DIFFERENCE} row)",
            StatisticalWarning,
            stacklevel=4,  # past validate_risk_models and its one_blas_thread wrapper
        )
        return []
    row = tables[label][tables[label]["metric"] == "auc"].copy()
    base_auc = tables[base].loc[tables[base]["metric"] == "auc", "estimate"].to_numpy(float)
    interval = bootstrap_interval(auc_draws[label] - auc_draws[base], conf_level)
    warn_left_out(label, {AUC_DIFFERENCE: interval}, stacklevel=3)
    low, high = interval.low, interval.high
    row["metric"] = AUC_DIFFERENCE
    row["estimate"] = row["estimate"].to_numpy(float) - base_auc
    row["conf_low"], row["conf_high"] = low, high
    row["draws_left_out"] = pd.array([left_out_count(interval)] * len(row), dtype="Int64")
    return [row]
