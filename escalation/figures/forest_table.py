"""A hazard-ratio table in the style of ``survminer::ggforest``: labels, forest, text."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import numpy as np
import pandas as pd
import plotnine as p9

from escalation.figures._checks import require_columns
from escalation.figures._labels import interval_digits
from escalation.figures._rows import grouped_rows, row_scale
from escalation.figures.theme import ANNOTATION_PT, GREY, INK, theme_escalation
from escalation.timeline.labels import describe_covariate

__all__ = ["plot_hazard_ratio_table"]

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


def _log_breaks(limits: Sequence[float]) -> Sequence[float]:
    if limits[0] >= _TEXT_X / 2:
        return []
    candidates = np.log10([0.1, 0.2, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 10.0])
    inside = [float(c) for c in candidates if limits[0] <= c <= limits[1]]
    if len(inside) > 5:
        inside = [c for c in inside if round(10**c, 2) in (0.25, 0.5, 1.0, 2.0, 4.0, 0.1, 10.0)]
    return inside


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
        Labels and size (height defaults to 22 mm + 4.4 mm per row).

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
    data = require_columns(effects, _COLUMNS, figure="hazard-ratio table").copy()
    described = [describe_covariate(str(t)) for t in data["term"]]
    labels = data[label].astype(str).tolist() if label else [d.label for d in described]
    groups = data[group].tolist() if group else [d.domain for d in described]
    keys, order, names = grouped_rows(groups, labels)
    data["row"] = keys
    data["text"] = [
        _ratio_text(e, lo, hi)
        for e, lo, hi in zip(data["estimate"], data["conf_low"], data["conf_high"], strict=True)
    ]
    p_values = data["p_value"] if "p_value" in data else pd.Series(np.nan, index=data.index)
    data["p_text"] = [_p_text(float(p)) for p in p_values]
    forest_name = f"{ratio} (95% CI, log scale)"
    text_name = f"{ratio} (95% CI)"
    panels = [forest_name, text_name, "p"]
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
            "row": keys[0],
            "panel": pd.Categorical(
                [forest_name] * 2 + [text_name] * 2 + ["p"] * 2, categories=panels
            ),
        }
    )
    null = pd.DataFrame({"x": [0.0], "panel": pd.Categorical([forest_name], categories=panels)})
    height = 22.0 + 4.4 * len(order) if height_mm is None else height_mm
    return (
        p9.ggplot(forest, p9.aes("x", "row"))
        + p9.geom_vline(p9.aes(xintercept="x"), data=null, linetype="dashed", color=GREY)
        + p9.geom_segment(p9.aes(x="lo", xend="hi", yend="row"), size=0.6, color=INK)
        + p9.geom_point(size=1.6, color=INK, shape="s")
        + p9.geom_text(
            p9.aes(x="x", y="row", label="label_text"),
            data=text,
            size=ANNOTATION_PT,
            ha="center",
            inherit_aes=False,
        )
        + p9.geom_blank(p9.aes(x="x", y="row"), data=blank, inherit_aes=False)
        + p9.facet_grid(cols="panel", scales="free_x", space={"x": [3.0, 2.2, 1.0], "y": [1.0]})
        + p9.scale_x_continuous(breaks=_log_breaks, labels=_log_labels, expand=(0, 0))
        + p9.labs(x="", y="", title=title)
        + theme_escalation(width=width, height_mm=float(np.clip(height, 40.0, 240.0)))
        + row_scale(order, names)
        + p9.theme(
            panel_grid_major_y=p9.element_blank(),
            strip_text_x=p9.element_text(ha="center", weight="bold"),
            axis_line_y=p9.element_blank(),
            axis_ticks_major_y=p9.element_blank(),
        )
    )
