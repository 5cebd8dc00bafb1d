"""The decision curve publishes the bootstrap draws its intervals left out (session 28).

A draw whose net benefit cannot be computed (every spell drawn ended, censored, before
the horizon) is left out of the interval, counted and warned of; the count was not
written to ``decision_curve.csv`` as the metric tables write theirs (``draws_left_out``).
Here 70 spells: 60 escalated by 300 days or followed past the horizon of 365 days, 10
censored at 100 days; the draws are built by hand, 7 of 40 drawing only the censored
ones, so at least 7 of each row's draws are left out (the count known by construction).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from escalation.disclosure import DisclosureRules, disclose_decision_curve
from escalation.predict.validate import _decision_curve


def test_decision_curve_counts_its_draws_left_out() -> None:
    rng = np.random.default_rng(28)
    escalated = np.arange(60) % 3 == 0  # by 50 to 300 days; the others followed past 400
    duration = np.r_[np.where(escalated, rng.uniform(50, 300, 60), rng.uniform(400, 900, 60)),
                     np.full(10, 100.0)]  # fmt: skip
    event = np.r_[escalated.astype(int), np.zeros(10, dtype=int)]
    risk = np.r_[np.linspace(0.05, 0.6, 60), np.full(10, 0.3)]
    censored_only = [rng.integers(60, 70, 70) for _ in range(7)]
    mixed = [rng.integers(0, 70, 70) for _ in range(33)]
    replicates = [r.astype(np.int64) for r in censored_only + mixed]
    thresholds = np.array([0.1, 0.2, 0.5])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        curve = _decision_curve(
            duration, event, risk, 365, thresholds, replicates, conf_level=0.95,
            competing="control",
        )  # fmt: skip
    drawn = [r for r in mixed if (r < 60).any()]
    left_out = 40 - len(drawn)  # 7, and any mixed draw of censored spells only
    assert left_out >= 7
    assert any(f"{left_out} of 40" in str(w.message) for w in caught), [
        str(w.message) for w in caught
    ]
    assert "draws_left_out" in curve.columns
    made = curve[curve["model"] != "treat_none"]
    assert made["draws_left_out"].tolist() == [left_out] * len(made)
    none = curve[curve["model"] == "treat_none"]
    assert none["draws_left_out"].tolist() == [0, 0, 0]
    # Shared: kept where the net benefit is shown, blanked with it where it is not.
    predictions = pd.DataFrame({"model": "model", "risk": risk})
    # (a threshold of 5 for these 70 spells: some points shown, some not)
    shared = disclose_decision_curve(
        curve, predictions, rules=DisclosureRules(threshold=5, rounding=1)
    )
    hidden = shared["suppressed"].to_numpy()
    made = (shared["model"] != "treat_none").to_numpy()
    assert hidden.any() and (~hidden & made).any(), shared
    assert shared.loc[hidden, "draws_left_out"].isna().all()
    assert shared.loc[~hidden & made, "draws_left_out"].tolist() == [left_out] * int(
        (~hidden & made).sum()
    )
