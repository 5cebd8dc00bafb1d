"""A bootstrap called from Python shows its refits' warnings once per kind, with the count.

Was: ``estimate_effects(data, bootstrap=20)`` on a simulated authority of 1,500 children
printed 127 statistical warnings, one for every refit that separated, differing only in
the coefficients named and their values, each against a line of the package
(``escalation/causal/bootstrap.py:169`` from the process pool, the model's own line in this
process), so Python's "once per location and message" could not merge them. Now 26: the
refits' warnings once per kind, the first in full with the count of the others, against
the caller's line.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest

import escalation
from escalation.causal import cluster_bootstrap
from escalation.errors import StatisticalWarning

N_BOOT = 12
CLUSTER = np.arange(40) // 2
VALUES = np.arange(40.0)
#: Numbers for the warnings' texts, different on every resample (positive: a sign is text).
NOISE = np.random.default_rng(0).random(40)
MORE = f"(and {N_BOOT - 1} more like it during the bootstrap refits)"


def _refitted(rows: np.ndarray) -> bool:
    """Whether ``rows`` are a resample (the first call, on every row once, is not)."""
    return bool(np.unique(rows).size < rows.size)


def _warning(rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    """A statistic whose refits warn twice, in other numbers each time, and once otherwise."""
    if _refitted(rows):
        noise = NOISE[rows].mean()
        warnings.warn(f"the fit stopped at {noise:.9f}", StatisticalWarning, stacklevel=1)
        warnings.warn(f"weights were truncated at {noise:.9f}", StatisticalWarning, stacklevel=1)
        warnings.warn(f"a dependency's remark {noise:.9f}", RuntimeWarning, stacklevel=1)
    return np.array([values[rows].mean()])


@contextmanager
def _shown(*, action: str = "default") -> Iterator[list[warnings.WarningMessage]]:
    """Collect the warnings shown (as a terminal would show them), not recorded ones.

    ``catch_warnings(record=True)`` receives every warning as raised, as before; a shown
    warning passes through ``warnings.showwarning``, replaced here.
    """
    shown: list[warnings.WarningMessage] = []

    def show(*shown_as: object) -> None:
        shown.append(warnings.WarningMessage(*shown_as))  # type: ignore[arg-type]

    with warnings.catch_warnings():
        warnings.simplefilter(action)
        warnings.showwarning = show
        yield shown


def _texts(shown: list[warnings.WarningMessage], part: str) -> list[str]:
    return [str(w.message) for w in shown if part in str(w.message)]


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_bootstrap_warnings_reach_the_caller_once_per_kind_with_the_count(n_jobs: int) -> None:
    with _shown() as shown:
        replicates = cluster_bootstrap(
            _warning, CLUSTER, N_BOOT, args=(VALUES,), seed=5, n_jobs=n_jobs, progress=False
        )
    stopped, truncated = _texts(shown, "the fit stopped"), _texts(shown, "were truncated")
    assert len(stopped) == 1 and stopped[0].endswith(MORE), stopped
    assert len(truncated) == 1 and truncated[0].endswith(MORE), truncated
    grouped = [w for w in shown if issubclass(w.category, StatisticalWarning)]
    assert len(grouped) == 2
    assert all(w.filename == __file__ for w in grouped)  # this line, not the package's
    assert all(w.message.more_like_it == N_BOOT - 1 for w in grouped)  # type: ignore[union-attr]
    # Other warnings are passed on unchanged, one by one.
    assert sum(issubclass(w.category, RuntimeWarning) for w in shown) == N_BOOT
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quiet = cluster_bootstrap(_warning, CLUSTER, N_BOOT, args=(VALUES,), seed=5, n_jobs=1)
    np.testing.assert_array_equal(replicates, quiet)


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_bootstrap_warnings_pass_the_callers_filters_first(n_jobs: int) -> None:
    run = {"args": (VALUES,), "seed": 5, "n_jobs": n_jobs, "progress": False}
    with _shown() as shown:
        warnings.filterwarnings("ignore", message="weights were truncated")
        cluster_bootstrap(_warning, CLUSTER, N_BOOT, **run)  # type: ignore[arg-type]
    assert not _texts(shown, "truncated")  # never shown, never counted
    assert [t.endswith(MORE) for t in _texts(shown, "the fit stopped")] == [True]
    with _shown(action="ignore") as shown:
        cluster_bootstrap(_warning, CLUSTER, N_BOOT, **run)  # type: ignore[arg-type]
    assert shown == []
    with (
        _shown() as shown,
        pytest.raises(StatisticalWarning, match=r"^the fit stopped at [0-9.]+$"),
    ):
        warnings.simplefilter("error", StatisticalWarning)
        cluster_bootstrap(_warning, CLUSTER, N_BOOT, **run)  # type: ignore[arg-type]
    assert not [w for w in shown if issubclass(w.category, StatisticalWarning)]


def test_recorded_warnings_arrive_one_by_one_as_raised() -> None:
    """What counts warnings (the simulation study, pytest) records each, as before."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        cluster_bootstrap(_warning, CLUSTER, N_BOOT, args=(VALUES,), seed=5, n_jobs=1)
    assert len(_texts(caught, "the fit stopped")) == N_BOOT
    assert not _texts(caught, "more like it")


def _labelled(rows: np.ndarray, label: str, barrier: threading.Barrier) -> np.ndarray:
    """Warn with ``label``, in step with the other thread's bootstrap."""
    barrier.wait(timeout=30)
    if _refitted(rows):
        warnings.warn(f"{label} {NOISE[rows].mean():.9f}", StatisticalWarning, stacklevel=1)
    return np.array([float(rows.size)])


def test_bootstraps_in_threads_each_count_their_own_warnings() -> None:
    """Two threads run bootstraps in this process at once (a Dask worker's threads do)."""
    barrier = threading.Barrier(2)
    done: dict[str, np.ndarray] = {}

    def run(label: str) -> None:
        done[label] = cluster_bootstrap(
            _labelled, CLUSTER, N_BOOT, args=(label, barrier), seed=1, n_jobs=1, progress=False
        )

    with _shown() as shown:
        before = (warnings.showwarning, list(warnings.filters))
        threads = [threading.Thread(target=run, args=(label,)) for label in ("alpha", "beta")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
        after = (warnings.showwarning, list(warnings.filters))
    assert sorted(done) == ["alpha", "beta"]
    for label in ("alpha", "beta"):
        (text,) = _texts(shown, label)
        assert text.endswith(MORE), text
    assert after == before


def test_bootstrap_warnings_on_a_terminal_once_per_kind_against_the_callers_line(
    tmp_path: Path,
) -> None:
    """Python's own ``showwarning``, printing on standard error (the in-process path)."""
    script = textwrap.dedent(
        """
        import warnings
        import numpy as np
        from escalation.causal import cluster_bootstrap
        from escalation.errors import StatisticalWarning

        def statistic(rows):
            if np.unique(rows).size < rows.size:
                warnings.warn(f"stopped at {np.sqrt(rows).sum()}", StatisticalWarning)
            return np.array([rows.mean()])

        cluster_bootstrap(statistic, np.arange(40) // 2, 12, n_jobs=1, progress=False)
        """
    )
    tested = str(Path(escalation.__file__).parents[1])  # the package these tests import
    run = subprocess.run(
        [sys.executable, "-c", script],
        env={**os.environ, "PYTHONPATH": tested},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    lines = [line for line in run.stderr.splitlines() if "StatisticalWarning" in line]
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("<string>:12: StatisticalWarning: stopped at ")  # the call
    assert lines[0].endswith(MORE)


def test_grouped_warning_leaves_the_first_as_raised_whatever_copyreg_holds() -> None:
    """With tblib's reducers for exceptions registered (distributed installs them), a
    copy of a warning shared its attributes with the original: grouping set the first
    warning's own ``more_like_it`` (found by the full test suite, where a Dask test had
    installed them)."""
    import copyreg

    from escalation.warning_kinds import with_more_like_it

    pickling_support = pytest.importorskip("tblib.pickling_support")  # with distributed

    copyreg.pickle(StatisticalWarning, pickling_support.pickle_exception)
    try:
        first = StatisticalWarning("3 spells ended early", design_key="[outcome] horizons")
        grouped = with_more_like_it(first, 4)
    finally:
        copyreg.dispatch_table.pop(StatisticalWarning, None)
    assert (grouped.more_like_it, first.more_like_it) == (4, 0)
    assert str(first) == "3 spells ended early"
    assert grouped.design_key == "[outcome] horizons"


class _HorizonWarning(StatisticalWarning):
    """A subclass a caller may filter by, with an attribute of its own."""

    def __init__(self, message: str, horizon: int) -> None:
        super().__init__(message, design_key="[outcome] horizons")
        self.horizon = horizon


def _subclassed(rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    if _refitted(rows):
        warnings.warn(
            _HorizonWarning(f"past follow-up at {NOISE[rows].mean():.9f}", 730), stacklevel=1
        )
    return np.array([values[rows].mean()])


def test_grouped_warning_keeps_the_class_of_the_first() -> None:
    """The grouped warning was a plain StatisticalWarning whatever the refits raised: a
    filter on the subclass (``filterwarnings("error", category=...)``) no longer matched."""
    with _shown() as shown:
        cluster_bootstrap(
            _subclassed, CLUSTER, N_BOOT, args=(VALUES,), seed=5, n_jobs=1, progress=False
        )
    (grouped,) = [w for w in shown if issubclass(w.category, StatisticalWarning)]
    assert grouped.category is _HorizonWarning
    message = grouped.message
    assert isinstance(message, _HorizonWarning) and str(message).endswith(MORE)
    assert (message.horizon, message.design_key, message.more_like_it) == (
        730,
        "[outcome] horizons",
        N_BOOT - 1,
    )
