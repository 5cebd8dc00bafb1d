"""The simulation study's result store: parts written whole, read back whole."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from escalation.simstudy.store import append_results, read_results


def _rows(replication: int) -> pd.DataFrame:
    return pd.DataFrame(
        {"scenario_id": ["s1"], "replication": [replication], "estimator": ["aipw"],
         "horizon": [365], "estimand": ["risk_difference"], "estimate": [0.1 * replication]}
    )  # fmt: skip


def test_a_failed_append_leaves_the_stored_results_readable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A flush that fails half-way (a full disk) left 'part-<token>.tmp' holding half a
    file, which the reader took for a part: every later read failed. The stored results
    read back as they were, and no other file is left."""
    import pyarrow.parquet as pq

    append_results(tmp_path, _rows(1))
    folder = tmp_path / "scenario_id=s1"
    (stored,) = folder.iterdir()
    before = stored.read_bytes()

    def half_then_full(table, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        Path(path).write_bytes(b"PAR1 half a file")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pq, "write_table", half_then_full)
    with pytest.raises(OSError, match="No space left"):
        append_results(tmp_path, _rows(2))
    monkeypatch.undo()
    assert [p.name for p in folder.iterdir()] == [stored.name]
    assert stored.read_bytes() == before
    read = read_results(tmp_path).drop(columns="scenario_id")
    pd.testing.assert_frame_equal(read, _rows(1).drop(columns="scenario_id"), check_dtype=False)
