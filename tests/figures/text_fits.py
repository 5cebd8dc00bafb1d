"""Find text that a drawn figure cuts off or draws over other text (a test helper).

matplotlib neither wraps titles nor keeps text inside the figure: a long subtitle, a
count line wider than its box or a strip label beyond the right edge is silently cut
off in the saved file, and tick labels or panel titles too close together run into each
other. :func:`text_problems` measures every piece of text of a drawn figure with the
renderer that draws it and names the text that leaves the figure, leaves the panel it
is clipped to, or overlaps other text.

A label written on a panel beside a line (a direct label, as "Treat all" on the decision
curve) must not touch a line either: :func:`label_line_gaps` measures, in display
coordinates after drawing, the gap between each such label's box and every line drawn
on its panel, as far as the line is visible (clipped to its panel).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Final

import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = ["LabelGap", "TextProblem", "label_line_gaps", "text_problems"]

#: Pixels text may cross an edge or another text by (anti-aliasing, rounding).
_TOLERANCE_PX: Final = 1.5


@dataclass(frozen=True)
class TextProblem:
    """One piece of text cut off or drawn over another.

    Attributes
    ----------
    text : str
        The text (first line).
    problem : str
        What is wrong ("extends 12 px beyond the right edge of the figure", ...).
    """

    text: str
    problem: str

    def __str__(self) -> str:
        return f"{self.text!r}: {self.problem}"


def _texts(figure: Any) -> list[Text]:
    out = []
    for artist in figure.findobj(Text):
        if not artist.get_visible() or not artist.get_text().strip():
            continue
        if artist.get_alpha() == 0:
            continue
        out.append(artist)
    return out


def _beyond(inner: Bbox, outer: Bbox) -> dict[str, float]:
    """How far ``inner`` reaches beyond each edge of ``outer``, in pixels (only if beyond)."""
    gaps = {
        "left": outer.x0 - inner.x0,
        "right": inner.x1 - outer.x1,
        "bottom": outer.y0 - inner.y0,
        "top": inner.y1 - outer.y1,
    }
    return {edge: gap for edge, gap in gaps.items() if gap > _TOLERANCE_PX}


def _first_line(text: Text) -> str:
    return text.get_text().strip().splitlines()[0]


def _overlap(a: Bbox, b: Bbox) -> float:
    """Return the smaller of the width and height two boxes share (0 if they do not meet)."""
    width = min(a.x1, b.x1) - max(a.x0, b.x0)
    height = min(a.y1, b.y1) - max(a.y0, b.y0)
    return max(0.0, min(width, height))


def text_problems(figure: Any, *, overlaps: bool = True) -> list[TextProblem]:
    """Return the text of a drawn figure that is cut off or overlaps other text.

    Each visible piece of text is measured with the figure's renderer: text reaching
    beyond the edge of the figure, or beyond the panel it is clipped to, is cut off
    when the figure is saved. With ``overlaps``, two pieces of text whose boxes overlap
    (tick labels running together, panel titles over each other) are named too.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A drawn figure (e.g. from :func:`escalation.figures.save.drawn`).
    overlaps : bool, default True
        Also look for text drawn over other text.

    Returns
    -------
    list of TextProblem
        Empty when all text is whole and apart.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure = plt.figure(figsize=(2, 1))
    >>> _ = figure.text(0.5, 0.5, "a title far too long for a figure two inches wide")
    >>> figure.canvas.draw()
    >>> [p.problem.split(" by ")[0] for p in text_problems(figure)]
    ['extends beyond the right edge of the figure']
    >>> plt.close(figure)
    """
    # The renderer that measures text as it is drawn (no screen canvas needed).
    renderer = figure._get_renderer()
    edge = figure.bbox
    problems: list[TextProblem] = []
    boxes: list[tuple[Text, Bbox]] = []
    for text in _texts(figure):
        box = text.get_window_extent(renderer)
        if box.width <= 0 or box.height <= 0:
            continue
        boxes.append((text, box))
        for side, gap in _beyond(box, edge).items():
            problems.append(
                TextProblem(
                    _first_line(text),
                    f"extends beyond the {side} edge of the figure by {gap:.0f} px",
                )
            )
        clip = text.get_clip_box() if text.get_clip_on() else None
        if clip is not None:
            for side, gap in _beyond(box, clip).items():
                problems.append(
                    TextProblem(
                        _first_line(text),
                        f"is clipped by its panel's {side} edge ({gap:.0f} px cut off)",
                    )
                )
    if overlaps:
        problems.extend(_overlapping(boxes))
    return problems


def _overlapping(boxes: Iterable[tuple[Text, Bbox]]) -> list[TextProblem]:
    found = []
    items = list(boxes)
    for i, (a, box_a) in enumerate(items):
        for b, box_b in items[i + 1 :]:
            if _overlap(box_a, box_b) > _TOLERANCE_PX:
                found.append(TextProblem(_first_line(a), f"overlaps the text {_first_line(b)!r}"))
    return found


# ---------------------------------------------------------------------------------------
# Direct labels and lines


@dataclass(frozen=True)
class LabelGap:
    """The clear gap between a direct label and the nearest line drawn on its panel.

    Attributes
    ----------
    text : str
        The label (first line).
    gap_pt : float
        Points between the label's box and the nearest line's edge (half its width off
        its centre); negative when the line runs through the box.
    line : str
        The nearest line, by its colour ("of colour #6e6e6e"), to name it in a failure.
    """

    text: str
    gap_pt: float
    line: str

    def __str__(self) -> str:
        return f"{self.text!r} is {self.gap_pt:.1f} pt from the line {self.line}"


#: Spacing of the points a line is sampled at, in pixels (finer than any gap measured).
_STEP_PX: Final = 0.25


def _line_pieces(axes: Any) -> list[tuple[np.ndarray, float, Bbox | None, str]]:
    """Every drawn line of ``axes``: vertices in display pixels, width, clip box, name."""
    dpi = axes.figure.dpi
    pieces = []
    for line in axes.lines:
        if not isinstance(line, Line2D) or not line.get_visible():
            continue
        xy = line.get_transform().transform(np.asarray(line.get_xydata(), dtype=float))
        clip = line.get_clip_box() if line.get_clip_on() else None
        name = f"of colour {to_hex(line.get_color())}"
        pieces.append((xy, line.get_linewidth() * dpi / 72, clip, name))
    for collection in axes.collections:
        if not isinstance(collection, LineCollection) or not collection.get_visible():
            continue
        widths = list(collection.get_linewidths()) or [1.0]
        clip = collection.get_clip_box() if collection.get_clip_on() else None
        transform = collection.get_transform()
        for i, path in enumerate(collection.get_paths()):
            xy = transform.transform(np.asarray(path.vertices, dtype=float))
            width = float(widths[i % len(widths)]) * dpi / 72
            colours = collection.get_colors()
            colour = to_hex(colours[i % len(colours)]) if len(colours) else "none"
            pieces.append((xy, width, clip, f"segment {i} of colour {colour}"))
    return pieces


def _sampled(xy: np.ndarray, clip: Bbox | None) -> np.ndarray:
    """Points along a polyline every :data:`_STEP_PX`, only those inside ``clip``."""
    points = []
    for start, end in pairwise(xy):
        if not (np.isfinite(start).all() and np.isfinite(end).all()):
            continue  # a break in the line (a missing value)
        n = max(int(np.ceil(np.hypot(*(end - start)) / _STEP_PX)), 1)
        t = np.linspace(0.0, 1.0, n + 1)[:, None]
        points.append(start + t * (end - start))
    if not points:
        return np.empty((0, 2))
    out = np.concatenate(points)
    if clip is not None:
        inside = (
            (out[:, 0] >= clip.x0)
            & (out[:, 0] <= clip.x1)
            & (out[:, 1] >= clip.y0)
            & (out[:, 1] <= clip.y1)
        )
        out = out[inside]
    return out


def _distance(points: np.ndarray, box: Bbox) -> float:
    """Smallest distance from ``points`` to ``box`` in pixels (0 for a point inside it)."""
    dx = np.maximum.reduce([box.x0 - points[:, 0], np.zeros(len(points)), points[:, 0] - box.x1])
    dy = np.maximum.reduce([box.y0 - points[:, 1], np.zeros(len(points)), points[:, 1] - box.y1])
    return float(np.hypot(dx, dy).min())


def label_line_gaps(figure: Any) -> list[LabelGap]:
    """Return the gap between each direct label of a drawn figure and its nearest line.

    Direct labels are the texts written on a panel (``geom_text``, ``annotate``); lines
    are the panel's ``Line2D`` and ``LineCollection`` artists (``geom_line``,
    ``geom_path``, ``geom_segment``, reference lines), measured where they are drawn:
    inside the panel they are clipped to, with their width. Dashed lines are measured
    as if solid.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A drawn figure (e.g. from :func:`escalation.figures.save.drawn`).

    Returns
    -------
    list of LabelGap
        One per label on a panel with lines, in points.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> figure, axes = plt.subplots(figsize=(2, 2), dpi=100)
    >>> _ = axes.plot([0, 1], [0, 1], linewidth=1)
    >>> _ = axes.text(0.5, 0.5, "on it")
    >>> figure.canvas.draw()
    >>> [(g.text, g.gap_pt < 0) for g in label_line_gaps(figure)]
    [('on it', True)]
    >>> plt.close(figure)
    """
    renderer = figure._get_renderer()
    px_per_pt = figure.dpi / 72
    gaps = []
    for axes in figure.axes:
        pieces = [(_sampled(xy, clip), width, name) for xy, width, clip, name in _line_pieces(axes)]
        pieces = [(points, width, name) for points, width, name in pieces if len(points)]
        if not pieces:
            continue
        for text in axes.texts:
            if not text.get_visible() or not text.get_text().strip():
                continue
            box = text.get_window_extent(renderer)
            gap, name = min(
                (_distance(points, box) - width / 2, name) for points, width, name in pieces
            )
            gaps.append(LabelGap(_first_line(text), gap / px_per_pt, name))
    return gaps
