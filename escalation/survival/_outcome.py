"""The checks every time-to-event entry point applies to its durations and event codes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.errors import DataValidationError, Problem

__all__ = ["durations", "event_codes"]


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
