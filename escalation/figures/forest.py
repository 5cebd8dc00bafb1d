"""Forest plots: risk differences and hazard ratios with confidence intervals."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import plotnine as p9

from escalation.figures._checks import ValueKind, require_columns, require_values
from escalation.figures._compose import added
from escalation.figures._labels import point_breaks, points, wrap_row_label
from escalation.figures._legends import Legend, legend_beneath
from escalation.figures._rows import row_pitch_mm
from escalation.figures.theme import (
    GREY,
    INK,
    SHAPES,
    scale_colour_estimators,
    theme_escalation,
)

__all__ = ["plot_forest", "plot_hazard_ratios", "plot_risk_differences", "shape_scale"]

_EFFECT_COLUMNS: Final = ("estimate", "conf_low", "conf_high")


def interval(y: str, **params: Any) -> Any:
    """Return a horizontal interval from ``conf_low`` to ``conf_high`` at ``y``, no caps."""
    # Estimates without an interval (no standard error) keep their point, no segment.
    return p9.geom_segment(p9.aes(x="conf_low", xend="conf_high", yend=y), na_rm=True, **params)


def dodged_layers(
    data: pd.DataFrame, colour: str, spread: float = 0.5, *, y: str = "term"
) -> list[Any]:
    """Return interval and point layers, one pair per level of ``colour``, nudged apart.

    ``position_dodge`` works along x only; horizontal intervals on a discrete y axis
    are separated by nudging each level's layers by a fixed offset instead. The first
    level is drawn on top. Points take their shape from ``colour`` too (add
    :func:`shape_scale`), so that levels differ by more than colour.
    """
    levels = list(pd.unique(data[colour]))
    step = spread / max(len(levels), 1)
    layers: list[Any] = []
    for i, level in enumerate(levels):
        offset = (len(levels) - 1) / 2 * step - i * step
        subset = data[data[colour] == level]
        nudge = p9.position_nudge(y=offset)
        layers.append(
            p9.geom_segment(
                p9.aes(x="conf_low", xend="conf_high", yend=y, color=colour),
                data=subset,
                size=0.6,
                position=nudge,
                na_rm=True,
            )
        )
        layers.append(
            p9.geom_point(
                p9.aes(color=colour, shape=colour),
                data=subset,
                size=1.8,
                position=nudge,
            )
        )
    return layers


def shape_scale(levels: list[str], name: str = "", **kwargs: Any) -> Any:
    """Return the shape scale of :func:`dodged_layers`: one of :data:`SHAPES` per level.

    ``kwargs`` go to the scale (``labels=``: the legend's entries wrapped into lines).
    """
    return p9.scale_shape_manual(
        values=[SHAPES[i % len(SHAPES)] for i in range(len(levels))],
        limits=levels,
        name=name,
        **kwargs,
    )


def _label_column(effects: pd.DataFrame, label: str | None) -> str:
    if label is not None:
        return label
    for candidate in ("term", "estimand", "label"):
        if candidate in effects.columns:
            return candidate
    return "term"


#: The height of a forest plot's row (one level of ``colour``), in millimetres.
_ROW_MM: Final = 5.0
#: The height of a line of a legend after its first, in millimetres.
_LEGEND_ROW_MM: Final = 5.0


def _forest_height(order: list[str], levels: int, legend: Legend | None) -> float:
    """Return a forest plot's height in mm: rows as tall as their tallest name, the legend.

    Rows are evenly spaced, so every row is as tall as the tallest name needs (a name
    wrapped into three lines overlapped its neighbours' at 5 mm a row).
    """
    lines = max((name.count("\n") + 1 for name in order), default=1)
    pitch = row_pitch_mm(lines, _ROW_MM * max(levels, 1))
    extra = (legend.rows - 1) * _LEGEND_ROW_MM if legend is not None else 0.0
    return 14.0 + pitch * len(order) + extra


def plot_forest(
    effects: pd.DataFrame,
    *,
    label: str | None = None,
    colour: str | None = None,
    scale: Literal["difference", "ratio"] = "difference",
    percent: bool = False,
    xlab: str = "Estimate (95% CI)",
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot estimates with confidence intervals, one row per term, with the null line.

    Parameters
    ----------
    effects : pandas.DataFrame
        A tidy frame: ``term`` (or ``estimand``), ``estimate, conf_low, conf_high``.
    label : str, optional
        Column naming each row (default ``term``, else ``estimand``).
    colour : str, optional
        Column whose levels are dodged (e.g. ``method`` or ``horizon``), each with its
        marker shape and shade of grey (:func:`~escalation.figures.theme.estimator_inks`;
        never the colours of the arms, which mean early help and no early help).
    scale : {"difference", "ratio"}, default "difference"
        Null value 0 on a linear axis, or 1 on a log axis.
    percent : bool, default False
        Show a difference scale in percentage points (estimates are proportions).
    xlab, title : str
        Labels.
    width, height_mm
        Journal column or millimetres; height defaults to 12 mm + 6 mm per row.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> effects = pd.DataFrame({"term": ["age", "prior_referrals"],
    ...     "estimate": [0.98, 1.21], "conf_low": [0.95, 1.1], "conf_high": [1.01, 1.33]})
    >>> plot = plot_forest(effects, scale="ratio")
    >>> list(plot.data["term"].cat.categories)
    ['prior_referrals', 'age']
    """
    label = _label_column(effects, label)
    legend: Legend | None = None
    needed = (label, *_EFFECT_COLUMNS) + ((colour,) if colour else ())
    effects = require_columns(effects, needed, figure="forest plot")
    kind: ValueKind = "ratio" if scale == "ratio" else "number"
    effects = require_values(effects, dict.fromkeys(_EFFECT_COLUMNS, kind), figure="forest plot")
    data = effects.copy()
    # Long row labels ("Sex: Unknown or not stated vs Female") wrap rather than squeeze
    # the panel until the axis title runs off the figure.
    data[label] = [wrap_row_label(str(v), width) for v in data[label]]
    order = list(pd.unique(data[label]))
    data[label] = pd.Categorical(data[label], categories=order[::-1])
    null = 1.0 if scale == "ratio" else 0.0
    aes = p9.aes(x="estimate", y=label, xmin="conf_low", xmax="conf_high")
    plot = p9.ggplot(data, aes) + p9.geom_vline(xintercept=null, linetype="dashed", color=GREY)
    if colour:
        # The legend lists the levels in the order they are drawn, top to bottom.
        levels = list(pd.unique(data[colour].astype(str)))
        data[colour] = pd.Categorical(data[colour].astype(str), categories=levels)
        plot.data = data
        for layer in dodged_layers(data, colour, y=label):
            plot += layer
        name = colour.replace("_", " ").capitalize()
        # As many columns as fit beneath the panel (rows' names beside it), read across.
        legend = legend_beneath(
            levels,
            width,
            aesthetics=("color", "shape"),
            title=name,
            row_labels=order,
            y_title_lines=0,
        )
        # Shades of grey and shapes: blue and vermillion are the arms in every figure.
        plot += scale_colour_estimators(levels, name=name, labels=legend.labels)
        plot += shape_scale(levels, name=name, labels=legend.labels)
    else:
        plot += interval(label, size=0.6, color=INK)
        plot += p9.geom_point(size=1.6, color=INK)
    if scale == "ratio":
        plot += p9.scale_x_log10()
    elif percent:
        plot += p9.scale_x_continuous(breaks=point_breaks, labels=points)
    height = _forest_height(order, data[colour].nunique() if colour else 1, legend)
    return added(
        plot,
        [
            p9.labs(x=xlab, y="", title=title),
            theme_escalation(
                width=width,
                height_mm=float(np.clip(height, 35.0, 230.0)) if height_mm is None else height_mm,
            ),
            *(legend.additions if legend is not None else []),
            p9.theme(
                panel_grid_major_y=p9.element_blank(),
                # right-aligned under the panel: long row labels push the panel right, and a
                # centred title ran off the figure's right edge
                axis_title_x=p9.element_text(ha="right"),
                # A row's name wrapped into lines reads right-aligned, as one label.
                axis_text_y=p9.element_text(ma="right"),
            ),
        ],
    )


def plot_risk_differences(
    effects: pd.DataFrame,
    *,
    label: str | None = None,
    colour: str | None = None,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot risk differences (treated minus untreated) in percentage points.

    Parameters
    ----------
    effects : pandas.DataFrame
        ``estimand`` (or ``term``), ``estimate, conf_low, conf_high`` as proportions.
    label, colour, title, width, height_mm
        As in :func:`plot_forest`.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> effects = pd.DataFrame({"estimand": ["risk difference at 365 days"],
    ...     "estimate": [-0.03], "conf_low": [-0.05], "conf_high": [-0.01]})
    >>> plot_risk_differences(effects).labels.x
    'Risk difference, % points (95% CI)'
    """
    return plot_forest(
        effects,
        label=label,
        colour=colour,
        scale="difference",
        percent=True,
        xlab="Risk difference, % points (95% CI)",
        title=title,
        width=width,
        height_mm=height_mm,
    )


def plot_hazard_ratios(
    effects: pd.DataFrame,
    *,
    label: str | None = None,
    colour: str | None = None,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot hazard ratios on a log axis (from ``tidy(exponentiate=True)``).

    Parameters
    ----------
    effects : pandas.DataFrame
        ``term, estimate, conf_low, conf_high`` on the ratio scale.
    label, colour, title, width, height_mm
        As in :func:`plot_forest`.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> effects = pd.DataFrame({"term": ["treatment"], "estimate": [0.8],
    ...     "conf_low": [0.7], "conf_high": [0.92]})
    >>> plot_hazard_ratios(effects).labels.x
    'Hazard ratio (95% CI, log scale)'
    """
    return plot_forest(
        effects,
        label=label,
        colour=colour,
        scale="ratio",
        xlab="Hazard ratio (95% CI, log scale)",
        title=title,
        width=width,
        height_mm=height_mm,
    )
