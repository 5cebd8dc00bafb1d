"""Times that differ only by floating-point rounding are one time, as R's ``timefix``.

Was: durations in weeks computed as ``days / 7`` and ``days * (1 / 7)`` were different
times to the package and one time to R (``survival::aeqSurv``, applied by default by
``survfit``, ``coxph``, ``survdiff`` and ``finegray``), so Kaplan–Meier, Aalen–Johansen,
Cox, log-rank and Fine–Gray numbers differed from R's defaults (by 5% on the reviewer's
data). Frozen R output: ``tests/reference/survival/timefix.R``; tolerance 1e-9 (absolute
for curves, and for coefficients and SEs, whose relative accuracy is limited near 0 by the
Newton stopping rule, a step below 1e-10 (1 + |beta|); relative for the log-rank statistic).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError
from escalation.survival import (
    aalen_johansen,
    fit_cox,
    fit_fine_gray,
    kaplan_meier,
    logrank_test,
)
from tests.survival.survival_reference import read

TOL = 1e-9
DATA = read("timefix_data.csv")
REFERENCE = read("timefix_reference.csv")


def _r(method: str, quantity: str) -> pd.DataFrame:
    return REFERENCE.query("method == @method and quantity == @quantity")


def _value(method: str, quantity: str) -> float:
    return float(_r(method, quantity)["value"].iloc[0])


def test_reference_data_have_near_ties_that_change_r_numbers() -> None:
    # the data do what the test needs: R's numbers with and without timefix differ
    assert DATA["duration"].nunique() > DATA["duration"].round(9).nunique()
    assert len(_r("km_no_timefix", "surv")) > len(_r("km", "surv"))
    assert abs(_value("cox", "coef") - _value("cox_no_timefix", "coef")) > 1e-3


def test_kaplan_meier_merges_near_ties_as_survfit() -> None:
    tidy = kaplan_meier(DATA).tidy().query("n_event > 0 or time > 0")
    surv, se = _r("km", "surv"), _r("km", "std_err")
    assert len(tidy) == len(surv)
    np.testing.assert_allclose(tidy["time"], surv["time"], rtol=TOL, atol=0)
    np.testing.assert_allclose(tidy["estimate"], surv["value"], rtol=0, atol=TOL)
    np.testing.assert_allclose(tidy["std_error"], se["value"], rtol=0, atol=TOL)


@pytest.mark.parametrize("cause", [1, 2])
def test_aalen_johansen_merges_near_ties_as_survfit(cause: int) -> None:
    tidy = aalen_johansen(DATA, event="cause").tidy().query("cause == @cause and time > 0")
    ref = _r("aj", f"cause{cause}")
    assert len(tidy) == len(ref)
    np.testing.assert_allclose(tidy["estimate"], ref["value"], rtol=0, atol=TOL)


def test_cox_merges_near_ties_as_coxph() -> None:
    tidy = fit_cox(DATA, ["x"], cluster=None).tidy()
    np.testing.assert_allclose(tidy["estimate"], _value("cox", "coef"), rtol=0, atol=TOL)
    np.testing.assert_allclose(tidy["std_error"], _value("cox", "se"), rtol=0, atol=TOL)


def test_counting_process_cox_merges_starts_and_stops_together_as_coxph() -> None:
    rows = DATA[DATA["start"] > 0]
    tidy = fit_cox(rows, "Surv(start, duration, event) ~ x", cluster=None).tidy()
    coef, se = _value("cox_counting", "coef"), _value("cox_counting", "se")
    np.testing.assert_allclose(tidy["estimate"], coef, rtol=0, atol=TOL)
    np.testing.assert_allclose(tidy["std_error"], se, rtol=0, atol=TOL)


def test_logrank_merges_near_ties_as_survdiff() -> None:
    statistic = logrank_test(DATA, "g").glance()["statistic"].iloc[0]
    np.testing.assert_allclose(statistic, _value("logrank", "chisq"), rtol=TOL)


def test_fine_gray_merges_near_ties_as_finegray() -> None:
    tidy = fit_fine_gray(DATA, ["x"], event="cause", cause=1, cluster="id").tidy()
    np.testing.assert_allclose(tidy["estimate"], _value("finegray", "coef"), rtol=0, atol=TOL)
    np.testing.assert_allclose(tidy["std_error"], _value("finegray", "se"), rtol=0, atol=TOL)


def test_interval_shorter_than_the_tolerance_is_refused_naming_its_row() -> None:
    rows = pd.DataFrame(
        {"start": [0.0, 5 * (1 / 7), 0.0], "stop": [1.0, 5 / 7, 2.0], "event": [1, 1, 0]}
    )
    assert rows["stop"].iloc[1] > rows["start"].iloc[1]  # a length of one rounding step
    with pytest.raises(DataValidationError, match=r"row 1, column 'stop'.*no length"):
        fit_cox(rows.assign(x=[0.1, 0.2, 0.3]), "Surv(start, stop, event) ~ x", cluster=None)
