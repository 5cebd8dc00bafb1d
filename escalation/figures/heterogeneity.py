"""Heterogeneous effects: the distribution of individual effects and subgroup effects."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotnine as p9

from escalation.disclosure import DEFAULT_RULES, DisclosureRules, disclose_count
from escalation.figures._checks import require_columns
from escalation.figures._compose import added
from escalation.figures._labels import point_breaks, points
from escalation.figures._rows import grouped_rows, row_lines, row_pitch_mm, row_scale
from escalation.figures.forest import interval
from escalation.figures.theme import ANNOTATION_PT, ESTIMATOR_INKS, GREY, INK, theme_escalation

__all__ = ["plot_effect_distribution", "plot_subgroup_effects"]

_SUBGROUP: Final = ("subgroup", "level", "estimate", "conf_low", "conf_high")
#: Colours of the subgroups' estimates and of the overall effect's line and label: neither
#: is an arm's (blue and vermillion are early help and no early help in every figure).
_ESTIMATE: Final = "#333333"
_OVERALL: Final = "#000000"


def plot_effect_distribution(
    effects: pd.DataFrame,
    *,
    column: str = "effect",
    bins: int = 40,
    percent: bool = True,
    xlab: str = "Change in risk with early help (% points)",
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 60.0,
    rules: DisclosureRules = DEFAULT_RULES,
) -> p9.ggplot:
    """Plot the distribution of estimated individual (conditional) effects.

    The solid line marks the mean effect, the dashed line no effect. Individual
    effects from causal forests or meta-learners are noisy: read the spread as
    model-based, not as each child's true effect. Bar heights are under disclosure
    control (``rules``; by default rounded to 5, and bars of fewer than 10 children
    are not drawn).

    Parameters
    ----------
    effects : pandas.DataFrame
        One row per child with the ``column`` of estimated effects (risk differences).
    column : str, default "effect"
        Column of effects.
    bins : int, default 40
        Histogram bins.
    percent : bool, default True
        Show effects in percentage points.
    xlab, title, width, height_mm
        Labels and size.
    rules : DisclosureRules, optional
        The rules the bar heights are disclosed under (a run passes the design's).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"effect": [-0.05, -0.03, -0.02, 0.0, 0.01]})
    >>> plot = plot_effect_distribution(frame)
    >>> round(float(plot.layers[1].geom.data["xintercept"].iloc[0]), 3)
    -0.018
    >>> int(plot.data["children"].max())  # five children: no bar is shown
    0
    """
    effects = require_columns(effects, (column,), figure="effect distribution")
    values = effects[column].to_numpy(float)
    values = values[np.isfinite(values)]
    mean = float(np.mean(values))
    # Disclosure control: bars are counts of children, so each is rounded and bars of
    # fewer than the threshold of children are not drawn.
    counts, edges = np.histogram(values, bins=bins, range=_histogram_range(values))
    shown = [disclose_count(int(c), rules) for c in counts]
    data = pd.DataFrame(
        {
            "effect": (edges[:-1] + edges[1:]) / 2,
            "children": [0 if c is None else c for c in shown],
        }
    )
    plot = added(
        p9.ggplot(data, p9.aes("effect", "children")),
        [
            # Grey, not sky blue: a near shade of the blue of early help.
            p9.geom_col(
                width=float(edges[1] - edges[0]), fill=ESTIMATOR_INKS[2], color="white", size=0.2
            ),
            p9.geom_vline(xintercept=mean, color=INK, size=0.7),
            p9.geom_vline(xintercept=0.0, linetype="dashed", color=GREY, size=0.4),
            p9.labs(x=xlab, y="Children", title=title),
            theme_escalation(width=width, height_mm=height_mm),
        ],
    )
    if percent:
        plot += p9.scale_x_continuous(breaks=point_breaks, labels=points)
    return plot


#: The height of a subgroup row, in millimetres (taller for a name of several lines:
#: :func:`~escalation.figures._rows.row_pitch_mm`).
_ROW_MM: Final = 4.6


def plot_subgroup_effects(
    subgroups: pd.DataFrame,
    *,
    percent: bool = True,
    overall: float | None = None,
    overall_label: str | None = None,
    horizon: float | None = None,
    xlab: str | None = None,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot effects within subgroups (a forest plot with one block per subgroup).

    Parameters
    ----------
    subgroups : pandas.DataFrame
        ``subgroup, level, estimate, conf_low, conf_high``.
    percent : bool, default True
        Estimates are proportions shown in percentage points.
    overall : float, optional
        The overall effect, drawn as a solid reference line.
    overall_label : str, optional
        What that line is (e.g. ``"All children (AIPW)"``), written beside it in the top
        row (a subgroup's header row, which has no interval).
    horizon : float, optional
        Days by which the risk is counted, named on the x axis.
    xlab, title, width, height_mm
        Labels and size (height defaults to 18 mm + 5 mm per level; ``xlab`` to the risk
        difference in % points, by ``horizon`` days when it is given).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"subgroup": ["sex", "sex"], "level": ["F", "M"],
    ...     "estimate": [-0.03, -0.01], "conf_low": [-0.05, -0.03],
    ...     "conf_high": [-0.01, 0.01]})
    >>> plot = plot_subgroup_effects(frame)
    >>> [plot.scales.get_scales("y").labels(k) for k in [["h000", "r0000"]]]
    [['sex', '    F']]
    """
    subgroups = require_columns(subgroups, _SUBGROUP, figure="subgroup effects")
    if xlab is None:
        xlab = "Risk difference, % points (95% CI)"
        if horizon is not None:
            xlab += f"\nby {float(horizon):g} days"
    data = subgroups.copy()
    data["subgroup"] = data["subgroup"].astype(str)
    data["level"] = data["level"].astype(str)
    # Subgroup names are header rows of the y axis (strips beside short panels clip).
    keys, order, names = grouped_rows(
        data["subgroup"].tolist(), data["level"].tolist(), width=width
    )
    data["row"] = keys
    # Rows are evenly spaced: each as tall as the tallest name needs.
    pitch = row_pitch_mm(row_lines(names), _ROW_MM)
    height = 20.0 + pitch * len(order) if height_mm is None else height_mm
    # A level without an estimate (too few children in an arm) keeps its row, with words.
    estimated = np.isfinite(data["estimate"].to_numpy(dtype=float))
    missing = data[~estimated]
    data = data[estimated]  # by position: an index label may repeat (pd.concat)
    plot = added(
        p9.ggplot(data, p9.aes("estimate", "row")),
        [
            p9.geom_vline(xintercept=0.0, linetype="dashed", color=GREY, size=0.4),
            interval("row", color=_ESTIMATE, size=0.6),
            p9.geom_point(color=_ESTIMATE, size=1.5),
            p9.labs(x=xlab, y="", title=title),
            theme_escalation(width=width, height_mm=float(np.clip(height, 40.0, 230.0))),
            *row_scale(order, names),
            p9.theme(
                panel_grid_major_y=p9.element_blank(),
                # right-aligned under the panel, as the forest plots': long row names push
                # the panel right, and a centred title ran off the figure's right edge
                axis_title_x=p9.element_text(ha="right"),
            ),
        ],
    )
    if len(missing):
        # at the panel's left edge, where the intervals and lines leave room
        values = np.r_[data["conf_low"], data["estimate"], 0.0, overall or 0.0]
        left = float(np.min(values[np.isfinite(values)]))
        plot += p9.geom_text(
            p9.aes("estimate", "row"),
            data=missing.assign(estimate=left),
            label="not estimated (too few children)",
            size=ANNOTATION_PT,
            ha="left",
            color=GREY,
        )
    if overall is not None:
        plot += p9.geom_vline(xintercept=float(overall), color=_OVERALL, size=0.5)
        if overall_label:
            plot += _line_label(data, float(overall), overall_label, order[0])
    if percent:
        plot += p9.scale_x_continuous(breaks=point_breaks, labels=points)
    return plot


def _line_label(data: pd.DataFrame, overall: float, text: str, row: str) -> p9.geom_text:
    """Return the overall line's label in ``row``, on the side of the line with more room.

    The panel spans the intervals, zero and the line; the label goes right of the line
    unless there is more room to its left.
    """
    values = np.r_[data["conf_low"], data["conf_high"], data["estimate"], 0.0, overall]
    values = values[np.isfinite(values)]
    right = overall - values.min() <= values.max() - overall
    return p9.geom_text(
        p9.aes("estimate", "row"),
        data=pd.DataFrame({"estimate": [overall], "row": [row]}),
        label=f" {text}" if right else f"{text} ",
        color=_OVERALL,
        size=ANNOTATION_PT,
        ha="left" if right else "right",
        va="center",
        inherit_aes=False,
    )


def _histogram_range(values: npt.NDArray[np.float64]) -> tuple[float, float] | None:
    """Return the histogram's range: the data's, widened when it spans a few ulps only.

    A model that gives every child (nearly) the same effect, as in a small authority, left
    values differing by rounding, and ``numpy.histogram`` cannot cut such a range into
    finite bins ("Too many bins for data range"): the range is then widened to 1e-6 (of
    the values' size, at least 1) around its centre, so every child falls in one bar.

    Examples
    --------
    >>> [round(end, 9) for end in _histogram_range(np.array([0.1, np.nextafter(0.1, 1.0)]))]
    [0.0999995, 0.1000005]
    >>> _histogram_range(np.array([-0.05, 0.01])) is None
    True
    """
    if not values.size:
        return None
    low, high = float(values.min()), float(values.max())
    floor = 1e-6 * max(1.0, abs(low), abs(high))
    if high - low >= floor:
        return None
    centre = low + (high - low) / 2
    return centre - floor / 2, centre + floor / 2
