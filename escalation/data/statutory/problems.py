"""Problems found while reading a statutory return, located by file, child and element.

A :class:`SourceProblem` is a :class:`~escalation.errors.Problem` that also says where in
the source file the problem lies (the child's position in the file, the line, the element
or CSV column) and what the reader did about it. Children are referred to by their
position in the file (``Child #12``), never by their identifier: identifiers, birth dates
and other personal values are withheld from every message and report.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final, Literal

import pandas as pd

from escalation.data.history import ExclusionReport
from escalation.errors import (
    PERSONAL_FIELDS,
    WITHHELD,
    DataValidationError,
    Problem,
    spreadsheet_row,
    value_shape,
)

__all__ = [
    "PERSONAL_FIELDS",
    "Action",
    "Severity",
    "SourceProblem",
    "raise_for_errors",
    "record_label",
    "source_report",
]

#: What the reader did about a problem.
Action = Literal[
    "child excluded",
    "episode excluded",
    "value dropped",
    "kept",
    "ignored",
    "rest of file not read",
    "file not read",
]
#: ``"error"`` breaks the specification or the contract (strict reading raises);
#: ``"note"`` reports content outside the contract that was not converted.
Severity = Literal["error", "note"]

_ISO_DAY: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def record_label(unit: str, position: int) -> str:
    """Name a record of a statutory file as every message does.

    Parameters
    ----------
    unit : str
        ``"Child"`` (an XML file's child: ``position`` counts children from 0), ``"row"``
        (a CSV file: ``position`` counts data rows from 0) or a workbook sheet's name
        (``position`` is the sheet's row number).

    Examples
    --------
    >>> record_label("Child", 11), record_label("row", 0), record_label("List 1", 7)
    ('Child #12', 'row 2', "sheet 'List 1' row 7")
    """
    if unit == "Child":
        return f"Child #{position + 1}"
    if unit == "row":
        return f"row {spreadsheet_row(position)}"
    return f"sheet {unit!r} row {position}"


@dataclass(frozen=True)
class SourceProblem(Problem):
    """One problem in a statutory return, located in the source file.

    Parameters
    ----------
    table : str
        The file name (``Problem.table``).
    row : int or None
        Zero-based position of the child in the file (CIN census) or of the data row
        in the CSV file (SSDA903), or the sheet's row number (Annex A); ``None`` for a
        file-level problem. Messages and reports give :attr:`shown_row` or :attr:`child`.
    column : str or None
        The element path (``CINdetails[2]/Assessments[1]/AssessmentFactors``) or CSV
        column.
    value : object
        The offending value; personal values are never shown.
    reason : str
        What is wrong.
    line : int or None
        Line of the element (XML; the only line number messages give). None for a CSV or
        workbook row, which ``row`` names (a CSV record whose quoted note runs over
        several lines is one row, so a text editor's line could differ from it).
    unit : str
        What ``row`` counts: ``"Child"`` (CIN census), ``"row"`` (CSV data rows from 0) or
        a workbook sheet's name (Annex A: ``row`` is then the row number Excel shows).
    action : str
        What the reader did (see :data:`Action`).
    severity : {"error", "note"}
        Errors make strict reading fail; notes never do.
    read_as_date : bool
        The reader read ``value`` as the date of an event (ISO ``YYYY-MM-DD``, never a
        birth date), so it is shown whatever the column's header (``Last Seen`` has no
        word ``date`` that would tell :func:`~escalation.errors.shown` so).
    read_as : str or None
        What the reader read the column as when its header does not say (Annex A:
        ``"yes_no"``, ``"sex"``, ``"need"``...): a value of that kind's form is shown
        (``Referral NFA?``: ``'Maybe'``).
    read_into : str or None
        The contract column the reader read the column into when its header does not
        name it (Annex A: ``child_id`` for ``Person Ref``, ``expected_birth_date`` for
        ``Expected delivery date``): a value is personal, and withheld, when that
        column's values are (see :func:`~escalation.errors.disclosed`).
    withheld : bool
        The value is never shown, whatever its column: a characteristic recorded
        differently for one child in two records, where showing one would tell the other.

    Examples
    --------
    >>> p = SourceProblem("cin.xml", 11, "CINdetails[1]/ReferralSource", "ZZ",
    ...                   "unknown referral source code", line=345, action="value dropped")
    >>> p.describe().startswith("file 'cin.xml', Child #12 (line 345), element")
    True
    >>> p.describe().endswith("unknown referral source code [value dropped]")
    True
    >>> SourceProblem("cin.xml", 0, "ChildIdentifiers/LAchildID", "X1", "repeated").shown_value()
    '<withheld: personal data>'
    """

    line: int | None = None
    unit: str = "Child"
    action: str = "kept"
    severity: Severity = "error"
    read_as_date: bool = False
    read_as: str | None = None
    read_into: str | None = None
    withheld: bool = False

    @property
    def file(self) -> str:
        """The source file's name."""
        return self.table

    def shown_value(self) -> str:
        """Return the value as a message shows it (withheld when :attr:`withheld`)."""
        return WITHHELD if self.withheld else super().shown_value()

    def reported_value(self) -> str:
        """Return the value as reports hold it (withheld when :attr:`withheld`)."""
        return WITHHELD if self.withheld else super().reported_value()

    def value_form(self) -> re.Pattern[str] | None:
        """Return the form a value must have to be shown (see :func:`~escalation.errors.disclosed`).

        A date of an event the reader read (``read_as_date``) is shown in ISO form
        whatever its header; a column read as a kind of code (``read_as``) has that
        kind's form; otherwise the column's own.
        """
        if self.read_as_date:
            return _ISO_DAY
        return value_shape(self.read_as) if self.read_as else None

    def contract_column(self) -> str | None:
        """Return the contract column the reader read the column into (``read_into``)."""
        return self.read_into

    @property
    def shown_row(self) -> int | None:
        """The row messages and reports give (None for a child of an XML file).

        A CSV file's row as a spreadsheet shows it (header row 1), or a sheet's row.
        """
        if self.row is None or self.unit == "Child":
            return None
        return spreadsheet_row(self.row) if self.unit == "row" else self.row

    @property
    def child(self) -> int | None:
        """The 1-based position of the child in an XML file (``Child #12``), else None."""
        return None if self.row is None or self.unit != "Child" else self.row + 1

    def location(self) -> str:
        """Return where the problem is: ``Child #12 (line 345)``, ``sheet 'List 3' row 7``."""
        if self.row is None:
            if self.unit not in ("Child", "row"):
                return f"sheet {self.unit!r}"
            return f"line {self.line}" if self.line is not None else ""
        place = record_label(self.unit, self.row)
        if self.unit == "Child" and self.line is not None:
            return f"{place} (line {self.line})"
        return place

    def describe(self) -> str:
        """Return a one-line description safe for logs and reports."""
        where = [f"file {self.table!r}"]
        if place := self.location():
            where.append(place)
        if self.column is not None:
            kind = "element" if self.unit == "Child" else "column"
            where.append(f"{kind} {self.column!r}")
            if self.row is not None or self.value is not None:  # not a whole column
                where.append(f"value {self.shown_value()}")
        hint = f"; {self.hint}" if self.hint else ""
        return f"{', '.join(where)}: {self.reason}{hint} [{self.action}]"


def source_report(report: ExclusionReport | Iterable[Problem]) -> pd.DataFrame:
    """Return the problems of a statutory read as a frame, one row per problem.

    Parameters
    ----------
    report : ExclusionReport or iterable of Problem
        Usually ``history.exclusions`` of a history read by
        :func:`~escalation.data.statutory.read_cin_census` or
        :func:`~escalation.data.statutory.read_ssda903`.

    Returns
    -------
    pandas.DataFrame
        Columns ``file, sheet, row, child, line, element, value, reason, action,
        severity, hint``: ``hint`` says what varies from case to case (the record used
        instead of an excluded one; empty when nothing), apart from ``reason`` so that
        rows group by reason; ``row`` is the row a spreadsheet shows (a CSV file's header is row 1,
        its first data row row 2; a workbook sheet's own row number, ``sheet`` naming the
        sheet), ``child`` the 1-based position of a child in an XML file (``Child
        #child``) and ``line`` the line of its element; each is empty where it does not
        apply. Personal values are withheld; other values are shown only when they look
        like the codes or dates of their column (see :func:`escalation.errors.shown`).

    Examples
    --------
    >>> p = SourceProblem("cin.xml", 0, "ChildCharacteristics/Ethnicity", "WBRT",
    ...                   "unknown ethnicity code", line=20, action="value dropped")
    >>> source_report([p])[["file", "row", "child", "line", "value"]].values.tolist()
    [['cin.xml', <NA>, 1, 20, 'WBRT']]
    """
    problems = report.problems if isinstance(report, ExclusionReport) else tuple(report)
    rows = [_report_row(p) for p in problems]
    columns = ["file", "sheet", "row", "child", "line", "element", "value", "reason", "action"]
    frame = pd.DataFrame(rows, columns=[*columns, "severity", "hint"])
    for column in ("row", "child", "line"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _report_row(p: Problem) -> tuple[object, ...]:
    """Return one problem as a row of :func:`source_report`."""
    value = p.reported_value() if p.column else None
    if not isinstance(p, SourceProblem):
        return (
            p.table, None, p.shown_row, None, None, p.column, value, p.reason, "kept", "error",
            p.hint,
        )  # fmt: skip
    sheet = p.unit if p.unit not in ("Child", "row") else None
    line = p.line if p.unit == "Child" else None
    return (
        p.table, sheet, p.shown_row, p.child, line, p.column, value, p.reason, p.action,
        p.severity, p.hint,
    )  # fmt: skip


def raise_for_errors(problems: Iterable[Problem], context: str) -> None:
    """Raise :class:`~escalation.errors.DataValidationError` when any problem is an error.

    Notes (content outside the contract, not converted) never raise.

    Examples
    --------
    >>> note = SourceProblem("cin.xml", 0, "CINdetails[1]/PreProceedings", None,
    ...                      "not converted", severity="note", action="ignored")
    >>> raise_for_errors([note], "CIN census cin.xml")  # nothing raised
    >>> raise_for_errors([SourceProblem("cin.xml", 0, None, None, "broken")], "CIN census")
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: CIN census: 1 problem found
      - file 'cin.xml', Child #1: broken [kept]
    """
    errors = [p for p in problems if getattr(p, "severity", "error") == "error"]
    if errors:
        raise DataValidationError(errors, context)
