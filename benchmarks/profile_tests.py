"""Benchmark: the test suite's sampled CPU by kind of work, from a py-spy recording.

    py-spy record --subprocesses --rate 40 --format raw -o suite.raw -- \\
        .venv/bin/pytest -n 2 --dist worksteal -p no:cacheprovider -q
    python benchmarks/profile_tests.py suite.raw
    python benchmarks/profile_tests.py suite.raw --top 20   # and the costliest package calls

``benchmarks/bench_tests.py`` says which folders and files hold the suite's CPU; this says
what kind of work it is, across files: drawing figures, property tests, helper processes
importing the scientific stack, the test workers' collection and doctests, the rest of the
tests' work. py-spy (``pip install py-spy``; not a dependency of the package) samples every
process pytest starts; a sample whose innermost frame waits (a lock, a socket, a sleep) is
idle and left out. Shares are of the samples left, so they hold under load.
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

#: Innermost frames of a thread that waits rather than works.
IDLE = re.compile(
    r"^(wait|select|_wait_for_tstate_lock|recv|recv_into|poll|acquire|sleep|read|readinto|"
    r"accept|_recv_msg|recv_bytes|epoll|do_wait|_poll)\b"
)
#: Frames of the package's own functions: ``name (escalation/...py:line)``.
PACKAGE_FRAME = re.compile(r"^(.*) \((escalation/[^:]+):\d+\)$")


def kind_of_work(stack: str) -> str | None:
    """Return the kind of work of one sampled stack, or None when it is idle."""
    frames = stack.split(";")
    innermost = re.sub(r" \(.*", "", frames[-1])
    if IDLE.match(innermost):
        return None
    processes = [f for f in frames if f.startswith("process ")]
    process = processes[-1] if processes else ""
    in_test = "(tests/" in stack
    if not in_test and "Thread._bootstrap" in stack and "escalation/" not in stack:
        return None  # a pool's or a channel's bookkeeping thread
    if "Loky" in process or "spawn_main" in process:
        importing = "_find_and_load" in stack
        return "helper processes: importing" if importing else "helper processes: work"
    if "ipykernel" in process:
        return "notebook kernel (the docs notebook test)"
    if "-m escalation" in process:
        return "command-line runs in subprocesses"
    if "import sys" not in process:
        return "main pytest process and others"
    if not in_test:
        doctest = "doctest" in stack.lower()
        return "test workers: doctests" if doctest else "test workers: collection, imports"
    if "/figures/save.py" in stack or "figure_data_uri" in stack:
        return "tests: drawing and saving figures"
    if "_find_and_load" in stack:
        return "tests: importing"
    if "hypothesis/" in stack:
        return "tests: property tests (hypothesis)"
    return "tests: other work"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, help="py-spy's --format raw output")
    parser.add_argument("--top", type=int, default=0, help="list the N costliest package calls")
    args = parser.parse_args()
    kinds: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    with args.raw.open() as lines:
        for line in lines:
            stack, _, count = line.rstrip().rpartition(" ")
            if not count.isdigit():
                continue
            kind = kind_of_work(stack)
            if kind is None:
                continue
            kinds[kind] += int(count)
            package = {m.group(2) + "::" + m.group(1) for f in stack.split(";")
                       if (m := PACKAGE_FRAME.match(f))}  # fmt: skip
            for call in package:  # inclusive: each call once per sample
                calls[call] += int(count)
    total = sum(kinds.values())
    print(f"{total} working samples")
    for kind, n in kinds.most_common():
        print(f"{100 * n / total:5.1f}%  {kind}")
    for call, n in calls.most_common(args.top):
        print(f"{100 * n / total:5.1f}%  {call}")


if __name__ == "__main__":
    main()
