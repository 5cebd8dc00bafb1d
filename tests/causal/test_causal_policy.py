"""Policy value of fixed rules: a hand computation from R's AIPW influence function, and
properties that cannot hold unless the estimator is right.

Reference: tests/reference/causal/policy.R computes, from riskRegression::ate's per-row
influence values (AIPTW with AIPCW, nuisance terms omitted as escalation does), each row's
augmented scores Gamma_i(a) = n * iid_i(a) + F_a, then the value of each fixed rule
mean(d * Gamma(1) + (1 - d) * Gamma(0)) and its standard error by hand, and the
offers to children who would not have escalated without early help, mean(d * (1 - Gamma(0))).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.causal.policy import (
    CURRENT_PRACTICE,
    POLICY_COLUMNS,
    POLICY_ESTIMANDS,
    estimate_policy_values,
    policy_scores,
)
from escalation.errors import DataValidationError, DesignError

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "causal"
COVARIATES = ["risk", "factor", "age"]


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "ate_data.csv")


def _rules(data: pd.DataFrame) -> dict[str, np.ndarray]:
    n = len(data)
    # R's quantile(type = 1) at 0.7: the ceil(0.7 n)-th smallest value.
    cut = np.sort(data["risk"].to_numpy())[int(np.ceil(0.7 * n)) - 1]
    return {
        "everyone": np.ones(n),
        "no_one": np.zeros(n),
        "risk_above_0": (data["risk"] > 0).to_numpy(float),
        "top_30_percent_risk": (data["risk"] >= cut).to_numpy(float),
        "young_with_factor": ((data["age"] < 9) & (data["factor"] == 1)).to_numpy(float),
    }


def test_fixed_rule_values_match_a_hand_computation_from_r(data: pd.DataFrame) -> None:
    """Values within 1e-4 (the AIPCW integral's left limits differ by that much, as in
    test_causal_reference) and influence-function SEs within 0.1%."""
    expected = pd.read_csv(REFERENCE / "policy_reference.csv")
    scores = policy_scores(data, covariates=COVARIATES, horizons=[100, 365, 730])
    rules = _rules(data)
    fit = estimate_policy_values(scores, rules)
    got = fit.tidy()
    got = got[got["estimand"] == "risk"].merge(
        expected.rename(columns={"time": "horizon"}), on=["rule", "horizon"]
    )
    assert len(got) == 15
    np.testing.assert_allclose(got["estimate_x"], got["estimate_y"], atol=1e-4)
    np.testing.assert_allclose(got["std_error_x"], got["std_error_y"], rtol=1e-3)
    # Offers to children who would not have escalated without early help, d (1 - Gamma(0)).
    unneeded = fit.tidy()
    unneeded = unneeded[unneeded["estimand"] == "unneeded_offers_per_1000"].merge(
        expected.rename(columns={"time": "horizon"}), on=["rule", "horizon"]
    )
    assert len(unneeded) == 15
    np.testing.assert_allclose(unneeded["estimate_x"], 1000 * unneeded["unneeded"], atol=0.1)
    # The AIPCW integral's left limits (above) move these SEs by up to 0.15%.
    np.testing.assert_allclose(
        unneeded["std_error_x"], 1000 * unneeded["unneeded_se"], rtol=2e-3, atol=1e-9
    )
    flagged = expected.groupby("rule")["flagged"].first()
    for name, flags in rules.items():
        assert flags.mean() == pytest.approx(flagged[name])


def test_current_practice_without_censoring_is_the_observed_share() -> None:
    """With no censoring before the horizon the augmented score is the outcome itself."""
    rng = np.random.default_rng(3)
    n = 500
    x = rng.normal(size=n)
    a = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    t = rng.exponential(400 / np.exp(0.6 * x - 0.4 * a)) + 1
    dead = rng.random(n) < 0.05
    frame = pd.DataFrame(
        {
            "x": x,
            "treatment": a,
            "duration": np.minimum(t, 1000.0),
            "event": np.where(t < 1000, np.where(dead, 2, 1), 0),
            "family_id": np.arange(n) // 2,
        }
    )
    scores = policy_scores(frame, covariates=["x"], horizons=[365])
    y = ((frame["event"] == 1) & (frame["duration"] <= 365)).to_numpy(float)
    np.testing.assert_allclose(scores.observed[:, 0], y, atol=1e-10)
    flags = (x > 0).astype(float)
    fit = (
        estimate_policy_values(scores, {"x_positive": flags}).tidy().set_index(["rule", "estimand"])
    )
    assert fit.loc[(CURRENT_PRACTICE, "risk"), "estimate"] == pytest.approx(y.mean())
    assert fit.loc[("x_positive", "precision"), "estimate"] == pytest.approx(y[flags == 1].mean())
    assert fit.loc[("x_positive", "recall"), "estimate"] == pytest.approx(flags[y == 1].mean())
    assert fit.loc[("x_positive", "flagged_not_escalating_per_1000"), "estimate"] == (
        pytest.approx(1000 * np.mean(flags * (1 - y)))
    )


def test_table_shape_and_derived_measures(data: pd.DataFrame) -> None:
    scores = policy_scores(data, covariates=COVARIATES, horizons=[365])
    fit = estimate_policy_values(scores, _rules(data))
    table = fit.tidy()
    assert tuple(table.columns) == POLICY_COLUMNS
    assert fit.rules[0] == CURRENT_PRACTICE
    assert set(table["estimand"]) == set(POLICY_ESTIMANDS)
    wide = table.set_index(["rule", "estimand"])["estimate"]
    nobody = wide[("no_one", "risk")]
    for rule in fit.rules:
        assert wide[(rule, "prevented_per_1000")] == pytest.approx(
            1000 * (nobody - wide[(rule, "risk")])
        )
        assert wide[(rule, "change_vs_current_per_1000")] == pytest.approx(
            1000 * (wide[(rule, "risk")] - wide[(CURRENT_PRACTICE, "risk")])
        )
    everyone = wide.loc["everyone"]
    assert everyone["flagged_per_1000"] == 1000
    assert everyone["recall"] == pytest.approx(1.0)
    assert everyone["number_needed_to_offer"] == pytest.approx(
        1000 / everyone["prevented_per_1000"]
    )
    # The number needed to offer has the inverted interval of the prevented share.
    row = table[(table["rule"] == "everyone") & (table["estimand"] == "prevented_per_1000")]
    nno = table[(table["rule"] == "everyone") & (table["estimand"] == "number_needed_to_offer")]
    assert nno["conf_low"].iloc[0] == pytest.approx(1000 / row["conf_high"].iloc[0])
    assert nno["conf_high"].iloc[0] == pytest.approx(1000 / row["conf_low"].iloc[0])


def test_compare_is_the_difference_with_a_paired_interval(data: pd.DataFrame) -> None:
    scores = policy_scores(data, covariates=COVARIATES, horizons=[365])
    fit = estimate_policy_values(scores, _rules(data))
    wide = fit.tidy().set_index(["rule", "estimand"])
    one = fit.compare("risk_above_0", "top_30_percent_risk", horizon=365).iloc[0]
    other = fit.compare("top_30_percent_risk", "risk_above_0", horizon=365).iloc[0]
    assert one["estimate"] == pytest.approx(
        1000
        * (
            wide.loc[("risk_above_0", "risk"), "estimate"]
            - wide.loc[("top_30_percent_risk", "risk"), "estimate"]
        )
    )
    assert other["estimate"] == pytest.approx(-one["estimate"])
    assert other["std_error"] == pytest.approx(one["std_error"])
    # Same spells: the paired interval is narrower than treating the values as independent.
    independent = 1000 * np.hypot(
        wide.loc[("risk_above_0", "risk"), "std_error"],
        wide.loc[("top_30_percent_risk", "risk"), "std_error"],
    )
    assert one["std_error"] < independent


def test_standard_errors_are_clustered_by_family(data: pd.DataFrame) -> None:
    """Each spell twice in its own family: same values and the same clustered SE."""
    single = data.assign(family_id=np.arange(len(data)))
    double = pd.concat([single, single], ignore_index=True)
    rules = _rules(data)
    one = estimate_policy_values(
        policy_scores(single, covariates=COVARIATES, horizons=[365], cluster="family_id"), rules
    ).tidy()
    two = estimate_policy_values(
        policy_scores(double, covariates=COVARIATES, horizons=[365], cluster="family_id"),
        {k: np.r_[v, v] for k, v in rules.items()},
    ).tidy()
    risk_one = one[one["estimand"] == "risk"].reset_index(drop=True)
    risk_two = two[two["estimand"] == "risk"].reset_index(drop=True)
    np.testing.assert_allclose(risk_two["estimate"], risk_one["estimate"], atol=1e-9)
    np.testing.assert_allclose(risk_two["std_error"], risk_one["std_error"], rtol=1e-6)


def test_bad_rules_are_refused_by_name(data: pd.DataFrame) -> None:
    scores = policy_scores(data, covariates=COVARIATES, horizons=[365])
    with pytest.raises(DataValidationError, match="one flag per spell"):
        estimate_policy_values(scores, {"short": np.ones(3)})
    flags = np.ones(len(data))
    flags[7] = 2.0
    with pytest.raises(DataValidationError, match="row 7"):
        estimate_policy_values(scores, {"bad": flags})
    with pytest.raises(DesignError, match="always included"):
        estimate_policy_values(scores, {CURRENT_PRACTICE: np.ones(len(data))})
    fit = estimate_policy_values(scores, {"everyone": np.ones(len(data))})
    with pytest.raises(DesignError, match="unknown rule"):
        fit.compare("everyone", "nobody")
    # a rule against itself gave a difference of 0 with p = NaN, as if it were a result
    with pytest.raises(DesignError, match="rule 'everyone' with itself"):
        fit.compare("everyone", "everyone")
    with pytest.raises(DesignError, match=f"rule '{CURRENT_PRACTICE}' with itself"):
        fit.compare(CURRENT_PRACTICE, CURRENT_PRACTICE, horizon=365)
    with pytest.raises(DesignError, match="was not scored"):
        fit.compare("everyone", CURRENT_PRACTICE, horizon=730)
