"""Forest plot by local authority: each authority, the pooled estimate, the prediction interval."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from typing import Final, Literal

import numpy as np
import pandas as pd
import plotnine as p9

from escalation.errors import DataValidationError, Problem
from escalation.figures._checks import require_columns
from escalation.figures._compose import added
from escalation.figures._labels import points
from escalation.figures.theme import ESTIMATOR_INKS, GREY, INK, theme_escalation

__all__ = ["plot_authority_forest"]

_KINDS: Final = ("authority", "pooled", "prediction")
#: Authorities in grey squares, the pooled estimate a black diamond with its prediction
#: interval dotted: never the arms' blue and vermillion.
_COLOURS: Final = {"authority": ESTIMATOR_INKS[1], "pooled": INK, "prediction": INK}


def plot_authority_forest(
    effects: pd.DataFrame,
    *,
    scale: Literal["difference", "ratio"] = "difference",
    percent: bool = True,
    xlab: str | None = None,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
) -> p9.ggplot:
    """Plot each authority's estimate, the pooled estimate and its prediction interval.

    Parameters
    ----------
    effects : pandas.DataFrame
        A tidy frame, one row per line of the plot: ``label`` (the authority, or e.g.
        "Pooled (random effects)"), ``estimate, conf_low, conf_high`` and ``kind``:
        ``"authority"``, ``"pooled"`` (drawn as a diamond) or ``"prediction"`` (the
        prediction interval for a new authority, drawn dotted on its own row). An
        optional ``weight`` column (percent) sizes the authorities' points.
    scale : {"difference", "ratio"}, default "difference"
        Null value 0 on a linear axis, or 1 on a log axis (give ratios, not logs).
    percent : bool, default True
        Show a difference scale in percentage points (estimates are proportions).
    xlab, title : str, optional
        Axis label and title.
    width : {"single", "double"} or float, default "single"

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({
    ...     "label": ["LA01", "LA02", "Pooled (random effects)", "Prediction interval"],
    ...     "estimate": [-0.02, -0.01, -0.015, -0.015],
    ...     "conf_low": [-0.04, -0.03, -0.03, -0.06],
    ...     "conf_high": [0.0, 0.01, 0.0, 0.03],
    ...     "kind": ["authority", "authority", "pooled", "prediction"]})
    >>> plot = plot_authority_forest(frame)
    >>> list(plot.data["label"].cat.categories)[-1]
    'LA01'
    """
    data = require_columns(
        effects,
        ("label", "estimate", "conf_low", "conf_high", "kind"),
        figure="forest plot by authority",
    ).copy()
    unknown = sorted(set(data["kind"].astype(str)) - set(_KINDS))
    if unknown:
        raise DataValidationError(
            [
                Problem(
                    "forest plot by authority",
                    None,
                    "kind",
                    unknown[0],
                    f"kind must be one of {', '.join(_KINDS)}",
                )
            ],
            context="forest plot by authority data",
        )
    data["label"] = data["label"].astype(str)
    order = list(pd.unique(data["label"]))
    data["label"] = pd.Categorical(data["label"], categories=order[::-1])
    if "weight" not in data.columns:
        data["weight"] = np.nan
    data["size"] = np.where(
        data["kind"] == "authority",
        1.2 + 2.4 * np.sqrt(pd.to_numeric(data["weight"], errors="coerce").fillna(25.0) / 100),
        2.8,
    )
    null = 1.0 if scale == "ratio" else 0.0
    authorities = data[data["kind"] == "authority"]
    pooled = data[data["kind"] == "pooled"]
    prediction = data[data["kind"] == "prediction"]
    plot = added(
        p9.ggplot(data, p9.aes(x="estimate", y="label")),
        [
            p9.geom_vline(xintercept=null, linetype="dashed", color=GREY),
            p9.geom_segment(
                p9.aes(x="conf_low", xend="conf_high", yend="label"),
                data=authorities,
                size=0.6,
                color=_COLOURS["authority"],
            ),
            p9.geom_point(
                p9.aes(size="size"), data=authorities, shape="s", color=_COLOURS["authority"]
            ),
            p9.geom_segment(
                p9.aes(x="conf_low", xend="conf_high", yend="label"),
                data=prediction,
                size=0.6,
                linetype="dotted",
                color=_COLOURS["prediction"],
            ),
            p9.geom_segment(
                p9.aes(x="conf_low", xend="conf_high", yend="label"),
                data=pooled,
                size=1.2,
                color=_COLOURS["pooled"],
            ),
            p9.geom_point(data=pooled, shape="D", size=3.0, color=_COLOURS["pooled"]),
            p9.scale_size_identity(),
        ],
    )
    if scale == "ratio":
        plot += p9.scale_x_log10()
        label = xlab or "Hazard ratio (95% CI, log scale)"
    else:
        if percent:
            plot += p9.scale_x_continuous(labels=points)
        label = xlab or ("Risk difference, % points (95% CI)" if percent else "Estimate (95% CI)")
    height = float(np.clip(16.0 + 6.0 * len(order), 40.0, 230.0))
    return added(
        plot,
        [
            p9.labs(x=label, y="", title=title),
            theme_escalation(width=width, height_mm=height),
            p9.theme(panel_grid_major_y=p9.element_blank()),
        ],
    )
