"""The exclusion flow diagram (CONSORT style) from ``SpellData.flow``."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final, Literal

import pandas as pd
import plotnine as p9

from escalation.figures._checks import count_label, require_columns
from escalation.figures._compose import added
from escalation.figures._labels import text_width_pt, wrap_words
from escalation.figures.theme import (
    ANNOTATION_PT,
    FONT_FAMILY,
    ColumnWidth,
    theme_diagram,
    theme_escalation,
    width_mm,
)

__all__ = ["flow_layout", "plot_flow"]

_COLUMNS: Final = ("stage", "rule", "description", "children", "episodes")
_LINE: Final = 1.0  # height of one text line in layout units
_PAD: Final = 0.6  # vertical padding inside a box
_GAP: Final = 1.4  # vertical gap between stacked boxes
_MAIN_X: Final = (0.0, 10.0)  # the main column's boxes, in layout units
_SIDE_X: Final = (11.0, 22.0)  # the excluded boxes beside them
_X_LIMITS: Final = (-0.2, 22.2)  # the x axis: the figure's width less its margins
_TEXT_PAD: Final = 0.35  # horizontal padding inside a box, in layout units
#: The share of the figure's width the panel takes (the plot's margins), less the 3.5%
#: drawn text may be wider than its outlines.
_PANEL_SHARE: Final = 0.93
_BULLET: Final = "• "


@dataclass(frozen=True)
class _Box:
    x0: float
    x1: float
    y0: float
    y1: float
    text: str
    kind: str


#: Episode kinds as the exclusion rules name them (design codes), in plain words.
_KIND_WORDS: Final = {
    "early_help": "early help",
    "cin_plan": "child in need plan",
    "cp_plan": "child protection plan",
    "looked_after": "care",
    "moved_out": "moving away",
    "s47": "section 47 enquiry",
    "icpc": "child protection conference",
}
_KIND_PATTERN: Final = re.compile(r"\b(" + "|".join(_KIND_WORDS) + r")\b", re.IGNORECASE)


def plain_words(text: str) -> str:
    """Return ``text`` with episode-kind codes in words, its first letter a capital.

    Examples
    --------
    >>> plain_words("early_help already under way at time zero")
    'Early help already under way at time zero'
    >>> plain_words("already in cp_plan or looked_after at time zero")
    'Already in child protection plan or care at time zero'
    """
    words = _KIND_PATTERN.sub(lambda m: _KIND_WORDS[m.group(1).lower()], str(text))
    return words[:1].upper() + words[1:]


def _room_pt(width: ColumnWidth | float, box: tuple[float, float]) -> float:
    """Return the width text may take in a box spanning ``box`` layout units, in points."""
    per_unit = width_mm(width) * 72.0 / 25.4 * _PANEL_SHARE / (_X_LIMITS[1] - _X_LIMITS[0])
    return (box[1] - box[0] - 2 * _TEXT_PAD) * per_unit


def _count_lines(counts: str, room_pt: float) -> str:
    """Put the children and the episodes on lines of their own when one line is too wide."""
    if text_width_pt(counts, ANNOTATION_PT) <= room_pt:
        return counts
    return counts.replace("; ", ";\n")


def _bulleted(text: str, room_pt: float) -> str:
    """Return ``text`` after a bullet, its lines fitting ``room_pt`` beside the bullet."""
    indent = text_width_pt(_BULLET, ANNOTATION_PT)
    lines = wrap_words(text, room_pt - indent, size_pt=ANNOTATION_PT).split("\n")
    return "\n".join([_BULLET + lines[0], *("  " + line for line in lines[1:])])


def _is_zero(value: object) -> bool:
    return bool(not pd.isna(value) and value == 0)  # type: ignore[call-overload]


def _counts(children: object, episodes: object) -> str:
    return f"{count_label(children)} children; {count_label(episodes)} episodes"


def flow_layout(
    flow: pd.DataFrame, *, width: ColumnWidth | float = "double", show_empty: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return the boxes and arrows of the flow diagram as two frames.

    Rows with stage ``entered`` or ``remaining`` become boxes down the main column;
    the ``excluded`` rows between two of them are listed in one box to the right.

    Parameters
    ----------
    flow : pandas.DataFrame
        ``stage, rule, description, children, episodes`` (``SpellData.flow``). Counts
        should already have passed disclosure control (missing = suppressed).
    width : {"single", "double"} or float, default "double"
        The figure's width: each box's text is wrapped into lines that fit the box,
        measured in the figures' font (:func:`~escalation.figures._labels.wrap_words`).
    show_empty : bool, default False
        List exclusion rules that removed nobody.

    Returns
    -------
    boxes : pandas.DataFrame
        ``x0, x1, y0, y1, text, kind`` ("main" or "excluded"), y decreasing downwards.
    arrows : pandas.DataFrame
        ``x, y, xend, yend``.

    Examples
    --------
    >>> flow = pd.DataFrame({"stage": ["entered", "excluded", "remaining"],
    ...     "rule": ["history", "age", "spells"],
    ...     "description": ["children in the history", "aged 18 or over", "spells"],
    ...     "children": [100, 20, 80], "episodes": [300, 25, 80]})
    >>> boxes, arrows = flow_layout(flow)
    >>> boxes["kind"].tolist(), len(arrows)
    (['main', 'excluded', 'main'], 2)
    """
    flow = require_columns(flow, _COLUMNS, figure="exclusion flow")
    boxes: list[_Box] = []
    arrows: list[tuple[float, float, float, float]] = []
    y = 0.0
    pending: list[str] = []
    main_x, side_x = _MAIN_X, _SIDE_X
    main_room, side_room = _room_pt(width, main_x), _room_pt(width, side_x)
    previous: _Box | None = None

    def place_main(text: str) -> None:
        nonlocal y, previous, pending
        lines = text.count("\n") + 1
        height = lines * _LINE + 2 * _PAD
        if pending and previous is not None:
            side_lines = sum(p.count("\n") + 1 for p in pending)
            side_height = side_lines * _LINE + 2 * _PAD
            top = y - _GAP
            side = _Box(
                side_x[0], side_x[1], top - side_height, top, "\n".join(pending), "excluded"
            )
            boxes.append(side)
            mid = (side.y0 + side.y1) / 2
            x_mid = (main_x[0] + main_x[1]) / 2
            arrows.append((x_mid, mid, side_x[0], mid))
            y = side.y0 - _GAP
        elif previous is not None:
            y -= 2 * _GAP
        box = _Box(main_x[0], main_x[1], y - height, y, text, "main")
        if previous is not None:
            x_mid = (main_x[0] + main_x[1]) / 2
            arrows.append((x_mid, previous.y0, x_mid, box.y1))
        boxes.append(box)
        previous = box
        y = box.y0
        pending = []

    for row in flow.itertuples(index=False):
        description = plain_words(str(row.description))
        counts = _counts(row.children, row.episodes)
        if row.stage == "excluded":
            empty = _is_zero(row.children) and _is_zero(row.episodes)
            if empty and not show_empty:
                continue
            pending.append(_bulleted(f"{description}: {counts}", side_room))
        else:
            text = wrap_words(description, main_room, size_pt=ANNOTATION_PT)
            place_main(text + "\n" + _count_lines(counts, main_room))
    if pending and previous is not None:
        place_main("Not analysed")
    frame = pd.DataFrame([vars(b) for b in boxes])
    lines = pd.DataFrame(arrows, columns=["x", "y", "xend", "yend"])
    return frame, lines


def plot_flow(
    flow: pd.DataFrame,
    *,
    title: str | None = None,
    show_empty: bool = False,
    width: Literal["single", "double"] | float = "double",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Draw the exclusion flow as boxes and arrows (a CONSORT-style diagram).

    Parameters
    ----------
    flow : pandas.DataFrame
        ``SpellData.flow`` (``stage, rule, description, children, episodes``), with
        counts after disclosure control when the figure leaves the local authority.
    title : str, optional
        Title.
    show_empty : bool, default False
        List exclusion rules that removed nobody.
    width : {"single", "double"} or float, default "double"
        Journal column or millimetres.
    height_mm : float, optional
        Height (default: from the number of text lines).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> flow = pd.DataFrame({"stage": ["entered", "excluded", "remaining"],
    ...     "rule": ["history", "age", "spells"],
    ...     "description": ["children in the history", "aged 18 or over", "spells"],
    ...     "children": [100, 20, 80], "episodes": [300, 25, 80]})
    >>> plot = plot_flow(flow)
    >>> plot.data["kind"].tolist()
    ['main', 'excluded', 'main']
    """
    boxes, arrows = flow_layout(flow, width=width, show_empty=show_empty)
    boxes["x"] = (boxes["x0"] + boxes["x1"]) / 2
    boxes["y"] = (boxes["y0"] + boxes["y1"]) / 2
    boxes["tx"] = boxes["x0"] + _TEXT_PAD
    depth = float(-boxes["y0"].min())
    height = 12.0 + 3.2 * depth if height_mm is None else height_mm
    size = ANNOTATION_PT
    main = boxes[boxes["kind"] == "main"]
    side = boxes[boxes["kind"] == "excluded"]
    return added(
        p9.ggplot(boxes),
        [
            p9.geom_segment(
                p9.aes(x="x", y="y", xend="xend", yend="yend"),
                data=arrows,
                arrow=p9.arrow(length=0.06, type="closed"),
                size=0.4,
                color="#333333",
            ),
            p9.geom_rect(
                p9.aes(xmin="x0", xmax="x1", ymin="y0", ymax="y1", fill="kind"),
                color="#333333",
                size=0.4,
            ),
            p9.geom_text(
                p9.aes(x="x", y="y", label="text"),
                data=main,
                size=size,
                family=FONT_FAMILY,
                lineheight=1.15,
            ),
            p9.geom_text(
                p9.aes(x="tx", y="y", label="text"),
                data=side,
                size=size,
                ha="left",
                family=FONT_FAMILY,
                lineheight=1.15,
            ),
            p9.scale_fill_manual(values={"main": "#EDEDED", "excluded": "#F7F7F7"}, guide=None),
            p9.scale_x_continuous(limits=_X_LIMITS, expand=(0, 0)),
            p9.scale_y_continuous(expand=(0.01, 0.01)),
            p9.labs(title=title),
            theme_escalation(width=width, height_mm=min(height, 240.0)),
            theme_diagram(),
        ],
    )
