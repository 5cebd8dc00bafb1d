"""Multi-state models: state occupation over time and the transition diagram."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

import numpy as np
import pandas as pd
import plotnine as p9
from plotnine.exceptions import PlotnineWarning

from escalation.errors import DataValidationError, DesignError, Problem
from escalation.figures._checks import count_label, require_columns, require_values
from escalation.figures._compose import added
from escalation.figures._labels import percent, wrap_words
from escalation.figures._legends import legend_beneath
from escalation.figures.theme import (
    ANNOTATION_PT,
    series_hues,
    theme_diagram,
    theme_escalation,
    width_mm,
)

__all__ = ["plot_state_occupation", "plot_transitions"]

_COLUMNS: Final = ("time", "state", "probability")


#: The height a line of the legend takes, in millimetres.
_LEGEND_ROW_MM: Final = 5.0


def plot_state_occupation(
    occupation: pd.DataFrame,
    *,
    states: Sequence[str] | None = None,
    title: str | None = None,
    xlab: str = "Days since the decision point",
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 70.0,
) -> p9.ggplot:
    """Plot the probability of being in each state over time, stacked to one.

    Parameters
    ----------
    occupation : pandas.DataFrame
        ``time, state, probability`` (+ optional ``group``: one panel per group).
    states : sequence of str, optional
        Stacking order from the bottom (default: order of appearance).
    title, xlab, width, height_mm
        Labels and size.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"time": [0, 0, 365, 365],
    ...     "state": ["Closed", "CP plan"] * 2, "probability": [1.0, 0.0, 0.9, 0.1]})
    >>> plot_state_occupation(frame).data.groupby("time")["probability"].sum().tolist()
    [1.0, 1.0]
    """
    occupation = require_columns(occupation, _COLUMNS, figure="state occupation")
    occupation = require_values(
        occupation, {"time": "time", "probability": "number"}, figure="state occupation"
    )
    data = occupation.copy()
    data["state"] = data["state"].astype(str)
    order = list(pd.unique(data["state"])) if states is None else [str(s) for s in states]
    # plotnine stacks the last level at the bottom: reverse so ``states[0]`` is lowest.
    data["state"] = pd.Categorical(data["state"], categories=order[::-1])
    # Rows without a time or probability are left out, as plotnine's stacking left them
    # (with its warning).
    drawable = data["time"].notna() & data["probability"].notna()
    if not drawable.all():
        warnings.warn(
            f"plot_state_occupation: removed {int((~drawable).sum())} rows containing "
            "missing values (no time or probability)",
            PlotnineWarning,
            stacklevel=2,
        )
    data = data[drawable]
    # Negative probabilities first, where position_stack leaves them (which matters only
    # for a state with two rows at one time).
    data = data.iloc[np.argsort(data["probability"].to_numpy(float) >= 0, kind="stable")]
    data["bottom"], data["top"] = _stacked(data, order)
    # As many columns as fit beneath the panel; a state's name too wide is wrapped.
    legend = legend_beneath(order, width, aesthetics=("fill",))
    # Two lines of legend fit the figure's height; more make it taller.
    taller = _LEGEND_ROW_MM * max(legend.rows - 2, 0)
    plot = added(
        p9.ggplot(data, p9.aes("time", "probability", fill="state")),
        [
            # A stacked area: bands from each state's bottom to its top, as position_stack
            # gives them (which stacks each time apart, a pandas group each: most of the
            # figure's drawing time at hundreds of times).
            p9.geom_ribbon(
                p9.aes(ymin="bottom", ymax="top", y="top"),
                outline_type="upper",
                alpha=0.9,
                color="white",
                size=0.2,
            ),
            # States are not the arms: hues far from the arms' blue and vermillion.
            p9.scale_fill_manual(
                values=series_hues(order),
                breaks=order,
                name="",
                labels=[legend.labels.get(state, state) for state in order],
            ),
            p9.scale_y_continuous(labels=percent, expand=(0, 0)),
            p9.scale_x_continuous(expand=(0, 0)),
            p9.labs(x=xlab, y="Probability of being in the state", title=title),
            theme_escalation(width=width, height_mm=height_mm + taller),
            p9.theme(legend_title=p9.element_blank()),
            *legend.additions,
        ],
    )
    if "group" in data.columns:
        plot += p9.facet_wrap("group", nrow=1)
    return plot


def _stacked(data: pd.DataFrame, order: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Return each row's band, bottom and top, with the states stacked in ``order`` at each time.

    As plotnine's ``position_stack`` stacks them, to the same numbers: in each panel
    (``group``) and at each time, the probabilities are added one state after another from
    ``order[0]`` at the bottom (rows of one state in their order), negative ones apart
    below zero; a band runs between the sums before and after its own probability.
    """
    y = data["probability"].to_numpy(float)
    # From the bottom: ``order`` (the categories reversed); a state ``states`` does not
    # list (no category) stacks on top of them, where position_stack put it.
    codes = data["state"].cat.codes.to_numpy()
    level = np.where(codes < 0, len(order), len(order) - 1 - codes)
    panel = pd.factorize(data["group"])[0] if "group" in data.columns else np.zeros(len(y), int)
    time = data["time"].to_numpy(float)
    heights = np.where(np.isnan(y), 0.0, y)
    # Stable sort: by panel, sign, time, then state from the bottom, rows in their order.
    rows = np.lexsort((level, time, heights < 0, panel))
    key = np.column_stack([panel[rows], heights[rows] < 0, time[rows]])
    starts = np.r_[True, (key[1:] != key[:-1]).any(axis=1)]
    start_of = np.maximum.accumulate(np.where(starts, np.arange(len(rows)), 0))
    place = np.arange(len(rows)) - start_of
    before, after = np.zeros(len(rows)), np.zeros(len(rows))
    for k in range(int(place.max(initial=-1)) + 1):
        at = np.flatnonzero(place == k)
        if k:
            before[at] = after[at - 1]
        after[at] = before[at] + heights[rows[at]]
    bottom, top = np.empty(len(rows)), np.empty(len(rows))
    bottom[rows], top[rows] = np.minimum(before, after), np.maximum(before, after)
    return bottom, top


_TRANSITIONS: Final = ("from_state", "to_state", "n")


def _arc(x0: float, x1: float, y: float, height: float, n: int = 40) -> tuple[Any, Any]:
    """Points of a half-ellipse arc from (x0, y) to (x1, y) bulging by ``height``."""
    t = np.linspace(0.0, np.pi, n)
    xs = (x0 + x1) / 2 - (x1 - x0) / 2 * np.cos(t)
    ys = y + height * np.sin(t)
    return xs, ys


def _refuse_bad_moves(moves: pd.DataFrame, *, figure: str) -> None:
    """Raise naming the rows that are not one move between two states each.

    A missing state (a censored pathway row counted as a move) was drawn as a box named
    "None" or "nan"; a move from a state to itself was left out without a word; a move
    given twice was drawn twice, one label over the other.
    """
    problems = []
    for column in ("from_state", "to_state"):
        for row in np.flatnonzero(moves[column].isna().to_numpy()):
            problems.append(
                Problem(figure, int(row), column, None, "a move needs both of its states")
            )
    ends = moves[["from_state", "to_state"]].astype("string")
    same = (ends["from_state"] == ends["to_state"]).fillna(False).to_numpy(dtype=bool)
    for row in np.flatnonzero(same):
        problems.append(
            Problem(
                figure,
                int(row),
                "to_state",
                moves["to_state"].iloc[row],
                "a move from a state to itself is no move (it cannot be drawn)",
            )
        )
    twice = ends.duplicated(keep="first").to_numpy() & ends.notna().all(axis=1).to_numpy()
    for row in np.flatnonzero(twice):
        problems.append(
            Problem(
                figure,
                int(row),
                "to_state",
                moves["to_state"].iloc[row],
                "the same move (from_state, to_state) is on an earlier row: give each move "
                "once, with its count",
            )
        )
    if problems:
        raise DataValidationError(sorted(problems, key=lambda p: p.row or 0), f"{figure} data")


#: Horizontal padding inside a state's box, in layout units.
_BOX_PAD: Final = 0.35
#: The height of a line of a state's name, in layout units.
_BOX_LINE: Final = 0.75
#: The share of the figure's width the diagram's panel takes (the plot's margins), less
#: the 3.5% drawn text may be wider than its outlines.
_PANEL_SHARE: Final = 0.93


def plot_transitions(
    transitions: pd.DataFrame,
    *,
    states: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    title: str | None = None,
    width: Literal["single", "double"] | float = "double",
    height_mm: float = 80.0,
) -> p9.ggplot:
    """Draw a multi-state model as boxes and arrows labelled with transition counts.

    States sit in a row in pathway order; moves forward along the pathway arc above the
    row, moves back arc below it, each arrow labelled with how many transitions were
    seen and drawn thicker for more. Counts should already have passed disclosure
    control: missing counts (suppressed) are labelled ``<10`` and drawn thinnest, unless
    a ``label`` column gives each arrow's text (e.g. ``[c]`` for a count suppressed only
    to protect another, from :func:`escalation.disclosure.count_labels`).

    Parameters
    ----------
    transitions : pandas.DataFrame
        ``from_state, to_state, n``: observed transitions (e.g. counts of
        :func:`escalation.survival.pathway_transitions` rows with a ``to_state``), one
        row per move between two different states (a missing state, a move from a state
        to itself or a move given twice is a ``DataValidationError`` naming the row);
        optionally ``label``, the text of each arrow (default: ``n``).
    states : sequence of str, optional
        Order of the states (default: order of first appearance).
    labels : mapping, optional
        Display names of the states.
    title, width, height_mm
        Labels and size.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> moves = pd.DataFrame({"from_state": ["closed", "closed", "cp_plan"],
    ...                       "to_state": ["cp_plan", "looked_after", "closed"],
    ...                       "n": [420, 95, None]})
    >>> plot = plot_transitions(moves, labels={"closed": "Closed", "cp_plan": "CP plan",
    ...                                        "looked_after": "Looked after"})
    >>> sorted(plot.data["text"])
    ['CP plan', 'Closed', 'Looked after']
    """
    moves = require_columns(transitions, _TRANSITIONS, figure="transition diagram")
    moves = require_values(moves, {"n": "count"}, figure="transition diagram").copy()
    _refuse_bad_moves(moves, figure="transition diagram")
    moves["from_state"] = moves["from_state"].astype(str)
    moves["to_state"] = moves["to_state"].astype(str)
    ends = pd.concat([moves["from_state"], moves["to_state"]])
    present = list(pd.unique(ends))
    order = present if states is None else [str(s) for s in states]
    unknown = sorted(set(present) - set(order))
    if unknown:
        raise DesignError(
            f"transition diagram: states {', '.join(unknown)} are not in states= "
            f"({', '.join(order)})"
        )
    names = {s: (labels or {}).get(s, s) for s in order}
    spacing = 10.0
    box_w = 7.0
    x_of = {s: i * spacing for i, s in enumerate(order)}
    # Each name wrapped to its box, measured in the figures' font; the boxes as tall as
    # the longest name's lines need.
    span = x_of[order[-1]] + box_w + 1.0
    room = (box_w - 2 * _BOX_PAD) * width_mm(width) * 72.0 / 25.4 * _PANEL_SHARE / span
    texts = [wrap_words(str(names[s]), room, size_pt=ANNOTATION_PT) for s in order]
    box_h = max(3.2, _BOX_LINE * max(t.count("\n") + 1 for t in texts) + 1.0)
    boxes = pd.DataFrame(
        {
            "x0": [x_of[s] - box_w / 2 for s in order],
            "x1": [x_of[s] + box_w / 2 for s in order],
            "y0": -box_h / 2,
            "y1": box_h / 2,
            "x": [x_of[s] for s in order],
            "y": 0.0,
            "text": texts,
        }
    )
    counts = pd.to_numeric(moves["n"], errors="coerce").astype("float64")
    top = float(counts.max()) if counts.notna().any() else 1.0
    paths, tags = [], []
    for k, row in enumerate(moves.itertuples(index=False)):
        a, b = x_of[row.from_state], x_of[row.to_state]
        forward = b > a
        span = abs(b - a) / spacing
        height = (1.0 + 1.1 * span) * (1 if forward else -1)
        start = a + (0.8 if forward else -0.8)
        end = b - (0.8 if forward else -0.8)
        base = box_h / 2 if forward else -box_h / 2
        xs, ys = _arc(start, end, base, height)
        value = counts.iloc[k]
        weight = 0.3 + 1.5 * (np.sqrt(value / top) if np.isfinite(value) else 0.0)
        paths.append(pd.DataFrame({"x": xs, "y": ys, "move": k, "weight": weight}))
        tags.append(
            {
                "x": float(xs[len(xs) // 2]),
                "y": float(ys[len(ys) // 2]) + (0.55 if forward else -0.55),
                "label": str(row.label) if "label" in moves else count_label(row.n),
            }
        )
    lines = (
        pd.concat(paths, ignore_index=True)
        if paths
        else pd.DataFrame(columns=["x", "y", "move", "weight"])
    )
    tag_frame = pd.DataFrame(tags, columns=["x", "y", "label"])
    reach = max((abs(float(v)) for v in lines["y"]), default=box_h) + 1.2
    return added(
        p9.ggplot(boxes),
        [
            p9.geom_path(
                p9.aes(x="x", y="y", group="move", size="weight"),
                data=lines,
                color="#4D4D4D",
                arrow=p9.arrow(length=0.07, type="closed"),
                inherit_aes=False,
            ),
            p9.geom_rect(
                p9.aes(xmin="x0", xmax="x1", ymin="y0", ymax="y1"),
                fill="#EDEDED",
                color="#333333",
                size=0.4,
            ),
            p9.geom_text(p9.aes(x="x", y="y", label="text"), size=ANNOTATION_PT, lineheight=1.1),
            p9.geom_label(
                p9.aes(x="x", y="y", label="label"),
                data=tag_frame,
                size=ANNOTATION_PT,
                label_size=0,
                fill="white",
                inherit_aes=False,
            ),
            p9.scale_size_identity(),
            p9.scale_x_continuous(
                limits=(-box_w / 2 - 0.5, x_of[order[-1]] + box_w / 2 + 0.5), expand=(0, 0)
            ),
            p9.scale_y_continuous(limits=(-reach, reach), expand=(0, 0)),
            p9.labs(title=title),
            theme_escalation(width=width, height_mm=height_mm),
            theme_diagram(),
        ],
    )
