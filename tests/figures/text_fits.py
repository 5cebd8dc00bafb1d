"""Find text that a drawn figure cuts off or draws over other text (a test helper).

matplotlib neither wraps titles nor keeps text inside the figure: a long subtitle, a
count line wider than its box or a strip label beyond the right edge is silently cut
off in the saved file, and tick labels or panel titles too close together run into each
other. :func:`text_problems` measures every piece of text of a drawn figure with the
renderer that draws it and names the text that leaves the figure, leaves the panel it
is clipped to, or overlaps other text.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final

from matplotlib.text import Text
from matplotlib.transforms import Bbox

__all__ = ["TextProblem", "text_problems"]

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
