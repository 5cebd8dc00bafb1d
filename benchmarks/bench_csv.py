"""Benchmark: read and validate case histories from CSV, and build them, against R.

    python benchmarks/bench_csv.py                       # 200,000 children
    python benchmarks/bench_csv.py --children 106000     # about 690,000 episodes

Writes the simulator's children and episodes as CSV once, then times, side by side on the
same files, each in a fresh process (best of ``--repeats``; wall and CPU time of the reading
itself, start-up and imports excluded; on a loaded machine wall time favours single-threaded
readers, CPU time does not):

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=200_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    from escalation.data.io import write_case_history
    from escalation.data.simulator import SimulationConfig, simulate_local_authority

    print(f"Machine: {machine()}; load {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "history"
        history = simulate_local_authority(
            args.children, seed=1, config=SimulationConfig(notes=False)
        ).history
        write_case_history(history, folder, format="csv")
        sizes = {f.name: f.stat().st_size / 2**20 for f in folder.glob("*.csv")}
        print(
            f"Data: {len(history.children):,} children, {len(history.episodes):,} episodes "
            f"(children.csv {sizes['children.csv']:.0f} MB, episodes.csv "
            f"{sizes['episodes.csv']:.0f} MB)"
        )
        r_script = Path(tmp) / "read.R"
        r_script.write_text(_R)
        code = _PYTHON.format(root=str(ROOT))
        best: dict[str, float] = {}
        cpu: dict[str, float] = {}
        build: dict[str, float] = {}
        for _ in range(args.repeats):
            for label, command in (
                ("escalation read + validate (pyarrow CSV)", [sys.executable, "-c", code,
                                                              str(folder), "build"]),
                ("escalation read + validate (pandas CSV)", [sys.executable, "-c", code,
                                                             str(folder), "pandas"]),
                ("R read.csv (no validation)", ["Rscript", str(r_script), str(folder),
                                                "read.csv"]),
                ("R data.table::fread (no validation)", ["Rscript", str(r_script),
                                                         str(folder), "fread"]),
            ):  # fmt: skip
                result = last_json(command)
                seconds = result.get("read_validate", result.get("read", float("nan")))
                best[label] = min(best.get(label, float("inf")), seconds)
                cpu[label] = min(cpu.get(label, float("inf")), result["read_cpu"])
                if "build" in result:
                    build["escalation build_spells + counting"] = min(
                        build.get("escalation build_spells + counting", float("inf")),
                        result["build"],
                    )
        reference = best["R read.csv (no validation)"]
        print(f"  {'':<44} {'wall':>8} {'ratio':>6}   CPU (all threads)")
        for label, seconds in best.items():
            print(
                f"  {label:<44} {seconds:6.2f} s {seconds / reference:5.2f}x   {cpu[label]:6.2f} s"
            )

        # R tmerge on the spells escalation builds (the counting step only).
        from escalation.design import default_design
        from escalation.timeline import build_spells

        data = build_spells(history, default_design())
        spells = data.spells[["spell_id", "child_id", "time_zero", "duration", "event"]]
        spells.to_csv(Path(tmp) / "spells.csv", index=False, date_format="%Y-%m-%d")
        eh = history.episodes.loc[history.episodes["kind"] == "early_help", ["child_id", "start",
                                                                            "end"]]  # fmt: skip
        eh.to_csv(Path(tmp) / "early_help.csv", index=False, date_format="%Y-%m-%d")
        tmerge = ROOT / "benchmarks" / "tmerge_national.R"
        files = [str(Path(tmp) / "spells.csv"), str(Path(tmp) / "early_help.csv")]
        r = last_json(["Rscript", str(tmerge), *files])
        ours = build["escalation build_spells + counting"]
        print(f"  escalation build_spells + counting           {ours:6.2f} s")
        print(
            f"  R survival::tmerge (counting step only)      {r['tmerge']:6.2f} s  "
            f"({r['tmerge'] / ours:4.1f}x escalation's whole build)"
        )
    print(f"Load at end: {load()}")


if __name__ == "__main__":
    main()
