"""A group's count of bootstrap draws left out is blanked with its other statistics.

``draws_left_out`` (how many bootstrap draws a group's interval left out: the group not
drawn, no escalation of it drawn, nobody of it flagged) was blanked for a group
suppressed as computed, but not where complementary suppression then blanked another
group's rates beside it (session 28): the complement's estimate and interval were
blank, its draws left out shown. It is now blanked with the row's statistics wherever
they are (one rule, ``escalation.disclosure._models.blank_statistics``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalation.disclosure import DEFAULT_RULES, disclose_metric_counts
from escalation.predict.fairness import FAIRNESS_COLUMNS


def _table() -> pd.DataFrame:
    """Sex: F and M shown as computed, U (8 children) suppressed when computed."""
    rows = []
    # group, n, escalations, flagged who escalated, flagged, suppressed
    for group, n, events, caught, flagged, small in (
        ("F", 1050, 80, 20, 100, False),
        ("M", 1195, 105, 30, 120, False),
        ("U", 8, 2, 1, 1, True),
    ):
        for metric, value in (
            ("events", events),
            ("recall_top10", caught / events),
            ("precision_top10", caught / flagged),
        ):
            interval = metric != "events"
            rows.append(
                {
                    "model": "cox",
                    "metric": metric,
                    "attribute": "sex",
                    "group": group,
                    "n": n,
                    "estimate": np.nan if small else value,
                    "conf_low": np.nan if small or not interval else value * 0.8,
                    "conf_high": np.nan if small or not interval else value * 1.2,
                    "suppressed": small,
                    "draws_left_out": pd.NA if small or not interval else 3,
                }
            )
    table = pd.DataFrame(rows, columns=list(FAIRNESS_COLUMNS))
    table["draws_left_out"] = table["draws_left_out"].astype("Int64")
    return table


def test_draws_left_out_are_blanked_where_complementary_suppression_blanks_a_group() -> None:
    shared = disclose_metric_counts(_table(), DEFAULT_RULES)
    rates = shared[shared["metric"] != "events"].set_index("group")
    # F (1,050 children), the smallest beside the suppressed U, is withheld as its complement
    assert rates.loc["F", "suppressed"].all()
    assert rates.loc["F", "estimate"].isna().all()
    assert rates.loc["F", "draws_left_out"].isna().all(), rates
    # M is shown, with its draws left out
    assert not rates.loc["M", "suppressed"].any()
    assert rates.loc["M", "draws_left_out"].tolist() == [3, 3]
    assert str(shared["draws_left_out"].dtype) == "Int64"
