"""Fine–Gray regression against R (survival::finegray + coxph, cmprsk::crr)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.errors import (
    DataValidationError,
    DesignError,
    StatisticalWarning,
)
from escalation.results import Summary
from escalation.survival.finegray import finegray_expand, fit_fine_gray

REF = Path(__file__).parents[1] / "reference" / "survival"
COVARIATES = ["x1", "x2", "x3"]
PROFILES = pd.DataFrame(
    {"x1": [-1.0, 0.0, 1.5], "x2": [0, 1, 0], "x3": [0.2, 0.5, 0.9]}, index=[1, 2, 3]
)
TIMES = [30, 100, 200, 365, 500]


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"competing_{name}.csv").rename(columns={"time": "duration"})


def _ref(data: str, cause: int, method: str) -> pd.DataFrame:
    frame = pd.read_csv(REF / "competing_coefficients.csv")
    return frame[(frame.data == data) & (frame.cause == cause) & (frame.method == method)]


def _cif(data: str, cause: int, method: str) -> pd.DataFrame:
    frame = pd.read_csv(REF / "competing_cif.csv")
    keep = (frame.data == data) & (frame.cause == cause) & (frame.method == method)
    return frame[keep].sort_values(["profile", "time"])


CASES = [("continuous", 1), ("continuous", 2), ("ties", 1)]


@pytest.mark.parametrize(("data", "cause"), CASES)
def test_survival_finegray_matches_finegray_coxph(data: str, cause: int) -> None:
    fit = fit_fine_gray(_data(data), COVARIATES, cause=cause, min_count=1)
    ref = _ref(data, cause, "finegray_coxph_efron")
    tidy = fit.tidy()
    np.testing.assert_allclose(tidy["estimate"], ref["estimate"], rtol=1e-8)
    np.testing.assert_allclose(tidy["std_error"], ref["std_error"], rtol=1e-8)
    np.testing.assert_allclose(
        np.sqrt(np.diag(fit.naive_covariance)), ref["naive_std_error"], rtol=1e-8
    )
    rows = pd.read_csv(REF / "competing_finegray_rows.csv").set_index("data")["finegray_rows"]
    if cause == 1:
        assert fit.expanded_rows == rows[data]
    predicted = fit.predict_cumulative_incidence(PROFILES, TIMES)
    np.testing.assert_allclose(
        predicted["estimate"], _cif(data, cause, "finegray_coxph_efron")["cif"], atol=1e-8
    )


@pytest.mark.parametrize("cause", [1, 2])
def test_survival_finegray_matches_crr_without_ties(cause: int) -> None:
    fit = fit_fine_gray(_data("continuous"), COVARIATES, cause=cause, min_count=1)
    ref = _ref("continuous", cause, "crr")
    np.testing.assert_allclose(fit.tidy()["estimate"], ref["estimate"], rtol=1e-5)
    # crr's variance adds the estimation of the censoring distribution: close, not equal
    np.testing.assert_allclose(fit.tidy()["std_error"], ref["std_error"], rtol=5e-3)
    predicted = fit.predict_cumulative_incidence(PROFILES, TIMES)
    np.testing.assert_allclose(
        predicted["estimate"], _cif("continuous", cause, "crr")["cif"], atol=1e-6
    )


def test_survival_finegray_crr_with_ties_is_close() -> None:
    # crr breaks ties its own way; within 1% of finegray + coxph on whole-day data
    fit = fit_fine_gray(_data("ties"), COVARIATES, cause=1, min_count=1)
    ref = _ref("ties", 1, "crr")
    np.testing.assert_allclose(fit.tidy()["estimate"], ref["estimate"], rtol=1e-2)


def test_survival_finegray_without_competing_events_is_cox() -> None:
    fit = fit_fine_gray(_data("nocomp"), COVARIATES, cause=1, min_count=1)
    ref = _ref("nocomp", 1, "coxph_efron")
    np.testing.assert_allclose(fit.tidy()["estimate"], ref["estimate"], rtol=1e-8)
    np.testing.assert_allclose(fit.tidy()["std_error"], ref["std_error"], rtol=1e-8)
    assert fit.expanded_rows == fit.n


def test_survival_finegray_expand_hand_example() -> None:
    rows = finegray_expand([2, 3, 4, 5, 6], [1, 2, 0, 1, 0])
    # censoring KM: 1 at t<4, 2/3 after 4 (3 at risk), 0 after 6; subject 1 (competing at
    # 3) is extended to the end of its censoring interval (4), then (4, 6] with 2/3 / 1
    extended = rows[rows["row"] == 1]
    assert extended[["start", "stop"]].to_numpy().tolist() == [[0.0, 4.0], [4.0, 6.0]]
    np.testing.assert_allclose(extended["weight"], [1.0, 2.0 / 3.0])


def test_survival_finegray_result_shape() -> None:
    fit = fit_fine_gray(_data("continuous"), COVARIATES, cause=1, min_count=1)
    tidy = fit.tidy(exponentiate=True)
    assert list(tidy.columns) == [
        "term",
        "estimate",
        "std_error",
        "conf_low",
        "conf_high",
        "conf_level",
        "p_value",
        "std_error_scale",
    ]
    assert (tidy["conf_low"] < tidy["estimate"]).all()
    glance = fit.glance()
    assert glance.loc[0, "n"] == 400 and glance.loc[0, "events"] == 153
    summary = fit.summary()
    assert isinstance(summary, Summary) and "x1" in summary.as_text()
    assert fit.backend.params_.shape == (3,)


def test_survival_finegray_cluster_changes_only_the_variance() -> None:
    data = _data("continuous")
    data["family"] = (data["id"] - 1) // 2
    plain = fit_fine_gray(data, COVARIATES, min_count=1)
    clustered = fit_fine_gray(data, COVARIATES, cluster="family", min_count=1)
    np.testing.assert_allclose(plain.coefficients, clustered.coefficients)
    assert clustered.clusters == 200
    assert not np.allclose(plain.std_error, clustered.std_error)


def test_survival_finegray_cause_without_events() -> None:
    with pytest.raises(DesignError, match="cause 3 has no events"):
        fit_fine_gray(_data("continuous"), COVARIATES, cause=3, min_count=1)


def test_survival_finegray_constant_covariate_is_left_out_as_in_cox() -> None:
    data = _data("continuous").assign(flat=1.0)
    with pytest.warns(StatisticalWarning, match="flat do not vary"):
        fit = fit_fine_gray(data, ["x1", "flat"], min_count=1)
    alone = fit_fine_gray(data, ["x1"], min_count=1)
    pd.testing.assert_frame_equal(fit.tidy(), alone.tidy())
    with (
        pytest.warns(StatisticalWarning, match="flat do not vary"),
        pytest.raises(DesignError, match="no covariate varies"),
    ):
        fit_fine_gray(data, ["flat"], min_count=1)


def test_survival_finegray_needs_covariates_for_frames() -> None:
    with pytest.raises(DesignError, match="name the covariates"):
        fit_fine_gray(_data("continuous"))


def test_survival_finegray_case_weights_match_r() -> None:
    fit = fit_fine_gray(_data("ties"), COVARIATES, weights="w", min_count=1)
    ref = _ref("ties", 1, "finegray_coxph_efron_weighted")
    np.testing.assert_allclose(fit.tidy()["estimate"], ref["estimate"], rtol=1e-8)
    np.testing.assert_allclose(fit.tidy()["std_error"], ref["std_error"], rtol=1e-8)
    np.testing.assert_allclose(
        np.sqrt(np.diag(fit.naive_covariance)), ref["naive_std_error"], rtol=1e-8
    )


def test_survival_finegray_unit_weights_change_nothing() -> None:
    data = _data("ties").assign(one=1.0)
    plain = fit_fine_gray(data, COVARIATES, min_count=1)
    weighted = fit_fine_gray(data, COVARIATES, weights="one", min_count=1)
    np.testing.assert_allclose(weighted.coefficients, plain.coefficients, rtol=1e-12)
    np.testing.assert_allclose(weighted.covariance, plain.covariance, rtol=1e-10)


def test_survival_finegray_backend_is_lifelines_on_same_rows() -> None:
    fit = fit_fine_gray(_data("continuous"), COVARIATES, min_count=1)
    lifelines_coef = fit.backend.params_.reindex(COVARIATES).to_numpy()
    np.testing.assert_allclose(lifelines_coef, fit.coefficients, rtol=1e-5)
    assert len(fit.expanded) == fit.expanded_rows


def test_survival_finegray_separation_warns() -> None:
    data = _data("continuous")
    data["perfect"] = (data["event"] == 1).astype(float)
    with pytest.warns(StatisticalWarning, match="separation"):
        fit = fit_fine_gray(data, ["x1", "perfect"], min_count=1)
    assert fit.separated == ("perfect",)


def test_survival_finegray_collinear_covariates_are_dropped() -> None:
    data = _data("continuous").assign(x4=lambda d: d["x1"] + 2 * d["x2"])
    with pytest.warns(StatisticalWarning, match=r"x4 \(collinear with x1, x2\) are linear"):
        fit = fit_fine_gray(data, ["x1", "x2", "x4", "x3"], min_count=1)
    assert fit.terms == ("x1", "x2", "x3")
    ref = _ref("continuous", 1, "finegray_coxph_efron")
    np.testing.assert_allclose(fit.tidy()["estimate"], ref["estimate"], rtol=1e-8)
    cif = fit.predict_cumulative_incidence(PROFILES.assign(x4=0.0), TIMES)
    np.testing.assert_allclose(
        cif["estimate"], _cif("continuous", 1, "finegray_coxph_efron")["cif"], atol=1e-8
    )


def test_survival_finegray_bad_event_codes() -> None:
    data = _data("continuous")
    data.loc[5, "event"] = -1
    with pytest.raises(DataValidationError, match="event"):
        fit_fine_gray(data, COVARIATES, min_count=1)


def test_survival_finegray_recovers_a_true_subdistribution_model() -> None:
    # Fine & Gray (1999, section 5): F1(t | x) = 1 - {1 - p (1 - exp(-t))}^exp(x b1),
    # cause 2 exponential with rate exp(x b2) among the rest; uniform censoring
    rng = np.random.default_rng(20261125)
    n, p, b1, b2 = 3000, 0.6, np.array([0.5, -0.5]), np.array([-0.3, 0.4])
    x = np.column_stack([rng.normal(size=n), rng.random(n) < 0.5]).astype(float)
    e1 = np.exp(x @ b1)
    total1 = 1.0 - (1.0 - p) ** e1
    is_one = rng.random(n) < total1
    u = rng.random(n)
    inner = (1.0 - u * total1) ** (1.0 / e1)
    t1 = -np.log(1.0 - (1.0 - inner) / p)
    t2 = rng.exponential(1.0 / np.exp(x @ b2))
    time = np.where(is_one, t1, t2)
    censor = rng.uniform(0.0, 3.0, n)
    data = pd.DataFrame(
        {
            "duration": np.minimum(time, censor),
            "event": np.where(censor < time, 0, np.where(is_one, 1, 2)),
            "x1": x[:, 0],
            "x2": x[:, 1],
        }
    )
    fit = fit_fine_gray(data, ["x1", "x2"], min_count=1)
    z = (fit.coefficients - b1) / fit.std_error
    assert np.all(np.abs(z) < 4), z
    profiles = pd.DataFrame({"x1": [-1.0, 1.0], "x2": [0.0, 1.0]})
    got = fit.predict_cumulative_incidence(profiles, [0.5, 1.0, 2.0])
    lp = np.exp(profiles.to_numpy() @ b1)
    truth = 1.0 - (1.0 - p * (1.0 - np.exp(-np.array([0.5, 1.0, 2.0]))))[None, :] ** lp[:, None]
    np.testing.assert_allclose(got["estimate"], truth.ravel(), atol=0.04)


@pytest.mark.parametrize(
    ("model", "weights"), [("finegray", None), ("finegray_weighted", "weight")]
)
def test_survival_finegray_matches_finegray_efron_on_tied_weeks(
    model: str, weights: str | None
) -> None:
    """finegray() + coxph(ties = "efron", eps = 1e-12) on whole-week spells where events,
    competing events and censorings share days, clustered by family: equal to ~1e-9.
    (cmprsk::crr breaks such ties its own way and differs by about 1%.)"""
    spells = pd.read_csv(REF / "spells.csv")
    ref = pd.read_csv(REF.parent / "core" / "finegray_spells.csv").query("model == @model")
    fit = fit_fine_gray(spells, COVARIATES, cluster="cluster", weights=weights, min_count=1)
    tidy = fit.tidy()
    np.testing.assert_allclose(tidy["estimate"], ref["estimate"], rtol=1e-9)
    np.testing.assert_allclose(tidy["std_error"], ref["std_error"], rtol=1e-9)
    np.testing.assert_allclose(
        np.sqrt(np.diag(fit.naive_covariance)), ref["naive_std_error"], rtol=1e-9
    )
    assert fit.expanded_rows == ref["rows"].iloc[0]
    cif = pd.read_csv(REF.parent / "core" / "finegray_spells_cif.csv").query("model == @model")
    predicted = fit.predict_cumulative_incidence(PROFILES.reset_index(drop=True), [10, 30, 60, 90])
    np.testing.assert_allclose(predicted["estimate"], cif["cif"], rtol=1e-9)
