r"""Parametric accelerated failure time (AFT) models: :func:`fit_aft`.

Weibull, log-normal and log-logistic models of the time to escalation, in R's
``survreg`` parametrisation: :math:`\log T = x^\top\beta + \sigma W` with :math:`W`
standard extreme-value, normal or logistic. The likelihood is maximised by the package's
one Newton solver (:mod:`escalation.core.newton`: analytic derivatives, one convergence
rule and one separation rule) from least-squares starting values; the standard errors come
from the exact Hessian (or the core's cluster-robust sandwich), matching
``survival::survreg``. lifelines' AFT fitter of the same model is ``.backend`` (fitted on
first access; no part of the estimates).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import special, stats

from escalation._vocabulary import AUTO, INTERCEPT, warn_deprecated, weights_column
from escalation.clusters import cluster_codes, cluster_labels
from escalation.core.newton import Value, covariance, newton
from escalation.core.sandwich import cluster_sandwich
from escalation.errors import DesignError
from escalation.results import standard_errors
from escalation.survival._checks import check_variation
from escalation.survival._inputs import (
    frame_of,
    learn_coding,
    profile_labels,
    require_columns,
    resolve_outcome,
)
from escalation.survival._outcome import (
    Weights,
    durations,
    event_codes,
    prediction_times,
    usable_rows,
)
from escalation.survival._result import (
    SurvivalResult,
    check_conf_level,
    coefficient_table,
    ratio_table,
    reference_levels,
)
from escalation.timeline.matrix import Coding

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = ["AFTResult", "Distribution", "fit_aft"]

Distribution = Literal["weibull", "lognormal", "loglogistic"]
FloatArray = npt.NDArray[np.float64]
#: The baseline rows of every AFT fit (R's ``survreg``): log time at the reference
#: profile and the log of the scale σ; not effects, so never exponentiated as ratios.
BASELINE_TERMS: Final = (INTERCEPT, "log(scale)")


def _derivatives(
    distribution: Distribution, z: FloatArray, event: npt.NDArray[np.bool_]
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Log density (events) or log survival (censored) of W at z, and two derivatives."""
    if distribution == "weibull":
        ez = np.exp(z)
        g = np.where(event, z - ez, -ez)
        g1 = np.where(event, 1.0 - ez, -ez)
        g2 = -ez
    elif distribution == "loglogistic":
        f = special.expit(z)
        g = np.where(event, z - 2.0 * np.logaddexp(0.0, z), -np.logaddexp(0.0, z))
        g1 = np.where(event, 1.0 - 2.0 * f, -f)
        g2 = np.where(event, -2.0 * f * (1.0 - f), -f * (1.0 - f))
    else:
        log_sf = stats.norm.logsf(z)
        mills = np.exp(stats.norm.logpdf(z) - log_sf)
        g = np.where(event, stats.norm.logpdf(z), log_sf)
        g1 = np.where(event, -z, -mills)
        g2 = np.where(event, -1.0, -mills * (mills - z))
    return g, g1, g2


def _survival_of(distribution: Distribution, z: FloatArray) -> FloatArray:
    if distribution == "weibull":
        return np.asarray(np.exp(-np.exp(z)), dtype=float)
    if distribution == "loglogistic":
        return np.asarray(special.expit(-z), dtype=float)
    return np.asarray(stats.norm.sf(z), dtype=float)


def _loglik_parts(
    theta: FloatArray,
    x: FloatArray,
    log_t: FloatArray,
    event: npt.NDArray[np.bool_],
    w: FloatArray,
    distribution: Distribution,
) -> tuple[float, FloatArray, FloatArray, FloatArray]:
    """Log-likelihood, gradient, Hessian and per-row scores in (beta, log sigma)."""
    beta, log_sigma = theta[:-1], theta[-1]
    sigma = np.exp(log_sigma)
    z = (log_t - x @ beta) / sigma
    g, g1, g2 = _derivatives(distribution, z, event)
    loglik = float(np.sum(w * (g - event * (log_sigma + log_t))))
    score_beta = -(w * g1 / sigma)[:, None] * x
    score_ls = w * (-g1 * z - event)
    scores = np.column_stack((score_beta, score_ls))
    h_bb = (x * (w * g2 / sigma**2)[:, None]).T @ x
    h_bs = x.T @ (w * (g2 * z + g1) / sigma)
    h_ss = float(np.sum(w * (g2 * z**2 + g1 * z)))
    p = x.shape[1]
    hess = np.zeros((p + 1, p + 1))
    hess[:p, :p] = h_bb
    hess[:p, p] = hess[p, :p] = h_bs
    hess[p, p] = h_ss
    return loglik, scores.sum(axis=0), hess, scores


@dataclass(frozen=True)
class AFTResult(SurvivalResult):
    r"""A fitted accelerated failure time model.

    Attributes
    ----------
    coefficients : pandas.Series
        ``(Intercept)``, the covariates (log time ratios) and ``log(scale)``
        (:math:`\log\sigma`), as R's ``survreg``.
    covariance : pandas.DataFrame
        Their covariance (inverse Hessian, or cluster-robust sandwich).
    distribution : {"weibull", "lognormal", "loglogistic"}
        Distribution of :math:`T`.
    loglik : float
        Log-likelihood (including the :math:`-\log t` Jacobian of events, as R).
    n, events, dropped : int
        Rows used, events of the modelled cause, rows left out (case weight 0).
    variance : {"model", "robust"}
        Which covariance :attr:`covariance` holds.
    cause : int
        The cause modelled.
    coding : CovariateCoding or FormulaCoding
        How covariates became columns.
    conf_level : float
        Interval level.
    separated : tuple of str
        Terms with infinite estimates (separation, e.g. a level with no events), named in
        a warning at fit (the one rule of :mod:`escalation.core.newton`).
    inestimable : tuple of str
        Terms the likelihood does not depend on (the singularity rule of
        :mod:`escalation.core.newton`), named in a warning at fit: held at 0, ``NaN``
        in :meth:`tidy` (R's ``NA``).
    """

    coefficients: pd.Series
    covariance: pd.DataFrame
    distribution: Distribution
    loglik: float
    n: int
    events: int
    dropped: int
    variance: Literal["model", "robust"]
    cause: int
    coding: Coding
    conf_level: float
    separated: tuple[str, ...] = ()
    inestimable: tuple[str, ...] = ()
    _inputs: tuple[FloatArray, FloatArray, npt.NDArray[np.bool_], FloatArray, bool] | None = field(
        default=None, repr=False, compare=False
    )

    @cached_property
    def backend(self) -> Any:
        """Return lifelines' AFT fitter of the same model, fitted on first access."""
        if self._inputs is None:
            return None
        x, log_t, status, w, weighted = self._inputs
        return _lifelines(x, np.exp(log_t), status, w, weighted, self.distribution)

    @property
    def title(self) -> str:
        """Heading of the summary."""
        return f"Accelerated failure time ({self.distribution})"

    def tidy(self, exponentiate: bool = False) -> pd.DataFrame:
        r"""Return one row per parameter.

        Parameters
        ----------
        exponentiate : bool, default False
            Report time ratios: the covariates' estimates and intervals exponentiated.
            The baseline rows ``(Intercept)`` (log time) and ``log(scale)`` (log
            :math:`\sigma`) are not ratios: they stay on the log scale their names say,
            as in flexsurv's ``tidy(transform = "coefs.exp")``.

        Returns
        -------
        pandas.DataFrame
            ``term, estimate, std_error, conf_low, conf_high, conf_level, p_value``.
        """
        se = standard_errors(self.covariance)
        return coefficient_table(
            list(self.coefficients.index),
            self.coefficients.to_numpy(),
            se,
            self.conf_level,
            exponentiate=exponentiate,
            inestimable=self.inestimable,
            separated=self.separated,
            not_ratios=BASELINE_TERMS,
        )

    @property
    def event(self) -> int:
        """Deprecated: the cause modelled; use :attr:`cause`."""
        warn_deprecated("AFTResult.event is the cause code; use AFTResult.cause")
        return self.cause

    def _facts(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "events": self.events,
            "dropped": self.dropped,
            "method": f"aft ({self.distribution})",
            "cause": self.cause,
            "variance": self.variance,
            "separated": ", ".join(self.separated) or "none",
            "inestimable": ", ".join(self.inestimable) or "none",
            "loglik": self.loglik,
            "aic": -2.0 * self.loglik + 2.0 * (len(self.coefficients) - len(self.inestimable)),
        }

    def _summary_table(self) -> pd.DataFrame:
        table = ratio_table(self.tidy(), "time ratio")
        ratios = [c for c in table.columns if c == "time ratio" or c.startswith(("lower", "upper"))]
        table.loc[table["term"].isin(BASELINE_TERMS), ratios] = np.nan  # not ratios
        return table

    def plot(self, **options: Any) -> Any:
        """Return the time ratios as a forest plot (no intercept or scale rows).

        ``options`` go to :func:`escalation.figures.plot_hazard_ratios`.
        """
        from escalation.figures.results import plot_coefficients

        table = self.tidy(exponentiate=True)
        table = table[~table["term"].isin(BASELINE_TERMS)]
        return plot_coefficients(table, "Time ratio", **options)

    def _summary_facts(self) -> dict[str, Any]:
        return {**self._facts(), "reference levels": reference_levels(self.coding)}

    def _notes(self) -> tuple[str, ...]:
        return ("Exponentiated coefficients are time ratios: above 1 means escalation later.",)

    def _linear(self, profiles: pd.DataFrame) -> tuple[FloatArray, float]:
        coded = self.coding.apply(profiles, table="profiles")[list(self.coefficients.index[1:-1])]
        x = coded.to_numpy(dtype=float)
        beta = self.coefficients.to_numpy()
        eta = beta[0] + x @ beta[1:-1]
        return eta, float(np.exp(beta[-1]))

    def predict_survival(self, profiles: pd.DataFrame, times: Sequence[float]) -> pd.DataFrame:
        """Return predicted survival ``profile, time, estimate`` for covariate profiles.

        ``profile`` is the index label of the row of ``profiles`` (as every
        ``predict_*``: docs/vocabulary.md).
        """
        labels = profile_labels(profiles)
        eta, sigma = self._linear(profiles)
        at = prediction_times(times)
        z = (np.log(at)[None, :] - eta[:, None]) / sigma
        surv = _survival_of(self.distribution, z)
        return pd.DataFrame(
            {
                "profile": np.repeat(labels, at.size),
                "time": np.tile(at, len(eta)),
                "estimate": surv.reshape(-1),
            }
        )

    def predict_median(self, profiles: pd.DataFrame) -> pd.Series:
        """Return the median time to the event for each profile.

        The Series ``median`` is indexed by ``profile``, the index labels of ``profiles``
        (as every ``predict_*``: docs/vocabulary.md).
        """
        labels = profile_labels(profiles)
        eta, sigma = self._linear(profiles)
        w50 = {"weibull": np.log(np.log(2.0)), "lognormal": 0.0, "loglogistic": 0.0}
        return pd.Series(
            np.exp(eta + sigma * w50[self.distribution]),
            index=pd.Index(labels, name="profile"),
            name="median",
        )


_LIFELINES = {
    "weibull": ("WeibullAFTFitter", "lambda_", "rho_", -1.0),
    "lognormal": ("LogNormalAFTFitter", "mu_", "sigma_", 1.0),
    "loglogistic": ("LogLogisticAFTFitter", "alpha_", "beta_", -1.0),
}


def fit_aft(
    data: SpellData | pd.DataFrame,
    covariates: Sequence[str] | str | None = None,
    *,
    formula: str | None = None,
    distribution: Distribution = "weibull",
    duration: str = "duration",
    event: str = "event",
    cause: int | None = None,
    weights: Weights = None,
    cluster: str | None = AUTO,
    conf_level: float = 0.95,
    min_count: int = 20,
    max_iter: int = 100,
    coding: Coding | None = None,
) -> AFTResult:
    r"""Fit a parametric accelerated failure time model (cause-specific).

    Estimand: time ratios :math:`\exp(\beta_j)`: how much a unit of covariate ``j``
    stretches (> 1) or shrinks (< 1) the time to ``event``, assuming the chosen
    distribution and independent censoring (other causes censor).

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        Spells with ``duration`` (> 0), ``event`` and the covariates.
    covariates : sequence of str or str, optional
        Default ``data.model_covariates`` for a SpellData; required for a DataFrame. A
        string with ``~`` is a formula.
    formula : str, optional
        ``"Surv(duration, event) ~ x + C(g) + cluster(family_id)"`` instead of
        ``covariates`` (see :mod:`escalation.formula`; ``strata()`` is not supported).
    distribution : {"weibull", "lognormal", "loglogistic"}, default "weibull"
        Distribution of :math:`T`.
    duration, event : str, default "duration", "event"
        Columns of follow-up days and of event codes (0 censored, 1, 2, ... the cause).
    cause : int, optional
        The cause modelled (default 1); other codes are censored.
    weights : str or array_like, optional
        Column of case weights, finite and ``>= 0``, or the weights themselves (one per
        spell, in row order); with weights the robust variance is used;
        rows with weight 0 are left out and counted in ``glance()["dropped"]``.
    cluster : str, None or "auto", default "auto"
        Column of clusters for the robust variance; ``"auto"``: the design's cluster for
        SpellData (``SpellData.cluster``), none for a data frame; ``None``: model-based.
    conf_level : float, default 0.95
        Level of the Wald intervals.
    min_count : int, default 20
        Categorical levels of ``covariates`` with fewer rows are pooled into ``other``.
        A formula's levels are used as written (``C(g)`` codes every level of ``g``): a
        ``StatisticalWarning`` names its categorical variables with rarer levels
        (:func:`~escalation.formula.warn_rare_levels`).
    max_iter : int, default 100
        Newton iterations allowed.
    coding : CovariateCoding or FormulaCoding, optional
        A coding learnt elsewhere, used as it is instead of ``covariates``: on a training
        cohort, or with another reference level
        (``CovariateCoding.learn(spells, ["sex"], reference={"sex": "M"})``), as
        ``fit_fine_gray``, ``fit_cause_specific`` and ``fit_propensity`` take one. Not
        with a formula (write ``C(sex, Treatment('M'))`` there).

    Returns
    -------
    AFTResult

    Raises
    ------
    DesignError
        Missing columns, no events, a covariate without variation.
    ConvergenceError
        The likelihood did not converge.

    References
    ----------
    Kalbfleisch JD, Prentice RL (2002). *The Statistical Analysis of Failure Time Data*,
    2nd ed., ch. 2–3. Wiley. doi:10.1002/9781118032985

    Examples
    --------
    >>> from lifelines.datasets import load_rossi
    >>> fit = fit_aft(load_rossi(), "Surv(week, arrest) ~ fin + prio")
    >>> fit.tidy()[["term", "estimate"]].round(3)
              term  estimate
    0  (Intercept)     4.913
    1          fin     0.289
    2         prio    -0.076
    3   log(scale)    -0.328
    """
    if distribution not in get_args(Distribution):
        raise DesignError(
            f"distribution must be one of {', '.join(get_args(Distribution))}, got {distribution!r}"
        )
    conf_level = check_conf_level(conf_level)
    outcome = (duration, event, cause)
    terms_in = resolve_outcome("fit_aft", data, covariates, formula, outcome, cluster=cluster)
    cause = 1 if terms_in.cause is None else terms_in.cause
    cluster = terms_in.cluster
    frame, default = frame_of(data, False, function="fit_aft")
    frame, weights = weights_column(frame, weights, function="fit_aft")
    time_column = terms_in.time[0]
    require_columns(frame, [time_column, terms_in.event], "time/event")
    used = usable_rows(frame, weights=weights)  # weight 0: left out, counted as dropped
    frame = used.frame
    if cluster is not None:
        require_columns(frame, [cluster], "cluster")
    with used.input_rows():  # errors name the rows of the user's table
        coding = learn_coding(frame, terms_in, default=default, min_count=min_count, coding=coding)
        xf = coding.apply(frame)
        time = durations(frame[time_column])
        status = event_codes(frame[terms_in.event]) == cause
    names = list(coding.names)
    dropped_terms = list(check_variation(xf, None, names)) if names else []
    if dropped_terms:
        xf = xf.drop(columns=dropped_terms)
        names = [n for n in names if n not in dropped_terms]
    if not status.any():
        raise DesignError(f"no events of cause {cause} among {len(frame):,} rows: nothing to fit")
    w = np.ones(len(frame)) if used.weights is None else used.weights
    x = np.column_stack((np.ones(len(frame)), xf.to_numpy(dtype=float)))
    log_t = np.log(time)
    # least-squares start (ignoring censoring), then Newton on the exact likelihood
    ols, *_ = np.linalg.lstsq(x * np.sqrt(w)[:, None], log_t * np.sqrt(w), rcond=None)
    spread = float(np.sqrt(np.average((log_t - x @ ols) ** 2, weights=w)))
    start = np.concatenate((ols, [np.log(max(spread, 1e-3))]))
    terms = [BASELINE_TERMS[0], *names, BASELINE_TERMS[1]]

    def evaluate(theta: FloatArray) -> Value:
        loglik, grad, hess, scores = _loglik_parts(theta, x, log_t, status, w, distribution)
        return Value(loglik, grad, -hess, scores)

    solution = newton(
        evaluate,
        start,
        what=f"the {distribution} AFT model",
        names=terms,
        max_iter=max_iter,
    )
    theta = solution.beta
    loglik = solution.loglik
    cov = covariance(solution.information)
    variance: Literal["model", "robust"] = "model"
    if cluster is not None or weights is not None:
        groups = cluster_codes(cluster_labels(frame, cluster)) if cluster is not None else None
        assert solution.evaluation.scores is not None
        cov = cluster_sandwich(solution.evaluation.scores, cov, groups)
        variance = "robust"
    return AFTResult(
        coefficients=pd.Series(theta, index=terms, name="estimate"),
        covariance=pd.DataFrame(cov, index=terms, columns=terms),
        distribution=distribution,
        loglik=loglik,
        n=len(frame),
        events=int(status.sum()),
        dropped=used.dropped,
        variance=variance,
        cause=cause,
        coding=coding,
        conf_level=conf_level,
        separated=tuple(terms[j] for j in solution.separated),
        inestimable=tuple(terms[j] for j in solution.inestimable),
        _inputs=(xf.to_numpy(dtype=float), log_t, status, w, weights is not None),
    )


def _lifelines(
    x: FloatArray,
    duration: FloatArray,
    status: npt.NDArray[np.bool_],
    w: FloatArray,
    weighted: bool,
    distribution: Distribution,
) -> Any:
    import lifelines

    work = pd.DataFrame(x, columns=[f"_x{i}" for i in range(x.shape[1])])
    work["_t"] = duration
    work["_e"] = status.astype(int)
    work["_w"] = w
    fitter = getattr(lifelines, _LIFELINES[distribution][0])()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*weights are not integers.*")
        fitter.fit(work, "_t", "_e", weights_col="_w", robust=weighted)
    return fitter
