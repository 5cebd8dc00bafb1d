"""The array cumulative incidence and multi-state results read past the data: NaN there.

Was: ``cumulative_incidence_at`` and the ``at()``/``matrix()`` of ``state_occupation``
and ``transition_probabilities`` gave the last value at any time past the last
follow-up, while a curve's ``at()`` and every model prediction give NaN there
(``escalation.survival._outcome.past_follow_up``: the estimate is unknown where no row
is followed). The last follow-up time itself is known, a censoring there included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalation.survival import (
    aalen_johansen,
    cumulative_incidence_at,
    state_occupation,
    transition_probabilities,
)


def test_cumulative_incidence_at_is_unknown_past_the_last_follow_up() -> None:
    duration = np.array([1.0, 2.0, 3.0, 4.0, 6.0])
    event = np.array([1, 2, 0, 1, 0])  # the last follow-up, day 6, is a censoring
    times = [0.5, 4.0, 6.0, 6.5, 1000.0]
    values = cumulative_incidence_at(duration, event, times)
    # the same reading as the curve's at() (NaN past day 6), by hand before it
    curve = aalen_johansen(pd.DataFrame({"duration": duration, "event": event}), causes=[1])
    np.testing.assert_allclose(values, curve.at(times)["estimate"], atol=1e-15)
    # by hand: 1/5 at day 1; S = 3/5 after day 2; day 4 adds 3/5 * 1/2
    np.testing.assert_allclose(values[:3], [0.0, 0.2 + 0.3, 0.2 + 0.3], atol=1e-15)
    assert np.isnan(values[3:]).all()


def _rows() -> pd.DataFrame:
    # spell 1 is followed to day 10; the last transition is at day 8
    return pd.DataFrame(
        {
            "spell_id": [1, 2, 2, 3],
            "start": [0.0, 0.0, 5.0, 0.0],
            "stop": [10.0, 5.0, 8.0, 6.0],
            "from_state": ["referral_closed", "referral_closed", "cp_plan", "referral_closed"],
            "to_state": [None, "cp_plan", "looked_after", "cin_plan"],
        }
    )


def test_state_occupation_is_unknown_past_the_last_follow_up() -> None:
    fit = state_occupation(_rows())
    read = fit.at([9.0, 10.0, 10.5])
    known = read[read["time"] <= 10.0]
    # within the follow-up: the step after the last transition (day 8), the rows of tidy()
    after_last = fit.tidy().query("time == 8.0")
    for column in ("probability", "std_error", "conf_low", "conf_high"):
        np.testing.assert_allclose(
            known[column].to_numpy(), np.tile(after_last[column].to_numpy(), 2), atol=0
        )
    past = read[read["time"] == 10.5]
    assert len(past) == len(fit.states)
    assert past[["probability", "std_error", "conf_low", "conf_high"]].isna().all().all()
    assert fit.last_follow_up == 10.0


def test_transition_probabilities_are_unknown_past_the_last_follow_up() -> None:
    fit = transition_probabilities(_rows())
    np.testing.assert_allclose(fit.matrix(10.0).to_numpy(), fit.matrices[-1], atol=0)
    assert np.isnan(fit.matrix(10.5).to_numpy()).all()
    assert fit.last_follow_up == 10.0
