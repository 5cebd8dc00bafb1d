"""How many worker processes parallel work uses, and whether it shows a progress bar.

Bootstrap replicates and cross-validation folds are independent, seeded tasks, so their
results are identical for any number of workers. By default they use every core: an
explicit ``n_jobs`` wins, else the design's ``[compute] workers`` when the design has that
section, else all cores (``-1``). Progress bars show by default when the standard error
stream is a terminal (not in logs or notebooks' captured output).
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["available_cores", "resolve_jobs", "run_batched", "run_tasks", "show_progress"]

R = TypeVar("R")


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
    >>> resolve_jobs() == resolve_jobs(-1) == available_cores()
    True
    """
    if n_jobs is None:
        compute = getattr(design, "compute", None)
        n_jobs = getattr(compute, "workers", None)
    if n_jobs is None:
        n_jobs = -1
    cores = available_cores()
    if n_jobs < 0:
        return max(1, cores + 1 + int(n_jobs))
    return max(1, int(n_jobs))


def show_progress(progress: bool | None) -> bool:
    """Return whether to show a progress bar: as asked, else when stderr is a terminal."""
    if progress is not None:
        return bool(progress)
    return bool(getattr(sys.stderr, "isatty", lambda: False)())


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

    ``func`` must be a module-level function when ``n_jobs > 1`` (it is sent to joblib's
    worker processes). Inside :func:`escalation.compute.use_compute` (``--workers``,
    ``--scheduler`` or a design's ``[compute]``) the tasks run on that engine instead (a
    local or remote Dask cluster), and inside a Dask worker they run one after another
    there. Results come back in the order of ``items``, and warnings raised in a worker
    are raised again here, so none is lost to a worker's terminal.

    Examples
    --------
    >>> run_tasks(pow, [1, 2, 3], args=(2,))
    [1, 4, 9]
    """
    from escalation import compute

    engine = compute.current_compute()
    if engine.backend != "in-process" and not compute.in_dask_worker():
        # Inside use_compute (--workers, --scheduler, [compute]): the work runs there.
        pairs = compute.parallel_map(
            _recording_item,
            items,
            shared=(func, *args),
            description=description,
            progress=show_progress(progress),
        )
        return [_rewarn(*pair) for pair in pairs]
    jobs = 1 if compute.in_dask_worker() else min(max(1, n_jobs), len(items))
    if jobs <= 1:
        results: Any = (func(item, *args) for item in items)
    else:
        from joblib import Parallel, delayed

        results = (
            _rewarn(*pair)
            for pair in Parallel(n_jobs=jobs, return_as="generator")(
                delayed(_recording)(func, item, *args) for item in items
            )
        )
    if not show_progress(progress):
        return list(results)
    from rich.progress import Progress

    out: list[R] = []
    with Progress(transient=True) as bar:
        task = bar.add_task(description, total=len(items))
        for result in results:
            out.append(result)
            bar.advance(task)
    return out


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


def _apply_batch(batch: list[Any], func: Callable[..., R], *args: Any) -> list[R]:
    return [func(item, *args) for item in batch]


def _recording(func: Callable[..., R], item: Any, *args: Any) -> tuple[R, list[Any]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func(item, *args)
    return result, [(w.message, w.category) for w in caught]


def _recording_item(item: Any, func: Callable[..., R], *args: Any) -> tuple[R, list[Any]]:
    return _recording(func, item, *args)


def _rewarn(result: R, caught: list[Any]) -> R:
    for message, category in caught:
        warnings.warn(message, category, stacklevel=3)
    return result
