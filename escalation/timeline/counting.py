"""The counting-process (start, stop] form with a time-varying treatment.

Each spell is split wherever a time-varying value changes before its end:

``treatment_tv``
    1 while an episode of the treatment's kind (``treatment.kind``, or ``early_help``
    in the reasons form) is under way, else 0. Overlapping episodes are merged.
``treatment_started``
    1 from the spell's ``treatment_start`` on: the treatment has started by then, whether
    or not its episode is still under way (treated from time zero in the reasons form).
    This is the exposure a time-varying Cox model of the treatment's effect uses
    (``fit_cox(..., time_varying=True)``). ``treatment_tv`` switches off when an episode
    ends, and early help often ends because the case steps up (a new referral, then a
    plan): children are then counted unexposed just before they escalate, and help that
    does nothing looks protective (on five simulated authorities of 5,000 children where
    early help has no effect, hazard ratios of 0.60 to 0.72 for ``treatment_tv``, every
    interval excluding 1, and 0.94 to 1.18 for ``treatment_started``, every interval
    including 1). Its hazard ratio is an as-started one: any start during follow-up
    counts, also one after the grace period.
``early_help_episodes``
    How many ``early_help`` episodes the child has started so far (those before time
    zero included).

Changes follow the conventions of :mod:`escalation.timeline.spells`: a change on day
``d`` after time zero takes effect at analysis time ``d`` (0.5 for day 0), *after* any
outcome on that day, so the interval ending at ``d`` keeps the old value. An episode
that starts and ends on the same day therefore never switches ``treatment_tv`` on
(though it counts in ``early_help_episodes``). Changes before time zero set the initial
values; changes on or after the end of follow-up are ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from escalation._vocabulary import spell_data_of
from escalation.errors import DataValidationError, Problem
from escalation.timeline._index import NEVER, IntArray, Prepared, day_time

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = ["COUNTING_COLUMNS", "counting_process"]

#: Leading columns of the counting-process table (baseline covariates follow).
COUNTING_COLUMNS: Final = (
    "spell_id",
    "start",
    "stop",
    "event",
    "treatment_tv",
    "treatment_started",
    "early_help_episodes",
)


def episode_pairs(
    prep: Prepared, kind: str, child: IntArray, t0: IntArray, exclude: IntArray | None
) -> tuple[IntArray, IntArray, IntArray]:
    """Pair every spell with every episode of ``kind`` of the same child.

    Returns
    -------
    spell : ndarray
        Spell position of each pair.
    start, end : ndarray
        The episode's start and end in days after the spell's time zero (``end`` is
        ``NEVER`` for an open episode).
    """
    index = prep.kind_index(kind)
    lo = np.searchsorted(index.child, child, side="left")
    hi = np.searchsorted(index.child, child, side="right")
    counts = (hi - lo).astype(np.int64)
    total = int(counts.sum())
    spell = np.repeat(np.arange(len(child), dtype=np.int64), counts)
    offsets = np.repeat(np.cumsum(counts) - counts, counts)
    episode = np.repeat(lo, counts) + (np.arange(total, dtype=np.int64) - offsets)
    if exclude is not None:
        keep = index.positions[episode] != exclude[spell]
        spell, episode = spell[keep], episode[keep]
    start = index.start[episode] - t0[spell]
    end = np.where(index.end[episode] == NEVER, NEVER, index.end[episode] - t0[spell])
    return spell, start.astype(np.int64), end.astype(np.int64)


def change_time(days: IntArray) -> np.ndarray:
    """Analysis time at which a change on day ``days`` takes effect (0 if before time zero)."""
    return np.where(days < 0, 0.0, day_time(np.maximum(days, 0)))


def counting_process(data: SpellData) -> pd.DataFrame:
    """Return the counting-process (start, stop] form of a :class:`SpellData`.

    Parameters
    ----------
    data : SpellData
        The output of :func:`~escalation.timeline.build_spells`.

    Returns
    -------
    pandas.DataFrame
        One row per interval: ``spell_id, start, stop, event, treatment_tv,
        treatment_started, early_help_episodes`` followed by ``child_id, family_id,
        time_zero, treatment, treatment_start`` and the baseline covariates. ``event`` is
        the spell's event code on its last interval and 0 elsewhere; ``stop > start``
        always. Rows follow the order of ``data.spells``.

    Raises
    ------
    DataValidationError
        When a row of ``data.spells`` cannot be matched to the spell it was built as
        (``spell_id`` missing, repeated or unknown; ``child_id`` or ``time_zero`` edited).

    Notes
    -----
    Each row of ``data.spells`` is linked to its case history by ``spell_id``, so the
    table may be reordered or filtered (e.g. with :func:`dataclasses.replace`): every
    spell keeps its own intervals. Its ``duration`` and ``event`` are taken from the
    table.
    """
    data = spell_data_of(data, function="counting_process")
    ctx = data._context
    if ctx is None:
        raise ValueError("this SpellData was not made by build_spells; rebuild it")
    _require_spell_columns(data.spells)
    at = ctx.positions(data.spells)
    prep, child, t0, tz_pos = ctx.prep, ctx.child[at], ctx.t0[at], ctx.tz_pos[at]
    design = data.design
    n = len(child)
    duration = data.spells["duration"].to_numpy(dtype=np.float64)
    event = data.spells["event"].to_numpy(dtype=np.int64)
    tz_kind = design.time_zero.kind

    spells_parts = [np.arange(n, dtype=np.int64)]
    times = [np.zeros(n)]
    active = [np.zeros(n, dtype=np.int64)]
    count = [np.zeros(n, dtype=np.int64)]

    def add(spell: IntArray, time: np.ndarray, d_active: int, d_count: int) -> None:
        keep = time < duration[spell]
        spells_parts.append(spell[keep])
        times.append(time[keep])
        active.append(np.full(int(keep.sum()), d_active, dtype=np.int64))
        count.append(np.full(int(keep.sum()), d_count, dtype=np.int64))

    tv_kind = design.treatment.episode_kind
    exclude = tz_pos if tv_kind == tz_kind else None
    spell, start, end = episode_pairs(prep, tv_kind, child, t0, exclude)
    add(spell, change_time(start), 1, 1 if tv_kind == "early_help" else 0)
    closed = end != NEVER
    add(spell[closed], change_time(end[closed]), -1, 0)
    if tv_kind != "early_help":
        exclude = tz_pos if tz_kind == "early_help" else None
        spell, start, _ = episode_pairs(prep, "early_help", child, t0, exclude)
        add(spell, change_time(start), 0, 1)

    s = np.concatenate(spells_parts)
    t = np.concatenate(times)
    a = np.concatenate(active)
    c = np.concatenate(count)
    order = np.lexsort((t, s))
    s, t, a, c = s[order], t[order], a[order], c[order]
    # Cumulative values within each spell (the base row at time 0 starts every spell).
    first = np.r_[True, s[1:] != s[:-1]] if len(s) else np.zeros(0, dtype=bool)
    a_cum, c_cum = _cumsum_by(a, first), _cumsum_by(c, first)
    # Keep the last row of each (spell, time): the value after all changes at that time.
    last_at_time = np.r_[(s[1:] != s[:-1]) | (t[1:] != t[:-1]), True] if len(s) else first
    s, t, a_cum, c_cum = s[last_at_time], t[last_at_time], a_cum[last_at_time], c_cum[last_at_time]
    last = np.r_[s[1:] != s[:-1], True] if len(s) else np.zeros(0, dtype=bool)
    stop = np.where(last, duration[s], np.r_[t[1:], 0.0] if len(t) else t)
    frame = pd.DataFrame(
        {
            "spell_id": data.spells["spell_id"].to_numpy()[s],
            "start": t,
            "stop": stop,
            "event": np.where(last, event[s], 0),
            "treatment_tv": (a_cum > 0).astype(np.int64),
            # treatment_start is a change time of treatment_tv, so a row starts there
            # (never treated: NaN, never reached).
            "treatment_started": (t >= data.spells["treatment_start"].to_numpy(float)[s]).astype(
                np.int64
            ),
            "early_help_episodes": c_cum,
        }
    )
    baseline = data.spells.drop(columns=["spell_id", "duration", "event", "end_reason"])
    baseline = baseline.take(s).reset_index(drop=True)
    return pd.concat([frame, baseline], axis=1)


#: Columns of ``data.spells`` the counting-process rows are made from.
_SPELL_COLUMNS: Final = ("duration", "event", "treatment_start")


def _require_spell_columns(spells: pd.DataFrame) -> None:
    """Raise a located error for each column the counting-process rows need and lack."""
    missing = [column for column in _SPELL_COLUMNS if column not in spells.columns]
    if missing:
        raise DataValidationError(
            [
                Problem(
                    "spells",
                    None,
                    column,
                    None,
                    f"the spells table has no {column} column, which the counting-process "
                    "rows are made from; keep the columns build_spells wrote (reorder or "
                    "filter rows freely)",
                )
                for column in missing
            ],
            "spells",
        )


def _cumsum_by(values: IntArray, first: np.ndarray) -> IntArray:
    """Cumulative sum restarting where ``first`` is true."""
    total = np.cumsum(values)
    starts = np.flatnonzero(first)
    before = np.r_[0, total[:-1]][starts] if len(values) else np.zeros(0, dtype=np.int64)
    group = np.cumsum(first) - 1
    out: IntArray = (total - before[group]).astype(np.int64)
    return out
