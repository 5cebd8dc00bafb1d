"""Subgroup metrics: grouping, suppression, gaps that reflect a known bias."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.disclosure import disclose_metric_counts
from escalation.errors import DesignError
from escalation.predict.fairness import (
    FAIRNESS_COLUMNS,
    fairness_groups,
    fairness_table,
    subgroup_metrics,
)
from escalation.predict.metrics import bootstrap_indices


def test_groups_follow_the_cin_census_major_groups() -> None:
    spells = pd.DataFrame(
        {
            "ethnicity": pd.Categorical(["WROM", "MWAS", "APKN", "BCRB", "CHNE", "NOBT", None]),
            "imd_decile": [1, 2, 3, 4, 9, 10, None],
        }
    )
    groups = fairness_groups(spells)
    assert groups["ethnicity"].tolist() == [
        "White", "Mixed", "Asian", "Black", "Other", "Not known", "Not known",
    ]  # fmt: skip
    assert groups["deprivation"].tolist() == [
        "Q1 (most deprived)", "Q1 (most deprived)", "Q2", "Q2", "Q5 (least deprived)",
        "Q5 (least deprived)", "missing",
    ]  # fmt: skip
    assert list(groups.columns) == ["ethnicity", "deprivation"]


def biased(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame]:
    """Group B escalates twice as often, but the model gives everyone group A's risk."""
    rng = np.random.default_rng(seed)
    group = np.where(rng.random(n) < 0.3, "B", "A")
    base = rng.uniform(0.05, 0.4, n)
    true = np.where(group == "B", np.minimum(2 * base, 0.95), base)
    escalated = rng.random(n) < true
    duration = np.where(escalated, rng.uniform(1, 360, n), rng.uniform(200, 900, n))
    event = np.where(escalated, 1, 0)
    groups = pd.DataFrame({"sex": group, "disability": np.where(np.arange(n) < 8, "yes", "no")})
    return duration, event, base, groups


def test_under_predicted_group_shows_calibration_gap_and_is_missed_more() -> None:
    duration, event, risk, groups = biased(4000, 1)
    reps = bootstrap_indices(np.arange(4000) // 2, 30, seed=2)
    table = subgroup_metrics(duration, event, risk, groups, 365, model="m", replicates=reps)
    assert list(table.columns) == list(FAIRNESS_COLUMNS)
    sex = table[table["attribute"] == "sex"].set_index(["metric", "group"])
    # observed minus expected: about the mean base risk (0.225) for B, about 0 for A
    assert sex.loc[("calibration_in_the_large", "B"), "estimate"] > 0.15
    assert abs(sex.loc[("calibration_in_the_large", "A"), "estimate"]) < 0.03
    # flagged by the same cut-off, B's escalations are spread over lower scores than
    # they would be with a correct model: B is not flagged more than A though its risk
    # is double, so B's cases are missed at least as often
    assert sex.loc[("fnr_gap_top10", "B"), "estimate"] > -0.05
    low, high = sex.loc[("calibration_in_the_large", "B"), ["conf_low", "conf_high"]]
    assert low < sex.loc[("calibration_in_the_large", "B"), "estimate"] < high
    # eight disabled children: suppressed, with no estimate; the exact n is kept (the
    # table as computed, for use inside the authority), withheld when published
    small = table[(table["attribute"] == "disability") & (table["group"] == "yes")]
    assert small["suppressed"].all() and small["estimate"].isna().all()
    assert (small["n"] == 8).all()
    published = disclose_metric_counts(table)
    shared = published[(published["attribute"] == "disability") & (published["group"] == "yes")]
    assert shared["n"].isna().all()
    big = table[(table["attribute"] == "disability") & (table["group"] == "no")]
    assert not big["suppressed"].any() and (big["n"] == 3992).all()


def test_gaps_are_group_minus_overall() -> None:
    duration, event, risk, groups = biased(2000, 3)
    table = subgroup_metrics(duration, event, risk, groups[["sex"]], 365, model="m")
    t = table.set_index(["metric", "group"])["estimate"]
    for rate in ("fnr", "fpr"):
        gap_a = t[(f"{rate}_gap_top10", "A")]
        gap_b = t[(f"{rate}_gap_top10", "B")]
        assert t[(f"{rate}_top10", "A")] - gap_a == pytest.approx(t[(f"{rate}_top10", "B")] - gap_b)


def test_fairness_table_resamples_families_and_keeps_chosen_metrics() -> None:
    duration, event, risk, groups = biased(1500, 5)
    spells = pd.DataFrame(
        {
            "child_id": [f"c{i}" for i in range(1500)],
            "family_id": [f"f{i // 3}" for i in range(1500)],
            "duration": duration,
            "event": event,
            "sex": groups["sex"],
        }
    )
    table = fairness_table(spells, risk, 365, bootstrap=30, seed=4)
    assert set(table["metric"]) == {"precision_top10", "recall_top10"}
    again = fairness_table(spells, risk, 365, bootstrap=30, seed=4)
    pd.testing.assert_frame_equal(table, again)
    direct = subgroup_metrics(duration, event, risk, groups[["sex"]], 365, model="model")
    merged = table.merge(direct, on=["metric", "attribute", "group"], suffixes=("", "_direct"))
    assert np.allclose(merged["estimate"], merged["estimate_direct"])
    everything = fairness_table(spells, risk, 365, metrics=None, bootstrap=0)
    assert {"auc", "calibration_in_the_large", "fnr_gap_top10"} <= set(everything["metric"])


def _sex_spells(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray]:
    duration, event, risk, groups = biased(n, seed)
    ids = {"child_id": [f"c{i}" for i in range(n)], "family_id": [f"f{i // 2}" for i in range(n)]}
    frame = pd.DataFrame({**ids, "duration": duration, "event": event, "sex": groups["sex"]})
    return frame, risk


def test_fairness_table_default_metrics_follow_the_shares_flagged() -> None:
    # flags=(0.05,) with the default metrics (the top 10%'s) gave an empty table.
    spells, risk = _sex_spells(600, 7)
    table = fairness_table(spells, risk, 365, flags=(0.05, 0.2), bootstrap=0)
    assert set(table["metric"]) == {
        "precision_top5", "recall_top5", "precision_top20", "recall_top20",
    }  # fmt: skip
    everything = fairness_table(spells, risk, 365, flags=(0.05, 0.2), metrics=None, bootstrap=0)
    kept = everything[everything["metric"].isin(table["metric"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(table, kept)
    one = fairness_table(spells, risk, 365, flags=(0.05, 0.2), metrics=["fnr_gap"], bootstrap=0)
    assert set(one["metric"]) == {"fnr_gap_top5", "fnr_gap_top20"}


def test_fairness_table_refuses_a_metric_it_does_not_have() -> None:
    # A misspelt name was dropped silently, leaving the other metrics' rows.
    spells, risk = _sex_spells(600, 7)
    with pytest.raises(DesignError) as error:
        fairness_table(spells, risk, 365, metrics=("recall_top_10", "auc", "recall_top5"))
    message = str(error.value)
    assert "unknown metric(s) 'recall_top_10', 'recall_top5' with flags=(0.1,)" in message
    assert "recall_top10" in message and "auc" in message


def test_group_bootstrap_on_two_workers_equals_the_one_here() -> None:
    duration, event, risk, groups = biased(1200, 6)
    reps = bootstrap_indices(np.arange(1200) // 2, 6, seed=3)
    here = subgroup_metrics(duration, event, risk, groups, 365, model="m", replicates=reps)
    two = subgroup_metrics(duration, event, risk, groups, 365, model="m", replicates=reps, n_jobs=2)
    pd.testing.assert_frame_equal(here, two)
    assert here["conf_low"].notna().any()
