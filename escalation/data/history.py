"""The case-history container: children, episodes, notes and the extract date."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import Final

import pandas as pd

from escalation.data.codes import (
    CLOSURE_REASONS,
    CP_CATEGORIES,
    EPISODE_KINDS,
    ETHNICITIES,
    LEGAL_STATUSES,
    PRIMARY_NEEDS,
    REFERRAL_SOURCES,
    SEXES,
)
from escalation.errors import DataValidationError, Problem

__all__ = [
    "CHILDREN_COLUMNS",
    "EPISODE_COLUMNS",
    "NOTE_COLUMNS",
    "RECOGNISED_CHILD_COLUMNS",
    "REQUIRED_TABLES",
    "TABLES",
    "CaseHistory",
    "ExclusionReport",
    "empty_episodes",
    "empty_notes",
]

#: The tables of a case history, in the contract's order.
TABLES: Final = ("children", "episodes", "notes")
#: The tables a case history cannot be built without (notes are optional).
REQUIRED_TABLES: Final = ("children", "episodes")
#: Contract columns of each table: name -> required.
CHILDREN_COLUMNS: Final = {
    "child_id": True,
    "birth_date": True,
    "sex": False,
    "ethnicity": False,
    "disability": False,
    "family_id": False,
}
#: Optional columns of ``children`` that the contract does not require but validates
#: when present: the expected birth date an unborn child is recorded with (the CIN census
#: ``ExpectedPersonBirthDate``), kept beside the birth date once the child is born.
RECOGNISED_CHILD_COLUMNS: Final = ("expected_birth_date",)
EPISODE_COLUMNS: Final = {
    "child_id": True,
    "kind": True,
    "start": True,
    "end": False,
    "source": False,
    "need": False,
    "factors": False,
    "category": False,
    "reason": False,
    "legal_status": False,
}
NOTE_COLUMNS: Final = {"child_id": True, "date": True, "text": True, "author_role": False}

#: Categorical dtypes of coded columns, one fixed category set per code list.
CODE_DTYPES: Final = {
    "sex": pd.CategoricalDtype(list(SEXES)),
    "ethnicity": pd.CategoricalDtype(list(ETHNICITIES)),
    "kind": pd.CategoricalDtype(list(EPISODE_KINDS)),
    "source": pd.CategoricalDtype(list(REFERRAL_SOURCES)),
    "need": pd.CategoricalDtype(list(PRIMARY_NEEDS)),
    "category": pd.CategoricalDtype(list(CP_CATEGORIES)),
    "reason": pd.CategoricalDtype(list(CLOSURE_REASONS)),
    "legal_status": pd.CategoricalDtype(list(LEGAL_STATUSES)),
}


@dataclass(frozen=True)
class ExclusionReport:
    """Rows excluded by lenient reading or validation, with the reason for each.

    Parameters
    ----------
    problems : tuple of Problem
        One entry per problem found; a row may have several.
    scope : str or None
        What the problems are of when not the history that holds the report: a history
        made by :meth:`CaseHistory.subset` keeps the whole history's report, said here
        (a row left out is in none of the tables kept, so its child cannot be told).
        None: the history's own.
    """

    problems: tuple[Problem, ...] = ()
    scope: str | None = None

    def __len__(self) -> int:
        return len(self.problems)

    def __bool__(self) -> bool:
        return bool(self.problems)

    def __add__(self, other: ExclusionReport) -> ExclusionReport:
        return ExclusionReport(self.problems + other.problems, self.scope or other.scope)

    def to_frame(self) -> pd.DataFrame:
        """Return one row per problem; personal values are withheld.

        Returns
        -------
        pandas.DataFrame
            Columns ``table, row, column, value, reason, action, hint``: ``row`` is the
            row a spreadsheet shows (the header is row 1, the first data row row 2; see
            :attr:`~escalation.errors.Problem.shown_row`), ``action`` what lenient
            reading did (e.g. ``"value dropped"`` or ``"row excluded"``), ``hint`` what
            the case probably meant (e.g. "did you mean 'NEG'?", from the code lists
            only; empty when none).
        """
        return pd.DataFrame(
            {
                "table": [p.table for p in self.problems],
                "row": pd.array([p.shown_row for p in self.problems], dtype="Int64"),
                "column": [p.column for p in self.problems],
                "value": [p.reported_value() if p.column else None for p in self.problems],
                "reason": [p.reason for p in self.problems],
                "action": [p.action for p in self.problems],
                "hint": [p.hint for p in self.problems],
            }
        )

    def counts(self) -> pd.DataFrame:
        """Return how many distinct rows were excluded, by table and reason.

        One row per kind of problem: the hints that name what each case probably meant
        (:attr:`~escalation.errors.Problem.hint`) are not part of the reason, so an
        unknown code is one row whether or not some cases were a listed code in another
        case (:meth:`to_frame` keeps the hints).

        Returns
        -------
        pandas.DataFrame
            Columns ``table, reason, rows``, largest first.
        """
        seen = Counter((p.table, p.reason, p.row) for p in self.problems)
        by_reason = Counter((table, reason) for table, reason, _ in seen)
        rows = [(t, r, n) for (t, r), n in by_reason.items()]
        frame = pd.DataFrame(rows, columns=["table", "reason", "rows"])
        return frame.sort_values(["rows", "table"], ascending=[False, True], ignore_index=True)

    def describe(self) -> str:
        """Return a readable multi-line account, safe for logs.

        A report of another history than its own (:attr:`scope`) says so first.
        """
        lines = [p.describe() for p in self.problems] or ["No rows excluded."]
        if self.scope:
            lines.insert(0, f"Problems of {self.scope}, not of these children only:")
        return "\n".join(lines)


#: What the exclusion report of a :meth:`CaseHistory.subset` is of.
WHOLE_HISTORY: Final = "the whole history this subset was taken from"


def _scope_said(report: ExclusionReport) -> str:
    """Return what a history's ``repr`` adds when its report is another history's."""
    return " of the whole history" if report.scope else ""


def empty_episodes() -> pd.DataFrame:
    """Return an episodes table with the contract's columns and no rows."""
    frame = pd.DataFrame({c: pd.Series(dtype="object") for c in EPISODE_COLUMNS})
    return frame.astype(
        {
            "child_id": "string",
            "start": "datetime64[ns]",
            "end": "datetime64[ns]",
            "factors": "string",
            **{c: CODE_DTYPES[c] for c in ("kind", "source", "need", "category", "reason")},
            "legal_status": CODE_DTYPES["legal_status"],
        }
    )


def empty_notes() -> pd.DataFrame:
    """Return a notes table with the contract's columns and no rows."""
    return pd.DataFrame(
        {
            "child_id": pd.Series(dtype="string"),
            "date": pd.Series(dtype="datetime64[ns]"),
            "text": pd.Series(dtype="string"),
            "author_role": pd.Series(dtype="string"),
        }
    )


@dataclass(frozen=True)
class CaseHistory:
    """A local authority's case histories in the form of the data contract.

    Build one with :func:`escalation.read_case_history`, a statutory-format reader,
    or :func:`escalation.simulate_local_authority`; construct it directly only from
    tables already in contract form, then call :meth:`validate`.

    Parameters
    ----------
    children : pandas.DataFrame
        One row per child (``child_id``, ``birth_date``, optional ``sex``, ``ethnicity``,
        ``disability``, ``family_id``, ``la``, ``expected_birth_date`` and any baseline
        covariates).
    episodes : pandas.DataFrame
        One row per service episode or point event (``child_id``, ``kind``, ``start``,
        optional ``end`` and codes).
    notes : pandas.DataFrame
        Free-text case notes (``child_id``, ``date``, ``text``, optional ``author_role``);
        may have no rows.
    extract_date : pandas.Timestamp
        The date the data were extracted; open episodes are censored here. Required: a
        history without one raises :class:`~escalation.errors.DataValidationError`.
    extract_date_source : str
        Where the extract date came from (e.g. ``"given"``, ``"case_history.json"``,
        ``"CIN census ReferenceDate"``).
    exclusions : ExclusionReport
        Rows left out by lenient reading, with reasons (empty when nothing was left out).
    source : tuple of str
        The files or folders the tables were read from, when read from files (empty for a
        history built in memory, e.g. by the simulator): an output folder that is or holds
        one of them is refused (:func:`escalation.pipeline.run_study`). Kept as absolute
        paths (a relative one is taken from the working directory when the history is
        made), so that changing directory afterwards does not hide where it was read from.

    Notes
    -----
    Identifiers and note text are personal data. ``repr`` shows only table sizes.
    """

    children: pd.DataFrame
    episodes: pd.DataFrame
    notes: pd.DataFrame = field(default_factory=empty_notes)
    # Required (checked in __post_init__); None only because ``notes`` before it has a default.
    extract_date: pd.Timestamp = None  # type: ignore[assignment]
    extract_date_source: str = "given"
    exclusions: ExclusionReport = field(default_factory=ExclusionReport)
    source: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.extract_date is None:
            # The contract: a reader must be given the extract date or say where it took it
            # from; guessing (e.g. today) would censor open episodes at the wrong date.
            raise DataValidationError(
                [Problem("case history", None, "extract_date", None, "no extract date given")],
                "case history: pass extract_date=... (the date the data were extracted)",
            )
        object.__setattr__(self, "extract_date", pd.Timestamp(self.extract_date).normalize())
        # Absolute now: a relative path read after a change of directory names another place.
        object.__setattr__(self, "source", tuple(os.path.abspath(s) for s in self.source))

    def __repr__(self) -> str:
        return (
            f"CaseHistory(children={len(self.children):,}, episodes={len(self.episodes):,}, "
            f"notes={len(self.notes):,}, extract_date={self.extract_date.date().isoformat()}, "
            f"excluded_problems={len(self.exclusions):,}{_scope_said(self.exclusions)})"
        )

    def counts(self) -> pd.DataFrame:
        """Return the number of episodes and children of each kind.

        Returns
        -------
        pandas.DataFrame
            Columns ``kind, episodes, children``, one row per contract kind.
        """
        kinds = pd.Categorical(self.episodes["kind"], categories=list(EPISODE_KINDS))
        grouped = self.episodes.assign(kind=kinds).groupby("kind", observed=False)["child_id"]
        out = pd.DataFrame({"episodes": grouped.size(), "children": grouped.nunique()})
        return out.reset_index()

    def digest(self) -> str:
        """Return the SHA-256 of the history's content: its three tables and extract date.

        What a study's manifest records as its ``input_hash``: everything that can change a
        result is in it (the case notes feed the risk models' text features; the extract
        date ends follow-up), and nothing that cannot: the same history read from CSV or
        Parquet, or with its rows in another order, hashes alike once read
        (:func:`escalation.results.data_hash` with ``any_row_order``).

        Returns
        -------
        str
            64 hexadecimal digits.
        """
        from escalation.results import data_hash

        extract = pd.DataFrame({"extract_date": [self.extract_date]})
        return data_hash(self.children, self.episodes, self.notes, extract, any_row_order=True)

    def with_tables(self, **tables: pd.DataFrame) -> CaseHistory:
        """Return a copy with some tables replaced (``children``, ``episodes``, ``notes``)."""
        return replace(self, **tables)  # type: ignore[arg-type]

    def subset(self, child_ids: pd.Series | list[str]) -> CaseHistory:
        """Return the history of the given children only.

        The exclusion report stays the whole history's, and says so
        (:attr:`ExclusionReport.scope`; ``repr`` and
        :meth:`ExclusionReport.describe` show it): a row left out by lenient reading is
        in none of the tables, so whose child it was cannot be told, and dropping the
        problems would hide them.

        Parameters
        ----------
        child_ids : sequence of str
            Children to keep.

        Returns
        -------
        CaseHistory
            The children's rows of each table; the whole history's exclusions.
        """
        ids = pd.Series(child_ids, dtype="string")
        keep = pd.Index(ids)
        whole = self.exclusions.scope or WHOLE_HISTORY
        return replace(
            self,
            exclusions=replace(self.exclusions, scope=whole),
            children=self.children[self.children["child_id"].isin(keep)].reset_index(drop=True),
            episodes=self.episodes[self.episodes["child_id"].isin(keep)].reset_index(drop=True),
            notes=self.notes[self.notes["child_id"].isin(keep)].reset_index(drop=True),
        )
