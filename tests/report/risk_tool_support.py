"""Validation metrics tables for the brief's risk-tool paragraph (constructed, no data)."""

from __future__ import annotations

from typing import Any

import pandas as pd

Stats = tuple[float, float, float]
#: The demo's structured Cox model (results/prediction_metrics.csv), rounded.
DEMO: dict[str, Stats] = {
    "recall_top10": (0.263, 0.230, 0.331),
    "precision_top10": (0.227, 0.186, 0.284),
    "auc": (0.675, 0.644, 0.720),
    "observed": (0.0871, 0.0759, 0.0993),
    "expected": (0.0816, 0.0784, 0.0844),
    "calibration_in_the_large": (0.0054, -0.0046, 0.0188),
    "calibration_slope": (0.759, 0.625, 0.939),
}
#: The demo's Cox model with case-note features.
DEMO_TEXT: dict[str, Stats] = {**DEMO, "auc": (0.660, 0.632, 0.701)}


def metrics_table(models: dict[str, dict[str, Stats]]) -> pd.DataFrame:
    """A validation's metrics table: one row per model and metric, at 365 days."""
    rows = [
        {
            "model": model,
            "feature_set": "structured+text" if model.endswith("+text") else "structured",
            "metric": metric,
            "estimate": e,
            "conf_low": lo,
            "conf_high": hi,
            "conf_level": 0.95,
            "horizon": 365,
        }
        for model, values in models.items()
        for metric, (e, lo, hi) in values.items()
    ]
    return pd.DataFrame(rows)


#: A modest gain from case notes: the AUC intervals overlap, the paired difference's does not.
GAIN: dict[str, Stats] = {
    **DEMO,
    "auc": (0.692, 0.662, 0.737),
    "auc_difference": (0.017, 0.004, 0.030),
}


def validated_and_shared_cards(
    model: str, subgroup_metrics: pd.DataFrame, *, n: int, events: int
) -> tuple[Any, Any]:
    """Return a model's card as validated and as shared (``disclose_model_card``).

    The card's whole-test-set metrics are ``n``, ``events`` and an AUC of 0.71 (0.68 to
    0.74); ``subgroup_metrics`` is the validation's fairness table, exact.
    """
    from escalation.disclosure import disclose_model_card
    from escalation.predict.modelcard import model_card

    metrics = pd.DataFrame(
        {"model": model, "metric": ["n", "events", "auc"],
         "estimate": [float(n), float(events), 0.71],
         "conf_low": [None, None, 0.68], "conf_high": [None, None, 0.74]}
    )  # fmt: skip
    raw = model_card(
        model, metrics, subgroup_metrics, description=f"{model}.", facts={}, oracle=None
    )
    return raw, disclose_model_card(raw, metrics, subgroup_metrics, events=events, n=n)
