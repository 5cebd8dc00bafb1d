"""From a case history to one row per eligible spell: ``build_spells``.

Conventions (they also hold for the counting-process and landmark data)
-----------------------------------------------------------------------
Time scale
    Whole days after time zero. Something on the day of time zero (day 0) happens
    *after* the decision and is placed at 0.5 days, so every duration is > 0 and every
    counting-process interval has ``stop > start``; day ``d > 0`` stays at ``d``.
Same-day ordering
    Within one day, outcomes come first, then changes of treatment and covariates.
    Among outcomes on one day: escalation (design order of ``events``) before competing
    events (design order), before censoring kinds (design order), before the extract
    date, before the horizon. So an escalation and a death on the same day is an
    escalation; an event on the extract date or exactly at the horizon is an event.
Treatment
    Point form: ``treatment_start`` is the analysis time of the first episode of
    ``treatment.kind`` starting on or after time zero and *before the day follow-up
    ends* (an episode starting on the day of the outcome is not counted: the outcome came
    first); ``treatment`` is 1 when ``treatment_start <= grace_days``. Reasons form:
    ``treatment`` is 1 when the time-zero episode ended with one of the reasons, and
    then ``treatment_start`` is 0.
Baseline covariates
    Only what was known at time zero. The ``prior_*`` counts are the episodes started
    before the time-zero day but the decision point's own: the time-zero episode and,
    when time zero is a referral or an assessment, the index referral and the
    assessments started within it (with ``at = "end"``, the referral's own assessment);
    factors of the latest
    assessment that started before the time-zero day and was completed on or before it;
    ``source`` and ``need`` of the index referral (the time-zero referral, or the referral
    a time-zero assessment belongs to, though it started that day), else of the latest
    referral started before time zero; ``days_since_first_referral`` from the child's
    first referral (the index referral included) to time zero.
End reasons
    ``end_reason`` is the escalation kind, the competing kind, the censoring kind
    (``moved_out``, ``age_18``, ...), ``"extract_date"``, or ``"horizon"`` when
    ``censor_at_horizon=True`` censors administratively at the longest horizon.
Multiple spells
    With ``spells = "all"`` each eligible time zero starts its own spell (sequential
    trials); spells of one child may overlap in calendar time: cluster by child (the
    design's ``family_id`` cluster does, a spell without a family taking its child's).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd

from escalation._calendar import eighteenth_birthday, ymd
from escalation._sort_keys import pack_keys, stable_order
from escalation.data.codes import ASSESSMENT_FACTORS, POINT_KINDS
from escalation.data.history import CaseHistory
from escalation.data.validate import validate_case_history
from escalation.design.study import StudyDesign
from escalation.errors import DataValidationError, DesignError, Problem, StatisticalWarning
from escalation.results import Presents, Summary, package_versions
from escalation.timeline._ended import away_at, comes_back, competed_before, episode_kinds
from escalation.timeline._index import NEVER, IntArray, Prepared, day_time, prepare

__all__ = ["SPELL_COLUMNS", "SpellData", "build_spells"]

#: Leading columns of ``SpellData.spells``, in order (covariates follow).
SPELL_COLUMNS: Final = (
    "spell_id",
    "child_id",
    "family_id",
    "time_zero",
    "duration",
    "event",
    "end_reason",
    "treatment",
    "treatment_start",
)
_PRIOR: Final = {
    "prior_referrals": "referral",
    "prior_assessments": "assessment",
    "prior_cp_plans": "cp_plan",
    "prior_looked_after": "looked_after",
}
_YEAR: Final = 365.25
#: Completed years given to a child without a birth date: outside every age range.
_NO_AGE: Final = 10**9


@dataclass(frozen=True, eq=False)
class _Context:
    """Integer arrays behind the spells table, kept for counting and landmark data.

    Row ``i`` of every array describes the spell whose ``spell_id`` is ``spell_id[i]``
    (ascending). Consumers look spells up by ``spell_id`` through :meth:`positions`,
    never by the row order of ``SpellData.spells``, so the table may be reordered or
    filtered.
    """

    prep: Prepared
    spell_id: IntArray
    child: IntArray
    t0: IntArray
    end: IntArray
    tz_pos: IntArray

    def positions(self, spells: pd.DataFrame) -> IntArray:
        """Return, for each row of ``spells``, the position of its spell in these arrays.

        Rows are matched by ``spell_id``; the row's ``child_id`` and ``time_zero`` (when
        present) must be those the spell was built with.

        Raises
        ------
        DataValidationError
            When ``spell_id`` is missing, repeated or unknown, or a row's ``child_id`` or
            ``time_zero`` differs from its spell's (the table was edited or mixed with
            spells from another case history).
        """
        if "spell_id" not in spells.columns:
            raise DataValidationError(
                [
                    Problem(
                        "spells",
                        None,
                        "spell_id",
                        None,
                        "the spells table has no spell_id column, which links each row to "
                        "its case history; keep the column (reorder or filter rows freely)",
                    )
                ],
                "spells",
            )
        raw = spells["spell_id"]
        ids = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        pos = np.searchsorted(self.spell_id, np.nan_to_num(ids, nan=-1.0))
        pos = np.minimum(pos, max(len(self.spell_id) - 1, 0))
        known = (
            np.isfinite(ids) & (self.spell_id[pos] == ids)
            if len(self.spell_id)
            else np.zeros(len(ids), dtype=bool)
        )
        self._check(
            ~known,
            raw,
            "spell_id",
            "{n} spell_id value(s) match no spell these SpellData were built with; rows may "
            "be reordered or filtered, but spell_id must not be changed or invented",
        )
        self._check(
            pd.Series(pos).duplicated().to_numpy(),
            raw,
            "spell_id",
            "{n} row(s) repeat a spell_id; each spell may appear once (resample children, "
            "not rows of SpellData.spells)",
        )
        out: IntArray = pos.astype(np.int64)
        if "time_zero" in spells.columns:
            days = pd.to_datetime(spells["time_zero"]).to_numpy(dtype="datetime64[D]")
            self._check(
                np.isnat(days) | (days.astype(np.int64) != self.t0[out]),
                spells["time_zero"],
                "time_zero",
                "{n} row(s) have a time_zero other than that of their spell_id; rebuild the "
                "spells with build_spells instead of editing time_zero",
            )
        if "child_id" in spells.columns:
            built = self.prep.children["child_id"].astype("string").to_numpy()[self.child[out]]
            given = spells["child_id"].astype("string").reset_index(drop=True)
            self._check(
                given.ne(pd.Series(built, dtype="string")).fillna(True).to_numpy(dtype=bool),
                given,
                "child_id",
                "{n} row(s) belong to another child than the spell with their spell_id "
                "(spells from different case histories mixed, or child_id edited); rebuild "
                "the spells with build_spells",
            )
        return out

    @staticmethod
    def _check(bad: np.ndarray, values: pd.Series, column: str, reason: str) -> None:
        """Raise naming the first row where ``bad`` holds (``{n}``: how many rows do)."""
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            problem = Problem(
                "spells", row, column, values.iloc[row], reason.format(n=int(bad.sum()))
            )
            raise DataValidationError([problem], "spells")


@dataclass(frozen=True, eq=False)
class SpellData(Presents):
    """Time-to-escalation data built from a case history by :func:`build_spells`.

    Attributes
    ----------
    spells : pandas.DataFrame
        One row per eligible spell: ``spell_id, child_id, family_id, time_zero, duration,
        event, end_reason, treatment, treatment_start`` (with ``la`` after ``family_id``
        when the children table names local authorities) then the baseline covariates
        (``age, age_years, unborn, sex, ethnicity, disability``, requested extra children
        columns, ``prior_referrals, prior_assessments, prior_cp_plans, prior_looked_after,
        days_since_first_referral, source, need``, ``factor_<code>`` flags, ``n_factors``).
        ``age`` is days since birth / 365.25 (a covariate); ``age_years`` the completed
        years by the calendar (-1 when unborn), from which age bands are made.
    flow : pandas.DataFrame
        The exclusion flow (see :func:`build_spells`).
    design : StudyDesign
        The design the data were built for.
    extract_date : pandas.Timestamp
        The extract date of the history.
    censor_at_horizon : bool
        Whether follow-up was censored at the longest horizon.
    """

    spells: pd.DataFrame
    flow: pd.DataFrame
    design: StudyDesign
    extract_date: pd.Timestamp
    censor_at_horizon: bool = False
    _context: _Context | None = field(default=None, repr=False, compare=False)

    def __repr__(self) -> str:
        return (
            f"SpellData(spells={len(self.spells):,}, "
            f"children={self.spells['child_id'].nunique():,}, "
            f"escalations={int((self.spells['event'] == 1).sum()):,})"
        )

    @property
    def covariates(self) -> tuple[str, ...]:
        """Names of the baseline covariate columns of :attr:`spells`."""
        leading = {*SPELL_COLUMNS, "la"}
        return tuple(c for c in self.spells.columns if c not in leading)

    @property
    def authorities(self) -> tuple[str, ...]:
        """The local authorities of the spells (``la`` column), sorted; ``()`` without one."""
        if "la" not in self.spells.columns:
            return ()
        return tuple(sorted(self.spells["la"].dropna().astype(str).unique()))

    @property
    def cluster(self) -> str:
        """The column the design clusters standard errors and the bootstrap by.

        ``la`` when the spells hold several local authorities and the design's
        ``[analysis] authority`` is ``"cluster"``; otherwise ``family_id`` (siblings'
        spells are not independent), a spell without one clustered by its child
        (:func:`escalation.clusters.cluster_labels`: a child without a recorded family is
        a family of one, all its spells together). Models given this SpellData with
        ``cluster="auto"`` (the default) use it.
        """
        if len(self.authorities) > 1 and self.design.analysis.authority == "cluster":
            return "la"
        return "family_id"

    @property
    def model_covariates(self) -> tuple[str, ...]:
        """Columns of the design's ``[covariates] include``, in its order.

        ``factors`` expands to the ``factor_<code>`` flags; every other name is a column.
        """
        out: list[str] = []
        for name in self.design.covariates.include:
            if name == "factors":
                out += [c for c in self.spells.columns if c.startswith("factor_")]
            else:
                out.append(name)
        return tuple(out)

    @property
    def counting(self) -> pd.DataFrame:
        """The counting-process (start, stop] form; see :func:`counting_process`.

        Computed once and kept; recomputed if :attr:`spells` was changed in place since
        (rows reordered or filtered, a covariate edited, a column added or renamed: any
        of its columns, their types or values), since the counting rows copy every column.
        """
        from escalation.timeline.counting import counting_process

        key = _table_key(self.spells)
        kept = self.__dict__.get("_counting")
        if key is not None and kept is not None and _same_key(kept[0], key):
            frame: pd.DataFrame = kept[1]
            return frame
        frame = counting_process(self)
        self.__dict__["_counting"] = (key, frame)  # a cache: the dataclass stays frozen
        return frame

    def landmark(self, at: int) -> pd.DataFrame:
        """Spells still at risk at day ``at``, covariates updated; see :func:`landmark`."""
        from escalation.timeline.landmark import landmark

        return landmark(self, at=at)

    def glance(self) -> pd.DataFrame:
        """Return one row: spells, children, events by code, excluded candidates, versions."""
        events = self.spells["event"].value_counts()
        row: dict[str, Any] = {
            "n": len(self.spells),
            "children": int(self.spells["child_id"].nunique()),
            "events": int(events.get(1, 0)),
            "competing": int(events[events.index >= 2].sum()),
            "censored": int(events.get(0, 0)),
            "treated": int(self.spells["treatment"].sum()),
            "dropped": self._excluded_candidates(),
            "method": "build_spells",
            **package_versions(),
        }
        return pd.DataFrame([row])

    def _excluded_candidates(self) -> int:
        """Return the candidate episodes the design's rules excluded (candidates - spells).

        Episodes of other kinds (``not_time_zero_kind``) are not counted: they are the
        history the spells read (covariates, outcomes, treatment), not rows left out.
        """
        flow = self.flow
        candidates = flow.index[flow["rule"] == "candidates"]
        after = flow.index > candidates[0] if len(candidates) else flow.index >= 0
        return int(flow.loc[after & (flow["stage"] == "excluded"), "episodes"].sum())

    def summary(self) -> Summary:
        """Return a summary with the exclusion flow as its table (never prints)."""
        facts = {str(k): v for k, v in self.glance().iloc[0, :7].items()}
        return Summary("Time-to-escalation spells", facts, self.flow.copy())


def _table_key(spells: pd.DataFrame) -> tuple[tuple[str, ...], np.ndarray] | None:
    """Return what decides the counting-process rows (to tell a stale cache), or None.

    The columns' names and types, and one hash of every row's values and index label
    (``pandas.util.hash_pandas_object``: about 40 ms for the demo's 9,282 spells, the
    counting rows 90 ms). None when a value cannot be hashed: nothing is then kept.
    """
    try:
        hashed = pd.util.hash_pandas_object(spells, index=True).to_numpy()
    except TypeError:
        return None
    names = tuple(f"{column}:{dtype}" for column, dtype in spells.dtypes.items())
    return names, hashed


def _same_key(
    a: tuple[tuple[str, ...], np.ndarray] | None, b: tuple[tuple[str, ...], np.ndarray]
) -> bool:
    return (
        a is not None
        and a[0] == b[0]
        and a[1].shape == b[1].shape
        and bool(np.array_equal(a[1], b[1]))
    )


class _Flow:
    """Collects the rows of the exclusion flow."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, stage: str, rule: str, description: str, children: int, episodes: int) -> None:
        self.rows.append(
            {
                "step": len(self.rows) + 1,
                "stage": stage,
                "rule": rule,
                "description": description,
                "children": int(children),
                "episodes": int(episodes),
            }
        )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            self.rows, columns=["step", "stage", "rule", "description", "children", "episodes"]
        )


def _n_children(child: IntArray) -> int:
    if len(child) == 0:
        return 0
    return int(np.count_nonzero(np.bincount(child)))


def build_spells(
    history: CaseHistory, design: StudyDesign, *, censor_at_horizon: bool = False
) -> SpellData:
    """Build one row per eligible spell, with follow-up, treatment and baseline covariates.

    Parameters
    ----------
    history : CaseHistory
        A case history in normal form (as read or validated).
    design : StudyDesign
        The study design: time zero, eligibility, outcome, treatment, covariates.
    censor_at_horizon : bool, default False
        Censor follow-up administratively at the longest horizon (``end_reason``
        ``"horizon"``). An event exactly at the horizon stays an event.

    Returns
    -------
    SpellData
        ``spells`` (one row per spell), ``flow`` (the exclusion flow), and lazily the
        counting-process form (``.counting``) and landmark data (``.landmark(at)``).

    Warns
    -----
    StatisticalWarning
        When ``death`` is in none of ``[outcome] events``, ``competing`` and ``censor``
        (``competing = []``, say) and spells follow children past a recorded death: they
        stayed at risk of escalation. The warning gives the number of spells, on the
        design key ``[outcome] competing``.

    Raises
    ------
    DesignError
        When a requested extra covariate is not a column of the children table.
    DataValidationError
        When an episode cannot be placed (a child missing from the children table, no
        start date, an unknown kind): the history was not validated, and
        :func:`~escalation.data.validate_case_history` names each breach's table, row,
        column and value. Nothing is dropped silently.

    Notes
    -----
    Eligibility rules, applied in this order to every episode of ``time_zero.kind`` (each step of
    ``flow`` says how many children and episodes it excluded): the episode is still open at the
    extract date (``at = "end"`` only); it ended with another closure reason; time zero is before
    ``from`` or after ``to``; the child is outside ``min_age``–``max_age`` completed years (or
    already 18 when ``age_18`` ends follow-up); time zero is on the extract date (no follow-up); a
    competing event came before the day of time zero (a death on an earlier day; a move out of the
    area, when listed as competing, on an earlier day unless the child came back by then, as below;
    an episode of an interval competing kind under way at time zero); a censoring event came before
    it and still holds (a move out of the area on an earlier day, unless an episode of another kind,
    the time-zero episode included, starts after it and by the time-zero day: a child who moved out
    during a referral and was never back is excluded, one referred again after moving out is a new
    candidate; an interval censoring kind under way at time zero); an event on the day of time zero
    itself ends follow-up at 0.5 days instead; the child is already in an escalation state at time
    zero (an episode of an interval ``events`` kind started before and not ended; a point
    event such as ``s47`` before time zero is history, not a state); point-form treatment
    already under way at time zero (prevalent treatment); then ``spells`` keeps the first, last or
    all remaining spells of each child. The conventions for same-day events, day-0 events, treatment
    and covariates are those of :mod:`escalation.timeline.spells`.

    The flow is a tidy table, one row per step in order, with columns ``step`` (1, 2,
    ...), ``stage`` (``"entered"``, ``"excluded"`` or ``"remaining"``), ``rule`` (a stable
    identifier: ``history``, ``not_time_zero_kind``, ``candidates``, ``open``,
    ``reason``, ``before_window``, ``after_window``, ``age``, ``no_follow_up``,
    ``competing_before``, ``censored_before``, ``already_escalated``,
    ``prevalent_treatment``, ``spell_rule``, ``spells``), ``description`` (for people),
    ``children`` and ``episodes``. On an ``excluded`` row, ``episodes`` counts the
    episodes (candidate spells) removed by that rule and ``children`` the children who
    lost their last candidate there; on a ``remaining`` row they count what is left.
    Candidates minus every exclusion after them equals the spells: nothing is dropped
    silently. Rows whose rule does not apply to the design (``open`` with ``at =
    "start"``, ``reason``, the window, ``competing_before`` and ``censored_before``
    without a competing or censoring episode kind, prevalent treatment in the reasons
    form, ``spell_rule`` with ``spells = "all"``) are left out. (Earlier versions had an
    ``unusable_episode`` row counting episodes they could not place; such a history is
    now refused, see Raises.)
    The ``children`` of ``spell_rule`` is 0 by construction (each child keeps a spell;
    :data:`~escalation.timeline.flow.BY_CONSTRUCTION`).

    Examples
    --------
    >>> import pandas as pd
    >>> from escalation import CaseHistory
    >>> from escalation.design import default_design
    >>> from escalation.timeline import build_spells
    >>> children = pd.DataFrame({"child_id": ["a"], "birth_date": ["2015-06-01"],
    ...                          "imd_decile": [3]})
    >>> episodes = pd.DataFrame({
    ...     "child_id": ["a", "a"], "kind": ["referral", "cp_plan"],
    ...     "start": ["2020-01-01", "2020-03-01"], "end": ["2020-02-01", ""],
    ...     "reason": ["RC8", ""]})
    >>> from escalation import validate_case_history
    >>> history = validate_case_history(
    ...     CaseHistory(children, episodes, extract_date="2024-03-31"))
    >>> data = build_spells(history, default_design())
    >>> data.spells[["duration", "event", "end_reason"]].to_dict("records")
    [{'duration': 29.0, 'event': 1, 'end_reason': 'cp_plan'}]
    """
    tz = design.time_zero
    outcome = design.outcome
    extra = design.covariates.extra
    missing = [c for c in extra if c not in history.children.columns]
    if missing:
        raise DesignError(
            f"design [covariates] include: {missing[0]!r} is neither a built-in covariate "
            "nor a column of the children table; add the column or remove the name"
        )
    history, prep = _usable(history)
    flow = _Flow()
    n_children = len(prep.children)
    flow.add(
        "entered",
        "history",
        "children and episodes in the case history",
        n_children,
        len(history.episodes),
    )

    # ---------------------------------------------------------------- candidates
    cand = prep.kind_index(tz.kind).positions
    others = len(prep.child) - len(cand)
    flow.add(
        "excluded",
        "not_time_zero_kind",
        f"children with no {tz.kind} episode; episodes of other kinds (history only)",
        n_children - _n_children(prep.child[cand]),
        others,
    )
    flow.add(
        "remaining",
        "candidates",
        f"candidate time-zero episodes ({tz.kind}, at its {tz.at})",
        _n_children(prep.child[cand]),
        len(cand),
    )
    c_child = prep.child[cand]
    c_t0 = prep.start[cand] if tz.at == "start" else prep.end[cand]
    # An open episode has no time zero; it is excluded by the first rule, so any real day
    # serves as a placeholder for the (ignored) later rules.
    c_t0 = np.where(c_t0 == NEVER, prep.extract_day, c_t0)
    reasons = (
        prep.column("reason", cand).astype("string").to_numpy(na_value="")
        if "reason" in prep.table.columns
        else np.full(len(cand), "", dtype=object)
    )
    birth = prep.birth[c_child]
    years = _completed_years(birth, c_t0)
    age_limit_18 = "age_18" in (*outcome.competing, *outcome.censor)

    rules: list[tuple[str, str, np.ndarray]] = []
    if tz.at == "end":
        rules.append(("open", f"{tz.kind} still open at the extract date", prep.open[cand]))
    if tz.reasons is not None:
        rules.append(
            (
                "reason",
                f"{tz.kind} ended with another closure reason, or none recorded "
                f"(not {', '.join(tz.reasons)})",
                ~np.isin(reasons, list(tz.reasons)),
            )
        )
    if tz.from_ is not None:
        low = _day(tz.from_)
        rules.append(("before_window", f"time zero before {tz.from_.isoformat()}", c_t0 < low))
    if tz.to is not None:
        high = _day(tz.to)
        rules.append(("after_window", f"time zero after {tz.to.isoformat()}", c_t0 > high))
    too_young = years < (tz.min_age if tz.min_age is not None else -1)
    too_old = years > (tz.max_age if tz.max_age is not None else 10**6)
    if age_limit_18:
        too_old |= years >= 18
    rules.append(("age", _age_text(tz.min_age, tz.max_age, age_limit_18), too_young | too_old))
    rules.append(
        ("no_follow_up", "time zero on the extract date (no follow-up)", c_t0 >= prep.extract_day),
    )
    rules += _ended_rules(prep, design, c_child, c_t0)
    escalated = np.zeros(len(cand), dtype=bool)
    for kind in outcome.events:
        escalated |= prep.covering(kind, c_child, c_t0)  # a point event covers no day
    states = [kind for kind in outcome.events if kind not in POINT_KINDS] or outcome.events
    rules.append(
        (
            "already_escalated",
            f"already in {' or '.join(states)} at time zero",
            escalated,
        )
    )
    if design.treatment.kind is not None:
        kind = design.treatment.kind
        rules.append(
            (
                "prevalent_treatment",
                f"{kind} already under way at time zero (prevalent treatment)",
                prep.covering(kind, c_child, c_t0),
            )
        )

    keep = np.ones(len(cand), dtype=bool)
    for rule, description, excluded in rules:
        hit = keep & excluded
        before = _n_children(c_child[keep])
        keep &= ~excluded
        flow.add("excluded", rule, description, before - _n_children(c_child[keep]), int(hit.sum()))

    # ---------------------------------------------------------------- spell rule
    eligible = np.flatnonzero(keep)
    order = np.lexsort((eligible, c_t0[eligible], c_child[eligible]))
    eligible = eligible[order]
    if tz.spells == "all" or len(eligible) == 0:
        chosen = eligible
    else:
        children = c_child[eligible]
        if tz.spells == "first":
            mark = np.r_[True, children[1:] != children[:-1]]
        else:
            mark = np.r_[children[1:] != children[:-1], True]
        chosen = eligible[mark]
    if tz.spells != "all":  # keeping every spell leaves nothing out: no row, as other rules
        # It leaves spells out, never a child (each keeps one): see flow.BY_CONSTRUCTION.
        flow.add(
            "excluded",
            "spell_rule",
            f"eligible spells that are not the {tz.spells} of the child",
            0,
            len(eligible) - len(chosen),
        )
    child = c_child[chosen]
    t0 = c_t0[chosen]
    tz_pos = cand[chosen]
    flow.add("remaining", "spells", "spells analysed", _n_children(child), len(chosen))

    # ---------------------------------------------------------------- follow-up
    end, end_reason, event = _follow_up(prep, design, child, t0, tz_pos, censor_at_horizon)
    _warn_death_ignored(prep, design, child, end)
    duration = day_time(end - t0)
    treatment, treatment_start = _treatment(prep, design, child, t0, end, tz_pos)

    # ---------------------------------------------------------------- output
    kids = prep.children
    family = (
        kids["family_id"].astype("string").to_numpy()[child]
        if "family_id" in kids.columns
        else np.full(len(child), pd.NA, dtype=object)
    )
    spells = pd.DataFrame(
        {
            "spell_id": np.arange(1, len(child) + 1, dtype=np.int64),
            "child_id": pd.array(
                kids["child_id"].astype("string").to_numpy()[child], dtype="string"
            ),
            "family_id": pd.array(family, dtype="string"),
            "time_zero": t0.astype("datetime64[D]").astype("datetime64[ns]"),
            "duration": duration,
            "event": event,
            "end_reason": pd.array(end_reason, dtype="string"),
            "treatment": treatment,
            "treatment_start": treatment_start,
        }
    )
    covariates = baseline_covariates(prep, design, child, t0, tz_pos, t0, inclusive=False)
    if "la" in kids.columns:
        # Several local authorities: each spell keeps its child's authority.
        la = kids["la"].astype("string").to_numpy()[child]
        spells.insert(3, "la", pd.Series(la, dtype="string", index=spells.index))
    spells = pd.concat([spells, covariates], axis=1)
    return SpellData(
        spells=spells,
        flow=flow.frame(),
        design=design,
        extract_date=history.extract_date,
        censor_at_horizon=censor_at_horizon,
        _context=_Context(
            prep=prep,
            spell_id=spells["spell_id"].to_numpy(dtype=np.int64),
            child=child,
            t0=t0,
            end=end,
            tz_pos=tz_pos,
        ),
    )


#: The episode kind of a child's death (a point event).
_DEATH: Final = "death"


def _warn_death_ignored(
    prep: Prepared, design: StudyDesign, child: IntArray, end: IntArray
) -> None:
    """Warn when spells follow children past their death: death ends no follow-up.

    With ``death`` in none of ``[outcome] events``, ``competing`` and ``censor`` (say
    ``competing = []``), a kind that is listed nowhere does not end follow-up, so a child
    who died stays at risk of escalation, which a dead child cannot have, until the
    extract date. The warning counts the spells (no identifier); the design contract's
    default, ``competing = ["death"]``, is what it advises.
    """
    outcome = design.outcome
    if _DEATH in (*outcome.events, *outcome.competing, *outcome.censor):
        return
    died, _ = prep.first_from(_DEATH, child, np.full(len(child), -NEVER, dtype=np.int64))
    followed = int(np.count_nonzero(died < end))
    if not followed:
        return
    warnings.warn(
        StatisticalWarning(
            f"{followed} spell(s) followed a child past their recorded death: [outcome] "
            f"competing and censor do not list {_DEATH!r}, so a child who died stayed at "
            "risk of escalation (which a child who died cannot have) until the extract date",
            design_key="[outcome] competing",
            advice=f'add "{_DEATH}" to [outcome] competing (the design contract\'s default)',
        ),
        stacklevel=3,
    )


def _ended_rules(
    prep: Prepared, design: StudyDesign, child: IntArray, t0: IntArray
) -> list[tuple[str, str, np.ndarray]]:
    """Return the rules "follow-up ended before time zero": competing, then censoring.

    Each applies when the design has such an episode kind (``age_18`` is the age rule's).
    """
    outcome = design.outcome
    rules: list[tuple[str, str, np.ndarray]] = []
    competing = episode_kinds(outcome.competing)
    censor = episode_kinds(outcome.censor)
    if competing:
        rules.append(
            (
                "competing_before",
                f"{' or '.join(competing)} before time zero"
                + (", not back by then" if comes_back(competing) else ""),
                competed_before(prep, competing, child, t0, ending=censor),
            )
        )
    if censor:
        rules.append(
            (
                "censored_before",
                f"{' or '.join(censor)} before time zero, not back by then",
                away_at(prep, censor, child, t0, ending=competing),
            )
        )
    return rules


def _usable(history: CaseHistory) -> tuple[CaseHistory, Prepared]:
    """Return the history and its sorted form, every episode usable.

    An episode the timeline cannot place (of a child missing from the children table,
    without a start date, of an unknown kind) breaks the data contract, which never
    drops a row silently: the history was not validated, so it is validated here, and
    :func:`~escalation.data.validate_case_history` raises naming each such row's table,
    row, column and value. A history it accepts (in normal form) is built as validated.
    A validated history, whose every episode is usable, is not validated again.

    Raises
    ------
    DataValidationError
        When an episode is unusable: the validator's error.
    """
    prep = prepare(history)
    if prep.unknown_child + prep.no_start + prep.unknown_kind == 0:
        return history, prep
    valid = validate_case_history(history, context="case history given to build_spells")
    prep = prepare(valid)
    unusable = prep.unknown_child + prep.no_start + prep.unknown_kind
    if unusable:  # never, while the validator refuses what the timeline cannot place
        reason = f"{unusable} episode(s) the timeline cannot place passed validation"
        raise DataValidationError([Problem("episodes", None, None, None, reason)], "case history")
    return valid, prep


def _day(value: Any) -> int:
    return int(np.datetime64(value, "D").astype(np.int64))


def _age_text(low: float | None, high: float | None, limit_18: bool) -> str:
    parts = []
    if low is not None or high is not None:
        # Without min_age an unborn child (-1 completed years) is kept, never "outside 0".
        lo = "unborn" if low is None or low < 0 else f"{low:g}"
        hi = f"{high:g}" if high is not None else "any"
        parts.append(f"age at time zero outside {lo}–{hi} completed years")
    if limit_18:
        parts.append("already 18 at time zero")
    return "; ".join(parts) if parts else "age rule (none set)"


def _completed_years(birth: IntArray, day: IntArray) -> IntArray:
    """Completed years of age on ``day`` (a 29 February birthday falls on 1 March).

    A missing birth date (``NEVER``) gives ``_NO_AGE``, outside every age rule.
    """
    by, bm, bd = ymd(birth)
    y, m, d = ymd(day)
    before_birthday = (m < bm) | ((m == bm) & (d < bd))
    years: IntArray = np.where(birth == NEVER, _NO_AGE, y - by - before_birthday.astype(np.int64))
    return years


def _follow_up(
    prep: Prepared,
    design: StudyDesign,
    child: IntArray,
    t0: IntArray,
    tz_pos: IntArray,
    censor_at_horizon: bool,
) -> tuple[IntArray, np.ndarray, IntArray]:
    """End day, end reason and event code of each spell, by the same-day priority rule."""
    outcome = design.outcome
    n = len(child)
    labels: list[str] = []
    codes: list[int] = []
    columns: list[IntArray] = []
    birthday18: IntArray | None = None
    groups = (
        (outcome.events, lambda _: 1),
        (outcome.competing, lambda i: 2 + i),
        (outcome.censor, lambda _: 0),
    )
    for kinds, code in groups:
        for i, kind in enumerate(kinds):
            if kind == "age_18":
                if birthday18 is None:
                    birthday18 = eighteenth_birthday(prep.birth[child])
                day = np.where(birthday18 >= t0, birthday18, NEVER)
            else:
                exclude = tz_pos if kind == design.time_zero.kind else None
                day, _ = prep.first_from(kind, child, t0, exclude)
            labels.append(kind)
            codes.append(code(i))
            columns.append(day)
    labels.append("extract_date")
    codes.append(0)
    columns.append(np.full(n, prep.extract_day, dtype=np.int64))
    if censor_at_horizon:
        labels.append("horizon")
        codes.append(0)
        columns.append(t0 + max(outcome.horizons))
    days = np.column_stack(columns) if n else np.empty((0, len(columns)), dtype=np.int64)
    width = len(columns)
    which = np.argmin(days * width + np.arange(width), axis=1) if n else np.empty(0, np.int64)
    end = days[np.arange(n), which] if n else np.empty(0, np.int64)
    reason = np.asarray(labels, dtype=object)[which]
    event = np.asarray(codes, dtype=np.int64)[which]
    return end.astype(np.int64), reason, event


def _treatment(
    prep: Prepared,
    design: StudyDesign,
    child: IntArray,
    t0: IntArray,
    end: IntArray,
    tz_pos: IntArray,
) -> tuple[IntArray, np.ndarray]:
    """Treatment indicator and start time (analysis time; NaN when none)."""
    spec = design.treatment
    if spec.kind is not None:
        exclude = tz_pos if spec.kind == design.time_zero.kind else None
        start, _ = prep.first_from(spec.kind, child, t0, exclude)
        seen = start < end
        days = np.where(seen, start - t0, 0)
        when = np.where(seen, day_time(days), np.nan)
        grace = spec.grace_days if spec.grace_days is not None else 0
        treated = (seen & (days <= grace)).astype(np.int64)
        return treated, when
    reasons = spec.reasons if spec.reasons is not None else ()
    ended = prep.column("reason", tz_pos).astype("string").to_numpy(na_value="")
    treated = np.isin(ended, list(reasons)).astype(np.int64)
    return treated, np.where(treated == 1, 0.0, np.nan)


def baseline_covariates(
    prep: Prepared,
    design: StudyDesign,
    child: IntArray,
    asof: IntArray,
    tz_pos: IntArray,
    t0: IntArray,
    *,
    inclusive: bool,
) -> pd.DataFrame:
    """Covariates known on day ``asof`` (time zero ``t0``, or a landmark after it).

    With ``inclusive=False`` (time zero) only episodes starting strictly before ``asof``
    count; with ``inclusive=True`` (a landmark, decided at the end of its day) episodes
    starting on ``asof`` count too. The prior counts leave out the decision point's own
    episodes (see :func:`_prior_counts`).
    """
    kids = prep.children
    n = len(child)
    out: dict[str, Any] = {}
    out["age"] = (asof - prep.birth[child]) / _YEAR
    # Completed years by the calendar (-1 when unborn): what age bands are made from.
    out["age_years"] = _completed_years(prep.birth[child], asof)
    # Unborn on the day (age is then negative): records begin up to 40 weeks before birth.
    out["unborn"] = (asof < prep.birth[child]).astype(np.int64)
    for column in ("sex", "ethnicity", "disability"):
        if column in kids.columns:
            out[column] = kids[column].take(child).reset_index(drop=True)
        else:
            out[column] = pd.Series(pd.NA, index=range(n), dtype="object")
    for column in design.covariates.extra:
        out[column] = kids[column].take(child).reset_index(drop=True)
    tz_kind = design.time_zero.kind
    out.update(_prior_counts(prep, design, child, asof, t0, tz_pos, inclusive=inclusive))
    # The index referral (the time-zero referral, or the one a time-zero assessment
    # belongs to) is known at time zero even when it started that day.
    index = _index_referral(prep, child, tz_pos, tz_kind)
    first = prep.first_of_child("referral", child)
    known = (first <= asof) if inclusive else (first < asof)
    known |= (index >= 0) & (first == prep.start[np.maximum(index, 0)])
    out["days_since_first_referral"] = np.where(known, (asof - first).astype(np.float64), np.nan)
    latest = prep.last_before("referral", child, asof, inclusive=inclusive)
    ref = np.where(index >= 0, index, latest)
    for column in ("source", "need"):
        out[column] = prep.column(column, ref)
    factors = _factor_flags(prep, child, asof, inclusive=inclusive)
    if factors.keys() & out.keys():  # an extra children column named like a flag: keep both
        return pd.concat([pd.DataFrame(out), pd.DataFrame(factors, index=range(n))], axis=1)
    return pd.DataFrame({**out, **factors}, index=range(n))


def _prior_counts(
    prep: Prepared,
    design: StudyDesign,
    child: IntArray,
    asof: IntArray,
    t0: IntArray,
    tz_pos: IntArray,
    *,
    inclusive: bool,
) -> dict[str, IntArray]:
    """Count the ``prior_*`` episodes: those started before time zero, and at a landmark after.

    An episode counts when it started before the time-zero day, or, at a landmark, from
    the time-zero day up to ``asof`` (``asof`` itself included when ``inclusive``),
    except the decision point's own episodes: the time-zero episode itself and, when
    time zero is a referral or an assessment, the index referral (the time-zero referral,
    or the referral under way when the time-zero assessment started; :func:`_index_referral`)
    with the assessments started within it before time zero (with ``at = "end"``, the
    referral's own assessment). Every other episode that started before time zero counts,
    a child protection plan or a period looked after within an open referral included.
    """
    tz_kind = design.time_zero.kind
    tz_start = prep.start[tz_pos]
    ref = _index_referral(prep, child, tz_pos, tz_kind)
    has_ref = ref >= 0
    ref_start = prep.start[np.maximum(ref, 0)]
    out: dict[str, IntArray] = {}
    for name, kind in _PRIOR.items():
        before = prep.count_before(kind, child, t0)
        own = np.zeros(len(child), dtype=np.int64)
        if kind == tz_kind:
            own += (tz_start < t0).astype(np.int64)
        if kind == "referral" and tz_kind != "referral":
            own += (has_ref & (ref_start < t0)).astype(np.int64)
        if kind == "assessment":  # the index referral's own assessments, the time-zero one too
            inside = before - prep.count_before(kind, child, ref_start)
            own = np.where(has_ref, inside, own)
        since = prep.count_before(kind, child, asof, inclusive=inclusive)
        since = since - prep.count_before(kind, child, t0)
        if kind == tz_kind:
            later = (tz_start <= asof) if inclusive else (tz_start < asof)
            since = since - ((tz_start >= t0) & later).astype(np.int64)
        out[name] = before - own + since
    return out


def _index_referral(prep: Prepared, child: IntArray, tz_pos: IntArray, tz_kind: str) -> IntArray:
    """Return the position of the index referral of each spell (-1 when there is none).

    The time-zero episode when time zero is a referral; when it is an assessment, the
    referral under way as the assessment started (started on or before its start day and
    not ended by then), to which the assessment belongs. Other kinds of time zero (a
    plan, early help) have no index referral: the referral they follow is history.
    """
    if tz_kind == "referral":
        return tz_pos
    if tz_kind != "assessment":
        return np.full(len(tz_pos), -1, dtype=np.int64)
    start = prep.start[tz_pos]
    ref = prep.last_before("referral", child, start, inclusive=True)
    safe = np.maximum(ref, 0)
    under_way = (ref >= 0) & (prep.end[safe] > start)
    found: IntArray = np.where(under_way, ref, -1)
    return found


def _latest_assessment(
    prep: Prepared, child: IntArray, asof: IntArray, *, inclusive: bool
) -> IntArray:
    """Position of the latest assessment completed by ``asof`` (started before it), or -1."""
    index = prep.kind_index("assessment")
    closed = index.end != NEVER
    pos = index.positions[closed]
    if len(pos) == 0:
        return np.full(len(child), -1, dtype=np.int64)
    a_child, a_end, a_start = index.child[closed], index.end[closed], index.start[closed]
    order = stable_order(pack_keys([a_child, a_end, a_start, pos]))
    pos, a_child, a_end, a_start = pos[order], a_child[order], a_end[order], a_start[order]
    keys = prep.key(a_child, a_end)
    at = np.searchsorted(keys, prep.key(child, asof), side="right") - 1
    n = len(pos)
    result = np.full(len(child), -1, dtype=np.int64)
    todo = np.ones(len(child), dtype=bool)
    # Step back past assessments that started on the as-of day (not yet known at time zero).
    while todo.any():
        safe = np.clip(at, 0, n - 1)
        valid = (at >= 0) & (a_child[safe] == child)
        started = (a_start[safe] <= asof) if inclusive else (a_start[safe] < asof)
        done = todo & (~valid | started)
        result[done & valid] = pos[safe][done & valid]
        todo &= ~done
        at = np.where(todo, at - 1, at)
    return result


def _factor_flags(
    prep: Prepared, child: IntArray, asof: IntArray, *, inclusive: bool
) -> dict[str, Any]:
    """``factor_<code>`` flags and ``n_factors`` of the assessment known at ``asof``.

    A code is flagged when it is one of the ``;``-separated codes of the assessment's
    ``factors`` (spaces ignored): the known codes in their order, then any others sorted.
    Each distinct ``factors`` text is split once.
    """
    n = len(child)
    latest = _latest_assessment(prep, child, asof, inclusive=inclusive)
    if "factors" in prep.table.columns:
        text = prep.column("factors", latest).astype("string")
    else:
        text = pd.Series(pd.NA, index=range(n), dtype="string")
    codes, uniques = pd.factorize(text.reset_index(drop=True), use_na_sentinel=True)
    split = [set(str(u).replace(" ", "").split(";")) - {""} for u in uniques]
    found = set().union(*split)
    known = [c for c in ASSESSMENT_FACTORS if c in found]
    order = known + sorted(found.difference(ASSESSMENT_FACTORS))
    table = np.zeros((len(uniques) + 1, len(order)), dtype=np.int8)  # last row: "none"
    column = {c: j for j, c in enumerate(order)}
    for i, present in enumerate(split):
        table[i, [column[c] for c in present]] = 1
    rows = np.where(codes >= 0, codes, len(uniques))
    flags = table[rows]
    out: dict[str, Any] = {f"factor_{c}": flags[:, j] for j, c in enumerate(order)}
    real = [j for j, c in enumerate(order) if c != "21"]
    out["n_factors"] = flags[:, real].sum(axis=1, dtype=np.int64) if real else 0
    return out
