"""Eligibility: whether follow-up already ended before time zero (a death, a move out).

Follow-up looks for competing and censoring events from time zero on, so one that came
before time zero must exclude the candidate instead, or a child who died (or left the
area) before a referral was closed would be followed as at risk up to the extract date.
Both rules read the candidate's day of time zero ``t0``; an event on that day itself is
not "before": it ends follow-up at 0.5 days, as every day-0 event does.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from escalation.data.codes import EPISODE_KINDS, POINT_KINDS
from escalation.design.options import DERIVED_END_KINDS
from escalation.timeline._index import NEVER, BoolArray, IntArray, Prepared

#: Stands for "no such episode" among start days (before every real day).
_NONE = -NEVER


def episode_kinds(kinds: Iterable[str]) -> tuple[str, ...]:
    """Return the episode kinds among ``kinds`` (leaving out derived ends such as ``age_18``).

    Turning 18 before time zero is the age rule's ("already 18 at time zero").
    """
    return tuple(kind for kind in kinds if kind not in DERIVED_END_KINDS)


def competed_before(
    prep: Prepared, kinds: Iterable[str], child: IntArray, t0: IntArray
) -> BoolArray:
    """Whether a competing event came before the day of time zero.

    A point event (a death) on any earlier day; an interval episode under way at time
    zero (started before the day and not ended by it).
    """
    out = np.zeros(len(child), dtype=bool)
    for kind in episode_kinds(kinds):
        if kind in POINT_KINDS:
            out |= prep.first_of_child(kind, child) < t0
        else:
            out |= prep.covering(kind, child, t0)
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
    left = _latest_start(prep, points, child, t0, inclusive=False)
    quiet = {*kinds, *episode_kinds(ending)}
    others = [kind for kind in EPISODE_KINDS if kind not in quiet]
    back = _latest_start(prep, others, child, t0, inclusive=True)
    gone: BoolArray = (left != _NONE) & (back <= left)
    return out | gone


def _latest_start(
    prep: Prepared, kinds: Iterable[str], child: IntArray, day: IntArray, *, inclusive: bool
) -> IntArray:
    """Latest start day of an episode of ``kinds`` before (or on) ``day``; ``_NONE`` if none."""
    latest = np.full(len(child), _NONE, dtype=np.int64)
    for kind in kinds:
        at = prep.last_before(kind, child, day, inclusive=inclusive)
        latest = np.maximum(latest, np.where(at >= 0, prep.start[np.maximum(at, 0)], _NONE))
    return latest
