"""Rank metrics (AUC, C-index, average precision) do not give back the counts they rest on.

An AUC without ties is C/(E·N): the pairs of one of E escalations and one of N
non-escalations that the model ranks rightly (with ties (2C + T)/(2·E·N)). At full
precision it gives back E·N, and beside E and N rounded to 5 (each within 2) it tells
which of the candidate counts is the true one. Rounded to 2 decimals when the larger
count is below 100 (3 above), every interval of that width holds a ratio k/(E'·N') for
every candidate (E', N'), so none can be told from another. Each test attacks the
published value with every candidate the published counts allow.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalation import disclosure
from escalation.disclosure import (
    DisclosureRules,
    disclose_count,
    disclose_metric_counts,
    disclose_share,
)
from escalation.predict.fairness import subgroup_metrics
from escalation.predict.metrics import score_risks

HORIZON = 365.0
#: The rank metrics of a risk tool's tables (by name, as the validation writes them).
RANK_NAMES = ("auc", "auc_difference", "harrell_c", "uno_c", "average_precision")


def shown_decimals(value: float) -> int:
    """Return the decimals ``value`` is written with (as a CSV writes it)."""
    exponent = Decimal(repr(float(value))).as_tuple().exponent
    assert isinstance(exponent, int)
    return max(0, -exponent)


def fits(value: float, pairs: int) -> bool:
    """Whether some k/(2·pairs), k whole, is written as ``value`` at its decimals.

    2·pairs: an AUC with tied risks counts a tie as half a pair ranked rightly.
    """
    half = 0.5 * 10.0 ** -shown_decimals(value)
    scale = 2 * pairs
    low, high = (value - half) * scale, (value + half) * scale
    return math.floor(high + 1e-9) >= math.ceil(low - 1e-9)


def candidates(events: int, n: int) -> list[tuple[int, int]]:
    """Every (escalations, non-escalations) the published ``events`` and ``n`` allow."""
    shown_e, shown_n = disclose_count(events), disclose_count(n)
    es = [e for e in range(max(0, events - 10), events + 11) if disclose_count(e) == shown_e]
    ns = [m for m in range(max(0, n - 10), n + 11) if disclose_count(m) == shown_n]
    return [(e, m - e) for e in es for m in ns if m - e >= 10]


def excluded(value: float, events: int, n: int) -> list[tuple[int, int]]:
    """Return the candidate counts that the published ``value`` rules out."""
    return [(e, m) for e, m in candidates(events, n) if not fits(value, e * m)]


def _small_group(seed: int = 3) -> tuple[pd.DataFrame, int, int]:
    """400 test children: a large group, and one of 88 (23 escalations, 65 not).

    No child is censored before the horizon, so each AUC is an exact ratio of counts.
    """
    rng = np.random.default_rng(seed)
    n, small, events_small = 400, 88, 23
    escalated = rng.random(n) < 0.2
    escalated[:small] = np.arange(small) < events_small
    risk = np.clip(0.15 + 0.2 * escalated + rng.normal(0, 0.15, n), 0.01, 0.99)
    frame = pd.DataFrame(
        {
            "duration": np.where(escalated, rng.integers(1, 365, n), 400.0),
            "event": escalated.astype(int),
            "risk": risk,
            "sex": np.where(np.arange(n) < small, "M", "F"),
        }
    )
    return frame, events_small, small


def test_a_small_groups_auc_no_longer_names_its_counts() -> None:
    """fairness.csv: a group of 88 children (23 escalations) showed its AUC to 17 digits,
    which ruled out every candidate count but the true ones; disclosed, it rules out none."""
    data, events, n = _small_group()
    table = subgroup_metrics(
        data["duration"], data["event"], data["risk"], data[["sex"]], HORIZON, model="cox"
    )
    exact = table.set_index(["group", "metric"])["estimate"].astype(float)
    assert exact["M", "events"] == events
    auc = float(exact["M", "auc"])
    # The attack works on the exact value: only the true counts fit.
    assert excluded(auc, events, n) == [
        c for c in candidates(events, n) if c != (events, n - events)
    ]
    shown = disclose_metric_counts(table)
    row = shown[(shown["group"] == "M") & (shown["metric"] == "auc")].iloc[0]
    published = float(row["estimate"])
    assert not row["suppressed"]
    assert excluded(published, events, n) == []
    assert shown_decimals(published) <= 2  # fewer than 100 escalations and non-escalations
    assert abs(published - auc) <= 0.005
    for name in set(RANK_NAMES) & set(shown["metric"]):
        for group in ("F", "M"):
            value = shown.loc[(shown["group"] == group) & (shown["metric"] == name), "estimate"]
            assert shown_decimals(float(value.iloc[0])) <= 3, (group, name)


def test_a_small_test_sets_metrics_no_longer_name_its_counts() -> None:
    """prediction_metrics.csv (and the ``predict`` command's metrics.csv and model cards):
    the AUC of a test set of 88 children, and its observed risk (23/88 with no censoring
    before the horizon), gave back 23 and 65 exactly."""
    data, events, n = _small_group()
    small = data.iloc[:n]
    metrics = score_risks(small["duration"], small["event"], small["risk"], HORIZON)
    table = pd.DataFrame(
        {"model": "cox", "metric": list(metrics), "estimate": list(metrics.values())}
    )
    assert metrics["observed"] == pytest.approx(events / n, abs=1e-15)
    assert excluded(metrics["auc"], events, n)  # the exact value rules counts out
    others = [m for m in range(n - 2, n + 3) if m != n]  # the children 90 stands for
    assert all(not fits(metrics["observed"], m) for m in others)  # k/88 and nothing else
    out = disclose_metric_counts(table).set_index("metric")["estimate"].astype(float)
    assert excluded(out["auc"], events, n) == []
    for name in ("auc", "harrell_c", "uno_c", "average_precision"):
        assert out[name] == round(metrics[name], 2), name
    # The observed risk: the disclosed escalations over the disclosed children, and the
    # calibration metrics made from it and the (published) mean predicted risk.
    assert out["observed"] == disclose_share(events, n) == 25 / 90
    assert out["calibration_in_the_large"] == out["observed"] - metrics["expected"]
    assert out["observed_expected"] == out["observed"] / metrics["expected"]
    # Continuous predictions give no counts back: left as estimated.
    for name in ("brier", "calibration_slope", "expected"):
        assert out[name] == metrics[name], name


@pytest.mark.parametrize(
    ("events", "non_events", "decimals"),
    [
        (22, 66, 2),  # both below 100
        (60, 90, 2),  # E·N = 5,400, but the larger count is below 100
        (22, 166, 3),  # non-escalations at least 100
        (140, 30, 3),  # escalations at least 100
        (12, 101, 3),  # 101 is published as 100: 98 to 102 with 12 escalations (115)
        (12, 99, 2),  # 99 is published as 100 too, but 98 would be possible
    ],
)
def test_rank_metric_rounding_has_two_branches(events: int, non_events: int, decimals: int) -> None:
    value = 0.7386363636363636
    shown = disclosure.disclose_rank_metric(value, events, non_events)
    assert shown == round(value, decimals)
    assert disclosure.disclose_rank_metric(float("nan"), events, non_events) is not None
    low_high = [disclosure.disclose_rank_metric(v, events, non_events) for v in (0.70123, 0.78456)]
    assert low_high == [round(0.70123, decimals), round(0.78456, decimals)]


def test_rank_metric_of_too_few_children_is_not_shown() -> None:
    assert set(RANK_NAMES) == disclosure.RANK_METRICS
    assert disclosure.disclose_rank_metric(0.7, 9, 200) is None
    assert disclosure.disclose_rank_metric(0.7, 200, 9) is None
    # A lower threshold: 2 decimals would no longer hide a product of 5 × 12.
    assert disclosure.disclose_rank_metric(0.7386, 5, 12, DisclosureRules(threshold=5)) == 0.7


def test_rank_metrics_of_a_group_with_few_non_escalations_are_blanked() -> None:
    """A group with 15 escalations of 18 children: its AUC rests on 3 non-escalations."""
    table = pd.DataFrame(
        {
            "model": "cox",
            "attribute": "sex",
            "group": ["F", "F", "F", "M", "M", "M"],
            "metric": ["events", "auc", "brier"] * 2,
            "n": [18, 18, 18, 400, 400, 400],
            "estimate": [15.0, 0.71234, 0.12, 60.0, 0.68123, 0.11],
            "conf_low": [None, 0.61234, 0.1, None, 0.64321, 0.1],
            "suppressed": False,
        }
    )
    out = disclose_metric_counts(table).set_index(["group", "metric"])
    assert out.loc[("F", "auc"), "suppressed"] and math.isnan(out.loc[("F", "auc"), "estimate"])
    assert math.isnan(out.loc[("F", "auc"), "conf_low"])
    assert out.loc[("M", "auc"), "estimate"] == 0.681
    assert out.loc[("M", "auc"), "conf_low"] == 0.643
    assert out.loc[("F", "brier"), "estimate"] == 0.12  # not a ratio of counts


@given(
    events=st.integers(10, 160),
    non_events=st.integers(10, 160),
    share=st.floats(0, 1),
    ties=st.booleans(),
)
def test_a_disclosed_rank_metric_rules_out_no_candidate_counts(
    events: int, non_events: int, share: float, ties: bool
) -> None:
    """The 0.01-interval argument, for every counts and AUC: whatever E and N, the value
    as published fits every (E', N') the published counts allow."""
    pairs = events * non_events
    scale = 2 * pairs if ties else pairs
    value = round(share * scale) / scale
    shown = disclosure.disclose_rank_metric(value, events, non_events)
    assert shown is not None
    assert excluded(shown, events, events + non_events) == []
