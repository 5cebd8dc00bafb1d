"""Benchmark: read a 50,000-child CIN census XML file into a validated case history.

    python benchmarks/bench_cin_census.py            # 50,000 children
    python benchmarks/bench_cin_census.py --n 10000

Simulates a local authority (``simulate_local_authority``), writes its history as a CIN
census file with ``write_cin_census``, then times:

1. escalation: ``read_cin_census`` (safe streaming parse with defusedxml, every element
   checked against the specification's order and code lists, dates against the reference
   date and their CIN episode, problems located by child and line, contract validation).
   The target is under 30 seconds for 50,000 children.
2. The naive alternative a user would otherwise write: ``xml.etree.ElementTree.parse``
   (no protection against hostile XML), then a loop over every ``Child`` building the same
   episode rows with ``findtext`` and ``pandas.to_datetime`` — no checks, no report.

Both are checked to produce the same number of episodes. Nothing here is asserted on in
tests.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
from _machine import machine

from escalation.data.simulator import simulate_local_authority
from escalation.data.statutory import read_cin_census, write_cin_census


def naive_read(path: Path) -> pd.DataFrame:
    """Flatten the file with plain ElementTree: what a hand-written conversion does."""
    rows: list[tuple[str, str, str | None, str | None]] = []
    for kid in ET.parse(path).getroot().iter("Child"):
        child_id = kid.findtext("ChildIdentifiers/LAchildID") or ""
        death = kid.findtext("ChildIdentifiers/PersonDeathDate")
        if death:
            rows.append((child_id, "death", death, None))
        for cin in kid.findall("CINdetails"):
            rows.append(
                (
                    child_id,
                    "referral",
                    cin.findtext("CINreferralDate") or "",
                    cin.findtext("CINclosureDate"),
                )
            )
            for a in cin.findall("Assessments"):
                rows.append(
                    (
                        child_id,
                        "assessment",
                        a.findtext("AssessmentActualStartDate") or "",
                        a.findtext("AssessmentAuthorisationDate"),
                    )
                )
            for p in cin.findall("CINPlanDates"):
                rows.append(
                    (
                        child_id,
                        "cin_plan",
                        p.findtext("CINPlanStartDate") or "",
                        p.findtext("CINPlanEndDate"),
                    )
                )
            icpcs = {cin.findtext("DateOfInitialCPC")}
            for s in cin.findall("Section47"):
                rows.append((child_id, "s47", s.findtext("S47ActualStartDate") or "", None))
                icpcs.add(s.findtext("DateOfInitialCPC"))
            rows.extend((child_id, "icpc", d, None) for d in icpcs if d)
            for c in cin.findall("ChildProtectionPlans"):
                rows.append(
                    (
                        child_id,
                        "cp_plan",
                        c.findtext("CPPstartDate") or "",
                        c.findtext("CPPendDate"),
                    )
                )
    frame = pd.DataFrame(rows, columns=["child_id", "kind", "start", "end"])
    frame["start"] = pd.to_datetime(frame["start"], format="%Y-%m-%d")
    frame["end"] = pd.to_datetime(frame["end"], format="%Y-%m-%d")
    return frame


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=50_000, help="children (default 50,000)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    started = time.perf_counter()
    history = simulate_local_authority(args.n, seed=args.seed).history
    print(f"Simulated {args.n:,} children in {time.perf_counter() - started:.1f} s")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cin.xml"
        started = time.perf_counter()
        summary = write_cin_census(history, path)
        size = path.stat().st_size / 1e6
        print(
            f"Wrote {summary.children:,} children, {summary.episodes:,} episodes "
            f"({size:.0f} MB) in {time.perf_counter() - started:.1f} s"
        )

        started = time.perf_counter()
        read = read_cin_census(path)
        ours = time.perf_counter() - started
        print(
            f"escalation read_cin_census: {ours:.2f} s ({len(read.episodes):,} episodes, "
            f"{len(read.exclusions)} problems; peak RSS so far {peak_mb():,.0f} MB) "
            f"-> {'under' if ours < 30 else 'OVER'} the 30 s target"
        )

        started = time.perf_counter()
        naive = naive_read(path)
        theirs = time.perf_counter() - started
        print(
            f"naive ElementTree + findtext (no safety, no checks): {theirs:.2f} s "
            f"({len(naive):,} episodes)"
        )
    print(
        f"Ratio escalation / naive: {ours / theirs:.2f}x (the price of safe parsing, "
        "checks and a located report)"
    )


if __name__ == "__main__":
    main()
