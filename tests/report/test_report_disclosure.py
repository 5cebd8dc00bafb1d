"""Statistical disclosure control: suppress below 10, round the rest to the nearest 5."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.disclosure import (
    disclose_count,
    disclose_table,
    disclosed_share,
    format_count,
)
from escalation.errors import DataValidationError


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (0, None),
        (1, None),
        (9, None),
        (10, 10),
        (12, 10),
        (12.0, 10),
        (13, 15),
        (17, 15),
        (18, 20),
        (22, 20),
        (23, 25),
        (100, 100),
        (1002, 1000),
        (1003, 1005),
        (None, None),
    ],
)
def test_report_disclose_count_table(count: int | None, expected: int | None) -> None:
    assert disclose_count(count) == expected


@given(st.integers(min_value=0, max_value=10_000_000))
def test_report_disclose_count_properties(n: int) -> None:
    out = disclose_count(n)
    if n < 10:
        assert out is None
    else:
        assert out is not None
        assert out % 5 == 0
        assert abs(out - n) <= 2  # nearest multiple of 5
        assert out >= 10


def test_report_disclose_count_rejects_non_counts() -> None:
    with pytest.raises(DataValidationError, match="whole number"):
        disclose_count(-1)
    with pytest.raises(DataValidationError, match="whole number"):
        disclose_count(2.5)


def test_report_format_and_share() -> None:
    assert format_count(7) == "fewer than 10"
    assert format_count(123_457) == "123,455"
    # Share from disclosed counts: 210 / 1005.
    assert disclosed_share(212, 1003, digits=1) == f"{100 * 210 / 1005:.1f}%"
    assert disclosed_share(5, 100).startswith("not shown")


def test_report_disclose_table_marks_suppressed_rows() -> None:
    table = pd.DataFrame(
        {
            "attribute": ["sex", "sex", "ethnicity"],
            "n": [4, 1236, 58],
            "events": [0, 301, 12],
            "estimate": [0.1, 0.25, 0.31],
            "n_factors": [3, 2, 1],
        }
    )
    out = disclose_table(table)
    assert out["n"].tolist()[1:] == [1235, 60]
    assert out["events"].tolist()[1:] == [300, 10]
    assert out["n"].isna().tolist() == [True, False, False]
    assert out["suppressed"].tolist() == [True, False, False]
    # Non-count columns are untouched (n_factors is a covariate, not a count).
    assert out["n_factors"].tolist() == [3, 2, 1]
    np.testing.assert_array_equal(out["estimate"], table["estimate"])
    assert table["n"].tolist() == [4, 1236, 58]  # input not modified
    with pytest.raises(DataValidationError, match="column 'children'"):
        disclose_table(table, ["children"])


# --------------------------------------------------------------------------- the rule set
def test_report_disclosure_rules_follow_the_design() -> None:
    from escalation import default_design
    from escalation.design import StudyDesign
    from escalation.disclosure import DisclosureRules
    from escalation.errors import DesignError

    text = default_design().to_toml() + "\n[disclosure]\nthreshold = 20\nrounding = 10\n"
    rules = DisclosureRules.from_design(StudyDesign.from_toml(text))
    assert (rules.threshold, rules.rounding) == (20, 10)
    assert [disclose_count(n, rules) for n in (19, 20, 24, 25, 1234)] == [None, 20, 20, 30, 1230]
    assert format_count(15, rules) == "fewer than 20"
    assert "below 20" in rules.statement() and rules.to_dict()["threshold"] == 20
    assert any("10-5 rule" in c for c in rules.to_dict()["conventions"])
    with pytest.raises(DesignError, match=r"\[disclosure\] threshold"):
        StudyDesign.from_toml(text.replace("threshold = 20", "threshold = 0"))


def test_report_disclose_table_complementary_suppression() -> None:
    # Levels of two subgroups, each adding up to the cohort of 100.
    table = pd.DataFrame(
        {
            "subgroup": ["sex"] * 2 + ["age"] * 3,
            "level": ["F", "M", "0-4", "5-10", "11-17"],
            "n": [46, 54, 4, 40, 56],
            "estimate": [0.1, 0.2, 0.3, 0.4, 0.5],
        }
    )
    out = disclose_table(table, ["n"], partition=["subgroup"], hide=["estimate"])
    # "0-4" (4) is suppressed; so is the next smallest age band, else 100 - 40 - 55 gives it.
    assert out["suppressed"].tolist() == [False, False, True, True, False]
    assert out["n"].isna().tolist() == [False, False, True, True, False]
    assert out["estimate"].isna().tolist() == [False, False, True, True, False]
    # Without a partition only the small count goes.
    assert disclose_table(table, ["n"])["suppressed"].sum() == 1


# --------------------------------------------------------------------------- curves
def brute_force_events(times: np.ndarray, low: float, high: float) -> int:
    return int(((times > low) & (times <= high)).sum())


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=60), min_size=1, max_size=120),
    st.lists(st.integers(min_value=1, max_value=80), min_size=0, max_size=60),
    st.integers(min_value=2, max_value=12),
)
def test_report_disclose_curves_every_step_rests_on_the_threshold(
    event_days: list[int], censor_days: list[int], threshold: int
) -> None:
    from escalation.disclosure import DisclosureRules, disclose_curves

    rules = DisclosureRules(threshold=threshold, rounding=1)
    events = np.array(event_days, dtype=float)
    records = pd.DataFrame(
        {
            "group": "a",
            "duration": np.r_[events, np.array(censor_days, dtype=float)],
            "event": np.r_[np.ones(len(events)), np.zeros(len(censor_days))],
        }
    )
    # An unweighted cumulative incidence on a daily grid (no competing events).
    grid = np.arange(1.0, 81.0)
    n = len(records)
    raw = np.array([(events <= t).sum() / n for t in grid])
    curve = pd.DataFrame({"time": grid, "group": "a", "estimate": raw})
    out = disclose_curves(curve, records, rules=rules)
    shown = out[~out["suppressed"]]
    at_risk = np.array([(records["duration"] >= t).sum() for t in grid])
    # Nothing is shown where fewer than the threshold remain in follow-up.
    assert not (~out["suppressed"] & (at_risk < threshold)).any()
    # Every value shown is the curve's own value at the time it comes from...
    lookup = dict(zip(grid, raw, strict=True))
    assert all(
        np.isclose(v, lookup[f])
        for v, f in zip(shown["estimate"], shown["shown_from"], strict=True)
    )
    # ...and every step between shown values rests on at least `threshold` events.
    values, since = shown["estimate"].to_numpy(), shown["shown_from"].to_numpy()
    for i in range(1, len(shown)):
        if values[i] != values[i - 1]:
            assert brute_force_events(events, since[i - 1], since[i]) >= threshold
    # With enough events and follow-up throughout, the last value shown is the curve's own.
    if len(events) >= threshold and at_risk[-1] >= threshold:
        assert np.isclose(shown["estimate"].iloc[-1], raw[-1])


def test_report_disclose_curves_suppress_a_curve_with_few_events() -> None:
    from escalation.disclosure import disclose_curves

    # 2 of 15 treated children escalate: the curve would step by 1/15 (issue 13).
    records = pd.DataFrame(
        {"group": "treated", "duration": [50.0, 120.0] + [400.0] * 13, "event": [1, 1] + [0] * 13}
    )
    grid = np.array([25.0, 75.0, 150.0, 300.0])
    curve = pd.DataFrame(
        {"time": grid, "group": "treated", "estimate": [0.0, 1 / 15, 2 / 15, 2 / 15]}
    )
    out = disclose_curves(curve, records)
    assert out["estimate"].tolist()[0] == 0.0
    assert out["estimate"].isna().tolist() == [False, True, True, True]


def test_report_disclose_effects_blank_horizons_with_few_children() -> None:
    from escalation.disclosure import disclose_effects

    spells = pd.DataFrame(
        {
            "treatment": [1] * 40 + [0] * 40,
            "duration": [100.0] * 12 + [500.0] * 28 + [100.0] * 20 + [600.0] * 20,
            "event": [1] * 12 + [1] * 3 + [0] * 25 + [1] * 20 + [1] * 15 + [0] * 5,
        }
    )
    effects = pd.DataFrame(
        {"horizon": [365, 730], "estimand": "risk_difference", "estimate": [-0.2, -0.3]}
    )
    out = disclose_effects(effects, spells)
    # By 365: 12 and 20 escalations, 28 and 20 without; by 730: only 5 untreated without.
    assert out["suppressed"].tolist() == [False, True]
    assert out["estimate"].isna().tolist() == [False, True]


# --------------------------------------------------------------------------- diagnostics
def test_report_disclose_weights_and_positivity() -> None:
    from escalation.disclosure import disclose_positivity, disclose_weights

    weights = pd.DataFrame(
        {
            "group": ["all", "0", "1"],
            "n": [1003, 1000, 3],
            "ess": [801.4, 799.0, 2.4],
            "sum": [2006.2, 2001.0, 5.2],
            "mean": [2.0, 2.0, 1.7],
            "min": [1.0, 1.0, 1.2],
            "p01": [1.1, 1.1, 1.2],
            "median": [1.9, 1.9, 1.6],
            "p99": [7.0, 7.0, 2.5],
            "max": [12.0, 12.0, 2.5],
        }
    )
    out = disclose_weights(weights)
    assert out["n"].tolist()[:2] == [1005, 1000] and pd.isna(out["n"].iloc[2])
    assert out[["min", "max"]].isna().all().all()
    assert out["p99"].tolist()[:2] == [7.0, 7.0]  # 10 children beyond the 99th of 1,000
    assert out.loc[2, ["mean", "median", "p99"]].isna().all()
    positivity = pd.DataFrame(
        {
            "covariate": ["age", "disability"],
            "n_extreme": [1, 24],
            "n_extreme_treated": [1, 12],
            "n_extreme_untreated": [0, 12],
            "mean_extreme": [16.0, 0.5],
            "mean_rest": [8.0, 0.1],
            "smd": [2.0, 0.9],
        }
    )
    shown = disclose_positivity(positivity)
    assert shown["n_extreme"].tolist()[1] == 25 and pd.isna(shown["n_extreme"].iloc[0])
    assert shown.loc[0, ["mean_extreme", "smd"]].isna().all()


def test_report_disclose_operating_metrics_recover_the_counts() -> None:
    from escalation.disclosure import disclose_metric_counts

    table = pd.DataFrame(
        {
            "model": "cox",
            "attribute": "ethnicity",
            "group": ["Black"] * 4 + ["White"] * 4,
            "metric": ["events", "recall_top10", "precision_top10", "fnr_gap_top10"] * 2,
            "n": [145] * 4 + [2000] * 4,
            "estimate": [15.0, 0.15, 0.18, -0.09, 300.0, 0.4, 0.5, 0.01],
            "suppressed": False,
        }
    )
    out = disclose_metric_counts(table)
    # Black: TP = 0.15 x 15 = 2 flagged children who escalated: every rate at the cut goes.
    black = out[out["group"] == "Black"]
    assert black.loc[black["metric"] != "events", "estimate"].isna().all()
    assert black.loc[black["metric"] != "events", "suppressed"].all()
    # White, the other group, keeps its escalations; its rates are withheld beside
    # Black's, which the test set's rates less White's would give back otherwise.
    white = out[out["group"] == "White"].set_index("metric")
    assert white.at["events", "estimate"] == 300 and not white.at["events", "suppressed"]
    assert white.loc[white.index != "events", "estimate"].isna().all()
    assert white.loc[white.index != "events", "suppressed"].all()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.floats(min_value=0, max_value=1), min_size=0, max_size=80),
    st.integers(min_value=2, max_value=15),
)
def test_report_microaggregate_each_value_stands_for_the_threshold(
    values: list[float], threshold: int
) -> None:
    from escalation.disclosure import DisclosureRules, microaggregate

    frame = pd.DataFrame({"score": values})
    out = microaggregate(frame, ["score"], rules=DisclosureRules(threshold=threshold))
    if len(values) < threshold:
        assert out.empty
        return
    assert len(out) == len(values)
    assert out["score"].round(9).value_counts().min() >= threshold
    assert np.isclose(out["score"].sum(), frame["score"].sum())


def test_report_disclose_model_card() -> None:
    from escalation.disclosure import disclose_model_card
    from escalation.predict.modelcard import model_card

    metrics = pd.DataFrame(
        {
            "model": "cox",
            "metric": ["auc", "events"],
            "estimate": [0.7, 7.0],
            "conf_low": [0.6, None],
            "conf_high": [0.8, None],
        }
    )
    subgroups = pd.DataFrame(
        columns=["model", "metric", "attribute", "group", "n", "estimate", "conf_low",
                 "conf_high", "suppressed"]
    )  # fmt: skip
    facts = {"Test spells": 123, "Test escalations by the horizon": 7, "Horizon": "365 days"}
    raw = model_card("cox", metrics, subgroups, description="Cox.", facts=facts)
    assert "123" in raw.to_markdown() and "exact, not under disclosure control" in raw.to_markdown()
    shared = disclose_model_card(raw, metrics, subgroups, events=7, n=123)
    text = shared.to_markdown()
    assert "**Test spells**: 125" in text and "fewer than 10" in text and "123" not in text
    assert "under disclosure control" in text
    assert shared.performance["estimate"].isna().all()  # 7 escalations: nothing to rest on
