"""Discrimination of a risk tool: ROC and precision–recall curves by model."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Mapping
from typing import Final, Literal

import numpy as np
import pandas as pd
import plotnine as p9

from escalation.figures._checks import require_columns, require_values
from escalation.figures._compose import added
from escalation.figures._labels import percent
from escalation.figures._legends import Legend, legend_beneath
from escalation.figures.theme import GREY, LINE_KEY_PT, colour_map, linetype_map, theme_escalation

__all__ = ["plot_precision_recall", "plot_roc"]

_ROC: Final = ("model", "fpr", "tpr")
_PR: Final = ("model", "recall", "precision")


def _legend(models: list[str], summary: Mapping[str, float] | None, name: str) -> dict[str, str]:
    if not summary:
        return {m: m for m in models}
    return {m: f"{m} ({name} {summary[m]:.2f})" if m in summary else m for m in models}


def _model_legend(entries: list[str], width: Literal["single", "double"] | float) -> Legend:
    """Return the models' legend beneath the panel, in as many columns as fit it."""
    return legend_beneath(entries, width, aesthetics=("color", "linetype"), key_pt=LINE_KEY_PT)


def plot_roc(
    roc: pd.DataFrame,
    *,
    auc: Mapping[str, float] | None = None,
    colours: Mapping[str, str] | None = None,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 80.0,
) -> p9.ggplot:
    """Plot ROC curves (recall against false-positive rate) by model, with the chance line.

    Parameters
    ----------
    roc : pandas.DataFrame
        ``model, fpr, tpr`` (one row per threshold, from (0, 0) to (1, 1)), e.g.
        :func:`escalation.predict.roc_curve`; censoring-weighted by the horizon.
    auc : mapping of str to float, optional
        Area under each model's curve, shown in the legend.
    colours : mapping, optional
        Colour of each model (default :func:`~escalation.figures.theme.colour_map`).
    title, width, height_mm
        Labels and size.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> roc = pd.DataFrame({"model": "Cox", "fpr": [0, 0.1, 0.4, 1],
    ...                     "tpr": [0, 0.4, 0.8, 1]})
    >>> plot = plot_roc(roc, auc={"Cox": 0.78})
    >>> plot.labels.x, sorted(plot.data["label"].unique())
    ('False-positive rate (1 − specificity)', ['Cox (AUC 0.78)'])
    """
    data = require_columns(roc, _ROC, figure="ROC curves")
    data = require_values(data, dict.fromkeys(_ROC[1:], "share"), figure="ROC curves").copy()
    data["model"] = data["model"].astype(str)
    models = list(pd.unique(data["model"]))
    names = _legend(models, auc, "AUC")
    chosen = dict(colours) if colours else colour_map(models)
    types = linetype_map(models, reserved=list(colours or ()))
    data["label"] = pd.Categorical(data["model"].map(names), categories=[names[m] for m in models])
    legend = _model_legend([names[m] for m in models], width)
    data = data.sort_values(["model", "fpr", "tpr"], kind="stable")
    return added(
        p9.ggplot(data, p9.aes("fpr", "tpr", color="label", linetype="label")),
        [
            p9.geom_abline(intercept=0.0, slope=1.0, linetype="dashed", color=GREY, size=0.4),
            # A path through the points, as pROC and timeROC draw it: the area under it is
            # the AUC; steps would draw the lower staircase between thresholds kept far
            # apart by disclosure control (each step at least 10 cases and non-cases).
            p9.geom_path(size=0.6),
            p9.scale_color_manual(
                values={names[m]: chosen[m] for m in models}, name="", labels=legend.labels
            ),
            p9.scale_linetype_manual(
                values={names[m]: types[m] for m in models}, name="", labels=legend.labels
            ),
            p9.scale_x_continuous(labels=percent, limits=(0, 1), expand=(0.01, 0)),
            p9.scale_y_continuous(labels=percent, limits=(0, 1), expand=(0.01, 0)),
            p9.coord_fixed(),
            p9.labs(
                x="False-positive rate (1 − specificity)",
                y="Recall (sensitivity)",
                title=title,
            ),
            theme_escalation(width=width, height_mm=height_mm),
            p9.theme(legend_title=p9.element_blank()),
            *legend.additions,
        ],
    )


def plot_precision_recall(
    curves: pd.DataFrame,
    *,
    prevalence: float | None = None,
    average_precision: Mapping[str, float] | None = None,
    colours: Mapping[str, str] | None = None,
    title: str | None = None,
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 80.0,
) -> p9.ggplot:
    """Plot precision against recall by model, with the prevalence as the chance line.

    Parameters
    ----------
    curves : pandas.DataFrame
        ``model, recall, precision`` (one row per threshold), e.g.
        :func:`escalation.predict.precision_recall_curve`.
    prevalence : float, optional
        Share of children who escalated by the horizon: the precision of flagging at
        random (dashed).
    average_precision : mapping of str to float, optional
        Average precision of each model, shown in the legend.
    colours, title, width, height_mm
        As in :func:`plot_roc`.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> pr = pd.DataFrame({"model": "Cox", "recall": [0, 0.4, 0.8, 1],
    ...                    "precision": [1, 0.5, 0.3, 0.16]})
    >>> plot_precision_recall(pr, prevalence=0.16).labels.y
    'Precision (positive predictive value)'
    """
    data = require_columns(curves, _PR, figure="precision–recall curves")
    data = require_values(
        data, dict.fromkeys(_PR[1:], "share"), figure="precision–recall curves"
    ).copy()
    data["model"] = data["model"].astype(str)
    models = list(pd.unique(data["model"]))
    names = _legend(models, average_precision, "AP")
    chosen = dict(colours) if colours else colour_map(models)
    types = linetype_map(models, reserved=list(colours or ()))
    data["label"] = pd.Categorical(data["model"].map(names), categories=[names[m] for m in models])
    legend = _model_legend([names[m] for m in models], width)
    data = data.sort_values(["model", "recall"], kind="stable")
    top = float(np.nanmax(data["precision"])) if len(data) else 1.0
    plot = added(
        p9.ggplot(data, p9.aes("recall", "precision", color="label", linetype="label")),
        [
            p9.geom_path(size=0.6),
            p9.scale_color_manual(
                values={names[m]: chosen[m] for m in models}, name="", labels=legend.labels
            ),
            p9.scale_linetype_manual(
                values={names[m]: types[m] for m in models}, name="", labels=legend.labels
            ),
            p9.scale_x_continuous(labels=percent, limits=(0, 1), expand=(0.01, 0)),
            p9.scale_y_continuous(labels=percent, limits=(0, max(top, 0.05)), expand=(0.01, 0)),
            p9.labs(
                x="Recall (sensitivity)", y="Precision (positive predictive value)", title=title
            ),
            theme_escalation(width=width, height_mm=height_mm),
            p9.theme(legend_title=p9.element_blank()),
            *legend.additions,
        ],
    )
    if prevalence is not None:
        plot += p9.geom_hline(yintercept=float(prevalence), linetype="dashed", color=GREY, size=0.4)
    return plot
