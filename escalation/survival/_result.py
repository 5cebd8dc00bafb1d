"""The shared shape of survival results: ``tidy()``, ``glance()``, ``summary()``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from escalation.errors import DesignError
from escalation.results import Summary, package_versions

__all__ = ["SurvivalResult", "check_conf_level", "coefficient_table"]

#: Columns of every coefficient table, in order.
COEFFICIENT_COLUMNS = (
    "term",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "conf_level",
    "p_value",
)


def check_conf_level(conf_level: float) -> float:
    """Return ``conf_level`` after checking it lies strictly between 0 and 1."""
    if not 0.0 < conf_level < 1.0:
        raise DesignError(f"conf_level must lie strictly between 0 and 1, got {conf_level!r}")
    return float(conf_level)


def coefficient_table(
    terms: list[str] | tuple[str, ...],
    estimate: np.ndarray,
    std_error: np.ndarray,
    conf_level: float,
    *,
    exponentiate: bool = False,
) -> pd.DataFrame:
    """Return Wald estimates, intervals and two-sided p-values as a tidy frame.

    With ``exponentiate=True`` the estimate and interval are exponentiated (hazard or time
    ratios); ``std_error`` stays on the log scale, as in R's ``broom``.
    """
    z = stats.norm.ppf(0.5 + conf_level / 2.0)
    est = np.asarray(estimate, dtype=float)
    se = np.asarray(std_error, dtype=float)
    low, high = est - z * se, est + z * se
    with np.errstate(divide="ignore", invalid="ignore"):
        p = 2.0 * stats.norm.sf(np.abs(est / se))
    if exponentiate:
        est, low, high = np.exp(est), np.exp(low), np.exp(high)
    return pd.DataFrame(
        {
            "term": list(terms),
            "estimate": est,
            "std_error": se,
            "conf_low": low,
            "conf_high": high,
            "conf_level": conf_level,
            "p_value": p,
        }
    )


@dataclass(frozen=True)
class SurvivalResult:
    """Base of the survival results: ``glance()`` and ``summary()`` from ``tidy()``.

    Subclasses define ``tidy()``, :attr:`title` and :meth:`_facts`.
    """

    @property
    def title(self) -> str:
        """Heading of the summary."""
        return type(self).__name__

    def tidy(self) -> pd.DataFrame:  # pragma: no cover - overridden
        """Return the main table."""
        raise NotImplementedError

    def _facts(self) -> dict[str, Any]:  # pragma: no cover - overridden
        raise NotImplementedError

    def _notes(self) -> tuple[str, ...]:
        return ()

    def glance(self) -> pd.DataFrame:
        """Return one row: the model facts plus the package versions."""
        return pd.DataFrame([{**self._facts(), **package_versions()}])

    def summary(self) -> Summary:
        """Return a :class:`escalation.results.Summary` (text, HTML, LaTeX)."""
        return Summary(self.title, self._facts(), self.tidy(), self._notes())
