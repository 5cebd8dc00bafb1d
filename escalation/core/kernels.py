"""The compiled kernels of the package: each declared with the one signature it is called with.

Numba compiles a kernel the first time it is called with new argument types and keeps the
machine code in its cache (``cache=True``: ``__pycache__`` beside the module, or
``NUMBA_CACHE_DIR``), so only a fresh install pays for it: about 6 s of CPU for every
kernel of the package, the first time a study runs. A kernel called with a Fortran-ordered
matrix, a read-only array or 32-bit codes is compiled again for those types, so each
kernel is declared here with the one signature its callers use (C-contiguous, writable
float64, int64 and bool arrays) and its callers pass exactly those (:func:`c_array`);
the tests hold every kernel to its signature.

:func:`compile_ahead` compiles them all in the helper process
(:mod:`escalation.background`) while this process simulates or reads the data; numba's
cache then hands the machine code to this process when a kernel is first called (about
0.05 s each). The code compiled is the same either way, so are the results.

Examples
--------
>>> import numpy as np
>>> c_array(np.asfortranarray(np.eye(2))).flags.c_contiguous
True
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable
from typing import Any, Final, TypeVar

import numba
import numpy as np
import numpy.typing as npt

__all__ = [
    "B1",
    "BOOL",
    "F1",
    "F2",
    "I1",
    "c_array",
    "compile_ahead",
    "compile_all",
    "declared",
    "kernel",
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
    "escalation.predict.metrics",
)

_F = TypeVar("_F", bound=Callable[..., Any])
_DECLARED: dict[str, tuple[Any, tuple[Any, ...]]] = {}
_started = False


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
        A decorator returning the numba dispatcher (compiled on first call, as usual).
    """

    def declare(func: _F) -> _F:
        settings = {"cache": True, "nogil": True, "error_model": "numpy", **options}
        dispatcher = numba.njit(**settings)(func)
        _DECLARED[f"{func.__module__}.{func.__qualname__}"] = (dispatcher, tuple(signature))
        return dispatcher  # type: ignore[no-any-return]

    return declare


def declared() -> dict[str, tuple[Any, tuple[Any, ...]]]:
    """Return every kernel of the package: qualified name -> (dispatcher, signature)."""
    for module in MODULES:
        importlib.import_module(module)
    return dict(_DECLARED)


def c_array(values: npt.ArrayLike, dtype: npt.DTypeLike = np.float64) -> npt.NDArray[Any]:
    """Return ``values`` as a C-contiguous writable array of ``dtype`` (a copy only if needed).

    The form every kernel takes, so that each is compiled once (see the module notes).
    """
    out: npt.NDArray[Any] = np.require(values, dtype=dtype, requirements=("C", "W"))
    return out


def compile_all() -> dict[str, float]:
    """Compile (or load from numba's cache) every kernel; return the seconds each took."""
    seconds = {}
    for name, (dispatcher, signature) in declared().items():
        start = time.perf_counter()
        dispatcher.compile(signature)
        seconds[name] = time.perf_counter() - start
    return seconds


def compile_ahead() -> None:
    """Compile every kernel in the helper process while this one goes on (once per process).

    Does nothing on a single CPU (the helper would only compete with this process) or
    when the helper cannot start; a kernel not compiled ahead is compiled when first
    called, as without this. The result is not waited for.
    """
    global _started
    from escalation import background

    if _started or not background.available():
        return
    _started = True
    background.submit(compile_all)
