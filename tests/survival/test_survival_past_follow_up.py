"""Model predictions and ``rmst`` past the last follow-up: unknown there, never silently flat.

Was: ``predict_survival`` (Cox) and ``predict_cumulative_incidence`` (Fine–Gray,
cause-specific) read past the last follow-up repeated the last value with no NaN and no
warning, while ``kaplan_meier().at()`` gives NaN there (docs/survival.md: "the curve is
unknown there") and R's ``summary(survfit(fit, newdata), times)`` leaves those times
out; ``rmst(tau)`` with ``tau`` past a group's follow-up integrated a flat curve there
without a word. One rule decides (``escalation.survival._outcome.past_follow_up``).

The reference spells end at day 116 in stratum 1 (a censoring) and day 98 in stratum 2
(an event); groups a, b and c end at days 116, 105 and 112.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError, StatisticalWarning
from escalation.survival import (
    fit_cause_specific,
    fit_cox,
    fit_fine_gray,
    kaplan_meier,
    rmst,
)
from tests.survival.survival_reference import read, spells

COVARIATES = ["x1", "x2"]


def _profiles() -> pd.DataFrame:
    return pd.DataFrame({"x1": [0.2, 0.2], "x2": [1, 1], "stratum": [1, 2]}, index=["s1", "s2"])


def _estimates(frame: pd.DataFrame, profile: str) -> np.ndarray:
    return frame.loc[frame["profile"] == profile, "estimate"].to_numpy(dtype=float)


def _last_by_stratum(d: pd.DataFrame) -> dict[int, float]:
    return {int(k): float(v) for k, v in d.groupby("stratum")["duration"].max().items()}


@pytest.mark.parametrize("model", ["strata_efron", "efron"])
def test_cox_prediction_keeps_exactly_the_times_r_keeps(model: str) -> None:
    # R: summary(survfit(fit, newdata), times, extend = FALSE) (past_follow_up.R)
    ref = read("past_follow_up_reference.csv").query("model == @model")
    times = [5.0, 20.0, 60.0, 98.0, 100.0, 116.0, 117.0]
    profiles = pd.DataFrame(
        {"x1": [-1, 0, 1.5], "x2": [0, 1, 1], "x3": [0, 2, 4], "stratum": [1, 2, 1]}
    )
    d = spells().assign(event=lambda f: (f["event"] == 1).astype(int))
    strata = "stratum" if model == "strata_efron" else None
    fit = fit_cox(d, ["x1", "x2", "x3"], strata=strata, cluster=None)
    ours = fit.predict_survival(profiles, times)
    merged = ours.merge(ref, on=["profile", "time"], how="left")
    kept = merged["survival"].notna()
    assert kept.sum() == len(ref)
    np.testing.assert_allclose(
        merged.loc[kept, "estimate"], merged.loc[kept, "survival"], rtol=1e-9
    )
    assert merged.loc[~kept, "estimate"].isna().all()


def test_stratified_cox_prediction_is_nan_past_its_own_stratum_follow_up() -> None:
    d = spells().assign(event=lambda f: (f["event"] == 1).astype(int))
    last = _last_by_stratum(d)
    assert last == {1: 116.0, 2: 98.0}  # the data the test is about
    fit = fit_cox(d, COVARIATES, strata="stratum", cluster=None)
    times = [90.0, 98.0, 99.0, 112.0, 116.0, 117.0]
    pred = fit.predict_survival(_profiles(), times)
    known_1 = np.array(times) <= last[1]
    known_2 = np.array(times) <= last[2]
    s1, s2 = _estimates(pred, "s1"), _estimates(pred, "s2")
    assert np.isfinite(s1[known_1]).all() and np.isnan(s1[~known_1]).all()
    assert np.isfinite(s2[known_2]).all() and np.isnan(s2[~known_2]).all()
    assert fit.last_follow_up() == last


def test_cox_last_follow_up_counts_only_the_rows_fitted() -> None:
    d = spells().assign(event=lambda f: (f["event"] == 1).astype(int), w=1.0)
    d.loc[d["duration"] == 116.0, "w"] = 0.0  # stratum 1's last row leaves the fit
    fit = fit_cox(d, COVARIATES, strata="stratum", weights="w", cluster=None)
    shorter = d.loc[(d["stratum"] == 1) & (d["w"] > 0), "duration"].max()
    assert shorter < 116.0
    pred = fit.predict_survival(_profiles().iloc[:1], [shorter, 116.0])
    assert np.isfinite(pred["estimate"].iloc[0]) and np.isnan(pred["estimate"].iloc[1])


def test_unstratified_cox_matches_kaplan_meier_at_on_what_is_unknown() -> None:
    d = spells().assign(event=lambda f: (f["event"] == 1).astype(int))
    times = [100.0, 116.0, 116.5, 730.0]
    fit = fit_cox(d, COVARIATES, cluster=None)
    pred = fit.predict_survival(_profiles().drop(columns="stratum"), times)
    curve = kaplan_meier(d).at(times)["estimate"].to_numpy()
    np.testing.assert_array_equal(np.isnan(_estimates(pred, "s1")), np.isnan(curve))
    assert np.isnan(curve).tolist() == [False, False, True, True]


@pytest.mark.parametrize("model", ["fine_gray", "cause_specific"])
def test_cumulative_incidence_is_nan_past_the_last_follow_up(model: str) -> None:
    d = spells()
    times = [98.0, 116.0, 117.0, 730.0]
    profiles = _profiles().drop(columns="stratum")
    if model == "fine_gray":
        fit = fit_fine_gray(d, COVARIATES, cause=1)
        pred = fit.predict_cumulative_incidence(profiles, times)
    else:
        fit = fit_cause_specific(d, COVARIATES)
        pred = fit.predict_cumulative_incidence(profiles, times, cause=1)
    for profile in ("s1", "s2"):
        values = _estimates(pred, profile)
        assert np.isfinite(values[:2]).all() and np.isnan(values[2:]).all()
    assert fit.last_follow_up == 116.0


def test_rmst_warns_naming_each_group_whose_follow_up_tau_passes() -> None:
    d = spells()
    with pytest.warns(StatisticalWarning, match="past the last follow-up") as caught:
        result = rmst(d, 110.0, group="group")
    message = str(caught[0].message)
    assert "group b (105 days)" in message
    assert "group a" not in message and "group c" not in message
    assert result.last_follow_up == {"a": 116.0, "b": 105.0, "c": 112.0}
    assert result.glance()["last_follow_up"].iloc[0] == 105.0


def test_rmst_within_every_group_follow_up_does_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = rmst(spells(), 105.0, group="group")
    assert result.glance()["last_follow_up"].iloc[0] == 105.0


@pytest.mark.parametrize("group", [None, "group"])
def test_rmst_refuses_tau_past_every_group_follow_up(group: str | None) -> None:
    # the effect estimates' rule for horizons (check_estimable): nothing is followed so long
    with pytest.raises(DesignError, match=r"tau = 117 days is past the longest follow-up.*116"):
        rmst(spells(), 117.0, group=group)


def test_every_model_glance_records_the_last_follow_up() -> None:
    # Was: no model's glance() said where its predictions stop being known (NaN past it).
    d = spells().assign(event=lambda f: (f["event"] == 1).astype(int))
    last = _last_by_stratum(d)
    stratified = fit_cox(d, COVARIATES, strata="stratum", cluster=None)
    assert stratified.glance().loc[0, "last_follow_up"] == min(last.values()) == 98.0
    plain = fit_cox(d, COVARIATES, cluster=None)
    assert plain.glance().loc[0, "last_follow_up"] == max(last.values()) == 116.0
    competing = spells()
    for fit in (
        fit_fine_gray(competing, COVARIATES, cluster=None),
        fit_cause_specific(competing, COVARIATES, cluster=None),
    ):
        assert fit.glance().loc[0, "last_follow_up"] == competing["duration"].max() == 116.0
