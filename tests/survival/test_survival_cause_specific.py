"""Cause-specific Cox models against R (riskRegression::CSC, predictRisk)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError, StatisticalWarning
from escalation.survival.cause_specific import fit_cause_specific

REF = Path(__file__).parents[1] / "reference" / "survival"
COVARIATES = ["x1", "x2", "x3"]
PROFILES = pd.DataFrame(
    {"x1": [-1.0, 0.0, 1.5], "x2": [0, 1, 0], "x3": [0.2, 0.5, 0.9]}, index=[1, 2, 3]
)
TIMES = [30, 100, 200, 365, 500]


def _data(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"competing_{name}.csv").rename(columns={"time": "duration"})


@pytest.mark.parametrize("data", ["continuous", "ties"])
def test_survival_cause_specific_matches_csc(data: str) -> None:
    fit = fit_cause_specific(_data(data), COVARIATES, min_count=1)
    coef = pd.read_csv(REF / "competing_coefficients.csv")
    ref = coef[(coef.data == data) & (coef.method == "cause_specific_coxph")]
    tidy = fit.tidy()
    assert tidy["cause"].tolist() == ref["cause"].tolist()
    np.testing.assert_allclose(tidy["estimate"], ref["estimate"], rtol=1e-6)
    np.testing.assert_allclose(tidy["std_error"], ref["std_error"], rtol=1e-6)
    cif = pd.read_csv(REF / "competing_cif.csv")
    # the one CIF formula of the core is riskRegression's product limit
    expected = cif[(cif.data == data) & (cif.method == "csc_product_limit")]
    expected = expected.sort_values(["cause", "profile", "time"])
    got = fit.predict_cumulative_incidence(PROFILES, TIMES)
    np.testing.assert_allclose(got["estimate"], expected["cif"], atol=1e-8)


def test_survival_cause_specific_cifs_stay_below_one() -> None:
    # the product-limit event-free probability and the CIFs of every cause add to one,
    # so the CIFs never sum above one, even at the end of the data (past it: unknown, NaN)
    fit = fit_cause_specific(_data("continuous"), ["x2"], min_count=1)
    end = fit.last_follow_up
    got = fit.predict_cumulative_incidence(pd.DataFrame({"x2": [0, 1]}), [50, 400, end])
    total = got.groupby(["profile", "time"])["estimate"].sum()
    assert (total <= 1.0 + 1e-12).all()
    assert total.loc[(0, end)] > 0.9


def test_survival_cause_specific_result_shape() -> None:
    fit = fit_cause_specific(_data("continuous"), COVARIATES, min_count=1, cluster="id")
    glance = fit.glance()
    assert glance.loc[0, "events_cause_1"] == 153
    assert glance.loc[0, "events_cause_2"] == 110
    assert set(fit.backend) == {1, 2}
    assert "Cause-specific" in fit.summary().as_text()
    hr = fit.tidy(exponentiate=True)
    assert (hr["estimate"] > 0).all()


def test_survival_cause_specific_errors() -> None:
    with pytest.raises(DesignError, match="cause 5 has no events"):
        fit_cause_specific(_data("continuous"), COVARIATES, causes=[1, 5], min_count=1)
    fit = fit_cause_specific(_data("continuous"), COVARIATES, causes=[1], min_count=1)
    with pytest.raises(DesignError, match="cause 2 was not modelled"):
        fit.predict_cumulative_incidence(PROFILES, TIMES, cause=2)


def test_survival_cause_specific_case_weights_match_r() -> None:
    fit = fit_cause_specific(_data("ties"), COVARIATES, weights="w", min_count=1)
    coef = pd.read_csv(REF / "competing_coefficients.csv")
    ref = coef[(coef.data == "ties") & (coef.method == "cause_specific_coxph_weighted")]
    np.testing.assert_allclose(fit.tidy()["estimate"], ref["estimate"], rtol=1e-8)
    np.testing.assert_allclose(fit.tidy()["std_error"], ref["std_error"], rtol=1e-8)
    assert fit.glance()["variance"].iloc[0] == "robust"  # it said "model" (docs/competing.md)


def test_survival_cause_specific_backend_is_lifelines() -> None:
    fit = fit_cause_specific(_data("continuous"), COVARIATES, min_count=1)
    for cause in (1, 2):
        got = fit.backend[cause].params_.reindex(COVARIATES).to_numpy()
        np.testing.assert_allclose(got, fit.coefficients[cause], rtol=1e-4)


def test_survival_cause_specific_constant_covariate_is_left_out_as_in_cox() -> None:
    # it was a DesignError here while fit_cox and fit_aft warned and left the column out
    data = _data("continuous").assign(flat=1.0)
    with pytest.warns(StatisticalWarning, match="flat do not vary"):
        fit = fit_cause_specific(data, ["x1", "flat"], min_count=1)
    alone = fit_cause_specific(data, ["x1"], min_count=1)
    pd.testing.assert_frame_equal(fit.tidy(), alone.tidy())
