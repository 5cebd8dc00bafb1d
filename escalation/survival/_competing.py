"""Shared pieces of the competing-risks models: input checks and the Cox fit they share.

:func:`prepare_competing` turns a :class:`~escalation.timeline.SpellData` or a spells
frame into numeric arrays (covariates coded with
:class:`~escalation.timeline.CovariateCoding`, checked by the core's one collinearity
check). :func:`fit_counting` fits a weighted (start, stop] Cox model with Efron ties on the
core (:mod:`escalation.core.coxfit`) and returns what the models need: coefficients, the
Efron-corrected baseline hazard, the model-based and the cluster-robust covariance.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._vocabulary import covariates_apart, spells_of
from escalation.clusters import cluster_codes, cluster_labels
from escalation.core.coxfit import fit_cox_model
from escalation.core.riskset import CoxData
from escalation.core.sandwich import cluster_sandwich
from escalation.errors import (
    ConvergenceError,
    DesignError,
    StatisticalWarning,
    available_columns,
)
from escalation.formula import FormulaCoding, warn_rare_levels
from escalation.survival._checks import check_variation
from escalation.survival._outcome import durations, event_codes
from escalation.timeline import CovariateCoding, SpellData
from escalation.timeline.matrix import Coding, given_coding

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "CompetingData",
    "CountingFit",
    "check_cause",
    "fit_counting",
    "prepare_competing",
    "run_lifelines",
]


@dataclass(frozen=True, eq=False)
class CompetingData:
    """Numeric form of competing-risks data, one row per subject."""

    duration: FloatArray
    event: IntArray
    x: FloatArray
    names: tuple[str, ...]
    coding: Coding
    cluster: IntArray
    cluster_name: str | None


def prepare_competing(
    data: SpellData | pd.DataFrame,
    covariates: Sequence[str] | None,
    *,
    duration: str,
    event: str,
    cluster: str | None,
    min_count: int,
    coding: Coding | None = None,
    formula: str | None = None,
    reserved: tuple[str, ...] = (),
    table: str = "",
    function: str,
) -> CompetingData:
    """Check and code the input of a competing-risks model.

    ``formula`` is a right-hand side (:mod:`escalation.formula`), used instead of
    ``covariates``. ``reserved`` are the columns the model adds next to the coded
    covariates in its result's ``table``; a coded covariate of the same name is refused.
    ``function`` is the entry point called, named when ``data`` is refused.

    Raises
    ------
    DesignError
        When ``data`` is neither a SpellData nor a data frame
        (:func:`~escalation._vocabulary.spells_of`), covariates are not named for a plain
        frame, a column is missing, or a coded covariate is named like a ``reserved``
        column.
    DataValidationError
        When durations are not positive or event codes are not whole numbers >= 0, or
        a categorical value has no level of a ``coding`` learnt elsewhere (and no
        ``other`` level to take it), naming the table ``spells``, row, column and value.
    """
    frame = spells_of(data, function=function)
    if isinstance(data, SpellData):
        names = list(data.model_covariates) if covariates is None else list(covariates)
    else:
        names = []
        if covariates is None and coding is None and formula is None:
            raise DesignError(
                "name the covariates (covariates=[...]) when fitting from a data frame; "
                "with SpellData the design's covariates are used"
            )
        if covariates is not None:
            names = list(covariates)
    for column in (duration, event, *([cluster] if cluster else [])):
        if column not in frame.columns:
            raise DesignError(
                f"column {column!r} is not in the spells table"
                f"{available_columns([column], frame.columns)}"
            )
    if not len(frame):
        raise DesignError("the spells table has no rows")
    time = durations(frame[duration])
    codes = event_codes(frame[event])
    if coding is None and formula is not None:
        coding = FormulaCoding.learn(frame, formula)
        covariates_apart(coding.columns, {"duration": duration, "event": event})
        warn_rare_levels(frame, coding, min_count, stacklevel=3)  # used as written
    elif coding is None:
        coding = CovariateCoding.learn(frame, names, min_count=min_count)
    else:
        coding = given_coding(coding)
    taken = [name for name in coding.names if name in reserved]
    if taken:
        raise DesignError(
            f"covariate(s) {', '.join(map(repr, taken))} share a name with a column of the "
            f"result's {table} table ({', '.join(reserved)}), which would overwrite them; "
            "rename them"
        )
    # "spells": rows new to a coding given (one learnt here has a level for each value)
    coded = coding.apply(frame, table="spells")
    if coded.shape[1] == 0:
        raise DesignError("the model has no covariates; name at least one")
    # As in the Cox and AFT models: a column that does not vary, or is a linear combination
    # of earlier ones, is left out with a warning naming it (R's coxph drops it too).
    dropped = set(check_variation(coded, None, list(coding.names)))
    names_kept = [n for n in coding.names if n not in dropped]
    x = coded.to_numpy(dtype=float)[:, [n not in dropped for n in coding.names]]
    if cluster is None:
        groups = np.arange(len(frame), dtype=np.int64)
    else:
        groups = cluster_codes(cluster_labels(frame, cluster))
    return CompetingData(
        duration=time,
        event=codes,
        x=x,
        names=tuple(names_kept),
        coding=coding,
        cluster=groups,
        cluster_name=cluster,
    )


def check_cause(event: IntArray, cause: int, what: str) -> None:
    """Raise when ``cause`` has no events.

    ``cause`` is an event code already checked by :func:`escalation._vocabulary.cause_code`.
    """
    if not np.any(event == cause):
        seen = sorted(int(c) for c in np.unique(event[event > 0]))
        raise DesignError(
            f"cause {cause} has no events, so {what} cannot be fitted; causes with events: "
            f"{seen or 'none'}. Choose another cause or check the event coding"
        )


def run_lifelines(fit: Callable[[], object], what: str) -> None:
    """Run a lifelines fit, translating its convergence problems.

    Convergence warnings become :class:`StatisticalWarning`; failure to converge becomes
    :class:`ConvergenceError`.
    """
    from lifelines.exceptions import ConvergenceError as LifelinesConvergenceError
    from lifelines.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            fit()
        except (LifelinesConvergenceError, np.linalg.LinAlgError) as error:
            raise ConvergenceError(
                f"{what} did not converge ({error}); check for covariates that perfectly "
                "separate events from non-events, drop or combine them"
            ) from error
    for item in caught:
        if issubclass(item.category, ConvergenceWarning):
            warnings.warn(
                f"{what}: {item.message}; check the covariates named there",
                StatisticalWarning,
                stacklevel=4,
            )
        else:
            warnings.warn_explicit(
                item.message, item.category, item.filename, item.lineno, source=item.source
            )


@dataclass(frozen=True, eq=False)
class CountingFit:
    """A weighted (start, stop] Cox model with Efron ties, as the competing-risks models use.

    Attributes
    ----------
    coef : numpy.ndarray
        Log hazard ratios.
    naive : numpy.ndarray
        Model-based covariance (inverse information).
    robust : numpy.ndarray
        Cluster-robust (sandwich) covariance.
    times, hazard : numpy.ndarray
        Event times and Efron-corrected baseline hazard increments at ``center``.
    center : numpy.ndarray
        Weighted covariate means the baseline refers to.
    separated : tuple of str
        Terms with infinite estimates (separation), named in a warning at fit.
    inestimable : tuple of str
        Terms the likelihood does not depend on (held at 0), named in a warning at fit.
    """

    coef: FloatArray
    naive: FloatArray
    robust: FloatArray
    times: FloatArray
    hazard: FloatArray
    center: FloatArray
    separated: tuple[str, ...]
    inestimable: tuple[str, ...] = ()


def fit_counting(
    x: FloatArray,
    start: FloatArray,
    stop: FloatArray,
    status: npt.NDArray[np.bool_],
    weight: FloatArray,
    cluster: IntArray,
    *,
    what: str,
    names: Sequence[str] = (),
) -> CountingFit:
    """Fit a weighted counting-process Cox model (Efron ties) on the numerical core.

    Raises
    ------
    ConvergenceError
        When the information is singular or the fit does not converge.
    """
    data, order = CoxData.build(stop, status, x, start=start, weights=weight)
    fit = fit_cox_model(data, "efron", what=what, names=names, residuals=True)
    naive = fit.covariance()
    assert fit.terms.score_residuals is not None
    scores = fit.terms.score_residuals * data.weights[:, None]
    return CountingFit(
        coef=fit.beta,
        naive=naive,
        robust=cluster_sandwich(scores, naive, np.asarray(cluster)[order]),
        times=fit.terms.hazard_time,
        hazard=fit.terms.hazard,
        center=data.center,
        separated=tuple(str(names[j]) if j < len(names) else str(j) for j in fit.separated),
        inestimable=tuple(str(names[j]) if j < len(names) else str(j) for j in fit.inestimable),
    )
