r"""Validation metrics of predicted risks of escalation by a horizon, with censoring weights.

Every function takes the test spells' follow-up (``duration``, ``event``: 0 censored, 1
escalation, 2+ competing) and each spell's predicted risk of escalation by ``horizon``,
and returns a number. Censoring is handled by inverse probability of censoring weights
(IPCW) from the reverse Kaplan–Meier estimate :math:`\hat G` of the test data (a
"marginal" censoring model, as ``riskRegression::Score`` uses by default).

Status at the horizon
    A spell is a *case* when it escalated by the horizon (``duration <= horizon`` and
    ``event == 1``), weighted :math:`1/\hat G(T_i-)`; a *control* when it was still
    followed beyond the horizon (weight :math:`1/\hat G(h)`) or, with
    ``competing="control"`` (default), when a competing event (death) came first (weight
    :math:`1/\hat G(T_i-)`); spells censored before the horizon have unknown status and
    weight 0. With ``competing="censor"`` deaths are treated as censored, which gives
    the survival-analysis definitions of scikit-survival.

Concordance
    Harrell's and Uno's C order pairs by who escalated first, treating competing events
    as censored (the cause-specific ordering, as ``sksurv.metrics``).

References
----------
Blanche P, Dartigues J-F, Jacqmin-Gadda H (2013). Estimating and comparing time-dependent
areas under receiver operating characteristic curves for censored event times with
competing risks. Stat Med 32:5381–97. doi:10.1002/sim.5958.
Gerds TA, Schumacher M (2006). Consistent estimation of the expected Brier score in
general survival models with right-censored event times. Biom J 48:1029–40.
doi:10.1002/bimj.200610301.
Uno H, Cai T, Pencina MJ, D'Agostino RB, Wei LJ (2011). On the C-statistics for
evaluating overall adequacy of risk prediction procedures with censored survival data.
Stat Med 30:1105–17. doi:10.1002/sim.4154.
Vickers AJ, Elkin EB (2006). Decision curve analysis. Med Decis Making 26:565–74.
doi:10.1177/0272989X06295361.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from escalation._top_share import TopCut, top_cut, top_weights
from escalation.clusters import cluster_codes
from escalation.core import productlimit
from escalation.core.collinearity import redundant_columns
from escalation.core.concordance import RISK_TIE
from escalation.core.concordance import CaseRuns as _CaseRuns
from escalation.core.concordance import case_runs as _case_runs
from escalation.core.concordance import prefix_counts as _prefix_counts
from escalation.core.logistic import LogisticFit, fit_logistic
from escalation.core.sandwich import cluster_sandwich
from escalation.errors import (
    ConvergenceError,
    DataValidationError,
    DesignError,
    Problem,
    StatisticalWarning,
)
from escalation.predict._inputs import by_label, labels_of, prediction_arrays
from escalation.survival._cif import cumulative_incidence_at, incidence_read
from escalation.survival._outcome import past_follow_up

__all__ = [
    "COMPETING",
    "MAX_LEFT_OUT",
    "BootstrapInterval",
    "Competing",
    "HorizonStatus",
    "average_precision",
    "bootstrap_indices",
    "bootstrap_interval",
    "brier_score",
    "calibration_curve",
    "calibration_slope",
    "censoring_survival",
    "check_competing",
    "flag_labels",
    "harrell_c",
    "horizon_status",
    "integrated_brier_score",
    "left_out_count",
    "net_benefit",
    "net_benefit_of",
    "observed_risk",
    "operating_point",
    "percentile_interval",
    "score_risks",
    "time_dependent_auc",
    "uno_c",
    "warn_left_out",
]

FloatArray = npt.NDArray[np.float64]
Competing = Literal["control", "censor"]


def censoring_survival(
    duration: npt.ArrayLike, event: npt.ArrayLike
) -> tuple[FloatArray, FloatArray]:
    r"""Return the reverse Kaplan–Meier estimate of remaining uncensored, as a step function.

    Parameters
    ----------
    duration, event : array_like
        Follow-up and event code (0 censored).

    Returns
    -------
    times, survival : numpy.ndarray
        :math:`\\hat G` just after each distinct time, from the package's one
        product-limit kernel (:func:`escalation.core.productlimit.censoring_survival`).
        Events at a time come before censorings at that time: children who escalated or
        died on day t are no longer at risk of being censored on day t (as ``prodlim``'s
        reverse Kaplan–Meier, so the weights equal ``riskRegression::Score``'s with tied
        whole-day times).

    Examples
    --------
    >>> censoring_survival([1, 2, 3, 4], [1, 0, 1, 0])
    (array([1., 2., 3., 4.]), array([1.        , 0.66666667, 0.66666667, 0.        ]))
    """
    # A Series of event codes is read by the labels of ``duration`` (as every metric's).
    given = by_label(event, labels_of(duration, event), column="event")
    counts = productlimit.count(duration, given)
    return counts.time, productlimit.censoring_survival(counts)


@dataclass(frozen=True)
class HorizonStatus:
    """Each spell's status at the horizon and its censoring weight.

    Attributes
    ----------
    case : numpy.ndarray of bool
        Escalated by the horizon.
    control : numpy.ndarray of bool
        Known not to have escalated by the horizon.
    weight : numpy.ndarray
        IPCW weight (0 for spells censored before the horizon); NaN for every spell when
        the horizon is past the rows' last follow-up (:attr:`known`).
    """

    case: npt.NDArray[np.bool_]
    control: npt.NDArray[np.bool_]
    weight: FloatArray

    @property
    def known(self) -> bool:
        """Whether the status is known: ``False`` past the rows' last follow-up.

        No spell is followed that long, so nobody is known to be escalation-free by the
        horizon (the only "controls" would be the deaths): every metric of the status
        (AUC, Brier score, calibration, precision, recall, FPR, net benefit) is NaN there,
        as the observed risk is (:func:`~escalation.survival._outcome.past_follow_up`).
        """
        return not bool(np.isnan(self.weight).any())


def horizon_status(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    horizon: float,
    *,
    competing: Competing = "control",
) -> HorizonStatus:
    """Return cases, controls and IPCW weights at ``horizon`` (see the module notes).

    Examples
    --------
    >>> s = horizon_status([1, 2, 3, 5], [1, 0, 2, 0], horizon=4)
    >>> s.case.tolist(), s.control.tolist(), s.weight.round(3).tolist()
    ([True, False, False, False], [False, False, True, True], [1.0, 0.0, 1.5, 1.5])
    """
    time, code, _ = prediction_arrays(duration, event)
    code = _coded(code, competing)
    return _status(time, code, horizon, productlimit.horizon_weights(time, code, horizon))


#: How deaths can be scored (``competing``), with what each means.
COMPETING: Final = ("control", "censor")


def check_competing(competing: object) -> None:
    """Refuse a ``competing`` other than ``"control"`` or ``"censor"``.

    The one check of every metric, curve and table that scores deaths
    (:func:`~escalation.predict.validate_risk_models` too): anything but ``"censor"`` was
    scored as ``"control"``, so ``"censored"`` or ``"Censor"`` gave death-competing
    numbers without a word.

    Raises
    ------
    DesignError
        Naming the value given.

    Examples
    --------
    >>> check_competing("censored")
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: competing must be 'control' or 'censor', not 'censored'
    """
    if not isinstance(competing, str) or competing not in COMPETING:
        raise DesignError(f"competing must be 'control' or 'censor', not {competing!r}")


def _coded(code: npt.NDArray[np.int64], competing: Competing) -> npt.NDArray[np.int64]:
    """Return the event codes as scored: deaths censored with ``competing="censor"``.

    Every metric reads its codes here, so ``competing`` is checked here
    (:func:`check_competing`).
    """
    check_competing(competing)
    return np.where(code == 1, 1, 0) if competing == "censor" else code


def _status(
    time: FloatArray, code: npt.NDArray[np.int64], horizon: float, weight: FloatArray
) -> HorizonStatus:
    """Return the status at ``horizon`` of validated, coded rows with their IPCW weights.

    Past the rows' last follow-up the status is unknown: the weights are NaN (the one
    rule, :func:`~escalation.survival._outcome.past_follow_up`).
    """
    before = time <= horizon
    case = before & (code == 1)
    control = ~before | (before & (code >= 2))
    if past_follow_up(horizon, float(time.max(initial=0.0))):
        weight = np.full(time.shape, np.nan)
    return HorizonStatus(case, control, weight)


def _pairs(
    time: FloatArray,
    case: npt.NDArray[np.bool_],
    risk: FloatArray,
    weight: FloatArray,
) -> float:
    """Concordance over comparable pairs, cases weighted (sksurv's convention for ties).

    The comparable pairs and their counts are :mod:`escalation.core.concordance`'s.
    """
    return _weighted_pairs(_case_pairs(time, case, risk), weight)


@dataclass(frozen=True)
class _CasePairs:
    """Each case's comparable spells and lower and tied risks among them (no weights).

    ``cases``: the cases' rows, in the order of :func:`_pairs` (time descending);
    ``prefix``: how many spells each is comparable with; ``less``, ``upto``: how many of
    those have a lower risk, and a lower or tied one. Harrell's and Uno's C weight the
    same counts differently, so :func:`score_risks` finds them once for both.
    """

    cases: npt.NDArray[np.int64]
    prefix: npt.NDArray[np.int64]
    less: FloatArray
    upto: FloatArray


def _case_pairs(time: FloatArray, case: npt.NDArray[np.bool_], risk: FloatArray) -> _CasePairs:
    """Return the comparable pairs of every case (see :func:`_pairs`)."""
    return _ranked_pairs(_case_runs(time, case), risk)


def _ranked_pairs(runs: _CaseRuns, risk: FloatArray) -> _CasePairs:
    """Return the lower and tied risks among every case's comparable spells."""
    if len(runs.queries) == 0:
        empty = np.zeros(0)
        return _CasePairs(np.zeros(0, np.int64), runs.prefix, empty, empty)
    r = risk[runs.order]
    q = r[runs.queries]
    less, upto = _prefix_counts(r, runs.prefix, q - RISK_TIE, q + RISK_TIE)
    return _CasePairs(runs.order[runs.queries].astype(np.int64), runs.prefix, less, upto)


def _weighted_pairs(pairs: _CasePairs, weight: FloatArray) -> float:
    """Return the concordance of :func:`_pairs` from the cases' counts, cases weighted."""
    w = weight[pairs.cases]
    keep = w > 0
    if not keep.any():
        return float("nan")
    wq = w[keep]
    prefix, less, upto = pairs.prefix[keep], pairs.less[keep], pairs.upto[keep]
    denominator = float(wq @ prefix)
    if denominator <= 0:
        return float("nan")
    return float(wq @ (less + 0.5 * (upto - less))) / denominator


def harrell_c(duration: npt.ArrayLike, event: npt.ArrayLike, risk: npt.ArrayLike) -> float:
    """Return Harrell's concordance of risk with time to escalation (deaths as censored).

    Equals ``sksurv.metrics.concordance_index_censored(event == 1, duration, risk)[0]``.

    Examples
    --------
    >>> harrell_c([1, 2, 3, 4], [1, 1, 0, 0], [0.9, 0.5, 0.6, 0.1])
    0.8
    """
    time, code, score = prediction_arrays(duration, event, risk, probabilities=False)
    return _pairs(time, code == 1, score, np.ones_like(time))


def uno_c(
    duration: npt.ArrayLike, event: npt.ArrayLike, risk: npt.ArrayLike, horizon: float
) -> float:
    r"""Return Uno's IPCW concordance truncated at ``horizon`` (deaths as censored).

    Cases escalating before ``horizon`` are weighted :math:`1/\\hat G(T_i-)^2`; equals
    ``sksurv.metrics.concordance_index_ipcw(y, y, risk, tau=horizon)[0]`` when no
    censoring is tied with an escalation.

    Examples
    --------
    >>> round(uno_c([1, 2, 3, 4], [1, 0, 1, 0], [0.9, 0.5, 0.6, 0.1], horizon=4), 4)
    1.0
    """
    time, code, score = prediction_arrays(duration, event, risk, probabilities=False)
    case = code == 1
    return _pairs(time, case, score, _uno_weight(time, case, horizon))


def _uno_weight(time: FloatArray, case: npt.NDArray[np.bool_], horizon: float) -> FloatArray:
    r"""Return Uno's weights: :math:`1/\hat G(T_i-)^2` for cases before ``horizon``, else 0."""
    g_times, g = censoring_survival(time, case.astype(int))
    g_own = productlimit.step(g_times, g, time, before=1.0, left=True)
    with np.errstate(divide="ignore"):
        weight = np.where(case & (time < horizon), 1.0 / g_own**2, 0.0)
    return np.where(np.isfinite(weight), weight, 0.0)


def time_dependent_auc(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    horizon: float,
    *,
    competing: Competing = "control",
) -> float:
    """Return the cumulative/dynamic AUC at ``horizon`` with censoring weights.

    The probability that a random case (escalated by the horizon) has a higher predicted
    risk than a random control, each weighted by IPCW; ties count one half. With
    ``competing="control"`` children who died first are controls (Blanche et al.
    2013, ``riskRegression::Score``); with ``"censor"`` it equals
    ``sksurv.metrics.cumulative_dynamic_auc``.

    Examples
    --------
    >>> time_dependent_auc([1, 2, 3, 5], [1, 0, 2, 0], [0.9, 0.1, 0.5, 0.2], horizon=4)
    1.0
    """
    time, code, score = prediction_arrays(duration, event, risk, probabilities=False)
    status = horizon_status(time, code, horizon, competing=competing)
    return _auc(score, status)


def _auc(score: FloatArray, status: HorizonStatus) -> float:
    if not status.known:
        return float("nan")
    w_case = status.weight * status.case
    w_ctrl = status.weight * status.control
    total_case, total_ctrl = w_case.sum(), w_ctrl.sum()
    if total_case <= 0 or total_ctrl <= 0:
        return float("nan")
    ctrl = np.flatnonzero(w_ctrl > 0)
    order = np.argsort(score[ctrl], kind="stable")
    sorted_score = score[ctrl][order]
    cum = np.concatenate(([0.0], np.cumsum(w_ctrl[ctrl][order])))
    cases = np.flatnonzero(w_case > 0)
    below = cum[np.searchsorted(sorted_score, score[cases], side="left")]
    upto = cum[np.searchsorted(sorted_score, score[cases], side="right")]
    wins = below + 0.5 * (upto - below)
    return float(w_case[cases] @ wins / (total_case * total_ctrl))


def brier_score(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    horizon: float,
    *,
    competing: Competing = "control",
) -> float:
    r"""Return the IPCW Brier score of the predicted risks at ``horizon``.

    :math:`n^{-1}\\sum_i w_i (I_i - \\hat F_i)^2` with :math:`I_i` the case indicator and
    :math:`w_i` the censoring weight (Graf et al. 1999; Gerds & Schumacher 2006). With
    ``competing="censor"`` it equals ``sksurv.metrics.brier_score`` given survival
    probabilities ``1 - risk``.

    Examples
    --------
    >>> round(brier_score([1, 2, 3, 5], [1, 0, 2, 0], [0.9, 0.1, 0.5, 0.2], horizon=4), 5)
    0.11125
    """
    time, code, score = prediction_arrays(duration, event, risk)
    status = horizon_status(time, code, horizon, competing=competing)
    return _brier(score, status)


def _brier(score: FloatArray, status: HorizonStatus) -> float:
    residual = np.where(status.case, (1.0 - score) ** 2, score**2)
    return float(np.mean(status.weight * residual))


def integrated_brier_score(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risks: npt.ArrayLike,
    times: Sequence[float] | npt.ArrayLike,
    *,
    competing: Competing = "control",
) -> float:
    """Return the Brier score integrated over ``times`` (trapezoid rule, per unit time).

    ``risks`` has one column per time. The same definition as
    ``sksurv.metrics.integrated_brier_score``.

    A data frame of ``risks`` is read by label: its rows by the spells' labels (as a
    Series of risks, :func:`~escalation.predict._inputs.by_label`) and its columns by
    the times they hold, matched to ``times`` by value (:func:`_risk_columns`), in any
    order. An array is read by position: row ``i`` is spell ``i``, column ``k`` is
    ``times[k]``.

    Raises
    ------
    DataValidationError
        When ``risks`` has not one column per time, its rows are labelled otherwise than
        the spells, or a column of a data frame is not one of ``times`` (naming it).

    Examples
    --------
    >>> risks = [[0.5, 0.9], [0.1, 0.1], [0.2, 0.5], [0.1, 0.2]]
    >>> round(integrated_brier_score([1, 2, 3, 5], [1, 0, 2, 0], risks, [0.5, 4]), 4)
    0.0944
    """
    grid = np.asarray(times, dtype=float)
    aligned = by_label(risks, labels_of(duration, event, risks), column="risks")
    matrix = _risk_columns(aligned, grid)
    if matrix.ndim != 2 or matrix.shape[1] != len(grid) or len(grid) < 2:
        raise DataValidationError(
            [Problem("predictions", None, "risk", None, "needs one column per time, >= 2 times")],
            "predictions",
        )
    # The rows are checked as brier_score checks them, column by column (the same error);
    # their counts and censoring survival are found once for every time.
    time, code, _ = prediction_arrays(duration, event, matrix[:, 0])
    for k in range(1, len(grid)):
        prediction_arrays(time, code, matrix[:, k])
    code = _coded(code, competing)
    weights = productlimit.horizons_weights(productlimit.count(time, code), time, code, grid)
    scores = [_brier(matrix[:, k], _status(time, code, t, weights[k])) for k, t in enumerate(grid)]
    return float(np.trapezoid(scores, grid) / (grid[-1] - grid[0]))


def _risk_columns(risks: object, times: FloatArray) -> FloatArray:
    """Return risks at ``times`` as a matrix, a data frame's columns matched by value.

    A data frame's columns are read as the times they hold (``365``, ``365.0`` or
    ``"365"``) and put in the order of ``times``; anything else is read by position.

    Raises
    ------
    DataValidationError
        Naming table ``predictions`` and the first column of ``risks`` that is not one
        of ``times`` (or the first time without a column, or held twice): read by
        position, risks at other times were scored as if at these without a word.

    Examples
    --------
    >>> frame = pd.DataFrame({365: [0.3, 0.2], 90: [0.1, 0.05]})
    >>> _risk_columns(frame, np.array([90.0, 365.0])).tolist()
    [[0.1, 0.3], [0.05, 0.2]]
    """
    if not isinstance(risks, pd.DataFrame):
        return np.asarray(risks, dtype=float)
    held = pd.to_numeric(pd.Series(risks.columns, dtype=object), errors="coerce").to_numpy(float)
    problem = _column_problem(list(map(str, risks.columns)), held, times)
    if problem is not None:
        raise DataValidationError([problem], "predictions")
    position = {float(t): k for k, t in enumerate(held)}
    return risks.iloc[:, [position[float(t)] for t in times]].to_numpy(dtype=float)


def _column_problem(names: list[str], held: FloatArray, times: FloatArray) -> Problem | None:
    """Return the problem of the first column not matching ``times`` (None: all match)."""
    foreign = np.flatnonzero(~np.isin(held, times))
    missing = [float(t) for t in times if not np.isin(t, held)]
    repeated = np.flatnonzero(pd.Series(held).duplicated().to_numpy())
    if foreign.size:
        column, why = names[foreign[0]], f"is not one of the times {times.tolist()}"
    elif missing:
        column, why = f"{missing[0]:g}", "is a time without a column"
    elif repeated.size:
        column, why = names[repeated[0]], "holds a time another column holds too"
    else:
        return None
    reason = (
        f"the risks' columns are read as the times they hold; this one {why} (name each "
        "column by its time, or pass an array whose columns follow times)"
    )
    return Problem("predictions", None, column, None, reason)


def observed_risk(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    horizon: float,
    *,
    competing: Competing = "control",
) -> float:
    """Return the Aalen–Johansen risk of escalation by ``horizon`` (1 − KM with "censor").

    NaN when ``horizon`` is past the last follow-up (the longest ``duration``): no spell
    is followed that long, so the risk by then is unknown
    (:func:`~escalation.survival.cumulative_incidence_at`), not the risk at the end of
    the data.

    Examples
    --------
    >>> observed_risk([1, 2, 3, 4], [1, 2, 0, 1], 2.5)
    0.25
    >>> observed_risk([1, 2, 3, 4], [1, 2, 0, 1], 5)
    nan
    """
    time, code, _ = prediction_arrays(duration, event)
    return float(cumulative_incidence_at(time, _coded(code, competing), [horizon])[0])


def _logit(p: FloatArray) -> FloatArray:
    q = np.clip(p, 1e-6, 1 - 1e-6)
    return np.asarray(np.log(q / (1 - q)), dtype=float)


def _weighted_logistic(
    design: FloatArray, outcome: FloatArray, weight: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """Return coefficients and robust (sandwich) covariance of a weighted logistic fit.

    ``design`` holds the intercept column first. The fit is the core's logistic
    regression (:mod:`escalation.core.logistic`). When a column is constant or aliased
    (the core's collinearity check: e.g. two spline knots inside one bunch of identical
    predictions) or the outcome is separated (an infinite slope), the coefficients and
    covariance are NaN: the callers report an undefined slope or fall back to a simpler
    curve, and say so.
    """
    p = design.shape[1]
    fitted = _logistic_fit(design, outcome, weight)
    if fitted is None:
        return np.full(p, np.nan), np.full((p, p), np.nan)
    fit, bread = fitted
    scores = fit.scores(design[:, 1:], outcome, weight)
    return fit.coef, cluster_sandwich(scores, bread)


def _logistic_slope(design: FloatArray, outcome: FloatArray, weight: FloatArray) -> float:
    """Return the slope of :func:`_weighted_logistic` (NaN when it is NaN), no covariance.

    The calibration slope is computed for every subgroup on every bootstrap sample; its
    sandwich covariance was never used there.
    """
    fitted = _logistic_fit(design, outcome, weight, covariance=False)
    return float("nan") if fitted is None else float(fitted[0].coef[1])


def _logistic_fit(
    design: FloatArray, outcome: FloatArray, weight: FloatArray, *, covariance: bool = True
) -> tuple[LogisticFit, FloatArray] | None:
    """Return the fit and its model-based covariance, or None (aliased, separated, singular).

    With ``covariance=False`` the covariance is not computed (an empty array is returned
    in its place): a fit that ``fit_logistic`` returns has no singular pivot (it raises
    on one, ``on_separation="raise"``) and a finite information, whose inverse does not
    fail, so the fit is returned in the same cases either way.
    """
    if not redundant_columns(design[:, 1:]).keep.all():
        return None
    try:
        fit = fit_logistic(
            design[:, 1:],
            outcome,
            weights=weight,
            what="the calibration model",
            on_separation="raise",
        )
        bread = fit.covariance if covariance else np.empty((0, 0))
    except (ConvergenceError, np.linalg.LinAlgError):
        return None
    return fit, bread


def calibration_slope(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    horizon: float,
    *,
    competing: Competing = "control",
) -> float:
    """Return the calibration slope: the IPCW logistic slope of status on logit(risk).

    1 is ideal; below 1 the predictions are too extreme (overfitting), above 1 too modest.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> risk = rng.uniform(0.05, 0.6, 4000)
    >>> escalated = rng.random(4000) < risk
    >>> round(calibration_slope(np.where(escalated, 1.0, 2.0), escalated, risk, 1.5), 1)
    1.0
    """
    time, code, score = prediction_arrays(duration, event, risk)
    return _slope(score, horizon_status(time, code, horizon, competing=competing))


def _spline_basis(x: FloatArray, knots: FloatArray) -> FloatArray:
    """Restricted cubic spline basis (Harrell), linear beyond the outer knots."""
    k = len(knots)
    scale = (knots[-1] - knots[0]) ** 2

    def cube(v: FloatArray) -> FloatArray:
        return np.asarray(np.clip(v, 0, None) ** 3, dtype=float)

    columns = [x]
    for j in range(k - 2):
        term = (
            cube(x - knots[j])
            - cube(x - knots[-2]) * (knots[-1] - knots[j]) / (knots[-1] - knots[-2])
            + cube(x - knots[-1]) * (knots[-2] - knots[j]) / (knots[-1] - knots[-2])
        )
        columns.append(term / scale)
    return np.column_stack(columns)


def calibration_curve(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    horizon: float,
    *,
    competing: Competing = "control",
    points: int = 50,
    knots: int = 4,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Return a smoothed calibration curve: observed risk against predicted risk.

    The observed risk at the horizon is modelled by an IPCW-weighted logistic regression
    of the status on a restricted cubic spline of logit(predicted risk) with ``knots``
    knots at quantiles; the band is pointwise from the robust (sandwich) covariance. The
    curve is drawn between the 2.5th and 97.5th percentiles of the predictions. When the
    spline fit diverges (predictions bunched on a few values, or few events), the curve is
    the logistic recalibration line (intercept and slope on logit(predicted risk)).

    Returns
    -------
    pandas.DataFrame
        Columns ``predicted, observed, conf_low, conf_high, conf_level`` (the band's
        level, ``conf_level``).

    Examples
    --------
    >>> rng = np.random.default_rng(2)
    >>> risk = rng.uniform(0.05, 0.6, 3000)
    >>> escalated = rng.random(3000) < risk
    >>> curve = calibration_curve(np.where(escalated, 1.0, 2.0), escalated, risk, 1.5)
    >>> list(curve.columns)
    ['predicted', 'observed', 'conf_low', 'conf_high', 'conf_level']
    >>> bool((curve["observed"] - curve["predicted"]).abs().max() < 0.05)
    True
    """
    time, code, score = prediction_arrays(duration, event, risk)
    status = horizon_status(time, code, horizon, competing=competing)
    low, high = np.quantile(score, [0.025, 0.975])
    grid = np.linspace(low, high, points)
    if not status.known:  # past the last follow-up: the observed risk is unknown
        unknown = np.full(points, np.nan)
        return pd.DataFrame(
            {"predicted": grid, "observed": unknown, "conf_low": unknown, "conf_high": unknown,
             "conf_level": float(conf_level)}
        )  # fmt: skip
    known = status.weight > 0
    x = _logit(score[known])
    quantiles = np.quantile(x, np.linspace(0.05, 0.95, knots)) if knots >= 3 else np.array([])
    quantiles = np.unique(quantiles)
    basis = (
        (lambda v: _spline_basis(v, quantiles)) if len(quantiles) >= 3 else (lambda v: v[:, None])
    )
    design = np.column_stack([np.ones(len(x)), basis(x)])
    outcome, weight = status.case[known].astype(float), status.weight[known]
    beta, cov = _weighted_logistic(design, outcome, weight)
    if not np.all(np.isfinite(beta)) and design.shape[1] > 2:
        # Too few distinct predictions or events for the knots: the spline diverges, so the
        # curve is the logistic recalibration line (the calibration-slope model) instead.
        def basis(v: FloatArray) -> FloatArray:
            return v[:, None]

        design = np.column_stack([np.ones(len(x)), basis(x)])
        beta, cov = _weighted_logistic(design, outcome, weight)
    g = np.column_stack([np.ones(points), basis(_logit(grid))])
    eta = g @ beta
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", g, cov, g), 0, None))
    z = stats.norm.ppf(0.5 + conf_level / 2)

    def expit(v: FloatArray) -> FloatArray:
        return np.asarray(special.expit(v), dtype=float)

    return pd.DataFrame(
        {
            "predicted": grid,
            "observed": expit(eta),
            "conf_low": expit(eta - z * se),
            "conf_high": expit(eta + z * se),
            "conf_level": float(conf_level),
        }
    )


def operating_point(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    horizon: float,
    *,
    flag: float = 0.1,
    threshold: float | None = None,
    competing: Competing = "control",
) -> dict[str, float]:
    """Return precision, recall, FNR and FPR when the riskiest ``flag`` share is flagged.

    Status is weighted by IPCW, so children censored before the horizon do not count as
    escalation-free. Give ``threshold`` to flag ``risk >= threshold`` instead (e.g. the
    cut-off of the whole test set when scoring a subgroup).

    Exactly ``floor(flag · n)`` of the ``n`` children are flagged, as the policy rules
    flag up to their capacity (:mod:`escalation._top_share`): when risks tie at the
    cut-off, each tied child counts with the weight that fills the places left (the
    expected value over a random choice among them), never all of them.

    Returns
    -------
    dict
        ``threshold, flagged, precision, recall, fnr, fpr`` (``flagged``: the share
        flagged, ``flag`` itself unless a ``threshold`` is given).

    Examples
    --------
    >>> out = operating_point([1, 2, 3, 5, 6], [1, 1, 0, 0, 0], [0.9, 0.2, 0.5, 0.3, 0.1],
    ...                       horizon=4, flag=0.2)
    >>> out["precision"], out["recall"], out["fpr"]
    (1.0, 0.5, 0.0)
    """
    time, code, score = prediction_arrays(duration, event, risk, probabilities=False)
    status = horizon_status(time, code, horizon, competing=competing)
    cut = top_cut(score, flag) if threshold is None else TopCut.at(threshold)
    return operating_at(score, status, cut)


def operating_at(score: FloatArray, status: HorizonStatus, cut: TopCut) -> dict[str, float]:
    """Return :func:`operating_point` of validated risks flagged by ``cut``."""
    flagged = top_weights(score, cut)
    w_case = status.weight * status.case
    w_ctrl = status.weight * status.control
    tp, fp = float(flagged @ w_case), float(flagged @ w_ctrl)
    pos, neg = float(w_case.sum()), float(w_ctrl.sum())
    recall = tp / pos if pos > 0 else float("nan")
    fpr = fp / neg if neg > 0 else float("nan")
    return {
        "threshold": cut.score,
        "flagged": float(flagged.mean()) if len(score) else float("nan"),
        "precision": tp / (tp + fp) if tp + fp > 0 else float("nan"),
        "recall": recall,
        "fnr": 1 - recall,
        "fpr": fpr,
    }


def average_precision(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    horizon: float,
    *,
    competing: Competing = "control",
) -> float:
    """Return the IPCW-weighted average precision (area under the precision–recall curve).

    Examples
    --------
    >>> average_precision([1, 2, 3, 5], [1, 0, 2, 0], [0.9, 0.1, 0.5, 0.2], horizon=4)
    1.0
    """
    time, code, score = prediction_arrays(duration, event, risk, probabilities=False)
    return _average_precision(score, horizon_status(time, code, horizon, competing=competing))


def _average_precision(score: FloatArray, status: HorizonStatus) -> float:
    known = status.weight > 0
    if not status.case[known].any():
        return float("nan")
    order = np.argsort(-score[known], kind="stable")
    s = score[known][order]
    w_case = (status.weight * status.case)[known][order]
    w_all = status.weight[known][order]
    # thresholds at distinct scores (as sklearn.metrics.average_precision_score)
    last = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]
    tp = np.cumsum(w_case)[last]
    flagged = np.cumsum(w_all)[last]
    precision = tp / flagged
    recall = tp / tp[-1]
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def net_benefit(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    horizon: float,
    thresholds: Sequence[float] | npt.ArrayLike,
    *,
    competing: Competing = "control",
) -> pd.DataFrame:
    r"""Return the net benefit of flagging ``risk >= threshold``, of flagging all and none.

    :math:`NB(p_t) = TP/n - FP/n \cdot p_t/(1-p_t)` with IPCW-weighted true and false
    positives (Vickers & Elkin 2006); flagging nobody has net benefit 0.

    Returns
    -------
    pandas.DataFrame
        Columns ``threshold, model, treat_all`` (``model`` is the net benefit of the
        predictions), and the counts they are made of: ``true_positives`` and
        ``false_positives`` (the expected numbers of children flagged who escalated by the
        horizon and who did not, sums of censoring weights), ``escalations`` and
        ``non_escalations`` (the same for flagging all) and ``n`` (the children).
        :func:`~escalation.disclosure.disclose_decision_curve` computes the published net
        benefit from them.

    Examples
    --------
    >>> net_benefit([1, 2, 3, 5], [1, 0, 2, 0], [0.9, 0.1, 0.5, 0.2], 4, [0.5]).iloc[0]
    threshold          0.500
    model             -0.125
    treat_all         -0.500
    true_positives     1.000
    false_positives    1.500
    escalations        1.000
    non_escalations    3.000
    n                  4.000
    Name: 0, dtype: float64
    """
    time, code, score = prediction_arrays(duration, event, risk)
    status = horizon_status(time, code, horizon, competing=competing)
    return _net_benefit(score, status, np.asarray(thresholds, dtype=float))


def _net_benefit(score: FloatArray, status: HorizonStatus, thresholds: FloatArray) -> pd.DataFrame:
    n = len(score)
    w_case = status.weight * status.case
    w_ctrl = status.weight * status.control
    flagged = score[None, :] >= thresholds[:, None]
    tp = (flagged * w_case[None, :]).sum(axis=1)
    fp = (flagged * w_ctrl[None, :]).sum(axis=1)
    cases, controls = float(w_case.sum()), float(w_ctrl.sum())
    return pd.DataFrame(
        {
            "threshold": thresholds,
            "model": net_benefit_of(tp, fp, n, thresholds),
            "treat_all": net_benefit_of(cases, controls, n, thresholds),
            "true_positives": tp,
            "false_positives": fp,
            "escalations": cases,
            "non_escalations": controls,
            "n": float(n),
        }
    )


def net_benefit_of(
    true_positives: npt.ArrayLike,
    false_positives: npt.ArrayLike,
    n: npt.ArrayLike,
    threshold: npt.ArrayLike,
) -> FloatArray:
    r"""Return the net benefit :math:`TP/n - FP/n \cdot p_t/(1-p_t)` of counts.

    The one formula of the net benefit, for the exact (expected) counts and for the
    counts as disclosed.

    Examples
    --------
    >>> net_benefit_of(25, 65, 90, 0.2).item()  # 25/90 - 65/90 * 0.25
    0.09722222222222222
    """
    odds = np.asarray(threshold, dtype=float) / (1 - np.asarray(threshold, dtype=float))
    tp, fp = np.asarray(true_positives, dtype=float), np.asarray(false_positives, dtype=float)
    return np.asarray((tp - fp * odds) / np.asarray(n, dtype=float), dtype=float)


def score_risks(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    horizon: float,
    *,
    flags: Sequence[float] = (0.1,),
    thresholds: Mapping[float, float | TopCut] | None = None,
    competing: Competing = "control",
) -> dict[str, float]:
    """Return every scalar metric of predicted risks at ``horizon`` in one dictionary.

    Keys: ``n, events, harrell_c, uno_c, auc, brier, observed, expected,
    calibration_in_the_large`` (observed − expected), ``observed_expected``,
    ``calibration_slope``, ``average_precision`` and, for each flagged share ``q`` (e.g.
    10%), ``precision_top10, recall_top10, fnr_top10, fpr_top10`` (exactly that share
    flagged, ties at the cut-off weighted as in :func:`operating_point`). Each ``q`` is a
    whole percent, once (it names the keys). ``thresholds`` maps a share to a fixed
    cut-off (a risk, flagging every risk at or above it, or the whole test set's
    :class:`~escalation._top_share.TopCut`, used for subgroups, so that everyone faces
    the same operating point).

    Every metric of the status at the horizon (``observed`` and the
    ``calibration_in_the_large`` and ``observed_expected`` made from it, ``auc``,
    ``brier``, ``calibration_slope``, ``average_precision`` and the rates of each flagged
    share) is NaN when ``horizon`` is past the rows' last follow-up
    (:attr:`HorizonStatus.known`): nobody is known to be escalation-free by then.
    :func:`~escalation.predict.validate_risk_models` refuses such a horizon for its test
    spells; a subgroup or bootstrap sample whose spells all end before it gets NaN
    (:func:`bootstrap_interval` leaves a few such draws out, counted, and gives no
    interval when more than :data:`MAX_LEFT_OUT` of them are).

    Examples
    --------
    >>> out = score_risks([1, 2, 3, 5, 6], [1, 1, 0, 0, 0], [0.9, 0.2, 0.5, 0.3, 0.1], 4,
    ...                   flags=[0.2])
    >>> out["auc"], out["recall_top20"]
    (0.75, 0.5)
    """
    time, code, score = prediction_arrays(duration, event, risk)
    return score_rows(follow_up_of(time, code, horizon, competing), score, flags, thresholds)


@dataclass(frozen=True)
class FollowUp:
    """What :func:`score_risks` finds from the follow-up alone, before any risk is scored.

    Models scored on the same spells (every model of a validation, on one bootstrap
    sample or group) share it: the counts, censoring weights, observed risk and order of
    the pairs depend on the spells, not on the predictions.
    """

    time: FloatArray
    status: HorizonStatus
    observed: float
    runs: _CaseRuns
    uno_weight: FloatArray


def follow_up_of(
    time: FloatArray, code: npt.NDArray[np.int64], horizon: float, competing: Competing
) -> FollowUp:
    """Return the follow-up side of :func:`score_risks` of validated rows."""
    # One count of the rows gives the censoring weights and the observed risk (as
    # horizon_status and observed_risk find them); Harrell's and Uno's C share the pairs.
    coded = _coded(code, competing)
    counts = productlimit.count(time, coded)
    status = _status(
        time, coded, horizon, productlimit.horizons_weights(counts, time, coded, [horizon])[0]
    )
    observed = float(incidence_read(counts, 1, np.array([horizon], dtype=float))[0])
    case = code == 1
    return FollowUp(
        time, status, observed, _case_runs(time, case), _uno_weight(time, case, horizon)
    )


def score_rows(
    rows: FollowUp,
    score: FloatArray,
    flags: Sequence[float] = (0.1,),
    thresholds: Mapping[float, float | TopCut] | None = None,
) -> dict[str, float]:
    """Return :func:`score_risks` of validated risks on the rows of ``rows``."""
    labels = flag_labels(flags)
    status, observed = rows.status, rows.observed
    expected = float(score.mean()) if len(score) else float("nan")
    pairs = _ranked_pairs(rows.runs, score)
    out: dict[str, float] = {
        "n": float(len(score)),
        "events": float(status.case.sum()),
        "harrell_c": _weighted_pairs(pairs, np.ones_like(rows.time)),
        "uno_c": _weighted_pairs(pairs, rows.uno_weight),
        "auc": _auc(score, status),
        "brier": _brier(score, status),
        "observed": observed,
        "expected": expected,
        "calibration_in_the_large": observed - expected,
        "observed_expected": observed / expected if expected > 0 else float("nan"),
        "calibration_slope": _slope(score, status),
        "average_precision": _average_precision(score, status),
    }
    for q in flags:
        given = (thresholds or {}).get(q)
        cut = top_cut(score, q) if given is None else given
        point = operating_at(score, status, cut if isinstance(cut, TopCut) else TopCut.at(cut))
        for key in ("precision", "recall", "fnr", "fpr"):
            out[f"{key}_{labels[q]}"] = point[key]
    return out


def flag_labels(flags: Sequence[float]) -> dict[float, str]:
    """Return each flagged share's label (0.1: ``top10``), refusing shares it would lose.

    A label names the keys of :func:`score_risks` and the rows of the subgroup tables,
    so a share that is not a whole percent (0.025 would read ``top2``) or that repeats
    (one result would overwrite the other) is refused.

    Raises
    ------
    DesignError
        Naming the shares that are outside (0, 1], not whole percents, or repeated.

    Examples
    --------
    >>> flag_labels([0.1, 0.05])
    {0.1: 'top10', 0.05: 'top5'}
    """
    percents = [100 * float(q) for q in flags]
    bad = [
        q
        for q, p in zip(flags, percents, strict=True)
        if not 0 < p <= 100 or abs(p - round(p)) > 1e-9
    ]
    if bad:
        raise DesignError(
            f"flags {bad}: each share flagged must be a whole percent in (0, 1] "
            "(0.01, 0.05, 0.1, ...); it names the metrics (precision_top10)"
        )
    names = [f"top{round(p):d}" for p in percents]
    repeated = [q for q, name in zip(flags, names, strict=True) if names.count(name) > 1]
    if repeated:
        raise DesignError(
            f"flags {repeated} are the same share; give each once (one set of metrics each)"
        )
    return dict(zip(flags, names, strict=True))


def _slope(score: FloatArray, status: HorizonStatus) -> float:
    known = status.weight > 0
    case = status.case[known]
    if case.all() or not case.any():
        return float("nan")
    design = np.column_stack([np.ones(known.sum()), _logit(score[known])])
    return _logistic_slope(design, case.astype(float), status.weight[known])


def bootstrap_indices(
    cluster: npt.ArrayLike, replicates: int, seed: int | np.random.Generator | None
) -> list[npt.NDArray[np.int64]]:
    """Return row indices of ``replicates`` bootstrap samples that resample whole clusters.

    Siblings (one ``family_id``) are drawn together, so intervals respect their correlation.
    Clusters are drawn by their sorted label, so the same clusters are drawn for a seed
    whatever the order of the rows (a replicate lists each cluster's rows in row order):
    give labels (such as :func:`~escalation.clusters.family_labels`), not numbers that
    follow the rows' order. A missing label is a cluster of its own row, never pooled
    with the other rows without one (the package's rule,
    :func:`~escalation.clusters.cluster_codes`): all rows without a ``family_id`` were
    drawn together as one giant family.

    Examples
    --------
    >>> [sorted(i.tolist()) for i in bootstrap_indices(["a", "a", "b"], 2, seed=1)]
    [[0, 1, 2], [2, 2]]
    """
    rng = np.random.default_rng(seed)
    codes = cluster_codes(cluster)
    order = np.argsort(codes, kind="stable")
    counts = np.bincount(codes)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    out = []
    for _ in range(replicates):
        pick = rng.integers(0, len(counts), size=len(counts))
        sizes = counts[pick]
        offsets = np.repeat(starts[pick] - np.concatenate(([0], np.cumsum(sizes)[:-1])), sizes)
        out.append(order[np.arange(sizes.sum()) + offsets].astype(np.int64))
    return out


#: The largest share of bootstrap draws an interval may leave out for not being estimable.
MAX_LEFT_OUT: Final = 0.05


@dataclass(frozen=True)
class BootstrapInterval:
    """A percentile interval and the bootstrap draws it had to leave out.

    Attributes
    ----------
    low, high : float
        The limits; NaN when fewer than two draws could be estimated or more than the
        share allowed were left out (:attr:`missing_reason`).
    draws : int
        Bootstrap draws given.
    left_out : int
        Draws whose value is NaN (not estimable on that draw: every spell of it ended
        before the horizon, or it has no escalation or nobody flagged), left out. The
        metric tables publish it (``draws_left_out``), and the model card names the
        metrics with draws left out.
    max_left_out : float
        The largest share of draws that may be left out.
    """

    low: float
    high: float
    draws: int
    left_out: int
    max_left_out: float = MAX_LEFT_OUT

    @property
    def missing_reason(self) -> str:
        """Why the interval is missing though draws were given ("" when it is not)."""
        if self.draws and self.left_out > self.max_left_out * self.draws:
            return (
                f"{self.left_out} of {self.draws} bootstrap draws could not be estimated "
                f"(more than {self.max_left_out:.0%}): the others would describe only the "
                "draws that could"
            )
        if self.draws and self.draws - self.left_out < 2:
            return f"only {self.draws - self.left_out} of {self.draws} draws could be estimated"
        return ""


def bootstrap_interval(
    draws: Sequence[float] | npt.ArrayLike,
    conf_level: float = 0.95,
    *,
    max_left_out: float = MAX_LEFT_OUT,
) -> BootstrapInterval:
    """Return the percentile interval of bootstrap draws, counting the draws left out.

    A draw whose value is NaN could not be estimated on that sample (e.g. every spell
    it drew ended before the horizon, so its observed risk is unknown). Such draws are
    not values the estimate could take: leaving them out describes only the samples that
    could be estimated. A few are left out (counted in ``left_out``); when more than
    ``max_left_out`` of the draws are, the interval is NaN (``missing_reason`` says
    why).

    Examples
    --------
    >>> interval = bootstrap_interval([1.0, 2.0, 3.0, np.nan], 0.5, max_left_out=0.25)
    >>> interval.low, interval.high, interval.left_out
    (1.5, 2.5, 1)
    >>> bootstrap_interval([1.0, 2.0, 3.0, np.nan], 0.5).missing_reason[:32]
    '1 of 4 bootstrap draws could not'
    """
    values = np.asarray(draws, dtype=float).ravel()
    finite = values[np.isfinite(values)]
    nan = float("nan")
    interval = BootstrapInterval(nan, nan, len(values), len(values) - len(finite), max_left_out)
    if len(finite) < 2 or interval.missing_reason:
        return interval
    alpha = (1 - conf_level) / 2
    low, high = np.quantile(finite, [alpha, 1 - alpha])
    return BootstrapInterval(
        float(low), float(high), interval.draws, interval.left_out, max_left_out
    )


def left_out_count(interval: BootstrapInterval, *, hidden: bool = False) -> float:
    """Return the draws ``interval`` left out, for a table's ``draws_left_out`` column.

    NaN (shown empty) where no draw was given (no bootstrap) or the row's estimate is
    ``hidden`` (suppressed): no interval was asked for there.

    Examples
    --------
    >>> left_out_count(bootstrap_interval([1.0, np.nan, 3.0]))
    1.0
    >>> left_out_count(bootstrap_interval([]))
    nan
    """
    if hidden or not interval.draws:
        return float("nan")
    return float(interval.left_out)


def percentile_interval(
    draws: Sequence[float] | npt.ArrayLike, conf_level: float = 0.95
) -> tuple[float, float]:
    """Return the limits of :func:`bootstrap_interval` (NaN when too many draws are NaN)."""
    interval = bootstrap_interval(draws, conf_level)
    return interval.low, interval.high


def warn_left_out(
    what: str, intervals: Mapping[str, BootstrapInterval], *, stacklevel: int = 2
) -> None:
    """Warn of the bootstrap draws ``intervals`` left out, and of the intervals missing.

    One :class:`~escalation.errors.StatisticalWarning` per table (``what``: e.g. a
    model's metrics), naming the metrics with draws left out, how many, and those whose
    interval is missing for it. Nothing when no draw was left out.
    """
    short = {k: v for k, v in intervals.items() if v.left_out}
    if not short:
        return
    counts = ", ".join(f"{k} {v.left_out}" for k, v in list(short.items())[:6])
    more = f" and {len(short) - 6} more" if len(short) > 6 else ""
    draws = max(v.draws for v in short.values())
    missing = [k for k, v in short.items() if v.missing_reason]
    share = max(v.max_left_out for v in short.values())
    lost = (
        f"; {len(missing)} interval(s) are missing ({', '.join(missing[:6])}"
        f"{' ...' if len(missing) > 6 else ''}): more than {share:.0%} of the "
        "draws could not be estimated, and the rest describe only those that could"
        if missing
        else ""
    )
    warnings.warn(
        f"{what}: bootstrap draws on which a metric could not be estimated (every spell "
        "drawn ended before the horizon, or no escalation or nobody flagged in the draw) "
        f"were left out of its interval: {counts}{more} of {draws} draws{lost}",
        StatisticalWarning,
        stacklevel=stacklevel + 1,
    )
