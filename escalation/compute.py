"""Where embarrassingly parallel work runs: this process, local processes, or a Dask cluster.

Bootstrap replicates, simulation replications, cross-validation folds and per-partition
(per-authority) runs are independent tasks. They all go through :func:`parallel_map` (results
in the order of the items) or :func:`imap_unordered` (results as they finish), which send
them to one of three places:

- **this process** (the default, ``workers=1``): no start-up cost, nothing to install;
- **a local cluster** of ``workers`` processes started for the work and closed after it: a
  Dask ``LocalCluster`` when ``dask.distributed`` is installed (``pip install
  'escalation[dask]'``), else joblib's process pool;
- **an existing Dask cluster**, given its scheduler address (``tcp://host:8786``), e.g. the
  cluster of a secure research environment. Every worker needs escalation installed.

Choose once for a block of work with :func:`use_compute` (the command line does this from
``--workers``/``--scheduler`` or the design's ``[compute]`` section); library functions
called inside pick it up without new arguments. A task's result never depends on where it
ran: every random step is seeded from the task itself (e.g. its replicate number), so
results are bit-identical whatever the number of workers. Inside a worker, nested work runs
in that worker.

Progress: a rich progress bar on the terminal, and on a Dask cluster the dashboard link.
"""

# dask.distributed is not annotated: calls to it are untyped.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import contextlib
import contextvars
import importlib.util
import logging
import os
import sys
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from escalation.errors import EscalationError

__all__ = [
    "ComputeEngine",
    "batched_map",
    "current_compute",
    "imap_unordered",
    "in_dask_worker",
    "parallel_map",
    "use_compute",
]

T = TypeVar("T")
R = TypeVar("R")
_log = logging.getLogger(__name__)


class _Engine(Protocol):
    """Something that runs ``func(item, *shared)`` for many items."""

    def run(
        self, func: Callable[..., Any], items: Sequence[Any], shared: tuple[Any, ...], name: str
    ) -> Iterator[tuple[int, Any]]: ...  # pragma: no cover - protocol

    def close(self) -> None: ...  # pragma: no cover - protocol


class _InProcess:
    """Run tasks one after another in this process."""

    def run(
        self, func: Callable[..., Any], items: Sequence[Any], shared: tuple[Any, ...], name: str
    ) -> Iterator[tuple[int, Any]]:
        for i, item in enumerate(items):
            yield i, func(item, *shared)

    def close(self) -> None:
        return None


def _indexed(func: Callable[..., Any], i: int, item: Any, *shared: Any) -> tuple[int, Any]:
    return i, func(item, *shared)


class _Joblib:
    """Run tasks on joblib's process pool (when dask.distributed is not installed)."""

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def run(
        self, func: Callable[..., Any], items: Sequence[Any], shared: tuple[Any, ...], name: str
    ) -> Iterator[tuple[int, Any]]:
        from joblib import Parallel, delayed

        runner = Parallel(n_jobs=self.workers, return_as="generator_unordered")
        yield from runner(delayed(_indexed)(func, i, item, *shared) for i, item in enumerate(items))

    def close(self) -> None:
        return None


class _Dask:
    """Run tasks on a Dask cluster: a local one started here, or one at an address."""

    def __init__(self, workers: int | None, scheduler: str | None) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError as error:  # pragma: no cover - depends on the installation
            raise EscalationError(
                "a Dask scheduler address needs dask.distributed: pip install 'escalation[dask]'"
            ) from error
        self.cluster: Any = None
        if scheduler is not None:
            self.client = Client(scheduler, set_as_default=False)
        else:
            # A free port on this machine only (never all interfaces; never the 8787 another
            # user's cluster may hold). The dashboard itself is served when bokeh is installed.
            self.cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster, set_as_default=False)

    @property
    def dashboard_link(self) -> str | None:
        """The Dask dashboard's address (``None`` when it is not served)."""
        if self.cluster is not None and importlib.util.find_spec("bokeh") is None:
            return None  # a local scheduler serves the dashboard only with bokeh installed
        try:
            link = self.client.dashboard_link
        except (KeyError, AttributeError):  # pragma: no cover - no dashboard
            return None
        return str(link) if link else None

    def run(
        self, func: Callable[..., Any], items: Sequence[Any], shared: tuple[Any, ...], name: str
    ) -> Iterator[tuple[int, Any]]:
        from distributed import as_completed

        scattered = self.client.scatter([shared], broadcast=True, hash=False)[0] if shared else None
        token = uuid.uuid4().hex[:8]
        slug = "".join(c if c.isalnum() else "-" for c in name)[:40] or "task"
        futures = [
            self.client.submit(
                _call_shared, func, item, scattered, key=f"{slug}-{token}-{i}", pure=False
            )
            for i, item in enumerate(items)
        ]
        position = {future.key: i for i, future in enumerate(futures)}
        try:
            for future in as_completed(futures, loop=self.client.loop):
                result = future.result()
                yield position[future.key], result
                future.release()
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                self.client.cancel(pending, force=True)

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def _call_shared(func: Callable[..., Any], item: Any, shared: tuple[Any, ...] | None) -> Any:
    return func(item, *(shared or ()))


def _has_distributed() -> bool:
    return importlib.util.find_spec("distributed") is not None


def in_dask_worker() -> bool:
    """Return whether this code runs inside a Dask worker (nested work then stays here)."""
    if "distributed" not in sys.modules:
        return False
    from distributed import get_worker

    try:
        get_worker()
    except ValueError:
        return False
    return True


@dataclass
class ComputeEngine:
    """Where parallel work runs; made by :func:`use_compute` (close it when done).

    Attributes
    ----------
    workers : int
        Worker processes of a local cluster (1: this process).
    scheduler : str or None
        Address of an existing Dask scheduler.
    backend : str
        ``"in-process"``, ``"dask-local"``, ``"joblib"`` or ``"dask"``.
    """

    workers: int = 1
    scheduler: str | None = None
    backend: str = "in-process"
    _engine: Any = field(default=None, repr=False)
    _announced: bool = field(default=False, repr=False)

    @property
    def dashboard_link(self) -> str | None:
        """The Dask dashboard's address, when running on Dask and it is served."""
        return self._engine.dashboard_link if isinstance(self._engine, _Dask) else None

    def describe(self) -> str:
        """Say in words where the work runs (for progress messages and provenance)."""
        if self.backend == "dask":
            link = self.dashboard_link
            where = f"the Dask cluster at {self.scheduler}"
            return where + (f" (dashboard {link})" if link else "")
        if self.backend == "in-process":
            return "this process"
        kind = "Dask local cluster" if self.backend == "dask-local" else "joblib process pool"
        link = self.dashboard_link
        return f"a {kind} of {self.workers} workers" + (f" (dashboard {link})" if link else "")

    def _start(self) -> Any:
        if self._engine is None:
            if self.backend in ("dask", "dask-local"):
                self._engine = _Dask(self.workers, self.scheduler)
            elif self.backend == "joblib":
                self._engine = _Joblib(self.workers)
            else:
                self._engine = _InProcess()
        return self._engine

    def close(self) -> None:
        """Shut down the cluster this engine started (an existing cluster keeps running)."""
        if self._engine is not None:
            self._engine.close()
            self._engine = None


def _make_engine(workers: int | None, scheduler: str | None) -> ComputeEngine:
    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise EscalationError(f"scheduler must be a Dask scheduler address, not {scheduler!r}")
        return ComputeEngine(workers=0, scheduler=scheduler.strip(), backend="dask")
    n = 1 if workers is None else int(workers)
    if n == -1:
        n = os.cpu_count() or 1
    if n < 1:
        raise EscalationError(f"workers must be at least 1 (or -1 for every core), not {workers}")
    if n == 1:
        return ComputeEngine(workers=1, backend="in-process")
    return ComputeEngine(workers=n, backend="dask-local" if _has_distributed() else "joblib")


_ACTIVE: contextvars.ContextVar[ComputeEngine | None] = contextvars.ContextVar(
    "escalation_compute", default=None
)


def current_compute() -> ComputeEngine:
    """Return the engine set by the innermost :func:`use_compute` (default: this process)."""
    active = _ACTIVE.get()
    return active if active is not None else ComputeEngine()


@contextlib.contextmanager
def use_compute(
    workers: int | None = None, scheduler: str | None = None
) -> Iterator[ComputeEngine]:
    """Run the parallel work inside the block on ``workers`` local processes or a cluster.

    Parameters
    ----------
    workers : int, optional
        Local worker processes (default 1: this process; -1: every core). A local cluster
        starts at the first parallel task and shuts down when the block ends.
    scheduler : str, optional
        Address of an existing Dask scheduler (``tcp://host:8786``); ``workers`` is then
        ignored (the cluster has its own).

    Yields
    ------
    ComputeEngine

    Examples
    --------
    >>> from escalation.compute import parallel_map, use_compute
    >>> with use_compute(workers=1):
    ...     parallel_map(abs, [-1, 2, -3])
    [1, 2, 3]
    """
    engine = _make_engine(workers, scheduler)
    token = _ACTIVE.set(engine)
    try:
        yield engine
    finally:
        _ACTIVE.reset(token)
        engine.close()


def imap_unordered(
    func: Callable[..., R],
    items: Iterable[T],
    *,
    shared: tuple[Any, ...] = (),
    description: str = "working",
    progress: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
) -> Iterator[tuple[int, R]]:
    """Yield ``(position, func(item, *shared))`` for every item as each finishes.

    Parameters
    ----------
    func : callable
        A module-level function (it is sent to other processes), called as
        ``func(item, *shared)``.
    items : iterable
        One task per item.
    shared : tuple
        Arguments common to every task, sent to each worker once.
    description : str
        Label of the progress bar and of the Dask tasks.
    progress : bool, default False
        Show a progress bar on standard error.
    workers, scheduler : optional
        Run this call alone on a local cluster or a Dask cluster (see :func:`use_compute`);
        default: the engine of the enclosing :func:`use_compute`, else this process.

    Yields
    ------
    tuple of (int, object)
        The item's position in ``items`` and its result.
    """
    tasks = list(items)
    if in_dask_worker():
        engine = ComputeEngine()
        owned = True
    elif workers is not None or scheduler is not None:
        engine = _make_engine(workers, scheduler)
        owned = True
    else:
        engine = current_compute()
        owned = False
    try:
        results = engine._start().run(func, tasks, tuple(shared), description)
        if not progress or not tasks:
            yield from results
            return
        from rich.console import Console
        from rich.progress import Progress

        console = Console(stderr=True)
        if engine.backend != "in-process" and not engine._announced:
            console.print(f"[dim]Running on {engine.describe()}[/dim]", soft_wrap=True)
            engine._announced = True
        with Progress(console=console, transient=True) as bar:
            task = bar.add_task(description, total=len(tasks))
            for pair in results:
                bar.advance(task)
                yield pair
    finally:
        if owned:
            engine.close()


def parallel_map(
    func: Callable[..., R],
    items: Iterable[T],
    *,
    shared: tuple[Any, ...] = (),
    description: str = "working",
    progress: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
) -> list[R]:
    """Return ``[func(item, *shared) for item in items]``, computed where the engine says.

    The arguments are those of :func:`imap_unordered`; results come back in the order of
    ``items`` whatever order the tasks finished in.

    Examples
    --------
    >>> parallel_map(divmod, [7, 9], shared=(4,))
    [(1, 3), (2, 1)]
    """
    tasks = list(items)
    out: list[Any] = [None] * len(tasks)
    for i, result in imap_unordered(
        func,
        tasks,
        shared=shared,
        description=description,
        progress=progress,
        workers=workers,
        scheduler=scheduler,
    ):
        out[i] = result
    return out


def _apply_batch(batch: list[Any], func: Callable[..., Any], *shared: Any) -> list[Any]:
    return [func(item, *shared) for item in batch]


def batched_map(
    func: Callable[..., R],
    items: Iterable[T],
    *,
    shared: tuple[Any, ...] = (),
    batch_size: int = 25,
    description: str = "working",
) -> list[R]:
    """Return ``[func(item, *shared) for item in items]``, sent as batches of ``batch_size``.

    For many small tasks (bootstrap replicates of a metric): one task per batch keeps the
    scheduling overhead small. The engine is that of the enclosing :func:`use_compute`;
    results are in the order of ``items`` whatever the number of workers.

    Examples
    --------
    >>> batched_map(divmod, range(5), shared=(2,), batch_size=2)
    [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0)]
    """
    tasks = list(items)
    size = max(1, int(batch_size))
    batches = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    done = parallel_map(_apply_batch, batches, shared=(func, *shared), description=description)
    return [result for batch in done for result in batch]
