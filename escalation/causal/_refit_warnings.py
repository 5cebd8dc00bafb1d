"""The statistical warnings of a bootstrap's refits, shown once per kind, thread-safely.

A bootstrap fits its models again on every resample, and a model that separates on one
resample warns again on the next, naming other coefficients and values: 20 replicates
printed over a hundred warnings differing only in those. :class:`RefitWarnings` collects the
:class:`~escalation.errors.StatisticalWarning` s shown while one bootstrap's replicates run
and passes them on once per kind (:func:`~escalation.warning_kinds.warning_kind`): the first
in full, saying how many more like it the refits raised, against the caller's line.

How, without ``warnings.catch_warnings`` (process-wide, and not safe where threads enter and
leave it interleaved; a Dask worker with several threads runs bootstraps side by side):

* Python's filters decide first, as ever: a warning ``"ignore"`` hides is never shown, so
  never collected, and ``"error"`` raises where the warning is raised.
* A warning the filters let through reaches ``warnings.showwarning``. While any bootstrap
  collects, that is a :class:`_Divert` wrapping whatever was there before; it hands a
  statistical warning to the collector of the bootstrap running in the *same context*
  (a :class:`~contextvars.ContextVar`: each thread, and each asyncio task, has its own),
  and passes everything else on to the wrapped function unchanged. The wrapper is put in
  place when the first bootstrap starts and taken out when the last ends, under a lock,
  and only if it is still the one in place, so ``warnings.showwarning`` is restored.
* Replicates run in other processes come back as recorded warnings that
  :func:`~escalation.compute.run_tasks` raises again here, inside the bootstrap: they
  pass the filters and reach the collector the same way.

Warnings are recorded, not shown, inside ``warnings.catch_warnings(record=True)`` (pytest,
the simulation study, code that counts warnings): there every warning is passed on as
before, one by one. So too inside :func:`each_refit_warning`, which the command line's
caveat log uses to keep each warning as a caveat.

If another thread enters ``catch_warnings`` before a bootstrap starts and leaves it while
the bootstrap runs, it puts back the ``showwarning`` it found, without the wrapper: that
bootstrap's remaining warnings are then shown one by one, as before (none is lost). In the
other order (entered while a bootstrap runs, left after it ends) it puts the wrapper back,
which then stays: outside a bootstrap it passes every warning on unchanged.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from types import FrameType
from typing import Final, TextIO

from escalation.errors import StatisticalWarning
from escalation.warning_kinds import Alike, warning_kind, with_more_like_it

__all__ = ["RefitWarnings", "caller_outside_package", "each_refit_warning"]

ShowWarning = Callable[..., None]


@dataclass
class RefitWarnings:
    """The statistical warnings one bootstrap's refits raised, grouped by kind.

    Examples
    --------
    >>> refits = RefitWarnings()
    >>> for n in (3, 5, 8):
    ...     refits.add(StatisticalWarning(f"{n} spells ended early"))
    >>> [str(w) for w in refits.grouped()]
    ['3 spells ended early (and 2 more like it during the bootstrap refits)']
    >>> refits.grouped()[0].more_like_it
    2
    """

    alike: Alike[StatisticalWarning] = field(default_factory=Alike)

    def add(self, message: StatisticalWarning) -> None:
        """Count ``message`` with the others of its class and kind.

        A warning already grouped (by a bootstrap run inside a replicate) counts with the
        warnings it stands for.
        """
        kind = (type(message), warning_kind(str(message)))
        self.alike.add(message, kind, more=int(getattr(message, "more_like_it", 0)))

    def grouped(self) -> list[StatisticalWarning]:
        """Return one warning per kind, in the order first raised, with the count of the rest.

        A kind raised once is its warning as raised; otherwise a new warning of the first's
        class, with its text, design key and advice, saying "(and N more like it during the
        bootstrap refits)", with ``more_like_it`` set to N
        (:func:`~escalation.warning_kinds.with_more_like_it`).
        """
        return [with_more_like_it(first, more) for first, more in self.alike.groups()]

    @contextmanager
    def collecting(self) -> Iterator[None]:
        """Collect the statistical warnings shown in this context while the block runs.

        Nothing is collected (every warning is passed on as before) inside
        :func:`each_refit_warning` or while ``catch_warnings(record=True)`` records.
        """
        if _EACH.get() or _recording():
            yield
            return
        token = _COLLECTOR.set(self)
        _HOOK.acquire()
        try:
            yield
        finally:
            _HOOK.release()
            _COLLECTOR.reset(token)

    def pass_on(self, frame: FrameType) -> None:
        """Issue the grouped warnings against ``frame`` (the caller's line), then forget them.

        Each goes through Python's filters again there (so a filter on the caller's module
        applies to it), as :func:`warnings.warn` would from that frame.
        """
        grouped, self.alike = self.grouped(), Alike()
        for message in grouped:
            _warn_from(message, frame)


#: The collector of the bootstrap whose replicates run in this context.
_COLLECTOR: ContextVar[RefitWarnings | None] = ContextVar("escalation_refit_warnings", default=None)
#: Whether this context's bootstraps pass on each refit's warning (the caveat log).
_EACH: ContextVar[bool] = ContextVar("escalation_each_refit_warning", default=False)


@contextmanager
def each_refit_warning() -> Iterator[None]:
    """Within the block, bootstraps pass on every refit's warning, not one per kind.

    For a caller that keeps every warning itself, as the command line's caveat log does
    (it counts each refit's warning as a caveat, then shows them once per kind). Only
    this thread (this context) is affected.

    Examples
    --------
    >>> with each_refit_warning():
    ...     pass
    """
    token = _EACH.set(True)
    try:
        yield
    finally:
        _EACH.reset(token)


def _recording() -> bool:
    """Return whether ``warnings.catch_warnings(record=True)`` is recording warnings now.

    It puts Python's own ``showwarning`` in place and sends its output to a list's
    ``append`` (``warnings._showwarning_orig`` and ``warnings._showwarnmsg_impl``, as in
    CPython 3.11 to 3.13; where they are missing, nothing counts as recording).
    """
    original = getattr(warnings, "_showwarning_orig", None)
    output = getattr(warnings, "_showwarnmsg_impl", None)
    return warnings.showwarning is original and isinstance(getattr(output, "__self__", None), list)


class _Divert:
    """``warnings.showwarning`` while bootstraps collect: their warnings to their collectors.

    Parameters
    ----------
    previous : callable
        The ``showwarning`` it replaced: it shows every other warning.
    """

    def __init__(self, previous: ShowWarning) -> None:
        self.previous = previous

    def __call__(
        self,
        message: Warning | str,
        category: type[Warning],
        filename: str,
        lineno: int,
        file: TextIO | None = None,
        line: str | None = None,
    ) -> None:
        collector = _COLLECTOR.get()
        if collector is not None and isinstance(message, StatisticalWarning):
            collector.add(message)
            return
        self.previous(message, category, filename, lineno, file, line)


class _Hook:
    """Puts :class:`_Divert` in place while any bootstrap collects, in any thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._users = 0

    def acquire(self) -> None:
        with self._lock:
            self._users += 1
            if not isinstance(warnings.showwarning, _Divert):
                warnings.showwarning = _Divert(warnings.showwarning)

    def release(self) -> None:
        with self._lock:
            self._users -= 1
            current = warnings.showwarning
            if not self._users and isinstance(current, _Divert):
                warnings.showwarning = current.previous


_HOOK: Final = _Hook()

#: Frames skipped to find the caller's line: this package's, and contextlib's decorators.
_SKIPPED: Final = (
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep,
    os.path.abspath(contextlib.__file__),
)


def caller_outside_package() -> FrameType:
    """Return the frame that called the package: the user's line.

    The first frame outside the package, up from the caller of the function calling this
    one; that caller's own frame when every frame is the package's (the command line).
    """
    start = sys._getframe(2)
    frame: FrameType | None = start
    while frame is not None:
        name = os.path.abspath(frame.f_code.co_filename)
        if not name.startswith(_SKIPPED[0]) and name != _SKIPPED[1]:
            return frame
        frame = frame.f_back
    return start


def _warn_from(message: StatisticalWarning, frame: FrameType) -> None:
    """Issue ``message`` as ``warnings.warn`` would from ``frame``."""
    module_globals = frame.f_globals
    warnings.warn_explicit(
        message,
        type(message),
        frame.f_code.co_filename,
        frame.f_lineno,
        module=module_globals.get("__name__", "<string>"),
        registry=module_globals.setdefault("__warningregistry__", {}),
    )
