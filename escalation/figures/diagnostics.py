"""Model diagnostics: scaled Schoenfeld residuals against time with a smooth."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import pandas as pd
import plotnine as p9

from escalation.errors import DesignError
from escalation.figures._checks import require_columns
from escalation.figures.theme import GREY, theme_escalation

__all__ = ["plot_schoenfeld"]

_COLUMNS: Final = ("time", "covariate", "residual")


def plot_schoenfeld(
    residuals: pd.DataFrame,
    *,
    covariates: Sequence[str] | None = None,
    smooth_span: float = 0.6,
    ncol: int = 3,
    title: str | None = None,
    width: Literal["single", "double"] | float = "double",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot (scaled) Schoenfeld residuals against time, one panel per covariate.

    A flat LOWESS smooth around zero is consistent with proportional hazards for
    that covariate (Grambsch & Therneau, 1994, doi:10.1093/biomet/81.3.515).

    Parameters
    ----------
    residuals : pandas.DataFrame
        ``time, covariate, residual`` (one row per event and covariate).
    covariates : sequence of str, optional
        Panels to draw, in order (default: all, in order of appearance).
    smooth_span : float, default 0.6
        LOWESS span (fraction of points).
    ncol : int, default 3
        Panels per row.
    title, width, height_mm
        Labels and size (height defaults to 45 mm per row of panels).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"time": [10, 50, 90, 10, 50, 90],
    ...     "covariate": ["age"] * 3 + ["treatment"] * 3,
    ...     "residual": [0.1, -0.2, 0.05, 0.3, -0.1, -0.2]})
    >>> plot = plot_schoenfeld(frame)
    >>> list(plot.data["covariate"].cat.categories)
    ['age', 'treatment']
    """
    residuals = require_columns(residuals, _COLUMNS, figure="Schoenfeld residuals")
    data = residuals.copy()
    data["covariate"] = data["covariate"].astype(str)
    present = list(pd.unique(data["covariate"]))
    chosen = present if covariates is None else [str(c) for c in covariates]
    unknown = sorted(set(chosen) - set(present))
    if unknown:
        raise DesignError(
            f"Schoenfeld residuals: no residuals for {', '.join(unknown)} "
            f"(covariates present: {', '.join(present)})"
        )
    data = data[data["covariate"].isin(chosen)].copy()
    data["covariate"] = pd.Categorical(data["covariate"], categories=chosen)
    rows = -(-len(chosen) // ncol)
    height = 20.0 + 42.0 * rows if height_mm is None else height_mm
    return (
        p9.ggplot(data, p9.aes("time", "residual"))
        + p9.geom_hline(yintercept=0.0, linetype="dashed", color=GREY, size=0.4)
        # Thousands of points: rasterised inside PDF and SVG to keep the files small.
        + p9.geom_point(alpha=0.25, size=0.5, stroke=0, color="#333333", raster=True)
        + p9.geom_smooth(method="lowess", span=smooth_span, se=False, color="#D55E00", size=0.7)
        + p9.facet_wrap("covariate", ncol=ncol, scales="free_y")
        + p9.labs(x="Days since the decision point", y="Scaled Schoenfeld residual", title=title)
        + theme_escalation(width=width, height_mm=min(height, 230.0))
    )
