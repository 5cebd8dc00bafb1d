"""validate_risk_models refuses a horizon past the longest follow-up, as its docs say.

Was: with every spell followed for at most 730 days, ``horizon=1000`` gave the metrics
of day 730 again (the models' risks held flat past the data, the observed risk too),
with no warning; the docstring promised a ``DesignError`` ("a horizon beyond
follow-up"). The rule is the effect estimates' (``check_estimable``) and the curves'
(``escalation.survival._outcome.past_follow_up``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.predict import validate_risk_models
from escalation.timeline import SpellData
from tests.predict.predict_support import two_covariate_spells


def _spells(n: int = 400, end: float = 730.0) -> SpellData:
    return two_covariate_spells(n, seed=3, end=end)


def test_a_horizon_past_the_longest_follow_up_is_refused() -> None:
    data = _spells()
    longest = float(data.spells["duration"].max())
    assert longest == 730.0  # the data the test is about
    with pytest.raises(DesignError, match=r"horizon 731 days is past the longest follow-up.*730"):
        validate_risk_models(data, models=["cox"], bootstrap=0, horizon=731)


def test_a_horizon_past_the_test_spells_follow_up_is_refused_naming_the_split() -> None:
    # Was: the training spells are followed to day 730, the test spells (time zero on or
    # after the cutoff) to day 300 at most; horizon=365 scored them anyway, the observed
    # risk by day 365 being the risk at day 300 carried forward without a word.
    data = _spells()
    spells = data.spells.copy()
    late = pd.to_datetime(spells["time_zero"]) >= pd.Timestamp("2022-06-01")
    spells.loc[late, "event"] = spells.loc[late, "event"].where(spells["duration"] <= 300, 0)
    spells.loc[late, "duration"] = np.minimum(spells.loc[late, "duration"], 300.0)
    data = SpellData(spells, pd.DataFrame(), data.design, pd.Timestamp("2024-03-31"))
    assert float(spells.loc[~late, "duration"].max()) == 730.0  # the whole data reach 730
    with pytest.raises(
        DesignError,
        match=r"horizon 365 days is past the longest follow-up of the test spells of the "
        r"temporal split \(\d+ spells, time zero on or after 2022-06-01\) \(300 days\)",
    ):
        validate_risk_models(data, models=["cox"], bootstrap=0, horizon=365, cutoff="2022-06-01")
    # the horizon the test spells do reach is scored
    result = validate_risk_models(
        data, models=["cox"], bootstrap=0, horizon=300, cutoff="2022-06-01"
    )
    observed = result.metrics.query("metric == 'observed'")["estimate"].to_numpy(float)
    assert observed.size == 1 and np.isfinite(observed).all()
