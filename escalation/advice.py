"""Plain-words checks of a fitted model: what :meth:`check_assumptions` returns.

Each check says what was looked at, whether it is fine, and what to do when it is not,
in sentences a reader of R's ``cox.zph`` output or a lifelines user would recognise.
An :class:`Advice` prints as text and renders in Jupyter; its :meth:`Advice.tidy` is a
frame, so checks can be tested and written out.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import pandas as pd

from escalation.results import Presents, Summary

__all__ = ["Advice", "Check", "Status"]

Status = Literal["ok", "warning", "not checked"]


@dataclass(frozen=True)
class Check:
    """One check: its topic, its outcome and the advice in words.

    Attributes
    ----------
    topic : str
        What was checked ("proportional hazards", "positivity", "sparse events", ...).
    status : {"ok", "warning", "not checked"}
        The outcome.
    message : str
        The finding and, for a warning, what to do.
    """

    topic: str
    status: Status
    message: str


@dataclass(frozen=True)
class Advice(Presents):
    """The checks of one fitted model, printable (``print(fit.check_assumptions())``).

    Attributes
    ----------
    model : str
        What was checked ("Cox proportional hazards").
    checks : tuple of Check
        The checks, in order.
    """

    model: str
    checks: tuple[Check, ...]

    @property
    def warnings(self) -> tuple[Check, ...]:
        """The checks that found a problem."""
        return tuple(c for c in self.checks if c.status == "warning")

    def tidy(self) -> pd.DataFrame:
        """Return ``topic, status, message``, one row per check."""
        return pd.DataFrame(
            [{"topic": c.topic, "status": c.status, "message": c.message} for c in self.checks],
            columns=["topic", "status", "message"],
        )

    def summary(self) -> Summary:
        """Return the checks as a :class:`~escalation.results.Summary`."""
        facts = {"checks": len(self.checks), "warnings": len(self.warnings)}
        return Summary(f"Checks of the {self.model}", facts, self.tidy())

    def _lines(self) -> tuple[str, ...]:
        marks = {"ok": "OK", "warning": "WARNING", "not checked": "NOT CHECKED"}
        return tuple(f"[{marks[c.status]}] {c.topic}: {c.message}" for c in self.checks)

    def __str__(self) -> str:
        head = f"Checks of the {self.model}: {len(self.warnings)} warning(s)"
        return "\n".join([head, "=" * len(head), *self._lines()])
