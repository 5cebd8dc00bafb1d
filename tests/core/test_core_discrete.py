"""The Kalbfleisch–Prentice baseline against R's survfit.coxph(stype = 1, ctype = 1)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from escalation.core.discrete import kalbfleisch_prentice

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "core"


def test_event_free_probabilities_match_r() -> None:
    """R's Cox fit (Breslow ties) on tied whole-day data; R's coefficients are used so only
    the baseline is compared. Profile 3's Breslow increment at day 1 is 2.5, where the
    product limit would give 0; the Kalbfleisch–Prentice estimate is 0.038."""
    data = pd.read_csv(REFERENCE / "kalbfleisch_prentice_data.csv")
    expected = pd.read_csv(REFERENCE / "kalbfleisch_prentice_r.csv")
    beta = expected[["beta_x", "beta_z"]].iloc[0].to_numpy()
    risk = np.exp(data[["x", "z"]].to_numpy() @ beta)
    times = expected["time"].to_numpy(float)
    log_free = kalbfleisch_prentice(data["t"], data["e"], risk, times)
    profiles = np.exp(np.array([[-1.0, 0.0], [0.0, 1.0], [2.5, 1.0]]) @ beta)
    survival = np.exp(np.cumsum(profiles[:, None] * log_free[None, :], axis=1))
    reference = expected[["profile_1", "profile_2", "profile_3"]].to_numpy().T
    # logs: R iterates its estimate to about 1e-9 of the log at 1e-16 probabilities
    np.testing.assert_allclose(np.log(survival), np.log(reference), rtol=1e-9, atol=0)
    assert (survival > 0).all()


def test_one_event_has_the_closed_form_and_weights_count_as_copies() -> None:
    rng = np.random.default_rng(3)
    time = rng.integers(1, 6, 40).astype(float)
    event = (rng.random(40) < 0.6).astype(int)
    risk = rng.exponential(size=40)
    grid = np.unique(time)
    single = [j for j, t in enumerate(grid) if ((time == t) & (event == 1)).sum() == 1]
    got = kalbfleisch_prentice(time, event, risk, grid)
    for j in single:
        t = grid[j]
        r_d = risk[(time == t) & (event == 1)][0]
        closed = np.log1p(-r_d / risk[time >= t].sum()) / r_d
        assert np.isclose(got[j], closed, rtol=1e-12)
    doubled = kalbfleisch_prentice(time, event, risk, grid, weights=np.full(40, 2.0))
    copies = kalbfleisch_prentice(np.r_[time, time], np.r_[event, event], np.r_[risk, risk], grid)
    np.testing.assert_allclose(doubled, copies, rtol=1e-12)
    # no event at a time: no change; every row at risk failing: certain event
    assert kalbfleisch_prentice([1, 2], [0, 0], [1.0, 1.0], [1])[0] == 0.0
    assert kalbfleisch_prentice([1, 1], [1, 1], [1.0, 2.0], [1])[0] == -np.inf
