"""Read Ofsted Annex A workbooks (with CIN census returns, if given) into a :class:`CaseHistory`.

Annex A is the child-level workbook a local authority prepares for an inspection of its
children's services: ``List 1`` contacts, ``List 2`` early help assessments, ``List 3``
referrals, ``List 4`` assessments, ``List 5`` section 47 enquiries and initial
conferences, ``List 6`` children in need, ``List 7`` child protection plans, ``List 8``
children looked after, ``List 9`` care leavers, ``Lists 10–11`` adoption. It is the only
national format that holds early help. Each workbook covers the 6–12 months before an
inspection, so a history is built from several workbooks, merged with one another and
with the authority's CIN census returns by the LA child identifier.

Workbooks are read with :mod:`openpyxl` (read-only, values only; its XML parsing uses
:mod:`defusedxml`, so entity bombs in a workbook's parts are refused). Columns are
recognised by the words of their headers (see
:mod:`escalation.data.statutory.annex_a_columns`). Every problem is reported with the
file, the sheet, the row as Excel shows it and the column's header; identifiers, birth
dates and free text are never shown.
"""

from __future__ import annotations

import datetime as dt
import struct
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from itertools import chain, islice
from pathlib import Path
from typing import Any, Final

import pandas as pd

from escalation.data.history import CaseHistory
from escalation.data.io import given_date
from escalation.data.statutory.annex_a_columns import (
    LISTS,
    ListSpec,
    find_columns,
    other_date_columns,
    parse_date,
    parse_value,
)
from escalation.data.statutory.annex_a_sheets import (
    MAX_HEADER_ROW,
    fitting_lists,
    header_row,
    headers_of_another_list,
    list_number,
    named_lists,
    say_lists,
    unnamed_dates,
)
from escalation.data.statutory.cin_census import cin_returns, with_date_columns
from escalation.data.statutory.file_years import path_order
from escalation.data.statutory.merge import (
    CHILD_FIELDS,
    EPISODE_FIELDS,
    ReturnTables,
    cin_element,
    merge_returns,
    nfa_disagrees,
    repeated_in_return,
)
from escalation.data.statutory.problems import SourceProblem, raise_for_errors, record_label
from escalation.errors import DataValidationError

__all__ = ["ANNEX_A_KINDS", "OTHER_DATES_WINDOW_DAYS", "read_annex_a"]

#: Kinds of the contract each list becomes (``referral`` from Lists 3 and 6 together).
ANNEX_A_KINDS: Final = {
    1: ("contact",),
    2: ("early_help",),
    3: ("referral",),
    4: ("assessment",),
    5: ("s47", "icpc"),
    6: ("referral",),
    7: ("cp_plan",),
    8: ("looked_after", "death"),
}
#: The Annex A column behind each contract column of an episode of a kind.
_SOURCE_COLUMN: Final = {
    ("contact", "start"): "contact_date",
    ("contact", "source"): "contact_source",
    ("early_help", "start"): "eh_start",
    ("early_help", "end"): "eh_end",
    ("referral", "start"): "referral_date",
    ("referral", "end"): "cin_end",
    ("referral", "source"): "referral_source",
    ("referral", "need"): "primary_need",
    ("referral", "reason"): "closure_reason",
    ("assessment", "start"): "assessment_start",
    ("assessment", "end"): "assessment_end",
    ("s47", "start"): "s47_start",
    ("icpc", "start"): "icpc_date",
    ("cp_plan", "start"): "cp_start",
    ("cp_plan", "end"): "cp_end",
    ("cp_plan", "category"): "initial_category",
    ("looked_after", "start"): "la_start",
    ("looked_after", "end"): "la_end",
    ("looked_after", "legal_status"): "legal_status",
    ("death", "start"): "la_end",
}
#: Why a value of each kind could not be read.
_WHAT: Final = {
    "date": "not a date (an Excel date, or text such as 31/03/2024)",
    "id": "not an identifier",
    "text": "not text",
    "sex": "not a sex or gender the reader knows (male, female, not stated)",
    "ethnicity": "not an ethnicity code the reader knows (see the DfE code list)",
    "yes_no": "not yes or no",
    "source": "not a referral source code the reader knows (see the DfE code list)",
    "need": "not a primary need code the reader knows (N0 to N9)",
    "reason": "not a closure reason code the reader knows (RC1 to RC9)",
    "category": "not a category of abuse the reader knows (NEG, EMO, PHY, SAB, MUL)",
    "legal_status": "not a legal status code the reader knows (see the DfE code list)",
    "ceased": "not a reason-ceased code the reader knows (SSDA903 REC codes)",
}
_MAX_UNPACKED: Final = 2 * 1024**3  # bytes of a workbook's unpacked parts
_EXTRA_EPISODE: Final = ("organisation", "reason_ceased", "category_of_need")
#: How many days after a workbook's latest episode date another date it records (a child
#: last seen, a visit, a review) may lie and still count towards the extract date; a later
#: one is most likely mistyped (a year of 2031 for 2021) and is reported, not used.
OTHER_DATES_WINDOW_DAYS: Final = 31


_Numbered = tuple[int, tuple[Any, ...]]


@dataclass(frozen=True)
class _Dated:
    """One date the workbook records, where it is, and whether it is an episode's."""

    day: str
    sheet: str
    row: int
    column: str
    episode: bool


@dataclass
class _Row:
    """One converted row: where it is and the values read from it."""

    sheet: str
    number: int
    values: dict[str, Any]
    #: Columns whose value could not be read (reported; read as empty).
    dropped: frozenset[str] = frozenset()


@dataclass
class _Workbook:
    """Reads one workbook's lists into children and episodes with their origin."""

    path: Path
    problems: list[SourceProblem] = field(default_factory=list)
    headers: dict[tuple[str, str], str] = field(default_factory=dict)
    children: dict[str, dict[str, Any]] = field(default_factory=dict)
    episodes: list[dict[str, Any]] = field(default_factory=list)
    dated: list[_Dated] = field(default_factory=list)
    unreadable: list[SourceProblem] = field(default_factory=list)
    referrals: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    #: Day 0 of the workbook's date system (1904-01-01 in a 1904 workbook), for serials.
    epoch: dt.date | None = None
    #: Children with an expected birth date and an empty birth date: the first such row.
    unborn: dict[str, tuple[str, int]] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return self.path.name

    def report(
        self,
        sheet: str | None,
        row: int | None,
        column: str | None,
        value: object,
        reason: str,
        action: str,
        severity: str = "error",
        read_as: str | None = None,
        read_into: str | None = None,
        withheld: bool = False,
    ) -> None:
        self.problems.append(
            SourceProblem(
                self.file,
                row,
                column,
                value,
                reason,
                unit=sheet if sheet is not None else "row",
                action=action,
                severity="note" if severity == "note" else "error",
                read_as=read_as,
                read_into=read_into,
                withheld=withheld,
            )
        )

    # -- reading ------------------------------------------------------------------------
    def read(self) -> None:
        with _opened(self.path) as workbook:
            self.epoch = workbook.epoch.date()
            for sheet, rows in _sheets(workbook):
                self._sheet(sheet, rows)
        self._unborn_children()

    def _sheet(self, sheet: str, rows: Iterator[_Numbered]) -> None:
        """Read one sheet as the list its name numbers, if its name and headers agree."""
        number = list_number(sheet)
        top = list(islice(rows, MAX_HEADER_ROW))  # where the header row is looked for
        rows = chain(top, rows)
        if number is None or number not in LISTS:
            self._unrecognised(sheet, number, top)
            return
        spec = LISTS[number]
        named = named_lists(sheet)
        if named and number not in named:
            reason = (
                f"the sheet's name says {say_lists(named)}, but its number says "
                f"{say_lists([number])}; not converted: name the sheet for the list it holds"
            )
            self.report(sheet, None, None, None, reason, "ignored")
            return
        if not spec.converted:
            reason = (
                f"List {number} ({spec.name}) is not part of the case-history contract; "
                "not converted (its dates other than birth dates count towards the extract "
                "date)"
            )
            self.report(sheet, None, None, None, reason, "ignored", "note")
            self._dates_only(sheet, spec, rows)
            return
        self._list(sheet, spec, rows, top)

    def _unrecognised(self, sheet: str, number: int | None, top: list[_Numbered]) -> None:
        """Report a sheet whose name numbers no list: an error if its headers are a list's."""
        said = (
            "its name has no list number"
            if number is None
            else f"its name says List {number}, and Annex A has List 1 to List 11"
        )
        named = named_lists(sheet)
        if named:
            said += f"; it names the subject of {say_lists(named)}"
        fits = fitting_lists(top)
        if not fits:
            reason = f"not recognised as an Annex A list ({said}); not converted"
            self.report(sheet, None, None, None, reason, "ignored", "note")
            return
        reason = (
            f"not recognised as an Annex A list ({said}), but its headers are those of "
            f"{say_lists(fits)}; not converted: name the sheet for the list it holds "
            f"('List {min(fits)}' or 'List_{min(fits)}', say)"
        )
        self.report(sheet, None, None, None, reason, "ignored")

    def _dates_only(self, sheet: str, spec: ListSpec, rows: Iterator[_Numbered]) -> None:
        """Read only the dates of a list not converted (care leavers, adoption)."""
        for number, cells in rows:
            columns, _ = find_columns(cells, spec)
            others = other_date_columns(cells, columns.values())
            filled = sum(not _blank_cell(c) for c in cells)
            if all(key in columns for key in spec.required) and others and filled > 1:
                for number, cells in rows:
                    self._other_dates(sheet, number, cells, others)
                return
            if number >= MAX_HEADER_ROW:
                return

    def _other_dates(
        self, sheet: str, number: int, cells: tuple[Any, ...], others: list[tuple[int, str]]
    ) -> None:
        """Keep a row's dates outside the converted columns, for the extract date."""
        for at, header in others:
            raw = cells[at] if at < len(cells) else None
            try:
                day = parse_date(raw, self.epoch)
            except ValueError:
                reason = f"{_WHAT['date']}; not used for the extract date"
                shown_raw = None if raw is None else str(raw)
                problem = SourceProblem(
                    self.file, number, header, shown_raw, reason, unit=sheet,
                    action="value dropped", severity="note",
                )  # fmt: skip
                self.unreadable.append(problem)
                continue
            if day is not None:
                self.dated.append(_Dated(day, sheet, number, header, episode=False))

    def _list(
        self, sheet: str, spec: ListSpec, rows: Iterator[_Numbered], top: list[_Numbered]
    ) -> None:
        found, headers, columns = header_row(rows, spec)
        if found is None:
            names = " and ".join(c.label for c in spec.columns if c.key in spec.required)
            reason = f"no header row with the columns {names} in the first {MAX_HEADER_ROW} rows"
            fits = fitting_lists(top, other_than=spec.number)
            if fits:
                said = headers_of_another_list(top, spec.number, fits)
                reason += f": {said}; name the sheet for the list it holds"
            elif (near := unnamed_dates(top, spec)) is not None:
                row, lacking, dates = near
                reason += (
                    f": row {row} has the date column(s) {', '.join(map(repr, dates))}, "
                    f"whose header does not say it holds the {' or '.join(lacking)}; "
                    "rename the header to say which date it holds (as the template's "
                    f"{' or '.join(map(repr, lacking))} does)"
                )
            self.report(sheet, None, None, None, f"{reason}; the list is not converted", "ignored")
            return
        fits = fitting_lists(top)
        if spec.number not in fits:  # found, but another list's columns fit better
            said = headers_of_another_list(top, spec.number, fits, header=found)
            reason = f"{said}; not converted: name the sheet for the list it holds"
            self.report(sheet, None, None, None, reason, "ignored")
            return
        for key, at in columns.items():
            self.headers.setdefault((sheet, key), str(headers[at]).strip())
        others = other_date_columns(headers, columns.values())
        by_key = {c.key: c for c in spec.columns}
        known: dict[tuple[str, str], object] = {}  # code texts read in this list only
        for number, cells in rows:
            if all(_blank_cell(c) for c in cells):
                continue
            self._other_dates(sheet, number, cells, others)
            values: dict[str, Any] = {}
            dropped: set[str] = set()
            for key, at in columns.items():
                raw = cells[at] if at < len(cells) else None
                header = self.headers[(sheet, key)]
                try:
                    values[key] = parse_value(raw, by_key[key].kind, known, epoch=self.epoch)
                except ValueError:
                    required = key in spec.required
                    reason = _WHAT[by_key[key].kind]
                    action = (
                        ("child excluded" if key == "child_id" else "row excluded")
                        if (required)
                        else "value dropped"
                    )
                    # as text: a number (an identifier typed into the wrong column, say)
                    # is shown only when it looks like the codes of the column's kind
                    shown_raw = None if raw is None else str(raw)
                    kind = by_key[key].kind
                    self.report(
                        sheet, number, header, shown_raw, reason, action,
                        read_as=kind, read_into=key,
                    )  # fmt: skip
                    values[key] = None
                    dropped.add(key)
                    if required:
                        values["_skip"] = True
            if values.get("_skip"):
                continue
            for key in spec.required:
                if values.get(key) is None:
                    header = self.headers.get((sheet, key), key)
                    reason = f"{header!r} is empty; the row cannot be converted"
                    self.report(sheet, number, header, None, reason, "row excluded")
                    values["_skip"] = True
                    break
            if values.get("_skip"):
                continue
            self._row(_Row(sheet, number, values, frozenset(dropped)), spec)

    # -- one row ------------------------------------------------------------------------
    def _row(self, row: _Row, spec: ListSpec) -> None:
        v = row.values
        for key, value in v.items():
            dated = key.endswith(("_start", "_date", "_end")) and "birth" not in key
            if dated and isinstance(value, str):
                header = self.headers[(row.sheet, key)]
                self.dated.append(_Dated(value, row.sheet, row.number, header, episode=True))
        self._child(row)
        expected_only = v.get("birth_date") is None and v.get("expected_birth_date") is not None
        if expected_only and "birth_date" not in row.dropped:  # not an unreadable one
            self.unborn.setdefault(str(v["child_id"]), (row.sheet, row.number))
        n = spec.number
        if n == 1:
            self._episode(row, "contact", v["contact_date"], None, source=v.get("contact_source"))
        elif n == 2:
            extra = {"organisation": v.get("organisation")}
            self._episode(row, "early_help", v["eh_start"], v.get("eh_end"), extra=extra)
        elif n in (3, 6):
            self._referral(row, n)
        elif n == 4:
            self._episode(row, "assessment", v["assessment_start"], v.get("assessment_end"))
        elif n == 5:
            self._episode(row, "s47", v["s47_start"], None)
            if v.get("icpc_date") is not None:
                self._episode(row, "icpc", v["icpc_date"], None)
        elif n == 7:
            category = v.get("initial_category") or v.get("latest_category")
            self._episode(row, "cp_plan", v["cp_start"], v.get("cp_end"), category=category)
        elif n == 8:
            extra = {
                "reason_ceased": v.get("reason_ceased"),
                "category_of_need": v.get("category_of_need"),
            }
            self._episode(
                row,
                "looked_after",
                v["la_start"],
                v.get("la_end"),
                legal_status=v.get("legal_status"),
                extra=extra,
            )
            if v.get("reason_ceased") == "E2" and v.get("la_end") is not None:
                self._episode(row, "death", v["la_end"], None)

    def _child(self, row: _Row) -> None:
        v = row.values
        child = str(v["child_id"])
        seen = self.children.get(child)
        fields = ("birth_date", "expected_birth_date", "sex", "ethnicity", "disability", "uasc")
        if seen is None:
            self.children[child] = {
                "child_id": child,
                **{f: v.get(f) for f in fields},
                "_pos": row.number,
                "_el": row.sheet,
                "_unit": row.sheet,
            }
            return
        where = f"first at {record_label(seen['_unit'], seen['_pos'])}"
        for f in fields:
            new = v.get(f)
            if new is None:
                continue
            if seen.get(f) is None:
                seen[f] = new
            elif seen[f] != new and f != "uasc":
                header = self.headers.get((row.sheet, f), f)
                what = "Date of Birth" if f == "birth_date" else header
                severity = "error" if f == "birth_date" else "note"
                reason = (
                    f"the child's {what} differs from the one recorded in another row of the "
                    f"workbook ({where}); the first is kept"
                )
                self.report(
                    row.sheet, row.number, header, new, reason, "kept", severity,
                    read_into=f, withheld=True,
                )  # fmt: skip
            elif f == "uasc":
                seen[f] = bool(seen[f]) or bool(new)

    def _unborn_children(self) -> None:
        """Give a child unborn when the workbook was made its expected birth date.

        A child with an empty birth date in every row and an expected birth date in one
        has the expected date as ``birth_date`` (as the CIN census reader does), marked as
        not born, so records up to 40 weeks before it are kept; a note says so.
        """
        for child_id, (sheet, number) in self.unborn.items():
            child = self.children[child_id]
            if child["birth_date"] is not None:  # born: another row has the birth date
                continue
            child["birth_date"] = child["expected_birth_date"]
            child["_born"] = False
            birth = self.headers.get((sheet, "birth_date"), "Date of Birth")
            reason = f"{birth!r} is empty (unborn child): the expected birth date is the birth date"
            header = self.headers[(sheet, "expected_birth_date")]
            self.report(sheet, number, header, None, reason, "kept", "note")
            # on a list without a birth date column, problems with the birth date (one too
            # far ahead) name the expected birth date's
            self.headers.setdefault((sheet, "birth_date"), header)

    def _episode(
        self,
        row: _Row,
        kind: str,
        start: str,
        end: str | None,
        *,
        extra: dict[str, Any] | None = None,
        **codes: str | None,
    ) -> None:
        self.episodes.append(
            {
                "child_id": str(row.values["child_id"]),
                "kind": kind,
                "start": start,
                "end": end,
                **codes,
                **(extra or {}),
                "_pos": row.number,
                "_el": row.sheet,
                "_unit": row.sheet,
            }
        )

    def _referral(self, row: _Row, number: int) -> None:
        """Add a referral; Lists 3 and 6 describe the same ones (one per child and date)."""
        v = row.values
        start = v["referral_date"] if number == 3 else v["cin_start"]
        fields = (
            {"source": v.get("referral_source"), "_nfa": self._nfa_read(row)}
            if number == 3
            else {"end": v.get("cin_end"), "need": v.get("primary_need"),
                  "reason": v.get("closure_reason"), "_closure": self._closure_read(row)}
        )  # fmt: skip
        key = (str(v["child_id"]), start)
        episode = self.referrals.get(key)
        if episode is not None and episode["_list"] != number:
            for name, value in fields.items():
                if value is not None and episode.get(name) is None:
                    episode[name] = value
            if episode["_list"] in (3, 6):  # the other list's row: two records of it
                self._nfa_against_closure(episode, row, number)
            episode["_list"] = 0  # in both lists
            return
        # new, or the same list twice: a second row, reported when merging
        self._episode(row, "referral", start, None)
        self.episodes[-1].update(fields)
        self.episodes[-1]["_list"] = number
        self.referrals.setdefault(key, self.episodes[-1])

    def _nfa_read(self, row: _Row) -> tuple[str, int] | None:
        """Return where a List 3 row says no further action (None: it does not say so)."""
        return (row.sheet, row.number) if row.values.get("referral_nfa") is True else None

    def _nfa_label(self, at: tuple[str, int]) -> str:
        """Name the ``Referral NFA?`` cell at ``at`` (sheet, row), as problems name cells."""
        return f"{record_label(*at)}, column {self.headers[(at[0], 'referral_nfa')]!r}"

    def _closure_read(self, row: _Row) -> tuple[str, int] | None:
        """Return where a List 6 row's closure date was read (None: no column, or unreadable)."""
        if (row.sheet, "cin_end") not in self.headers or "cin_end" in row.dropped:
            return None
        return row.sheet, row.number

    def _nfa_against_closure(self, episode: dict[str, Any], row: _Row, number: int) -> None:
        """Report an NFA referral that List 6 holds open or closes on another day.

        A List 3 ``Referral NFA?`` yes and such a List 6 record are two records of one
        episode that differ: an error at List 6's closure date naming List 3's cell
        (:func:`~escalation.data.statutory.merge.nfa_disagrees`, the rule every reader
        applies; the end is List 6's closure date when given, else the referral day).
        """
        closure, nfa_at = episode.get("_closure"), episode.get("_nfa")
        if nfa_at is None or closure is None:
            return
        end, start = episode.get("end"), episode["start"]
        if end == start:  # closed on the day: the two lists agree
            return
        header = self.headers[(closure[0], "cin_end")]
        kept = start if end is None else end
        reason = nfa_disagrees(self._nfa_label(nfa_at), "yes", header, end, start=start, kept=kept)
        self.report(closure[0], closure[1], header, end, reason, "kept", read_into="end")

    # -- the extract date ---------------------------------------------------------------
    def latest(self, today: str) -> tuple[_Dated | None, list[SourceProblem]]:
        """Return the latest date the workbook records and the dates not used for it.

        Every date counts: the episodes' and the other dates of every list (a child last
        seen, a visit, a review). A date after ``today`` cannot have been recorded yet; a
        date outside the episodes more than :data:`OTHER_DATES_WINDOW_DAYS` days after the
        latest episode date is most likely mistyped. Neither is used, and such a date
        outside the episodes is reported here (an episode's is reported when the episode
        is excluded for lying after the workbook's date). The dates of a row merging
        leaves out (:meth:`repeated_rows`) are not used either.
        """
        left_out = self.repeated_rows(today)
        dated = [d for d in self.dated if (d.sheet, d.row) not in left_out]
        episodes = [d for d in dated if d.episode and d.day <= today]
        anchor = max((d.day for d in episodes), default=None)
        if anchor is None:
            return None, []
        window = dt.timedelta(days=OTHER_DATES_WINDOW_DAYS)
        limit = (dt.date.fromisoformat(anchor) + window).isoformat()
        used, problems = [], []
        for d in dated:  # in reading order: the first of the latest is named
            if d.episode:
                if d.day <= today:
                    used.append(d)
                continue
            if d.day > today:
                reason = (
                    f"the date is after today ({today}), so it cannot have been recorded "
                    "yet; not used for the extract date"
                )
            elif d.day > limit:
                reason = (
                    f"the date is more than {OTHER_DATES_WINDOW_DAYS} days after the "
                    f"workbook's latest episode date ({anchor}), most likely mistyped; not "
                    "used for the extract date"
                )
            else:
                used.append(d)
                continue
            problems.append(
                SourceProblem(
                    self.file,
                    d.row,
                    d.column,
                    d.day,
                    reason,
                    unit=d.sheet,
                    action="value dropped",
                    read_as_date=True,
                )
            )
        return max(used, key=lambda d: d.day), problems

    def repeated_rows(self, today: str) -> set[tuple[str, int]]:
        """Return the rows (sheet, number) whose every episode merging leaves out.

        Each such episode repeats another of the workbook (a copy, or a second record of
        an interval that differs: see :func:`~escalation.data.statutory.merge.repeated_in_return`).
        A record dated after ``today`` is set aside before, as merging sets it aside: it
        never makes the next record of its episode a repeat.
        """
        _, eps = self.frames(0, None, recorded_by=today)
        repeated = repeated_in_return(eps)
        rows = set(zip(eps["_el"], eps["_pos"], strict=True))
        kept = set(zip(eps["_el"][~repeated], eps["_pos"][~repeated], strict=True))
        return rows - kept

    # -- the return ---------------------------------------------------------------------
    def frames(
        self,
        rank: int,
        reference: str | None,
        born_by: str | None = None,
        *,
        recorded_by: str | None = None,
    ) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Return (children, episodes) with origin columns, as :func:`merge_returns` wants.

        ``born_by``: the extract date given, against which a recorded birth date is judged
        instead of the workbook's own date (the latest it records, not when it was made).
        ``recorded_by``: the day the workbook is read; a record dated after it is set aside
        before the repeat rules (the workbook's own date is the latest date of the rows
        they keep).
        """
        kids = pd.DataFrame(
            list(self.children.values()),
            columns=[*CHILD_FIELDS, "uasc", "_pos", "_el", "_unit", "_born"],
        )
        # False: the birth date is an expected one (an unborn child's). A birth date
        # recorded after the workbook's date is not: merging excludes its child, as the
        # CIN census's (merge._late_births).
        kids["_born"] = ~kids["_born"].isin([False])
        kids = kids.assign(_file=self.file, _rank=rank, _ref=reference, _born_by=born_by)
        if not kids["uasc"].notna().any():
            kids = kids.drop(columns="uasc")
        rows = []
        for episode in self.episodes:
            episode = dict(episode)
            nfa = episode.pop("_nfa", None)
            episode.pop("_list", None)
            closure = episode.pop("_closure", None)
            if episode["kind"] == "referral" and nfa is not None:
                if episode.get("end") is None:
                    episode["end"] = episode["start"]  # Referral NFA: closed on the day
                episode["_nfa"], episode["_nfa_said"] = self._nfa_label(nfa), "yes"
            if closure is not None:  # the end is List 6's, wherever the row was first read
                episode["_end_unit"], episode["_end_pos"] = closure
                episode["_end_file"] = self.file
            rows.append(episode)
        columns = [*EPISODE_FIELDS, "legal_status", *_EXTRA_EPISODE]
        origin = ["_pos", "_el", "_unit", "_nfa", "_nfa_said", "_end_unit", "_end_pos", "_end_file"]
        eps = pd.DataFrame(rows, columns=[*columns, *origin])
        eps = eps.assign(_file=self.file, _rank=rank, _ref=reference, _recorded_by=recorded_by)
        for extra in _EXTRA_EPISODE:
            if not eps[extra].notna().any():
                eps = eps.drop(columns=extra)
        return kids, eps


def _blank_cell(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@contextmanager
def _opened(path: Path) -> Iterator[Any]:
    """Open a workbook read-only (values only) and close it after use."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        yield workbook
    finally:
        workbook.close()


def _sheets(workbook: Any) -> Iterator[tuple[str, Iterator[tuple[int, tuple[Any, ...]]]]]:
    """Yield each sheet's title and its rows (numbered as Excel shows them).

    Every row and column the sheet holds is read: the range a sheet's ``<dimension>``
    states, which read-only openpyxl would otherwise keep to, is only a hint, and some
    programs write it too small.
    """
    for sheet in workbook.worksheets:
        rows = getattr(sheet, "iter_rows", None)
        if rows is None:  # a chart sheet
            continue
        sheet.reset_dimensions()
        numbered = enumerate(sheet.iter_rows(values_only=True), start=1)
        yield str(sheet.title), ((n, tuple(cells)) for n, cells in numbered)


#: What :mod:`zipfile` raises on a damaged archive: besides ``BadZipFile``, a garbled
#: "version needed to extract" gives ``NotImplementedError``, a truncated record
#: ``struct.error`` or ``EOFError``, an encrypted member ``RuntimeError``.
_ZIP_ERRORS: Final = (
    zipfile.BadZipFile,
    OSError,
    ValueError,
    NotImplementedError,
    EOFError,
    OverflowError,
    RuntimeError,
    struct.error,
)


def _check_file(path: Path) -> None:
    """Refuse what is not an .xlsx workbook before openpyxl opens it."""

    def refuse(reason: str) -> DataValidationError:
        problem = SourceProblem(path.name, None, None, None, reason, action="file not read")
        return DataValidationError([problem], f"Annex A {path.name}")

    if path.suffix.lower() == ".xls":
        raise refuse("an Excel 97-2003 (.xls) workbook; open it in Excel and save it as .xlsx")
    if not zipfile.is_zipfile(path):
        raise refuse("not an Excel workbook (.xlsx): the file is not a zip archive")
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            names = set(archive.namelist())
    except _ZIP_ERRORS as error:
        raise refuse(f"not a readable .xlsx workbook ({type(error).__name__})") from None
    if unpacked > _MAX_UNPACKED:
        raise refuse(
            f"the workbook unpacks to {unpacked / 1024**3:.1f} GB; refused as a possible zip "
            "bomb (an Annex A workbook is far smaller)"
        )
    if "xl/workbook.xml" not in names:
        raise refuse("not an Excel workbook (.xlsx): it has no xl/workbook.xml part")


def _read_workbook(path: Path) -> _Workbook:
    _check_file(path)
    book = _Workbook(path)
    try:
        book.read()
    except DataValidationError:
        raise
    except Exception as error:  # openpyxl's errors on damaged parts are of many types
        reason = f"not a readable .xlsx workbook ({type(error).__name__}); re-save it from Excel"
        problem = SourceProblem(path.name, None, None, None, reason, action="file not read")
        raise DataValidationError([problem], f"Annex A {path.name}") from None
    return book


def _element_of(headers: dict[tuple[str, str], str]) -> Any:
    sheets = {sheet for sheet, _ in headers}

    def element_of(table: str, column: str | None, element: str, kind: str | None) -> str | None:
        if element not in sheets:
            return cin_element(table, column, element, kind)
        if table == "children":
            key = column or ""
        else:
            key = _SOURCE_COLUMN.get((kind or "", column or ""), column or "")
        if key == "referral_date" and (element, key) not in headers:
            key = "cin_start"
        return headers.get((element, key), column)

    return element_of


def read_annex_a(
    paths: str | Path | Sequence[str | Path],
    *,
    cin_census: str | Path | Sequence[str | Path] = (),
    lenient: bool = False,
    extract_date: str | pd.Timestamp | None = None,
) -> CaseHistory:
    """Read one or several Annex A workbooks (and CIN census returns) into a case history.

    Parameters
    ----------
    paths : path or sequence of paths
        Annex A workbooks (``.xlsx``) of one local authority, any number of years, in any
        order. Children are matched on their LA child identifier; an episode recurring
        across workbooks (same child, kind and start date) is kept once, from the latest
        workbook (which holds the end of an episode open in an earlier one); workbooks of
        one latest date are ranked by file name, numbers compared as numbers.
    cin_census : path or sequence of paths, optional
        CIN census XML returns of the same authority, merged with the workbooks by the LA
        child identifier (``LAchildID``): the same referral, assessment or plan in both is
        one episode, and a child's birth date, sex or ethnicity that differ between them
        are reported.
    lenient : bool, default False
        If False, any error raises one :class:`~escalation.errors.DataValidationError`
        listing every problem; if True, what is valid is kept and every problem is listed
        in ``history.exclusions`` (see :func:`source_report`).
    extract_date : str or Timestamp, optional
        The extract date. When omitted it is the latest of the sources' dates: a CIN
        census ``ReferenceDate``, or for a workbook the latest date it records on any list
        (a workbook carries no date of its own): the episodes' dates and every other date
        column (a child last seen, visits, reviews, checks, adoption dates; not birth dates
        nor dates ahead by design, such as a next review). ``history.extract_date_source``
        says which file, sheet and column. A date after today, or one outside the episodes
        more than :data:`OTHER_DATES_WINDOW_DAYS` days after the workbook's latest episode
        date (a mistyped year), is not used and is reported with its sheet, row and column.

    Returns
    -------
    CaseHistory
        Children (``child_id``, ``birth_date``, ``sex``, ``ethnicity``, ``disability``,
        ``expected_birth_date`` when recorded, ``uasc`` when List 8 has it) and episodes:
        ``contact`` (List 1), ``early_help`` (List 2), ``referral`` (Lists 3 and 6),
        ``assessment`` (List 4), ``s47`` and ``icpc`` (List 5), ``cp_plan`` (List 7),
        ``looked_after`` (List 8, and a ``death`` when it ceased with ``E2``), plus those of
        the CIN census returns. Extra episode columns: ``organisation`` (early help),
        ``reason_ceased`` and ``category_of_need`` (looked after).

    Raises
    ------
    DataValidationError
        When a file is not a readable workbook, no date can be found for the extract date,
        or (strict mode) a value breaks the lists' codes or the contract.
    FileNotFoundError
        When a file does not exist.

    Notes
    -----
    The mapping of every list and column is on the statutory-returns page of the
    documentation. A sheet is read as the list its name numbers (``List 2``, ``List_2``,
    ``L2 - Early Help``); a name that says another list's subject (``List 4 - Early
    Help``), headers that are another list's and not the number's, or a sheet that numbers
    no list but has a list's headers, are errors and the sheet is not converted. Lists 9
    (care leavers), 10 and 11 (adoption) are reported as not converted (their dates count
    towards the extract date). A child whose date of birth is empty and whose expected
    date of birth is given (unborn) has the expected date as ``birth_date``, with a note;
    a ``Date of Birth`` after the workbook's date excludes its child, as in the CIN census.
    List 6's closure date, when given, is a referral's end, else a List 3 ``Referral NFA?``
    yes closes it on its day; an NFA beside a List 6 record open or closed on another day
    is an error naming both columns.
    An early help assessment's start and completion dates are the ``early_help``
    episode's start and end: Annex A records no other end of early help.

    Examples
    --------
    >>> from escalation.data.statutory import read_annex_a
    >>> history = read_annex_a("annex_a_2024.xlsx", lenient=True)  # doctest: +SKIP
    >>> history.counts()  # doctest: +SKIP
    """
    files = _as_paths(paths)
    cin_files = _as_paths(cin_census)
    if not files:
        raise ValueError("no Annex A workbook given")
    for path in files:
        if not path.is_file():
            raise FileNotFoundError(f"Annex A workbook not found: {path}")
    given = None if extract_date is None else given_date(extract_date)
    books = [_read_workbook(path) for path in files]
    problems = [p for book in books for p in book.problems]
    # (date, name order, position, workbook or return): later sources win
    sources: list[tuple[str, tuple[tuple[tuple[str, int], ...], str], int, Any]] = []
    latest_of: dict[int, _Dated] = {}
    set_aside = 0
    today = _today()
    for i, book in enumerate(books):
        found, late = book.latest(today)
        if given is None:  # what the extract date is taken from, and what it is not
            problems += book.unreadable + late
            set_aside += len(late)
        if found is None and given is None:
            problems.append(
                SourceProblem(
                    book.file,
                    None,
                    None,
                    None,
                    "no episode dates found to take the extract date from; pass "
                    "extract_date=... (--extract-date)",
                    action="file not read",
                )
            )
        if found is not None:
            latest_of[i] = found
        sources.append((found.day if found is not None else "", path_order(book.path), i, book))
    unread = {p.table for p in problems if p.action == "file not read"}
    # a file not read is shown with its own errors, which often say why it has no dates
    raise_for_errors([p for p in problems if p.table in unread], _context(files))
    returns: list[ReturnTables] = []
    if cin_files:
        returns, cin_problems, _ = cin_returns(cin_files, lenient=lenient, extract_date=given)
        problems += cin_problems
        sources += [
            (r.reference_date or "", path_order(path), len(books) + i, r)
            for i, (r, path) in enumerate(zip(returns, cin_files, strict=True))
        ]
    sources.sort(key=lambda s: s[:2])  # sources of one date by their files' names
    frames = []
    headers: dict[tuple[str, str], str] = {}
    born_by = None if given is None else given.date().isoformat()
    for rank, (reference, _, _, source) in enumerate(sources):
        if isinstance(source, _Workbook):
            frames.append(source.frames(rank, reference or None, born_by, recorded_by=today))
            for key, header in source.headers.items():
                headers.setdefault(key, header)
        else:
            source.rank = rank
            frames.append(source.frames())
    latest = sources[-1]
    if given is not None:
        when, origin = given, "given"
    else:
        when = pd.Timestamp(latest[0])
        name = latest[3].file
        if isinstance(latest[3], ReturnTables):
            origin = f"CIN census ReferenceDate ({name})"
        else:
            origin = _latest_source(name, latest_of[latest[2]], set_aside)
    history = merge_returns(
        [],
        problems,
        extract_date=when,
        extract_date_source=origin,
        lenient=lenient,
        context=_context([*files, *cin_files]),
        format_name="Annex A and CIN census" if cin_files else "Annex A",
        element_of=_element_of(headers),
        frames=frames,
    )
    history = with_date_columns(history, ("pre_proceedings_start", "pre_proceedings_end"))
    return replace(history, source=tuple(str(path) for path in [*files, *cin_files]))


def _today() -> str:
    """Today's date (ISO): no date a workbook records can lie after it."""
    return dt.date.today().isoformat()


def _latest_source(name: str, latest: _Dated, set_aside: int) -> str:
    """Say where a workbook's extract date was found, in a user's words."""
    origin = (
        f"Annex A: latest date recorded in {name} (sheet {latest.sheet!r}, column "
        f"{latest.column!r})"
    )
    if set_aside:
        dates = "date" if set_aside == 1 else "dates"
        origin += (
            f"; {set_aside} later {dates} not used, after today or more than "
            f"{OTHER_DATES_WINDOW_DAYS} days after the latest episode date (see the exclusion "
            "report)"
        )
    return origin


def _as_paths(paths: str | Path | Iterable[str | Path]) -> list[Path]:
    if isinstance(paths, str | Path):
        return [Path(paths)]
    return [Path(p) for p in paths]


def _context(files: Sequence[Path]) -> str:
    return "Annex A " + ", ".join(p.name for p in files)
