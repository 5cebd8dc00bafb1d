"""The Monte Carlo error of a bootstrap standard error, against the spread over seeds.

A bootstrap standard error from B replicates changes with the seed. Its Monte Carlo
standard error (Efron & Tibshirani 1993, section 19.3: coefficient of variation
sqrt((Δ + 2) / (4 B)), Δ the replicates' excess kurtosis) is checked here against the
standard deviation of the bootstrap standard errors actually obtained with many seeds.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from escalation.causal.bootstrap import cluster_bootstrap, standard_error_mc_error
from escalation.report.brief import bootstrap_edge_note


def _mean(rows: np.ndarray, values: np.ndarray) -> np.ndarray:
    return np.array([values[rows].mean()])


def test_mc_error_is_the_spread_of_the_bootstrap_standard_error_over_seeds() -> None:
    """300 seeds of a 50-replicate family bootstrap of a mean (600 children in 300
    families): the standard deviation of the 300 standard errors, against the mean of
    the Monte Carlo errors each run estimates from its own 50 replicates. The spread has
    Monte Carlo error 4% over 300 seeds, and the estimate from 50 replicates runs about
    1% low for normal replicates: within 15%."""
    rng = np.random.default_rng(11)
    family = np.repeat(np.arange(300), 2)
    values = rng.normal(size=300)[family] + rng.normal(size=600)
    errors, estimated = [], []
    for seed in range(300):
        reps = cluster_bootstrap(_mean, family, 50, args=(values,), seed=seed, n_jobs=1)
        errors.append(reps.std(ddof=1))
        estimated.append(standard_error_mc_error(reps)[0])
    spread = float(np.std(errors, ddof=1))
    assert np.mean(estimated) == pytest.approx(spread, rel=0.15)
    # ~10% of the standard error at 50 replicates: sqrt(1 / (2 * 49)) for normal replicates
    assert np.mean(estimated) / np.mean(errors) == pytest.approx(1 / np.sqrt(98), rel=0.15)


@pytest.mark.parametrize(
    ("draw", "excess_kurtosis"),
    [
        (lambda rng, size: rng.normal(size=size), 0.0),
        (lambda rng, size: rng.exponential(size=size), 6.0),
        (lambda rng, size: rng.uniform(size=size), -1.2),
    ],
    ids=["normal", "exponential", "uniform"],
)
def test_mc_error_follows_the_textbook_formula_for_known_distributions(
    draw: object, excess_kurtosis: float
) -> None:
    """2,000 sets of 400 replicates from distributions of known kurtosis: the estimate's
    mean against sqrt((Δ + 2) / (4 B)) times the true standard deviation, and against the
    spread of the standard deviations over the sets (both within 10%: the exponential's
    fourth moment is estimated less well)."""
    rng = np.random.default_rng(3)
    sets = draw(rng, (400, 2000))  # type: ignore[operator]
    truth_sd = {0.0: 1.0, 6.0: 1.0, -1.2: np.sqrt(1 / 12)}[excess_kurtosis]
    formula = truth_sd * np.sqrt((excess_kurtosis + 2) / (4 * 400))
    estimated = standard_error_mc_error(sets)
    assert estimated.shape == (2000,)
    assert estimated.mean() == pytest.approx(formula, rel=0.1)
    assert estimated.mean() == pytest.approx(sets.std(axis=0, ddof=1).std(ddof=1), rel=0.1)


def test_mc_error_uses_the_bias_corrected_kurtosis_of_scipy() -> None:
    """The delta-method formula (s / 2) sqrt(2 / (B - 1) + G2 / B), with G2 from
    scipy.stats.kurtosis(bias=False) (an independent implementation of the estimator)."""
    from scipy import stats

    reps = np.random.default_rng(8).exponential(size=(37, 4))
    sd = reps.std(axis=0, ddof=1)
    excess = stats.kurtosis(reps, axis=0, bias=False)
    np.testing.assert_allclose(
        standard_error_mc_error(reps), sd / 2 * np.sqrt(2 / 36 + excess / 37), rtol=1e-12
    )


def test_failed_replicates_are_left_out_and_degenerate_columns_say_so() -> None:
    rng = np.random.default_rng(5)
    reps = rng.normal(size=(60, 3, 2))
    with_failures = reps.copy()
    with_failures[[4, 17], :, :] = np.nan  # failed replicates: rows of NaN
    assert standard_error_mc_error(with_failures).shape == (3, 2)
    np.testing.assert_allclose(
        standard_error_mc_error(with_failures), standard_error_mc_error(np.delete(reps, [4, 17], 0))
    )
    assert standard_error_mc_error(np.ones((10, 1))).tolist() == [0.0]  # no variation
    assert np.isnan(standard_error_mc_error(np.arange(3.0)[:, None])).all()  # too few
    # Replicates that vary never get an error of 0 (two-valued ones give a very negative
    # kurtosis): the normal-theory value, s / sqrt(2 (B - 1)), instead.
    two_valued = np.array([[0.0], [0.0], [1.0], [1.0]])
    np.testing.assert_allclose(
        standard_error_mc_error(two_valued), two_valued.std(ddof=1) / np.sqrt(2 * 3)
    )
    # A column whose every replicate failed: NaN, without numpy's warnings.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(standard_error_mc_error(np.full((6, 2), np.nan))).all()


def test_edge_note_in_both_directions_and_at_no_difference() -> None:
    """The note says which way another seed could move the verdict, how many replicates
    would put the end 3 Monte Carlo errors from no difference (B (3 z e / |end|)², in
    hundreds), and nothing when it is settled (the end 2 Monte Carlo errors away or more)."""
    z = 1.959963984540054
    excludes = bootstrap_edge_note(0.02, 0.001, 0.039, std_error_mc=0.001, replicates=50)
    assert excludes is not None and "only just clear of no difference" in excludes
    assert "could show no clear effect" in excludes
    needed = 50 * (3 * z * 0.001 / 0.001) ** 2  # 1,728.6: the end 3 MC errors away
    assert f"at least about {100 * int(np.ceil(needed / 100)):,} resamples" in excludes
    includes = bootstrap_edge_note(-0.02, -0.041, 0.0005, std_error_mc=0.001, replicates=50)
    assert includes is not None and "only just short of being clear" in includes
    assert "could show a clear effect" in includes
    at_zero = bootstrap_edge_note(-0.02, -0.04, 0.0, std_error_mc=0.001, replicates=50)
    assert at_zero is not None and "Only an impractical number of resamples" in at_zero
    # Settled: the end is more than 2 z e from no difference; or no bootstrap was run.
    edge = 2 * z * 0.001
    assert bootstrap_edge_note(0.02, edge * 1.01, 0.04, std_error_mc=0.001, replicates=50) is None
    assert bootstrap_edge_note(0.02, edge * 0.99, 0.04, std_error_mc=0.001, replicates=50)
    assert bootstrap_edge_note(0.02, 0.001, 0.04, std_error_mc=np.nan, replicates=0) is None


def test_effects_record_the_replicates_behind_each_standard_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """settings["bootstrap_succeeded"]: per estimator, the replicates its standard errors
    (and their Monte Carlo errors) rest on, which the brief's note counts; a failed
    replicate (a row of NaN) is not one of them."""
    import escalation.causal.effects as effects_module
    from escalation.causal import estimate_effects
    from tests.causal.causal_support import simulate

    frame = simulate(600, 3)
    fit = estimate_effects(
        frame, covariates=["risk", "age"], estimators=["unadjusted", "ipw"], horizons=[365],
        bootstrap=6, seed=2, n_jobs=1, progress=False,
    )  # fmt: skip
    assert fit.settings["bootstrap_succeeded"] == {"unadjusted": 6, "ipw": 6}
    real = effects_module.cluster_bootstrap

    def two_fail(*args: object, **kwargs: object) -> np.ndarray:
        out = real(*args, **kwargs)  # type: ignore[arg-type]
        out[[1, 4]] = np.nan
        return out

    monkeypatch.setattr(effects_module, "cluster_bootstrap", two_fail)
    fit = estimate_effects(
        frame, covariates=["risk", "age"], estimators=["unadjusted", "ipw"], horizons=[365],
        bootstrap=6, seed=2, n_jobs=1, progress=False,
    )  # fmt: skip
    assert fit.settings["bootstrap_succeeded"] == {"unadjusted": 4, "ipw": 4}
