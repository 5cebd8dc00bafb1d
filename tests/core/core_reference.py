"""Readers of the frozen R output in ``tests/reference/core`` (made by ``core.R``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "core"


def read(name: str) -> pd.DataFrame:
    """Return one frozen CSV of the core reference folder."""
    return pd.read_csv(REFERENCE / name)
