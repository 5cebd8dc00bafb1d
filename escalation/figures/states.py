"""Multi-state models: stacked state occupation probabilities over time."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Sequence
from typing import Final, Literal

import pandas as pd
import plotnine as p9

from escalation.figures._checks import require_columns
from escalation.figures._labels import percent
from escalation.figures.theme import palette, theme_escalation

__all__ = ["plot_state_occupation"]

_COLUMNS: Final = ("time", "state", "probability")


def plot_state_occupation(
    occupation: pd.DataFrame,
    *,
    states: Sequence[str] | None = None,
    title: str | None = None,
    xlab: str = "Days since the decision point",
    width: Literal["single", "double"] | float = "single",
    height_mm: float = 70.0,
) -> p9.ggplot:
    """Plot the probability of being in each state over time, stacked to one.

    Parameters
    ----------
    occupation : pandas.DataFrame
        ``time, state, probability`` (+ optional ``group``: one panel per group).
    states : sequence of str, optional
        Stacking order from the bottom (default: order of appearance).
    title, xlab, width, height_mm
        Labels and size.

    Returns
    -------
    plotnine.ggplot

    Examples
    --------
    >>> frame = pd.DataFrame({"time": [0, 0, 365, 365],
    ...     "state": ["Closed", "CP plan"] * 2, "probability": [1.0, 0.0, 0.9, 0.1]})
    >>> plot_state_occupation(frame).data.groupby("time")["probability"].sum().tolist()
    [1.0, 1.0]
    """
    occupation = require_columns(occupation, _COLUMNS, figure="state occupation")
    data = occupation.copy()
    data["state"] = data["state"].astype(str)
    order = list(pd.unique(data["state"])) if states is None else [str(s) for s in states]
    # plotnine stacks the last level at the bottom: reverse so ``states[0]`` is lowest.
    data["state"] = pd.Categorical(data["state"], categories=order[::-1])
    plot = (
        p9.ggplot(data, p9.aes("time", "probability", fill="state"))
        + p9.geom_area(position="stack", alpha=0.9, color="white", size=0.2)
        + p9.scale_fill_manual(
            values=dict(zip(order, palette(len(order)), strict=True)), breaks=order, name=""
        )
        + p9.scale_y_continuous(labels=percent, expand=(0, 0))
        + p9.scale_x_continuous(expand=(0, 0))
        + p9.labs(x=xlab, y="Probability of being in the state", title=title)
        + theme_escalation(width=width, height_mm=height_mm)
        + p9.theme(legend_title=p9.element_blank())
        + p9.guides(fill=p9.guide_legend(nrow=2 if len(order) > 3 else 1))
    )
    if "group" in data.columns:
        plot += p9.facet_wrap("group", nrow=1)
    return plot
