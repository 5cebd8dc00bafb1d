"""Every bootstrap draw left out of an interval is counted, warned of and published.

Was (session 27's note, left open): a subgroup's precision is undefined on a bootstrap
draw in which nobody in the group is flagged, and such draws were dropped uncounted
(``fairness._group_draws`` kept only the draws where the metric existed or the status was
unknown): the interval described only the draws in which someone was flagged, however
many were not, with no word. The count of draws left out was also only ever in a warning,
never in ``metrics.csv``, the subgroup table or the model card.

Known truth by construction: 100 families of 6 spells; families 0-19 are group B, whose
risks are all below 0.1 except one spell in each of families 0 and 1 (risk 0.95), the
only B spells in the top 10% flagged. A draw flags somebody in B exactly when it draws
family 0 or 1 (probability 1 - 0.98^100 = 0.87), which is read from the draws directly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import StatisticalWarning
from escalation.predict import metrics
from escalation.predict.fairness import FAIRNESS_COLUMNS, subgroup_metrics
from escalation.predict.modelcard import model_card

HORIZON = 365


def _spells() -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(7)
    family = np.repeat(np.arange(100), 6)
    b = family < 20
    risk = np.where(b, rng.uniform(0.0, 0.1, 600), rng.uniform(0.2, 0.9, 600))
    risk[[0, 6]] = 0.95  # one spell each of families 0 and 1
    event = (rng.random(600) < 0.3).astype(int)
    duration = np.where(event == 1, rng.integers(10, 300, 600), rng.integers(400, 700, 600))
    return duration.astype(float), event, risk, family, np.where(b, "B", "A")


def test_draws_with_nobody_in_a_group_flagged_are_counted() -> None:
    duration, event, risk, family, group = _spells()
    replicates = metrics.bootstrap_indices(family, 200, seed=3)
    nobody = sum(not np.isin(r, [0, 6]).any() for r in replicates)
    assert 10 < nobody < 45  # about 200 x 0.98^100 = 26.5
    with pytest.warns(StatisticalWarning, match=rf"sex B precision_top10 {nobody}\b"):
        table = subgroup_metrics(
            duration, event, risk, pd.DataFrame({"sex": group}), HORIZON, model="m",
            replicates=replicates,
        )  # fmt: skip
    rows = table.set_index(["group", "metric"])
    assert rows.loc[("B", "precision_top10"), "draws_left_out"] == nobody
    # More than 5% of the draws: no interval (the rest describe only draws with a flag).
    assert rows.loc[("B", "precision_top10"), ["conf_low", "conf_high"]].isna().all()
    # Group A always has someone flagged: nothing left out, and its interval is shown.
    assert rows.loc[("A", "precision_top10"), "draws_left_out"] == 0
    assert rows.loc[("A", "precision_top10"), ["conf_low", "conf_high"]].notna().all()
    # The model card names them.
    card = model_card(
        "m", pd.DataFrame(columns=["model", "metric", "estimate", "conf_low", "conf_high"]),
        table, description="A model.", facts={}, oracle=None,
    )  # fmt: skip
    said = " ".join(card.limits)
    assert f"at most {nobody} draws each" in said and "nobody flagged" in said


def test_the_metrics_table_and_card_publish_the_draws_left_out() -> None:
    from escalation.predict.validate import _metric_table

    duration, event, risk, family, _ = _spells()
    # Follow-up ends before the horizon outside families 0-1: a draw without them has
    # no known status (observed risk, AUC, Brier unknown), read from the draws.
    duration = np.where(family < 2, duration + 400, np.minimum(duration, 300.0))
    replicates = metrics.bootstrap_indices(family, 200, seed=3)
    unknown = sum(duration[r].max() < HORIZON for r in replicates)
    assert unknown > 0
    with pytest.warns(StatisticalWarning):
        table, _ = _metric_table(
            "cox", "structured", duration, event, risk, np.c_[risk / 2, risk],
            np.array([100.0, 365.0]), HORIZON, flags=(0.1,), replicates=replicates,
            conf_level=0.95, competing="control",
        )  # fmt: skip
    rows = table.set_index("metric")
    assert rows.loc["observed", "draws_left_out"] == unknown
    assert rows.loc["harrell_c", "draws_left_out"] == 0  # no status needed
    assert pd.isna(rows.loc["n", "draws_left_out"])  # a count: no interval
    card = model_card(
        "cox", table, pd.DataFrame(columns=list(FAIRNESS_COLUMNS)),
        description="A model.", facts={}, oracle=None,
    )  # fmt: skip
    assert f"Observed risk (Aalen–Johansen) {unknown}" in " ".join(card.limits)
