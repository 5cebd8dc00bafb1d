"""The lists and columns of Ofsted's Annex A workbook: header variants and value parsers.

Annex A is the child-level workbook every local authority in England prepares for an
inspection of children's services (Ofsted's inspection of local authority children's
services, ILACS). Its sheets are ``List 1`` (contacts) to ``List 11`` (adopters); the
headers of each list differ by year and case-management system (``Child Unique ID``,
``Child ID``, ``ChildID``; ``Age`` or ``Age of Child (Years)``; curly or straight quotes;
trailing spaces and stray brackets). A column is therefore recognised by the words in its
header, not by its exact text, and every coded value is read whether it is written as the
code (``6``), the template's lettered choice (``q) 6: Police``) or the label (``Police``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, Literal

from escalation.data.codes import (
    CLOSURE_REASONS,
    CP_CATEGORIES,
    ETHNICITIES,
    LEGAL_STATUSES,
    PRIMARY_NEEDS,
    REFERRAL_SOURCES,
)
from escalation.data.columns import header_words

__all__ = [
    "CHILD_COLUMNS",
    "LISTS",
    "Column",
    "ListSpec",
    "ValueKind",
    "find_columns",
    "header_words",
    "other_date_columns",
    "parse_date",
    "parse_value",
]

#: What a column holds, and so how its values are read.
ValueKind = Literal[
    "id", "date", "text", "sex", "ethnicity", "yes_no", "source", "need", "reason",
    "category", "legal_status", "ceased",
]  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One column of an Annex A list, recognised by the words of its header.

    Parameters
    ----------
    key : str
        The reader's name for the column (``referral_date``).
    label : str
        The header in Ofsted's template (what the writer writes; used in messages).
    words : tuple of tuple of str
        Each group lists word beginnings of which one must appear in the header; every
        group must be matched (``(("referral",), ("date",))``: a referral date). An entry
        starting with ``=`` must be a whole word (``"=id"`` matches ``ID``, not ``Did``).
    excluded : tuple of str
        Word beginnings that rule the header out (``"number"``: a count, not a date).
    kind : str
        How the values are read (see :data:`ValueKind`). A ``date`` column's header must
        also hold a date word (:data:`_DATE_WORDS`: ``Assessment completion date``, not
        ``Organisation completing assessment``).
    """

    key: str
    label: str
    words: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...] = ()
    kind: ValueKind = "text"

    def matches(self, words: Sequence[str]) -> bool:
        """Whether a header made of ``words`` (see :func:`header_words`) is this column.

        Examples
        --------
        >>> end = LISTS[4].columns[-1]
        >>> end.matches(header_words("Assessment completion date"))
        True
        >>> end.matches(header_words("Organisation completing assessment"))
        False
        """
        if any(_word(w, x) for w in words for x in self.excluded):
            return False
        if self.kind == "date" and not any(w in _DATE_WORDS for w in words):
            return False
        return all(any(_word(w, x) for w in words for x in group) for group in self.words)


#: A header with one of these words holds a date (``Date Child Was Last Seen``, ``DOB``):
#: a date column of a list needs one (:meth:`Column.matches`), and so does a date column
#: besides them (:func:`other_date_columns`, which also reads ``Last Seen``).
_DATE_WORDS: Final = ("date", "dated", "dates", "dob")


def _word(word: str, pattern: str) -> bool:
    return word == pattern[1:] if pattern.startswith("=") else word.startswith(pattern)


@dataclass(frozen=True)
class ListSpec:
    """One list (sheet) of the workbook and the columns the reader converts."""

    number: int
    name: str
    columns: tuple[Column, ...]
    required: tuple[str, ...]
    converted: bool = True


_START = ("start", "began", "begun", "commenc", "open")
_COMMON: Final = (
    Column(
        "child_id",
        "Child Unique ID",
        (("child", "unique", "person", "=la"), ("=id", "identifier", "=ref", "reference")),
        ("family", "adopter", "upn", "worker", "team", "former", "number"),
        "id",
    ),
    Column("sex", "Gender", (("gender", "=sex"),), kind="sex"),
    Column("ethnicity", "Ethnicity", (("ethnic",),), kind="ethnicity"),
    Column("birth_date", "Date of Birth", (("birth", "=dob"),), ("expected", "due"), "date"),
    Column(
        "expected_birth_date",
        "Expected Date of Birth",
        (("expected", "=due"), ("birth", "=dob", "deliver")),
        kind="date",
    ),
    Column("disability", "Does the Child have a Disability", (("disab",),), kind="yes_no"),
)

#: The keys of the child's columns every list has (identifier, sex, birth date, ...).
CHILD_COLUMNS: Final = frozenset(column.key for column in _COMMON)


def _spec(
    number: int, name: str, required: str, *columns: Column, converted: bool = True
) -> ListSpec:
    return ListSpec(number, name, _COMMON + columns, ("child_id", required), converted)


#: The lists of Annex A, with the columns converted into the case-history contract.
LISTS: Final[Mapping[int, ListSpec]] = {
    1: _spec(
        1,
        "contacts",
        "contact_date",
        Column("contact_date", "Date of Contact", (("contact",), ("date",)), ("source",), "date"),
        Column("contact_source", "Contact Source", (("source",),), kind="source"),
    ),
    2: _spec(
        2,
        "early help assessments",
        "eh_start",
        Column(
            "eh_start", "Assessment start date", (_START,), ("end", "complet", "closed"), "date"
        ),
        Column(
            "eh_end",
            "Assessment completion date",
            (("complet", "end", "closed", "closure", "finish"),),
            ("start", "organis", "organiz", "agency", "provider"),
            "date",
        ),
        Column(
            "organisation",
            "Organisation completing assessment",
            (("organis", "organiz", "agency", "provider"),),
        ),
    ),
    3: _spec(
        3,
        "referrals",
        "referral_date",
        Column(
            "referral_date",
            "Date of Referral",
            (("referral", "referred"), ("date",)),
            ("number", "source"),
            "date",
        ),
        Column("referral_source", "Referral Source", (("source",),), kind="source"),
        Column("referral_nfa", "Referral NFA?", (("nfa", "further"),), kind="yes_no"),
    ),
    4: _spec(
        4,
        "assessments",
        "assessment_start",
        Column(
            "assessment_start",
            "Continuous Assessment Start Date",
            (_START,),
            ("author", "complet"),
            "date",
        ),
        Column(
            "assessment_end",
            "Continuous Assessment Date of Authorisation",
            (("author", "complet", "end"),),
            ("start",),
            "date",
        ),
    ),
    5: _spec(
        5,
        "section 47 enquiries and initial conferences",
        "s47_start",
        Column(
            "s47_start",
            "Strategy discussion initiating Section 47 Enquiry Start Date",
            (("47", "s47", "section47", "enquir", "strategy"), ("start", "date")),
            ("number", "icpc", "conference"),
            "date",
        ),
        Column(
            "icpc_date",
            "Date of Initial Child Protection Conference",
            (("conference", "icpc"), ("date",)),
            ("number", "target"),
            "date",
        ),
    ),
    6: _spec(
        6,
        "children in need",
        "cin_start",
        Column("cin_start", "CIN Start Date", (_START,), ("closure",), "date"),
        Column("primary_need", "Primary Need Code", (("need",),), kind="need"),
        Column(
            "cin_end",
            "CIN Closure Date",
            (("closure", "closed", "end"), ("date",)),
            ("reason",),
            "date",
        ),
        Column("closure_reason", "Reason for Closure", (("reason",),), kind="reason"),
    ),
    7: _spec(
        7,
        "child protection plans",
        "cp_start",
        Column("cp_start", "Child Protection Plan Start Date", (_START,), ("end",), "date"),
        Column(
            "cp_end", "Child Protection Plan End Date", (("end",), ("date",)), ("start",), "date"
        ),
        Column(
            "initial_category",
            "Initial Category of Abuse",
            (("initial",), ("categor",)),
            kind="category",
        ),
        Column(
            "latest_category",
            "Latest Category of Abuse",
            (("latest",), ("categor",)),
            kind="category",
        ),
    ),
    8: _spec(
        8,
        "children looked after",
        "la_start",
        Column(
            "la_start",
            "Date Started to be Looked After",
            (("start", "began", "entered", "became"), ("looked", "lac", "cla", "care")),
            ("legal", "placement", "ceas"),
            "date",
        ),
        Column(
            "la_end",
            "Date Ceased to be Looked After",
            (("ceas", "ended", "left", "end"), ("looked", "lac", "cla", "care")),
            ("reason",),
            "date",
        ),
        Column(
            "legal_status",
            "Child's Legal Status",
            (("legal",),),
            ("start", "date"),
            "legal_status",
        ),
        Column(
            "reason_ceased",
            "Reason Ceased to be Looked After",
            (("reason",), ("ceas", "left", "end")),
            kind="ceased",
        ),
        Column(
            "uasc",
            "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
            (("uasc", "asylum"),),
            kind="yes_no",
        ),
        Column(
            "category_of_need",
            "Child's Category of Need",
            (("categor",), ("need",)),
            kind="need",
        ),
    ),
    9: ListSpec(9, "care leavers", _COMMON, ("child_id",), converted=False),
    10: ListSpec(10, "adoption", _COMMON, ("child_id",), converted=False),
    11: ListSpec(11, "adopters", (), (), converted=False),
}


def find_columns(
    headers: Sequence[object], spec: ListSpec
) -> tuple[dict[str, int], list[tuple[int, str]]]:
    """Match a sheet's headers to a list's columns.

    Returns
    -------
    found : dict of str to int
        Column key → position of the first header that matches it.
    repeats : list of (int, str)
        Positions of further headers matching an already found key.
    """
    found: dict[str, int] = {}
    repeats: list[tuple[int, str]] = []
    for position, header in enumerate(headers):
        words = header_words(header)
        if not words:
            continue
        for column in spec.columns:
            if column.matches(words):
                if column.key in found:
                    repeats.append((position, column.key))
                else:
                    found[column.key] = position
                break
    return found, repeats


#: A header without a date word holds one when it names a last or latest event
#: (``Last Seen``, ``Latest Review``, ``Most Recent Visit``).
_LAST_WORDS: Final = ("last", "latest", "recent")
_EVENT_WORDS: Final = (
    "seen", "visit", "visited", "review", "reviewed", "contact", "check", "assessment",
    "conference", "meeting",
)  # fmt: skip
#: Headers with these words are not dates the workbook recorded as having happened: the
#: child's birth (personal data), dates that lie ahead by design (an expected birth, a next
#: review, a target or due date) and counts or ages (``Number of Days since Last Visit``).
_NOT_RECORDED: Final = (
    "birth", "dob", "born", "expected", "due", "target", "next", "planned", "proposed",
    "scheduled", "deadline", "future", "number", "count", "total", "days", "weeks",
    "months", "years", "age",
)  # fmt: skip


def other_date_columns(
    headers: Sequence[object], converted: Iterable[int] = ()
) -> list[tuple[int, str]]:
    """Find the columns holding dates of events besides those a list converts.

    Annex A lists record more dates than their episodes' starts and ends: the date a
    child was last seen (List 6), of the last statutory visit and the latest review
    conference (List 7), of the latest review, visits and checks (List 8), and the
    adoption and adopter dates of Lists 10 and 11. They are not episodes of the
    contract, but they are dates the authority had recorded when it prepared the
    workbook, so they count towards its extract date.

    Parameters
    ----------
    headers : sequence
        The header row's cells.
    converted : iterable of int
        Positions of the columns the list converts (left out).

    Returns
    -------
    list of (int, str)
        Position and header (as written, stripped) of each date column: a header with the
        word ``date`` or naming a last or latest event (``Last Seen``,
        ``Latest Review``), but not a birth, a date ahead by design (``expected``,
        ``next``, ``due``, ``target``, ``planned``) or a count or age.

    Examples
    --------
    >>> other_date_columns(["Child Unique ID", "Date Child Was Last Seen", "Last visit",
    ...                     "Date of next review", "Date of Birth", "Was the Child Seen Alone?"])
    [(1, 'Date Child Was Last Seen'), (2, 'Last visit')]
    """
    skip = set(converted)
    found = []
    for position, header in enumerate(headers):
        words = header_words(header)
        if position in skip or not words or any(w in _NOT_RECORDED for w in words):
            continue
        dated = any(w in _DATE_WORDS for w in words)
        last = any(w in _LAST_WORDS for w in words) and any(w in _EVENT_WORDS for w in words)
        if dated or last:
            found.append((position, str(header).strip()))
    return found


_EMPTY: Final = frozenset({"", "#n/a", "n/a", "na", "null", "none", "-", "not applicable"})
_DATE_FORMATS: Final = (
    "%d/%m/%Y",
    "%Y-%m-%d",
    "%d-%m-%Y",
    "%d.%m.%Y",
    "%d/%m/%y",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%Y-%m-%dT%H:%M:%S",
)
_EXCEL_EPOCH: Final = dt.date(1899, 12, 30)
_CHOICE = re.compile(r"^[a-z]{1,2}\)\s*", re.IGNORECASE)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and value.strip().lower() in _EMPTY)


def parse_date(value: object, epoch: dt.date | None = None) -> str | None:
    """Return a cell's date as ``YYYY-MM-DD``; raise ValueError when it is not a date.

    Excel dates arrive as datetimes; dates typed as text (``31/03/2024``) and bare Excel
    serial numbers (``45382``) are read too. A date-time is read to its day, whether as
    text (``31/03/2024 12:00``) or as a serial with a fraction (``45382.5``).

    Parameters
    ----------
    value : object
        The cell's value.
    epoch : date, optional
        Day 0 of the workbook's date system, for bare serial numbers: 1899-12-30 (the
        1900 system, the default) or 1904-01-01 (the 1904 system of older Excel for Mac
        workbooks; openpyxl's ``workbook.epoch``), where the same day's serial is 1,462
        smaller.

    Examples
    --------
    >>> parse_date("31/03/2024"), parse_date(45382), parse_date(45382.5)
    ('2024-03-31', '2024-03-31', '2024-03-31')
    >>> parse_date(43920, epoch=dt.date(1904, 1, 1))
    '2024-03-31'
    """
    if _blank(value):
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        raise ValueError("not a date")
    if isinstance(value, int | float):
        if 1 <= value < 2958466:  # a fraction is the time of day: the day is kept
            try:
                day = dt.timedelta(days=math.floor(value))
                return ((epoch or _EXCEL_EPOCH) + day).isoformat()
            except OverflowError:  # after 9999-12-31 in the 1904 system
                raise ValueError("not a date") from None
        raise ValueError("not a date")
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date().isoformat()
        except ValueError:
            continue
    raise ValueError("not a date")


def _code_of(text: str, codes: Mapping[str, str], extra: Mapping[str, str]) -> str | None:
    """Find a code in a template choice (``q) 6: Police``), a bare code or a label."""
    body = _CHOICE.sub("", text.strip())
    head = re.match(r"^([0-9A-Za-z]{1,4})(?=$|[\s:\-–.)])", body)
    if head is not None and head.group(1).upper() in codes:
        return head.group(1).upper()
    label = re.sub(r"\s+", " ", body.lower()).strip()
    for code, name in codes.items():
        if name.lower() == label:
            return code
    return extra.get(label)


_SOURCE_WORDS: Final = {
    "police": "6",
    "schools": "2A",
    "school": "2A",
    "housing": "4",
    "anonymous": "9",
    "unknown": "10",
    "other": "8",
    "other legal agency": "7",
    "education services": "2B",
}
_CATEGORY_WORDS: Final = {
    "neglect": "NEG",
    "emotional abuse": "EMO",
    "physical abuse": "PHY",
    "sexual abuse": "SAB",
    "multiple": "MUL",
    "multiple/not recommended": "MUL",
}
_ETHNIC_WORDS: Final = {
    "caribbean": "BCRB",
    "african": "BAFR",
    "white british": "WBRI",
    "white irish": "WIRI",
    "any other mixed background": "MOTH",
    "information not yet obtained": "NOBT",
}
#: SSDA903 reasons an episode ceased (for List 8's reason ceased).
_CEASED: Final = dict.fromkeys(
    ("E11", "E12", "E13", "E14", "E15", "E16", "E17", "E2", "E3", "E41", "E45", "E46", "E47",
     "E48", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9", "X1"),
    "",
)  # fmt: skip
_CODE_LISTS: Final[Mapping[str, tuple[Mapping[str, str], Mapping[str, str]]]] = {
    "ethnicity": (ETHNICITIES, _ETHNIC_WORDS),
    "source": (REFERRAL_SOURCES, _SOURCE_WORDS),
    "need": (PRIMARY_NEEDS, {}),
    "reason": (CLOSURE_REASONS, {}),
    "category": (CP_CATEGORIES, _CATEGORY_WORDS),
    "legal_status": (LEGAL_STATUSES, {}),
    "ceased": (_CEASED, {}),
}


def _sex(text: str) -> str | None:
    low = text.strip().lower()
    if "fem" in low or low in ("f", "2", "girl"):
        return "F"
    if re.search(r"\bmale\b", low) or low in ("m", "1", "boy"):
        return "M"
    if (
        low in ("u", "0", "9")
        or any(w in low for w in ("not", "unknown", "indetermin", "neither", "unborn"))
        or re.match(r"^[cd]\)", low)
    ):
        return "U"
    if re.match(r"^a\)", low):
        return "M"
    if re.match(r"^b\)", low):
        return "F"
    return None


def _yes_no(value: object) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    low = _CHOICE.sub("", str(value).strip().lower())
    if low in ("yes", "y", "true", "t", "1"):
        return True
    if low in ("no", "n", "false", "f", "0"):
        return False
    if low in ("unknown", "not known", "not recorded"):
        return None
    raise ValueError("not yes or no")


def parse_value(
    value: object,
    kind: ValueKind,
    known: dict[tuple[str, str], object] | None = None,
    *,
    epoch: dt.date | None = None,
) -> object:
    """Read one cell of a column of the given kind.

    Returns None for an empty cell (blank, ``#N/A``, ``N/A``); raises ValueError when the
    value cannot be read (an unknown code, a date that is not a date). ``known``: the texts
    of code cells (sex, codes, yes/no) already read, which repeat down a column; a reader
    keeps it for one list of one workbook, so no cell text (a code cell may hold more
    than its code) outlives the read. Identifiers, free text and dates are never kept.
    ``epoch``: the workbook's day 0 for bare date serials (see :func:`parse_date`).

    Examples
    --------
    >>> parse_value("q) 6: Police", "source"), parse_value("b) Female", "sex")
    ('6', 'F')
    >>> parse_value("N1 - Abuse or Neglect", "need"), parse_value("C2: FCO", "legal_status")
    ('N1', 'C2')
    >>> parse_value(9212044, "id"), parse_value("Physical abuse", "category")
    ('9212044', 'PHY')
    """
    if known is None or type(value) is not str or kind in _UNCACHED:
        return _parse_value(value, kind, epoch)
    key = (value, kind)
    if key not in known:
        known[key] = _parse_value(value, kind, epoch)  # an unreadable value raises each time
    return known[key]


def _parse_value(value: object, kind: ValueKind, epoch: dt.date | None = None) -> object:
    """Return :func:`parse_value` of one cell."""
    if _blank(value):
        return None
    if kind == "date":
        return parse_date(value, epoch)
    if kind == "yes_no":
        return _yes_no(value)
    if kind == "id":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value).strip()
    text = str(value).strip()
    if kind == "text":
        return text
    if kind == "sex":
        found = _sex(text)
    else:
        codes, extra = _CODE_LISTS[kind]
        found = _code_of(text, codes, extra)
    if found is None:
        raise ValueError(f"not a {kind} code")
    return found


#: Kinds whose text is not remembered: identifiers, free text and dates (personal data).
_UNCACHED: Final = frozenset({"id", "text", "date"})
