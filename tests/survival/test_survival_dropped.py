"""``glance()["dropped"]`` counts the rows an estimator left out, for every result type.

Rows with case weight 0 take no part in a weighted estimate and are left out; each
result reports how many (it used to say 0 whatever happened). Leaving them out changes
no estimate: the fit equals the fit to the other rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError
from escalation.survival import (
    aalen_johansen,
    fit_aft,
    fit_cause_specific,
    fit_cox,
    fit_fine_gray,
    kaplan_meier,
    logrank_test,
    nelson_aalen,
    rmst,
    state_occupation,
    transition_probabilities,
)
from escalation.survival._outcome import usable_rows
from tests.survival.survival_reference import spells

COVARIATES = ["x1", "x2", "x3"]
ZERO = 37


def _zero_weighted() -> pd.DataFrame:
    d = spells()
    zero = np.zeros(len(d), dtype=bool)
    zero[np.random.default_rng(3).choice(len(d), ZERO, replace=False)] = True
    return d.assign(weight=np.where(zero, 0.0, d["weight"]))


FITS: dict[str, Callable[[pd.DataFrame], Any]] = {
    "cox": lambda d: fit_cox(d, COVARIATES, cluster="cluster", weights="weight"),
    "aft": lambda d: fit_aft(d, COVARIATES, cluster="cluster", weights="weight"),
    "cause_specific": lambda d: fit_cause_specific(
        d, COVARIATES, weights="weight", cluster="cluster", min_count=1
    ),
    "fine_gray": lambda d: fit_fine_gray(d, COVARIATES, weights="weight", min_count=1),
    "kaplan_meier": lambda d: kaplan_meier(d, weights="weight", group="group"),
    "nelson_aalen": lambda d: nelson_aalen(d, weights="weight"),
    "aalen_johansen": lambda d: aalen_johansen(d, weights="weight"),
}


@pytest.mark.parametrize("kind", list(FITS))
def test_rows_with_zero_weight_are_counted_as_dropped(kind: str) -> None:
    d = _zero_weighted()
    glance = FITS[kind](d).glance().iloc[0]
    assert glance["dropped"] == ZERO
    assert glance["n"] == len(d) - ZERO
    positive = d[d["weight"] > 0]
    assert glance["events"] == FITS[kind](positive).glance().iloc[0]["events"]


@pytest.mark.parametrize("kind", ["cox", "aft", "cause_specific", "kaplan_meier", "aalen_johansen"])
def test_leaving_zero_weight_rows_out_changes_no_estimate(kind: str) -> None:
    d = _zero_weighted()
    got, expected = FITS[kind](d).tidy(), FITS[kind](d[d["weight"] > 0]).tidy()
    pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-10)


def test_numbers_at_risk_leave_out_zero_weight_rows() -> None:
    d = _zero_weighted()
    at_risk = kaplan_meier(d, weights="weight").at_risk([0.0])["at_risk"].iloc[0]
    assert at_risk == len(d) - ZERO


def test_fine_gray_keeps_zero_weight_subjects_in_the_censoring_distribution() -> None:
    """As R's ``finegray``: G uses every subject, the fit only the weighted ones."""
    d = _zero_weighted()
    fit = fit_fine_gray(d, COVARIATES, weights="weight", min_count=1)
    subset = fit_fine_gray(d[d["weight"] > 0], COVARIATES, weights="weight", min_count=1)
    assert fit.n == subset.n
    assert not np.allclose(fit.coefficients, subset.coefficients, rtol=1e-8)  # G differs


def test_unweighted_results_drop_nothing() -> None:
    d = spells()
    assert logrank_test(d, "group").glance()["dropped"].iloc[0] == 0
    assert rmst(d, 30.0, group="group").glance()["dropped"].iloc[0] == 0
    assert kaplan_meier(d).glance()["dropped"].iloc[0] == 0
    rows = pd.DataFrame(
        {
            "spell_id": [1, 2, 3],
            "start": [0.0, 0.0, 0.0],
            "stop": [5.0, 8.0, 9.0],
            "from_state": ["referral_closed"] * 3,
            "to_state": ["cp_plan", None, "cp_plan"],
        }
    )
    assert state_occupation(rows).glance()["dropped"].iloc[0] == 0
    assert transition_probabilities(rows).glance()["dropped"].iloc[0] == 0


def test_bad_weights_are_never_dropped_silently() -> None:
    d = _zero_weighted()
    for value in (np.nan, -0.5, np.inf):
        bad = d.assign(weight=d["weight"].where(d.index != 5, value))
        for kind in ("cox", "aft", "cause_specific", "fine_gray", "kaplan_meier"):
            with pytest.raises(DataValidationError, match="row 5, column 'weight'"):
                FITS[kind](bad)


def test_usable_rows_counts_missing_outcomes_when_asked() -> None:
    frame = pd.DataFrame({"y": [1.0, None, 3.0, None], "w": [1.0, 1.0, 0.0, 2.0]})
    used = usable_rows(frame, weights="w", missing_outcome="y")
    assert used.dropped == 3
    assert used.frame.index.tolist() == [0]
    assert usable_rows(frame).dropped == 0
