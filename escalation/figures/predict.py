"""Risk-tool validation: calibration, decision curves and error rates by group."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import plotnine as p9
from mizani.breaks import breaks_extended

from escalation.figures._checks import ValueKind, require_columns, require_values
from escalation.figures._compose import added
from escalation.figures._labels import (
    percent,
    text_width_pt,
    wrap_row_label,
    wrap_to_width,
    wrap_words,
)
from escalation.figures._legends import legend_beneath, panel_pt
from escalation.figures._rows import row_pitch_mm
from escalation.figures.forest import dodged_layers, shape_scale
from escalation.figures.theme import (
    ANNOTATION_PT,
    GREY,
    LINE_KEY_PT,
    colour_map,
    linetype_map,
    theme_escalation,
    width_mm,
)

__all__ = ["plot_calibration", "plot_decision_curve", "plot_fairness"]

_CALIBRATION: Final = ("model", "predicted", "observed", "conf_low", "conf_high")
_DECISION: Final = ("model", "threshold", "net_benefit")
#: Risks (predicted, observed and their limits) are shares; bins hold counts.
_CALIBRATION_VALUES: Final[dict[str, ValueKind]] = {
    **dict.fromkeys(
        ("predicted", "observed", "conf_low", "conf_high", "predicted_low", "predicted_high"),
        "share",
    ),
    "count": "count",
}
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


#: The reference strategies' line types; thin, grey and named on the panel besides.
_BASELINE: Final = (0, (1, 0))  # treat none: a fine solid line along zero
_LONG_DASH: Final = (0, (5, 2))  # treat all

_HISTOGRAM: Final = ("model", "predicted_low", "predicted_high", "count")
_CAL_PANEL: Final = "Calibration"


def plot_calibration(
    calibration: pd.DataFrame,
    histogram: pd.DataFrame | None = None,
    *,
    colours: Mapping[str, str] | None = None,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot observed against predicted risk by model, with a histogram of predicted risks.

    The line of perfect calibration is dashed. With ``histogram``, strips beneath share
    the predicted-risk axis and show how many children received each predicted risk (as
    ``rms::val.prob`` and ``riskRegression::plotCalibration`` do), so that stretches of
    the curve resting on few children are visible: one strip per model, in the legend's
    order, each named and in the model's colour, on one count scale. Every bar given is
    drawn: the predicted-risk axis runs on past the curve to the last bar.

    Parameters
    ----------
    calibration : pandas.DataFrame
        ``model, predicted, observed, conf_low, conf_high``: one row per risk group
        (drawn as points with intervals) or a smoothed curve (more than 15 points per
        model: drawn as a line with a band).
    histogram : pandas.DataFrame, optional
        ``model, predicted_low, predicted_high, count``: children per bin of predicted
        risk, after disclosure control (suppressed bins, missing, are not drawn), e.g.
        :func:`escalation.predict.risk_histogram`.
    colours : mapping, optional
        Colour of each model (default :func:`~escalation.figures.theme.colour_map`).
    title, width, height_mm
        Labels and size (default 80 mm; with the histogram 100 mm, and 14 mm more for
        each model after the first).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"model": ["Cox"] * 3, "predicted": [0.1, 0.2, 0.4],
    ...     "observed": [0.12, 0.18, 0.35], "conf_low": [0.09, 0.15, 0.3],
    ...     "conf_high": [0.15, 0.21, 0.4]})
    >>> bins = pd.DataFrame({"model": "Cox", "predicted_low": [0.0, 0.2],
    ...                      "predicted_high": [0.2, 0.4], "count": [350, 120]})
    >>> plot = plot_calibration(frame, bins)
    >>> plot.labels.x, list(plot.facet.space["y"])[1] < list(plot.facet.space["y"])[0]
    ('Predicted risk', True)
    """
    calibration = require_columns(calibration, _CALIBRATION, figure="calibration")
    calibration = require_values(calibration, _CALIBRATION_VALUES, figure="calibration")
    data = calibration.assign(model=calibration["model"].astype(str))
    models = list(pd.unique(data["model"]))
    palette_ = dict(colours) if colours else colour_map(models)
    lines = linetype_map(models, reserved=list(colours or ()))
    top = float(np.nanmax(data[["predicted", "conf_high", "observed"]].to_numpy()))
    top = min(1.0, max(top * 1.05, 0.05))
    smooth = bool(data.groupby("model").size().max() > 15)
    # In sorted order, as plotnine lists the models.
    legend = legend_beneath(
        sorted(models), width, aesthetics=("color", "linetype"), key_pt=LINE_KEY_PT
    )
    bars = None if histogram is None else _histogram_bars(histogram, models)
    # The axis runs on to the last bar: every child counted in the histogram is drawn.
    right = top if bars is None or not len(bars) else max(top, float(bars["predicted_high"].max()))
    # Strips in the legend's order (plotnine sorts the models' names).
    strips = [] if bars is None else sorted(m for m in models if m in set(bars["model"]))
    panels = [_CAL_PANEL, *strips]
    data["panel"] = pd.Categorical([_CAL_PANEL] * len(data), categories=panels)
    diagonal = pd.DataFrame({"x": [0.0], "y": [0.0], "xend": [top], "yend": [top]}).assign(
        panel=pd.Categorical([_CAL_PANEL], categories=panels)
    )
    aes = p9.aes("predicted", "observed", color="model", linetype="model")
    plot = p9.ggplot(data, aes) + p9.geom_segment(
        p9.aes(x="x", y="y", xend="xend", yend="yend"),
        data=diagonal,
        linetype="dashed",
        color=GREY,
        size=0.4,
        inherit_aes=False,
    )
    if smooth:
        plot += p9.geom_ribbon(
            p9.aes(ymin="conf_low", ymax="conf_high", fill="model"),
            alpha=0.18,
            size=0,
            show_legend=False,
        )
        plot += p9.geom_line(size=0.7)
        plot += p9.scale_fill_manual(values=palette_, guide=None)
    else:
        plot += p9.geom_linerange(p9.aes(ymin="conf_low", ymax="conf_high"), size=0.5)
        plot += p9.geom_line(size=0.5)
        plot += p9.geom_point(size=1.5)
    blank = pd.DataFrame({"predicted": [0.0, top], "observed": [0.0, top]}).assign(
        panel=pd.Categorical([_CAL_PANEL] * 2, categories=panels)
    )
    plot += p9.geom_blank(p9.aes("predicted", "observed"), data=blank, inherit_aes=False)
    plot = added(
        plot,
        [
            p9.scale_color_manual(values=palette_, name="", labels=legend.labels),
            p9.scale_linetype_manual(values=lines, name="", labels=legend.labels),
            p9.scale_x_continuous(labels=percent, limits=(0.0, right), expand=(0.01, 0)),
            p9.labs(x="Predicted risk", y="Observed risk", title=title),
            p9.theme(legend_title=p9.element_blank()),
        ],
    )
    if len(models) == 1:
        plot += p9.theme(legend_position="none")
    if bars is None:
        return added(
            plot,
            [
                p9.scale_y_continuous(labels=percent, expand=(0.01, 0)),
                theme_escalation(width=width, height_mm=80.0 if height_mm is None else height_mm),
                p9.theme(legend_title=p9.element_blank()),
                *legend.additions,
                (p9.theme(legend_position="none") if len(models) == 1 else p9.theme()),
            ],
        )
    # One strip of bars per model, in its colour, on one count scale: bars of several
    # models over one another could be told apart by colour only and hid each other.
    bars = bars.assign(
        count=lambda f: f["count"].astype(float),
        panel=lambda f: pd.Categorical(f["model"], categories=panels),
    )
    most = float(bars["count"].max()) if len(bars) else 1.0
    # Each strip's name sits in headroom above its tallest bar (it sat on the bars).
    room = _STRIP_HEADROOM * most
    plot += p9.geom_rect(
        p9.aes(
            xmin="predicted_low",
            xmax="predicted_high",
            ymin=0,
            ymax="count",
            fill="model",
            color="model",
        ),
        data=bars,
        alpha=0.45,
        size=0.25,
        inherit_aes=False,
        show_legend=False,
    )
    if not smooth:
        plot += p9.scale_fill_manual(values=palette_, guide=None)
    # Right-aligned in the strip: a long model name is wrapped, or it runs past the left edge.
    names = [
        wrap_to_width(f"Children per bin: {m}", width, size_pt=ANNOTATION_PT)
        if len(strips) > 1
        else "Children per bin"
        for m in strips
    ]
    # A strip whose name takes more lines is taller, so that its name stays above the bars.
    name_lines = max(name.count("\n") + 1 for name in names)
    strip_space = (1.0 if len(strips) == 1 else 0.55) * (1.0 + 0.7 * (name_lines - 1))
    default_height = 100.0 + 14.0 * max(len(strips) - 1, 0) + 8.0 * (name_lines - 1) * len(strips)
    return added(
        plot,
        [
            p9.facet_grid(
                rows="panel",
                scales="free_y",
                space={"x": [1.0], "y": [3.0] + [strip_space] * len(strips)},
            ),
            p9.geom_blank(
                p9.aes(x="x", y="y"),
                data=pd.DataFrame(
                    {"x": right, "y": room, "panel": pd.Categorical(strips, categories=panels)}
                ),
                inherit_aes=False,
            ),
            p9.scale_y_continuous(labels=_cal_labels, breaks=_cal_breaks, expand=(0.01, 0)),
            p9.geom_text(
                p9.aes(x="x", y="y", label="label"),
                data=pd.DataFrame(
                    {
                        "x": right,
                        "y": room,
                        "label": names,
                        "panel": pd.Categorical(strips, categories=panels),
                    }
                ),
                ha="right",
                va="top",
                size=ANNOTATION_PT,
                color=GREY,
                inherit_aes=False,
            ),
            theme_escalation(
                width=width, height_mm=default_height if height_mm is None else height_mm
            ),
            p9.theme(strip_text_y=p9.element_blank(), legend_title=p9.element_blank()),
            *legend.additions,
            (p9.theme(legend_position="none") if len(models) == 1 else p9.theme()),
        ],
    )


#: The height of a calibration figure's histogram strip over its tallest bar: the top
#: part holds the strip's name.
_STRIP_HEADROOM: Final = 1.75


def _histogram_bars(histogram: pd.DataFrame, models: Sequence[str]) -> pd.DataFrame:
    """Return the disclosed bins of the models drawn (suppressed bins, missing, left out)."""
    bars = require_columns(histogram, _HISTOGRAM, figure="predicted-risk histogram").copy()
    bars["model"] = bars["model"].astype(str)
    drawn = bars["model"].isin(models) & bars["count"].notna()
    return bars[drawn]


def _cal_breaks(limits: tuple[float, float]) -> Sequence[float]:
    """Risk breaks on the calibration panel; 0 and one round count on a histogram strip."""
    if limits[1] > 1.0:
        # the round count at most the tallest bar: the headroom above holds the strip's name
        bars = (limits[0], limits[1] / _STRIP_HEADROOM)
        inside = [b for b in breaks_extended(n=3)(bars) if bars[0] <= b <= bars[1]]
        return [inside[0], inside[-1]]
    return list(breaks_extended(n=5)(limits))


def _cal_labels(values: Sequence[float] | Sequence[str]) -> Sequence[str]:
    """Percent on the calibration panel (values <= 1); counts on the histogram."""
    numbers = [float(v) for v in values]
    if numbers and max(numbers) > 1.0:
        return [f"{v:,.0f}" for v in numbers]
    return [f"{100 * v:.0f}%" for v in numbers]


def plot_decision_curve(
    decision: pd.DataFrame,
    *,
    floor: float | None = None,
    colours: Mapping[str, str] | None = None,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 70.0,
) -> p9.ggplot:
    """Plot net benefit against the threshold probability (Vickers & Elkin, 2006).

    Include the reference strategies as models in the frame (e.g. "Treat all",
    "Treat none"); they are drawn thin and grey, in line types of their own, and named
    beside their lines rather than in the legend, each name 1.2 mm clear of every line
    at the figure's size (treat all's right of where it leaves the panel). Each model
    has its colour and its line type (:func:`~escalation.figures.theme.linetype_map`),
    the same as in the ROC, precision-recall and calibration figures.
    doi:10.1177/0272989X06295361.

    Parameters
    ----------
    decision : pandas.DataFrame
        ``model, threshold, net_benefit``.
    floor : float, optional
        Lower y limit (default: a little below zero, so "treat all" does not dominate).
    colours : mapping, optional
        Colour of each model (default :func:`~escalation.figures.theme.colour_map`).
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
    decision = require_values(
        decision, {"threshold": "share", "net_benefit": "number"}, figure="decision curve"
    )
    data = decision.assign(model=decision["model"].astype(str))
    names = data["model"].str.lower().str.replace("_", " ", regex=False)
    reference = names.isin(["treat all", "treat none", "all", "none"])
    # Not inlined in pd.unique: there mypy checks the .loc overloads again for each of its own.
    modelled = data.loc[~reference, "model"]
    models = list(pd.unique(modelled))
    # In sorted order, as the legends of the ROC and calibration figures list them.
    lines = data[~reference].assign(
        model=lambda f: pd.Categorical(f["model"], categories=sorted(models))
    )
    top = float(np.nanmax(data["net_benefit"]))
    low = -0.25 * max(top, 1e-3) if floor is None else floor
    chosen = dict(colours) if colours else colour_map(models)
    legend = legend_beneath(
        sorted(models), width, aesthetics=("color", "linetype"), key_pt=LINE_KEY_PT
    )
    plot = p9.ggplot(lines, p9.aes("threshold", "net_benefit", color="model", linetype="model"))
    panel = _Panel(
        width=width_mm(width),
        height=height_mm,
        legend_rows=legend.rows,
        x_range=(float(data["threshold"].min()), float(data["threshold"].max())),
        y_range=(low, top * 1.05),
    )
    references = _reference_layers(data[reference], lines, low=low, panel=panel)
    for layer in references:  # beneath the models
        plot += layer
    return added(
        plot,
        [
            p9.geom_line(size=0.6),
            p9.scale_color_manual(
                values={m: chosen[m] for m in models}, name="", labels=legend.labels
            ),
            p9.scale_linetype_manual(
                values=linetype_map(models, reserved=list(colours or ())),
                name="",
                labels=legend.labels,
            ),
            p9.scale_x_continuous(labels=percent),
            p9.coord_cartesian(ylim=(low, top * 1.05)),
            p9.labs(x="Threshold probability", y="Net benefit", title=title),
            theme_escalation(width=width, height_mm=height_mm),
            p9.theme(legend_title=p9.element_blank()),
            *legend.additions,
        ],
    )


def _reference_layers(
    refs: pd.DataFrame, models: pd.DataFrame, *, low: float, panel: _Panel
) -> list[Any]:
    """Draw "treat all" and "treat none" thin and grey, each named at its line.

    The references are told apart by their names written beside them and their line
    types (treat none solid and fine, as a baseline; treat all long-dashed), not by colour;
    the models keep the legend. Each name is put in the first of its places
    (:func:`_treat_all_places`, :func:`_treat_none_places`) whose box keeps
    :data:`_LABEL_GAP_MM` clear of every line and of the other name (:func:`_first_clear`).
    """
    if refs.empty:
        return []
    refs = refs.assign(model=refs["model"].astype(str))
    none = refs["model"].str.lower().str.contains("none")
    styles = {m: (_BASELINE if n else _LONG_DASH) for m, n in zip(refs["model"], none, strict=True)}
    every_line = [
        line.sort_values("threshold").dropna(subset=["net_benefit"])
        for _, line in pd.concat([models, refs]).groupby("model", sort=False, observed=True)
    ]
    paths = [(f["threshold"].to_numpy(float), f["net_benefit"].to_numpy(float)) for f in every_line]
    layers: list[Any] = []
    named: list[_Box] = []
    for name, line in refs.groupby("model", sort=False):
        line = line.sort_values("threshold").dropna(subset=["net_benefit"])
        if line.empty:  # every threshold suppressed: nothing to draw or name
            continue
        baseline = styles[str(name)] == _BASELINE
        layers.append(
            p9.geom_line(
                p9.aes("threshold", "net_benefit"),
                data=line,
                color=GREY,
                linetype=styles[str(name)],
                size=0.35,
                inherit_aes=False,
            )
        )
        places = (
            _treat_none_places(line, panel)
            if baseline
            else _treat_all_places(line, str(name), low=low, panel=panel)
        )
        place = _first_clear(places, str(name), paths, named, panel)
        named.append(place.box(str(name), panel))
        layers.append(
            p9.geom_text(
                p9.aes("threshold", "net_benefit", label="label"),
                data=pd.DataFrame(
                    {"threshold": [place.x], "net_benefit": [place.y], "label": [str(name)]}
                ),
                color=GREY,
                size=ANNOTATION_PT,
                ha=place.ha,
                va=place.va,
                inherit_aes=False,
            )
        )
    return layers


#: The clear space kept between a reference's name and any line (1.2 mm: 3.4 pt).
_LABEL_GAP_MM: Final = 1.2
#: A name's box in millimetres per character and in height, at :data:`ANNOTATION_PT`
#: (generous: DejaVu Sans averages under 0.6 em a character).
_CHARACTER_MM: Final = 0.6 * ANNOTATION_PT * 25.4 / 72
_LABEL_HEIGHT_MM: Final = 1.3 * ANNOTATION_PT * 25.4 / 72

#: A box in data units: threshold from, to; net benefit from, to.
_Box = tuple[float, float, float, float]


class _Panel:
    """Millimetres to data units on a decision curve's panel (at least as large as drawn).

    The panel's size is known only once matplotlib lays the figure out; it is estimated
    on the small side from the figure's size (less the axes, their titles and a legend
    row per two models), so that a distance of ``mm`` here is at least ``mm`` when drawn.
    The panel shows the data ranges and 5% of each beyond either end (plotnine's expand).

    Parameters
    ----------
    width, height : float
        The figure's size in millimetres.
    legend_rows : int
        Rows of the legend beneath the panel.
    x_range, y_range : tuple of float
        The thresholds drawn and the net-benefit limits.
    """

    def __init__(
        self,
        *,
        width: float,
        height: float,
        legend_rows: int,
        x_range: tuple[float, float],
        y_range: tuple[float, float],
    ) -> None:
        x_span = x_range[1] - x_range[0] or 1.0
        y_span = y_range[1] - y_range[0] or 1.0
        self.bounds: _Box = (
            x_range[0] - 0.05 * x_span,
            x_range[1] + 0.05 * x_span,
            y_range[0] - 0.05 * y_span,
            y_range[1] + 0.05 * y_span,
        )
        width_drawn = max(width - 20.0, 20.0)
        height_drawn = max(height - 18.0 - 6.0 * legend_rows, 15.0)
        self.x_per_mm = 1.1 * x_span / width_drawn
        self.y_per_mm = 1.1 * y_span / height_drawn

    def gap(self, times: float = 1.0) -> tuple[float, float]:
        """:data:`_LABEL_GAP_MM` (``times`` over) along the threshold and the net benefit."""
        return times * _LABEL_GAP_MM * self.x_per_mm, times * _LABEL_GAP_MM * self.y_per_mm

    def label_size(self, name: str) -> tuple[float, float]:
        """Width and height of ``name`` written at :data:`ANNOTATION_PT`, in data units."""
        return len(name) * _CHARACTER_MM * self.x_per_mm, _LABEL_HEIGHT_MM * self.y_per_mm


@dataclass(frozen=True)
class _Place:
    """Where a name is written: its anchor in data units and how it aligns to it."""

    x: float
    y: float
    ha: Literal["left", "right"]
    va: Literal["bottom", "top"]

    def box(self, name: str, panel: _Panel) -> _Box:
        """Return the box ``name`` takes up written here (generous: see `_Panel.label_size`)."""
        width, height = panel.label_size(name)
        x0 = self.x if self.ha == "left" else self.x - width
        y0 = self.y if self.va == "bottom" else self.y - height
        return x0, x0 + width, y0, y0 + height


def _crossing(x: np.ndarray, y: np.ndarray, level: float) -> float | None:
    """Return the threshold where a falling line first reaches ``level`` (None: never).

    Examples
    --------
    >>> _crossing(np.array([0.1, 0.2, 0.3]), np.array([0.05, -0.05, -0.15]), -0.1)
    0.25
    """
    below = np.flatnonzero(y <= level)
    if not len(below):
        return None
    i = int(below[0])
    if i == 0:
        return float(x[0])
    return float(np.interp(level, [y[i], y[i - 1]], [x[i], x[i - 1]]))


def _treat_all_places(line: pd.DataFrame, name: str, *, low: float, panel: _Panel) -> list[_Place]:
    """Places to name "treat all": right of its foot, else left of its line, low down.

    Treat all falls steeply, and its name, written left of the line at its last point
    in the panel, touched it. First choice: to the right of where the line reaches the
    panel's floor, the box's lower left corner the gap to the right of and above that
    point (the line bends away from it: ``p - (1 - p) t / (1 - t)`` is concave), in the
    space below zero that the models do not reach. Then to the left of the line, the
    box's upper right corner twice the gap to the left of and below a point of the line
    (the line bends towards that side): low in the panel, else (a short panel) just
    above zero, beneath treat all where it is still above the models' reach.
    """
    x = line["threshold"].to_numpy(float)
    y = line["net_benefit"].to_numpy(float)
    gap_x, gap_y = panel.gap()
    places = []
    foot = _crossing(x, y, low)
    if foot is not None:
        places.append(_Place(foot + gap_x, low + gap_y, "left", "bottom"))
    _, height = panel.label_size(name)
    for bottom in (max(float(y[-1]), low) + 2 * gap_y, gap_y):
        at = _crossing(x, y, bottom + height + 2 * gap_y)
        right = (float(x[-1]) if at is None else at) - 2 * gap_x
        places.append(_Place(right, bottom + height, "right", "top"))
    return places


def _treat_none_places(line: pd.DataFrame, panel: _Panel) -> list[_Place]:
    """Places to name "treat none": beneath its right end, above it, then at its left end.

    A model's net benefit can fall below zero at high thresholds, and treat all (with
    many children escalating) can still be in the panel at the right: the name then goes
    above the line, or to its left end, where the models and treat all are high.
    """
    left, right = float(line["threshold"].iloc[0]), float(line["threshold"].iloc[-1])
    _, gap_y = panel.gap()
    return [
        _Place(right, -gap_y, "right", "top"),
        _Place(right, gap_y, "right", "bottom"),
        _Place(left, -gap_y, "left", "top"),
        _Place(left, gap_y, "left", "bottom"),
    ]


def _first_clear(
    places: Sequence[_Place],
    name: str,
    paths: Sequence[tuple[np.ndarray, np.ndarray]],
    named: Sequence[_Box],
    panel: _Panel,
) -> _Place:
    """Return the first place where ``name`` is inside the panel and clear of the rest.

    Clear: no line (``paths``, the thresholds and net benefits of every line drawn)
    passes within :data:`_LABEL_GAP_MM` of the name's box, nor does a name already
    written (``named``). Without such a place, the first inside the panel, else the first.
    """
    gap_x, gap_y = panel.gap(0.95)  # a name at exactly the gap from a line is clear
    left, right, bottom, top = panel.bounds
    inside = [
        place
        for place in places
        if left <= (box := place.box(name, panel))[0]
        and box[1] <= right
        and bottom <= box[2]
        and box[3] <= top
    ]
    for place in inside:
        x0, x1, y0, y1 = place.box(name, panel)
        padded = (x0 - gap_x, x1 + gap_x, y0 - gap_y, y1 + gap_y)
        if any(_crosses(x, y, padded) for x, y in paths):
            continue
        if any(_overlaps(padded, box) for box in named):
            continue
        return place
    return (inside or places)[0]


def _overlaps(a: _Box, b: _Box) -> bool:
    """Return whether two boxes share any area."""
    return a[0] < b[1] and b[0] < a[1] and a[2] < b[3] and b[2] < a[3]


def _crosses(x: np.ndarray, y: np.ndarray, box: _Box) -> bool:
    """Whether the polyline through ``(x, y)`` enters ``box`` (Liang–Barsky clipping).

    Examples
    --------
    >>> diagonal = np.array([0.0, 1.0])
    >>> _crosses(diagonal, diagonal, (0.4, 0.6, 0.45, 0.55))
    True
    >>> _crosses(diagonal, diagonal, (0.6, 0.9, 0.0, 0.3))
    False
    """
    x0, x1, y0, y1 = box
    if len(x) == 1:
        return bool(x0 < x[0] < x1 and y0 < y[0] < y1)
    sx, sy, dx, dy = x[:-1], y[:-1], np.diff(x), np.diff(y)
    usable = np.isfinite(sx + sy + dx + dy)
    enter, leave = np.zeros(len(dx)), np.ones(len(dx))
    with np.errstate(divide="ignore", invalid="ignore"):
        for step, room in ((-dx, sx - x0), (dx, x1 - sx), (-dy, sy - y0), (dy, y1 - sy)):
            ratio = room / step
            usable &= (step != 0) | (room > 0)  # parallel to this edge and outside it
            enter = np.where(step < 0, np.maximum(enter, ratio), enter)
            leave = np.where(step > 0, np.minimum(leave, ratio), leave)
    return bool((usable & (enter < leave)).any())


#: The height of a group's row in the fairness figure, in millimetres (taller for a name
#: of several lines: :func:`~escalation.figures._rows.row_pitch_mm`).
_FAIRNESS_ROW_MM: Final = 5.0


#: The space around each of the fairness figure's panels and beside its attributes'
#: strips, in points: what a panel's title may not take of its share of the width.
_FAIRNESS_GAP_PT: Final = 6.0
#: The size of a panel's title (the theme's strip text, at the base size), in points.
_STRIP_PT: Final = 8.0


def plot_fairness(
    metrics: pd.DataFrame,
    *,
    metrics_shown: Sequence[str] | None = None,
    overall: pd.DataFrame | None = None,
    colours: Mapping[str, str] | None = None,
    title: str | None = None,
    subtitle: str | None = None,
    width: Literal["single", "double"] | float = "double",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot a validation metric by subgroup with confidence intervals.

    One panel per attribute (rows) and metric (columns). Groups whose counts were
    suppressed by disclosure control are listed but not drawn, and labelled
    "suppressed"; a group whose estimate has an interval of zero width (e.g. 0% recall
    when no child in it was flagged) is labelled "no interval: too few flagged or
    escalated" rather than shown as a precise 0%. With ``overall``, each panel carries
    the metric over all children as a dashed reference line. A legend is drawn only
    when there are several models; one model is named in the subtitle.

    Parameters
    ----------
    metrics : pandas.DataFrame
        ``model, metric, attribute, group, n, estimate, conf_low, conf_high,
        suppressed``.
    metrics_shown : sequence of str, optional
        Metrics to draw (default: all), in order.
    overall : pandas.DataFrame, optional
        ``metric, estimate`` (+ ``model``): the metric over all children.
    colours : mapping, optional
        Colour of each model (default :func:`~escalation.figures.theme.colour_map`).
    subtitle : str, optional
        What the metrics share (e.g. "Riskiest 10% flagged"), put before the model's name
        in the subtitle rather than repeated in every panel title.
    title, width, height_mm
        Labels and size (height defaults to 24 mm + 5 mm per group). Panel titles and the
        subtitle are wrapped to the width, and a narrow figure has fewer x breaks.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"model": "Cox", "metric": "Recall",
    ...     "attribute": "Sex", "group": ["F", "M"], "n": [400, 420],
    ...     "estimate": [0.3, 0.0], "conf_low": [0.25, 0.0], "conf_high": [0.35, 0.0],
    ...     "suppressed": [False, False]})
    >>> plot = plot_fairness(frame, overall=pd.DataFrame({"metric": ["Recall"],
    ...                                                   "estimate": [0.2]}))
    >>> plot.data["group"].tolist(), plot.labels.subtitle
    (['F'], 'Model: Cox; dashed lines: all children')
    """
    metrics = require_columns(metrics, _FAIRNESS, figure="subgroup fairness")
    data = metrics.copy()
    for column in ("model", "metric", "attribute", "group"):
        data[column] = data[column].astype(str)
    if metrics_shown is not None:
        data = data[data["metric"].isin([str(m) for m in metrics_shown])].copy()
        data["metric"] = pd.Categorical(data["metric"], categories=list(metrics_shown))
    suppressed = data["suppressed"].astype(bool).to_numpy()
    est = pd.to_numeric(data["estimate"], errors="coerce")
    width_ci = pd.to_numeric(data["conf_high"], errors="coerce") - pd.to_numeric(
        data["conf_low"], errors="coerce"
    )
    degenerate = (~suppressed) & (width_ci.fillna(0).to_numpy() <= 1e-12)
    data["attribute"] = pd.Categorical(
        data["attribute"], categories=list(pd.unique(data["attribute"]))
    )
    # A group's name too wide for the margin is wrapped (the rows' rule), rows spaced for it.
    data["group"] = [wrap_row_label(g, width) for g in data["group"]]
    groups = list(pd.unique(data["group"]))
    data["group"] = pd.Categorical(data["group"], categories=groups[::-1])
    lines = max((g.count("\n") + 1 for g in groups), default=1)
    pitch = row_pitch_mm(lines, _FAIRNESS_ROW_MM)
    shown = data[~suppressed & ~degenerate]
    hidden = data[suppressed].assign(x=0.0)
    flat = data[degenerate].assign(x=est[degenerate].fillna(0.0))
    models = list(pd.unique(data["model"]))
    palette_ = dict(colours) if colours else colour_map(models)
    n_rows = data.groupby("attribute", observed=True)["group"].nunique().sum()
    height = 24.0 + pitch * float(n_rows) if height_mm is None else height_mm
    subtitle_parts = [subtitle] if subtitle else []
    subtitle_parts += [f"model: {models[0]}" if subtitle else f"Model: {models[0]}"] * (
        len(models) == 1
    )
    if overall is not None:
        subtitle_parts.append("dashed lines: all children")
    narrow = width_mm(width) < 150
    n_metrics = max(int(data["metric"].nunique()), 1)
    # Panel titles wrap to their panel (beside the group names and the attribute strips).
    # The panels share the figure's width less the groups' names (left) and the
    # attributes' strips (right), as measured in the figures' font.
    strips = max(text_width_pt(str(a), _STRIP_PT) for a in data["attribute"].cat.categories)
    panels = panel_pt(width, groups, y_title_lines=0) - strips - _FAIRNESS_GAP_PT
    panel_room = panels / n_metrics - _FAIRNESS_GAP_PT
    plot = added(
        p9.ggplot(
            shown, p9.aes("estimate", "group", xmin="conf_low", xmax="conf_high", color="model")
        ),
        [
            p9.geom_blank(data=data.assign(estimate=est.fillna(0.0))),
            p9.facet_grid(
                rows="attribute",
                cols="metric",
                # plotnine types labeller as a name only; a labeller object is documented.
                labeller=p9.labeller(  # type: ignore[arg-type]
                    cols=lambda name: wrap_words(name, panel_room, size_pt=_STRIP_PT)
                ),
                scales="free",
                space={
                    "x": [1.0] * data["metric"].nunique(),
                    "y": list(
                        data.groupby("attribute", sort=True, observed=True)["group"]
                        .nunique()
                        .astype(float)
                    ),
                },
            ),
            p9.scale_color_manual(values=palette_, name=""),
            shape_scale(models),
            p9.scale_x_continuous(labels=percent, breaks=_fewer_breaks(3 if narrow else 5)),
            p9.labs(
                x="Estimate (95% CI)",
                y="",
                title=title,
                subtitle=wrap_to_width("; ".join(subtitle_parts), width) or None,
            ),
            theme_escalation(width=width, height_mm=float(np.clip(height, 45.0, 230.0))),
            p9.theme(
                legend_title=p9.element_blank(),
                strip_text_y=p9.element_text(angle=0),
                # A group's name wrapped into lines reads right-aligned, as one label.
                axis_text_y=p9.element_text(ma="right"),
            ),
        ],
    )
    if narrow:
        # Tick labels at the edges of neighbouring panels would run together.
        plot += p9.theme(panel_spacing_x=0.065)
    if len(models) == 1:
        plot += p9.theme(legend_position="none")
    if overall is not None:
        ref = require_columns(overall, ("metric", "estimate"), figure="overall metrics").copy()
        if "model" in ref and len(models) == 1:
            ref = ref[ref["model"].astype(str) == models[0]]
        ref["metric"] = ref["metric"].astype(str)
        ref = ref[ref["metric"].isin(set(data["metric"].astype(str)))]
        if isinstance(data["metric"].dtype, pd.CategoricalDtype):
            ref["metric"] = pd.Categorical(ref["metric"], categories=data["metric"].cat.categories)
        plot += p9.geom_vline(
            p9.aes(xintercept="estimate"), data=ref, linetype="dashed", color=GREY, size=0.4
        )
    for layer in dodged_layers(shown, "model", y="group"):
        plot += layer
    if len(hidden):
        plot += p9.geom_text(
            p9.aes(x="x", y="group"),
            data=hidden,
            label="suppressed",
            size=ANNOTATION_PT,
            ha="left",
            color=GREY,
            inherit_aes=False,
        )
    if len(flat):
        plot += p9.geom_point(
            p9.aes(x="x", y="group"),
            data=flat,
            shape="o",
            fill="white",
            color=GREY,
            size=1.6,
            inherit_aes=False,
        )
        plot += p9.geom_text(
            p9.aes(x="x", y="group"),
            data=flat,
            label="  no interval: too few flagged or escalated",
            size=ANNOTATION_PT,
            ha="left",
            color=GREY,
            inherit_aes=False,
        )
    return plot


def _fewer_breaks(n: int) -> Callable[[tuple[float, float]], Sequence[float]]:
    """Return a breaks function giving about ``n`` round breaks (fewer on narrow panels)."""
    extended = breaks_extended(n=n)

    def breaks(limits: tuple[float, float]) -> Sequence[float]:
        return [float(b) for b in extended(limits)]

    return breaks
