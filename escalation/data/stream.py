"""Validation of a partitioned case history, one partition at a time.

Each partition is checked by :func:`~escalation.data.validate_case_history` on its own (every
contract rule concerns one child, and a child's rows are in one partition), with problems
located by table, partition, row, column and value. The one rule that spans partitions, that a
``child_id`` is unique, is checked on 64-bit hashes of the identifiers, so no identifier
leaves its partition's worker and none is ever shown.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from escalation.compute import parallel_map
from escalation.data.dataset import CaseHistoryDataset, identifier_text
from escalation.data.history import TABLES, CaseHistory, ExclusionReport
from escalation.data.validate import validate_case_history
from escalation.errors import (
    WITHHELD,
    DataValidationError,
    Problem,
    RecordProblem,
    spreadsheet_row,
)

__all__ = [
    "DatasetValidation",
    "PartitionValidation",
    "child_hashes",
    "duplicate_children",
    "in_file",
    "locate",
    "validate_case_history_dataset",
    "validate_partition",
]


def in_file(files: list[tuple[str, int]], row: int | None) -> tuple[str | None, int | None]:
    """Return the file holding ``row`` of a table read from ``files``, and its row there.

    A table read from one file (or a table-level problem) keeps its row and names no file.

    Examples
    --------
    >>> in_file([("part-0.parquet", 100), ("part-1.parquet", 50)], 105)
    ('part-1.parquet', 5)
    >>> in_file([("part-0.parquet", 100)], 105)
    (None, 105)
    """
    if len(files) < 2 or row is None:
        return None, row
    start = 0
    for name, rows in files:
        if row < start + rows:
            return name, row - start
        start += rows
    return None, row  # pragma: no cover - every row of the table is in one of its files


def locate(
    problems: tuple[Problem, ...] | list[Problem],
    key: str,
    partition: str,
    files: dict[str, list[tuple[str, int]]] | None = None,
) -> list[Problem]:
    """Name the partition in each problem's table (``episodes (authority=LA007)``).

    Parameters
    ----------
    problems : sequence of Problem
        Problems of one partition, rows counted over the partition's table as read.
    key, partition : str
        The partitioning column and the partition.
    files : dict, optional
        Per table, its files and their rows in the order read
        (:meth:`~escalation.data.dataset.CaseHistoryDataset.files_of`). A row of a table
        read from several files is then named by its file and its row in that file
        (``episodes (authority=LA007, part-1.parquet)``, row 2 the file's first).
    """
    located: list[Problem] = []
    for p in problems:
        name, row = in_file((files or {}).get(p.table, []), p.row)
        where = f"{key}={partition}" + (f", {name}" if name else "")
        located.append(dataclasses.replace(p, table=f"{p.table} ({where})", row=row))
    return located


def child_hashes(children: pd.DataFrame) -> pd.Series:
    """Return 64-bit hashes of the children's identifiers (for the cross-partition check).

    The identifiers are read as validation reads them (:func:`identifier_text`), so
    ``'C1 '`` in one partition and ``'C1'`` in another are one child. The result is
    indexed by each child's 0-based row in the table as read; a child without an
    identifier (or a table without the column) has no hash.
    """
    if "child_id" not in children.columns:
        return pd.Series([], dtype=np.uint64)
    ids = identifier_text(children["child_id"])
    present = np.flatnonzero(ids.notna().to_numpy(dtype=bool))
    text = ids.iloc[present].to_numpy(dtype=object)
    hashes = np.asarray(pd.util.hash_array(text, categorize=False), dtype=np.uint64)
    return pd.Series(hashes, index=present, dtype=np.uint64)


@dataclass(frozen=True, eq=False)
class PartitionValidation:
    """The validation of one partition.

    Attributes
    ----------
    history : CaseHistory or None
        The validated partition; ``None`` when validation raised (strict validation found
        problems, or a table lacks a required column, at either strictness).
    problems : list of Problem
        Located problems (strict: those that failed it; lenient: the rows excluded).
    hashes : pandas.Series
        :func:`child_hashes` of the children as read, whatever validation found.
    children_files : list of (str, int)
        The children table's files and their rows, in the order read.
    """

    history: CaseHistory | None
    problems: list[Problem]
    hashes: pd.Series
    children_files: list[tuple[str, int]] = dataclasses.field(default_factory=list)


def validate_partition(
    dataset: CaseHistoryDataset, partition: str, *, lenient: bool
) -> PartitionValidation:
    """Read and validate one partition.

    The hashes of its children are taken from the table as read, so a child in two
    partitions is found, at its row as read, whatever else is wrong with either.
    """
    try:
        history = dataset.read(partition)
    except DataValidationError as error:  # files of the partition that cannot be read as one
        return PartitionValidation(
            None, locate(error.problems, dataset.key, partition), child_hashes(pd.DataFrame())
        )
    hashes = child_hashes(history.children)
    files = {table: dataset.files_of(table, partition) for table in dataset.tables}
    context = f"partition {dataset.key}={partition} of {dataset.path}"
    try:
        valid = validate_case_history(history, lenient=lenient, context=context)
    except DataValidationError as error:
        located = locate(error.problems, dataset.key, partition, files)
        return PartitionValidation(None, located, hashes, files["children"])
    problems = locate(valid.exclusions.problems, dataset.key, partition, files)
    return PartitionValidation(valid, problems, hashes, files["children"])


def duplicate_children(
    hashes: list[pd.Series],
    partitions: list[str],
    key: str,
    *,
    limit: int = 50,
    files: list[list[tuple[str, int]]] | None = None,
) -> list[Problem]:
    """Problems for identifiers present in more than one partition (the ids are never shown).

    Parameters
    ----------
    hashes : list of pandas.Series
        :func:`child_hashes` of each partition's children (indexed by row as read).
    partitions : list of str
        The partition of each array.
    key : str
        The partitioning column.
    limit : int, default 50
        Most problems listed.
    files : list, optional
        The children files of each partition and their rows
        (:attr:`PartitionValidation.children_files`): a row of a partition written as
        several files is named by its file and its row there.
    """
    if not hashes:
        return []
    values = np.concatenate([h.to_numpy(dtype=np.uint64) for h in hashes])
    owner = np.concatenate([np.full(len(h), i, dtype=np.int64) for i, h in enumerate(hashes)])
    rows = np.concatenate([h.index.to_numpy(dtype=np.int64) for h in hashes])
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    repeated = np.flatnonzero(
        (ordered[1:] == ordered[:-1]) & (owner[order][1:] != owner[order][:-1])
    )
    problems: list[Problem] = []
    for i in repeated[:limit]:
        first, second = order[i], order[i + 1]
        a, b = partitions[owner[first]], partitions[owner[second]]
        file_a, row_a = in_file(files[owner[first]] if files else [], int(rows[first]))
        file_b, row_b = in_file(files[owner[second]] if files else [], int(rows[second]))
        problems.append(
            RecordProblem(
                f"children ({key}={b}" + (f", {file_b})" if file_b else ")"),
                row_b,
                "child_id",
                WITHHELD,  # the identifier never leaves its partition's worker
                f"child_id also appears in partition {key}={a} "
                + (f"({file_a}, " if file_a else "(")
                + f"row {spreadsheet_row(int(row_a or 0))}): all of a child's rows must be in "
                "one partition",
            )
        )
    return problems


@dataclass(frozen=True, eq=False)
class DatasetValidation:
    """The validation of a partitioned case history.

    Attributes
    ----------
    rows : pandas.DataFrame
        Per partition: rows read and rows kept of each table.
    exclusions : ExclusionReport
        Every problem, located by partition (rows left out by lenient validation).
    """

    rows: pd.DataFrame
    exclusions: ExclusionReport

    @property
    def valid(self) -> bool:
        """True when no row breaks the contract."""
        return not self.exclusions


def _check(partition: str, dataset: CaseHistoryDataset) -> dict[str, Any]:
    result = validate_partition(dataset, partition, lenient=True)
    try:
        raw: dict[str, Any] = dataset.count_rows_of(partition)
    except DataValidationError:  # a file that is not Parquet: among the partition's problems
        raw = {table: pd.NA for table in dataset.tables}
    kept = result.history  # None: a table lacks a required column; nothing is kept
    return {
        "row": {
            dataset.key: partition,
            **{f"{t}_read": raw[t] for t in raw},
            **{f"{t}_kept": 0 if kept is None else len(getattr(kept, t)) for t in TABLES},
        },
        "problems": result.problems,
        "hashes": result.hashes,
        "files": result.children_files,
    }


def validate_case_history_dataset(
    dataset: CaseHistoryDataset, *, progress: bool = False
) -> DatasetValidation:
    """Validate every partition (leniently) and the uniqueness of children across them.

    Parameters
    ----------
    dataset : CaseHistoryDataset
        The partitioned case history.
    progress : bool, default False
        Show a progress bar over partitions.

    Returns
    -------
    DatasetValidation
        Rows read and kept per partition, and every problem located by partition.

    Examples
    --------
    >>> from escalation.data.simulator.national import simulate_national
    >>> dataset = simulate_national(600, getfixture("tmp_path") / "e", authorities=2)
    >>> validate_case_history_dataset(dataset).valid
    True
    """
    results = parallel_map(
        _check, dataset.partitions, shared=(dataset,), description="validating", progress=progress
    )
    problems = [p for r in results for p in r["problems"]]
    problems += duplicate_children(
        [r["hashes"] for r in results],
        list(dataset.partitions),
        dataset.key,
        files=[r["files"] for r in results],
    )
    rows = pd.DataFrame([r["row"] for r in results])
    return DatasetValidation(rows=rows, exclusions=ExclusionReport(tuple(problems)))
