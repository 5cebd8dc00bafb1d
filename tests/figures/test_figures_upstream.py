"""The figures draw the tidy frames the model layers actually return (contract check)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation import causal
from escalation.figures import (
    plot_adjusted_curves,
    plot_difference_curve,
    plot_effect_distribution,
    plot_love,
    plot_overlap,
    plot_risk_differences,
    plot_rmst_curves,
    plot_subgroup_effects,
    plot_survival_curves,
)

#: The warning that the data have no unborn child (the band is listed all the same).
NO_UNBORN = (
    "ignore:subgroup age_band = unborn has fewer than 10:escalation.errors.StatisticalWarning"
)


@pytest.fixture(scope="module")
def spells() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    n = 600
    x = rng.normal(size=n)
    age = rng.uniform(0, 17, n)
    a = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    t = rng.exponential(500 / np.exp(0.5 * x - 0.4 * a))
    return pd.DataFrame(
        {
            "x": x,
            "age": age,
            "n_factors": rng.integers(0, 4, n),
            "imd_decile": rng.integers(1, 11, n),
            "treatment": a,
            "duration": np.ceil(np.minimum(t, 800)),
            "event": (t < 800).astype(int),
            "family_id": np.arange(n),
        }
    )


def test_figures_draw_causal_effects(spells: pd.DataFrame) -> None:
    fit = causal.estimate_effects(
        spells,
        covariates=["x"],
        estimators=["unadjusted", "ipw"],
        horizons=[365, 730],
        bootstrap=0,
    )
    ipw = fit.curves[fit.curves["estimator"] == "ipw"]
    plot = plot_adjusted_curves(ipw, horizons=[365, 730])
    # Every estimate drawn is one the estimator returned, plus the origin at 0.
    drawn = set(np.round(plot.data["estimate"], 12))
    assert drawn == set(np.round(ipw["estimate"], 12)) | {0.0}
    unadjusted = fit.curves[fit.curves["estimator"] == "unadjusted"]
    assert len(plot_survival_curves(unadjusted, kind="cumulative_incidence").data) > 0
    rd = fit.tidy()
    rd = rd[rd["estimand"] == "risk_difference"].assign(term=lambda d: d["horizon"].astype(str))
    assert set(plot_risk_differences(rd, colour="estimator").data["term"]) == {"365", "730"}
    love = plot_love(fit.balance)
    assert set(love.data["sample"]) == {"Before weighting", "After weighting"}
    weights = causal.treatment_weights(fit.propensity.scores, fit.propensity.treatment)
    overlap = plot_overlap(fit.propensity.overlap(weights))
    assert overlap.data.groupby(["sample", "treatment"], observed=True).size().nunique() == 1


@pytest.mark.filterwarnings(NO_UNBORN)  # every band is listed: no child unborn is said
def test_figures_draw_heterogeneity(spells: pd.DataFrame) -> None:
    fit = causal.estimate_heterogeneity(
        spells,
        covariates=["x", "age", "n_factors", "imd_decile"],
        horizon=365,
        n_estimators=20,
    )
    dist = plot_effect_distribution(fit.effects())
    # one bar per bin; every child is in a bin, and the disclosed heights are multiples of
    # 5 that differ from the true counts by at most 2 (or drop a bar under 10)
    assert len(dist.data) == 40
    counts, _ = np.histogram(fit.effects()["effect"], bins=40)
    shown = dist.data["children"].to_numpy()
    assert counts.sum() == len(spells)
    assert np.all(shown % 5 == 0)
    assert np.all(np.where(counts < 10, shown == 0, np.abs(shown - counts) <= 2))
    sub = plot_subgroup_effects(fit.tidy())
    assert set(sub.data["subgroup"]) == set(fit.tidy()["subgroup"])


def test_figures_difference_and_rmst_curves_agree_with_effects(spells: pd.DataFrame) -> None:
    fit = causal.estimate_effects(
        spells,
        covariates=["x"],
        estimators=["unadjusted", "ipw"],
        horizons=[365, 730],
        bootstrap=20,
        seed=2,
    )
    effects = fit.tidy().set_index(["estimator", "estimand", "horizon"])
    diff = causal.difference_curve(fit, "ipw").set_index("time")
    for h in (365, 730):
        row = effects.loc[("ipw", "risk_difference", h)]
        # Same curves and the same bootstrap replicates as effects.csv.
        assert diff.loc[float(h), "estimate"] == pytest.approx(row["estimate"], abs=1e-12)
        assert diff.loc[float(h), "std_error"] == pytest.approx(row["std_error"], rel=1e-9)
    rmst = causal.rmst_curves(fit, "ipw")
    gap = rmst[rmst["group"] == "difference"].set_index("time")
    for h in (365, 730):
        exact = effects.loc[("ipw", "rmst_difference", h), "estimate"]
        # Trapezoid over the 40 reported times against the integral over every event time.
        assert gap.loc[float(h), "estimate"] == pytest.approx(exact, abs=0.02 * h / 40 + 0.5)
    arms = rmst[rmst["group"] != "difference"]
    assert (arms.groupby("group")["estimate"].diff().dropna() >= 0).all()
    plot_difference_curve(causal.difference_curve(fit), horizons=[365, 730])
    plot_rmst_curves(rmst, horizons=[365, 730])
