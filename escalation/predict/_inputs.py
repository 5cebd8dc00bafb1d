"""The arrays every risk-tool metric reads: follow-up, event codes and risks, checked once.

:func:`prediction_arrays` turns a metric's ``duration``, ``event`` and ``risk`` arguments
into arrays, or raises :class:`~escalation.errors.DataValidationError` naming the first
bad row of each; the metrics, curves, fairness and validation functions all call it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.errors import DataValidationError, Problem

__all__ = ["prediction_arrays"]

FloatArray = npt.NDArray[np.float64]


def prediction_arrays(
    duration: npt.ArrayLike, event: npt.ArrayLike, risk: npt.ArrayLike | None = None
) -> tuple[FloatArray, npt.NDArray[np.int64], FloatArray]:
    """Return follow-up, event codes and risks as arrays, or raise naming the bad rows.

    A missing event code was cast to a huge negative integer (a "censored" spell, with a
    numpy warning), and a missing or infinite duration or risk was reported without its
    row.
    """
    time = np.asarray(duration, dtype=float)
    given = np.asarray(event)
    score = np.zeros_like(time) if risk is None else np.asarray(risk, dtype=float)
    if time.shape != given.shape or time.shape != score.shape[:1]:
        raise DataValidationError(
            [Problem("predictions", None, None, None, "duration, event and risk differ in length")],
            "predictions",
        )
    if given.dtype.kind in "biuf":  # the usual case: numbers (or flags) already
        codes = given.astype(float)
    else:
        entries = pd.Series(given.ravel(), dtype=object)
        numbers = pd.to_numeric(entries, errors="coerce")
        codes = numbers.to_numpy(dtype=float, na_value=np.nan)
    checks = (
        ("duration", time, ~np.isfinite(time) | (time <= 0), "missing or not > 0"),
        (
            "event",
            given,
            ~np.isfinite(codes) | (codes < 0) | (codes != np.round(codes)),
            "not whole numbers >= 0 (0 censored, 1, 2, ... the cause)",
        ),
        ("risk", score, ~np.isfinite(score), "missing or infinite"),
    )
    problems = [
        Problem("predictions", int(r), column, values[r], f"{int(bad.sum())} value(s) {reason}")
        for column, values, bad, reason in checks
        for r in np.flatnonzero(bad)[:1]
    ]
    if problems:
        raise DataValidationError(problems, "predictions")
    return time, codes.astype(np.int64), score
