"""Compiled inner loop of the g-formula and AIPW: per-row curves, summed without storing them.

Standardisation over a cause-specific Cox model needs each child's cumulative incidence on
the whole time grid, and AIPW adds each child's censoring-martingale augmentation. Done
with whole-array numpy operations this costs a dozen passes over an ``n x grid`` matrix per
arm, which is memory-bound. Here one pass over the grid keeps a handful of running values
per child (survival, incidence, censoring survival and two martingale sums) and adds the
child's contribution to the arm totals as it goes, in constant memory. The pass takes
:data:`LANES` children at a time, side by side: one child's values form a chain of
dependent multiplications that leaves the processor waiting, while the same step of
independent children runs as vector instructions. Each lane keeps its own partial totals
(summed at the end, always in the same order), so the result does not depend on the
processor's vector width or on where the work runs. Numba is already required by DoWhy and
EconML.

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

import numba
import numpy as np
import numpy.typing as npt

from escalation.core.cif import step as cif_step
from escalation.core.kernels import B1, BOOL, F1, F2, I1, c_array, kernel

__all__ = ["standardise"]

FloatArray = npt.NDArray[np.float64]

_FLOOR = 1e-12
#: Children walked side by side. Their recurrences are independent, so the compiler turns
#: the loops over them into vector instructions (a block's state is a few arrays of this
#: length); 32 was the fastest of 16, 32 and 64 on a 2-core AMD EPYC.
LANES = 32


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _correction(event_term: float, f: float, sums: float, sums_f: float, inv_p: float) -> float:
    """Return the AIPW augmentation of one row at one step (unweighted)."""
    return (event_term - f + f * sums - sums_f) * inv_p  # pragma: no cover - compiled


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _martingale(g_prev: float, dlc: float, s_next: float, d_mc: float) -> tuple[float, float, bool]:
    """Return the censoring survival after a step, the ratio dM/(S G), whether S G was floored."""
    g = cif_step(g_prev, dlc, dlc)[1]
    denom = s_next * g
    floored = denom < _FLOOR
    return g, d_mc / (_FLOOR if floored else denom), floored  # pragma: no cover - compiled


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _curves(
    k: int,
    b1: float,
    b2: float,
    a1: Any,
    a2: Any,
    w: Any,
    s: Any,
    f: Any,
    capped: Any,
    acc: Any,
) -> None:  # pragma: no cover - compiled
    """One grid step of every lane's cumulative incidence, added to the lanes' sums."""
    for lane in range(LANES):
        d1 = a1[lane] * b1
        d_all = d1 + a2[lane] * b2
        inc, s_next = cif_step(s[lane], d1, d_all)
        value = f[lane] + inc
        f[lane] = value
        s[lane] = s_next
        capped[lane] += 1.0 if d_all > 1.0 else 0.0
        acc[0, k, lane] += w[lane] * value


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _augment(
    k: int, term: Any, f: Any, sums: Any, sums_f: Any, inv_p: Any, w: Any, acc: Any, corr: Any
) -> None:  # pragma: no cover - compiled
    """Every lane's augmentation at step ``k`` (event terms ``term``), added to the sums.

    ``inv_p`` is each lane's augmentation factor (``1 / P(arm)`` for the whole population)
    and ``w`` its case weight.
    """
    for lane in range(LANES):
        value = _correction(term[lane], f[lane], sums[lane], sums_f[lane], inv_p[lane])
        corr[lane] = value
        acc[1, k, lane] += w[lane] * value


@numba.njit(cache=True, nogil=True, error_model="numpy", inline="always")
def _record(
    k: int,
    f: Any,
    target: Any,
    corr: Any,
    hz: Any,
    lengths: Any,
    risk_at: Any,
    rmst_at: Any,
    fit_at: Any,
) -> None:  # pragma: no cover - compiled
    """Add every lane's curve value at step ``k`` (its curve weighted by ``target``).

    At a horizon's step, ``risk_at`` keeps the value (with the augmentation) and
    ``fit_at`` the plain g-formula value (without it).
    """
    for lane in range(LANES):
        plain = target[lane] * f[lane]
        value = plain + corr[lane]
        for h in range(hz.shape[0]):
            rmst_at[lane, h] -= value * lengths[k, h]
            if k == hz[h]:
                risk_at[lane, h] = value
                fit_at[lane, h] = plain


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _walk(
    rows: Any,
    arm: int,
    augment: bool,
    influence: bool,
    h1: Any,
    h2: Any,
    hc: Any,
    e1: Any,
    e2: Any,
    ec: Any,
    w: Any,
    target: Any,
    factor: Any,
    own: Any,
    cause: Any,
    censored: Any,
    hz: Any,
    lengths: Any,
    horizons: Any,
    acc: Any,
    phi_risk: Any,
    phi_rmst: Any,
    phi_fit: Any,
) -> int:  # pragma: no cover - compiled; tested via standardise and run_estimator
    """Walk ``rows`` under ``arm`` in blocks of :data:`LANES`; return the capped steps.

    Adds each row's curve, weighted by its case weight times ``target`` (its weight in the
    population standardised over), to its lane's column of ``acc[0]`` (shape (G, LANES))
    and, with ``augment``, its augmentation times ``factor[arm]`` and its case weight to
    ``acc[1]``. Lanes past the last row have weights 0, hazards 0 and factor 0, so they
    add exact zeros. With ``influence`` each row's values at the horizons go to
    ``phi_risk``, ``phi_rmst`` and (without the augmentation) ``phi_fit``.

    With ``augment`` the rows must be sorted by their follow-up end ``own``. A block's
    grid then splits in three: before its first row's end every censoring martingale
    moves; between its first and last row's ends some do; after its last row's end none
    does (its sums are frozen). The three parts do the same operations in the same order
    on every lane; they are separate so that the first and last, where most steps are,
    have no per-lane branches and run as vector instructions.
    """
    n_grid = h1.shape[0]
    n_h = hz.shape[0]
    n = rows.shape[0]
    a1 = np.zeros(LANES)  # relative hazards of escalation and of the competing event
    a2 = np.zeros(LANES)
    wl = np.zeros(LANES)  # case weights times the population weights (of the curves)
    wa = np.zeros(LANES)  # case weights (of the augmentation)
    om = np.zeros(LANES)  # population weights
    s = np.ones(LANES)  # event-free survival
    f = np.zeros(LANES)  # cumulative incidence
    capped = np.zeros(LANES)
    rc = np.zeros(LANES)  # relative hazard of censoring
    inv_p = np.zeros(LANES)  # augmentation factor (1 / P(arm) for the whole population)
    event = np.zeros(LANES)  # 1 where follow-up ends in escalation within the grid
    jump = np.zeros(LANES)  # 1 where it ends in censoring within the grid
    g = np.ones(LANES)  # censoring survival
    term = np.zeros(LANES)  # the event term: 1/G at the own end once past it (else 0)
    sums = np.zeros(LANES)  # martingale sums of dM/(S G) and of F dM/(S G)
    sums_f = np.zeros(LANES)
    corr = np.zeros(LANES)
    end = np.zeros(LANES, dtype=np.int64)
    risk_at = np.zeros((LANES, n_h))
    rmst_at = np.zeros((LANES, n_h))
    fit_at = np.zeros((LANES, n_h))
    for first in range(0, n, LANES):
        last = min(first + LANES, n) - 1
        for lane in range(LANES):
            j = first + lane
            live = j < n
            i = rows[j] if live else rows[last]
            a1[lane] = e1[arm, i] if live else 0.0
            a2[lane] = e2[arm, i] if live else 0.0
            wl[lane] = w[i] * target[i] if live else 0.0
            wa[lane] = w[i] if live else 0.0
            om[lane] = target[i] if live else 0.0
            s[lane] = 1.0
            f[lane] = 0.0
            corr[lane] = 0.0
            if augment:
                ended = live and own[i] < n_grid
                rc[lane] = ec[i] if live else 0.0
                inv_p[lane] = factor[arm, i] if live else 0.0
                event[lane] = 1.0 if ended and cause[i] else 0.0
                jump[lane] = 1.0 if ended and censored[i] else 0.0
                g[lane] = 1.0
                term[lane] = 0.0
                sums[lane] = 0.0
                sums_f[lane] = 0.0
                end[lane] = own[i]
            if influence:
                for h in range(n_h):
                    risk_at[lane, h] = 0.0
                    rmst_at[lane, h] = om[lane] * horizons[h]
        if not augment:
            for k in range(n_grid):
                _curves(k, h1[k], h2[k], a1, a2, wl, s, f, capped, acc)
                if influence:
                    _record(k, f, om, corr, hz, lengths, risk_at, rmst_at, fit_at)
        else:
            # Up to a row's own follow-up end its censoring martingale moves; after it the
            # increments are zero and the sums stay as they are.
            lo = min(own[rows[first]], n_grid)
            hi = min(own[rows[last]] + 1, n_grid)
            for k in range(lo):  # every lane moves; no event term yet
                bc = hc[k]
                _curves(k, h1[k], h2[k], a1, a2, wl, s, f, capped, acc)
                for lane in range(LANES):
                    dlc = rc[lane] * bc
                    d_mc = 0.0 - dlc
                    g[lane], ratio, floored = _martingale(g[lane], dlc, s[lane], d_mc)
                    capped[lane] += (1.0 if dlc > 1.0 else 0.0) + (
                        1.0 if floored & (d_mc != 0.0) else 0.0
                    )
                    sums[lane] += ratio
                    sums_f[lane] += f[lane] * ratio
                _augment(k, term, f, sums, sums_f, inv_p, wa, acc, corr)
                if influence:
                    _record(k, f, om, corr, hz, lengths, risk_at, rmst_at, fit_at)
            for k in range(lo, hi):  # some lanes move, some have ended
                bc = hc[k]
                _curves(k, h1[k], h2[k], a1, a2, wl, s, f, capped, acc)
                for lane in range(LANES):
                    dlc = rc[lane] * bc
                    capped[lane] += 1.0 if dlc > 1.0 else 0.0
                    e = end[lane]
                    if k <= e:
                        if k == e:
                            gp = g[lane]
                            term[lane] = event[lane] / (gp if gp > _FLOOR else _FLOOR)
                        d_mc = (jump[lane] if k == e else 0.0) - dlc
                        g[lane], ratio, floored = _martingale(g[lane], dlc, s[lane], d_mc)
                        if floored and d_mc != 0.0:
                            capped[lane] += 1.0
                        sums[lane] += ratio
                        sums_f[lane] += f[lane] * ratio
                _augment(k, term, f, sums, sums_f, inv_p, wa, acc, corr)
                if influence:
                    _record(k, f, om, corr, hz, lengths, risk_at, rmst_at, fit_at)
            for k in range(hi, n_grid):  # no lane moves
                bc = hc[k]
                _curves(k, h1[k], h2[k], a1, a2, wl, s, f, capped, acc)
                for lane in range(LANES):
                    capped[lane] += 1.0 if rc[lane] * bc > 1.0 else 0.0
                _augment(k, term, f, sums, sums_f, inv_p, wa, acc, corr)
                if influence:
                    _record(k, f, om, corr, hz, lengths, risk_at, rmst_at, fit_at)
        if influence:
            for lane in range(LANES):
                j = first + lane
                if j < n:
                    for h in range(n_h):
                        phi_risk[rows[j], arm, h] = risk_at[lane, h]
                        phi_rmst[rows[j], arm, h] = rmst_at[lane, h]
                        phi_fit[rows[j], arm, h] = fit_at[lane, h]
    return int(capped.sum())


@kernel(F1, F1, F1, F2, F2, F1, F1, F1, B1, F2, I1, B1, B1, I1, F2, F1, BOOL, BOOL)
def _standardise(
    h1: Any,
    h2: Any,
    hc: Any,
    e1: Any,
    e2: Any,
    ec: Any,
    w: Any,
    target: Any,
    treated: Any,
    factor: Any,
    own: Any,
    cause: Any,
    censored: Any,
    hz: Any,
    lengths: Any,
    horizons: Any,
    aipw: bool,
    influence: bool,
) -> tuple[Any, Any, Any, Any, Any, int]:  # pragma: no cover - compiled; tested via run_estimator
    n = w.shape[0]
    n_grid = h1.shape[0]
    n_h = hz.shape[0]
    total = np.zeros((2, n_grid))
    total_g = np.zeros((2, n_grid))
    m = n if influence else 0
    phi_risk = np.zeros((m, 2, n_h))
    phi_rmst = np.zeros((m, 2, n_h))
    phi_fit = np.zeros((m, 2, n_h))
    acc = np.zeros((2, n_grid, LANES))
    capped = 0
    for arm in range(2):
        acc[:] = 0.0
        if aipw:  # rows of this arm are augmented, the others contribute their curve only
            mine = treated == (arm == 1)
            others = np.flatnonzero(~mine)
            rows = np.flatnonzero(mine)
            rows = rows[np.argsort(own[rows], kind="mergesort")]  # by follow-up end
            capped += _walk(others, arm, False, influence, h1, h2, hc, e1, e2, ec, w,
                            target, factor, own, cause, censored, hz, lengths, horizons, acc,
                            phi_risk, phi_rmst, phi_fit)  # fmt: skip
            capped += _walk(rows, arm, True, influence, h1, h2, hc, e1, e2, ec, w,
                            target, factor, own, cause, censored, hz, lengths, horizons, acc,
                            phi_risk, phi_rmst, phi_fit)  # fmt: skip
        else:
            capped += _walk(np.arange(n), arm, False, influence, h1, h2, hc, e1, e2, ec, w,
                            target, factor, own, cause, censored, hz, lengths, horizons, acc,
                            phi_risk, phi_rmst, phi_fit)  # fmt: skip
        for k in range(n_grid):  # the lanes' partial sums, always in the same order
            curve = 0.0
            augmentation = 0.0
            for lane in range(LANES):
                curve += acc[0, k, lane]
                augmentation += acc[1, k, lane]
            total_g[arm, k] = curve
            total[arm, k] = curve + augmentation
    return total, total_g, phi_risk, phi_rmst, phi_fit, capped


def standardise(
    h1: FloatArray,
    h2: FloatArray,
    hc: FloatArray,
    e1: FloatArray,
    e2: FloatArray,
    ec: FloatArray,
    w: FloatArray,
    target: FloatArray,
    treated: npt.NDArray[np.bool_],
    factor: FloatArray,
    own: npt.NDArray[np.int64],
    cause: npt.NDArray[np.bool_],
    censored: npt.NDArray[np.bool_],
    hz: npt.NDArray[np.int64],
    lengths: FloatArray,
    horizons: FloatArray,
    *,
    aipw: bool,
    influence: bool,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, int]:
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
    target : numpy.ndarray, shape (n,)
        Each row's weight in the population the curves are standardised over: ones for
        the whole population, the treatment (0/1) for the treated.
    treated : numpy.ndarray of bool, shape (n,)
        Observed treatment.
    factor : numpy.ndarray, shape (2, n)
        AIPW only: the factor of each row's augmentation under its own arm (row 0
        untreated, row 1 treated): ``1 / (1 - e)`` and ``1 / e`` for the whole population,
        ``e / (1 - e)`` and 1 for the treated.
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
    phi_fit : numpy.ndarray, shape (n, 2, H) or (0, 2, H)
        Per-row plain g-formula values at the horizons (``target`` times the row's
        cumulative incidence, without the augmentation): ``phi_risk`` itself when not
        ``aipw``.
    capped : int
        Steps where a total hazard increment exceeded one (see
        :func:`escalation.core.cif.warn_capped`).

    Examples
    --------
    One row, one grid point, no competing event: the g-formula risk is the hazard.

    >>> one = np.ones(1)
    >>> out = standardise(
    ...     np.array([0.2]), np.zeros(1), np.zeros(1), np.ones((2, 1)), np.zeros((2, 1)),
    ...     one, one, one, np.zeros(1, bool), 2 * np.ones((2, 1)), np.zeros(1, np.int64),
    ...     np.zeros(1, bool), np.ones(1, bool), np.zeros(1, np.int64), np.ones((1, 1)),
    ...     one, aipw=False, influence=False,
    ... )
    >>> out[0].tolist()
    [[0.2], [0.2]]
    """
    result: tuple[FloatArray, FloatArray, FloatArray, FloatArray, FloatArray, int] = _standardise(
        c_array(h1),
        c_array(h2),
        c_array(hc),
        c_array(e1),
        c_array(e2),
        c_array(ec),
        c_array(w),
        c_array(target),
        c_array(treated, np.bool_),
        c_array(factor),
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
