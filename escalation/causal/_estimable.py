"""Whether any effect can be estimated from the spells, asked before any model is fitted.

:func:`check_estimable` refuses data with too few spells in an arm, no escalation, or a
horizon past the longest follow-up, rather than printing zeros; the average effects and
the heterogeneity scores ask it the same question.
"""

from __future__ import annotations

import numpy as np

from escalation.errors import DesignError
from escalation.survival._outcome import past_follow_up

__all__ = ["MIN_SPELLS_PER_ARM", "check_estimable"]

#: The fewest spells in each arm for which effects are estimated at all.
MIN_SPELLS_PER_ARM = 10


def check_estimable(a: np.ndarray, ev: np.ndarray, dur: np.ndarray, hz_days: np.ndarray) -> None:
    """Refuse data from which no effect can be estimated (rather than print zeros)."""
    treated, untreated = int((a == 1).sum()), int((a == 0).sum())
    escalations = int((ev == 1).sum())
    if min(treated, untreated) < MIN_SPELLS_PER_ARM or escalations == 0:
        raise DesignError(
            f"too few spells to estimate effects: {treated} treated and {untreated} untreated "
            f"spells with {escalations} escalations; effects need at least "
            f"{MIN_SPELLS_PER_ARM} spells in each arm and some escalations (check the "
            "design's time-zero window and treatment, or use more data)"
        )
    longest = float(dur.max())
    beyond = [int(h) for h in hz_days[past_follow_up(hz_days, longest)]]
    if beyond:
        raise DesignError(
            f"horizon(s) {', '.join(map(str, beyond))} days are past the longest follow-up in "
            f"these data ({longest:.0f} days): no spell is followed that long, so the risks "
            "there cannot be estimated; choose [outcome] horizons within the follow-up"
        )
