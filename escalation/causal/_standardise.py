"""Compiled inner loop of the g-formula and AIPW: per-row curves, summed without storing them.

Standardisation over a cause-specific Cox model needs each child's cumulative incidence on
the whole time grid, and AIPW adds each child's censoring-martingale augmentation. Done
with whole-array numpy operations this costs a dozen passes over an ``n x grid`` matrix per
arm, which is memory-bound. Here one pass per child keeps a handful of running values
(survival, incidence, censoring survival and two martingale sums) and adds the child's
contribution to the arm totals as it goes: the same arithmetic in the same order, several
times faster, in constant memory. Numba is already required by DoWhy and EconML.

Each child's cumulative incidence, and each child's censoring survival, is built step by
step with the package's one cumulative-incidence formula, :func:`escalation.core.cif.step`
(a total hazard increment above one is read as a certain event and counted, so the caller
warns). The AIPW augmentation divides by the event-free and censoring survival
:math:`S(t)G(t)`; where the model drives that product below 1e-12 (it predicts an event
or censoring for certain) the denominator is held at 1e-12 and the step is counted with
the others, so the caller's warning covers it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from escalation.core.cif import step as cif_step
from escalation.core.kernels import B1, BOOL, F1, F2, I1, c_array, kernel

__all__ = ["standardise"]

FloatArray = npt.NDArray[np.float64]

_FLOOR = 1e-12


@kernel(F1, F1, F1, F2, F2, F1, F1, B1, F1, I1, B1, B1, I1, F2, F1, BOOL, BOOL)
def _standardise(
    h1: Any,
    h2: Any,
    hc: Any,
    e1: Any,
    e2: Any,
    ec: Any,
    w: Any,
    treated: Any,
    propensity: Any,
    own: Any,
    cause: Any,
    censored: Any,
    hz: Any,
    lengths: Any,
    horizons: Any,
    aipw: bool,
    influence: bool,
) -> tuple[Any, Any, Any, Any, int]:  # pragma: no cover - compiled; tested via run_estimator
    n = w.shape[0]
    n_grid = h1.shape[0]
    n_h = hz.shape[0]
    total = np.zeros((2, n_grid))
    total_g = np.zeros((2, n_grid))
    m = n if influence else 0
    phi_risk = np.zeros((m, 2, n_h))
    phi_rmst = np.zeros((m, 2, n_h))
    capped = 0
    for i in range(n):
        wi = w[i]
        for arm in range(2):
            a1 = e1[arm, i]
            a2 = e2[arm, i]
            augment = aipw and treated[i] == arm
            pi = propensity[i] if arm == 1 else 1.0 - propensity[i]
            oi = own[i]
            has_event = cause[i] and oi < n_grid
            has_jump = censored[i] and oi < n_grid
            s_prev = 1.0
            cif = 0.0
            g_prev = 1.0
            inv_g_own = 0.0
            sum_ratio = 0.0
            sum_cif_ratio = 0.0
            if influence:
                for h in range(n_h):
                    phi_rmst[i, arm, h] = horizons[h]
            for k in range(n_grid):
                d1 = a1 * h1[k]
                d_all = d1 + a2 * h2[k]
                if d_all > 1.0:
                    capped += 1
                inc, s = cif_step(s_prev, d1, d_all)
                cif += inc
                total[arm, k] += wi * cif
                total_g[arm, k] += wi * cif
                value = cif
                if augment:
                    dlc = ec[i] * hc[k]
                    if dlc > 1.0:
                        capped += 1
                    if k <= oi:
                        # Up to the row's own follow-up end the censoring martingale moves;
                        # after it, its increments are zero and the sums stay as they are
                        # (adding a zero ratio changes no bit), so no division is needed.
                        g = cif_step(g_prev, dlc, dlc)[1]
                        if k == oi:
                            g_own = g_prev
                            inv_g_own = 1.0 / (g_own if g_own > _FLOOR else _FLOOR)
                        d_mc = -dlc
                        if has_jump and k == oi:
                            d_mc += 1.0
                        denom = s * g
                        if denom < _FLOOR:
                            denom = _FLOOR
                            if d_mc != 0.0:
                                capped += 1
                        if d_mc != 0.0:
                            ratio = d_mc / denom
                            sum_ratio += ratio
                            sum_cif_ratio += cif * ratio
                        g_prev = g
                    event_term = inv_g_own if has_event and k >= oi else 0.0
                    corr = (event_term - cif + cif * sum_ratio - sum_cif_ratio) / pi
                    total[arm, k] += wi * corr
                    value += corr
                if influence:
                    for h in range(n_h):
                        phi_rmst[i, arm, h] -= value * lengths[k, h]
                        if k == hz[h]:
                            phi_risk[i, arm, h] = value
                s_prev = s
    return total, total_g, phi_risk, phi_rmst, capped


def standardise(
    h1: FloatArray,
    h2: FloatArray,
    hc: FloatArray,
    e1: FloatArray,
    e2: FloatArray,
    ec: FloatArray,
    w: FloatArray,
    treated: npt.NDArray[np.bool_],
    propensity: FloatArray,
    own: npt.NDArray[np.int64],
    cause: npt.NDArray[np.bool_],
    censored: npt.NDArray[np.bool_],
    hz: npt.NDArray[np.int64],
    lengths: FloatArray,
    horizons: FloatArray,
    *,
    aipw: bool,
    influence: bool,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, int]:
    """Return weighted sums of per-row curves under each arm, and per-row influence values.

    Parameters
    ----------
    h1, h2, hc : numpy.ndarray, shape (G,)
        Baseline hazard increments on the grid: escalation, competing event, censoring.
    e1, e2 : numpy.ndarray, shape (2, n)
        Relative hazards ``exp(linear predictor)`` of each row with treatment set to 0
        (row 0) and 1 (row 1), for escalation and for the competing event.
    ec : numpy.ndarray, shape (n,)
        Relative hazard of censoring at the observed treatment (AIPW only).
    w : numpy.ndarray, shape (n,)
        Case weights.
    treated : numpy.ndarray of bool, shape (n,)
        Observed treatment.
    propensity : numpy.ndarray, shape (n,)
        Probability of treatment (AIPW only).
    own : numpy.ndarray of int, shape (n,)
        Grid position of each row's follow-up end (``G`` when beyond the grid).
    cause, censored : numpy.ndarray of bool, shape (n,)
        Whether follow-up ended in escalation, in censoring.
    hz : numpy.ndarray of int, shape (H,)
        Grid positions of the horizons.
    lengths : numpy.ndarray, shape (G, H)
        Length of each grid step inside ``[0, horizon]``.
    horizons : numpy.ndarray, shape (H,)
        The horizons.
    aipw : bool
        Add the augmentation (rows contribute to their own arm only).
    influence : bool
        Return per-row values (otherwise the last two arrays are empty).

    Returns
    -------
    total, total_g : numpy.ndarray, shape (2, G)
        Weighted sums of the (augmented) curves and of the plain g-formula curves.
    phi_risk, phi_rmst : numpy.ndarray, shape (n, 2, H) or (0, 2, H)
        Per-row curve values at the horizons and restricted means (for influence
        functions).
    capped : int
        Steps where a total hazard increment exceeded one (see
        :func:`escalation.core.cif.warn_capped`).

    Examples
    --------
    One row, one grid point, no competing event: the g-formula risk is the hazard.

    >>> one = np.ones(1)
    >>> out = standardise(
    ...     np.array([0.2]), np.zeros(1), np.zeros(1), np.ones((2, 1)), np.zeros((2, 1)),
    ...     one, one, np.zeros(1, bool), 0.5 * one, np.zeros(1, np.int64),
    ...     np.zeros(1, bool), np.ones(1, bool), np.zeros(1, np.int64), np.ones((1, 1)),
    ...     one, aipw=False, influence=False,
    ... )
    >>> out[0].tolist()
    [[0.2], [0.2]]
    """
    result: tuple[FloatArray, FloatArray, FloatArray, FloatArray, int] = _standardise(
        c_array(h1),
        c_array(h2),
        c_array(hc),
        c_array(e1),
        c_array(e2),
        c_array(ec),
        c_array(w),
        c_array(treated, np.bool_),
        c_array(propensity),
        c_array(own, np.int64),
        c_array(cause, np.bool_),
        c_array(censored, np.bool_),
        c_array(hz, np.int64),
        c_array(lengths),
        c_array(horizons),
        bool(aipw),
        bool(influence),
    )
    return result
