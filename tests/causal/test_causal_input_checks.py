"""The causal entry points check their inputs by the package's one rule for each.

Each test failed before its fix (review s23 of the causal estimators): ``estimate_effects``
read the ccw estimator's treatment starts unchecked, ...
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from escalation.causal import clone_censor_weight, estimate_effects
from escalation.design import default_design
from escalation.errors import DataValidationError, StatisticalWarning
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
