"""Kaplan–Meier, Nelson–Aalen, Aalen–Johansen, log-rank and RMST against R's survival.

Frozen R output in tests/reference/survival (survfit, survdiff, print(survfit, rmean=)).
Tolerances: curves, standard errors and intervals 1e-10 absolute (the brief asks 1e-6);
test statistics 1e-9 relative.
"""

from __future__ import annotations

import itertools
import warnings
from random import Random

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.errors import StatisticalWarning
from escalation.survival import (
    aalen_johansen,
    cumulative_incidence_at,
    kaplan_meier,
    logrank_test,
    nelson_aalen,
    rmst,
)
from tests.survival.survival_reference import read, spells

ATOL = 1e-10


def after_zero(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["time"] > 0].reset_index(drop=True)


def event_rows(frame: pd.DataFrame, ref: pd.DataFrame) -> pd.DataFrame:
    """Rows of ``frame`` at R's event times (``summary(survfit, censored = FALSE)``).

    Each curve ends with one more row, at its last follow-up time when that is a
    censoring (R's full ``survfit`` rows end there too): checked, then left out.
    """
    frame = after_zero(frame).assign(group=lambda f: f["group"].astype(str))
    ref = ref.assign(group=ref["group"].astype(str) if "group" in ref else "all")
    known = ref.groupby("group")["time"].agg(set)
    at_event = np.array([t in known[g] for g, t in zip(frame["group"], frame["time"], strict=True)])
    extra = frame[~at_event]
    assert (extra["n_event"] == 0).all()
    assert extra.groupby("group")["time"].size().le(1).all()
    return frame[at_event].reset_index(drop=True)


@pytest.mark.parametrize(
    ("curve", "conf_type", "kwargs"),
    [
        ("overall", "log", {}),
        ("overall", "log-log", {}),
        ("overall", "plain", {}),
        ("weighted", "log", {"weights": "weight"}),
        ("by_group", "log-log", {"group": "group"}),
    ],
)
def test_kaplan_meier_matches_survfit(curve: str, conf_type: str, kwargs: dict[str, str]) -> None:
    ref = read("km_reference.csv").query("curve == @curve and conf_type == @conf_type")
    fit = kaplan_meier(spells(), conf_type=conf_type, **kwargs)  # type: ignore[arg-type]
    ours = event_rows(fit.tidy(), ref)
    assert len(ours) == len(ref)
    np.testing.assert_allclose(ours["time"], ref["time"])
    np.testing.assert_allclose(ours["estimate"], ref["surv"], atol=ATOL)
    np.testing.assert_allclose(ours["std_error"], ref["std_err"], atol=ATOL)
    np.testing.assert_allclose(ours["conf_low"], ref["lower"], atol=ATOL)
    np.testing.assert_allclose(ours["conf_high"], ref["upper"], atol=ATOL)
    np.testing.assert_allclose(ours["n_risk"], ref["n_risk"], atol=1e-9)
    np.testing.assert_allclose(ours["n_event"], ref["n_event"], atol=1e-9)
    assert list(ours["group"].astype(str)) == list(ref["group"].astype(str))


@pytest.mark.parametrize(
    ("curve", "kwargs"), [("overall", {}), ("weighted", {"weights": "weight"})]
)
def test_nelson_aalen_matches_survfit(curve: str, kwargs: dict[str, str]) -> None:
    ref = read("km_reference.csv").query("curve == @curve and conf_type == 'log'")
    ours = event_rows(nelson_aalen(spells(), weights=kwargs.get("weights")).tidy(), ref)
    np.testing.assert_allclose(ours["estimate"], ref["cumhaz"], atol=ATOL)
    np.testing.assert_allclose(ours["std_error"], ref["std_chaz"], atol=ATOL)
    assert (ours["conf_low"] <= ours["estimate"]).all()


@pytest.mark.parametrize(
    ("curve", "kwargs"), [("overall", {}), ("weighted", {"weights": "weight"})]
)
@pytest.mark.parametrize("cause", [1, 2])
def test_aalen_johansen_matches_survfit_multistate(
    curve: str, kwargs: dict[str, str], cause: int
) -> None:
    ref = read("aj_reference.csv").query("curve == @curve and cause == @cause")
    tidy = aalen_johansen(spells(), **kwargs).tidy()  # type: ignore[arg-type]
    ours = event_rows(tidy[tidy["cause"] == cause], ref)
    assert len(ours) == len(ref)
    np.testing.assert_allclose(ours["estimate"], ref["estimate"], atol=ATOL)
    np.testing.assert_allclose(ours["std_error"], ref["std_err"], atol=ATOL)
    np.testing.assert_allclose(ours["conf_low"], ref["lower"], atol=ATOL)
    np.testing.assert_allclose(ours["conf_high"], ref["upper"], atol=ATOL)


AT_CURVES = {
    "km_by_group": (kaplan_meier, {"group": "group"}, "survival"),
    "km_weighted": (kaplan_meier, {"weights": "weight"}, "survival"),
    "na_by_group": (nelson_aalen, {"group": "group"}, "cumhaz"),
    "aj_overall": (aalen_johansen, {}, "incidence"),
    "aj_weighted_by_group": (aalen_johansen, {"group": "group", "weights": "weight"}, "incidence"),
}


@pytest.mark.parametrize("curve", list(AT_CURVES))
@pytest.mark.parametrize("order", ["sorted", "reversed"])
def test_at_matches_summary_survfit_times(curve: str, order: str) -> None:
    # R's summary(survfit, times =): n.risk at t, n.event since the previous requested time;
    # times before the first event, between event times, on event times and past the end
    fit, kwargs, column = AT_CURVES[curve]
    ref = read("curves_at_reference.csv").query("curve == @curve.replace('na_', 'km_')")
    times = sorted(ref["time"].unique())
    result = fit(spells(), **kwargs)  # type: ignore[operator]
    got = result.at(times if order == "sorted" else times[::-1])
    keys = ["group", "cause", "time"] if "cause" in got else ["group", "time"]
    ref = ref.assign(group=ref["group"].astype(str), cause=ref["cause"].astype("Int64"))
    merged = ref.merge(got.assign(group=got["group"].astype(str)), on=keys, validate="1:1")
    assert len(merged) == len(ref) == len(got)
    np.testing.assert_allclose(merged["n_risk_x"], merged["n_risk_y"], atol=1e-9)
    np.testing.assert_allclose(merged["n_event_x"], merged["n_event_y"], atol=1e-9)
    np.testing.assert_allclose(merged["n_risk_unweighted_x"], merged["n_risk_unweighted_y"], atol=0)
    last = (
        result.exits.assign(group=result.exits["group"].astype(str)).groupby("group")["time"].max()
    )
    known = merged["time"] <= merged["group"].map(last)
    np.testing.assert_allclose(merged.loc[known, "estimate"], merged.loc[known, column], atol=ATOL)
    assert merged.loc[~known, ["estimate", "std_error", "conf_low"]].isna().all().all()
    assert (~known).any() and (merged["time"].isin([20.0, 64.0])).any()


def test_at_counts_agree_with_at_risk_and_add_up_to_the_events() -> None:
    d = spells()
    km = kaplan_meier(d, group="group")
    times = [0.5, 7.5, 20.0, 33.0, 64.0, 90.0, 500.0]
    got = km.at(times)
    at_risk = km.at_risk(times)
    assert got["n_risk"].tolist() == at_risk["at_risk"].astype(float).tolist()
    assert got["n_risk_unweighted"].tolist() == at_risk["at_risk"].astype(float).tolist()
    events = got.groupby("group")["n_event"].sum()
    expected = d[d["event"] > 0].groupby("group").size().astype(float)
    pd.testing.assert_series_equal(events, expected, check_names=False)


def test_aalen_johansen_point_values_are_the_shared_core() -> None:
    d = spells()
    tidy = aalen_johansen(d, causes=[1], weights="weight").tidy()
    core = cumulative_incidence_at(d["duration"], d["event"], tidy["time"], weights=d["weight"])
    np.testing.assert_allclose(tidy["estimate"], core, atol=1e-15)


def test_kaplan_meier_is_one_minus_aalen_johansen_without_competing_events() -> None:
    d = spells().assign(event=lambda f: (f["event"] > 0).astype(int))
    for weights in (None, "weight"):
        km = kaplan_meier(d, weights=weights).tidy()
        aj = aalen_johansen(d, weights=weights).tidy()
        np.testing.assert_allclose(km["estimate"], 1.0 - aj["estimate"], atol=1e-14)
    # with weights both use the infinitesimal jackknife: same standard errors too
    km = kaplan_meier(d, weights="weight").tidy()
    aj = aalen_johansen(d, weights="weight").tidy()
    np.testing.assert_allclose(km["std_error"], aj["std_error"], atol=1e-14)


def test_unit_weights_change_no_estimate() -> None:
    d = spells().assign(one=1.0)
    for f in (kaplan_meier, nelson_aalen, aalen_johansen):
        plain = f(d).tidy()
        weighted = f(d, weights="one").tidy()
        np.testing.assert_allclose(plain["estimate"], weighted["estimate"], atol=1e-14)
    # the IJ and Greenwood variances differ only by O(1/n) terms
    plain = kaplan_meier(d).tidy()
    weighted = kaplan_meier(d, weights="one").tidy()
    np.testing.assert_allclose(plain["std_error"], weighted["std_error"], atol=2e-3)


def test_curves_are_bounded_and_monotone() -> None:
    tidy = kaplan_meier(spells(), group="group").tidy()
    for _, part in tidy.groupby("group"):
        assert part["estimate"].is_monotonic_decreasing
    assert tidy["estimate"].between(0, 1).all()
    # a curve that reaches 0 has no standard error or interval there (as in R)
    assert tidy.loc[tidy["conf_high"].isna(), "estimate"].eq(0).all()
    tidy = tidy.dropna()
    assert (tidy["conf_low"] <= tidy["estimate"] + 1e-15).all()
    assert (tidy["conf_high"] >= tidy["estimate"] - 1e-15).all()


def test_numbers_at_risk() -> None:
    result = kaplan_meier(spells(), group="group")
    table = result.at_risk([0, 10, 1000])
    assert list(table.columns) == ["time", "group", "at_risk"]
    d = spells()
    for level, part in d.groupby("group"):
        expected = [(part["duration"] >= t).sum() for t in [0, 10, 1000]]
        assert table[table["group"] == level]["at_risk"].tolist() == expected


@pytest.mark.parametrize(
    ("test", "kwargs"),
    [
        ("plain", {}),
        ("strata", {"strata": "stratum"}),
        ("rho1", {"rho": 1.0}),
        ("strata_rho05", {"strata": "stratum", "rho": 0.5}),
    ],
)
def test_logrank_matches_survdiff(test: str, kwargs: dict[str, object]) -> None:
    ref = read("logrank_reference.csv").query("test == @test")
    result = logrank_test(spells(), "group", **kwargs)  # type: ignore[arg-type]
    assert result.statistic == pytest.approx(ref["chisq"].iloc[0], rel=1e-9)
    assert result.p_value == pytest.approx(ref["p"].iloc[0], rel=1e-8)
    assert result.df == ref["df"].iloc[0]
    np.testing.assert_allclose(result.tidy()["observed"], ref["observed"], rtol=1e-10)
    np.testing.assert_allclose(result.tidy()["expected"], ref["expected"], rtol=1e-10)
    assert "statistic" in result.glance().columns


@pytest.mark.parametrize("tau", [30, 80])
def test_rmst_matches_survfit_rmean(tau: int) -> None:
    ref = read("rmst_reference.csv").query("tau == @tau")
    table = rmst(spells(), tau, group="group").tidy()
    own = table[table["term"] == "rmst"]
    np.testing.assert_allclose(own["estimate"], ref["rmst"], rtol=1e-12)
    np.testing.assert_allclose(own["std_error"], ref["std_error"], rtol=1e-10)
    diff = table[table["term"] == "difference"].set_index("group")
    se = ref.set_index("group")["std_error"]
    mean = ref.set_index("group")["rmst"]
    assert diff.loc["b - a", "estimate"] == pytest.approx(mean["b"] - mean["a"], rel=1e-12)
    assert diff.loc["c - a", "std_error"] == pytest.approx(np.hypot(se["c"], se["a"]), rel=1e-10)


def test_rmst_equals_area_under_kaplan_meier() -> None:
    d = spells()
    km = kaplan_meier(d).tidy()
    tau = 50.0
    times = np.append(km["time"][km["time"] <= tau].to_numpy(), tau)
    area = float(np.sum(np.diff(times) * km["estimate"][km["time"] <= tau].to_numpy()))
    assert rmst(d, tau).tidy()["estimate"].iloc[0] == pytest.approx(area, rel=1e-12)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(1, 30), st.integers(0, 2), st.floats(0.1, 5.0)),
        min_size=2,
        max_size=60,
    ),
    st.randoms(use_true_random=False),
)
def test_properties_of_the_curves(rows: list[tuple[int, int, float]], rng: Random) -> None:
    frame = pd.DataFrame(rows, columns=["duration", "event", "w"])
    shuffled = frame.sample(frac=1.0, random_state=rng.randint(0, 10**6))
    with warnings.catch_warnings():  # a drawn sample may lack a cause: flagged, not wrong
        warnings.simplefilter("ignore", StatisticalWarning)
        a = aalen_johansen(frame, causes=[1, 2], weights="w").tidy()
        b = aalen_johansen(shuffled, causes=[1, 2], weights="w").tidy()
    np.testing.assert_allclose(a["estimate"], b["estimate"], atol=1e-12)
    np.testing.assert_allclose(a["std_error"], b["std_error"], atol=1e-12)
    # the causes' incidences and event-free survival add up to one
    km = kaplan_meier(frame, weights="w").tidy()
    total = a.groupby("time")["estimate"].sum().reindex(km["time"]).to_numpy()
    np.testing.assert_allclose(total + km["estimate"].to_numpy(), 1.0, atol=1e-12)
    assert km["estimate"].is_monotonic_decreasing


def test_all_at_risk_failing_at_once_gives_zero_error_in_any_order() -> None:
    # Found by hypothesis: weighted d / y summed in another order was 1 - 1e-16, not 1,
    # and the variance exploded (0.49 instead of 0) in one row order only.
    frame = pd.DataFrame(
        {"duration": [1, 1, 1], "event": [1, 1, 1], "w": [1.0, 0.6195332313243486, 0.1]}
    )
    for order in ([0, 1, 2], [2, 1, 0], [1, 2, 0]):
        tidy = aalen_johansen(frame.iloc[order], weights="w").tidy()
        assert tidy["estimate"].iloc[-1] == pytest.approx(1.0)
        assert tidy["std_error"].iloc[-1] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_the_last_survivor_failing_gives_zero_error_in_any_order(order: tuple[int, ...]) -> None:
    # Found by hypothesis: the weight still at risk after the last time was a total minus
    # a running sum, 2e-15 instead of 0 in four of six orders, so the SE was 2e-7, not 0.
    frame = pd.DataFrame(
        {"duration": [2, 1, 1], "event": [1, 0, 1], "w": [0.215, 4.0, 4.0782991303325415]}
    )
    tidy = aalen_johansen(frame.iloc[list(order)], weights="w").tidy()
    assert tidy["estimate"].iloc[-1] == pytest.approx(1.0)
    assert tidy["std_error"].iloc[-1] == 0.0


def test_curves_are_unknown_past_the_last_follow_up() -> None:
    d = pd.DataFrame({"duration": [1, 2, 3, 5, 8.0], "event": [1, 0, 1, 0, 0]})
    out = kaplan_meier(d).at([3, 8, 9])
    assert out["estimate"].iloc[:2].tolist() == pytest.approx([0.8 * 2 / 3] * 2)
    assert out["estimate"].iloc[2:].isna().all() and out["std_error"].iloc[2:].isna().all()
