"""The results of a simulation study on disk: Parquet parts partitioned by scenario.

Results are appended as replications finish, one new file per scenario per flush
(``results/scenario_id=<id>/part-<token>.parquet``, written to a temporary name and renamed
by :func:`~escalation._atomic.replace_atomically`, so a stopped run never leaves half a
file, nor a temporary one the reader would take for a part). Reading them back gives every
finished replication, which is what a resumed run skips.
"""

from __future__ import annotations

import uuid
from functools import partial
from pathlib import Path
from typing import Final

import pandas as pd

from escalation._atomic import replace_atomically

__all__ = ["KEY", "append_results", "completed_replications", "read_results"]

#: Columns identifying one result row.
KEY: Final = ("scenario_id", "replication", "estimator", "horizon", "estimand")


def append_results(folder: str | Path, frame: pd.DataFrame) -> list[Path]:
    """Write ``frame`` as new Parquet parts, one per scenario; return the files written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = Path(folder)
    written = []
    for scenario_id, part in frame.groupby("scenario_id", sort=True, observed=True):
        target_dir = root / f"scenario_id={scenario_id}"
        target_dir.mkdir(parents=True, exist_ok=True)
        table = pa.Table.from_pandas(
            part.drop(columns="scenario_id").reset_index(drop=True), preserve_index=False
        )
        target = target_dir / f"part-{uuid.uuid4().hex}.parquet"
        written.append(replace_atomically(target, partial(pq.write_table, table)))
    return written


def _dataset(folder: Path):  # type: ignore[no-untyped-def]
    import pyarrow as pa
    import pyarrow.dataset as ds

    partitioning = ds.partitioning(pa.schema([("scenario_id", pa.string())]), flavor="hive")
    return ds.dataset(
        folder,
        format="parquet",
        partitioning=partitioning,
        exclude_invalid_files=False,
        ignore_prefixes=[".", "_"],
    )


def read_results(folder: str | Path) -> pd.DataFrame:
    """Return every stored result row (empty when nothing has finished yet)."""
    root = Path(folder)
    if not root.is_dir() or not any(root.rglob("*.parquet")):
        return pd.DataFrame(columns=list(KEY))
    frame = _dataset(root).to_table().to_pandas()
    frame["scenario_id"] = frame["scenario_id"].astype(str)
    frame = frame.drop_duplicates(list(KEY), keep="first")
    out: pd.DataFrame = frame.sort_values(
        ["scenario_id", "replication", "estimator", "horizon", "estimand"], ignore_index=True
    )
    return out


def completed_replications(folder: str | Path) -> set[tuple[str, int]]:
    """Return ``(scenario_id, replication)`` of every replication already stored."""
    root = Path(folder)
    if not root.is_dir() or not any(root.rglob("*.parquet")):
        return set()
    table = _dataset(root).to_table(columns=["scenario_id", "replication"])
    pairs = table.group_by(["scenario_id", "replication"]).aggregate([])
    return set(
        zip(
            (str(s) for s in pairs.column("scenario_id").to_pylist()),
            (int(r) for r in pairs.column("replication").to_pylist()),
            strict=True,
        )
    )
