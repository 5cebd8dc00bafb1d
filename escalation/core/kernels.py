"""The compiled kernels of the package: each declared with the one signature it is called with.

Numba compiles a kernel the first time it is called with new argument types and keeps the
machine code in its cache (``cache=True``: ``__pycache__`` beside the module, or
``NUMBA_CACHE_DIR``), so only a fresh install pays for it: about 6 s of CPU for every
kernel of the package, the first time a study runs. A kernel called with a Fortran-ordered
matrix, a read-only array or 32-bit codes is compiled again for those types, so each
kernel is declared here with the one signature its callers use (C-contiguous, writable
float64, int64 and bool arrays) and its callers pass exactly those (:func:`c_array`);
the tests hold every kernel to its signature.

:func:`compile_ahead` hands the kernels, in the order a study first calls them, to the
helper process (:mod:`escalation.background`) while this process simulates or reads the
data; numba's cache then gives this process the machine code when it first calls a kernel
(about 0.05 s each). A kernel this process calls while the helper is compiling it waits for
the helper rather than compiling it a second time (a helper lost meanwhile is noticed
within a second, and the kernel compiled here); one the helper has not started is
compiled here (and the helper's task dropped). The code compiled is the same either way,
so are the results.

Examples
--------
>>> import numpy as np
>>> c_array(np.asfortranarray(np.eye(2))).flags.c_contiguous
True
"""

from __future__ import annotations

import contextlib
import importlib
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TypeVar

import numba
import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from escalation.background import Pending

__all__ = [
    "B1",
    "BOOL",
    "F1",
    "F2",
    "I1",
    "c_array",
    "compile_ahead",
    "compile_all",
    "compile_kernel",
    "declared",
    "kernel",
    "rows_or_columns",
]

#: Argument types of the kernels: C-contiguous writable arrays and plain flags.
F1: Final = numba.types.Array(numba.types.float64, 1, "C")
F2: Final = numba.types.Array(numba.types.float64, 2, "C")
I1: Final = numba.types.Array(numba.types.int64, 1, "C")
B1: Final = numba.types.Array(numba.types.boolean, 1, "C")
BOOL: Final = numba.types.boolean

#: Modules that define kernels, in the order a study first calls them.
MODULES: Final = (
    "escalation.core.collinearity",
    "escalation.core._riskset_kernel",
    "escalation.core.cif",
    "escalation.causal._standardise",
    "escalation.core.concordance",
)

#: Kernels in the order a study first calls them (compiled ahead in this order).
FIRST_USE: Final = (
    "escalation.core.collinearity._centred_gram",
    "escalation.core._riskset_kernel.gather_centred",
    "escalation.core._riskset_kernel.relative_risks",
    "escalation.core._riskset_kernel.walk",
    "escalation.core._riskset_kernel.weighted_gram",
    "escalation.causal._standardise._standardise",
    "escalation.core.cif._survival",
    "escalation.core._riskset_kernel.score_residuals",
    "escalation.core.concordance._fenwick_counts",
    "escalation.core.cif._paths",
)

_F = TypeVar("_F", bound=Callable[..., Any])
_DECLARED: dict[str, Kernel] = {}
_AHEAD: dict[str, Pending[float]] = {}
_lock = threading.Lock()
_started = False


class Kernel:
    """A numba kernel with its declared signature; calling it calls the dispatcher.

    The first call waits while the helper process compiles this kernel (see the module
    notes); later calls go straight to numba.

    Attributes
    ----------
    name : str
        Qualified name (module and function).
    dispatcher : numba.core.registry.CPUDispatcher
        The compiled function.
    signature : tuple
        The numba type of each argument.
    """

    __slots__ = ("dispatcher", "name", "ready", "signature")

    def __init__(self, name: str, dispatcher: Any, signature: tuple[Any, ...]) -> None:
        self.name = name
        self.dispatcher = dispatcher
        self.signature = signature
        self.ready = False

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Call the kernel (after the helper's compile of it, if one is under way)."""
        if not self.ready:
            _wait_for_helper(self.name)
            self.ready = True
        return self.dispatcher(*args, **kwargs)

    def compile(self) -> None:
        """Compile the declared signature, or load it from numba's cache."""
        self.dispatcher.compile(self.signature)


def kernel(*signature: Any, **options: Any) -> Callable[[_F], _F]:
    """Compile a function with numba (cached, no GIL, numpy's error model) and declare it.

    Parameters
    ----------
    *signature
        The numba type of each argument, as every caller passes it.
    **options
        Further :func:`numba.njit` options.

    Returns
    -------
    callable
        A decorator returning the :class:`Kernel` (compiled on first call, as usual).
    """

    def declare(func: _F) -> _F:
        settings = {"cache": True, "nogil": True, "error_model": "numpy", **options}
        name = f"{func.__module__}.{func.__qualname__}"
        declared_ = Kernel(name, numba.njit(**settings)(func), tuple(signature))
        _DECLARED[name] = declared_
        return declared_  # type: ignore[return-value]

    return declare


def declared() -> dict[str, Kernel]:
    """Return every kernel of the package by qualified name, in the order of first use."""
    for module in MODULES:
        importlib.import_module(module)
    rank = {name: i for i, name in enumerate(FIRST_USE)}
    return dict(sorted(_DECLARED.items(), key=lambda item: rank.get(item[0], len(rank))))


def c_array(values: npt.ArrayLike, dtype: npt.DTypeLike = np.float64) -> npt.NDArray[Any]:
    """Return ``values`` as a C-contiguous writable array of ``dtype`` (a copy only if needed).

    The form every kernel takes, so that each is compiled once (see the module notes).
    """
    out: npt.NDArray[Any] = np.require(values, dtype=dtype, requirements=("C", "W"))
    return out


def rows_or_columns(matrix: npt.NDArray[Any]) -> tuple[npt.NDArray[Any], bool]:
    """Return a float matrix as a C-contiguous array, transposed if it is Fortran-ordered.

    Returns the matrix (or its transpose) and whether it was transposed: a kernel taking a
    ``columns`` flag then reads a Fortran-ordered matrix, such as a pandas frame's values,
    without copying it (an n x p copy is the largest allocation of a Cox fit).

    Examples
    --------
    >>> m = np.asfortranarray(np.arange(6.0).reshape(3, 2))
    >>> out, columns = rows_or_columns(m)
    >>> out.shape, columns, out.base is m
    ((2, 3), True, True)
    """
    columns = bool(matrix.flags.f_contiguous and not matrix.flags.c_contiguous)
    return c_array(matrix.T if columns else matrix), columns


def compile_kernel(name: str) -> float:
    """Compile (or load from numba's cache) one kernel; return the seconds it took."""
    start = time.perf_counter()
    declared()[name].compile()
    return time.perf_counter() - start


def compile_all() -> dict[str, float]:
    """Compile (or load from numba's cache) every kernel; return the seconds each took."""
    return {name: compile_kernel(name) for name in declared()}


def compile_ahead() -> None:
    """Compile every kernel in the helper process while this one goes on (once per process).

    Does nothing on a single CPU (the helper would only compete with this process) or
    when the helper cannot start; a kernel not compiled ahead is compiled when first
    called, as without this.
    """
    global _started
    from escalation import background

    with _lock:
        if _started or not background.available():
            return
        _started = True
        for name in declared():
            pending = background.submit(compile_kernel, name)
            if pending.future is not None:
                _AHEAD[name] = pending


def _wait_for_helper(name: str) -> None:
    """Let the helper finish compiling ``name`` if it has started; else drop its task."""
    with _lock:
        pending = _AHEAD.pop(name, None)
    if pending is None or pending.future is None or pending.future.cancel():
        return
    with contextlib.suppress(Exception):  # it failed here too: numba compiles it at the call
        # Waits while the helper compiles it; a helper lost meanwhile is noticed within a
        # poll (escalation.background) and the kernel compiled here instead.
        pending.result()
