"""``EffectsResult.curves`` says the level of its intervals, as ``tidy()`` does.

Review s27 (leftovers), finding 3: the curves' table had intervals but no ``conf_level``
column, so a figure or a file of curves could not say whether they were 90% or 95%
intervals (STYLE: ``conf_level`` as a column of every result).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from escalation.causal import estimate_effects

from .causal_support import simulate


def test_curves_carry_the_conf_level_of_their_intervals() -> None:
    data = simulate(300, seed=5)
    result = estimate_effects(
        data, covariates=["risk"], estimators=["ipw"], horizons=[180], bootstrap=20, seed=1,
        conf_level=0.9, curve_points=8,
    )  # fmt: skip
    curves = result.curves
    assert "conf_level" in curves.columns
    assert set(curves["conf_level"]) == {0.9} == set(result.tidy()["conf_level"])
    # the intervals are of that level: estimate ± z(0.95) x the bootstrap SD of the
    # replicate curves (worked here from result.replicates: risk of arm 0, then arm 1)
    report = np.sort(curves["time"].unique())
    block = result.replicates[:, : 2 * len(report)]  # type: ignore[index]
    block = block[~np.isnan(block).all(axis=1)].reshape(-1, 2, len(report))
    sd = np.nanstd(block, axis=0, ddof=1)
    z = stats.norm.ppf(0.95)
    for arm, group in ((1, "treated"), (0, "untreated")):
        rows = curves[curves["group"] == group].set_index("time").loc[report]
        inside = (rows["conf_low"] > 0).to_numpy() & (rows["conf_high"] < 1).to_numpy()
        assert inside.sum() >= 3
        half = ((rows["conf_high"] - rows["conf_low"]) / 2).to_numpy()
        np.testing.assert_allclose(half[inside], z * sd[arm][inside], rtol=1e-9)
