"""Input checks of the competing-risks models (review of the crr code against cmprsk).

Each test failed before its fix:

1. cause-specific cumulative incidence with not every cause modelled (it returned one
   minus Kaplan–Meier);
2. a Surv(start, stop, event) formula in a model without (start, stop] rows (it fitted
   start as the follow-up time);
3. cause 0 (censoring), a string or a fraction as the cause (it modelled censorings as
   events, or said "cause 1 has no events" naming 1 among the causes with events);
4. a prediction profile with a categorical level not seen at fit, or a missing value, and
   no 'other' level to take it (it was predicted as the reference level);
5. a missing, infinite or negative prediction time (a NaN read the curve's last value);
6. a rho of Gray's (and the log-rank) test that is not a finite number (numpy's bare
   LinAlgError, or a NaN statistic);
7. spells fitted with a coding learnt elsewhere, holding a categorical level it never saw
   (they were fitted as the reference level).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.core import productlimit
from escalation.errors import DataValidationError, DesignError
from escalation.survival import (
    finegray_expand,
    fit_aft,
    fit_cause_specific,
    fit_cox,
    fit_fine_gray,
    gray_test,
)
from escalation.survival._cif import cumulative_incidence_at
from escalation.survival.nonparametric import aalen_johansen, logrank_test
from escalation.timeline import CovariateCoding

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


def _grouped() -> pd.DataFrame:
    data = _data()
    return data.assign(g=[("a", "b", "c")[i % 3] for i in range(len(data))])


PREDICTORS: dict[str, Callable[[pd.DataFrame], Any]] = {
    "fine_gray": lambda d: fit_fine_gray(d, ["x1", "g"], cluster=None).predict_cumulative_incidence,
    "cause_specific": lambda d: (
        fit_cause_specific(d, ["x1", "g"], cluster=None).predict_cumulative_incidence
    ),
    "cox": lambda d: fit_cox(d, ["x1", "g"], cluster=None).predict_survival,
}


@pytest.mark.parametrize("model", list(PREDICTORS))
def test_competing_profile_level_not_seen_is_refused(model: str) -> None:
    predict = PREDICTORS[model](_grouped())
    profiles = pd.DataFrame({"x1": [0.0, 0.0, 0.0], "g": ["b", "zz", None]}, index=[7, 8, 9])
    with pytest.raises(DataValidationError) as raised:
        predict(profiles, [90.0])
    problems = raised.value.problems
    assert [(p.table, p.row, p.column, p.value) for p in problems] == [
        ("profiles", 1, "g", "zz"),
        ("profiles", 2, "g", None),
    ]
    message = str(raised.value)
    assert "a level not seen when the model was fitted" in message
    assert "its levels are a, b, c" in message
    assert "zz" not in message  # text is described, never echoed
    known = predict(profiles.iloc[:1], [90.0])  # a level seen at fit is predicted as before
    assert known["estimate"].notna().all()


def test_competing_profile_level_not_seen_goes_to_other_when_kept() -> None:
    data = _grouped()
    data.loc[:4, "g"] = "rare"  # pooled into 'other' (min_count 20)
    fit = fit_fine_gray(data, ["x1", "g"], cluster=None)
    assert fit.coding.levels["g"] == ("a", "b", "c", "other")
    profiles = pd.DataFrame({"x1": [0.0, 0.0], "g": ["zz", "rare"]})
    got = fit.predict_cumulative_incidence(profiles, [90.0])["estimate"]
    assert got.iloc[0] == got.iloc[1]  # the unseen level is 'other', as a pooled one


FITTERS: dict[str, Callable[..., Any]] = {
    "fine_gray": fit_fine_gray,
    "cause_specific": fit_cause_specific,
}


@pytest.mark.parametrize("model", list(FITTERS))
def test_competing_fit_refuses_a_level_the_coding_given_never_saw(model: str) -> None:
    data = _grouped()
    coding = CovariateCoding.learn(data, ["x1", "g"])  # as on a training cohort
    new = data.assign(g=data["g"].where(data.index != 4, "zz"))
    with pytest.raises(DataValidationError) as raised:
        FITTERS[model](new, coding=coding, cluster=None)
    problems = raised.value.problems
    assert [(p.table, p.row, p.column, p.value) for p in problems] == [("spells", 4, "g", "zz")]
    assert "a level not seen when the model was fitted" in str(raised.value)
    assert FITTERS[model](data, coding=coding, cluster=None).coding is coding


READERS: dict[str, Callable[[pd.DataFrame], Callable[[Any], object]]] = {
    "fine_gray": lambda d: (
        lambda t: fit_fine_gray(d, ["x1"], cluster=None).predict_cumulative_incidence(PROFILES, t)
    ),
    "cause_specific": lambda d: (
        lambda t: fit_cause_specific(d, ["x1"], cluster=None).predict_cumulative_incidence(
            PROFILES, t
        )
    ),
    "cox": lambda d: lambda t: fit_cox(d, ["x1"], cluster=None).predict_survival(PROFILES, t),
    "aft": lambda d: lambda t: fit_aft(d, ["x1"], cluster=None).predict_survival(PROFILES, t),
    "cumulative_incidence_at": lambda d: (
        lambda t: cumulative_incidence_at(d["duration"], d["event"], t)
    ),
    "curve_at": lambda d: aalen_johansen(d).at,
    "curve_at_risk": lambda d: aalen_johansen(d).at_risk,
}


BAD_TIMES = [([30.0, np.nan], "'nan'"), ([30.0, -1.0], "'-1.0'"), ([30, np.inf], "'inf'")]


@pytest.mark.parametrize("reader", list(READERS))
@pytest.mark.parametrize(("times", "value"), BAD_TIMES)
def test_competing_times_are_checked(reader: str, times: list[float], value: str) -> None:
    read = READERS[reader](_data())
    with pytest.raises(DataValidationError) as raised:
        read(times)
    where = [(p.table, p.row, p.column) for p in raised.value.problems]
    assert where == [("arguments", 1, "times")]
    assert f"value {value}" in str(raised.value)
    assert read([1.0, 30.0]) is not None  # finite times >= 0 are read as before


def test_competing_step_gives_nan_for_a_nan_time() -> None:
    got = productlimit.step([1.0, 3.0], [0.8, 0.5], [np.nan, 2.0, 5.0], before=1.0)
    np.testing.assert_array_equal(got, [np.nan, 0.8, 0.5])


@pytest.mark.parametrize("test", [gray_test, logrank_test])
@pytest.mark.parametrize("rho", [np.nan, np.inf, "1", True], ids=repr)
def test_competing_rho_must_be_finite(test: Callable[..., Any], rho: object) -> None:
    name = test.__name__
    with pytest.raises(
        DesignError, match=rf"{name}: rho must be a finite number.*got {re.escape(repr(rho))}$"
    ):
        test(_data(), "x2", rho=rho)
    assert np.isfinite(test(_data(), "x2", rho=1).statistic)  # a finite rho is tested as before
