"""Benchmark: where the test suite's CPU goes, by folder and by file.

    python benchmarks/bench_tests.py                  # the whole suite, two workers
    python benchmarks/bench_tests.py tests/policy     # one folder
    python benchmarks/bench_tests.py --workers 1 --top 40
    python benchmarks/bench_tests.py --tests 60       # and the 60 costliest tests

Runs ``pytest -n WORKERS --dist worksteal`` (as ``make test`` does) with this file as a
pytest plugin: each test worker records, per test, its wall time, the CPU time of the
worker (``os.times``: user + system) and the CPU time of child processes the worker
waited for (pools, Dask workers, command-line runs). A child is counted when it is
reaped, so a long-lived pool's CPU lands on the test that closed it; folder totals are
right, single tests' child times are not. Prints the wall time and CPU time of the whole
run (pytest and everything it started, from ``os.wait4``), each worker's CPU outside its
tests (start-up, imports, collection) and the CPU by folder and by file.

The test workers' shared Dask cluster (``tests/conftest.py``) outlives the worker that
started it, so no worker waits for it: on Linux this script adopts such orphans (it is
their "child subreaper") and counts their CPU in the whole run's, not in any folder's.

``make test`` runs mypy and the documentation build beside the suite and must finish in
3 minutes on 2 cores: about 360 s of CPU for everything. The printout shows which checks
hold most of it. Nothing here is asserted in the tests.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: Environment variable naming the folder where each worker writes its records.
RECORDS = "ESCALATION_BENCH_TESTS_DIR"

_rows: list[tuple[str, float, float, float]] = []
_PR_SET_CHILD_SUBREAPER = 36  # prctl option, <linux/prctl.h>


def _cpu() -> tuple[float, float]:
    t = os.times()
    return t.user + t.system, t.children_user + t.children_system


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[Any]:
    """Record the test's wall time, this worker's CPU and its children's CPU."""
    start, (own, children) = time.perf_counter(), _cpu()
    try:
        return (yield)
    finally:
        own_after, children_after = _cpu()
        _rows.append(
            (item.nodeid, time.perf_counter() - start, own_after - own, children_after - children)
        )


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Write this worker's records (only under this benchmark)."""
    folder = os.environ.get(RECORDS)
    if not folder:
        return
    own, children = _cpu()
    name = os.environ.get("PYTEST_XDIST_WORKER", "main")
    payload = {"rows": _rows, "own": own, "children": children}
    (Path(folder) / f"{name}.json").write_text(json.dumps(payload))


def _area(nodeid: str, depth: int) -> str:
    path = nodeid.split("::")[0]
    parts = path.split("/")
    return "/".join(parts[: min(depth, len(parts))])


def _report(folder: Path, top: int, tests: int) -> None:
    workers = [json.loads(p.read_text()) for p in sorted(folder.glob("gw*.json"))]
    workers = workers or [json.loads(p.read_text()) for p in folder.glob("main.json")]
    rows = [row for worker in workers for row in worker["rows"]]
    in_tests = sum(r[2] for r in rows)
    own = sum(w["own"] for w in workers)
    children = sum(w["children"] for w in workers)
    print(f"{len(rows):,} tests on {len(workers)} worker(s)")
    print(
        f"workers' own CPU {own:.1f} s: in tests {in_tests:.1f} s, outside them "
        f"(start-up, imports, collection) {own - in_tests:.1f} s; their child processes "
        f"{children:.1f} s"
    )
    for depth, label, limit in ((2, "folder", 30), (3, "file", top)):
        totals: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for nodeid, wall, cpu, child in rows:
            entry = totals[_area(nodeid, depth)]
            entry[0] += wall
            entry[1] += cpu
            entry[2] += child
            entry[3] += 1
        print(f"\nby {label} (CPU = own + children), largest first")
        print(f"{'CPU s':>8} {'own':>7} {'child':>7} {'wall s':>8} {'tests':>6}  {label}")
        ranked = sorted(totals.items(), key=lambda kv: -(kv[1][1] + kv[1][2]))
        for name, (wall, cpu, child, count) in ranked[:limit]:
            print(f"{cpu + child:8.1f} {cpu:7.1f} {child:7.1f} {wall:8.1f} {int(count):6d}  {name}")
    if tests:
        print("\nby test (CPU = own + children), largest first")
        print(f"{'CPU s':>8} {'own':>7} {'child':>7} {'wall s':>8}  test")
        for nodeid, wall, cpu, child in sorted(rows, key=lambda r: -(r[2] + r[3]))[:tests]:
            print(f"{cpu + child:8.1f} {cpu:7.1f} {child:7.1f} {wall:8.1f}  {nodeid}")


def _adopt_orphans() -> bool:
    """Become the reaper of descendants whose parent exits first (Linux only)."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _reap_orphans() -> float:
    """Wait for every adopted process to end; return their CPU seconds."""
    total = 0.0
    while True:
        try:
            _, _, usage = os.wait4(-1, 0)
        except ChildProcessError:
            return total
        total += usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> None:
    """Run the suite (or the given paths) under pytest-xdist and print the breakdown."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from _machine import load, machine

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="test paths (default: the whole suite)")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers")
    parser.add_argument("--top", type=int, default=25, help="files listed")
    parser.add_argument("--tests", type=int, default=0, help="single tests listed")
    args = parser.parse_args(argv)
    print(machine())
    print(f"load averages before: {load()}")
    with tempfile.TemporaryDirectory(prefix="bench-tests-") as folder:
        env = {
            **os.environ,
            RECORDS: folder,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
        command = [sys.executable, "-m", "pytest", "-q", "-p", "bench_tests", "-p",
                   "no:cacheprovider", "-n", str(args.workers), "--dist", "worksteal",
                   *args.paths]  # fmt: skip
        adopting = _adopt_orphans()
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE)
        assert process.stdout is not None
        last = b""
        for line in process.stdout:
            last = line if line.strip() else last
        _, status, usage = os.wait4(process.pid, 0)
        cpu = usage.ru_utime + usage.ru_stime + (_reap_orphans() if adopting else 0.0)
        wall = time.perf_counter() - start
        print(last.decode().strip())
        print(
            f"pytest and everything it started: {wall:.1f} s wall, "
            f"{cpu:.1f} s CPU (exit status {status >> 8})"
        )
        _report(Path(folder), args.top, args.tests)
    print(f"\nload averages after: {load()}")


if __name__ == "__main__":
    main()
