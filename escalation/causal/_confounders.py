"""The confounders of a causal estimator: a list of columns or a formula, coded once.

The propensity model and the outcome models of an estimator adjust for the same
confounders. They are named as covariates (coded by
:class:`~escalation.timeline.CovariateCoding`) or as a formula
``"Surv(duration, event) ~ x + C(g) + bs(age, df=3)"`` (coded by
:class:`~escalation.formula.FormulaCoding`), whose left-hand side names the outcome
columns.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from escalation._formula_shown import shown_formula
from escalation._vocabulary import covariates_apart, spells_of
from escalation.errors import DesignError
from escalation.formula import FormulaCoding, formula_argument, warn_rare_levels
from escalation.timeline.matrix import Coding, CovariateCoding, coding_record
from escalation.timeline.spells import SpellData

__all__ = ["Confounders", "confounders", "spells_and_covariates"]


@dataclass(frozen=True)
class Confounders:
    """The coded confounders and the outcome columns an estimator uses.

    Attributes
    ----------
    coding : Coding
        How the confounders become columns.
    duration, event : str
        Outcome columns (from the formula's ``Surv(duration, event)`` when given).
    described : list of str or str
        The covariates, or the formula's right-hand side (recorded in the settings).
    """

    coding: Coding
    duration: str
    event: str
    described: list[str] | str

    def record(self, min_count: int) -> dict[str, Any]:
        """Return the settings an estimator records of its confounders.

        ``covariates`` (the list, or the formula's right-hand side), the outcome columns
        ``duration`` and ``event``, ``min_count`` and ``coding`` (each categorical's kept
        levels and the levels pooled into ``other``:
        :func:`~escalation.timeline.matrix.coding_record`; ``{}`` for a formula): the
        keys of ``EffectsResult.settings`` and ``AdjustedCurveResult.settings``.

        Examples
        --------
        >>> frame = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 2 + ["c"]})
        >>> adjust = Confounders(CovariateCoding.learn(frame, ["g"], min_count=2), "t", "e", ["g"])
        >>> adjust.record(2)  # doctest: +NORMALIZE_WHITESPACE
        {'covariates': ['g'], 'duration': 't', 'event': 'e', 'min_count': 2,
         'coding': {'levels': {'g': ['a', 'b', 'other']}, 'pooled': {'g': ['c']}}}
        """
        return {
            "covariates": self.described,
            "duration": self.duration,
            "event": self.event,
            "min_count": min_count,
            "coding": coding_record(self.coding),
        }


def confounders(
    frame: pd.DataFrame,
    covariates: Sequence[str] | str | None,
    formula: str | None,
    *,
    duration: str,
    event: str,
    min_count: int,
    treatment: str | None = None,
) -> Confounders:
    """Return the coded confounders of ``frame`` from covariates or a formula.

    Covariates are coded by :class:`~escalation.timeline.CovariateCoding`, which pools
    levels rarer than ``min_count`` into ``other``; a formula's levels are used as
    written, with a ``StatisticalWarning`` naming its categorical variables with rarer
    levels (:func:`~escalation.formula.warn_rare_levels`).

    Raises
    ------
    DesignError
        When neither is given, a covariate is the outcome or ``treatment`` column, the
        formula's left-hand side is not ``Surv(duration,
        event)`` (or absent), or it and ``duration``/``event`` disagree.

    Examples
    --------
    >>> frame = pd.DataFrame({"t": [1.0, 2.0], "e": [1, 0], "g": ["b", "a"]})
    >>> c = confounders(frame, "Surv(t, e) ~ g", None, duration="duration", event="event",
    ...                 min_count=1)
    >>> c.duration, c.event, c.coding.names
    ('t', 'e', ('g[T.b]',))
    """
    model = formula_argument(covariates, formula)
    treated = {"treatment": treatment} if treatment else {}
    if model is None:
        if covariates is None:
            raise DesignError(
                "name the confounders: covariates=[...] or a formula "
                "'Surv(duration, event) ~ x + C(g)'"
            )
        names = [covariates] if isinstance(covariates, str) else list(covariates)
        covariates_apart(names, {"duration": duration, "event": event, **treated})
        coding = CovariateCoding.learn(frame, names, min_count=min_count)
        return Confounders(coding, duration, event, names)
    if model.strata or model.cluster or model.counting or len(model.response) == 1:
        raise DesignError(
            "the confounders' formula is 'Surv(duration, event) ~ confounders' (or the "
            "confounders alone), without strata() or cluster(); got "
            f"{shown_formula(model.formula)!r}"
        )
    if model.cause is not None:
        raise DesignError(
            "the causal estimators model escalation as cause 1 and other events as "
            f"competing; write Surv({', '.join(model.response)}) without '== k'"
        )
    if model.response:
        duration, event = model.response
    learnt = FormulaCoding.learn(frame, model.rhs)
    covariates_apart(learnt.columns, {"duration": duration, "event": event, **treated})
    warn_rare_levels(frame, learnt, min_count, stacklevel=3)  # used as written
    return Confounders(learnt, duration, event, model.rhs)


def spells_and_covariates(
    data: Any, covariates: Sequence[str] | str | None, formula: str | None, *, function: str
) -> tuple[pd.DataFrame, Sequence[str] | str | None]:
    """Return the spells table of ``data`` and the confounders to name.

    A :class:`~escalation.timeline.SpellData` gives its ``spells`` and, when neither
    ``covariates`` nor ``formula`` is given, its design's ``model_covariates``; a data
    frame is used as it is, with ``covariates`` as given (:func:`spells_of`).

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        The spells.
    covariates : sequence of str or str, optional
        The confounders named by the caller.
    formula : str, optional
        The confounders' formula named by the caller.
    function : str
        The entry point called, named in the error.

    Raises
    ------
    DesignError
        When ``data`` is neither a SpellData nor a data frame (naming ``function`` and
        the type given).

    Examples
    --------
    >>> frame = pd.DataFrame({"duration": [1.0], "event": [1], "x": [0.5]})
    >>> spells_and_covariates(frame, ["x"], None, function="estimate_effects")[1]
    ['x']
    """
    frame = spells_of(data, function=function)
    if covariates is None and formula is None and isinstance(data, SpellData):
        covariates = data.model_covariates
    return frame, covariates
