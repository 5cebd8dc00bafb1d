r"""Cause-specific Cox models for every cause, and the cumulative incidence they imply.

``fit_cause_specific`` fits one Cox model per cause (events of other causes censored) with
lifelines and predicts the cumulative incidence of each cause for new covariate profiles
from all the cause-specific hazards together:
:math:`F_k(t \mid x) = \sum_{s \le t} S(s- \mid x)\, d\Lambda_k(s \mid x)`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._vocabulary import AUTO, cause_code, refuse_repeats, warn_deprecated
from escalation.core.cif import cumulative_incidence
from escalation.errors import DesignError
from escalation.results import Presents, Summary, package_versions, standard_errors
from escalation.survival._competing import (
    check_cause,
    fit_counting,
    prepare_competing,
    run_lifelines,
)
from escalation.survival._inputs import profile_labels, resolve_outcome
from escalation.survival._outcome import (
    Weights,
    past_follow_up,
    prediction_times,
    usable_data,
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

__all__ = ["CauseSpecificResult", "fit_cause_specific"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, eq=False)
class CauseSpecificResult(Presents):
    """Cause-specific Cox models, one per cause (see :func:`fit_cause_specific`).

    Attributes
    ----------
    causes : tuple of int
        The causes modelled, in order.
    terms : tuple of str
        Coefficient names (coded covariate columns), the same for every cause.
    coefficients : dict
        Cause -> log cause-specific hazard ratios (pandas.Series by term; ``coef``
        before 0.2).
    covariance : dict
        Cause -> covariance of the coefficients (pandas.DataFrame; robust when
        ``cluster`` or weights were given; ``vcov`` before 0.2).
    baseline : pandas.DataFrame
        ``cause, time, hazard``: Efron baseline hazard increments at covariates ``center``.
    center : numpy.ndarray
        Covariate values the baselines refer to (means).
    coding : CovariateCoding or FormulaCoding
        How covariates were coded.
    conf_level : float
        Level of the intervals.
    n, censored : int
        Subjects used and censored subjects.
    events : dict
        Cause -> number of events.
    cluster : str or None
        Cluster column of the robust variance.
    weights : str or None
        Case-weight column.
    design : pandas.DataFrame
        Coded covariates with ``cs_duration, cs_event, cs_weight``.
    dropped : int
        Subjects left out (case weight 0).
    separated : dict
        Cause -> terms with infinite estimates (separation), named in a warning at fit.
    inestimable : dict
        Cause -> terms the likelihood does not depend on (held at 0, ``NaN`` in
        :meth:`tidy`, R's ``NA``), named in a warning at fit.
    backend : dict
        Cause -> ``lifelines.CoxPHFitter`` of the same model, fitted on first access (the
        estimates here come from an exact Newton–Raphson of the same likelihood).
    """

    causes: tuple[int, ...]
    terms: tuple[str, ...]
    coefficients: dict[int, pd.Series]
    covariance: dict[int, pd.DataFrame]
    baseline: pd.DataFrame
    center: FloatArray
    coding: Coding
    conf_level: float
    n: int
    censored: int
    events: dict[int, int]
    cluster: str | None
    weights: str | None
    design: pd.DataFrame
    dropped: int = 0
    separated: dict[int, tuple[str, ...]] = field(default_factory=dict)
    inestimable: dict[int, tuple[str, ...]] = field(default_factory=dict)

    @cached_property
    def backend(self) -> dict[int, Any]:
        """Cause -> lifelines ``CoxPHFitter`` of the same model (fitted on first access)."""
        from lifelines import CoxPHFitter

        out: dict[int, Any] = {}
        columns = [*self.terms, "cs_duration", "cs_status", "cs_weight"]
        for cause in self.causes:
            frame = self.design.assign(cs_status=self.design["cs_event"] == cause)
            fitter = CoxPHFitter()

            def fit(fitter: Any = fitter, frame: pd.DataFrame = frame) -> None:
                fitter.fit(
                    frame[columns],
                    duration_col="cs_duration",
                    event_col="cs_status",
                    weights_col="cs_weight",
                    robust=self.weights is not None,
                )

            run_lifelines(fit, f"The lifelines Cox model of cause {cause}")
            out[cause] = fitter
        return out

    @property
    def last_follow_up(self) -> float:
        """The largest observed time (event or censoring) of the rows fitted.

        :meth:`predict_cumulative_incidence` gives NaN after it.
        """
        return float(self.design["cs_duration"].max())

    @property
    def coef(self) -> dict[int, FloatArray]:
        """Deprecated: :attr:`coefficients` as arrays."""
        warn_deprecated("CauseSpecificResult.coef is renamed coefficients")
        return {k: np.asarray(v.to_numpy(), dtype=float) for k, v in self.coefficients.items()}

    @property
    def vcov(self) -> dict[int, FloatArray]:
        """Deprecated: :attr:`covariance` as arrays."""
        warn_deprecated("CauseSpecificResult.vcov is renamed covariance")
        return {k: np.asarray(v.to_numpy(), dtype=float) for k, v in self.covariance.items()}

    def __repr__(self) -> str:
        return f"CauseSpecificResult(causes={self.causes}, n={self.n:,}, terms={len(self.terms)})"

    def tidy(self, exponentiate: bool = False) -> pd.DataFrame:
        """Return one row per cause and coefficient.

        Parameters
        ----------
        exponentiate : bool, default False
            Give cause-specific hazard ratios (``std_error`` stays on the log scale).

        Returns
        -------
        pandas.DataFrame
            ``cause, term, estimate, std_error, conf_low, conf_high, conf_level, p_value``.
        """
        frames = []
        for cause in self.causes:
            se = standard_errors(self.covariance[cause])
            table = coefficient_table(
                self.terms,
                self.coefficients[cause].to_numpy(dtype=float),
                se,
                self.conf_level,
                exponentiate=exponentiate,
                inestimable=self.inestimable.get(cause, ()),
                separated=self.separated.get(cause, ()),
            )
            table.insert(0, "cause", cause)
            frames.append(table)
        return pd.concat(frames, ignore_index=True)

    def _facts(self) -> dict[str, Any]:
        facts: dict[str, Any] = {"n": self.n, "censored": self.censored, "dropped": self.dropped}
        facts["events"] = int(self.events.get(1, sum(self.events.values())))
        for cause in self.causes:
            facts[f"events_cause_{cause}"] = self.events[cause]
        if self.cluster:
            facts["variance"] = f"robust, clustered by {self.cluster}"
        else:  # case weights: robust by spell, as R's coxph with weights
            facts["variance"] = "robust" if self.weights is not None else "model"
        facts["separated"] = (
            "; ".join(f"cause {k}: {', '.join(v)}" for k, v in self.separated.items() if v)
            or "none"
        )
        facts["inestimable"] = (
            "; ".join(f"cause {k}: {', '.join(v)}" for k, v in self.inestimable.items() if v)
            or "none"
        )
        facts["method"] = "cause_specific_cox"
        facts["last_follow_up"] = self.last_follow_up
        return facts

    def glance(self) -> pd.DataFrame:
        """Return one row: counts by cause, variance, method, the last follow-up, versions."""
        return pd.DataFrame([{**self._facts(), **package_versions()}])

    def summary(self) -> Summary:
        """Return a :class:`~escalation.results.Summary` (text, HTML, LaTeX)."""
        return Summary(
            "Cause-specific Cox models",
            {**self._facts(), "reference levels": reference_levels(self.coding)},
            ratio_table(self.tidy(), "exp(coef)"),
            (
                "Hazard ratios for the rate of each cause among those still free of every "
                "cause; events of other causes are censored in each model.",
            ),
        )

    def plot(self, **options: Any) -> Any:
        """Return the hazard ratios of every cause as a forest plot (human term labels).

        ``options`` go to :func:`escalation.figures.plot_hazard_ratios`.
        """
        from escalation.figures.results import plot_coefficients

        table = self.tidy(exponentiate=True)
        table["cause"] = "Cause " + table["cause"].astype(str)
        return plot_coefficients(table, "Cause-specific hazard ratio", colour="cause", **options)

    def _require_every_cause(self) -> None:
        """Raise when a cause with events in the fitted data was not modelled."""
        code = self.design["cs_event"].to_numpy()
        seen = sorted(int(c) for c in np.unique(code[code > 0]))
        unmodelled = [k for k in seen if k not in self.causes]
        if unmodelled:
            raise DesignError(
                f"cause(s) {unmodelled} have events but no model (causes modelled: "
                f"{list(self.causes)}), so the cumulative incidence would treat them as "
                "censoring (one minus Kaplan–Meier); fit every cause (causes=None, or a "
                "formula Surv(duration, event)) to predict cumulative incidence"
            )

    def predict_cumulative_incidence(
        self,
        profiles: pd.DataFrame,
        times: Sequence[float] | npt.ArrayLike,
        *,
        cause: int | None = None,
    ) -> pd.DataFrame:
        r"""Return predicted cumulative incidence for covariate profiles.

        :math:`F_k(t \mid x) = \sum_{s \le t} S(s- \mid x)\, d\Lambda_{k0}(s)
        e^{(x - c)\beta_k}` with :math:`S` the probability of being free of every cause,
        the product limit :math:`\prod_{u \le s}\{1 - \sum_j d\Lambda_j(u \mid x)\}`:
        the package's one cumulative-incidence formula (:mod:`escalation.core.cif`), as
        ``riskRegression::predictRisk`` (``product.limit = TRUE``). It never exceeds 1.
        Past :attr:`last_follow_up` the incidence is unknown and the estimate is NaN, as
        :meth:`~escalation.survival.nonparametric.CurveResult.at` gives
        (:func:`~escalation.survival._outcome.past_follow_up`).

        Parameters
        ----------
        profiles : pandas.DataFrame
            One row per profile with the model's (uncoded) covariates.
        times : array_like
            Times (days) at which to predict.
        cause : int, optional
            Only this cause (default: every cause).

        Returns
        -------
        pandas.DataFrame
            ``profile, time, cause, estimate``, with ``profile`` the index label of the
            row of ``profiles`` (as every ``predict_*``: docs/vocabulary.md).

        Raises
        ------
        DesignError
            When ``cause`` was not modelled, or a cause with events in the fitted data
            has no model (``causes=[1]``, or a formula ``Surv(duration, event == 1)``):
            the probability of being free of every cause needs every cause's hazard.
        """
        wanted = self.causes if cause is None else (cause,)
        for k in wanted:
            if k not in self.causes:
                raise DesignError(f"cause {k} was not modelled; causes: {list(self.causes)}")
        self._require_every_cause()
        labels = profile_labels(profiles)
        x = self.coding.apply(profiles, table="profiles")[list(self.terms)].to_numpy(dtype=float)
        at = prediction_times(times)
        grid = np.unique(self.baseline["time"].to_numpy())
        # only the grid up to the last time asked for shapes the result
        grid = grid[: int(np.searchsorted(grid, at.max(initial=-np.inf), side="right"))]
        increments = np.zeros((len(self.causes), len(x), len(grid)))
        for i, k in enumerate(self.causes):
            rows = self.baseline[self.baseline["cause"] == k]
            rows = rows[rows["time"] <= (grid[-1] if grid.size else -np.inf)]
            base = np.zeros(len(grid))
            base[np.searchsorted(grid, rows["time"].to_numpy())] = rows["hazard"].to_numpy()
            lp = np.exp((x - self.center) @ self.coefficients[k].to_numpy(dtype=float))
            increments[i] = np.outer(lp, base)
        total = increments.sum(axis=0)
        index = np.searchsorted(grid, at, side="right")
        frames = []
        for k in wanted:
            cif = cumulative_incidence(
                increments[self.causes.index(k)], total, what="cause-specific Cox models"
            )
            values = np.concatenate([np.zeros((len(cif), 1)), cif], axis=1)[:, index]
            values[:, past_follow_up(at, self.last_follow_up)] = np.nan
            frames.append(
                pd.DataFrame(
                    {
                        "profile": np.repeat(labels, len(at)),
                        "time": np.tile(at, len(x)),
                        "cause": k,
                        "estimate": values.ravel(),
                    }
                )
            )
        return pd.concat(frames, ignore_index=True)


def fit_cause_specific(
    data: SpellData | pd.DataFrame,
    covariates: Sequence[str] | str | None = None,
    *,
    formula: str | None = None,
    duration: str = "duration",
    event: str = "event",
    causes: Sequence[int] | None = None,
    cluster: str | None = AUTO,
    weights: Weights = None,
    conf_level: float = 0.95,
    min_count: int = 20,
    coding: Coding | None = None,
) -> CauseSpecificResult:
    r"""Fit a cause-specific Cox model for every cause.

    Estimand: for each cause :math:`k`, the cause-specific hazard
    :math:`\alpha_k(t \mid x) = \alpha_{k0}(t)\exp(x\beta_k)`, the rate of cause
    :math:`k` among subjects still free of every cause. Each model treats events of
    other causes as censored (Efron ties; exact Newton–Raphson, with the lifelines
    ``CoxPHFitter`` of the same model as :attr:`CauseSpecificResult.backend`). Together the hazards
    give the cumulative incidence of each cause
    (:meth:`CauseSpecificResult.predict_cumulative_incidence`).

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        Spells: ``duration`` (> 0) and ``event`` (0 censored, 1, 2, ... the cause).
    covariates : sequence of str or str, optional
        Covariates; with SpellData the design's by default; required for a data frame
        (or a formula). A string with ``~`` is a formula.
    formula : str, optional
        ``"Surv(duration, event) ~ x + C(g) + cluster(family_id)"`` instead of
        ``covariates`` (see :mod:`escalation.formula`; ``event == k`` models the cause
        ``k`` only; ``strata()`` is not supported).
    duration, event : str, default "duration", "event"
        Columns of follow-up days and of event codes (0 censored, 1, 2, ... the cause).
    causes : sequence of int, optional
        Causes to model (default: every cause with events). Cumulative incidence needs
        every cause with events modelled
        (:meth:`CauseSpecificResult.predict_cumulative_incidence` refuses otherwise).
    cluster : str, None or "auto", default "auto"
        Column of cluster labels (e.g. ``"family_id"``): standard errors become the
        cluster-robust sandwich. ``"auto"``: the design's cluster for SpellData
        (``SpellData.cluster``), none for a data frame; without a cluster they are
        model-based.
    weights : str or array_like, optional
        Column of non-negative case weights (or the weights themselves, one per spell in
        row order); standard errors are then robust (by subject,
        or by ``cluster``). Rows with weight 0 are left out and counted in
        ``glance()["dropped"]``.
    conf_level : float, default 0.95
        Level of the Wald intervals.
    min_count : int, default 20
        Categorical levels of ``covariates`` rarer than this are pooled into ``other``.
        A formula's levels are used as written (``C(g)`` codes every level of ``g``): a
        ``StatisticalWarning`` names its categorical variables with rarer levels
        (:func:`~escalation.formula.warn_rare_levels`).
    coding : CovariateCoding or FormulaCoding, optional
        A coding learnt elsewhere.
        The spells are new rows to it: a categorical value it has no level for
        (and no ``other`` level to take it) is refused, not coded as the reference.

    Returns
    -------
    CauseSpecificResult

    Raises
    ------
    DesignError
        When a requested cause has no events or no covariate varies.
    ConvergenceError
        When a model does not converge.

    Warns
    -----
    StatisticalWarning
        A covariate that does not vary or is collinear with earlier ones: it is left out,
        as in :func:`~escalation.survival.fit_cox`.

    Notes
    -----
    Assumes independent censoring given the covariates. Cause-specific hazard ratios
    describe rates, not risks: a covariate can raise the hazard of escalation and still
    lower its cumulative incidence if it raises a competing hazard more.

    References
    ----------
    Putter H, Fiocco M, Geskus RB (2007). Tutorial in biostatistics: competing risks and
    multi-state models. *Stat Med* 26:2389–2430. https://doi.org/10.1002/sim.2712

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> rng = np.random.default_rng(2)
    >>> spells = pd.DataFrame({"duration": rng.exponential(100, 300).round(1) + 0.5})
    >>> spells["age"] = rng.uniform(0, 17, 300)
    >>> spells["event"] = rng.choice([0, 1, 2], 300, p=[0.3, 0.5, 0.2])
    >>> fit = fit_cause_specific(spells, ["age"])
    >>> fit.tidy()[["cause", "term"]].to_numpy().tolist()
    [[1, 'age'], [2, 'age']]
    >>> cif = fit.predict_cumulative_incidence(pd.DataFrame({"age": [5.0]}), [1000.0])
    >>> bool(cif["estimate"].sum() <= 1.0)
    True
    """
    level = check_conf_level(conf_level)
    terms = resolve_outcome(
        "fit_cause_specific",
        data,
        covariates,
        formula,
        (duration, event, None),
        cluster=cluster,
        default_cause=None,
    )
    if terms.cause is not None:
        if causes is not None and tuple(causes) != (terms.cause,):
            raise DesignError(
                f"the formula models cause {terms.cause} (event == {terms.cause}) but causes="
                f"{list(causes)} was given; give the causes once"
            )
        causes = (terms.cause,)
    if causes is not None:
        causes = [cause_code(k, function="fit_cause_specific", argument="causes") for k in causes]
        refuse_repeats("cause(s)", causes)
    cluster = terms.cluster
    data, weights = with_weights(data, weights, function="fit_cause_specific")
    # weight 0: left out, counted as dropped
    data, used = usable_data(data, weights=weights, function="fit_cause_specific")
    with used.input_rows():  # errors name the rows of the user's table
        prepared = prepare_competing(
            data,
            terms.covariates,
            duration=terms.time[0],
            event=terms.event,
            cluster=cluster,
            min_count=min_count,
            coding=coding,
            formula=terms.rhs,
            reserved=("cs_duration", "cs_event", "cs_status", "cs_weight"),
            table="design",
            function="fit_cause_specific",
        )
    code = prepared.event
    if causes is None:
        wanted = tuple(sorted(int(c) for c in np.unique(code[code > 0])))
        if not wanted:
            check_cause(code, 1, "a cause-specific model")
    else:
        wanted = tuple(causes)
    for k in wanted:
        check_cause(code, k, f"the cause-specific model of cause {k}")
    start = np.zeros(len(code))
    weight = np.ones(len(code)) if used.weights is None else used.weights
    robust = cluster is not None or weights is not None
    coef: dict[int, pd.Series] = {}
    vcov: dict[int, pd.DataFrame] = {}
    names = list(prepared.names)
    baselines = []
    center = prepared.x.mean(axis=0)
    separated: dict[int, tuple[str, ...]] = {}
    inestimable: dict[int, tuple[str, ...]] = {}
    for k in wanted:
        fit = fit_counting(
            prepared.x,
            start,
            prepared.duration,
            code == k,
            weight,
            prepared.cluster,
            what=f"the Cox model of cause {k}",
            names=prepared.names,
        )
        coef[k] = pd.Series(fit.coef, index=names, name="estimate")
        vcov[k] = pd.DataFrame(fit.robust if robust else fit.naive, index=names, columns=names)
        baselines.append(pd.DataFrame({"cause": k, "time": fit.times, "hazard": fit.hazard}))
        center = fit.center
        separated[k] = fit.separated
        inestimable[k] = fit.inestimable
    design = pd.DataFrame(prepared.x, columns=list(prepared.names))
    design["cs_duration"] = prepared.duration
    design["cs_event"] = code
    design["cs_weight"] = weight
    return CauseSpecificResult(
        causes=wanted,
        terms=prepared.names,
        coefficients=coef,
        covariance=vcov,
        baseline=pd.concat(baselines, ignore_index=True),
        center=center,
        coding=prepared.coding,
        conf_level=level,
        n=len(code),
        censored=int(np.sum(code == 0)),
        events={k: int(np.sum(code == k)) for k in wanted},
        cluster=cluster,
        weights=weights,
        design=design,
        dropped=used.dropped,
        separated=separated,
        inestimable=inestimable,
    )
