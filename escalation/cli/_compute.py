"""The ``--workers`` and ``--scheduler`` options shared by the commands that run parallel work."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from escalation.compute import ComputeEngine, use_compute
from escalation.design.study import StudyDesign

__all__ = ["add_compute_options", "compute_from"]


def add_compute_options(parser: Any) -> None:
    """Add ``--workers N`` and ``--scheduler ADDRESS`` to a sub-command's parser."""
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="local worker processes, -1 for every core (overrides the design's [compute] "
        "workers; default 1)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask cluster, e.g. tcp://host:8786 (overrides [compute])",
    )


def compute_from(
    args: argparse.Namespace, design: StudyDesign | None = None
) -> contextlib.AbstractContextManager[ComputeEngine]:
    """Return the compute context of the command: its options, else the design's section."""
    workers = getattr(args, "workers", None)
    scheduler = getattr(args, "scheduler", None)
    if workers is None and scheduler is None and design is not None:
        workers, scheduler = design.compute.workers, design.compute.scheduler
    return use_compute(workers=workers, scheduler=scheduler)
