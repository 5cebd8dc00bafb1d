"""Numerical trouble in a risk model surfaces as one StatisticalWarning, never raw noise.

A small authority's training fold with 63 coded covariates has levels with no escalation
(separation). Before the numerical core, numpy's overflow in lifelines' Cox likelihood
escaped as a raw RuntimeWarning (an error under the test suite's warning filter); the
``cox`` model is now the core's fit, whose separation rule names the columns once.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from escalation.errors import StatisticalWarning
from escalation.predict import risk_model
from escalation.predict.models import _rewarn
from escalation.predict.splits import grouped_folds
from escalation.timeline.matrix import CovariateCoding
from tests.policy.policy_support import authority


def test_separation_in_a_cox_fold_is_one_warning_naming_the_columns() -> None:
    _, data = authority(4000, 3)
    spells = data.spells.reset_index(drop=True)
    train = spells.iloc[grouped_folds(spells, 3, seed=2)[0].train]
    x = CovariateCoding.learn(train, list(data.model_covariates)).apply(train)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fitted = risk_model("cox").fit(
            x, train["duration"].to_numpy(float), train["event"].to_numpy(np.int64)
        )
        risk = fitted.predict_risk(x, [365.0])
    assert [w.category for w in caught] == [StatisticalWarning]
    assert "separation" in str(caught[0].message) and "factor_" in str(caught[0].message)
    assert np.isfinite(risk).all() and ((risk >= 0) & (risk <= 1)).all()


def test_lifelines_numerical_warnings_are_said_once_as_statistical_warnings() -> None:
    from scipy.linalg import LinAlgWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            warnings.warn("Ill-conditioned matrix", LinAlgWarning, stacklevel=1)
        warnings.warn("overflow encountered in exp", RuntimeWarning, stacklevel=1)
    with pytest.warns(StatisticalWarning, match="numerical trouble") as said:
        _rewarn(caught, "penalised_cox")
    assert len(said) == 1
    assert "fewer covariates" in str(said[0].message)
