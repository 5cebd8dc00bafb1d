"""Benchmark: which engine reads partitioned case histories: pyarrow datasets, Polars or DuckDB.

    python benchmarks/bench_dataset_readers.py --data /tmp/national     # an existing dataset
    python benchmarks/bench_dataset_readers.py --children 1000000 --authorities 16

Three jobs the streaming build and validation need, each run by each engine in a fresh
subprocess (so its peak resident memory is its own), side by side on the same files:

1. ``count``: rows per partition of the episodes table (no data read if the engine can
   use the Parquet footers);
2. ``partition``: one partition's episodes into a pandas DataFrame (the unit of work of
   ``build_spell_dataset``);
3. ``scan``: ``child_id`` and ``start`` of every ``cp_plan`` episode in the country into
   pandas (projection and predicate pushdown over all partitions).

The package uses pyarrow datasets (a core dependency already); this shows what the other two
would buy. Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import load, machine

ROOT = Path(__file__).resolve().parents[1]

_CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {root!r})
engine, job, data = sys.argv[1], sys.argv[2], sys.argv[3]
episodes = data + "/episodes"
import os
first = sorted(p for p in os.listdir(episodes) if "=" in p)[0]
import pandas, pyarrow as pa, pyarrow.dataset as ds, pyarrow.compute as pc, pyarrow.parquet as pq
import polars as pl, duckdb  # imported before the clock starts
start = time.perf_counter()
if engine == "pyarrow":
    part = ds.partitioning(pa.schema([("authority", pa.string())]), flavor="hive")
    if job == "count":
        rows = 0
        for p in os.listdir(episodes):
            for f in os.listdir(os.path.join(episodes, p)):
                rows += pq.ParquetFile(os.path.join(episodes, p, f)).metadata.num_rows
    elif job == "partition":
        rows = len(pq.read_table(episodes + "/" + first).to_pandas())
    else:
        d = ds.dataset(episodes, format="parquet", partitioning=part)
        rows = len(d.to_table(columns=["child_id", "start"],
                              filter=pc.field("kind") == "cp_plan").to_pandas())
elif engine == "polars":
    scan = pl.scan_parquet(episodes + "/*/*.parquet", hive_partitioning=True)
    if job == "count":
        rows = int(scan.group_by("authority").len().collect()["len"].sum())
    elif job == "partition":
        rows = len(pl.read_parquet(episodes + "/" + first + "/*.parquet").to_pandas())
    else:
        rows = len(scan.filter(pl.col("kind").cast(pl.String) == "cp_plan")
                   .select("child_id", "start").collect().to_pandas())
else:
    con = duckdb.connect()
    con.execute("SET threads TO 2")
    source = f"read_parquet('{{episodes}}/*/*.parquet', hive_partitioning = true)"
    if job == "count":
        rows = int(con.execute(f"SELECT sum(n) FROM (SELECT authority, count(*) n FROM {{source}} "
                               "GROUP BY 1)").fetchone()[0])
    elif job == "partition":
        one = f"read_parquet('{{episodes}}/{{first}}/*.parquet')"
        rows = len(con.execute(f"SELECT * FROM {{one}}").df())
    else:
        rows = len(con.execute(f"SELECT child_id, start FROM {{source}} "
                               "WHERE kind = 'cp_plan'").df())
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 ** 2
print(json.dumps({{"seconds": seconds, "peak_gb": peak, "rows": rows}}))
"""


def run(engine: str, job: str, data: Path) -> dict[str, float]:
    """Run one engine on one job in a fresh interpreter."""
    code = _CHILD.format(root=str(ROOT))
    out = subprocess.run(
        [sys.executable, "-c", code, engine, job, str(data)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="an existing partitioned dataset")
    parser.add_argument("--children", type=int, default=1_000_000)
    parser.add_argument("--authorities", type=int, default=16)
    args = parser.parse_args()
    print(f"Machine: {machine()}; load {load()}")
    import duckdb
    import polars
    import pyarrow

    print(
        f"pyarrow {pyarrow.__version__}, polars {polars.__version__}, duckdb {duckdb.__version__}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            from escalation.data.simulator.national import simulate_national

            data = Path(tmp) / "national"
            simulate_national(args.children, data, authorities=args.authorities)
        print(f"Data: {data}")
        header = ("job", "engine", "seconds", "peak GB", "rows", "vs pyarrow")
        print("{:<10} {:<8} {:>8} {:>8} {:>12} {:>10}".format(*header))
        for job in ("count", "partition", "scan"):
            base = None
            for engine in ("pyarrow", "polars", "duckdb"):
                r = run(engine, job, data)
                base = base if base is not None else r["seconds"]
                print(
                    f"{job:<10} {engine:<8} {r['seconds']:8.2f} {r['peak_gb']:8.2f} "
                    f"{int(r['rows']):12,} {r['seconds'] / base:9.1f}x"
                )


if __name__ == "__main__":
    main()
