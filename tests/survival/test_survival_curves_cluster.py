"""Curves drawn to the last follow-up, clustered curves, and the robust Cox tests, against R.

Frozen R output: ``tests/reference/survival/curves_cluster.R`` (``survfit`` with
``cluster =``, every row of ``summary(fit, censored = TRUE)``; ``coxph`` Wald and robust
score tests). Tolerances: curves 1e-12 absolute; Cox tests 1e-7 relative (R's convergence).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation import build_spells, default_design, simulate_local_authority
from escalation.data.simulator import SimulationConfig
from escalation.figures.results import plot_curve_result
from escalation.survival import aalen_johansen, fit_cox, kaplan_meier, nelson_aalen, rmst
from escalation.timeline.spells import SpellData
from tests.survival.survival_reference import read, spells

ATOL = 1e-12

CURVES: dict[str, tuple[Any, dict[str, str]]] = {
    "km_plain": (kaplan_meier, {}),
    "km_plain_by_group": (kaplan_meier, {"group": "group"}),
    "km_cluster": (kaplan_meier, {"cluster": "cluster"}),
    "km_cluster_by_group": (kaplan_meier, {"group": "group", "cluster": "cluster"}),
    "km_cluster_weighted": (kaplan_meier, {"weights": "weight", "cluster": "cluster"}),
    "aj_plain": (aalen_johansen, {}),
    "aj_cluster": (aalen_johansen, {"cluster": "cluster"}),
    "aj_cluster_weighted_by_group": (
        aalen_johansen,
        {"group": "group", "weights": "weight", "cluster": "cluster"},
    ),
}


def _merged(name: str) -> pd.DataFrame:
    """Our curve rows (after time 0) joined to R's rows at the same times."""
    fit, kwargs = CURVES[name]
    ours = fit(spells(), **kwargs).tidy()
    ours = ours[ours["time"] > 0].assign(group=lambda f: f["group"].astype(str))
    ref = read("curves_cluster_reference.csv").query("curve == @name")
    ref = ref.assign(group=ref["group"].astype(str))
    keys = ["group", "time"]
    if "cause" in ours:
        keys.append("cause")
        ref = ref.assign(cause=ref["cause"].astype(int))
    else:
        ref = ref.drop(columns="cause")
    merged = ours.merge(ref, on=keys, how="left", validate="1:1", suffixes=("", "_r"))
    assert merged["estimate_r"].notna().all(), "every time of ours is a time of R's survfit"
    return merged


@pytest.mark.parametrize("name", ["km_plain", "km_plain_by_group", "aj_plain"])
def test_curves_end_at_the_last_follow_up_as_survfit(name: str) -> None:
    # groups a and c end with a censoring (116, 112), b with an event (105)
    merged = _merged(name)
    ref = read("curves_cluster_reference.csv").query("curve == @name")
    last_r = ref.assign(group=ref["group"].astype(str)).groupby("group")["time"].max()
    last = merged.groupby("group")["time"].max()
    pd.testing.assert_series_equal(last, last_r.astype(float), check_names=False)
    ends = merged.sort_values("time").groupby(["group", *(["cause"] * ("cause" in merged))]).tail(1)
    np.testing.assert_allclose(ends["estimate"], ends["estimate_r"], atol=ATOL)
    np.testing.assert_allclose(ends["std_error"], ends["std_err"], atol=ATOL)
    np.testing.assert_allclose(ends["conf_high"], ends["upper"], atol=ATOL)
    if name != "aj_plain":  # R's multi-state n.risk is the same here, but say it for KM
        np.testing.assert_allclose(ends["n_risk_unweighted"], ends["n_risk_r"], atol=0)


@pytest.mark.parametrize("name", [n for n in CURVES if "cluster" in n])
def test_clustered_curves_match_survfit_robust(name: str) -> None:
    merged = _merged(name)
    np.testing.assert_allclose(merged["estimate"], merged["estimate_r"], atol=ATOL)
    np.testing.assert_allclose(merged["std_error"], merged["std_err"], atol=ATOL)
    np.testing.assert_allclose(merged["conf_low"], merged["lower"], atol=ATOL, equal_nan=True)
    np.testing.assert_allclose(merged["conf_high"], merged["upper"], atol=ATOL, equal_nan=True)


def test_clustered_nelson_aalen_matches_survfit_std_chaz() -> None:
    ours = nelson_aalen(spells(), cluster="cluster").tidy()
    ref = read("curves_cluster_reference.csv").query("curve == 'km_cluster'")
    merged = ours[ours["time"] > 0].merge(ref, on="time", validate="1:1")
    assert len(merged) == len(ours) - 1
    np.testing.assert_allclose(merged["estimate_x"], merged["cumhaz"], atol=ATOL)
    np.testing.assert_allclose(merged["std_error"], merged["std_chaz"], atol=ATOL)


def test_clustered_curves_say_so_in_glance() -> None:
    d = spells()
    glance = kaplan_meier(d, cluster="cluster").glance().iloc[0]
    assert glance["clusters"] == d["cluster"].nunique() == 187
    assert glance["cluster"] == "cluster"
    assert glance["method"] == "kaplan-meier, infinitesimal jackknife clustered by cluster, log"
    assert "clusters" not in kaplan_meier(d).glance()
    assert "clustered by cluster" in aalen_johansen(d, cluster="cluster").glance()["method"][0]
    assert "clustered" in nelson_aalen(d, cluster="cluster").glance()["method"][0]


def test_a_cluster_of_one_row_each_is_the_infinitesimal_jackknife() -> None:
    d = spells().assign(one=1.0)
    for fit in (kaplan_meier, nelson_aalen, aalen_johansen):
        by_row = fit(d, cluster="id", group="group").tidy()
        weighted = fit(d, weights="one", group="group").tidy()
        np.testing.assert_allclose(by_row["std_error"], weighted["std_error"], atol=1e-14)


def test_influence_se_of_singletons_equals_the_unclustered_path() -> None:
    from escalation.core.influence import influence_se

    rng = np.random.default_rng(3)
    n, size = 60, 12
    position = rng.integers(-1, size, n)
    left, slope, w = rng.normal(size=n), rng.normal(size=n), rng.uniform(0.2, 2.0, n)
    staying, level = rng.normal(size=size), rng.uniform(0, 1, size)
    plain = influence_se(position, left, slope, staying, level, w)
    alone = influence_se(position, left, slope, staying, level, w, np.arange(n)[::-1])
    np.testing.assert_allclose(alone, plain, rtol=1e-12)
    # brute force: each cluster's summed influence, squared and added
    clusters = rng.integers(0, 9, n)
    infl = np.where(
        position[:, None] <= np.arange(size)[None, :],
        left[:, None] + level[None, :] * slope[:, None],
        staying[None, :],
    )
    infl[position < 0] = 0.0
    summed = pd.DataFrame(w[:, None] * infl).groupby(clusters).sum().to_numpy()
    got = influence_se(position, left, slope, staying, level, w, clusters)
    np.testing.assert_allclose(got, np.sqrt((summed**2).sum(axis=0)), rtol=1e-12)


@pytest.fixture(scope="module")
def simdeath() -> SpellData:
    config = SimulationConfig(death_rate_per_year=0.02)
    sim = simulate_local_authority(3000, seed=2, config=config)
    return build_spells(sim.history, default_design())


def test_arms_are_drawn_to_their_last_follow_up(simdeath: SpellData) -> None:
    # the reviewer's case: early help ended at day 1,423 (its last event) though followed
    # to day 1,817 with 56 children at risk beyond day 1,460
    for fit in (kaplan_meier, nelson_aalen, aalen_johansen):
        result = fit(simdeath, group="treatment")
        tidy = result.tidy()
        last = result.exits.groupby("group", observed=True)["time"].max()
        pd.testing.assert_series_equal(
            tidy.groupby("group", observed=True)["time"].max(), last, check_names=False
        )
        keys = ["group", "cause"] if "cause" in tidy else ["group"]
        for _, curve in tidy.groupby(keys, observed=True):
            assert curve["estimate"].iloc[-1] == curve["estimate"].iloc[-2]  # flat
            assert curve["n_event"].iloc[-1] == 0
    km = kaplan_meier(simdeath, group="treatment")
    assert km.tidy().groupby("group", observed=True)["time"].max().loc[1] == 1817.0
    assert km.at_risk([1460.0]).set_index("group")["at_risk"].loc[1] == 56
    plot = plot_curve_result(km)
    assert plot.data["time"].max() == 1826.0


def test_spell_data_clusters_by_family_when_asked(simdeath: SpellData) -> None:
    auto = aalen_johansen(simdeath, group="treatment", cluster="auto")
    named = aalen_johansen(simdeath, group="treatment", cluster="family_id")
    plain = aalen_johansen(simdeath, group="treatment")
    pd.testing.assert_frame_equal(auto.tidy(), named.tidy())
    assert auto.glance()["clusters"][0] == simdeath.spells["family_id"].nunique()
    assert "cluster" not in plain.glance()
    # the same curves, other standard errors (the simulated siblings barely share outcomes)
    np.testing.assert_array_equal(named.tidy()["estimate"], plain.tidy()["estimate"])
    assert not np.allclose(named.tidy()["std_error"], plain.tidy()["std_error"], rtol=1e-6)


def test_summary_counts_are_whole_and_medians_not_reached_say_so() -> None:
    d = spells().assign(event=lambda f: ((f["event"] > 0) & (f["duration"] < 20)).astype(int))
    text = kaplan_meier(d, group="group").summary().as_text()
    table = text.split("-" * 10)[-1]
    assert ".00" not in table  # 57, not 57.00
    row_a = next(line for line in table.splitlines() if line.strip().startswith("a "))
    assert row_a.split() == ["a", "134", "57", "not", "reached", "19", "NA"]
    weighted = kaplan_meier(spells(), group="group", weights="weight").summary().as_text()
    assert "126.05" in weighted  # weighted events keep their decimals, as R prints them


def test_cox_glance_has_clusters_and_the_robust_tests_of_r() -> None:
    ref = read("cox_cluster_tests.csv").set_index("model")
    for model, kwargs in (("cluster", {}), ("weighted_cluster", {"weights": "weight"})):
        fit = fit_cox(spells(), ["x1", "x2", "x3"], cluster="cluster", **kwargs)
        glance = fit.glance().iloc[0]
        expected = ref.loc[model]
        assert glance["clusters"] == expected["clusters"]
        assert glance["wald_statistic"] == pytest.approx(expected["wald"], rel=1e-7)
        assert glance["wald_df"] == expected["wald_df"]
        assert glance["lr_statistic"] == pytest.approx(expected["lr"], rel=1e-7)
        assert glance["robust_score_statistic"] == pytest.approx(expected["robust_score"], rel=1e-7)
        text = fit.summary().as_text()
        assert "robust Wald test" in text and "robust score test" in text
        assert "assumes independent rows" in text
    # Weights without a cluster: robust as well, each row its own cluster, as in R.
    weighted = fit_cox(spells(), ["x1", "x2", "x3"], cluster=None, weights="weight")
    glance = weighted.glance().iloc[0]
    expected = ref.loc["weighted"]
    assert glance["clusters"] == len(spells())
    assert glance["wald_statistic"] == pytest.approx(expected["wald"], rel=1e-7)
    assert glance["robust_score_statistic"] == pytest.approx(expected["robust_score"], rel=1e-7)
    text = weighted.summary().as_text()
    assert "robust score test" in text and "assumes independent rows" in text
    plain = fit_cox(spells(), ["x1", "x2", "x3"], cluster=None)
    assert "clusters" not in plain.glance()
    assert "assumes independent rows" not in plain.summary().as_text()


def test_figure_of_clustered_curves_says_so(simdeath: SpellData) -> None:
    plot = plot_curve_result(aalen_johansen(simdeath, group="treatment", cluster="family_id"))
    assert plot.labels.subtitle == "Unadjusted; intervals clustered by family"
    assert plot_curve_result(aalen_johansen(simdeath, group="treatment")).labels.subtitle == (
        "Unadjusted"
    )
    # Weighted (inverse probability weights, say) curves are not unadjusted (code review).
    w = np.linspace(0.5, 2.0, len(simdeath.spells))
    weighted = kaplan_meier(simdeath, group="treatment", weights=w, cluster="family_id")
    assert plot_curve_result(weighted).labels.subtitle == "Weighted; intervals clustered by family"


def test_clustered_curves_ignore_row_order_and_missing_labels_are_alone() -> None:
    d = spells().assign(cluster=lambda f: f["cluster"].astype(object))
    d.loc[:9, "cluster"] = None  # a child without a recorded family is a family of one
    fit = aalen_johansen(d, cluster="cluster", weights="weight")
    shuffled = aalen_johansen(
        d.sample(frac=1.0, random_state=4), cluster="cluster", weights="weight"
    )
    np.testing.assert_allclose(fit.tidy()["std_error"], shuffled.tidy()["std_error"], atol=1e-14)
    expected = d["cluster"].dropna().nunique() + 10
    assert fit.glance()["clusters"][0] == expected


@pytest.mark.parametrize("tau", [30.0, 80.0])
def test_clustered_rmst_matches_survfit_influence_to_tau(tau: float) -> None:
    ref = read("rmst_cluster_reference.csv").query("tau == @tau")
    result = rmst(spells(), tau, group="group", cluster="cluster")
    merged = result.tidy().merge(ref, on=["term", "group"], validate="1:1")
    assert len(merged) == len(ref) == 5
    np.testing.assert_allclose(merged["estimate_x"], merged["estimate_y"], atol=1e-10)
    np.testing.assert_allclose(merged["std_error_x"], merged["std_error_y"], atol=1e-12)
    glance = result.glance().iloc[0]
    assert glance["clusters"] == 187
    assert glance["method"].endswith("infinitesimal jackknife clustered by cluster")
    assert "clusters" not in rmst(spells(), tau, group="group").glance()
