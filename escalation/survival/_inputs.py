"""What every survival model entry point reads from its arguments, said once.

A model is given either covariates or a formula (:mod:`escalation.formula`), column names
``duration``/``event`` (or a formula's ``Surv(...)``), a ``cause``, ``strata`` and a
``cluster`` (``"auto"``: the design's). :func:`resolve_outcome` turns these into one
:class:`ModelTerms`, and :func:`learn_coding` makes the coding of the covariates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._formula_shown import shown_formula
from escalation._vocabulary import cause_from_event, covariates_apart, resolve_cluster, spells_of
from escalation.errors import DesignError, available_columns, refuse_personal
from escalation.formula import FormulaCoding, formula_argument, warn_rare_levels
from escalation.timeline.matrix import Coding, CovariateCoding, given_coding

#: Why a personal column is no stratum (the role
#: :func:`~escalation.errors.refuse_personal` names): a stratified model labels its
#: baseline hazards (``baseline_hazard()``'s ``stratum``) by the strata's values.
_STRATUM_ROLE: Final = (
    "a stratum: a stratified model labels each stratum's baseline hazard by its value, "
    "which its results print; to allow for the repeated spells of a child or family, "
    "cluster on the identifier instead (cluster= or cluster(...) in a formula)"
)

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "TREATMENT_STARTED",
    "ModelTerms",
    "frame_of",
    "learn_coding",
    "profile_labels",
    "require_columns",
    "resolve_outcome",
]

#: The time-varying treatment column of a SpellData's counting-process rows.
TREATMENT_STARTED = "treatment_started"


@dataclass(frozen=True)
class ModelTerms:
    """The columns and options of a model, from its arguments or its formula.

    Attributes
    ----------
    time : tuple of str
        ``(duration,)``, or ``(start, stop)`` for counting-process rows.
    event : str
        Column of event codes.
    cause : int or None
        The cause modelled (``None``: the entry point's default).
    strata : tuple of str
        Strata columns.
    cluster : str or None
        Cluster column (``"auto"`` resolved).
    covariates : tuple of str or None
        Covariate columns (``None``: a formula, or the data's default).
    rhs : str or None
        The formula's covariates (right-hand side), when a formula was given.
    """

    time: tuple[str, ...]
    event: str
    cause: int | None
    strata: tuple[str, ...]
    cluster: str | None
    covariates: tuple[str, ...] | None
    rhs: str | None

    @property
    def time_varying(self) -> bool:
        """Whether the rows are (start, stop] counting-process rows."""
        return len(self.time) == 2


def resolve_outcome(
    function: str,
    data: Any,
    covariates: Sequence[str] | str | None,
    formula: str | None,
    outcome: tuple[str, object, int | None],
    *,
    cluster: str | None,
    strata: str | Sequence[str] | None = None,
    time_varying: bool = False,
    default_cause: int | None = 1,
    stratified: bool = False,
    counting: bool = False,
) -> ModelTerms:
    """Combine an entry point's arguments and formula into :class:`ModelTerms`.

    Parameters
    ----------
    function : str
        The entry point's name (for messages).
    data, covariates, formula
        The entry point's arguments.
    outcome : tuple
        Its ``(duration, event, cause)`` arguments.
    cluster, strata, time_varying
        Its arguments of those names.
    default_cause : int or None, default 1
        The cause when neither ``cause`` nor the formula names one.
    stratified : bool, default False
        Whether the model has strata (else ``strata()`` in a formula is an error).
    counting : bool, default False
        Whether the model fits (start, stop] rows (``fit_cox``); else a formula's
        ``Surv(start, stop, event)`` is an error.

    Raises
    ------
    DesignError
        When the formula is not a survival formula, it and the arguments disagree, or it
        has (start, stop] times for a model without them.
    """
    duration, event, cause = outcome
    event_column, cause = cause_from_event(event, cause, function=function)
    model = formula_argument(covariates, formula)
    time: tuple[str, ...] = ("start", "stop") if time_varying else (duration,)
    strata_cols = (strata,) if isinstance(strata, str) else tuple(strata or ())
    if model is None:
        names = (covariates,) if isinstance(covariates, str) else covariates
        terms = ModelTerms(
            time=time,
            event=event_column,
            cause=cause,
            strata=strata_cols,
            cluster=resolve_cluster(data, cluster),
            covariates=None if names is None else tuple(names),
            rhs=None,
        )
        return _finish(terms, function, default_cause, stratified)
    if not model.survival:
        raise DesignError(
            f"{function}: the formula has Surv(duration, event) on the left, got "
            f"{shown_formula(model.formula)!r}"
        )
    if model.cause is not None and cause is not None and int(cause) != model.cause:
        raise DesignError(
            f"{function}: the formula says event == {model.cause} but cause={cause} was "
            "given; give the cause once"
        )
    if model.strata and strata_cols:
        raise DesignError(f"{function}: give strata in the formula or as strata=, not both")
    *times, status = model.response
    if time_varying and len(times) != 2:
        raise DesignError(
            f"{function}: time_varying=True fits (start, stop] rows, but the formula's left-hand "
            f"side is {shown_formula(model.formula.split('~')[0].strip())}; write "
            "Surv(start, stop, event)"
        )
    if len(times) == 2 and not counting:
        raise DesignError(
            f"{function} has no (start, stop] rows (no delayed entry or time-varying "
            f"covariates), but the formula's left-hand side is "
            f"{shown_formula(model.formula.split('~')[0].strip())}; write Surv(duration, event) "
            "with the "
            "follow-up time"
        )
    terms = ModelTerms(
        time=tuple(times),
        event=status,
        cause=model.cause if model.cause is not None else cause,
        strata=model.strata or strata_cols,
        cluster=model.cluster if model.cluster is not None else resolve_cluster(data, cluster),
        covariates=None,
        rhs=model.rhs,
    )
    return _finish(terms, function, default_cause, stratified)


def _finish(
    terms: ModelTerms, function: str, default_cause: int | None, stratified: bool
) -> ModelTerms:
    covariates_apart(
        terms.covariates,
        {"duration": terms.time[-1], "event": terms.event}
        | ({"start": terms.time[0]} if terms.time_varying else {}),
    )
    if terms.strata and not stratified:
        raise DesignError(f"{function} has no strata; give the strata columns as covariates")
    refuse_personal(terms.strata, _STRATUM_ROLE, "spells")
    if terms.cause is None and default_cause is not None:
        return replace(terms, cause=default_cause)
    return terms


def learn_coding(
    frame: pd.DataFrame,
    terms: ModelTerms,
    *,
    default: Sequence[str] | None,
    min_count: int,
    coding: Coding | None = None,
    per: str | None = None,
) -> Coding:
    """Return the coding of the model's covariates, learnt from ``frame``.

    With ``per`` (``"spell_id"`` for a :class:`~escalation.timeline.SpellData`'s
    counting-process rows) the levels rarer than ``min_count`` are counted once per
    spell, as on the spells table, not once per (start, stop] row: the same children
    are pooled alike with ``time_varying=True`` and without.

    A formula gives a :class:`~escalation.formula.FormulaCoding`; covariates (or the
    data's ``default``) a :class:`~escalation.timeline.CovariateCoding`, which pools the
    levels rarer than ``min_count`` into ``other``; a ``coding`` learnt elsewhere is used
    as it is. A formula's levels are used as written, as in the causal estimators
    (:func:`~escalation.formula.warn_rare_levels`): ``min_count`` pools none of them, and
    a ``StatisticalWarning`` names its categorical variables with rarer levels.

    Raises
    ------
    DesignError
        When no covariates are named, or a coding and a formula are both given.

    Warns
    -----
    StatisticalWarning
        When a formula's categorical variable has levels rarer than ``min_count``.
    """
    if coding is not None:
        if terms.rhs is not None:
            raise DesignError("give a formula or a coding, not both")
        return given_coding(coding)
    if terms.rhs is not None:
        learnt = FormulaCoding.learn(frame, terms.rhs)
        covariates_apart(learnt.columns, {"duration": terms.time[-1], "event": terms.event})
        warn_rare_levels(frame, learnt, min_count, stacklevel=3)  # used as written
        return learnt
    covariates = terms.covariates if terms.covariates is not None else default
    if covariates is None:
        raise DesignError(
            "covariates are required when data is a DataFrame: pass a list of columns or a "
            'formula such as "Surv(duration, event) ~ x + C(g)"'
        )
    once = frame.drop_duplicates(per) if per is not None else frame  # a spell's rows: one
    return CovariateCoding.learn(once, tuple(covariates), min_count=min_count)


def profile_labels(profiles: pd.DataFrame) -> npt.NDArray[Any]:
    """Return the index labels that name the profiles of a prediction.

    Every ``predict_*`` method of escalation's survival models labels its rows ``profile``
    with the index label of the row of ``profiles`` it predicts for (docs/vocabulary.md),
    so predictions of several models merge on ``profile`` and join back to ``profiles``.

    Raises
    ------
    DesignError
        When an index label repeats (the labels are not shown: they may be identifiers).
    """
    if not profiles.index.is_unique:
        repeats = int(profiles.index.duplicated().sum())
        raise DesignError(
            f"profiles: {repeats} row(s) repeat an index label; predictions name each "
            "profile by its index label, so give every row its own (e.g. "
            "profiles.reset_index(drop=True))"
        )
    return np.asarray(profiles.index.to_numpy())


def frame_of(
    data: SpellData | pd.DataFrame, time_varying: bool, *, function: str
) -> tuple[pd.DataFrame, tuple[str, ...] | None]:
    """Return the rows a model is fitted on and its default covariates (None: none).

    A :class:`~escalation.timeline.spells.SpellData` gives its spells, or with
    ``time_varying`` its counting-process rows (with ``family_id``) and
    :data:`TREATMENT_STARTED` first among the covariates; a data frame is its own rows.
    Anything else is refused naming ``function`` (:func:`~escalation._vocabulary.spells_of`).
    """
    from escalation.timeline.spells import SpellData

    if isinstance(data, SpellData):
        if not time_varying:
            return data.spells, data.model_covariates
        frame = data.counting
        if "family_id" not in frame.columns:
            family = data.spells.set_index("spell_id")["family_id"]
            frame = frame.assign(family_id=frame["spell_id"].map(family).to_numpy())
        return frame, (TREATMENT_STARTED, *data.model_covariates)
    return spells_of(data, function=function), None


def require_columns(frame: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    """Raise :class:`~escalation.errors.DesignError` naming ``what`` columns not in ``frame``."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DesignError(
            f"the {what} column(s) {', '.join(map(str, missing))} are not in the data"
            f"{available_columns(missing, frame.columns)}"
        )
