"""Input checks of the competing-risks models (review of the crr code against cmprsk).

Each test failed before its fix:

1. cause-specific cumulative incidence with not every cause modelled (it returned one
   minus Kaplan–Meier);
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.survival import fit_cause_specific

REF = Path(__file__).parents[1] / "reference" / "survival"
PROFILES = pd.DataFrame({"x1": [0.0], "x2": [0]})


def _data() -> pd.DataFrame:
    return pd.read_csv(REF / "competing_continuous.csv").rename(columns={"time": "duration"})


@pytest.mark.parametrize(
    "how",
    [
        {"covariates": ["x1", "x2"], "causes": [1]},
        {"formula": "Surv(duration, event == 1) ~ x1 + x2"},
    ],
    ids=["causes", "formula"],
)
def test_competing_cause_specific_incidence_needs_every_cause(how: dict[str, object]) -> None:
    fit = fit_cause_specific(_data(), cluster=None, min_count=1, **how)  # type: ignore[arg-type]
    assert fit.causes == (1,)  # the model of one cause is fitted and reported
    with pytest.raises(DesignError, match=r"cause\(s\) \[2\] have events but no model"):
        fit.predict_cumulative_incidence(PROFILES, [30, 90], cause=1)
