"""Eligibility: whether follow-up already ended before time zero (a death, a move out).

Follow-up looks for competing and censoring events from time zero on, so one that came
before time zero must exclude the candidate instead, or a child who died (or left the
area) before a referral was closed would be followed as at risk up to the extract date.
A move out of the area excludes only a child not back by time zero, whether the design
lists it as competing or as censoring; a death always does.
Both rules read the candidate's day of time zero ``t0``; an event on that day itself is
not "before": it ends follow-up at 0.5 days, as every day-0 event does.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import numpy as np

from escalation.data.codes import EPISODE_KINDS, POINT_KINDS
from escalation.design.options import DERIVED_END_KINDS
from escalation.timeline._index import NEVER, BoolArray, IntArray, Prepared

#: Stands for "no such episode" among start days (before every real day).
_NONE = -NEVER
#: Point kinds no child comes back from: no episode may follow them (the validator's rule).
FINAL_KINDS: Final = ("death",)


def episode_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """Return the episode kinds among ``kinds`` (leaving out derived ends such as ``age_18``).

    Turning 18 before time zero is the age rule's ("already 18 at time zero").
    """
    return tuple(kind for kind in kinds if kind not in DERIVED_END_KINDS)


def competed_before(
    prep: Prepared,
    kinds: Iterable[str],
    child: IntArray,
    t0: IntArray,
    *,
    ending: Iterable[str] = (),
) -> BoolArray:
    """Whether a competing event came before the day of time zero.

    A death on any earlier day (nothing brings the child back); another point event (a
    move out of the area listed as competing) on an earlier day unless the child came
    back by the time-zero day, as :func:`away_at` reads it; an interval episode under
    way at time zero (started before the day and not ended by it).

    Parameters
    ----------
    prep : Prepared
        The sorted history.
    kinds : iterable of str
        The competing kinds of the design (``age_18`` is left out: the age rule's).
    child, t0 : ndarray
        Child code and time-zero day of each candidate.
    ending : iterable of str
        Further kinds that bring no child back (the censoring kinds).
    """
    kinds = episode_kinds(kinds)
    out = np.zeros(len(child), dtype=bool)
    departures = []
    for kind in kinds:
        if kind in FINAL_KINDS:
            out |= prep.first_of_child(kind, child) < t0
        elif kind in POINT_KINDS:
            departures.append(kind)
        else:
            out |= prep.covering(kind, child, t0)
    if departures:
        out |= _not_back(prep, departures, child, t0, quiet={*kinds, *episode_kinds(ending)})
    return out


def away_at(
    prep: Prepared,
    kinds: Iterable[str],
    child: IntArray,
    t0: IntArray,
    *,
    ending: Iterable[str] = (),
) -> BoolArray:
    """Whether a censoring event before time zero still holds on the day of time zero.

    A point event (a move out of the area) on an earlier day holds unless an episode of
    another kind starts after its day and on or before the time-zero day: the child came
    back (a new referral, a contact). The time-zero episode itself counts, so a move out
    before it started never excludes it; one during it does, when nothing later brings
    the child back. An interval episode holds while it is under way at time zero.

    Parameters
    ----------
    prep : Prepared
        The sorted history.
    kinds : iterable of str
        The censoring kinds of the design (``age_18`` is left out: the age rule's).
    child, t0 : ndarray
        Child code and time-zero day of each candidate.
    ending : iterable of str
        Further kinds that bring no child back (the competing kinds).
    """
    kinds = episode_kinds(kinds)
    points = [kind for kind in kinds if kind in POINT_KINDS]
    out = np.zeros(len(child), dtype=bool)
    for kind in kinds:
        if kind not in POINT_KINDS:
            out |= prep.covering(kind, child, t0)
    if not points:
        return out
    return out | _not_back(prep, points, child, t0, quiet={*kinds, *episode_kinds(ending)})


def comes_back(kinds: Iterable[str]) -> bool:
    """Whether a child can come back from one of ``kinds``: a point kind but death."""
    return any(kind in POINT_KINDS and kind not in FINAL_KINDS for kind in episode_kinds(kinds))


def _not_back(
    prep: Prepared, points: list[str], child: IntArray, t0: IntArray, *, quiet: set[str]
) -> BoolArray:
    """Whether a point event of ``points`` on a day before ``t0`` holds on ``t0``.

    It holds unless an episode of a kind not in ``quiet`` starts after its day and on or
    before ``t0`` (the child came back).
    """
    left = _latest_start(prep, points, child, t0, inclusive=False)
    others = [kind for kind in EPISODE_KINDS if kind not in quiet]
    back = _latest_start(prep, others, child, t0, inclusive=True)
    gone: BoolArray = (left != _NONE) & (back <= left)
    return gone


def _latest_start(
    prep: Prepared, kinds: Iterable[str], child: IntArray, day: IntArray, *, inclusive: bool
) -> IntArray:
    """Latest start day of an episode of ``kinds`` before (or on) ``day``; ``_NONE`` if none."""
    latest = np.full(len(child), _NONE, dtype=np.int64)
    for kind in kinds:
        at = prep.last_before(kind, child, day, inclusive=inclusive)
        latest = np.maximum(latest, np.where(at >= 0, prep.start[np.maximum(at, 0)], _NONE))
    return latest
