"""Risk-tool validation: calibration, decision curves and error rates by group."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import numpy as np
import pandas as pd
import plotnine as p9

from escalation.figures._checks import require_columns
from escalation.figures._labels import percent
from escalation.figures.forest import dodged_layers
from escalation.figures.theme import (
    GREY,
    scale_colour_escalation,
    scale_fill_escalation,
    theme_escalation,
)

__all__ = ["plot_calibration", "plot_decision_curve", "plot_fairness"]

_CALIBRATION: Final = ("model", "predicted", "observed", "conf_low", "conf_high")
_DECISION: Final = ("model", "threshold", "net_benefit")
_FAIRNESS: Final = (
    "model",
    "metric",
    "attribute",
    "group",
    "n",
    "estimate",
    "conf_low",
    "conf_high",
    "suppressed",
)


def plot_calibration(
    calibration: pd.DataFrame,
    *,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 80.0,
) -> p9.ggplot:
    """Plot observed against predicted risk by model, with the line of perfect calibration.

    Parameters
    ----------
    calibration : pandas.DataFrame
        ``model, predicted, observed, conf_low, conf_high``: one row per risk group
        (drawn as points with intervals) or a smoothed curve (more than 15 points per
        model: drawn as a line with a band).
    title, width, height_mm
        Labels and size.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"model": ["cox"] * 3, "predicted": [0.1, 0.2, 0.4],
    ...     "observed": [0.12, 0.18, 0.35], "conf_low": [0.09, 0.15, 0.3],
    ...     "conf_high": [0.15, 0.21, 0.4]})
    >>> plot_calibration(frame).labels.x
    'Predicted risk'
    """
    calibration = require_columns(calibration, _CALIBRATION, figure="calibration")
    data = calibration.assign(model=calibration["model"].astype(str))
    top = float(np.nanmax(data[["predicted", "conf_high", "observed"]].to_numpy()))
    top = min(1.0, max(top * 1.05, 0.05))
    smooth = bool(data.groupby("model").size().max() > 15)
    plot = p9.ggplot(data, p9.aes("predicted", "observed", color="model")) + p9.geom_abline(
        intercept=0.0, slope=1.0, linetype="dashed", color=GREY, size=0.4
    )
    if smooth:
        plot += p9.geom_ribbon(
            p9.aes(ymin="conf_low", ymax="conf_high", fill="model"),
            alpha=0.18,
            size=0,
            show_legend=False,
        )
        plot += p9.geom_line(size=0.7)
        plot += scale_fill_escalation(guide=p9.guide_legend(ncol=2))
    else:
        plot += p9.geom_linerange(p9.aes(ymin="conf_low", ymax="conf_high"), size=0.5)
        plot += p9.geom_line(size=0.5)
        plot += p9.geom_point(size=1.5)
    return (
        plot
        + scale_colour_escalation(name="", guide=p9.guide_legend(ncol=2))
        + p9.scale_x_continuous(labels=percent)
        + p9.scale_y_continuous(labels=percent)
        + p9.coord_cartesian(xlim=(0.0, top), ylim=(0.0, top))
        + p9.labs(x="Predicted risk", y="Observed risk", title=title)
        + theme_escalation(width=width, height_mm=height_mm)
        + p9.theme(legend_title=p9.element_blank())
    )


def plot_decision_curve(
    decision: pd.DataFrame,
    *,
    floor: float | None = None,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 70.0,
) -> p9.ggplot:
    """Plot net benefit against the threshold probability (Vickers & Elkin, 2006).

    Include the reference strategies as models in the frame (e.g. "Treat all",
    "Treat none"); they are drawn in grey. doi:10.1177/0272989X06295361.

    Parameters
    ----------
    decision : pandas.DataFrame
        ``model, threshold, net_benefit``.
    floor : float, optional
        Lower y limit (default: a little below zero, so "treat all" does not dominate).
    title, width, height_mm
        Labels and size.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"model": ["cox", "cox", "Treat all", "Treat all"],
    ...     "threshold": [0.1, 0.2] * 2, "net_benefit": [0.05, 0.02, 0.03, -0.05]})
    >>> plot_decision_curve(frame).labels.y
    'Net benefit'
    """
    decision = require_columns(decision, _DECISION, figure="decision curve")
    data = decision.assign(model=decision["model"].astype(str))
    names = data["model"].str.lower().str.replace("_", " ", regex=False)
    reference = names.isin(["treat all", "treat none", "all", "none"])
    models = list(pd.unique(data.loc[~reference, "model"]))
    refs = list(pd.unique(data.loc[reference, "model"]))
    data["model"] = pd.Categorical(data["model"], categories=models + refs)
    top = float(np.nanmax(data["net_benefit"]))
    low = -0.25 * max(top, 1e-3) if floor is None else floor
    colours = list(scale_colour_escalation().palette(len(models))) if models else []
    values = {**dict(zip(models, colours, strict=False)), **dict.fromkeys(refs, GREY)}
    lines = {
        **dict.fromkeys(models, "solid"),
        **{r: ("dashed", "dotted")[i % 2] for i, r in enumerate(refs)},
    }
    return (
        p9.ggplot(data, p9.aes("threshold", "net_benefit", color="model", linetype="model"))
        + p9.geom_line(size=0.6)
        + p9.scale_color_manual(values=values, name="")
        + p9.scale_linetype_manual(values=lines, name="")
        + p9.scale_x_continuous(labels=percent)
        + p9.coord_cartesian(ylim=(low, top * 1.05))
        + p9.labs(x="Threshold probability", y="Net benefit", title=title)
        + p9.guides(color=p9.guide_legend(ncol=2), linetype=p9.guide_legend(ncol=2))
        + theme_escalation(width=width, height_mm=height_mm)
        + p9.theme(legend_title=p9.element_blank())
    )


def plot_fairness(
    metrics: pd.DataFrame,
    *,
    metrics_shown: Sequence[str] | None = None,
    title: str | None = None,
    width: Literal["single", "double"] | float = "double",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot a validation metric by subgroup with confidence intervals.

    One panel per attribute (rows) and metric (columns); groups whose counts were
    suppressed by disclosure control are listed but not drawn, and labelled
    "suppressed".

    Parameters
    ----------
    metrics : pandas.DataFrame
        ``model, metric, attribute, group, n, estimate, conf_low, conf_high,
        suppressed``.
    metrics_shown : sequence of str, optional
        Metrics to draw (default: all), in order.
    title, width, height_mm
        Labels and size (height defaults to 20 mm + 5 mm per group).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"model": "cox", "metric": "recall",
    ...     "attribute": "sex", "group": ["F", "M"], "n": [400, 420],
    ...     "estimate": [0.3, 0.25], "conf_low": [0.25, 0.2], "conf_high": [0.35, 0.3],
    ...     "suppressed": [False, False]})
    >>> plot_fairness(frame).data["group"].tolist()
    ['F', 'M']
    """
    metrics = require_columns(metrics, _FAIRNESS, figure="subgroup fairness")
    data = metrics.copy()
    for column in ("model", "metric", "attribute", "group"):
        data[column] = data[column].astype(str)
    if metrics_shown is not None:
        data = data[data["metric"].isin([str(m) for m in metrics_shown])].copy()
        data["metric"] = pd.Categorical(data["metric"], categories=list(metrics_shown))
    suppressed = data["suppressed"].astype(bool).to_numpy()
    data["attribute"] = pd.Categorical(
        data["attribute"], categories=list(pd.unique(data["attribute"]))
    )
    groups = list(pd.unique(data["group"]))
    data["group"] = pd.Categorical(data["group"], categories=groups[::-1])
    shown = data[~suppressed]
    hidden = data[suppressed].assign(x=0.0)
    n_rows = data.groupby("attribute", observed=True)["group"].nunique().sum()
    height = 22.0 + 5.0 * float(n_rows) if height_mm is None else height_mm
    plot = (
        p9.ggplot(
            shown, p9.aes("estimate", "group", xmin="conf_low", xmax="conf_high", color="model")
        )
        + p9.geom_blank(data=data.assign(estimate=data["estimate"].fillna(0.0)))
        + p9.facet_grid(
            rows="attribute",
            cols="metric",
            scales="free",
            space={
                "x": [1.0] * data["metric"].nunique(),
                "y": list(
                    data.groupby("attribute", sort=True, observed=True)["group"]
                    .nunique()
                    .astype(float)
                ),
            },
        )
        + scale_colour_escalation(name="")
        + p9.scale_x_continuous(labels=percent)
        + p9.labs(x="Estimate (95% CI)", y="", title=title)
        + theme_escalation(width=width, height_mm=float(np.clip(height, 45.0, 230.0)))
        + p9.theme(legend_title=p9.element_blank(), strip_text_y=p9.element_text(angle=0))
    )
    for layer in dodged_layers(shown, "model", y="group"):
        plot += layer
    if len(hidden):
        plot += p9.geom_text(
            p9.aes(x="x", y="group"),
            data=hidden,
            label="suppressed",
            size=5.5,
            ha="left",
            color=GREY,
            inherit_aes=False,
        )
    return plot
