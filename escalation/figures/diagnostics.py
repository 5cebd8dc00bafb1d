"""Model diagnostics: scaled Schoenfeld residuals against time with a smooth and its band."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotnine as p9

from escalation.errors import DesignError
from escalation.figures._checks import require_columns
from escalation.figures._compose import added
from escalation.figures._labels import wrap_words
from escalation.figures._legends import panel_pt
from escalation.figures.theme import GREY, INK, theme_escalation
from escalation.results import root_variance
from escalation.timeline.labels import covariate_label

__all__ = ["natural_spline_smooth", "plot_schoenfeld"]

_COLUMNS: Final = ("time", "covariate", "residual")
#: Points at which ``plot.cox.zph`` evaluates its smooth (its ``nsmo``).
SMOOTH_POINTS: Final = 40
FloatArray = npt.NDArray[np.float64]


def _natural_basis(x: FloatArray, knots: FloatArray) -> FloatArray:
    """Natural cubic spline basis with ``knots`` (Hastie et al., ESL eq. 5.4-5.5)."""
    k = len(knots)

    def d(j: int) -> FloatArray:
        num = np.clip(x - knots[j], 0, None) ** 3 - np.clip(x - knots[-1], 0, None) ** 3
        return num / (knots[-1] - knots[j])

    columns = [np.ones_like(x), x]
    last = d(k - 2)
    columns += [d(j) - last for j in range(k - 2)]
    return np.column_stack(columns)


def _spline_knots(xs: FloatArray, grid: FloatArray, df: int) -> FloatArray:
    """Return the knots of R's ``ns(c(grid, x), df = df, intercept = TRUE)``.

    ``df - 2`` interior knots at equally spaced quantiles of the grid and the data
    together, between the two boundary knots at their range: ``df`` basis columns.
    """
    pooled = np.concatenate((grid, xs))
    return np.unique(np.quantile(pooled, np.linspace(0.0, 1.0, df)))


def _spline_designs(xs: FloatArray, grid: FloatArray, df: int) -> tuple[FloatArray, FloatArray]:
    """Return the natural-spline design matrices at the data and at the grid."""
    knots = _spline_knots(xs, grid, df)
    if len(knots) < 3:
        return (
            np.column_stack([np.ones_like(xs), xs]),
            np.column_stack([np.ones_like(grid), grid]),
        )
    low, scale = knots[0], knots[-1] - knots[0]
    unit = (knots - low) / scale
    return _natural_basis((xs - low) / scale, unit), _natural_basis((grid - low) / scale, unit)


def natural_spline_smooth(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    at: npt.ArrayLike,
    *,
    df: int = 4,
    z: float = 2.0,
    variance: float | None = None,
) -> pd.DataFrame:
    """Return a natural-spline regression of ``y`` on ``x`` at ``at`` with a band.

    The smooth of ``survival::plot.cox.zph``: least squares on R's
    ``ns(c(at, x), df = df, intercept = TRUE)``, a natural cubic spline with ``df``
    basis columns (``df - 2`` interior knots at quantiles of ``at`` and ``x`` together,
    boundary knots at their range), and a pointwise band of ``z`` times
    ``sqrt(variance * s)``, where ``s`` is the diagonal of ``B (X'X)^-1 B'`` at ``at``.
    ``plot.cox.zph`` takes ``variance`` from the model (``cox.zph``'s ``var[i, i]``,
    :meth:`CoxResult.schoenfeld`'s ``variance``) and ``z = 2``. Without ``variance``,
    the residual variance of the fit stands in (a band for a smooth of any data).

    Parameters
    ----------
    x, y : array_like
        The points to smooth.
    at : array_like
        Where to evaluate the smooth (``plot.cox.zph``: 40 equally spaced points over
        the range of ``x``); it also sets the knots, as in R.
    df : int, default 4
        Basis columns (degrees of freedom), at least 2 (2 is a straight line).
    z : float, default 2.0
        Multiplier of the standard error.
    variance : float, optional
        Variance of the residuals' coefficient (``cox.zph``'s ``var[i, i]``).

    Returns
    -------
    pandas.DataFrame
        ``time, fit, low, high``.

    Raises
    ------
    DesignError
        If ``df`` is below 2.

    Examples
    --------
    >>> x = np.linspace(0, 10, 50)
    >>> out = natural_spline_smooth(x, 2 + 0.5 * x, [0, 5, 10])
    >>> out["fit"].round(6).tolist()
    [2.0, 4.5, 7.0]
    """
    if df < 2:
        raise DesignError(f"natural_spline_smooth: df must be at least 2, got {df}")
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    grid = np.asarray(at, dtype=float)
    design, new = _spline_designs(xs, grid, df)
    q, r = np.linalg.qr(design)
    coef = np.linalg.lstsq(r, q.T @ ys, rcond=None)[0]
    if variance is None:
        resid = ys - design @ coef
        variance = float(resid @ resid) / max(len(ys) - design.shape[1], 1)
    half = new @ np.linalg.pinv(r)
    seval = np.einsum("ij,ij->i", half, half)
    fit = new @ coef
    se = root_variance(variance * seval)
    return pd.DataFrame({"time": grid, "fit": fit, "low": fit - z * se, "high": fit + z * se})


def _time_axis(data: pd.DataFrame) -> tuple[str, p9.scale_x_continuous | None]:
    """Return the column to smooth against and, on a transformed scale, its day axis.

    As ``plot.cox.zph``: the smooth is fitted on ``cox.zph``'s transformed time (``km``
    by default) when the frame has it; the axis then marks days (two significant
    digits) at their places on that scale.
    """
    if "transformed_time" not in data.columns:
        return "time", None
    scale = data[["transformed_time", "time"]].astype(float).drop_duplicates("transformed_time")
    scale = scale.sort_values("transformed_time")
    where, days = scale["transformed_time"].to_numpy(), scale["time"].to_numpy()
    if len(where) < 2:
        return "transformed_time", None
    marks = np.linspace(where[0], where[-1], 9)[1::2]
    labels = [float(f"{d:.2g}") for d in np.interp(marks, where, days)]
    breaks = np.interp(labels, days, where)
    return "transformed_time", p9.scale_x_continuous(
        breaks=list(breaks), labels=[f"{d:,.0f}" for d in labels]
    )


def _p_text(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _term_of(column: str, p_values: dict[str, float]) -> str | None:
    """Return the tested term of a coded column: itself, or the term it is an indicator of.

    ``ph_test`` tests a categorical covariate (``sex``, or a formula's ``C(sex)``) once, on
    its indicator columns (``sex_M``; ``C(sex)[T.M]``): the longest term that names such
    a column is its term.
    """
    if column in p_values:
        return column
    owners = [
        term
        for term in p_values
        if term != "global" and (column.startswith(f"{term}_") or column.startswith(f"{term}["))
    ]
    return max(owners, key=len) if owners else None


#: The size of a panel's title (the theme's strip text, at the base size), in points.
_STRIP_PT: Final = 8.0
#: The space between panels, in points: what a panel's title may not take of the
#: figure's width per panel (a title may reach over the next panel's y axis labels, ~15 pt,
#: but not to the next title).
_PANEL_GAP_PT: Final = 12.0


def plot_schoenfeld(
    residuals: pd.DataFrame,
    tests: pd.DataFrame | None = None,
    *,
    covariates: Sequence[str] | None = None,
    df: int = 4,
    trim: float = 0.02,
    ncol: int = 3,
    title: str | None = None,
    width: Literal["single", "double"] | float = "double",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot scaled Schoenfeld residuals against time, one panel per covariate.

    As ``survival::plot.cox.zph`` (and ``survminer::ggcoxzph``): the residuals, its
    natural-spline smooth (``df`` degrees of freedom) with its band of two standard
    errors (:func:`natural_spline_smooth`, equal to R's to 1e-6), the coefficient's
    constant value as a dashed line and, with ``tests``, each covariate's test of
    proportional hazards in its panel title (the global test in the subtitle; a
    categorical covariate's indicators show the test of the covariate, on its df). A flat
    smooth is consistent with proportional hazards (Grambsch & Therneau, 1994,
    doi:10.1093/biomet/81.3.515). Panel titles are human labels of the terms.

    The smooth is fitted against ``transformed_time`` when the frame has it (R's default
    ``km`` scale, as ``cox.zph`` tests), with the x axis labelled in days at their places
    on that scale; otherwise against ``time``. The band uses the frame's ``variance``
    (the model's, as R) when present, else the residual variance of the smooth.

    The y axis of each panel is robust: it spans the central ``1 - 2 * trim`` of the
    residuals (and the band); residuals beyond are drawn on the edge as open triangles.

    Parameters
    ----------
    residuals : pandas.DataFrame
        ``time, covariate, residual`` (one row per event and covariate), optionally
        ``transformed_time`` and ``variance``, e.g. ``CoxResult.schoenfeld()``.
    tests : pandas.DataFrame, optional
        ``term, p_value`` (a ``global`` row goes to the subtitle), e.g.
        ``CoxResult.ph_test()``.
    covariates : sequence of str, optional
        Panels to draw, in order (default: all, in order of appearance).
    df : int, default 4
        Degrees of freedom of the spline smooth.
    trim : float, default 0.02
        Share of residuals in each tail left outside the axis.
    ncol : int, default 3
        Panels per row.
    title, width, height_mm
        Labels and size (height defaults to 22 mm + 44 mm per row of panels).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"time": [10, 50, 90, 120] * 2,
    ...     "covariate": ["age"] * 4 + ["treatment"] * 4,
    ...     "residual": [0.1, -0.2, 0.05, 0.0, 0.3, -0.1, -0.2, 0.1]})
    >>> tests = pd.DataFrame({"term": ["age", "treatment", "global"],
    ...                       "p_value": [0.5, 0.01, 0.03]})
    >>> plot = plot_schoenfeld(frame, tests)
    >>> [name.splitlines() for name in plot.data["panel"].cat.categories]
    [['Age (years)', 'p = 0.500'], ['Early help (within the grace period)', 'p = 0.010']]
    >>> plot.labels.subtitle
    'Global test of proportional hazards: p = 0.030'
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
    p_values: dict[str, float] = {}
    subtitle = None
    if tests is not None:
        tests = require_columns(tests, ("term", "p_value"), figure="proportional hazards tests")
        p_values = dict(zip(tests["term"].astype(str), tests["p_value"].astype(float), strict=True))
        if "global" in p_values:
            subtitle = f"Global test of proportional hazards: {_p_text(p_values['global'])}"
    names = {}
    # Each panel's title wrapped to its panel, measured in the figures' font (strips are
    # drawn at the base size, 8 pt).
    columns = min(ncol, len(chosen))
    room = panel_pt(width, ["-0.5"]) / columns - _PANEL_GAP_PT
    for c in chosen:
        term = _term_of(c, p_values)
        names[c] = wrap_words(covariate_label(c), room, size_pt=_STRIP_PT) + (
            f"\n{_p_text(p_values[term])}" if term is not None else ""
        )
    panels = [names[c] for c in chosen]
    x_column, x_scale = _time_axis(data)
    points, smooths, means = [], [], []
    for c in chosen:
        part = data[data["covariate"] == c]
        t = part[x_column].to_numpy(float)
        r = part["residual"].to_numpy(float)
        variance = float(part["variance"].iloc[0]) if "variance" in part.columns else None
        grid = np.linspace(t.min(), t.max(), SMOOTH_POINTS)
        smooth = natural_spline_smooth(t, r, grid, df=df, variance=variance)
        smooth = smooth.assign(panel=names[c])
        low, high = np.quantile(r, [trim, 1 - trim])
        low = min(low, float(smooth["low"].min()))
        high = max(high, float(smooth["high"].max()))
        pad = 0.04 * (high - low or 1.0)
        low, high = low - pad, high + pad
        outside = (r < low) | (r > high)
        points.append(
            pd.DataFrame(
                {
                    "time": t,
                    "residual": np.clip(r, low, high),
                    "outside": np.where(outside, "beyond the axis", "residual"),
                    "panel": names[c],
                }
            )
        )
        smooths.append(smooth)
        means.append(pd.DataFrame({"mean": [float(np.mean(r))], "panel": [names[c]]}))
    pts = pd.concat(points, ignore_index=True)
    fit = pd.concat(smooths, ignore_index=True)
    level = pd.concat(means, ignore_index=True)
    for frame in (pts, fit, level):
        frame["panel"] = pd.Categorical(frame["panel"], categories=panels)
    rows = -(-len(chosen) // ncol)
    height = 22.0 + 44.0 * rows if height_mm is None else height_mm
    return added(
        p9.ggplot(pts, p9.aes("time", "residual")),
        [
            p9.geom_hline(p9.aes(yintercept="mean"), data=level, linetype="dashed", color=GREY),
            # Thousands of points: rasterised inside PDF and SVG to keep the files small.
            p9.geom_point(
                p9.aes(shape="outside"),
                alpha=0.3,
                size=0.6,
                stroke=0.3,
                color="#333333",
                raster=True,
            ),
            p9.geom_ribbon(
                p9.aes(x="time", ymin="low", ymax="high"),
                data=fit,
                fill=INK,
                alpha=0.2,
                inherit_aes=False,
            ),
            p9.geom_line(p9.aes(x="time", y="fit"), data=fit, color=INK, size=0.7),
            p9.scale_shape_manual(values={"residual": "o", "beyond the axis": "^"}, guide=None),
            p9.facet_wrap("panel", ncol=ncol, scales="free_y"),
            p9.labs(
                x="Days since the decision point",
                y="Scaled Schoenfeld residual, β(t)",
                title=title,
                subtitle=subtitle,
            ),
            theme_escalation(width=width, height_mm=min(height, 230.0)),
            *([] if x_scale is None else [x_scale]),
        ],
    )
