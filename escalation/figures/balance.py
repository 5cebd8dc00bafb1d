"""Covariate balance (love plot) and propensity-score overlap."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import numpy as np
import pandas as pd
import plotnine as p9
from mizani.breaks import breaks_extended

from escalation.figures._checks import require_columns
from escalation.figures._labels import abs_percent
from escalation.figures.theme import (
    GREY,
    scale_colour_escalation,
    scale_fill_escalation,
    theme_escalation,
)

__all__ = ["plot_love", "plot_overlap"]

_BALANCE_COLUMNS: Final = ("covariate", "sample", "smd")
_OVERLAP_COLUMNS: Final = ("propensity", "treatment", "weight")
_SAMPLES: Final = ("unweighted", "weighted")


def _three_breaks(limits: tuple[float, float]) -> Sequence[float]:
    """Return about three round breaks (facets side by side have little room)."""
    return [float(b) for b in breaks_extended(n=3)(limits)]


def plot_love(
    balance: pd.DataFrame,
    *,
    threshold: float = 0.1,
    absolute: bool = True,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot standardised mean differences before and after weighting (a love plot).

    Covariates are sorted by their unweighted imbalance; the dashed lines mark
    ``threshold`` (0.1 is the usual rule of thumb; Austin, 2009,
    doi:10.1002/sim.3697).

    Parameters
    ----------
    balance : pandas.DataFrame
        ``covariate, sample`` ("unweighted"/"weighted"), ``smd``.
    threshold : float, default 0.1
        Balance threshold drawn as a dashed line.
    absolute : bool, default True
        Plot absolute SMDs.
    title, width, height_mm
        Labels and size (height defaults to 15 mm + 3.2 mm per covariate).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> balance = pd.DataFrame({"covariate": ["age", "age", "n_factors", "n_factors"],
    ...     "sample": ["unweighted", "weighted"] * 2, "smd": [0.05, 0.01, 0.4, 0.03]})
    >>> list(plot_love(balance).data["covariate"].cat.categories)
    ['age', 'n_factors']
    """
    balance = require_columns(balance, _BALANCE_COLUMNS, figure="love plot")
    data = balance.copy()
    data["covariate"] = data["covariate"].astype(str)
    data["sample"] = data["sample"].astype(str)
    if absolute:
        data["smd"] = data["smd"].abs()
    key = data[data["sample"] == "unweighted"].groupby("covariate")["smd"].max()
    covariates = list(pd.unique(data["covariate"]))
    order = sorted(covariates, key=lambda c: float(key.get(c, 0.0)))
    data["covariate"] = pd.Categorical(data["covariate"], categories=order)
    samples = [s for s in _SAMPLES if s in set(data["sample"])] + sorted(
        set(data["sample"]) - set(_SAMPLES)
    )
    data["sample"] = pd.Categorical(data["sample"], categories=samples)
    lines = [threshold] if absolute else [-threshold, threshold]
    height = 18.0 + 3.2 * len(order) if height_mm is None else height_mm
    return (
        p9.ggplot(data, p9.aes("smd", "covariate", color="sample", shape="sample"))
        + p9.geom_vline(xintercept=0.0, color=GREY, size=0.3)
        + p9.geom_vline(xintercept=lines, linetype="dashed", color=GREY, size=0.4)
        + p9.geom_line(p9.aes(group="covariate"), color="#BBBBBB", size=0.4)
        + p9.geom_point(size=1.6)
        + scale_colour_escalation(name="")
        + p9.scale_shape_manual(values=["o", "s", "^", "D"], name="")
        + p9.labs(
            x="Absolute standardised mean difference"
            if absolute
            else "Standardised mean difference",
            y="",
            title=title,
        )
        + theme_escalation(width=width, height_mm=float(np.clip(height, 40.0, 230.0)))
        + p9.theme(
            legend_title=p9.element_blank(),
            panel_grid_major_y=p9.element_line(color="#F0F0F0", size=0.3),
        )
    )


def plot_overlap(
    propensity: pd.DataFrame,
    *,
    weighted: bool = True,
    treatment_labels: tuple[str, str] = ("No early help", "Early help"),
    bins: int = 40,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 60.0,
) -> p9.ggplot:
    """Plot propensity-score distributions of treated and untreated children.

    Mirrored histograms (treated above the axis, untreated below) show where the
    groups overlap; with ``weighted=True`` a second panel shows them after weighting.

    Parameters
    ----------
    propensity : pandas.DataFrame
        ``propensity, treatment`` (0/1), ``weight``.
    weighted : bool, default True
        Add the weighted panel.
    treatment_labels : tuple of str
        Labels of treatment 0 and 1.
    bins : int, default 40
        Histogram bins over the observed range of the scores.
    title, width, height_mm
        Labels and size.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"propensity": [0.2, 0.4, 0.5, 0.7],
    ...     "treatment": [0, 0, 1, 1], "weight": [1.25, 1.67, 2.0, 1.43]})
    >>> plot = plot_overlap(frame)
    >>> sorted(plot.data["sample"].unique())
    ['Unweighted', 'Weighted']
    """
    propensity = require_columns(propensity, _OVERLAP_COLUMNS, figure="propensity overlap")
    parts = []
    samples = [("Unweighted", False)] + ([("Weighted", True)] if weighted else [])
    score = propensity["propensity"].to_numpy(float)
    low, high = float(np.nanmin(score)), float(np.nanmax(score))
    pad = max(high - low, 0.02) * 0.02
    edges = np.linspace(max(0.0, low - pad), min(1.0, high + pad), bins + 1)
    arm = propensity["treatment"].to_numpy(int)
    w = propensity["weight"].to_numpy(float)
    for sample, use_weight in samples:
        for value, name in enumerate(treatment_labels):
            keep = arm == value
            counts, _ = np.histogram(
                score[keep], bins=edges, weights=w[keep] if use_weight else None
            )
            share = counts / max(counts.sum(), 1e-12)
            parts.append(
                pd.DataFrame(
                    {
                        "xmin": edges[:-1],
                        "xmax": edges[1:],
                        "ymin": np.zeros(bins) if value else -share,
                        "ymax": share if value else np.zeros(bins),
                        "treatment": name,
                        "sample": sample,
                    }
                )
            )
    data = pd.concat(parts, ignore_index=True)
    data["treatment"] = pd.Categorical(data["treatment"], categories=list(treatment_labels)[::-1])
    return (
        p9.ggplot(data)
        + p9.geom_rect(
            p9.aes(xmin="xmin", xmax="xmax", ymin="ymin", ymax="ymax", fill="treatment"),
            alpha=0.85,
        )
        + p9.geom_hline(yintercept=0.0, color="#4D4D4D", size=0.3)
        + p9.facet_wrap("sample", nrow=1)
        + scale_fill_escalation(name="")
        + p9.scale_y_continuous(labels=abs_percent)
        + p9.scale_x_continuous(breaks=_three_breaks)
        + p9.labs(x="Propensity score", y="Share of the group", title=title)
        + theme_escalation(width=width, height_mm=height_mm)
        + p9.theme(legend_title=p9.element_blank())
    )
