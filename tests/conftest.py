"""Test collection settings and fixtures shared by the whole suite."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

# The scripts under tests/reference generate frozen inputs for the R references. They are run
# by hand, never imported by the suite (doctest collection would execute and rewrite them).
collect_ignore = ["reference"]

_ROOT = Path(__file__).resolve().parents[1]
#: Under pytest-xdist: a file that exists once the kernels are in numba's cache.
_KERNELS_READY = "ESCALATION_TEST_KERNELS_READY"
_COMPILING = pytest.StashKey[subprocess.Popen[bytes]]()
_COMPILE = (
    "import pathlib, sys\n"
    "try:\n"
    "    from escalation.core.kernels import compile_all\n"
    "    compile_all()\n"
    "finally:\n"
    "    pathlib.Path(sys.argv[1]).touch()\n"
)


#: Under pytest-xdist: the folder through which the test workers share one Dask cluster
#: (its address, a lock, its log); ``..._PID`` is the main process, which stops it.
_DASK_HOME = "ESCALATION_TEST_DASK_HOME"
_DASK_STOP_WAIT = 30  # seconds the main process waits for the cluster to close
#: Dask settings of the test cluster (see :func:`dask_scheduler`).
_QUIET_DASK = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "5s",
    "distributed.worker.memory.monitor-interval": "1s",
}
#: The shared cluster's process: starts it, writes its address, and closes it once the
#: main process writes ``stop`` (or has gone), then writes ``stopped``.
_CLUSTER = f"""
import os, sys, time
from pathlib import Path
import dask, distributed
home, main = Path(sys.argv[1]), int(sys.argv[2])
with dask.config.set({_QUIET_DASK!r}):
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address="127.0.0.1:0")
try:
    with cluster:
        (home / "address.part").write_text(cluster.scheduler_address)
        (home / "address.part").rename(home / "address")
        while not (home / "stop").exists():
            try:
                os.kill(main, 0)
            except OSError:
                break
            time.sleep(0.5)
finally:
    (home / "stopped").touch()
"""


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist, compile the package's kernels once for every test worker.

    On a fresh clone numba's cache is empty and each test worker compiled every kernel it
    called (about 6 s of CPU for all of them, :mod:`escalation.core.kernels`), the workers
    mostly at the same time. One process started here compiles them into the cache while
    the workers start and collect the tests; each worker waits for it before its first test
    (:func:`_kernels_compiled_once`) and then loads them from the cache (about 0.05 s each).
    With a warm cache the process only loads them. The code compiled is the same.
    """
    if os.environ.get("PYTEST_XDIST_WORKER") or not getattr(config.option, "numprocesses", 0):
        return
    ready = Path(tempfile.mkdtemp(prefix="escalation-kernels-")) / "ready"
    os.environ[_KERNELS_READY] = str(ready)  # the workers, started after this, inherit it
    os.environ[_DASK_HOME] = tempfile.mkdtemp(prefix="escalation-dask-")
    os.environ[_DASK_HOME + "_PID"] = str(os.getpid())
    config.stash[_COMPILING] = subprocess.Popen(
        [sys.executable, "-c", _COMPILE, str(ready)],
        env={**os.environ, "PYTHONPATH": _python_path()},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _python_path() -> str:
    """PYTHONPATH for a process the tests start: this checkout first."""
    return os.pathsep.join(p for p in (str(_ROOT), os.environ.get("PYTHONPATH", "")) if p)


def pytest_unconfigure(config: pytest.Config) -> None:
    compiling = config.stash.get(_COMPILING, None)
    if compiling is None:
        return
    os.environ.pop(_DASK_HOME + "_PID", None)
    _stop_shared_dask_cluster(Path(os.environ.pop(_DASK_HOME)))
    if compiling.poll() is None:
        compiling.kill()
    compiling.wait()
    ready = Path(os.environ.pop(_KERNELS_READY))
    ready.unlink(missing_ok=True)
    ready.parent.rmdir()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the long simulation checks (``slow``) first, the rest in their usual order.

    pytest-xdist sends a worker its next tests ahead of time; a long check sent near the
    end kept one worker busy for tens of seconds after the other had run out of tests
    (measured under two workers: the four policy-truth checks, 67 s, ran last on one
    worker, which finished 14 s after the other). Started first, long checks overlap
    the many short tests, which fill in at the end.
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep Python's cyclic garbage collector from rescanning what every test keeps.

    After collection a test process holds about 400,000 objects that live to its end (the
    scientific stack, the collected tests); each full collection scanned them all again,
    and the collector took about 9% of the suite's CPU (measured with ``gc.callbacks`` on
    tests/report, tests/causal and tests/data under two workers: 12.1 s of 132 s). Frozen
    (:func:`gc.freeze`) they are no longer scanned, and with a first-generation threshold
    of 10,000 allocations rather than 700 young objects are scanned less often: 6.4 s. The
    garbage is still collected, less often.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)


@pytest.fixture(scope="session", autouse=True)
def _helper_closed_at_the_end() -> Iterator[None]:
    """Close the figure helper (escalation.background) when the session ends.

    pytest-xdist workers leave without Python's exit handlers, so a helper still open
    would stay, orphaned, until its own idle time-out (and hold the run's output open).
    """
    yield
    from escalation import background

    background.close()


@pytest.fixture(scope="session", autouse=True)
def _kernels_compiled_once() -> None:
    """A test worker starts its tests once the kernels are compiled (see pytest_configure)."""
    ready = os.environ.get(_KERNELS_READY)
    if not ready or not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    deadline = time.monotonic() + 600  # past it, a kernel not cached is compiled as it is used
    while not Path(ready).exists() and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.fixture(scope="session")
def dask_scheduler() -> Iterator[str]:
    """The address of one local Dask cluster (two worker processes) for the whole run.

    Tests reach it the way a user with a cluster does (``--scheduler ADDRESS``); starting one
    cluster per run rather than per module keeps the suite fast. Under pytest-xdist the test
    workers share one cluster (:func:`_shared_dask_cluster`): a cluster per test worker
    started two more worker processes, each importing the scientific stack (about 15 s of
    CPU on a 2-core run).

    The cluster lives from its first test to the run's end, mostly idle. Idle, a default
    cluster used 3 s of CPU every 30 s (the workers' statistical profiler sampling every
    10 ms, the event-loop tick every 20 ms, the system monitor every 0.5 s); without the
    profiler, with a 1 s tick and a 5 s monitor, 0.8 s. The workers' memory check every
    0.1 s then took half of what was left: checked every second, idle CPU went from 1.6 to
    0.8 s a minute (distributed 2026.8 on a 2-core machine). Those settings change
    what the dashboard would show and how soon a worker past its memory limit is paused,
    nothing a task computes.
    """
    distributed = pytest.importorskip("distributed")
    home = os.environ.get(_DASK_HOME)
    if home and os.environ.get("PYTEST_XDIST_WORKER"):
        yield _shared_dask_cluster(Path(home))
        return
    import dask

    with dask.config.set(_QUIET_DASK):  # read as the cluster starts
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        )
    with cluster:
        yield str(cluster.scheduler_address)


def _stop_shared_dask_cluster(home: Path) -> None:
    """Close the test workers' shared Dask cluster, if one started, and remove its folder."""
    if (home / "address").exists():
        (home / "stop").touch()
        deadline = time.monotonic() + _DASK_STOP_WAIT
        while not (home / "stopped").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    shutil.rmtree(home, ignore_errors=True)


def _shared_dask_cluster(home: Path) -> str:
    """Return the address of the run's cluster, starting it if no test worker has yet.

    The first test worker to need it starts it in a process of its own (:data:`_CLUSTER`),
    which outlives that worker and stops when the run ends (``pytest_unconfigure`` of the
    main process) or when the main process has gone.
    """
    import fcntl

    address = home / "address"
    with open(home / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # held while starting: the others wait, then read
        if not address.exists():
            log = home / "cluster.log"
            # Spawned, not a subprocess.Popen: it outlives this test worker, whose Popen
            # object would warn at exit that the process is still running.
            pid = os.posix_spawn(
                sys.executable,
                [sys.executable, "-c", _CLUSTER, str(home), os.environ[_DASK_HOME + "_PID"]],
                {**os.environ, "PYTHONPATH": _python_path()},
                file_actions=[
                    (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT, 0o600),
                    (os.POSIX_SPAWN_DUP2, 1, 2),
                ],
            )
            deadline = time.monotonic() + 300
            while not address.exists():
                if os.waitpid(pid, os.WNOHANG) != (0, 0) or time.monotonic() > deadline:
                    pytest.fail(f"the test run's Dask cluster did not start:\n{log.read_text()}")
                time.sleep(0.1)
    return address.read_text()


@pytest.fixture(scope="session", autouse=True)
def _figures_drawn_in_the_study_process() -> Iterator[None]:
    """Studies draw their figures in their own process unless a test asks for the helper.

    ``run_study`` hands figures to a helper process when the machine has a spare CPU
    (:func:`escalation.background.available`). Under ``pytest -n auto`` (pytest-xdist) every
    CPU already runs a test worker, so a helper per worker only adds its start-up (importing the
    plotting stack) and the pickling of every figure: about 15% of each study's CPU time.
    The helper path itself is tested explicitly (``background_figures=True`` in
    ``tests/report/test_report_pipeline.py`` and ``tests/test_background.py``), including
    that it writes the same files byte for byte.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield  # one process: the helper has a CPU of its own
        return
    import escalation.pipeline as pipeline

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "available", lambda: False)
        yield


@pytest.fixture(scope="session", autouse=True)
def _one_core_for_each_test_worker() -> Iterator[None]:
    """Under ``pytest -n auto`` every test worker has one core: defaults use one process.

    The package's default is every core (:func:`escalation.compute.available_cores`): a
    bootstrap, cross-validation or rule learning left at its default starts a pool of worker
    processes, and BLAS and OpenMP (scikit-learn's gradient boosting) start a thread per core.
    With every core already running a test worker, those pools only add their start-up
    (each pool process imports the scientific stack), the pickling of the data and threads
    spinning while they wait for a core. So each test worker reports one core, and BLAS and
    OpenMP run on one thread.

    Results do not depend on the number of processes or threads; that is tested explicitly
    with two workers where it matters (``n_jobs=2`` or ``workers=2`` in ``tests/test_jobs.py``,
    ``tests/compute``, ``tests/causal/test_causal_weights.py``,
    ``tests/predict/test_predict_fairness.py``, ``tests/policy/test_policy_rules.py`` and
    ``tests/simstudy``), and those explicit pools still start.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield  # one process: the package's defaults are tested as a user meets them
        return
    from threadpoolctl import threadpool_limits

    import escalation.compute as compute

    with pytest.MonkeyPatch.context() as patch, threadpool_limits(limits=1):
        patch.setattr(compute, "available_cores", lambda: 1)
        yield


@pytest.fixture
def png_figures() -> Iterator[None]:
    """Figures written as PNG alone during the test (see ``tests/figure_formats.py``)."""
    from tests.figure_formats import png_figures as only_png

    with only_png():
        yield
