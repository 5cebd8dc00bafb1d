"""The checks every time-to-event entry point applies to its input rows.

:func:`usable_rows` decides which rows an estimator uses and counts the others (the
``dropped`` of every result's ``glance()``); :func:`durations` and :func:`event_codes`
check the follow-up times and event codes of the rows used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._vocabulary import spells_of, weights_column
from escalation.errors import DataValidationError, DesignError, Problem

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "UsableRows",
    "durations",
    "event_codes",
    "refuse_missing_labels",
    "usable_data",
    "usable_rows",
    "with_weights",
]

#: What ``weights=`` of every time-to-event entry point takes (docs/vocabulary.md).
Weights = str | npt.ArrayLike | None


@dataclass(frozen=True)
class UsableRows:
    """The rows an estimator uses, and how many it left out.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows used, in their order (the input itself when none were left out).
    weights : numpy.ndarray or None
        Their case weights (``None`` without a weights column).
    dropped : int
        Rows left out: zero case weight, or a missing outcome where the estimator allows
        it. Reported as ``dropped`` by the result's ``glance()``.
    """

    frame: pd.DataFrame
    weights: npt.NDArray[np.float64] | None
    dropped: int


def usable_rows(
    frame: pd.DataFrame,
    *,
    weights: str | None = None,
    missing_outcome: str | None = None,
    table: str = "spells",
) -> UsableRows:
    """Check case weights and leave out the rows that take no part in an estimate.

    A row with case weight 0 adds nothing to a weighted estimate (nor to its variance),
    so it is left out, which also keeps it out of unweighted counts such as the numbers
    at risk; with ``missing_outcome`` rows whose value there is missing are left out
    too. Every row left out is counted in :attr:`UsableRows.dropped`; any other bad
    value raises.

    Parameters
    ----------
    frame : pandas.DataFrame
        The input rows.
    weights : str, optional
        Column of case weights: finite and ``>= 0``.
    missing_outcome : str, optional
        Column whose missing values leave the row out (an outcome not measured).
    table : str, default "spells"
        The table named in errors.

    Returns
    -------
    UsableRows

    Raises
    ------
    DesignError
        When a named column is not in ``frame``, or ``frame`` has no rows.
    DataValidationError
        When a weight is missing, infinite or negative (naming the row and value).

    Examples
    --------
    >>> rows = pd.DataFrame({"duration": [3, 5, 8], "event": [1, 0, 1], "w": [1.0, 0.0, 2.5]})
    >>> used = usable_rows(rows, weights="w")
    >>> used.dropped, used.weights.tolist(), used.frame.index.tolist()
    (1, [1.0, 2.5], [0, 2])
    """
    for column in (weights, missing_outcome):
        if column is not None and column not in frame.columns:
            raise DesignError(
                f"column {column!r} is not in the {table} table; available: "
                f"{', '.join(map(str, frame.columns))}"
            )
    if not len(frame):
        raise DesignError(f"the {table} table has no rows: there is nothing to estimate")
    keep = np.ones(len(frame), dtype=bool)
    w = None
    if weights is not None:
        values = frame[weights]
        w = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = np.flatnonzero(~np.isfinite(w) | (w < 0))
        if len(bad):
            row = int(bad[0])
            reason = (
                f"{len(bad)} case weight(s) missing, infinite or negative; weights must be "
                "finite and >= 0 (rows with weight 0 are left out and counted as dropped)"
            )
            raise DataValidationError(
                [Problem(table, row, str(weights), values.iloc[row], reason)], table
            )
        keep &= w > 0
    if missing_outcome is not None:
        keep &= frame[missing_outcome].notna().to_numpy()
    dropped = int((~keep).sum())
    if dropped:
        frame = frame.loc[keep]
        w = w[keep] if w is not None else None
    return UsableRows(frame, w, dropped)


def usable_data(
    data: SpellData | pd.DataFrame, *, weights: str | None = None, function: str
) -> tuple[SpellData | pd.DataFrame, UsableRows]:
    """Apply :func:`usable_rows` to spells given as :class:`SpellData` or a data frame.

    Returns the data of the same kind holding only the rows used (SpellData keep their
    link to the case history: spells are matched by ``spell_id``), and the count.

    Raises
    ------
    DesignError
        When ``data`` is neither (naming ``function``, the entry point called:
        :func:`~escalation._vocabulary.spells_of`).
    """
    frame = spells_of(data, function=function)
    used = usable_rows(frame, weights=weights)
    if frame is data:  # a data frame
        return used.frame, used
    spell_data = cast("SpellData", data)
    return (replace(spell_data, spells=used.frame) if used.dropped else spell_data), used


def with_weights(
    data: SpellData | pd.DataFrame, weights: Weights, *, function: str
) -> tuple[SpellData | pd.DataFrame, str | None]:
    """Return ``data`` and its weights column, given as a name or one weight per spell.

    Weights given as values (:func:`~escalation._vocabulary.weights_column`) become a
    column of the spells (``SpellData.spells``) or of the data frame.
    """
    from escalation.timeline.spells import SpellData

    if isinstance(data, SpellData):
        spells, column = weights_column(data.spells, weights, function=function)
        return (data if spells is data.spells else replace(data, spells=spells)), column
    if not isinstance(cast(object, data), pd.DataFrame):  # refused by the entry point
        return data, cast(str | None, weights)
    return weights_column(data, weights, function=function)


def durations(values: pd.Series, *, table: str = "spells") -> npt.NDArray[np.float64]:
    """Return follow-up times as floats, or raise naming the first bad row.

    Examples
    --------
    >>> durations(pd.Series([3, 10.5], name="duration")).tolist()
    [3.0, 10.5]
    """
    time = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(time) | (time <= 0))
    if len(bad):
        row = int(bad[0])
        reason = f"{len(bad)} duration(s) missing or not > 0; durations are positive days"
        raise DataValidationError(
            [Problem(table, row, str(values.name), values.iloc[row], reason)], table
        )
    return time


def event_codes(values: pd.Series, *, table: str = "spells") -> npt.NDArray[np.int64]:
    """Return event codes as integers (0 censored, 1, 2, ... the cause), or raise.

    Examples
    --------
    >>> event_codes(pd.Series([0, 1, 2.0], name="event")).tolist()
    [0, 1, 2]
    >>> event_codes(pd.Series([0, 0.5], name="event"))
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Spells: 1 problem found
      - table 'spells', row 1, column 'event', value '0.5': 1 event code(s) are not whole numbers >= 0 (0 censored, 1, 2, ... the cause)
    """  # noqa: E501
    codes = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(codes) | (codes < 0) | (codes != np.round(codes)))
    if len(bad):
        row = int(bad[0])
        reason = (
            f"{len(bad)} event code(s) are not whole numbers >= 0 (0 censored, 1, 2, ... the cause)"
        )
        raise DataValidationError(
            [Problem(table, row, str(values.name), values.iloc[row], reason)], table
        )
    return codes.astype(np.int64)


def refuse_missing_labels(
    frame: pd.DataFrame, columns: Sequence[str | None], *, what: str, table: str = "spells"
) -> None:
    """Raise naming the rows whose group or stratum label is missing.

    A missing label is no group: kept, it would form a group of its own (a three-group
    test where two were meant), and left out silently, its rows would be lost.

    Parameters
    ----------
    frame : pandas.DataFrame
        The input rows.
    columns : sequence of str or None
        The label columns (``None`` entries are skipped).
    what : str
        What the labels are (``"group"``, ``"strata"``), for the message.
    table : str, default "spells"
        The table named in errors.

    Raises
    ------
    DataValidationError
        When a label is missing.

    Examples
    --------
    >>> rows = pd.DataFrame({"arm": ["a", None, "b"]})
    >>> refuse_missing_labels(rows, ["arm"], what="group")
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Group column 'arm': 1 problem found
      - table 'spells', row 1, column 'arm', value <empty>: 1 row(s) have no arm; give every row a group or leave the rows out explicitly
    """  # noqa: E501
    for column in columns:
        if column is None:
            continue
        missing = np.flatnonzero(frame[column].isna().to_numpy())
        if missing.size:
            reason = (
                f"{missing.size} row(s) have no {column}; give every row a {what} or leave "
                "the rows out explicitly"
            )
            values = frame[column]
            problems = [
                Problem(table, int(r), column, values.iloc[r], reason) for r in missing[:20]
            ]
            raise DataValidationError(problems, f"{what} column {column!r}")
