"""Curves rebuilt from a risk-set table are unknown past each arm's follow-up.

Was: ``curves_from_risk_sets`` read every arm's Aalen–Johansen curve at every boundary
of the table, so an arm whose rows end earlier (here the untreated arm, at day 30, while
the treated arm goes on to day 60) was given its day-30 value at day 60 as if it were
known. The rule is the curves' own (``escalation.survival._outcome.past_follow_up``):
NaN past the arm's last follow-up.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalation.federated.risksets import curves_from_risk_sets

COLUMNS = ["estimate", "std_error", "conf_low", "conf_high"]


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["treated", "treated", "untreated"],
            "interval_start": [0.0, 30.0, 0.0],
            "interval_end": [30.0, 60.0, 30.0],
            "at_risk": [100, 80, 50],
            "events": [10, 10, 5],
            "competing": [0, 0, 0],
            "censored": [10, 10, 5],
        }
    )


def test_an_arm_whose_table_ends_early_is_unknown_after_it() -> None:
    curves = curves_from_risk_sets(_table()).set_index(["group", "time"])
    assert curves.loc[("untreated", 60.0), COLUMNS].isna().all()
    # within each arm's follow-up the values are read, not lost: by hand, 5/50 by day
    # 30 in the untreated arm; 10/100, then 0.9 * 10/80 more, in the treated arm
    np.testing.assert_allclose(curves.loc[("untreated", 30.0), "estimate"], 5 / 50)
    np.testing.assert_allclose(
        curves.loc["treated", "estimate"].to_numpy(), [0.0, 0.1, 0.1 + 0.9 * 10 / 80]
    )
    assert curves.loc[("treated", 60.0), COLUMNS].notna().all()


def test_an_arm_with_nobody_left_at_risk_is_unknown_after_its_last_exit() -> None:
    # every untreated spell has left by day 30: nobody is followed in (30, 60]
    table = pd.concat(
        [
            _table().iloc[:2],
            pd.DataFrame(
                {
                    "group": ["untreated"] * 2,
                    "interval_start": [0.0, 30.0],
                    "interval_end": [30.0, 60.0],
                    "at_risk": [20, 0],
                    "events": [5, 0],
                    "competing": [0, 0],
                    "censored": [15, 0],
                }
            ),
        ],
        ignore_index=True,
    )
    curves = curves_from_risk_sets(table).set_index(["group", "time"])
    np.testing.assert_allclose(curves.loc[("untreated", 30.0), "estimate"], 5 / 20)
    assert curves.loc[("untreated", 60.0), COLUMNS].isna().all()
