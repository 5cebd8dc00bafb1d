"""Which Annex A list a sheet holds: its name's number, and what its name and headers say.

A sheet is read as the list its name numbers (``List 3``, ``List_3``, ``List-3``,
``L3 referrals``). The rest of the name and the header row are a check on that number,
never a guess in its place: a name that says another list's subject (``List 4 - Early
Help``), or headers that are another list's and not the number's, or that fit another list
better than the number's (a ``List 4`` with early help's start, completion and
organisation, of which List 4 would read the first two as an assessment), are reported
with both what they say and what the number says, naming the headers, and the sheet is
not converted. Local and older
layouts do not always number the lists as Ofsted's template does, and early help read as
social-work assessments would go unnoticed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Final

from escalation.data.statutory.annex_a_columns import (
    CHILD_COLUMNS,
    LISTS,
    Column,
    ListSpec,
    find_columns,
    header_words,
    other_date_columns,
)

__all__ = [
    "MAX_HEADER_ROW",
    "fitting_lists",
    "header_row",
    "headers_of_another_list",
    "list_number",
    "named_lists",
    "own_headers",
    "say_lists",
    "unnamed_dates",
]

#: How far down a sheet its header row is looked for (title rows may sit above it).
MAX_HEADER_ROW: Final = 20
#: "List" (or a leading "L") and the number, with spaces, ``_``, ``-`` or ``.`` between.
_LIST_TITLE: Final = re.compile(
    r"(?:(?<![a-z])list|^l)[\s_.\-]*0*(\d{1,2})(?![a-z0-9])", re.IGNORECASE
)
#: Each list's subject as a sheet's name says it, recognised by the words of the name as a
#: column is by the words of its header (``=``: a whole word).
_SUBJECTS: Final[Mapping[int, tuple[Column, ...]]] = {
    1: (Column("contact", "contacts", (("contact",),)),),
    2: (
        Column("early_help", "early help", (("early",), ("help",))),
        Column("eh", "EH", (("=eh", "=eha", "=ehas"),)),
    ),
    3: (Column("referral", "referrals", (("referral", "referred"),)),),
    4: (Column("assessment", "assessments", (("assessment",),), ("early", "=eh", "=eha")),),
    5: (
        Column(
            "s47",
            "section 47 enquiries",
            (("47", "s47", "section47", "enquir", "strategy", "conferenc", "=icpc"),),
        ),
    ),
    6: (Column("cin", "children in need", (("=need", "=cin"),)),),
    7: (Column("cp", "child protection plans", (("protect", "=cp", "=cpp", "=cpps"),)),),
    8: (
        Column("cla", "children looked after", (("looked", "=cla", "=lac", "=cic"),)),
        Column("in_care", "children in care", (("=in",), ("care",)), ("leaver",)),
    ),
    9: (Column("leavers", "care leavers", (("leaver",),)),),
    10: (Column("adoption", "adoption", (("adoption", "adopted"),)),),
    11: (Column("adopters", "adopters", (("adopter",),)),),
}

_Numbered = tuple[int, tuple[Any, ...]]


def list_number(title: str) -> int | None:
    """Return the list number a sheet's name says, or None.

    Examples
    --------
    >>> [list_number(t) for t in ("List 2", "list_2", "List-02", "L2 - EH", "Sheet1")]
    [2, 2, 2, 2, None]
    """
    found = _LIST_TITLE.search(title.strip())
    return int(found.group(1)) if found else None


def named_lists(title: str) -> frozenset[int]:
    """Return the lists whose subject a sheet's name says (``Early Help``: List 2).

    Examples
    --------
    >>> sorted(named_lists("List 4 - Early Help")), sorted(named_lists("List 4"))
    ([2], [])
    >>> sorted(named_lists("Section 47 enquiries and initial child protection conferences"))
    [5, 7]
    """
    words = header_words(title)
    return frozenset(
        number
        for number, subjects in _SUBJECTS.items()
        if any(subject.matches(words) for subject in subjects)
    )


def say_lists(numbers: Iterable[int]) -> str:
    """Name lists for a message: ``List 2 (early help assessments) or List 4 (...)``."""
    return " or ".join(f"List {n} ({LISTS[n].name})" for n in sorted(numbers))


def header_row(
    rows: Iterator[_Numbered], spec: ListSpec
) -> tuple[int | None, tuple[Any, ...], dict[str, int]]:
    """Find a list's header row (title rows above it are skipped) and the list's columns.

    Returns the header row's number (None when no row in the first
    :data:`MAX_HEADER_ROW` has the list's required columns), its cells and the position of
    each column found. The rows after the header row are left in ``rows``.
    """
    for number, cells in rows:
        columns, _ = find_columns(cells, spec)
        if all(key in columns for key in spec.required):
            return number, cells, columns
        if number >= MAX_HEADER_ROW:
            break
    return None, (), {}


def fitting_lists(top: Sequence[_Numbered], other_than: int | None = None) -> frozenset[int]:
    """Return the converted lists whose header row is among a sheet's top rows.

    A list fits when a row has its required columns (the child identifier and its own
    date); of the lists that fit, those with the most of their own columns found (beyond
    the child's) are returned, several when they tie: early help's start, completion and
    organisation fit List 2 better than List 4's start and end.

    Parameters
    ----------
    top : sequence of (int, tuple)
        The sheet's first :data:`MAX_HEADER_ROW` rows, numbered as Excel shows them.
    other_than : int, optional
        A list left out (the one the sheet's name says).
    """
    fit: dict[int, int] = {}
    for number, spec in LISTS.items():
        if not spec.converted or number == other_than:
            continue
        found, _, columns = header_row(iter(top), spec)
        if found is not None:
            fit[number] = sum(key not in CHILD_COLUMNS for key in columns)
    best = max(fit.values(), default=0)
    return frozenset(n for n, score in fit.items() if score == best)


def own_headers(cells: Sequence[object], spec: ListSpec) -> list[str]:
    """Return the headers of a row that are a list's own columns (not the child's), in order.

    Examples
    --------
    >>> row = ("Child Unique ID", "Assessment start date", "Assessment completion date",
    ...        "Organisation completing assessment")
    >>> own_headers(row, LISTS[4])
    ['Assessment start date', 'Assessment completion date']
    """
    found, _ = find_columns(cells, spec)
    return [str(cells[at]).strip() for key, at in found.items() if key not in CHILD_COLUMNS]


def headers_of_another_list(
    top: Sequence[_Numbered], number: int, fits: frozenset[int], header: int | None = None
) -> str:
    """Say that a sheet's headers are another list's than the one its name numbers.

    ``fits`` are the lists its headers fit best (:func:`fitting_lists`). With ``header``,
    the row where the name's list found its header row, that row's headers of each list
    are named too: those of the lists that fit, and those the name's list would read.

    Examples
    --------
    >>> row = ("Child Unique ID", "Assessment start date", "Assessment completion date",
    ...        "Organisation completing assessment")
    >>> print(headers_of_another_list([(1, row)], 4, frozenset({2}), header=1))
    its headers are those of List 2 (early help assessments), but its name says List 4 \
(assessments): row 1 has List 2's columns 'Assessment start date', 'Assessment completion \
date', 'Organisation completing assessment'; List 4 would read only 'Assessment start date', \
'Assessment completion date'
    """
    said = f"its headers are those of {say_lists(fits)}, but its name says {say_lists([number])}"
    cells = next((cells for at, cells in top if at == header), None)
    if cells is None:
        return said
    theirs = {h: None for n in sorted(fits) for h in own_headers(cells, LISTS[n])}
    ours = own_headers(cells, LISTS[number])
    whose = " or ".join(f"List {n}'s" for n in sorted(fits))
    return (
        f"{said}: row {header} has {whose} columns {', '.join(map(repr, theirs))}; "
        f"List {number} would read only {', '.join(map(repr, ours)) or 'none of them'}"
    )


def unnamed_dates(
    top: Sequence[_Numbered], spec: ListSpec
) -> tuple[int, list[str], list[str]] | None:
    """Return a row with the child's identifier whose date headers name no required column.

    A list's header row that the reader did not find may be there with a date header not
    saying which date it holds: List 2's ``Early help assessment date`` names neither the
    start nor the completion. Returns the first such row's number, the labels of the
    required columns it lacks and its date headers taken for no column
    (:func:`~escalation.data.statutory.annex_a_columns.other_date_columns`), or None.

    Examples
    --------
    >>> row = ("Child Unique ID", "Gender", "Early help assessment date", "Date of Birth")
    >>> unnamed_dates([(1, ("Annex A",)), (2, row)], LISTS[2])
    (2, ['Assessment start date'], ['Early help assessment date'])
    """
    for number, cells in top:
        columns, _ = find_columns(cells, spec)
        if "child_id" not in columns:
            continue
        lacking = [c.label for c in spec.columns if c.key in spec.required and c.key not in columns]
        dates = [header for _, header in other_date_columns(cells, columns.values())]
        if lacking and dates:
            return number, lacking, dates
    return None
