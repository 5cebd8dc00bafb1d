"""Benchmark: case history -> spells + counting-process data, against lifelines' route.

    python benchmarks/bench_timeline.py                 # 1,000,000 children
    python benchmarks/bench_timeline.py --n 200000 --lifelines-n 20000

Uses ``escalation.data.simulator.simulate_local_authority(n, seed).history`` when the
simulator is installed, else the seeded generator of ``tests/timeline/timeline_support``.

Measures, on one history:

1. escalation: ``build_spells`` (eligibility, follow-up, treatment, baseline covariates)
   plus ``.counting`` (the (start, stop] form): wall time and peak resident memory.
2. The route a user has today for the counting-process step: lifelines'
   ``to_long_format`` + ``add_covariate_to_timeline``, given the same spells and the same
   covariate change times (so lifelines is spared the eligibility and covariate work).
   lifelines is slow, so it runs on the first ``--lifelines-n`` spells and is compared with
   escalation's counting step on the same spells; the ratio is reported.

Row counts differ slightly: lifelines merges consecutive intervals whose values do not
change (e.g. one early-help episode ending while an overlapping one continues), whereas
escalation, like ``survival::tmerge``, keeps a split wherever an episode starts or ends.
The data are equivalent for model fitting.

Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import importlib.util
import os
import resource
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import pandas as pd
from _machine import machine

from escalation.design import default_design
from escalation.timeline import build_spells
from escalation.timeline.counting import counting_process

ROOT = Path(__file__).resolve().parents[1]


def rss_gib() -> float:
    """Current resident memory of this process."""
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**30


def reset_peak() -> bool:
    """Reset the kernel's peak-RSS mark (Linux ``clear_refs``); True when it worked."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return True
    except OSError:
        return False


def peak_gib() -> float:
    """Peak resident memory (since the last reset where supported)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20


def make_history(n: int, seed: int) -> tuple[Any, str]:
    try:
        from escalation.data.simulator import simulate_local_authority  # type: ignore[import-not-found]

        return simulate_local_authority(n, seed=seed).history, "escalation.data.simulator"
    except ImportError:
        path = ROOT / "tests" / "timeline" / "timeline_support.py"
        spec = importlib.util.spec_from_file_location("timeline_support", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.synthetic_history(
            n, seed
        ), "tests/timeline/timeline_support (simulator absent)"


def lifelines_route(spells: pd.DataFrame, changes: pd.DataFrame) -> pd.DataFrame:
    from lifelines.utils import add_covariate_to_timeline, to_long_format

    base = spells[["spell_id", "duration", "event"]]
    long = to_long_format(base, duration_col="duration")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return add_covariate_to_timeline(
            long, changes, duration_col="duration", id_col="spell_id", event_col="event"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="children to simulate")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--lifelines-n", type=int, default=10_000, help="spells given to lifelines")
    args = parser.parse_args()

    print(f"Machine: {machine()}")
    start = time.perf_counter()
    history, source = make_history(args.n, args.seed)
    print(
        f"History: {len(history.children):,} children, {len(history.episodes):,} episodes "
        f"from {source} in {time.perf_counter() - start:.1f} s"
    )
    design = default_design()
    gc.collect()
    before = rss_gib()
    since = "building started" if reset_peak() else "the process started"
    start = time.perf_counter()
    data = build_spells(history, design)
    spells_time = time.perf_counter() - start
    start = time.perf_counter()
    counting = data.counting
    counting_time = time.perf_counter() - start
    total = spells_time + counting_time
    print(
        f"escalation: {len(data.spells):,} spells in {spells_time:.2f} s; "
        f"{len(counting):,} counting rows in {counting_time:.2f} s; total {total:.2f} s "
        f"(target < 30 s)"
    )
    print(
        f"Memory: resident {before:.2f} GiB before building (history loaded); "
        f"peak resident {peak_gib():.2f} GiB since {since} (target < 6 GB)"
    )

    # lifelines on the first spells, same change times.
    m = min(args.lifelines_n, len(data.spells))
    subset = data.spells.iloc[:m]
    rows = counting[counting["spell_id"] <= subset["spell_id"].max()]
    changes = rows[["spell_id", "start", "treatment_tv", "early_help_episodes"]].rename(
        columns={"start": "duration"}
    )
    start = time.perf_counter()
    theirs = lifelines_route(subset, changes)
    lifelines_time = time.perf_counter() - start
    # escalation's counting step on the same spells.
    small = dataclasses.replace(data, spells=subset)  # spells are keyed by spell_id
    start = time.perf_counter()
    ours = counting_process(small)
    ours_time = time.perf_counter() - start
    print(
        f"lifelines to_long_format + add_covariate_to_timeline on {m:,} spells: "
        f"{lifelines_time:.2f} s ({len(theirs):,} rows); escalation counting on the same "
        f"spells: {ours_time:.3f} s ({len(ours):,} rows); ratio {lifelines_time / ours_time:.0f}x"
    )
    per_spell = lifelines_time / m
    print(
        f"lifelines extrapolated linearly to {len(data.spells):,} spells: "
        f"~{per_spell * len(data.spells) / 60:.0f} min vs escalation {total:.1f} s end to end "
        f"(~{per_spell * len(data.spells) / total:.0f}x)"
    )
    sys.stdout.flush()


if __name__ == "__main__":
    main()
