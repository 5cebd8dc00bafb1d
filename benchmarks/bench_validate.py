"""Benchmark: CPU time of validation and of the statutory readers, beside a baseline revision.

    python benchmarks/bench_validate.py                     # this tree only
    python benchmarks/bench_validate.py --baseline main     # and a revision, alternating
    python benchmarks/bench_validate.py --children 20000 --repeats 5 --runs 3

Simulates a local authority, writes it as CSV, two CIN census years, an SSDA903 return and
an Annex A workbook, then times each job in a fresh process per tree (the minimum CPU time,
``time.process_time``, of ``--repeats`` calls and over ``--runs`` processes, the trees
alternating; the machine is shared, so the minimum is the fair figure):

- ``validate_case_history`` (lenient) of the history as the simulator gives it (typed), as
  the CSV reader gives it (Arrow text) and as text read by pandas (Python strings), and of
  a two-child history (the fixed cost of a call, which the test suite pays thousands of
  times);
- ``read_cin_census`` of the two years (the merge of returns), ``read_ssda903`` and
  ``read_annex_a``.

The package of ``--baseline REV`` (exported with ``git archive``) runs the same jobs on the
same files. Nothing here is asserted on in tests.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from _machine import ROOT, load, machine, trees

_JOBS = r"""
import dataclasses, json, pickle, sys, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import pandas as pd
from escalation.data.history import CaseHistory
from escalation.data.validate import validate_case_history
from escalation.data.statutory import read_annex_a, read_cin_census, read_ssda903
import escalation.data.io as io_module
data, repeats = sys.argv[2], int(sys.argv[3])
typed = pickle.loads(Path(data, "typed.pkl").read_bytes())
# The tables as the CSV reader gives them, before validation.
tables = {t: io_module._read_table(Path(data, "csv"), t, "utf-8")[0]
          for t in ("children", "episodes", "notes")}
arrow = dataclasses.replace(typed, **tables)
objects = dataclasses.replace(typed, **{
    t: pd.read_csv(f"{data}/csv/{t}.csv", dtype=str, keep_default_na=False)
    for t in ("children", "episodes", "notes")})
tiny = CaseHistory(
    pd.DataFrame({"child_id": ["a", "b"], "birth_date": ["2015-06-01", "2016-01-01"]}),
    pd.DataFrame({"child_id": ["a", "b"], "kind": ["referral", "contact"],
                  "start": ["2020-01-01", "2021-01-01"], "end": ["", ""]}),
    extract_date="2024-03-31")
jobs = {
    "validate typed": lambda: validate_case_history(typed, lenient=True),
    "validate Arrow text": lambda: validate_case_history(arrow, lenient=True),
    "validate Python text": lambda: validate_case_history(objects, lenient=True),
    "validate 2 children": lambda: validate_case_history(tiny, lenient=True),
    "read_cin_census 2 years": lambda: read_cin_census(
        [data + "/cin2022.xml", data + "/cin2023.xml"], lenient=True),
    "read_ssda903": lambda: read_ssda903(data + "/ssda903", lenient=True),
    "read_annex_a": lambda: read_annex_a(data + "/annex.xlsx", lenient=True),
}
out = {}
for name, job in jobs.items():
    job()
    best = float("inf")
    for _ in range(repeats):
        start = time.process_time()
        job()
        best = min(best, time.process_time() - start)
    out[name] = best
print(json.dumps(out))
"""


def _write_inputs(folder: Path, children: int, seed: int) -> None:
    import pickle

    from escalation.data.io import write_case_history
    from escalation.data.simulator import simulate_local_authority
    from escalation.data.statutory import write_annex_a, write_cin_census, write_ssda903

    history = simulate_local_authority(children, seed=seed).history
    (folder / "typed.pkl").write_bytes(pickle.dumps(history))
    write_case_history(history, folder / "csv", format="csv")
    for year in (2022, 2023):
        write_cin_census(history, folder / f"cin{year}.xml", year=year)
    write_ssda903(history, folder / "ssda903")
    write_annex_a(history, folder / "annex.xlsx")


def _run(root: Path, data: Path, repeats: int) -> dict[str, float]:
    done = subprocess.run(
        [sys.executable, "-c", _JOBS, str(root), str(data), str(repeats)],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--children", type=int, default=3000, help="children (default 3,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5, help="calls per job and process")
    parser.add_argument("--runs", type=int, default=2, help="processes per tree, alternating")
    parser.add_argument("--baseline", metavar="REV", help="git revision to compare with")
    args = parser.parse_args()
    print(machine())
    print(f"load before: {load()}")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        sys.path.insert(0, str(ROOT))
        _write_inputs(data, args.children, args.seed)
        sources = trees(args.baseline, Path(tmp))
        best: dict[str, dict[str, float]] = {name: {} for name in sources}
        for _ in range(args.runs):
            for name, source in sources.items():
                for job, cpu in _run(source, data, args.repeats).items():
                    best[name][job] = min(cpu, best[name].get(job, float("inf")))
    print(f"load after: {load()}")
    names = list(sources)
    print(f"{args.children:,} children (seed {args.seed}); minimum CPU ms")
    print(f"| job | {' | '.join(names)} |" + (" baseline / this |" if len(names) == 2 else ""))
    print("|---" * (len(names) + 1 + (len(names) == 2)) + "|")
    for job in best[names[0]]:
        cells = [f"{best[n][job] * 1000:.1f}" for n in names]
        ratio = [f"{best[names[1]][job] / best[names[0]][job]:.2f}"] if len(names) == 2 else []
        print(f"| {job} | " + " | ".join(cells + ratio) + " |")


if __name__ == "__main__":
    main()
