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

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import plotnine as p9
from mizani.breaks import breaks_extended

from escalation.errors import DataValidationError, DesignError, Problem
from escalation.figures._checks import ValueKind, count_label, require_columns, require_values
from escalation.figures._compose import added
from escalation.figures._labels import (
    percent,
    point_breaks,
    points,
    text_width_pt,
    wrap_row_label,
    wrap_to_width,
)
from escalation.figures._legends import legend_beneath, panel_pt
from escalation.figures.theme import (
    ANNOTATION_PT,
    ARM_COLOURS,
    CENSOR_MARK,
    GREY,
    INK,
    LINE_KEY_PT,
    scale_colour_estimators,
    scale_colour_groups,
    scale_fill_estimators,
    scale_fill_groups,
    scale_linetype_estimators,
    scale_linetype_groups,
    scale_shape_groups,
    theme_escalation,
)
from escalation.timeline.labels import arm_label, yes_no_label

__all__ = [
    "CURVE_COLUMNS",
    "plot_adjusted_curves",
    "plot_difference_curve",
    "plot_rmst_curves",
    "plot_survival_curves",
    "step_frame",
    "time_breaks",
]

#: Columns every curve frame must have.
CURVE_COLUMNS: Final = ("time", "estimate", "conf_low", "conf_high", "group")
_AT_RISK_COLUMNS: Final = ("time", "group", "at_risk")
#: What the curves' and the risk table's values must be (figures._checks.require_values).
_CURVE_VALUES: Final[dict[str, ValueKind]] = {
    "time": "time", "estimate": "share", "conf_low": "share", "conf_high": "share"
}  # fmt: skip
_HAZARD_VALUES: Final[dict[str, ValueKind]] = {
    "time": "time", "estimate": "hazard", "conf_low": "hazard", "conf_high": "hazard"
}  # fmt: skip
_ADJUSTED_VALUES: Final[dict[str, ValueKind]] = {
    "time": "time", "estimate": "number", "conf_low": "number", "conf_high": "number"
}  # fmt: skip
_AT_RISK_VALUES: Final[dict[str, ValueKind]] = {
    "time": "time", "at_risk": "count_label", "events": "count_label",
    "censored": "count_label",
}  # fmt: skip
_CURVE_PANEL: Final = "curve"
_TABLE_PANEL: Final = "Number at risk"
#: The height each row of a legend after its first takes, in millimetres (a key, 11.5 pt
#: or 4.1 mm, and the space between rows).
_LEGEND_ROW_MM: Final = 5.0
#: The height of a row of the risk table, in millimetres (7.5 pt numbers, 3.2 mm tall,
#: and the space between rows).
_TABLE_ROW_MM: Final = 3.6
#: What a survival figure takes besides its panels and its title's lines, in millimetres:
#: a subtitle of one line, the x axis and a legend of one row (measured: 21 mm).
_AROUND_PANELS_MM: Final = 21.0
#: The height a line of the title takes (bold, 9.2 pt), and one more line of the
#: subtitle, in millimetres.
_TITLE_LINE_MM: Final = 4.5
_SUBTITLE_LINE_MM: Final = 3.3

#: What adjusted curves show; survival curves may also be a cumulative hazard.
RiskKind = Literal["survival", "cumulative_incidence"]
CurveKind = Literal["survival", "cumulative_incidence", "cumulative_hazard"]


#: How many markers each curve of a group that is not an arm carries.
_MARKERS_PER_CURVE: Final = 4


def _marked(order: Sequence[str]) -> bool:
    """Return whether the groups' curves carry markers: when any group is not an arm."""
    return any(group not in ARM_COLOURS for group in order)


def _marker_points(lines: pd.DataFrame) -> pd.DataFrame:
    """Return the points of each step curve at which its group's marker is drawn.

    Each curve carries :data:`_MARKERS_PER_CURVE` markers at evenly spaced times, the
    times of each group shifted by a share of the spacing, so that curves that run
    together do not hide each other's markers. The rows keep every column of the curve
    (the panel of a figure with a risk table).
    """
    last = float(lines["time"].max())
    column = lines["group"]
    groups = [
        str(g)
        for g in (
            column.cat.categories
            if isinstance(column.dtype, pd.CategoricalDtype)
            else column.unique()
        )
    ]
    step = last / _MARKERS_PER_CURVE
    parts = []
    for group, one in lines.groupby("group", sort=False, observed=True):
        one = one.sort_values("time", kind="stable")
        shift = (groups.index(str(group)) + 1) / (len(groups) + 1)
        times = step * (np.arange(_MARKERS_PER_CURVE) + shift)
        span = one["time"].to_numpy(float)
        times = times[(times >= span.min()) & (times <= span.max())]
        rows = np.searchsorted(span, times, side="right") - 1
        parts.append(one.iloc[rows].assign(time=times))
    return pd.concat(parts, ignore_index=True)


def _group_curves(order: Sequence[str], name: str, *, scales: bool = True) -> list[Any]:
    """Return each group's curve as a line in its colour over its shaded 95% band.

    Groups differ by line type as well, the arms too (early help solid, no early help
    dashed: :func:`~escalation.figures.theme.group_linetypes`), so that they are told apart
    in print in grey; groups that are not the arms carry marker shapes on their curves as
    well (:func:`~escalation.figures.theme.group_shapes`, :func:`_marker_points`).
    :func:`_group_legend` gives the legend keys long enough to show the line types. With
    ``scales=False`` the scales are left out (:func:`_group_legend` adds them, with its
    wrapped entries).
    """
    line = p9.aes(color="group", linetype="group")
    markers = (
        [p9.geom_point(p9.aes(color="group", shape="group"), data=_marker_points, size=1.6)]
        if _marked(order)
        else []
    )
    return [
        p9.geom_ribbon(
            p9.aes(ymin="conf_low", ymax="conf_high", fill="group"), alpha=0.18, size=0, na_rm=True
        ),
        p9.geom_line(line, size=0.6),
        *markers,
        *(_group_scales(order, name) if scales else []),
    ]


def _group_scales(
    order: Sequence[str], name: str, labels: Mapping[str, str] | None = None
) -> list[Any]:
    """Return the groups' colour, fill, line-type and (if marked) shape scales.

    ``labels`` gives entries their text in the legend (an entry too wide for the panel,
    wrapped into lines); by default the groups' names.
    """
    shown = {} if labels is None else {"labels": dict(labels)}
    shapes = [scale_shape_groups(order, name=name, **shown)] if _marked(order) else []
    return [
        scale_colour_groups(order, name=name, **shown),
        scale_fill_groups(order, name=name, **shown),
        scale_linetype_groups(order, name=name, **shown),
        *shapes,
    ]


def _group_legend(
    order: Sequence[str],
    name: str,
    width: Literal["single", "double"] | float,
    row_labels: Sequence[str],
    *,
    table: bool,
) -> tuple[list[Any], float]:
    """Return the legend of the groups, wrapped into as many rows as the panel needs.

    One group beside a risk table (``table``) has no legend: the table's row names it.

    Entries are read across (:func:`~escalation.figures._legends.legend_beneath`; the
    panel starts after the y axis's ``row_labels``); a legend as wide as the panel stays
    on one line, a wider one ("Sex: Female, Male, Unknown or not stated" in one column)
    takes more rows rather than running off the figure's edge, and an entry wider than
    the panel on its own is wrapped into lines. Returns the additions to the plot (the
    groups' scales with those entries, then the guides, after its complete theme, which
    would reset them) and the height its rows after the first add, in millimetres (the
    figure grows by that much, so that the panels and the risk table keep theirs).
    """
    if len(order) == 1 and table:
        # One curve: its name is the risk table's row already; a legend of one entry
        # would only repeat it.
        return [*_group_scales(order, name), p9.theme(legend_position="none")], 0.0
    # One guide each: plotnine merges them into one legend, but fills a shared guide with
    # the keys of the last aesthetic only (black line-type keys, no colours).
    legend = legend_beneath(
        order,
        width,
        aesthetics=("color", "fill", "linetype", *(["shape"] if _marked(order) else [])),
        key_pt=LINE_KEY_PT,
        title=name,
        row_labels=row_labels,
    )
    additions = [*_group_scales(order, name, legend.labels), *legend.additions, _legend_title(name)]
    return additions, (legend.rows - 1) * _LEGEND_ROW_MM


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


def _relabel(
    frame: pd.DataFrame, labels: Mapping[str, str] | None, *, arms: bool = True
) -> pd.DataFrame:
    """Name the groups: ``labels`` first, then codes 1/0 (or True/False).

    Codes 1/0 are the arms' names (:func:`~escalation.timeline.labels.arm_label`) when the
    groups are the arms (``arms``), else "Yes"/"No"
    (:func:`~escalation.timeline.labels.yes_no_label`).
    """
    mapping = {str(k): str(v) for k, v in (labels or {}).items()}
    coded = arm_label if arms else yes_no_label
    names = frame["group"].astype(str).map(lambda g: mapping.get(g, coded(g)))
    return frame.assign(group=names)


def _named_like_curves(
    frame: object,
    columns: Sequence[str],
    *,
    labels: Mapping[str, str] | None,
    curves: Sequence[str],
    table: str,
    values: Mapping[str, ValueKind],
    arms: bool = True,
) -> pd.DataFrame:
    """Return ``frame`` (numbers at risk, censoring times) with its groups named as the curves'.

    The groups are named as the curves' are (:func:`_relabel`: ``labels``, then 1/0 as the
    arms), so that the rows coded as the curves were, or already named, find their curve.

    Parameters
    ----------
    frame : pandas.DataFrame
        The rows to draw with the curves, with a ``group`` column.
    columns : sequence of str
        The columns ``frame`` must have.
    labels : mapping, optional
        The names given to the curves' groups.
    curves : sequence of str
        The curves' groups, named.
    table : str
        What ``frame`` is, for errors ("numbers at risk").
    values : mapping
        What its columns' values must be (:func:`~escalation.figures._checks.require_values`).
    arms : bool, default True
        Whether codes 1/0 name the arms, as for the curves (:func:`_relabel`).

    Returns
    -------
    pandas.DataFrame
        ``frame`` with ``group`` named.

    Raises
    ------
    DataValidationError
        Naming the table, the first row, the column ``group`` and the value (as the
        package's disclosure rule shows values) of each group that matches no curve, and
        the curves' groups (the legend's names), rather than leaving its rows out.
    """
    frame = require_values(require_columns(frame, columns, figure=table), values, figure=table)
    named = _relabel(frame, labels, arms=arms)
    groups = named["group"].to_numpy()
    first: dict[str, int] = {}
    for row in np.flatnonzero(~np.isin(groups, list(curves))):
        first.setdefault(str(groups[row]), int(row))
    if not first:
        return named
    shown = ", ".join(repr(str(g)) for g in curves)
    raise DataValidationError(
        [
            Problem(
                table,
                row,
                "group",
                frame["group"].iloc[row],
                f"the group matches no curve (the curves' groups: {shown}); code or name the "
                "groups as the curves' are, with the same labels=",
            )
            for row in first.values()
        ],
        context=f"{table} data",
    )


def time_breaks(last: float, *, target: int = 5) -> list[float]:
    """Return round day breaks from 0 that cover ``last`` (multiples of 30, 90, 180 or 365).

    Used for the time axis and, by callers, for the times of the numbers-at-risk table,
    so that ticks run as far as the curves do.

    Examples
    --------
    >>> time_breaks(730)
    [0.0, 180.0, 360.0, 540.0, 720.0, 900.0]
    >>> time_breaks(1560)
    [0.0, 365.0, 730.0, 1095.0, 1460.0, 1825.0]
    >>> time_breaks(100)
    [0.0, 30.0, 60.0, 90.0, 120.0]
    """
    last = max(float(last), 1.0)
    steps = (7.0, 14.0, 30.0, 60.0, 90.0, 180.0, 365.0, 730.0)
    step = next((s for s in steps if last / s <= target), steps[-1])
    count = int(np.ceil(last / step - 1e-9))
    return [step * i for i in range(count + 1)]


def _censor_marks(
    lines: pd.DataFrame, censored: pd.DataFrame, order: list[str], bins: int = 60
) -> pd.DataFrame:
    """Place censoring marks on the step curves, at most one per ``1/bins`` of the axis.

    ``censored`` is named as the curves are (:func:`_named_like_curves`); marks of groups
    left out by ``groups=`` are left out with their curves.
    """
    marks = censored[censored["group"].isin(order)]
    if marks.empty:
        return marks.assign(estimate=[])
    width = max(float(lines["time"].max()), 1.0) / bins
    marks = marks.assign(bin=(marks["time"].astype(float) // width).astype(int))
    marks = marks.drop_duplicates(["group", "bin"])
    rows = []
    for group, part in marks.groupby("group", sort=False):
        curve = lines[lines["group"].astype(str) == group].drop_duplicates("time", keep="last")
        t = curve["time"].to_numpy(float)
        y = curve["estimate"].to_numpy(float)
        at = part["time"].to_numpy(float)
        keep = at <= t.max()
        idx = np.searchsorted(t, at[keep], side="right") - 1
        rows.append(pd.DataFrame({"time": at[keep], "estimate": y[idx], "group": group}))
    out = pd.concat(rows, ignore_index=True)
    out["group"] = pd.Categorical(out["group"], categories=order)
    return out


def _hazard_labels(values: Sequence[float] | Sequence[str]) -> Sequence[str]:
    """Label a cumulative hazard's axis: plain numbers (a hazard is no share).

    Examples
    --------
    >>> _hazard_labels([0.0, 0.5, 1.5])
    ['0', '0.5', '1.5']
    """
    return [f"{float(v):g}" for v in values]


def _p_text(p_value: float) -> str:
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.3f}"


def plot_survival_curves(
    curves: pd.DataFrame,
    at_risk: pd.DataFrame | None = None,
    *,
    kind: CurveKind = "survival",
    cause: object | None = None,
    groups: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    outcome: str = "escalation",
    adjusted: bool = False,
    censored: pd.DataFrame | None = None,
    test: tuple[str, float] | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    xlab: str = "Days since the decision point",
    ylab: str | None = None,
    group_label: str = "",
    width: Literal["single", "double"] | float = "single",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot survival or cumulative-incidence curves with ribbons and a risk table.

    The figure says what it shows: the y axis names the outcome ("Cumulative incidence
    of escalation"), the subtitle says whether the curves are adjusted (default: the
    groups as observed, unadjusted) and, with ``test``, gives the test's p-value. The
    y axis of a cumulative incidence starts at 0; time ticks run as far as the curves.

    Parameters
    ----------
    curves : pandas.DataFrame
        ``time, estimate, conf_low, conf_high, group`` (+ ``cause``), e.g. a curve
        result's ``tidy()``. Groups coded 1/0 or True/False are the treatment arms,
        "Early help" and "No early help", unless ``labels`` names them or
        ``group_label`` names another variable: then they read "Yes" and "No" under it.
    at_risk : pandas.DataFrame, optional
        ``time, group, at_risk`` (+ ``events``, ``censored``: cumulative counts by that
        time): drawn as a titled table beneath the curves at those times. Counts should
        already have passed disclosure control; missing counts (suppressed) show as
        ``<10``. A time closer to the previous one than their numbers are wide (e.g. 0,
        180, 365 on an axis to 1,825 days in one column) is left out of the table rather
        than drawn over it; :func:`time_breaks` gives times that fit.
    kind : {"survival", "cumulative_incidence", "cumulative_hazard"}, default "survival"
        Sets the default y label and the value at time 0 (1 or 0), added to curves
        that start later; estimates are drawn as given. A cumulative hazard (Nelson–Aalen)
        is 0 or more, not a share: its axis is not in percent nor stopped at 1.
    cause : object, optional
        With a ``cause`` column holding several causes, the one to draw (default 1).
    groups : sequence of str, optional
        Order of the groups (after naming) in the legend and the table.
    labels : mapping, optional
        Names of the groups (``{"1": "Early help"}``).
    outcome : str, default "escalation"
        What the incidence is of, for the y label.
    adjusted : bool, default False
        Whether the curves are adjusted (standardised); unadjusted curves say so.
    censored : pandas.DataFrame, optional
        ``time, group``: times at which children were censored, drawn as ``+`` marks on
        the curves (at most one per 1/60 of the time axis).
    test : tuple of (str, float), optional
        A short name of a test of the curves and its p-value, e.g. ``("log-rank",
        0.003)`` (the log-rank test of the cause-specific hazard, or Gray's test).
    title, subtitle, xlab, ylab : str
        Labels; ``ylab`` defaults to "Free of <outcome>" or "Cumulative incidence of
        <outcome>". A title or subtitle too long for the figure is wrapped into lines.
    group_label : str, default ""
        The legend's title: the variable that makes the groups ("Previous child
        protection plan"). Without it the groups are taken for the treatment arms
        (codes 1/0 named as them) and the legend has no title.
    width : {"single", "double"} or float, default "single"
        Journal column or millimetres.
    height_mm : float, optional
        Figure height (default 75 mm, more with a table or a legend of several rows).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> curves = pd.DataFrame({
    ...     "time": [0, 100, 200, 0, 100, 200],
    ...     "estimate": [0, .1, .2, 0, .2, .3],
    ...     "conf_low": [0, .05, .14, 0, .14, .23],
    ...     "conf_high": [0, .15, .26, 0, .26, .37],
    ...     "group": [1] * 3 + [0] * 3})
    >>> risk = pd.DataFrame({"time": [0, 100, 200] * 2, "at_risk": [500, 420, 300] * 2,
    ...                      "events": [0, 50, 95] * 2, "censored": [0, 30, 105] * 2,
    ...                      "group": [1] * 3 + [0] * 3})
    >>> plot = plot_survival_curves(curves, risk, kind="cumulative_incidence",
    ...                             test=("log-rank", 0.012))
    >>> plot.labels.y, plot.labels.subtitle
    ('Cumulative incidence of escalation', 'Unadjusted; log-rank p = 0.012')
    >>> sorted(plot.data["group"].unique())
    ['Early help', 'No early help']
    """
    figure = "survival curves"
    curves = require_columns(curves, CURVE_COLUMNS, figure=figure)
    hazard = kind == "cumulative_hazard"
    curves = require_values(curves, _HAZARD_VALUES if hazard else _CURVE_VALUES, figure=figure)
    arms = not group_label  # a variable named in the legend's title is not the arms
    curves = _relabel(_select_cause(curves, cause, figure), labels, arms=arms)
    order = _ordered_groups(curves, groups)
    present = [str(g) for g in pd.unique(curves["group"])]
    cif = kind == "cumulative_incidence"
    curves = _with_origin(curves, 0.0 if cif or hazard else 1.0)
    lines = step_frame(curves)
    lines["group"] = pd.Categorical(lines["group"], categories=order)
    if ylab is None:
        ylab = (
            f"Cumulative hazard of {outcome}"
            if hazard
            else f"Cumulative incidence of {outcome}"
            if cif
            else f"Free of {outcome}"
        )
    if subtitle is None:
        subtitle = "Adjusted" if adjusted else "Unadjusted"
        if test is not None:
            subtitle += f"; {test[0]} {_p_text(float(test[1]))}"
    last = float(lines["time"].max())
    breaks = time_breaks(last)
    top = float(np.nanmax(lines[["estimate", "conf_high"]].to_numpy(float)))
    low = float(np.nanmin(lines[["estimate", "conf_low"]].to_numpy(float)))
    y_range = (
        (0.0, top * 1.06)
        if hazard
        else (0.0, min(1.0, top * 1.06))
        if cif
        else (max(0.0, low - 0.02), 1.0)
    )
    y_labels = _hazard_labels if hazard else percent
    plot = added(
        p9.ggplot(lines, p9.aes("time", "estimate")),
        [
            *_group_curves(order, group_label, scales=False),  # _group_legend adds them
            p9.labs(x=xlab, y=ylab, title=title, subtitle=subtitle),
        ],
    )
    if censored is not None:
        censored = _named_like_curves(
            censored,
            ("time", "group"),
            labels=labels,
            curves=present,
            table="censoring marks",
            values={"time": "time"},
            arms=arms,
        )
        marks = _censor_marks(lines, censored, order)
        if len(marks):
            marks["panel"] = pd.Categorical(
                [_CURVE_PANEL] * len(marks), categories=[_CURVE_PANEL, _TABLE_PANEL]
            )
            plot += p9.geom_point(
                p9.aes(color="group"), data=marks, shape=CENSOR_MARK, size=2.2, show_legend=False
            )
    if at_risk is None:
        legend, extra_mm = _group_legend(order, group_label, width, ["100%"], table=False)
        height = 75.0 + extra_mm if height_mm is None else height_mm
        return added(
            plot,
            [
                p9.scale_y_continuous(labels=y_labels, limits=y_range, expand=(0, 0)),
                p9.scale_x_continuous(breaks=breaks, limits=(0, breaks[-1]), expand=(0.02, 0)),
                theme_escalation(width=width, height_mm=height),
                *legend,
            ],
        )
    at_risk = _named_like_curves(
        at_risk,
        _AT_RISK_COLUMNS,
        labels=labels,
        curves=present,
        table="numbers at risk",
        values=_AT_RISK_VALUES,
        arms=arms,
    )
    table, titles, names, lowest = _risk_table(at_risk, order, outcome, width)
    row_labels = [*names.values(), "40%"]
    table = _thin_table(table, row_labels, width, span=1.16 * breaks[-1])
    levels = [_CURVE_PANEL, _TABLE_PANEL]
    lines["panel"] = pd.Categorical([_CURVE_PANEL] * len(lines), categories=levels)
    table["panel"] = pd.Categorical([_TABLE_PANEL] * len(table), categories=levels)
    plot.data = lines
    left = _table_left(table, row_labels, width, last=breaks[-1])
    titles = titles.assign(
        time=left, panel=pd.Categorical([_TABLE_PANEL] * len(titles), categories=levels)
    )
    frame = pd.DataFrame(
        {
            "time": [0.0, 0.0, 0.0, 0.0],
            "estimate": [y_range[0], y_range[1], lowest - 0.6, 0.5],
            "panel": pd.Categorical([_CURVE_PANEL] * 2 + [_TABLE_PANEL] * 2, categories=levels),
        }
    )
    n_rows = -lowest + 1.1
    legend, extra_mm = _group_legend(order, group_label, width, row_labels, table=True)
    height = 72.0 + 3.6 * n_rows + extra_mm if height_mm is None else height_mm
    table_mm = _TABLE_ROW_MM * n_rows
    curve_mm = height - table_mm - _around_panels_mm(title, subtitle) - extra_mm
    ratio = max(curve_mm, table_mm) / table_mm
    return added(
        plot,
        [
            p9.geom_text(
                p9.aes(label="label", color="group"),
                data=table[table["group"].notna()],
                size=ANNOTATION_PT,
                show_legend=False,
            ),
            p9.geom_text(
                p9.aes(x="time", y="estimate", label="label"),
                data=titles,
                size=ANNOTATION_PT,
                ha="left",
                va="center",
                fontweight="bold",
                inherit_aes=False,
            ),
            p9.geom_blank(p9.aes(x="time", y="estimate"), data=frame, inherit_aes=False),
            p9.facet_grid(rows="panel", scales="free_y", space={"x": [1.0], "y": [ratio, 1.0]}),
            p9.scale_x_continuous(breaks=breaks, limits=(left, breaks[-1] * 1.08), expand=(0, 0)),
            p9.scale_y_continuous(
                breaks=_breaks_for(list(names)), labels=_labels_for(names), expand=(0, 0)
            ),
            theme_escalation(width=width, height_mm=height),
            *legend,
            p9.theme(
                strip_text_y=p9.element_blank(),
                strip_background=p9.element_blank(),
                # A group's name wrapped into lines reads right-aligned, as one label.
                axis_text_y=p9.element_text(ma="right"),
            ),
        ],
    )


_STAT_TITLES: Final = {"at_risk": "At risk", "events": "Escalated", "censored": "Censored"}


def _risk_table(
    at_risk: pd.DataFrame,
    order: list[str],
    outcome: str,
    width: Literal["single", "double"] | float,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[float, str], float]:
    """Lay out the risk table: a titled block per statistic, one row per group.

    ``at_risk`` is named as the curves are (:func:`_named_like_curves`); the rows of groups
    left out by ``groups=`` are left out with their curves. A group's name too wide for
    the margin is wrapped into lines (:func:`~escalation.figures._labels.wrap_row_label`,
    by the legend's rule) and its row takes as many rows' height, its numbers beside the
    middle of its name. Returns the cells,
    the block titles, the y labels by position and the bottom of the lowest row.
    """
    table = at_risk[at_risk["group"].isin(order)].copy()
    stats = [c for c in ("at_risk", "events", "censored") if c in table.columns]
    shown = {g: wrap_row_label(g, width) for g in order}
    heights = [shown[g].count("\n") + 1.0 for g in order]
    # Each row's middle below its block's title, in rows.
    below = {g: 1.0 + sum(heights[:i]) + (heights[i] - 1.0) / 2 for i, g in enumerate(order)}
    block = 1.0 + sum(heights)
    cells, titles = [], []
    names: dict[float, str] = {}
    for b, stat in enumerate(stats):
        top = -b * block
        title = _STAT_TITLES[stat]
        if stat == "events":
            title = f"{outcome[:1].upper() + outcome[1:]} (cumulative)"
        elif stat == "censored":
            title = "Censored (cumulative)"
        titles.append({"estimate": top, "label": title})
        position = {g: top - below[g] for g in order}
        names.update({v: shown[g] for g, v in position.items()})
        cells.append(
            table.assign(
                estimate=table["group"].map(position),
                label=[count_label(v) for v in table[stat]],
            )
        )
    out = pd.concat(cells, ignore_index=True)
    out["group"] = pd.Categorical(out["group"], categories=order)
    lowest = -(len(stats) - 1) * block - (block - 1.0)
    return out, pd.DataFrame(titles), names, lowest


def _thin_table(
    table: pd.DataFrame,
    row_labels: Sequence[str],
    width: Literal["single", "double"] | float,
    *,
    span: float,
    gap_pt: float = 3.0,
) -> pd.DataFrame:
    """Drop the risk table's times whose numbers would run into the previous time's.

    The panel's width is the figure's less the y axis (its title, and its labels, the
    widest of ``row_labels`` at the axis-text size); ``span`` is the x axis' range in
    days. Going from the first time, a time is kept when the gap to the last kept time
    holds half of each time's widest number plus ``gap_pt``; the others are dropped (times
    given closer together than their numbers are wide, e.g. 0, 180, 365, 730 on an axis
    to 1,825 days in one column).

    Parameters
    ----------
    table : pandas.DataFrame
        The cells (``time``, ``label``) of :func:`_risk_table`.
    row_labels : sequence of str
        The y axis labels (group names, percentages).
    width : {"single", "double"} or float
        The figure width (journal column or millimetres).
    span : float
        The x axis range in days.
    gap_pt : float, default 3.0
        The clear space between neighbouring numbers, in points.

    Returns
    -------
    pandas.DataFrame
        ``table`` without the rows of the dropped times.
    """
    per_day = panel_pt(width, row_labels) / max(span, 1.0)
    widest = table.groupby("time")["label"].agg(
        lambda labels: max(text_width_pt(str(v), ANNOTATION_PT) for v in labels)
    )
    kept: list[tuple[float, float]] = []  # (time, widest number in points)
    for time, label_pt in zip(widest.index.to_numpy(float), widest.to_numpy(float), strict=True):
        if kept and (time - kept[-1][0]) * per_day < (kept[-1][1] + label_pt) / 2 + gap_pt:
            continue
        kept.append((float(time), float(label_pt)))
    return table[table["time"].isin([t for t, _ in kept])]


def _around_panels_mm(title: str | None, subtitle: str | None) -> float:
    """Return the height a survival figure takes besides its panels and legend, in mm.

    The panels share the rest: the risk table its rows' height (:data:`_TABLE_ROW_MM`
    each, so that its numbers keep clear of each other and of its block titles) and the
    curves what is left. ``title`` and ``subtitle`` are as drawn (wrapped into lines).
    """
    titled = title.count("\n") + 1 if title else 0
    subtitled = subtitle.count("\n") if subtitle else -1
    return _AROUND_PANELS_MM + _TITLE_LINE_MM * titled + _SUBTITLE_LINE_MM * subtitled


def _table_left(
    table: pd.DataFrame,
    row_labels: Sequence[str],
    width: Literal["single", "double"] | float,
    *,
    last: float,
    gap_pt: float = 2.0,
) -> float:
    """Return where the x axis starts (days before 0): room for the numbers at time 0.

    The numbers at time 0 are centred on it: the axis starts 8% of ``last`` before it,
    or, when the panel is narrow (long group names beside the table), half the widest of
    them and ``gap_pt`` before it, so that none is cut off at the panel's edge.
    """
    first = table.loc[table["time"].astype(float) == 0.0, "label"]
    widest = max((text_width_pt(str(v), ANNOTATION_PT) for v in first), default=0.0)
    per_day = panel_pt(width, row_labels) / (1.16 * max(last, 1.0))
    return -max(0.08 * last, (widest / 2 + gap_pt) / per_day)


def _legend_title(name: str) -> p9.theme:
    """Return a theme that hides the legend title when ``name`` is empty."""
    return p9.theme() if name else p9.theme(legend_title=p9.element_blank())


def _breaks_for(
    table_positions: list[float],
) -> Callable[[tuple[float, float]], Sequence[float]]:
    extended = breaks_extended(n=5)

    def breaks(limits: tuple[float, float]) -> Sequence[float]:
        if limits[0] < 0:
            return table_positions
        return [float(b) for b in extended(limits) if limits[0] - 1e-9 <= b <= limits[1] + 1e-9]

    return breaks


def _labels_for(
    names: dict[float, str],
) -> Callable[[Sequence[float] | Sequence[str]], Sequence[str]]:
    def labels(values: Sequence[float] | Sequence[str]) -> Sequence[str]:
        numbers = [float(v) for v in values]
        return [names.get(v, "") if v < 0 else f"{100 * v:.0f}%" for v in numbers]

    return labels


#: What the adjusted curves of each population (``population`` of the curves) compare.
_COUNTERFACTUALS: Final = {
    "all": ": had every child, or none, received early help",
    "treated": ": the children who received early help, had they received it or not",
    "overlap": ": the overlap population (children who might or might not have received "
    "early help), had all of them, or none, received it",
}


#: The subtitle of curves of the groups as observed (the ``crude`` population of the
#: ``unadjusted`` estimator): nothing is standardised, so nothing is "had every child".
_CRUDE: Final = "Unadjusted: the children as observed, by whether they received early help"


def _population(curves: pd.DataFrame) -> str:
    """Return the one population of the curves (``all`` without a column, or of several)."""
    populations = set(curves["population"]) if "population" in curves else {"all"}
    (population,) = populations if len(populations) == 1 else ("all",)
    return str(population)


def _adjusted_subtitle(curves: pd.DataFrame, estimator: str | None) -> str:
    """Return the subtitle saying whose curves these are and what they compare.

    Curves without a ``population`` column (or of several) are every child's, the
    average treatment effect's; ``crude`` curves (the unadjusted estimator's) compare
    the groups as observed.
    """
    population = _population(curves)
    if population == "crude":
        return _CRUDE
    named = f"Adjusted ({estimator})" if estimator else "Adjusted"
    return named + _COUNTERFACTUALS.get(population, _COUNTERFACTUALS["all"])


def plot_adjusted_curves(
    curves: pd.DataFrame,
    *,
    kind: RiskKind = "cumulative_incidence",
    horizons: Sequence[float] = (),
    cause: object | None = None,
    groups: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    outcome: str = "escalation",
    estimator: str | None = None,
    title: str | None = None,
    subtitle: str | None = None,
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
        ``time, estimate, conf_low, conf_high, group`` with one group per arm (1/0 or
        "treated"/"untreated" are named "Early help"/"No early help").
    kind : {"survival", "cumulative_incidence"}, default "cumulative_incidence"
        Sets the default y label.
    horizons : sequence of float
        Times marked with dotted vertical lines (e.g. the design's horizons).
    estimator : str, optional
        Named in the subtitle ("Adjusted (AIPW): had every child ..."; with a
        ``population`` column of ``treated``, "... the children who received early help,
        had they received it or not"). Curves of the ``crude`` population (the
        ``unadjusted`` estimator's) are subtitled as the groups as observed instead.
    cause, groups, labels, outcome, title, subtitle, xlab, ylab, group_label, width, height_mm
        As in :func:`plot_survival_curves`.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> curves = pd.DataFrame({"time": [0, 365, 730] * 2,
    ...     "estimate": [0, .1, .15, 0, .13, .2], "conf_low": [0, .08, .12, 0, .11, .17],
    ...     "conf_high": [0, .12, .18, 0, .15, .23],
    ...     "group": ["treated"] * 3 + ["untreated"] * 3})
    >>> plot = plot_adjusted_curves(curves, horizons=[365, 730], estimator="AIPW")
    >>> plot.labels.y
    'Risk of escalation'
    >>> print(plot.labels.subtitle)
    Adjusted (AIPW): had every child, or none, received
    early help
    """
    figure = "adjusted curves"
    curves = require_columns(curves, CURVE_COLUMNS, figure=figure)
    curves = require_values(curves, _ADJUSTED_VALUES, figure=figure)
    curves = _relabel(_select_cause(curves, cause, figure), labels)
    order = _ordered_groups(curves, groups)
    curves = _with_origin(curves, 1.0 if kind == "survival" else 0.0)
    lines = step_frame(curves)
    lines["group"] = pd.Categorical(lines["group"], categories=order)
    if ylab is None:
        ylab = f"Free of {outcome}" if kind == "survival" else f"Risk of {outcome}"
    if subtitle is None:
        subtitle = _adjusted_subtitle(curves, estimator)
    subtitle = wrap_to_width(subtitle, width)
    breaks = time_breaks(max(float(lines["time"].max()), *map(float, horizons or [0])))
    top = float(np.nanmax(lines[["estimate", "conf_high"]].to_numpy(float)))
    limits = (0.0, min(1.0, top * 1.06)) if kind != "survival" else None
    plot = added(
        p9.ggplot(lines, p9.aes("time", "estimate")),
        [
            *_group_curves(order, group_label),
            p9.scale_y_continuous(labels=percent, limits=limits, expand=(0, 0)),
            p9.scale_x_continuous(breaks=breaks, limits=(0, breaks[-1]), expand=(0.02, 0)),
            p9.labs(x=xlab, y=ylab, title=title, subtitle=subtitle),
            theme_escalation(width=width, height_mm=height_mm),
            _legend_title(group_label),
            p9.theme(legend_key_width=LINE_KEY_PT),
        ],
    )
    if len(horizons):
        plot += p9.geom_vline(
            xintercept=[float(h) for h in horizons], linetype="dotted", color=GREY, size=0.4
        )
    return plot


_DIFFERENCE_COLUMNS: Final = ("time", "estimate", "conf_low", "conf_high")


def plot_difference_curve(
    difference: pd.DataFrame,
    *,
    horizons: Sequence[float] = (),
    colour: str | None = None,
    title: str | None = None,
    subtitle: str | None = "Early help minus no early help, adjusted",
    xlab: str = "Days since the decision point",
    ylab: str = "Risk difference, % points",
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 65.0,
) -> p9.ggplot:
    """Plot an adjusted difference curve with its pointwise confidence band.

    The counterpart of ``adjustedCurves::plot_curve_diff``: the difference of the two
    adjusted curves at every time (treated minus untreated) with a 95% pointwise band
    and the null line. Below zero means fewer children escalated with early help.

    Parameters
    ----------
    difference : pandas.DataFrame
        ``time, estimate, conf_low, conf_high`` (+ the ``colour`` column), e.g.
        :func:`escalation.causal.difference_curve`.
    horizons : sequence of float
        Times marked with dotted lines.
    colour : str, optional
        Column separating several curves (e.g. ``estimator``).
    title, subtitle, xlab, ylab, width, height_mm
        Labels and size.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> diff = pd.DataFrame({"time": [0, 365, 730], "estimate": [0, -0.02, -0.03],
    ...                      "conf_low": [0, -0.035, -0.05], "conf_high": [0, -0.005, -0.01]})
    >>> plot = plot_difference_curve(diff, horizons=[365])
    >>> plot.labels.y
    'Risk difference, % points'
    """
    needed = _DIFFERENCE_COLUMNS + ((colour,) if colour else ())
    data = require_columns(difference, needed, figure="difference curve").copy()
    by = colour or "_curve"
    data[by] = data[colour].astype(str) if colour else "difference"
    lines = step_frame(data, by=by)
    levels = list(pd.unique(data[by]))  # in the legend in order of appearance
    lines[by] = pd.Categorical(lines[by], categories=levels)
    breaks = time_breaks(max(float(lines["time"].max()), *map(float, horizons or [0])))
    plot = p9.ggplot(lines, p9.aes("time", "estimate")) + p9.geom_hline(
        yintercept=0.0, linetype="dashed", color=GREY, size=0.4
    )
    legend = None
    if colour:
        # As many columns as fit beneath the panel (eight estimators in a fixed row ran off
        # the figure's edge).
        legend = legend_beneath(
            levels, width, aesthetics=("color", "fill", "linetype"), key_pt=LINE_KEY_PT
        )
        shown = {"name": "", "labels": legend.labels}
        # Estimators are not the arms: greys and line types, never blue and vermillion.
        plot = added(
            plot,
            [
                p9.geom_ribbon(
                    p9.aes(ymin="conf_low", ymax="conf_high", fill=by),
                    alpha=0.18,
                    size=0,
                    na_rm=True,
                ),
                p9.geom_line(p9.aes(color=by, linetype=by), size=0.6),
                scale_colour_estimators(levels, **shown),
                scale_fill_estimators(levels, **shown),
                scale_linetype_estimators(levels, **shown),
            ],
        )
    else:
        plot += p9.geom_ribbon(
            p9.aes(ymin="conf_low", ymax="conf_high"),
            fill=INK,
            alpha=0.18,
            size=0,
            na_rm=True,
        )
        plot += p9.geom_line(color=INK, size=0.6)
    if len(horizons):
        plot += p9.geom_vline(
            xintercept=[float(h) for h in horizons], linetype="dotted", color=GREY, size=0.4
        )
    return added(
        plot,
        [
            p9.scale_y_continuous(breaks=point_breaks, labels=points),
            p9.scale_x_continuous(breaks=breaks, limits=(0, breaks[-1]), expand=(0.02, 0)),
            p9.labs(x=xlab, y=ylab, title=title, subtitle=subtitle),
            theme_escalation(
                width=width,
                height_mm=height_mm + (legend.rows - 1) * _LEGEND_ROW_MM if legend else height_mm,
            ),
            # after the complete theme, which would reset them
            p9.theme(legend_title=p9.element_blank(), legend_key_width=LINE_KEY_PT),
            *(legend.additions if legend else []),
        ],
    )


_RMST_COLUMNS: Final = ("time", "group", "estimate", "conf_low", "conf_high")


def plot_rmst_curves(
    rmst: pd.DataFrame,
    *,
    horizons: Sequence[float] = (),
    labels: Mapping[str, str] | None = None,
    outcome: str = "escalation",
    title: str | None = None,
    subtitle: str | None = "Adjusted restricted mean, by the length of follow-up counted",
    xlab: str = "Follow-up counted, days (τ)",
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 65.0,
) -> p9.ggplot:
    """Plot adjusted restricted mean time free of the outcome against the restriction time.

    The counterpart of ``adjustedCurves::plot_rmst_curve``: for each restriction time τ,
    the mean number of days (of the first τ) a child spends free of escalation under
    each arm, with 95% bands. With a ``difference`` group, it is drawn in its own panel.

    Parameters
    ----------
    rmst : pandas.DataFrame
        ``time`` (τ), ``group``, ``estimate, conf_low, conf_high`` in days, e.g.
        :func:`escalation.causal.rmst_curves`; a group named ``"difference"`` is
        drawn in a second panel.
    horizons : sequence of float
        τ marked with dotted lines.
    labels, outcome, title, subtitle, xlab, width, height_mm
        As in :func:`plot_adjusted_curves`.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> rmst = pd.DataFrame({"time": [0, 365, 730] * 2, "group": [1] * 3 + [0] * 3,
    ...     "estimate": [0, 350, 680, 0, 345, 665], "conf_low": [0, 345, 670, 0, 340, 655],
    ...     "conf_high": [0, 355, 690, 0, 350, 675]})
    >>> plot_rmst_curves(rmst).labels.y
    'Mean days free of escalation'
    """
    data = require_columns(rmst, _RMST_COLUMNS, figure="restricted mean curves")
    data = _relabel(data, labels)
    is_diff = data["group"].str.lower() == "difference"
    arms = data[~is_diff].copy()
    # Early help first, as in the legends of the other curves.
    order = sorted(pd.unique(arms["group"]), key=lambda g: g != arm_label(1))
    arms["group"] = pd.Categorical(arms["group"], categories=order)
    breaks = time_breaks(max(float(data["time"].max()), *map(float, horizons or [0])))
    plot = added(
        p9.ggplot(arms, p9.aes("time", "estimate")),
        [
            *_group_curves(order, ""),
            p9.scale_x_continuous(breaks=breaks, limits=(0, breaks[-1]), expand=(0.02, 0)),
            p9.labs(x=xlab, y=f"Mean days free of {outcome}", title=title, subtitle=subtitle),
            theme_escalation(width=width, height_mm=height_mm),
            p9.theme(legend_title=p9.element_blank(), legend_key_width=LINE_KEY_PT),
        ],
    )
    if is_diff.any():
        diff = data[is_diff].assign(group="Difference (days)")
        arms["panel"] = "Mean days"
        diff["panel"] = "Difference (days)"
        panels = ["Mean days", "Difference (days)"]
        arms["panel"] = pd.Categorical(arms["panel"], categories=panels)
        diff["panel"] = pd.Categorical(diff["panel"], categories=panels)
        plot.data = arms
        plot += p9.geom_ribbon(
            p9.aes(ymin="conf_low", ymax="conf_high"),
            data=diff,
            fill=GREY,
            alpha=0.25,
            size=0,
            na_rm=True,
        )
        plot += p9.geom_line(data=diff, color="#333333", size=0.6)
        plot += p9.geom_hline(
            p9.aes(yintercept="y"),
            data=pd.DataFrame(
                {"y": [0.0], "panel": pd.Categorical(["Difference (days)"], categories=panels)}
            ),
            linetype="dashed",
            color=GREY,
            size=0.4,
        )
        plot += p9.facet_wrap("panel", nrow=1, scales="free_y")
        plot += p9.labs(y="Days")
    if len(horizons):
        plot += p9.geom_vline(
            xintercept=[float(h) for h in horizons], linetype="dotted", color=GREY, size=0.4
        )
    return plot
