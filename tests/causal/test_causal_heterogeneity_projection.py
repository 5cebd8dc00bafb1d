"""The best linear projection of the effect on the subgroups, and the tests of heterogeneity.

Was: EconML's ``LinearDML`` on the Kaplan–Meier censoring-weighted outcome, with its
heteroskedasticity-robust (HC0) standard errors, each row independent, and two-fold
cross-fitting that split families: a family's spells counted as independent children. Copying
every spell into its own family (which adds no information) shrank every standard error by
about 1/sqrt(2) (0.0562 to 0.0395 for the intercept on 2,000 spells) and moved the
estimates (the cross-fitting drew other folds). The projection carried no test of
heterogeneity (interaction) by a subgroup variable as a whole.

Now, as R grf's ``best_linear_projection`` and Semenova & Chernozhukov (2021): least
squares of each child's doubly robust (AIPW) score, the subgroup table's, on the
subgroups' indicators, with the cluster-robust covariance, and a Wald test of each
variable's indicators. R grf is not installed (not packaged for Debian); the reference is
``lm`` with ``sandwich::vcovCL`` (``tests/reference/causal/blp_cluster.R``), and the test
of heterogeneity is judged by simulation with known truth: no effect anywhere (size) and
strong effect modification (power).
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.causal import estimate_heterogeneity, policy_scores
from escalation.data.simulator.exponential import SpellSimulationConfig, simulate_spells, true_cif

REFERENCE = Path(__file__).parents[1] / "reference" / "causal"
COVARIATES = ["risk", "factor", "age"]


def test_projection_matches_r_lm_with_sandwich_vcovcl() -> None:
    """Estimates, cluster-robust SEs, p-values and Wald tests against R (to 1e-10)."""
    from escalation.causal.heterogeneity import _projection

    data = pd.read_csv(REFERENCE / "blp_cluster_data.csv", dtype={"band": str, "factor": str})
    reference = pd.read_csv(REFERENCE / "blp_cluster_reference.csv")
    projection, interaction = _projection(
        data["psi"].to_numpy(),
        data[["band", "factor"]],
        data["family"].to_numpy(),
        0.95,
    )
    expected = reference[reference["kind"] == "projection"].set_index("term")
    got = projection.set_index("term")
    assert got.index.tolist() == expected.index.tolist()
    for column in ("estimate", "std_error", "p_value"):
        np.testing.assert_allclose(got[column], expected[column], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(
        got["conf_high"] - got["conf_low"], 2 * 1.959963984540054 * expected["std_error"]
    )
    tests = reference[reference["kind"] == "interaction"].set_index("term")
    got_tests = interaction.set_index("subgroup")
    assert got_tests.index.tolist() == ["band", "factor"]
    np.testing.assert_allclose(got_tests["statistic"], tests["statistic"], rtol=1e-10)
    np.testing.assert_allclose(got_tests["p_value"], tests["p_value"], rtol=1e-9)
    assert got_tests["df"].tolist() == tests["df"].astype(int).tolist()
    # No subgroup at all: the intercept is the clustered mean, the subgroup table's SE.
    mean = reference[reference["kind"] == "mean"].iloc[0]
    alone, _ = _projection(data["psi"].to_numpy(), data[[]], data["family"].to_numpy(), 0.95)
    assert alone["estimate"].iloc[0] == pytest.approx(mean["estimate"], rel=1e-12)
    assert alone["std_error"].iloc[0] == pytest.approx(mean["std_error"], rel=1e-10)


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_copying_every_spell_into_its_family_leaves_the_projection_unchanged() -> None:
    """A family of two identical copies carries one child's information.

    The cluster-robust covariance of the same least squares is unchanged by copying each
    row into its cluster (the bread halves, the cluster sums double); the base's
    per-row standard errors fell by about 1/sqrt(2).
    """
    data = simulate_spells(2_000, 11)
    twice = pd.concat([data, data], ignore_index=True)
    fits = [
        estimate_heterogeneity(
            frame, covariates=COVARIATES, horizon=365, n_estimators=4, cluster="family_id"
        ).projection.set_index("term")
        for frame in (data, twice)
    ]
    once, copied = fits
    assert copied.index.tolist() == once.index.tolist()
    np.testing.assert_allclose(copied["std_error"], once["std_error"], rtol=0.02)
    np.testing.assert_allclose(copied["estimate"], once["estimate"], rtol=0.02, atol=1e-3)


def _groups(frame: pd.DataFrame) -> pd.DataFrame:
    """Subgroups of the spell simulator: age band, the recorded factor, high risk score."""
    return pd.DataFrame(
        {
            "band": frame["band"].astype(str).to_numpy(),
            "factor": frame["factor"].astype(str).to_numpy(),
            "risk": np.where(frame["risk"].to_numpy() > 0.5, "high", "low"),
        }
    )


def _draws(
    config: SpellSimulationConfig, draws: int, first_seed: int
) -> list[tuple[pd.DataFrame, pd.DataFrame]]:
    """Each draw's projection and tests (1,500 spells, the subgroup table's scores)."""
    from escalation.causal.heterogeneity import _projection

    out = []
    for draw in range(draws):
        data = simulate_spells(1_500, first_seed + draw, config=config)
        scores = policy_scores(data, covariates=COVARIATES, horizons=[365], cluster="family_id")
        psi = (scores.treated - scores.untreated)[:, 0]
        out.append(_projection(psi, _groups(data), data["family_id"].to_numpy(), 0.95))
    return out


def test_the_test_of_heterogeneity_holds_its_size_without_any_effect() -> None:
    """No effect of early help (log hazard ratio 0, no modification): every subgroup's
    true risk difference is 0, so each variable's test should reject 5% of the time.

    150 draws of 1,500 confounded spells, 3 tests each (450, correlated within a draw):
    the Monte Carlo standard error of a 5% rate is about 1 point; the bounds 1.5% to 10%
    allow for that and for a Wald test's slight excess in samples of this size.
    """
    draws = _draws(SpellSimulationConfig(log_hazard_ratio=0.0), 150, 7_000)
    rejected = pd.DataFrame([t.set_index("subgroup")["p_value"] <= 0.05 for _, t in draws])
    rate = float(rejected.to_numpy().mean())
    assert 0.015 <= rate <= 0.10, f"rejection rate {rate:.3f} ({rejected.mean().to_dict()})"


def test_projection_intervals_cover_the_true_projection_under_effect_modification() -> None:
    """The log hazard ratio changes by 0.5 per unit of risk score (true effects +3.9 points
    in the high-risk group, -9.4 in the low-risk group).

    Truth: the least-squares projection of each child's true risk difference (closed-form
    risks) on the same indicators over 400,000 simulated children. 40 draws x 5
    coefficients = 200 intervals: coverage of 95% has a Monte Carlo standard error of
    about 1.5 points; pooled z-scores must have mean near 0 and standard deviation near 1.
    The risk variable's test rejects in most draws (the others' terms are near 0).
    """
    config = SpellSimulationConfig(heterogeneity=0.5)
    big = simulate_spells(400_000, 999, config=config)
    effect = true_cif(big, 1, 365, config) - true_cif(big, 0, 365, config)
    groups = _groups(big)
    z = np.column_stack(
        [np.ones(len(big)), pd.get_dummies(groups, drop_first=True, dtype=float).to_numpy()]
    )
    truth = np.linalg.lstsq(z, effect, rcond=None)[0]
    draws = _draws(config, 40, 8_000)
    scores = np.concatenate(
        [(p["estimate"].to_numpy() - truth) / p["std_error"].to_numpy() for p, _ in draws]
    )
    coverage = float(np.mean(np.abs(scores) <= 1.959963984540054))
    assert 0.90 <= coverage <= 0.99, f"coverage {coverage:.3f}"
    assert abs(scores.mean()) < 0.25
    assert 0.8 < scores.std() < 1.2
    risk = np.mean([t.set_index("subgroup").loc["risk", "p_value"] <= 0.05 for _, t in draws])
    assert risk >= 0.4, risk


def test_a_level_too_small_to_estimate_is_left_out_of_the_projection_with_a_warning() -> None:
    """One family of four unborn children (two with early help, two without).

    Its own term would fit its four scores exactly; from one family the cluster-robust
    standard error is near 0: with them, the unborn term was -0.466 (SE 0.046) and the age
    band's test had p = 1e-50 on data with no unborn effect at all. The subgroup table
    does not estimate such a level (fewer than 10 children in an arm); the projection
    leaves its children out, and says so.
    """
    from escalation.errors import StatisticalWarning

    data = simulate_spells(2_000, 11)
    sizes = data["family_id"].value_counts()
    family = data["family_id"] == sizes.index[sizes == 4][0]
    data.loc[family, "age"] = -0.2
    assert data.loc[family, "treatment"].sum() == 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = estimate_heterogeneity(
            data, covariates=COVARIATES, horizon=365, n_estimators=4, cluster="family_id"
        )
    said = [str(w.message) for w in caught if issubclass(w.category, StatisticalWarning)]
    assert any(
        "age_band = unborn" in m and "left out of the best linear projection" in m for m in said
    ), said
    assert "age_band_unborn" not in fit.projection["term"].tolist()
    tests = fit.interaction.set_index("subgroup")
    assert tests.loc["age_band", "df"] == 3
    assert tests.loc["age_band", "p_value"] > 0.01
