"""Bootstrap draws that cannot be estimated are counted, warned of, and never silently dropped.

Was (review of session 26, left open; session 27 finding 4): a bootstrap draw in which every
spell ended before the horizon has no observed risk (nor AUC, Brier score, calibration): it
is NaN, and the percentile interval left such draws out without a word, however many. The
interval then described only the draws with long follow-up. Now
:func:`~escalation.predict.metrics.bootstrap_interval` counts them, the tables warn of them,
and an interval missing more than 5% of its draws is missing.

The simulation has known truth: two of 30 families are followed past the horizon, so a
family bootstrap leaves both out (every spell drawn ends before the horizon) with
probability (28/30)^30 = 0.126; which draws do is read from the draws' follow-up directly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import StatisticalWarning
from escalation.predict import metrics
from escalation.predict.fairness import subgroup_metrics
from escalation.predict.validate import _metric_table

HORIZON = 365


def _short_follow_up(seed: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Duration, event, risk and family of 120 spells; only families 0 and 1 pass the horizon."""
    rng = np.random.default_rng(seed)
    family = np.repeat(np.arange(30), 4)
    n = len(family)
    risk = rng.uniform(0.1, 0.6, n)
    escalated = rng.random(n) < risk
    escalated[[0, 4]] = False  # the first spell of each long family is followed to day 400+
    long = family < 2
    censored_at = np.where(long, rng.uniform(400, 700, n), rng.uniform(100, 360, n))
    duration = np.round(np.where(escalated, rng.uniform(10, 300, n), censored_at))
    return duration, escalated.astype(int), risk, family


def _replicates(family: np.ndarray) -> list[np.ndarray]:
    return metrics.bootstrap_indices(family, 200, seed=1)


def test_draws_past_their_follow_up_are_counted_and_too_many_leave_no_interval() -> None:
    duration, event, _, family = _short_follow_up()
    replicates = _replicates(family)
    draws = [metrics.observed_risk(duration[r], event[r], HORIZON) for r in replicates]
    # which draws ended before the horizon, read from their follow-up (not from the NaN)
    unknown = np.array([duration[r].max() < HORIZON for r in replicates])
    assert 10 < unknown.sum() < 45  # about 200 x 0.126 = 25
    assert np.array_equal(np.isnan(draws), unknown)
    interval = metrics.bootstrap_interval(draws, 0.95)
    assert (interval.draws, interval.left_out) == (200, int(unknown.sum()))
    assert np.isnan([interval.low, interval.high]).all()
    assert f"{unknown.sum()} of 200 bootstrap draws could not be estimated" in (
        interval.missing_reason
    )
    assert np.isnan(metrics.percentile_interval(draws, 0.95)).all()
    # Allowed a larger share, the interval is the percentiles of the draws estimated.
    wider = metrics.bootstrap_interval(draws, 0.95, max_left_out=0.5)
    known = np.asarray(draws)[~unknown]
    assert [wider.low, wider.high] == pytest.approx(np.quantile(known, [0.025, 0.975]), abs=1e-15)
    assert wider.missing_reason == ""


def test_the_metrics_table_warns_of_the_draws_left_out() -> None:
    duration, event, risk, family = _short_follow_up()
    replicates = _replicates(family)
    unknown = int(sum(duration[r].max() < HORIZON for r in replicates))
    with pytest.warns(StatisticalWarning, match=rf"observed {unknown}, .* of 200 draws") as got:
        table, _ = _metric_table(
            "cox", "structured", duration, event, risk, np.c_[risk / 2, risk],
            np.array([100.0, 365.0]), HORIZON, flags=(0.1,), replicates=replicates,
            conf_level=0.95, competing="control",
        )  # fmt: skip
    assert "interval(s) are missing" in str(got[0].message)
    rows = table.set_index("metric")
    # The status metrics lose their interval; the concordance needs no status: it keeps it.
    for metric in ("observed", "auc", "brier", "calibration_slope"):
        assert rows.loc[metric, ["conf_low", "conf_high"]].isna().all(), metric
        assert np.isfinite(rows.loc[metric, "estimate"])
    assert rows.loc["harrell_c", ["conf_low", "conf_high"]].notna().all()


def test_subgroup_tables_warn_of_a_group_whose_draws_end_before_the_horizon() -> None:
    duration, event, risk, family = _short_follow_up()
    replicates = _replicates(family)
    groups = pd.DataFrame({"sex": np.full(len(duration), "F")})
    with pytest.warns(StatisticalWarning, match="m: subgroup metrics: .*sex F auc"):
        table = subgroup_metrics(
            duration, event, risk, groups, HORIZON, model="m", replicates=replicates
        )
    auc = table[table["metric"] == "auc"].iloc[0]
    assert not auc["suppressed"] and np.isfinite(auc["estimate"])
    assert np.isnan([auc["conf_low"], auc["conf_high"]]).all()
