"""Test collection settings and fixtures shared by the whole suite."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# The scripts under tests/reference generate frozen inputs for the R references. They are run
# by hand, never imported by the suite (doctest collection would execute and rewrite them).
collect_ignore = ["reference"]


@pytest.fixture(scope="session")
def dask_scheduler() -> Iterator[str]:
    """The address of one local Dask cluster (two worker processes) for the whole session.

    Tests reach it the way a user with a cluster does (``--scheduler ADDRESS``); starting one
    cluster per session rather than per module keeps the suite fast.
    """
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        yield str(cluster.scheduler_address)


@pytest.fixture(scope="session", autouse=True)
def _figures_drawn_in_the_study_process() -> Iterator[None]:
    """Studies draw their figures in their own process unless a test asks for the helper.

    ``run_study`` hands figures to a helper process when the machine has a spare CPU
    (:func:`escalation.background.available`). Under ``pytest -n auto`` (pytest-xdist) every
    CPU already runs a test worker, so a helper per worker only adds its start-up (importing the
    plotting stack) and the pickling of every figure: about 15% of each study's CPU time.
    The helper path itself is tested explicitly (``background_figures=True`` in
    ``tests/report/test_report_pipeline.py`` and ``tests/test_background.py``), including
    that it writes the same files byte for byte.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield  # one process: the helper has a CPU of its own
        return
    import escalation.pipeline as pipeline

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pipeline, "available", lambda: False)
        yield


@pytest.fixture(scope="session", autouse=True)
def _one_core_for_each_test_worker() -> Iterator[None]:
    """Under ``pytest -n auto`` every test worker has one core: defaults use one process.

    The package's default is every core (:func:`escalation.compute.available_cores`): a
    bootstrap, cross-validation or rule learning left at its default starts a pool of worker
    processes, and BLAS and OpenMP (scikit-learn's gradient boosting) start a thread per core.
    With every core already running a test worker, those pools only add their start-up
    (each pool process imports the scientific stack), the pickling of the data and threads
    spinning while they wait for a core. So each test worker reports one core, and BLAS and
    OpenMP run on one thread.

    Results do not depend on the number of processes or threads; that is tested explicitly
    with two workers where it matters (``n_jobs=2`` or ``workers=2`` in ``tests/test_jobs.py``,
    ``tests/compute``, ``tests/causal/test_causal_weights.py``,
    ``tests/predict/test_predict_fairness.py``, ``tests/policy/test_policy_rules.py`` and
    ``tests/simstudy``), and those explicit pools still start.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield  # one process: the package's defaults are tested as a user meets them
        return
    from threadpoolctl import threadpool_limits

    import escalation.compute as compute

    with pytest.MonkeyPatch.context() as patch, threadpool_limits(limits=1):
        patch.setattr(compute, "available_cores", lambda: 1)
        yield


@pytest.fixture
def png_figures() -> Iterator[None]:
    """Figures written as PNG alone during the test (see ``tests/figure_formats.py``)."""
    from tests.figure_formats import png_figures as only_png

    with only_png():
        yield
