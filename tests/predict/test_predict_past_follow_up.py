"""Nothing is read past the data: risks, statuses and metrics past the last follow-up.

The one rule is ``escalation.survival._outcome.past_follow_up``. Was (review of session
26, findings 1 and 2): with ``censor_training=True`` a horizon past the training
follow-up censored at the cutoff was validated, every model's risk held flat at its value
at the end of the training data; and past the last follow-up only ``observed`` was NaN,
while the AUC, Brier score, calibration slope, precision, recall, FPR and net benefit
were the numbers of the last day relabelled, the deaths the only "controls".
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.predict import metrics, precision_recall_curve, roc_curve, subgroup_metrics
from escalation.predict.models import risk_model
from escalation.predict.validate import validate_risk_models
from escalation.timeline import SpellData
from tests.predict.predict_support import two_covariate_spells

#: The metrics of the status at the horizon (score_risks' keys): unknown past the data.
STATUS_METRICS = (
    "auc", "brier", "observed", "calibration_in_the_large", "observed_expected",
    "calibration_slope", "average_precision", "precision_top20", "recall_top20",
    "fnr_top20", "fpr_top20",
)  # fmt: skip


def _rows() -> tuple[list[int], list[int], list[float]]:
    """Five spells followed 1..5 days: escalations, deaths and one censoring."""
    return [1, 2, 3, 4, 5], [1, 2, 1, 0, 2], [0.9, 0.2, 0.6, 0.5, 0.1]


def test_every_status_metric_is_nan_past_the_last_follow_up() -> None:
    t, e, r = _rows()
    past = metrics.score_risks(t, e, r, 10, flags=[0.2])
    last = metrics.score_risks(t, e, r, 5, flags=[0.2])  # the last follow-up is known
    assert all(np.isnan(past[k]) for k in STATUS_METRICS), past
    finite = ("auc", "brier", "average_precision", "precision_top20", "recall_top20")
    assert all(np.isfinite(last[k]) for k in finite), last
    # the counts and the concordances do not read the status at the horizon
    for key in ("n", "events", "harrell_c", "uno_c", "expected"):
        assert past[key] == last[key]
    for function in (
        metrics.time_dependent_auc,
        metrics.brier_score,
        metrics.average_precision,
        metrics.calibration_slope,
    ):
        assert np.isnan(function(t, e, r, 10)), function.__name__
        assert function.__name__ == "calibration_slope" or np.isfinite(function(t, e, r, 5))
    point = metrics.operating_point(t, e, r, 10, flag=0.4)
    assert all(np.isnan(point[k]) for k in ("precision", "recall", "fnr", "fpr"))
    assert point["flagged"] == pytest.approx(0.4)  # who is flagged is known
    benefit = metrics.net_benefit(t, e, r, 10, [0.1, 0.3])
    assert benefit[["model", "treat_all", "true_positives", "escalations"]].isna().all().all()
    assert (benefit["n"] == 5).all()
    assert np.isnan(metrics.integrated_brier_score(t, e, np.c_[r, r], [4, 10]))
    status = metrics.horizon_status(t, e, 10)
    assert not status.known and np.isnan(status.weight).all()
    assert metrics.horizon_status(t, e, 5).known


def test_the_calibration_curve_is_unknown_and_the_curves_refused_past_the_data() -> None:
    rng = np.random.default_rng(4)
    risk = rng.uniform(0.05, 0.6, 300)
    escalated = rng.random(300) < risk
    duration = np.where(escalated, 30.0, 400.0)
    curve = metrics.calibration_curve(duration, escalated, risk, 401)
    assert curve[["observed", "conf_low", "conf_high"]].isna().all().all()
    assert curve["predicted"].notna().all()
    assert metrics.calibration_curve(duration, escalated, risk, 365)["observed"].notna().all()
    for curve_of in (roc_curve, precision_recall_curve):
        with pytest.raises(DesignError, match=r"horizon 401 days is past the last follow-up.*400"):
            curve_of(duration, escalated, risk, 401)
        assert len(curve_of(duration, escalated, risk, 365)) > 2


def test_a_group_followed_less_than_the_horizon_shows_nan_not_the_numbers_of_its_last_day() -> None:
    rng = np.random.default_rng(7)
    n = 400
    group = np.where(np.arange(n) < 300, "A", "B")
    risk = rng.uniform(0.05, 0.6, n)
    escalation = rng.exponential(365 / risk * 0.3)
    death = rng.exponential(3000, n)
    censoring = np.where(group == "A", rng.uniform(400, 900, n), rng.uniform(50, 300, n))
    t = np.ceil(np.minimum.reduce([escalation, death, censoring]))
    e = np.select([t == np.ceil(escalation), t == np.ceil(death)], [1, 2], 0)
    assert t[group == "B"].max() < 365 <= t[group == "A"].max()  # the data of the test
    table = subgroup_metrics(t, e, risk, pd.DataFrame({"sex": group}), 365, model="m")
    rows = table.set_index(["group", "metric"])
    for metric in (*STATUS_METRICS[:-4], "precision_top10", "fpr_top10", "fpr_gap_top10"):
        assert np.isnan(rows.loc[("B", metric), "estimate"]), metric
    assert not rows.loc["B", "suppressed"].any()  # shown, as NaN: its 33 escalations count
    assert rows.loc[("A", "auc"), "estimate"] > 0.5
    assert np.isfinite(rows.loc[("A", "fpr_top10"), "estimate"])


def _spells(n: int = 400) -> SpellData:
    return two_covariate_spells(n, seed=3)


def test_a_horizon_past_the_training_follow_up_censored_at_the_cutoff_is_refused() -> None:
    data = _spells()
    first = pd.to_datetime(data.spells["time_zero"]).min()
    cutoff = first + pd.Timedelta(days=300)
    train = pd.to_datetime(data.spells["time_zero"]) < cutoff
    longest = int((cutoff - pd.to_datetime(data.spells.loc[train, "time_zero"])).dt.days.max())
    assert longest <= 300 < 365 and data.spells["duration"].max() == 730  # the data of the test
    settings = {"models": ["cox"], "bootstrap": 0, "seed": 1, "cutoff": cutoff, "n_jobs": 1}
    with pytest.raises(
        DesignError,
        match=rf"horizon 365 days is past the longest follow-up of the training spells of "
        rf"the temporal split \(\d+ spells\) censored at its cutoff {cutoff.date()} "
        rf"\(censor_training\) \({longest} days\)",
    ):
        validate_risk_models(data, horizon=365, censor_training=True, **settings)
    # the same horizon without censoring, and a horizon the training spells reach, are scored
    validate_risk_models(data, horizon=365, **settings)
    within = validate_risk_models(data, horizon=longest, censor_training=True, **settings)
    assert within.backend["cox"].last_follow_up == longest


def test_a_fitted_risk_model_gives_nan_past_its_last_follow_up() -> None:
    rng = np.random.default_rng(0)
    x = pd.DataFrame({"a": rng.normal(size=300)})
    t = np.minimum(np.ceil(rng.exponential(400, 300) * np.exp(-0.7 * x["a"].to_numpy())), 300)
    fitted = risk_model("cox").fit(x, t, np.where(t < 300, 1, 0))
    risk = fitted.predict_risk(x.head(5), [100, 300, 301, 730])
    assert np.isfinite(risk[:, :2]).all() and (risk[:, 1] >= risk[:, 0]).all()
    assert np.isnan(risk[:, 2:]).all()  # was the risk at day 300, held flat
    assert np.isnan(fitted.predict_risk(x.head(5), 301)).all()
