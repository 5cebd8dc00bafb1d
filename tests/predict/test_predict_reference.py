"""Metrics against frozen references: riskRegression::Score (R) and scikit-survival.

tests/reference/predict/predict.R wrote score_reference.csv; make_predict_inputs.py wrote
predictions.csv and sksurv_reference.json. See tests/reference/predict/README.md.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import average_precision_score

from escalation.predict import metrics

HERE = Path(__file__).resolve().parents[1] / "reference" / "predict"
PRED = pd.read_csv(HERE / "predictions.csv")
R = pd.read_csv(HERE / "score_reference.csv")
SKSURV = json.loads((HERE / "sksurv_reference.json").read_text())
OUTCOME = {"competing": "control", "censor": "censor"}


@pytest.mark.parametrize("scale", ["time", "days"])
@pytest.mark.parametrize("outcome", ["competing", "censor"])
def test_auc_and_brier_match_riskregression_score(scale: str, outcome: str) -> None:
    ref = R[(R["scale"] == scale) & (R["outcome"] == outcome)].set_index("metric")["estimate"]
    duration, event, risk = PRED[scale], PRED["event"], PRED["risk"]
    competing = OUTCOME[outcome]
    auc = metrics.time_dependent_auc(duration, event, risk, 365, competing=competing)
    brier = metrics.brier_score(duration, event, risk, 365, competing=competing)
    assert auc == pytest.approx(ref["auc"], abs=1e-4)
    assert brier == pytest.approx(ref["brier"], abs=1e-4)
    # tighter than required: the definitions are the same, not merely close
    assert abs(auc - ref["auc"]) < 1e-8 and abs(brier - ref["brier"]) < 1e-8


def test_competing_definition_differs_from_censoring_deaths() -> None:
    """Guard that the two outcome definitions are really different numbers."""
    ref = R[R["scale"] == "time"].set_index(["outcome", "metric"])["estimate"]
    assert abs(ref[("competing", "auc")] - ref[("censor", "auc")]) > 1e-3


def test_metrics_match_scikit_survival() -> None:
    duration, event, risk = PRED["time"], PRED["event"], PRED["risk"]
    h = SKSURV["horizon"]
    assert metrics.harrell_c(duration, event, risk) == pytest.approx(SKSURV["harrell_c"], abs=1e-10)
    assert metrics.uno_c(duration, event, risk, h) == pytest.approx(SKSURV["uno_c"], abs=1e-10)
    auc = metrics.time_dependent_auc(duration, event, risk, h, competing="censor")
    assert auc == pytest.approx(SKSURV["auc"], abs=1e-10)
    brier = metrics.brier_score(duration, event, risk, h, competing="censor")
    assert brier == pytest.approx(SKSURV["brier"], abs=1e-10)
    curves = PRED[[f"risk_{k}" for k in range(len(SKSURV["times"]))]].to_numpy()
    ibs = metrics.integrated_brier_score(
        duration, event, curves, SKSURV["times"], competing="censor"
    )
    assert ibs == pytest.approx(SKSURV["integrated_brier"], abs=1e-10)


def test_average_precision_matches_weighted_sklearn() -> None:
    duration, event, risk = PRED["days"], PRED["event"], PRED["risk"]
    status = metrics.horizon_status(duration, event, 365)
    known = status.weight > 0
    expected = average_precision_score(
        status.case[known], risk[known], sample_weight=status.weight[known]
    )
    assert metrics.average_precision(duration, event, risk, 365) == pytest.approx(expected)
    # with unit weights (no censoring before the horizon) it is sklearn's plain AP
    rng = np.random.default_rng(3)
    y = rng.random(300) < 0.2
    score = (rng.random(300) + y * 0.3) / 1.3  # risks in [0, 1]
    plain = metrics.average_precision(np.where(y, 10.0, 500.0), y.astype(int), score, 365)
    assert plain == pytest.approx(average_precision_score(y, score))


def test_concordance_matches_scikit_survival_with_many_ties() -> None:
    from sksurv.metrics import concordance_index_censored, concordance_index_ipcw
    from sksurv.util import Surv

    for seed in range(20):
        rng = np.random.default_rng(seed)
        n = int(rng.integers(5, 600))
        duration = rng.integers(1, 60, n).astype(float)
        event = rng.choice([0, 1, 2], n)
        event[0] = 1
        risk = np.round(rng.random(n), 1)  # tied risks too
        expected = concordance_index_censored(event == 1, duration, risk)[0]
        assert metrics.harrell_c(duration, event, risk) == pytest.approx(expected, abs=1e-12)
    # Uno's C on untied times (sksurv evaluates G at T, the package at T-: equal then)
    duration = PRED["time"].to_numpy()
    event = PRED["event"].to_numpy()
    y = Surv.from_arrays(event == 1, duration)
    for tau in (100.0, 365.0, 700.0):
        expected = concordance_index_ipcw(y, y, PRED["risk"].to_numpy(), tau=tau)[0]
        assert metrics.uno_c(duration, event, PRED["risk"], tau) == pytest.approx(expected)
