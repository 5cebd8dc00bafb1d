"""The fast weighted Aalen–Johansen core against lifelines and invariants."""

from __future__ import annotations

import numpy as np
from lifelines import AalenJohansenFitter, KaplanMeierFitter

from escalation.survival import cumulative_incidence_at


def data(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n = 400
    duration = rng.integers(1, 60, n).astype(float)
    event = rng.choice([0, 1, 2], size=n, p=[0.5, 0.3, 0.2])
    return duration, event


def test_matches_lifelines_aalen_johansen() -> None:
    duration, event = data()
    duration = duration + np.random.default_rng(9).uniform(0, 0.5, duration.size)  # no ties
    times = np.array([5.0, 17.5, 30.0, 59.0])
    fitter = AalenJohansenFitter(calculate_variance=False, jitter_level=0.0)
    fitter.fit(duration, event, event_of_interest=1)
    expected = fitter.predict(times).to_numpy()
    np.testing.assert_allclose(
        cumulative_incidence_at(duration, event, times), expected, atol=1e-12
    )


def test_without_competing_events_equals_one_minus_kaplan_meier() -> None:
    duration, event = data(4)
    event = np.minimum(event, 1)
    times = np.arange(1.0, 60.0)
    km = KaplanMeierFitter().fit(duration, event)
    expected = 1.0 - km.survival_function_at_times(times).to_numpy()
    np.testing.assert_allclose(
        cumulative_incidence_at(duration, event, times), expected, atol=1e-12
    )


def test_integer_weights_equal_replicated_rows_and_unit_weights_change_nothing() -> None:
    duration, event = data(5)
    times = np.array([10.0, 40.0])
    counts = np.random.default_rng(1).integers(1, 4, duration.size)
    weighted = cumulative_incidence_at(duration, event, times, weights=counts)
    replicated = cumulative_incidence_at(
        np.repeat(duration, counts), np.repeat(event, counts), times
    )
    np.testing.assert_allclose(weighted, replicated, atol=1e-12)
    unit = cumulative_incidence_at(duration, event, times, weights=np.ones(duration.size))
    np.testing.assert_allclose(unit, cumulative_incidence_at(duration, event, times), atol=0)
