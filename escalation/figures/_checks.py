"""Input checks shared by the figure functions: tidy frames with the columns they need."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from escalation.errors import DataValidationError, Problem

__all__ = ["count_label", "require_columns"]


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
