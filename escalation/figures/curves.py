"""Survival, cumulative-incidence and adjusted curves with confidence ribbons.

Curves arrive as the tidy frame every curve result returns (``time, estimate,
conf_low, conf_high, group`` and, for competing risks, ``cause``); numbers at risk as
``time, group, at_risk``. The numbers-at-risk table is drawn *inside the same ggplot*
as a second facet row a third of the height of the curve panel, so the function still
returns one :class:`plotnine.ggplot` whose x axis is shared with the table.
"""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final, Literal

import numpy as np
import pandas as pd
import plotnine as p9
from mizani.breaks import breaks_extended

from escalation.errors import DesignError
from escalation.figures._checks import count_label, require_columns
from escalation.figures._labels import percent
from escalation.figures.theme import (
    GREY,
    scale_colour_escalation,
    scale_fill_escalation,
    theme_escalation,
)

__all__ = ["CURVE_COLUMNS", "plot_adjusted_curves", "plot_survival_curves", "step_frame"]

#: Columns every curve frame must have.
CURVE_COLUMNS: Final = ("time", "estimate", "conf_low", "conf_high", "group")
_AT_RISK_COLUMNS: Final = ("time", "group", "at_risk")
_CURVE_PANEL: Final = "curve"
_TABLE_PANEL: Final = "Number at risk"

CurveKind = Literal["survival", "cumulative_incidence"]


def step_frame(curves: pd.DataFrame, by: str = "group") -> pd.DataFrame:
    """Return the curves as a staircase so that lines and ribbons step like the estimate.

    A right-continuous step function ``(t_i, y_i)`` is drawn by inserting the point
    ``(t_{i+1}, y_i)`` before each ``(t_{i+1}, y_{i+1})``; ribbons drawn on this frame
    step with the estimate instead of interpolating between event times.

    Parameters
    ----------
    curves : pandas.DataFrame
        ``time, estimate, conf_low, conf_high`` and the ``by`` column.
    by : str, default "group"
        Column that identifies one curve.

    Returns
    -------
    pandas.DataFrame
        Same columns, twice the rows less one per curve, sorted by ``by`` then time.

    Examples
    --------
    >>> frame = pd.DataFrame({"time": [0.0, 2.0], "estimate": [1.0, 0.5],
    ...                       "conf_low": [1.0, 0.3], "conf_high": [1.0, 0.7],
    ...                       "group": ["a", "a"]})
    >>> step_frame(frame)[["time", "estimate"]].to_numpy().tolist()
    [[0.0, 1.0], [2.0, 1.0], [2.0, 0.5]]
    """
    parts = []
    ordered = curves.sort_values([by, "time"], kind="stable")
    for _, one in ordered.groupby(by, sort=False, observed=True):
        twice = np.repeat(np.arange(len(one)), 2)
        values = one.iloc[twice[:-1]].reset_index(drop=True)
        values["time"] = one["time"].to_numpy()[twice[1:]]
        parts.append(values)
    return pd.concat(parts, ignore_index=True)


def _with_origin(curves: pd.DataFrame, start: float) -> pd.DataFrame:
    """Prepend ``time = 0`` (estimate ``start``, no uncertainty) to curves that lack it."""
    rows = []
    for group, one in curves.groupby("group", sort=False, observed=True):
        if float(one["time"].min()) > 0:
            first = one.iloc[[0]].copy()
            first[["time", "estimate", "conf_low", "conf_high"]] = [0.0, start, start, start]
            first["group"] = group
            rows.append(first)
    return pd.concat([*rows, curves], ignore_index=True) if rows else curves


def _select_cause(curves: pd.DataFrame, cause: object | None, figure: str) -> pd.DataFrame:
    if "cause" not in curves.columns:
        return curves
    causes = pd.unique(curves["cause"])
    if cause is None:
        if len(causes) == 1:
            return curves
        cause = 1 if 1 in set(causes) else causes[0]
    chosen = curves[curves["cause"] == cause]
    if chosen.empty:
        raise DesignError(
            f"{figure}: cause {cause!r} is not in the curves (causes present: "
            f"{', '.join(map(str, causes))}); pass one of them as cause="
        )
    return chosen


def _ordered_groups(curves: pd.DataFrame, groups: Sequence[str] | None) -> list[str]:
    present = [str(g) for g in pd.unique(curves["group"])]
    if groups is None:
        return present
    unknown = sorted(set(map(str, groups)) - set(present))
    if unknown:
        raise DesignError(
            f"groups {', '.join(unknown)} are not in the curves (present: {', '.join(present)})"
        )
    return [str(g) for g in groups]


def plot_survival_curves(
    curves: pd.DataFrame,
    at_risk: pd.DataFrame | None = None,
    *,
    kind: CurveKind = "survival",
    cause: object | None = None,
    groups: Sequence[str] | None = None,
    title: str | None = None,
    xlab: str = "Days since the decision point",
    ylab: str | None = None,
    group_label: str = "",
    width: Literal["single", "double"] | float = "single",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot survival or cumulative-incidence curves with ribbons and numbers at risk.

    Parameters
    ----------
    curves : pandas.DataFrame
        ``time, estimate, conf_low, conf_high, group`` (+ ``cause``), e.g. a curve
        result's ``tidy()``.
    at_risk : pandas.DataFrame, optional
        ``time, group, at_risk``: drawn as a table beneath the curves at those times.
        Counts should already have passed disclosure control; missing counts
        (suppressed) show as ``<10``.
    kind : {"survival", "cumulative_incidence"}, default "survival"
        Sets the default y label and the value at time 0 (1 or 0), added to curves
        that start later; estimates are drawn as given.
    cause : object, optional
        With a ``cause`` column holding several causes, the one to draw (default 1).
    groups : sequence of str, optional
        Order of the groups in the legend and the table.
    title, xlab, ylab, group_label : str
        Labels; ``ylab`` defaults to "Escalation-free" or "Cumulative incidence".
    width : {"single", "double"} or float, default "single"
        Journal column or millimetres.
    height_mm : float, optional
        Figure height (default 70 mm, 85 mm with a table).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> curves = pd.DataFrame({
    ...     "time": [0, 100, 200, 0, 100, 200],
    ...     "estimate": [1, .9, .8, 1, .8, .7],
    ...     "conf_low": [1, .85, .74, 1, .74, .63],
    ...     "conf_high": [1, .95, .86, 1, .86, .77],
    ...     "group": ["Early help"] * 3 + ["No early help"] * 3})
    >>> risk = pd.DataFrame({"time": [0, 100, 200] * 2, "at_risk": [500, 420, 300] * 2,
    ...                      "group": ["Early help"] * 3 + ["No early help"] * 3})
    >>> plot = plot_survival_curves(curves, risk)
    >>> plot.layers[2].geom.data["label"].tolist()[:3]
    ['500', '420', '300']
    """
    figure = "survival curves"
    curves = require_columns(curves, CURVE_COLUMNS, figure=figure)
    curves = _select_cause(curves, cause, figure)
    order = _ordered_groups(curves, groups)
    curves = _with_origin(
        curves.assign(group=curves["group"].astype(str)), 1.0 if kind == "survival" else 0.0
    )
    lines = step_frame(curves)
    lines["group"] = pd.Categorical(lines["group"], categories=order)
    lines["panel"] = _CURVE_PANEL
    if ylab is None:
        ylab = "Escalation-free" if kind == "survival" else "Cumulative incidence"
    plot = (
        p9.ggplot(lines, p9.aes("time", "estimate"))
        + p9.geom_ribbon(
            p9.aes(ymin="conf_low", ymax="conf_high", fill="group"), alpha=0.18, size=0
        )
        + p9.geom_line(p9.aes(color="group"), size=0.6)
        + scale_colour_escalation(name=group_label, limits=order)
        + scale_fill_escalation(name=group_label, limits=order)
        + p9.labs(x=xlab, y=ylab, title=title)
    )
    height = 70.0 if height_mm is None else height_mm
    if at_risk is None:
        return (
            plot
            + p9.scale_y_continuous(labels=percent, limits=_unit_limits(lines))
            + theme_escalation(width=width, height_mm=height)
            + _legend_title(group_label)
        )
    at_risk = require_columns(at_risk, _AT_RISK_COLUMNS, figure="numbers at risk")
    table = at_risk.assign(group=at_risk["group"].astype(str))
    table = table[table["group"].isin(order)].copy()
    position = {g: -(i + 1.0) for i, g in enumerate(order)}
    table["estimate"] = table["group"].map(position)
    table["label"] = [count_label(v) for v in table["at_risk"]]
    table["group"] = pd.Categorical(table["group"], categories=order)
    table["panel"] = _TABLE_PANEL
    names = {v: g for g, v in position.items()}
    levels = [_CURVE_PANEL, _TABLE_PANEL]
    lines["panel"] = pd.Categorical(lines["panel"], categories=levels)
    table["panel"] = pd.Categorical(table["panel"], categories=levels)
    plot.data = lines
    height = 85.0 if height_mm is None else height_mm
    ratio = max(3.0, 7.0 / max(len(order), 1))
    return (
        plot
        + p9.geom_text(
            p9.aes(label="label", color="group"), data=table, size=6.5, show_legend=False
        )
        + p9.geom_blank(
            p9.aes(y="estimate"),
            data=pd.DataFrame(
                {
                    "time": [table["time"].min()] * 2,
                    "estimate": [-0.5, -len(order) - 0.5],
                    "panel": pd.Categorical([_TABLE_PANEL] * 2, categories=levels),
                }
            ),
            inherit_aes=False,
        )
        + p9.facet_grid(rows="panel", scales="free_y", space={"x": [1.0], "y": [ratio, 1.0]})
        + p9.scale_y_continuous(
            breaks=_breaks_for(list(names)), labels=_labels_for(names), expand=(0, 0.02)
        )
        + p9.scale_x_continuous(breaks=sorted(pd.unique(table["time"])), expand=(0.1, 0))
        + theme_escalation(width=width, height_mm=height)
        + _legend_title(group_label)
        + p9.theme(strip_text_y=p9.element_blank(), strip_background=p9.element_blank())
    )


def _legend_title(name: str) -> p9.theme:
    """Return a theme that hides the legend title when ``name`` is empty."""
    return p9.theme() if name else p9.theme(legend_title=p9.element_blank())


def _unit_limits(lines: pd.DataFrame) -> tuple[float, float]:
    low = float(np.nanmin(lines[["estimate", "conf_low"]].to_numpy()))
    high = float(np.nanmax(lines[["estimate", "conf_high"]].to_numpy()))
    return (max(0.0, min(low, 1.0)) if low >= 0 else low, min(1.0, high) if high <= 1 else high)


def _breaks_for(
    table_positions: list[float],
) -> Callable[[tuple[float, float]], Sequence[float]]:
    extended = breaks_extended(n=5)

    def breaks(limits: tuple[float, float]) -> Sequence[float]:
        if limits[1] < 0:
            return table_positions
        return [float(b) for b in extended(limits) if b >= 0]

    return breaks


def _labels_for(
    names: dict[float, str],
) -> Callable[[Sequence[float] | Sequence[str]], Sequence[str]]:
    def labels(values: Sequence[float] | Sequence[str]) -> Sequence[str]:
        numbers = [float(v) for v in values]
        return [names.get(v, "") if v < 0 else f"{100 * v:.0f}%" for v in numbers]

    return labels


def plot_adjusted_curves(
    curves: pd.DataFrame,
    *,
    kind: CurveKind = "cumulative_incidence",
    horizons: Sequence[float] = (),
    cause: object | None = None,
    groups: Sequence[str] | None = None,
    title: str | None = None,
    xlab: str = "Days since the decision point",
    ylab: str | None = None,
    group_label: str = "",
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 70.0,
) -> p9.ggplot:
    """Plot adjusted (standardised) curves under treatment and under no treatment.

    The curves are counterfactual: the risk had every child received (or not received)
    early help, from an IPW, g-formula or AIPW estimator. No numbers-at-risk table is
    drawn because the curves describe a standardised population, not a risk set.

    Parameters
    ----------
    curves : pandas.DataFrame
        ``time, estimate, conf_low, conf_high, group`` with one group per arm.
    kind : {"survival", "cumulative_incidence"}, default "cumulative_incidence"
        Sets the default y label.
    horizons : sequence of float
        Times marked with dotted vertical lines (e.g. the design's horizons).
    cause, groups, title, xlab, ylab, group_label, width, height_mm
        As in :func:`plot_survival_curves`.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> curves = pd.DataFrame({"time": [0, 365, 730] * 2,
    ...     "estimate": [0, .1, .15, 0, .13, .2], "conf_low": [0, .08, .12, 0, .11, .17],
    ...     "conf_high": [0, .12, .18, 0, .15, .23],
    ...     "group": ["Early help"] * 3 + ["No early help"] * 3})
    >>> plot = plot_adjusted_curves(curves, horizons=[365, 730])
    >>> plot.labels.y
    'Risk of escalation'
    """
    figure = "adjusted curves"
    curves = require_columns(curves, CURVE_COLUMNS, figure=figure)
    curves = _select_cause(curves, cause, figure)
    order = _ordered_groups(curves, groups)
    curves = _with_origin(
        curves.assign(group=curves["group"].astype(str)), 1.0 if kind == "survival" else 0.0
    )
    lines = step_frame(curves)
    lines["group"] = pd.Categorical(lines["group"], categories=order)
    if ylab is None:
        ylab = "Escalation-free" if kind == "survival" else "Risk of escalation"
    plot = (
        p9.ggplot(lines, p9.aes("time", "estimate"))
        + p9.geom_ribbon(
            p9.aes(ymin="conf_low", ymax="conf_high", fill="group"), alpha=0.18, size=0
        )
        + p9.geom_line(p9.aes(color="group"), size=0.6)
        + scale_colour_escalation(name=group_label, limits=order)
        + scale_fill_escalation(name=group_label, limits=order)
        + p9.scale_y_continuous(labels=percent)
        + p9.labs(x=xlab, y=ylab, title=title)
        + theme_escalation(width=width, height_mm=height_mm)
        + _legend_title(group_label)
    )
    if len(horizons):
        plot += p9.geom_vline(
            xintercept=[float(h) for h in horizons], linetype="dotted", color=GREY, size=0.4
        )
    return plot
