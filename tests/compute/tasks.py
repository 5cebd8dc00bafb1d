"""Small functions the compute tests send to worker processes.

They live apart from the test module so that a worker process (a joblib pool or a Dask
worker) imports only NumPy to run them, not everything the tests import.
"""

from __future__ import annotations

import os

import numpy as np


def draw(seed: int, scale: float) -> np.ndarray:
    return scale * np.random.default_rng(seed).normal(size=5)


def fails(item: int) -> int:
    if item == 3:
        raise ValueError("item 3 is bad")
    return item


def nested(item: int) -> list[int]:
    from escalation.compute import parallel_map

    return parallel_map(abs, [-item, item])


def trim_setting(_: int) -> str | None:
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def mean(rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.array([values[rows].mean(), np.median(values[rows])])


def warns(item: int) -> tuple[int, int]:
    import warnings

    from escalation.errors import StatisticalWarning

    warnings.warn(f"task {item} is sparse", StatisticalWarning, stacklevel=1)
    return item, os.getpid()


def dies(i: int) -> int:
    """Return ``i``, except for item 1, whose process dies (as one stopped for its memory)."""
    if i == 1:
        os._exit(3)
    return i
