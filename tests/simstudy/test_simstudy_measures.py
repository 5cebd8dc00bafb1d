"""Performance measures against the published formulas (Morris, White & Crowther 2019).

Two independent references on a frozen set of estimates (tests/reference/simstudy/):
base R written out from Table 6 of the paper (frozen output; rsimsum, the R package of the
same formulas, is not in Debian, so it could not be used), and a plain-Python loop below
that spells the formulas out term by term. Both must agree with the package to 1e-12.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError, DesignError
from escalation.simstudy import MEASURES, performance_measures, zip_data

REF = Path(__file__).resolve().parents[1] / "reference" / "simstudy"


@pytest.fixture(scope="module")
def estimates() -> pd.DataFrame:
    return pd.read_csv(REF / "estimates.csv")


@pytest.fixture(scope="module")
def ours(estimates: pd.DataFrame) -> pd.DataFrame:
    return performance_measures(estimates, by=["scenario_id", "estimator"]).set_index(
        ["scenario_id", "estimator", "measure"]
    )


def _by_hand(rows: list[dict[str, float]], alpha: float = 0.05) -> dict[str, tuple[float, float]]:
    """Table 6 of Morris et al. (2019), one sum at a time."""
    n = len(rows)
    theta = rows[0]["truth"]
    est = [r["estimate"] for r in rows]
    var = [r["std_error"] ** 2 for r in rows]
    mean = math.fsum(est) / n
    ss = math.fsum((e - mean) ** 2 for e in est)
    emp = math.sqrt(ss / (n - 1))
    mse = math.fsum((e - theta) ** 2 for e in est) / n
    mse_ss = math.fsum(((e - theta) ** 2 - mse) ** 2 for e in est)
    mean_v = math.fsum(var) / n
    mod = math.sqrt(mean_v)
    var_v = math.fsum((v - mean_v) ** 2 for v in var) / (n - 1)
    cover = sum(r["conf_low"] <= theta <= r["conf_high"] for r in rows) / n
    be = sum(r["conf_low"] <= mean <= r["conf_high"] for r in rows) / n
    power = sum(r["p_value"] <= alpha for r in rows) / n
    return {
        "bias": (mean - theta, math.sqrt(ss / (n * (n - 1)))),
        "empirical_se": (emp, emp / math.sqrt(2 * (n - 1))),
        "mse": (mse, math.sqrt(mse_ss / (n * (n - 1)))),
        "model_se": (mod, math.sqrt(var_v / (4 * n * mod**2))),
        "relative_error_model_se": (
            100 * (mod / emp - 1),
            100 * (mod / emp) * math.sqrt(var_v / (4 * n * mod**4) + 1 / (2 * (n - 1))),
        ),
        "coverage": (cover, math.sqrt(cover * (1 - cover) / n)),
        "bias_eliminated_coverage": (be, math.sqrt(be * (1 - be) / n)),
        "power": (power, math.sqrt(power * (1 - power) / n)),
    }


def test_measures_match_base_r_hand_computation(ours: pd.DataFrame) -> None:
    reference = pd.read_csv(REF / "measures_r.csv").set_index(
        ["scenario_id", "estimator", "measure"]
    )
    assert len(reference) == 32
    joined = reference.join(ours, lsuffix="_r")
    np.testing.assert_allclose(joined["estimate"], joined["estimate_r"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(joined["mcse"], joined["mcse_r"], rtol=0, atol=1e-12)


def test_measures_match_python_hand_computation(
    estimates: pd.DataFrame, ours: pd.DataFrame
) -> None:
    for (scenario, estimator), group in estimates.groupby(["scenario_id", "estimator"]):
        expected = _by_hand(group.to_dict("records"))
        assert set(expected) == set(MEASURES) - {"relative_precision"}  # a pair: below
        for measure, (value, mcse) in expected.items():
            row = ours.loc[(scenario, estimator, measure)]
            assert row["estimate"] == pytest.approx(value, abs=1e-12), measure
            assert row["mcse"] == pytest.approx(mcse, abs=1e-12), measure


def test_measures_see_the_bias_and_the_small_model_se(ours: pd.DataFrame) -> None:
    biased = ours.xs(("s1", "biased"), level=["scenario_id", "estimator"])["estimate"]
    good = ours.xs(("s1", "good"), level=["scenario_id", "estimator"])["estimate"]
    assert biased["bias"] > 0.015 and abs(good["bias"]) < 0.006
    assert biased["relative_error_model_se"] < -10
    assert biased["coverage"] < biased["bias_eliminated_coverage"] < good["coverage"] + 0.05
    assert ours.loc[("s2", "good", "power"), "estimate"] < 0.1  # truth 0: power = type I error


def test_failed_replications_are_counted_not_used(estimates: pd.DataFrame) -> None:
    frame = estimates.copy()
    frame.loc[frame.index[:3], "estimate"] = np.nan
    out = performance_measures(frame, by=["scenario_id", "estimator"])
    first = out[(out["scenario_id"] == "s1") & (out["estimator"] == "good")]
    assert set(first["failed"]) == {3} and set(first["replications"]) == {247}


def test_varying_truth_reduces_to_the_constant_formulas(estimates: pd.DataFrame) -> None:
    group = estimates[(estimates["scenario_id"] == "s1")].copy()
    shift = np.linspace(-0.01, 0.01, len(group))
    moved = group.assign(
        estimate=group["estimate"] + shift,
        conf_low=group["conf_low"] + shift,
        conf_high=group["conf_high"] + shift,
        truth=group["truth"] + shift,
    )
    a = performance_measures(group, by=["estimator"]).set_index(["estimator", "measure"])
    b = performance_measures(moved, by=["estimator"]).set_index(["estimator", "measure"])
    for measure in ("bias", "mse", "coverage", "bias_eliminated_coverage"):
        np.testing.assert_allclose(
            a.xs(measure, level="measure")["estimate"],
            b.xs(measure, level="measure")["estimate"],
            atol=1e-12,
        )


def test_missing_column_is_named() -> None:
    with pytest.raises(DataValidationError, match="truth"):
        performance_measures(pd.DataFrame({"estimate": [1.0]}), by=[])


def test_zip_data_ranks_the_misses_on_top(estimates: pd.DataFrame) -> None:
    rows = estimates[(estimates["scenario_id"] == "s1")]
    frame = zip_data(rows)
    for _, group in frame.groupby("estimator"):
        ordered = group.sort_values("centile")
        assert ordered["z"].is_monotonic_increasing
        misses = ordered.loc[~ordered["covers"], "centile"]
        hits = ordered.loc[ordered["covers"], "centile"]
        assert misses.min() > hits.max()  # every miss ranks above every hit
        assert group["coverage"].iloc[0] == pytest.approx(group["covers"].mean())


def _without_se_table() -> pd.DataFrame:
    """Method a: 4 estimates (2 with an SE, interval and p-value) and 1 failure; b: no SE."""
    nan = np.nan
    a = pd.DataFrame(
        {
            "method": "a",
            "estimate": [0.9, 1.1, 1.0, 1.2, nan],
            "std_error": [0.1, 0.2, nan, nan, nan],
            "conf_low": [0.7, 1.05, nan, nan, nan],
            "conf_high": [1.1, 1.4, nan, nan, nan],
            "p_value": [0.01, 0.2, nan, nan, nan],
            "truth": 1.0,
            "error": [None, None, None, None, "ValueError: boom"],
        }
    )
    b = a.iloc[:4].assign(method="b", std_error=nan, conf_low=nan, conf_high=nan, p_value=nan)
    return pd.concat([a, b], ignore_index=True)


def test_a_missing_standard_error_is_not_a_failure() -> None:
    """Hand computation of Table 6 (Morris et al. 2019) on a 5-row table.

    Errors θ̂ - θ over the 4 estimates: -0.1, 0.1, 0, 0.2 (mean 0.05; deviations ±0.15,
    ±0.05, sum of squares 0.05). Squared errors 0.01, 0.01, 0, 0.04 (MSE 0.015; squared
    deviations from it sum to 0.0009). The 2 replications with an SE: variances 0.01, 0.04
    (mean 0.025, sample variance 0.00045), estimates 0.9, 1.1 (EmpSE √0.02). Intervals
    [0.7, 1.1] (covers 1) and [1.05, 1.4] (does not); their mean error is 0, so the
    bias-eliminated centre is 1 too. p-values 0.01 and 0.2.
    """
    out = performance_measures(_without_se_table(), by=["method"]).set_index(["method", "measure"])
    ratio = math.sqrt(0.025) / math.sqrt(0.02)
    expected = {
        "bias": (0.05, math.sqrt(0.05 / (4 * 3)), 4),
        "empirical_se": (math.sqrt(0.05 / 3), math.sqrt(0.05 / 3) / math.sqrt(2 * 3), 4),
        "mse": (0.015, math.sqrt(0.0009 / (4 * 3)), 4),
        "model_se": (math.sqrt(0.025), math.sqrt(0.00045 / (4 * 2 * 0.025)), 2),
        "relative_error_model_se": (
            100 * (ratio - 1),
            100 * ratio * math.sqrt(0.00045 / (4 * 2 * 0.025**2) + 1 / (2 * 1)),
            2,
        ),
        "coverage": (0.5, math.sqrt(0.5 * 0.5 / 2), 2),
        "bias_eliminated_coverage": (0.5, math.sqrt(0.5 * 0.5 / 2), 2),
        "power": (0.5, math.sqrt(0.5 * 0.5 / 2), 2),
    }
    for measure, (value, mcse, n) in expected.items():
        row = out.loc[("a", measure)]
        assert row["estimate"] == pytest.approx(value, abs=1e-12), measure
        assert row["mcse"] == pytest.approx(mcse, abs=1e-12), measure
        assert (row["replications"], row["failed"]) == (n, 1), measure
    # b never has an SE: the estimate-only measures are a's, the others missing, n = 0.
    for measure in MEASURES:
        row = out.loc[("b", measure)]
        assert row["failed"] == 0
        if measure in ("bias", "empirical_se", "mse"):
            assert row["estimate"] == pytest.approx(expected[measure][0], abs=1e-12)
            assert row["mcse"] == pytest.approx(expected[measure][1], abs=1e-12)
            assert row["replications"] == 4
        else:
            assert np.isnan(row["estimate"]) and np.isnan(row["mcse"])
            assert row["replications"] == 0


def test_a_standard_error_that_should_be_there_is_a_failure() -> None:
    """A bootstrapped estimator's missing standard error (``se_method`` not "none", e.g.
    every replicate failed) is a failed replication, left out of every measure: counted
    for bias alone, it would leave coverage resting on the replications that went well.
    So is a row with an error, even with an estimate. Without an ``se_method`` (or with
    "none") a missing standard error is not a failure (the test above)."""
    table = (
        _without_se_table()
        .query("method == 'a'")
        .assign(
            se_method=["cluster_bootstrap"] * 4 + [None],
            error=[None, None, None, "ValueError: late", "ValueError: boom"],
        )
    )
    out = performance_measures(table, by=["method"]).set_index("measure")
    # Failed: rows 3 (no SE from its bootstrap), 4 (an error, with an estimate), 5 (error).
    assert (out["failed"] == 3).all()
    # Bias over the two replications left, 0.9 and 1.1: errors -0.1 and 0.1.
    assert out.loc["bias", "estimate"] == pytest.approx(0.0, abs=1e-12)
    assert out.loc["bias", "replications"] == 2
    assert out.loc["coverage", "replications"] == 2
    none = table.assign(se_method="none", error=None)  # only row 5 (no estimate) fails
    assert (performance_measures(none, by=["method"])["failed"] == 1).all()


# ----------------------------------------------------------------- relative precision
#: Two methods over five replications of one scenario (hand-made); replication 4 of "b"
#: failed, so the pairs are replications 0-3.
_PAIRED = pd.DataFrame(
    {
        "scenario_id": "s",
        "estimator": ["a"] * 5 + ["b"] * 5,
        "replication": [0, 1, 2, 3, 4] * 2,
        "estimate": [1.0, 2.0, 4.0, 3.0, 9.0, 1.5, 2.0, 3.0, 3.5, np.nan],
        "std_error": 1.0,
        "conf_low": -10.0,
        "conf_high": 10.0,
        "truth": 2.0,
    }
)


def test_relative_precision_is_morris_table_6_by_hand() -> None:
    """Morris et al. (2019) Table 6, relative % increase in precision of B against A:
    100((EmpSE_A/EmpSE_B)² - 1), MCSE 200 (EmpSE_A/EmpSE_B)² sqrt((1 - ρ²)/(n - 1)), over
    the n replications both have (it was not computed at all)."""
    out = performance_measures(_PAIRED, by=["scenario_id", "estimator"], reference="a")
    rows = out[out["measure"] == "relative_precision"].set_index("estimator")
    # Pairs (a, b): (1, 1.5), (2, 2), (4, 3), (3, 3.5); a's 9.0 has no partner.
    a, b = [1.0, 2.0, 4.0, 3.0], [1.5, 2.0, 3.0, 3.5]
    mean_a, mean_b = sum(a) / 4, sum(b) / 4  # 2.5, 2.5
    ss_a = sum((x - mean_a) ** 2 for x in a)  # 5.0
    ss_b = sum((x - mean_b) ** 2 for x in b)  # 2.5
    cross = sum((x - mean_a) * (y - mean_b) for x, y in zip(a, b, strict=True))  # 3.0
    assert (ss_a, ss_b, cross) == (5.0, 2.5, 3.0)
    ratio = (math.sqrt(ss_a / 3) / math.sqrt(ss_b / 3)) ** 2  # 2.0
    rho = cross / math.sqrt(ss_a * ss_b)  # 3 / sqrt(12.5): rho² = 0.72
    assert rows.loc["b", "estimate"] == pytest.approx(100 * (ratio - 1), abs=1e-12)  # 100
    assert rows.loc["b", "estimate"] == pytest.approx(100.0, abs=1e-12)
    expected_mcse = 200 * ratio * math.sqrt((1 - rho**2) / 3)
    assert rows.loc["b", "mcse"] == pytest.approx(expected_mcse, abs=1e-12)
    assert rows.loc["b", "mcse"] == pytest.approx(400 * math.sqrt(0.28 / 3), abs=1e-12)
    assert rows.loc["b", "replications"] == 4 and rows.loc["b", "failed"] == 1
    # The reference against itself: no gain, no Monte Carlo error (as rsimsum reports it).
    assert (rows.loc["a", "estimate"], rows.loc["a", "mcse"]) == (0.0, 0.0)
    assert rows.loc["a", "replications"] == 5


def test_relative_precision_reference_defaults_to_the_first_method_and_is_checked() -> None:
    swapped = pd.concat(
        [_PAIRED[_PAIRED["estimator"] == "b"], _PAIRED[_PAIRED["estimator"] == "a"]]
    )
    out = performance_measures(swapped, by=["scenario_id", "estimator"])
    rows = out[out["measure"] == "relative_precision"].set_index("estimator")
    assert rows.loc["a", "estimate"] == pytest.approx(100 * (1 / 2 - 1), abs=1e-12)  # -50
    with pytest.raises(DesignError, match=r"reference='c'.*estimator"):
        performance_measures(_PAIRED, by=["scenario_id", "estimator"], reference="c")
    twice = pd.concat([_PAIRED, _PAIRED.iloc[[1]]], ignore_index=True)
    with pytest.raises(DataValidationError, match="more than once"):
        performance_measures(twice, by=["scenario_id", "estimator"])


def test_a_missing_truth_is_a_counted_failure(estimates: pd.DataFrame) -> None:
    # an estimate without a truth was neither used nor counted as failed: every measure
    # quietly rested on fewer replications, and `failed` said 0
    frame = estimates.copy()
    frame.loc[frame.index[:2], "truth"] = np.nan
    out = performance_measures(frame, by=["scenario_id", "estimator"])
    first = out[(out["scenario_id"] == "s1") & (out["estimator"] == "good")]
    assert set(first["failed"]) == {2}
    assert set(first.loc[first["measure"] != "relative_precision", "replications"]) == {248}


def test_an_interval_with_the_truth_on_its_limit_covers() -> None:
    # Ties: an interval whose limit equals the truth contains it (closed interval), as
    # rsimsum's `true >= lower & true <= upper`; hand count 3 of 4.
    frame = pd.DataFrame(
        {
            "estimate": [1.0, 1.2, 0.8, 2.0],
            "std_error": 0.1,
            "conf_low": [0.5, 1.0, 0.5, 1.5],  # second: lower limit = truth
            "conf_high": [1.5, 1.4, 1.0, 2.5],  # third: upper limit = truth
            "truth": 1.0,
            "method": "m",
        }
    )
    table = performance_measures(frame, by=["method"]).set_index("measure")
    assert table.loc["coverage", "estimate"] == 0.75
    assert table.loc["coverage", "mcse"] == pytest.approx(math.sqrt(0.75 * 0.25 / 4))


def test_zip_plot_coverage_is_the_table_coverage(estimates: pd.DataFrame) -> None:
    # a row with a standard error but no interval, or with no truth, was drawn in the zip
    # plot as an interval that misses (NaN <= truth is False), so the plot's coverage was
    # below performance.csv's
    frame = estimates[(estimates["scenario_id"] == "s1") & (estimates["estimator"] == "good")]
    frame = frame.reset_index(drop=True)
    frame.loc[0, "conf_low"] = np.nan
    frame.loc[1, "truth"] = np.nan
    kept = frame.iloc[2:]  # hand count over the 248 usable rows
    covered = int(
        ((kept["conf_low"] <= kept["truth"]) & (kept["truth"] <= kept["conf_high"])).sum()
    )
    zipped = zip_data(frame)
    table = performance_measures(frame, by=["estimator"]).set_index("measure")
    assert len(zipped) == 248
    assert zipped["coverage"].iloc[0] == pytest.approx(covered / 248, abs=1e-15)
    assert table.loc["coverage", "estimate"] == pytest.approx(covered / 248, abs=1e-15)


def test_an_infinite_estimate_is_a_counted_failure(estimates: pd.DataFrame) -> None:
    # an infinite estimate (a risk ratio over a zero risk) was used: bias and MSE were inf,
    # the empirical SE NaN, and `failed` said 0
    frame = estimates[(estimates["scenario_id"] == "s1") & (estimates["estimator"] == "good")]
    frame = frame.reset_index(drop=True)
    frame.loc[0, "estimate"] = np.inf
    frame.loc[1, "std_error"] = np.inf
    out = performance_measures(frame, by=["estimator"]).set_index("measure")
    kept = frame.iloc[2:]
    assert set(out["failed"]) == {2}
    # Bias by hand over the 248 finite rows: mean(θ̂) − θ.
    expected = math.fsum(kept["estimate"]) / 248 - kept["truth"].iloc[0]
    assert out.loc["bias", "estimate"] == pytest.approx(expected, abs=1e-14)
    assert np.isfinite(out.loc[["bias", "empirical_se", "mse", "model_se"], "estimate"]).all()


def test_varying_truth_by_hand_morris_white_crowther() -> None:
    """With a truth per replication (Morris, White & Crowther 2019, Table 6 with θ_i): the
    empirical SE is the SD of the estimates whatever the truths; bias and MSE use each
    replication's own truth. Estimates 1, 2, 4 against truths 0.5, 2.5, 3: errors 0.5,
    -0.5, 1; bias 1/3 (MCSE sqrt(Σ(e_i - ē)² / (n(n-1))) = sqrt(42/36 / 6)); EmpSE
    sqrt(Σ(θ̂_i - 7/3)² / 2) = sqrt(7/3) (MCSE / sqrt(4)); MSE (0.25 + 0.25 + 1) / 3 = 0.5."""
    frame = pd.DataFrame(
        {"scenario_id": "s", "estimate": [1.0, 2.0, 4.0], "truth": [0.5, 2.5, 3.0],
         "std_error": np.nan, "conf_low": np.nan, "conf_high": np.nan}
    )  # fmt: skip
    out = performance_measures(frame, by=["scenario_id"]).set_index("measure")
    assert out.loc["bias", "estimate"] == pytest.approx(1 / 3)
    assert out.loc["bias", "mcse"] == pytest.approx(math.sqrt(42 / 36 / 6))
    assert out.loc["empirical_se", "estimate"] == pytest.approx(math.sqrt(7 / 3))
    assert out.loc["empirical_se", "mcse"] == pytest.approx(math.sqrt(7 / 3) / 2)
    assert out.loc["mse", "estimate"] == pytest.approx(0.5)
