"""National-scale case histories: partitioned Parquet datasets, read one partition at a time.

A partitioned case history is a folder with one sub-folder per table, each split into
partitions by a key (Hive layout, as Spark, DuckDB, Polars and pyarrow write it)::

    national/
      case_history.json                  extract date (and how the data were partitioned)
      children/authority=LA001/part-0.parquet
      children/authority=LA002/part-0.parquet
      episodes/authority=LA001/part-0.parquet
      ...
      notes/authority=LA001/part-0.parquet   (optional)

The key is a local authority (``authority=...``) or a hash bucket of ``child_id``
(``bucket=...``): either way every child's rows sit in one partition, so each partition is a
complete case history that can be validated and turned into spells on its own, in bounded
memory, on any worker. :func:`write_case_history_dataset` partitions an in-memory history;
``escalation simulate --authorities K`` writes one directly.

Reading uses pyarrow datasets: the scan is lazy (only the files and columns asked for are
read), pyarrow is already a dependency, and it hands Arrow tables to pandas without a copy of
the text columns; see ``benchmarks/bench_dataset_readers.py`` for the comparison with Polars
and DuckDB that chose it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from escalation._atomic import replace_atomically
from escalation.data.columns import distinct_identifiers, expand
from escalation.data.history import (
    CHILDREN_COLUMNS,
    EPISODE_COLUMNS,
    NOTE_COLUMNS,
    REQUIRED_TABLES,
    TABLES,
    CaseHistory,
    empty_notes,
)
from escalation.data.validate import NO_CHILD
from escalation.errors import DataValidationError, Problem, RecordProblem, refuse_personal

__all__ = [
    "CaseHistoryDataset",
    "PartitionKey",
    "is_partitioned",
    "open_case_history_dataset",
    "partition_bucket",
    "write_case_history_dataset",
    "write_partition",
]

PartitionKey = Literal["authority", "bucket"]
METADATA_FILE: Final = "case_history.json"
_PART: Final = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=([^/\\]+)$")
_UNSAFE_VALUE: Final = (
    "a partition value names a folder: it may not hold '/' or '\\' nor begin with '.' or '_' "
    "(give the column other values, or partition by bucket)"
)


def is_partitioned(path: str | Path) -> bool:
    """Return True when ``path`` holds a partitioned case history (a ``children/`` folder).

    Examples
    --------
    >>> is_partitioned("no/such/folder")
    False
    """
    return (Path(path) / "children").is_dir()


def partition_bucket(child_id: pd.Series, buckets: int) -> np.ndarray:
    """Return the hash bucket (0 to ``buckets - 1``) of each child identifier.

    The hash (pandas' SipHash of the text, with its fixed key) is the same on every machine
    and in every run, so a child always lands in the same bucket.

    Examples
    --------
    >>> partition_bucket(pd.Series(["a", "b", "a"]), 8).tolist()[0] == partition_bucket(
    ...     pd.Series(["a"]), 8).tolist()[0]
    True
    """
    text = child_id.astype("string").fillna("").to_numpy(dtype=object)
    hashed = pd.util.hash_array(text, categorize=True)
    return (hashed % np.uint64(buckets)).astype(np.int64)


@dataclass(frozen=True)
class CaseHistoryDataset:
    """A partitioned case history on disk, opened lazily (nothing is read until asked).

    Attributes
    ----------
    path : Path
        The dataset folder.
    key : str
        The partitioning column (``authority``, ``bucket``, or another name).
    partitions : tuple of str
        Partition values, in sorted order.
    extract_date : pandas.Timestamp
        The extract date.
    extract_date_source : str
        Where the extract date came from.
    tables : tuple of str
        Tables present (``children``, ``episodes`` and possibly ``notes``).
    """

    path: Path
    key: str
    partitions: tuple[str, ...]
    extract_date: pd.Timestamp
    extract_date_source: str
    tables: tuple[str, ...]

    def __repr__(self) -> str:
        return (
            f"CaseHistoryDataset({str(self.path)!r}, {len(self.partitions)} partitions by "
            f"{self.key}, extract date {self.extract_date.date()})"
        )

    def folder(self, table: str, partition: str) -> Path:
        """Return the folder of one partition of one table."""
        return self.path / table / f"{self.key}={partition}"

    def scan(self, table: str) -> Any:
        """Return a lazy ``pyarrow.dataset.Dataset`` of one table over every partition.

        The partition key is a string column, each value as its folder names it (as
        :attr:`partitions` and :meth:`read` give it: a value holding ``%`` is not read as
        URL-encoded, pyarrow's default, which read ``a%20b`` as ``a b``). Filter and
        project before reading, e.g. ``ds.scan("episodes").to_table(columns=["kind"],
        filter=pc.field("kind") == "cp_plan")``.
        """
        import pyarrow as pa
        import pyarrow.dataset as pads

        if table not in self.tables:
            raise DataValidationError(
                [Problem(table, None, None, None, "table not found in the dataset")],
                f"case-history dataset {self.path}",
            )
        partitioning = pads.HivePartitioning(
            pa.schema([(self.key, pa.string())]), segment_encoding="none"
        )
        return pads.dataset(
            self.path / table,
            format="parquet",
            partitioning=partitioning,
            ignore_prefixes=[".", "_"],
        )

    def count_rows_of(self, partition: str) -> dict[str, int]:
        """Return the rows of each table in one partition (from the Parquet footers)."""
        return {
            table: sum(rows for _, rows in self.files_of(table, partition)) for table in self.tables
        }

    def files_of(self, table: str, partition: str) -> list[tuple[str, int]]:
        """Return the Parquet files of one partition of one table and their rows (footers).

        Raises
        ------
        DataValidationError
            Naming the table and the file, when a file is not readable Parquet (empty,
            cut short, or another format).
        """
        folder = self.folder(table, partition)
        return [(f.name, _footer_rows(f, table)) for f in _files(folder)]

    def count_rows(self) -> pd.DataFrame:
        """Return rows per partition and table (from the Parquet footers; no data read)."""
        return pd.DataFrame([{self.key: p, **self.count_rows_of(p)} for p in self.partitions])

    def read(self, partition: str, *, tables: tuple[str, ...] = TABLES) -> CaseHistory:
        """Read one partition as a (not yet validated) :class:`CaseHistory`.

        With ``authority`` partitions the children table gains an ``authority`` column
        (usable as a covariate); hash buckets add nothing.

        Parameters
        ----------
        partition : str
            A value of :attr:`partitions`.
        tables : tuple of str
            Tables to read (``notes`` may be left out when not needed).
        """
        if partition not in self.partitions:
            raise DataValidationError(
                [Problem(self.key, None, self.key, None, "no such partition in the dataset")],
                f"case-history dataset {self.path}",
            )
        contract = {
            "children": CHILDREN_COLUMNS,
            "episodes": EPISODE_COLUMNS,
            "notes": NOTE_COLUMNS,
        }
        frames = {
            table: _read_folder(self.folder(table, partition), contract[table])
            for table in tables
            if table in self.tables
        }
        children = frames["children"]
        if self.key == "authority" and "authority" not in children.columns:
            authority = pd.Series(partition, index=children.index, dtype="string")
            children = children.assign(authority=authority)
        return CaseHistory(
            children=children,
            episodes=frames["episodes"],
            notes=frames.get("notes", empty_notes()),
            extract_date=self.extract_date,
            extract_date_source=self.extract_date_source,
            source=(str(self.path),),
        )

    def __iter__(self) -> Iterator[tuple[str, CaseHistory]]:
        """Yield ``(partition, history)`` one partition at a time."""
        for partition in self.partitions:
            yield partition, self.read(partition)


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix == ".parquet" and p.is_file())


def _unreadable(file: Path, table: str, error: Exception) -> DataValidationError:
    """Return the error for a file of a partition that is not readable Parquet."""
    detail = str(error).splitlines()[0] if str(error) else type(error).__name__
    detail = detail.rpartition(f"{file}': ")[2]  # the folder is named already
    return DataValidationError(
        [
            Problem(
                table,
                None,
                None,
                None,
                f"{file.name} is not a readable Parquet file ({detail}): rewrite it, or remove "
                "it when the partition's other files hold all its rows",
            )
        ],
        f"partition folder {file.parent}",
    )


def _footer_rows(file: Path, table: str) -> int:
    """Return the rows of one Parquet file from its footer (nothing else is read)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return int(pq.ParquetFile(file).metadata.num_rows)
    except (pa.ArrowException, OSError) as error:
        raise _unreadable(file, table, error) from None


def _read_file(file: Path, table: str) -> Any:
    """Read one Parquet file of a partition as an Arrow table (refused, located, if unreadable)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.read_table(file)
    except (pa.ArrowException, OSError) as error:
        raise _unreadable(file, table, error) from None


def _read_folder(folder: Path, contract: Collection[str] = ()) -> pd.DataFrame:
    """Read every Parquet file of one partition folder into one frame.

    Text columns of the contract stay Arrow-backed (``pandas.ArrowDtype(pyarrow.string())``):
    validation gives them their own types, and no Python string is made for a value it only
    codes or compares. Other columns come back as pandas wrote them.
    """
    import pyarrow as pa

    files = _files(folder)
    if not files:
        others = (
            sorted(
                f.name
                for f in folder.iterdir()
                if f.is_file() and not f.name.startswith((".", "_"))
            )
            if folder.is_dir()
            else []
        )
        if others:  # e.g. a partition exported as CSV: not 'no columns', 'no rows'
            shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
            reason = (
                f"the partition folder holds no .parquet file (it holds {shown}): every "
                "partition of a partitioned case history is Parquet"
            )
            raise DataValidationError(
                [Problem(folder.parent.name, None, None, None, reason)],
                f"partition folder {folder}",
            )
        return pd.DataFrame()
    tables = [_read_file(f, folder.parent.name) for f in files]
    table = tables[0] if len(tables) == 1 else _concatenated(tables, files)
    text = [
        f.name
        for f in table.schema
        if f.name in contract and (pa.types.is_string(f.type) or pa.types.is_large_string(f.type))
    ]
    frame: pd.DataFrame = table.drop_columns(text).to_pandas()
    for name in text:
        frame[name] = pd.Series(
            table.column(name).cast(pa.string()), dtype=pd.ArrowDtype(pa.string())
        )
    ordered: pd.DataFrame = frame[table.column_names]
    return ordered


def _concatenated(tables: list[Any], files: list[Path]) -> Any:
    """Return the Arrow tables of one partition folder's files as one table.

    Raises
    ------
    DataValidationError
        Naming the table (the folder's parent), each column the files store with different
        types, and the files, when they cannot be put together.
    """
    import pyarrow as pa

    folder = files[0].parent
    missing = _missing_columns(tables, files, folder.parent.name)
    if missing:
        raise DataValidationError(missing, f"partition folder {folder}")
    try:
        return pa.concat_tables(tables, promote_options="default")
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        raise DataValidationError(
            _type_clashes(tables, files, folder.parent.name), f"partition folder {folder}"
        ) from None


def _missing_columns(tables: list[Any], files: list[Path], table: str) -> list[Problem]:
    """Problems for the columns that some files of one partition store and others lack.

    Put together as they are, the rows of a file without the column would read as empty
    values: a required column then failed on every such row as if its value were missing
    ("required date is empty", once per row), and an optional one was read as empty.
    """
    names = [arrow.schema.names for arrow in tables]
    every: list[str] = []
    for columns in names:
        every += [c for c in columns if c not in every]
    problems: list[Problem] = []
    for column in every:
        having = [f.name for f, columns in zip(files, names, strict=True) if column in columns]
        for file, columns in zip(files, names, strict=True):
            if column not in columns:
                problems.append(
                    Problem(
                        table,
                        None,
                        column,
                        None,
                        f"{file.name} lacks the column that {having[0]} stores: every file of a "
                        "partition must have the same columns (write the partition's files "
                        "alike)",
                    )
                )
    return problems


def _type_clashes(tables: list[Any], files: list[Path], table: str) -> list[Problem]:
    """Problems for the columns that the files of one partition store with different types."""
    import pyarrow as pa

    problems: list[Problem] = []
    first: dict[str, tuple[Any, str]] = {}
    for arrow, file in zip(tables, files, strict=True):
        for field in arrow.schema:
            if pa.types.is_null(field.type):  # an empty column takes any type
                continue
            seen, where = first.setdefault(field.name, (field.type, file.name))
            if seen != field.type:
                problems.append(
                    Problem(
                        table,
                        None,
                        field.name,
                        None,
                        f"{file.name} stores {field.type} where {where} stores {seen}: every "
                        "file of a partition must store a column with one type (write the "
                        "partition's files alike, e.g. dates as dates in each)",
                    )
                )
    return problems or [
        Problem(table, None, None, None, "the files of the partition cannot be read as one table")
    ]


def _partitions(path: Path, table: str) -> tuple[str | None, list[str], list[Problem]]:
    folder = path / table
    if not folder.is_dir():
        return None, [], []
    keys: set[str] = set()
    values: list[str] = []
    problems: list[Problem] = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith((".", "_")) or not child.is_dir():
            continue
        match = _PART.match(child.name)
        if match is None:
            problems.append(
                Problem(
                    table,
                    None,
                    "partition folder",
                    child.name,
                    "partition folders must be named key=value (e.g. authority=LA001)",
                )
            )
            continue
        keys.add(match.group(1))
        values.append(match.group(2))
    if len(keys) > 1:
        problems.append(
            Problem(table, None, None, None, f"partitioned by more than one key: {sorted(keys)}")
        )
    return (next(iter(keys)) if keys else None), values, problems


def open_case_history_dataset(
    path: str | Path, *, extract_date: str | pd.Timestamp | None = None
) -> CaseHistoryDataset:
    """Open a partitioned case history (lazily: only folder names and metadata are read).

    Parameters
    ----------
    path : str or Path
        The dataset folder.
    extract_date : str or Timestamp, optional
        The extract date; default from ``case_history.json`` in the folder.

    Returns
    -------
    CaseHistoryDataset

    Raises
    ------
    DataValidationError
        When the layout is wrong (no ``children``/``episodes`` folders, folders not named
        ``key=value``, a partition with children but no episodes folder or the reverse, two
        keys) or the extract date is unknown.
    FileNotFoundError
        When ``path`` is not a folder.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"case-history dataset folder not found: {root}")
    problems: list[Problem] = []
    found: dict[str, tuple[str | None, list[str]]] = {}
    for table in TABLES:
        key, values, table_problems = _partitions(root, table)
        problems += table_problems
        if key is not None or (root / table).is_dir():
            found[table] = (key, values)
    for table in REQUIRED_TABLES:
        if table not in found or not found[table][1]:
            problems.append(Problem(table, None, None, None, f"no partitions found under {table}/"))
    keys = {k for k, _ in found.values() if k is not None}
    if len(keys) > 1:
        problems.append(
            Problem("case history", None, None, None, f"tables use different keys: {sorted(keys)}")
        )
    if not keys or len(keys) > 1:
        raise DataValidationError(problems, f"case-history dataset {root}")
    key = next(iter(keys))
    children_parts = set(found["children"][1])
    for part in sorted(children_parts ^ set(found["episodes"][1])):
        where = "episodes" if part in children_parts else "children"
        problems.append(
            Problem(where, None, key, part, f"partition {key}={part} is missing from {where}/")
        )
    for part in sorted(set(found.get("notes", (None, []))[1]) - children_parts):
        problems.append(Problem("notes", None, key, part, "partition has notes but no children"))
    when, source = _extract_date(root, extract_date, problems)
    if problems:
        raise DataValidationError(problems, f"case-history dataset {root}")
    return CaseHistoryDataset(
        path=root,
        key=key,
        partitions=tuple(sorted(children_parts)),
        extract_date=when,
        extract_date_source=source,
        tables=tuple(t for t in TABLES if t in found),
    )


def _extract_date(
    root: Path, given: str | pd.Timestamp | None, problems: list[Problem]
) -> tuple[pd.Timestamp, str]:
    if given is not None:
        value: object = given
        source = "given"
    else:
        meta = root / METADATA_FILE
        value = None
        if meta.is_file():
            try:
                value = json.loads(meta.read_text(encoding="utf-8")).get("extract_date")
            except (ValueError, AttributeError):
                value = None
        source = METADATA_FILE
    parsed = pd.to_datetime(str(value), format="%Y-%m-%d", errors="coerce") if value else pd.NaT
    if pd.isna(parsed):
        problems.append(
            Problem(
                "case history",
                None,
                "extract_date",
                None if value is None else str(value),
                "no valid extract date (YYYY-MM-DD): pass extract_date=... or write it to "
                f"{METADATA_FILE}",
            )
        )
        return pd.Timestamp("1970-01-01"), "missing"
    return pd.Timestamp(parsed), source


def write_partition(path: str | Path, key: str, partition: str, history: CaseHistory) -> None:
    """Write one partition of a dataset (its children, episodes and notes) atomically.

    Each table is written to a temporary file and renamed
    (:func:`~escalation._atomic.replace_atomically`), so a reader never sees half a
    partition's file and a failed write leaves the file there as it was. Used by
    :func:`write_case_history_dataset` and the national simulator.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = Path(path)
    frames = {"children": history.children, "episodes": history.episodes, "notes": history.notes}
    for table, frame in frames.items():
        if table == "notes" and (frame is None or frame.empty):
            continue
        folder = root / table / f"{key}={partition}"
        folder.mkdir(parents=True, exist_ok=True)
        if key in frame.columns:
            frame = frame.drop(columns=key)
        arrow = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
        replace_atomically(folder / "part-0.parquet", partial(pq.write_table, arrow))


def _write_metadata(root: Path, history: CaseHistory, key: str, partitions: list[str]) -> None:
    metadata = {
        "extract_date": history.extract_date.date().isoformat(),
        "extract_date_source": history.extract_date_source,
        "layout": "partitioned",
        "partition_key": key,
        "partitions": len(partitions),
    }
    (root / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")


def identifier_text(values: pd.Series) -> pd.Series:
    """Return identifiers as validation reads them: stripped text, ``1001.0`` read ``'1001'``.

    Rows are matched to their child on this text, as
    :func:`~escalation.data.validate_case_history` matches them.

    Examples
    --------
    >>> identifier_text(pd.Series(["C1 ", 1001.0, None], dtype=object)).tolist()
    ['C1', '1001', <NA>]
    """
    codes, text, _ = distinct_identifiers(values)
    return expand(text, codes)


def _partition_values(children: pd.DataFrame, by: str) -> np.ndarray:
    """Return each child's partition: its value of the column ``by``, checked.

    A value names a folder (``by=value``), so it may not be empty, hold a slash or a backslash,
    or begin with ``.`` or ``_`` (readers skip such folders); a personal column is refused.
    """
    refuse_personal([by], "a partition key (its values name folders)", "children")
    if by not in children.columns:
        raise DataValidationError(
            [Problem("children", None, by, None, "partition column not in the children table")],
            "partitioning",
        )
    values = children[by].astype("string")
    problems = [
        RecordProblem("children", int(row), by, children[by].iloc[row], reason)
        for mask, reason in (
            (values.isna() | (values.str.strip() == ""), "a child has no partition value"),
            (
                values.str.contains(r"[/\\]", regex=True) | values.str.match(r"[._]"),
                _UNSAFE_VALUE,
            ),
        )
        for row in np.flatnonzero(mask.fillna(False).to_numpy(dtype=bool))
    ]
    if problems:
        raise DataValidationError(sorted(problems, key=lambda p: p.row or 0), "partitioning")
    return values.to_numpy(dtype=object)


def _partition_of_rows(table: str, frame: pd.DataFrame, lookup: pd.Series) -> np.ndarray:
    """Return the partition of each row of ``table``: its child's (``lookup`` by child_id).

    Raises
    ------
    DataValidationError
        Locating every row whose ``child_id`` is empty or no child's: such a row has no
        partition, and is never left out silently.
    """
    ids = identifier_text(frame["child_id"])
    part = ids.map(lookup).to_numpy(dtype=object)
    missing = pd.isna(part)
    if missing.any():
        problems = [
            RecordProblem(
                table,
                int(row),
                "child_id",
                frame["child_id"].iloc[row],
                "child_id is empty" if pd.isna(ids.iloc[row]) else NO_CHILD,
            )
            for row in np.flatnonzero(missing)
        ]
        raise DataValidationError(problems, "partitioning")
    return part


def write_case_history_dataset(
    history: CaseHistory,
    path: str | Path,
    *,
    by: PartitionKey | str = "bucket",
    buckets: int = 16,
) -> CaseHistoryDataset:
    """Write a case history as a partitioned Parquet dataset.

    Parameters
    ----------
    history : CaseHistory
        The history (validated or not).
    path : str or Path
        Destination folder (created; must not already hold a dataset's tables).
    by : str, default "bucket"
        ``"bucket"``: a hash of ``child_id`` into ``buckets`` partitions; otherwise the name
        of a children column (e.g. ``"authority"``) whose values become the partitions.
    buckets : int, default 16
        Partitions when ``by="bucket"``.

    Returns
    -------
    CaseHistoryDataset
        The dataset, opened.

    Examples
    --------
    >>> from escalation.data.simulator import simulate_local_authority, SimulationConfig
    >>> config = SimulationConfig(notes=False)
    >>> history = simulate_local_authority(300, seed=1, config=config).history
    >>> dataset = write_case_history_dataset(history, getfixture("tmp_path") / "d", buckets=4)
    >>> len(dataset.partitions), int(dataset.count_rows()["children"].sum())
    (4, 300)
    """
    root = Path(path)
    if any((root / t).exists() for t in TABLES):
        raise FileExistsError(f"{root} already holds case-history tables; choose a new folder")
    children = history.children
    child_ids = identifier_text(children["child_id"])
    if by == "bucket":
        if int(buckets) < 1:
            raise ValueError("buckets must be at least 1")
        width = len(str(int(buckets) - 1))
        codes = partition_bucket(child_ids, int(buckets))
        labels = np.array([f"{b:0{width}d}" for b in range(int(buckets))], dtype=object)[codes]
    else:
        labels = _partition_values(children, by)
    key = by
    lookup = pd.Series(labels, index=child_ids.to_numpy(dtype=object))
    lookup = lookup[lookup.index.notna() & ~lookup.index.duplicated(keep="first")]
    episodes_part = _partition_of_rows("episodes", history.episodes, lookup)
    notes = history.notes if history.notes is not None else empty_notes()
    notes_part = _partition_of_rows("notes", notes, lookup) if not notes.empty else None
    partitions = sorted(set(labels.tolist()))
    for partition in partitions:
        part = CaseHistory(
            children=children[labels == partition],
            episodes=history.episodes[episodes_part == partition],
            notes=(notes[notes_part == partition] if notes_part is not None else empty_notes()),
            extract_date=history.extract_date,
            extract_date_source=history.extract_date_source,
        )
        write_partition(root, key, str(partition), part)
    _write_metadata(root, history, key, [str(p) for p in partitions])
    return open_case_history_dataset(root)
