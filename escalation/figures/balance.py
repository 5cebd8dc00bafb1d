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

from escalation.core.smd import INFINITE, NOT_DEFINED
from escalation.disclosure import DisclosureRules, disclose_count, disclose_share
from escalation.figures._checks import require_columns
from escalation.figures._compose import added
from escalation.figures._labels import abs_percent, wrap_words
from escalation.figures._legends import legend_beneath, panel_pt
from escalation.figures._rows import grouped_rows, row_lines, row_pitch_mm, row_scale
from escalation.figures.theme import (
    ANNOTATION_PT,
    GREY,
    LINE_KEY_PT,
    scale_colour_estimators,
    scale_colour_groups,
    scale_fill_groups,
    scale_linetype_groups,
    theme_escalation,
)
from escalation.timeline.labels import DOMAINS, describe_covariate

__all__ = ["plot_distribution_balance", "plot_love", "plot_overlap"]

_BALANCE_COLUMNS: Final = ("covariate", "sample", "smd")
#: The height of a row of the love plot, in millimetres (taller for a name of several
#: lines: :func:`~escalation.figures._rows.row_pitch_mm`).
_LOVE_ROW_MM: Final = 4.0
_OVERLAP_COLUMNS: Final = ("propensity", "treatment", "weight")
_SAMPLES: Final = ("unweighted", "weighted")


def _score_breaks(limits: tuple[float, float]) -> Sequence[float]:
    """Return three or four round breaks inside the limits (never a lone tick)."""
    low, high = float(limits[0]), float(limits[1])
    for n in (4, 5, 6):
        breaks = [float(b) for b in breaks_extended(n=n)((low, high)) if low <= b <= high]
        if len(breaks) >= 3:
            return breaks
    return [low, (low + high) / 2, high]


def _score_labels(values: Sequence[float] | Sequence[str]) -> Sequence[str]:
    """Label scores with as few decimals as keep the breaks distinct (at least one)."""
    numbers = [float(v) for v in values]
    for digits in (1, 2, 3):
        text = [f"{v:.{digits}f}" for v in numbers]
        if len(set(text)) == len(text):
            return text
    return [f"{v:.4f}" for v in numbers]


def _arm_shares(counts: np.ndarray, arm_size: int, rules: DisclosureRules) -> np.ndarray:
    """Return each count's share of its arm, as disclosed count over disclosed arm size.

    A bar drawn as an exact count over the exact arm size names that size, which every
    table rounds; a suppressed count (or arm) is drawn as an empty bar.
    """
    return np.array([disclose_share(int(c), arm_size, rules) or 0.0 for c in counts], float)


def _density_points(
    x: np.ndarray, weights: np.ndarray, rules: DisclosureRules | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return the points and weights of an arm's density: its rows, or disclosed counts.

    With ``rules`` (the arm before weighting), each value is held by its disclosed count
    of children, not its exact count: the density of micro-aggregated values is a mixture
    of one kernel per block, whose mass (count over the arm's size) and bandwidth (the
    arm's size to the power -1/5, Scott's rule) would give back each block's count and the
    arm's exact size, which every table rounds. A suppressed value is left out (values not
    micro-aggregated, each one child's, leave nothing: the curve is empty, as each bar of
    a covariate with few values is).

    Examples
    --------
    >>> x = np.array([2.0] * 10 + [7.5] * 12)
    >>> points, w = _density_points(x, np.ones(22), DisclosureRules())
    >>> (points == 2.0).sum(), (points == 7.5).sum(), w.sum()
    (np.int64(10), np.int64(10), np.float64(20.0))
    """
    if rules is None:
        return x, weights
    values, counts = np.unique(x, return_counts=True)
    shown = np.array([disclose_count(int(c), rules) or 0 for c in counts], dtype=int)
    return np.repeat(values, shown), np.ones(int(shown.sum()))


#: The size of the panels' titles (the theme's ``strip_text``: its base size), in points.
_STRIP_PT: Final = 8.0
_SAMPLE_NAMES: Final = {"unweighted": "Before weighting", "weighted": "After weighting"}
#: The variance-ratio panel sits far right of any SMD on the shared x scale (log2 units).
_VR_X: Final = 100.0


def _vr_breaks(limits: Sequence[float]) -> Sequence[float]:
    if limits[0] < _VR_X / 2:
        return [float(b) for b in breaks_extended(n=4)((limits[0], limits[1]))]
    return [_VR_X + v for v in (-1.0, 0.0, 1.0) if limits[0] <= _VR_X + v <= limits[1]]


def _vr_labels(values: Sequence[float] | Sequence[str]) -> Sequence[str]:
    out = []
    for v in values:
        x = float(v)
        out.append(f"{2 ** (x - _VR_X):g}" if x >= _VR_X / 2 else f"{x:g}")
    return out


def _love_rows(
    data: pd.DataFrame, top: int | None, width: Literal["single", "double"] | float
) -> tuple[pd.DataFrame, list[str], dict[str, str]]:
    """Order covariates by domain and unweighted imbalance; summarise those past ``top``.

    An SMD that is not defined ranks with the largest (its balance is unknown) and its
    covariate's label says so (:data:`~escalation.core.smd.NOT_DEFINED`).
    """
    unweighted = data[data["sample"] == "unweighted"]
    key = unweighted["smd"].fillna(np.inf).groupby(unweighted["covariate"]).max()
    undefined = set(data.loc[data["smd"].isna(), "covariate"])
    covariates = list(pd.unique(data["covariate"]))
    ranked = sorted(covariates, key=lambda c: -float(key.get(c, 0.0)))
    shown = ranked if top is None or len(ranked) <= top else ranked[:top]
    rest = [c for c in ranked if c not in set(shown)]
    described = {c: describe_covariate(c) for c in shown}
    domain_rank = {d: i for i, d in enumerate(DOMAINS)}
    shown = sorted(
        shown,
        key=lambda c: (domain_rank.get(described[c].domain, len(DOMAINS)), -float(key.get(c, 0))),
    )
    rows = data[data["covariate"].isin(shown)].copy()
    groups: list[object] = [described[c].domain for c in shown]
    labels: list[object] = [
        f"{described[c].label} (SMD {NOT_DEFINED})" if c in undefined else described[c].label
        for c in shown
    ]
    if rest:
        others = data[data["covariate"].isin(rest)]
        summary = others.groupby("sample", as_index=False).agg(smd=("smd", "max"))
        if "variance_ratio" in others:
            numeric = others[others["numeric"]]
            spread = numeric.assign(dev=np.abs(np.log2(numeric["variance_ratio"])))
            worst = spread.sort_values("dev").groupby("sample").tail(1)
            summary = summary.merge(worst[["sample", "variance_ratio"]], on="sample", how="left")
        summary["covariate"] = "__rest__"
        summary["numeric"] = True
        rows = pd.concat([rows, summary], ignore_index=True)
        groups.append(None)
        labels.append(f"{len(rest)} other covariates (largest)")
        shown = [*shown, "__rest__"]
    keys, order, names = grouped_rows(groups, labels, width=width)
    rows["row"] = rows["covariate"].map(dict(zip(shown, keys, strict=True)))
    return rows, order, names


def plot_love(
    balance: pd.DataFrame,
    *,
    threshold: float = 0.1,
    variance_threshold: float = 2.0,
    top: int | None = 20,
    title: str | None = None,
    width: Literal["single", "double"] | float = "double",
    height_mm: float | None = None,
) -> p9.ggplot:
    """Plot standardised mean differences and variance ratios before and after weighting.

    A love plot in the style of ``cobalt::love.plot(stats = c("m", "v"))``: absolute
    standardised mean differences (dashed line at ``threshold``; 0.1 is the usual rule
    of thumb, Austin, 2009, doi:10.1002/sim.3697) and, for numeric covariates, variance
    ratios of treated over untreated on a log axis (dashed lines at 1/2 and 2). Covariates
    carry their names from the code lists, grouped by domain; the ``top`` most imbalanced
    before weighting are shown and the rest summarised in one row by their largest
    values. An infinite SMD (arms constant at different values) is drawn at the right edge
    of its panel, marked ∞; a covariate whose SMD is not defined (NaN: no variance in an
    arm) ranks with the most imbalanced and its label says "SMD not defined".

    Parameters
    ----------
    balance : pandas.DataFrame
        ``covariate, sample`` ("unweighted"/"weighted"), ``smd`` (+ ``variance_ratio``),
        e.g. ``EffectsResult.balance``.
    threshold : float, default 0.1
        SMD threshold drawn as a dashed line.
    variance_threshold : float, default 2
        Variance ratios beyond this (or its inverse) are imbalanced.
    top : int or None, default 20
        Covariates shown; ``None`` shows all.
    title, width, height_mm
        Labels and size (height defaults to 24 mm + 4 mm per row).

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> balance = pd.DataFrame({"covariate": ["age", "age", "factor_3B", "factor_3B"],
    ...     "sample": ["unweighted", "weighted"] * 2, "smd": [0.05, 0.01, 0.4, 0.03],
    ...     "variance_ratio": [1.3, 1.02, 1.1, 1.0]})
    >>> plot = plot_love(balance)
    >>> sorted(set(plot.data["sample"]))
    ['After weighting', 'Before weighting']
    """
    balance = require_columns(balance, _BALANCE_COLUMNS, figure="love plot")
    data = balance.copy()
    data["covariate"] = data["covariate"].astype(str)
    data["sample"] = data["sample"].astype(str)
    data["smd"] = data["smd"].abs()
    data["numeric"] = [describe_covariate(c).level is None for c in data["covariate"]]
    rows, order, names = _love_rows(data, top, width)
    samples = [s for s in _SAMPLES if s in set(rows["sample"])] + sorted(
        set(rows["sample"]) - set(_SAMPLES)
    )
    legend = [_SAMPLE_NAMES.get(s, s[:1].upper() + s[1:]) for s in samples]
    named = rows["sample"].map(lambda s: _SAMPLE_NAMES.get(s, s[:1].upper() + s[1:]))
    rows["sample"] = pd.Categorical(named, categories=legend)
    # The panels share the width 3.0 : 1.6 (facet space); the variance ratios' title,
    # centred on the narrow panel, wraps by its measured width rather than run off the
    # figure's right edge at one column.
    room = panel_pt(width, list(names.values()), y_title_lines=0) * 1.6 / 4.6
    vr_title = wrap_words("Variance ratio", room, size_pt=_STRIP_PT)
    panels = ["Absolute SMD"]
    # An infinite SMD (arms constant at different values) is drawn at the panel's right
    # edge, marked ∞; one not defined has no point (its row says so).
    edge = _infinite_x(rows["smd"], threshold)
    infinite = np.isinf(rows["smd"])
    long = [rows.assign(x=rows["smd"].where(~infinite, edge), panel="Absolute SMD")]
    lines = [pd.DataFrame({"x": [threshold], "panel": "Absolute SMD"})]
    if "variance_ratio" in rows and rows.loc[rows["numeric"], "variance_ratio"].notna().any():
        panels.append(vr_title)
        vr = rows[rows["numeric"] & rows["variance_ratio"].notna()]
        vr = vr[vr["variance_ratio"] > 0]
        long.append(vr.assign(x=_VR_X + np.log2(vr["variance_ratio"]), panel=vr_title))
        bound = float(np.log2(variance_threshold))
        lines.append(pd.DataFrame({"x": [_VR_X - bound, _VR_X + bound], "panel": vr_title}))
    plot_data = pd.concat(long, ignore_index=True).dropna(subset=["x"])
    marks = long[0][infinite.to_numpy()].drop_duplicates("row").assign(label=INFINITE)
    marks["panel"] = pd.Categorical(marks["panel"], categories=panels)
    plot_data["panel"] = pd.Categorical(plot_data["panel"], categories=panels)
    guides = pd.concat(lines, ignore_index=True)
    guides["panel"] = pd.Categorical(guides["panel"], categories=panels)
    nulls = pd.DataFrame({"x": [0.0, _VR_X][: len(panels)], "panel": panels})
    nulls["panel"] = pd.Categorical(nulls["panel"], categories=panels)
    blank = pd.DataFrame(
        {"x": [0.0, _VR_X - 1.2, _VR_X + 1.2][: 1 + 2 * (len(panels) - 1)]}
    ).assign(panel=lambda f: ["Absolute SMD"] + [vr_title] * (len(f) - 1))
    blank["panel"] = pd.Categorical(blank["panel"], categories=panels)
    blank["row"] = order[-1]
    # A name too wide for the margin is wrapped (grouped_rows), the rows spaced for it;
    # names of one line keep the love plot's own, closer, rows.
    name_lines = row_lines(names)
    pitch = _LOVE_ROW_MM if name_lines == 1 else row_pitch_mm(name_lines, _LOVE_ROW_MM)
    height = 24.0 + pitch * len(order) if height_mm is None else height_mm
    # Beneath the panels in as many columns as fit them (centred on the panels, which the
    # rows' names push right: side by side they ran off the figure's right edge).
    beneath = legend_beneath(
        legend, width, aesthetics=("color", "shape"), row_labels=list(names.values()),
        y_title_lines=0,
    )  # fmt: skip
    return added(
        p9.ggplot(plot_data, p9.aes("x", "row", color="sample", shape="sample")),
        [
            p9.geom_vline(p9.aes(xintercept="x"), data=nulls, color=GREY, size=0.3),
            p9.geom_vline(
                p9.aes(xintercept="x"), data=guides, linetype="dashed", color=GREY, size=0.4
            ),
            p9.geom_line(p9.aes(group="row"), color="#BBBBBB", size=0.4),
            p9.geom_point(size=1.6),
            p9.geom_text(
                p9.aes(x="x", y="row", label="label"),
                data=marks,
                inherit_aes=False,
                nudge_y=0.35,
                size=ANNOTATION_PT,
                color=GREY,
            ),
            p9.geom_blank(p9.aes(x="x", y="row"), data=blank, inherit_aes=False),
            p9.facet_grid(
                cols="panel",
                scales="free_x",
                space={"x": [3.0, 1.6][: len(panels)], "y": [1.0]},
            ),
            # Before and after weighting are not the arms: black and grey, and shapes.
            scale_colour_estimators(legend, name="", labels=beneath.labels),
            p9.scale_shape_manual(values=["o", "s", "^", "D"], name="", labels=beneath.labels),
            p9.scale_x_continuous(breaks=_vr_breaks, labels=_vr_labels),
            p9.labs(x="", y="", title=title),
            theme_escalation(width=width, height_mm=float(np.clip(height, 40.0, 230.0))),
            *beneath.additions,
            *row_scale(order, names),
            p9.theme(
                legend_title=p9.element_blank(),
                panel_grid_major_y=p9.element_line(color="#F0F0F0", size=0.3),
                strip_text_x=p9.element_text(ha="center"),
            ),
        ],
    )


def _infinite_x(smd: pd.Series, threshold: float) -> float:
    """Return where an infinite SMD is drawn: a fifth past the largest finite one (or threshold).

    Examples
    --------
    >>> _infinite_x(pd.Series([0.05, np.inf, 0.5]), 0.1)
    0.6
    """
    finite = smd[np.isfinite(smd)]
    return 1.2 * max(float(finite.max()) if len(finite) else 0.0, threshold)


def plot_overlap(
    propensity: pd.DataFrame,
    *,
    weighted: bool = True,
    treatment_labels: tuple[str, str] = ("No early help", "Early help"),
    bins: int = 40,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 60.0,
    rules: DisclosureRules | None = None,
) -> p9.ggplot:
    """Plot propensity-score distributions of treated and untreated children.

    Mirrored histograms (treated above the axis, untreated below) show where the
    groups overlap; with ``weighted=True`` a second panel shows them after weighting.
    Each bar is its bin's share of the arm.

    With ``rules`` (a study run's), each unweighted bar is the bin's disclosed count over
    the arm's disclosed size, so that the bars give back no exact count: micro-aggregated
    scores (blocks of at least the threshold sharing one value) fall whole into one bin,
    and exact counts over the exact arm size named that size, which every table rounds.

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
    rules : DisclosureRules, optional
        Disclose the unweighted bars' counts and the arms' sizes under these rules.

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
            if rules is not None and not use_weight:
                share = _arm_shares(counts, int(keep.sum()), rules)
            else:
                share = counts / max(float(counts.sum()), 1e-12)
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
    order = list(treatment_labels)[::-1]
    data["treatment"] = pd.Categorical(data["treatment"], categories=order)
    # Bars above the axis are one arm, below the other: say so inside each panel, so
    # that the unsigned shares below zero read as shares of the other arm.
    top = float(data["ymax"].max())
    bottom = float(data["ymin"].min())
    names = pd.DataFrame(
        {
            "x": [edges[0]] * 2 * len(samples),
            "y": [top * 1.12, bottom * 1.12] * len(samples),
            "label": [f"▲ {treatment_labels[1]}", f"▼ {treatment_labels[0]}"] * len(samples),
            "treatment": pd.Categorical(order * len(samples), categories=order),
            "sample": [s for s, _ in samples for _ in (0, 1)],
        }
    )
    return added(
        p9.ggplot(data),
        [
            p9.geom_rect(
                p9.aes(xmin="xmin", xmax="xmax", ymin="ymin", ymax="ymax", fill="treatment"),
                alpha=0.85,
            ),
            p9.geom_hline(yintercept=0.0, color="#4D4D4D", size=0.3),
            p9.geom_text(
                p9.aes(x="x", y="y", label="label", color="treatment"),
                data=names,
                ha="left",
                size=ANNOTATION_PT,
                show_legend=False,
            ),
            p9.facet_wrap("sample", nrow=1),
            scale_fill_groups(list(treatment_labels)[::-1], name=""),
            scale_colour_groups(list(treatment_labels)[::-1], name=""),
            p9.scale_y_continuous(labels=abs_percent, expand=(0.08, 0)),
            p9.scale_x_continuous(breaks=_score_breaks, labels=_score_labels),
            p9.labs(x="Propensity score", y="Share of the arm", title=title),
            theme_escalation(width=width, height_mm=height_mm),
            p9.theme(legend_position="none"),
        ],
    )


_DISTRIBUTION_COLUMNS: Final = ("value", "treatment", "weight")


def plot_distribution_balance(
    values: pd.DataFrame,
    *,
    covariate: str = "",
    treatment_labels: tuple[str, str] = ("No early help", "Early help"),
    max_levels: int = 12,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 60.0,
    rules: DisclosureRules | None = None,
) -> p9.ggplot:
    """Plot one covariate's distribution by arm before and after weighting.

    The counterpart of ``cobalt::bal.plot``: a numeric covariate is drawn as densities
    (Gaussian kernel, weighted after weighting) of the two arms, a covariate with at most
    ``max_levels`` values as the share of each arm at each value. Balance means the two
    arms' distributions coincide in the weighted panel, not only their means.

    With ``rules`` (a study run's), each bar before weighting is the value's disclosed
    count over the arm's disclosed size, as in :func:`plot_overlap`: micro-aggregated
    values (blocks of at least the threshold sharing one value) are few enough to be
    drawn as bars, and exact counts over the exact arm size named that size, which every
    table rounds. A density before weighting is likewise that of each value held by its
    disclosed count (:func:`_density_points`); after weighting it is the arm's weighted
    density: a kernel at each row, weighted by its weight (micro-aggregated, each block's
    rows give it the block's total weight), over the arm's total weight.

    Parameters
    ----------
    values : pandas.DataFrame
        ``value, treatment`` (0/1), ``weight``: one row per child for one covariate.
    covariate : str
        Name of the covariate (coded names get their label from the code lists).
    treatment_labels : tuple of str
        Labels of treatment 0 and 1.
    max_levels : int, default 12
        Covariates with at most this many distinct values are drawn as bars.
    title, width, height_mm
        Labels and size.
    rules : DisclosureRules, optional
        Disclose the bars' counts before weighting and the arms' sizes under these rules.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"value": [3, 5, 8, 12, 4, 9, 15, 16],
    ...     "treatment": [0, 0, 0, 0, 1, 1, 1, 1],
    ...     "weight": [1.2, 1.5, 2.0, 2.2, 2.5, 1.8, 1.4, 1.3]})
    >>> plot = plot_distribution_balance(frame, covariate="age", max_levels=3)
    >>> plot.labels.x, sorted(plot.data["sample"].unique())
    ('Age (years)', ['After weighting', 'Before weighting'])
    """
    from scipy import stats

    values = require_columns(values, _DISTRIBUTION_COLUMNS, figure="distribution balance")
    x = pd.to_numeric(values["value"], errors="coerce").to_numpy(float)
    arm = values["treatment"].to_numpy(int)
    w = values["weight"].to_numpy(float)
    keep = np.isfinite(x)
    x, arm, w = x[keep], arm[keep], w[keep]
    label = describe_covariate(covariate).label if covariate else "Value"
    samples = ("Before weighting", "After weighting")
    levels = np.unique(x)
    discrete = len(levels) <= max_levels
    parts = []
    for sample in samples:
        for value, name in enumerate(treatment_labels):
            rows = arm == value
            weights = w[rows] if sample == "After weighting" else np.ones(rows.sum())
            if discrete:
                sums = np.array([weights[x[rows] == v].sum() for v in levels])
                if rules is not None and sample == "Before weighting":
                    share = _arm_shares(sums, int(rows.sum()), rules)
                else:
                    share = sums / weights.sum()
                parts.append(
                    pd.DataFrame({"x": levels, "y": share, "treatment": name, "sample": sample})
                )
            else:
                grid = np.linspace(x.min(), x.max(), 200)
                disclosed = rules if sample == "Before weighting" else None
                points, mass = _density_points(x[rows], weights, disclosed)
                density = (
                    stats.gaussian_kde(points, weights=mass)(grid)
                    if points.size
                    else np.zeros_like(grid)  # every value suppressed: an empty curve
                )
                parts.append(
                    pd.DataFrame({"x": grid, "y": density, "treatment": name, "sample": sample})
                )
    data = pd.concat(parts, ignore_index=True)
    data["treatment"] = pd.Categorical(data["treatment"], categories=list(treatment_labels)[::-1])
    data["sample"] = pd.Categorical(data["sample"], categories=list(samples))
    plot = p9.ggplot(data, p9.aes("x", "y"))
    if discrete:
        step = float(np.min(np.diff(levels))) if len(levels) > 1 else 1.0
        plot += p9.geom_col(
            p9.aes(fill="treatment"),
            position=p9.position_dodge(width=0.8 * step),
            width=0.75 * step,
            alpha=0.85,
        )
        plot += p9.scale_y_continuous(labels=abs_percent, expand=(0, 0, 0.05, 0))
        ylab = "Share of the arm"
    else:
        plot += p9.geom_area(p9.aes(fill="treatment"), position="identity", alpha=0.35, color=None)
        # The arms' lines differ by pattern too (ARM_LINETYPES): one grey in print.
        plot += p9.geom_line(p9.aes(color="treatment", linetype="treatment"), size=0.6)
        plot += scale_linetype_groups(list(treatment_labels)[::-1], name="")
        plot += p9.scale_y_continuous(expand=(0, 0, 0.05, 0))
        ylab = "Density"
    return added(
        plot,
        [
            p9.facet_wrap("sample", nrow=1),
            scale_fill_groups(list(treatment_labels)[::-1], name=""),
            scale_colour_groups(list(treatment_labels)[::-1], name=""),
            p9.labs(x=label, y=ylab, title=title),
            theme_escalation(width=width, height_mm=height_mm),
            p9.theme(legend_title=p9.element_blank()),
            *([] if discrete else [p9.theme(legend_key_width=LINE_KEY_PT)]),
        ],
    )
