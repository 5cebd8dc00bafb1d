r"""Cox partial-likelihood profiles of the treatment effect, shared and pooled.

Each authority evaluates its log partial likelihood of the treatment coefficient
:math:`\beta` (the log hazard ratio of early help) and its derivative (the score) on a
grid of :math:`\beta` values plus the authority's own maximum, and shares only those
numbers. The hub approximates each authority's profile by cubic Hermite interpolation
between the grid points (linear outside), adds the profiles, and maximises the sum: the
pooled (fixed-effect) log hazard ratio, with a likelihood-ratio interval. Because a
stratified partial likelihood is the sum of its strata's partial likelihoods, the sum of
the authorities' profiles *is* the partial likelihood of the individual-level Cox model
stratified by authority, up to interpolation error. Authorities with few or no events in
an arm contribute a flat or monotone profile, which adds correctly where a normal
approximation (estimate and standard error) would fail; but a share pack withholds the
profile of an authority whose arm has fewer escalations than the disclosure threshold
(the slope at the grid's low end tends to the treated escalations:
:func:`~escalation.federated._escalations.withhold_models`), so pooled packs leave such
authorities out.

This is the "grid with gradients" likelihood approximation of OHDSI's EvidenceSynthesis
(Schuemie et al.). The likelihood is evaluated by the package's one Cox risk-set engine
(:func:`escalation.core.riskset.cox_terms`) at fixed coefficients; no other Cox loop
exists.

References
----------
Schuemie MJ, Chen Y, Madigan D, Suchard MA (2022). Combining Cox regressions across a
heterogeneous distributed research network facing small and zero counts. *Stat Methods
Med Res* 31:438–450. doi:10.1177/09622802211060518.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import optimize, stats

from escalation._vocabulary import cause_from_event, spells_of
from escalation.core.riskset import CoxData, Ties, cox_terms
from escalation.errors import ConvergenceError, DesignError, StatisticalWarning
from escalation.survival._outcome import durations, event_codes
from escalation.survival._result import check_conf_level

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "GRID",
    "LikelihoodProfile",
    "PooledProfile",
    "hermite_loglik",
    "pool_profiles",
    "profile_cox",
]

FloatArray = npt.NDArray[np.float64]

#: Log hazard ratios at which every authority evaluates its profile: hazard ratios from
#: 0.1 to 10 (EvidenceSynthesis' bounds), 41 points (steps of about 0.115).
GRID: Final = np.linspace(np.log(0.1), np.log(10.0), 41)
_CHI2_HALF: Final = float(stats.chi2.ppf(0.95, 1)) / 2


@dataclass(frozen=True)
class LikelihoodProfile:
    """One authority's Cox log partial likelihood of the treatment coefficient.

    Attributes
    ----------
    model : str
        Which model (e.g. ``"unadjusted"``, ``"ps_stratified"``).
    point : numpy.ndarray
        Log hazard ratios evaluated (sorted).
    value : numpy.ndarray
        Log partial likelihood at each point, minus its largest value.
    derivative : numpy.ndarray
        Its derivative (the score) at each point.
    ties : {"efron", "breslow"}
    """

    model: str
    point: FloatArray
    value: FloatArray
    derivative: FloatArray
    ties: Ties = "efron"

    def tidy(self) -> pd.DataFrame:
        """Return ``model, point, value, derivative`` (one row per point)."""
        return pd.DataFrame(
            {
                "model": self.model,
                "point": self.point,
                "value": self.value,
                "derivative": self.derivative,
            }
        )

    @staticmethod
    def empty_frame() -> pd.DataFrame:
        """Return the columns of :meth:`tidy` with no rows (no profile shared)."""
        return pd.DataFrame(
            {
                "model": pd.Series(dtype=object),
                **{c: pd.Series(dtype=float) for c in ("point", "value", "derivative")},
            }
        )

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, model: str) -> LikelihoodProfile:
        """Rebuild a profile from the rows of :meth:`tidy` for ``model``."""
        rows = frame[frame["model"] == model].sort_values("point")
        if len(rows) < 2:
            raise DesignError(f"the likelihood profile of {model!r} has fewer than 2 points")
        values = rows[["point", "value", "derivative"]].to_numpy(dtype=float)
        if not np.all(np.isfinite(values)):
            raise DesignError(f"the likelihood profile of {model!r} has non-finite values")
        return cls(model, values[:, 0], values[:, 1], values[:, 2])

    def loglik(self, beta: npt.ArrayLike) -> FloatArray:
        """Interpolated log likelihood at ``beta`` (see :func:`hermite_loglik`)."""
        return hermite_loglik(
            np.asarray(beta, dtype=float), self.point, self.value, self.derivative
        )


def hermite_loglik(
    x: FloatArray, point: FloatArray, value: FloatArray, derivative: FloatArray
) -> FloatArray:
    """Cubic Hermite interpolation of a profile, linear extrapolation outside the grid.

    Examples
    --------
    >>> p = np.array([-1.0, 0.0, 1.0])
    >>> hermite_loglik(np.array([0.5]), p, -p**2, -2 * p).round(6).tolist()
    [-0.25]
    """
    x = np.atleast_1d(np.asarray(x, dtype=float))
    out = np.empty_like(x)
    left, right = x < point[0], x > point[-1]
    out[left] = value[0] + (x[left] - point[0]) * derivative[0]
    out[right] = value[-1] + (x[right] - point[-1]) * derivative[-1]
    inside = ~(left | right)
    j = np.clip(np.searchsorted(point, x[inside], side="right") - 1, 0, point.size - 2)
    h = point[j + 1] - point[j]
    t = (x[inside] - point[j]) / h
    h00 = 2 * t**3 - 3 * t**2 + 1
    h10 = t**3 - 2 * t**2 + t
    h01 = -2 * t**3 + 3 * t**2
    h11 = t**3 - t**2
    out[inside] = (
        h00 * value[j] + h10 * h * derivative[j] + h01 * value[j + 1] + h11 * h * derivative[j + 1]
    )
    return out


def _maximum(
    frame: pd.DataFrame,
    treatment: str,
    strata: Sequence[str],
    outcome: tuple[str, str, int],
    ties: Ties,
) -> float | None:
    """Return the authority's own maximum from the package's Cox fit (None: not finite)."""
    from escalation.survival.cox import fit_cox

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StatisticalWarning)
            fit = fit_cox(
                frame,
                [treatment],
                duration=outcome[0],
                event=outcome[1],
                cause=outcome[2],
                strata=list(strata) or None,
                cluster=None,
                ties=ties,
            )
    except (ConvergenceError, DesignError):
        return None
    if treatment not in fit.coefficients.index or treatment in fit.separated:
        return None  # monotone likelihood (e.g. no events in one arm): the grid says so
    return float(fit.coefficients[treatment])


def profile_cox(
    frame: SpellData | pd.DataFrame,
    *,
    model: str = "unadjusted",
    treatment: str = "treatment",
    strata: Sequence[str] = (),
    duration: str = "duration",
    event: str = "event",
    cause: int | None = None,
    ties: Ties = "efron",
    grid: npt.ArrayLike = GRID,
) -> LikelihoodProfile:
    """Evaluate an authority's Cox log partial likelihood of the treatment coefficient.

    Parameters
    ----------
    frame : SpellData or pandas.DataFrame
        Spells with ``duration``, ``event`` and the treatment (0/1) column, plus the
        strata columns.
    model : str, default "unadjusted"
        Name recorded with the profile.
    treatment : str, default "treatment"
        The 0/1 treatment column (the only coefficient).
    strata : sequence of str, optional
        Columns whose levels get their own baseline hazard (e.g. propensity-score
        strata, which adjusts the comparison for the covariates behind the score).
    duration, event : str, default "duration", "event"
        Columns of follow-up days and of event codes.
    cause : int, optional
        The cause modelled (default 1, escalation); other codes are censored.
    ties : {"efron", "breslow"}, default "efron"
    grid : array_like, default :data:`GRID`
        Log hazard ratios at which to evaluate (the maximum is added when finite).

    Returns
    -------
    LikelihoodProfile

    Raises
    ------
    DesignError
        Missing columns, a treatment that is not 0/1, or no spells.

    Examples
    --------
    >>> spells = pd.DataFrame({"duration": [5, 8, 3, 9, 4, 7], "event": [1, 0, 1, 1, 0, 1],
    ...                        "treatment": [1, 1, 0, 0, 0, 1]})
    >>> profile = profile_cox(spells)
    >>> float(profile.value.max()), len(profile.point) >= 41
    (0.0, True)
    """
    frame = spells_of(frame, function="profile_cox")
    event, cause = cause_from_event(event, cause, function="profile_cox")
    cause = 1 if cause is None else int(cause)
    missing = [c for c in (duration, event, treatment, *strata) if c not in frame.columns]
    if missing:
        raise DesignError(f"the spells lack column(s) {', '.join(missing)} for the Cox profile")
    if frame.empty:
        raise DesignError("no spells: there is no likelihood to profile")
    a = pd.to_numeric(frame[treatment], errors="coerce").to_numpy(dtype=float)
    if not np.isin(a, (0.0, 1.0)).all():
        row = int(np.flatnonzero(~np.isin(a, (0.0, 1.0)))[0])
        raise DesignError(f"row {row}, column {treatment!r}: treatment must be 0 or 1")
    codes = None
    if strata:
        keys = frame[list(strata)].astype(str).agg("|".join, axis=1)
        codes = pd.factorize(keys, sort=True)[0].astype(np.int64)
    status = event_codes(frame[event]) == cause
    data, _ = CoxData.build(durations(frame[duration]), status, a[:, None], strata=codes)
    points = np.asarray(grid, dtype=float)
    best = _maximum(frame, treatment, strata, (duration, event, cause), ties)
    if best is not None and points.min() < best < points.max():
        points = np.append(points, best)
    points = np.unique(points)
    values = np.empty(points.size)
    derivatives = np.empty(points.size)
    for i, b in enumerate(points):
        terms = cox_terms(data, [b], ties)
        values[i] = terms.loglik
        derivatives[i] = terms.score[0] if terms.score.size else 0.0
    return LikelihoodProfile(model, points, values - values.max(), derivatives, ties)


@dataclass(frozen=True)
class PooledProfile:
    """The maximum of summed likelihood profiles: a pooled (fixed-effect) log hazard ratio.

    Attributes
    ----------
    model : str
    estimate : float
        Pooled log hazard ratio (NaN when the summed likelihood has no interior maximum).
    conf_low, conf_high : float
        Likelihood-ratio interval (log scale); infinite when the drop is never reached.
    std_error : float
        From the curvature of the summed likelihood at its maximum.
    authorities : int
        Profiles pooled.
    """

    model: str
    estimate: float
    conf_low: float
    conf_high: float
    std_error: float
    authorities: int
    conf_level: float = 0.95

    def tidy(self, exponentiate: bool = False) -> pd.DataFrame:
        """Return one row: ``model, estimate, std_error, conf_low, conf_high, conf_level``.

        With ``exponentiate=True`` the estimate and interval are hazard ratios and the
        standard error stays that of the log hazard ratio, which the column
        ``std_error_scale`` (``"log"``) says, as in every ``tidy(exponentiate=True)``.
        """
        f = np.exp if exponentiate else (lambda v: v)
        row = {
            "model": self.model,
            "estimate": float(f(self.estimate)),
            "std_error": self.std_error,
            "conf_low": float(f(self.conf_low)),
            "conf_high": float(f(self.conf_high)),
            "conf_level": self.conf_level,
            "authorities": self.authorities,
            "method": "summed Cox likelihood profiles (Hermite interpolation)",
        }
        if exponentiate:
            row["std_error_scale"] = "log"
        return pd.DataFrame([row])


def pool_profiles(profiles: Sequence[LikelihoodProfile], conf_level: float = 0.95) -> PooledProfile:
    """Add authorities' likelihood profiles and return the pooled log hazard ratio.

    Parameters
    ----------
    profiles : sequence of LikelihoodProfile
        One per authority, all of the same model.
    conf_level : float, default 0.95
        Level of the likelihood-ratio interval.

    Returns
    -------
    PooledProfile

    Warns
    -----
    StatisticalWarning
        When the summed likelihood is monotone over the grid (no finite maximum).

    Examples
    --------
    >>> p = np.linspace(-2, 2, 9)
    >>> a = LikelihoodProfile("m", p, -((p - 0.2) ** 2) * 10, -20 * (p - 0.2))
    >>> b = LikelihoodProfile("m", p, -((p + 0.2) ** 2) * 10, -20 * (p + 0.2))
    >>> abs(round(pool_profiles([a, b]).estimate, 6))
    0.0
    """
    conf_level = check_conf_level(conf_level)
    if not profiles:
        raise DesignError("no likelihood profiles to pool")
    models = {p.model for p in profiles}
    if len(models) > 1:
        raise DesignError(f"profiles of different models cannot be added: {sorted(models)}")
    drop = float(stats.chi2.ppf(conf_level, 1)) / 2
    low = min(float(p.point[0]) for p in profiles)
    high = max(float(p.point[-1]) for p in profiles)

    def total(beta: float | FloatArray) -> FloatArray:
        return np.asarray(sum(p.loglik(np.atleast_1d(beta)) for p in profiles), dtype=float)

    knots = np.unique(np.concatenate([p.point for p in profiles]))
    dense = np.unique(np.concatenate([knots, np.linspace(low, high, 4001)]))
    values = total(dense)
    i = int(np.argmax(values))
    model = profiles[0].model
    if i in (0, dense.size - 1):
        warnings.warn(
            f"the summed likelihood of {model!r} is largest at the edge of the grid "
            f"(hazard ratio {np.exp(dense[i]):.3g}): there is no finite pooled estimate",
            StatisticalWarning,
            stacklevel=2,
        )
        return PooledProfile(model, np.nan, np.nan, np.nan, np.nan, len(profiles), conf_level)
    bracket = (float(dense[i - 1]), float(dense[i + 1]))
    found = optimize.minimize_scalar(
        lambda b: -float(total(b)[0]), bounds=bracket, method="bounded", options={"xatol": 1e-12}
    )
    if not found.success:  # pragma: no cover - bounded Brent on a smooth function
        raise ConvergenceError(f"could not maximise the summed likelihood of {model!r}")
    estimate = float(found.x)
    top = float(total(estimate)[0])

    def crossing(edge: float) -> float:
        if float(total(edge)[0]) > top - drop:
            return float(np.sign(edge - estimate) * np.inf)
        return float(optimize.brentq(lambda b: float(total(b)[0]) - (top - drop), estimate, edge))

    step = 1e-4
    curvature = (
        -(float(total(estimate + step)[0]) - 2 * top + float(total(estimate - step)[0])) / step**2
    )
    std_error = float(1 / np.sqrt(curvature)) if curvature > 0 else np.inf
    return PooledProfile(
        model=model,
        estimate=estimate,
        conf_low=crossing(low - 10.0),
        conf_high=crossing(high + 10.0),
        std_error=std_error,
        authorities=len(profiles),
        conf_level=conf_level,
    )
