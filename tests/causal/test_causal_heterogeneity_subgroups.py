"""Subgroup effects are means of doubly robust (AIPW) scores, with the standard error of a mean.

Was: each subgroup's interval was EconML's ``forest.ate_interval(X=subset)``, a conservative
bound (the root mean squared pointwise error; EconML issues #340, #479): on the demo
authority 12.1 to 14.5 points wide for groups of 245 to 4,365 children against 2.9 points
for the whole cohort, a smaller group with a narrower interval than a larger one, and every
subgroup crossing zero.

R grf (whose ``average_treatment_effect(forest, subset = ...)`` is the reference method,
Athey & Wager 2019) is not installed here, so the checks are: a hand computation of the
published formulas (the AIPW score and grf's mean and standard error) on data where the
score has a closed form; the whole cohort against the package's AIPW estimator; the
1/sqrt(n) shrinkage; and coverage of known true subgroup effects, in a small Monte Carlo
study of the spell simulator (closed-form risks) and on one simulated authority with
effect heterogeneity (each child's true risks with and without early help,
``truth.spell_risks``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from escalation.causal import estimate_effects, policy_scores
from escalation.causal.curves import run_estimator
from escalation.causal.heterogeneity import subgroup_effects, subgroup_levels
from escalation.data.simulator import SimulationConfig, simulate_local_authority
from escalation.data.simulator.exponential import SpellSimulationConfig, simulate_spells, true_cif
from escalation.design import default_design
from escalation.timeline import build_spells

COVARIATES = ["risk", "factor", "age"]


def _groups(frame: pd.DataFrame) -> pd.DataFrame:
    """Subgroups of the spell simulator: age band, the recorded factor, high risk score."""
    return pd.DataFrame(
        {
            "band": frame["band"].to_numpy(),
            "factor": frame["factor"].astype(str).to_numpy(),
            "risk": np.where(frame["risk"].to_numpy() > 0.5, "high", "low"),
        }
    )


def test_the_whole_cohort_row_is_the_aipw_estimate_with_its_influence_function_se() -> None:
    """The mean of every child's score is the AIPW estimator: same models, same kernel.

    Both are one run of the engine on the same rows and covariates, so they agree to
    rounding (the pipeline's effects.csv has the bootstrap interval instead; its point
    estimate is this one). The scores are the policy study's (``policy_scores``).
    """
    data = simulate_spells(1_500, 3)
    table = subgroup_effects(
        data, covariates=COVARIATES, horizon=365, groups=_groups(data), cluster="family_id"
    )
    effects = estimate_effects(
        data,
        covariates=COVARIATES,
        estimators=["aipw"],
        horizons=[365],
        bootstrap=0,
        cluster="family_id",
    ).tidy()
    aipw = effects.query("estimand == 'risk_difference'").iloc[0]
    scores = policy_scores(data, covariates=COVARIATES, horizons=[365], cluster="family_id")
    by_band = pd.Series((scores.treated - scores.untreated)[:, 0]).groupby(data["band"].values)
    whole = table.iloc[0]
    bands = table[table["subgroup"] == "band"].set_index("level")["estimate"]
    pd.testing.assert_series_equal(
        bands,
        by_band.mean().loc[bands.index],
        check_names=False,
        check_index_type=False,
        rtol=1e-10,
    )
    assert (whole["subgroup"], whole["level"], whole["n"]) == ("all", "all", len(data))
    assert whole["estimate"] == pytest.approx(aipw["estimate"], abs=1e-12)
    assert whole["std_error"] == pytest.approx(aipw["std_error"], rel=1e-9)
    assert whole["conf_low"] == pytest.approx(aipw["conf_low"], abs=1e-12)
    assert list(table.columns) == [
        "subgroup", "level", "n", "estimate", "std_error", "conf_low", "conf_high",
        "conf_level", "method", "se_method",
    ]  # fmt: skip
    # Named as effects.csv names its own (whose intervals for AIPW are the bootstrap's).
    assert set(table["se_method"]) == {"influence_function"}


def test_subgroup_effects_match_a_hand_computation_of_the_published_formulas() -> None:
    """No censoring, no competing event: the AIPW score has a closed form.

    Gamma_i(a) = F_a(h|X_i) + 1{A_i = a} / pi_a(X_i) (1{T_i <= h} - F_a(h|X_i)) (Robins,
    Rotnitzky & Zhao 1994; Bang & Robins 2005), with F_a the Breslow product-limit risk of
    the fitted Cox model and pi the fitted logistic propensity; grf's subset average is the
    mean of Gamma_i(1) - Gamma_i(0) over the subset and its standard error
    sqrt(sum (psi - mean)^2 / (n (n - 1))). The package's standard error divides by n^2
    (as its whole-cohort influence-function standard error), a factor sqrt((n - 1) / n).
    """
    rng = np.random.default_rng(11)
    n, h = 1_200, 365.0
    x = rng.normal(size=(n, 2))
    a = (rng.random(n) < special.expit(0.3 + 0.8 * x[:, 0])).astype(int)
    rate = np.exp(-6.5 + 0.6 * x[:, 0] + 0.4 * x[:, 1] + a * (-0.5 + 0.5 * x[:, 1]))
    frame = pd.DataFrame(
        {
            "x1": x[:, 0],
            "x2": x[:, 1],
            "treatment": a,
            "duration": rng.exponential(1 / rate) + 0.01,  # everyone followed to the event
            "event": 1,
        }
    )
    groups = pd.DataFrame({"x2": np.where(x[:, 1] > 0.5, "high", "low")})
    table = subgroup_effects(frame, covariates=["x1", "x2"], horizon=int(h), groups=groups)

    # The fitted nuisance models (the same fits the table used), then the formula by hand.
    dur = frame["duration"].to_numpy()
    fit = run_estimator("aipw", dur, np.ones(n, np.int64), a, x, np.array([h]), np.array([h]))
    cox, propensity = fit.nuisance.cause, fit.nuisance.propensity
    assert fit.nuisance.censoring is None and fit.nuisance.competing is None
    assert cox is not None and propensity is not None
    _, times, increments = cox.baseline()
    dlam = increments[times <= h]
    pi1 = special.expit(propensity[0] + x @ propensity[1:])
    gamma = []
    for arm, weight in ((1, (a == 1) / pi1), (0, (a == 0) / (1 - pi1))):
        relative = np.exp(cox.linear_predictor(np.column_stack([np.full(n, arm), x])))
        risk = 1 - np.prod(1 - np.outer(relative, dlam), axis=1)
        gamma.append(risk + weight * ((dur <= h) - risk))
    psi = gamma[0] - gamma[1]
    z = stats.norm.ppf(0.975)
    for _, row in table.iterrows():
        rows = np.ones(n, bool) if row["subgroup"] == "all" else groups["x2"] == row["level"]
        k = int(rows.sum())
        mean = psi[rows].mean()
        grf_se = np.sqrt(((psi[rows] - mean) ** 2).sum() / (k * (k - 1)))
        assert row["n"] == k
        assert row["estimate"] == pytest.approx(mean, abs=1e-10)
        assert row["std_error"] == pytest.approx(grf_se * np.sqrt((k - 1) / k), rel=1e-8)
        assert row["conf_high"] == pytest.approx(mean + z * row["std_error"], abs=1e-10)


def test_intervals_shrink_as_one_over_the_square_root_of_the_group_size() -> None:
    """Random groups of one cohort: width x sqrt(n) is about the whole cohort's.

    Random groups share the cohort's distribution, so the standard error of the mean of
    their scores is the cohort's times sqrt(N / n). (EconML's bound did not shrink: it is
    the root mean squared pointwise error, whatever the group size.)
    """
    data = simulate_spells(4_000, 5)
    rng = np.random.default_rng(2)
    size = rng.choice(["0250", "0750", "3000"], size=len(data), p=[1 / 16, 3 / 16, 12 / 16])
    table = subgroup_effects(
        data,
        covariates=COVARIATES,
        horizon=365,
        groups=pd.DataFrame({"size": size}),
        cluster="family_id",
    )
    width = (table["conf_high"] - table["conf_low"]).to_numpy()
    scaled = width * np.sqrt(table["n"].to_numpy())
    assert table["level"].tolist() == ["all", "0250", "0750", "3000"]
    assert np.all(np.diff(width[1:]) < 0), "a larger group has a wider interval"
    assert scaled[1:] == pytest.approx(np.full(3, scaled[0]), rel=0.3)


def test_intervals_cover_the_true_subgroup_effects_in_a_small_monte_carlo_study() -> None:
    """40 draws of 1,500 spells with strong effect modification (about 2 s).

    The log hazard ratio changes by 0.5 per unit of risk score, so the true effect is
    harmful in the high-risk group (+3.9 points) and protective in the low-risk group
    (-9.4); the Cox outcome model has no treatment-covariate interaction, so the
    estimates rest on the (correct) propensity model, as double robustness allows.
    Truth: closed-form risks averaged over 400,000 simulated children. With 8 intervals
    x 40 draws = 320, coverage of 95% has a Monte Carlo standard error of 1.2 points;
    the bounds (90% to 99%) are about 4 standard errors either side, and the pooled
    z-scores must have mean near 0 and standard deviation near 1.
    """
    config = SpellSimulationConfig(heterogeneity=0.5)
    big = simulate_spells(400_000, 999, config=config)
    groups = _groups(big)
    effect = true_cif(big, 1, 365, config) - true_cif(big, 0, 365, config)
    truth = {("all", "all"): effect.mean()}
    for name in groups.columns:
        for level, values in pd.Series(effect).groupby(groups[name].to_numpy()):
            truth[(name, str(level))] = values.mean()
    assert truth[("risk", "high")] > 0.02 and truth[("risk", "low")] < -0.08
    z = []
    for draw in range(40):
        data = simulate_spells(1_500, 2_000 + draw, config=config)
        table = subgroup_effects(
            data, covariates=COVARIATES, horizon=365, groups=_groups(data), cluster="family_id"
        )
        keys = zip(table["subgroup"], table["level"], strict=True)
        true = np.array([truth[key] for key in keys])
        z.append((table["estimate"].to_numpy() - true) / table["std_error"].to_numpy())
    scores = np.concatenate(z)
    coverage = float(np.mean(np.abs(scores) <= stats.norm.ppf(0.975)))
    assert 0.90 <= coverage <= 0.99, f"coverage {coverage:.3f}"
    assert abs(scores.mean()) < 0.25
    assert 0.8 < scores.std() < 1.2


@pytest.mark.filterwarnings("ignore")  # the simulated design covariates are collinear
def test_intervals_cover_the_true_subgroup_effects_on_a_simulated_authority() -> None:
    """One simulated authority (10,000 children) whose effect of early help differs.

    ``effect_heterogeneity``: no effect for children with a prior plan, period of care or
    neglect, a strong one for parental mental health. The truth of each pre-registered
    subgroup is the mean of its spells' true risk differences (``truth.spell_risks``,
    through ``marginal_risks``). 13 intervals (the whole cohort, 5 age bands, 4 factor
    counts, 3 deprivation bands): were they independent with 95% coverage, at most 2
    would miss with probability 0.975 (they overlap, which widens that tail a little).
    """
    simulated = simulate_local_authority(
        10_000, seed=4, config=SimulationConfig(effect_heterogeneity=True, notes=False)
    )
    data = build_spells(simulated.history, default_design())
    table = subgroup_effects(data, horizon=365)
    groups = subgroup_levels(data.spells)
    assert len(table) == 13
    missed = []
    for _, row in table.iterrows():
        rows = (
            np.ones(len(groups), bool)
            if row["subgroup"] == "all"
            else groups[row["subgroup"]].to_numpy() == row["level"]
        )
        truth = simulated.truth.marginal_risks(data.spells.loc[rows])
        true = float(truth.set_index("horizon").loc[365, "risk_difference"])
        if not row["conf_low"] <= true <= row["conf_high"]:
            missed.append(f"{row['subgroup']} {row['level']}")
    assert len(missed) <= 2, f"intervals missing the truth: {missed}"


def test_a_group_with_too_few_children_in_an_arm_has_no_estimate() -> None:
    data = simulate_spells(1_500, 3)
    treated = data["treatment"].to_numpy() == 1
    level = np.where(treated & (np.arange(len(data)) % 50 == 0), "few", "many")
    level[~treated & (np.arange(len(data)) % 3 == 0)] = "few"  # many untreated, few treated
    with pytest.warns(UserWarning, match="fewer than 10 children with or without"):
        table = subgroup_effects(
            data, covariates=COVARIATES, horizon=365, groups=pd.DataFrame({"g": level})
        )
    few = table.set_index("level").loc["few"]
    assert few["n"] > 100
    assert np.isnan(few[["estimate", "std_error", "conf_low", "conf_high"]].astype(float)).all()


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("age", np.nan),
        ("age", np.inf),
        ("n_factors", np.nan),
        ("n_factors", 1.7),
        ("n_factors", -1.0),
        ("imd_decile", np.nan),
        ("imd_decile", 0.0),
        ("imd_decile", 11.0),
        ("imd_decile", 4.5),
    ],
)
def test_a_subgroup_source_value_no_band_takes_is_refused_naming_its_row(
    column: str, value: float
) -> None:
    """Was: n_factors NaN raised pandas' IntCastingNaNError (no row), 1.7 was cut to "1",
    and an age or decile out of range (or missing) became a level "nan"."""
    from escalation.errors import DataValidationError

    frame = pd.DataFrame(
        {"age": [3.0, 12.0, 8.0], "n_factors": [0.0, 2.0, 5.0], "imd_decile": [1.0, 10.0, 6.0]}
    )
    frame.loc[1, column] = value
    with pytest.raises(DataValidationError) as raised:
        subgroup_levels(frame)
    [problem] = raised.value.problems
    assert (problem.table, problem.row, problem.column) == ("spells", 1, column)
    assert problem.shown_value() == f"'{value}'"


def test_subgroup_levels_keeps_every_value_a_band_takes() -> None:
    frame = pd.DataFrame(
        {"age": [-0.5, 17.9], "n_factors": [0.0, 7.0], "imd_decile": pd.array([1, 10])}
    )
    assert subgroup_levels(frame).to_numpy().tolist() == [
        ["unborn", "0", "1-3 (most deprived)"],
        ["16-17", "3+", "8-10 (least deprived)"],
    ]


def test_subgroup_effects_refuses_a_decile_out_of_range_naming_the_users_row() -> None:
    """Was: imd_decile 11 made a fourth deprivation level "nan" (n = 1, not estimated)."""
    from escalation.errors import DataValidationError

    data = simulate_spells(300, 3).iloc[::-1]  # the user's row 5 is not position 5 of any sort
    data = data.assign(imd_decile=data["imd_decile"].astype(float), spell_id=np.arange(300))
    data.iloc[5, data.columns.get_loc("imd_decile")] = 11.0
    with pytest.raises(DataValidationError) as raised:
        subgroup_effects(data, covariates=COVARIATES, horizon=365)
    assert [(p.row, p.column) for p in raised.value.problems] == [(5, "imd_decile")]


def test_the_subgroup_table_records_its_confidence_level() -> None:
    """Was: no conf_level column, so an 80% table read as a 95% one."""
    data = simulate_spells(1_500, 3)
    table = subgroup_effects(
        data, covariates=COVARIATES, horizon=365, groups=_groups(data), conf_level=0.8
    )
    assert list(table.columns[-3:]) == ["conf_level", "method", "se_method"]
    assert (table["conf_level"] == 0.8).all()
    z = stats.norm.ppf(0.9)
    half = (table["conf_high"] - table["conf_low"]) / 2
    np.testing.assert_allclose(half, z * table["std_error"], rtol=1e-12)
