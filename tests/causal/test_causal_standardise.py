"""The compiled g-formula/AIPW standardisation against the formulas written out in numpy.

The kernel walks blocks of children side by side and splits each block's grid where the
rows' censoring martingales stop; here every child's curve, censoring survival and
martingale sums are whole-array numpy expressions of the definitions (Ozenne et al. 2020,
Biometrical Journal 62(3):751–763, doi:10.1002/bimj.201800298), so a lane that reads
another's state, a block boundary, a padded lane or a wrong split would show. Row counts are
not multiples of the block size, and follow-up ends fall before, inside and beyond the grid.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from escalation.causal._standardise import LANES, standardise

FloatArray = npt.NDArray[np.float64]


def _inputs(n: int, grid: int, seed: int, population: str = "ate") -> dict[str, np.ndarray]:
    """Random inputs; ``population`` chooses the population weights and AIPW factors.

    ``"ate"``: weights 1 and factors 1/(1 - e), 1/e; ``"att"``: weights the treatment and
    factors e/(1 - e), 1; ``"any"``: any positive weights and factors.
    """
    rng = np.random.default_rng(seed)
    own = rng.integers(0, grid + 1, n)  # grid position of each row's end; ``grid`` = beyond
    ended = rng.integers(0, 3, n)  # 0 censored, 1 escalation, 2 competing
    h = rng.exponential(0.02, (3, grid)) * (rng.random((3, grid)) < 0.8)  # some steps empty
    hz = np.array([grid // 3, grid - 1])
    treated = rng.random(n) < 0.4
    e = rng.uniform(0.15, 0.85, n)
    target, factor = {
        "ate": (np.ones(n), np.stack([1 / (1 - e), 1 / e])),
        "att": (treated.astype(float), np.stack([e / (1 - e), np.ones(n)])),
        "any": (rng.uniform(0, 2, n), rng.uniform(0.5, 3, (2, n))),
    }[population]
    return {
        "h1": h[0],
        "h2": h[1],
        "hc": h[2],
        "e1": np.exp(rng.normal(0, 0.5, (2, n))),
        "e2": np.exp(rng.normal(0, 0.3, (2, n))),
        "ec": np.exp(rng.normal(0, 0.3, n)),
        "w": rng.integers(1, 4, n).astype(float),
        "target": target,
        "treated": treated,
        "factor": factor,
        "own": own.astype(np.int64),
        "cause": ended == 1,
        "censored": ended == 0,
        "hz": hz.astype(np.int64),
        "lengths": rng.uniform(0, 3, (grid, 2)) * (np.arange(grid)[:, None] <= hz[None, :]),
        "horizons": np.array([30.0, 90.0]),
    }


def _by_formula(v: dict[str, np.ndarray], *, aipw: bool) -> tuple[FloatArray, ...]:
    """Return (total, total_g, phi_risk, phi_rmst, phi_fit) from whole-array numpy formulas."""
    n, grid = v["w"].size, v["h1"].size
    steps = np.arange(grid)
    total = np.zeros((2, grid))
    total_g = np.zeros((2, grid))
    phi_risk = np.zeros((n, 2, v["hz"].size))
    phi_rmst = np.zeros((n, 2, v["hz"].size))
    phi_fit = np.zeros((n, 2, v["hz"].size))
    for arm in (0, 1):
        d1 = v["e1"][arm][:, None] * v["h1"][None, :]
        d_all = d1 + v["e2"][arm][:, None] * v["h2"][None, :]
        surv = np.cumprod(1.0 - d_all, axis=1)  # S just after each step
        before = np.hstack([np.ones((n, 1)), surv[:, :-1]])
        cif = np.cumsum(before * d1, axis=1)
        total_g[arm] = (v["w"] * v["target"]) @ cif
        total[arm] = total_g[arm]
        value = v["target"][:, None] * cif
        phi_fit[:, arm, :] = value[:, v["hz"]]
        if aipw:
            mine = v["treated"] == bool(arm)
            moving = steps[None, :] <= v["own"][:, None]
            dlc = v["ec"][:, None] * v["hc"][None, :] * moving
            g = np.cumprod(1.0 - dlc, axis=1)  # censoring survival, frozen after the end
            g_before = np.hstack([np.ones((n, 1)), g[:, :-1]])
            at_end = steps[None, :] == v["own"][:, None]
            d_m = at_end * v["censored"][:, None] - dlc  # censoring martingale increments
            ratio = d_m / np.maximum(surv * g, 1e-12)
            own_g = np.where(at_end, g_before, 0.0).sum(axis=1)  # G just before the end
            escalated = v["cause"] & (v["own"] < grid)  # (an end beyond the grid is no event)
            inverse = np.divide(1.0, own_g, out=np.zeros(n), where=escalated)
            event = (steps[None, :] >= v["own"][:, None]) * inverse[:, None]
            corr = (
                event - cif + cif * np.cumsum(ratio, axis=1) - np.cumsum(cif * ratio, axis=1)
            ) * v["factor"][arm][:, None]
            total[arm] += (v["w"] * mine) @ corr
            value = np.where(mine[:, None], value + corr, value)
        phi_risk[:, arm, :] = value[:, v["hz"]]
        phi_rmst[:, arm, :] = v["target"][:, None] * v["horizons"][None, :] - value @ v["lengths"]
    return total, total_g, phi_risk, phi_rmst, phi_fit


@pytest.mark.parametrize("population", ["ate", "att", "any"])
@pytest.mark.parametrize("aipw", [False, True])
@pytest.mark.parametrize(("n", "seed"), [(3, 1), (2 * LANES + 5, 2), (200, 3)])
def test_standardise_equals_the_formulas_written_out(
    aipw: bool, n: int, seed: int, population: str
) -> None:
    """Each population's weights and factors (ATT: the treated, odds for the untreated)."""
    v = _inputs(n, 25, seed, population)
    want = _by_formula(v, aipw=aipw)
    got = standardise(**v, aipw=aipw, influence=True)  # type: ignore[arg-type]
    names = ("total", "total_g", "phi_risk", "phi_rmst", "phi_fit")
    for name, a, b in zip(names, got, want, strict=False):
        np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-12, err_msg=name)
    assert got[5] == 0  # no step capped
    plain = standardise(**v, aipw=aipw, influence=False)  # type: ignore[arg-type]
    np.testing.assert_array_equal(plain[0], got[0])  # the bootstrap path: same sums
    assert plain[2].shape == plain[4].shape == (0, 2, 2)
    # The plain g-formula's per-row values, bit for bit, whether or not augmented on the way
    # (policy_scores reads them from its AIPW walk instead of a second, g-formula walk).
    gformula = standardise(**v, aipw=False, influence=True)  # type: ignore[arg-type]
    np.testing.assert_array_equal(got[4], gformula[2])


def test_standardise_counts_every_capped_step() -> None:
    v = _inputs(2 * LANES + 3, 20, 4)
    v["e1"][1, :5] = 500.0  # five rows whose treated hazard exceeds one at every step it moves
    d_all = v["e1"][:, :, None] * v["h1"] + v["e2"][:, :, None] * v["h2"]
    got = standardise(**v, aipw=False, influence=False)  # type: ignore[arg-type]
    assert got[5] == int((d_all > 1.0).sum()) > 0
    assert np.all((got[1] >= 0) & (got[1] <= v["w"].sum() + 1e-9))  # risks stay in [0, 1]
