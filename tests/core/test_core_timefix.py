"""The one near-tie rule of times (R's ``survival::aeqSurv``, ``timefix = TRUE``).

The end-to-end comparison with R's estimators is ``tests/survival/test_survival_timefix.py``.
"""

from __future__ import annotations

import numpy as np

from escalation.core.timefix import TIME_TOLERANCE, near_ties_merged


def test_tolerance_is_r_sqrt_machine_epsilon() -> None:
    assert TIME_TOLERANCE == 2.0**-26  # R: sqrt(.Machine$double.eps), 1.490116e-08


def test_whole_days_are_returned_untouched() -> None:
    days = np.array([3.0, 1.0, 3.0, 7.0])
    (out,) = near_ties_merged(days)
    assert out is days


def test_weeks_computed_two_ways_become_the_smaller_time() -> None:
    a, b = 5 / 7, 5 * (1 / 7)
    assert a != b
    (out,) = near_ties_merged(np.array([2.0, max(a, b), min(a, b)]))
    assert out.tolist() == [2.0, min(a, b), min(a, b)]


def test_a_run_of_near_ties_takes_its_first_time_even_past_one_tolerance() -> None:
    step = 0.6 * TIME_TOLERANCE  # each neighbour within the tolerance, the ends not
    times = np.array([1.0, 1.0 + step, 1.0 + 2 * step, 1.0 + 3 * step, 2.0])
    (out,) = near_ties_merged(times)
    assert out.tolist() == [1.0, 1.0, 1.0, 1.0, 2.0]


def test_tolerance_is_relative_to_the_mean_distinct_time() -> None:
    big = 1e9  # mean about 1e9: times 1 apart are within 1.5e-8 relative
    (out,) = near_ties_merged(np.array([big + 0.5, big + 1.5, big + 100.5]))
    assert out.tolist() == [big + 0.5, big + 0.5, big + 100.5]


def test_small_times_use_the_absolute_tolerance() -> None:
    (out,) = near_ties_merged(np.array([1e-9, 2e-9, 1.0, 1.5]))
    assert out.tolist() == [1e-9, 1e-9, 1.0, 1.5]


def test_starts_and_stops_are_judged_together_and_infinities_kept() -> None:
    a, b = 5 / 7, 5 * (1 / 7)
    start, stop = near_ties_merged(np.array([-np.inf, max(a, b)]), np.array([min(a, b), 2.5]))
    assert start.tolist() == [-np.inf, min(a, b)]
    assert stop.tolist() == [min(a, b), 2.5]


def test_distinct_times_are_returned_untouched() -> None:
    times = np.array([0.5, 1.25, 0.5])
    (out,) = near_ties_merged(times)
    assert out is times
