"""Add the parts of a figure to its plot in place, in one step."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotnine as p9

__all__ = ["added"]


def added(plot: p9.ggplot, parts: Sequence[Any]) -> p9.ggplot:
    """Return ``plot`` with ``parts`` (layers, scales, labels, themes) added, in order.

    ``plot + part`` copies the whole plot before adding each part (its theme most of
    all), so a chain of ``+`` copied the figure once per part: the better part of the
    time to build a figure. ``parts`` are added to ``plot`` itself, as ``plot +=
    list(parts)`` does: ``plot`` must be the caller's own, built for this figure, and
    each part a new object. The figure is the one the chain built.

    Parameters
    ----------
    plot : plotnine.ggplot
        The plot being built (changed in place).
    parts : sequence
        What ``+`` would have added, in the same order.

    Returns
    -------
    plotnine.ggplot
        ``plot``.

    Examples
    --------
    >>> import pandas as pd
    >>> base = p9.ggplot(pd.DataFrame({"x": [1, 2]}), p9.aes("x", "x"))
    >>> plot = added(base, [p9.geom_point(), p9.labs(title="Two points")])
    >>> plot is base, len(plot.layers), plot.labels.title
    (True, 1, 'Two points')
    """
    plot += list(parts)
    return plot
