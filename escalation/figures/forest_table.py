"""A hazard-ratio table in the style of ``survminer::ggforest``: labels, forest, text."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd
import plotnine as p9

from escalation.errors import DesignError
from escalation.figures._checks import require_columns, require_values
from escalation.figures._compose import added
from escalation.figures._labels import ROW_LABEL_SHARE, interval_digits, text_width_pt
from escalation.figures._rows import INDENT, grouped_rows, row_lines, row_pitch_mm, row_scale
from escalation.figures.theme import (
    ANNOTATION_PT,
    GREY,
    INK,
    ColumnWidth,
    secondary_pt,
    theme_escalation,
    width_mm,
)
from escalation.timeline.labels import describe_covariate

__all__ = ["hazard_ratio_table_width", "plot_hazard_ratio_table"]

_COLUMNS: Final = ("term", "estimate", "conf_low", "conf_high")
#: Text columns sit far to the right of any log10 hazard ratio on the shared x scale.
_TEXT_X: Final = 100.0


#: The text of a term without an estimate (R's ``NA``: the likelihood does not depend on it).
NOT_ESTIMABLE: Final = "not estimable"
#: The text of a term whose estimate is infinite (separation): no interval is meaningful.
INFINITE: Final = "infinite (separation)"


def _ratio_text(est: float, low: float, high: float) -> str:
    """Return a hazard ratio with its interval: "0.80 (0.70 to 0.92)".

    Two decimals, more (up to five) where two would put the ratio on its interval's ends,
    as "1.00 (1.00 to 1.00)" per day of a covariate in days.

    Examples
    --------
    >>> _ratio_text(0.8, 0.7, 0.92), _ratio_text(0.99962, 0.99931, 0.99993)
    ('0.80 (0.70 to 0.92)', '0.9996 (0.9993 to 0.9999)')
    """
    if not np.isfinite(est):
        return NOT_ESTIMABLE
    if not (np.isfinite(low) and np.isfinite(high)):
        return INFINITE
    d = min(interval_digits(est, low, high, scale=1.0, digits=2), 5)
    return f"{est:.{d}f} ({low:.{d}f} to {high:.{d}f})"


def _p_text(p: float) -> str:
    if not np.isfinite(p):
        return ""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


#: Relative widths of the forest, ratio-text and p-value panels, where their text fits.
_SPACES: Final = (3.0, 2.2, 1.0)
#: Millimetres of a table's width outside its row labels and panels: the plot's margins,
#: the gaps between panels and beside the labels (7.6 mm measured at 140 and 178 mm).
_FRAME_MM: Final = 8.0
#: Room a text panel keeps beyond its widest text, and the narrowest forest drawn.
_PAD_MM: Final = 3.0
_MIN_FOREST_MM: Final = 25.0
#: Clear space between two tick labels of the forest's axis.
_TICK_GAP_PT: Final = 4.0
_STRIP_PT: Final = 8.0  # the theme's base size: the panels' bold headers
_MM_PER_PT: Final = 25.4 / 72.0
#: Ticks of the log axis, the most telling first: the rest are added while they fit.
_TICK_PRIORITY: Final = (1.0, 0.5, 2.0, 0.25, 4.0, 0.1, 10.0, 0.2, 5.0, 0.75, 1.5, 3.0)


def _mm(strings: Sequence[str], size: float, *, bold: bool = False) -> float:
    """Return the widest of ``strings`` (their widest line) in millimetres."""
    widths = [text_width_pt(t, size, bold=bold) for t in strings if t]
    return max(widths, default=0.0) * _MM_PER_PT


@dataclass(frozen=True)
class _Table:
    """A table's rows and their text: ``data`` with ``row``, ``text`` and ``p_text``.

    ``names`` are the rows' names as drawn: wrapped for the figure's width when the table
    was made for one (:func:`~escalation.figures._rows.grouped_rows`); ``words`` the
    widest single word of any name (with a member's indent), which no wrapping narrows.
    """

    data: pd.DataFrame
    order: list[str]
    names: dict[str, str]
    headers: tuple[str, str, str]  # the forest's, the ratio text's and the p-values' panel
    words_mm: float

    def needs_mm(self) -> tuple[float, tuple[float, float, float]]:
        """Return the row labels' width and the narrowest forest, text and p panels (mm)."""
        forest, text, p = ([h] for h in self.headers)
        need = (
            max(_MIN_FOREST_MM, _mm(forest, _STRIP_PT, bold=True) + _PAD_MM),
            max(_mm(self.data["text"].tolist(), ANNOTATION_PT), _mm(text, _STRIP_PT, bold=True))
            + _PAD_MM,
            max(_mm(self.data["p_text"].tolist(), ANNOTATION_PT), _mm(p, _STRIP_PT, bold=True))
            + _PAD_MM,
        )
        return _mm([self.names[k] for k in self.order], secondary_pt()), need

    def narrowest_mm(self) -> float:
        """Return the narrowest figure width (mm) at which every text of the table fits.

        Unwrapped names need their own width beside the panels. Wrapped (at
        :data:`~escalation.figures._labels.ROW_LABEL_SHARE` of the width, a member's
        indent beside it) they need no more than that share or their widest word, so any
        width from ``max((rest + indent) / (1 - share), widest word + rest)`` up fits
        too, ``rest`` being the frame and the panels; the table is drawn at either.
        """
        labels, need = self.needs_mm()
        rest = _FRAME_MM + sum(need)
        indent = text_width_pt(INDENT, secondary_pt()) * _MM_PER_PT
        wrapped = max((rest + indent) / (1.0 - ROW_LABEL_SHARE), self.words_mm + rest)
        return min(labels + rest, wrapped)


def _table(
    effects: pd.DataFrame,
    label: str | None,
    group: str | None,
    ratio: str,
    width: ColumnWidth | float | None = None,
) -> _Table:
    """Return the rows of a hazard-ratio table, their labels, ratio text and p-values.

    With the figure's ``width``, a row's name too wide for its margin is wrapped (the
    one rule of :func:`~escalation.figures._labels.wrap_row_label`); without, names are
    kept whole (to measure the table's narrowest width).
    """
    data = require_columns(effects, _COLUMNS, figure="hazard-ratio table")
    data = require_values(
        data, dict.fromkeys(_COLUMNS[1:], "ratio"), figure="hazard-ratio table"
    ).copy()
    described = [describe_covariate(str(t)) for t in data["term"]]
    labels = data[label].astype(str).tolist() if label else [d.label for d in described]
    groups = data[group].tolist() if group else [d.domain for d in described]
    keys, order, names = grouped_rows(groups, labels, width=width)
    words = {
        (INDENT if names[k].startswith(INDENT) else "") + word
        for k in order
        for word in names[k].split()
    }
    data["row"] = keys
    data["text"] = [
        _ratio_text(e, lo, hi)
        for e, lo, hi in zip(data["estimate"], data["conf_low"], data["conf_high"], strict=True)
    ]
    p_values = data["p_value"] if "p_value" in data else pd.Series(np.nan, index=data.index)
    data["p_text"] = [_p_text(float(p)) for p in p_values]
    headers = (f"{ratio} (95% CI, log scale)", f"{ratio} (95% CI)", "p")
    return _Table(data, order, names, headers, _mm(sorted(words), secondary_pt()))


def _panel_widths(
    table: _Table, width: ColumnWidth | float, narrowest: float
) -> tuple[tuple[float, float, float], float]:
    """Return the widths of the forest, text and p panels, and the forest's in millimetres.

    The panels' widths are relative (facet_grid's ``space``): the usual proportions
    (:data:`_SPACES`) where each panel's text fits them; otherwise the text panels get
    the width of their widest text and the forest the rest. A width below ``narrowest``
    (:meth:`_Table.narrowest_mm` of the unwrapped table), too narrow for a forest of
    :data:`_MIN_FOREST_MM` (or its header) beside the row labels and text, is a
    :class:`DesignError` naming the width needed: drawn anyway, the text was cut off at
    the panels' edges. ``table`` has its names wrapped for ``width``.
    """
    total = width_mm(width)
    if total < narrowest - 1e-6:  # at the narrowest width itself, rounding error aside
        raise DesignError(
            "the hazard-ratio table needs a width of at least "
            f"{math.ceil(narrowest)} mm for these row labels and ratios, not "
            f"{total:.0f} mm (at {width!r} its text would be cut off); draw it wider "
            "(hazard_ratio_table_width gives the width needed), or draw the ratios alone "
            "with plot_hazard_ratios, which fits a single column"
        )
    labels, need = table.needs_mm()
    panels = total - labels - _FRAME_MM
    usual = [panels * space / sum(_SPACES) for space in _SPACES]
    if all(u >= n for u, n in zip(usual, need, strict=True)):
        return _SPACES, usual[0]
    forest = panels - need[1] - need[2]
    return (forest, need[1], need[2]), forest


def hazard_ratio_table_width(
    effects: pd.DataFrame,
    *,
    label: str | None = None,
    group: str | None = None,
    ratio: str = "HR",
) -> float:
    """Return the narrowest width (mm) at which :func:`plot_hazard_ratio_table` fits.

    The row labels, the ratios with their intervals and the p-values are measured in the
    figures' font; the forest keeps at least 25 mm. Narrower, the table is a
    :class:`~escalation.errors.DesignError` rather than a figure with its text cut off.

    Parameters
    ----------
    effects, label, group, ratio
        As for :func:`plot_hazard_ratio_table`.

    Returns
    -------
    float

    Examples
    --------
    >>> hr = pd.DataFrame({"term": ["treatment", "age"], "estimate": [0.82, 0.97],
    ...     "conf_low": [0.7, 0.95], "conf_high": [0.96, 0.99]})
    >>> 85 < hazard_ratio_table_width(hr) < 178  # wider than a single column
    True
    """
    return _table(effects, label, group, ratio).narrowest_mm()


def _log_breaks_within(forest_mm: float) -> Callable[[Sequence[float]], Sequence[float]]:
    """Return the forest axis' breaks function for a forest ``forest_mm`` wide.

    The candidates within the axis are kept, the most telling first, while each label
    stays clear of those kept (their half-widths and :data:`_TICK_GAP_PT` apart): on a
    narrow forest "0.25" and "0.5" ran together.
    """

    def breaks(limits: Sequence[float]) -> Sequence[float]:
        if limits[0] >= _TEXT_X / 2:
            return []
        inside = [float(c) for c in np.log10(_TICK_PRIORITY) if limits[0] <= c <= limits[1]]
        if len(inside) > 5:
            wanted = (0.25, 0.5, 1.0, 2.0, 4.0, 0.1, 10.0)
            inside = [c for c in inside if round(10**c, 2) in wanted]
        per_unit = forest_mm / _MM_PER_PT / max(limits[1] - limits[0], 1e-9)
        kept: list[tuple[float, float]] = []  # (position, half the label's width), points
        for c in inside:
            half = text_width_pt(_log_labels([c])[0], secondary_pt()) / 2
            if all(abs(c - k) * per_unit >= half + h + _TICK_GAP_PT for k, h in kept):
                kept.append((c, half))
        return sorted(k for k, _ in kept)

    return breaks


def _log_labels(values: Sequence[float] | Sequence[str]) -> Sequence[str]:
    return [f"{10 ** float(v):g}" for v in values]


def plot_hazard_ratio_table(
    effects: pd.DataFrame,
    *,
    label: str | None = None,
    group: str | None = None,
    ratio: str = "HR",
    title: str | None = None,
    width: Literal["single", "double"] | float = "double",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot hazard ratios as a table with a forest column, like ``survminer::ggforest``.

    Each row is a model term with its label, a point and interval on a log axis, the
    ratio with its 95% interval as text and the p-value; rows are grouped under headers
    (the domain of each covariate: child, history, referral, assessment factors).

    Parameters
    ----------
    effects : pandas.DataFrame
        ``term, estimate, conf_low, conf_high`` (+ ``p_value``) on the ratio scale, e.g.
        ``CoxResult.tidy(exponentiate=True)``. A term without an estimate (``NaN``: not
        estimable, R's ``NA``) keeps its row, says "not estimable" and draws no point; one
        with an estimate but no interval (separated: an infinite estimate) says "infinite
        (separation)" and draws no point either.
    label : str, optional
        Column of row labels (default: human labels of ``term`` from the code lists).
    group : str, optional
        Column of row groups (default: the domain of each term).
    ratio : str, default "HR"
        Short name of the ratio in the column header.
    title, width, height_mm
        Labels and size (height defaults to 22 mm + 5 mm per row, the height of a
        one-line name, more when a row's name is wrapped). A row's name wider than its
        margin is wrapped into lines by
        measured width (:func:`~escalation.figures._labels.wrap_row_label`).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> hr = pd.DataFrame({"term": ["treatment", "age", "factor_3B"],
    ...     "estimate": [0.82, 0.97, 1.45], "conf_low": [0.7, 0.95, 1.2],
    ...     "conf_high": [0.96, 0.99, 1.75], "p_value": [0.01, 0.002, 0.0001]})
    >>> plot = plot_hazard_ratio_table(hr)
    >>> sorted(plot.data["text"].dropna())[:2]
    ['0.82 (0.70 to 0.96)', '0.97 (0.95 to 0.99)']
    """
    narrowest = _table(effects, label, group, ratio).narrowest_mm()
    table = _table(effects, label, group, ratio, width)
    spaces, forest_mm = _panel_widths(table, width, narrowest)
    data, order, names = table.data, table.order, table.names
    forest_name, text_name, _ = table.headers
    panels = list(table.headers)
    drawn = data[
        np.isfinite(data[["estimate", "conf_low", "conf_high"]].to_numpy(dtype=float)).all(axis=1)
    ]
    forest = drawn.assign(
        x=np.log10(drawn["estimate"]),
        lo=np.log10(drawn["conf_low"]),
        hi=np.log10(drawn["conf_high"]),
        panel=pd.Categorical([forest_name] * len(drawn), categories=panels),
    )
    text = pd.concat(
        [
            data.assign(x=_TEXT_X, label_text=data["text"], panel=text_name),
            data.assign(x=_TEXT_X, label_text=data["p_text"], panel="p"),
        ],
        ignore_index=True,
    )
    text["panel"] = pd.Categorical(text["panel"], categories=panels)
    span = np.nanmax(np.abs(np.r_[forest["lo"], forest["hi"]]))
    blank = pd.DataFrame(
        {
            "x": [-span * 1.08, span * 1.08, _TEXT_X - 1, _TEXT_X + 1, _TEXT_X - 1, _TEXT_X + 1],
            "row": data["row"].iloc[0],
            "panel": pd.Categorical(
                [forest_name] * 2 + [text_name] * 2 + ["p"] * 2, categories=panels
            ),
        }
    )
    null = pd.DataFrame({"x": [0.0], "panel": pd.Categorical([forest_name], categories=panels)})
    pitch = row_pitch_mm(row_lines(names), 4.4)  # rows as tall as a wrapped name needs
    height = 22.0 + pitch * len(order) if height_mm is None else height_mm
    return added(
        p9.ggplot(forest, p9.aes("x", "row")),
        [
            p9.geom_vline(p9.aes(xintercept="x"), data=null, linetype="dashed", color=GREY),
            p9.geom_segment(p9.aes(x="lo", xend="hi", yend="row"), size=0.6, color=INK),
            p9.geom_point(size=1.6, color=INK, shape="s"),
            p9.geom_text(
                p9.aes(x="x", y="row", label="label_text"),
                data=text,
                size=ANNOTATION_PT,
                ha="center",
                inherit_aes=False,
            ),
            p9.geom_blank(p9.aes(x="x", y="row"), data=blank, inherit_aes=False),
            p9.facet_grid(cols="panel", scales="free_x", space={"x": list(spaces), "y": [1.0]}),
            p9.scale_x_continuous(
                breaks=_log_breaks_within(forest_mm), labels=_log_labels, expand=(0, 0)
            ),
            p9.labs(x="", y="", title=title),
            theme_escalation(width=width, height_mm=float(np.clip(height, 40.0, 240.0))),
            *row_scale(order, names),
            p9.theme(
                panel_grid_major_y=p9.element_blank(),
                strip_text_x=p9.element_text(ha="center", weight="bold"),
                axis_line_y=p9.element_blank(),
                axis_ticks_major_y=p9.element_blank(),
            ),
        ],
    )
