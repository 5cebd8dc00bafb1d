"""Benchmark: a national case history simulated, validated and built in partitions.

    python benchmarks/bench_national.py --children 10000000 --authorities 64 --out /tmp/national
    python benchmarks/bench_national.py --children 500000 --authorities 8 --out /tmp/small

Each step runs as ``escalation`` on the command line, in its own process tree, under
``/usr/bin/time -v`` (wall time; CPU time of the whole tree; "Maximum resident set size" is the
largest single process),
while a sampler adds up the resident memory of the whole tree (the driver, the Dask
scheduler and every worker) every 0.2 s; the larger of the two is the step's peak memory.

1. ``escalation simulate --children N --authorities K --workers W``: the simulator writes one
   partition per authority;
2. ``escalation build design.toml --data DIR --workers W``: every partition is validated
   (the full contract) and built into spells and counting-process rows, partition by
   partition;
3. R: ``survival::tmerge`` on the spells escalation built and the raw early-help episodes
   (``benchmarks/tmerge_national.R``; data.table's ``fread`` reads them), for growing shares
   of the authorities, until it fails, exceeds the memory budget or the time limit. R only
   does the counting step here (given the spells): less work than step 2.

Targets (issue 18): 10 million children (about 65 million episodes) validated and built in
under 10 minutes on 2 cores with peak memory under 6 GB. Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

from _machine import load, machine

ROOT = Path(__file__).resolve().parents[1]


class TreeSampler(threading.Thread):
    """Sample the total resident memory of a process and all its descendants."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        import psutil

        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self.stopped.is_set():
            total = 0
            try:
                for proc in [root, *root.children(recursive=True)]:
                    try:
                        total += proc.memory_info().rss
                    except psutil.NoSuchProcess:
                        continue
            except psutil.NoSuchProcess:
                break
            self.peak = max(self.peak, total)
            time.sleep(0.2)


def timed(command: list[str], *, limit: float | None = None) -> dict[str, object]:
    """Run ``command`` under /usr/bin/time -v; return wall and CPU time, peaks, output, status.

    The CPU time is user plus system time of the process and every process it waited for
    (the Dask nannies and workers), so it is the whole tree's work.
    """
    full = ["/usr/bin/time", "-v", *command]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    start = time.perf_counter()
    process = subprocess.Popen(
        full, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    sampler = TreeSampler(process.pid)
    sampler.start()
    try:
        out, err = process.communicate(timeout=limit)
        status = process.returncode
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        status = "timeout"
    sampler.stopped.set()
    sampler.join()
    wall = time.perf_counter() - start
    match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", err)
    max_rss = int(match.group(1)) / 2**20 if match else float("nan")
    cpu = sum(
        float(m.group(1)) for m in re.finditer(r"(?:User|System) time \(seconds\): ([\d.]+)", err)
    )
    return {
        "seconds": wall,
        "cpu": cpu,
        "time_max_rss_gb": max_rss,
        "tree_peak_gb": sampler.peak / 2**30,
        "status": status,
        "stdout": out,
        "stderr": err[-2000:],
    }


def show(step: str, result: dict[str, object]) -> None:
    """Print one step's measurements."""
    peak = max(float(result["time_max_rss_gb"]), float(result["tree_peak_gb"]))  # type: ignore[arg-type]
    print(
        f"{step:<34} {float(result['seconds']):8.1f} s wall, {float(result['cpu']):7.1f} s CPU  "  # type: ignore[arg-type]
        f"peak {peak:5.2f} GB "
        f"(time -v max RSS {float(result['time_max_rss_gb']):.2f}, "  # type: ignore[arg-type]
        f"process tree {float(result['tree_peak_gb']):.2f})  status {result['status']}  "
        f"load {load()}"
    )
    sys.stdout.flush()


def export_for_r(
    data: Path, built: Path, authorities: list[str], folder: Path
) -> tuple[Path, Path]:
    """Write the spells and early-help episodes of some authorities as CSV for R."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.dataset as ds

    folder.mkdir(parents=True, exist_ok=True)
    part = ds.partitioning(pa.schema([("authority", pa.string())]), flavor="hive")
    chosen = pc.field("authority").isin(authorities)
    spells = ds.dataset(built / "spells", format="parquet", partitioning=part).to_table(
        columns=["spell_id", "child_id", "time_zero", "duration", "event"], filter=chosen
    )
    spells = spells.set_column(2, "time_zero", pc.strftime(spells["time_zero"], "%Y-%m-%d"))
    episodes = ds.dataset(data / "episodes", format="parquet", partitioning=part).to_table(
        columns=["child_id", "start", "end"],
        filter=chosen & (pc.field("kind").cast(pa.string()) == "early_help"),
    )
    episodes = episodes.set_column(1, "start", pc.strftime(episodes["start"], "%Y-%m-%d"))
    episodes = episodes.set_column(2, "end", pc.strftime(episodes["end"], "%Y-%m-%d"))
    spells_file, episodes_file = folder / "spells.csv", folder / "early_help.csv"
    pacsv.write_csv(spells, spells_file)
    pacsv.write_csv(episodes, episodes_file)
    return spells_file, episodes_file


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=10_000_000)
    parser.add_argument("--authorities", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--out", type=Path, required=True, help="scratch folder (large)")
    parser.add_argument("--skip-simulate", action="store_true", help="reuse OUT/data")
    parser.add_argument(
        "--r-shares", default="0.1,0.2,0.5,1.0", help="shares of the authorities given to R"
    )
    parser.add_argument("--r-limit", type=float, default=1800, help="seconds R may take per size")
    parser.add_argument("--no-r", action="store_true")
    args = parser.parse_args()

    print(f"Machine: {machine()}")
    print(f"Load at start: {load()}")
    data, built = args.out / "data", args.out / "built"
    python = [sys.executable, "-m", "escalation"]
    if not args.skip_simulate:
        shutil.rmtree(data, ignore_errors=True)
        result = timed(
            [
                *python,
                "simulate",
                "--children",
                str(args.children),
                "--authorities",
                str(args.authorities),
                "--out",
                str(data),
                "--workers",
                str(args.workers),
            ]
        )
        show(f"simulate {args.children:,} children", result)
        print("  " + str(result["stdout"]).strip().replace("\n", "\n  "))
        if result["status"] != 0:
            print(result["stderr"])
            return
    meta = json.loads((data / "case_history.json").read_text())
    print(
        f"Dataset: {meta['rows']['children']:,} children, {meta['rows']['episodes']:,} "
        f"episodes in {meta['partitions']} partitions"
    )
    design = args.out / "design.toml"
    from escalation.design import default_design

    shutil.rmtree(built, ignore_errors=True)  # a scratch folder: escalation never replaces files

    design.write_text(default_design().to_toml(), encoding="utf-8")
    result = timed(
        [
            *python,
            "build",
            str(design),
            "--data",
            str(data),
            "--out",
            str(built),
            "--workers",
            str(args.workers),
            "--no-progress",
        ]
    )
    show("validate + build spells + counting", result)
    print("  " + str(result["stdout"]).strip().replace("\n", "\n  "))
    if result["status"] != 0:
        print(result["stderr"])
        return
    if args.no_r:
        return
    partitions = sorted(p.name.split("=", 1)[1] for p in (data / "children").iterdir())
    for share in (float(s) for s in args.r_shares.split(",")):
        chosen = partitions[: max(1, round(share * len(partitions)))]
        children = round(meta["rows"]["children"] * len(chosen) / len(partitions))
        spells_file, episodes_file = export_for_r(data, built, chosen, args.out / "r")
        result = timed(
            [
                "Rscript",
                str(ROOT / "benchmarks" / "tmerge_national.R"),
                str(spells_file),
                str(episodes_file),
            ],
            limit=args.r_limit,
        )
        show(f"R tmerge, ~{children:,} children", result)
        if result["status"] == 0:
            print("  " + str(result["stdout"]).strip())
        else:
            lines = str(result["stderr"]).strip().splitlines()
            reason = next((x for x in lines if "Error" in x or "cannot" in x), lines[-1:])
            print(f"  R stopped ({result['status']}): {reason}")
            break
        peak = max(float(result["time_max_rss_gb"]), float(result["tree_peak_gb"]))  # type: ignore[arg-type]
        if peak > 6:
            print("  R exceeded the 6 GB budget; larger shares not tried")
            break


if __name__ == "__main__":
    main()
