"""Legends beneath the panels: as many columns as fit the panel, read across.

One rule for every figure whose legend sits beneath its panels (survival curves,
calibration, ROC, precision-recall, decision curve, policy values): the entries are
measured against the panel's width (:func:`~escalation.figures._labels.legend_columns`)
and take the most columns that fit, so that no legend runs off the figure's edge at one
column and none takes a row per entry where a line would do.
"""

# plotnine constructors (theme, guides) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import plotnine as p9

from escalation.figures._labels import legend_columns, text_width_pt, wrap_legend_entries
from escalation.figures.theme import secondary_pt, theme_escalation, width_mm

__all__ = ["Legend", "legend_beneath", "panel_pt"]

#: Room a line of the y axis's title takes beside the panel, in points (8 pt text, rotated,
#: and its margin: measured 11.6 pt at 100 and 300 dpi).
_Y_TITLE_LINE_PT = 11.6
#: Room the rest of the y axis (its ticks and margins) and the figure's right margin
#: take, in points (measured 7.6 pt).
_Y_AXIS_REST_PT = 7.6


def panel_pt(
    width: Literal["single", "double"] | float,
    row_labels: Sequence[str],
    *,
    y_title_lines: int = 1,
) -> float:
    """Return the panel's width in points: the figure's less the y axis.

    The y axis takes its title (``y_title_lines`` lines of it), its widest label
    (``row_labels``, at the axis-text size) and its ticks.

    Examples
    --------
    >>> round(panel_pt("single", ["100%"]))
    200
    """
    axis_pt = secondary_pt()
    widest = max((text_width_pt(label, axis_pt) for label in row_labels), default=0.0)
    axis = _Y_TITLE_LINE_PT * y_title_lines + _Y_AXIS_REST_PT
    return max(width_mm(width) * 72.0 / 25.4 - widest - axis, 1.0)


@dataclass(frozen=True)
class Legend:
    """A legend laid out beneath the panels.

    Attributes
    ----------
    additions : list
        The guides and theme to add to the plot after its complete theme (which would
        reset them).
    rows : int
        Lines of text the legend takes (an entry wrapped into two lines takes two, a
        title above the entries one).
    labels : dict of str to str
        The entries too wide for the panel on their own, wrapped into lines: pass as
        ``labels=`` to each scale the legend shows.
    """

    additions: list[Any]
    rows: int
    labels: dict[str, str]


def legend_beneath(
    entries: Sequence[str],
    width: Literal["single", "double"] | float,
    *,
    aesthetics: Sequence[str],
    key_pt: float | None = None,
    title: str = "",
    row_labels: Sequence[str] = ("100%",),
    y_title_lines: int = 1,
) -> Legend:
    """Return the guides of a legend beneath the panels, in as many columns as fit.

    An entry too wide for the panel on its own is wrapped into lines
    (:func:`~escalation.figures._labels.wrap_legend_entries`; ``Legend.labels``). The
    title, if any, goes above the entries rather than beside them where that takes fewer
    lines (beside them it took the room they wrap in, or a column's).

    Parameters
    ----------
    entries : sequence of str
        The legend's entries, in the order drawn.
    width : {"single", "double"} or float
        The figure's width.
    aesthetics : sequence of str
        The aesthetics the legend shows ("color", "linetype", ...): one guide each, all
        alike (plotnine merges them into one legend only when they agree).
    key_pt : float, optional
        The width of a key, in points (:data:`~escalation.figures.theme.LINE_KEY_PT` for
        line types); default the theme's key size, left as it is.
    title : str, default ""
        The legend's title (empty when it has none).
    row_labels : sequence of str, default ("100%",)
        The widest labels of the y axis (the panel starts after them).
    y_title_lines : int, default 1
        The lines of the y axis's title (:func:`panel_pt`).

    Returns
    -------
    Legend

    Examples
    --------
    >>> legend = legend_beneath(["Cox", "Logistic"], "single", aesthetics=["color"],
    ...                         key_pt=22.0)
    >>> legend.rows
    1
    """
    default_key = float(theme_escalation().themeables.property("legend_key_size"))
    key = default_key if key_pt is None else key_pt
    room = panel_pt(width, row_labels, y_title_lines=y_title_lines)
    size = secondary_pt()
    # The title beside the entries, or above them where that takes fewer lines (entries
    # that must wrap beside it, or columns it leaves no room for).
    wrapped, columns, rows = _layout(entries, room, size, key, title)
    above = False
    if title:
        wrapped_above, columns_above, rows_above = _layout(entries, room, size, key, "")
        if rows_above + 1 < rows:
            wrapped, columns, rows, above = wrapped_above, columns_above, rows_above + 1, True
    labels = {str(e): w for e, w in zip(entries, wrapped, strict=True) if str(e) != w}
    guides = p9.guides(**{aes: p9.guide_legend(ncol=columns, byrow=True) for aes in aesthetics})
    keys = [] if key_pt is None else [p9.theme(legend_key_width=key_pt)]
    # A wrapped entry's lines start under each other, beside its key.
    left = [p9.theme(legend_text=p9.element_text(ha="left", ma="left"))] if labels else []
    on_top = [p9.theme(legend_title_position="top")] if above else []
    return Legend([guides, *keys, *left, *on_top], rows=rows, labels=labels)


def _layout(
    entries: Sequence[str], room: float, size: float, key: float, title: str
) -> tuple[list[str], int, int]:
    """Return the entries wrapped, the columns and the lines of a legend with ``title`` beside."""
    wrapped = wrap_legend_entries(entries, room, size_pt=size, key_pt=key, title=title)
    columns = legend_columns(wrapped, room, size_pt=size, key_pt=key, title=title)
    lines = [w.count("\n") + 1 for w in wrapped]
    rows = sum(max(lines[i : i + columns]) for i in range(0, len(lines), columns))
    return wrapped, columns, rows
