r"""Adjusted cumulative incidence of escalation under early help and under none.

Four estimators of the counterfactual cumulative incidence :math:`F_a(t) = P(T^a \le t,
\text{cause} = 1)` (death competing, never treated as censoring):

``unadjusted``
    Aalen–Johansen in each arm (no adjustment: biased under confounding by indication).
``ipw``
    Aalen–Johansen in each arm weighted by inverse-probability-of-treatment weights from a
    logistic propensity model (Hájek form). Assumes censoring independent of escalation
    within arms after weighting.
``gformula``
    Standardisation over cause-specific Cox models for escalation and for competing
    events, each with treatment and covariates (Breslow ties and baseline), averaged over
    everyone's covariates with treatment set to a. Each child's cumulative incidence is
    the package's one product-limit formula (:mod:`escalation.core.cif`), as
    ``riskRegression::ate``.
``aipw``
    Augmented inverse-probability-of-treatment and -censoring weighting (AIPTW-AIPCW,
    Ozenne et al. 2020, Biometrical Journal 62(3):751–763, doi:10.1002/bimj.201800298):
    doubly robust, combining the propensity model, the cause-specific Cox models and a Cox
    model for censoring; standard errors from its influence function.

Each adjusted estimator estimates the curves of every child (``weight_estimand="ate"``) or
of the treated children (``"att"``: IPW weights 1 and e/(1 - e); the g-formula averaged over
the treated children only; AIPW's treated arm their own risk and its untreated arm the
doubly robust ATT estimator, :func:`population_weights`); ``ipw`` also of the overlap
population. :data:`TARGETS` says which; :func:`population` names it.

Assumptions shared by all adjusted estimators: consistency, no unmeasured confounding
given the covariates, positivity, and (for ``aipw``) censoring independent of escalation
given treatment and covariates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation._formula_shown import shown_formula
from escalation._vocabulary import AUTO, is_whole_day, resolve_cluster, spells_of, weights_column
from escalation.causal._estimable import past_arm_follow_up, refuse_past_follow_up
from escalation.causal._standardise import standardise
from escalation.causal.influence import cluster_standard_error, influence_clusters
from escalation.causal.weights import (
    POPULATIONS,
    WeightEstimand,
    bounded_probability,
    check_truncate,
    treatment_weights,
)
from escalation.core import productlimit
from escalation.core.cif import cumulative_incidence, warn_capped
from escalation.core.coxfit import CoxFit, fit_cox_model
from escalation.core.logistic import fit_logistic, predict_logistic
from escalation.core.riskset import CoxData
from escalation.design.options import OUTCOME_MODEL_ESTIMATORS
from escalation.errors import DataValidationError, DesignError, Problem
from escalation.results import Presents, Summary, package_versions, provenance
from escalation.survival._outcome import (
    case_weights,
    durations,
    event_codes,
    outcome_arrays,
    prediction_times,
    reordered_rows,
)
from escalation.survival._result import check_conf_level

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "CRUDE",
    "GLANCED",
    "TARGETS",
    "AdjustedCurveResult",
    "CurveEstimator",
    "EngineOutput",
    "Nuisance",
    "check_target",
    "column_names",
    "estimate_curves",
    "ipcw_outcome",
    "ipcw_outcome_of",
    "pooled_logistic_survival",
    "population",
    "population_weights",
    "run_estimator",
]

FloatArray = npt.NDArray[np.float64]
#: Estimators of the counterfactual cumulative incidence.
CurveEstimator = Literal["unadjusted", "ipw", "gformula", "aipw"]
CURVE_ESTIMATORS = get_args(CurveEstimator)
#: The weight estimands (populations) each estimator targets. ``unadjusted`` compares the
#: arms as observed whatever the weight estimand (the crude contrast); the g-formula and
#: AIPW standardise over the whole population or over the treated.
TARGETS: dict[str, tuple[WeightEstimand, ...]] = {
    "unadjusted": ("ate", "att", "overlap"),
    "ipw": ("ate", "att", "overlap"),
    "gformula": ("ate", "att"),
    "aipw": ("ate", "att"),
}


@dataclass(frozen=True)
class Nuisance:
    """Fitted nuisance models reused as warm starts (and for inspection).

    Attributes
    ----------
    propensity : numpy.ndarray or None
        Logistic coefficients (intercept first).
    cause : escalation.core.coxfit.CoxFit or None
        Cause-specific Cox model for escalation (covariates: treatment then x).
    competing : escalation.core.coxfit.CoxFit or None
        Cause-specific Cox model for competing events (covariates: treatment then x, or
        treatment only when competing events are too few: see ``competing_columns``).
    censoring : escalation.core.coxfit.CoxFit or None
        Cox model for censoring.
    competing_columns : int
        How many leading columns (treatment first) the competing-event model uses.
    """

    propensity: FloatArray | None = None
    cause: CoxFit | None = None
    competing: CoxFit | None = None
    censoring: CoxFit | None = None
    competing_columns: int = 0


@dataclass(frozen=True)
class EngineOutput:
    """Raw output of one estimator on one data set.

    Attributes
    ----------
    times : numpy.ndarray
        Report times (curve points; horizons included).
    risk : numpy.ndarray, shape (2, len(times))
        Cumulative incidence under untreated (row 0) and treated (row 1).
    rmst : numpy.ndarray, shape (2, len(horizons))
        Restricted mean escalation-free time ∫(1 - F_a) up to each horizon.
    influence : dict or None
        Per-row influence values (``risk`` shape (n, 2, H), ``rmst`` shape (n, 2, H)).
    nuisance : Nuisance
        The fitted nuisance models.
    gformula : EngineOutput or None
        For ``aipw``: the g-formula estimate from the same outcome models (computed on the
        way at no extra cost).
    fitted : numpy.ndarray or None
        For ``gformula`` and ``aipw`` with influence values: each row's risk at the
        horizons under each arm from the outcome models, shape (n, 2, H), times its weight
        in the population (:func:`population_weights`; one for every child), without the
        augmentation (computed on the way).
    """

    times: FloatArray
    risk: FloatArray
    rmst: FloatArray
    influence: dict[str, FloatArray] | None
    nuisance: Nuisance
    gformula: EngineOutput | None = None
    fitted: FloatArray | None = None


def _grid(duration: FloatArray, report: FloatArray) -> FloatArray:
    top = report.max()
    return np.unique(np.concatenate([duration[duration <= top], report]))


def rmst_from_curve(grid: FloatArray, curve: FloatArray, horizons: FloatArray) -> FloatArray:
    """∫_0^h (1 - F(u)) du for a right-continuous step function F on ``grid``.

    ``curve`` may have leading dimensions; the grid is the last axis.
    """
    knots = np.concatenate([[0.0], grid])
    values = np.concatenate([np.zeros((*curve.shape[:-1], 1)), curve], axis=-1)
    out = []
    for h in horizons:
        right = np.minimum(np.r_[knots[1:], np.inf], h)
        length = np.clip(right - knots, 0, None)
        # only the pieces before h: a curve unknown (NaN) after h does not reach its area
        out.append(np.where(length > 0, (1.0 - values) * length, 0.0).sum(axis=-1))
    return np.stack(out, axis=-1)


def column_names(names: Sequence[str], width: int) -> list[str]:
    """Return the names of the ``width`` columns of a covariate matrix, for messages.

    ``names`` when it names every column; otherwise (no names given) each column by its
    position, ``"column 1"`` first.

    Examples
    --------
    >>> column_names(["age", "sex_M"], 2)
    ['age', 'sex_M']
    >>> column_names([], 2)
    ['column 1', 'column 2']
    """
    if len(names) == width:
        return [str(name) for name in names]
    if len(names):
        raise DesignError(f"{len(names)} column names given for {width} covariate columns")
    return [f"column {j + 1}" for j in range(width)]


def fit_hazard(
    duration: FloatArray,
    status: np.ndarray,
    x: FloatArray,
    weights: FloatArray | None,
    what: str,
    names: Sequence[str] = (),
) -> CoxFit:
    """Fit a weighted Cox model (Breslow ties) on the core; separation warns, never refits.

    The hazard models of the causal estimators (escalation, competing events, censoring,
    time to treatment start) are all this fit, as R's ``coxph(ties = "breslow")``.
    """
    data, _ = CoxData.build(duration, status, x, weights=weights)
    return fit_cox_model(data, "breslow", what=what, names=names)


def _cox(
    duration: FloatArray,
    status: np.ndarray,
    xa: FloatArray,
    cw: FloatArray,
    what: str,
    names: Sequence[str],
) -> CoxFit:
    """Fit a hazard model of treatment (the first column of ``xa``) and the covariates."""
    return fit_hazard(duration, status, xa, cw, what, ["treatment", *names][: xa.shape[1]])


def _competing_cox(
    duration: FloatArray,
    status: np.ndarray,
    xa: FloatArray,
    cw: FloatArray,
    names: Sequence[str],
) -> tuple[CoxFit | None, int]:
    """Competing-event model: full covariates with >= 5 events per column, else treatment only.

    Competing events (deaths) are rare; a covariate model with too few events does not
    converge, and its covariate effects matter little for the escalation risk. Returns
    the fit and the number of leading columns (treatment first) it uses.
    """
    events = float(cw[status].sum())
    if events == 0:
        return None, 0
    columns = xa.shape[1] if events >= 5 * xa.shape[1] else 1
    what = "the Cox model of competing events"
    return _cox(duration, status, xa[:, :columns], cw, what, names), columns


def _propensity(
    x: FloatArray,
    a: npt.NDArray[np.bool_],
    cw: FloatArray,
    warm: Nuisance | None,
    names: Sequence[str],
    given: FloatArray | None,
) -> FloatArray:
    """Return the propensity model's coefficients: ``given`` (already fitted), else a fit."""
    if given is not None:
        return given
    coef: FloatArray = fit_logistic(
        x,
        a,
        weights=cw,
        start=warm.propensity if warm else None,
        what="the propensity model",
        names=names,
    ).coef
    return coef


def _relative_hazards(fit: CoxFit, xa: FloatArray, columns: int) -> FloatArray:
    """Return the relative hazards of ``xa[:, :columns]`` under treatment 0 and 1 (rows).

    ``exp`` of the fit's linear predictor with the treatment column (the first) set to
    each arm; one copy of the columns serves both arms (that column overwritten in turn).
    """
    arms = xa[:, :columns].copy()
    out = np.empty((2, len(xa)))
    for arm in (0, 1):
        arms[:, 0] = arm
        out[arm] = fit.linear_predictor(arms)
    return np.exp(out)


def _split_events(event: npt.NDArray[np.int64]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return event == 1, event >= 2, event == 0


def _lengths(grid: FloatArray, horizons: FloatArray) -> FloatArray:
    """Matrix (len(grid), H): length of [grid_k, grid_k+1) inside [0, h] (for ∫ F)."""
    right = np.r_[grid[1:], np.inf]
    out: FloatArray = np.clip(
        np.minimum(right[:, None], horizons[None, :]) - grid[:, None], 0, None
    )
    return out


#: The ``population`` of the unadjusted estimator's rows: each arm's own children, as
#: observed (no standardisation to any population).
CRUDE = "crude"


def population(estimator: str, weight_estimand: WeightEstimand) -> str:
    """Return the ``population`` an estimator's rows of ``effects.csv`` are of.

    ``all`` (every child: the average treatment effect, ATE), ``treated`` (the treated
    children: ATT), ``overlap`` (overlap weights: ATO), or :data:`CRUDE` for the
    unadjusted estimator, which compares the arms as observed.

    Examples
    --------
    >>> population("aipw", "att"), population("unadjusted", "att")
    ('treated', 'crude')
    """
    return CRUDE if estimator == "unadjusted" else POPULATIONS[weight_estimand]


def check_target(method: str, weight_estimand: WeightEstimand) -> None:
    """Refuse an estimator asked for a population it does not estimate.

    Raises
    ------
    DesignError
        When ``weight_estimand`` is not one of :data:`TARGETS` ``[method]``.

    Examples
    --------
    >>> check_target("gformula", "att")
    """
    if weight_estimand not in TARGETS.get(method, ("ate",)):
        raise DesignError(
            f"the {method} estimator does not estimate weight_estimand={weight_estimand!r}; "
            f"it estimates {' or '.join(map(repr, TARGETS.get(method, ('ate',))))}"
        )


def population_weights(
    treated: npt.NDArray[np.bool_], propensity: FloatArray, weight_estimand: WeightEstimand
) -> tuple[FloatArray, FloatArray]:
    r"""Return each row's weight in the target population and its AIPW augmentation factors.

    The g-formula averages each row's predicted curve with the first array as weights;
    AIPW adds each row's augmentation under its own arm times the second (shape (2, n):
    untreated row 0, treated row 1) and divides both by the sum of the first:

    ``"ate"`` (every child)
        Weights 1; factors :math:`1/(1 - e)` and :math:`1/e`.
    ``"att"`` (the treated)
        Weights :math:`A` (the treated children's covariates only); factors
        :math:`e/(1 - e)` and 1: the treated arm's risk is the treated children's own
        (censoring-augmented) risk, the untreated arm's the doubly robust estimator of
        the treated children's risk without treatment (Hahn 1998,
        doi:10.2307/2998560; Kennedy, Sjölander and Small 2015, Biometrika 102(3),
        739–746, doi:10.1093/biomet/asv025).

    Examples
    --------
    >>> target, factor = population_weights(np.array([True, False]), np.array([0.8, 0.2]),
    ...                                     "att")
    >>> target.tolist(), factor.round(2).tolist()
    ([1.0, 0.0], [[4.0, 0.25], [1.0, 1.0]])
    """
    e = propensity
    if weight_estimand == "ate":
        return np.ones(len(e)), np.stack([1.0 / (1.0 - e), 1.0 / e])
    if weight_estimand == "att":
        return treated.astype(float), np.stack([e / (1.0 - e), np.ones(len(e))])
    raise DesignError(
        f"weight_estimand={weight_estimand!r} is not estimated by the g-formula or AIPW; "
        "choose 'ate' or 'att'"
    )


def run_estimator(
    method: CurveEstimator,
    duration: FloatArray,
    event: npt.NDArray[np.int64],
    treatment: npt.NDArray[np.int64],
    x: FloatArray,
    report: FloatArray,
    horizons: FloatArray,
    *,
    weight_estimand: WeightEstimand = "ate",
    truncate: float | None = None,
    influence: bool = False,
    warm: Nuisance | None = None,
    case_weights: FloatArray | None = None,
    names: Sequence[str] = (),
    propensity: FloatArray | None = None,
    outcome: Nuisance | None = None,
) -> EngineOutput:
    """Run one estimator on arrays; the inner loop of :func:`estimate_curves` and bootstrap.

    Parameters
    ----------
    method : {"unadjusted", "ipw", "gformula", "aipw"}
        The estimator.
    duration, event, treatment : numpy.ndarray
        Follow-up time, event code (0 censored, 1 escalation, >=2 competing), 0/1 treatment.
    x : numpy.ndarray, shape (n, p)
        Coded covariates.
    report : numpy.ndarray
        Times at which curves are returned (must include ``horizons``).
    horizons : numpy.ndarray
        Horizons for restricted mean times and influence values.
    weight_estimand : {"ate", "att", "overlap"}, default "ate"
        Population the estimate is of (:data:`TARGETS`): every child (``ate``), the
        treated (``att``: ``ipw``, ``gformula`` and ``aipw``) or the overlap population
        (``overlap``: ``ipw`` only; the g-formula and AIPW refuse it). ``unadjusted``
        compares the arms as observed whatever this says.
    truncate : float, optional
        Percentile truncation of the ``ipw`` weights (the other estimators do not use it).
    influence : bool, default False
        Return per-row influence values (``aipw`` only).
    warm : Nuisance, optional
        Nuisance fits used as starting values (bootstrap).
    case_weights : numpy.ndarray, optional
        Frequency weights (a bootstrap sample stored as distinct rows with counts).
    names : sequence of str, optional
        Names of the columns of ``x``: warnings and errors of the nuisance models (e.g.
        separation) name the covariate, not its position. Without them a column is
        named by its position.
    propensity : numpy.ndarray, optional
        Coefficients of the propensity model already fitted to these rows and weights (by
        another estimator of the same bootstrap replicate, ``ipw`` or ``aipw``): used as
        they are instead of fitting the same model again.
    outcome : Nuisance, optional
        The Cox models of escalation and of competing events already fitted to these rows
        and weights (the ``nuisance`` of a ``gformula`` or ``aipw`` output): used as they
        are by ``gformula`` and ``aipw`` instead of fitting the same models again.

    Returns
    -------
    EngineOutput
    """
    check_target(method, weight_estimand)
    names = column_names(names, x.shape[1])
    a = treatment.astype(bool)
    n_rows = len(duration)
    cw = np.ones(n_rows) if case_weights is None else np.asarray(case_weights, dtype=float)
    n = cw.sum()
    cause, competing, censored = _split_events(event)
    if method in ("unadjusted", "ipw"):
        w = cw.copy()
        prop = None
        if method == "ipw":
            prop = _propensity(x, a, cw, warm, names, propensity)
            e = predict_logistic(prop, x)
            w = cw * treatment_weights(e, a, estimand=weight_estimand, truncate=truncate)
        grid = _grid(duration, report)
        # The grid holds every time up to the last report time, so the Aalen-Johansen
        # estimate is counted on it directly (no distinct times to find, nothing to step).
        curves = np.stack(
            [
                productlimit.cumulative_incidence(
                    productlimit.count(duration[sel], event[sel], weights=w[sel], times=grid), 1
                )
                for sel in (~a, a)
            ]
        )
        at = np.searchsorted(grid, report)
        return EngineOutput(
            report,
            curves[:, at],
            rmst_from_curve(grid, curves, horizons),
            None,
            Nuisance(propensity=prop),
        )
    if method not in OUTCOME_MODEL_ESTIMATORS:
        raise DesignError(f"estimator {method!r} is not one of {CURVE_ESTIMATORS}")
    xa = np.column_stack([a.astype(float), x])
    if outcome is not None and outcome.cause is not None:
        fit1, fit2, columns2 = outcome.cause, outcome.competing, outcome.competing_columns
    else:
        fit1 = _cox(duration, cause, xa, cw, "the Cox model of escalation", names)
        fit2, columns2 = _competing_cox(duration, competing, xa, cw, names)
    grid = _grid(duration, report)
    h1 = fit1.hazard_on(grid)
    h2 = fit2.hazard_on(grid) if fit2 is not None else np.zeros(len(grid))
    at = np.searchsorted(grid, report)
    hz = np.searchsorted(grid, horizons)
    lengths = _lengths(grid, horizons)
    aipw = method == "aipw"
    prop = fitc = None
    # Without augmentation the censoring model, propensity and follow-up ends are unused.
    hc = np.zeros(len(grid))
    ec = np.zeros(n_rows)
    e = np.full(n_rows, 0.5)
    own = np.full(n_rows, len(grid), dtype=np.int64)
    if aipw:
        prop = _propensity(x, a, cw, warm, names, propensity)
        e = bounded_probability(predict_logistic(prop, x), "propensity scores")
    target, factor = population_weights(a, e, weight_estimand)
    if aipw:
        fitc = (
            _cox(duration, censored, xa, cw, "the censoring model", names)
            if censored.any()
            else None
        )
        if fitc is not None:
            hc = fitc.hazard_on(grid)
            ec = np.exp(fitc.linear_predictor(xa))
        own = np.where(duration <= grid[-1], np.searchsorted(grid, duration), len(grid))
    e1 = _relative_hazards(fit1, xa, xa.shape[1])
    e2 = _relative_hazards(fit2, xa, columns2) if fit2 is not None else np.zeros((2, n_rows))
    total, total_g, phi_risk, phi_rmst, phi_fit, capped = standardise(
        h1,
        h2,
        hc,
        e1,
        e2,
        ec,
        cw,
        target,
        a,
        factor,
        own.astype(np.int64),
        cause,
        censored,
        hz.astype(np.int64),
        lengths,
        horizons.astype(float),
        aipw=aipw,
        influence=influence,
    )
    warn_capped(capped, "the g-formula's cause-specific Cox models")
    size = float((cw * target).sum())  # of the target population
    curves = total / size
    infl = fitted = None
    rmst = rmst_from_curve(grid, curves, horizons)
    if influence:
        fitted = phi_fit
        # Per row: (its value minus its population weight times the mean) over the
        # population's share; for every child, its value minus the mean.
        share = size / n
        infl = {
            "risk": (phi_risk - target[:, None, None] * curves[:, hz][None]) / share,
            "rmst": (phi_rmst - target[:, None, None] * rmst[None]) / share,
        }
    companion = None
    if aipw:
        g_curves = total_g / size
        companion = EngineOutput(
            report,
            g_curves[:, at],
            rmst_from_curve(grid, g_curves, horizons),
            None,
            Nuisance(cause=fit1, competing=fit2, competing_columns=columns2),
        )
    return EngineOutput(
        report,
        curves[:, at],
        rmst,
        infl,
        Nuisance(
            propensity=prop,
            cause=fit1,
            competing=fit2,
            censoring=fitc,
            competing_columns=columns2,
        ),
        companion,
        fitted,
    )


#: The settings of an :class:`AdjustedCurveResult` its ``glance()`` shows (when recorded):
#: the single values; the confounders and their coding are in ``settings`` and
#: ``provenance()``.
GLANCED = (
    "weight_estimand",
    "truncate",
    "conf_level",
    "min_count",
    "cluster",
    "grace_days",
)


@dataclass(frozen=True)
class AdjustedCurveResult(Presents):
    """Counterfactual cumulative incidence curves under treatment and under none.

    Attributes
    ----------
    method : str
        The estimator.
    times : numpy.ndarray
        Curve times.
    risk : numpy.ndarray, shape (2, len(times))
        Cumulative incidence of escalation, untreated (row 0) and treated (row 1).
    std_error : numpy.ndarray or None
        Standard errors of ``risk`` (same shape), when computed: from the ``aipw``
        influence function (summed within clusters) in :func:`estimate_curves`.
    conf_level : float
        Confidence level of the intervals.
    n : int
        Rows used.
    backend : Nuisance
        The fitted nuisance models.
    population : str
        Whose risks the curves are: ``all``, ``treated``, ``overlap`` or ``crude``
        (:func:`population`).
    settings : dict
        What the curves were estimated with, as ``EffectsResult.settings`` records it:
        the confounders (``covariates``: the list or the formula's right-hand side),
        ``duration``, ``event``, ``min_count`` and ``coding`` (each categorical's kept
        levels and those pooled into ``other``:
        :func:`~escalation.timeline.matrix.coding_record`), ``conf_level``, and those of
        the estimator: ``treatment``, ``weight_estimand``, ``truncate`` and ``cluster``
        (:func:`estimate_curves`), or ``treatment_start`` and ``grace_days``
        (:func:`~escalation.causal.clone_censor_weight`,
        :func:`~escalation.causal.naive_grace_comparison`). :meth:`glance` shows the
        single values (:data:`GLANCED`), :meth:`provenance` records them all.
    """

    method: str
    times: FloatArray
    risk: FloatArray
    std_error: FloatArray | None
    conf_level: float
    n: int
    backend: Nuisance = field(repr=False)
    population: str = "all"
    settings: dict[str, Any] = field(default_factory=dict)

    def tidy(self) -> pd.DataFrame:
        """Return the curves as a long table, one row per arm and time.

        Columns ``time, estimate, std_error, conf_low, conf_high, group, cause,
        population, conf_level``.
        ``std_error`` is :attr:`std_error` (``NaN`` where it was not computed, and then
        the interval too), as every result's ``tidy()`` with an interval gives it; the
        interval is the Wald interval ``estimate ± z std_error`` within [0, 1].
        """
        z = stats.norm.ppf(0.5 + check_conf_level(self.conf_level) / 2)
        frames = []
        for arm, group in ((1, "treated"), (0, "untreated")):
            se = self.std_error[arm] if self.std_error is not None else np.nan
            frames.append(
                pd.DataFrame(
                    {
                        "time": self.times,
                        "estimate": self.risk[arm],
                        "std_error": se,
                        "conf_low": np.clip(self.risk[arm] - z * se, 0, 1),
                        "conf_high": np.clip(self.risk[arm] + z * se, 0, 1),
                        "group": group,
                        "cause": "escalation",
                        "population": self.population,
                        "conf_level": self.conf_level,
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)

    def _facts(self) -> dict[str, Any]:
        """Return n, method, population and the settings of :data:`GLANCED` recorded."""
        shown = {key: self.settings[key] for key in GLANCED if key in self.settings}
        return {"n": self.n, "method": self.method, "population": self.population, **shown}

    def glance(self) -> pd.DataFrame:
        """Return one row: n, method, population, the settings of :data:`GLANCED`, versions."""
        return pd.DataFrame([{**self._facts(), **package_versions()}])

    def summary(self) -> Summary:
        """Return a printable summary (never prints)."""
        return Summary(
            f"Counterfactual cumulative incidence ({self.method})", self._facts(), self.tidy()
        )

    def provenance(self) -> dict[str, Any]:
        """Return versions and settings for the output manifest."""
        return provenance(method=self.method, **self.settings)


def estimate_curves(
    frame: SpellData | pd.DataFrame,
    covariates: Sequence[str] | str | None = None,
    *,
    formula: str | None = None,
    duration: str = "duration",
    event: str = "event",
    treatment: str = "treatment",
    method: CurveEstimator = "aipw",
    times: Sequence[float] | None = None,
    weight_estimand: WeightEstimand = "ate",
    truncate: float | None = None,
    min_count: int = 20,
    conf_level: float = 0.95,
    cluster: str | None = AUTO,
) -> AdjustedCurveResult:
    """Estimate counterfactual cumulative incidence curves on any data frame.

    Parameters
    ----------
    frame : SpellData or pandas.DataFrame
        One row per person (e.g. ``SpellData.spells``).
    covariates : sequence of str or str
        Confounders, coded with :class:`escalation.timeline.CovariateCoding` (a string
        with ``~`` is a formula).
    formula : str, optional
        ``"Surv(duration, event) ~ x + C(g) + bs(age, df=3)"``: the confounders of the
        propensity and outcome models (see :mod:`escalation.formula`); its left-hand
        side names ``duration`` and ``event``.
    duration, event, treatment : str, default "duration", "event", "treatment"
        Columns: follow-up time (> 0), event code (0 censored, 1 escalation or the event of
        interest, 2 competing), 0/1 treatment.
    method : {"unadjusted", "ipw", "gformula", "aipw"}, default "aipw"
        The estimator (see the module notes).
    times : sequence of float, optional
        Curve times (default: 50 points up to the largest follow-up time). By the one
        rule of a time past the follow-up
        (:func:`~escalation.survival._outcome.past_follow_up`), a time past every
        spell's follow-up is a ``DesignError``, and an arm's curve (estimate and
        interval) is NaN past the longest follow-up of that arm's spells, with a
        ``StatisticalWarning`` when the time was given.
    weight_estimand : {"ate", "att", "overlap"}, default "ate"
        The population whose risks are estimated (:func:`run_estimator`; ``population``
        of the result): the g-formula and AIPW refuse ``"overlap"``.
    truncate : float, optional
        Percentile (not a fraction) truncation of the ``ipw`` weights: 1 truncates at the
        1st and 99th percentiles (a value below 1 warns).
    min_count : int, default 20
        Categorical levels of ``covariates`` with fewer rows are pooled into ``other``; a
        formula's levels are used as written, with a ``StatisticalWarning`` naming its
        categorical variables with rarer levels. Recorded in ``settings``.
    conf_level : float, default 0.95
        Level of pointwise intervals (influence function, ``aipw`` only).
    cluster : str, None or "auto", default "auto"
        Column whose rows' influence values are summed before squaring in the ``aipw``
        standard errors, as in :func:`~escalation.causal.estimate_effects` (the same
        standard errors): ``"auto"`` is the design's cluster for SpellData (families,
        or authorities), none for a data frame (each row its own cluster).

    Returns
    -------
    AdjustedCurveResult

    Raises
    ------
    DesignError
        When a time is past the longest follow-up of every spell.

    Warns
    -----
    StatisticalWarning
        When a time given is past the longest follow-up of one arm's spells (that arm's
        curve is NaN there).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> x = rng.normal(size=300)
    >>> a = (rng.random(300) < 1 / (1 + np.exp(-x))).astype(int)
    >>> t = rng.exponential(1 / np.exp(0.5 * x - 0.5 * a))
    >>> frame = pd.DataFrame({"x": x, "a": a, "time": np.minimum(t, 2), "event": (t < 2) * 1})
    >>> fit = estimate_curves(frame, "Surv(time, event) ~ x", treatment="a",
    ...                       method="gformula", times=[1.0])
    >>> fit.tidy()[["time", "group"]].values.tolist()
    [[1.0, 'treated'], [1.0, 'untreated']]
    """
    cluster = resolve_cluster(frame, cluster)
    frame = spells_of(frame, function="estimate_curves")
    from escalation.causal._confounders import confounders
    from escalation.causal.propensity import treatment_vector

    check_target(method, weight_estimand)
    check_truncate(truncate)
    check_conf_level(conf_level)
    adjust = confounders(
        frame, covariates, formula, duration=duration, event=event, min_count=min_count,
        treatment=treatment,
    )  # fmt: skip
    a = treatment_vector(frame, treatment)
    x = adjust.coding.apply(frame)
    dur = durations(frame[adjust.duration])
    ev = event_codes(frame[adjust.event])
    report, unknown = _curve_times(times, dur, a)
    out = run_estimator(
        method,
        dur,
        ev,
        a,
        x.to_numpy(dtype=float),
        report,
        report,
        weight_estimand=weight_estimand,
        truncate=truncate,
        influence=method == "aipw",
        names=list(x.columns),
    )
    se = None
    if out.influence is not None:
        se = cluster_standard_error(out.influence["risk"], influence_clusters(frame, cluster))
    risk = np.where(unknown, np.nan, out.risk)  # past an arm's follow-up: not identified
    settings = {
        "weight_estimand": weight_estimand,
        "truncate": truncate,
        "conf_level": conf_level,
        **adjust.record(min_count),
        "treatment": treatment,
        "cluster": cluster,
    }
    return AdjustedCurveResult(
        method,
        report,
        risk,
        None if se is None else np.where(unknown, np.nan, se),
        conf_level,
        len(dur),
        out.nuisance,
        population(method, weight_estimand),
        settings,
    )


def _curve_times(
    times: Sequence[float] | None, dur: FloatArray, a: npt.NDArray[np.int64]
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """Return the times of :func:`estimate_curves` and where each arm's curve is unknown.

    Default: 50 points up to the longest follow-up. Times given are refused past every
    spell's follow-up (:func:`~escalation.causal._estimable.refuse_past_follow_up`) and
    warned about past an arm's; either way an arm's curve is unknown (NaN) past its own
    spells' follow-up (:func:`~escalation.causal._estimable.past_arm_follow_up`, row 0
    the untreated arm).
    """
    if times is None:
        report = np.linspace(dur.max() / 50, dur.max(), 50)
    else:
        report = np.sort(prediction_times(times))
        refuse_past_follow_up(report, dur, what="times", choose="times")
    unknown = past_arm_follow_up(
        report, dur, a, consequence="their risks are NaN", what="times", warn=times is not None
    )
    return report, unknown


def pooled_logistic_survival(
    frame: SpellData | pd.DataFrame,
    *,
    duration: str,
    event: str,
    treatment: str,
    formula: str,
    times: Sequence[int],
    weights: npt.ArrayLike | str | None = None,
    standardize: bool = True,
) -> pd.DataFrame:
    """Survival under each treatment from a pooled logistic (discrete-time) hazard model.

    The data are expanded to one row per person and interval ``1..duration`` (integer
    durations, e.g. months) with the interval in a column ``time`` (starting at 0, as in
    Hernán & Robins, *What If*, ch. 17) and the outcome ``event`` in the last interval.
    The hazard model ``formula`` (a right-hand side, as every model formula of the package:
    :mod:`escalation.formula`) may use ``time``, the treatment and any covariates; it is
    fitted by the package's one logistic regression
    (:func:`escalation.core.logistic.fit_logistic`; statsmodels' GLM is its test oracle).
    With ``standardize`` the parametric g-formula averages each person's predicted survival
    with treatment set to 1 and to 0; without it (for an IP-weighted marginal structural
    model, pass ``weights``) survival is computed from the model's hazards with treatment
    set to each value, so the formula may use only the treatment and ``time`` (a covariate
    would be read at one person's values: the result changed with the order of the rows).
    A missing value in a variable of the formula is an error naming the row (statsmodels
    dropped such rows), and so is a column ``time`` of ``frame`` other than the duration
    (the expanded rows' interval would overwrite it).

    Parameters
    ----------
    frame : SpellData or pandas.DataFrame
        One row per person.
    duration : str
        Integer number of intervals of follow-up.
    event : str
        1 when follow-up ended with the event, 2 (or more) with a competing event, else 0.
        With competing events a second pooled logistic model (same formula) gives their
        hazard and ``risk`` is the discrete-time cumulative incidence
        ``sum_k S(k-1) h_1(k)`` (g-formula with death competing), the package's one
        cumulative-incidence formula (:mod:`escalation.core.cif`).
    treatment : str
        0/1 treatment column (another coding, e.g. 1/2, is a ``DataValidationError``
        naming the rows, as every causal estimator's: the arms are set to 1 and 0).
    formula : str
        Right-hand side of the hazard model, e.g. ``"treat * (time + I(time**2))"``.
    times : sequence of int
        Intervals at which survival is returned: whole numbers >= 1 (survival at the end
        of that interval; 0 or 6.5 is a ``DesignError`` naming it), within the follow-up
        (:func:`~escalation.survival._outcome.past_follow_up`): an interval past every
        person's is a ``DesignError``; past one arm's, that arm's survival and risk are
        NaN, with a ``StatisticalWarning`` (the hazard model would be extrapolated).
    weights : array_like or str, optional
        Per-person weights (e.g. stabilised IP weights), one per row of ``frame`` in its
        order, or the name of their column; carried to every interval.
    standardize : bool, default True
        Standardise over the covariates of ``frame`` (g-formula). False: a marginal
        structural model, whose formula uses the treatment and ``time`` only.

    Returns
    -------
    pandas.DataFrame
        ``time, group, survival, risk`` with ``group`` ``treated``/``untreated``:
        event-free survival and the cumulative incidence of ``event == 1``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"t": [3, 3, 1, 2], "d": [0, 0, 1, 1], "a": [1, 0, 1, 0]})
    >>> out = pooled_logistic_survival(frame, duration="t", event="d", treatment="a",
    ...                                formula="a", times=[3], standardize=False)
    >>> out["group"].tolist()
    ['treated', 'untreated']
    """
    from escalation.formula import FormulaCoding, check_complete

    frame = spells_of(frame, function="pooled_logistic_survival")

    if "time" in frame.columns and duration != "time":
        raise DesignError(
            "the frame has a column 'time', but the expanded rows use 'time' for the "
            "interval (the formula's time); rename that column"
        )
    from escalation.causal.propensity import treatment_vector

    a = treatment_vector(frame, treatment)  # 0/1: the arms are set to 1 and 0 below
    check_complete(frame, formula)
    _check_intervals(times)
    n_intervals = _whole_intervals(frame[duration])
    ev = event_codes(frame[event])
    refuse_past_follow_up(times, n_intervals, what="times", unit="intervals", choose="times")
    unknown = past_arm_follow_up(
        times,
        n_intervals,
        a,
        consequence="their survival and risk are NaN",
        what="times",
        unit="intervals",
    )
    frame, weights = weights_column(frame, weights, function="pooled_logistic_survival")
    rows = np.repeat(np.arange(len(frame)), n_intervals)
    long = frame.iloc[rows].reset_index(drop=True)
    first = np.r_[0, np.cumsum(n_intervals)[:-1]]
    long["time"] = np.arange(len(long)) - np.repeat(first, n_intervals)
    last = long["time"].to_numpy() == np.repeat(n_intervals - 1, n_intervals)
    codes = ev[rows]
    w = None if weights is None else case_weights(frame[weights])[rows]
    with reordered_rows(long, rows).input_rows():  # an expanded row names its person's row
        coding = FormulaCoding.learn(long, formula, input_rows=rows)
    if not standardize:
        _refuse_covariates(coding.columns, treatment, formula)
    x = coding.apply(long).to_numpy()

    def hazard_model(outcome: npt.NDArray[np.bool_], what: str) -> FloatArray:
        fit = fit_logistic(x, outcome, weights=w, names=coding.names, what=what)
        return fit.coef

    model = hazard_model(last & (codes == 1), "the pooled logistic hazard model")
    competing = None
    if (last & (codes >= 2)).any():
        competing = hazard_model(
            last & (codes >= 2), "the pooled logistic hazard model of the competing event"
        )
    horizon = int(max(times))
    out = []
    for arm, group in ((1, "treated"), (0, "untreated")):
        base = frame if standardize else frame.iloc[:1]
        grid = base.iloc[np.repeat(np.arange(len(base)), horizon)].reset_index(drop=True)
        grid["time"] = np.tile(np.arange(horizon), len(base))
        grid[treatment] = arm
        coded = coding.apply(grid).to_numpy()
        hazard = predict_logistic(model, coded).reshape(len(base), horizon)
        other = (
            predict_logistic(competing, coded).reshape(len(base), horizon)
            if competing is not None
            else np.zeros_like(hazard)
        )
        total = hazard + other
        risk = cumulative_incidence(hazard, total, what="the pooled logistic g-formula")
        each = 1.0 - risk - cumulative_incidence(other, total, what="the pooled logistic g-formula")
        risk = risk.mean(axis=0)
        surv = each.mean(axis=0)
        for t, past in zip(times, unknown[arm], strict=True):
            out.append(
                {
                    "time": t,
                    "group": group,
                    "survival": np.nan if past else float(surv[int(t) - 1]),
                    "risk": np.nan if past else float(risk[int(t) - 1]),
                }
            )
    return pd.DataFrame(out)


def _whole_intervals(values: pd.Series) -> npt.NDArray[np.int64]:
    """Return durations as whole numbers of intervals >= 1, or raise naming the first bad row.

    :func:`~escalation.survival._outcome.durations` refuses a missing or non-positive
    one; a fractional one was truncated (``t - 0.5`` gave the answer of ``t - 1``).
    """
    time = durations(values)
    bad = np.flatnonzero(time != np.round(time))
    if bad.size:
        row = int(bad[0])
        reason = (
            f"{bad.size} duration(s) are not whole numbers of intervals; the pooled logistic "
            "model has one row per interval (count them, e.g. months = ceil(days / 30))"
        )
        raise DataValidationError(
            [Problem("spells", row, str(values.name), values.iloc[row], reason)], "spells"
        )
    return time.astype(np.int64)


def _check_intervals(times: Sequence[int]) -> None:
    """Refuse a time that is not a whole number of intervals >= 1, naming it.

    Time 0 read the value at the last time (index -1), and 6.5 the value at 6 labelled
    6.5. The rule of a horizon (:func:`~escalation._vocabulary.is_whole_day`).
    """
    for t in times:
        if not is_whole_day(t):
            raise DesignError(
                f"times: {t!r} is not a whole number of intervals >= 1; survival is "
                "returned at the end of intervals 1, 2, ... (it is 1 at time 0)"
            )


def _refuse_covariates(columns: Sequence[str], treatment: str, formula: str) -> None:
    """Refuse a marginal structural model (``standardize=False``) with covariates.

    Without standardising, survival comes from the hazards at one set of covariate
    values: those of the first row, so the answer depended on the order of the rows.
    """
    others = [c for c in columns if c not in (treatment, "time")]
    if others:
        raise DesignError(
            f"standardize=False takes a formula of the treatment {treatment!r} and 'time' "
            f"only, but {shown_formula(formula)!r} also uses {', '.join(map(repr, others))}: "
            "survival would be read at one person's covariates. Give standardize=True (the "
            "g-formula averages over every person's covariates), or adjust through weights= "
            "and leave the covariates out of the formula"
        )


def ipcw_outcome(
    duration: npt.ArrayLike, event: npt.ArrayLike, horizon: float
) -> tuple[FloatArray, FloatArray]:
    """Return the censoring-weighted outcome "escalated by the horizon" and its weights.

    ``Y*_i = Δ_i 1{T_i <= h, cause 1} / G(T_i-)`` (``G(h)`` when followed beyond the
    horizon) with ``Δ_i`` one when the status at the horizon is known (escalation or a
    competing event by ``h``, or follow-up beyond ``h``) and ``G`` the reverse
    Kaplan–Meier estimate of remaining uncensored
    (:func:`escalation.core.productlimit.horizon_weights`: at tied times events come
    before censorings, as R's ``prodlim``; the weights of the prediction metrics). Under
    censoring independent of covariates, ``E[Y* | X] = F_1(h | X)``, so ``Y*`` can stand
    in for the binary outcome in regression, DoWhy and EconML (a transformed outcome).

    Returns
    -------
    tuple of numpy.ndarray
        ``(y_star, weight)`` where ``weight`` is the IPCW weight above.

    Raises
    ------
    DataValidationError
        When a duration is missing, infinite or not > 0, or an event code is not a whole
        number >= 0, naming table ``arrays``, the argument and the position
        (:func:`~escalation.survival._outcome.outcome_arrays`): a missing duration was
        weighted as followed beyond the horizon, and a missing event code failed in numpy.

    Examples
    --------
    >>> y, w = ipcw_outcome([1, 2, 3, 5], [1, 0, 2, 0], 4)
    >>> y.round(3).tolist(), w.round(3).tolist()
    ([1.0, 0.0, 0.0, 0.0], [1.0, 0.0, 1.5, 1.5])
    """
    time, code, _ = outcome_arrays(duration, event)
    weight = productlimit.horizon_weights(time, code, horizon)
    y = ((code == 1) & (time <= horizon)).astype(float)
    return y * weight, weight


def ipcw_outcome_of(
    frame: pd.DataFrame, duration: str, event: str, horizon: float
) -> tuple[FloatArray, FloatArray]:
    """Return :func:`ipcw_outcome` of the ``duration`` and ``event`` columns of ``frame``.

    The columns are checked as every entry point checks them
    (:func:`~escalation.survival._outcome.durations`,
    :func:`~escalation.survival._outcome.event_codes`): errors name table ``spells``, the
    row, the column and the value.
    """
    return ipcw_outcome(durations(frame[duration]), event_codes(frame[event]), horizon)
