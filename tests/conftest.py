"""Test collection settings and fixtures shared by the whole suite."""

from __future__ import annotations

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
