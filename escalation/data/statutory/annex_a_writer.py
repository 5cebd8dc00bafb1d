"""Write a :class:`CaseHistory` as an Ofsted Annex A workbook (for round trips and tests).

The workbook has the sheets ``List 1`` to ``List 8`` with the headers of Ofsted's template
and values written as the template's lettered choices (``q) 6: Police``, ``b) Female``),
so :func:`~escalation.data.statutory.read_annex_a` reads back what was written. With
``since`` and ``until`` it writes what an authority's workbook for that period would hold:
episodes active in the period, those still running at ``until`` written as open. It is a
tool for tests and benchmarks, not for preparing an inspection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

from escalation._archives import fix_archive_times
from escalation.data.codes import (
    CLOSURE_REASONS,
    CP_CATEGORIES,
    ETHNICITIES,
    LEGAL_STATUSES,
    PRIMARY_NEEDS,
    REFERRAL_SOURCES,
)
from escalation.data.history import CaseHistory
from escalation.data.statutory.annex_a_columns import LISTS

__all__ = ["AnnexAWriteSummary", "write_annex_a"]

#: Episode kinds an Annex A workbook holds (the rest are skipped and counted).
WRITTEN_KINDS: Final = (
    "contact", "early_help", "referral", "assessment", "s47", "icpc", "cp_plan", "looked_after",
)  # fmt: skip
_SEX: Final = {"M": "a) Male", "F": "b) Female", "U": "c) Not stated/recorded"}


@dataclass(frozen=True)
class AnnexAWriteSummary:
    """What :func:`write_annex_a` wrote.

    Parameters
    ----------
    path : Path
        The workbook written.
    children : int
        Children with at least one row.
    rows : dict of str to int
        Rows written per sheet.
    skipped : dict of str to int
        Episodes not written, by kind: kinds Annex A does not hold (``cin_plan``,
        ``moved_out``, ``death``), conferences without an enquiry to sit beside, and
        episodes outside the period.
    """

    path: Path
    children: int
    rows: dict[str, int]
    skipped: dict[str, int] = field(default_factory=dict)


def _choice(codes: Mapping[str, str], with_label: bool) -> dict[str, str]:
    """Template-style choices: ``a) CODE`` or ``a) CODE: Label`` in the list's order."""
    out = {}
    for i, (code, label) in enumerate(codes.items()):
        letter = chr(ord("a") + i) if i < 26 else "z"
        out[code] = f"{letter}) {code}: {label}" if with_label else f"{letter}) {code}"
    return out


_ETHNIC: Final = _choice(ETHNICITIES, with_label=False)
_SOURCE: Final = _choice(REFERRAL_SOURCES, with_label=True)
_NEED: Final = {code: f"{code} - {label}" for code, label in PRIMARY_NEEDS.items()}
_REASON: Final = {code: f"{code} - {label}" for code, label in CLOSURE_REASONS.items()}
_LEGAL: Final = {code: f"{code}: {label}" for code, label in LEGAL_STATUSES.items()}


def _missing(value: Any) -> bool:
    return value is None or bool(pd.isna(value))


def _day(value: Any) -> dt.date | None:
    return None if _missing(value) else pd.Timestamp(value).date()


def _yes(value: Any) -> str | None:
    if _missing(value):
        return None
    return "a) Yes" if bool(value) else "b) No"


def _code(table: Mapping[str, str]) -> Callable[[Any], str | None]:
    def write(value: Any) -> str | None:
        if _missing(value):
            return None
        return table.get(str(value), str(value))

    return write


def _child_cells(
    children: pd.DataFrame, end_day: pd.Timestamp
) -> dict[Any, tuple[tuple[Any, ...], str | None]]:
    """Each child's cells of every sheet, worked out once per child rather than per row.

    Returns, by child identifier, the cells every sheet starts with (identifier, gender,
    ethnicity, date of birth, age at ``end_day``, expected date of birth) and the ``Does
    the Child have a Disability`` cell of Lists 4 to 8. A column the children table lacks
    is written empty. A child born after ``end_day`` was unborn at the workbook's date: its
    date of birth and age are left empty and its expected date of birth is written (its
    ``expected_birth_date``, else its birth date), as the CIN census writer writes
    ``ExpectedPersonBirthDate`` alone.

    Examples
    --------
    >>> kids = pd.DataFrame({"child_id": ["c1", "u1"], "sex": ["F", None],
    ...                      "birth_date": pd.to_datetime(["2015-04-01", "2024-05-01"]),
    ...                      "disability": [True, None]})
    >>> cells = _child_cells(kids, pd.Timestamp("2024-03-31"))
    >>> cells["c1"]
    (('c1', 'b) Female', None, datetime.date(2015, 4, 1), 9.0, None), 'a) Yes')
    >>> cells["u1"]
    (('u1', None, None, None, None, datetime.date(2024, 5, 1)), None)
    """
    ethnic = _code(_ETHNIC)
    columns = {
        name: children[name].tolist() if name in children else [None] * len(children)
        for name in ("child_id", "birth_date", "expected_birth_date", "sex", "ethnicity",
                     "disability")
    }  # fmt: skip
    cells = {}
    for child_id, birth_date, expected_date, sex, ethnicity, disability in zip(
        *columns.values(), strict=True
    ):
        birth, expected = _day(birth_date), _day(expected_date)
        if birth is not None and birth > end_day.date():  # unborn at the workbook's date
            birth, expected = None, expected or birth
        age = None if birth is None else round((end_day.date() - birth).days / 365.25, 2)
        gender = _SEX.get(str(sex), None) if not _missing(sex) else None
        person = (str(child_id), gender, ethnic(ethnicity), birth, age, expected)
        cells[child_id] = (person, _yes(disability))
    return cells


def write_annex_a(
    history: CaseHistory,
    path: str | Path,
    *,
    since: str | pd.Timestamp | None = None,
    until: str | pd.Timestamp | None = None,
) -> AnnexAWriteSummary:
    """Write a case history as an Annex A workbook that :func:`read_annex_a` reads back.

    Parameters
    ----------
    history : CaseHistory
        A validated history (the simulator's, for instance).
    path : str or Path
        The ``.xlsx`` file to write.
    since : str or Timestamp, optional
        First day of the workbook's period: episodes that ended before it are left out.
        Default: everything.
    until : str or Timestamp, optional
        The workbook's date (default: the history's extract date): later episodes are left
        out, and episodes running past it are written as open (no end, no closure reason).

    Returns
    -------
    AnnexAWriteSummary

    Notes
    -----
    Lists 1–8 are written: contacts, early help (start and completion as the episode's
    start and end), referrals (List 3, with ``Referral NFA?`` yes for a referral closed on
    its day) and the same referrals as children in need (List 6: need, closure date and
    reason), assessments, section 47 enquiries with the conference that follows each
    (List 5), child protection plans and periods of care. Lists 9–11 are not written. A
    child born after ``until`` is written unborn, as the reader reads one: ``Date of Birth``
    and ``Age`` empty, its expected birth date (else its birth date) in an ``Expected Date
    of Birth`` column, written only when some child has an expected birth date.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from escalation.data.simulator import simulate_local_authority
    >>> from escalation.data.statutory import read_annex_a, write_annex_a
    >>> history = simulate_local_authority(60, seed=3, config=None).history
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "annex_a.xlsx"
    >>> summary = write_annex_a(history, out)
    >>> back = read_annex_a(out, extract_date=history.extract_date, lenient=True)
    >>> int((back.episodes["kind"] == "referral").sum()) == summary.rows["List 3"]
    True
    """
    import openpyxl

    end_day = pd.Timestamp(until if until is not None else history.extract_date).normalize()
    start_day = pd.Timestamp(since).normalize() if since is not None else None
    eps = history.episodes.copy()
    eps["kind"] = eps["kind"].astype(str)
    skipped: dict[str, int] = {}

    def skip(kind: str, n: int) -> None:
        if n:
            skipped[kind] = skipped.get(kind, 0) + int(n)

    for kind, n in eps.loc[~eps["kind"].isin(WRITTEN_KINDS), "kind"].value_counts().items():
        skip(str(kind), int(n))
    eps = eps[eps["kind"].isin(WRITTEN_KINDS)]
    late = eps["start"] > end_day
    early = pd.Series(False, index=eps.index)
    if start_day is not None:
        last = eps["end"].where(eps["end"].notna(), eps["start"])
        early = last < start_day
        early &= ~(eps["end"].isna() & ~eps["kind"].isin(["contact", "s47", "icpc"]))
    for kind, n in eps.loc[late | early, "kind"].value_counts().items():
        skip(str(kind), int(n))
    eps = eps[~(late | early)].copy()
    running = eps["end"] > end_day
    eps.loc[running, "end"] = pd.NaT
    if "reason" in eps:
        eps["reason"] = eps["reason"].astype(object).where(~running, None)

    label = {c.key: c.label for spec in LISTS.values() for c in spec.columns}
    people = _child_cells(history.children, end_day)
    # the template has no expected date of birth: the column is written when one is known
    expecting = any(cells[-1] is not None for cells, _ in people.values())
    common = ["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age"]
    common += [label["expected_birth_date"]] if expecting else []

    def person(child_id: Any, disability: bool) -> list[Any]:
        cells, disabled = people[child_id]
        cells = cells if expecting else cells[:-1]
        return [*cells, disabled] if disability else list(cells)

    workbook = openpyxl.Workbook(write_only=True)
    rows: dict[str, int] = {}
    written: set[str] = set()

    def sheet(number: int, headers: list[str], body: list[list[Any]]) -> None:
        ws = workbook.create_sheet(f"List {number}")
        ws.append(headers)
        for row in body:
            ws.append(row)
            written.add(str(row[0]))
        rows[f"List {number}"] = len(body)

    def of(kind: str) -> pd.DataFrame:
        return eps[eps["kind"] == kind].sort_values(["child_id", "start"], kind="stable")

    source = _code(_SOURCE)
    sheet(
        1,
        [*common, label["contact_date"], label["contact_source"]],
        [
            [*person(r.child_id, False), _day(r.start), source(r.source)]
            for r in of("contact").itertuples()
        ],
    )
    organisation = "organisation" in eps
    sheet(
        2,
        [*common, label["eh_start"], label["eh_end"], label["organisation"]],
        [
            [
                *person(r.child_id, False),
                _day(r.start),
                _day(r.end),
                getattr(r, "organisation", None) if organisation else "Early Help Service",
            ]
            for r in of("early_help").itertuples()
        ],
    )
    referrals = of("referral")
    sheet(
        3,
        [*common, label["referral_date"], label["referral_source"], label["referral_nfa"]],
        [
            [
                *person(r.child_id, False),
                _day(r.start),
                source(r.source),
                "Yes" if _day(r.end) is not None and _day(r.end) == _day(r.start) else "No",
            ]
            for r in referrals.itertuples()
        ],
    )
    disabled = [*common, "Does the Child have a Disability"]
    sheet(
        4,
        [*disabled, label["assessment_start"], label["assessment_end"]],
        [
            [*person(r.child_id, True), _day(r.start), _day(r.end)]
            for r in of("assessment").itertuples()
        ],
    )
    enquiries, lost = _enquiries(of("s47"), of("icpc"))
    skip("icpc", lost)
    sheet(
        5,
        [*disabled, label["s47_start"], label["icpc_date"]],
        [[*person(c, True), _day(s), _day(i)] for c, s, i in enquiries],
    )
    sheet(
        6,
        [*disabled, label["cin_start"], label["primary_need"], label["cin_end"],
         label["closure_reason"]],
        [
            [*person(r.child_id, True), _day(r.start), _code(_NEED)(r.need), _day(r.end),
             _code(_REASON)(r.reason)]
            for r in referrals.itertuples()
        ],
    )  # fmt: skip
    category = _code(dict(CP_CATEGORIES))
    sheet(
        7,
        [*disabled, label["cp_start"], label["initial_category"], label["latest_category"],
         label["cp_end"]],
        [
            [*person(r.child_id, True), _day(r.start), category(r.category),
             category(r.category), _day(r.end)]
            for r in of("cp_plan").itertuples()
        ],
    )  # fmt: skip
    sheet(
        8,
        [*disabled, label["la_start"], label["legal_status"], label["la_end"]],
        [
            [*person(r.child_id, True), _day(r.start), _code(_LEGAL)(r.legal_status),
             _day(r.end)]
            for r in of("looked_after").itertuples()
        ],
    )  # fmt: skip
    target = Path(path)
    workbook.save(target)
    fix_archive_times(target)  # the same bytes for the same history on every run
    return AnnexAWriteSummary(target, len(written), rows, skipped)


def _enquiries(s47: pd.DataFrame, icpc: pd.DataFrame) -> tuple[list[tuple[str, Any, Any]], int]:
    """Pair each conference with the latest earlier enquiry of the child that has none."""
    rows: list[list[Any]] = [[str(r.child_id), r.start, None] for r in s47.itertuples()]
    by_child: dict[str, list[list[Any]]] = {}
    for row in rows:
        by_child.setdefault(row[0], []).append(row)
    lost = 0
    for r in icpc.itertuples():
        free = [
            row for row in by_child.get(str(r.child_id), []) if row[1] <= r.start and row[2] is None
        ]
        if free:
            free[-1][2] = r.start
        else:
            lost += 1
    return [(str(c), s, i) for c, s, i in rows], lost
