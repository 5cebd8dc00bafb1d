"""Numerical trouble inside lifelines surfaces as one StatisticalWarning or a clear error.

On main, numpy's overflow in lifelines' Cox likelihood escaped as a raw RuntimeWarning
(an error under the test suite's warning filter) before the ConvergenceError that names
the remedy; a small authority's training fold with 63 coded covariates reproduces it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from escalation.errors import ConvergenceError, StatisticalWarning
from escalation.predict import risk_model
from escalation.predict.models import _rewarn
from escalation.predict.splits import grouped_folds
from escalation.timeline.matrix import CovariateCoding
from tests.policy.policy_support import authority


def test_a_failing_cox_fit_raises_the_convergence_error_not_numpy_noise() -> None:
    _, data = authority(4000, 3)
    spells = data.spells.reset_index(drop=True)
    train = spells.iloc[grouped_folds(spells, 3, seed=2)[0].train]
    x = CovariateCoding.learn(train, list(data.model_covariates)).apply(train)
    with pytest.raises(ConvergenceError, match="penalised_cox"):
        risk_model("cox").fit(
            x, train["duration"].to_numpy(float), train["event"].to_numpy(np.int64)
        )


def test_numerical_warnings_are_said_once_as_statistical_warnings() -> None:
    from scipy.linalg import LinAlgWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            warnings.warn("Ill-conditioned matrix", LinAlgWarning, stacklevel=1)
        warnings.warn("overflow encountered in exp", RuntimeWarning, stacklevel=1)
    with pytest.warns(StatisticalWarning, match="numerical trouble") as said:
        _rewarn(caught, "cox")
    assert len(said) == 1
    assert "'penalised_cox'" in str(said[0].message)
