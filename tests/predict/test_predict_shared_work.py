"""Work shared across metrics, models and horizons gives the numbers of the long way, bit for bit.

score_risks counts the rows once for its censoring weights and observed risk and finds the
pairs once for Harrell's and Uno's C; the integrated Brier score counts once for all its
times; the validation's subgroup bootstrap scores every model on each sample and group
together; Newton solves the whole system when no pivot is singular. Each is checked here
against the public function (or code path) it replaces.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.core import newton, productlimit
from escalation.predict import fairness, metrics
from escalation.predict._inputs import prediction_arrays
from escalation.predict.fairness import subgroup_metrics, subgroup_tables
from escalation.predict.metrics import Competing, bootstrap_indices, score_risks


def follow_up(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Whole-day follow-up with ties, deaths and censoring; two models' risks."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    t = rng.exponential(700, n) * np.exp(-0.6 * x)
    death = rng.exponential(8000, n)
    censor = rng.uniform(30, 900, n)
    time = np.minimum.reduce([t, death, censor])
    event = np.select([time == t, time == death], [1, 2], 0).astype(np.int64)
    duration = np.ceil(time)
    risk = 1 / (1 + np.exp(-(-1.5 + 0.7 * x + rng.normal(0, 0.5, n))))
    other = np.round(1 / (1 + np.exp(-(-1.5 + 0.4 * x))), 2)  # tied risks
    return duration, event, risk, other


@pytest.mark.parametrize("competing", ["control", "censor"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_score_risks_equals_each_metric_alone(seed: int, competing: Competing) -> None:
    duration, event, risk, _ = follow_up(700, seed)
    h = 365
    out = score_risks(duration, event, risk, h, flags=[0.1, 0.25], competing=competing)
    status = metrics.horizon_status(duration, event, h, competing=competing)
    observed = metrics.observed_risk(duration, event, h, competing=competing)
    expected = float(risk.mean())
    long_way = {
        "n": float(len(risk)),
        "events": float(status.case.sum()),
        "harrell_c": metrics.harrell_c(duration, event, risk),
        "uno_c": metrics.uno_c(duration, event, risk, h),
        "auc": metrics.time_dependent_auc(duration, event, risk, h, competing=competing),
        "brier": metrics.brier_score(duration, event, risk, h, competing=competing),
        "observed": observed,
        "expected": expected,
        "calibration_in_the_large": observed - expected,
        "observed_expected": observed / expected,
        "calibration_slope": metrics.calibration_slope(
            duration, event, risk, h, competing=competing
        ),
        "average_precision": metrics.average_precision(
            duration, event, risk, h, competing=competing
        ),
    }
    for q in (0.1, 0.25):
        point = metrics.operating_point(duration, event, risk, h, flag=q, competing=competing)
        for key in ("precision", "recall", "fnr", "fpr"):
            long_way[f"{key}_top{round(q * 100)}"] = point[key]
    assert list(out) == list(long_way)
    assert out == long_way  # exactly


@pytest.mark.parametrize("competing", ["control", "censor"])
def test_integrated_brier_counts_once_for_every_time(competing: Competing) -> None:
    duration, event, risk, _ = follow_up(500, 4)
    grid = np.linspace(36.5, 365, 10)
    matrix = np.column_stack([risk * (k + 1) / 10 for k in range(10)])
    scores = [
        metrics.brier_score(duration, event, matrix[:, k], t, competing=competing)
        for k, t in enumerate(grid)
    ]
    long_way = float(np.trapezoid(scores, grid) / (grid[-1] - grid[0]))
    assert metrics.integrated_brier_score(duration, event, matrix, grid, competing=competing) == (
        long_way
    )


def test_integrated_brier_refuses_a_bad_column_as_brier_score_does() -> None:
    duration, event, risk, _ = follow_up(50, 5)
    matrix = np.column_stack([risk, risk])
    matrix[7, 1] = np.nan
    with pytest.raises(Exception) as short:
        metrics.integrated_brier_score(duration, event, matrix, [100, 200])
    with pytest.raises(Exception) as long:
        metrics.brier_score(duration, event, matrix[:, 1], 200)
    assert type(short.value) is type(long.value)
    assert str(short.value) == str(long.value)


def test_horizons_weights_equal_horizon_weights_at_each_horizon() -> None:
    duration, event, _, _ = follow_up(400, 6)
    horizons = [1.0, 30.0, 180.5, 365.0, 5000.0]
    counts = productlimit.count(duration, event)
    shared = productlimit.horizons_weights(counts, duration, event, horizons)
    for j, h in enumerate(horizons):
        np.testing.assert_array_equal(shared[j], productlimit.horizon_weights(duration, event, h))


@pytest.mark.parametrize("seed", [7, 8])
def test_subgroup_tables_of_several_models_equal_each_alone(seed: int) -> None:
    duration, event, risk, other = follow_up(900, seed)
    rng = np.random.default_rng(seed)
    groups = pd.DataFrame(
        {
            "sex": rng.choice(["F", "M", "missing"], len(risk), p=[0.5, 0.47, 0.03]),
            "disability": rng.choice(["yes", "no"], len(risk), p=[0.1, 0.9]),
        }
    )
    families = rng.integers(0, 400, len(risk))
    replicates = bootstrap_indices(families, 12, seed)
    options: dict[str, Any] = {
        "flags": (0.1,), "replicates": replicates, "min_n": 10, "min_events": 10,
        "conf_level": 0.9, "competing": "control", "n_jobs": 1,
    }  # fmt: skip
    time, code, score = prediction_arrays(duration, event, risk)
    together = subgroup_tables(
        time, code, (score, other), groups, 365, models=("a", "b"), **options
    )
    for table, (model, values) in zip(together, (("a", risk), ("b", other)), strict=True):
        alone = subgroup_metrics(duration, event, values, groups, 365, model=model, **options)
        pd.testing.assert_frame_equal(table, alone, check_exact=True)


def test_subgroup_metrics_equal_score_risks_in_each_group() -> None:
    duration, event, risk, _ = follow_up(900, 9)
    groups = pd.DataFrame({"sex": np.where(np.arange(900) % 3 == 0, "M", "F")})
    table = subgroup_metrics(duration, event, risk, groups, 365, model="m")
    cut = float(np.quantile(risk, 0.9))
    for group in ("F", "M"):
        keep = groups["sex"].to_numpy() == group
        long_way = score_risks(duration[keep], event[keep], risk[keep], 365, thresholds={0.1: cut})
        rows = table[table["group"] == group].set_index("metric")["estimate"]
        for metric, value in long_way.items():
            if metric != "n":
                assert rows[metric] == value or (np.isnan(rows[metric]) and np.isnan(value))


def test_newton_step_of_a_regular_system_equals_the_pivoted_solve() -> None:
    rng = np.random.default_rng(10)
    a = rng.normal(size=(4, 4))
    info = a @ a.T + np.eye(4)
    score = rng.normal(size=4)
    step, singular = newton._newton_step(info, score, np.ones(4))
    assert not singular.any()
    kept = ~singular
    long_way = np.zeros(4)
    long_way[kept] = np.linalg.solve(info[np.ix_(kept, kept)], score[kept])
    np.testing.assert_array_equal(step, long_way)


def suppressed_sample() -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.DataFrame, list[Any]]:
    """Follow-up with one group too small to show ("U": 15 spells) and 8 family samples."""
    duration, event, risk, _ = follow_up(900, 11)
    sex = np.where(np.arange(900) % 60 == 0, "U", np.where(np.arange(900) % 2 == 0, "F", "M"))
    families = np.random.default_rng(11).integers(0, 400, 900)
    return duration, event, risk, pd.DataFrame({"sex": sex}), bootstrap_indices(families, 8, 11)


def test_subgroup_bootstrap_scores_only_the_groups_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    # A suppressed group's intervals are never reported, so the bootstrap samples do not
    # score it: the follow-up is found for 3 groups on the whole sample, then 2 per sample.
    duration, event, risk, groups, replicates = suppressed_sample()
    counted: list[int] = []
    real = fairness.follow_up_of

    def follow_up_counted(time: np.ndarray, *args: Any) -> Any:
        counted.append(len(time))
        return real(time, *args)

    monkeypatch.setattr(fairness, "follow_up_of", follow_up_counted)
    table = subgroup_metrics(duration, event, risk, groups, 365, model="m", replicates=replicates)
    assert table.loc[table["group"] == "U", "suppressed"].all()
    assert not table.loc[table["group"] != "U", "suppressed"].any()
    assert len(counted) == 3 + 2 * len(replicates)
    assert 15 in counted[:3] and 15 not in counted[3:]


def test_subgroup_intervals_equal_score_risks_on_each_sample() -> None:
    # The groups shown keep the intervals of scoring every sample the long way, bit for
    # bit; the suppressed group's numbers are missing.
    duration, event, risk, groups, replicates = suppressed_sample()
    table = subgroup_metrics(duration, event, risk, groups, 365, model="m", replicates=replicates)
    cut = float(np.quantile(risk, 0.9))
    sex = groups["sex"].to_numpy()
    for group in ("F", "M"):
        draws = []
        for rows in replicates:
            keep = rows[sex[rows] == group]
            draws.append(
                score_risks(duration[keep], event[keep], risk[keep], 365, thresholds={0.1: cut})
            )
        shown = table[table["group"] == group].set_index("metric")
        for metric in ("auc", "calibration_slope", "average_precision", "brier", "fnr_top10"):
            low, high = metrics.percentile_interval([d[metric] for d in draws], 0.95)
            assert (shown.loc[metric, "conf_low"], shown.loc[metric, "conf_high"]) == (low, high)
    hidden = table[table["group"] == "U"]
    assert hidden[["estimate", "conf_low", "conf_high"]].isna().all().all()
