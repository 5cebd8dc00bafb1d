"""The age-balance figure's densities (``plot_distribution_balance``, a numeric covariate).

Session 27: its continuous branch was never checked. After weighting each arm's curve is
the weighted Gaussian kernel density of the arm (checked against the formula written out
below: scipy's ``gaussian_kde`` is not the reference); before weighting, with a run's rules,
it is the density of each value held by its disclosed count, so that neither a block's
exact count nor the arm's exact size can be read off the curve (it was the density of the
exact rows: masses count/n, bandwidth n^(-1/5)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalation.disclosure import DEFAULT_RULES
from escalation.figures import plot_distribution_balance

ARMS = ("No early help", "Early help")


def kernel_density(grid: np.ndarray, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """The weighted Gaussian kernel density, by hand (Scott's rule with Kish's n).

    f(g) = sum_i w_i phi((g - x_i) / h) / (h sum_i w_i), h = s n_eff^(-1/5), with
    n_eff = (sum w)^2 / sum w^2 and s^2 the weighted variance with reliability weights,
    sum w (x - m)^2 / (V1 - V2 / V1), V1 = sum w, V2 = sum w^2, m the weighted mean.
    """
    v1, v2 = w.sum(), (w**2).sum()
    m = (w * x).sum() / v1
    s2 = (w * (x - m) ** 2).sum() / (v1 - v2 / v1)
    h = np.sqrt(s2) * (v1**2 / v2) ** (-1 / 5)
    z = (grid[:, None] - x[None, :]) / h
    return (w * np.exp(-0.5 * z**2)).sum(axis=1) / (h * v1 * np.sqrt(2 * np.pi))


def curve(plot_data: pd.DataFrame, sample: str, arm: str) -> tuple[np.ndarray, np.ndarray]:
    part = plot_data[(plot_data["sample"] == sample) & (plot_data["treatment"] == arm)]
    return part["x"].to_numpy(float), part["y"].to_numpy(float)


def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    return pd.DataFrame({
        "value": rng.uniform(0, 17, 90).round(2),
        "treatment": [0] * 50 + [1] * 40,
        "weight": rng.uniform(1, 4, 90),
    })  # fmt: skip


def test_the_density_after_weighting_is_each_arms_weighted_density() -> None:
    data = frame()
    for rules in (None, DEFAULT_RULES):
        plotted = plot_distribution_balance(data, covariate="age", rules=rules).data
        for value, arm in enumerate(ARMS):
            rows = data[data["treatment"] == value]
            grid, y = curve(plotted, "After weighting", arm)
            x, w = rows["value"].to_numpy(float), rows["weight"].to_numpy(float)
            assert np.allclose(y, kernel_density(grid, x, w), rtol=1e-10, atol=0)
            # the weights change the curve: an unweighted density differs
            assert not np.allclose(y, kernel_density(grid, x, np.ones_like(w)), rtol=1e-3)
    # ages not micro-aggregated, each one child's: every value suppressed before weighting
    before = plot_distribution_balance(data, covariate="age", rules=DEFAULT_RULES).data
    assert (before.loc[before["sample"] == "Before weighting", "y"] == 0).all()


def test_the_density_before_weighting_without_rules_is_each_arms_density() -> None:
    data = frame()
    plotted = plot_distribution_balance(data, covariate="age").data
    for value, arm in enumerate(ARMS):
        x = data.loc[data["treatment"] == value, "value"].to_numpy(float)
        grid, y = curve(plotted, "Before weighting", arm)
        assert np.allclose(y, kernel_density(grid, x, np.ones_like(x)), rtol=1e-10, atol=0)


def blocks(last: int) -> pd.DataFrame:
    """Micro-aggregated ages: arm 1 in six blocks, the last of ``last`` children (10 to
    19: blocks of at least the threshold); arm 0 in six blocks of 10."""
    means = [1.5, 3.2, 6.0, 8.4, 11.7, 15.1]
    sizes = [10] * 5 + [last]
    treated = np.repeat(means, sizes)
    control = np.repeat([m + 0.4 for m in means], 10)
    return pd.DataFrame({
        "value": np.concatenate([control, treated]),
        "treatment": [0] * len(control) + [1] * len(treated),
        "weight": 1.0,
    })  # fmt: skip


def test_no_block_count_or_arm_size_is_read_off_the_density_before_weighting() -> None:
    """Arms of 61 and 62 children (last blocks of 11 and 12, both shown as 10 under the
    default rules: rounded to 5) draw the same curve, the density of six blocks of 10,
    by hand; before, the masses 11/61 and 12/62 and the bandwidths 61^(-1/5) and
    62^(-1/5) told them apart."""
    curves = []
    for last in (11, 12):
        plotted = plot_distribution_balance(
            blocks(last), covariate="age", rules=DEFAULT_RULES, max_levels=3
        )
        grid, y = curve(plotted.data, "Before weighting", "Early help")
        shown = np.repeat([1.5, 3.2, 6.0, 8.4, 11.7, 15.1], 10)
        assert np.allclose(y, kernel_density(grid, shown, np.ones(60)), rtol=1e-10, atol=0)
        curves.append(y)
    assert np.array_equal(curves[0], curves[1])
    # a last block of 13 is shown as 15: another curve (the rule is the tables', not none)
    plotted = plot_distribution_balance(
        blocks(13), covariate="age", rules=DEFAULT_RULES, max_levels=3
    )
    assert not np.allclose(curve(plotted.data, "Before weighting", "Early help")[1], curves[0])
