"""Disclosure of effect estimates and of step curves (survival, incidence, states)."""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from statistics import NormalDist
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._vocabulary import spells_of
from escalation.disclosure._counts import (
    DEFAULT_RULES,
    DisclosureRules,
    complementary_suppression,
    disclose_share,
    disclose_std_error,
    disclose_table,
)
from escalation.disclosure._models import STAT_COLUMNS, blank_statistics

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData


def spell_records(spells: SpellData | pd.DataFrame) -> pd.DataFrame:
    """Return what the gate counts of each spell: arm, follow-up and how it ended.

    Parameters
    ----------
    spells : SpellData or pandas.DataFrame
        A :class:`~escalation.timeline.SpellData` or a table of spells with ``treatment``
        (0/1), ``duration`` and ``event`` (0 censored, 1 escalation, 2+ competing).

    Returns
    -------
    pandas.DataFrame
        ``treatment``, ``group`` (``"treated"``/``"untreated"``, as effect curves label
        arms), ``duration``, ``event`` (1: escalation) and ``ended`` (1: any event).

    Examples
    --------
    >>> spells = pd.DataFrame({"treatment": [1, 0], "duration": [5.0, 9.0], "event": [1, 2]})
    >>> spell_records(spells)[["group", "event", "ended"]].values.tolist()
    [['treated', 1, 1], ['untreated', 0, 1]]
    """
    spells = spells_of(spells, function="spell_records")
    arm = spells["treatment"].astype(int).to_numpy()
    code = spells["event"].to_numpy()
    return pd.DataFrame(
        {
            "treatment": arm,
            "group": np.where(arm == 1, "treated", "untreated"),
            "duration": spells["duration"].to_numpy(dtype=float),
            "event": (code == 1).astype(int),
            "ended": (code != 0).astype(int),
        }
    )


def _arm_counts(
    records: pd.DataFrame, horizon: float, treatment: str, duration: str, event: str
) -> dict[Any, tuple[int, int]]:
    """Children with and without the event by ``horizon``, by arm."""
    out: dict[Any, tuple[int, int]] = {}
    for arm, part in records.groupby(treatment, sort=True):
        dur = part[duration].to_numpy(dtype=float)
        hit = part[event].to_numpy(dtype=float) == 1
        with_event = int((hit & (dur <= horizon)).sum())
        out[arm] = (with_event, len(part) - with_event)
    return out


def disclose_effects(
    effects: pd.DataFrame,
    records: pd.DataFrame,
    *,
    rules: DisclosureRules = DEFAULT_RULES,
    treatment: str = "treatment",
    duration: str = "duration",
    event: str = "event",
) -> pd.DataFrame:
    """Return effect estimates with horizons that rest on too few children blanked.

    At a horizon, every estimate (risks, difference, ratio, RMST difference) is shown only
    when each arm has at least the threshold of children with the event by then and of
    children without it; otherwise the rows keep their labels with the numbers missing and
    ``suppressed = True``.

    Parameters
    ----------
    effects : pandas.DataFrame
        ``horizon`` and the estimate columns (e.g. ``EffectsResult.tidy()``).
    records : pandas.DataFrame
        One row per spell: ``treatment`` (arm), ``duration`` and ``event`` (1: the event).
    rules : DisclosureRules, optional
    treatment, duration, event : str
        Column names in ``records``.

    Examples
    --------
    >>> spells = pd.DataFrame({"treatment": [1] * 15 + [0] * 40,
    ...     "duration": [50.0] * 55, "event": [1, 1] + [0] * 13 + [1] * 12 + [0] * 28})
    >>> effects = pd.DataFrame({"horizon": [365], "estimand": ["risk_treated"],
    ...                         "estimate": [2 / 15]})
    >>> disclose_effects(effects, spells)[["estimate", "suppressed"]].values.tolist()
    [[nan, True]]
    """
    out = effects.copy()
    stats = [c for c in STAT_COLUMNS if c in out.columns]
    blank = np.zeros(len(out), dtype=bool)
    for horizon in pd.unique(out["horizon"]):
        if not _both_arms_reach(records, float(horizon), rules, treatment, duration, event):
            blank |= (out["horizon"] == horizon).to_numpy()
    for column in stats:
        out[column] = out[column].astype(float).where(~blank)
    out["suppressed"] = blank
    return out


def _both_arms_reach(
    records: pd.DataFrame,
    horizon: float,
    rules: DisclosureRules,
    treatment: str,
    duration: str,
    event: str,
) -> bool:
    """Whether each of two arms has the threshold of children with and without the event."""
    counts = _arm_counts(records, horizon, treatment, duration, event)
    return len(counts) == 2 and all(min(c) >= rules.threshold for c in counts.values())


def disclose_subgroups(
    subgroups: pd.DataFrame,
    levels: pd.DataFrame,
    records: pd.DataFrame,
    *,
    horizon: float,
    rules: DisclosureRules = DEFAULT_RULES,
    treatment: str = "treatment",
    duration: str = "duration",
    event: str = "event",
) -> pd.DataFrame:
    """Return subgroup effects with the levels that rest on too few children blanked.

    A level's effect is shown only when, among its children, each arm has at least the
    threshold of children with the event by ``horizon`` and of children without it: the
    rule :func:`disclose_effects` applies to the whole cohort's effect. Rows whose
    ``subgroup`` is not a column of ``levels`` (the whole cohort's) are judged on every
    record. Where a subgroup has exactly one level blanked so, its level with the smallest
    ``n`` is blanked too: the levels' estimates, weighted by their sizes, add up to the
    whole cohort's, so one blanked level could be worked out from the others
    (complementary suppression). Blanked rows keep their labels and ``n`` with the
    estimate, standard error and interval missing, and ``suppressed = True`` (combined
    with an existing column).

    Parameters
    ----------
    subgroups : pandas.DataFrame
        ``subgroup``, ``level`` and the estimate columns (e.g.
        ``HeterogeneityResult.tidy()``).
    levels : pandas.DataFrame
        Each record's level of every subgroup, in the order of ``records``
        (:func:`escalation.causal.heterogeneity.subgroup_levels`).
    records : pandas.DataFrame
        One row per spell (:func:`spell_records`).
    horizon : float
        The day the effects are estimated at.
    rules : DisclosureRules, optional
    treatment, duration, event : str
        Column names in ``records``.

    Examples
    --------
    >>> records = pd.DataFrame({"treatment": [1, 0] * 30, "duration": [50.0] * 60,
    ...                         "event": [1] * 24 + [0] * 36})
    >>> levels = pd.DataFrame({"band": ["a"] * 44 + ["b"] * 16})
    >>> table = pd.DataFrame({"subgroup": ["all", "band", "band"], "level": ["all", "a", "b"],
    ...                       "n": [60, 44, 16], "estimate": [0.1, 0.2, 0.3]})
    >>> disclose_subgroups(table, levels, records, horizon=365)["estimate"].tolist()
    [0.1, nan, nan]

    Level b has too few children with the event; a, the only other level, is blanked too
    (else ``(60 * 0.1 - 44 * 0.2) / 16`` gives b back).
    """
    if len(levels) != len(records):
        raise ValueError(f"levels has {len(levels)} rows for {len(records)} records")
    out = subgroups.copy()
    stats = [c for c in STAT_COLUMNS if c in out.columns]
    blank = np.zeros(len(out), dtype=bool)
    for i, (name, level) in enumerate(zip(out["subgroup"], out["level"], strict=True)):
        mine = records
        if name in levels.columns:
            mine = records[levels[name].astype(str).to_numpy() == str(level)]
        blank[i] = not _both_arms_reach(mine, float(horizon), rules, treatment, duration, event)
    blank = _complement_within_subgroups(out, blank, rules.threshold)
    for column in stats:
        out[column] = out[column].astype(float).where(~blank)
    previous = out["suppressed"].astype(bool).to_numpy() if "suppressed" in out else False
    out["suppressed"] = blank | previous
    return out


def disclose_subgroup_table(
    subgroups: pd.DataFrame,
    levels: pd.DataFrame,
    records: pd.DataFrame,
    *,
    horizon: float,
    rules: DisclosureRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Return a subgroup table as it is published: effects, then sizes, under control.

    :func:`disclose_subgroups` (each level's effect needs the threshold of children with
    and without the event in each arm, with complementary blanking within a subgroup),
    then :func:`disclose_table` of ``n`` with the levels of each subgroup as a partition
    (a small level's size, its estimate and interval are hidden, and a complement). The
    run's ``subgroups.csv`` and ``escalation estimate``'s ``heterogeneity.csv`` both
    come from here.

    Parameters
    ----------
    subgroups, levels, records, horizon, rules
        As :func:`disclose_subgroups` (``records`` with its default column names).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> records = pd.DataFrame({"treatment": [1, 0] * 30, "duration": [50.0] * 60,
    ...                         "event": [1] * 48 + [0] * 12})
    >>> levels = pd.DataFrame({"band": ["a"] * 56 + ["b"] * 4})
    >>> table = pd.DataFrame({"subgroup": ["all", "band", "band"], "level": ["all", "a", "b"],
    ...                       "n": [60, 56, 4], "estimate": [0.1, 0.2, 0.3]})
    >>> out = disclose_subgroup_table(table, levels, records, horizon=365)
    >>> out["estimate"].tolist(), out["n"].tolist(), out["suppressed"].tolist()
    ([nan, nan, nan], [60, <NA>, <NA>], [True, True, True])
    """
    effects = disclose_subgroups(subgroups, levels, records, horizon=horizon, rules=rules)
    values = [c for c in STAT_COLUMNS if c in effects.columns]
    return disclose_table(effects, ["n"], rules=rules, partition=["subgroup"], hide=values)


def _complement_within_subgroups(
    subgroups: pd.DataFrame, blank: npt.NDArray[np.bool_], threshold: int
) -> npt.NDArray[np.bool_]:
    """Return ``blank`` with the smallest other level blanked where a subgroup has one blanked.

    The levels of a subgroup partition the cohort and each estimate is a mean of the same
    children's scores, so ``N * whole cohort = sum of n * level``: one blanked level
    would be worked out from the others (complementary suppression, as
    :func:`disclose_table` does for counts). The level with the smallest ``n`` is chosen;
    without an ``n`` column, the first other level.
    """
    sizes = (
        pd.to_numeric(subgroups["n"], errors="coerce").to_numpy(dtype=float)
        if "n" in subgroups
        else np.zeros(len(subgroups))
    )
    labels = subgroups["subgroup"].astype(str).to_numpy()
    return complementary_suppression(sizes, blank, [labels], threshold)


def _curve_sources(
    times: npt.NDArray[np.float64],
    changed: npt.NDArray[np.bool_],
    samples: Sequence[tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]],
    threshold: int,
) -> npt.NDArray[np.int64]:
    """Return, for each row of one curve, the row whose values it shows (-1: suppressed).

    ``samples`` holds (event times, follow-up ends) of each group whose events the curve
    rests on; with several (a difference of two arms), every step needs the threshold of
    events in each, and the curve stops where any has fewer than the threshold at risk.
    With one, a change of the curve's values also counts as an event (it needs one).
    """
    n = len(times)
    counted = np.array(
        [np.searchsorted(np.sort(events), times, side="right") for events, _ in samples]
    )
    at_risk = np.min(
        [len(ends) - np.searchsorted(np.sort(ends), times, side="left") for _, ends in samples],
        axis=0,
    )
    if len(samples) == 1:
        counted = np.vstack([counted, np.cumsum(changed)[None, :]])
    low = np.flatnonzero(at_risk < threshold)
    stop = int(low[0]) if len(low) else n
    moved = (counted[:, :stop] > 0).any(axis=0) | (np.cumsum(changed)[:stop] > 0)
    started = np.flatnonzero(moved)
    first = int(started[0]) if len(started) else stop
    # Greedy steps: a row is shown once `threshold` events (or, for one group, value
    # changes, each of which needs an event) have happened since the last row shown.
    single = len(samples) == 1
    base, releases = first - 1, []
    for i in range(first, stop):
        done = counted[:, base] if base >= 0 else np.zeros(len(counted), dtype=np.int64)
        since = counted[:, i] - done
        if (since.max() if single else since.min()) >= threshold:
            releases.append(i)
            base = i
    source = np.full(n, -1, dtype=np.int64)
    source[:first] = np.arange(first)  # before any event: the curve's starting value
    if not releases:
        return source  # fewer events than the threshold: nothing after the start is shown
    # Changes after the last step, too few for a step of their own, join the last step.
    tail = np.flatnonzero(changed[base + 1 : stop]) + base + 1
    if len(tail):
        releases[-1] = int(tail[-1])
    current, marks = first - 1, set(releases)
    for i in range(first, stop):
        current = i if i in marks else current
        source[i] = current
    return source


def disclose_curves(
    curves: pd.DataFrame,
    records: pd.DataFrame,
    *,
    rules: DisclosureRules = DEFAULT_RULES,
    by: Sequence[str] = ("group",),
    match: str | None = "group",
    each: str | None = None,
    time: str = "time",
    values: Sequence[str] | None = None,
    jointly: str | None = None,
    duration: str = "duration",
    event: str = "event",
) -> pd.DataFrame:
    """Return step curves coarsened so that every step stands for enough events.

    Within each curve (rows sharing the ``by`` columns, in time order), a row is shown as
    it is only where at least the threshold of events has happened since the last row
    shown; the rows between carry that row's values forward (``shown_from`` says which
    time they come from). A final group of fewer events is merged into the last step.
    From the first time fewer than the threshold remain in follow-up, and for a curve with
    fewer events than the threshold in all, values are missing and ``suppressed`` is true.
    Events are counted from ``records`` and, as a lower bound, from the curve's own
    changes (each needs at least one event), whichever is larger.

    Parameters
    ----------
    curves : pandas.DataFrame
        Long curve table: ``time``, the value columns and the ``by`` columns.
    records : pandas.DataFrame
        One row per child or spell: ``duration`` (end of follow-up), ``event`` (1 when the
        curve's event ended it) and, when ``match`` is given, the ``match`` column holding
        the curve label of its group.
    rules : DisclosureRules, optional
    by : sequence of str
        Columns that identify one curve (e.g. ``("estimator", "group")``).
    match : str or None, default "group"
        The column of ``curves`` (and ``records``) that says whose records a curve counts;
        ``None``: every curve counts all records.
    each : str, optional
        A column of ``records`` whose groups must each have the threshold of events in
        every step (and at risk): for a contrast of arms, such as a difference curve.
    time : str
        Time column of ``curves``.
    values : sequence of str, optional
        Value columns (default: ``probability`` and the statistics of a row,
        :data:`~escalation.disclosure._models.STAT_COLUMNS`, present: ``estimate,
        std_error, conf_low, conf_high, p_value, std_error_mc``).
    jointly : str, optional
        Deprecated: a column whose curves are coarsened together, at the same times. A
        step then stands for the threshold of events in all, not for each level: a
        level that moved by fewer, and the exact counts behind the values, can be read
        off. State occupation is disclosed with :func:`disclose_state_occupation`.
    duration, event : str
        Columns of ``records``.

    Returns
    -------
    pandas.DataFrame
        ``curves`` with the values coarsened or missing, plus ``shown_from`` and
        ``suppressed``.

    Examples
    --------
    >>> curve = pd.DataFrame({"time": [1.0, 2, 3, 4], "group": "a",
    ...                       "estimate": [0.05, 0.10, 0.30, 0.35]})
    >>> records = pd.DataFrame({"group": "a", "duration": [1.0] * 5 + [2.0] * 5
    ...     + [3.0] * 20 + [4.0] * 5 + [9.0] * 65, "event": 1})
    >>> disclose_curves(curve, records)[["estimate", "shown_from"]].values.tolist()
    [[nan, nan], [0.1, 2.0], [0.1, 2.0], [0.35, 4.0]]
    """
    value_columns = (
        list(values)
        if values is not None
        else [c for c in ("probability", *STAT_COLUMNS) if c in curves.columns]
    )
    if jointly is not None:
        warnings.warn(
            "disclose_curves(jointly=) is deprecated: a step of the joint curves can stand "
            "for fewer than the threshold of moves of one level; disclose state occupation "
            "with disclose_state_occupation",
            DeprecationWarning,
            stacklevel=2,
        )
        return _disclose_jointly(
            curves, records, rules, list(by), match, time, value_columns, jointly, duration, event
        )
    out = curves.copy()
    for column in value_columns:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out["shown_from"] = np.nan
    out["suppressed"] = True
    keys = list(by)
    groups = (
        out.groupby(keys, sort=False, dropna=False).indices if keys else {(): np.arange(len(out))}
    )
    for key, members in groups.items():
        rows = members[np.argsort(out[time].to_numpy(dtype=float)[members], kind="stable")]
        if match is not None:
            label = key[keys.index(match)] if isinstance(key, tuple) else key
            own = records[records[match].astype(str) == str(label)]
        else:
            own = records
        parts = [own] if each is None else [p for _, p in own.groupby(each, sort=True)]
        parts = parts or [own]
        samples = [
            (
                p.loc[p[event].to_numpy(dtype=float) == 1, duration].to_numpy(dtype=float),
                p[duration].to_numpy(dtype=float),
            )
            for p in parts
        ]
        block = out.iloc[rows][value_columns].to_numpy(dtype=float)
        changed = np.r_[False, np.any(np.abs(np.diff(block, axis=0)) > 1e-12, axis=1)]
        times = out.iloc[rows][time].to_numpy(dtype=float)
        source = _curve_sources(times, changed, samples, rules.threshold)
        shown = source >= 0
        coarse = np.full_like(block, np.nan)
        coarse[shown] = block[source[shown]]
        index = out.index[rows]
        out.loc[index, value_columns] = coarse
        out.loc[index, "shown_from"] = np.where(shown, times[np.maximum(source, 0)], np.nan)
        out.loc[index, "suppressed"] = ~shown
    out["suppressed"] = out["suppressed"].astype(bool)
    return out


def _disclose_jointly(
    curves: pd.DataFrame,
    records: pd.DataFrame,
    rules: DisclosureRules,
    by: list[str],
    match: str | None,
    time: str,
    values: list[str],
    jointly: str,
    duration: str,
    event: str,
) -> pd.DataFrame:
    """Coarsen the curves of every level of ``jointly`` at the same times."""
    keys = [*by, time]
    wide = curves.pivot(index=keys, columns=jointly, values=values)
    names = [f"{column[0]}\x1f{column[1]}" for column in wide.columns]
    wide.columns = pd.Index(names)
    coarse = disclose_curves(
        wide.reset_index(),
        records,
        rules=rules,
        by=by,
        match=match,
        time=time,
        values=names,
        duration=duration,
        event=event,
    )
    long = coarse.melt(
        id_vars=[*keys, "shown_from", "suppressed"], value_vars=names, var_name="_key"
    )
    split = long["_key"].str.split("\x1f", n=1, expand=True)
    long = long.assign(_value=split[0], **{jointly: split[1]}).drop(columns="_key")
    back = long.pivot(index=[*keys, jointly, "shown_from", "suppressed"], columns="_value")
    back.columns = pd.Index([c[1] for c in back.columns])
    back = back.reset_index()
    out = curves.drop(columns=values).copy()
    out[jointly] = out[jointly].astype(str)
    back[jointly] = back[jointly].astype(str)
    merged = out.reset_index().merge(back, on=[*keys, jointly], how="left").set_index("index")
    merged.index.name = curves.index.name
    merged[jointly] = curves[jointly]
    return merged[[*curves.columns, "shown_from", "suppressed"]]


def _moves_of(transitions: pd.DataFrame, state: str) -> npt.NDArray[np.float64]:
    """Return the times of the moves into or out of ``state`` (rows ending in a move)."""
    moved = transitions[transitions["to_state"].notna()]
    touches = (moved["from_state"].astype(str) == state) | (moved["to_state"].astype(str) == state)
    return moved.loc[touches, "stop"].to_numpy(dtype=float)


def _log_interval(
    p: npt.NDArray[np.float64], se: npt.NDArray[np.float64], level: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Log-scale interval around ``p`` (as ``StateOccupationResult.tidy``), truncated at 1."""
    z = np.array([NormalDist().inv_cdf(0.5 + c / 2) if math.isfinite(c) else np.nan for c in level])
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        spread = np.where(p > 0, np.exp(z * se / p), 1.0)
        return p / spread, np.minimum(p * spread, 1.0)


def _disclosed_error(
    se: npt.NDArray[np.float64],
    exact: npt.NDArray[np.float64],
    shown: npt.NDArray[np.float64],
    n: int,
    rules: DisclosureRules,
) -> npt.NDArray[np.float64]:
    """Return :func:`~escalation.disclosure.disclose_std_error` of each row (over ``n``)."""
    return np.array(
        [disclose_std_error(*v, n, rules) for v in zip(se, exact, shown, strict=True)],
        dtype=float,
    )


def observed_shares(
    exact: npt.NDArray[np.float64],
    std_error: npt.NDArray[np.float64],
    n: int,
    rules: DisclosureRules = DEFAULT_RULES,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return observed risks of an arm of ``n`` spells as published, with standard errors.

    Each risk is its expected count, disclosed, over the arm's spells, disclosed
    (:func:`~escalation.disclosure.disclose_share`; NaN where suppressed), and its
    standard error carries no more than those (:func:`_disclosed_error`): the rule of
    :func:`disclose_curve_shares`, for a run's observed curves, and of
    :func:`~escalation.disclosure.disclose_observed_effects`, for its observed risks.

    Examples
    --------
    >>> shown, error = observed_shares(np.array([29 / 3393, 4 / 3393]),
    ...     np.array([0.0016, 0.0006]), 3393)
    >>> shown.round(6).tolist(), error.tolist()  # 30 of 3,395; 4: suppressed
    ([0.008837, nan], [0.0016, nan])
    """
    shown = np.array(
        [np.nan if not math.isfinite(p) else disclose_share(p * n, n, rules) for p in exact],
        dtype=float,
    )
    return shown, _disclosed_error(np.asarray(std_error, dtype=float), exact, shown, n, rules)


def disclose_curve_shares(
    curves: pd.DataFrame,
    records: pd.DataFrame,
    rules: DisclosureRules = DEFAULT_RULES,
    *,
    estimators: Sequence[str] = ("unadjusted",),
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Publish observed risk curves as disclosed counts over the disclosed arm sizes.

    An observed (Aalen–Johansen) risk is, before censoring, a share of the arm's spells:
    at full precision its value times the arm's size gives the exact number escalated back
    (29.02 of 3,393 on the demo's first step), undoing the rounding of every count. Each
    value of the ``estimators`` rows (already coarsened by :func:`disclose_curves`) is
    therefore its expected count, disclosed, over the arm's spells, disclosed
    (:func:`~escalation.disclosure.disclose_share`); its standard error carries no more
    than those (:func:`_disclosed_error`) and its Wald interval is recomputed around it,
    within [0, 1]. A ``std_error`` column, when given, is replaced by that disclosed
    standard error (the exact one, about sqrt(p (1 - p) / n), gives the count back).
    A value whose expected count is suppressed is suppressed, and its ``shown_from`` (the
    time the value shown comes from) and every statistic of its row
    (:data:`~escalation.disclosure._models.STAT_COLUMNS`) are blanked with it. A value that
    was unknown already (NaN: past the arm's follow-up) stays NaN and is not marked
    ``suppressed``: nothing was withheld there. Rows of other estimators (model-based,
    standardised over every child) are left as they are.

    Parameters
    ----------
    curves : pandas.DataFrame
        Curves after :func:`disclose_curves`: ``estimator``, ``group`` (``"treated"`` or
        ``"untreated"``), ``estimate``, ``conf_low``, ``conf_high``, ``suppressed``.
    records : pandas.DataFrame
        :func:`spell_records` of the spells (the arm sizes).
    rules : DisclosureRules, optional
        Default: below 10 suppressed, others rounded to 5.
    estimators : sequence of str, default ("unadjusted",)
        The estimators whose values are observed shares.
    conf_level : float, default 0.95
        Level of the (symmetric, Wald) intervals.

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> records = pd.DataFrame({"group": ["treated"] * 3393})
    >>> curves = pd.DataFrame({"estimator": "unadjusted", "group": "treated",
    ...     "estimate": [29 / 3393, 4 / 3393], "conf_low": [0.0055, 0.0], "conf_high": [0.0116,
    ...     0.0024], "suppressed": False})
    >>> out = disclose_curve_shares(curves, records)
    >>> out["estimate"].round(6).tolist(), out["suppressed"].tolist()  # 30/3,395; 4: hidden
    ([0.008837, nan], [False, True])
    >>> later = curves.assign(estimate=[29 / 3393, np.nan])  # not followed that long
    >>> disclose_curve_shares(later, records)["suppressed"].tolist()
    [False, False]
    """
    out = curves.copy()
    sizes = records["group"].astype(str).value_counts()
    z = NormalDist().inv_cdf(0.5 + conf_level / 2)
    chosen = out["estimator"].astype(str).isin(list(estimators)).to_numpy()
    blank = np.zeros(len(out), dtype=bool)
    for group, n in sizes.items():
        rows = np.flatnonzero(chosen & (out["group"].astype(str) == group).to_numpy())
        if not len(rows):
            continue
        se = (
            out["std_error"].to_numpy(dtype=float)[rows]
            if "std_error" in out.columns
            else (
                out["conf_high"].to_numpy(dtype=float)[rows]
                - out["conf_low"].to_numpy(dtype=float)[rows]
            )
            / (2 * z)
        )
        given = out["estimate"].to_numpy(dtype=float)[rows]
        shown, error = observed_shares(given, se, int(n), rules)
        # unknown before disclosure (past the arm's follow-up): NaN, not withheld
        hidden = ~np.isfinite(shown) & np.isfinite(given)
        out.loc[out.index[rows], "estimate"] = shown
        if "std_error" in out.columns:  # the exact one would give the count back
            out.loc[out.index[rows], "std_error"] = error
        out.loc[out.index[rows], "conf_low"] = np.clip(shown - z * error, 0.0, 1.0)
        out.loc[out.index[rows], "conf_high"] = np.clip(shown + z * error, 0.0, 1.0)
        blank[rows[~np.isfinite(shown)]] = True
        if hidden.any() and "suppressed" in out.columns:
            out.loc[out.index[rows[hidden]], "suppressed"] = True
        if hidden.any() and "shown_from" in out.columns:  # no value: shown from no time
            out.loc[out.index[rows[hidden]], "shown_from"] = np.nan
    return blank_statistics(out, blank)  # every statistic of a row without a value


def disclose_state_occupation(
    occupation: pd.DataFrame,
    transitions: pd.DataFrame,
    *,
    rules: DisclosureRules = DEFAULT_RULES,
    n: int | None = None,
) -> pd.DataFrame:
    """Return state occupation probabilities coarsened state by state and shown as shares.

    Three rules, each needed on its own:

    1. **Every state's steps rest on the threshold of its own moves.** Each state's curve
       is coarsened as :func:`disclose_curves` coarsens one curve, counting the moves
       into or out of that state: its published value changes only where at least the
       threshold of such moves happened since its last change (``shown_from`` says from
       which time a value comes). Coarsening the states together would let a state that
       moved by one child step on its own (one death on day 5 shows a step of 1/n).
    2. **The values carry no more than disclosed counts.** A probability times the spells
       at the start is an expected number of children in the state; published at full
       precision it gives back that number and the exact cohort (5/9,282 on day 1). Each
       value is therefore the disclosed expected number over the disclosed number of
       spells (:func:`~escalation.disclosure.disclose_share`): suppressed where the
       expected number is below the threshold, zero included, and rounded otherwise. The
       states may not add up to exactly one after rounding.
    3. **Only the times of published steps are listed.** The occupation is estimated at
       every day a child moved; listed there, even with every value carried forward or
       suppressed, the rows give each move's day and, counted, the moves a step hides
       (three rows while a state is suppressed: three children moved). The first time
       is kept, then only the times at which some state shows a new value (a step). A
       time at which a state's values stop being shown is not listed either (it would
       be the day of its first move, or of the move or censoring that left fewer than
       the threshold in follow-up): the state reads as suppressed from the next time
       listed, and the table ends at the last step.

    The standard error is published on the disclosed numbers too (see
    :func:`_disclosed_error`) and the interval is recomputed from it on the log scale
    around the value shown. From the first time fewer than the threshold of
    spells remain in follow-up (neither censored nor absorbed), every value is suppressed.

    Parameters
    ----------
    occupation : pandas.DataFrame
        ``time, state, probability`` and optionally ``std_error, conf_low, conf_high,
        conf_level`` (``StateOccupationResult.tidy()``).
    transitions : pandas.DataFrame
        The rows the curves were estimated from: ``spell_id, stop, from_state,
        to_state`` (:func:`~escalation.survival.pathway_transitions`; a missing
        ``to_state`` ends in censoring).
    rules : DisclosureRules, optional
    n : int, optional
        Spells the probabilities are shares of (default: the spells in ``transitions``).

    Returns
    -------
    pandas.DataFrame
        ``occupation`` at its first time and the times some state shows a new value,
        with the values disclosed, plus ``shown_from`` and ``suppressed`` (true where the
        state's value is not shown).

    Examples
    --------
    Three of 100 spells move to a CP plan on day 1 and 12 more on day 2: day 1 is not a
    step of its own, and is not listed, so that neither the 3 nor their day can be read.

    >>> rows = pd.DataFrame({"spell_id": range(100), "start": 0.0,
    ...     "stop": [1.0] * 3 + [2.0] * 12 + [9.0] * 85,
    ...     "from_state": "referral_closed",
    ...     "to_state": ["cp_plan"] * 15 + [None] * 85})
    >>> occupation = pd.DataFrame({"time": [0.0, 0, 1, 1, 2, 2],
    ...     "state": ["referral_closed", "cp_plan"] * 3,
    ...     "probability": [1.0, 0.0, 0.97, 0.03, 0.85, 0.15]})
    >>> out = disclose_state_occupation(occupation, rows)
    >>> out[["time", "state", "probability", "suppressed"]].values.tolist()
    [[0.0, 'referral_closed', 1.0, False], [0.0, 'cp_plan', nan, True], \
[2.0, 'referral_closed', 0.85, False], [2.0, 'cp_plan', 0.15, False]]
    """
    out = occupation.copy()
    spells = int(transitions["spell_id"].nunique()) if n is None else int(n)
    ends = transitions.groupby("spell_id", sort=False)["stop"].max().to_numpy(dtype=float)
    errors = [c for c in ("std_error", "conf_low", "conf_high") if c in out.columns]
    for column in ["probability", *errors]:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    out["shown_from"] = np.nan
    out["suppressed"] = True
    for state, members in out.groupby("state", sort=False).indices.items():
        rows = members[np.argsort(out["time"].to_numpy(dtype=float)[members], kind="stable")]
        index = out.index[rows]
        times = out["time"].to_numpy(dtype=float)[rows]
        exact = out["probability"].to_numpy(dtype=float)[rows]
        changed = np.r_[False, np.abs(np.diff(exact)) > 1e-12]
        source = _curve_sources(
            times, changed, [(_moves_of(transitions, str(state)), ends)], rules.threshold
        )
        at = np.maximum(source, 0)
        shares = [
            disclose_share(exact[i] * spells, spells, rules) if source[k] >= 0 else None
            for k, i in enumerate(at)
        ]
        value = np.array([np.nan if s is None else s for s in shares], dtype=float)
        shown = np.isfinite(value)
        out.loc[index, "probability"] = value
        out.loc[index, "shown_from"] = np.where(shown, times[at], np.nan)
        out.loc[index, "suppressed"] = ~shown
        if "std_error" in errors:
            se = _disclosed_error(
                out["std_error"].to_numpy(dtype=float)[rows][at], exact[at], value, spells, rules
            )
            out.loc[index, "std_error"] = np.where(shown, se, np.nan)
            if "conf_low" in errors and "conf_high" in errors and "conf_level" in out:
                level = out["conf_level"].to_numpy(dtype=float)[rows]
                low, high = _log_interval(value, se, level)
                out.loc[index, "conf_low"] = np.where(shown, low, np.nan)
                out.loc[index, "conf_high"] = np.where(shown, high, np.nan)
        else:
            for column in errors:
                out.loc[index, column] = np.nan  # not recomputable from the disclosed value
    out["suppressed"] = out["suppressed"].astype(bool)
    return _step_times(out, ["probability", *errors, "suppressed"])


def _step_times(out: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Keep the first time and the times at which some state shows a new value.

    The occupation is estimated at every time a child moved. A row there that only
    carries each state's values forward, or turns them to suppressed, still gives that
    day away, and the rows between two published steps count the moves the coarsening
    hides (three rows while every state but the first is suppressed: three children
    moved, on those days).
    """
    keep = np.zeros(len(out), dtype=bool)
    times = out["time"].to_numpy(dtype=float)
    for members in out.groupby("state", sort=False).indices.values():
        positions = np.asarray(members, dtype=np.int64)
        rows = positions[np.argsort(times[positions], kind="stable")]
        values = out.iloc[rows][list(columns)].astype(float).to_numpy()
        same = (values[1:] == values[:-1]) | (np.isnan(values[1:]) & np.isnan(values[:-1]))
        shown = ~out["suppressed"].to_numpy(dtype=bool)[rows]
        keep[rows[np.r_[True, ~same.all(axis=1) & shown[1:]]]] = True
    return out[np.isin(times, times[keep])].reset_index(drop=True)
