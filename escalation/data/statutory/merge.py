"""Merge statutory returns (one or several years) into one validated case history.

Readers collect each return's rows with their origin (file, position, element, and an XML
element's line: a CSV or sheet row is named by its row alone);
:func:`merge_returns` checks dates against each return's reference date, matches
children across returns, keeps each recurring episode once (from the latest return
whose record can stand: an excluded record names the record used instead),
validates the result against the contract and reports every problem at its source.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
import pandas as pd

from escalation.data.codes import POINT_KINDS, PREBIRTH_DAYS
from escalation.data.history import CaseHistory, ExclusionReport
from escalation.data.statutory.problems import SourceProblem, raise_for_errors, record_label
from escalation.data.validate import episodes_that_cannot_stand, validate_case_history

__all__ = [
    "ReturnTables",
    "merge_returns",
    "nfa_disagrees",
    "repeated_in_return",
    "same_cell",
    "used_instead",
]

#: Origin columns carried by the rows until the history is validated (``_line``: an XML
#: element's line, which only the CIN census reader sets, with ``_end_line``: the line of its
#: end date's element where the row has one; ``_start_read``, ``_end_read``:
#: a date's text as read where it differs from the ISO date, which only the SSDA903 reader
#: sets; ``_end_file``, ``_end_pos``, ``_end_unit``: the source row (and sheet) of the end
#: date where it is not the row's own, as in an SSDA903 period of care joined from several
#: rows or an Annex A referral whose List 6 row closes it; ``_nfa``, ``_nfa_said``: where a
#: referral's record says no further action, and the value it writes; ``_recorded_by``:
#: the last day a record of the return can have been recorded on (:func:`_recorded_by`);
#: ``_used``: what an excluded row's problem adds about the record used instead;
#: ``_excluded``: the element of the problem for which a reader excluded the row).
ORIGIN: Final = (
    "_file",
    "_rank",
    "_pos",
    "_line",
    "_end_line",
    "_el",
    "_ref",
    "_unit",
    "_born",
    "_used",
    "_start_read",
    "_end_read",
    "_end_file",
    "_end_pos",
    "_end_unit",
    "_nfa",
    "_nfa_said",
    "_recorded_by",
    "_excluded",
    "_born_by",
)
CHILD_FIELDS: Final = (
    "child_id",
    "birth_date",
    "sex",
    "ethnicity",
    "disability",
    "expected_birth_date",
)
EPISODE_FIELDS: Final = (
    "child_id",
    "kind",
    "start",
    "end",
    "source",
    "need",
    "factors",
    "category",
    "reason",
)
#: Source element of each contract column, by kind, for problems found by the validator.
CIN_ELEMENTS: Final[dict[str, tuple[str, str]]] = {
    "referral": ("CINreferralDate", "CINclosureDate"),
    "assessment": ("AssessmentActualStartDate", "AssessmentAuthorisationDate"),
    "cin_plan": ("CINPlanStartDate", "CINPlanEndDate"),
    "cp_plan": ("CPPstartDate", "CPPendDate"),
    "s47": ("S47ActualStartDate", "S47ActualStartDate"),
    "icpc": ("", ""),
    "death": ("", ""),
}
#: Source element of each other contract column, by kind (under the row's element).
_CIN_CODES: Final = {
    ("referral", "source"): "ReferralSource",
    ("referral", "need"): "PrimaryNeedCode",
    ("referral", "reason"): "ReasonForClosure",
    ("assessment", "factors"): "FactorsIdentifiedAtAssessment",
}
_CIN_CHILD_ELEMENTS: Final = {
    "child_id": "ChildIdentifiers/LAchildID",
    "birth_date": "ChildIdentifiers/PersonBirthDate",
    "sex": "ChildIdentifiers/GenderCurrent",
    "ethnicity": "ChildCharacteristics/Ethnicity",
    "disability": "ChildCharacteristics/Disabilities",
}
_CHILD_EXCLUDED: Final = "the child was excluded (see the children table)"
#: Origin columns a return's episode rows are added with (:meth:`ReturnTables.add_episode`).
_ROW_ORIGIN: Final = ("_pos", "_line", "_end_line", "_el", "_excluded", "_nfa", "_nfa_said")

#: (table, column, the row's origin element, kind) -> source element named in a problem.
ElementOf = Callable[[str, str | None, str, str | None], str | None]


def cin_element(table: str, column: str | None, element: str, kind: str | None) -> str | None:
    """Return the CIN census element behind a contract column of a row.

    Examples
    --------
    >>> cin_element("episodes", "end", "CINdetails[2]/Assessments[1]", "assessment")
    'CINdetails[2]/Assessments[1]/AssessmentAuthorisationDate'
    >>> cin_element("children", "sex", "ChildIdentifiers", None)
    'ChildIdentifiers/GenderCurrent'
    >>> cin_element("episodes", "source", "CINdetails[2]", "referral")
    'CINdetails[2]/ReferralSource'
    """
    if table == "children":
        return _CIN_CHILD_ELEMENTS.get(column or "", element)
    if column in ("start", "end") and kind in CIN_ELEMENTS:
        tag = CIN_ELEMENTS[kind][0 if column == "start" else 1]
        return f"{element}/{tag}" if tag else element
    code = _CIN_CODES.get((kind or "", column or ""))
    return f"{element}/{code}" if code else element


@dataclass
class ReturnTables:
    """The rows read from one return, with the origin of each row.

    Parameters
    ----------
    file : str
        The file's name.
    rank : int
        Priority when the same child or episode appears in several returns: rows of a
        higher rank (a later return) win.
    reference_date : str, optional
        The return's reference date (ISO); dates after it are reported.
    """

    file: str
    rank: int
    reference_date: str | None = None
    unit: str = "Child"
    children: dict[str, list[Any]] = field(
        default_factory=lambda: {c: [] for c in (*CHILD_FIELDS, "_pos", "_line", "_born")}
    )
    episodes: dict[str, list[Any]] = field(
        default_factory=lambda: {c: [] for c in (*EPISODE_FIELDS, *_ROW_ORIGIN)}
    )
    #: Extra episode columns (beyond the contract's), aligned with ``episodes``' rows.
    extras: dict[str, list[Any]] = field(default_factory=dict)

    def add_child(
        self,
        child_id: str,
        birth_date: str,
        sex: str | None,
        ethnicity: str | None,
        disability: bool | None,
        pos: int,
        line: int,
        *,
        expected_birth_date: str | None = None,
        born: bool = True,
    ) -> None:
        """Add one child's row.

        ``born`` is False when ``birth_date`` is only the expected birth date of a child
        unborn at the return's reference date: it may then lie after that date, and a
        later return's actual birth date replaces it without a conflict being reported.
        """
        c = self.children
        c["child_id"].append(child_id)
        c["birth_date"].append(birth_date)
        c["sex"].append(sex)
        c["ethnicity"].append(ethnicity)
        c["disability"].append(disability)
        c["expected_birth_date"].append(expected_birth_date)
        c["_pos"].append(pos)
        c["_line"].append(line)
        c["_born"].append(born)

    def add_episode(
        self,
        child_id: str,
        kind: str,
        start: str,
        end: str | None,
        pos: int,
        line: int,
        element: str,
        *,
        source: str | None = None,
        need: str | None = None,
        factors: str | None = None,
        category: str | None = None,
        reason: str | None = None,
        extra: dict[str, Any] | None = None,
        excluded: str | None = None,
        nfa: tuple[str, str] | None = None,
        end_line: int | None = None,
    ) -> None:
        """Add one episode's row (``extra``: values of columns beyond the contract's).

        ``line`` is the line of the row's start date (an XML element's), ``end_line`` that
        of its end date where it has one: a problem of the end date gives that line.

        ``excluded``: the element of the problem already reported for which the row is
        excluded (a closure that is not a date); the row is not kept, but another record of
        its episode used instead is named in that problem (:func:`merge_returns`).
        ``nfa``: for a referral whose record says no further action, where it says so
        (its record and element) and the value it writes (:func:`nfa_disagrees`).
        """
        e = self.episodes
        n = len(e["child_id"])
        for name in extra or {}:
            self.extras.setdefault(name, [None] * n)
        for name, values in self.extras.items():
            values.append((extra or {}).get(name))
        for name, value in (
            ("child_id", child_id),
            ("kind", kind),
            ("start", start),
            ("end", end),
            ("source", source),
            ("need", need),
            ("factors", factors),
            ("category", category),
            ("reason", reason),
            ("_pos", pos),
            ("_line", line),
            ("_end_line", end_line),
            ("_el", element),
            ("_excluded", excluded),
            ("_nfa", None if nfa is None else nfa[0]),
            ("_nfa_said", None if nfa is None else nfa[1]),
        ):
            e[name].append(value)

    def frames(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return (children, episodes) with origin columns."""
        origin: dict[str, Any] = {
            "_file": self.file,
            "_rank": self.rank,
            "_ref": self.reference_date,
        }
        children = pd.DataFrame(self.children).assign(
            _el="ChildIdentifiers", _unit=self.unit, **origin
        )
        episodes = pd.DataFrame({**self.episodes, **self.extras}).assign(_unit=self.unit, **origin)
        return children, episodes


def merge_returns(
    returns: Sequence[ReturnTables],
    problems: list[SourceProblem],
    *,
    extract_date: pd.Timestamp,
    extract_date_source: str,
    lenient: bool,
    context: str,
    format_name: str,
    element_of: ElementOf = cin_element,
    frames: Sequence[tuple[pd.DataFrame, pd.DataFrame]] | None = None,
    arrange: Callable[[list[SourceProblem]], list[SourceProblem]] | None = None,
    excluded_ids: Iterable[str] = (),
) -> CaseHistory:
    """Merge returns into one validated history, reporting problems at their source.

    Parameters
    ----------
    returns : sequence of ReturnTables
        The returns' rows with their origin.
    problems : list of SourceProblem
        Problems already found while reading; extended and reported together.
    extract_date, extract_date_source
        The history's extract date and where it came from.
    lenient : bool
        Keep what is valid (True) or raise on any error (False).
    context : str
        What is being read, for messages.
    format_name : str
        ``"CIN census"`` or ``"SSDA903"``, for messages.
    element_of : callable
        Maps a contract column of a row to its source element or column.
    frames : sequence of (children, episodes) frames, optional
        Ready-made frames with origin columns, used instead of ``returns``' rows.
    arrange : callable, optional
        Applied to the list of every problem before it is raised or reported (to order
        them or add what only the reader knows, such as a file it could not read).
    excluded_ids : iterable of str, optional
        Children the reader excluded, each with a problem reported (an unreadable birth
        date): their episodes go with them, unless another return holds the child.

    Returns
    -------
    CaseHistory
        Validated; ``exclusions`` lists every problem as a :class:`SourceProblem`.

    Notes
    -----
    In order: children born after their own return's reference date are excluded
    (:func:`_late_births`) and the others matched across returns, once
    (:func:`_match_children`); episode rows a reader excluded (``_excluded``), rows the
    contract excludes on their own, judged with each child's characteristics as merging
    keeps them (:func:`_cannot_stand`), and rows dated after the last day their
    return can have been recorded on (a census return's reference date, the day a workbook
    is read: :func:`_recorded_by`, :func:`_late_episodes`) are set aside, so that no such
    record displaces one of the same episode that can stand, and each one's problem names
    the record used instead (:func:`used_instead`); a second record of one child, kind and
    start within one return is a note when a copy, kept when a point event that differs,
    an error naming the differing columns when an interval that differs
    (:func:`_drop_repeats`); rows dated after their own return's reference date are
    excluded (:func:`_late_episodes`; a child whose birth date is takes its episodes);
    the conflicts between the returns' records of a child are named with both records
    (:func:`_match_children`); a referral one return says needed no further
    action and another holds open or closes on another day is an error naming both
    records (:func:`_nfa_across_returns`); each episode is kept from the latest return
    recording it, returns of one date (``_ref``) ranked as the reader ranked them, by file
    name
    (:func:`_deduplicate`); then the contract is checked.

    Examples
    --------
    Two returns holding the same referral, open in 2021 and closed in 2022:

    >>> import pandas as pd
    >>> old, new = ReturnTables("cin_2021.xml", 0, "2021-03-31"), ReturnTables("cin_2022.xml", 1)
    >>> for r in (old, new):
    ...     r.add_child("A", "2015-01-01", "F", None, None, pos=0, line=20)
    >>> old.add_episode("A", "referral", "2021-01-04", None, 0, 30, "CINdetails[1]")
    >>> new.add_episode("A", "referral", "2021-01-04", "2021-05-01", 0, 30, "CINdetails[1]",
    ...                 reason="RC8")
    >>> history = merge_returns([old, new], [], extract_date=pd.Timestamp("2022-03-31"),
    ...                         extract_date_source="given", lenient=False,
    ...                         context="example", format_name="CIN census")
    >>> history.episodes[["end", "reason"]].astype(str).values.tolist()
    [['2021-05-01', 'RC8']]
    """
    problems = list(problems)
    pairs = list(frames) if frames is not None else [r.frames() for r in returns]
    kids = pd.concat([c for c, _ in pairs], ignore_index=True)
    eps = pd.concat([e for _, e in pairs], ignore_index=True)
    # Extra columns of codes read from a return are text, whatever they look like.
    for column in eps.columns:
        extra = column not in (*EPISODE_FIELDS, *ORIGIN) and eps[column].dtype == object
        if extra and eps[column].map(lambda v: v is None or isinstance(v, str)).all():
            eps[column] = eps[column].astype("string")
    eps, unreadable = _excluded_by_reader(eps, problems)
    kids, late = _late_births(kids, problems, element_of)
    # Children are matched across returns once: the rows that cannot stand are judged with
    # each child's characteristics as merging keeps them, and the conflicts are reported
    # after the problems of the episodes' own returns.
    conflicts: list[SourceProblem] = []
    kids = _match_children(kids, conflicts, format_name, element_of)
    # A child excluded for its birth date and in no other return: its episodes go with it.
    gone = sorted({*late, *excluded_ids} - set(kids["child_id"].dropna()))
    at = CaseHistory(kids, eps, extract_date=extract_date)
    eps, cannot = _cannot_stand(at, gone)
    eps, set_aside = _late_episodes(eps, problems, element_of, _recorded_by(eps))
    eps = _drop_repeats(eps, problems, element_of)
    if "_recorded_by" in eps:  # then judged by the return's own date, after the repeats
        eps, late_aside = _late_episodes(eps, problems, element_of)
        set_aside = pd.concat([set_aside, late_aside])
    problems += conflicts
    eps = _nfa_across_returns(eps, problems, element_of)
    eps = _deduplicate(eps, problems, element_of)
    _say_used_instead(pd.concat([unreadable, set_aside]), eps, problems)
    # The rows that cannot stand go to the validator, which reports them (with the record
    # used instead, ``_used``): none of them displaced a record that can stand.
    eps = _with_used_instead(cannot, eps)
    history = CaseHistory(
        children=kids.reset_index(drop=True),
        episodes=eps.reset_index(drop=True),
        extract_date=extract_date,
        extract_date_source=extract_date_source,
    )
    tidy = arrange or list
    if history.children.empty or history.episodes.empty:
        raise_for_errors(tidy(problems), context)
        reason = "no valid children or episodes could be read"
        raise_for_errors(
            tidy(
                [
                    *problems,
                    SourceProblem(context, None, None, None, reason, action="file not read"),
                ]
            ),
            context,
        )
    valid = validate_case_history(history, lenient=True, context=context, excluded_ids=gone)
    problems += _translate(valid.exclusions, history, element_of)
    problems = tidy(problems)
    if not lenient:
        raise_for_errors(problems, context)
    drop = [c for c in ORIGIN if c in valid.children]
    drop_e = [c for c in ORIGIN if c in valid.episodes]
    return replace(
        valid,
        children=valid.children.drop(columns=drop),
        episodes=valid.episodes.drop(columns=drop_e),
        exclusions=ExclusionReport(tuple(problems)),
    )


def _problem(
    row: pd.Series,
    column: str | None,
    value: object,
    reason: str,
    action: str,
    unit: str,
    severity: str = "error",
    read_into: str | None = None,
    *,
    withheld: bool = False,
) -> SourceProblem:
    """Locate a problem of a converted row in its source (``read_into``: its contract column).

    A problem of the end date is located at the row it was read from (``_end_file``,
    ``_end_pos``) and the line of its element (``_end_line``) where a reader gives them.
    ``withheld``: the value is never shown (see :class:`SourceProblem`).
    """
    own_unit, line = row.get("_unit"), row.get("_line")
    file, pos = row["_file"], row["_pos"]
    end_line = row.get("_end_line") if read_into == "end" else None
    if end_line is not None and not pd.isna(end_line):
        line = end_line
    if read_into == "end" and _has_end_origin(row):
        file, pos = row["_end_file"], row["_end_pos"]
        own_unit = row.get("_end_unit", own_unit)
        own_unit = own_unit if isinstance(own_unit, str) else row.get("_unit")
    return SourceProblem(
        str(file),
        int(pos),
        column,
        value,
        reason,
        line=None if line is None or pd.isna(line) else int(line),
        unit=str(own_unit) if isinstance(own_unit, str) else unit,
        action=action,
        severity="note" if severity == "note" else "error",
        read_into=read_into,
        withheld=withheld,
    )


def _has_end_origin(row: pd.Series) -> bool:
    """Whether a row's end date was read from another source row (``_end_pos``)."""
    end_pos = row.get("_end_pos")
    return end_pos is not None and not pd.isna(end_pos)


def _element_at(row: pd.Series, column: str | None) -> str:
    """Return the origin element (or sheet) of a row's ``column``, as ``element_of`` wants.

    An end date read from another row of another sheet (``_end_unit``) is named by that
    sheet's column.
    """
    unit = row.get("_end_unit")
    if column == "end" and _has_end_origin(row) and isinstance(unit, str):
        return unit
    return str(row["_el"])


def _record(row: pd.Series) -> str:
    """Name a converted row's record as messages do: ``'cin_2023.xml', Child #4 (line 120)``."""
    return f"{row['_file']!r}, {_problem(row, None, None, '', 'kept', 'row').location()}"


def _unit(frame: pd.DataFrame) -> str:
    return str(frame["_unit"].iloc[0]) if "_unit" in frame and len(frame) else "Child"


def _plus_window(dates: pd.Series) -> pd.Series:
    """ISO dates shifted by the pre-birth window (40 weeks), as ISO text."""
    parsed = pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce")
    shifted = (parsed + pd.Timedelta(days=PREBIRTH_DAYS)).dt.strftime("%Y-%m-%d")
    return shifted.where(parsed.notna(), "9999-12-31")


def _late(
    eps: pd.DataFrame, column: str | None = None, bound: pd.Series | None = None
) -> pd.Series:
    """Mark the rows with a date (``column``'s, or either) after their return's reference date.

    ``bound``: each row's date to judge by instead of the reference date (``_ref``).
    """
    ref = (eps["_ref"] if bound is None else bound).fillna("9999-12-31")
    if column is not None:
        late: pd.Series = eps[column].fillna("") > ref
        return late
    return _late(eps, "start", bound) | _late(eps, "end", bound)


def _recorded_by(eps: pd.DataFrame) -> pd.Series:
    """Return each row's last day a record of its return can have been recorded on.

    A CIN census return's is its ``ReferenceDate``; an Annex A workbook, whose date is
    the latest date it records among the rows the repeat rules keep, gives the day it is
    read (``_recorded_by``). A row dated after it is set aside before those rules, so that
    it never displaces another record of its episode (:func:`merge_returns`).
    """
    if "_recorded_by" not in eps:
        ref: pd.Series = eps["_ref"]
        return ref
    return eps["_recorded_by"].fillna(eps["_ref"])


def _late_births(
    kids: pd.DataFrame, problems: list[SourceProblem], element_of: ElementOf
) -> tuple[pd.DataFrame, list[str]]:
    """Exclude children whose birth date is after their own return's reference date.

    An unborn child's expected birth date may lie up to 40 weeks after the reference date
    (the DfE's rule 8530Q expects it within nine months). A recorded birth date is judged
    against ``_born_by`` where a reader gives it (an Annex A workbook read with an extract
    date given: its own date is only the latest it records, not when it was made).
    Returns the children kept and the identifiers of those excluded.
    """
    unit = _unit(kids)
    ref = kids["_ref"].fillna("9999-12-31")
    born = ~kids["_born"].isin([False]) if "_born" in kids else pd.Series(True, kids.index)
    by = kids["_born_by"] if "_born_by" in kids else pd.Series(None, kids.index, dtype=object)
    given = by.notna() & born
    limit = ref.where(born, _plus_window(ref)).where(~given, by)
    late = kids["birth_date"].fillna("") > limit
    for judged_by_given, (_, row) in zip(given[late], kids[late].iterrows(), strict=True):
        reason = (
            "the birth date is after the extract date given"
            if bool(judged_by_given)
            else "the birth date is after the return's reference date"
            if bool(row.get("_born", True)) is not False
            else f"the expected birth date is more than {PREBIRTH_DAYS} days (40 weeks) after "
            "the return's reference date"
        )
        problems.append(
            _problem(
                row,
                element_of("children", "birth_date", row["_el"], None),
                row["birth_date"],
                reason,
                "child excluded",
                unit,
                read_into="birth_date",
            )
        )
    excluded = [str(child) for child in kids.loc[late, "child_id"].dropna()]
    return kids[~late], excluded


def _late_episodes(
    eps: pd.DataFrame,
    problems: list[SourceProblem],
    element_of: ElementOf,
    bound: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exclude rows dated after their own return's reference date (ISO text compares).

    ``bound``: each row's date to judge by instead (:func:`_recorded_by`); the problem
    names the reference date. Returns the rows kept and those excluded, each with the
    position of its problem in ``problems`` (``_problem``).
    """
    unit = _unit(eps)
    bad = pd.Series(False, index=eps.index)
    first_problem: dict[Hashable, int] = {}
    for column in ("start", "end"):
        late = _late(eps, column, bound)
        for at, row in eps[late].iterrows():
            first_problem.setdefault(at, len(problems))
            problems.append(
                _problem(
                    row,
                    element_of("episodes", column, _element_at(row, column), row["kind"]),
                    row[column],
                    f"date is after the return's reference date {row['_ref']}",
                    "episode excluded",
                    unit,
                    read_into=column,
                )
            )
        bad |= late
    aside = eps[bad]
    aside = aside.assign(_problem=[first_problem[at] for at in aside.index])
    return eps[~bad], aside


def _excluded_by_reader(
    eps: pd.DataFrame, problems: list[SourceProblem]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Set aside the rows a reader excluded (``_excluded``: the element of their problem).

    Returns the rows kept and those set aside, each with the position of its problem in
    ``problems`` (``_problem``; -1 when none is found).
    """
    if "_excluded" not in eps:
        return eps, eps[:0].assign(_problem=[])
    out = eps["_excluded"].notna().to_numpy(dtype=bool)
    at = {
        (p.table, p.row, p.column): i
        for i, p in enumerate(problems)
        if p.action == "episode excluded"
    }
    aside = eps[out]
    found = [
        at.get((row["_file"], int(row["_pos"]), row["_excluded"]), -1)
        for row in aside.to_dict("records")
    ]
    return eps[~out], aside.assign(_problem=found)


def _cannot_stand(
    history: CaseHistory, excluded_ids: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the episode rows into those that can stand and those the contract excludes.

    Done before the rules that keep one record of an episode (:func:`_drop_repeats`,
    :func:`_deduplicate`), so that a record that cannot stand on its own never displaces
    one that can (:func:`~escalation.data.validate.episodes_that_cannot_stand`).
    ``history``'s children are matched already (:func:`_match_children`: each child's
    characteristics as merging keeps them); ``excluded_ids`` are the children excluded
    and in no return kept, whose episodes go with them. A row dated after its own return's
    reference date is left to :func:`_late_episodes`, which sets it aside next, also
    before those rules (:func:`_recorded_by`), and reports it as such.
    """
    kids, eps = history.children, history.episodes
    if kids.empty or eps.empty:
        return eps, eps[:0]
    bad, _ = episodes_that_cannot_stand(history, excluded_ids=excluded_ids)
    bad &= ~_late(eps).to_numpy(dtype=bool)
    return eps[~bad], eps[bad]


def used_instead(where: str, *, later: bool, end: object = None, point: bool = False) -> str:
    """Return the hint of an excluded record when another record of its episode is used.

    ``where`` names the record used (file and row or element); ``later``: it is of a later
    return, which supersedes the excluded record anyway; ``end``: its end date (ISO), said
    unless the episode is a ``point`` event.

    Examples
    --------
    >>> used_instead("'cin_2023.xml', Child #1 (line 3)", later=False, end=None)
    "the record of this episode in 'cin_2023.xml', Child #1 (line 3), which has no end date, \
is used instead"
    >>> used_instead("'episodes_2024.csv' (row 2)", later=True)
    "the episode is recorded in the later file 'episodes_2024.csv' (row 2), which is used"

    It names one case's record, so it is the problem's hint
    (:meth:`~escalation.errors.Problem.with_hint`), not part of its reason: the records
    excluded for one reason are counted together.
    """
    if later:
        return f"the episode is recorded in the later file {where}, which is used"
    if point:
        return f"the record of this episode in {where} is used instead"
    missing = bool(pd.isna(end))  # type: ignore[call-overload]
    ends = "no end date" if missing else f"the end date {end}"
    return f"the record of this episode in {where}, which has {ends}, is used instead"


def _notes_used_instead(excluded: pd.DataFrame, kept: pd.DataFrame) -> list[str | None]:
    """Return, for each excluded row, its problem's hint about the record used instead.

    That record is the one kept of the row's episode (child, kind and start), the latest
    (:func:`used_instead`); ``None`` where no record of the episode is kept.
    """
    keys = ["child_id", "kind", "start"]
    ordered = kept.sort_values([c for c in ("_rank", "_pos", "_line") if c in kept])
    latest = {
        tuple(key): at
        for at, key in zip(ordered.index, ordered[keys].itertuples(index=False), strict=True)
    }
    notes: list[str | None] = []
    for row in excluded.to_dict("records"):
        at = latest.get((row["child_id"], row["kind"], row["start"]))
        if at is None or any(pd.isna(row[k]) for k in keys):
            notes.append(None)
            continue
        used = kept.loc[at]
        notes.append(
            used_instead(
                _record(used),
                later=int(used["_rank"]) > int(row["_rank"]),
                end=used["end"],
                point=row["kind"] in POINT_KINDS,
            )
        )
    return notes


def _say_used_instead(
    set_aside: pd.DataFrame, kept: pd.DataFrame, problems: list[SourceProblem]
) -> None:
    """Name, in the problem of each row ``set_aside``, the record of its episode used.

    Each row carries the position of its problem in ``problems`` (``_problem``), which is
    changed in place.
    """
    for index, note in zip(
        set_aside["_problem"].tolist(), _notes_used_instead(set_aside, kept), strict=True
    ):
        if note is not None and index >= 0:
            at = int(index)
            problems[at] = problems[at].with_hint(note)


def _with_used_instead(excluded: pd.DataFrame, kept: pd.DataFrame) -> pd.DataFrame:
    """Return the rows kept and, in source order, the ``excluded`` ones with ``_used``.

    ``_used`` is the hint of an excluded row's problem about the record used instead
    (:func:`_notes_used_instead`), given by :func:`_translate`.
    """
    if excluded.empty:
        return kept
    used = pd.Series(_notes_used_instead(excluded, kept), index=excluded.index, dtype=object)
    excluded = excluded.assign(_used=used)
    order = [c for c in ("_rank", "_pos", "_line") if c in kept]
    return pd.concat([kept, excluded]).sort_values(order, kind="stable")


#: Characteristics compared across returns: a difference is reported as a note.
_COMPARED: Final = {"sex": "sex", "ethnicity": "ethnicity", "disability": "disability"}


def _match_children(
    kids: pd.DataFrame,
    problems: list[SourceProblem],
    format_name: str,
    element_of: ElementOf = cin_element,
) -> pd.DataFrame:
    """Keep one row per child, the latest return's; report conflicts between returns.

    Values the latest return lacks are taken from the latest earlier return that has them.
    A birth date that differs between returns is an error, unless an earlier return held
    only the expected birth date of a child then unborn; a differing sex, ethnicity or
    disability is a note. Each names the column (its source element) and the other
    return's record, never the values. A child repeated within one return is an error
    naming the characteristics (by their source element) in which the two records differ,
    never their values. Rows without a ``child_id`` are matched with nothing: they are
    kept as they are, for the validator to report.
    """
    unit = _unit(kids)
    if "_born" not in kids:
        kids = kids.assign(_born=True)
    kids = kids.assign(_born=~kids["_born"].isin([False]))
    named = kids["child_id"].notna() & (kids["child_id"].astype("string").str.strip() != "")
    unnamed, kids = kids[~named], kids[named]
    same_file = kids.duplicated(["_rank", "child_id"], keep="first")
    for _, row in kids[same_file].iterrows():
        first = kids[(kids["_rank"] == row["_rank"]) & (kids["child_id"] == row["child_id"])]
        first_row = first.iloc[0]
        own = first_row.get("_unit")
        where = record_label(own if isinstance(own, str) else "row", int(first_row["_pos"]))
        differ = _differing(first_row, row, element_of)
        how = (
            f"with a different {' and '.join(differ)}"
            if differ
            else "with the same characteristics"
        )
        reason = (
            f"the same child identifier appears again (first at {where}), {how}; its "
            "episodes are merged and the first record's characteristics kept"
        )
        problems.append(_problem(row, None, None, reason, "kept", unit))
    kids = kids[~same_file]
    ordered = kids.sort_values("_rank", ascending=False, kind="stable")
    groups = ordered.groupby("child_id", sort=False)
    born = ordered[ordered["_born"]]
    births = born.groupby("child_id", sort=False)["birth_date"].nunique()
    for child_id in births.index[births > 1]:
        records = born[born["child_id"] == child_id]
        problems.append(_conflict(records, "birth_date", format_name, element_of, unit))
    for column in _COMPARED:
        if column not in ordered:
            continue
        differs = groups[column].nunique()
        for child_id in differs.index[differs > 1]:
            records = ordered[ordered["child_id"] == child_id]
            problems.append(_conflict(records, column, format_name, element_of, unit))
    # The latest return's values, with gaps filled from earlier returns; an actual birth
    # date wins over an expected one.
    fill = [c for c in (*CHILD_FIELDS[1:],) if c in ordered]
    filled = groups[fill].transform("first")
    latest_born = born.groupby("child_id", sort=False)["birth_date"].first()
    filled["birth_date"] = ordered["child_id"].map(latest_born).fillna(filled["birth_date"])
    ordered = ordered.assign(**{c: filled[c] for c in fill})
    ordered = ordered.assign(_born=ordered["child_id"].isin(latest_born.index) | ordered["_born"])
    kids = ordered.drop_duplicates("child_id", keep="first")
    kids = pd.concat([kids, unnamed]) if len(unnamed) else kids
    return kids.sort_values(["_rank", "_pos"])


def _conflict(
    records: pd.DataFrame, column: str, format_name: str, element_of: ElementOf, unit: str
) -> SourceProblem:
    """Return the problem of a child's ``column`` that differs between returns.

    ``records`` are the child's rows, the latest return's first: the problem is at the
    latest row recording a value (the one kept), naming the column by its source element
    and the latest other record with another value; the values are withheld. A birth date
    is an error, another characteristic a note.
    """
    present = records[records[column].notna()]
    kept = present.iloc[0]
    value = kept[column]
    other = present[present[column] != value].iloc[0]
    source = _source_name(kept, "children", column, element_of)
    elsewhere = _source_name(other, "children", column, element_of)
    named = "element" if other.get("_unit") == "Child" else "column"
    also = _record(other) + (f", {named} {elsewhere!r}" if elsewhere != source else "")
    what = "birth date" if column == "birth_date" else _COMPARED[column]
    reason = (
        f"the child's {what} differs between {format_name} returns (another is recorded in "
        f"{also}); {_which_kept(kept, other)}"
    )
    severity = "error" if column == "birth_date" else "note"
    return _problem(kept, source, value, reason, "kept", unit, severity, column, withheld=True)


def _which_kept(kept: pd.Series, other: pd.Series) -> str:
    """Say whose value is kept: the latest return's, or of two returns of one date, the last's.

    Returns of the same date (a CIN census ``ReferenceDate``, a workbook's latest date) are
    ranked by their files' names, numbers compared as numbers.
    """
    same = pd.notna(kept["_ref"]) and kept["_ref"] == other["_ref"]
    if not same:
        return "the latest return's is kept"
    return (
        f"both returns are of {kept['_ref']}, so that of {kept['_file']!r}, last in name "
        "order, is kept"
    )


def _source_name(row: pd.Series, table: str, column: str, element_of: ElementOf) -> str:
    """Name a contract column of a row by its source element (the column when it has none).

    Examples
    --------
    >>> row = pd.Series({"kind": "referral", "_el": "CINdetails[2]"})
    >>> _source_name(row, "episodes", "end", cin_element)
    'CINdetails[2]/CINclosureDate'
    >>> _source_name(row, "episodes", "category", cin_element)
    'category'
    """
    kind = row.get("kind") if table == "episodes" else None
    own = str(row.get("_el", ""))
    element = element_of(table, column, own, None if kind is None else str(kind))
    return column if not element or element == own else element


def same_cell(a: object, b: object) -> bool:
    """Return whether two cells as read are the same (both empty counts as the same).

    Examples
    --------
    >>> same_cell(None, float("nan")), same_cell("M", "M"), same_cell("M", None)
    (True, True, False)
    """
    if pd.isna(a) or pd.isna(b):  # type: ignore[call-overload]
        return bool(pd.isna(a) and pd.isna(b))  # type: ignore[call-overload]
    return str(a) == str(b)


def _differing(first: pd.Series, again: pd.Series, element_of: ElementOf) -> list[str]:
    """Return the source elements of the characteristics in which two child rows differ.

    Examples
    --------
    >>> a = pd.Series({"birth_date": "2010-01-01", "sex": "M", "ethnicity": None, "_el": "X"})
    >>> b = pd.Series({"birth_date": "2012-06-15", "sex": "M", "ethnicity": None, "_el": "X"})
    >>> _differing(a, b, cin_element)
    ['ChildIdentifiers/PersonBirthDate']
    """
    return [
        _source_name(again, "children", column, element_of)
        for column in CHILD_FIELDS[1:]
        if column in first.index
        and column in again.index
        and not same_cell(first[column], again[column])
    ]


#: Kinds a return may record twice by design, kept once with no problem: the CIN census
#: gives an initial conference both in ``CINdetails`` and in its ``Section47``.
_TWICE_BY_DESIGN: Final = frozenset({"icpc"})


@dataclass(frozen=True)
class _Repeat:
    """A second row of an episode (same child, kind and start) within one return.

    ``at`` and ``first`` are positions in the frame: the row and the row kept in its
    place; ``differ`` the columns in which the two differ (none: a copy).
    """

    at: int
    first: int
    differ: tuple[str, ...]


def _first_of_episode(frame: pd.DataFrame, by: Sequence[str] = ()) -> np.ndarray:
    """Return, for each row, the position of the first row of its episode.

    An episode is a child, kind and start (within each value of the columns ``by``).
    """
    keys = [*by, "child_id", "kind", "start"]
    first = np.arange(len(frame), dtype=np.int64)
    shared = np.flatnonzero(frame.duplicated(keys, keep=False).to_numpy(dtype=bool))
    if shared.size:  # grouped only where an episode has several rows
        rows = frame[keys].iloc[shared].reset_index(drop=True)
        grouped = pd.Series(shared).groupby(
            [rows[key] for key in keys], sort=False, dropna=False, observed=True
        )
        first[shared] = grouped.transform("first").to_numpy(dtype=np.int64)
    return first


def _records(frame: pd.DataFrame, rows: np.ndarray) -> tuple[list[str], dict[int, np.ndarray]]:
    """Return the columns of values read and the values of the rows at positions ``rows``.

    The columns are those of values read, not the origin columns (which start with ``_``).
    """
    columns = [str(c) for c in frame.columns if not str(c).startswith("_")]
    values = frame[columns].iloc[rows].astype(object).to_numpy()
    return columns, dict(zip(rows.tolist(), values, strict=True))


def _columns_differing(columns: list[str], a: np.ndarray, b: np.ndarray) -> tuple[str, ...]:
    """Return the columns in which two rows' values as read differ (:func:`same_cell`)."""
    return tuple(c for c, x, y in zip(columns, a, b, strict=True) if not same_cell(x, y))


def _named(row: pd.Series, columns: Sequence[str], element_of: ElementOf) -> str:
    """Name episode columns of a row by their source elements, quoted: ``'DEC', 'REC'``."""
    names = dict.fromkeys(_source_name(row, "episodes", c, element_of) for c in columns)
    return ", ".join(repr(name) for name in names)


def _repeats_in_return(frame: pd.DataFrame) -> list[_Repeat]:
    """Return the rows that repeat an episode of their own return (``_rank``), not kept.

    A row identical in every column to a row kept is a copy; a point event that differs
    is kept (the contract keeps rows alike in child, kind and start but not in another
    column); an interval that differs from the first row is a second, conflicting record.
    """
    by = ["_rank"] if "_rank" in frame else []
    first = _first_of_episode(frame, by)
    again = first != np.arange(len(frame))
    if not again.any():
        return []
    columns, record = _records(frame, np.flatnonzero(np.isin(first, first[again])))
    kinds = frame["kind"].to_numpy()
    kept: dict[int, list[int]] = {}
    out = []
    for pos in record:
        head = int(first[pos])
        if pos == head:
            kept[head] = [pos]
            continue
        differ = {q: _columns_differing(columns, record[pos], record[q]) for q in kept[head]}
        copy = next((q for q, named in differ.items() if not named), None)
        if copy is not None:
            out.append(_Repeat(pos, copy, ()))
        elif kinds[pos] in POINT_KINDS:
            kept[head].append(pos)
        else:
            out.append(_Repeat(pos, head, differ[head]))
    return out


def repeated_in_return(eps: pd.DataFrame) -> np.ndarray:
    """Return True for each row of one return's episodes that merging does not keep.

    Such a row repeats an episode (child, kind and start) of the return: a copy of a row
    kept, or a second record of an interval that differs from the first (see
    :func:`merge_returns`). A reader uses it so that nothing it takes from the return
    (the extract date) comes from a row left out. With the return's date (``_ref``, or
    ``_recorded_by``), a row dated after it is set aside first, as merging sets it aside
    (:func:`_recorded_by`): it never makes a later record of its episode a repeat.

    Examples
    --------
    >>> eps = pd.DataFrame({"child_id": ["A"] * 3, "kind": ["early_help"] * 3,
    ...                     "start": ["2020-09-16"] * 3,
    ...                     "end": ["2020-10-01", "2020-12-01", "2020-10-01"]})
    >>> repeated_in_return(eps).tolist()
    [False, True, True]
    """
    out = np.zeros(len(eps), dtype=bool)
    late = _late(eps, bound=_recorded_by(eps)) if "_ref" in eps else None
    judged = None if late is None else np.flatnonzero(~late.to_numpy(dtype=bool))
    rows = eps if judged is None else eps.iloc[judged]
    for repeat in _repeats_in_return(rows.drop(columns="_rank", errors="ignore")):
        out[repeat.at if judged is None else judged[repeat.at]] = True
    return out


def _drop_repeats(
    eps: pd.DataFrame, problems: list[SourceProblem], element_of: ElementOf
) -> pd.DataFrame:
    """Drop and report the rows repeating an episode of their own return.

    A copy is kept once (a note; an initial conference, which the CIN census records twice
    by design, silently); a second record of an interval that differs is an error naming
    the columns that differ (the first is kept); point events that differ are all kept
    (:func:`_repeats_in_return`).
    """
    unit = _unit(eps)
    dropped = np.zeros(len(eps), dtype=bool)
    for repeat in _repeats_in_return(eps):
        dropped[repeat.at] = True
        row, kept = eps.iloc[repeat.at], eps.iloc[repeat.first]
        if row["kind"] not in _TWICE_BY_DESIGN:
            problems.append(_repeat_problem(row, kept, repeat.differ, element_of, unit))
    return eps[~dropped]


def nfa_disagrees(
    nfa: str, said: str, closure: str, end: object, *, start: object, kept: object
) -> str:
    """Return the reason of a record that holds open, or closes on another day, an NFA referral.

    The DfE's CIN census guide closes a referral with no further action (NFA) on its
    referral date; a record of the same referral (child and date) that holds it open or
    closes it on another day disagrees. One rule gives the referral's end, for every
    reader: a closure date given is the end (the latest record's, when several records
    give one), else the referral date.

    Parameters
    ----------
    nfa : str
        Where the record saying NFA says it: its record (file, sheet and row, or child and
        line, unless it is the same record) and field.
    said : str
        The NFA field's value as its source writes yes (``'true'``, ``'yes'``).
    closure : str
        The field of the record that disagrees: its closure date.
    end : object
        That record's closure date (ISO), or None (open).
    start, kept : object
        The referral date, and the end the rule gives (both ISO).

    Examples
    --------
    >>> nfa_disagrees("sheet 'List 3' row 2, column 'Referral NFA?'", "yes",
    ...               "CIN Closure Date", None, start="2022-06-01", kept="2022-06-01")
    "sheet 'List 3' row 2, column 'Referral NFA?' is 'yes' (no further action: the \
referral closes on its referral date) but 'CIN Closure Date' holds it open: two records of \
one referral differ; its end is its referral date, 2022-06-01"
    """
    is_open = end is None or bool(pd.isna(end))  # type: ignore[call-overload]
    here = "holds it open" if is_open else "closes it on another day"
    what = "its referral date" if kept == start else "the closure date given"
    return (
        f"{nfa} is {said!r} (no further action: the referral closes on its referral date) "
        f"but {closure!r} {here}: two records of one referral differ; its end is {what}, "
        f"{kept}"
    )


def _nfa_across_returns(
    eps: pd.DataFrame, problems: list[SourceProblem], element_of: ElementOf
) -> pd.DataFrame:
    """Report and settle a referral one return says was NFA and another does not close so.

    The records of one referral (child and date) in several returns: one saying no further
    action and closed on its day (``_nfa``), another holding it open, in a later return
    (an earlier return's open record is the usual update), or closing it on another day,
    in any return. Each such record is an error at its closure date naming the NFA record
    (:func:`nfa_disagrees`); every record of the referral then has the end that rule gives
    (with the closure's reason), so the record kept is settled by one rule whichever
    return it comes from.
    """
    if "_nfa" not in eps or not eps["_nfa"].notna().any():
        return eps
    keys = ["child_id", "start"]
    referrals = eps[(eps["kind"] == "referral").to_numpy(dtype=bool) & eps["start"].notna()]
    shared = referrals[referrals.duplicated(keys, keep=False)]
    said = shared["_nfa"].notna() & (shared["end"].astype(object) == shared["start"])
    with_nfa = said.groupby([shared[k] for k in keys], sort=False).transform("any")
    candidates = shared[with_nfa.to_numpy(dtype=bool)]
    if candidates.empty:
        return eps
    eps = eps.copy()
    unit = _unit(eps)
    for _, group in candidates.groupby(keys, sort=False):
        start = group["start"].iloc[0]
        ends = group["end"].astype(object)
        nfa = group[said[group.index]].sort_values("_rank").iloc[-1]
        given = group[ends.notna() & (ends != start)]
        later_open = group[ends.isna() & (group["_rank"] > nfa["_rank"])]
        differing = pd.concat([given, later_open])
        differing = differing[differing["_rank"] != nfa["_rank"]]
        if differing.empty:
            continue
        closing = given.sort_values("_rank").iloc[-1] if len(given) else None
        kept = start if closing is None else closing["end"]
        where = f"{nfa['_file']!r}, {nfa['_nfa']}"
        for _, row in differing.sort_values(["_rank", "_pos"]).iterrows():
            closure = element_of("episodes", "end", _element_at(row, "end"), "referral")
            said_as = str(nfa["_nfa_said"])
            reason = nfa_disagrees(where, said_as, str(closure), row["end"], start=start, kept=kept)
            value = _as_read(row, "end", row["end"])
            problems.append(_problem(row, closure, value, reason, "kept", unit, read_into="end"))
        eps.loc[group.index, "end"] = kept
        eps.loc[group.index, "reason"] = None if closing is None else closing["reason"]
    return eps


def _deduplicate(
    eps: pd.DataFrame, problems: list[SourceProblem], element_of: ElementOf = cin_element
) -> pd.DataFrame:
    """Keep each episode (child, kind and start) from the latest return recording it.

    The rows of earlier returns give way: one whose end or closure reason the latest
    return changes is a note, and one of a return of the same date (tied, ranked by name)
    that differs in any column is a note naming the record used, or an error between two
    CIN census returns (one per collection year). The latest return's own repeats are
    dropped before (:func:`_drop_repeats`): the point events it keeps are all kept.
    """
    unit = _unit(eps)
    ordered = eps.sort_values("_rank", ascending=False, kind="stable")
    first = _first_of_episode(ordered)
    ranks = ordered["_rank"].to_numpy()
    earlier = ranks < ranks[first]
    tied = _tied(ordered, first, earlier)
    changes = _changes(ordered, np.flatnonzero(earlier & ~tied), first, ["end", "reason"])
    rows = ordered.iloc[[at for at, _ in changes]].iterrows()
    for (_, row), changed in zip(rows, changes, strict=True):
        reason = (
            f"this {row['kind']} is recorded in a later return with a different "
            f"{' and '.join(changed[1])}; the latest return's is kept"
        )
        problems.append(_problem(row, str(row["_el"]), None, reason, "ignored", unit, "note"))
    problems += _tie_problems(ordered, np.flatnonzero(tied), first, ~earlier, element_of, unit)
    order = [c for c in ("_rank", "_pos", "_line") if c in ordered]
    latest: pd.DataFrame = ordered[~earlier]
    return latest.sort_values(order, kind="stable")


def _repeat_problem(
    row: pd.Series,
    kept: pd.Series,
    differ: tuple[str, ...],
    element_of: ElementOf,
    unit: str,
) -> SourceProblem:
    """Return the problem of a row repeating an episode of its own return (``kept``'s).

    A copy (``differ`` empty) is a note; a second record of an interval that differs is an
    error naming the columns that differ, by their source elements, never their values.
    """
    kind = row["kind"]
    start = _source_name(row, "episodes", "start", element_of)
    where = _record(kept)
    if not differ:
        reason = (
            f"the same {kind} as {where}, identical in every column, is recorded twice in "
            "this return; kept once"
        )
        return _problem(row, start, row["start"], reason, "ignored", unit, "note", "start")
    named = _named(row, differ, element_of)
    reason = (
        f"the same child, {kind} and start as {where} but a different {named}: two "
        f"records of one episode in this return; {where} is kept"
    )
    value = _as_read(row, "start", row["start"])
    return _problem(row, start, value, reason, "episode excluded", unit, read_into="start")


def _tied(ordered: pd.DataFrame, first: np.ndarray, earlier: np.ndarray) -> np.ndarray:
    """Mark the rows of earlier returns whose return has the kept row's date (``_ref``)."""
    refs = ordered["_ref"].astype(object).to_numpy()
    mine, theirs = refs[earlier], refs[first[earlier]]
    out = np.zeros(len(ordered), dtype=bool)
    out[np.flatnonzero(earlier)] = ~pd.isna(mine) & (mine == theirs)
    return out


def _tie_problems(
    ordered: pd.DataFrame,
    rows: np.ndarray,
    first: np.ndarray,
    latest: np.ndarray,
    element_of: ElementOf,
    unit: str,
) -> list[SourceProblem]:
    """Return the problems of rows given way to a return of the same date that differs.

    ``rows`` are such rows, ``first`` each row's kept row (:func:`_first_of_episode`) and
    ``latest`` marks the rows of the returns used. Returns of one date are ranked by their
    files' names, not by their dates: the record used is named. Two CIN census returns of
    one date are two returns of one collection year (an error); a workbook beside another,
    or beside a census return, is a note. A point event is compared with each of its rows
    in the return used, an interval with the one kept.
    """
    if rows.size == 0:
        return []
    heads = first[rows]
    in_use = np.flatnonzero(latest & np.isin(first, heads))
    used: dict[int, list[int]] = {}
    for q in in_use.tolist():
        used.setdefault(int(first[q]), []).append(q)
    columns, record = _records(ordered, np.union1d(rows, in_use))
    kinds = ordered["kind"].to_numpy()
    out = []
    for at, head in zip(rows.tolist(), heads.tolist(), strict=True):
        candidates = used[head] if kinds[at] in POINT_KINDS else [head]
        differ = [_columns_differing(columns, record[at], record[q]) for q in candidates]
        if not all(differ):
            continue
        row, kept = ordered.iloc[at], ordered.iloc[head]
        named = _named(row, differ[0], element_of)
        reason = (
            f"this {row['kind']} is recorded with a different {named} in {_record(kept)}, "
            f"a return of the same date ({row['_ref']}): that record, of the file last in "
            "name order, is used"
        )
        census = row.get("_unit") == "Child" and kept.get("_unit") == "Child"
        if census:
            reason += (
                "; two CIN census returns of one collection year (a resubmission beside the "
                "first?): keep one return per collection year"
            )
        start = _source_name(row, "episodes", "start", element_of)
        severity = "error" if census else "note"
        value = _as_read(row, "start", row["start"])
        out.append(_problem(row, start, value, reason, "ignored", unit, severity, "start"))
    return out


def _changes(
    ordered: pd.DataFrame, rows: np.ndarray, first: np.ndarray, compare: list[str]
) -> list[tuple[int, list[str]]]:
    """Return the rows of earlier returns whose recorded values the kept row changes.

    ``ordered`` runs from the latest return; ``first`` gives each row's kept row
    (:func:`_first_of_episode`). Returns the position of each of ``rows`` with a
    ``compare`` column that changed (an episode open in an earlier return and closed in a
    later one is the normal update: only a recorded value that changed counts) and those
    columns, in order.
    """
    compare = [c for c in compare if c in ordered.columns]
    if rows.size == 0 or not compare:
        return []
    latest = first[rows]
    changed = np.zeros((len(compare), rows.size), dtype=bool)
    for i, column in enumerate(compare):
        values = ordered[column].astype(object).to_numpy()
        mine, theirs = values[rows], values[latest]
        present, gone = ~pd.isna(mine), pd.isna(theirs)
        both = np.flatnonzero(present & ~gone)
        changed[i] = present & gone
        changed[i, both] = [bool(a != b) for a, b in zip(mine[both], theirs[both], strict=True)]
    return [
        (int(rows[j]), [c for i, c in enumerate(compare) if changed[i, j]])
        for j in np.flatnonzero(changed.any(axis=0))
    ]


def _as_read(row: pd.Series, column: str | None, value: object) -> object:
    """Return a row's ``column`` value as its source holds it, for a problem.

    A date a reader converted (an SSDA903 ``DECOM`` of ``01/06/2020``) is given as read
    (``_start_read``, ``_end_read``) when the row carries it; another date in ISO form.

    Examples
    --------
    >>> row = pd.Series({"start": "2020-06-01", "_start_read": "01/06/2020"})
    >>> _as_read(row, "start", pd.Timestamp("2020-06-01")), _as_read(row, "end", None)
    ('01/06/2020', None)
    """
    read = row.get(f"_{column}_read") if column in ("start", "end") else None
    if isinstance(read, str):
        return read
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value


def _translate(
    report: ExclusionReport, history: CaseHistory, element_of: ElementOf
) -> list[SourceProblem]:
    """Turn the validator's table/row problems into problems located in the source."""
    out: list[SourceProblem] = []
    frames = {"children": history.children, "episodes": history.episodes}
    noted: set[int] = set()  # rows whose record used instead is named (once, first problem)
    for p in report.problems:
        if p.reason == _CHILD_EXCLUDED or p.table not in frames or p.row is None:
            continue
        frame = frames[p.table]
        row = frame.iloc[p.row]
        kind = str(row["kind"]) if p.table == "episodes" else None
        element = _element_at(row, p.column) if p.table == "episodes" else str(row["_el"])
        column = element_of(p.table, p.column, element, kind)
        action = "child excluded" if p.table == "children" else "episode excluded"
        if p.action == "value dropped":  # a bad optional value: the row is kept
            action = p.action
        value = _as_read(row, p.column, p.value)
        problem = _problem(row, column, value, p.reason, action, _unit(frame), read_into=p.column)
        used = row.get("_used") if p.table == "episodes" else None
        if isinstance(used, str) and p.action == action and p.row not in noted:
            noted.add(p.row)
            problem = problem.with_hint(used)
        out.append(problem)
    return out
