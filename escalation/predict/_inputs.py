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

from escalation.core.timefix import near_ties_merged
from escalation.errors import DataValidationError, Problem

__all__ = ["by_label", "first_bad_rows", "labels_of", "prediction_arrays", "risk_checks"]

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

    A pandas ``event`` or ``risk`` is read by label, in the order of the first of the
    three given with an index (:func:`by_label`): a Series of risks sorted by value
    was given to the wrong children.

    A missing event code was cast to a huge negative integer (a "censored" spell, with a
    numpy warning), and a missing or infinite duration or risk was reported without its
    row. A risk outside [0, 1] (a score in percent, a negative) was scored as given: a
    Brier score of 1605 and a decision curve read at the wrong threshold, with the AUC
    unchanged.

    Follow-up times that differ only by floating-point rounding (weeks computed as
    ``days / 7`` and ``days * (1 / 7)``) are made one time, as R's ``timefix`` does
    (:func:`escalation.core.timefix.near_ties_merged`): every metric of the risk tool
    reads its times here, so ties on time are R's (``survival::concordance``).

    Examples
    --------
    >>> prediction_arrays([5, 10], [1, 0], [0.2, 35.0])
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Predictions: 1 problem found
      - table 'predictions', row 1, column 'risk', value '35.0': 1 value(s) outside [0, 1]: \
risks must be probabilities (a score in percent is the common mistake: divide it by 100)
    """
    index = labels_of(duration, event, risk)
    time = np.asarray(duration, dtype=float)
    given = np.asarray(by_label(event, index, column="event"))
    score = (
        np.zeros_like(time)
        if risk is None
        else np.asarray(by_label(risk, index, column="risk"), dtype=float)
    )
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
    # Times equal up to floating-point rounding are one time, as R's timefix makes them
    # (the package's one rule): Harrell's C would compare two escalations of one week.
    return near_ties_merged(time)[0], codes.astype(np.int64), score


def labels_of(*values: object) -> pd.Index | None:
    """Return the index of the first pandas Series or DataFrame among ``values`` (or None).

    The labels the others are read by (:func:`by_label`): the spells' ``duration``
    column, or the spells themselves.
    """
    for value in values:
        if isinstance(value, pd.Series | pd.DataFrame):
            return value.index
    return None


def by_label(
    values: Any, index: pd.Index | None, *, table: str = "predictions", column: str = "risk"
) -> Any:
    """Return ``values`` in the order of ``index``: a Series or DataFrame by its labels.

    Anything without an index (a list, an array), and anything when ``index`` is None,
    is returned as it is: it is read by position. A Series whose labels are those of
    ``index`` in another order (sorted by value, or after a merge) is put in that order;
    one whose labels differ is refused: matched by position, its risks went to other
    children without a word.

    Raises
    ------
    DataValidationError
        Naming ``table``, ``column`` and the first row of ``values`` whose label is not
        in ``index`` (labels repeated or missing: no row), when the labels differ. The
        labels themselves are not shown (an index may be an identifier).

    Examples
    --------
    >>> spells = pd.Index([10, 11, 12])
    >>> by_label(pd.Series([0.3, 0.1, 0.2], index=[12, 10, 11]), spells).tolist()
    [0.1, 0.2, 0.3]
    >>> by_label(pd.Series([0.3, 0.1, 0.2]), spells)
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Predictions: 1 problem found
      - table 'predictions', row 0, column 'risk', value <empty>: the index of risk \
does not match the spells' index (3 of its 3 labels are not among theirs); give it the \
spells' index (risk.reindex(spells.index)) or pass an array in the spells' order
    """
    if index is None or not isinstance(values, pd.Series | pd.DataFrame):
        return values
    if values.index.equals(index):
        return values
    own = values.index
    foreign = np.flatnonzero(~own.isin(index))
    if own.is_unique and index.is_unique and len(own) == len(index) and not foreign.size:
        return values.reindex(index)
    found = (
        f"{foreign.size} of its {len(own)} labels are not among theirs"
        if foreign.size
        else f"{len(own)} labels for {len(index)} spells"
    )
    reason = (
        f"the index of {column} does not match the spells' index ({found}"
        f"{'' if own.is_unique else '; some repeat'}); give it the spells' index "
        f"({column}.reindex(spells.index)) or pass an array in the spells' order"
    )
    row = int(foreign[0]) if foreign.size else None
    raise DataValidationError([Problem(table, row, column, None, reason)], table)


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
