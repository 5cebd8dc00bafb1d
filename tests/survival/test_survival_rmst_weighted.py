"""The restricted mean survival time of weighted curves (``rmst(weights=)``), against R.

Was: ``rmst`` took no ``weights=``, though the curves do, so the RMST of an
inverse-probability-weighted Kaplan–Meier curve needed a copy of the area by hand. Frozen
R output: ``tests/reference/survival/rmst_weighted.R`` (``summary(survfit(weights = ),
rmean = tau)``'s ``rmean``; standard errors from ``survfit(..., influence = TRUE)``
integrated to tau, by row or summed by cluster). Tolerances: 1e-10 relative.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.survival import kaplan_meier, rmst
from tests.survival.survival_reference import read, spells

RTOL = 1e-10
REFERENCE = read("rmst_weighted_reference.csv")


def _compared(result: pd.DataFrame, reference: pd.DataFrame) -> pd.DataFrame:
    ours = result.assign(group=result["group"].astype(str))
    merged = ours.merge(reference, on=["term", "group"], validate="1:1", suffixes=("", "_r"))
    assert len(merged) == len(reference)
    return merged


@pytest.mark.parametrize("tau", [30, 80])
@pytest.mark.parametrize("clustering", ["none", "cluster"])
def test_weighted_rmst_by_group_matches_survfit_influence_to_tau(
    tau: float, clustering: str
) -> None:
    ref = REFERENCE.query("tau == @tau and cluster == @clustering and group != 'all'")
    cluster = None if clustering == "none" else "cluster"
    result = rmst(spells(), tau, group="group", weights="weight", cluster=cluster)
    merged = _compared(result.tidy(), ref)
    np.testing.assert_allclose(merged["estimate"], merged["estimate_r"], rtol=RTOL)
    np.testing.assert_allclose(merged["std_error"], merged["std_error_r"], rtol=RTOL)
    method = result.glance().loc[0, "method"]
    assert method.endswith(
        "infinitesimal jackknife" + ("" if cluster is None else " clustered by cluster")
    )
    assert result.weighted


@pytest.mark.parametrize("tau", [30, 80])
def test_one_weighted_curve_and_weights_given_as_values(tau: float) -> None:
    ref = REFERENCE.query("tau == @tau and group == 'all'")
    data = spells()
    by_column = rmst(data, tau, weights="weight").tidy()
    by_values = rmst(data, tau, weights=data["weight"].to_numpy()).tidy()
    pd.testing.assert_frame_equal(by_column, by_values)
    merged = _compared(by_column, ref)
    np.testing.assert_allclose(merged["estimate"], merged["estimate_r"], rtol=RTOL)
    np.testing.assert_allclose(merged["std_error"], merged["std_error_r"], rtol=RTOL)
    # R's print(survfit, rmean =) se is another formula (weighted counts in Greenwood's)
    assert not np.allclose(merged["std_error"], merged["print_se"], rtol=1e-2)


def test_the_weighted_rmst_is_the_area_under_the_weighted_curve() -> None:
    data = spells()
    curve = kaplan_meier(data, weights="weight").tidy()
    tau = 50.0
    steps = curve[curve["time"] <= tau]
    edges = np.append(steps["time"].to_numpy(), tau)
    area = float(np.sum(steps["estimate"].to_numpy() * np.diff(edges)))
    assert rmst(data, tau, weights="weight").tidy().loc[0, "estimate"] == pytest.approx(area)


def test_weights_of_one_give_the_unweighted_estimate_and_the_jackknife() -> None:
    data = spells()
    plain = rmst(data, 80, group="group").tidy()
    ones = rmst(data, 80, group="group", weights=np.ones(len(data))).tidy()
    np.testing.assert_allclose(ones["estimate"], plain["estimate"], rtol=1e-12)
    # the jackknife of unit weights is print.survfit's formula (as Greenwood's for S)
    np.testing.assert_allclose(ones["std_error"], plain["std_error"], rtol=1e-12)


def test_zero_weights_are_left_out_and_counted() -> None:
    data = spells()
    weights = data["weight"].to_numpy().copy()
    weights[:10] = 0.0
    result = rmst(data, 80, weights=weights)
    kept = rmst(data.iloc[10:], 80, weights=weights[10:])
    assert result.dropped == 10 and result.n == len(data) - 10
    pd.testing.assert_frame_equal(result.tidy(), kept.tidy())
