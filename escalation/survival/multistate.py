r"""The pathway after the decision point as a multi-state model (Aalen–Johansen).

States (progressive: the deepest level of statutory involvement entered since time zero)::

    referral_closed -> cin_plan -> cp_plan -> looked_after
          \________________\_________\___________\--> death (absorbing)

A child starts at time zero (the end of the referral) in the deepest state whose episode
is under way then (started before the day of time zero and not ended by it: a CIN plan
still open when the referral closed starts the spell in ``cin_plan``), else in
``referral_closed``, and moves to a deeper state when an episode of that kind starts;
levels may be skipped (a child can go straight to a CP plan), never undone (a CIN plan
after a CP plan does not move the child back, nor does the end of a plan). The design's
competing kinds (``death``) are absorbing states; its censoring kinds (``moved_out``,
``age_18``), the extract date and, with ``censor_at_horizon``, the longest horizon end
follow-up (censoring: the child's later path is not observed). On the day of a
censoring, pathway entries still count; on the day of death, the child moves to death
and same-day entries are not counted (an interval cannot have zero length).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation._vocabulary import not_data, refuse_repeats, resolve_cluster, spell_data_of
from escalation.clusters import cluster_codes, cluster_labels
from escalation.core import productlimit
from escalation.data.history import CaseHistory
from escalation.errors import DataValidationError, DesignError, Problem, available_columns
from escalation.results import Presents, Summary, package_versions
from escalation.survival._outcome import (
    counting_intervals,
    past_follow_up,
    prediction_times,
    refuse_missing_labels,
)
from escalation.survival._result import check_conf_level
from escalation.timeline import SpellData

__all__ = [
    "PATHWAY_STATES",
    "StateOccupationResult",
    "TransitionProbabilityResult",
    "pathway_transitions",
    "state_occupation",
    "transition_probabilities",
]

#: Transient pathway states, in order (the first is the state at time zero unless a
#: deeper one's episode is under way then).
PATHWAY_STATES: Final = ("referral_closed", "cin_plan", "cp_plan", "looked_after")
_TRANSITION_COLUMNS: Final = ("spell_id", "start", "stop", "from_state", "to_state")
#: What a data frame given instead of a SpellData holds.
_TRANSITIONS: Final = f"transitions ({', '.join(_TRANSITION_COLUMNS)})"
#: The table named in errors about transition rows.
_TABLE: Final = "transitions"

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def pathway_moves(competing: Sequence[str] = ()) -> list[tuple[str, str]]:
    """Return every move a pathway of :func:`pathway_transitions` can make, in state order.

    A spell starts with its referral closed (or in the state whose plan is under way at
    time zero) and enters ever deeper states
    (:data:`PATHWAY_STATES`), or leaves for one of the design's competing events (an
    absorbing state) from any of them. A table of moves lists them all, those no child
    made too: a move left out says that no child made it, a count (zero) the disclosure
    rules suppress.

    Parameters
    ----------
    competing : sequence of str
        The absorbing states (the design's ``[outcome] competing``).

    Returns
    -------
    list of tuple of str
        ``(from_state, to_state)`` pairs.

    Examples
    --------
    >>> pathway_moves(("death",))[:4]  # doctest: +NORMALIZE_WHITESPACE
    [('referral_closed', 'cin_plan'), ('referral_closed', 'cp_plan'),
     ('referral_closed', 'looked_after'), ('referral_closed', 'death')]
    >>> len(pathway_moves(("death",)))
    10
    """
    return [
        (state, to)
        for k, state in enumerate(PATHWAY_STATES)
        for to in (*PATHWAY_STATES[k + 1 :], *competing)
    ]


def pathway_transitions(data: SpellData, *, history: CaseHistory | None = None) -> pd.DataFrame:
    """Return the pathway of every spell as (start, stop] rows between states.

    Parameters
    ----------
    data : SpellData
        Spells from :func:`~escalation.timeline.build_spells` (their link to the case
        history is used to follow children beyond escalation).
    history : CaseHistory, optional
        The case history, needed only when ``data`` was not made by ``build_spells``
        (then the spells are rebuilt from it with ``data.design`` and the rows of
        ``data.spells`` are matched to them by ``spell_id``).

    Returns
    -------
    pandas.DataFrame
        ``spell_id, start, stop, from_state, to_state``: times in days after time zero
        (day 0 is 0.5, as in the spells), ``to_state`` missing when the row ends in
        censoring. A spell's first row starts in the deepest state whose episode is
        under way at time zero (a CIN plan still open then: ``cin_plan``), else in
        ``referral_closed``. Spells are matched to their case history by ``spell_id``,
        so ``data.spells`` may be reordered or filtered.

    Examples
    --------
    >>> import escalation as esc
    >>> history = esc.simulate_local_authority(500, seed=1).history
    >>> data = esc.build_spells(history, esc.default_design())
    >>> rows = pathway_transitions(data)
    >>> list(rows.columns)
    ['spell_id', 'start', 'stop', 'from_state', 'to_state']
    """
    from escalation._calendar import eighteenth_birthday
    from escalation.timeline._index import NEVER, day_time

    data = spell_data_of(data, function="pathway_transitions")
    context = data._context
    if context is None:
        if history is None:
            raise DesignError(
                "these SpellData carry no link to their case history; pass history= (the "
                "CaseHistory they were built from) to follow the pathway"
            )
        from escalation.timeline import build_spells

        rebuilt = build_spells(history, data.design, censor_at_horizon=data.censor_at_horizon)
        context = rebuilt._context
    assert context is not None
    at = context.positions(data.spells)
    prep, child, t0 = context.prep, context.child[at], context.t0[at]
    outcome = data.design.outcome
    n = len(child)
    # exits: absorbing (competing kinds) and censoring
    exit_day = np.full(n, prep.extract_day, dtype=np.int64)
    exit_state = np.full(n, -1, dtype=np.int64)
    absorbing = tuple(outcome.competing)
    for i, kind in enumerate(absorbing):
        day, _ = prep.first_from(kind, child, t0)
        sooner = day < exit_day
        exit_day = np.where(sooner, day, exit_day)
        exit_state = np.where(sooner, len(PATHWAY_STATES) + i, exit_state)
    for kind in outcome.censor:
        if kind == "age_18":
            birthday = eighteenth_birthday(prep.birth[child])
            day = np.where(birthday >= t0, birthday, NEVER)
        else:
            day, _ = prep.first_from(kind, child, t0)
        sooner = day < exit_day
        exit_day = np.where(sooner, day, exit_day)
        exit_state = np.where(sooner, -1, exit_state)
    if data.censor_at_horizon:
        day = t0 + max(outcome.horizons)
        sooner = day < exit_day
        exit_day = np.where(sooner, day, exit_day)
        exit_state = np.where(sooner, -1, exit_state)
    # the state at time zero: the deepest level under way then (started before its day,
    # not ended by it: a CIN plan still open when the referral closed), else the first
    levels = len(PATHWAY_STATES) - 1
    initial = np.zeros(n, dtype=np.int64)
    for k, kind in enumerate(PATHWAY_STATES[1:], start=1):
        initial = np.where(prep.covering(kind, child, t0), k, initial)
    # entries into deeper levels, counted when no deeper level was entered by then
    entry = (
        np.column_stack([prep.first_from(kind, child, t0)[0] for kind in PATHWAY_STATES[1:]])
        if n
        else np.empty((0, levels), dtype=np.int64)
    )
    deeper = np.full(n, NEVER, dtype=np.int64)
    valid = np.zeros_like(entry, dtype=bool)
    for k in range(levels - 1, -1, -1):
        valid[:, k] = entry[:, k] < deeper
        deeper = np.minimum(deeper, entry[:, k])
    valid &= np.arange(1, levels + 1)[None, :] > initial[:, None]  # deeper than at time zero
    dies = exit_state >= 0
    valid &= np.where(dies[:, None], entry < exit_day[:, None], entry <= exit_day[:, None])
    spell = np.repeat(np.arange(n), levels)
    level = np.tile(np.arange(1, levels + 1), n)
    keep = valid.ravel()
    events = pd.DataFrame({"spell": spell[keep], "day": entry.ravel()[keep], "state": level[keep]})
    last_entry = events.groupby("spell")["day"].max().reindex(range(n)).to_numpy()
    needs_exit = dies | ~(last_entry == exit_day)
    exits = pd.DataFrame(
        {
            "spell": np.flatnonzero(needs_exit),
            "day": exit_day[needs_exit],
            "state": exit_state[needs_exit],
        }
    )
    steps = pd.concat([events, exits], ignore_index=True)
    steps = steps.sort_values(["spell", "day"], kind="stable", ignore_index=True)
    spells_index = steps["spell"].to_numpy()
    stop = day_time(steps["day"].to_numpy() - t0[spells_index])
    first = np.r_[True, spells_index[1:] != spells_index[:-1]] if len(steps) else np.empty(0, bool)
    state = steps["state"].to_numpy()
    start = np.where(first, 0.0, np.r_[0.0, stop[:-1]])
    previous = np.where(first, initial[spells_index], np.r_[0, state[:-1]])
    names = np.asarray([*PATHWAY_STATES, *absorbing], dtype=object)
    return pd.DataFrame(
        {
            "spell_id": data.spells["spell_id"].to_numpy()[spells_index],
            "start": start,
            "stop": stop,
            "from_state": names[previous],
            "to_state": pd.Series(
                np.where(state >= 0, names[np.maximum(state, 0)], None), dtype="string"
            ),
        }
    )


@dataclass(frozen=True, eq=False)
class _Increments:
    states: tuple[str, ...]
    times: FloatArray
    hazard_steps: FloatArray  # (times, K, K) transition hazard increments, rows sum to 0
    transitions: pd.DataFrame
    n: int
    initial: FloatArray
    start: FloatArray
    stop: FloatArray
    source: IntArray
    target: IntArray
    subject: IntArray
    initial_rows: npt.NDArray[np.bool_]


def _increments(
    rows: pd.DataFrame, states: Sequence[str] | None, s: float, *, at_start: bool
) -> _Increments:
    """Return the transition hazard increments after ``s`` and the rows they come from.

    ``at_start``: the transitions at ``s`` itself enter (state occupation from ``s``, as
    R's ``survfit(start.time = s)``); otherwise only those after ``s`` (:math:`P(s, t)`).
    """
    missing = [c for c in _TRANSITION_COLUMNS if c not in rows.columns]
    if missing:
        raise DesignError(
            f"transition rows need columns {', '.join(_TRANSITION_COLUMNS)}; missing: "
            f"{', '.join(missing)}"
        )
    refuse_missing_labels(rows, ["spell_id"], what="spell identifier", table=_TABLE)
    start, stop = counting_intervals(rows["start"], rows["stop"], table=_TABLE)
    _check_start_time(s, stop)
    source = rows["from_state"].astype("string")
    target = rows["to_state"].astype("string")
    seen = list(dict.fromkeys([*source.dropna(), *target.dropna()]))
    if states is None:
        order = [x for x in PATHWAY_STATES if x in seen] + [
            x for x in seen if x not in PATHWAY_STATES
        ]
    else:
        order = list(states)
        refuse_repeats("state(s)", order)
        _refuse_unlisted_states(rows, order)
    k = len(order)
    code = {name: i for i, name in enumerate(order)}
    src = source.map(code).to_numpy(dtype=float)
    if len(missing_at := np.flatnonzero(np.isnan(src))):
        first = int(missing_at[0])
        raise DataValidationError(
            [
                Problem(
                    _TABLE,
                    first,
                    "from_state",
                    rows["from_state"].iloc[first],
                    f"{len(missing_at)} row(s) with no from_state; every row starts in a "
                    "state (the state the spell is in from its start)",
                )
            ],
            _TABLE,
        )
    src_i = src.astype(np.int64)
    dst = target.map(code).fillna(-1).to_numpy(dtype=np.int64)
    _refuse_moves_to_the_same_state(rows, src_i, dst)
    _refuse_broken_spells(rows, start, stop, src_i, dst)
    # state occupation lets the transitions at s itself enter (R's survfit(start.time=));
    # P(s, t) is the product over (s, t]
    moved = (dst >= 0) & ((stop >= s) if at_start else (stop > s))
    times = np.unique(stop[moved])
    hazard_steps = np.zeros((len(times), k, k))
    for h in range(k):
        here = src_i == h
        # the core's counts: at risk in state h on (start, stop], moves by target state
        counts = productlimit.count(
            stop[here], np.where(moved[here], dst[here] + 1, 0), start=start[here], times=times
        )
        for j in range(k):
            hazard_steps[:, h, j] = productlimit.hazard(counts.n_risk, counts.cause(j + 1))
    hazard_steps[:, np.arange(k), np.arange(k)] = -hazard_steps.sum(axis=2)
    # R's survfit: p(s) is the from_state of the rows at risk at the first transition
    # time t0 on or after s (start < t0 <= stop; t0 = the last stop when none), among
    # the rows that end on or after s
    t0 = times[0] if len(times) else (stop[stop >= s].max() if np.any(stop >= s) else s)
    inside = (start < t0) & (stop >= t0) & (stop >= s)
    initial = np.zeros(k)
    if inside.any():
        initial = np.bincount(src_i[inside], minlength=k) / inside.sum()
    transitions = (
        pd.DataFrame({"from_state": source, "to_state": target})
        .dropna()
        .value_counts()
        .rename("n")
        .reset_index()
    )
    subject, _ = pd.factorize(rows["spell_id"])
    return _Increments(
        tuple(order),
        times,
        hazard_steps,
        transitions,
        int(rows["spell_id"].nunique()),
        initial,
        start,
        stop,
        src_i,
        dst,
        np.asarray(subject, dtype=np.int64),
        inside,
    )


def _check_start_time(s: float, stop: FloatArray) -> None:
    """Raise when ``start_time`` is not a finite number or no spell is followed from it.

    A ``start_time`` after the last ``stop`` gave state occupation probabilities of 0 in
    every state and an identity :math:`P(s, t)`, for a time no spell is seen at; R's
    ``survfit(start.time =)`` stops there ("start.time has removed all observations").
    """
    if not isinstance(s, (int, float, np.integer, np.floating)) or not np.isfinite(s):
        raise DesignError(f"start_time must be a finite number of days, got {s!r}")
    last = float(stop.max()) if len(stop) else None
    if last is None or s > last:
        raise DesignError(
            f"start_time={float(s)!r} is after the last follow-up of the transition rows "
            f"(their largest stop, {last!r}): no spell is followed from then, so there is "
            "nothing to estimate; choose a start_time up to the last stop"
        )


def _refuse_unlisted_states(rows: pd.DataFrame, order: Sequence[str]) -> None:
    """Raise naming the first row of each state column whose state ``states=`` does not list.

    A row's states are category labels of the model (not personal data), so the value
    is shown.
    """
    problems = []
    for column in ("from_state", "to_state"):
        values = rows[column].astype("string")
        unlisted = np.flatnonzero((values.notna() & ~values.isin(list(order))).to_numpy())
        if len(unlisted):
            first = int(unlisted[0])
            problems.append(
                Problem(
                    _TABLE,
                    first,
                    column,
                    rows[column].iloc[first],
                    f"{len(unlisted)} row(s) with a {column} that states= does not list "
                    f"({', '.join(map(str, order))}); list every state of the rows",
                )
            )
    if problems:
        raise DataValidationError(problems, _TABLE)


def _refuse_moves_to_the_same_state(rows: pd.DataFrame, source: IntArray, target: IntArray) -> None:
    """Raise naming the first row whose ``to_state`` is its ``from_state``.

    Such a row is no move, yet it was counted as one: its hazard went onto the diagonal
    and the state occupation probabilities no longer added up to one (1/3 of the
    probability was lost on a three-spell example). A row ending in the state it is in
    (a covariate changing, say) ends in censoring: ``to_state`` missing, and the spell's
    next row starts in the same state.
    """
    same = np.flatnonzero((target >= 0) & (target == source))
    if len(same):
        first = int(same[0])
        raise DataValidationError(
            [
                Problem(
                    _TABLE,
                    first,
                    "to_state",
                    rows["to_state"].iloc[first],
                    f"{len(same)} row(s) whose to_state is their from_state; a row ends in "
                    "a move to another state, or in censoring (to_state missing) when the "
                    "spell carries on in the same state",
                )
            ],
            _TABLE,
        )


def _refuse_broken_spells(
    rows: pd.DataFrame, start: FloatArray, stop: FloatArray, source: IntArray, target: IntArray
) -> None:
    """Raise when a spell's rows overlap, leave a gap, or jump between states.

    A spell's rows, in order of ``start``, must follow one another: each starts where the
    previous one stopped, in the state it ended in (its ``to_state``, or its
    ``from_state`` when it ended in censoring), as R's ``survcheck`` requires (its
    ``overlap``, ``gap``, ``jump`` and ``teleport``; ``survfit`` refuses such data).
    Rows are named by position; the spell's identifier is not shown.
    """
    spell, _ = pd.factorize(rows["spell_id"])
    order = np.lexsort((start, spell))
    same = spell[order][1:] == spell[order][:-1]
    before, after = order[:-1][same], order[1:][same]
    ended_in = np.where(target[before] >= 0, target[before], source[before])
    checks = (
        ("start", start[after] < stop[before], "starts before the spell's previous row stops"),
        ("start", start[after] > stop[before], "starts after the spell's previous row stops"),
        ("from_state", ended_in != source[after], "is not the state the previous row ended in"),
    )
    problems = [
        Problem(
            _TABLE,
            int(after[bad[0]]),
            column,
            rows[column].iloc[int(after[bad[0]])],
            f"{len(bad)} row(s) where the {column} {reason} (here row "
            f"{int(before[bad[0]])}); a spell's rows must follow one another, each starting "
            "when and in the state the previous one ended (no overlap, gap or jump)",
        )
        for column, broken, reason in checks
        if len(bad := np.flatnonzero(broken))
    ]
    if problems:
        raise DataValidationError(problems, _TABLE)


def _std_error(inc: _Increments, clusters: IntArray | None = None) -> FloatArray:
    r"""Infinitesimal-jackknife standard errors of the occupation probabilities.

    The influence of subject :math:`i` follows the recursion
    :math:`U_i(t) = U_i(t-)\{I + dA(t)\} + p(t-)\, dA_i(t)`, where :math:`dA_i` is the
    derivative of :math:`dA` with respect to the subject's weight; the variance is
    :math:`\sum_i U_i(t)^2` (as R's ``survfit`` for multi-state data with ``id``). The
    starting distribution's influence comes from the rows it is taken from
    (``inc.initial_rows``). Row 0 is the start, then one row per time of ``inc.times``.
    With ``clusters`` (each subject's cluster code) the recursion, being linear, runs on
    the influence of each cluster, :math:`U_c = \sum_{i \in c} U_i`, and the variance is
    :math:`\sum_c U_c(t)^2` (R's ``influence = TRUE`` summed by cluster).
    """
    k = len(inc.states)
    owner = inc.subject if clusters is None else clusters[inc.subject]
    n_owners = int(owner.max()) + 1 if len(owner) else 0
    influence = np.zeros((n_owners, k))
    inside = inc.initial_rows
    if inside.any():
        m = int(inside.sum())
        np.add.at(influence, owner[inside], (np.eye(k)[inc.source[inside]] - inc.initial) / m)
    p = inc.initial.copy()
    out = np.empty((len(inc.times) + 1, k))
    out[0] = np.sqrt((influence**2).sum(axis=0))
    eye = np.eye(k)
    for index, t in enumerate(inc.times):
        step = inc.hazard_steps[index]
        active = np.flatnonzero((inc.start < t) & (inc.stop >= t))
        state = inc.source[active]
        at_risk = np.bincount(state, minlength=k).astype(float)
        scale = np.divide(p, at_risk, out=np.zeros(k), where=at_risk > 0)
        influence = influence @ (eye + step)
        change = -step[state] * scale[state, None]
        moved = (inc.stop[active] == t) & (inc.target[active] >= 0)
        rows = np.flatnonzero(moved)
        change[rows, inc.target[active][rows]] += scale[state[rows]]
        change[rows, state[rows]] -= scale[state[rows]]
        np.add.at(influence, owner[active], change)
        p = p @ (eye + step)
        out[index + 1] = np.sqrt((influence**2).sum(axis=0))
    return out


def _spell_clusters(
    data: SpellData | pd.DataFrame, rows: pd.DataFrame, cluster: str | None, subject: IntArray
) -> tuple[str | None, IntArray | None]:
    """Return the cluster column and each spell's (subject's) cluster code.

    With SpellData, ``cluster`` is a column of its spells (``"auto"``: the design's, such
    as ``family_id``; :func:`~escalation.clusters.cluster_labels` reads a missing family
    as the child's); with transition rows, a column of the rows, one value per spell. A
    spell without a label is a cluster of its own (:func:`~escalation.clusters.cluster_codes`).
    """
    column = resolve_cluster(data, cluster)
    if column is None:
        return None, None
    source = data.spells if isinstance(data, SpellData) else rows
    if column not in source.columns:
        what = "spells" if isinstance(data, SpellData) else _TABLE
        raise DesignError(
            f"the cluster column {column!r} is not in the {what} table"
            f"{available_columns([column], source.columns)}"
        )
    labels = cluster_labels(source, column).astype("string")
    if isinstance(data, SpellData):
        by_spell = pd.Series(labels.to_numpy(), index=source["spell_id"].to_numpy())
        labels = pd.Series(by_spell.reindex(rows["spell_id"].to_numpy()).to_numpy(), dtype="string")
    # every row of a spell in one cluster
    several = pd.Series(labels.fillna("\0missing").to_numpy()).groupby(subject).transform("nunique")
    if (bad := np.flatnonzero(several.to_numpy() > 1)).size:
        first = int(bad[0])
        raise DataValidationError(
            [
                Problem(
                    _TABLE,
                    first,
                    column,
                    rows[column].iloc[first],
                    f"{len(bad)} row(s) of spells whose rows name more than one {column}; a "
                    "spell belongs to one cluster",
                )
            ],
            _TABLE,
        )
    n_subjects = int(subject.max()) + 1 if len(subject) else 0
    first_row = np.zeros(n_subjects, dtype=np.int64)
    first_row[subject[::-1]] = np.arange(len(subject))[::-1]
    return column, cluster_codes(labels.iloc[first_row])


def _cumulative(hazard_steps: FloatArray) -> FloatArray:
    """Cumulative hazards of the moves: 0 at the start, then the sums of the steps."""
    k = hazard_steps.shape[1]
    summed = np.concatenate([np.zeros((1, k, k)), np.cumsum(hazard_steps, axis=0)])
    summed[:, np.arange(k), np.arange(k)] = 0.0
    return summed


def _product(hazard_steps: FloatArray) -> FloatArray:
    """Cumulative product integral prod (I + hazard_steps) at each time, shape (times, K, K)."""
    k = hazard_steps.shape[1]
    out = np.empty_like(hazard_steps)
    current = np.eye(k)
    for i in range(len(hazard_steps)):
        current = current @ (np.eye(k) + hazard_steps[i])
        out[i] = current
    return out


def _rows(
    data: SpellData | pd.DataFrame, history: CaseHistory | None, *, function: str
) -> pd.DataFrame:
    """Return the transition rows of ``data``: a SpellData's pathway, or the table given."""
    if isinstance(data, SpellData):
        return pathway_transitions(data, history=history)
    if isinstance(data, pd.DataFrame):
        return data
    raise not_data(data, function=function, table=_TRANSITIONS)


@dataclass(frozen=True, eq=False)
class StateOccupationResult(Presents):
    """State occupation probabilities over time (see :func:`state_occupation`).

    Attributes
    ----------
    states : tuple of str
        States, in order.
    times : numpy.ndarray
        The start time (just after the transitions on it), then every transition time
        after it.
    probabilities : numpy.ndarray
        Shape (times, states): probability of being in each state at each time.
    transitions : pandas.DataFrame
        ``from_state, to_state, n``: observed transitions.
    n : int
        Spells (subjects).
    start_time : float
        Time the curves start from.
    std_error : numpy.ndarray
        Shape (times, states): infinitesimal-jackknife standard errors (by spell).
    last_follow_up : float
        The largest ``stop`` of the transition rows: past it the probabilities are
        unknown and :meth:`at` gives NaN
        (:func:`~escalation.survival._outcome.past_follow_up`).
    conf_level : float
        Level of the intervals of :meth:`tidy`.
    backend : None
        No third-party backend: the estimator is computed here (numpy).
    dropped : int
        Spells left out: none, since the estimator takes no case weights and a bad
        transition row raises.
    cluster : str or None
        The column whose spells are one cluster in :attr:`std_error` (``None``: each
        spell its own).
    clusters : int or None
        Number of clusters (``None`` when not clustered).
    cumulative_hazard : numpy.ndarray or None
        Shape (times, states, states): the Nelson–Aalen cumulative hazard of each move
        ``h -> j`` from the start time (diagonal 0); see :meth:`cumulative_hazards`.
    """

    states: tuple[str, ...]
    times: FloatArray
    probabilities: FloatArray
    transitions: pd.DataFrame
    n: int
    start_time: float
    std_error: FloatArray
    last_follow_up: float
    conf_level: float = 0.95
    backend: Any = None
    dropped: int = 0
    cluster: str | None = None
    clusters: int | None = None
    cumulative_hazard: FloatArray | None = None

    def cumulative_hazards(self) -> pd.DataFrame:
        r"""Return ``time, from_state, to_state, cumulative_hazard`` of the observed moves.

        The Nelson–Aalen estimate :math:`A_{hj}(t) = \sum_{u \le t} d_{hj}(u) / Y_h(u)`
        (moves from ``h`` to ``j`` at :math:`u` over the spells in ``h`` just before),
        summed from the start time as :attr:`probabilities` (the moves at the start time
        included), at :attr:`times`: one row per time and observed move, in the order of
        :attr:`states` (R's ``survfit(...)$cumhaz``).
        """
        if self.cumulative_hazard is None:
            raise DesignError("this StateOccupationResult was made without cumulative hazards")
        names = np.asarray(self.states, dtype=object)
        code = pd.Series(np.arange(len(names)), index=names)
        h = code.reindex(self.transitions["from_state"]).to_numpy(dtype=np.int64)
        j = code.reindex(self.transitions["to_state"]).to_numpy(dtype=np.int64)
        h, j = np.unique(np.column_stack([h, j]), axis=0).T.reshape(2, -1)
        return pd.DataFrame(
            {
                "time": np.repeat(self.times, len(h)),
                "from_state": np.tile(names[h], len(self.times)),
                "to_state": np.tile(names[j], len(self.times)),
                "cumulative_hazard": self.cumulative_hazard[:, h, j].ravel(),
            }
        )

    def tidy(self) -> pd.DataFrame:
        """Return ``time, state, probability, std_error, conf_low, conf_high, conf_level``.

        One row per time and state. Intervals are on the log scale, as R's ``survfit``
        (``conf.type = "log"``), truncated at 1.
        """
        return self._frame(self.times, np.arange(len(self.times)))

    def at(self, times: Sequence[float] | npt.ArrayLike) -> pd.DataFrame:
        """Return the rows of :meth:`tidy` at chosen times (step function).

        Past :attr:`last_follow_up` no spell is followed, so the probabilities, standard
        errors and limits are NaN there, as a curve's ``at``
        (:func:`~escalation.survival._outcome.past_follow_up`). They are NaN before
        :attr:`start_time` too: the curves start there (R's ``summary(fit, times =)``
        leaves such times out); they gave the value at the start time.
        """
        at = prediction_times(times)
        index = np.clip(np.searchsorted(self.times, at, side="right") - 1, 0, None)
        frame = self._frame(at, index)
        outside = past_follow_up(at, self.last_follow_up) | (at < self.start_time)
        unknown = np.repeat(outside, len(self.states))
        frame.loc[unknown, ["probability", "std_error", "conf_low", "conf_high"]] = np.nan
        return frame

    def _frame(self, times: FloatArray, index: IntArray) -> pd.DataFrame:
        k = len(self.states)
        p = self.probabilities[index].ravel()
        se = self.std_error[index].ravel()
        z = float(stats.norm.ppf(0.5 + self.conf_level / 2.0))
        with np.errstate(divide="ignore", invalid="ignore"):
            spread = np.where(p > 0, np.exp(z * se / p), 1.0)
        return pd.DataFrame(
            {
                "time": np.repeat(times, k),
                "state": np.tile(np.asarray(self.states, dtype=object), len(times)),
                "probability": p,
                "std_error": se,
                "conf_low": p / spread,
                "conf_high": np.minimum(p * spread, 1.0),
                "conf_level": self.conf_level,
            }
        )

    def _facts(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "events": int(self.transitions["n"].sum()),
            "dropped": self.dropped,
            "states": len(self.states),
            "start_time": self.start_time,
            "method": "aalen_johansen",
            "cluster": self.cluster,
            "clusters": self.clusters,
        }

    def glance(self) -> pd.DataFrame:
        """Return one row: spells, transitions, states, method, clusters and versions."""
        return pd.DataFrame([{**self._facts(), **package_versions()}])

    def summary(self) -> Summary:
        """Return a :class:`~escalation.results.Summary` of the observed transitions."""
        return Summary(
            "Multi-state Aalen–Johansen state occupation",
            self._facts(),
            self.transitions,
            ("Probabilities are population averages; censoring assumed non-informative.",),
        )


@dataclass(frozen=True, eq=False)
class TransitionProbabilityResult(Presents):
    """Transition probabilities :math:`P_{hj}(s, t)` (see :func:`transition_probabilities`).

    Attributes
    ----------
    states : tuple of str
        States, in order.
    start_time : float
        The time :math:`s`.
    times : numpy.ndarray
        :math:`s` then every transition time after it.
    matrices : numpy.ndarray
        Shape (times, states, states): row ``h`` column ``j`` is the probability of being
        in ``j`` at time ``t`` given being in ``h`` at ``s``.
    transitions : pandas.DataFrame
        ``from_state, to_state, n``.
    n : int
        Spells (subjects).
    last_follow_up : float
        The largest ``stop`` of the transition rows: past it the probabilities are
        unknown and :meth:`matrix` gives NaN
        (:func:`~escalation.survival._outcome.past_follow_up`).
    backend : None
        No third-party backend.
    dropped : int
        Spells left out: none, since the estimator takes no case weights and a bad
        transition row raises.
    """

    states: tuple[str, ...]
    start_time: float
    times: FloatArray
    matrices: FloatArray
    transitions: pd.DataFrame
    n: int
    last_follow_up: float
    backend: Any = None
    dropped: int = 0

    def tidy(self) -> pd.DataFrame:
        """Return ``time, from_state, to_state, probability``."""
        k = len(self.states)
        names = np.asarray(self.states, dtype=object)
        return pd.DataFrame(
            {
                "time": np.repeat(self.times, k * k),
                "from_state": np.tile(np.repeat(names, k), len(self.times)),
                "to_state": np.tile(names, k * len(self.times)),
                "probability": self.matrices.ravel(),
            }
        )

    def matrix(self, time: float) -> pd.DataFrame:
        """Return :math:`P(s, t)` at one time as a states-by-states frame.

        NaN past :attr:`last_follow_up`, where no spell is followed
        (:func:`~escalation.survival._outcome.past_follow_up`), and before
        :attr:`start_time`, where :math:`P(s, t)` is not defined (it gave the identity).
        """
        (at,) = prediction_times([time])
        index = max(int(np.searchsorted(self.times, at, side="right")) - 1, 0)
        values = self.matrices[index].copy()
        if past_follow_up(at, self.last_follow_up) or at < self.start_time:
            values[:] = np.nan
        return pd.DataFrame(values, index=self.states, columns=self.states)

    def glance(self) -> pd.DataFrame:
        """Return one row: spells, transitions, start time, method and versions."""
        row = {
            "n": self.n,
            "events": int(self.transitions["n"].sum()),
            "dropped": self.dropped,
            "start_time": self.start_time,
            "method": "aalen_johansen",
        }
        return pd.DataFrame([{**row, **package_versions()}])

    def summary(self) -> Summary:
        """Return a :class:`~escalation.results.Summary` with the matrix at the last time."""
        last = self.matrix(float(self.times[-1])).reset_index(names="from_state")
        facts = {str(k): v for k, v in self.glance().iloc[0, :5].items()}
        facts["at_time"] = float(self.times[-1])
        notes = (
            f"P(s, t) with s = {self.start_time:g}: the product over (s, t], from the state "
            "just after the moves at s (R's survfit(start.time = s, p0 =) includes them).",
            "Assumes the pathway is Markov and censoring non-informative.",
        )
        return Summary("Aalen–Johansen transition probabilities", facts, last, notes)


def state_occupation(
    data: SpellData | pd.DataFrame,
    *,
    history: CaseHistory | None = None,
    states: Sequence[str] | None = None,
    start_time: float = 0.0,
    conf_level: float = 0.95,
    cluster: str | None = None,
) -> StateOccupationResult:
    r"""Return the Aalen–Johansen probabilities of being in each pathway state over time.

    Estimand: :math:`p_j(t) = \Pr\{X(t) = j\}`, the share of spells in state :math:`j`
    at :math:`t` days after time zero, estimated as
    :math:`p(t) = p_0 \prod_{s \le u \le t} \{I + dA(u)\}` where :math:`dA_{hj}(u)` is the
    number of :math:`h \to j` transitions at :math:`u` over the number in :math:`h` just
    before :math:`u`, :math:`s` is ``start_time`` and :math:`p_0` the distribution of the
    spells followed just before the first transition on or after :math:`s` (see
    ``start_time``; at :math:`s = 0`, the spells' starting states). Aalen–Johansen; equals
    R's ``survfit`` with a multi-state status, ``id`` and ``istate``.

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        Spells (the pathway is built by :func:`pathway_transitions`), or transition rows
        ``spell_id, start, stop, from_state, to_state`` (missing ``to_state``: censored).
    history : CaseHistory, optional
        Only for SpellData without a link to their history (see
        :func:`pathway_transitions`).
    states : sequence of str, optional
        State order (default: pathway order, then other states as seen).
    start_time : float, default 0
        Start the curves here, as R's ``survfit(start.time =)``: :math:`p(s)` is the
        ``from_state`` distribution of the rows at risk (``start < t0 <= stop``) at the
        first transition time ``t0`` on or after ``start_time``, and the transitions at
        ``start_time`` itself enter the product (the first row is just after them).
    conf_level : float, default 0.95
        Level of the pointwise intervals.
    cluster : str, optional
        Spells that are not independent (the children of a family, a child's several
        referrals) share a cluster in the standard errors: with SpellData a column of the
        spells, ``"auto"`` the design's (``family_id``, or ``la`` when the design
        clusters by authority); with transition rows a column of the rows, one value per
        spell. The standard error is then :math:`\sqrt{\sum_c U_c(t)^2}`, the spells'
        influences :math:`U_i` summed by cluster (R's ``survfit(influence = TRUE)``
        summed by cluster; its ``cluster=`` leaves multi-state ``std.err`` unchanged in
        survival 3.5.3). Default: each spell its own cluster.

    Returns
    -------
    StateOccupationResult

    Notes
    -----
    Assumes censoring independent of the pathway (non-informative) and, for transition
    probabilities between non-initial states, the Markov property; state occupation
    probabilities remain consistent without it (Datta & Satten 2001).

    References
    ----------
    Aalen OO, Johansen S (1978). An empirical transition matrix for non-homogeneous
    Markov chains based on censored observations. *Scand J Stat* 5:141–150.

    Datta S, Satten GA (2001). Validity of the Aalen–Johansen estimators of stage
    occupation probabilities and Nelson–Aalen estimators of integrated transition hazards
    for non-Markov models. *Stat Probab Lett* 55:403–411.
    https://doi.org/10.1016/S0167-7152(01)00155-9

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame(
    ...     {
    ...         "spell_id": [1, 2, 2, 3],
    ...         "start": [0.0, 0.0, 5.0, 0.0],
    ...         "stop": [10.0, 5.0, 8.0, 6.0],
    ...         "from_state": ["referral_closed", "referral_closed", "cp_plan", "referral_closed"],
    ...         "to_state": [None, "cp_plan", None, "cin_plan"],
    ...     }
    ... )
    >>> fit = state_occupation(rows)
    >>> fit.at([7.0])[["time", "state", "probability"]].round(4)
       time            state  probability
    0   7.0  referral_closed       0.3333
    1   7.0         cin_plan       0.3333
    2   7.0          cp_plan       0.3333
    """
    rows = _rows(data, history, function="state_occupation")
    check_conf_level(conf_level)
    inc = _increments(rows, states, start_time, at_start=True)
    occupied = np.vstack([inc.initial, inc.initial @ _product(inc.hazard_steps)])
    column, clusters = _spell_clusters(data, rows, cluster, inc.subject)
    std_error = _std_error(inc, clusters)
    times = np.r_[start_time, inc.times]
    # transitions at start_time: the curve starts after them (R's first row)
    first = 1 if len(inc.times) and inc.times[0] == start_time else 0
    return StateOccupationResult(
        states=inc.states,
        times=times[first:],
        probabilities=occupied[first:],
        transitions=inc.transitions,
        n=inc.n,
        start_time=float(start_time),
        std_error=std_error[first:],
        last_follow_up=float(inc.stop.max(initial=start_time)),
        conf_level=float(conf_level),
        cluster=column,
        clusters=None if clusters is None else int(np.unique(clusters).size),
        cumulative_hazard=_cumulative(inc.hazard_steps)[first:],
    )


def transition_probabilities(
    data: SpellData | pd.DataFrame,
    start_time: float = 0.0,
    *,
    history: CaseHistory | None = None,
    states: Sequence[str] | None = None,
) -> TransitionProbabilityResult:
    r"""Return the Aalen–Johansen transition probability matrices :math:`P(s, t)`.

    :math:`P(s, t) = \prod_{s < u \le t}\{I + dA(u)\}`, the product over :math:`(s, t]`:
    row :math:`h` gives where a spell in state :math:`h` at :math:`s` (just after the
    transitions at :math:`s`) is at :math:`t` (Markov assumption); so
    :math:`p(t) = p(s) P(s, t)` with :math:`p(s)` the first row of
    :func:`state_occupation` from :math:`s`. R's ``survfit(start.time = s, p0 = e_h)``
    includes the transitions at :math:`s` instead. A ``start_time`` after the last
    ``stop`` is refused; :meth:`~TransitionProbabilityResult.matrix` is NaN before
    :math:`s` and past the last follow-up.

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        As for :func:`state_occupation`.
    start_time : float, default 0
        The time :math:`s`.
    history : CaseHistory, optional
        See :func:`pathway_transitions`.
    states : sequence of str, optional
        State order.

    Returns
    -------
    TransitionProbabilityResult

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame(
    ...     {
    ...         "spell_id": [1, 2, 2],
    ...         "start": [0.0, 0.0, 5.0],
    ...         "stop": [10.0, 5.0, 8.0],
    ...         "from_state": ["referral_closed", "referral_closed", "cp_plan"],
    ...         "to_state": [None, "cp_plan", "looked_after"],
    ...     }
    ... )
    >>> transition_probabilities(rows).matrix(9.0)
                     referral_closed  cp_plan  looked_after
    referral_closed              0.5      0.0           0.5
    cp_plan                      0.0      0.0           1.0
    looked_after                 0.0      0.0           1.0
    """
    rows = _rows(data, history, function="transition_probabilities")
    inc = _increments(rows, states, start_time, at_start=False)
    products = _product(inc.hazard_steps)
    k = len(inc.states)
    matrices = (
        np.concatenate([np.eye(k)[None, :, :], products])
        if len(inc.times)
        else (np.eye(k)[None, :, :])
    )
    return TransitionProbabilityResult(
        states=inc.states,
        start_time=float(start_time),
        times=np.r_[start_time, inc.times],
        matrices=matrices,
        transitions=inc.transitions,
        n=inc.n,
        last_follow_up=float(inc.stop.max(initial=start_time)),
    )
