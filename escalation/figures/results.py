"""The figures behind the results' ``.plot()`` methods: a result in, its usual figure out.

Each function takes a result (or its table), names terms and groups in words (the code
lists of :mod:`escalation.timeline.labels`), and returns the ``plotnine.ggplot`` of the
matching ``plot_*`` function, so ``fit.plot()`` needs no pairing of frames and figures.
Keyword options pass through to the figure function.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from escalation.figures.curves import plot_adjusted_curves, plot_survival_curves, time_breaks
from escalation.figures.forest import plot_forest, plot_risk_differences
from escalation.timeline.labels import (
    arm_label,
    covariate_label,
    describe_covariate,
    yes_no_label,
)

if TYPE_CHECKING:
    import plotnine as p9

    from escalation.survival.nonparametric import CurveResult

__all__ = [
    "group_labels",
    "plot_coefficients",
    "plot_curve_result",
    "plot_effects_result",
]


def plot_coefficients(
    table: pd.DataFrame, measure: str, *, colour: str | None = None, **options: Any
) -> p9.ggplot:
    """Return a forest plot of ratios (``tidy(exponentiate=True)``) with terms in words.

    Parameters
    ----------
    table : pandas.DataFrame
        ``term, estimate, conf_low, conf_high`` on the ratio scale. Terms without an
        estimate (``NaN``: not estimable, R's ``NA``) are not drawn: a ratio of 1 with
        no interval would read as an estimate; nor are separated terms (an infinite
        estimate, no interval). ``summary()`` names both.
    measure : str
        What the ratios are ("Hazard ratio"), for the axis title.
    colour : str, optional
        Column that colours and dodges rows (e.g. ``cause``).
    **options
        Passed to :func:`escalation.figures.plot_forest`.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> table = pd.DataFrame({"term": ["sex_M", "age"], "estimate": [1.2, 0.9],
    ...                       "conf_low": [1.0, 0.8], "conf_high": [1.4, 1.0]})
    >>> plot = plot_coefficients(table, "Hazard ratio")
    >>> sorted(plot.data["term"].astype(str)), plot.labels.x
    (['Age (years)', 'Sex: Male'], 'Hazard ratio (95% CI, log scale)')
    """
    table = table[table[["estimate", "conf_low", "conf_high"]].notna().all(axis=1)]
    data = table.assign(term=[covariate_label(str(t)) for t in table["term"]])
    level = table["conf_level"].iloc[0] if "conf_level" in table and len(table) else 0.95
    options.setdefault("xlab", f"{measure} ({100 * float(level):g}% CI, log scale)")
    return plot_forest(data, colour=colour, scale="ratio", **options)


def group_labels(column: str | None, levels: list[Any]) -> dict[str, str]:
    """Return the words for each group of a curve: arms, coded levels, or as they are.

    The treatment's levels are the arms; another variable's levels are named by its code
    list, else 1/0 and True/False read "Yes"/"No" (under the variable's name, the
    legend's title), else as they are.

    Examples
    --------
    >>> group_labels("treatment", [0, 1])
    {'0': 'No early help', '1': 'Early help'}
    >>> group_labels("sex", ["F", "M"])
    {'F': 'Female', 'M': 'Male'}
    >>> group_labels("prior_cp_plan", [0, 1])
    {'0': 'No', '1': 'Yes'}
    """
    if column is None:
        return {}
    if column in {"treatment", "treatment_tv", "treatment_started", "arm"}:
        return {str(v): arm_label(v) for v in levels}
    out = {}
    for value in levels:
        level = describe_covariate(f"{column}_{value}").level_label
        out[str(value)] = level if level is not None else yes_no_label(value)
    return out


#: Cluster columns in words, for the subtitle of clustered curves.
_CLUSTER_WORDS = {"family_id": "family", "la": "local authority"}


def _clustered_by(cluster: str) -> str:
    """Say that the intervals allow for clustering, e.g. ``"intervals clustered by family"``."""
    return f"intervals clustered by {_CLUSTER_WORDS.get(cluster, cluster)}"


def plot_curve_result(
    result: CurveResult, *, labels: Mapping[str, str] | None = None, **options: Any
) -> p9.ggplot:
    """Return the curves of a :class:`~escalation.survival.CurveResult` with a risk table.

    Survival and cumulative incidence curves are drawn by
    :func:`escalation.figures.plot_survival_curves` with the numbers at risk at the
    time ticks; a cumulative hazard is drawn on the same axes without the table. Each
    curve runs to its group's last follow-up time. Clustered curves (``cluster=``) say
    so in the subtitle ("Unadjusted; intervals clustered by family", or "Weighted; ..."
    for weighted curves).

    Parameters
    ----------
    result : CurveResult
        From :func:`~escalation.survival.kaplan_meier`, ``aalen_johansen`` or
        ``nelson_aalen``.
    labels : mapping, optional
        Group names (default: arms and coded levels in words).
    **options
        Passed to the figure function (``title=``, ``outcome=``, ...).

    Returns
    -------
    plotnine.ggplot
    """
    curves = result.tidy()
    levels = list(pd.unique(curves["group"]))
    names = {**group_labels(result.group_name, levels), **(labels or {})}
    if result.group_name is not None:
        column = describe_covariate(result.group_name)
        options.setdefault("group_label", "" if result.group_name == "treatment" else column.label)
    kind: Literal["survival", "cumulative_incidence", "cumulative_hazard"] = (
        "survival"
        if result.kind == "survival"
        else "cumulative_hazard"
        if result.kind == "cumulative_hazard"
        else "cumulative_incidence"
    )
    if result.cluster is not None:
        weighted = "Weighted" if result.weighted else "Unadjusted"
        options.setdefault("subtitle", f"{weighted}; {_clustered_by(result.cluster)}")
    if result.kind == "cumulative_hazard":
        options.setdefault("ylab", "Cumulative hazard")
        return plot_survival_curves(curves, kind=kind, labels=names, **options)
    last = float(curves["time"].max())
    times = [t for t in time_breaks(last) if t <= last + 1e-9]
    at_risk = result.at_risk(times)
    return plot_survival_curves(curves, at_risk, kind=kind, labels=names, **options)


def plot_effects_result(
    effects: pd.DataFrame,
    curves: pd.DataFrame,
    horizons: list[float],
    *,
    kind: str = "curves",
    estimator: str | None = None,
    **options: Any,
) -> p9.ggplot:
    """Return the adjusted curves of one estimator, or the risk differences of all.

    Parameters
    ----------
    effects, curves : pandas.DataFrame
        ``EffectsResult.tidy()`` and ``EffectsResult.curves``.
    horizons : list of float
        Days marked on the curves.
    kind : {"curves", "differences"}, default "curves"
        Adjusted cumulative incidence under each arm, or a forest plot of the risk
        differences (treated minus untreated) by estimator and horizon.
    estimator : str, optional
        The estimator of the curves (default: ``aipw``, else ``ipw``, ``gformula``, or the
        first).
    **options
        Passed to the figure function.

    Returns
    -------
    plotnine.ggplot
    """
    if kind == "differences":
        rows = effects[effects["estimand"] == "risk_difference"].copy()
        rows["label"] = rows["estimator"] + ", day " + rows["horizon"].astype(str)
        return plot_risk_differences(rows, label="label", **options)
    if kind != "curves":
        from escalation.errors import DesignError

        raise DesignError(f"kind must be 'curves' or 'differences', got {kind!r}")
    available = list(pd.unique(curves["estimator"]))
    if estimator is None:
        estimator = next((e for e in ("aipw", "ipw", "gformula") if e in available), available[0])
    if estimator not in available:
        from escalation.errors import DesignError

        raise DesignError(f"no curves of estimator {estimator!r}; estimated: {available}")
    chosen = curves[curves["estimator"] == estimator]
    return plot_adjusted_curves(chosen, horizons=horizons, estimator=estimator, **options)
