"""Figures of simulation studies: zip plot, nested-loop plot, coverage by scenario.

All take the tidy frames of :mod:`escalation.simstudy` (``SimulationStudy.performance`` and
``SimulationStudy.zip_data()``). References: Morris, White & Crowther (2019),
doi:10.1002/sim.8086 (zip plot, section 5.2); Rücker & Schwarzer (2014),
doi:10.1186/1471-2288-14-129 (nested-loop plot).
"""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd
import plotnine as p9

from escalation.errors import DesignError
from escalation.figures._checks import require_columns
from escalation.figures._compose import added
from escalation.figures.forest import shape_scale
from escalation.figures.theme import (
    ESTIMATOR_INKS,
    GREY,
    INK,
    ColumnWidth,
    scale_colour_estimators,
    scale_linetype_estimators,
    theme_escalation,
)

__all__ = ["plot_coverage", "plot_nested_loop", "plot_zip"]

_LABELS: Final = {
    "bias": "Bias",
    "empirical_se": "Empirical SE",
    "mse": "Mean squared error",
    "relative_precision": "Relative precision (%)",
    "model_se": "Model SE",
    "relative_error_model_se": "Relative error in model SE (%)",
    "coverage": "Coverage",
    "bias_eliminated_coverage": "Bias-eliminated coverage",
    "power": "Power",
}

#: Measures whose target is 0, drawn with a dashed line there.
_ZERO_LINE: Final = ("bias", "relative_error_model_se", "relative_precision")

#: The settings' step lines of a nested-loop plot, lighter than any estimator's shade.
_SETTING: Final = "#ADADAD"


def _facet_label(frame: pd.DataFrame) -> pd.Series:
    parts = []
    if "estimand" in frame.columns:
        parts.append(frame["estimand"].astype(str).str.replace("_", " "))
    if "horizon" in frame.columns:
        parts.append(frame["horizon"].astype(str) + " days")
    if not parts:
        return pd.Series("", index=frame.index)
    label = parts[0]
    for part in parts[1:]:
        label = label + ", " + part
    return label


def _estimator_levels(frame: pd.DataFrame) -> list[str]:
    """Return the estimators in the order they first appear, as text.

    Estimators are drawn in shades of grey with marker shapes (and line types),
    :func:`~escalation.figures.theme.estimator_inks`: never in the colours of the arms.
    """
    return list(pd.unique(frame["estimator"].astype(str)))


def plot_zip(
    frame: pd.DataFrame,
    *,
    title: str | None = None,
    width: ColumnWidth | float = "double",
    height_mm: float = 90.0,
) -> p9.ggplot:
    """Draw a zip plot: every replication's interval, ranked by how far it misses the truth.

    Parameters
    ----------
    frame : pandas.DataFrame
        From :func:`escalation.simstudy.zip_data`: ``conf_low, conf_high, truth,
        centile, covers, estimator, coverage_low, coverage_high, conf_level`` (and
        ``scenario`` to facet by scenario).
    title : str, optional
        Title.
    width : {"single", "double"} or float
        Figure width.
    height_mm : float
        Figure height.

    Returns
    -------
    plotnine.ggplot
        One panel per estimator (and scenario): intervals as horizontal lines from the
        best (bottom) to the worst (top), coloured by whether they cover the truth; the
        vertical line is the truth, the dashed horizontal line the nominal centile, and the
        grey band the Monte Carlo 95% interval of the coverage.
    """
    needed = ["conf_low", "conf_high", "truth", "centile", "covers", "estimator"]
    frame = require_columns(frame, needed, figure="zip plot").copy()
    frame["Interval"] = np.where(frame["covers"], "covers the truth", "misses the truth")
    panels = [c for c in ("estimator", "scenario") if c in frame.columns]
    frame["truth_mean"] = frame.groupby(panels, observed=True)["truth"].transform("mean")
    level = float(frame["conf_level"].iloc[0]) if "conf_level" in frame.columns else 0.95
    several = "scenario" in frame.columns and frame["scenario"].nunique() > 1
    if several:
        frame["scenario"] = "scenario " + frame["scenario"].astype(str)
    facets = "scenario ~ estimator" if several else "estimator"
    plot = p9.ggplot(frame, p9.aes(y="centile"))
    if {"coverage_low", "coverage_high"} <= set(frame.columns):
        bands = frame.drop_duplicates(panels).assign(
            low=lambda f: 100 * f["coverage_low"].clip(0, 1),
            high=lambda f: 100 * f["coverage_high"].clip(0, 1),
        )
        plot += p9.geom_rect(
            p9.aes(ymin="low", ymax="high"),
            data=bands,
            xmin=-np.inf,
            xmax=np.inf,
            fill=GREY,
            alpha=0.2,
            inherit_aes=False,
        )
    plot += [
        p9.geom_segment(
            p9.aes(x="conf_low", xend="conf_high", yend="centile", color="Interval"), size=0.25
        ),
        p9.geom_vline(p9.aes(xintercept="truth_mean"), color=GREY, size=0.4),
        p9.geom_hline(yintercept=100 * level, linetype="dashed", color="#1A1A1A", size=0.4),
        # Misses in black over the light grey of the covering intervals: not the arms' colours.
        p9.scale_color_manual(
            values={"covers the truth": ESTIMATOR_INKS[2], "misses the truth": INK}, name=""
        ),
        p9.labs(x="Confidence interval", y="Centile of |z| (fractional)", title=title),
        theme_escalation(width=width, height_mm=height_mm),
    ]
    if "~" in facets:
        plot += p9.facet_grid(facets, scales="free_x")
    else:
        plot += p9.facet_wrap(facets, scales="free_x")
    return plot


def plot_coverage(
    performance: pd.DataFrame,
    *,
    measure: str = "coverage",
    conf_level: float = 0.95,
    title: str | None = None,
    width: ColumnWidth | float = "double",
    height_mm: float = 90.0,
) -> p9.ggplot:
    """Draw coverage (or another measure) by scenario, estimator by estimator, with MCSE bars.

    Parameters
    ----------
    performance : pandas.DataFrame
        ``SimulationStudy.performance``: ``scenario, estimator, measure, estimate, mcse``
        (and ``estimand``/``horizon``, one panel each).
    measure : str, default "coverage"
        Which measure to draw (e.g. ``"bias_eliminated_coverage"``, ``"bias"``).
    conf_level : float, default 0.95
        The nominal coverage, drawn as a reference line (coverage measures only).
    title : str, optional
        Title.
    width, height_mm : optional
        Figure size.

    Returns
    -------
    plotnine.ggplot
        Points with ±1.96 Monte Carlo SE bars; scenarios along x.
    """
    needed = ["scenario", "estimator", "measure", "estimate", "mcse"]
    frame = require_columns(performance, needed, figure="coverage plot")
    frame = frame[frame["measure"] == measure].copy()
    if frame.empty:
        raise DesignError(f"the performance table has no {measure!r} rows")
    # A measure an estimator has no value for (coverage without a standard error, e.g. no
    # bootstrap) is left out, not drawn as missing; a value without a Monte Carlo SE (one
    # replication) is drawn without its bar.
    frame = frame[frame["estimate"].notna()]
    if frame.empty:
        raise DesignError(
            f"no estimator has a {measure!r} value (coverage needs standard errors: a "
            "bootstrap, or AIPW's influence function)"
        )
    is_share = measure in ("coverage", "bias_eliminated_coverage", "power")
    scale = 100.0 if is_share else 1.0
    frame["value"] = scale * frame["estimate"]
    mcse = frame["mcse"].fillna(0.0)
    frame["low"] = scale * (frame["estimate"] - 1.96 * mcse)
    frame["high"] = scale * (frame["estimate"] + 1.96 * mcse)
    frame["panel"] = _facet_label(frame)
    frame["scenario"] = pd.Categorical(
        frame["scenario"].astype(str), sorted(frame["scenario"].astype(str).unique(), key=int)
    )
    frame["estimator"] = frame["estimator"].astype(str)
    estimators = _estimator_levels(frame)
    dodge = p9.position_dodge(width=0.6)
    plot = added(
        p9.ggplot(frame, p9.aes("scenario", "value", color="estimator")),
        [
            p9.geom_linerange(p9.aes(ymin="low", ymax="high"), position=dodge, size=0.5),
            p9.geom_point(p9.aes(shape="estimator"), position=dodge, size=1.4),
            scale_colour_estimators(estimators, name="Estimator"),
            shape_scale(estimators, name="Estimator"),
            p9.labs(
                x="Scenario",
                y=_LABELS.get(measure, measure) + (" (%)" if is_share else ""),
                title=title,
            ),
            theme_escalation(width=width, height_mm=height_mm),
        ],
    )
    if measure in ("coverage", "bias_eliminated_coverage"):
        plot += p9.geom_hline(yintercept=100 * conf_level, linetype="dashed", color=GREY)
    elif measure in _ZERO_LINE:
        plot += p9.geom_hline(yintercept=0, linetype="dashed", color=GREY)
    if frame["panel"].nunique() > 1:
        plot += p9.facet_wrap("panel", scales="free_y")
    return plot


def plot_nested_loop(
    performance: pd.DataFrame,
    *,
    settings: Sequence[str],
    measure: str = "bias",
    conf_level: float = 0.95,
    title: str | None = None,
    width: ColumnWidth | float = "double",
    height_mm: float = 100.0,
) -> p9.ggplot:
    """Draw a nested-loop plot: a measure across every scenario, with the settings beneath.

    Scenarios are ordered by the settings, the first varying slowest (the loops of a
    factorial design, outermost first); each estimator is a step line across them. Below,
    one step line per setting shows its value in each scenario, scaled into its own band.

    Parameters
    ----------
    performance : pandas.DataFrame
        ``SimulationStudy.performance``: the ``settings`` columns, ``estimator, measure,
        estimate`` (one estimand and horizon, or one panel each).
    settings : sequence of str
        The varied settings, outermost loop first.
    measure : str, default "bias"
        Measure on the y axis.
    conf_level : float, default 0.95
        Nominal coverage (reference line of the coverage measures).
    title : str, optional
        Title.
    width, height_mm : optional
        Figure size.

    Returns
    -------
    plotnine.ggplot

    Notes
    -----
    Rücker & Schwarzer (2014), "Presenting simulation results in a nested loop plot",
    *BMC Medical Research Methodology* 14:129, doi:10.1186/1471-2288-14-129.
    """
    needed = ["estimator", "measure", "estimate", *settings]
    frame = require_columns(performance, needed, figure="nested-loop plot")
    frame = frame[frame["measure"] == measure].copy()
    if frame.empty:
        raise DesignError(f"the performance table has no {measure!r} rows")
    if not settings:
        raise DesignError("a nested-loop plot needs at least one varied setting")
    frame["panel"] = _facet_label(frame)
    order = frame[list(settings)].drop_duplicates().sort_values(list(settings))
    order["position"] = np.arange(1, len(order) + 1)
    frame = frame.merge(order, on=list(settings))
    frame["estimator"] = frame["estimator"].astype(str)
    estimators = _estimator_levels(frame)
    scale = 100.0 if measure in ("coverage", "bias_eliminated_coverage", "power") else 1.0
    frame["value"] = scale * frame["estimate"]
    rows = []
    for panel, values_in_panel in frame.groupby("panel", sort=False)["value"]:
        low = float(np.nanmin(values_in_panel))
        high = float(np.nanmax(values_in_panel))
        span = high - low if high > low else max(abs(high), 1.0)
        band = span * 0.25
        for i, name in enumerate(settings):
            values = order[name]
            codes = pd.factorize(values, sort=True)[0].astype(float)
            top = low - band * (i + 0.3)
            height = band * 0.6
            rows.append(
                pd.DataFrame(
                    {
                        "position": order["position"].to_numpy(),
                        "value": top - height + height * codes / max(codes.max(), 1.0),
                        "setting": name,
                        "panel": panel,
                        "nudge": band * 0.05,
                    }
                )
            )
    layers = pd.concat(rows, ignore_index=True)
    labels = layers.groupby(["panel", "setting"], sort=False).head(1).copy()
    levels = {
        name: ", ".join(str(v) for v in sorted(order[name].unique(), key=str)) for name in settings
    }
    labels["text"] = [f"{name}: {levels[name]}" for name in labels["setting"]]
    labels["value"] = labels["value"] + labels["nudge"]
    plot = added(
        p9.ggplot(frame, p9.aes("position", "value")),
        [
            p9.geom_step(
                p9.aes(color="estimator", linetype="estimator"), direction="mid", size=0.6
            ),
            p9.geom_point(p9.aes(color="estimator", shape="estimator"), size=0.9),
            # lighter than the estimators' greys: the settings are not estimates
            p9.geom_step(
                p9.aes(group="setting"), data=layers, direction="mid", color=_SETTING, size=0.4
            ),
            p9.geom_text(
                p9.aes(label="text"),
                data=labels,
                ha="left",
                va="bottom",
                size=5.5,
                color=GREY,
            ),
            scale_colour_estimators(estimators, name="Estimator"),
            shape_scale(estimators, name="Estimator"),
            scale_linetype_estimators(estimators, name="Estimator"),
            p9.scale_x_continuous(breaks=order["position"].tolist()),
            p9.labs(
                x="Scenario (settings beneath, outermost loop first)",
                y=_LABELS.get(measure, measure),
                title=title,
            ),
            theme_escalation(width=width, height_mm=height_mm),
        ],
    )
    if measure in _ZERO_LINE:
        plot += p9.geom_hline(yintercept=0, linetype="dashed", color=GREY)
    elif measure in ("coverage", "bias_eliminated_coverage"):
        plot += p9.geom_hline(yintercept=100 * conf_level, linetype="dashed", color=GREY)
    if frame["panel"].nunique() > 1:
        plot += p9.facet_wrap("panel", scales="free_y")
    return plot
