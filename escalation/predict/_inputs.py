"""The arrays every risk-tool metric reads: follow-up, event codes and risks, checked once.

:func:`prediction_arrays` turns a metric's ``duration``, ``event`` and ``risk`` arguments
into arrays, or raises :class:`~escalation.errors.DataValidationError` naming the first
bad row of each; the metrics, curves, fairness and validation functions all call it.
Risks are probabilities in [0, 1]: a tool's score in percent (or a negative) is refused,
since the Brier score, calibration and decision curve would read it as a risk.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.errors import DataValidationError, Problem

__all__ = ["first_bad_rows", "prediction_arrays", "risk_checks"]

FloatArray = npt.NDArray[np.float64]
# One check of a column: (column, values, which rows are bad, why).
Check = tuple[str, npt.NDArray[Any], npt.NDArray[np.bool_], str]

_OUTSIDE_UNIT = (
    "outside [0, 1]: risks must be probabilities (a score in percent is the common "
    "mistake: divide it by 100)"
)


def prediction_arrays(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike | None = None,
    *,
    probabilities: bool = True,
) -> tuple[FloatArray, npt.NDArray[np.int64], FloatArray]:
    """Return follow-up, event codes and risks as arrays, or raise naming the bad rows.

    With ``probabilities`` (the default: Brier scores, calibration, net benefit read a
    risk as a probability) a risk must lie in [0, 1]; the measures that use only the
    scores' order (concordance, the time-dependent AUC, ROC and precision-recall curves,
    average precision, an operating point) take any finite score (``False``), such as a
    Cox model's linear predictor or a points score.

    A missing event code was cast to a huge negative integer (a "censored" spell, with a
    numpy warning), and a missing or infinite duration or risk was reported without its
    row. A risk outside [0, 1] (a score in percent, a negative) was scored as given: a
    Brier score of 1605 and a decision curve read at the wrong threshold, with the AUC
    unchanged.

    Examples
    --------
    >>> prediction_arrays([5, 10], [1, 0], [0.2, 35.0])
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Predictions: 1 problem found
      - table 'predictions', row 1, column 'risk', value '35.0': 1 value(s) outside [0, 1]: \
risks must be probabilities (a score in percent is the common mistake: divide it by 100)
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
        *risk_checks(score, probabilities=probabilities),
    )
    problems = first_bad_rows(checks)
    if problems:
        raise DataValidationError(problems, "predictions")
    return time, codes.astype(np.int64), score


def risk_checks(score: FloatArray, *, probabilities: bool = True) -> tuple[Check, ...]:
    """Return the checks of predicted risks: finite, and (``probabilities``) in [0, 1].

    Each is ``(column, values, bad, reason)``, as :func:`first_bad_rows` reads it.
    """
    finite: Check = ("risk", score, ~np.isfinite(score), "missing or infinite")
    if not probabilities:
        return (finite,)
    return (finite, ("risk", score, (score < 0) | (score > 1), _OUTSIDE_UNIT))


def first_bad_rows(checks: Sequence[Check], table: str = "predictions") -> list[Problem]:
    """Return a problem naming the first bad row of each check, with how many are bad.

    A float is given to 10 significant digits: a message shows a number of at most 16
    characters, and a score in percent such as 100 x 0.3581234567891 has 17.
    """
    return [
        Problem(table, int(r), column, _readable(values[r]), f"{int(bad.sum())} value(s) {reason}")
        for column, values, bad, reason in checks
        for r in np.flatnonzero(bad)[:1]
    ]


def _readable(value: object) -> object:
    """Return a float to 10 significant digits (other values as they are)."""
    return float(f"{value:.10g}") if isinstance(value, float) else value
