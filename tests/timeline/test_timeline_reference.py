"""The counting-process data against R's survival::tmerge (frozen reference, R not needed).

Inputs and script: tests/reference/timeline/ (make_inputs.py, timeline.R). The R script
rebuilds the (start, stop] rows from the spells and the raw early-help episodes.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from escalation.data.io import read_case_history
from escalation.design import read_design
from escalation.timeline import build_spells

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "timeline"


def test_counting_process_matches_survival_tmerge() -> None:
    history = read_case_history(REFERENCE / "history")
    data = build_spells(history, read_design(REFERENCE / "design.toml"))
    frozen_spells = pd.read_csv(REFERENCE / "spells.csv", parse_dates=["time_zero"])
    columns = list(frozen_spells.columns)
    pd.testing.assert_frame_equal(
        data.spells[columns].astype({"child_id": object}), frozen_spells, check_dtype=False
    )
    expected = pd.read_csv(REFERENCE / "counting_tmerge.csv")
    got = data.counting[list(expected.columns)].reset_index(drop=True)
    assert len(got) == len(expected) > len(data.spells)
    assert got["treatment_tv"].sum() > 0
    # The reference exercises day-0 changes (0.5) and early help before time zero.
    assert (expected["start"] == 0.5).any()
    assert ((expected["start"] == 0) & (expected["early_help_episodes"] > 0)).any()
    pd.testing.assert_frame_equal(got, expected, check_dtype=False)
