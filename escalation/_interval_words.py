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

__all__ = ["NO_INTERVAL", "ci_words", "has_interval"]


#: What a sentence says, where the number is, when its 95% interval was not estimated
#: (a missing end: the design asked for no bootstrap replicates, or none was usable).
NO_INTERVAL: Final = "no interval: the design asked for no bootstrap replicates, or none was usable"


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
