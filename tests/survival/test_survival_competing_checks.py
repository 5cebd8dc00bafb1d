"""Input checks of the competing-risks models (review of the crr code against cmprsk).

Each test failed before its fix:

1. cause-specific cumulative incidence with not every cause modelled (it returned one
   minus Kaplan–Meier);
2. a Surv(start, stop, event) formula in a model without (start, stop] rows (it fitted
   start as the follow-up time);
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.survival import fit_aft, fit_cause_specific, fit_fine_gray

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


@pytest.mark.parametrize("function", [fit_fine_gray, fit_cause_specific, fit_aft])
def test_competing_surv_start_stop_is_refused(function: Callable[..., object]) -> None:
    # it fitted start as the follow-up time and ignored stop
    data = _data().assign(start=lambda d: d["duration"] / 2)
    name = function.__name__
    with pytest.raises(DesignError, match=rf"{name} has no \(start, stop\] rows.*Surv\(duration"):
        function(data, formula="Surv(start, duration, event) ~ x1", cluster=None)
