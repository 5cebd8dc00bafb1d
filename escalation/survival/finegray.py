"""Fine–Gray subdistribution hazards regression: ``fit_fine_gray``.

Lifelines has no Fine–Gray model, so it is built the way R's ``survival::finegray`` builds
it (Geskus 2011): subjects with a competing event stay in the risk set after their event,
in (start, stop] rows whose weights follow the censoring distribution, and a weighted Cox
model is fitted to the expanded rows. The variance is the cluster-robust sandwich
(clustered by subject, or by ``cluster``), as ``coxph(..., weights = fgwt, cluster = id)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._vocabulary import AUTO, cause_code, spells_of, warn_deprecated
from escalation.core import productlimit
from escalation.results import Presents, Summary, package_versions, standard_errors
from escalation.survival._competing import (
    CompetingData,
    check_cause,
    fit_counting,
    prepare_competing,
    run_lifelines,
)
from escalation.survival._inputs import profile_labels, resolve_outcome
from escalation.survival._outcome import (
    Weights,
    outcome_arrays,
    past_follow_up,
    prediction_times,
    usable_rows,
    with_weights,
)
from escalation.survival._result import (
    check_conf_level,
    coefficient_table,
    ratio_table,
    reference_levels,
)
from escalation.timeline import SpellData
from escalation.timeline.matrix import Coding

__all__ = ["FineGrayResult", "finegray_expand", "fit_fine_gray"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _censoring_steps(time: FloatArray, event: IntArray) -> tuple[FloatArray, FloatArray]:
    """Kaplan–Meier of censoring (the core's reverse Kaplan–Meier: events before censorings).

    Returns the censoring times and the censoring survival just after each.
    """
    counts = productlimit.count(time, event)
    survival = productlimit.censoring_survival(counts)
    at = counts.censored > 0
    return counts.time[at], survival[at]


def finegray_expand(
    duration: npt.ArrayLike, event: npt.ArrayLike, *, cause: int = 1
) -> pd.DataFrame:
    r"""Return the Fine–Gray (start, stop] rows with censoring weights, as ``finegray()``.

    Subjects censored or with an event of ``cause`` keep one row ``(0, duration]`` with
    weight 1. A subject with a competing event at :math:`T_i` keeps weight 1 up to the
    end of the censoring interval holding :math:`T_i`, then gets one row per later
    censoring interval that holds an event of ``cause``, with weight
    :math:`G(t-)/G(T_i-)`, where :math:`G` is the Kaplan–Meier estimate of remaining
    uncensored (censorings tied with events count as happening just after them).

    Parameters
    ----------
    duration : array_like
        Follow-up times (> 0).
    event : array_like of int
        0 censored, 1, 2, ... the cause.
    cause : int, default 1
        The cause of interest.

    Returns
    -------
    pandas.DataFrame
        Columns ``row`` (position of the subject in the input), ``start``, ``stop``,
        ``status`` (1 for an event of ``cause``), ``weight``.

    Raises
    ------
    DesignError
        When ``cause`` is not a whole number >= 1 (0 means censored).
    DataValidationError
        When a duration is missing or not > 0 or an event code not a whole number >= 0
        (table ``arrays``, the argument as the column, the position as the row).

    References
    ----------
    Geskus RB (2011). Cause-specific cumulative incidence estimation and the Fine and
    Gray model under both left truncation and right censoring. *Biometrics* 67:39–49.
    https://doi.org/10.1111/j.1541-0420.2010.01420.x

    Examples
    --------
    >>> finegray_expand([2, 3, 4, 5, 6], [1, 2, 0, 1, 0]).round(4)
       row  start  stop  status  weight
    0    0    0.0   2.0       1  1.0000
    1    1    0.0   4.0       0  1.0000
    2    1    4.0   6.0       0  0.6667
    3    2    0.0   4.0       0  1.0000
    4    3    0.0   5.0       1  1.0000
    5    4    0.0   6.0       0  1.0000
    """
    cause = cause_code(cause, function="finegray_expand")
    time, code, _ = outcome_arrays(duration, event)
    n = len(time)
    ctime, cprob = _censoring_steps(time, code)
    cut = np.concatenate([ctime, [time.max()]])
    prob = np.concatenate([[1.0], cprob])
    # intervals (cut[j-1], cut[j]] holding an event of the cause (j >= 1)
    cause_times = np.unique(time[code == cause])
    holding = np.searchsorted(cut, cause_times, side="left")
    keep = np.zeros(len(cut), dtype=bool)
    keep[holding[holding >= 1]] = True
    kept = np.flatnonzero(keep)
    expand = (code != 0) & (code != cause)
    first = np.searchsorted(cut, time, side="left")
    stop = np.where(expand, cut[np.minimum(first, len(cut) - 1)], time)
    base = pd.DataFrame(
        {
            "row": np.arange(n, dtype=np.int64),
            "start": np.zeros(n),
            "stop": stop,
            "status": (code == cause).astype(np.int64),
            "weight": np.ones(n),
        }
    )
    subjects = np.flatnonzero(expand)
    begin = np.searchsorted(kept, first[subjects], side="right")
    counts = len(kept) - begin
    rows = np.repeat(subjects, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    j = kept[np.repeat(begin, counts) + offsets]
    extra = pd.DataFrame(
        {
            "row": rows.astype(np.int64),
            "start": cut[j - 1],
            "stop": cut[j],
            "status": np.zeros(len(rows), dtype=np.int64),
            "weight": prob[j] / prob[first[rows]],
        }
    )
    out = pd.concat([base, extra], ignore_index=True)
    return out.sort_values(["row", "start"], kind="stable", ignore_index=True)


@dataclass(frozen=True, eq=False)
class FineGrayResult(Presents):
    """A fitted Fine–Gray model (see :func:`fit_fine_gray`).

    Attributes
    ----------
    terms : tuple of str
        Coefficient names (coded covariate columns).
    coefficients : pandas.Series
        Log subdistribution hazard ratios, indexed by term (``coef`` before 0.2).
    covariance : pandas.DataFrame
        Cluster-robust covariance of ``coefficients`` (``vcov`` before 0.2).
    naive_covariance : pandas.DataFrame
        Model-based covariance (inverse information of the weighted Cox model;
        ``naive_vcov`` before 0.2).
    baseline : pandas.DataFrame
        ``time, cumulative_hazard``: Breslow–Efron baseline cumulative subdistribution
        hazard at covariates equal to ``center``.
    center : numpy.ndarray
        Covariate values the baseline refers to (weighted means).
    coding : CovariateCoding or FormulaCoding
        How covariates were coded (applied again to prediction profiles).
    cause : int
        The cause modelled.
    conf_level : float
        Level of the intervals of :meth:`tidy`.
    n, events, competing, censored, expanded_rows, clusters : int
        Counts: subjects in the fit, events of ``cause``, competing events, censored
        subjects, rows of the expanded data, clusters of the robust variance.
    dropped : int
        Subjects left out of the fit (case weight 0; they still count in the censoring
        distribution, as in R's ``finegray``).
    cluster : str or None
        Cluster column (``None``: each subject is its own cluster).
    expanded : pandas.DataFrame
        The expanded rows: coded covariates, ``fg_start, fg_stop, fg_status, fg_weight``
        (as R's ``finegray()`` output).
    last_follow_up : float
        The largest observed time (event or censoring) of the subjects fitted:
        :meth:`predict_cumulative_incidence` gives NaN after it.
    separated : tuple of str
        Terms with infinite estimates (separation; see :mod:`escalation.core.newton`),
        named in a :class:`~escalation.errors.StatisticalWarning` at fit.
    inestimable : tuple of str
        Terms the likelihood does not depend on (the singularity rule of
        :mod:`escalation.core.newton`), named in a warning at fit: held at 0, ``NaN``
        in :meth:`tidy` (R's ``NA``).
    backend : lifelines.CoxTimeVaryingFitter
        The same weighted Cox model fitted by lifelines on :attr:`expanded`, fitted on
        first access (the estimates here come from an exact Newton–Raphson of the same
        likelihood, which is much faster on large data).
    """

    terms: tuple[str, ...]
    coefficients: pd.Series
    covariance: pd.DataFrame
    naive_covariance: pd.DataFrame
    baseline: pd.DataFrame
    center: FloatArray
    coding: Coding
    cause: int
    conf_level: float
    n: int
    events: int
    competing: int
    censored: int
    expanded_rows: int
    clusters: int
    cluster: str | None
    expanded: pd.DataFrame
    last_follow_up: float
    dropped: int = 0
    separated: tuple[str, ...] = ()
    inestimable: tuple[str, ...] = ()

    @cached_property
    def backend(self) -> Any:
        """The lifelines ``CoxTimeVaryingFitter`` of the expanded rows (fitted on access)."""
        from lifelines import CoxTimeVaryingFitter

        fitter = CoxTimeVaryingFitter()
        run_lifelines(
            lambda: fitter.fit(
                self.expanded,
                event_col="fg_status",
                start_col="fg_start",
                stop_col="fg_stop",
                weights_col="fg_weight",
                show_progress=False,
            ),
            "The lifelines Fine–Gray fit",
        )
        return fitter

    def __repr__(self) -> str:
        return (
            f"FineGrayResult(cause={self.cause}, n={self.n:,}, events={self.events:,}, "
            f"terms={len(self.terms)})"
        )

    @property
    def coef(self) -> FloatArray:
        """Deprecated: :attr:`coefficients` as an array."""
        warn_deprecated("FineGrayResult.coef is renamed coefficients")
        return np.asarray(self.coefficients.to_numpy(), dtype=float)

    @property
    def vcov(self) -> FloatArray:
        """Deprecated: :attr:`covariance` as an array."""
        warn_deprecated("FineGrayResult.vcov is renamed covariance")
        return np.asarray(self.covariance.to_numpy(), dtype=float)

    @property
    def naive_vcov(self) -> FloatArray:
        """Deprecated: :attr:`naive_covariance` as an array."""
        warn_deprecated("FineGrayResult.naive_vcov is renamed naive_covariance")
        return np.asarray(self.naive_covariance.to_numpy(), dtype=float)

    @property
    def std_error(self) -> FloatArray:
        """Robust standard errors of :attr:`coefficients`."""
        out: FloatArray = standard_errors(self.covariance)
        return out

    def tidy(self, exponentiate: bool = False) -> pd.DataFrame:
        """Return one row per coefficient.

        Parameters
        ----------
        exponentiate : bool, default False
            Give subdistribution hazard ratios (estimate and interval exponentiated;
            ``std_error`` stays on the log scale).

        Returns
        -------
        pandas.DataFrame
            ``term, estimate, std_error, conf_low, conf_high, conf_level, p_value``
            (Wald, robust variance).
        """
        return coefficient_table(
            self.terms,
            self.coefficients.to_numpy(dtype=float),
            self.std_error,
            self.conf_level,
            exponentiate=exponentiate,
            inestimable=self.inestimable,
            separated=self.separated,
        )

    def glance(self) -> pd.DataFrame:
        """Return one row: counts, cause, method, the last follow-up and package versions."""
        return pd.DataFrame([{**self._facts(), **package_versions()}])

    def _facts(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "events": self.events,
            "competing": self.competing,
            "censored": self.censored,
            "dropped": self.dropped,
            "cause": self.cause,
            "expanded_rows": self.expanded_rows,
            "clusters": self.clusters,
            "separated": ", ".join(self.separated) or "none",
            "inestimable": ", ".join(self.inestimable) or "none",
            "method": "fine_gray",
            "last_follow_up": self.last_follow_up,
        }

    def summary(self) -> Summary:
        """Return a :class:`~escalation.results.Summary` (text, HTML, LaTeX)."""
        return Summary(
            f"Fine–Gray subdistribution hazards (cause {self.cause})",
            {**self._facts(), "reference levels": reference_levels(self.coding)},
            ratio_table(self.tidy(), "exp(coef)"),
            (
                "Estimates are subdistribution hazard ratios; they describe cumulative "
                "incidence, not the rate among those still event-free.",
                "Robust (sandwich) standard errors, clustered by "
                + (self.cluster if self.cluster else "subject")
                + "; the uncertainty of the censoring weights is ignored, as in "
                "R's finegray() + coxph().",
            ),
        )

    def plot(self, **options: Any) -> Any:
        """Return the subdistribution hazard ratios as a forest plot (human term labels).

        ``options`` go to :func:`escalation.figures.plot_hazard_ratios`.
        """
        from escalation.figures.results import plot_coefficients

        return plot_coefficients(
            self.tidy(exponentiate=True), "Subdistribution hazard ratio", **options
        )

    def predict_cumulative_incidence(
        self, profiles: pd.DataFrame, times: Sequence[float] | npt.ArrayLike
    ) -> pd.DataFrame:
        r"""Return the predicted cumulative incidence of the cause for covariate profiles.

        :math:`F(t \mid x) = 1 - \exp\{-\Lambda_0(t) e^{(x - c)\beta}\}` with
        :math:`\Lambda_0` the baseline cumulative subdistribution hazard. Past
        :attr:`last_follow_up` the incidence is unknown and the estimate is NaN, as
        :meth:`~escalation.survival.nonparametric.CurveResult.at` gives
        (:func:`~escalation.survival._outcome.past_follow_up`).

        Parameters
        ----------
        profiles : pandas.DataFrame
            One row per profile with the model's (uncoded) covariates.
        times : array_like
            Times (days) at which to predict.

        Returns
        -------
        pandas.DataFrame
            ``profile`` (index label of the row of ``profiles``, as every ``predict_*``:
            docs/vocabulary.md), ``time``, ``cause``, ``estimate``.
        """
        labels = profile_labels(profiles)
        x = self.coding.apply(profiles, table="profiles")[list(self.terms)].to_numpy(dtype=float)
        at = prediction_times(times)
        steps = self.baseline["time"].to_numpy()
        cumhaz = self.baseline["cumulative_hazard"].to_numpy()
        index = np.searchsorted(steps, at, side="right") - 1
        base = np.where(index >= 0, cumhaz[np.clip(index, 0, None)], 0.0)
        lp = np.exp((x - self.center) @ self.coefficients.to_numpy(dtype=float))
        cif = 1.0 - np.exp(-np.outer(lp, base))
        cif[:, past_follow_up(at, self.last_follow_up)] = np.nan
        return pd.DataFrame(
            {
                "profile": np.repeat(labels, len(at)),
                "time": np.tile(at, len(x)),
                "cause": self.cause,
                "estimate": cif.ravel(),
            }
        )


def fit_fine_gray(
    data: SpellData | pd.DataFrame,
    covariates: Sequence[str] | str | None = None,
    *,
    formula: str | None = None,
    duration: str = "duration",
    event: str = "event",
    cause: int | None = None,
    cluster: str | None = AUTO,
    weights: Weights = None,
    conf_level: float = 0.95,
    min_count: int = 20,
    coding: Coding | None = None,
) -> FineGrayResult:
    r"""Fit a Fine–Gray subdistribution hazards model for one cause.

    Estimand: the subdistribution hazard of ``cause``,
    :math:`\lambda_k(t \mid x) = -\,d \log\{1 - F_k(t \mid x)\}/dt`, modelled as
    :math:`\lambda_{k0}(t)\exp(x\beta)`; :math:`\exp(\beta)` are subdistribution hazard
    ratios, which rank covariates by their association with the cumulative incidence
    :math:`F_k` in the presence of competing events.

    Method: the data are expanded as R's ``survival::finegray`` does (subjects with a
    competing event stay at risk with weights :math:`G(t-)/G(T_i-)` from the Kaplan–Meier
    estimate :math:`G` of the censoring distribution; see :func:`finegray_expand`), then a
    weighted Cox model with Efron ties is fitted to the expanded rows (exact
    Newton–Raphson; the lifelines ``CoxTimeVaryingFitter`` of the same rows is
    :attr:`FineGrayResult.backend`). Standard errors are the cluster-robust sandwich
    :math:`D^\top D` of weighted dfbeta residuals summed within clusters (each subject, or
    ``cluster``, e.g. ``"family_id"``), as ``coxph(..., weights = fgwt, cluster = id)``.

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        Spells: one row per subject with ``duration`` (> 0) and ``event`` (0 censored,
        1, 2, ... the cause).
    covariates : sequence of str or str, optional
        Covariates (coded with :class:`~escalation.timeline.CovariateCoding`); with
        SpellData the design's covariates by default; required for a data frame (or a
        formula). A string with ``~`` is a formula.
    formula : str, optional
        ``"Surv(duration, event) ~ x + C(g) + cluster(family_id)"`` instead of
        ``covariates`` (see :mod:`escalation.formula`; ``event == k`` sets the cause;
        ``strata()`` is not supported).
    duration, event : str, default "duration", "event"
        Columns of follow-up days and of event codes (0 censored, 1, 2, ... the cause).
    cause : int, optional
        The cause modelled (default 1 = escalation in the default design).
    cluster : str, None or "auto", default "auto"
        Column of cluster labels for the robust variance (missing labels are their own
        cluster). ``"auto"``: the design's cluster for SpellData (``SpellData.cluster``),
        none for a data frame; without a cluster each subject is its own cluster.
    weights : str or array_like, optional
        Column of case weights, finite and ``>= 0`` (or the weights themselves, one per
        spell in row order), multiplying the Fine–Gray weights
        (as ``finegray(weights = )``). Subjects with weight 0 are left out of the fit and
        counted in ``glance()["dropped"]``; like R, the censoring distribution uses
        every subject.
    conf_level : float, default 0.95
        Level of the Wald intervals.
    min_count : int, default 20
        Categorical levels of ``covariates`` rarer than this are pooled into ``other``
        (see ``CovariateCoding``).
        A formula's levels are used as written (``C(g)`` codes every level of ``g``): a
        ``StatisticalWarning`` names its categorical variables with rarer levels
        (:func:`~escalation.formula.warn_rare_levels`).
    coding : CovariateCoding or FormulaCoding, optional
        A coding learnt elsewhere (e.g. on a training cohort).
        The spells are new rows to it: a categorical value it has no level for
        (and no ``other`` level to take it) is refused, not coded as the reference.

    Returns
    -------
    FineGrayResult

    Raises
    ------
    DesignError
        When the cause has no events, no covariate varies, or a column is missing.
    ConvergenceError
        When the weighted Cox model does not converge.

    Warns
    -----
    StatisticalWarning
        Separation (a covariate value with all or none of the events): the estimate is
        infinite, the warning and :attr:`FineGrayResult.separated` name it (the one rule
        of :mod:`escalation.core.newton`).
        A covariate that does not vary or is collinear with earlier ones: it is left out,
        as in :func:`~escalation.survival.fit_cox`.

    Notes
    -----
    Assumes censoring independent of covariates (one censoring distribution, as in
    ``finegray`` and ``cmprsk::crr``). Tied times are handled as ``finegray``: at a tied
    time events precede censorings (the tie rule of :mod:`escalation.core.productlimit`),
    and tied events use Efron's correction, as ``coxph(ties = "efron")``; the estimates
    equal ``finegray`` + ``coxph`` to about 1e-12. ``cmprsk::crr`` breaks tied times its
    own way, so on tied (whole-day) data its estimates differ slightly (about 1%); on
    untied data they agree to 1e-5. The robust variance ignores the estimation of
    :math:`G`; ``crr`` includes it, and the two agree closely (see the validation in
    ``docs/competing.md``). Without competing events the model is the ordinary Cox model.

    References
    ----------
    Fine JP, Gray RJ (1999). A proportional hazards model for the subdistribution of a
    competing risk. *JASA* 94:496–509. https://doi.org/10.1080/01621459.1999.10474144

    Geskus RB (2011). *Biometrics* 67:39–49.
    https://doi.org/10.1111/j.1541-0420.2010.01420.x

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> rng = np.random.default_rng(1)
    >>> spells = pd.DataFrame({"duration": rng.exponential(100, 200).round(1) + 0.5})
    >>> spells["age"] = rng.uniform(0, 17, 200)
    >>> spells["event"] = rng.choice([0, 1, 2], 200, p=[0.3, 0.5, 0.2])
    >>> fit = fit_fine_gray(spells, ["age"], cause=1)
    >>> list(fit.tidy().columns)
    ['term', 'estimate', 'std_error', 'conf_low', 'conf_high', 'conf_level', 'p_value']
    >>> cif = fit.predict_cumulative_incidence(pd.DataFrame({"age": [5.0]}), [30, 90])
    >>> bool((cif["estimate"].diff().dropna() >= 0).all())
    True
    """
    level = check_conf_level(conf_level)
    data, weights = with_weights(data, weights, function="fit_fine_gray")
    outcome = (duration, event, cause)
    terms = resolve_outcome("fit_fine_gray", data, covariates, formula, outcome, cluster=cluster)
    cause = cause_code(1 if terms.cause is None else terms.cause, function="fit_fine_gray")
    prepared = prepare_competing(
        data,
        terms.covariates,
        duration=terms.time[0],
        event=terms.event,
        cluster=terms.cluster,
        min_count=min_count,
        coding=coding,
        formula=terms.rhs,
        reserved=("fg_start", "fg_stop", "fg_status", "fg_weight"),
        table="expanded",
        function="fit_fine_gray",
    )
    check_cause(prepared.event, cause, "the Fine–Gray model")
    case_weights = None
    if weights is not None:
        # Checked and counted as everywhere; the subjects stay for the censoring
        # distribution G, as in R's finegray, and their weight-0 rows leave the fit.
        frame = spells_of(data, function="fit_fine_gray")
        usable_rows(frame, weights=weights)
        case_weights = pd.to_numeric(frame[weights]).to_numpy(dtype=float)
    return _fit(prepared, cause, level, case_weights)


def _fit(
    prepared: CompetingData, cause: int, conf_level: float, weights: FloatArray | None
) -> FineGrayResult:
    rows = finegray_expand(prepared.duration, prepared.event, cause=cause)
    expanded_rows = len(rows)
    subject = rows["row"].to_numpy()
    if weights is not None:
        rows["weight"] = rows["weight"].to_numpy() * weights[subject]
    rows = rows[rows["weight"] > 0].reset_index(drop=True)
    subject = rows["row"].to_numpy()
    x = prepared.x[subject]
    start = rows["start"].to_numpy(dtype=float)
    stop = rows["stop"].to_numpy(dtype=float)
    status = rows["status"].to_numpy() == 1
    weight = rows["weight"].to_numpy(dtype=float)
    fit = fit_counting(
        x,
        start,
        stop,
        status,
        weight,
        prepared.cluster[subject],
        what="the Fine–Gray model",
        names=prepared.names,
    )
    baseline = pd.DataFrame({"time": fit.times, "cumulative_hazard": np.cumsum(fit.hazard)})
    expanded = pd.DataFrame(x, columns=list(prepared.names))
    expanded["fg_start"] = start
    expanded["fg_stop"] = stop
    expanded["fg_status"] = status.astype(np.int64)
    expanded["fg_weight"] = weight
    fitted = np.ones(len(prepared.event), dtype=bool) if weights is None else weights > 0
    event = prepared.event[fitted]
    return FineGrayResult(
        terms=prepared.names,
        coefficients=pd.Series(fit.coef, index=list(prepared.names), name="estimate"),
        covariance=pd.DataFrame(fit.robust, index=prepared.names, columns=prepared.names),
        naive_covariance=pd.DataFrame(fit.naive, index=prepared.names, columns=prepared.names),
        baseline=baseline,
        center=fit.center,
        coding=prepared.coding,
        cause=cause,
        conf_level=conf_level,
        n=len(event),
        events=int(np.sum(event == cause)),
        competing=int(np.sum((event != cause) & (event != 0))),
        censored=int(np.sum(event == 0)),
        expanded_rows=expanded_rows,
        clusters=len(np.unique(prepared.cluster)),
        cluster=prepared.cluster_name,
        expanded=expanded,
        last_follow_up=float(prepared.duration[fitted].max()),
        dropped=int((~fitted).sum()),
        separated=fit.separated,
        inestimable=fit.inestimable,
    )
