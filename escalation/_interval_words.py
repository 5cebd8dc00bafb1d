"""One rule for a 95% interval that was not estimated: said in words, never "nan".

With ``[estimation] bootstrap = 0`` the bootstrap-only intervals (CCW's, the risk
tool's) are missing. Every sentence, key number, alt text, model card and console line
that prints an interval writes it with :func:`ci_words`, which says :data:`NO_INTERVAL`
where the number is; :func:`has_interval` is the test. It lives below the report (the
model cards of :mod:`escalation.predict` use it too).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Final

__all__ = ["NO_INTERVAL", "UNBOUNDED", "ci_words", "has_interval", "unbounded_words"]


#: What a sentence says, where the number is, when its 95% interval was not estimated
#: (a missing end: the design asked for no bootstrap replicates, or none was usable).
NO_INTERVAL: Final = "no interval: the design asked for no bootstrap replicates, or none was usable"


#: What a table or sentence says where a number is infinite (an end with no bound: the
#: upper end of the interval of a number needed to offer whose escalations prevented
#: include none, the first threshold of a ROC curve), never "inf". The workbook, which
#: keeps the number machine-readable, writes "inf" and its README note says this word.
UNBOUNDED: Final = "unbounded"


def unbounded_words(value: float) -> str | None:
    """Return an infinite ``value`` in words (:data:`UNBOUNDED`), or None for any other.

    Examples
    --------
    >>> unbounded_words(float("inf")), unbounded_words(-math.inf), unbounded_words(2.0)
    ('unbounded', 'unbounded (negative)', None)
    """
    if not math.isinf(value):
        return None
    return UNBOUNDED if value > 0 else f"{UNBOUNDED} (negative)"


def has_interval(conf_low: float, conf_high: float) -> bool:
    """Return whether both ends of a 95% interval are numbers that can be shown.

    Examples
    --------
    >>> has_interval(0.1, 0.2), has_interval(float("nan"), float("nan"))
    (True, False)
    """
    return math.isfinite(conf_low) and math.isfinite(conf_high)


def ci_words(conf_low: float, conf_high: float, shown: Callable[[float, float], str]) -> str:
    """Return ``"95% CI " + shown(conf_low, conf_high)``, or :data:`NO_INTERVAL`.

    Every sentence and key number that prints a 95% interval writes it here, so a missing
    end (an interval not estimated) is said in words, never printed as "nan".

    Parameters
    ----------
    conf_low, conf_high : float
        The interval's ends (missing or infinite: not estimated).
    shown : callable
        Writes the two ends as the sentence shows them (``"3.0 to 12.4 fewer"``).

    Examples
    --------
    >>> ci_words(0.16, 0.21, lambda lo, hi: f"{100 * lo:.0f}% to {100 * hi:.0f}%")
    '95% CI 16% to 21%'
    >>> print(ci_words(float("nan"), float("nan"), lambda lo, hi: f"{lo} to {hi}"))
    no interval: the design asked for no bootstrap replicates, or none was usable
    """
    return (
        f"95% CI {shown(conf_low, conf_high)}" if has_interval(conf_low, conf_high) else NO_INTERVAL
    )
