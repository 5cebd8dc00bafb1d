"""Readers of the frozen R reference values in ``tests/reference/survival``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "survival"


def read(name: str) -> pd.DataFrame:
    """Return one frozen CSV of the survival reference folder."""
    return pd.read_csv(REFERENCE / name)


def spells() -> pd.DataFrame:
    """The 400 reference spells (ties, two causes, weights, clusters, strata)."""
    return read("spells.csv")


def counting() -> pd.DataFrame:
    """The reference (start, stop] rows with a time-varying covariate ``tv``."""
    return read("counting.csv")


def rossi() -> pd.DataFrame:
    """The Rossi recidivism data with ``duration`` and ``event`` columns."""
    return read("rossi.csv").rename(columns={"week": "duration", "arrest": "event"})


def tmerge() -> pd.DataFrame:
    """The timeline reference's frozen ``survival::tmerge`` rows (escalation's counting form)."""
    frame = pd.read_csv(REFERENCE.parent / "timeline" / "counting_tmerge.csv")
    return frame.assign(event=(frame["event"] == 1).astype(int))
