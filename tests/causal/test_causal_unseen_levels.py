"""New rows with a categorical level the coding never saw are refused, not coded as the reference.

The causal forest's predictions for new children (``EffectModel.predict``) and a propensity
model fitted on spells with a coding learnt elsewhere (``fit_propensity(coding=)``) coded
such a value as the reference level (every indicator 0), silently: a child of a new level
got the reference level's effect. Both failed before; they now refuse it as the survival
models' predictions do (``CovariateCoding.apply(table=)``), naming the table, row, column
and value. A missing value is refused only where the coding saw none: where it kept the
level ``missing``, the value is coded as that level.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from escalation.causal import fit_propensity
from escalation.causal.heterogeneity import EffectModel, fit_effect_model
from escalation.errors import DataValidationError
from escalation.timeline import CovariateCoding
from tests.causal.causal_support import simulate


def _spells() -> pd.DataFrame:
    frame = simulate(600, 3)
    return frame.assign(sex=np.where(np.arange(len(frame)) % 2 == 0, "F", "M"))


@cache
def _forest(missing: int = 0) -> tuple[pd.DataFrame, EffectModel]:
    """Spells and a small causal forest of them; ``missing`` spells have no sex recorded."""
    frame = _spells()
    if missing:
        frame.loc[: missing - 1, "sex"] = None
    model = fit_effect_model(frame, covariates=["risk", "sex"], horizon=365, n_estimators=8)
    return frame, model


def _cells(error: pytest.ExceptionInfo[DataValidationError]) -> list[tuple[object, ...]]:
    return [(p.table, p.row, p.column, p.value) for p in error.value.problems]


def test_the_forest_refuses_a_child_of_a_level_it_never_saw() -> None:
    frame, model = _forest()
    profiles = frame.head(3).assign(sex=["M", "X", None]).set_axis([7, 8, 9])
    with pytest.raises(DataValidationError) as raised:
        model.predict(profiles)
    assert _cells(raised) == [("profiles", 1, "sex", "X"), ("profiles", 2, "sex", None)]
    message = str(raised.value)
    assert "a level not seen when the model was fitted" in message
    assert "its levels are F, M" in message
    # a level seen at fit is predicted as before
    assert np.isfinite(model.predict(profiles.iloc[:1])).all()


def test_the_forest_codes_a_missing_value_as_the_missing_level_it_saw() -> None:
    frame, model = _forest(missing=40)  # 40 >= min_count: 'missing' is a level
    assert model.coding.levels["sex"] == ("F", "M", "missing")
    rows = frame.iloc[[0, 40]]  # no sex recorded, then F
    j = list(model.coding.names).index("sex_missing")
    coded = model.standardised(rows)[:, j] * model.scale[j] + model.center[j]
    np.testing.assert_allclose(coded, [1.0, 0.0])
    assert np.isfinite(model.predict(rows)).all()


def test_a_propensity_model_refuses_spells_a_coding_given_has_no_level_for() -> None:
    train = _spells()
    coding = CovariateCoding.learn(train, ["risk", "sex"])
    new = train.assign(sex=train["sex"].where(np.arange(len(train)) != 5, "X"))
    with pytest.raises(DataValidationError) as raised:
        fit_propensity(new, "treatment", coding=coding)
    assert _cells(raised) == [("spells", 5, "sex", "X")]
    assert "a level not seen when the model was fitted" in str(raised.value)
    # the spells the coding was learnt from are fitted as before
    assert fit_propensity(train, "treatment", coding=coding).coding is coding
