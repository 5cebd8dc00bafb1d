"""Landmark data sets: the spells still at risk at day L, with covariates updated to L."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd

from escalation._vocabulary import spell_data_of
from escalation.data.codes import ASSESSMENT_FACTORS
from escalation.data.history import CaseHistory
from escalation.design.study import StudyDesign
from escalation.errors import DesignError
from escalation.timeline._index import NEVER
from escalation.timeline.counting import change_time, episode_pairs
from escalation.timeline.spells import SpellData, baseline_covariates, build_spells

__all__ = ["landmark"]

#: Covariates that keep their time-zero value at a landmark.
_FIXED = frozenset({"sex", "ethnicity", "disability", "source", "need"})


def landmark(
    data: SpellData | CaseHistory, design: StudyDesign | None = None, *, at: int
) -> pd.DataFrame:
    """Return the spells still at risk at day ``at``, with covariates updated to that day.

    Parameters
    ----------
    data : SpellData or CaseHistory
        Spells from :func:`~escalation.timeline.build_spells`, or a history (then
        ``design`` is required and the spells are built first).
    design : StudyDesign, optional
        The design; when ``data`` is a SpellData it must be the design it was built with.
    at : int
        The landmark, in whole days after time zero (``>= 0``).

    Returns
    -------
    pandas.DataFrame
        The columns of ``spells`` with ``duration`` counted from the landmark
        (``duration - at``), then ``landmark``, ``treatment_tv`` (treatment episode under
        way just after the landmark), ``early_help_episodes`` (started so far) and
        ``treated_by_landmark`` (``treatment_start <= at``), and the covariates updated:
        ``age``, the prior counts, ``days_since_first_referral`` and the factor flags
        use everything up to the end of day ``at`` (the decision point's own episodes are
        still not counted: see :mod:`escalation.timeline.spells`). ``source``, ``need``
        and the children columns stay as at time zero.

    Notes
    -----
    A spell is at risk at ``at`` when its follow-up lasts beyond it (``duration > at``):
    a spell ending on day ``at`` is left out. With ``at = 0`` the covariates are the
    time-zero covariates, since changes on day 0 take effect after it (see
    :mod:`escalation.timeline.spells`). These values equal those of the counting-process
    interval that covers ``at + 0.5``. Spells are matched to their case history by
    ``spell_id``, so ``data.spells`` may be reordered or filtered (rows keep its order).
    """
    if isinstance(data, CaseHistory):
        if design is None:
            raise DesignError("landmark(history, ...) needs the design")
        data = build_spells(data, design)
    data = spell_data_of(
        data,
        function="landmark",
        make="give one (build_spells(history, design)), or the case history and design=",
    )
    if design is not None and design != data.design:
        raise DesignError("landmark: the design differs from the one the spells were built with")
    value: object = at
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < 0:
        raise ValueError(f"landmark at = {value!r}: give a whole number of days >= 0")
    days = int(value)
    ctx = data._context
    if ctx is None:
        raise ValueError("this SpellData was not made by build_spells; rebuild it")
    spells = data.spells
    risk = np.flatnonzero(spells["duration"].to_numpy() > days)
    # every row checked, so a bad spell_id is named at the user's row, at risk or not
    pos = ctx.positions(spells)[risk]
    child, t0, tz_pos = ctx.child[pos], ctx.t0[pos], ctx.tz_pos[pos]
    out = spells.take(risk).reset_index(drop=True)
    out["duration"] = out["duration"] - days
    design = data.design

    tv_kind = design.treatment.episode_kind
    tz_kind = design.time_zero.kind
    point = float(days)

    def state(kind: str) -> tuple[np.ndarray, np.ndarray]:
        exclude = tz_pos if kind == tz_kind else None
        spell, start, end = episode_pairs(ctx.prep, kind, child, t0, exclude)
        started = (change_time(start) <= point) if days > 0 else (start < 0)
        closed = end != NEVER
        ended = closed & ((change_time(end) <= point) if days > 0 else (end < 0))
        under_way = started & ~ended
        active = np.bincount(spell[under_way], minlength=len(child))
        count = np.bincount(spell[started], minlength=len(child))
        return active, count

    active, _ = state(tv_kind)
    _, eh_count = state("early_help")
    extra: dict[str, Any] = {
        "landmark": days,
        "treatment_tv": (active > 0).astype(np.int64),
        "early_help_episodes": eh_count.astype(np.int64),
        "treated_by_landmark": (out["treatment_start"].to_numpy() <= days).astype(np.int64),
    }
    if days > 0:
        updated = baseline_covariates(
            ctx.prep, design, child, t0 + days, tz_pos, t0, inclusive=True
        )
        old_factors = [c for c in out.columns if c.startswith("factor_")]
        new_factors = [c for c in updated.columns if c.startswith("factor_")]
        codes = {c.removeprefix("factor_") for c in (*old_factors, *new_factors)}
        ordered = [c for c in ASSESSMENT_FACTORS if c in codes]
        ordered += sorted(codes - set(ordered))
        factor_columns = [f"factor_{c}" for c in ordered]
        updated_factors = updated.reindex(columns=factor_columns, fill_value=0).astype(np.int8)
        out = out.drop(columns=old_factors)
        for column in updated.columns:
            if column in out.columns and column not in _FIXED:
                out[column] = updated[column].to_numpy()
        lead = [c for c in out.columns if c != "n_factors"]
        out = pd.concat([out[lead], updated_factors, out[["n_factors"]]], axis=1)
    position = list(out.columns).index("treatment_start") + 1
    for offset, (name, column_values) in enumerate(extra.items()):
        out.insert(position + offset, name, column_values)
    return out
