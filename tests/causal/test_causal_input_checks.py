"""The causal entry points check their inputs by the package's one rule for each.

From a review of the causal estimators; each case below failed before its fix (the tests
named "... inside ...", "... given as ..." are controls that valid input still works):
``estimate_effects`` read the ccw estimator's treatment starts unchecked and labelled a
fractional horizon with its whole part; no causal entry point checked ``conf_level``;
``pooled_logistic_survival`` read covariates at the first row without standardising, gave
time 0 the last time's values and did not check its durations, event codes or weights;
``estimate_curves`` did not cluster its AIPW standard errors; and the effects' data hash
left out the confounders and changed with the rows' order.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.causal import (
    clone_censor_weight,
    estimate_curves,
    estimate_effects,
    fit_propensity,
    ipw_mean_difference,
    pooled_logistic_survival,
    subgroup_effects,
)
from escalation.causal.effects import EffectsResult
from escalation.design import default_design
from escalation.errors import DataValidationError, DesignError, StatisticalWarning
from tests.causal.causal_support import simulate


def _ccw_spells() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = simulate(300, 1)
    start = rng.integers(0, 10, len(frame)).astype(float)
    return frame.assign(treatment_start=np.where(frame["treatment"] == 1, start, np.nan))


@pytest.mark.parametrize("value", [-5.0, np.inf, "2024-01-05"], ids=["negative", "inf", "text"])
def test_estimate_effects_refuses_the_treatment_starts_clone_censor_weight_refuses(
    value: object,
) -> None:
    frame = _ccw_spells().astype({"treatment_start": object})
    row = int(np.flatnonzero(frame["treatment"] == 1)[3])
    frame.loc[frame.index[row], "treatment_start"] = value
    shown = r"<not shown" if isinstance(value, str) else rf"'{value}'"
    expected = rf"row {row}, column 'treatment_start', value {shown}.*not days >= 0"
    with pytest.raises(DataValidationError, match=expected):
        clone_censor_weight(frame, covariates=["risk", "age"], grace_days=14, times=[100])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        with pytest.raises(DataValidationError, match=expected):
            estimate_effects(
                frame, default_design(), ["ccw"], bootstrap=0, covariates=["risk", "age"],
                horizons=[100], cluster=None,
            )  # fmt: skip


def _effects(frame: pd.DataFrame, **options: Any) -> EffectsResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        return estimate_effects(
            frame, covariates=["risk", "age"], cluster=None,
            **{"estimators": ["unadjusted"], "bootstrap": 0, **options},
        )  # fmt: skip


@pytest.mark.parametrize(
    ("horizons", "named"),
    [([101.9], "101.9"), ([101, 101.9], "101.9"), ([0], "0"), ([365, -30], "-30"),
     ([np.inf], "inf"), ([np.nan], "nan"), (["365"], "'365'"), ([True], "True")],
)  # fmt: skip
def test_a_horizon_that_is_not_whole_days_after_time_zero_is_refused_by_name(
    horizons: list[object], named: str
) -> None:
    """A fractional horizon was estimated at its value and labelled with its whole part;
    0 and negative horizons gave rows of risk 0."""
    frame = simulate(300, 1).assign(duration=lambda d: d["duration"] - 0.5)
    with pytest.raises(DesignError, match=rf"horizon {named} is not a positive whole number"):
        _effects(frame, horizons=horizons)


def test_whole_horizons_given_as_floats_or_numpy_integers_are_labelled_as_estimated() -> None:
    frame = simulate(300, 1)
    fit = _effects(frame, horizons=np.array([200, 100]), bootstrap=4, seed=1)
    again = _effects(frame, horizons=[100.0, 200.0], bootstrap=4, seed=1)
    table = fit.tidy()
    pd.testing.assert_frame_equal(table, again.tidy())
    assert table["horizon"].tolist()[:: len(table) // 2] == [100, 200]
    summary = fit.bootstrap_summary()
    assert sorted(set(summary["horizon"])) == [100, 200]
    assert fit.settings["horizons"] == [100, 200]
    with pytest.raises(DesignError, match=r"lists a horizon twice \(100\)"):
        _effects(frame, horizons=[100, 100.0])


@cache
def _small() -> pd.DataFrame:
    return simulate(300, 1)


@cache
def _bootstrapped() -> EffectsResult:
    return _effects(_small(), horizons=[100], bootstrap=3, seed=1)


COVARIATES = ["risk", "age"]
CONF_LEVEL_USERS: dict[str, Callable[[float], object]] = {
    "estimate_effects": lambda c: _effects(
        _small(), estimators=["aipw"], horizons=[100], conf_level=c
    ),
    "bootstrap_summary": lambda c: _bootstrapped().bootstrap_summary(conf_level=c),
    "ipw_mean_difference": lambda c: ipw_mean_difference(
        _small(), outcome="risk", treatment="treatment", covariates=["age"], conf_level=c
    ),
    "estimate_curves": lambda c: estimate_curves(
        _small(), COVARIATES, method="aipw", times=[100], conf_level=c
    ),
    "AdjustedCurveResult.tidy": lambda c: dataclasses.replace(
        estimate_curves(_small(), COVARIATES, method="aipw", times=[100]), conf_level=c
    ).tidy(),
    "PropensityResult.tidy": lambda c: fit_propensity(_small(), "treatment", COVARIATES).tidy(
        conf_level=c
    ),
    "subgroup_effects": lambda c: subgroup_effects(
        _small(), covariates=COVARIATES, horizon=100, cluster=None, conf_level=c
    ),
}


@pytest.mark.parametrize("conf_level", [95, 1.0, 0.0, -0.5, np.nan])
@pytest.mark.parametrize("function", list(CONF_LEVEL_USERS))
def test_a_conf_level_outside_0_1_is_refused_by_every_causal_entry_point(
    function: str, conf_level: float
) -> None:
    """95 gave (nan, nan) intervals, 1 (-inf, inf), 0 a zero width, -0.5 inverted ones."""
    with (
        warnings.catch_warnings(),
        pytest.raises(DesignError, match=r"conf_level must lie strictly between 0 and 1"),
    ):
        warnings.simplefilter("ignore", StatisticalWarning)
        CONF_LEVEL_USERS[function](conf_level)


@pytest.mark.parametrize("function", list(CONF_LEVEL_USERS))
def test_a_conf_level_inside_0_1_sets_the_interval(function: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        table = CONF_LEVEL_USERS[function](0.9)
    frame = table.tidy() if hasattr(table, "tidy") else table
    assert isinstance(frame, pd.DataFrame)
    if "conf_level" in frame:
        assert (frame["conf_level"] == 0.9).all()
    assert frame["conf_low"].notna().any()
    assert not (frame["conf_low"] > frame["conf_high"]).any()


def _pooled_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 400
    x = rng.normal(size=n)
    a = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    t = np.minimum(rng.geometric(0.06 * np.exp(0.5 * x - 0.4 * a)), 24)
    return pd.DataFrame({"t": t, "d": (t < 24).astype(int), "a": a, "x": x})


def _pooled(frame: pd.DataFrame, **options: Any) -> pd.DataFrame:
    run = {"duration": "t", "event": "d", "treatment": "a", "formula": "a + time"}
    return pooled_logistic_survival(frame, **{**run, "times": [6, 12], **options})


def test_an_unstandardised_pooled_logistic_model_with_covariates_is_refused() -> None:
    """standardize=False read the covariates of the first row: reversing the rows moved
    the treated survival at 12 from 0.268 to 0.747."""
    frame = _pooled_frame()
    with pytest.raises(DesignError, match=r"standardize=False .* also uses 'x'"):
        _pooled(frame, formula="a + x + time", standardize=False)
    # Treatment and time only: the answer does not depend on the rows' order.
    forwards = _pooled(frame, standardize=False)
    backwards = _pooled(frame.iloc[::-1], standardize=False)
    pd.testing.assert_frame_equal(forwards, backwards, rtol=1e-10)


@pytest.mark.parametrize("time", [0, 6.5, -1, np.nan, "6"])
def test_a_pooled_logistic_time_that_is_not_a_whole_interval_is_refused(time: object) -> None:
    """Time 0 returned the values at the last time, 6.5 those at 6 labelled 6.5."""
    with pytest.raises(DesignError, match=rf"times: {time!r} is not a whole number"):
        _pooled(_pooled_frame(), times=[time, 12])


def test_a_pooled_logistic_time_given_as_a_float_or_numpy_integer_is_read_as_whole() -> None:
    frame = _pooled_frame()
    whole = _pooled(frame, times=[6, 12])
    pd.testing.assert_frame_equal(_pooled(frame, times=np.array([6, 12])), whole)
    floats = _pooled(frame, times=[6.0, 12.0])
    pd.testing.assert_frame_equal(floats.astype({"time": int}), whole)


@pytest.mark.parametrize(
    ("column", "value"),
    [("t", 0.0), ("t", -1.0), ("t", np.nan), ("t", 5.5), ("d", np.nan), ("d", -1.0), ("d", 0.5),
     ("d", "yes"), ("w", np.nan), ("w", -3.0), ("w", np.inf)],
)  # fmt: skip
def test_pooled_logistic_names_a_bad_duration_event_code_or_weight(
    column: str, value: object
) -> None:
    """A fractional duration was truncated, a missing or -1 event code read as censored,
    "yes" a bare TypeError, a negative weight used and a missing one blamed on the
    covariates."""
    frame = _pooled_frame().assign(w=1.0)
    frame[column] = frame[column].astype(object if isinstance(value, str) else float)
    frame.loc[7, column] = value
    shown = "<not shown" if isinstance(value, str) else f"'{value}'"
    with pytest.raises(DataValidationError, match=rf"row 7, column '{column}', value {shown}"):
        _pooled(frame, weights="w", standardize=False)


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_aipw_curves_have_the_standard_errors_of_estimate_effects_clustered_alike() -> None:
    """estimate_curves summed no influence values within families (0.01880 against
    estimate_effects' 0.01912 for the treated on this authority of 679 spells in 457
    families); both now cluster by the design's cluster, or by none."""
    from escalation import build_spells, simulate_local_authority

    data = build_spells(simulate_local_authority(1500, seed=3).history, default_design())
    assert data.spells["family_id"].nunique() < len(data.spells)  # families to cluster
    covariates = ["age", "imd_decile", "prior_referrals", "prior_assessments"]
    for cluster in ("auto", None):
        effects = estimate_effects(
            data, covariates=covariates, estimators=["aipw"], horizons=[365], bootstrap=0,
            cluster=cluster,
        ).tidy().set_index("estimand")  # fmt: skip
        chosen = {} if cluster == "auto" else {"cluster": cluster}  # "auto": the default
        curves = estimate_curves(data, covariates, method="aipw", times=[365], **chosen)
        for arm, estimand in ((1, "risk_treated"), (0, "risk_untreated")):
            expected = effects.loc[estimand, ["estimate", "std_error"]].to_numpy(dtype=float)
            found = [curves.risk[arm, 0], curves.std_error[arm, 0]]  # type: ignore[index]
            np.testing.assert_allclose(found, expected, rtol=1e-12)


def test_the_data_hash_covers_every_column_used_and_not_the_row_order() -> None:
    """The hash was of duration, event and treatment in row order: permuting a confounder
    changed the estimate but not the hash, and shuffling the rows the hash only."""
    frame = _ccw_spells()  # no spell_id: the rows' own content orders them

    def fitted(data: pd.DataFrame) -> tuple[str, float]:
        fit = _effects(data, design=default_design(), estimators=["ipw", "ccw"], horizons=[365])
        table = fit.tidy().query("estimator == 'ipw' and estimand == 'risk_difference'")
        assert fit.provenance()["data_hash"] == fit.settings["data_hash"]
        return fit.settings["data_hash"], float(table["estimate"].iloc[0])

    digest, estimate = fitted(frame)
    shuffled = frame.sample(frac=1, random_state=1).set_axis(np.arange(len(frame)) * 3)
    same, same_estimate = fitted(shuffled)
    assert same == digest and same_estimate == pytest.approx(estimate, rel=1e-9)
    permuted = frame.assign(risk=frame["risk"].to_numpy()[::-1])
    again, moved = fitted(permuted)
    assert moved != pytest.approx(estimate) and again != digest
    later = frame.assign(treatment_start=frame["treatment_start"] + 1)  # ccw reads it
    assert fitted(later)[0] != digest
    unused = frame.assign(imd_decile=frame["imd_decile"][::-1].to_numpy())  # no estimator
    assert fitted(unused)[0] == digest


def test_the_data_hash_covers_the_child_ids_a_family_of_one_is_clustered_by() -> None:
    """Spells without a family are clustered by their child (a family of one): relabelling
    the children moved the standard error but left the hash unchanged."""
    frame = simulate(400, 1).reset_index(drop=True)
    frame["child_id"] = (np.arange(len(frame)) // 3).astype(str)
    frame["family_id"] = np.where(np.arange(len(frame)) % 2 == 0, None, frame["child_id"])

    def fitted(data: pd.DataFrame) -> tuple[str, float]:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StatisticalWarning)
            fit = estimate_effects(
                data, covariates=["risk", "age"], cluster="family_id", estimators=["aipw"],
                bootstrap=0, horizons=[365],
            )  # fmt: skip
        table = fit.tidy().query("estimand == 'risk_difference'")
        return fit.settings["data_hash"], float(table["std_error"].iloc[0])

    digest, error = fitted(frame)
    own_child = frame.assign(child_id=np.arange(len(frame)).astype(str))
    again, moved = fitted(own_child)
    assert moved != pytest.approx(error, rel=1e-6)
    assert again != digest
    # a family recorded for every spell: child_id is not read, and the hash ignores it
    recorded = frame.assign(family_id=frame["child_id"])
    assert fitted(recorded)[0] == fitted(recorded.assign(child_id="x" + own_child["child_id"]))[0]
