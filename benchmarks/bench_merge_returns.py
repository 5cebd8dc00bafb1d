"""Benchmark: merge three CIN census returns of one local authority (child matching).

    python benchmarks/bench_merge_returns.py            # 4,000 children
    python benchmarks/bench_merge_returns.py --n 20000

Simulates a local authority, writes its history as three yearly CIN census returns (each
cut at its reference date: children born by then, episodes started by then, ends after it
left open), then times ``read_cin_census`` on the three and the time spent matching
children across returns (``merge._match_children``, called once per read since session
27; twice before). Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd
from _machine import machine

import escalation.data.statutory.merge as merge
from escalation import CaseHistory
from escalation.data.simulator import simulate_local_authority
from escalation.data.statutory import read_cin_census, write_cin_census


def yearly_returns(history: CaseHistory, folder: Path) -> list[Path]:
    """Write the history as three returns, two years and one year back and at its date."""
    paths = []
    for back in (2, 1, 0):
        cut = history.extract_date - pd.DateOffset(years=back)
        kids = history.children[history.children["birth_date"] <= cut]
        eps = history.episodes
        eps = eps[(eps["start"] <= cut) & eps["child_id"].isin(kids["child_id"])].copy()
        later = eps["end"] > cut
        eps.loc[later, "end"] = pd.NaT
        eps.loc[later, "reason"] = None
        path = folder / f"cin_{cut.year}.xml"
        write_cin_census(CaseHistory(kids, eps, extract_date=cut), path, year=cut.year + 1)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=4_000, help="children (default 4,000)")
    parser.add_argument("--repeats", type=int, default=3, help="reads timed (best kept)")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    spent = {"calls": 0, "seconds": 0.0}
    original = merge._match_children

    def timed(*given: Any, **named: Any) -> Any:
        started = time.perf_counter()
        out = original(*given, **named)
        spent["seconds"] += time.perf_counter() - started
        spent["calls"] += 1
        return out

    merge._match_children = timed  # type: ignore[assignment]
    history = simulate_local_authority(args.n, seed=1).history
    with tempfile.TemporaryDirectory() as folder:
        paths = yearly_returns(history, Path(folder))
        runs = []
        for _ in range(args.repeats):
            spent.update(calls=0, seconds=0.0)
            started = time.perf_counter()
            read = read_cin_census(paths, lenient=True)
            runs.append((time.perf_counter() - started, spent["seconds"], spent["calls"]))
    total, matching, calls = min(runs)
    print(
        f"{len(read.children):,} children, {len(read.episodes):,} episodes in 3 returns: "
        f"read in {total:.2f} s, of which matching children {matching:.3f} s "
        f"({calls} call{'s' if calls != 1 else ''})"
    )


if __name__ == "__main__":
    main()
