"""Benchmark: work the test suite builds more than once (shared fixtures, cached builders).

    python benchmarks/profile_fixtures.py tests/federated tests/figures    # two workers
    python benchmarks/profile_fixtures.py --workers 0 tests/report         # one process
    python benchmarks/profile_fixtures.py --workers 0 -- --setup-only tests

Runs ``pytest -n WORKERS --dist worksteal`` (as ``make test`` does; ``--workers 0`` runs
one process that behaves as a test worker, so that ``tests/conftest.py`` draws figures
in the process and uses one core, as under ``make test``) with this file as a pytest
plugin. Each process records, with its worker's name:

- every set-up of a fixture shared beyond one test (module, class, package or session
  scope) and its CPU time (user + system of the process and of the children it waited
  for); under pytest-xdist each worker builds its own, and a module whose tests were
  split between the workers builds its fixtures in both;
- every miss of a cached builder of the tests (a function of a ``tests`` module under
  ``functools.cache`` or ``functools.lru_cache``: simulated authorities, share packs,
  drawings), which each worker fills for itself (a builder calling another includes its
  time);
- every call of the package's costliest entry points (``CALLS``) over 0.05 s of CPU
  with a digest of its arguments (tables by their contents, paths left out), so that the
  same study run by several tests or files shows up (a call inside another is recorded
  too: a demo's study inside the demo). Tests that replace parts of the package
  (``monkeypatch``) run other work under the same digest: read the test.

Prints, for each kind, what was built more than once and the CPU of the repeats, and
the costliest single builds. Nothing here is asserted in the tests.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import importlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _machine import ROOT, load, machine

#: Environment variable naming the folder where each process writes its records.
RECORDS = "ESCALATION_PROFILE_FIXTURES_DIR"
#: The package's costliest entry points, timed with a digest of their arguments.
CALLS = (
    ("escalation.data.simulator", "simulate_local_authority"),
    ("escalation.timeline.spells", "build_spells"),
    ("escalation.pipeline", "run_study"),
    ("escalation.cli.run", "run_demo"),
    ("escalation.predict.validate", "validate_risk_models"),
    ("escalation.causal.effects", "estimate_effects"),
    ("escalation.causal.heterogeneity", "estimate_heterogeneity"),
    ("escalation.causal.policy", "policy_scores"),
    ("escalation.survival.cox", "fit_cox"),
)

_test: list[str | None] = [None]


def _cpu() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def _record(row: dict[str, Any]) -> None:
    folder = os.environ.get(RECORDS)
    if not folder:
        return
    row["worker"] = os.environ.get("PYTEST_XDIST_WORKER", "main")
    with open(Path(folder) / f"{os.getpid()}.jsonl", "a", encoding="utf-8") as file:
        file.write(json.dumps(row) + "\n")


def _digest(value: Any, depth: int = 0) -> str:
    """A short text standing for ``value``'s contents (tables hashed, paths left out)."""
    import numpy as np
    import pandas as pd

    if isinstance(value, pd.DataFrame | pd.Series):
        cells = pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes()
        return f"table{value.shape}:{hashlib.sha1(cells).hexdigest()[:10]}"
    if isinstance(value, np.ndarray):
        cells = np.ascontiguousarray(value).tobytes()
        return f"array{value.shape}:{hashlib.sha1(cells).hexdigest()[:10]}"
    if isinstance(value, os.PathLike):
        return "<path>"
    if isinstance(value, list | tuple):
        return "(" + ",".join(_digest(v, depth + 1) for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ",".join(f"{k}:{_digest(v, depth + 1)}" for k, v in value.items()) + "}"
    fields = getattr(value, "__dataclass_fields__", None)
    if fields is not None and depth < 3:
        inner = ",".join(f"{k}={_digest(getattr(value, k, None), depth + 1)}" for k in fields)
        return f"{type(value).__name__}({inner})"
    text = repr(value)
    return "<path>" if "pytest-of" in text or "/tmp" in text else text


def _timed_call(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = _cpu()
        try:
            return function(*args, **kwargs)
        finally:
            cpu = _cpu() - start
            if cpu > 0.05:
                text = _digest(args) + _digest(kwargs)
                _record({"kind": "call", "name": name, "cpu": cpu, "test": _test[0],
                         "key": hashlib.sha1(text.encode()).hexdigest()[:12],
                         "args": text[:160]})  # fmt: skip

    return timed


def _timed_builder(function: Callable[..., Any]) -> Callable[..., Any]:
    """Time each call of a test module's cached builder (the cache calls it on a miss)."""
    if not str(getattr(function, "__module__", "")).startswith("tests"):
        return function

    @functools.wraps(function)
    def timed(*args: Any, **kwargs: Any) -> Any:
        start = _cpu()
        try:
            return function(*args, **kwargs)
        finally:
            name = f"{function.__module__}.{function.__qualname__}"
            _record({"kind": "builder", "name": name, "cpu": _cpu() - start,
                     "test": _test[0], "key": repr((args, kwargs))[:160]})  # fmt: skip

    return timed


def _patch_caches() -> None:
    """Make ``functools.cache`` and ``lru_cache`` time the builders of the test modules.

    Run as pytest loads this plugin, before it imports any conftest or test module, whose
    ``from functools import cache`` then takes these.
    """
    lru_cache = functools.lru_cache  # functools.cache calls the module's lru_cache: not it

    def timed_cache(function: Callable[..., Any]) -> Any:
        return lru_cache(maxsize=None)(_timed_builder(function))

    def timed_lru_cache(maxsize: Any = 128, typed: bool = False) -> Any:
        if callable(maxsize):
            return lru_cache(_timed_builder(maxsize))
        return lambda function: lru_cache(maxsize=maxsize, typed=typed)(_timed_builder(function))

    functools.cache = timed_cache  # type: ignore[assignment]
    functools.lru_cache = timed_lru_cache  # type: ignore[assignment]


if os.environ.get(RECORDS):
    # Now, as pytest loads this plugin: before the conftest files it loads first (a folder
    # named on the command line), which may import cached builders.
    _patch_caches()


def pytest_configure(config: pytest.Config) -> None:
    """Time the entry points (wherever the package holds them) and the cached builders."""
    if not os.environ.get(RECORDS):
        return
    timed = {}
    for module, name in CALLS:
        function = getattr(importlib.import_module(module), name)
        timed[id(function)] = _timed_call(name, function)
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith("escalation"):
            continue
        for attribute, value in list(vars(module).items()):
            if id(value) in timed:
                setattr(module, attribute, timed[id(value)])


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[Any]:
    _test[0] = item.nodeid
    try:
        return (yield)
    finally:
        _test[0] = None


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    start = _cpu()
    try:
        return (yield)
    finally:
        if fixturedef.scope != "function":
            _record({"kind": "fixture", "name": f"{fixturedef.baseid}::{fixturedef.argname}",
                     "scope": fixturedef.scope, "cpu": _cpu() - start, "test": _test[0],
                     "key": repr(getattr(request, "param", None))[:80]})  # fmt: skip


def _report(folder: Path, top: int) -> None:
    rows = [
        json.loads(line)
        for path in sorted(folder.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    titles = {
        "fixture": "fixtures shared beyond one test (module, class, package, session)",
        "builder": "cached builders of the tests (functools.cache, lru_cache)",
        "call": "the package's entry points (same arguments)",
    }
    for kind, title in titles.items():
        mine = [r for r in rows if r["kind"] == kind]
        groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for row in mine:
            groups[(row["name"], row["key"])].append(row)
        total = sum(r["cpu"] for r in mine)
        again = sum(sum(r["cpu"] for r in g[1:]) for g in groups.values())
        print(f"\n{title}: {len(mine)} builds, {total:.1f} s CPU; "
              f"built again (same name and inputs): {again:.1f} s")  # fmt: skip
        repeated = sorted(
            (g for g in groups.values() if len(g) > 1),
            key=lambda g: -sum(r["cpu"] for r in g[1:]),
        )
        for group in repeated[:top]:
            if sum(r["cpu"] for r in group[1:]) < 0.1:
                break
            where = sorted({f"{r['worker']}:{(r['test'] or '?').split('::')[0]}" for r in group})
            cpus = ", ".join(f"{r['cpu']:.2f}" for r in group)
            print(f"  {group[0]['name']} {group[0]['key'][:70]}\n    {cpus} s in {where}")
        print("  costliest single builds:")
        for row in sorted(mine, key=lambda r: -r["cpu"])[:top]:
            where = (row["test"] or "?").split("::")[0]
            print(f"    {row['cpu']:7.2f} s  {row['worker']:5} {row['name']}  ({where})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="test paths and pytest options (after --)")
    parser.add_argument("--workers", type=int, default=2, help="pytest-xdist workers (0: none)")
    parser.add_argument("--top", type=int, default=15, help="rows listed of each kind")
    args = parser.parse_args(argv)
    print(machine())
    print(f"load averages before: {load()}")
    with tempfile.TemporaryDirectory(prefix="profile-fixtures-") as folder:
        env = {
            **os.environ,
            RECORDS: folder,
            "PYTHONPATH": os.pathsep.join(
                p for p in (str(ROOT / "benchmarks"), os.environ.get("PYTHONPATH", "")) if p
            ),
        }
        workers = ["-n", str(args.workers), "--dist", "worksteal"] if args.workers else []
        if not args.workers:
            env["PYTEST_XDIST_WORKER"] = "gw0"  # tests/conftest.py: behave as a test worker
        command = [sys.executable, "-m", "pytest", "-q", "-p", "profile_fixtures", "-p",
                   "no:cacheprovider", *workers, *args.paths]  # fmt: skip
        start = time.perf_counter()
        process = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        lines = [line for line in process.stdout.splitlines() if line.strip()]
        print(lines[-1] if lines else process.stderr[-2000:])
        print(f"{time.perf_counter() - start:.1f} s wall (exit status {process.returncode})")
        _report(Path(folder), args.top)
    print(f"\nload averages after: {load()}")


if __name__ == "__main__":
    main()
