"""The weighted pair counts of escalation.core.concordance against a direct O(n^2) count."""

from __future__ import annotations

import numpy as np
import pytest

from escalation.core.concordance import concordance_sums


def _direct(
    time: np.ndarray,
    case: np.ndarray,
    risk: np.ndarray,
    weight: np.ndarray,
    start: np.ndarray | None = None,
) -> tuple[float, float]:
    entry = np.full(len(time), -np.inf) if start is None else start
    agree = pairs = 0.0
    for i in np.flatnonzero(case):
        for j in range(len(time)):
            if entry[j] >= time[i]:  # not yet at risk at the case's time
                continue
            if time[j] > time[i] or (time[j] == time[i] and not case[j]):
                w = weight[i] * weight[j]
                pairs += w
                if abs(risk[i] - risk[j]) <= 1e-8:
                    agree += 0.5 * w
                elif risk[i] > risk[j]:
                    agree += w
    return agree, pairs


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_concordance_sums_equal_a_direct_weighted_count(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 120
    time = rng.integers(1, 15, n).astype(float)  # many tied times
    case = rng.random(n) < 0.5
    risk = np.round(rng.normal(size=n), 1)  # many tied risks
    weight = rng.uniform(0.1, 3.0, n)
    np.testing.assert_allclose(
        concordance_sums(time, case, risk, weight), _direct(time, case, risk, weight), rtol=1e-12
    )
    # unit weights: the numbers of pairs
    _, pairs = concordance_sums(time, case, risk, np.ones(n))
    assert pairs == _direct(time, case, risk, np.ones(n))[1] and pairs == int(pairs)


def test_no_comparable_pair_gives_zero_pairs() -> None:
    assert concordance_sums(np.array([5.0]), np.array([True]), np.zeros(1), np.ones(1)) == (
        0.0,
        0.0,
    )
    two = concordance_sums(np.array([9.0, 10.0]), np.array([False, True]), np.zeros(2), np.ones(2))
    assert two == (0.0, 0.0)


@pytest.mark.parametrize("seed", [4, 5])
def test_counting_process_pairs_equal_a_direct_count_of_rows_at_risk(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 150
    start = rng.integers(0, 10, n).astype(float)  # entries tied with event times
    time = start + rng.integers(1, 8, n)
    case = rng.random(n) < 0.5
    risk = np.round(rng.normal(size=n), 1)
    weight = rng.uniform(0.1, 3.0, n)
    got = concordance_sums(time, case, risk, weight, start)
    np.testing.assert_allclose(got, _direct(time, case, risk, weight, start), rtol=1e-12)
    assert got[1] < concordance_sums(time, case, risk, weight)[1]  # late entries left out
