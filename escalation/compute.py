"""Where embarrassingly parallel work runs: this process, local processes, or a Dask cluster.

Bootstrap replicates, simulation replications, cross-validation folds and per-partition
(per-authority) runs are independent tasks. They all go through :func:`parallel_map` (results
in the order of the items), :func:`imap_unordered` (results as they finish) or
:func:`run_tasks` (the functions that take ``n_jobs=``), which send them to one of three
places:

- **this process** (the default, ``workers=1``): no start-up cost, nothing to install;
- **a local cluster** of ``workers`` processes started for the work and closed after it: a
  Dask ``LocalCluster`` when ``dask.distributed`` is installed (``pip install
  'escalation[dask]'``), else joblib's process pool;
- **an existing Dask cluster**, given its scheduler address (``tcp://host:8786``), e.g. the
  cluster of a secure research environment. Every worker needs escalation installed.

Choose once for a block of work with :func:`use_compute` (the command line does this from
``--workers``/``--scheduler`` or the design's ``[compute]`` section); library functions
called inside pick it up without new arguments. Outside such a block, the functions that
take ``n_jobs`` (the bootstrap of :func:`~escalation.causal.estimate_effects`, the
cross-validation of :func:`~escalation.predict.validate_risk_models`) use every core by
default (:func:`resolve_jobs`) on joblib's process pool, which is reused from call to call.
A task's result never depends on where it ran: every random step is seeded from the task
itself (e.g. its replicate number), so results are bit-identical whatever the number of
workers. Inside a worker, nested work runs in that worker.

Progress: a rich progress bar on the terminal (by default when standard error is one,
:func:`show_progress`), and on a Dask cluster the dashboard link.
"""

# dask.distributed is not annotated: calls to it are untyped.
# mypy: disable-error-code="no-untyped-call"

from __future__ import annotations

import contextlib
import contextvars
import functools
import importlib.util
import logging
import numbers
import os
import sys
import uuid
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, ParamSpec, Protocol, TypeVar

from escalation.errors import EscalationError

__all__ = [
    "ComputeEngine",
    "available_cores",
    "batched_map",
    "compute_problem",
    "current_compute",
    "imap_unordered",
    "in_dask_worker",
    "one_blas_thread",
    "parallel_map",
    "resolve_jobs",
    "run_batched",
    "run_tasks",
    "show_progress",
    "use_compute",
]

T = TypeVar("T")
R = TypeVar("R")
P = ParamSpec("P")
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
        from joblib.externals.loky.process_executor import TerminatedWorkerError

        runner = Parallel(n_jobs=self.workers, return_as="generator_unordered")
        tasks = (delayed(_indexed)(func, i, item, *shared) for i, item in enumerate(items))
        try:
            yield from runner(tasks)
        except TerminatedWorkerError:
            where = f"a joblib process pool of {self.workers} workers"
            raise worker_died(name, None, len(items), where) from None

    def close(self) -> None:
        return None


#: The variable Dask's nannies set in every worker they start (its value, Dask's default).
_TRIM: Final = "MALLOC_TRIM_THRESHOLD_"
_DASK_TRIM: Final = 65536
#: The user's own setting, read before any local cluster could set it in this process.
_USER_TRIM: Final = os.environ.get(_TRIM)


@contextlib.contextmanager
def _glibc_malloc_defaults() -> Iterator[None]:
    """Start local Dask workers with glibc's adaptive malloc thresholds (unless set by the user).

    Dask's nannies set ``MALLOC_TRIM_THRESHOLD_=65536`` in every worker (``distributed.nanny.
    pre-spawn-environ``), to return freed memory to the system at once. Setting it fixes
    glibc's thresholds: every array above 128 KB is then mapped and unmapped afresh, and the
    heap shrinks and grows again between tasks. For the short numerical tasks sent here that
    costs about a third more CPU per task (a simulation-study replication: 3.5 s of CPU in a
    default Dask worker, 2.65 s without the setting, 2.5 s in this process;
    ``benchmarks/bench_simstudy.py`` and ``docs/scaling.md``). The workers of a local cluster
    therefore start without it, unless the user set it (in the environment, or to another
    value in the Dask configuration); nannies also copy it into this process's environment,
    so a value left there by an earlier cluster is kept out while the cluster starts.
    """
    import dask

    key = f"distributed.nanny.pre-spawn-environ.{_TRIM}"
    configured = dask.config.get(key, default=None)
    if _USER_TRIM is not None or configured not in (_DASK_TRIM, str(_DASK_TRIM)):
        yield  # the user's choice
        return
    left = os.environ.pop(_TRIM, None)
    try:
        with dask.config.set({key: None}):
            yield
    finally:
        if left is not None:
            os.environ[_TRIM] = left


@contextlib.contextmanager
def _explained_start_failure() -> Iterator[None]:
    """Say why a local cluster's workers most often fail to start: a script without a guard.

    Dask starts each worker as a new Python process that imports the main script again
    (``spawn``); a script that starts the cluster at its top level, not under ``if
    __name__ == "__main__":``, then runs again in every worker (its other top-level code
    too), each tries to start a cluster of its own, and Dask said only "Nanny failed to
    start".
    """
    try:
        yield
    except RuntimeError as error:
        if "failed to start" not in str(error):
            raise
        raise EscalationError(
            "the local Dask cluster's worker processes failed to start. Each worker imports "
            "the main script again: a script that runs parallel work (use_compute(workers=N), "
            'workers=...) must do so under `if __name__ == "__main__":`, or every worker runs '
            "the script's top-level code again (docs/scaling.md)"
        ) from error


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
        self.scheduler = scheduler
        if scheduler is not None:
            self.client = Client(scheduler, set_as_default=False)
        else:
            # A free port on this machine only (never all interfaces; never the 8787 another
            # user's cluster may hold). The dashboard itself is served when bokeh is installed.
            with _glibc_malloc_defaults(), _explained_start_failure():
                self.cluster = LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,
                    processes=True,
                    host="127.0.0.1",
                    dashboard_address="127.0.0.1:0",
                    # A failed task's ERROR record ("Compute Failed") holds its exception
                    # and traceback, which may show values from the data; the caller gets
                    # the exception and shows the traceback only when asked (--debug).
                    silence_logs=logging.CRITICAL,
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
        from distributed import KilledWorker, as_completed

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
                try:
                    result = future.result()
                except KilledWorker:
                    i = position[future.key]
                    raise worker_died(name, i, len(futures), self.where) from None
                yield position[future.key], result
                future.release()
        finally:
            pending = [f for f in futures if not f.done()]
            if pending:
                self.client.cancel(pending, force=True)

    @property
    def where(self) -> str:
        """The cluster in words, for messages."""
        if self.cluster is None:
            return f"the Dask cluster at {self.scheduler}"
        return f"a Dask local cluster of {len(self.cluster.workers)} workers"

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


def worker_died(name: str, i: int | None, n: int, where: str) -> EscalationError:
    """Return the error for a task whose worker process died (each time it was tried).

    A worker dies while running a task when the task needs more memory than the worker
    may use (a Dask nanny stops a worker at 95% of its memory limit; the system stops a
    process when the machine runs out), or when compiled code crashes. Dask tries the task
    again on other workers; when they die too, this says so in the user's terms (Dask's
    own ``KilledWorker`` read as an internal error of escalation). Dask counts a death
    against every task the worker held, so the task named may have been waiting behind
    the one that used the memory. (joblib's process pool, ``i=None``, does not say which
    task its worker held.)

    Examples
    --------
    >>> print(worker_died("partitions", 2, 8, "a Dask local cluster of 2 workers"))
    ... # doctest: +NORMALIZE_WHITESPACE
    the worker processes holding task 3 of 8 ('partitions') on a Dask local cluster of 2
    workers died, each time the task was tried: most often the task needs more memory than
    a worker may use (a local cluster gives each worker an equal share of the machine's
    memory). Use fewer workers each with more memory, or smaller partitions; the Dask
    dashboard and the workers' logs say more
    """
    task = f"task {i + 1} of {n}" if i is not None else f"one of {n} tasks"
    return EscalationError(
        f"the worker processes holding {task} ({name!r}) on {where} died, "
        "each time the task was tried: most often the task needs more memory than a worker may "
        "use (a local cluster gives each worker an equal share of the machine's memory). "
        "Use fewer workers each with more memory, or smaller partitions; the Dask dashboard "
        "and the workers' logs say more"
    )


def _call_shared(func: Callable[..., Any], item: Any, shared: tuple[Any, ...] | None) -> Any:
    return func(item, *(shared or ()))


#: Whether this thread runs inside :func:`one_blas_thread` (nested calls skip the 4 ms of
#: finding the BLAS libraries again).
_ONE_BLAS_THREAD: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "one_blas_thread", default=False
)


def one_blas_thread(func: Callable[P, R]) -> Callable[P, R]:
    """Run ``func`` with the linear-algebra (BLAS) libraries limited to one thread.

    The package's matrices are small (thousands of rows, tens of columns) and a study fits
    thousands of them: multi-threaded BLAS spends more on handing each product between
    threads than it gains, and on a busy machine its spinning threads made the effect
    estimates fifteen times slower (``benchmarks/bench_demo.py``) and doubled the CPU time
    of the policy study. The limit is lifted when ``func`` returns.

    The order of a product's partial sums depends on the number of threads sharing it, so
    results on two threads can differ from those on one in their last bits. The study
    functions (``run_study``, ``estimate_effects``, ``estimate_heterogeneity``,
    ``fit_effect_model``, ``refute_effect``, ``clone_censor_weight``,
    ``validate_risk_models``, the policy functions, ``build_share_pack`` and
    ``pool_share_packs``) all run this way, so each gives the same bits called on its own
    as inside a study, on any machine and whatever thread limits the caller set.

    threadpoolctl limits only the libraries already loaded, and SciPy ships its own BLAS
    (beside NumPy's), loaded on the first import of ``scipy.linalg``: it is loaded first,
    or every least-squares fit of the causal forest's outcome model ran on every core
    (twenty times the CPU time of one thread).
    """

    @functools.wraps(func)
    def limited(*args: P.args, **kwargs: P.kwargs) -> R:
        if _ONE_BLAS_THREAD.get():  # called inside another: already limited
            return func(*args, **kwargs)
        import scipy.linalg  # noqa: F401  (loads SciPy's BLAS, so that it is limited too)
        from threadpoolctl import threadpool_limits

        token = _ONE_BLAS_THREAD.set(True)
        try:
            with threadpool_limits(limits=1, user_api="blas"):
                return func(*args, **kwargs)
        finally:
            _ONE_BLAS_THREAD.reset(token)

    return limited


def available_cores() -> int:
    """Return the cores this process may use (its CPU affinity where the OS reports it)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS and Windows
        return max(1, os.cpu_count() or 1)


def resolve_jobs(n_jobs: int | None = None, design: Any = None) -> int:
    """Return the number of worker processes: ``n_jobs``, the design's, or every core.

    Parameters
    ----------
    n_jobs : int, optional
        Workers; ``-1`` every core, ``-2`` all but one (joblib's convention), ``1`` none.
    design : StudyDesign, optional
        Its ``[compute] workers`` is used when ``n_jobs`` is not given.

    Returns
    -------
    int
        At least 1.

    Examples
    --------
    >>> resolve_jobs(1), resolve_jobs(3)
    (1, 3)
    >>> resolve_jobs() == resolve_jobs(-1) >= 1
    True
    """
    if n_jobs is None:
        section = getattr(design, "compute", None)
        n_jobs = getattr(section, "workers", None)
    if n_jobs is None:
        n_jobs = -1
    if n_jobs < 0:
        return max(1, available_cores() + 1 + int(n_jobs))
    return max(1, int(n_jobs))


def show_progress(progress: bool | None) -> bool:
    """Return whether to show a progress bar: as asked, else when stderr is a terminal."""
    if progress is not None:
        return bool(progress)
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


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


#: What ``workers`` may be, wherever it is given.
WORKERS_RULE: Final = "must be a whole number: at least 1, or -1 for every core"


def compute_problem(workers: object, scheduler: object) -> tuple[str, str] | None:
    """Return the key and problem of a ``workers``/``scheduler`` pair (``None``: fine).

    The one rule for ``--workers``/``--scheduler``, :func:`use_compute` and the
    ``[compute]`` sections of designs and simulation plans: ``workers`` is a whole number,
    at least 1, or -1 for every core; ``scheduler`` a Dask scheduler address; and not both,
    since a Dask cluster has its own workers (one of them would be ignored).

    Examples
    --------
    >>> compute_problem(-1, None) is None and compute_problem(None, "tcp://h:8786") is None
    True
    >>> compute_problem(0, None)
    ('workers', 'must be a whole number: at least 1, or -1 for every core')
    >>> compute_problem(2, "tcp://h:8786")[0]
    'scheduler'
    """
    if workers is not None and (
        isinstance(workers, bool)
        or not isinstance(workers, numbers.Integral)
        or (workers < 1 and workers != -1)
    ):
        return "workers", WORKERS_RULE
    if scheduler is not None and (not isinstance(scheduler, str) or not scheduler.strip()):
        return "scheduler", "must be a Dask scheduler address, e.g. tcp://10.0.0.5:8786"
    if workers is not None and scheduler is not None:
        return "scheduler", (
            f"cannot be given with workers = {workers!r}: workers are the local processes to "
            "start, and a Dask cluster at a scheduler address has its own; give one of "
            "workers and scheduler"
        )
    return None


def _make_engine(workers: int | None, scheduler: str | None) -> ComputeEngine:
    problem = compute_problem(workers, scheduler)
    if problem is not None:
        key, text = problem
        value = workers if key == "workers" else scheduler
        raise EscalationError(f"{key} = {value!r}: {text}")
    if scheduler is not None:
        return ComputeEngine(workers=0, scheduler=scheduler.strip(), backend="dask")
    n = 1 if workers is None else int(workers)
    if n == -1:
        n = available_cores()
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
        Address of an existing Dask scheduler (``tcp://host:8786``). Give ``workers`` or
        ``scheduler``, not both (the cluster has its own workers): both is an
        :class:`~escalation.errors.EscalationError` (:func:`compute_problem`).

    Yields
    ------
    ComputeEngine

    Notes
    -----
    Each worker of a local cluster is a new Python process that imports the main script
    again: in a script, start the work under ``if __name__ == "__main__":``.

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
    progress: bool | None = False,
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
    progress : bool or None, default False
        Show a progress bar on standard error (``None``: when it is a terminal).
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
        engine, owned = ComputeEngine(), True
    elif workers is not None or scheduler is not None:
        engine, owned = _make_engine(workers, scheduler), True
    else:
        engine, owned = current_compute(), False
    return _imap(engine, owned, func, tasks, tuple(shared), description, show_progress(progress))


def _imap(
    engine: ComputeEngine,
    owned: bool,
    func: Callable[..., Any],
    tasks: list[Any],
    shared: tuple[Any, ...],
    description: str,
    progress: bool,
) -> Iterator[tuple[int, Any]]:
    """Run the tasks on ``engine`` (closing it after when ``owned``), with a progress bar."""
    try:
        results = engine._start().run(func, tasks, shared, description)
        if not progress or not tasks:
            yield from results
            return
        from rich.progress import Progress

        from escalation._console import stderr_console

        console = stderr_console()
        if engine.backend != "in-process" and not engine._announced:
            from rich.markup import escape

            console.print(f"[dim]Running on {escape(engine.describe())}[/dim]", soft_wrap=True)
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
    progress: bool | None = False,
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


def run_tasks(
    func: Callable[..., R],
    items: Sequence[Any],
    *,
    args: tuple[Any, ...] = (),
    n_jobs: int = 1,
    progress: bool | None = None,
    description: str = "working",
) -> list[R]:
    """Return ``[func(item, *args) for item in items]``, on ``n_jobs`` processes.

    The engine of the functions that take ``n_jobs=`` (bootstrap, cross-validation).
    Inside :func:`use_compute` (``--workers``, ``--scheduler`` or a design's
    ``[compute]``) the tasks run on that engine whatever ``n_jobs`` says; otherwise on
    ``n_jobs`` processes of joblib's pool (reused from call to call, so no cluster starts
    for each call), and inside a Dask worker one after another there. ``func`` must be a
    module-level function when it runs elsewhere. Results come back in the order of
    ``items``, and warnings raised in another process are raised again here, so none is
    lost to a worker's terminal.

    Parameters
    ----------
    func : callable
        Called as ``func(item, *args)``.
    items : sequence
        One task per item.
    args : tuple
        Arguments common to every task.
    n_jobs : int, default 1
        Processes outside :func:`use_compute` (see :func:`resolve_jobs`).
    progress : bool, optional
        Show a progress bar (default: when standard error is a terminal).
    description : str
        Label of the progress bar.

    Examples
    --------
    >>> run_tasks(pow, [1, 2, 3], args=(2,))
    [1, 4, 9]
    """
    tasks = list(items)
    engine, owned = current_compute(), False
    if in_dask_worker():
        engine, owned = ComputeEngine(), True
    elif engine.backend == "in-process" and min(max(1, n_jobs), len(tasks)) > 1:
        engine, owned = ComputeEngine(workers=min(n_jobs, len(tasks)), backend="joblib"), True
    shown = show_progress(progress)
    if engine.backend == "in-process":  # warnings reach the caller as they are raised
        pairs = _imap(engine, owned, _call, tasks, (func, *args), description, shown)
        return [result for _, result in pairs]
    out: list[Any] = [None] * len(tasks)
    for i, recorded in _imap(engine, owned, _recording, tasks, (func, *args), description, shown):
        out[i] = recorded
    results: list[R] = []
    for result, caught in out:  # warnings from other processes, again here, in item order
        for message, category in caught:
            warnings.warn(message, category, stacklevel=2)
        results.append(result)
    return results


def _call(item: Any, func: Callable[..., R], *args: Any) -> R:
    return func(item, *args)


def _recording(item: Any, func: Callable[..., R], *args: Any) -> tuple[R, list[Any]]:
    """Call ``func(item, *args)`` and return its result with the warnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func(item, *args)
    return result, [(w.message, w.category) for w in caught]


def run_batched(
    func: Callable[..., R],
    items: Sequence[Any],
    *,
    args: tuple[Any, ...] = (),
    n_jobs: int = 1,
    batch_size: int = 25,
    description: str = "working",
) -> list[R]:
    """Return ``[func(item, *args) for item in items]``, sent to :func:`run_tasks` in batches.

    For many small tasks (bootstrap replicates of a metric): one task per batch of at
    most ``batch_size`` items, and at least one batch per worker, so that every core is
    used and the cost of sending a task stays small. Results are in the order of
    ``items`` and identical for any number of workers.

    Examples
    --------
    >>> run_batched(divmod, [7, 9, 11], args=(4,), batch_size=2)
    [(1, 3), (2, 1), (2, 3)]
    """
    tasks = list(items)
    jobs = max(1, int(n_jobs))
    size = max(1, min(int(batch_size), -(-len(tasks) // jobs)))
    batches = [tasks[i : i + size] for i in range(0, len(tasks), size)]
    done = run_tasks(
        _apply_batch, batches, args=(func, *args), n_jobs=jobs, progress=False,
        description=description,
    )  # fmt: skip
    return [result for batch in done for result in batch]
