"""A helper process for side work, such as drawing figures, while the study computes.

:func:`run_study <escalation.pipeline.run_study>` spends a quarter of its time drawing
figures and writing them as PNG, PDF and SVG. That work needs nothing the later stages
compute, so on a machine with two or more CPUs it goes to one helper process and the
study carries on with the next model on the other CPU.

:func:`submit` returns a :class:`Pending` task; :meth:`Pending.result` gives what the
function returned, exactly as if it had run here:

- warnings it raised in the helper are raised again here, so warning filters (and the
  test suite's ``filterwarnings = error``) see them;
- if anything goes wrong in the helper (the function raises, the helper process dies or
  cannot be started), the function is run again here, so an error surfaces with its
  ordinary traceback and a lost helper never loses an output.

The helper is joblib's ``loky`` process pool with one worker: it starts a fresh Python
(fork then exec, so it is safe beside threads and never re-runs the caller's script) and
sends functions and arguments with ``cloudpickle``, which also carries the closures
inside plotnine figures. It starts on first use, is shared by every study run in this
process, and is closed by this process once it has been idle for a minute (and when
Python exits). This process closes it, under the same lock as :func:`submit`, rather than
letting loky's worker time out by itself: a worker timing out as a task arrived made loky
warn from its manager thread, which under ``-W error`` (as in the test suite) ended the
thread and left the task waiting for ever. (The worker still exits by itself after
:data:`ORPHAN_TIMEOUT` idle, which only a helper whose parent was killed reaches.)

loky also restarts a worker whose memory has grown by 300 MB since its first task, taking
it for a leak; drawing figures after compiling the kernels grows the helper by more than
that, so every study restarted its helper part-way (a new Python and its imports, and the
same warning). The helper restarts only past :data:`HELPER_MEMORY_GROWTH`.

:meth:`Pending.result` also watches loky's manager thread, so a helper lost in any other
way is noticed and the task run here.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import warnings
import weakref
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Final, Generic, TypeVar

__all__ = ["Pending", "available", "close", "submit"]

T = TypeVar("T")

#: Seconds an idle helper waits for work before this process closes it.
IDLE_TIMEOUT: Final = 60
#: Seconds after which an idle helper exits by itself: only one whose parent died without
#: closing it (killed) is idle that long; a live parent closes it after IDLE_TIMEOUT.
ORPHAN_TIMEOUT: Final = 2 * IDLE_TIMEOUT
#: Seconds between checks, while waiting for a result, that the helper is still there.
POLL_SECONDS: Final = 1.0
#: Bytes the helper may grow by after its first task before loky restarts it.
HELPER_MEMORY_GROWTH: Final = 2_000_000_000
_lock = threading.Lock()
_executor: Any = None
_outstanding = 0  # tasks sent to the current helper and not yet finished
_idle_timer: threading.Timer | None = None
_lost: weakref.WeakSet[Any] = weakref.WeakSet()  # helpers given up (their manager ended)


def available() -> bool:
    """Return whether a helper process is worth starting: two or more usable CPUs.

    Counts the CPUs this process may use (affinity and container quotas, via loky).
    """
    from joblib.externals.loky import cpu_count

    return int(cpu_count()) >= 2


def _send(call: Callable[..., Any], *args: Any) -> tuple[Future[Any], Any]:
    """Submit to the shared helper, starting a new one if the last has broken or closed.

    Returns the future and the executor it was sent to.
    """
    global _executor, _idle_timer, _outstanding
    from joblib.externals.loky import ProcessPoolExecutor

    with _lock:
        if _idle_timer is not None:
            _idle_timer.cancel()
            _idle_timer = None
        for attempt in (1, 2):
            if _executor is None:
                # Closed from here when idle (module notes); ORPHAN_TIMEOUT is a safety net.
                _executor = ProcessPoolExecutor(
                    max_workers=1, timeout=ORPHAN_TIMEOUT, initializer=_start_helper
                )
                _outstanding = 0
            try:
                future: Future[Any] = _executor.submit(call, *args)
            except Exception:
                _executor = None
                if attempt == 2:
                    raise
            else:
                _outstanding += 1
                executor = _executor
                break
    future.add_done_callback(lambda _: _finished(executor))  # outside the lock: may run now
    return future, executor


def _start_helper() -> None:
    """Run in the helper as it starts: restart only past :data:`HELPER_MEMORY_GROWTH`."""
    from joblib.externals.loky import process_executor

    process_executor._MAX_MEMORY_LEAK_SIZE = HELPER_MEMORY_GROWTH


def _finished(executor: Any) -> None:
    """Count a finished task; once the helper has nothing to do, close it after a while."""
    global _idle_timer, _outstanding
    with _lock:
        if executor is not _executor:
            return
        _outstanding -= 1
        if _outstanding == 0:
            _idle_timer = threading.Timer(IDLE_TIMEOUT, _close_if_idle, args=(executor,))
            _idle_timer.daemon = True
            _idle_timer.start()


def _close_if_idle(executor: Any) -> None:
    """Close the helper if it is still the current one and has had nothing to do."""
    global _executor
    with _lock:
        if executor is _executor and _outstanding == 0:
            _executor = None
            executor.shutdown(wait=False)


def close() -> None:
    """Close the helper now, if one is open (the next :func:`submit` starts another).

    For a process that leaves without Python's exit handlers, such as a pytest-xdist
    worker, which would otherwise leave the helper until :data:`ORPHAN_TIMEOUT`.
    """
    global _executor, _idle_timer
    with _lock:
        executor, _executor = _executor, None
        if _idle_timer is not None:
            _idle_timer.cancel()
            _idle_timer = None
    if executor is not None:
        try:
            _forget_queued(executor)
        finally:  # whatever happens there, the helper is stopped
            executor.shutdown(wait=True, kill_workers=True)


def _forget_queued(executor: Any) -> None:
    """Take the tasks still queued for the helper off loky's queue, before it is killed.

    loky (3.6, in joblib 1.6) drops every task of an executor shut down with
    ``kill_workers=True`` but leaves their numbers on its queue, and its manager thread
    then looks one up and ends with ``KeyError``, printed as an exception in a thread (an
    error under pytest). With the queue emptied first the tasks are dropped all the same
    (each :class:`Pending` runs its function here when asked) and the thread ends cleanly.

    Only a :class:`queue.Queue` is emptied: another loky may keep the numbers elsewhere
    (the test suite checks that the installed loky keeps them there).
    """
    queued = getattr(executor, "_work_ids", None)
    if not isinstance(queued, queue.Queue):  # another loky: leave it as it is
        return
    with contextlib.suppress(queue.Empty):
        while True:
            queued.get_nowait()


def _discard(executor: Any) -> None:
    """Stop using a helper that has been lost (its manager thread has ended)."""
    global _executor
    with _lock:
        if executor is _executor:
            _executor = None
        if executor in _lost:
            return
        _lost.add(executor)
    executor.shutdown(wait=False, kill_workers=True)
    # The manager thread that would stop the worker has ended: stop it here.
    for process in list(getattr(executor, "_processes", {}).values()):
        with contextlib.suppress(Exception):  # already gone
            process.terminate()


def _alive(executor: Any) -> bool:
    """Return whether loky's thread that hands back results is still running."""
    if executor in _lost:
        return False
    thread = getattr(executor, "_executor_manager_thread", None)
    return thread is None or thread.is_alive()


def _wait(future: Future[T], executor: Any) -> T:
    """Wait for the helper's result; raise ``RuntimeError`` if the helper is lost."""
    while True:
        try:
            return future.result(timeout=POLL_SECONDS)
        except TimeoutError:
            if not future.done() and not _alive(executor):
                _discard(executor)
                raise RuntimeError("the helper process was lost") from None


def _capture(
    func: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[T, list[tuple[type[Warning], str]]]:
    """Run ``func`` (in the helper), returning its result and every warning it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = func(*args, **kwargs)
    return value, [(w.category, str(w.message)) for w in caught]


class Pending(Generic[T]):
    """A function call handed to the helper process (or already run here).

    Parameters
    ----------
    func : callable
        The function.
    args, kwargs
        Its arguments.
    future : concurrent.futures.Future, optional
        The helper's result of :func:`_capture`; ``None`` runs ``func`` here when the
        result is asked for.
    executor : loky.ProcessPoolExecutor, optional
        The helper the future was sent to (watched while waiting).
    """

    def __init__(
        self,
        func: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        future: Future[tuple[T, list[tuple[type[Warning], str]]]] | None,
        executor: Any = None,
    ) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.future = future
        self.executor = executor
        self.ran_in_helper = False

    def result(self) -> T:
        """Wait for and return the result; re-raise the helper's warnings here.

        Whatever went wrong in the helper (including losing the helper while waiting),
        the function is run again in this process, so its own errors are raised here as
        usual.
        """
        if self.future is not None:
            try:
                value, caught = _wait(self.future, self.executor)
            except Exception:  # any failure there: run it here instead
                self.future = None
            else:
                self.ran_in_helper = True
                for category, message in caught:
                    warnings.warn(message, category, stacklevel=2)
                return value
        return self.func(*self.args, **self.kwargs)

    def abandon(self) -> None:
        """Give the task up: cancel it if the helper has not started it, else wait for it.

        Nothing is run here and nothing is raised: what the task returns (or raises) is
        dropped. Once this returns the helper no longer works on it, so the files it was
        writing can be removed without the helper writing them again.
        """
        if self.future is None or self.future.cancel():
            return
        with contextlib.suppress(Exception):  # its error, or the helper lost: nothing to do
            _wait(self.future, self.executor)


def submit(func: Callable[..., T], /, *args: Any, **kwargs: Any) -> Pending[T]:
    """Hand ``func(*args, **kwargs)`` to the helper process; return a :class:`Pending`.

    Parameters
    ----------
    func : callable
        A module-level function (the helper imports it by name).
    *args, **kwargs
        Its arguments (anything ``cloudpickle`` can send).

    Returns
    -------
    Pending

    Examples
    --------
    >>> submit(divmod, 7, 2).result()
    (3, 1)
    """
    try:
        future, executor = _send(_capture, func, args, kwargs)
    except Exception:  # no helper (e.g. processes not allowed): run here
        return Pending(func, args, kwargs, None)
    return Pending(func, args, kwargs, future, executor)
