"""Merge statutory returns (one or several years) into one validated case history.

Readers collect each return's rows with their origin (file, position, element, and an XML
element's line: a CSV or sheet row is named by its row alone);
:func:`merge_returns` checks dates against each return's reference date, matches
children across returns, keeps each recurring episode once (from the latest return),
validates the result against the contract and reports every problem at its source.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final

import numpy as np
import pandas as pd

from escalation.data.codes import PREBIRTH_DAYS
from escalation.data.history import CaseHistory, ExclusionReport
from escalation.data.statutory.problems import SourceProblem, raise_for_errors, record_label
from escalation.data.validate import validate_case_history

__all__ = ["ReturnTables", "merge_returns", "same_cell"]

#: Origin columns carried by the rows until the history is validated (``_line``: an XML
#: element's line, which only the CIN census reader sets).
ORIGIN: Final = ("_file", "_rank", "_pos", "_line", "_el", "_ref", "_unit", "_born")
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
_CIN_CHILD_ELEMENTS: Final = {
    "child_id": "ChildIdentifiers/LAchildID",
    "birth_date": "ChildIdentifiers/PersonBirthDate",
    "sex": "ChildIdentifiers/GenderCurrent",
    "ethnicity": "ChildCharacteristics/Ethnicity",
    "disability": "ChildCharacteristics/Disabilities",
}
_CHILD_EXCLUDED: Final = "the child was excluded (see the children table)"

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
    """
    if table == "children":
        return _CIN_CHILD_ELEMENTS.get(column or "", element)
    if column in ("start", "end") and kind in CIN_ELEMENTS:
        tag = CIN_ELEMENTS[kind][0 if column == "start" else 1]
        return f"{element}/{tag}" if tag else element
    return element


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
        default_factory=lambda: {c: [] for c in (*EPISODE_FIELDS, "_pos", "_line", "_el")}
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
    ) -> None:
        """Add one episode's row (``extra``: values of columns beyond the contract's)."""
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
            ("_el", element),
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

    Returns
    -------
    CaseHistory
        Validated; ``exclusions`` lists every problem as a :class:`SourceProblem`.

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
    kids, eps = _after_reference(kids, eps, problems, element_of)
    kids, eps = _match_children(kids, eps, problems, format_name, element_of)
    eps = _deduplicate(eps, problems)
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
    valid = validate_case_history(history, lenient=True, context=context)
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
) -> SourceProblem:
    """Locate a problem of a converted row in its source (``read_into``: its contract column)."""
    own_unit, line = row.get("_unit"), row.get("_line")
    return SourceProblem(
        str(row["_file"]),
        int(row["_pos"]),
        column,
        value,
        reason,
        line=None if line is None or pd.isna(line) else int(line),
        unit=str(own_unit) if isinstance(own_unit, str) else unit,
        action=action,
        severity="note" if severity == "note" else "error",
        read_into=read_into,
    )


def _unit(frame: pd.DataFrame) -> str:
    return str(frame["_unit"].iloc[0]) if "_unit" in frame and len(frame) else "Child"


def _plus_window(dates: pd.Series) -> pd.Series:
    """ISO dates shifted by the pre-birth window (40 weeks), as ISO text."""
    parsed = pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce")
    shifted = (parsed + pd.Timedelta(days=PREBIRTH_DAYS)).dt.strftime("%Y-%m-%d")
    return shifted.where(parsed.notna(), "9999-12-31")


def _after_reference(
    kids: pd.DataFrame, eps: pd.DataFrame, problems: list[SourceProblem], element_of: ElementOf
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Exclude rows dated after their own return's reference date (ISO text compares).

    An unborn child's expected birth date may lie up to 40 weeks after the reference date
    (the DfE's rule 8530Q expects it within nine months).
    """
    unit = _unit(kids)
    ref = kids["_ref"].fillna("9999-12-31")
    born = ~kids["_born"].isin([False]) if "_born" in kids else pd.Series(True, kids.index)
    limit = ref.where(born, _plus_window(ref))
    late = kids["birth_date"].fillna("") > limit
    for _, row in kids[late].iterrows():
        reason = (
            "the birth date is after the return's reference date"
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
    kids = kids[~late]
    ref = eps["_ref"].fillna("9999-12-31")
    bad = pd.Series(False, index=eps.index)
    for column in ("start", "end"):
        late = eps[column].fillna("") > ref
        for _, row in eps[late].iterrows():
            problems.append(
                _problem(
                    row,
                    element_of("episodes", column, row["_el"], row["kind"]),
                    row[column],
                    f"date is after the return's reference date {row['_ref']}",
                    "episode excluded",
                    unit,
                    read_into=column,
                )
            )
        bad |= late
    return kids, eps[~bad]


#: Characteristics compared across returns: a difference is reported as a note.
_COMPARED: Final = {"sex": "sex", "ethnicity": "ethnicity", "disability": "disability"}


def _match_children(
    kids: pd.DataFrame,
    eps: pd.DataFrame,
    problems: list[SourceProblem],
    format_name: str,
    element_of: ElementOf = cin_element,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Keep one row per child, the latest return's; report conflicts between returns.

    Values the latest return lacks are taken from the latest earlier return that has them.
    A birth date that differs between returns is an error, unless an earlier return held
    only the expected birth date of a child then unborn; a differing sex, ethnicity or
    disability is a note. A child repeated within one return is an error naming the
    characteristics (by their source element) in which the two records differ, never
    their values.
    """
    unit = _unit(kids)
    if "_born" not in kids:
        kids = kids.assign(_born=True)
    kids = kids.assign(_born=~kids["_born"].isin([False]))
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
        row = born[born["child_id"] == child_id].iloc[0]
        reason = (
            f"the child's birth date differs between {format_name} returns; the latest "
            "return's is kept"
        )
        problems.append(_problem(row, None, None, reason, "kept", unit))
    for column, what in _COMPARED.items():
        if column not in ordered:
            continue
        differs = groups[column].nunique()
        for child_id in differs.index[differs > 1]:
            row = ordered[ordered["child_id"] == child_id].iloc[0]
            reason = (
                f"the child's {what} differs between {format_name} returns; the latest "
                "return's is kept"
            )
            problems.append(_problem(row, None, None, reason, "kept", unit, "note"))
    # The latest return's values, with gaps filled from earlier returns; an actual birth
    # date wins over an expected one.
    fill = [c for c in (*CHILD_FIELDS[1:],) if c in ordered]
    filled = groups[fill].transform("first")
    latest_born = born.groupby("child_id", sort=False)["birth_date"].first()
    filled["birth_date"] = ordered["child_id"].map(latest_born).fillna(filled["birth_date"])
    ordered = ordered.assign(**{c: filled[c] for c in fill})
    ordered = ordered.assign(_born=ordered["child_id"].isin(latest_born.index) | ordered["_born"])
    kids = ordered.drop_duplicates("child_id", keep="first").sort_values(["_rank", "_pos"])
    return kids, eps


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
    out = []
    for column in CHILD_FIELDS[1:]:
        if column not in first.index or column not in again.index:
            continue
        if not same_cell(first[column], again[column]):
            element = element_of("children", column, str(again.get("_el", "")), None)
            out.append(column if not element or element == again.get("_el") else element)
    return out


def _deduplicate(eps: pd.DataFrame, problems: list[SourceProblem]) -> pd.DataFrame:
    """Keep each (child, kind, start) once, from the latest return."""
    unit = _unit(eps)
    ordered = eps.sort_values("_rank", ascending=False, kind="stable")
    dup = ordered.duplicated(["child_id", "kind", "start"], keep="first")
    first_rank = ordered.groupby(["child_id", "kind", "start"], sort=False, observed=True)[
        "_rank"
    ].transform("first")
    same_return = dup & (ordered["_rank"] == first_rank) & (ordered["kind"] != "icpc")
    for _, row in ordered[same_return].iterrows():
        reason = (
            f"the same {row['kind']} (same start date) is recorded twice in this return; kept once"
        )
        problems.append(_problem(row, str(row["_el"]), None, reason, "ignored", unit, "note"))
    # An episode recurring across returns with another recorded end or closure reason: the
    # latest return's is kept, and the change is reported rather than dropped silently.
    keys = ["child_id", "kind", "start"]
    compare = [c for c in ("end", "reason") if c in ordered.columns]
    earlier = (dup & ~same_return).to_numpy(dtype=bool)
    kept = ~dup.to_numpy(dtype=bool)
    changes = _changes(ordered, earlier, kept, keys, compare)
    if changes is None:  # a key is missing: looked up row by row
        changes = _changes_by_row(ordered, earlier, kept, keys, compare)
    rows = ordered.iloc[[at for at, _ in changes]].iterrows()
    for (_, row), changed in zip(rows, changes, strict=True):
        reason = (
            f"this {row['kind']} is recorded in a later return with a different "
            f"{' and '.join(changed[1])}; the latest return's is kept"
        )
        problems.append(_problem(row, str(row["_el"]), None, reason, "ignored", unit, "note"))
    order = [c for c in ("_rank", "_pos", "_line") if c in ordered]
    return ordered[~dup].sort_values(order, kind="stable")


def _changes(
    ordered: pd.DataFrame,
    earlier: np.ndarray,
    kept: np.ndarray,
    keys: list[str],
    compare: list[str],
) -> list[tuple[int, list[str]]] | None:
    """Return the rows of earlier returns whose recorded values the kept row changes.

    ``ordered`` runs from the latest return; ``kept`` marks each episode's kept row, the
    first with its keys. Returns the position of each ``earlier`` row with a ``compare``
    column that changed (an episode open in an earlier return and closed in a later one is
    the normal update: only a recorded value that changed counts) and those columns, in
    order; ``None`` when a key is missing (the rows are then looked up one by one).
    """
    rows = np.flatnonzero(earlier)
    if rows.size == 0:
        return []
    if ordered[keys].isna().to_numpy().any():
        return None
    # Groups numbered in order of first appearance: group g's kept row is the g-th kept.
    group = ordered.groupby(keys, sort=False, observed=True).ngroup().to_numpy()
    first = np.flatnonzero(kept)
    if not np.array_equal(group[first], np.arange(first.size)):
        return None
    latest = first[group[rows]]
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


def _changes_by_row(
    ordered: pd.DataFrame,
    earlier: np.ndarray,
    kept: np.ndarray,
    keys: list[str],
    compare: list[str],
) -> list[tuple[int, list[str]]]:
    """Return :func:`_changes`' rows, each row's kept row looked up by its keys."""
    latest_rows = ordered[kept].set_index(keys)[compare]
    out = []
    for at in np.flatnonzero(earlier):
        row = ordered.iloc[at]
        latest = latest_rows.loc[tuple(row[k] for k in keys)]
        changed = [
            c
            for c in compare
            if pd.notna(row[c]) and (pd.isna(latest[c]) or bool(row[c] != latest[c]))
        ]
        if changed:
            out.append((int(at), changed))
    return out


def _translate(
    report: ExclusionReport, history: CaseHistory, element_of: ElementOf
) -> list[SourceProblem]:
    """Turn the validator's table/row problems into problems located in the source."""
    out: list[SourceProblem] = []
    frames = {"children": history.children, "episodes": history.episodes}
    for p in report.problems:
        if p.reason == _CHILD_EXCLUDED or p.table not in frames or p.row is None:
            continue
        frame = frames[p.table]
        row = frame.iloc[p.row]
        kind = str(row["kind"]) if p.table == "episodes" else None
        column = element_of(p.table, p.column, str(row["_el"]), kind)
        action = "child excluded" if p.table == "children" else "episode excluded"
        value = p.value
        if isinstance(value, pd.Timestamp):
            value = value.date().isoformat()
        out.append(_problem(row, column, value, p.reason, action, _unit(frame), read_into=p.column))
    return out
