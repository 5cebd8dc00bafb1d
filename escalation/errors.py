"""Exceptions and warnings raised by escalation.

Every exception derives from :class:`EscalationError`, so callers can catch
the package's errors in one place; each also derives from the built-in class
that describes it best (``ValueError`` for bad data or designs).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "ConvergenceError",
    "DataValidationError",
    "DesignError",
    "EscalationError",
    "Problem",
    "StageError",
    "StatisticalWarning",
]

#: Columns whose values are personal data: never echoed in messages or reports.
PERSONAL_COLUMNS = frozenset({"child_id", "family_id", "text", "birth_date"})

_MAX_LISTED = 50


@dataclass(frozen=True)
class Problem:
    """One breach of the data contract.

    Parameters
    ----------
    table : str
        ``"children"``, ``"episodes"``, ``"notes"`` or a file name.
    row : int or None
        Zero-based row position in the table as read (``None`` for a table-level problem).
    column : str or None
        The offending column (``None`` when the problem concerns the whole row or table).
    value : object
        The offending value. Values of personal columns are kept here for the analyst's
        own use but are never shown by :meth:`describe`.
    reason : str
        Why the value breaks the contract, in the user's terms.
    """

    table: str
    row: int | None
    column: str | None
    value: object
    reason: str

    def shown_value(self) -> str:
        """Return the value as it may be displayed: personal data are withheld."""
        if self.column in PERSONAL_COLUMNS:
            return "<withheld: personal data>"
        if self.value is None:
            return "<empty>"
        text = str(self.value)
        return repr(text if len(text) <= 40 else text[:37] + "...")

    def describe(self) -> str:
        """Return a one-line description safe for logs and reports."""
        where = [f"table {self.table!r}"]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column is not None:
            where.append(f"column {self.column!r}")
            where.append(f"value {self.shown_value()}")
        return f"{', '.join(where)}: {self.reason}"


class EscalationError(Exception):
    """Base class of every error raised by escalation."""


class DataValidationError(EscalationError, ValueError):
    """Input data break the case-history contract.

    Lists every problem found, not only the first.

    Parameters
    ----------
    problems : sequence of Problem
        Every breach found.
    context : str
        What was being validated (e.g. a folder name).
    """

    def __init__(self, problems: Sequence[Problem], context: str = "case history") -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        self.context = context
        super().__init__(self._message())

    def _message(self) -> str:
        n = len(self.problems)
        lines = [f"{context_title(self.context)}: {n} problem{'s' if n != 1 else ''} found"]
        lines += [f"  - {p.describe()}" for p in self.problems[:_MAX_LISTED]]
        if n > _MAX_LISTED:
            lines.append(
                f"  ... and {n - _MAX_LISTED} more (see the .problems attribute, "
                "or read leniently to get the full exclusion report)"
            )
        return "\n".join(lines)

    @classmethod
    def from_problems(cls, problems: Iterable[Problem], context: str) -> DataValidationError:
        """Build the error from any iterable of problems."""
        return cls(list(problems), context)


def context_title(context: str) -> str:
    """Capitalise the first letter of a context string for a message heading."""
    return context[:1].upper() + context[1:]


class DesignError(EscalationError, ValueError):
    """A study design is invalid (unknown kinds, impossible horizons, conflicting options)."""


class ConvergenceError(EscalationError, RuntimeError):
    """A model failed to converge; the message says what to try."""


class StageError(EscalationError, RuntimeError):
    """A stage of a study run failed, so the run stopped and wrote nothing.

    Parameters
    ----------
    stage : str
        The stage that failed (``effects``, ``survival``, ...).
    message : str
        What went wrong.
    """

    def __init__(self, stage: str, message: str) -> None:
        self.stage = stage
        super().__init__(f"stage {stage!r} failed: {message}")


class StatisticalWarning(UserWarning):
    """A result is computable but should be read with care (e.g. poor overlap, few events).

    Parameters
    ----------
    message : str
        What to read with care, in the user's terms.
    design_key : str, optional
        The design-file key that governs it, written ``"[section] key"`` (e.g.
        ``"[outcome] horizons"``); the study runner reports the warning against that key.
    advice : str, optional
        What to change in the design file.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     warnings.warn(StatisticalWarning("few events", design_key="[outcome] horizons"))
    >>> caught[0].message.design_key
    '[outcome] horizons'
    """

    def __init__(
        self, *args: object, design_key: str | None = None, advice: str | None = None
    ) -> None:
        super().__init__(*args)
        self.design_key = design_key
        self.advice = advice
