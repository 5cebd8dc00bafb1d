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
process, and exits when idle for a minute (and when Python exits).
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Final, Generic, TypeVar

__all__ = ["Pending", "available", "submit"]

T = TypeVar("T")

#: Seconds an idle helper waits for work before it exits.
IDLE_TIMEOUT: Final = 60
_lock = threading.Lock()
_executor: Any = None


def available() -> bool:
    """Return whether a helper process is worth starting: two or more usable CPUs.

    Counts the CPUs this process may use (affinity and container quotas, via loky).
    """
    from joblib.externals.loky import cpu_count

    return int(cpu_count()) >= 2


def _send(call: Callable[..., Any], *args: Any) -> Future[Any]:
    """Submit to the shared helper, starting a new one if the last has broken or closed."""
    global _executor
    from joblib.externals.loky import ProcessPoolExecutor

    with _lock:
        for attempt in (1, 2):
            if _executor is None:
                _executor = ProcessPoolExecutor(max_workers=1, timeout=IDLE_TIMEOUT)
            try:
                future: Future[Any] = _executor.submit(call, *args)
            except Exception:
                _executor = None
                if attempt == 2:
                    raise
            else:
                return future
    raise AssertionError("unreachable")  # pragma: no cover


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
    """

    def __init__(
        self,
        func: Callable[..., T],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        future: Future[tuple[T, list[tuple[type[Warning], str]]]] | None,
    ) -> None:
        self.func = func
        self.args = args
        self.kwargs = kwargs
        self.future = future
        self.ran_in_helper = False

    def result(self) -> T:
        """Wait for and return the result; re-raise the helper's warnings here.

        Whatever went wrong in the helper, the function is run again in this process,
        so its own errors are raised here as usual.
        """
        if self.future is not None:
            try:
                value, caught = self.future.result()
            except Exception:  # any failure there: run it here instead
                self.future = None
            else:
                self.ran_in_helper = True
                for category, message in caught:
                    warnings.warn(message, category, stacklevel=2)
                return value
        return self.func(*self.args, **self.kwargs)


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
        future = _send(_capture, func, args, kwargs)
    except Exception:  # no helper (e.g. processes not allowed): run here
        future = None
    return Pending(func, args, kwargs, future)
