"""Clone–censor–weight for a treatment that may start during a grace period.

Target trial: at time zero each child is assigned to one of two strategies,
"start early help within ``grace`` days" (arm 1) or "do not start it within ``grace``
days" (arm 0). Every spell is cloned into both arms:

- an arm-0 clone is artificially censored when early help starts (within the grace
  period); until then it is weighted by the inverse probability of not having started,
  from a Cox model of time to early help given the covariates;
- an arm-1 clone is artificially censored at the end of the grace period if early help has
  not started; those still followed after the grace period are weighted by the inverse
  probability of having started, from a logistic model among children still followed.

Events during the grace period count in both arms (they are consistent with either
strategy), so no immortal time is created (Hernán & Robins 2016,
doi:10.1093/aje/kwv254; Maringe et al. 2020, doi:10.1093/ije/dyaa057).

Classifying children by whether they *happened* to start within the grace period (the
"naive" analysis) credits the treated group with the event-free days before treatment
started; :func:`naive_grace_comparison` exists only to show that bias and warns.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._vocabulary import spells_of
from escalation.causal._estimable import refuse_past_follow_up, shown_time
from escalation.causal.curves import (
    AdjustedCurveResult,
    CurveEstimator,
    EngineOutput,
    Nuisance,
    column_names,
    fit_hazard,
    population,
    rmst_from_curve,
    run_estimator,
)
from escalation.causal.propensity import left_out_columns
from escalation.causal.weights import bounded_probability
from escalation.compute import one_blas_thread
from escalation.core import productlimit
from escalation.core.collinearity import left_out_phrase
from escalation.core.discrete import kalbfleisch_prentice
from escalation.core.logistic import fit_logistic, predict_logistic
from escalation.errors import (
    DataValidationError,
    DesignError,
    Problem,
    StatisticalWarning,
    available_columns,
)
from escalation.survival._outcome import durations, event_codes, past_follow_up, prediction_times

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = ["clone_censor_weight", "naive_grace_comparison", "run_ccw", "weighted_aj_counting"]

FloatArray = npt.NDArray[np.float64]


def weighted_aj_counting(
    entry: npt.ArrayLike,
    exit: npt.ArrayLike,
    event: npt.ArrayLike,
    weight: npt.ArrayLike,
    times: npt.ArrayLike,
    *,
    cause: int = 1,
) -> FloatArray:
    """Weighted Aalen–Johansen cumulative incidence from (entry, exit] rows.

    Rows of one person may carry different weights over different intervals (time-varying
    weights); a row is at risk at ``u`` when ``entry < u <= exit``. The core's one
    product-limit kernel (:mod:`escalation.core.productlimit`).

    Parameters
    ----------
    entry, exit : array_like
        Interval ends.
    event : array_like of int
        Code at ``exit`` (0 for none or a change of row).
    weight : array_like
        Weight of each row.
    times : array_like
        Evaluation times.
    cause : int, default 1
        Cause returned.

    Returns
    -------
    numpy.ndarray
        The cumulative incidence at ``times``; NaN past the last exit of the rows (no row
        is followed that long: :func:`~escalation.survival._outcome.past_follow_up`).

    Examples
    --------
    >>> weighted_aj_counting([0, 0, 2, 0], [2, 2, 4, 4], [1, 0, 0, 1], [1, 1, 1, 1], [2, 4, 5])
    array([0.33333333, 0.66666667,        nan])
    """
    counts = productlimit.count(exit, event, weights=weight, start=entry)
    cif = productlimit.cumulative_incidence(counts, cause)
    out = productlimit.step(counts.time, cif, times, before=0.0)
    out[past_follow_up(times, float(np.max(exit)))] = np.nan  # no row followed that long
    return out


def run_ccw(
    duration: FloatArray,
    event: npt.NDArray[np.int64],
    treatment_start: FloatArray,
    x: FloatArray,
    grace: float,
    report: FloatArray,
    horizons: FloatArray,
    *,
    names: Sequence[str] = (),
    case_weights: FloatArray | None = None,
) -> EngineOutput:
    """Clone–censor–weight cumulative incidence under both strategies (array inner loop).

    Parameters
    ----------
    duration, event : numpy.ndarray
        Follow-up and event code (0 censored, 1 escalation, >=2 competing).
    treatment_start : numpy.ndarray
        Time treatment started (NaN when it did not start during follow-up).
    x : numpy.ndarray
        Coded covariates.
    grace : float
        Length of the grace period.
    report, horizons : numpy.ndarray
        Curve times and horizons (as in :func:`run_estimator`).
    names : sequence of str, optional
        Names of the columns of ``x``, for the models' warnings (as in
        :func:`run_estimator`).
    case_weights : numpy.ndarray, optional
        Frequency weights (a bootstrap sample stored as distinct rows with counts): the
        same estimate as the rows repeated, with less work.

    Returns
    -------
    EngineOutput
    """
    names = column_names(names, x.shape[1])
    n = len(duration)
    cw = None if case_weights is None else np.asarray(case_weights, dtype=float)
    start = np.where(np.isnan(treatment_start), np.inf, treatment_start)
    started = start <= np.minimum(grace, duration)
    # Arm 0: censor at start; weights 1 / P(not started by u-) from a Cox model.
    t_model = np.where(started, start, np.minimum(duration, grace))
    cox = fit_hazard(t_model, started, x, cw, "the Cox model of the time to treatment start", names)
    lp = cox.linear_predictor(x)
    times = cox.terms.hazard_time
    bounds = np.unique(np.r_[times[times <= grace], grace])
    knots = np.r_[0.0, bounds]
    # P(not started by u) under the Cox model by the Kalbfleisch–Prentice baseline (R's
    # survfit.coxph(stype = 1)): the Breslow product limit reached 0 for a child seen not
    # to start when many started on the first day (weights of 1e6, see the changelog).
    risk = np.exp(lp - lp.max())
    log_free = kalbfleisch_prentice(t_model, started, risk, bounds, weights=cw)
    with np.errstate(invalid="ignore"):
        steps = risk[:, None] * log_free[None, :]
    steps[np.isnan(steps)] = 0.0  # a relative risk of 0 times log(0): no chance of starting
    k_surv = np.exp(np.cumsum(steps, axis=1))
    k_surv = bounded_probability(
        k_surv, "probabilities of not having started treatment", upper=False
    )
    k_before = np.c_[np.ones(n), k_surv]  # K(knot_j) for j = 0..len(bounds)
    count = np.ones(n) if cw is None else cw
    exit0 = np.where(started, start, duration)
    event0 = np.where(started, 0, event)
    entries, exits, events, weights = [], [], [], []
    for j in range(len(knots)):
        lo = knots[j]
        hi = knots[j + 1] if j + 1 < len(knots) else np.inf
        alive = exit0 > lo
        seg_exit = np.minimum(exit0[alive], hi)
        entries.append(np.full(alive.sum(), lo))
        exits.append(seg_exit)
        events.append(np.where(seg_exit == exit0[alive], event0[alive], 0))
        weights.append(count[alive] / k_before[alive, j])
    arm0 = (np.concatenate(entries), np.concatenate(exits), np.concatenate(events))
    w0 = np.concatenate(weights)
    # Arm 1: censor at grace if not started; after grace weight 1 / P(started | followed).
    followed = duration > grace
    y = started[followed]
    if y.all() or not y.any():
        raise DesignError(
            "clone-censor-weight needs children still followed at the end of the grace "
            "period both with and without treatment started"
        )
    coef = fit_logistic(
        x[followed],
        y,
        weights=None if cw is None else cw[followed],
        names=names,
        what="the logistic model of treatment start by the grace period",
    ).coef
    keep_after = followed & started
    p = bounded_probability(
        predict_logistic(coef, x[keep_after]),
        "probabilities of having started treatment",
        upper=False,
    )
    exit1_early = np.minimum(duration, grace)
    event1_early = np.where(duration <= grace, event, 0)
    entry1 = np.r_[np.zeros(n), np.full(keep_after.sum(), grace)]
    exit1 = np.r_[exit1_early, duration[keep_after]]
    event1 = np.r_[event1_early, event[keep_after]]
    w1 = np.r_[count, count[keep_after] / p]
    grid = np.unique(np.r_[duration[duration <= report.max()], report])
    curves = np.stack(
        [
            weighted_aj_counting(*arm0, w0, grid),
            weighted_aj_counting(entry1, exit1, event1, w1, grid),
        ]
    )
    at = np.searchsorted(grid, report)
    return EngineOutput(
        report,
        curves[:, at],
        rmst_from_curve(grid, curves, horizons),
        None,
        Nuisance(propensity=coef, censoring=cox),
    )


def _frame_arrays(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str] | None,
    formula: str | None,
    min_count: int,
) -> tuple[FloatArray, npt.NDArray[np.int64], FloatArray, list[str], dict[str, Any]]:
    """Return the durations, event codes, coded confounders, their names and settings.

    The settings are those the result records of its confounders
    (:meth:`~escalation.causal._confounders.Confounders.record`).
    """
    from escalation.causal._confounders import confounders

    if not len(frame):
        raise DesignError("the spells table has no rows: there is nothing to estimate")
    adjust = confounders(
        frame, covariates, formula, duration=duration, event=event, min_count=min_count
    )
    time = durations(frame[adjust.duration])  # a missing one made the weighting loop forever
    codes = event_codes(frame[adjust.event])
    # As in the other causal estimators: a column that does not vary, or is a linear
    # combination of earlier ones, is left out of the weight models (it made the Cox model
    # of the time to treatment start fail as "singular"); here a warning names it.
    x, left_out = left_out_columns(adjust.coding.apply(frame))
    dropped = tuple(left_out)
    if dropped:
        warnings.warn(
            StatisticalWarning(
                f"covariate column(s) {left_out_phrase(dropped, tuple(left_out.values()))} "
                "cannot be estimated, so the weight models leave them out",
                advice="remove them from the covariates to silence this.",
            ),
            stacklevel=3,
        )
    if x.shape[1] == 0:  # it failed inside the weight models with a reshape error
        named = ", ".join(dropped) if dropped else "none"
        raise DesignError(
            f"the weight models need at least one covariate that varies (named and left out: "
            f"{named}); name the covariates that predict treatment start and censoring"
        )
    names = [str(c) for c in x.columns]
    return time, codes, x.to_numpy(dtype=float), names, adjust.record(min_count)


def treatment_starts(frame: pd.DataFrame, column: str) -> FloatArray:
    """Days from time zero to the start of treatment (NaN: not started), or raise.

    A start before time zero (negative) or an infinite or non-numeric one has no place
    in the grace period and was used as if it were a day. The one rule of
    :func:`clone_censor_weight`, :func:`naive_grace_comparison` and the ``ccw`` estimator
    of :func:`~escalation.causal.estimate_effects`.

    Parameters
    ----------
    frame : pandas.DataFrame
        The spells table.
    column : str
        Its column of treatment starts.

    Returns
    -------
    numpy.ndarray
        The starts as floats, NaN where treatment did not start.

    Raises
    ------
    DesignError
        When the column is missing.
    DataValidationError
        Naming table ``spells``, the row, the column and the value (a text value hidden)
        of each start that is negative, infinite or not a number.
    """
    if column not in frame.columns:
        raise DesignError(
            f"column {column!r} is not in the spells table"
            f"{available_columns([column], frame.columns)}"
        )
    values = frame[column]
    start = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    text = values.notna().to_numpy() & np.isnan(start)  # present but not a number
    bad = np.flatnonzero(text | np.isinf(start) | (start < 0))
    if bad.size:
        reason = (
            f"{bad.size} treatment start(s) are not days >= 0 after time zero "
            "(leave the value missing when treatment did not start)"
        )
        raise DataValidationError(
            [Problem("spells", int(r), column, values.iloc[r], reason) for r in bad[:20]],
            f"column {column!r}",
        )
    return start


@one_blas_thread
def clone_censor_weight(
    frame: SpellData | pd.DataFrame,
    *,
    duration: str = "duration",
    event: str = "event",
    treatment_start: str = "treatment_start",
    covariates: Sequence[str] | None = None,
    formula: str | None = None,
    grace_days: float,
    times: Sequence[float],
    min_count: int = 20,
) -> AdjustedCurveResult:
    """Estimate cumulative incidence under "treat within the grace period" and "do not".

    Parameters
    ----------
    frame : SpellData or pandas.DataFrame
        One row per spell (e.g. ``SpellData.spells``).
    duration, event : str
        Follow-up time and event code columns.
    treatment_start : str
        Time treatment started after time zero (NaN when it did not start).
    covariates : sequence of str
        Confounders of treatment start and of escalation.
    formula : str, optional
        ``"Surv(duration, event) ~ x + C(g)"``: the confounders as a formula, instead of
        ``covariates`` (see :mod:`escalation.formula`).
    grace_days : float
        The grace period (``[treatment] grace_days`` of the design).
    times : sequence of float
        Curve times.
    min_count : int, default 20
        Categorical levels of ``covariates`` with fewer rows are pooled into ``other``; a
        formula's levels are used as written, with a ``StatisticalWarning`` naming its
        categorical variables with rarer levels. Recorded in ``settings``.

    Returns
    -------
    AdjustedCurveResult
        Row 1 of ``risk`` is the "start within the grace period" strategy.

    Raises
    ------
    DesignError
        When no covariate varies (the weight models need one), or a time is past the
        longest follow-up of every spell.

    Warns
    -----
    StatisticalWarning
        A covariate column that does not vary or is collinear with earlier ones: the
        weight models leave it out, as the other causal estimators do. A time past the
        follow-up of one strategy's clones: its risk is NaN there
        (:func:`weighted_aj_counting`).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> n = 400
    >>> x = rng.normal(size=n)
    >>> start = np.where(rng.random(n) < 0.4, rng.uniform(0, 14, n), np.nan)
    >>> t = rng.exponential(300, n)
    >>> frame = pd.DataFrame({"x": x, "duration": np.minimum(t, 400),
    ...                       "event": (t < 400).astype(int), "treatment_start": start})
    >>> frame.loc[frame["treatment_start"] >= frame["duration"], "treatment_start"] = np.nan
    >>> fit = clone_censor_weight(frame, covariates=["x"], grace_days=14, times=[365])
    >>> fit.risk.shape
    (2, 1)
    """
    frame = spells_of(frame, function="clone_censor_weight")
    dur, ev, x, names, recorded = _frame_arrays(
        frame, duration, event, covariates, formula, min_count
    )
    report = np.sort(prediction_times(times))
    refuse_past_follow_up(report, dur, what="times", choose="times")
    start = treatment_starts(frame, treatment_start)
    out = run_ccw(dur, ev, start, x, float(grace_days), report, report, names=names)
    _warn_unknown(report, out.risk)
    settings = _grace_settings(recorded, treatment_start, grace_days)
    return AdjustedCurveResult(
        "ccw", report, out.risk, None, 0.95, len(dur), out.nuisance, settings=settings
    )


def _grace_settings(
    recorded: dict[str, Any], treatment_start: str, grace_days: float
) -> dict[str, Any]:
    """Return the settings of a grace-period comparison (``AdjustedCurveResult.settings``).

    No intervals are computed: ``conf_level`` is the result's 0.95, recorded as the other
    results record theirs.
    """
    return {
        "conf_level": 0.95,
        **recorded,
        "treatment_start": treatment_start,
        "grace_days": float(grace_days),
    }


def _warn_unknown(report: FloatArray, risk: FloatArray) -> None:
    """Warn of the times past the follow-up of a strategy's rows, where its risk is NaN."""
    for row, strategy in ((1, "start within the grace period"), (0, "do not start")):
        past = report[np.isnan(risk[row])]
        if past.size:
            warnings.warn(
                f"times {', '.join(map(shown_time, past))} days are past the longest "
                f"follow-up of the clones of strategy '{strategy}': their risks are NaN "
                "and are not identified; use shorter times",
                StatisticalWarning,
                stacklevel=3,
            )


def naive_grace_comparison(
    frame: SpellData | pd.DataFrame,
    *,
    duration: str = "duration",
    event: str = "event",
    treatment_start: str = "treatment_start",
    covariates: Sequence[str] | None = None,
    formula: str | None = None,
    grace_days: float,
    times: Sequence[float],
    method: CurveEstimator = "ipw",
    min_count: int = 20,
) -> AdjustedCurveResult:
    """Compare children by whether treatment *happened* to start within the grace period.

    Only for showing the immortal-time bias next to :func:`clone_censor_weight`: children
    who escalate before treatment could start are counted as untreated, which flatters
    treatment. Always emits a :class:`StatisticalWarning`.

    Examples
    --------
    >>> import warnings, numpy as np, pandas as pd
    >>> frame = pd.DataFrame({"x": [0.0, 1, 0, 1] * 20, "duration": [5.0, 30, 60, 90] * 20,
    ...                       "event": [1, 0, 1, 0] * 20,
    ...                       "treatment_start": [np.nan, 2, np.nan, 3] * 20})
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     fit = naive_grace_comparison(frame, covariates=["x"], grace_days=14, times=[30],
    ...                                  method="unadjusted")
    >>> caught[0].category.__name__
    'StatisticalWarning'
    """
    frame = spells_of(frame, function="naive_grace_comparison")
    dur, ev, x, names, recorded = _frame_arrays(
        frame, duration, event, covariates, formula, min_count
    )
    start = treatment_starts(frame, treatment_start)
    treated = (np.nan_to_num(start, nan=np.inf) <= grace_days).astype(np.int64)
    ended = int(((dur <= grace_days) & (treated == 0)).sum())
    warnings.warn(
        "naive grace-period classification: children are grouped by whether treatment "
        f"started within {grace_days:g} days, so {ended} "
        "spells that ended during the grace period can only count as untreated "
        "(immortal-time bias); use clone_censor_weight for the effect",
        StatisticalWarning,
        stacklevel=2,
    )
    report = np.asarray(sorted(times), dtype=float)
    out = run_estimator(method, dur, ev, treated, x, report, report, names=names)
    settings = {"weight_estimand": "ate", **_grace_settings(recorded, treatment_start, grace_days)}
    return AdjustedCurveResult(
        f"naive_{method}",
        report,
        out.risk,
        None,
        0.95,
        len(dur),
        out.nuisance,
        population(method, "ate"),  # "crude" for the unadjusted comparison, as elsewhere
        settings,
    )
