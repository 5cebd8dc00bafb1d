"""Rules side by side: escalations prevented against families flagged, with intervals."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotnine as p9

from escalation.figures._checks import require_columns
from escalation.figures._compose import added
from escalation.figures._legends import Legend, legend_beneath
from escalation.figures.theme import (
    ANNOTATION_PT,
    GREY,
    SHAPES,
    estimator_inks,
    theme_escalation,
)

__all__ = ["plot_policy_values"]

_COLUMNS: Final = ("label", "flagged_per_1000", "prevented_per_1000", "conf_low", "conf_high")


def plot_policy_values(
    values: pd.DataFrame,
    *,
    xlab: str = "Children offered early help per 1,000 referrals",
    ylab: str | None = None,
    title: str | None = None,
    capacity_per_1000: float | None = None,
    horizon: float | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot each rule's escalations prevented against the children it offers early help.

    One point per rule (colour and shape name it in the legend) with its 95% interval of
    escalations prevented (vertical) and, where given, of children flagged
    (horizontal); the dashed line is no escalation prevented, the dotted line the
    early-help capacity (labelled on the plot). Rules that flag almost the same number
    of children (the targeting rules all fill the capacity) are spread a little sideways
    so that none hides another; the table behind the figure has the exact numbers.

    Parameters
    ----------
    values : pandas.DataFrame
        One row per rule: ``label, flagged_per_1000, prevented_per_1000, conf_low,
        conf_high`` and optionally ``flagged_low, flagged_high`` (e.g.
        ``PolicyStudy.figure_data()``).
    xlab, ylab, title : str
        Labels (``ylab`` defaults to escalations prevented per 1,000, within ``horizon``
        days when it is given).
    capacity_per_1000 : float, optional
        Early-help places per 1,000 referrals, drawn as a dotted vertical line labelled
        "Capacity".
    horizon : float, optional
        Days within which escalations are counted, named on the y axis.
    width, height_mm
        Journal column or millimetres, and height (default: room for the legend, which
        lists one rule a line: beneath the plot at one column, beside it at two).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"label": ["Current practice", "Everyone", "Highest risk"],
    ...     "flagged_per_1000": [365.0, 1000.0, 300.0],
    ...     "prevented_per_1000": [9.0, 19.0, 10.0], "conf_low": [4.0, 12.0, 3.0],
    ...     "conf_high": [14.0, 26.0, 17.0]})
    >>> plot = plot_policy_values(frame, capacity_per_1000=300, horizon=365)
    >>> plot.data["label"].cat.categories.tolist()
    ['Current practice', 'Everyone', 'Highest risk']
    >>> print(plot.labels.y)
    Escalations prevented per 1,000
    within 365 days
    """
    if ylab is None:
        ylab = "Escalations prevented per 1,000"
        if horizon is not None:
            ylab += f"\nwithin {float(horizon):g} days"
    values = require_columns(values, _COLUMNS, figure="policy values")
    data = _mark_withheld(values)
    order = list(pd.unique(data["label"].astype(str)))
    data["label"] = pd.Categorical(data["label"].astype(str), categories=order)
    # A rule whose offers or value are withheld (disclosure) keeps its legend entry, saying
    # so, and has no point: plotnine would drop it with only a warning.
    drawn = np.isfinite(data[["flagged_per_1000", "prevented_per_1000"]].to_numpy(float))
    data = data[drawn.all(axis=1)].copy()
    offset = _spread(data["flagged_per_1000"].to_numpy(dtype=float))
    data["shown_at"] = data["flagged_per_1000"] + offset
    for column in ("flagged_low", "flagged_high"):
        if column in data:
            data[column] = data[column] + offset
    # Rules are not the arms: "Everyone" gets early help but was drawn in the vermillion
    # of no early help. Black and greys, told apart by marker shape.
    colours = estimator_inks(order)
    legend = _rule_legend(order, width, y_title_lines=ylab.count("\n") + 1)
    plot = p9.ggplot(data, p9.aes("shown_at", "prevented_per_1000", color="label")) + p9.geom_hline(
        yintercept=0.0, linetype="dashed", color=GREY, size=0.4
    )
    if capacity_per_1000 is not None:
        plot += p9.geom_vline(
            xintercept=float(capacity_per_1000), linetype="dotted", color=GREY, size=0.4
        )
        top = float(np.nanmax(data[["conf_high", "prevented_per_1000"]].to_numpy(float)))
        plot += p9.annotate(
            "text",
            x=float(capacity_per_1000) + 12,
            y=top,
            label=f"Capacity: {float(capacity_per_1000):,.0f}",
            ha="left",
            va="top",
            size=ANNOTATION_PT,
            color=GREY,
        )
    if {"flagged_low", "flagged_high"} <= set(data.columns):
        plot += p9.geom_errorbarh(
            p9.aes(xmin="flagged_low", xmax="flagged_high"), height=0, size=0.5
        )
    plot += p9.geom_errorbar(p9.aes(ymin="conf_low", ymax="conf_high"), width=0, size=0.6)
    plot += p9.geom_point(p9.aes(shape="label"), size=2.2, fill="white")
    return added(
        plot,
        [
            p9.scale_color_manual(values=colours, name="Rule", labels=legend.labels, drop=False),
            p9.scale_shape_manual(
                values=[SHAPES[i % len(SHAPES)] for i in range(len(order))],
                name="Rule",
                labels=legend.labels,
                drop=False,
            ),
            p9.scale_x_continuous(
                limits=(-30, 1030),
                breaks=[0, 250, 500, 750, 1000],
                labels=["0", "250", "500", "750", "1,000"],
            ),
            p9.labs(x=xlab, y=ylab, title=title),
            theme_escalation(
                width=width,
                height_mm=height_mm
                if height_mm is not None
                else (75.0 if width == "double" else 70.0 + 4.5 * legend.rows),
            ),
            p9.theme(legend_position="right" if width == "double" else "bottom"),
            *legend.additions,
        ],
    )


#: Said beside a rule in the legend when its point cannot be drawn.
WITHHELD_LABEL: Final = " (not plotted: too few children to show)"


def _mark_withheld(values: pd.DataFrame) -> pd.DataFrame:
    """Return ``values`` with the label of every rule that cannot be plotted saying so.

    A rule's offers (``flagged_per_1000``) or value (``prevented_per_1000``) withheld for
    disclosure (missing) leaves it no point: its legend entry says
    :data:`WITHHELD_LABEL` rather than the rule silently missing from the panel.

    Examples
    --------
    >>> frame = pd.DataFrame({"label": ["Tree", "Everyone"],
    ...                       "flagged_per_1000": [np.nan, 1000.0],
    ...                       "prevented_per_1000": [4.0, 19.0]})
    >>> _mark_withheld(frame)["label"].tolist()
    ['Tree (not plotted: too few children to show)', 'Everyone']
    """
    out = values.copy()
    numbers = out[["flagged_per_1000", "prevented_per_1000"]].to_numpy(dtype=float)
    hidden = ~np.isfinite(numbers).all(axis=1)
    out["label"] = (
        out["label"].astype(str).where(~hidden, out["label"].astype(str) + WITHHELD_LABEL)
    )
    return out


def _rule_legend(
    order: list[str], width: Literal["single", "double"] | float, *, y_title_lines: int
) -> Legend:
    """Return the rules' legend (colour and shape, one guide each).

    One rule a line beside the panel at two columns; beneath it at one, in as many
    columns as fit (:func:`~escalation.figures._legends.legend_beneath`).
    """
    if width == "double":
        guides = p9.guides(color=p9.guide_legend(ncol=1), shape=p9.guide_legend(ncol=1))
        return Legend([guides], rows=len(order), labels={})
    return legend_beneath(
        order, width, aesthetics=("color", "shape"), title="Rule", y_title_lines=y_title_lines
    )


def _spread(
    x: npt.NDArray[np.float64], close: float = 30.0, step: float = 18.0
) -> npt.NDArray[np.float64]:
    """Sideways offsets that separate points closer than ``close`` on the x axis."""
    offset = np.zeros(len(x))
    order = np.argsort(x, kind="stable")
    start = 0
    while start < len(order):
        end = start + 1
        while end < len(order) and x[order[end]] - x[order[start]] < close:
            end += 1
        size = end - start
        if size > 1:
            offset[order[start:end]] = (np.arange(size) - (size - 1) / 2) * step
        start = end
    return offset
