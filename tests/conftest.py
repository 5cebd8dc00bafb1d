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
