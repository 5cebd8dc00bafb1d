"""Input checks shared by the figure functions: the columns and values a tidy frame needs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Final, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.errors import DataValidationError, Problem

__all__ = ["ValueKind", "count_label", "require_columns", "require_values"]

#: What a figure's column holds: any number; a ratio (> 0, drawn on a log axis); a risk,
#: rate, share or probability (in [0, 1]); a count, a time or a cumulative hazard (>= 0);
#: a count to print, or its label as disclosure control printed it (text: "<10", "[c]").
ValueKind = Literal["number", "ratio", "share", "count", "time", "hazard", "count_label"]

_Rule = Callable[[npt.NDArray[np.float64]], npt.NDArray[np.bool_]]
#: Each kind's test of a value (true when it is allowed) and the reason it gives if not.
_VALUE_RULES: Final[dict[str, tuple[_Rule, str]]] = {
    "number": (lambda v: np.ones(v.shape, dtype=bool), "must be a number"),
    "ratio": (lambda v: v > 0, "a ratio must be greater than 0 (it is drawn on a log axis)"),
    "share": (
        lambda v: (v >= 0) & (v <= 1),
        "a risk, rate, share or probability must lie between 0 and 1",
    ),
    "count": (lambda v: v >= 0, "a count must be 0 or more"),
    "time": (lambda v: v >= 0, "a time must be 0 or more"),
    "hazard": (lambda v: v >= 0, "a cumulative hazard must be 0 or more"),
    "count_label": (lambda v: v >= 0, "a count must be 0 or more"),
}


def require_columns(frame: object, columns: Sequence[str], *, figure: str) -> pd.DataFrame:
    """Return ``frame`` as a DataFrame after checking it has ``columns`` and rows.

    Raises
    ------
    DataValidationError
        Naming the figure, every missing column and the columns the frame has.
    """
    if not isinstance(frame, pd.DataFrame):
        raise DataValidationError(
            [
                Problem(
                    figure,
                    None,
                    None,
                    type(frame).__name__,
                    f"expected a tidy pandas DataFrame, got {type(frame).__name__}; "
                    "pass the result's tidy() frame",
                )
            ],
            context=f"{figure} data",
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        have = ", ".join(map(str, frame.columns)) or "none"
        raise DataValidationError(
            [
                Problem(
                    figure,
                    None,
                    column,
                    None,
                    f"required column is missing (needs {', '.join(columns)}; has {have})",
                )
                for column in missing
            ],
            context=f"{figure} data",
        )
    if frame.empty:
        raise DataValidationError(
            [Problem(figure, None, None, None, "the frame has no rows: nothing to draw")],
            context=f"{figure} data",
        )
    return frame


def _value_problems(
    column: pd.Series, name: str, kind: ValueKind, figure: str
) -> tuple[pd.Series, list[Problem]]:
    """Return ``column`` as numbers and a problem for each value ``kind`` does not allow."""
    numbers = pd.to_numeric(column, errors="coerce") if column.dtype != bool else column
    values = np.asarray(numbers, dtype=float)
    present = column.notna().to_numpy()
    if kind == "count_label":  # a label printed as it is (count_label): not a number
        present &= ~column.map(lambda v: isinstance(v, str)).to_numpy(dtype=bool)
    allowed, reason = _VALUE_RULES[kind]
    problems = [
        Problem(figure, int(row), name, column.iloc[row], "must be a number")
        for row in np.flatnonzero(present & np.isnan(values))
    ]
    with np.errstate(invalid="ignore"):
        outside = ~np.isnan(values) & ~allowed(values)
    problems += [
        Problem(figure, int(row), name, float(f"{values[row]:.6g}"), reason)
        for row in np.flatnonzero(outside)
    ]
    return numbers, problems


def require_values(
    frame: pd.DataFrame, kinds: Mapping[str, ValueKind], *, figure: str
) -> pd.DataFrame:
    """Return ``frame`` with ``kinds``' columns as numbers, after checking every value.

    A column named in ``kinds`` but absent from ``frame`` (an optional one) is skipped.
    Missing values pass: a figure shows them as not estimated or withheld. Text that
    reads as a number (``"0.98"``) is converted; anything else, and any number outside
    its kind's range (:data:`ValueKind`), is a problem.

    Raises
    ------
    DataValidationError
        Naming the figure, and each offending row (its position), column and value.
    """
    problems: list[Problem] = []
    converted: dict[str, pd.Series] = {}
    for name, kind in kinds.items():
        if name not in frame.columns:
            continue
        numbers, found = _value_problems(frame[name], name, kind, figure)
        problems += found
        if kind != "count_label" and not pd.api.types.is_numeric_dtype(frame[name].dtype):
            converted[name] = numbers
    if problems:
        raise DataValidationError(problems, context=f"{figure} data")
    return frame.assign(**converted) if converted else frame


def count_label(value: object) -> str:
    """Format a count for display: thousands separators; missing (suppressed) as ``<10``.

    Disclosure control happens upstream (:mod:`escalation.disclosure`); a count it
    suppressed arrives here as missing and is shown as ``<10``.
    """
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return "<10"
    if isinstance(value, str):
        return value
    return f"{int(value):,}"  # type: ignore[call-overload]
