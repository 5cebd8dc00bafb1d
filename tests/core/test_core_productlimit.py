"""The tie rule of every censoring-survival estimate: events before censorings, as R.

Eight rows with events and censorings on the same days. R's ``prodlim`` reverse
Kaplan–Meier (frozen in tests/reference/core/reverse_km.csv) removes the rows with an
event at t from the risk of being censored at t. ``ipcw_outcome`` (used by the DoWhy and
EconML outcomes) treated censoring as the event of an ordinary Kaplan–Meier instead
(G(3) = 0.686 here, against 0.556); every estimate now uses the core's one kernel.
"""

from __future__ import annotations

import numpy as np
import pytest

from escalation.causal.curves import ipcw_outcome
from escalation.core import productlimit
from escalation.predict import metrics
from escalation.survival.finegray import finegray_expand
from tests.core.core_reference import read

DAYS = np.array([1.0, 2, 2, 3, 3, 3, 4, 5])
CODE = np.array([1, 0, 1, 1, 0, 2, 0, 1])


@pytest.fixture(scope="module")
def g() -> np.ndarray:
    """R's reverse Kaplan–Meier at days 1..5."""
    ref = read("reverse_km.csv")
    assert not np.allclose(ref["censoring_survival"], ref["censoring_as_event"])
    return ref["censoring_survival"].to_numpy()


def test_core_kernel_and_metrics_give_prodlims_reverse_kaplan_meier(g: np.ndarray) -> None:
    counts = productlimit.count(DAYS, CODE)
    core = productlimit.step(
        counts.time, productlimit.censoring_survival(counts), [1, 2, 3, 4, 5], before=1.0
    )
    np.testing.assert_allclose(core, g, rtol=1e-12)
    times, values = metrics.censoring_survival(DAYS, CODE)
    np.testing.assert_allclose(productlimit.step(times, values, [1, 2, 3, 4, 5], before=1.0), g)


def _expected_weights(g: np.ndarray, horizon: float) -> np.ndarray:
    g_before = np.r_[1.0, g][DAYS.astype(int) - 1]  # G(t-) for whole days
    g_h = g[int(np.floor(horizon)) - 1]
    return np.where(horizon >= DAYS, np.where(CODE > 0, 1.0 / g_before, 0.0), 1.0 / g_h)


def test_ipcw_weights_of_metrics_and_causal_outcome_agree_with_r(g: np.ndarray) -> None:
    expected = _expected_weights(g, 3.5)
    status = metrics.horizon_status(DAYS, CODE, 3.5)
    np.testing.assert_allclose(status.weight, expected, rtol=1e-12)
    y, weight = ipcw_outcome(DAYS, CODE, 3.5)
    np.testing.assert_allclose(weight, expected, rtol=1e-12)
    np.testing.assert_allclose(y, np.where((CODE == 1) & (DAYS <= 3.5), expected, 0.0))


def test_fine_gray_weights_follow_the_same_kernel(g: np.ndarray) -> None:
    rows = finegray_expand(DAYS, CODE, cause=1)
    extended = rows[rows["row"] == 5]  # the competing event at day 3
    # weight G(t-) / G(T-) over (4, 5], the interval holding the cause-1 event at day 5
    last = extended.iloc[-1]
    assert (last["start"], last["stop"]) == (4.0, 5.0)
    assert last["weight"] == pytest.approx(g[3] / g[1], rel=1e-12)
