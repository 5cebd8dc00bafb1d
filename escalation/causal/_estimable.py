"""Whether any effect can be estimated from the spells, asked before any model is fitted.

:func:`check_estimable` refuses data with too few spells in an arm, no escalation, or a
horizon past the longest follow-up, rather than printing zeros; the average effects and
the heterogeneity scores ask it the same question. :func:`refuse_past_follow_up` and
:func:`past_arm_follow_up` are the package's one rule of a time past the follow-up
(:func:`~escalation.survival._outcome.past_follow_up`) as the causal estimators apply
it: a time past every spell's follow-up is refused, and one past an arm's is warned
about (and its curve is NaN there).
"""

from __future__ import annotations

import warnings

import numpy as np
import numpy.typing as npt

from escalation.errors import DesignError, StatisticalWarning
from escalation.survival._outcome import past_follow_up

__all__ = [
    "MIN_SPELLS_PER_ARM",
    "check_estimable",
    "past_arm_follow_up",
    "refuse_past_follow_up",
    "shown_time",
]

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
    refuse_past_follow_up(hz_days, dur)


def refuse_past_follow_up(
    times: npt.ArrayLike,
    dur: np.ndarray,
    *,
    what: str = "horizon(s)",
    unit: str = "days",
    choose: str = "[outcome] horizons",
) -> None:
    """Refuse times past the longest follow-up of every spell: no risk there is known.

    Parameters
    ----------
    times : array_like
        The horizons (or curve times) asked for.
    dur : numpy.ndarray
        Every spell's follow-up.
    what, unit : str
        How the times and their unit are named in the error.
    choose : str
        What to choose within the follow-up instead (the setting to change).

    Raises
    ------
    DesignError
        Naming the times past the longest follow-up.

    Examples
    --------
    >>> refuse_past_follow_up([30, 60], np.array([10.0, 60.0]))
    >>> refuse_past_follow_up([30, 61], np.array([10.0, 60.0]), what="times", choose="times")
    Traceback (most recent call last):
    ...
    escalation.errors.DesignError: times 61 days are past the longest follow-up in these data (60 days): no spell is followed that long, so the risks there cannot be estimated; choose times within the follow-up
    """  # noqa: E501
    at = np.asarray(times, dtype=float)
    longest = float(dur.max())
    beyond = [shown_time(h) for h in at[past_follow_up(at, longest)]]
    if beyond:
        raise DesignError(
            f"{what} {', '.join(beyond)} {unit} are past the longest follow-up in these data "
            f"({longest:.0f} {unit}): no spell is followed that long, so the risks there "
            f"cannot be estimated; choose {choose} within the follow-up"
        )


def past_arm_follow_up(
    times: npt.ArrayLike,
    dur: np.ndarray,
    a: np.ndarray,
    *,
    consequence: str,
    what: str = "horizon(s)",
    unit: str = "days",
    warn: bool = True,
    stacklevel: int = 2,
) -> npt.NDArray[np.bool_]:
    """Return where each arm's risk is past that arm's follow-up, warning when any is.

    The risk of an arm at a time after its longest follow-up is not identified (no spell
    of the arm is followed that long); a :class:`~escalation.errors.StatisticalWarning`
    names the times and the arm, and says what the estimator does there
    (``consequence``).

    Parameters
    ----------
    times : array_like
        The horizons (or curve times) asked for.
    dur, a : numpy.ndarray
        Every spell's follow-up and 0/1 treatment.
    consequence : str
        What the estimate is at those times (``"their risks are NaN"``).
    what, unit : str
        How the times and their unit are named in the warning.
    warn : bool, default True
        Whether to warn (not for times the caller chose itself, such as a default grid).
    stacklevel : int, default 2
        The caller's ``stacklevel`` of the warning.

    Returns
    -------
    numpy.ndarray of bool, shape (2, len(times))
        Row 0 the untreated arm, row 1 the treated: ``True`` past its follow-up.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     past = past_arm_follow_up([5, 9], np.array([9.0, 6.0]), np.array([0, 1]),
    ...                               consequence="their risks are NaN")
    >>> past.tolist(), len(caught)
    ([[False, False], [False, True]], 1)
    """
    at = np.asarray(times, dtype=float)
    plural = what.removesuffix("(s)") + "s" if what.endswith("(s)") else what
    past = np.zeros((2, len(at)), dtype=bool)
    for arm in (0, 1):
        followed = float(dur[a == arm].max()) if (a == arm).any() else 0.0
        past[arm] = past_follow_up(at, followed)
        if warn and past[arm].any():
            warnings.warn(
                f"{what} {', '.join(shown_time(h) for h in at[past[arm]])} {unit} are past the "
                f"longest follow-up of the {'treated' if arm else 'untreated'} spells "
                f"({followed:.0f} {unit}): {consequence} and are not identified; use "
                f"shorter {plural}",
                StatisticalWarning,
                stacklevel=stacklevel + 1,
            )
    return past


def shown_time(time: float) -> str:
    """Return a time as messages write it: a whole number without a decimal point."""
    return str(int(time)) if float(time).is_integer() else f"{time:g}"
