"""A small, fast weighted Cox model (Breslow ties) on numpy arrays.

The causal estimators refit cause-specific and censoring hazard models hundreds of times
(bootstrap, clones), so this core avoids data frames and formula parsing. It is checked
against R's ``survival::coxph(ties = "breslow")`` in the tests.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from escalation.errors import ConvergenceError

__all__ = ["CoxFit", "fit_cox"]

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class CoxFit:
    """A fitted Cox model: coefficients and the Breslow baseline hazard.

    Attributes
    ----------
    coef : numpy.ndarray
        Log hazard ratios, one per column of the design matrix.
    center : numpy.ndarray
        Column means used to centre the design (the baseline refers to them).
    times : numpy.ndarray
        Distinct event times.
    hazard : numpy.ndarray
        Baseline hazard increments at ``times`` (for the centred design).
    information : numpy.ndarray
        Observed information matrix at the optimum.
    """

    coef: FloatArray
    center: FloatArray
    times: FloatArray
    hazard: FloatArray
    information: FloatArray

    def linear_predictor(self, x: FloatArray) -> FloatArray:
        """Return ``(x - center) @ coef``."""
        out: FloatArray = (np.asarray(x, dtype=float) - self.center) @ self.coef
        return out

    def baseline_on(self, grid: FloatArray) -> FloatArray:
        """Return baseline hazard increments on ``grid`` (zero where no event time)."""
        out = np.zeros(len(grid))
        pos = np.searchsorted(grid, self.times)
        ok = (pos < len(grid)) & (grid[np.clip(pos, 0, len(grid) - 1)] == self.times)
        np.add.at(out, pos[ok], self.hazard[ok])
        return out


def fit_cox(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    x: npt.ArrayLike,
    *,
    weights: npt.ArrayLike | None = None,
    max_iter: int = 50,
    tol: float = 1e-9,
    penalizer: float = 0.0,
) -> CoxFit:
    """Fit a weighted Cox model with Breslow ties by Newton–Raphson.

    Parameters
    ----------
    duration : array_like
        Follow-up times.
    event : array_like of bool
        True where the event of interest ended follow-up.
    x : array_like, shape (n, p)
        Design matrix (no intercept).
    weights : array_like, optional
        Case weights (unit when omitted).
    max_iter : int, default 50
        Newton iterations.
    tol : float, default 1e-9
        Convergence tolerance on the change in log partial likelihood.
    penalizer : float, default 0
        Ridge penalty ``penalizer / 2 * sum(coef**2)`` on the (centred) coefficients, for
        sparse covariates or separation.

    Returns
    -------
    CoxFit

    Raises
    ------
    ConvergenceError
        When the partial likelihood does not converge (e.g. separation).

    Examples
    --------
    >>> fit = fit_cox([1.0, 2.0, 3.0, 4.0], [1, 1, 0, 1], [[0.0], [1.0], [0.0], [1.0]])
    >>> fit.coef.round(3)
    array([-0.347])
    """
    time = np.asarray(duration, dtype=float)
    status = np.asarray(event).astype(bool)
    design = np.asarray(x, dtype=float).reshape(len(time), -1)
    w = np.ones_like(time) if weights is None else np.asarray(weights, dtype=float)
    center = np.average(design, axis=0, weights=w) if w.sum() > 0 else design.mean(axis=0)
    z = design - center
    order = np.argsort(-time, kind="stable")
    time, status, z, w = time[order], status[order], z[order], w[order]
    n, p = z.shape
    # Groups of tied times (descending); risk set at a time = all rows up to its last tie.
    unique_desc, first = np.unique(-time, return_index=True)
    last = np.r_[first[1:], n] - 1
    event_w = np.add.reduceat(np.where(status, w, 0.0), first)
    is_event_time = event_w > 0
    ev_rows = np.flatnonzero(status)
    group_of_row = np.searchsorted(first, np.arange(n), side="right") - 1

    def pieces(beta: FloatArray) -> tuple[float, FloatArray, FloatArray, FloatArray]:
        eta = z @ beta
        shift = eta.max() if n else 0.0
        r = w * np.exp(eta - shift)
        s0 = np.cumsum(r)[last]
        s1 = np.cumsum(r[:, None] * z, axis=0)[last]
        a = s1 / s0[:, None]
        d = event_w
        loglik = float(np.sum(w[ev_rows] * eta[ev_rows]) - np.sum(d * (np.log(s0) + shift)))
        grad = (w[ev_rows, None] * z[ev_rows]).sum(axis=0) - (d[:, None] * a).sum(axis=0)
        # Hessian: sum_j d_j (S2_j/S0_j - a_j a_j') computed without p x p per time.
        inc = np.where(is_event_time, d / s0, 0.0)
        # cumulative from the latest time backwards: row i is in risk sets of times <= T_i
        cum = np.cumsum(inc[::-1])[::-1]
        c_row = cum[group_of_row]
        info = (z * (r * c_row)[:, None]).T @ z - (a * d[:, None]).T @ a
        if penalizer:
            loglik -= 0.5 * penalizer * float(beta @ beta)
            grad = grad - penalizer * beta
            info = info + penalizer * np.eye(p)
        return loglik, grad, info, s0 * np.exp(shift)

    beta = np.zeros(p)
    loglik, grad, info, _ = pieces(beta)
    converged = p == 0
    for _ in range(max_iter if p else 0):
        try:
            step = np.linalg.solve(info, grad)
        except np.linalg.LinAlgError:
            step = np.linalg.lstsq(info, grad, rcond=None)[0]
        new = beta + step
        new_loglik, new_grad, new_info, _ = pieces(new)
        halvings = 0
        while not np.isfinite(new_loglik) or new_loglik < loglik - 1e-12:
            step /= 2
            new = beta + step
            new_loglik, new_grad, new_info, _ = pieces(new)
            halvings += 1
            if halvings > 30:
                break
        change = abs(new_loglik - loglik)
        beta, loglik, grad, info = new, new_loglik, new_grad, new_info
        if change < tol * (abs(loglik) + tol):
            converged = True
            break
    if not converged or not np.all(np.isfinite(beta)) or np.any(np.abs(beta) > 30):
        raise ConvergenceError(
            "the Cox model did not converge (a covariate may perfectly predict the event "
            "or have no events in one of its levels); drop or pool sparse covariates, or "
            "raise min_count of the covariate coding"
        )
    _, _, info, s0 = pieces(beta)
    times = -unique_desc[::-1]
    hazard = np.where(is_event_time, event_w / s0, 0.0)[::-1]
    keep = hazard > 0
    return CoxFit(beta, center, times[keep], hazard[keep], info)
