"""The one cumulative-incidence formula: equal to R's predictRisk, never above 1.

``risk_model("cox").predict_risk`` used to sum S(t-) dH with a Breslow baseline after an
Efron fit: off R's ``predictRisk`` by up to 0.02 and above 1 (silently clipped) for
high-risk profiles. Every risk now comes from ``escalation.core.cif``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from escalation.core import cif, productlimit
from escalation.errors import StatisticalWarning
from escalation.predict.models import risk_model
from escalation.survival import aalen_johansen, cumulative_incidence_at, kaplan_meier
from tests.core.core_reference import read
from tests.survival.survival_reference import spells

COVARIATES = ["x1", "x2", "x3"]


def test_cox_risk_model_equals_riskregression_predict_risk() -> None:
    d = spells()
    fitted = risk_model("cox").fit(d[COVARIATES], d["duration"], d["event"])
    coef = read("predict_risk_coefficients.csv")
    np.testing.assert_allclose(fitted.coefficients, coef["estimate"], rtol=1e-9)
    ref = read("predict_risk.csv")
    profiles = pd.DataFrame(
        {"x1": [-2, -1, 0, 1, 2.5], "x2": [0, 1, 0, 1, 1], "x3": [0, 1, 2, 3, 5]}, dtype=float
    )
    times = np.array([5.0, 20.0, 40.0, 60.0, 80.0])
    risk = fitted.predict_risk(profiles, times)
    expected = ref.pivot(index="profile", columns="time", values="risk").to_numpy()
    np.testing.assert_allclose(risk, expected, atol=1e-6)
    assert np.max(np.abs(risk - expected)) < 1e-9  # in fact equal to rounding
    assert np.all((risk >= 0) & (risk <= 1))
    # times in any order, repeated, before the first event or as one number: the same
    # values, in the shape of the times asked for
    again = fitted.predict_risk(profiles, [80.0, 0.0, 5.0, 80.0])
    np.testing.assert_array_equal(
        again, np.column_stack([risk[:, 4], np.zeros(5), risk[:, [0, 4]]])
    )
    np.testing.assert_array_equal(fitted.predict_risk(profiles, 40.0), risk[:, 2])
    square = fitted.predict_risk(profiles, times[:4].reshape(2, 2))
    np.testing.assert_array_equal(square, risk[:, :4].reshape(5, 2, 2))


def test_risks_stay_within_one_and_the_bound_is_announced() -> None:
    d = spells()
    fitted = risk_model("cox").fit(d[COVARIATES], d["duration"], d["event"])
    extreme = pd.DataFrame({"x1": [6.0], "x2": [0.0], "x3": [12.0]})
    times = np.unique(d["duration"])
    with pytest.warns(StatisticalWarning, match="add up to more than 1"):
        risk = fitted.predict_risk(extreme, times)
    assert np.all(risk <= 1.0) and np.all(np.diff(risk[0]) >= 0)
    assert risk[0, -1] > 0.99


def test_the_bounded_step_shares_a_certain_event_in_proportion() -> None:
    # total increment 1.5 at the second step: S -> 0 and the step's 0.9 is split 2:1
    with pytest.warns(StatisticalWarning, match="more than 1"):
        out = cif.cumulative_incidence([[0.1, 1.0]], [[0.1, 1.5]])
    np.testing.assert_allclose(out, [[0.1, 0.1 + 0.9 * 1.0 / 1.5]])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_compiled_and_numpy_cif_agree_and_add_to_one(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d1 = rng.exponential(0.05, (4, 30))
    d2 = rng.exponential(0.03, (4, 30))
    f1 = cif.cumulative_incidence(d1, d1 + d2)
    f2 = cif.cumulative_incidence(d2, d1 + d2, engine="numpy")
    np.testing.assert_allclose(
        f1, cif.cumulative_incidence(d1, d1 + d2, engine="numpy"), rtol=1e-12
    )
    survival = cif.event_free(d1 + d2)
    np.testing.assert_allclose(f1 + f2 + survival, 1.0, atol=1e-12)


def test_chosen_grid_positions_are_the_full_paths_there_and_every_step_is_counted() -> None:
    """``at`` keeps some positions (any order, repeated) of the very same paths; the steps
    above one are counted over the whole grid, as without it."""
    rng = np.random.default_rng(8)
    cause = rng.exponential(0.05, (5, 40))
    total = cause + rng.exponential(0.03, (5, 40))
    total[2, 30] = 1.4  # one capped step after the last position kept
    at = [12, 0, 39, 12, 5]
    for engine in ("compiled", "numpy"):
        with pytest.warns(StatisticalWarning, match="at 1 ") as full_warning:
            full = cif.cumulative_incidence(cause, total, engine=engine)  # type: ignore[arg-type]
        with pytest.warns(StatisticalWarning, match="at 1 ") as kept_warning:
            kept = cif.cumulative_incidence(cause, total, engine=engine, at=at)  # type: ignore[arg-type]
        assert str(full_warning[0].message) == str(kept_warning[0].message)
        assert np.array_equal(kept, full[:, at]), engine
    assert cif.cumulative_incidence(cause, total * 0.1, at=[]).shape == (5, 0)
    with pytest.raises(ValueError, match="grid positions"):
        cif.cumulative_incidence(cause, total * 0.1, at=[40])


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_kaplan_meier_is_one_minus_aalen_johansen_without_competing_events(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 60
    d = pd.DataFrame(
        {
            "duration": np.ceil(rng.exponential(10, n)),
            "event": (rng.random(n) < 0.6).astype(int),
            "w": rng.uniform(0.5, 2, n),
        }
    )
    km = kaplan_meier(d, weights="w").tidy()
    aj = aalen_johansen(d, causes=[1], weights="w").tidy()
    np.testing.assert_allclose(km["estimate"], 1.0 - aj["estimate"], atol=1e-12)
    alive = km["estimate"] > 0  # KM's SE is on the log scale: undefined where S = 0
    np.testing.assert_allclose(
        km.loc[alive, "std_error"], aj.loc[alive, "std_error"], rtol=1e-9, atol=1e-12
    )
    shuffled = d.sample(frac=1.0, random_state=seed)
    again = cumulative_incidence_at(
        shuffled["duration"], shuffled["event"], [5, 10, 20], weights=shuffled["w"]
    )
    np.testing.assert_allclose(
        again,
        cumulative_incidence_at(d["duration"], d["event"], [5, 10, 20], weights=d["w"]),
        atol=1e-12,
    )
    counts = productlimit.count(d["duration"], d["event"])
    assert np.all(productlimit.censoring_survival(counts) <= 1.0)
