"""Which risk model the brief describes, and the calibration caption that names it."""

from __future__ import annotations

import pandas as pd

from escalation.pipeline import _described_model


def _metrics(rows: dict[str, dict[str, float | None]]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"model": model, "metric": metric, "estimate": value}
            for model, metrics in rows.items()
            for metric, value in metrics.items()
        ],
        columns=["model", "metric", "estimate"],
    )


def test_the_described_model_is_the_first_with_recall_and_precision_disclosed() -> None:
    full = {"events": 40.0, "auc": 0.7, "recall_top10": 0.26, "precision_top10": 0.23}
    both = _metrics({"cox": full, "gradient_boosting": full})
    assert _described_model(both) == "cox"
    # The first model's counts do not make it the lead: its metrics do.
    withheld = {**full, "recall_top10": None}
    assert _described_model(_metrics({"cox": withheld, "gradient_boosting": full})) is None
    counts_only = _metrics({"cox": {"events": 40.0}, "gradient_boosting": full})
    assert _described_model(counts_only) == "gradient_boosting"
    assert _described_model(_metrics({})) is None
