"""Hernán & Robins, *Causal Inference: What If*, chapters 12 and 17, on NHEFS.

Data: tests/reference/causal/nhefs.csv, the needed columns of ``causaldata.nhefs``
(MIT-licensed package; the data are published with the book).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.causal import (
    fit_propensity,
    ipw_mean_difference,
    pooled_logistic_survival,
    treatment_weights,
)

NHEFS = Path(__file__).resolve().parents[1] / "reference" / "causal" / "nhefs.csv"
COVARIATES = [
    "sex", "race", "age", "age2", "education", "smokeintensity", "smokeintensity2",
    "smokeyrs", "smokeyrs2", "exercise", "active", "wt71", "wt712",
]  # fmt: skip


@pytest.fixture(scope="module")
def nhefs() -> pd.DataFrame:
    frame = pd.read_csv(NHEFS)
    for column in ("education", "exercise", "active"):
        frame[column] = frame[column].astype(str)
    for column in ("age", "smokeintensity", "smokeyrs", "wt71"):
        frame[column + "2"] = frame[column] ** 2
    frame["survtime"] = np.where(
        frame["death"] == 0, 120, (frame["yrdth"] - 83) * 12 + frame["modth"]
    ).astype(int)
    return frame


def test_ip_weighted_weight_gain_chapter_12(nhefs: pd.DataFrame) -> None:
    """3.4 kg (95% CI 2.4 to 4.5); the book's R code gives 3.4405 (2.4106, 4.4705)."""
    out = ipw_mean_difference(nhefs, outcome="wt82_71", treatment="qsmk", covariates=COVARIATES)
    row = out.iloc[0]
    assert row["estimate"] == pytest.approx(3.4405, abs=5e-4)
    assert row["conf_low"] == pytest.approx(2.4106, abs=5e-4)
    assert row["conf_high"] == pytest.approx(4.4705, abs=5e-4)


def test_ip_weighting_counts_the_participants_without_an_outcome(nhefs: pd.DataFrame) -> None:
    """Chapter 12 analyses 1,566 of the 1,629 participants: 63 have no 1982 weight."""
    assert len(nhefs) == 1629
    out = ipw_mean_difference(nhefs, outcome="wt82_71", treatment="qsmk", covariates=COVARIATES)
    assert out[["n", "dropped"]].iloc[0].tolist() == [1566, 63]


def test_survival_at_120_months_chapter_17(nhefs: pd.DataFrame) -> None:
    """IP weighting 80.7% (quit) vs 80.5%; parametric g-formula 80.4% vs 80.6%."""
    scores = fit_propensity(nhefs, "qsmk", COVARIATES, min_count=1)
    weights = treatment_weights(scores.scores, scores.treatment)
    ipw = pooled_logistic_survival(
        nhefs,
        duration="survtime",
        event="death",
        treatment="qsmk",
        formula="qsmk + qsmk:time + qsmk:I(time**2) + time + I(time**2)",
        times=[120],
        weights=weights,
        standardize=False,
    ).set_index("group")["survival"]
    assert round(100 * ipw["treated"], 1) == 80.7
    assert round(100 * ipw["untreated"], 1) == 80.5
    formula = (
        "qsmk + I(qsmk*time) + I(qsmk*time**2) + time + I(time**2) + sex + race + age"
        " + I(age**2) + C(education) + smokeintensity + I(smokeintensity**2)"
        " + smkintensity82_71 + smokeyrs + I(smokeyrs**2) + C(exercise) + C(active)"
        " + wt71 + I(wt71**2)"
    )
    gform = pooled_logistic_survival(
        nhefs, duration="survtime", event="death", treatment="qsmk", formula=formula, times=[120]
    ).set_index("group")["survival"]
    assert round(100 * gform["treated"], 1) == 80.4
    assert round(100 * gform["untreated"], 1) == 80.6


def test_pooled_logistic_gformula_with_competing_events_recovers_truth() -> None:
    """Discrete-time g-formula (30-day intervals) against the DGP's potential-outcome risks."""
    from .causal_support import simulate, true_risks

    data = simulate(3000, seed=13)
    data["months"] = np.ceil(data["duration"] / 30).astype(int)
    out = pooled_logistic_survival(
        data,
        duration="months",
        event="event",
        treatment="treatment",
        formula="treatment + risk + factor + age + time",
        times=[12],
    ).set_index("group")
    truth = true_risks((360,)).iloc[0]
    assert out.loc["treated", "risk"] == pytest.approx(truth["risk_treated"], abs=0.03)
    assert out.loc["untreated", "risk"] == pytest.approx(truth["risk_untreated"], abs=0.03)
    assert out.loc["treated", "survival"] < 1 - out.loc["treated", "risk"]


def test_pooled_logistic_fits_equal_statsmodels_glm() -> None:
    """The package's one logistic regression gives what statsmodels' GLM gives (the oracle):
    weighted hazard models of the event and of the competing event, same formula, and the
    g-formula's risks and survival computed from the GLM's predictions (1e-6)."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    from .causal_support import simulate

    data = simulate(800, seed=21)
    data["months"] = np.ceil(data["duration"] / 30).astype(int)
    weights = np.random.default_rng(3).uniform(0.5, 2.0, len(data))
    formula = "treatment * (time + I(time**2)) + risk + C(factor) + age"
    out = pooled_logistic_survival(
        data, duration="months", event="event", treatment="treatment", formula=formula,
        times=[6, 12], weights=weights,
    ).set_index(["group", "time"])  # fmt: skip

    n = data["months"].to_numpy()
    rows = np.repeat(np.arange(len(data)), n)
    long = data.iloc[rows].reset_index(drop=True)
    long["time"] = np.concatenate([np.arange(k) for k in n])
    last = long["time"].to_numpy() == np.repeat(n - 1, n)
    long["y1"] = (last & (long["event"] == 1)).astype(int)
    long["y2"] = (last & (long["event"] >= 2)).astype(int)
    fits = [
        smf.glm(f"{y} ~ {formula}", data=long, family=sm.families.Binomial(),
                freq_weights=weights[rows]).fit(tol=1e-12)
        for y in ("y1", "y2")
    ]  # fmt: skip
    for arm, group in ((1, "treated"), (0, "untreated")):
        grid = data.loc[data.index.repeat(12)].reset_index(drop=True)
        grid["time"], grid["treatment"] = np.tile(np.arange(12), len(data)), arm
        h1, h2 = (np.asarray(f.predict(grid)).reshape(len(data), 12) for f in fits)
        alive = np.cumprod(1 - h1 - h2, axis=1)
        before = np.hstack([np.ones((len(data), 1)), alive[:, :-1]])
        risk = np.cumsum(before * h1, axis=1).mean(axis=0)
        for t in (6, 12):
            assert out.loc[(group, t), "risk"] == pytest.approx(risk[t - 1], abs=1e-6)
            assert out.loc[(group, t), "survival"] == pytest.approx(
                alive.mean(axis=0)[t - 1], abs=1e-6
            )


def test_pooled_logistic_names_a_missing_covariate_instead_of_dropping_the_row() -> None:
    """statsmodels' formula interface dropped rows with a missing covariate; now an error
    names the column and the person's row (not a row of the expanded table)."""
    from escalation.errors import DataValidationError

    frame = pd.DataFrame({"t": [3, 3, 1, 2], "d": [0, 0, 1, 1], "a": [1, 0, 1, 0],
                          "x": [0.5, np.nan, 1.0, 2.0]})  # fmt: skip
    with pytest.raises(DataValidationError, match="row 1, column 'x'"):
        pooled_logistic_survival(frame, duration="t", event="d", treatment="a",
                                 formula="a + x", times=[3])  # fmt: skip
