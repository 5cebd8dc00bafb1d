"""Benchmark: read and validate case histories from CSV, and build them, against R.

    python benchmarks/bench_csv.py                       # 200,000 children
    python benchmarks/bench_csv.py --children 106000     # about 690,000 episodes
    python benchmarks/bench_csv.py --data /tmp/csv200k --no-build   # reuse files, reading only

Writes the simulator's children and episodes as CSV once, then times, side by side on the
same files, each in a fresh process, the tools alternating (minimum and median of ``--repeats``
runs; wall and CPU time of the reading itself, start-up and imports excluded; on a loaded
machine wall time favours single-threaded readers, CPU time does not):

- escalation: ``read_case_history`` (multi-threaded pyarrow CSV reader, then every rule of
  the contract) and the same read with the previous single-threaded pandas reader;
- R 4.2: ``read.csv`` of both files (parsing only, no validation) and ``data.table::fread``;
- escalation ``build_spells`` + counting-process rows against R ``survival::tmerge`` given
  the spells (``benchmarks/tmerge_national.R``).

Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import load, machine

ROOT = Path(__file__).resolve().parents[1]

_PYTHON = r"""
import json, sys, time
sys.path.insert(0, {root!r})
import escalation.data.io as io_module
from escalation.data.io import read_case_history
from escalation.design import default_design
from escalation.timeline import build_spells
folder, job = sys.argv[1], sys.argv[2]
if job == "pandas":
    io_module.read_csv_table = lambda *args, **kwargs: None  # the previous reader only
start, cpu = time.perf_counter(), time.process_time()
history = read_case_history(folder)
read, cpu = time.perf_counter() - start, time.process_time() - cpu
out = {{"read_validate": read, "read_cpu": cpu, "episodes": len(history.episodes)}}
if job == "build":
    start = time.perf_counter()
    data = build_spells(history, default_design())
    counting = data.counting
    out["build"] = time.perf_counter() - start
    out["spells"] = len(data.spells)
    out["counting"] = len(counting)
print(json.dumps(out))
"""

_R = r"""
args <- commandArgs(trailingOnly = TRUE)
job <- args[2]
if (job == "fread") suppressPackageStartupMessages(library(data.table))
t0 <- proc.time()
if (job == "read.csv") {
  children <- read.csv(file.path(args[1], "children.csv"))
  episodes <- read.csv(file.path(args[1], "episodes.csv"))
} else {
  children <- fread(file.path(args[1], "children.csv"))
  episodes <- fread(file.path(args[1], "episodes.csv"))
}
t1 <- proc.time() - t0
cat(sprintf('{"read": %.3f, "read_cpu": %.3f, "episodes": %d}\n', t1[["elapsed"]],
            t1[["user.self"]] + t1[["sys.self"]], nrow(episodes)))
"""


def last_json(command: list[str]) -> dict[str, float]:
    """Run a command, parse the JSON on its last output line, add the process's CPU time."""
    import resource

    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(command, check=True, capture_output=True, text=True, env=env)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    result["cpu"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result


def _write_data(folder: Path, children: int) -> None:
    """Simulate ``children`` children (seed 1, no notes) and write them to ``folder`` as CSV."""
    from escalation.data.io import write_case_history
    from escalation.data.simulator import SimulationConfig, simulate_local_authority

    history = simulate_local_authority(
        children, seed=1, config=SimulationConfig(notes=False)
    ).history
    write_case_history(history, folder, format="csv", overwrite=True)


def _summary(values: list[float]) -> tuple[float, float]:
    return min(values), statistics.median(values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--data",
        type=Path,
        help="folder of children.csv and episodes.csv to reuse (simulated into it when absent)",
    )
    parser.add_argument(
        "--no-build", action="store_true", help="time reading only (skip build and tmerge)"
    )
    args = parser.parse_args()

    print(f"Machine: {machine()}; load {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.data or Path(tmp) / "history"
        if not ((folder / "children.csv").is_file() and (folder / "episodes.csv").is_file()):
            _write_data(folder, args.children)
        rows = {
            f: sum(1 for _ in (folder / f).open("rb")) - 1 for f in ("children.csv", "episodes.csv")
        }
        sizes = {f: (folder / f).stat().st_size / 2**20 for f in rows}
        print(
            f"Data: {folder}: {rows['children.csv']:,} children, {rows['episodes.csv']:,} "
            f"episodes (children.csv {sizes['children.csv']:.0f} MB, episodes.csv "
            f"{sizes['episodes.csv']:.0f} MB)"
        )
        r_script = Path(tmp) / "read.R"
        r_script.write_text(_R)
        code = _PYTHON.format(root=str(ROOT))
        wall: dict[str, list[float]] = {}
        cpu: dict[str, list[float]] = {}
        build: list[float] = []
        for _ in range(args.repeats):
            for label, command in (
                ("escalation read + validate (pyarrow CSV)", [sys.executable, "-c", code,
                                                              str(folder), "read" if
                                                              args.no_build else "build"]),
                ("escalation read + validate (pandas CSV)", [sys.executable, "-c", code,
                                                             str(folder), "pandas"]),
                ("R read.csv (no validation)", ["Rscript", str(r_script), str(folder),
                                                "read.csv"]),
                ("R data.table::fread (no validation)", ["Rscript", str(r_script),
                                                         str(folder), "fread"]),
            ):  # fmt: skip
                result = last_json(command)
                seconds = result.get("read_validate", result.get("read", float("nan")))
                wall.setdefault(label, []).append(seconds)
                cpu.setdefault(label, []).append(result["read_cpu"])
                if "build" in result:
                    build.append(result["build"])
        r_wall = _summary(wall["R read.csv (no validation)"])
        r_cpu = _summary(cpu["R read.csv (no validation)"])
        print(
            f"  {args.repeats} runs each, alternating; min / median; ratio to R read.csv's "
            "min / median"
        )
        print(f"  {'':<42} {'wall':>13} {'ratio':>11}   {'CPU (all threads)':>17} {'ratio':>11}")
        for label in wall:
            w, c = _summary(wall[label]), _summary(cpu[label])
            print(
                f"  {label:<42} {w[0]:5.2f} / {w[1]:5.2f} s {w[0] / r_wall[0]:4.2f} / "
                f"{w[1] / r_wall[1]:4.2f}   {c[0]:5.2f} / {c[1]:5.2f} s {c[0] / r_cpu[0]:4.2f} / "
                f"{c[1] / r_cpu[1]:4.2f}"
            )
        if not args.no_build:
            _tmerge(folder, Path(tmp), _summary(build))
    print(f"Load at end: {load()}")


def _tmerge(folder: Path, tmp: Path, build: tuple[float, float]) -> None:
    """R tmerge on the spells escalation builds (the counting step only)."""
    from escalation.data.io import read_case_history
    from escalation.design import default_design
    from escalation.timeline import build_spells

    history = read_case_history(folder)
    data = build_spells(history, default_design())
    spells = data.spells[["spell_id", "child_id", "time_zero", "duration", "event"]]
    spells.to_csv(tmp / "spells.csv", index=False, date_format="%Y-%m-%d")
    eh = history.episodes.loc[history.episodes["kind"] == "early_help", ["child_id", "start",
                                                                        "end"]]  # fmt: skip
    eh.to_csv(tmp / "early_help.csv", index=False, date_format="%Y-%m-%d")
    tmerge = ROOT / "benchmarks" / "tmerge_national.R"
    r = last_json(["Rscript", str(tmerge), str(tmp / "spells.csv"), str(tmp / "early_help.csv")])
    print(
        f"  escalation build_spells + counting (min / median)   {build[0]:5.2f} / {build[1]:5.2f}"
    )
    print(
        f"  R survival::tmerge (counting step only)             {r['tmerge']:5.2f} s  "
        f"({r['tmerge'] / build[0]:4.1f}x escalation's whole build)"
    )


if __name__ == "__main__":
    main()
