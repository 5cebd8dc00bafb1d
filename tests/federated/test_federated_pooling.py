"""Packs pooled on simulated authorities agree with the individual-level analysis.

- Cox: the log hazard ratio pooled from the authorities' likelihood profiles is within
  0.01 of the individual-level Cox model stratified by authority (and, for the
  propensity-stratified model, by authority and propensity fifth), fitted to the pooled
  records;
- curves: the cumulative incidence pooled from the risk-set tables equals, exactly, the
  Aalen–Johansen estimate of the pooled records with every time rounded up to the shared
  grid (coarsened independently here).
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError, StatisticalWarning
from escalation.federated.pack import propensity_strata
from escalation.federated.profile import (
    LikelihoodProfile,
    hermite_loglik,
    pool_profiles,
    profile_cox,
)
from escalation.survival import aalen_johansen, fit_cox
from escalation.timeline import build_spells
from tests.federated.federated_support import authorities, cheap_design, packs, pooled_analysis

REFERENCE = Path(__file__).parents[1] / "reference" / "federated"


def _pooled_spells() -> pd.DataFrame:
    sims = authorities()
    return build_spells(sims.history, cheap_design()).spells


def test_pooled_cox_from_profiles_matches_stratified_individual_cox() -> None:
    pooled = pooled_analysis().cox.set_index("model")
    spells = _pooled_spells()
    covariates = list(build_spells(authorities().history, cheap_design()).model_covariates)
    parts = []
    for _, part in spells.groupby("la"):
        parts.append(part.assign(ps_stratum=propensity_strata(part, covariates)))
    spells = pd.concat(parts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        unadjusted = fit_cox(spells, ["treatment"], strata="la", cluster=None)
        adjusted = fit_cox(spells, ["treatment"], strata=["la", "ps_stratum"], cluster=None)
    for model, fit in (("unadjusted", unadjusted), ("ps_stratified", adjusted)):
        individual = float(fit.coefficients["treatment"])
        assert abs(pooled.loc[model, "estimate"] - individual) < 0.01, model
        # The curvature of the summed likelihood is the information of the stratified model.
        se = float(np.sqrt(fit.naive_covariance.iloc[0, 0]))
        assert pooled.loc[model, "std_error"] == pytest.approx(se, rel=0.02)


def test_hermite_profile_matches_the_exact_partial_likelihood_between_grid_points() -> None:
    spells = _pooled_spells()
    part = spells[spells["la"] == "LA01"]
    profile = profile_cox(part)
    fine = np.linspace(-1.0, 1.0, 9)
    exact = profile_cox(part, grid=fine)
    shift = exact.value - profile.loglik(exact.point)
    # Same function up to a constant: the shift is flat.
    assert np.ptp(shift) < 1e-3


def test_zero_events_in_an_arm_still_pool() -> None:
    """An authority whose treated spells never escalate has a monotone profile; adding it
    gives the stratified model's estimate, where a normal approximation cannot."""
    spells = _pooled_spells()
    small = spells[spells["la"] == "LA02"].copy()
    small.loc[small["treatment"] == 1, "event"] = 0
    others = spells[spells["la"] != "LA02"]
    data = pd.concat([others, small])
    profiles = [profile_cox(part) for _, part in data.groupby("la")]
    flat = profiles[[p for p, _ in data.groupby("la")].index("LA02")]
    assert np.all(np.diff(flat.value) <= 1e-9)  # falls as the hazard ratio rises
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        pooled = pool_profiles(profiles)
        individual = fit_cox(data, ["treatment"], strata="la", cluster=None)
    assert abs(pooled.estimate - float(individual.coefficients["treatment"])) < 0.01


def test_pooled_curves_equal_the_coarsened_individual_estimate_exactly() -> None:
    result = pooled_analysis()
    pooled = result.curves[result.curves["authority"] == "pooled"]
    boundaries = np.sort(pooled["time"].unique())
    assert len(boundaries) >= 3  # 0, at least one interior boundary, the end
    folded = [p.authority for p in packs() if p.tables["risk_sets"]["competing"].isna().any()]
    spells = _pooled_spells()
    # Independent coarsening: each time goes up to the next shared boundary; spells still
    # followed after the last boundary are censored just after it; competing events of
    # authorities that folded them are counted as censored, as they were shared.
    edges = boundaries
    duration = spells["duration"].to_numpy(float)
    event = spells["event"].to_numpy(int).copy()
    event[spells["la"].isin(folded).to_numpy() & (event >= 2)] = 0
    index = np.searchsorted(edges, duration, side="left")
    beyond = index >= len(edges)
    coarse = pd.DataFrame(
        {
            "duration": np.where(beyond, edges[-1] + 0.5, edges[np.minimum(index, len(edges) - 1)]),
            "event": np.where(beyond, 0, event),
            "group": np.where(spells["treatment"] == 1, "treated", "untreated"),
        }
    )
    reference = aalen_johansen(coarse, causes=[1], group="group").tidy()
    for group, curve in pooled.groupby("group"):
        mine = reference[reference["group"] == group].sort_values("time")
        idx = np.searchsorted(mine["time"].to_numpy(), curve["time"].to_numpy(), side="right") - 1
        expected = np.where(idx >= 0, mine["estimate"].to_numpy()[np.clip(idx, 0, None)], 0.0)
        expected_se = np.where(idx >= 0, mine["std_error"].to_numpy()[np.clip(idx, 0, None)], 0.0)
        np.testing.assert_allclose(curve["estimate"].to_numpy(), expected, rtol=0, atol=1e-12)
        np.testing.assert_allclose(curve["std_error"].to_numpy(), expected_se, rtol=0, atol=1e-12)


def test_pooled_table1_adds_counts_and_combines_means_exactly() -> None:
    result = pooled_analysis()
    spells = _pooled_spells()
    age = result.table1[(result.table1["covariate"] == "age") & (result.table1["group"] == "all")]
    assert age["n"].iloc[0] == len(spells)
    assert age["mean"].iloc[0] == pytest.approx(spells["age"].mean(), rel=1e-12)
    assert age["sd"].iloc[0] == pytest.approx(spells["age"].std(ddof=1), rel=1e-10)
    # Every pooled count an authority shared is the count of the pooled spells; those
    # withheld in a pack (small, or a complement of a small one) stay withheld.
    counts = result.table1[result.table1["count"].notna()]
    shown = counts[counts["covariate"].isin(["sex", "ethnicity"])]
    assert len(shown) >= 4
    for row in shown.itertuples():
        arm = (
            spells
            if row.group == "all"
            else spells[spells["treatment"] == int(row.group == "treated")]
        )
        assert row.count == (arm[row.covariate].astype(str) == row.level).sum(), row


def test_hermite_interpolation_is_exact_for_cubics() -> None:
    point = np.array([-1.0, 0.0, 2.0])
    f = lambda x: 0.3 * x**3 - x**2 + 0.5  # noqa: E731
    df = lambda x: 0.9 * x**2 - 2 * x  # noqa: E731
    x = np.linspace(-1, 2, 13)
    assert np.allclose(hermite_loglik(x, point, f(point), df(point)), f(x))
    profile = LikelihoodProfile("m", point, f(point), df(point))
    assert profile.loglik([-3.0])[0] == pytest.approx(f(-1.0) + (-2.0) * df(-1.0))


@pytest.mark.parametrize(
    ("model", "strata"), [("unadjusted", ()), ("ps_stratified", ("ps_stratum",))]
)
def test_pooled_profiles_match_coxph_on_the_stacked_records(
    model: str, strata: tuple[str, ...]
) -> None:
    """The hub's pooling of profiles against R's ``coxph(... + strata(la))`` (frozen).

    ``tests/reference/federated/coxph_pooled.R`` fits the Cox model stratified by
    authority (and propensity fifth) on the stacked spells of three simulated authorities
    (``pooled_spells.csv.gz``), with its likelihood-ratio interval. Each authority's
    profile is computed from its own spells, as in a pack, and the profiles are pooled as
    the hub pools them. The stratified individual-level model agrees with R to 1e-9; the
    pooled one is the maximum of cubic Hermite interpolants of the profiles on a grid of
    step 0.115, so it agrees to the interpolation error: observed 3.2e-6 on the estimate,
    5e-5 relative on the standard error and 9e-7 on the interval (allowed: 1e-5, 1e-4).
    """
    spells = pd.read_csv(REFERENCE / "pooled_spells.csv.gz", dtype={"la": str})
    ref = pd.read_csv(REFERENCE / "coxph_pooled_reference.csv")
    ref = ref[ref["model"] == model].set_index("quantity")["value"]
    assert (len(spells), int((spells["event"] == 1).sum())) == (ref["n"], ref["events"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        stacked = fit_cox(spells, ["treatment"], strata=["la", *strata], cluster=None)
        profiles = [
            profile_cox(part, model=model, strata=list(strata)) for _, part in spells.groupby("la")
        ]
        pooled = pool_profiles(profiles)
    assert float(stacked.coefficients["treatment"]) == pytest.approx(ref["estimate"], abs=1e-9)
    assert float(np.sqrt(stacked.naive_covariance.iloc[0, 0])) == pytest.approx(
        ref["std_error"], rel=1e-9
    )
    assert pooled.estimate == pytest.approx(ref["estimate"], abs=1e-5)
    assert pooled.std_error == pytest.approx(ref["std_error"], rel=1e-4)
    assert pooled.conf_low == pytest.approx(ref["lr_low"], abs=1e-5)
    assert pooled.conf_high == pytest.approx(ref["lr_high"], abs=1e-5)


def test_risk_sets_whose_numbers_at_risk_do_not_follow_name_the_interval_and_values() -> None:
    """The refusal said only "the numbers at risk do not follow from the exits", not where."""
    from escalation.federated.risksets import pool_risk_sets

    table = packs()[0].tables["risk_sets"].copy()
    treated = table.index[table["group"] == "treated"]
    first, second = treated[0], treated[1]
    table.loc[first, "at_risk"] = table.loc[first, "at_risk"] + 72
    exits = table.loc[first, ["events", "competing", "censored"]].astype(float).sum()
    message = (
        f"risk-set table of LA01, arm treated: the numbers at risk do not follow from the "
        f"exits: column 'at_risk' of the interval from {table.loc[second, 'interval_start']:g} "
        f"is {table.loc[second, 'at_risk']:g}, not {table.loc[first, 'at_risk']:g} at risk "
        f"from {table.loc[first, 'interval_start']:g} less {exits:g} exits"
    )
    with pytest.raises(DesignError, match=re.escape(message)):
        pool_risk_sets({"LA01": table})
