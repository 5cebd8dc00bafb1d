"""Axis breaks and label formatters shared by the figures (typed as plotnine expects)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from escalation._decimals import clear_of_zero_digits
from escalation.figures.theme import FONT_FAMILY, ColumnWidth, secondary_pt, width_mm

__all__ = [
    "ROW_LABEL_SHARE",
    "abs_percent",
    "interval_digits",
    "legend_columns",
    "percent",
    "point_breaks",
    "points",
    "text_width_pt",
    "wrap_legend_entries",
    "wrap_row_label",
    "wrap_to_width",
    "wrap_words",
]

Values = Sequence[float] | Sequence[str]

#: Steps of "nice" breaks, in percentage points.
_STEPS = (0.1, 0.2, 0.25, 0.5, 1.0, 2.0, 2.5, 5.0, 10.0, 20.0, 25.0, 50.0)


def percent(values: Values) -> Sequence[str]:
    """Format proportions as whole percentages: 0.25 -> "25%"."""
    return [f"{100 * float(v):.0f}%" for v in values]


def abs_percent(values: Values) -> Sequence[str]:
    """Format proportions as whole percentages without sign (mirrored axes)."""
    return [f"{100 * abs(float(v)):.0f}%" for v in values]


def _decimals(step: float) -> int:
    text = f"{step:g}"
    return len(text.split(".")[1]) if "." in text else 0


def point_breaks(limits: Sequence[float], n: int = 5) -> Sequence[float]:
    """Return evenly spaced breaks of proportions at round percentage-point steps.

    Breaks are chosen in percentage points (steps of 1, 2, 2.5, 5, ... points), so that
    the labels of :func:`points` are evenly spaced numbers (no "-5, -2, 0").

    Examples
    --------
    >>> [round(100 * b, 1) for b in point_breaks((-0.05, 0.0))]
    [-5.0, -4.0, -3.0, -2.0, -1.0, 0.0]
    >>> [round(100 * b, 1) for b in point_breaks((-0.062, 0.011))]
    [-6.0, -4.0, -2.0, 0.0]
    """
    low, high = 100 * float(limits[0]), 100 * float(limits[1])
    if not np.isfinite(low) or not np.isfinite(high) or high <= low:
        return [float(limits[0])]
    step = next((s for s in _STEPS if (high - low) / s <= n), _STEPS[-1])
    first = np.ceil(low / step - 1e-9) * step
    out = np.arange(first, high + 1e-9, step)
    return [float(round(b, 6)) / 100 for b in out]


def points(values: Values) -> Sequence[str]:
    """Format differences of proportions as signed percentage points: -0.02 -> "-2".

    Decimals are added only when the breaks need them ("-2.5", "-0.5").

    Examples
    --------
    >>> list(points([-0.025, 0.0, 0.025]))
    ['-2.5', '0', '+2.5']
    """
    numbers = [100 * float(v) for v in values]
    digits = max((_decimals(round(x, 6)) for x in numbers), default=0)
    digits = min(digits, 2)
    out = []
    for x in numbers:
        text = f"{x:+.{digits}f}"
        out.append("0" if float(text) == 0 else text)
    return out


_PT_PER_MM = 72 / 25.4


def text_width_pt(text: str, size: float, *, bold: bool = False) -> float:
    r"""Return the width of ``text`` in points, in the figures' font at ``size`` points.

    The text is measured by the outlines of its glyphs in :data:`~escalation.figures.theme.
    FONT_FAMILY` (DejaVu Sans, which ships with matplotlib: the same widths on every
    machine), as matplotlib draws it in vector files; text on more than one line is as
    wide as its widest line.

    Examples
    --------
    >>> text_width_pt("0.80 (0.70 to 0.92)", 7.5) > text_width_pt("0.80", 7.5) > 0
    True
    >>> text_width_pt("Cox\nGradient boosting", 7.5) == text_width_pt("Gradient boosting", 7.5)
    True
    """
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextToPath

    prop = FontProperties(family=FONT_FAMILY, size=size, weight="bold" if bold else "normal")
    measure = TextToPath().get_text_width_height_descent
    return max(float(measure(line, prop, ismath=False)[0]) for line in text.split("\n"))


def wrap_words(text: str, room_pt: float, *, size_pt: float, bold: bool = False) -> str:
    r"""Return ``text`` with its words on as few lines as fit ``room_pt``, measured.

    The one rule by which figures wrap a label (a legend entry, a row of a risk table, a
    title or subtitle): words are put on a line while the line, measured in the figures'
    font (:func:`text_width_pt`), fits the room, and a word wider than the room on its own
    takes a line by itself. Line breaks already in ``text`` are kept.

    Parameters
    ----------
    text : str
        The label.
    room_pt : float
        The widest a line may be, in points.
    size_pt : float
        The size of the text, in points.
    bold : bool, default False
        Whether the text is drawn bold (a title).

    Returns
    -------
    str
        ``text`` unchanged when it fits, else its lines joined by ``"\n"``.

    Examples
    --------
    >>> print(wrap_words("Children with a previous child protection plan", 100.0,
    ...                  size_pt=7.5))
    Children with a previous
    child protection plan
    >>> wrap_words("Girls", 10.0, size_pt=7.5)
    'Girls'
    """
    out: list[str] = []
    for paragraph in str(text).split("\n"):
        lines: list[str] = []
        for word in paragraph.split():
            joined = f"{lines[-1]} {word}" if lines else word
            if lines and text_width_pt(joined, size_pt, bold=bold) <= room_pt:
                lines[-1] = joined
            else:
                lines.append(word)
        out.append("\n".join(lines) if lines else paragraph)
    return "\n".join(out)


#: The widest a row's name may be beside a panel (a risk table's group, a forest plot's
#: term), as a share of the figure's width: a longer name is wrapped into lines, so that
#: the panel keeps the rest.
ROW_LABEL_SHARE = 0.45


def wrap_row_label(text: str, width: ColumnWidth | float, *, size_pt: float | None = None) -> str:
    r"""Return a row's name wrapped into lines no wider than :data:`ROW_LABEL_SHARE`.

    The names of rows beside a panel (a risk table's groups, a forest plot's terms), at
    the axis-text size by default (:func:`wrap_words`).

    Examples
    --------
    >>> wrap_row_label("Children with a previous child protection plan", "single")
    'Children with a previous\nchild protection plan'
    >>> wrap_row_label("Girls", "single")
    'Girls'
    """
    room = ROW_LABEL_SHARE * width_mm(width) * _PT_PER_MM
    size = secondary_pt() if size_pt is None else size_pt
    return wrap_words(text, room, size_pt=size)


#: What plotnine puts beside each entry of a legend, in points: the key's margin and the
#: gap to its text, and the space to the next entry (``legend_key_spacing_x``, 6 pt).
_LEGEND_ENTRY_PT = 8.0
#: The gap between a legend's title and its first key, in points.
_LEGEND_TITLE_GAP_PT = 5.0


def _entry_pt(entry: str, size_pt: float, key_pt: float) -> float:
    """Return the width a legend entry takes, in points: key, gaps and its widest line."""
    return key_pt + _LEGEND_ENTRY_PT + text_width_pt(str(entry), size_pt)


def _title_pt(title: str, size_pt: float) -> float:
    """Return the width a legend's title takes left of its first column, in points."""
    return text_width_pt(title, size_pt) + _LEGEND_TITLE_GAP_PT if title else 0.0


def wrap_legend_entries(
    entries: Sequence[str],
    room_pt: float,
    *,
    size_pt: float,
    key_pt: float,
    title: str = "",
) -> list[str]:
    r"""Return the entries, each too wide for ``room_pt`` on its own wrapped into lines.

    An entry wider than the room (with the title, if any) runs off the figure even in a
    legend of one column: its words are put on as few lines as fit beside the key. An
    entry that fits is returned as it is. Arguments as for :func:`legend_columns`.

    Examples
    --------
    >>> wrap_legend_entries(["Cox", "Cox model with every covariate of the case history"],
    ...                     150.0, size_pt=7.5, key_pt=22.0)
    ['Cox', 'Cox model with every covariate\nof the case history']
    """
    room = room_pt - _title_pt(title, size_pt)
    text_room = room - key_pt - _LEGEND_ENTRY_PT
    return [
        entry
        if _entry_pt(entry, size_pt, key_pt) <= room
        else wrap_words(entry, text_room, size_pt=size_pt)
        for entry in map(str, entries)
    ]


def legend_columns(
    entries: Sequence[str],
    room_pt: float,
    *,
    size_pt: float,
    key_pt: float,
    title: str = "",
) -> int:
    """Return the most columns a legend beneath a panel can have within ``room_pt``.

    The entries are read across (``guide_legend(ncol=..., byrow=True)``): with ``k``
    columns, column ``j`` holds entries ``j, j + k, ...`` and is as wide as its widest
    entry (key, gap and text). The title, if any, sits left of the first column. Each
    number of columns from one row down to one column is tried in turn, so a legend that
    fits on one line stays on one line.

    Parameters
    ----------
    entries : sequence of str
        The legend's entries, in order.
    room_pt : float
        The width the legend may take, in points (a legend beneath the panels is centred
        on them: the panels' width).
    size_pt : float
        The size of the legend's text, in points.
    key_pt : float
        The width of a legend key, in points.
    title : str, default ""
        The legend's title (empty when it has none).

    Returns
    -------
    int
        Between 1 and ``len(entries)`` (1 when even one column is wider than the room).

    Examples
    --------
    >>> legend_columns(["Female", "Male"], 200.0, size_pt=7.5, key_pt=11.5)
    2
    >>> legend_columns(["Female", "Male", "Unknown or not stated"], 150.0, size_pt=7.5,
    ...                key_pt=22.0, title="Sex")
    1
    """
    widths = [_entry_pt(e, size_pt, key_pt) for e in entries]
    title_pt = _title_pt(title, size_pt)
    for columns in range(len(widths), 1, -1):
        if title_pt + sum(max(widths[j::columns]) for j in range(columns)) <= room_pt:
            return columns
    return 1


def wrap_to_width(
    text: str,
    width: ColumnWidth | float,
    *,
    size_pt: float | None = None,
    bold: bool = False,
    margin_mm: float = 16.0,
) -> str:
    """Wrap ``text`` into lines that fit a figure ``width`` wide (a title or subtitle).

    Titles and subtitles start at the panel, after the y axis (``margin_mm`` allows for
    it); matplotlib does not wrap them, and text longer than the figure is cut off. The
    lines are measured in the figures' font (:func:`wrap_words`).

    Parameters
    ----------
    text : str
        The title or subtitle.
    width : {"single", "double"} or float
        The figure's width.
    size_pt : float, optional
        The size of the text, in points (default the theme's secondary text, a subtitle's).
    bold : bool, default False
        Whether the text is drawn bold (a title).
    margin_mm : float, default 16
        The room left of the text (the y axis), in millimetres.

    Returns
    -------
    str

    Examples
    --------
    >>> print(wrap_to_width("Adjusted (AIPW): the overlap population (children who might "
    ...                     "or might not have received early help)", "single"))
    Adjusted (AIPW): the overlap population (children
    who might or might not have received early help)
    >>> wrap_to_width("Unadjusted", "single")
    'Unadjusted'
    """
    room = (width_mm(width) - margin_mm) * _PT_PER_MM
    size = secondary_pt() if size_pt is None else size_pt
    return wrap_words(text, room, size_pt=size, bold=bold)


def interval_digits(
    estimate: float, conf_low: float, conf_high: float, *, scale: float = 100.0, digits: int = 0
) -> int:
    """Return the fewest decimals (from ``digits``) that print an interval as it is.

    Rounding may put a point estimate on, or past, a rounded limit ("10% (95% CI 9% to
    10%)" for 9.96% with an upper limit of 9.98%); decimals are added until the printed
    estimate lies strictly between the printed limits, as the unrounded one does. An
    interval wholly on one side of zero never prints an end as zero ("-2.9 to -0.0" for
    an end of -0.04): :func:`escalation._decimals.clear_of_zero_digits` gives the
    decimals to start from.

    Examples
    --------
    >>> interval_digits(0.0996, 0.0912, 0.0998)
    2
    >>> interval_digits(0.183, 0.161, 0.207)
    0
    >>> interval_digits(-0.01468, -0.02853, -0.0004, digits=1)
    2
    """
    start = clear_of_zero_digits(conf_low, conf_high, scale=scale, digits=digits)
    e, lo, hi = (scale * float(v) for v in (estimate, conf_low, conf_high))
    if not (lo < e < hi):
        return start
    for d in range(start, start + 7):
        if round(lo, d) < round(e, d) < round(hi, d):
            return d
    return start + 6
