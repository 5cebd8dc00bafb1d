"""Input checks of the competing-risks models (review of the crr code against cmprsk).

Each test failed before its fix:

1. cause-specific cumulative incidence with not every cause modelled (it returned one
   minus Kaplan–Meier);
2. a Surv(start, stop, event) formula in a model without (start, stop] rows (it fitted
   start as the follow-up time);
3. cause 0 (censoring), a string or a fraction as the cause (it modelled censorings as
   events, or said "cause 1 has no events" naming 1 among the causes with events);
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.survival import (
    finegray_expand,
    fit_aft,
    fit_cause_specific,
    fit_fine_gray,
    gray_test,
)
from escalation.survival._cif import cumulative_incidence_at

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


CAUSE_TAKERS: dict[str, Callable[[pd.DataFrame, Any], object]] = {
    "fit_fine_gray": lambda d, k: fit_fine_gray(d, ["x1"], cause=k, cluster=None),
    "fit_cause_specific": lambda d, k: fit_cause_specific(d, ["x1"], causes=[k], cluster=None),
    "gray_test": lambda d, k: gray_test(d, "x2", cause=k),
    "finegray_expand": lambda d, k: finegray_expand(d["duration"], d["event"], cause=k),
    "cumulative_incidence_at": lambda d, k: cumulative_incidence_at(
        d["duration"],
        d["event"],
        [30.0],
        cause=k,
    ),
}


@pytest.mark.parametrize("function", list(CAUSE_TAKERS))
@pytest.mark.parametrize("cause", [0, -1, "1", 1.5, True], ids=repr)
def test_competing_cause_must_be_an_event_code(function: str, cause: object) -> None:
    data = _data()
    assert (data["event"] == 0).any() and (data["event"] == 1).any()
    pattern = (
        rf"{function}: causes? must be an event code, a whole number >= 1 "
        rf"\(0 means censored\), got {re.escape(repr(cause))}$"
    )
    with pytest.raises(DesignError, match=pattern):
        CAUSE_TAKERS[function](data, cause)


@pytest.mark.parametrize("function", [fit_fine_gray, fit_cause_specific])
def test_competing_formula_of_cause_zero_is_refused(function: Callable[..., object]) -> None:
    with pytest.raises(DesignError, match=r"event code.*\(0 means censored\), got 0$"):
        function(_data(), formula="Surv(duration, event == 0) ~ x1", cluster=None)


def test_competing_cause_code_keeps_numpy_integers() -> None:
    fit = fit_fine_gray(_data(), ["x1"], cause=np.int64(2), cluster=None)  # type: ignore[arg-type]
    assert fit.cause == 2 and isinstance(fit.cause, int)
