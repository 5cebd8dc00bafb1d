"""Shared pieces of the competing-risks models: input checks and Cox risk-set sums.

:func:`prepare_competing` turns a :class:`~escalation.timeline.SpellData` or a spells
frame into numeric arrays (covariates coded with
:class:`~escalation.timeline.CovariateCoding`). :func:`cox_terms` evaluates, at a given
coefficient vector, what the robust variance and the predictions need from a weighted
counting-process Cox model with Efron ties: the score, the information, the per-row
score residuals and the Efron baseline hazard increments.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.clusters import cluster_codes
from escalation.errors import (
    ConvergenceError,
    DataValidationError,
    DesignError,
    Problem,
    StatisticalWarning,
)
from escalation.timeline import CovariateCoding, SpellData

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

__all__ = [
    "CompetingData",
    "CoxTerms",
    "check_cause",
    "cox_terms",
    "fit_cox_counting",
    "prepare_competing",
    "run_lifelines",
    "sandwich",
]


@dataclass(frozen=True, eq=False)
class CompetingData:
    """Numeric form of competing-risks data, one row per subject."""

    duration: FloatArray
    event: IntArray
    x: FloatArray
    names: tuple[str, ...]
    coding: CovariateCoding
    cluster: IntArray
    cluster_name: str | None


def prepare_competing(
    data: SpellData | pd.DataFrame,
    covariates: Sequence[str] | None,
    *,
    duration: str,
    event: str,
    cluster: str | None,
    min_count: int,
    coding: CovariateCoding | None = None,
) -> CompetingData:
    """Check and code the input of a competing-risks model.

    Raises
    ------
    DesignError
        When covariates are not named for a plain frame, or a column is missing.
    DataValidationError
        When durations are not positive or event codes are not whole numbers >= 0.
    """
    if isinstance(data, SpellData):
        frame = data.spells
        names = list(data.model_covariates) if covariates is None else list(covariates)
    elif isinstance(data, pd.DataFrame):
        frame = data
        if covariates is None:
            raise DesignError(
                "name the covariates (covariates=[...]) when fitting from a data frame; "
                "with SpellData the design's covariates are used"
            )
        names = list(covariates)
    else:
        raise DesignError(f"expected SpellData or a pandas DataFrame, got {type(data).__name__}")
    for column in (duration, event, *([cluster] if cluster else [])):
        if column not in frame.columns:
            raise DesignError(
                f"column {column!r} is not in the spells table; "
                f"available: {', '.join(map(str, frame.columns))}"
            )
    if not len(frame):
        raise DesignError("the spells table has no rows")
    time = pd.to_numeric(frame[duration], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(time) | (time <= 0))
    if len(bad):
        row = int(bad[0])
        raise DataValidationError(
            [
                Problem(
                    "spells",
                    row,
                    duration,
                    frame[duration].iloc[row],
                    f"{len(bad)} duration(s) missing or not > 0; durations must be positive "
                    "numbers of days",
                )
            ],
            "spells",
        )
    codes = pd.to_numeric(frame[event], errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(codes) | (codes < 0) | (codes != np.round(codes)))
    if len(bad):
        row = int(bad[0])
        raise DataValidationError(
            [
                Problem(
                    "spells",
                    row,
                    event,
                    frame[event].iloc[row],
                    f"{len(bad)} event code(s) are not whole numbers >= 0 (0 censored, "
                    "1, 2, ... the cause)",
                )
            ],
            "spells",
        )
    if coding is None:
        coding = CovariateCoding.learn(frame, names, min_count=min_count)
    x = coding.apply(frame).to_numpy(dtype=float)
    if x.shape[1] == 0:
        raise DesignError("the model has no covariates; name at least one")
    constant = [n for n, col in zip(coding.names, x.T, strict=True) if np.ptp(col) == 0]
    if constant:
        raise DesignError(
            f"covariate column(s) with no variation: {', '.join(constant)}; "
            "leave them out of the model"
        )
    names_kept = list(coding.names)
    keep = _independent_columns(x)
    if not keep.all():
        dropped = [n for n, k in zip(coding.names, keep, strict=True) if not k]
        warnings.warn(
            f"covariate column(s) {', '.join(dropped)} are linear combinations of earlier "
            "columns (collinear), so they were left out, as R's coxph does; drop them or "
            "merge levels to silence this",
            StatisticalWarning,
            stacklevel=3,
        )
        x = x[:, keep]
        names_kept = [n for n, k in zip(coding.names, keep, strict=True) if k]
    if cluster is None:
        groups = np.arange(len(frame), dtype=np.int64)
    else:
        groups = cluster_codes(frame[cluster])
    return CompetingData(
        duration=time,
        event=codes.astype(np.int64),
        x=x,
        names=tuple(names_kept),
        coding=coding,
        cluster=groups,
        cluster_name=cluster,
    )


def _independent_columns(x: FloatArray) -> npt.NDArray[np.bool_]:
    r"""Mark columns that are not linear combinations of earlier ones (after centring).

    A column is dropped when less than a 1e-10 share of its variance is left after
    regressing it on the earlier kept columns (Gram matrix, so the cost is one
    :math:`p \times p` cross-product).
    """
    centred = x - x.mean(axis=0)
    gram = centred.T @ centred
    scale = np.sqrt(np.maximum(np.diag(gram), 1e-300))
    gram = gram / np.outer(scale, scale)
    keep = np.zeros(x.shape[1], dtype=bool)
    for j in range(x.shape[1]):
        kept = np.flatnonzero(keep)
        residual = gram[j, j]
        if len(kept):
            block = gram[np.ix_(kept, kept)]
            cross = gram[kept, j]
            residual -= cross @ np.linalg.solve(block, cross)
        keep[j] = residual > 1e-10
    return keep


def check_cause(event: IntArray, cause: int, what: str) -> None:
    """Raise when ``cause`` has no events."""
    if not np.any(event == cause):
        seen = sorted(int(c) for c in np.unique(event[event > 0]))
        raise DesignError(
            f"cause {cause} has no events, so {what} cannot be fitted; causes with events: "
            f"{seen or 'none'}. Choose another cause or check the event coding"
        )


@dataclass(frozen=True, eq=False)
class CoxTerms:
    """What a counting-process Cox model yields at given coefficients."""

    loglik: float
    score: FloatArray
    information: FloatArray
    residuals: FloatArray
    times: FloatArray
    hazard: FloatArray
    center: FloatArray


def scatter(index: IntArray, values: FloatArray, size: int) -> FloatArray:
    """Sum rows of ``values`` (1-D or 2-D) into ``size`` bins given by ``index``."""
    if values.ndim == 1:
        out: FloatArray = np.bincount(index, weights=values, minlength=size).astype(np.float64)
        return out
    columns = [
        np.bincount(index, weights=values[:, j], minlength=size) for j in range(values.shape[1])
    ]
    return np.column_stack(columns).astype(np.float64) if columns else np.zeros((size, 0))


def cox_terms(
    x: FloatArray,
    start: FloatArray,
    stop: FloatArray,
    status: npt.NDArray[np.bool_],
    weight: FloatArray,
    beta: FloatArray,
) -> CoxTerms:
    r"""Return log-likelihood, score, information, score residuals and baseline hazard (Efron).

    Rows are at risk at :math:`t` when ``start < t <= stop``. With :math:`d` tied events
    at :math:`t`, the Efron denominators are :math:`D_k = S_0 - (k/d) T_0`,
    :math:`k = 0, \dots, d-1`, where :math:`S_0` sums :math:`w_i e^{x_i\beta}` over the
    risk set and :math:`T_0` over the tied events; the hazard increments are
    :math:`\bar w / D_k` with :math:`\bar w` the mean weight of the events. Score
    residuals are unweighted (as R's ``residuals(fit, "score")``); the baseline hazard
    refers to covariates centred at their weighted mean ``center``.

    Every risk-set sum is a difference of cumulative sums over the ordered event times,
    so the cost is :math:`O(n p^2)` whatever the number of event times.
    """
    center = np.average(x, axis=0, weights=weight)
    xc = x - center
    n, p = xc.shape
    risk = np.exp(xc @ beta)
    wr = weight * risk
    times = np.unique(stop[status])
    n_times = len(times)
    # row i is at risk at event times j with lo[i] <= j < hi[i]
    lo = np.searchsorted(times, start, side="right")
    hi = np.searchsorted(times, stop, side="right")

    def at_times(values: FloatArray) -> FloatArray:
        """Sum ``values`` (rows first) over the risk set of every event time."""
        diff = scatter(lo, values, n_times + 1) - scatter(hi, values, n_times + 1)
        out: FloatArray = np.cumsum(diff, axis=0)[:n_times]
        return out

    s0 = at_times(wr)
    s1 = at_times(wr[:, None] * xc)
    dead = np.flatnonzero(status)
    dead_time = np.searchsorted(times, stop[dead], side="left")
    count = np.bincount(dead_time, minlength=n_times).astype(float)
    t0 = np.bincount(dead_time, weights=wr[dead], minlength=n_times)
    t1 = scatter(dead_time, wr[dead, None] * xc[dead], n_times)
    wbar = np.bincount(dead_time, weights=weight[dead], minlength=n_times) / count
    # one entry per (event time, k) of the Efron sequence
    order = np.argsort(dead_time, kind="stable")
    pair_time = dead_time[order]
    first = np.searchsorted(pair_time, np.arange(n_times), side="left")
    frac = (np.arange(len(pair_time)) - first[pair_time]) / count[pair_time]
    den = s0[pair_time] - frac * t0[pair_time]
    means = (s1[pair_time] - frac[:, None] * t1[pair_time]) / den[:, None]
    haz = wbar[pair_time] / den
    loglik = float(weight[dead] @ (xc[dead] @ beta) - np.sum(wbar[pair_time] * np.log(den)))
    score = weight[dead] @ xc[dead] - (wbar[pair_time, None] * means).sum(axis=0)
    # information: sum_j sum_k wbar (S2 - frac T2) / den - wbar m m'
    per_time = np.bincount(pair_time, weights=haz, minlength=n_times).astype(np.float64)
    cum = np.concatenate([[0.0], np.cumsum(per_time)])
    row_coef = wr * (cum[hi] - cum[lo])
    tied = np.bincount(pair_time, weights=frac * haz, minlength=n_times)
    information = (xc * row_coef[:, None]).T @ xc
    information -= (xc[dead] * (wr[dead] * tied[dead_time])[:, None]).T @ xc[dead]
    information -= (means * wbar[pair_time, None]).T @ means
    # score residuals
    a_all = per_time
    b_all = scatter(pair_time, haz[:, None] * means, n_times)
    a_cum = np.concatenate([[0.0], np.cumsum(a_all)])
    b_cum = np.vstack([np.zeros((1, p)), np.cumsum(b_all, axis=0)])
    residuals = -risk[:, None] * (xc * (a_cum[hi] - a_cum[lo])[:, None] - (b_cum[hi] - b_cum[lo]))
    a_dead = np.bincount(pair_time, weights=(1.0 - frac) * haz, minlength=n_times)
    b_dead = scatter(pair_time, ((1.0 - frac) * haz)[:, None] * means, n_times)
    mean_of_means = scatter(pair_time, means, n_times) / count[:, None]
    j = dead_time
    residuals[dead] += risk[dead, None] * (
        xc[dead] * (a_all[j] - a_dead[j])[:, None] - (b_all[j] - b_dead[j])
    )
    residuals[dead] += xc[dead] - mean_of_means[j]
    del n
    return CoxTerms(loglik, score, information, residuals, times, a_all, center)


def sandwich(terms: CoxTerms, weight: FloatArray, cluster: IntArray) -> FloatArray:
    """Return the cluster-robust (sandwich) covariance from weighted dfbeta residuals."""
    naive = np.linalg.inv(terms.information)
    dfbeta = (terms.residuals * weight[:, None]) @ naive
    summed = scatter(cluster, dfbeta, int(cluster.max()) + 1)
    out: FloatArray = summed.T @ summed
    return out


def run_lifelines(fit: Callable[[], object], what: str) -> None:
    """Run a lifelines fit, translating its convergence problems.

    Convergence warnings become :class:`StatisticalWarning`; failure to converge becomes
    :class:`ConvergenceError`.
    """
    from lifelines.exceptions import ConvergenceError as LifelinesConvergenceError
    from lifelines.exceptions import ConvergenceWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        try:
            fit()
        except (LifelinesConvergenceError, np.linalg.LinAlgError) as error:
            raise ConvergenceError(
                f"{what} did not converge ({error}); check for covariates that perfectly "
                "separate events from non-events, drop or combine them"
            ) from error
    for item in caught:
        if issubclass(item.category, ConvergenceWarning):
            warnings.warn(
                f"{what}: {item.message}; check the covariates named there",
                StatisticalWarning,
                stacklevel=4,
            )
        else:
            warnings.warn_explicit(
                item.message, item.category, item.filename, item.lineno, source=item.source
            )


def fit_cox_counting(
    x: FloatArray,
    start: FloatArray,
    stop: FloatArray,
    status: npt.NDArray[np.bool_],
    weight: FloatArray,
    *,
    what: str,
    names: Sequence[str] = (),
    max_steps: int = 50,
    tol: float = 1e-10,
) -> tuple[FloatArray, CoxTerms]:
    """Fit a weighted counting-process Cox model (Efron ties) by Newton–Raphson.

    Steps are halved while the log partial likelihood falls; iteration stops when the
    largest step is below ``tol``.

    Raises
    ------
    ConvergenceError
        When the information is singular, a coefficient diverges (perfect separation) or
        ``max_steps`` are used up.
    """
    beta = np.zeros(x.shape[1])
    terms = cox_terms(x, start, stop, status, weight, beta)
    for _ in range(max_steps):
        try:
            step = np.linalg.solve(terms.information, terms.score)
        except np.linalg.LinAlgError as error:
            raise ConvergenceError(
                f"{what}: the information matrix is singular; drop covariates that are "
                "collinear or that perfectly separate events from non-events"
            ) from error
        halvings = 0
        while True:
            trial = cox_terms(x, start, stop, status, weight, beta + step)
            if np.isfinite(trial.loglik) and trial.loglik >= terms.loglik - 1e-12 * abs(
                terms.loglik
            ):
                break
            step = step / 2.0
            halvings += 1
            if halvings > 30:
                raise ConvergenceError(f"{what}: step halving failed; check the covariates")
        beta = beta + step
        terms = trial
        if np.max(np.abs(beta)) > 30:
            huge = [str(names[int(i)]) for i in np.flatnonzero(np.abs(beta) > 30) if i < len(names)]
            raise ConvergenceError(
                f"{what} did not converge: the coefficient(s) of "
                f"{', '.join(huge) or 'some covariates'} exceed 30 on the log scale, the sign "
                "of perfect separation (a covariate level with all or none of the events, "
                "often because there are few events); drop or merge those levels, or use "
                "fewer covariates"
            )
        if np.max(np.abs(step)) < tol:
            return beta, terms
    raise ConvergenceError(
        f"{what} did not converge in {max_steps} Newton steps; check for covariates that "
        "are nearly collinear or perfectly separate events"
    )
