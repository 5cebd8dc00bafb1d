"""Every compiled kernel is declared with one signature and compiled once, whatever its input.

Numba compiles a kernel again for each new combination of argument types (a Fortran-ordered
matrix, a read-only array, 32-bit codes), each time costing as much as the first: on a
fresh install that was a quarter of the first demo's time. The public functions are
called here with such inputs, and each kernel must still hold only its declared signature.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from escalation.causal._standardise import standardise
from escalation.core import kernels
from escalation.core.cif import cumulative_incidence, event_free
from escalation.core.collinearity import redundant_columns
from escalation.core.riskset import CoxData, cox_terms
from escalation.core.sandwich import cluster_sandwich
from escalation.predict.metrics import harrell_c, uno_c

ROOT = Path(__file__).resolve().parents[2]


def _awkward(values: np.ndarray) -> np.ndarray:
    """A read-only, Fortran-ordered (2-d) or strided (1-d) copy of ``values``."""
    out = np.asfortranarray(values) if values.ndim == 2 else np.repeat(values, 2)[::2]
    out.flags.writeable = False
    return out


def test_every_compiled_function_of_the_package_is_a_declared_kernel() -> None:
    found = []
    for path in sorted((ROOT / "escalation").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"@numba\.njit\(([^)]*)\)\s*def (\w+)", text):
            found.append((f"{path.name}:{match.group(2)}", match.group(1)))
    # Only helpers compiled as part of a kernel are compiled outside kernels.kernel: those
    # inlined into it, and the standardisation's lane walk (called only by _standardise;
    # inlining it would double that kernel's compile time).
    outside = [
        (name, options)
        for name, options in found
        if 'inline="always"' not in options and name != "_standardise.py:_walk"
    ]
    assert found and outside == [], outside
    declared = kernels.declared()
    assert {name.rsplit(".", 1)[1] for name in declared} >= {
        "walk",
        "relative_risks",
        "score_residuals",
        "weighted_gram",
        "gather_centred",
        "_centred_gram",
        "_paths",
        "_survival",
        "_standardise",
        "_fenwick_counts",
    }


def test_kernels_keep_their_one_signature_whatever_the_input() -> None:
    rng = np.random.default_rng(5)
    n, p = 60, 3
    x = rng.normal(size=(n, p))
    stop = rng.integers(1, 20, n).astype(float)
    status = rng.random(n) < 0.6
    start = np.where(rng.random(n) < 0.3, stop - 1.0, 0.0)
    strata = (np.arange(n) % 2).astype(np.int32)

    redundant_columns(_awkward(x), strata=strata)
    data, _ = CoxData.build(
        _awkward(stop),
        status.astype(int).tolist(),
        _awkward(x),
        start=_awkward(start),
        weights=_awkward(np.ones(n)),
        strata=strata,
        offset=_awkward(np.zeros(n)),
    )
    beta = np.zeros((p, 2))[:, 0]  # strided
    for ties in ("efron", "breslow"):
        cox_terms(data, beta, ties, residuals=np.bool_(True))  # type: ignore[arg-type]
    cluster_sandwich(_awkward(x), np.eye(p), strata)
    cause = _awkward(rng.random((4, 5)) * 0.1)
    cumulative_incidence(cause, np.full(5, 0.2))
    cumulative_incidence(cause[:1], np.full(5, 0.2))  # (1, G) broadcast: read-only view
    cumulative_incidence(cause, _awkward(rng.random((4, 5)) * 0.3), at=[3, 0, 3])
    event_free(_awkward(rng.random((4, 5)) * 0.1))
    g = 6
    standardise(
        _awkward(np.full(g, 0.05)),
        np.zeros(g),
        np.zeros(g),
        _awkward(np.ones((2, n))),
        np.zeros((2, n)),
        np.ones(n),
        _awkward(np.ones(n)),
        np.ones(n),
        status.astype(np.int32),
        _awkward(np.full((2, n), 2.0)),
        _awkward(np.full(n, 3, dtype=np.int32)),
        status,
        ~status,
        np.array([2, 5], dtype=np.int32),
        np.ones((g, 2)),
        np.array([3.0, 6.0]),
        aipw=np.True_,  # type: ignore[arg-type]
        influence=1,  # type: ignore[arg-type]
    )
    risk = 1 / (1 + np.exp(-x))  # risks are probabilities (a score is refused)
    harrell_c(stop.tolist(), status.astype(int), _awkward(risk[:, 0]))
    uno_c(_awkward(stop), status.astype(np.int32), risk[:, 1], horizon=15)

    for name, declared in kernels.declared().items():
        extra = [s for s in declared.dispatcher.signatures if tuple(s) != declared.signature]
        assert not extra, f"{name} was compiled again for {extra}"


def test_c_array_copies_only_when_it_must() -> None:
    a = np.arange(6.0).reshape(2, 3)
    assert kernels.c_array(a) is a
    f = kernels.c_array(np.asfortranarray(a))
    assert f.flags.c_contiguous and np.array_equal(f, a)
    frozen = a.copy()
    frozen.flags.writeable = False
    assert kernels.c_array(frozen).flags.writeable
    assert kernels.c_array([1, 2], np.int64).dtype == np.int64


def test_a_kernel_compiled_ahead_in_another_process_is_loaded_from_the_cache(
    tmp_path: Path,
) -> None:
    """What the demo relies on: the helper compiles, this process finds it in the cache.

    One cheap kernel shows the mechanism; that every kernel can be cached is checked by the
    suite itself (numba warns when it cannot save one, and warnings are errors here).
    """
    env = {
        **os.environ,
        "NUMBA_CACHE_DIR": str(tmp_path),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    code = (
        "import sys\n"
        "import escalation.core.cif\n"
        "from escalation.core import kernels\n"
        "kernel = kernels._DECLARED['escalation.core.cif._survival']\n"
        "kernel.compile()\n"
        "d = kernel.dispatcher\n"
        "print(sum(d.stats.cache_hits.values()), sum(d.stats.cache_misses.values()))\n"
    )

    def run() -> list[str]:
        command = [sys.executable, "-W", "error", "-c", code]
        out = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        return out.stdout.split()

    assert run() == ["0", "1"]  # compiled (and saved) ahead
    assert run() == ["1", "0"]  # loaded here


def test_compile_ahead_hands_every_kernel_to_the_helper_once_in_first_use_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from escalation import background

    assert set(kernels.FIRST_USE) == set(kernels.declared())
    sent: list[str] = []

    def submit(func: object, name: str) -> background.Pending[float]:
        assert func is kernels.compile_kernel
        sent.append(name)
        return background.Pending(kernels.compile_kernel, (name,), {}, None)

    monkeypatch.setattr(kernels, "_started", False)
    monkeypatch.setattr(background, "available", lambda: False)
    kernels.compile_ahead()
    assert sent == []  # one CPU: nothing ahead
    monkeypatch.setattr(background, "available", lambda: True)
    monkeypatch.setattr(background, "submit", submit)
    kernels.compile_ahead()
    kernels.compile_ahead()
    assert sent == list(kernels.FIRST_USE)


def _ahead(future: Future[Any], executor: object = None) -> Any:
    """A kernel handed to the helper, as compile_ahead keeps it."""
    from escalation import background

    return background.Pending(kernels.compile_kernel, ("a",), {}, future, executor)


def test_first_call_waits_for_a_compile_under_way_and_drops_one_not_started(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    running: Future[Any] = Future()
    assert running.set_running_or_notify_cancel()
    queued: Future[Any] = Future()
    monkeypatch.setattr(kernels, "_AHEAD", {"a": _ahead(running), "b": _ahead(queued)})
    threading.Timer(0.2, running.set_result, ((1.0, []),)).start()
    kernels._wait_for_helper("a")
    assert running.done()  # waited for the helper
    kernels._wait_for_helper("b")
    assert queued.cancelled()  # never started: compiled here instead
    kernels._wait_for_helper("c")  # nothing ahead
    assert kernels._AHEAD == {}


def test_first_call_does_not_wait_for_a_lost_helper(monkeypatch: pytest.MonkeyPatch) -> None:
    """A helper lost while compiling (its result thread ended) is noticed within a poll; the
    kernel is compiled here rather than after a two-minute wait for a result never coming."""
    from escalation import background

    class Lost:
        """A helper whose thread handing back results has ended."""

        def __init__(self) -> None:
            self._processes: dict[int, Any] = {}
            self._executor_manager_thread = threading.Thread(target=lambda: None)
            self._executor_manager_thread.start()
            self._executor_manager_thread.join()

        def shutdown(self, **kwargs: object) -> None:
            return None

    def submit(func: Any, name: str) -> background.Pending[float]:
        never: Future[Any] = Future()
        assert never.set_running_or_notify_cancel()  # the helper took it, then was lost
        return background.Pending(func, (name,), {}, never, Lost())

    monkeypatch.setattr(kernels, "_started", False)
    monkeypatch.setattr(kernels, "_AHEAD", {})
    monkeypatch.setattr(background, "available", lambda: True)
    monkeypatch.setattr(background, "submit", submit)
    monkeypatch.setattr(background, "POLL_SECONDS", 0.05)
    monkeypatch.setattr(kernels, "WAIT_SECONDS", 2.0, raising=False)  # before: 120 s
    kernels.compile_ahead()  # each kernel handed to the lost helper
    name = kernels.FIRST_USE[0]
    started = time.monotonic()
    kernels._wait_for_helper(name)
    assert time.monotonic() - started < 1.0, "waited for a helper that was gone"
    assert name not in kernels._AHEAD
