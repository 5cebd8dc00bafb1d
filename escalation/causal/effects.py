"""The top level: effects of early help on escalation, as in ``effects.csv`` of the design.

:func:`estimate_effects` runs the design's estimators (``unadjusted``, ``ipw``,
``gformula``, ``aipw``, ``ccw``) on spells, with standard errors and 95% intervals from a
family-clustered bootstrap (or, without bootstrap, from the influence function where one
exists: ``aipw``), and returns an immutable :class:`EffectsResult` whose :meth:`tidy` is
exactly the ``effects.csv`` contract.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation._finite import finite_numbers
from escalation._row_order import canonical_order, restore
from escalation._vocabulary import (
    AUTO,
    canonical_columns,
    horizon_days,
    refuse_repeats,
    resolve_cluster,
    spells_of,
)
from escalation.causal._confounders import Confounders, confounders, spells_and_covariates
from escalation.causal._estimable import check_estimable, past_arm_follow_up
from escalation.causal.balance import balance_table
from escalation.causal.bootstrap import cluster_bootstrap, standard_error_mc_error
from escalation.causal.clone import run_ccw, treatment_starts
from escalation.causal.curves import (
    CRUDE,
    TARGETS,
    EngineOutput,
    Nuisance,
    population,
    run_estimator,
)
from escalation.causal.influence import as_clustered, cluster_standard_error, influence_clusters
from escalation.causal.propensity import PropensityResult, fit_propensity, treatment_vector
from escalation.causal.weights import (
    POPULATIONS,
    WEIGHT_ESTIMANDS,
    WeightEstimand,
    check_truncate,
    positivity_check,
    treatment_weights,
    weight_summary,
)
from escalation.clusters import cluster_codes
from escalation.compute import one_blas_thread, resolve_jobs
from escalation.design.options import (
    ESTIMATORS,
    OUTCOME_MODEL_ESTIMATORS,
    PROPENSITY_MODEL_ESTIMATORS,
    bootstrap_replicates,
)
from escalation.design.study import StudyDesign
from escalation.errors import DesignError, StatisticalWarning
from escalation.formula import parse_formula
from escalation.results import Presents, Summary, package_versions, provenance, used_data_hash
from escalation.survival._outcome import durations, event_codes, usable_rows
from escalation.survival._result import check_conf_level
from escalation.timeline.spells import SpellData

__all__ = [
    "CRUDE",
    "EFFECT_COLUMNS",
    "ESTIMANDS",
    "ESTIMATOR_TARGETS",
    "EffectsResult",
    "estimate_effects",
    "grace_bias_words",
    "ipw_mean_difference",
    "population",
]

FloatArray = npt.NDArray[np.float64]


def grace_bias_words(grace_days: float) -> str:
    """Return, in plain words, why a grace period biases an estimate towards benefit.

    The immortal-time bias of :func:`estimate_effects`'s grace-period warning, without
    its terms: the clause every text for a director uses (the brief's key caveat, the
    policy values' caveat), so the two say it alike.

    Examples
    --------
    >>> print(grace_bias_words(14))  # doctest: +NORMALIZE_WHITESPACE
    some children without early help escalated or left the study within the 14-day grace
    period, before they could have received it, which makes early help look more beneficial
    than it is
    """
    return (
        "some children without early help escalated or left the study within the "
        f"{grace_days:g}-day grace period, before they could have received it, which makes "
        "early help look more beneficial than it is"
    )


#: The first columns of ``effects.csv``, in order.
EFFECT_COLUMNS = (
    "estimator",
    "horizon",
    "estimand",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
)
#: Estimands of ``effects.csv``, in order.
ESTIMANDS = ("risk_treated", "risk_untreated", "risk_difference", "risk_ratio", "rmst_difference")
#: The weight estimands (populations) each estimator estimates: clone–censor–weight
#: emulates the trial in every child only.
ESTIMATOR_TARGETS: dict[str, tuple[WeightEstimand, ...]] = {**TARGETS, "ccw": ("ate",)}
#: Why an outcome of :func:`ipw_mean_difference` must be a finite number.
_NO_MEAN = (
    "a mean outcome is not defined with them; leave an outcome not measured empty (its "
    "row is left out and counted in dropped)"
)


def _check_targets(
    names: Sequence[str], weight_estimand: WeightEstimand, truncate: float | None
) -> None:
    """Refuse estimators asked for a population they do not estimate; check ``truncate``.

    ``truncate`` truncates the ``ipw`` estimator's weights (and the balance and weight
    tables): without ``ipw`` it changes no estimate, which a warning says.
    """
    if weight_estimand not in WEIGHT_ESTIMANDS:
        raise DesignError(
            f"weight_estimand {weight_estimand!r} is not one of {list(WEIGHT_ESTIMANDS)}"
        )
    refused = [n for n in names if weight_estimand not in ESTIMATOR_TARGETS[n]]
    if refused:
        able = [n for n, t in ESTIMATOR_TARGETS.items() if weight_estimand in t]
        raise DesignError(
            f"weight_estimand={weight_estimand!r} (population "
            f"{POPULATIONS[weight_estimand]!r}) is not estimated by {', '.join(refused)}: "
            f"only by {', '.join(able)} "
            "(unadjusted: the crude contrast, whatever the population). Leave "
            f"{', '.join(refused)} out of estimators, or estimate them with "
            "weight_estimand='ate' in a separate call (their rows say population 'all')"
        )
    check_truncate(truncate)
    if truncate is not None and "ipw" not in names:
        warnings.warn(
            f"truncate={truncate:g} truncates the ipw estimator's weights only (and the "
            f"balance and weight tables); no estimator asked for ({', '.join(names)}) uses "
            "it, so no estimate changes",
            StatisticalWarning,
            stacklevel=3,
        )


@dataclass(frozen=True)
class _Config:
    estimators: tuple[str, ...]
    report: FloatArray
    horizons: FloatArray
    weight_estimand: WeightEstimand
    truncate: float | None
    grace: float | None
    names: tuple[str, ...] = ()


def _run(
    name: str,
    rows: npt.NDArray[np.int64] | None,
    arrays: tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray, FloatArray],
    config: _Config,
    *,
    influence: bool = False,
    warm: Nuisance | None = None,
    distinct: tuple[npt.NDArray[np.int64], FloatArray] | None = None,
    propensity: FloatArray | None = None,
    outcome: Nuisance | None = None,
) -> EngineOutput:
    dur, ev, a, x, start = arrays
    counts = None
    if rows is not None and (name == "ccw" or config.truncate is None):
        # Distinct rows with frequency weights: the same estimate, less work (not with
        # truncation of the IP weights, whose percentiles are of rows, not of weights;
        # clone-censor-weight does not truncate).
        rows, counts = distinct if distinct is not None else _distinct(rows)
    if rows is not None:
        dur, ev, a, x, start = dur[rows], ev[rows], a[rows], x[rows], start[rows]
    if name == "ccw":
        if config.grace is None:
            raise DesignError("the ccw estimator needs [treatment] grace_days in the design")
        return run_ccw(
            dur, ev, start, x, config.grace, config.report, config.horizons,
            names=config.names, case_weights=counts,
        )  # fmt: skip
    return run_estimator(
        name,  # type: ignore[arg-type]
        dur,
        ev,
        a,
        x,
        config.report,
        config.horizons,
        weight_estimand=config.weight_estimand,
        truncate=config.truncate,
        influence=influence,
        warm=warm,
        case_weights=counts,
        names=config.names,
        # Given coefficients are of these rows and weights: the distinct rows of a
        # bootstrap sample with their counts, or every row with unit weights.
        propensity=propensity if counts is not None or rows is None else None,
        outcome=outcome,
    )


def _distinct(rows: npt.NDArray[np.int64]) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Return the distinct rows of a bootstrap sample and how often each was drawn."""
    unique, counts = np.unique(rows, return_counts=True)
    return unique, counts.astype(float)


def _flatten(out: EngineOutput) -> FloatArray:
    return np.concatenate([out.risk.ravel(), out.rmst.ravel()])


def _estimate_all(
    rows: npt.NDArray[np.int64] | None,
    arrays: tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray, FloatArray],
    config: _Config,
    *,
    replicate: bool,
    propensity: FloatArray | None = None,
    warm: Nuisance | None = None,
    influence: bool = False,
) -> dict[str, EngineOutput]:
    """Run every estimator of ``config`` once, each nuisance model fitted once and handed on.

    The one orchestration of the point estimates (``rows`` None) and of every bootstrap
    replicate (:func:`_replicate`). Every estimator sees the same rows (a bootstrap
    sample's distinct rows with their counts); the first estimator that needs a nuisance
    model fits it and hands it to the others that need it: the propensity model's
    coefficients to ``ipw`` and ``aipw``, the cause-specific Cox models to ``gformula``
    and ``aipw``.

    Parameters
    ----------
    rows : numpy.ndarray or None
        A bootstrap sample of rows (None: every row once).
    arrays : tuple of numpy.ndarray
        Durations, event codes, treatment, coded confounders and treatment starts.
    config : _Config
        The estimators (the order of the output) and their settings.
    replicate : bool
        A bootstrap replicate: the propensity model that ``ipw`` or ``aipw`` fits is
        handed to the other, and with both ``gformula`` and ``aipw``, ``aipw`` runs first
        and the g-formula is read off its pass (:attr:`EngineOutput.gformula`: the same
        outcome models, no pass of its own). The point estimates (False) are given
        ``propensity`` (the model fitted for the weights), and after separation (no
        ``propensity``) each fits it again, so each still warns (the warnings a study
        counts are unchanged); ``gformula`` makes its own pass with the outcome models
        handed to it, the same to the last digit as
        :func:`~escalation.causal.estimate_curves` (AIPW's pass sums the rows in another
        order).
    propensity : numpy.ndarray, optional
        Coefficients of the propensity model already fitted to these rows and weights.
    warm : Nuisance, optional
        Starting values of the propensity model's fit (the fit to every row).
    influence : bool, default False
        Influence values of ``aipw`` (for its standard error without a bootstrap).

    Returns
    -------
    dict of str to EngineOutput
        Every estimator's output, in the order of ``config.estimators``.
    """
    names = config.estimators
    distinct = None if rows is None else _distinct(rows)  # one resample, one set of counts
    first = replicate and "gformula" in names and "aipw" in names
    done: dict[str, EngineOutput] = {}
    order = ["aipw", *(n for n in names if n != "aipw")] if first else list(names)
    for name in order:
        companion = done["aipw"].gformula if name == "gformula" and first else None
        if companion is not None:
            done[name] = companion
            continue
        fitted = [done[o].nuisance for o in OUTCOME_MODEL_ESTIMATORS if o in done]
        done[name] = _run(
            name,
            rows,
            arrays,
            config,
            influence=influence and name == "aipw",
            warm=warm,
            distinct=distinct,
            propensity=propensity if name in PROPENSITY_MODEL_ESTIMATORS else None,
            outcome=fitted[0] if name in OUTCOME_MODEL_ESTIMATORS and fitted else None,
        )
        if replicate and name in PROPENSITY_MODEL_ESTIMATORS and propensity is None:
            propensity = done[name].nuisance.propensity
    return {name: done[name] for name in names}


def _replicate(
    rows: npt.NDArray[np.int64],
    arrays: tuple[FloatArray, npt.NDArray[np.int64], npt.NDArray[np.int64], FloatArray, FloatArray],
    config: _Config,
    warm: Nuisance | None = None,
) -> FloatArray:
    """One bootstrap replicate of every estimator (module level: sent to workers).

    :func:`_estimate_all` on the resample: the g-formula comes from the AIPW run (same
    outcome models, fitted once), ``ipw`` and ``aipw`` share one propensity fit, started
    from ``warm`` (the fit to all the rows).
    """
    outputs = _estimate_all(rows, arrays, config, replicate=True, warm=warm)
    return np.concatenate([_flatten(out) for out in outputs.values()])


def _derived(
    risk: FloatArray, rmst: FloatArray, hz: npt.NDArray[np.int64]
) -> dict[str, FloatArray]:
    """Estimands at horizons from curves; arrays broadcast over leading replicate axes."""
    r1, r0 = risk[..., 1, :][..., hz], risk[..., 0, :][..., hz]
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "risk_treated": r1,
            "risk_untreated": r0,
            "risk_difference": r1 - r0,
            "risk_ratio": r1 / r0,
            "rmst_difference": rmst[..., 1, :] - rmst[..., 0, :],
        }


@dataclass(frozen=True, repr=False)
class EffectsResult(Presents):
    """Effects of treatment on escalation by estimator, horizon and estimand.

    Attributes
    ----------
    effects : pandas.DataFrame
        The ``effects.csv`` table (see :meth:`tidy`).
    curves : pandas.DataFrame
        ``time, estimate, conf_low, conf_high, group, cause, estimator, population,
        conf_level`` (the level of the intervals, a column as in :meth:`tidy`).
    balance : pandas.DataFrame
        ``covariate, sample, smd, variance_ratio`` (+ means), unweighted and weighted.
    weights : pandas.DataFrame
        Summary of the IP weights by arm (n, effective n, percentiles).
    positivity : pandas.DataFrame
        Covariates driving extreme weights (counts only).
    propensity : PropensityResult
        The propensity model.
    replicates : numpy.ndarray or None
        Bootstrap replicates (rows) of every estimator's curves and restricted means.
    n, events : int
        Spells and escalations.
    dropped : int
        Spells left out: none, since every estimator uses every spell and a bad row
        raises.
    settings : dict
        Estimators, horizons, bootstrap, seed, weight estimand, truncation; the
        covariates (or formula), the outcome and treatment columns (``duration``,
        ``event``, ``treatment``), ``min_count`` and ``coding`` (each categorical's kept
        levels and the levels pooled into ``other``:
        :func:`~escalation.timeline.matrix.coding_record`), and ``dropped_columns`` (the
        coded columns and covariates left out of the models); :meth:`provenance` records
        them.
    backend : dict
        Nuisance models of each estimator.
    """

    effects: pd.DataFrame
    curves: pd.DataFrame
    balance: pd.DataFrame
    weights: pd.DataFrame
    positivity: pd.DataFrame
    propensity: PropensityResult = field(repr=False)
    replicates: FloatArray | None = field(repr=False)
    n: int
    events: int
    settings: dict[str, Any]
    backend: dict[str, Nuisance] = field(repr=False)
    dropped: int = 0

    def tidy(self) -> pd.DataFrame:
        """Return the ``effects.csv`` table.

        Columns: estimator, horizon, estimand, estimate, std_error, conf_low, conf_high,
        then ``population`` (whose risks the row estimates: ``all`` children, the
        ``treated``, the ``overlap`` population, or ``crude`` for the unadjusted
        estimator's arms as observed; :func:`population`), conf_level, p_value, se_method
        and ``std_error_mc``: with a bootstrap, the
        Monte Carlo error of ``std_error`` (another seed would give another standard error;
        :func:`~escalation.causal.bootstrap.standard_error_mc_error`), else missing.
        """
        return self.effects.copy()

    def bootstrap_summary(self, conf_level: float = 0.95) -> pd.DataFrame:
        """Return a summary of the bootstrap distribution of every estimate.

        Parameters
        ----------
        conf_level : float, default 0.95
            Level of the percentile interval.

        Returns
        -------
        pandas.DataFrame
            ``estimator, horizon, estimand, population, replicates`` (successful ones),
            ``mean``,
            ``std_error`` (the bootstrap standard deviation), ``conf_low`` and
            ``conf_high`` (percentile interval), ``conf_level``; the risk ratio's are on
            the log scale (``estimand = "log_risk_ratio"``). No rows without a bootstrap.
        """
        columns = [
            "estimator",
            "horizon",
            "estimand",
            "population",
            "replicates",
            "mean",
            "std_error",
            "conf_low",
            "conf_high",
            "conf_level",
        ]
        check_conf_level(conf_level)
        if self.replicates is None:
            return pd.DataFrame(columns=columns)
        names = list(self.settings["estimators"])
        hz_days = np.asarray(self.settings["horizons"], dtype=float)
        first = self.curves[(self.curves["estimator"] == names[0])]
        report = np.sort(first.loc[first["group"] == "treated", "time"].to_numpy(dtype=float))
        hz = np.searchsorted(report, hz_days)
        width = 2 * len(report) + 2 * len(hz_days)
        tail = (1 - conf_level) / 2
        rows = []
        for k, name in enumerate(names):
            block = self.replicates[:, k * width : (k + 1) * width]
            block = block[~np.isnan(block).all(axis=1)]
            risk_b = block[:, : 2 * len(report)].reshape(-1, 2, len(report))
            rmst_b = block[:, 2 * len(report) :].reshape(-1, 2, len(hz_days))
            reps = _derived(risk_b, rmst_b, hz)
            with np.errstate(divide="ignore", invalid="ignore"):
                reps["log_risk_ratio"] = np.log(reps.pop("risk_ratio"))
            for estimand, values in reps.items():
                for j, h in enumerate(self.settings["horizons"]):  # whole days
                    v = values[:, j]
                    v = v[np.isfinite(v)]
                    rows.append(
                        {
                            "estimator": name,
                            "horizon": h,
                            "estimand": estimand,
                            "population": population(name, self.settings["weight_estimand"]),
                            "replicates": int(v.size),
                            "mean": float(v.mean()) if v.size else np.nan,
                            "std_error": float(v.std(ddof=1)) if v.size > 1 else np.nan,
                            "conf_low": float(np.quantile(v, tail)) if v.size else np.nan,
                            "conf_high": float(np.quantile(v, 1 - tail)) if v.size else np.nan,
                            "conf_level": conf_level,
                        }
                    )
        return pd.DataFrame(rows, columns=columns)

    def glance(self) -> pd.DataFrame:
        """Return one row: n, events, method, population, bootstrap, seed and versions.

        ``population`` names the populations of the rows of :meth:`tidy`, as they say
        (``all``, ``treated`` or ``overlap`` for the adjusted estimators, ``crude`` for
        the unadjusted; several joined by commas in the order of the estimators).
        """
        estimand = self.settings["weight_estimand"]
        populations = dict.fromkeys(population(e, estimand) for e in self.settings["estimators"])
        row = {
            "n": self.n,
            "events": self.events,
            "dropped": self.dropped,
            "method": ",".join(self.settings["estimators"]),
            "population": ",".join(populations),
            "bootstrap": self.settings["bootstrap"],
            "seed": self.settings["seed"],
            "ess_treated": float(self.weights.loc[self.weights["group"] == "1", "ess"].iloc[0]),
            "ess_untreated": float(self.weights.loc[self.weights["group"] == "0", "ess"].iloc[0]),
            **package_versions(),
        }
        return pd.DataFrame([row])

    def __repr__(self) -> str:
        estimators = ", ".join(self.settings["estimators"])
        horizons = ", ".join(str(h) for h in self.settings["horizons"])
        return (
            f"EffectsResult(n={self.n:,}, events={self.events:,}, estimators=[{estimators}], "
            f"horizons=[{horizons}], bootstrap={self.settings['bootstrap']}); "
            "tidy() for the effects.csv table"
        )

    def summary(self) -> Summary:
        """Return a printable summary (never prints): one row per estimator and horizon.

        Risks under each arm, the risk difference (treated minus untreated) with its
        interval and p-value, and the risk ratio, each row with the population it is of;
        ``tidy()`` has every estimand.
        """
        facts = {
            k: v
            for k, v in self.glance().iloc[0].items()
            if k in {"n", "events", "method", "population", "bootstrap", "seed"}
        }
        level = f"{100 * float(self.settings.get('conf_level', 0.95)):g}%"
        wide = self.effects.pivot_table(
            index=["estimator", "horizon"], columns="estimand", values="estimate", sort=False
        )
        diff = self.effects[self.effects["estimand"] == "risk_difference"].set_index(
            ["estimator", "horizon"]
        )
        table = pd.DataFrame(
            {
                "population": diff["population"],
                "risk treated": wide["risk_treated"],
                "risk untreated": wide["risk_untreated"],
                "difference": wide["risk_difference"],
                f"lower {level}": diff["conf_low"],
                f"upper {level}": diff["conf_high"],
                "p": diff["p_value"],
                "risk ratio": wide["risk_ratio"],
            }
        ).reset_index()
        return Summary(
            "Effects of treatment on escalation",
            facts,
            table,
            (
                "risks are cumulative incidences with competing events as competing",
                "risk_difference and rmst_difference are treated minus untreated",
                "population: whose risks each row estimates: all = every child (ATE), "
                "treated = the treated children (ATT), overlap = overlap weights (ATO), "
                "crude = each arm's own children as observed (unadjusted)",
            ),
        )

    def plot(self, kind: str = "curves", *, estimator: str | None = None, **options: Any) -> Any:
        """Return the adjusted curves of one estimator, or a forest of risk differences.

        Parameters
        ----------
        kind : {"curves", "differences"}, default "curves"
            Cumulative incidence had every child been treated / untreated (default: the
            AIPW curves, else IPW, g-formula), or the risk differences of every
            estimator and horizon.
        estimator : str, optional
            Whose curves to draw.
        **options
            Passed to :func:`escalation.figures.plot_adjusted_curves` or
            :func:`escalation.figures.plot_risk_differences`.

        Returns
        -------
        plotnine.ggplot
        """
        from escalation.figures.results import plot_effects_result

        return plot_effects_result(
            self.effects,
            self.curves,
            [float(h) for h in self.settings["horizons"]],
            kind=kind,
            estimator=estimator,
            **options,
        )

    def check_assumptions(self, data: Any = None) -> Any:
        """Return plain-words checks: positivity, balance, sparse events, proportional hazards.

        Parameters
        ----------
        data : SpellData or pandas.DataFrame, optional
            The spells the effects were estimated on: with them, the proportional-hazards
            assumption of the outcome models (g-formula, AIPW) is tested by ``cox.zph``.

        Returns
        -------
        escalation.advice.Advice

        Raises
        ------
        DesignError
            When ``data`` is neither a SpellData nor a data frame (as at every entry point).
        """
        from escalation.causal.assumptions import effects_advice

        return effects_advice(self, data)

    def provenance(self) -> dict[str, Any]:
        """Return versions and settings for the output manifest."""
        return provenance(**self.settings)


def _inputs(
    data: Any,
    design: StudyDesign | None,
    covariates: Sequence[str] | str | None,
    formula: str | None,
    columns: dict[str, str],
    min_count: int,
) -> tuple[pd.DataFrame, StudyDesign | None, Confounders]:
    frame, covariates = spells_and_covariates(
        data, covariates, formula, function="estimate_effects"
    )
    if design is None and isinstance(data, SpellData):
        design = data.design
    if covariates is None and formula is None:
        raise DesignError(
            "give covariates= (or a formula 'Surv(duration, event) ~ x') when data is a "
            "plain DataFrame"
        )
    adjust = confounders(
        frame,
        covariates,
        formula,
        duration=columns["duration"],
        event=columns["event"],
        min_count=min_count,
        treatment=columns["treatment"],
    )
    names = {"duration": adjust.duration, "event": adjust.event, "treatment": columns["treatment"]}
    missing = [c for c in names.values() if c not in frame.columns]
    if missing:
        raise DesignError(f"the spells table lacks column(s) {', '.join(missing)}")
    frame = canonical_columns(frame, names)
    return frame, design, adjust


def _ccw_starts(frame: pd.DataFrame) -> FloatArray:
    """Treatment starts of the ``ccw`` estimator, checked as ``clone_censor_weight`` does."""
    if "treatment_start" not in frame.columns:
        raise DesignError("the ccw estimator needs a treatment_start column with start times")
    start = treatment_starts(frame, "treatment_start")
    if not np.isfinite(start).any():
        raise DesignError("the ccw estimator needs a treatment_start column with start times")
    return start


def _bootstrap_clusters(
    frame: pd.DataFrame, labels: npt.NDArray[Any] | None
) -> npt.NDArray[np.int64]:
    """Cluster codes for the bootstrap that do not depend on the order of the rows.

    Labels present are coded in sorted order; a missing label (a child without a family)
    and, without a cluster column, every row is a cluster of its own, numbered in
    ``spell_id`` order (row order without ``spell_id``), so the same seed draws the same
    spells whatever order they arrive in. Spells already in ``spell_id`` order get the
    codes they always had.
    """
    order = canonical_order(frame)
    if labels is None:
        return restore(np.arange(len(frame), dtype=np.int64), order)
    return restore(cluster_codes(labels if order is None else labels[order]), order)


@one_blas_thread
def estimate_effects(
    data: Any,
    design: StudyDesign | None = None,
    estimators: Sequence[str] | None = None,
    bootstrap: int | None = None,
    seed: int | None = None,
    *,
    covariates: Sequence[str] | str | None = None,
    formula: str | None = None,
    duration: str = "duration",
    event: str = "event",
    treatment: str = "treatment",
    horizons: Sequence[int] | None = None,
    weight_estimand: WeightEstimand = "ate",
    truncate: float | None = None,
    conf_level: float = 0.95,
    min_count: int = 20,
    n_jobs: int | None = None,
    progress: bool | None = None,
    curve_points: int = 40,
    cluster: str | None = AUTO,
) -> EffectsResult:
    """Estimate the effect of treatment (early help) on escalation by each horizon.

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        Spells with ``duration, event, treatment`` (and ``family_id``,
        ``treatment_start`` where used) and the covariates.
    design : StudyDesign, optional
        Defaults to ``data.design``; supplies horizons, estimators, bootstrap, seed and
        the grace period.
    estimators : sequence of str, optional
        Any of ``unadjusted, ipw, gformula, aipw, ccw`` (default: the design's).
    bootstrap : int, optional
        Family-clustered bootstrap replicates (default: the design's; 0 for none, then
        ``aipw`` uses its influence function and the others have no standard error; else
        at least 2).
    seed : int, optional
        Seed of the bootstrap (default: the design's).
    covariates : sequence of str, optional
        Confounders (default: ``data.model_covariates``); a string with ``~`` is a
        formula.
    formula : str, optional
        ``"Surv(duration, event) ~ x + C(g) + bs(age, df=3)"``: the confounders of the
        propensity and outcome models (see :mod:`escalation.formula`); its left-hand
        side names ``duration`` and ``event``.
    duration, event, treatment : str, default "duration", "event", "treatment"
        Columns of follow-up days, event codes (0 censored, 1 escalation, 2+ competing)
        and the 0/1 treatment.
    horizons : sequence of int, optional
        Whole days > 0 (default: the design's horizons); ``365.0`` reads as 365, and
        ``101.9``, 0 or a negative horizon is a ``DesignError`` naming it.
    weight_estimand : {"ate", "att", "overlap"}, default "ate"
        The population whose risks are estimated, named in every row's ``population``:
        ``"ate"`` every child (``all``), ``"att"`` the treated children (``treated``:
        ``ipw`` with weights e/(1 − e) for the untreated, ``gformula`` standardised over
        the treated children's covariates, ``aipw`` the doubly robust ATT estimator),
        ``"overlap"`` overlap weights (``ipw`` only). An estimator that does not estimate
        the population asked for (``ccw`` any but ``"ate"``; ``gformula`` and ``aipw``
        ``"overlap"``) is refused (:data:`ESTIMATOR_TARGETS`); ``unadjusted`` is the crude
        contrast whatever this says (population ``crude``). Also the weights of the
        balance and weight tables.
    truncate : float, optional
        Percentile (not a fraction) in (0, 50) at which the IP weights are truncated: 1
        truncates at the 1st and 99th percentiles (see
        :func:`~escalation.causal.treatment_weights`; a value below 1 warns). Of the
        ``ipw`` estimator and the balance and weight tables only: ``aipw``, ``gformula``
        and ``ccw`` do not truncate (AIPW bounds its propensity scores 1e-6 from 0 and
        1), and without ``ipw`` a ``StatisticalWarning`` says that no estimate changes.
    conf_level : float, default 0.95
        Confidence level.
    min_count : int, default 20
        Categorical levels of ``covariates`` with fewer rows are pooled into ``other``
        (:class:`~escalation.timeline.CovariateCoding`; a covariate whose every level is
        that rare is left out, with a ``StatisticalWarning``, and listed in
        ``settings["dropped_columns"]``). A formula's levels are used as written: a
        ``StatisticalWarning`` names its categorical variables with rarer levels.
    n_jobs : int, optional
        Bootstrap worker processes: default the design's ``[compute] workers``, else
        every core (``-1``); ``1`` runs in this process. Results are identical for any
        number (each replicate has its own seed).
    progress : bool, optional
        Show a bootstrap progress bar (default: when standard error is a terminal).
    curve_points : int, default 40
        Points of the returned curves (horizons are always included).
    cluster : str, None or "auto", default "auto"
        Column whose values are resampled whole by the bootstrap (and cluster the
        influence-function standard errors); e.g. ``"la"`` to treat local authorities as
        clusters. ``"auto"``: the design's cluster for SpellData (``SpellData.cluster``:
        families, or authorities), none for a data frame. Without a cluster each spell
        is its own cluster.

    Returns
    -------
    EffectsResult

    Raises
    ------
    DesignError
        When an arm has fewer than
        :data:`~escalation.causal._estimable.MIN_SPELLS_PER_ARM` spells, there are no
        escalations, or a horizon lies past the longest follow-up of every spell (a horizon
        past one arm's follow-up only is warned about with a ``StatisticalWarning``); when
        an estimator does not estimate ``weight_estimand``'s population; when ``truncate``
        is not in (0, 50); when ``bootstrap`` is neither 0 nor a whole number of at least 2
        (:func:`~escalation.design.options.bootstrap_problem`).

    Notes
    -----
    Intervals are Wald intervals with the bootstrap (or influence-function) standard
    error; the risk ratio's interval is computed on the log scale. Every difference is
    treated minus untreated: ``risk_difference`` is the risk of escalation treated minus
    untreated (negative when treatment prevents escalation), ``rmst_difference`` the
    restricted mean escalation-free days up to the horizon treated minus untreated,
    ``∫(1 - F_treated) - ∫(1 - F_untreated)`` over ``[0, h]`` (positive when treatment delays
    escalation).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> n = 300
    >>> x = rng.normal(size=n)
    >>> a = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    >>> t = rng.exponential(400 / np.exp(0.5 * x - 0.4 * a))
    >>> spells = pd.DataFrame({"x": x, "treatment": a, "duration": np.ceil(np.minimum(t, 800)),
    ...                        "event": (t < 800).astype(int), "family_id": np.arange(n)})
    >>> fit = estimate_effects(spells, formula="Surv(duration, event) ~ x",
    ...                        estimators=["unadjusted", "aipw"], horizons=[365], bootstrap=0)
    >>> fit.tidy().columns[:7].tolist()
    ['estimator', 'horizon', 'estimand', 'estimate', 'std_error', 'conf_low', 'conf_high']
    >>> len(fit.tidy())
    10
    """
    check_conf_level(conf_level)
    cluster = resolve_cluster(data, cluster)
    outcome = {"duration": duration, "event": event, "treatment": treatment}
    frame, design, adjust = _inputs(data, design, covariates, formula, outcome, min_count)
    spec = design.estimation if design is not None else None
    names = tuple(
        estimators if estimators is not None else (spec.estimators if spec else ("unadjusted",))
    )
    refuse_repeats("estimator(s)", names)
    unknown = [e for e in names if e not in ESTIMATORS]
    if unknown:
        raise DesignError(f"unknown estimator(s) {unknown}; choose from {list(ESTIMATORS)}")
    _check_targets(names, weight_estimand, truncate)
    n_boot = (
        bootstrap_replicates(bootstrap)
        if bootstrap is not None
        else (spec.bootstrap if spec else 0)
    )
    seed_ = int(seed if seed is not None else (spec.seed if spec else 1))
    if horizons is None:
        if design is None:
            raise DesignError("give horizons= (or a design) when data is a plain DataFrame")
        horizons = design.outcome.horizons
    days = horizon_days(horizons)  # whole days > 0: the labels are what is estimated
    hz_days = np.asarray(days, dtype=float)
    grace = None
    if design is not None and design.treatment.grace_days is not None:
        grace = float(design.treatment.grace_days)
    a = treatment_vector(frame, "treatment")
    dur = durations(frame["duration"])
    ev = event_codes(frame["event"])
    check_estimable(a, ev, dur, hz_days)  # before any model meets too little data
    prop = fit_propensity(frame, "treatment", coding=adjust.coding)
    x = prop.matrix.to_numpy(dtype=float)
    start = _ccw_starts(frame) if "ccw" in names else np.full(len(frame), np.nan)
    labels = influence_clusters(frame, cluster)
    cluster_ids = labels if labels is not None else np.arange(len(frame))
    past_arm_follow_up(
        hz_days,
        dur,
        a,
        consequence="their risks carry the last estimate forward (the ccw estimator's are NaN)"
        if "ccw" in names
        else "their risks carry the last estimate forward",
        stacklevel=2,
    )
    report = np.unique(np.r_[np.linspace(0, hz_days.max(), curve_points + 1)[1:], hz_days])
    config = _Config(
        names, report, hz_days, weight_estimand, truncate, grace, tuple(prop.matrix.columns)
    )
    arrays = (dur, ev, a, x, start)
    hz = np.searchsorted(report, hz_days)

    naive = [e for e in names if e != "ccw"]
    grace_biased: list[str] = []  # estimators the grace period's immortal time biases
    if (
        grace is not None
        and grace > 0
        and naive
        and design is not None
        and design.treatment.form == "point"
    ):
        ended = int(((dur <= grace) & (a == 0)).sum())
        if ended:
            grace_biased = naive
            warnings.warn(
                f"treatment is classified by early help starting within {grace:g} days of time "
                f"zero; {ended} untreated spells ended within that grace period and could not "
                f"have been treated, which biases {', '.join(naive)} towards benefit "
                "(immortal time). The ccw estimator handles the grace period.",
                StatisticalWarning,
                stacklevel=2,
            )

    weights = treatment_weights(prop.scores, a, estimand=weight_estimand, truncate=truncate)
    balance = balance_table(prop.matrix, a, weights)
    positivity = positivity_check(prop.scores, a, prop.matrix, weights=weights)
    summary_w = weight_summary(weights, a)

    # ipw and aipw fit the propensity model above to the same rows with unit weights: they
    # take its coefficients rather than fit it again. After separation they fit it again,
    # so each still warns (the warnings of a study are unchanged).
    coefficients = prop.coefficients
    given = (
        coefficients.to_numpy(dtype=float)
        if coefficients is not None and not prop.separated
        else None
    )
    points = _estimate_all(
        None,
        arrays,
        config,
        replicate=False,
        propensity=given,
        influence=n_boot == 0,
    )
    width = 2 * len(report) + 2 * len(hz_days)  # of each estimator's curves and means
    replicates = None
    if n_boot > 0:
        # The bootstrap runs on the rows sorted by duration, so each resample's distinct rows
        # are sorted too and the sorts of its risk sets and grids are nearly free. The
        # clusters are coded first, in the rows' own order: the same seed draws the same
        # families (hence the same rows) as on the unsorted rows.
        by_time = np.argsort(dur, kind="stable")
        fitted = [points[e].nuisance.propensity for e in PROPENSITY_MODEL_ESTIMATORS if e in points]
        replicates = cluster_bootstrap(
            _replicate,
            _bootstrap_clusters(frame, labels)[by_time],
            n_boot,
            args=(
                tuple(v[by_time] for v in arrays),
                config,
                Nuisance(propensity=fitted[0]) if fitted else None,
            ),
            seed=seed_,
            n_jobs=resolve_jobs(n_jobs, design),
            progress=progress,
            description="bootstrap " + ", ".join(names),
            width=len(names) * width,
        )
    z = stats.norm.ppf(0.5 + conf_level / 2)
    rows: list[dict[str, Any]] = []
    curve_frames = []
    succeeded: dict[str, int] = {}  # bootstrap replicates behind each estimator's SEs
    for k, name in enumerate(names):
        out = points[name]
        est = _derived(out.risk, out.rmst, hz)
        se: dict[str, FloatArray]
        se_mc: dict[str, FloatArray] = {}
        curve_se = np.full_like(out.risk, np.nan)
        se_method = "none"
        if replicates is not None:
            block = replicates[:, k * width : (k + 1) * width]
            block = block[~np.isnan(block).all(axis=1)]
            succeeded[name] = len(block)
            risk_b = block[:, : 2 * len(report)].reshape(-1, 2, len(report))
            rmst_b = block[:, 2 * len(report) :].reshape(-1, 2, len(hz_days))
            reps = _derived(risk_b, rmst_b, hz)
            with np.errstate(divide="ignore", invalid="ignore"):
                reps["risk_ratio"] = np.log(reps["risk_ratio"])
            se = {key: np.nanstd(v, axis=0, ddof=1) for key, v in reps.items()}
            se_mc = {key: standard_error_mc_error(v) for key, v in reps.items()}
            curve_se = np.nanstd(risk_b, axis=0, ddof=1)
            se_method = "cluster_bootstrap"
        elif out.influence is not None:
            phi_r = out.influence["risk"]
            phi_m = out.influence["rmst"]
            r1, r0 = est["risk_treated"], est["risk_untreated"]
            se = {
                "risk_treated": cluster_standard_error(phi_r[:, 1], cluster_ids),
                "risk_untreated": cluster_standard_error(phi_r[:, 0], cluster_ids),
                "risk_difference": cluster_standard_error(phi_r[:, 1] - phi_r[:, 0], cluster_ids),
                "risk_ratio": cluster_standard_error(
                    phi_r[:, 1] / r1 - phi_r[:, 0] / r0, cluster_ids
                ),
                "rmst_difference": cluster_standard_error(phi_m[:, 1] - phi_m[:, 0], cluster_ids),
            }
            se_method = "influence_function"
        else:
            se = {key: np.full(len(hz_days), np.nan) for key in ESTIMANDS}
        for j, h in enumerate(days):
            for estimand in ESTIMANDS:
                value = float(est[estimand][j])
                s = float(se[estimand][j])
                s_mc = float(se_mc[estimand][j]) if se_mc else np.nan
                if estimand == "risk_ratio":
                    low, high = np.exp(np.log(value) + np.array([-z, z]) * s)
                    std_error, s_mc = value * s, value * s_mc
                    p = 2 * stats.norm.sf(abs(np.log(value)) / s) if s > 0 else np.nan
                else:
                    low, high = value - z * s, value + z * s
                    std_error = s
                    p = (
                        2 * stats.norm.sf(abs(value) / s)
                        if estimand.endswith("difference") and s > 0
                        else np.nan
                    )
                rows.append(
                    {
                        "estimator": name,
                        "horizon": h,
                        "estimand": estimand,
                        "estimate": value,
                        "std_error": std_error,
                        "conf_low": float(low),
                        "conf_high": float(high),
                        "population": population(name, weight_estimand),
                        "conf_level": conf_level,
                        "p_value": float(p),
                        "se_method": se_method,
                        "std_error_mc": s_mc,
                    }
                )
        for arm, group in ((1, "treated"), (0, "untreated")):
            curve_frames.append(
                pd.DataFrame(
                    {
                        "time": report,
                        "estimate": out.risk[arm],
                        "conf_low": np.clip(out.risk[arm] - z * curve_se[arm], 0, 1),
                        "conf_high": np.clip(out.risk[arm] + z * curve_se[arm], 0, 1),
                        "group": group,
                        "cause": "escalation",
                        "estimator": name,
                        "population": population(name, weight_estimand),
                        "conf_level": conf_level,
                    }
                )
            )
    effects = pd.DataFrame(rows)
    competing_model = "covariates"
    if any(n in OUTCOME_MODEL_ESTIMATORS for n in names):
        deaths, columns = int((ev >= 2).sum()), x.shape[1] + 1
        if 0 < deaths < 5 * columns:
            # As curves._competing_cox does: too few competing events for the covariates.
            competing_model = "treatment only"
            warnings.warn(
                f"{deaths} competing events for {columns} model columns (fewer than 5 per "
                "column): the g-formula and AIPW model the competing event by treatment "
                "only (its covariate effects set to 0); settings['competing_model'] says so",
                StatisticalWarning,
                stacklevel=2,
            )
    settings = {
        "estimators": list(names),
        "horizons": list(days),
        "bootstrap": n_boot,
        "bootstrap_succeeded": succeeded,
        "seed": seed_,
        "weight_estimand": weight_estimand,
        "truncate": truncate,
        "conf_level": conf_level,
        **adjust.record(min_count),
        "treatment": treatment,
        "cluster": cluster,
        "dropped_columns": list(prop.dropped),
        "competing_model": competing_model,
        "grace_biased": grace_biased,
        "data_hash": used_data_hash(
            as_clustered(frame, cluster),  # with the family-of-one labels the SEs read
            ["duration", "event", "treatment", cluster, *adjust.coding.columns]
            + (["treatment_start"] if "ccw" in names else []),
        ),
    }
    return EffectsResult(
        effects=effects,
        curves=pd.concat(curve_frames, ignore_index=True),
        balance=balance,
        weights=summary_w,
        positivity=positivity,
        propensity=prop,
        replicates=replicates,
        n=len(frame),
        events=int((ev == 1).sum()),
        settings=settings,
        backend={name: points[name].nuisance for name in names},
    )


def ipw_mean_difference(
    frame: SpellData | pd.DataFrame,
    *,
    outcome: str,
    treatment: str | None = None,
    covariates: Sequence[str] | None = None,
    formula: str | None = None,
    estimand: WeightEstimand = "ate",
    stabilize: bool = True,
    conf_level: float = 0.95,
    min_count: int = 1,
) -> pd.DataFrame:
    """IP-weighted difference in mean outcome (marginal structural model) with robust SE.

    The propensity model is ``treatment`` on ``covariates``, or the ``formula``
    ``"treatment ~ x + C(g) + I(x**2)"`` (see :func:`fit_propensity`).

    Fits ``outcome ~ treatment`` by weighted least squares with IP weights from a logistic
    propensity model and a sandwich (HC0) standard error, as in Hernán & Robins, *What
    If*, ch. 12 (weight gain after smoking cessation: 3.4 kg, 95% CI 2.4–4.5). The
    sandwich treats the weights as known, which is conservative for the ATE.

    Rows with a missing outcome are left out (as the book does for the 63 of 1,629
    NHEFS participants without a 1982 weight) and counted in ``dropped``; an infinite
    outcome, or one that is not a number (text), is refused.

    Returns
    -------
    pandas.DataFrame
        One row: ``term, estimate, std_error, conf_low, conf_high, conf_level, p_value``,
        then ``n`` (rows used) and ``dropped`` (rows left out for a missing outcome).

    Raises
    ------
    DataValidationError
        When an outcome is infinite or not a number, or a treatment or covariate value is
        bad, naming the row of the table given (not of the rows left after those with a
        missing outcome were left out), the column and the value.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=2000)
    >>> a = (rng.random(2000) < 1 / (1 + np.exp(-x))).astype(int)
    >>> frame = pd.DataFrame({"x": x, "a": a, "y": 2 * a + x + rng.normal(size=2000)})
    >>> out = ipw_mean_difference(frame, outcome="y", treatment="a", covariates=["x"])
    >>> bool(abs(out["estimate"].iloc[0] - 2) < 0.2)
    True
    """
    check_conf_level(conf_level)
    frame = spells_of(frame, function="ipw_mean_difference")
    import statsmodels.api as sm

    used = usable_rows(frame, missing_outcome=outcome)
    complete = used.frame
    with used.input_rows():  # errors name the rows of the user's table
        y = finite_numbers(complete[outcome], table="spells", why=_NO_MEAN, missing_allowed=True)
        prop = fit_propensity(complete, treatment, covariates, formula=formula, min_count=min_count)
    if formula is not None:
        treatment = parse_formula(formula).response[0]
    w = treatment_weights(prop.scores, prop.treatment, estimand=estimand, stabilize=stabilize)
    design = sm.add_constant(prop.treatment.astype(float))
    fit = sm.WLS(y, design, weights=w).fit(cov_type="HC0")
    est, se = float(fit.params[1]), float(fit.bse[1])
    z = stats.norm.ppf(0.5 + conf_level / 2)
    return pd.DataFrame(
        [
            {
                "term": treatment,
                "estimate": est,
                "std_error": se,
                "conf_low": est - z * se,
                "conf_high": est + z * se,
                "conf_level": conf_level,
                "p_value": float(fit.pvalues[1]),
                "n": len(complete),
                "dropped": used.dropped,
            }
        ]
    )
