"""The clustered (robust) log-rank test against R's ``coxph`` robust score test.

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

from escalation.errors import DesignError, StatisticalWarning
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


def test_the_clustered_test_has_no_g_rho_weights() -> None:
    with pytest.raises(DesignError, match=r"rho=1\.0"):
        logrank_test(_data(), "group", rho=1.0, cluster="cluster")


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
