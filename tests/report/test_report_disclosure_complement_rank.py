"""A group suppressed as the complement of another keeps its rank metrics, to 2 decimals.

In fairness.csv, where exactly one group of an attribute is suppressed, the smallest other
is suppressed too: its children and escalations would follow by subtraction from the test
set's, and its rates at an operating point (ratios of counts) would narrow them. Its rank
metrics (AUC, C-index, average precision) say nothing about its counts once rounded to 2
decimals (both counts at least 10: every product at least 100), so they are shown; not to
3, which only published counts could justify, and not where either exact count is below
the threshold.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from escalation.disclosure import (
    DEFAULT_RULES,
    DisclosureRules,
    disclose_count,
    disclose_metric_counts,
)
from escalation.predict.fairness import subgroup_metrics

#: Sex groups of the test set: (group, children, escalations). U is too small to show;
#: F, the smallest other, is withheld as its complement.
GROUPS = (("F", 1050, 80), ("M", 1195, 105), ("U", 20, 5))


def _test_set() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sex, escalation by the horizon (none censored before it) and risk of each child."""
    rng = np.random.default_rng(11)
    sex = np.concatenate([[group] * n for group, n, _ in GROUPS])
    escalated = np.zeros(len(sex), dtype=bool)
    for group, _, events in GROUPS:
        escalated[rng.choice(np.flatnonzero(sex == group), events, replace=False)] = True
    risk = np.clip(rng.normal(0.08 + 0.05 * escalated, 0.04), 0.001, 0.999)
    return sex, escalated, risk


def _published() -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    sex, escalated, risk = _test_set()
    duration = np.where(escalated, 100.0, 400.0)
    groups = pd.DataFrame({"sex": sex})
    table = subgroup_metrics(duration, escalated, risk, groups, 365, model="cox")
    return disclose_metric_counts(table, DEFAULT_RULES), sex, escalated, risk


def test_complement_group_shows_its_auc_to_2_decimals_and_withholds_its_counts() -> None:
    published, sex, escalated, risk = _published()
    f = published[published["group"] == "F"].set_index("metric")
    # An independent reference: no child is censored before the horizon, so the
    # time-dependent AUC is the ordinary one (sklearn), to 2 decimals, not 3.
    exact = roc_auc_score(escalated[sex == "F"], risk[sex == "F"])
    assert f.loc["auc", "estimate"] == round(exact, 2)
    assert not bool(f.loc["auc", "suppressed"])
    for metric in ("harrell_c", "uno_c", "average_precision"):
        value = float(f.loc[metric, "estimate"])
        assert np.isfinite(value) and value == round(value, 2), (metric, value)
    # Its counts and the metrics made of them stay withheld.
    assert f["n"].isna().all()
    counted = ["events", "observed", "recall_top10", "precision_top10", "fpr_gap_top10"]
    assert pd.to_numeric(f.loc[counted, "estimate"], errors="coerce").isna().all()
    assert f.loc[counted, "suppressed"].astype(bool).all()
    # M (not withheld) keeps its rank metrics as its published counts allow: 3 decimals.
    m = published[(published["group"] == "M") & (published["metric"] == "auc")]
    exact_m = roc_auc_score(escalated[sex == "M"], risk[sex == "M"])
    assert float(m["estimate"].iloc[0]) == round(exact_m, 3)


def test_complement_group_counts_still_cannot_be_worked_out_by_subtraction() -> None:
    published, sex, escalated, _ = _published()
    n_all, e_all = disclose_count(len(sex)), disclose_count(int(escalated.sum()))
    events = published[published["metric"] == "events"]
    shown = events[~events["suppressed"].astype(bool)]
    assert shown["group"].tolist() == ["M"]
    hidden = events[events["suppressed"].astype(bool)]
    assert hidden["n"].isna().all() and hidden["estimate"].isna().all()
    # With one group hidden the subtraction would give it back; with two it cannot.
    assert len(hidden) == 2
    assert n_all is not None and e_all is not None


def _hand_table(f_events: int) -> pd.DataFrame:
    """A fairness table of F (40 children), M (900) and U (suppressed, n missing)."""
    rows = []
    for group, n, events in (("F", 40, f_events), ("M", 900, 100), ("U", None, None)):
        blank = n is None
        for metric, value, low, high in (
            ("events", events, None, None),
            ("auc", 0.73849, 0.61151, 0.86449),
            ("recall_top10", 0.3, 0.2, 0.4),
        ):
            rows.append(
                {
                    "model": "cox",
                    "metric": metric,
                    "attribute": "sex",
                    "group": group,
                    "n": n,
                    "estimate": None if blank else value,
                    "conf_low": None if blank else low,
                    "conf_high": None if blank else high,
                    "suppressed": blank,
                }
            )
    return pd.DataFrame(rows)


def test_complement_group_auc_and_interval_rounded_from_exact_values() -> None:
    published = disclose_metric_counts(_hand_table(f_events=20))
    auc = published[(published["group"] == "F") & (published["metric"] == "auc")].iloc[0]
    # From the exact values (0.73849 is 0.74, not 0.738 then 0.74 by chance).
    assert (auc["estimate"], auc["conf_low"], auc["conf_high"]) == (0.74, 0.61, 0.86)
    assert pd.isna(auc["n"]) and not auc["suppressed"]


def test_complement_group_auc_blank_when_its_exact_counts_fall_short() -> None:
    # 8 escalations: the AUC rests on fewer than 10 and is not shown.
    few = disclose_metric_counts(_hand_table(f_events=8))
    auc = few[(few["group"] == "F") & (few["metric"] == "auc")].iloc[0]
    assert pd.isna(auc["estimate"]) and pd.isna(auc["conf_low"]) and auc["suppressed"]
    # 35 escalations of 40: 5 without, too few too.
    most = disclose_metric_counts(_hand_table(f_events=35))
    auc = most[(most["group"] == "F") & (most["metric"] == "auc")].iloc[0]
    assert pd.isna(auc["estimate"]) and auc["suppressed"]


def test_withheld_rank_decimals_hide_every_pair_of_counts_at_the_threshold() -> None:
    from escalation.disclosure import withheld_rank_decimals  # new: the other tests run on the base

    assert withheld_rank_decimals() == 2
    assert withheld_rank_decimals(DisclosureRules(threshold=5)) == 1  # 25 pairs: 0.04 apart
    assert withheld_rank_decimals(DisclosureRules(threshold=100)) == 3
