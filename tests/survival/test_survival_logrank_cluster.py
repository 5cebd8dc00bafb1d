"""The clustered (robust) log-rank test against R's ``coxph`` robust score test.

With G-rho weights (``rho != 0``, refused before session 27: R's Cox score test has none)
the reference is the formula by hand (:func:`_g_rho_by_hand`): the weighted log-rank
score U and its cluster-robust variance, the sum over clusters of the squared per-cluster
score contributions; at ``rho = 0`` the same hand formula gives R's ``rscore``.

Was: ``logrank_test`` took no ``cluster=``, so siblings sharing a family were tested as
independent children. Frozen R output: ``tests/reference/survival/logrank_cluster.R``
(``coxph(Surv(duration, event == cause) ~ factor(group) + strata(stratum) +
cluster(cluster), ties = "breslow")``'s ``rscore``). Tolerance: 1e-8 relative.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.errors import StatisticalWarning
from escalation.survival import logrank_test
from tests.survival.survival_reference import read, spells

RTOL = 1e-8
REFERENCE = read("logrank_cluster_reference.csv")
CAUSES: dict[str, int | None] = {"first": 1, "second": 2, "any": None}


def _data() -> pd.DataFrame:
    frame = spells()
    return frame.assign(two=np.where(frame["group"] == "a", "a", "bc"))


def _arguments(row: pd.Series) -> dict[str, Any]:
    strata = None if pd.isna(row["strata"]) else str(row["strata"])
    return {"group": row["group"], "cause": CAUSES[row["event"]], "strata": strata}


@pytest.mark.parametrize("name", REFERENCE["test"].tolist())
def test_the_clustered_log_rank_test_is_coxphs_robust_score_test(name: str) -> None:
    row = REFERENCE.set_index("test").loc[name].rename(name)
    clustered = logrank_test(_data(), **_arguments(row), cluster="cluster")
    assert clustered.statistic == pytest.approx(row["robust_score"], rel=RTOL)
    assert clustered.df == row["df"]
    assert clustered.p_value == pytest.approx(row["p_value"], rel=RTOL)
    facts = clustered.glance().iloc[0]
    assert facts["cluster"] == "cluster" and facts["clusters"] == row["clusters"]
    assert facts["method"] == "log-rank, rho=0, robust score clustered by cluster"


@pytest.mark.parametrize("name", REFERENCE["test"].tolist())
def test_the_plain_log_rank_test_stays_survdiff_the_exact_cox_score_test(name: str) -> None:
    row = REFERENCE.set_index("test").loc[name].rename(name)
    plain = logrank_test(_data(), **_arguments(row))
    assert plain.statistic == pytest.approx(row["survdiff"], rel=RTOL)
    assert plain.statistic == pytest.approx(row["score_exact"], rel=RTOL)
    assert "cluster" not in plain.glance()
    clustered = logrank_test(_data(), **_arguments(row), cluster="cluster")
    pd.testing.assert_frame_equal(clustered.tidy(), plain.tidy())  # observed, expected


def test_clusters_of_one_give_the_robust_test_of_independent_rows() -> None:
    data = _data()
    alone = logrank_test(data, "group", cluster="id").statistic
    assert alone != pytest.approx(logrank_test(data, "group").statistic, rel=1e-6)
    families = data.assign(family=data["cluster"].astype(str) + "f")
    by_label = logrank_test(families, "group", cluster="family").statistic
    assert by_label == pytest.approx(logrank_test(data, "group", cluster="cluster").statistic)


def _g_rho_by_hand(
    frame: pd.DataFrame, group: str, hit: np.ndarray, strata: str | None, rho: float
) -> tuple[float, np.ndarray]:
    """The clustered G-rho statistic from its formula, row by row; and U.

    In each stratum, at each event time t_j: Y_j at risk (duration >= t_j), d_j events,
    Y_gj of group g at risk, the weight w_j = S(t_j-)^rho of the pooled Kaplan-Meier curve
    S(t_j-) = prod_{l < j} (1 - d_l / Y_l). Row i's score for group g (the first k - 1
    groups, sorted) is r_ig = sum_j w_j [dN_i(t_j) - Y_i(t_j) d_j / Y_j] [1(g_i = g) -
    Y_gj / Y_j]; U = sum_i r_i, U_c = sum_{i in c} r_i, and the statistic is
    U' (sum_c U_c U_c')^-1 U on k - 1 degrees of freedom.
    """
    levels = sorted(frame[group].unique())[:-1]
    layers = [np.ones(len(frame), dtype=bool)] if strata is None else [
        (frame[strata] == s).to_numpy() for s in frame[strata].unique()
    ]  # fmt: skip
    scores = np.zeros((len(frame), len(levels)))
    time, labels = frame["duration"].to_numpy(), frame[group].to_numpy()
    for layer in layers:
        surv = 1.0
        for t in np.unique(time[layer & hit]):
            at_risk = layer & (time >= t)
            dead = layer & hit & (time == t)
            y, d, w = at_risk.sum(), dead.sum(), surv**rho
            for g, level in enumerate(levels):
                share = (at_risk & (labels == level)).sum() / y
                own = (labels == level).astype(float) - share
                scores[:, g] += w * (dead - at_risk * d / y) * own
            surv *= 1 - d / y
    u = scores.sum(axis=0)
    by_cluster = pd.DataFrame(scores).groupby(frame["cluster"].to_numpy()).sum().to_numpy()
    return float(u @ np.linalg.inv(by_cluster.T @ by_cluster) @ u), u


@pytest.mark.parametrize("rho", [0.0, 0.5, 1.0])
@pytest.mark.parametrize(("group", "strata"), [("group", None), ("two", "stratum")])
def test_the_clustered_g_rho_test_is_its_formula_by_hand(
    rho: float, group: str, strata: str | None
) -> None:
    """Was: refused (a DesignError) for rho != 0. At rho = 0 the hand formula is R's rscore."""
    data = _data()
    hit = (data["event"] == 1).to_numpy()
    statistic, u = _g_rho_by_hand(data, group, hit, strata, rho)
    clustered = logrank_test(data, group, strata=strata, rho=rho, cluster="cluster")
    assert clustered.statistic == pytest.approx(statistic, rel=1e-10)
    assert clustered.df == data[group].nunique() - 1
    table = clustered.tidy()  # U: the weighted observed minus expected of the unclustered test
    np.testing.assert_allclose((table["observed"] - table["expected"])[:-1], u, rtol=1e-10)
    pd.testing.assert_frame_equal(table, logrank_test(data, group, strata=strata, rho=rho).tidy())
    assert clustered.glance().iloc[0]["method"] == (
        f"log-rank, rho={rho:g}, robust score clustered by cluster"
    )
    if rho == 0 and strata is None:  # the hand formula is R's rscore ("three_groups")
        r = REFERENCE.set_index("test").loc["three_groups"]
        assert statistic == pytest.approx(r["robust_score"], rel=RTOL)


def test_auto_leaves_a_data_frame_unclustered() -> None:
    data = _data()
    auto = logrank_test(data, "group", cluster="auto")
    assert auto.cluster is None and auto.statistic == logrank_test(data, "group").statistic


def test_no_more_clusters_than_degrees_of_freedom_is_warned_of() -> None:
    """Three groups (2 df) in two clusters: the statistic is 2 whatever the data (review).

    The middle matrix is a sum of two outer products, so ``U' M^- U`` is the number of
    clusters; R's ``rscore`` gives the same number without a word.
    """
    frame = _data().assign(two_clusters=lambda f: np.arange(len(f)) % 2)
    with pytest.warns(StatisticalWarning, match="2 cluster"):
        result = logrank_test(frame, group="group", cause=1, cluster="two_clusters")
    assert result.statistic == pytest.approx(2.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logrank_test(frame, group="group", cause=1, cluster="cluster")  # many clusters
