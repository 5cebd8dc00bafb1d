"""The causal entry points check their inputs by the package's one rule for each.

Each test failed before its fix (review s23 of the causal estimators): ``estimate_effects``
read the ccw estimator's treatment starts unchecked, ...
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.causal import clone_censor_weight, estimate_effects
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
            frame, estimators=["unadjusted"], covariates=["risk", "age"], cluster=None,
            **{"bootstrap": 0, **options},
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
    with pytest.raises(DesignError, match=r"horizon\(s\) listed more than once: 100"):
        _effects(frame, horizons=[100, 100.0])
