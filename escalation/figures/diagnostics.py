"""Model diagnostics: scaled Schoenfeld residuals against time with a smooth and its band."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import plotnine as p9

from escalation.errors import DesignError
from escalation.figures._checks import require_columns
from escalation.figures._compose import added
from escalation.figures.theme import GREY, INK, theme_escalation
from escalation.results import root_variance
from escalation.timeline.labels import covariate_label

__all__ = ["natural_spline_smooth", "plot_schoenfeld"]

_COLUMNS: Final = ("time", "covariate", "residual")
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


def natural_spline_smooth(
    x: npt.ArrayLike, y: npt.ArrayLike, at: npt.ArrayLike, *, df: int = 4, z: float = 1.96
) -> pd.DataFrame:
    """Return a natural-spline regression of ``y`` on ``x`` at ``at`` with a band.

    The smooth of ``survival::plot.cox.zph``: least squares on a natural cubic spline
    with ``df`` degrees of freedom (knots at quantiles of ``x``), and pointwise bands of
    ``z`` standard errors of the fitted mean.

    Returns
    -------
    pandas.DataFrame
        ``time, fit, low, high``.

    Examples
    --------
    >>> x = np.linspace(0, 10, 50)
    >>> out = natural_spline_smooth(x, 2 + 0.5 * x, [0, 5, 10])
    >>> out["fit"].round(6).tolist()
    [2.0, 4.5, 7.0]
    """
    xs = np.asarray(x, dtype=float)
    ys = np.asarray(y, dtype=float)
    grid = np.asarray(at, dtype=float)
    knots = np.unique(np.quantile(xs, np.linspace(0, 1, df + 1)))
    if len(knots) < 3:
        design, new = (
            np.column_stack([np.ones_like(xs), xs]),
            np.column_stack([np.ones_like(grid), grid]),
        )
    else:
        scale = knots[-1] - knots[0]
        design = _natural_basis((xs - knots[0]) / scale, (knots - knots[0]) / scale)
        new = _natural_basis((grid - knots[0]) / scale, (knots - knots[0]) / scale)
    coef, *_ = np.linalg.lstsq(design, ys, rcond=None)
    resid = ys - design @ coef
    dof = max(len(ys) - design.shape[1], 1)
    sigma2 = float(resid @ resid) / dof
    cov = sigma2 * np.linalg.pinv(design.T @ design)
    fit = new @ coef
    se = root_variance(np.einsum("ij,jk,ik->i", new, cov, new))
    return pd.DataFrame({"time": grid, "fit": fit, "low": fit - z * se, "high": fit + z * se})


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

    As ``survminer::ggcoxzph``: the residuals, a natural-spline smooth (``df`` degrees
    of freedom, as ``survival::plot.cox.zph``) with its 95% band, the coefficient's
    constant value as a dashed line and, with ``tests``, each covariate's test of
    proportional hazards in its panel title (the global test in the subtitle; a
    categorical covariate's indicators show the test of the covariate, on its df). A flat
    smooth is consistent with proportional hazards (Grambsch & Therneau, 1994,
    doi:10.1093/biomet/81.3.515). Panel titles are human labels of the terms.

    The y axis of each panel is robust: it spans the central ``1 - 2 * trim`` of the
    residuals (and the band); residuals beyond are drawn on the edge as open triangles.

    Parameters
    ----------
    residuals : pandas.DataFrame
        ``time, covariate, residual`` (one row per event and covariate), e.g.
        ``CoxResult.schoenfeld()``.
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
    for c in chosen:
        term = _term_of(c, p_values)
        names[c] = textwrap.fill(covariate_label(c), 40) + (
            f"\n{_p_text(p_values[term])}" if term is not None else ""
        )
    panels = [names[c] for c in chosen]
    points, smooths, means = [], [], []
    for c in chosen:
        part = data[data["covariate"] == c]
        t = part["time"].to_numpy(float)
        r = part["residual"].to_numpy(float)
        grid = np.linspace(t.min(), t.max(), 80)
        smooth = natural_spline_smooth(t, r, grid, df=df).assign(panel=names[c])
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
        ],
    )
