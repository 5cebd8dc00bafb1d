"""Risk models recover known risks from a known data-generating process."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError, DesignError
from escalation.predict import metrics
from escalation.predict.models import risk_model


def exponential_data(n: int, seed: int) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray]:
    """Constant hazards: escalation 0.001 * exp(0.8 a - 0.5 b), death 0.0004."""
    rng = np.random.default_rng(seed)
    x = pd.DataFrame({"a": rng.normal(size=n), "b": rng.binomial(1, 0.4, n).astype(float)})
    l1 = 0.001 * np.exp(0.8 * x["a"] - 0.5 * x["b"]).to_numpy()
    l2 = 0.0004
    t1, t2 = rng.exponential(1 / l1), rng.exponential(1 / l2, n)
    c = rng.uniform(100, 1500, n)
    time = np.minimum.reduce([t1, t2, c])
    event = np.select([time == t1, time == t2], [1, 2], 0)
    truth = l1 / (l1 + l2) * (1 - np.exp(-(l1 + l2) * 365))
    return x, time, event, truth


def test_cox_recovers_coefficients_and_the_cumulative_incidence() -> None:
    x, time, event, truth = exponential_data(3000, 1)
    fitted = risk_model("cox").fit(x, time, event)
    coef = fitted.coefficients
    assert coef["a"] == pytest.approx(0.8, abs=0.08)
    assert coef["b"] == pytest.approx(-0.5, abs=0.12)
    risk = fitted.predict_risk(x, [365])[:, 0]
    assert np.mean(np.abs(risk - truth)) < 0.01
    # death competes: ignoring it (1 - S) would overstate every risk
    ignoring = 1 - np.exp(-fitted.cumulative_hazard(x)[:, np.searchsorted(fitted.grid, 365) - 1])
    assert np.all(ignoring >= risk - 1e-12)
    assert np.mean(ignoring - risk) > 0.002


def test_predicted_risk_is_a_cumulative_incidence() -> None:
    x, time, event, _ = exponential_data(800, 2)
    for kind in ("penalised_cox", "gradient_boosting", "random_forest"):
        fitted = risk_model(kind, n_estimators=30, min_samples_leaf=15).fit(x, time, event)
        # day 5000 is past the last follow-up (about 1500 days): unknown, not held flat
        risk = fitted.predict_risk(x.iloc[:50], [0.5, 100, 365, 730, 5000])
        assert 730 < time.max() < 5000 and np.isnan(risk[:, -1]).all(), kind
        risk = risk[:, :-1]
        assert np.all(risk[:, 0] == 0)
        assert np.all(np.diff(risk, axis=1) >= -1e-12), kind
        assert np.all((risk >= 0) & (risk <= 1)), kind


def test_cumulative_hazard_up_to_a_grid_time_is_the_start_of_the_whole() -> None:
    """predict_risk asks only for the grid up to its last time: the same values."""
    x, time, event, _ = exponential_data(400, 7)
    for kind in ("cox", "penalised_cox", "gradient_boosting", "random_forest"):
        fitted = risk_model(kind, n_estimators=10, min_samples_leaf=15).fit(x, time, event)
        whole = fitted.cumulative_hazard(x.iloc[:40])
        upto = int(np.searchsorted(fitted.grid, 365, side="right"))
        assert 0 < upto < whole.shape[1], kind
        np.testing.assert_array_equal(fitted.cumulative_hazard(x.iloc[:40], upto),
                                      whole[:, :upto], err_msg=kind)  # fmt: skip


def test_machine_learning_models_rank_and_calibrate_reasonably() -> None:
    x, time, event, _ = exponential_data(1000, 3)
    test_x, test_time, test_event, test_truth = exponential_data(800, 4)
    oracle_auc = metrics.time_dependent_auc(test_time, test_event, test_truth, 365)
    for kind in ("gradient_boosting", "random_forest"):
        fitted = risk_model(kind, n_estimators=40, min_samples_leaf=20, seed=1).fit(x, time, event)
        risk = fitted.predict_risk(test_x, [365])[:, 0]
        auc = metrics.time_dependent_auc(test_time, test_event, risk, 365)
        assert oracle_auc - 0.06 < auc <= oracle_auc + 0.02, kind
        assert risk.mean() == pytest.approx(test_truth.mean(), abs=0.03), kind


def test_cox_drops_constant_and_duplicated_columns() -> None:
    x, time, event, _ = exponential_data(500, 5)
    x = x.assign(constant=1.0, copy_a=x["a"] * 2)
    fitted = risk_model("cox").fit(x, time, event)
    assert fitted.columns == ("a", "b")


def test_errors_say_what_is_wrong() -> None:
    x, time, _, _ = exponential_data(50, 6)
    with pytest.raises(DesignError, match="unknown risk model"):
        risk_model("neural_net")
    with pytest.raises(DataValidationError, match="no escalations"):
        risk_model("cox").fit(x, time, np.zeros(50, dtype=int))


@pytest.mark.parametrize("name", ["_duration", "_event"])
def test_a_covariate_named_like_the_penalised_cox_helper_columns_is_kept(name: str) -> None:
    # lifelines needs the outcome as columns next to the covariates; a covariate named like
    # them was overwritten by the outcome and left out of the model without a word
    x, time, event, _ = exponential_data(600, 3)
    spec = risk_model("penalised_cox", penalizer=0.1)
    plain = spec.fit(x, time, event)
    clashing = spec.fit(x.rename(columns={"a": name}), time, event)
    assert list(clashing.coefficients.index) == [name, "b"]
    np.testing.assert_allclose(clashing.coefficients.to_numpy(), plain.coefficients.to_numpy())
    np.testing.assert_allclose(
        clashing.predict_risk(x.rename(columns={"a": name}), [365]),
        plain.predict_risk(x, [365]),
    )
