"""Axis label formatters shared by the figures (typed as plotnine expects)."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["abs_percent", "percent", "points"]

Values = Sequence[float] | Sequence[str]


def percent(values: Values) -> Sequence[str]:
    """Format proportions as whole percentages: 0.25 -> "25%"."""
    return [f"{100 * float(v):.0f}%" for v in values]


def abs_percent(values: Values) -> Sequence[str]:
    """Format proportions as whole percentages without sign (mirrored axes)."""
    return [f"{100 * abs(float(v)):.0f}%" for v in values]


def points(values: Values) -> Sequence[str]:
    """Format differences of proportions as signed percentage points: -0.02 -> "-2"."""
    out = []
    for v in values:
        x = 100 * float(v)
        out.append(f"{x:+.0f}" if round(x) else "0")
    return out
