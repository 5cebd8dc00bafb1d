"""Statistical disclosure control for counts that leave the local authority.

The rule, applied to every count in tables, figures and the brief:

- a count below :data:`THRESHOLD` (10) is suppressed (shown as "fewer than 10");
- every other count is rounded to the nearest :data:`BASE` (5), halves upwards.

Zero is suppressed too: it would reveal that no child in a group had an outcome.
Percentages computed from model estimates are not counts; percentages of two
counts should be computed from the disclosed counts (:func:`disclosed_share`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Final

import numpy as np
import pandas as pd
from pandas._libs.missing import NAType

from escalation.errors import DataValidationError, Problem

__all__ = [
    "BASE",
    "SUPPRESSED_TEXT",
    "THRESHOLD",
    "disclose_count",
    "disclose_metric_counts",
    "disclose_table",
    "disclosed_share",
    "format_count",
]

#: Counts below this are suppressed.
THRESHOLD: Final = 10
#: Counts at or above the threshold are rounded to a multiple of this.
BASE: Final = 5
#: How a suppressed count reads in text.
SUPPRESSED_TEXT: Final = "fewer than 10"


def disclose_count(count: float | NAType | None) -> int | None:
    """Return a count after disclosure control: ``None`` if below 10, else rounded to 5.

    Parameters
    ----------
    count : int or float or None
        A non-negative count (``None``, NaN and ``pd.NA`` stay ``None``).

    Returns
    -------
    int or None
        The rounded count, or ``None`` when suppressed.

    Raises
    ------
    DataValidationError
        For a negative or fractional count.

    Examples
    --------
    >>> [disclose_count(n) for n in (0, 9, 10, 12, 13, 1234)]
    [None, None, 10, 10, 15, 1235]
    """
    if count is None or isinstance(count, NAType) or math.isnan(count):
        return None
    value = float(count)
    if value < 0 or value != math.floor(value):
        raise DataValidationError(
            [Problem("count", None, None, count, "a count must be a whole number >= 0")],
            context="disclosure control",
        )
    if value < THRESHOLD:
        return None
    return int(math.floor(value / BASE + 0.5) * BASE)


def format_count(count: float | int | None) -> str:
    """Return a count as text after disclosure control.

    Examples
    --------
    >>> format_count(4), format_count(12_348)
    ('fewer than 10', '12,350')
    """
    disclosed = disclose_count(count)
    return SUPPRESSED_TEXT if disclosed is None else f"{disclosed:,}"


def disclosed_share(part: float | int, whole: float | int, digits: int = 0) -> str:
    """Return ``part`` as a percentage of ``whole``, both disclosed first.

    The share is withheld ("not shown") when either count is suppressed.

    Examples
    --------
    >>> disclosed_share(212, 1003)
    '21%'
    >>> disclosed_share(6, 1003)
    'not shown (fewer than 10)'
    """
    a, b = disclose_count(part), disclose_count(whole)
    if a is None or b is None or b == 0:
        return f"not shown ({SUPPRESSED_TEXT})"
    return f"{100 * a / b:.{digits}f}%"


def disclose_table(frame: pd.DataFrame, counts: Sequence[str] | None = None) -> pd.DataFrame:
    """Return a copy of ``frame`` with every count column under disclosure control.

    Suppressed counts become missing (``pd.NA``) in nullable integer columns; figure
    functions show them as ``<10``. A boolean ``suppressed`` column is added (or
    combined with an existing one) marking rows with any suppressed count.

    Parameters
    ----------
    frame : pandas.DataFrame
        Any table.
    counts : sequence of str, optional
        The count columns (default: integer columns named ``n``, ``children``,
        ``episodes``, ``events``, ``at_risk``, ``count``, ``treated``, ``censored``,
        ``competing`` or ``spells``).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["a", "b"], "n": [7, 1234]})
    >>> disclose_table(table)
      group     n  suppressed
    0     a  <NA>        True
    1     b  1235       False
    """
    columns = list(counts) if counts is not None else list(_count_columns(frame.columns))
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataValidationError(
            [
                Problem("table", None, c, None, "count column to disclose is missing")
                for c in missing
            ],
            context="disclosure control",
        )
    out = frame.copy()
    hidden = np.zeros(len(out), dtype=bool)
    for column in columns:
        values = [disclose_count(v) for v in out[column].tolist()]
        original_missing = out[column].isna().to_numpy()
        out[column] = pd.array(values, dtype="Int64")
        hidden |= out[column].isna().to_numpy() & ~original_missing
    previous = out["suppressed"].astype(bool).to_numpy() if "suppressed" in out else False
    out["suppressed"] = hidden | previous
    return out


_COUNT_NAMES: Final = frozenset(
    {
        "n",
        "children",
        "episodes",
        "events",
        "at_risk",
        "count",
        "treated",
        "censored",
        "competing",
        "spells",
    }
)


def _count_columns(columns: Iterable[object]) -> Iterable[str]:
    for column in columns:
        name = str(column)
        if name in _COUNT_NAMES:
            yield name


def disclose_metric_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Return a metrics table with ``n`` and the count metrics under disclosure control.

    The ``n`` column and rows whose ``metric`` is a count (``n``, ``events``) are
    disclosed as :func:`disclose_count` does (below 10 missing, others rounded to 5);
    count rows lose their intervals.

    Examples
    --------
    >>> table = pd.DataFrame({"metric": ["events", "auc"], "n": [123, 123],
    ...                       "estimate": [7.0, 0.71], "conf_low": [None, 0.65]})
    >>> disclose_metric_counts(table)[["n", "estimate"]].values.tolist()
    [[125, None], [125, 0.71]]
    """
    out = frame.copy()
    if "n" in out.columns:
        out = disclose_table(out, ["n"]).drop(columns="suppressed", errors="ignore")
        if "suppressed" in frame.columns:
            out["suppressed"] = frame["suppressed"].astype(bool) | out["n"].isna()
    counts = out["metric"].isin(["n", "events"])
    if counts.any():
        disclosed = [disclose_count(v) for v in out.loc[counts, "estimate"]]
        out["estimate"] = out["estimate"].astype(object)
        out.loc[counts, "estimate"] = disclosed
        for column in ("conf_low", "conf_high"):
            if column in out.columns:
                out[column] = out[column].astype(object)
                out.loc[counts, column] = None
    return out
