"""Inverse-probability and overlap weights, their summary and a positivity check.

Estimands
---------
``ate``
    Weights 1/e(x) for treated and 1/(1 - e(x)) for untreated (whole population).
``att``
    Weight 1 for treated and e(x)/(1 - e(x)) for untreated (the treated population).
``overlap``
    Weights 1 - e(x) for treated and e(x) for untreated (Li, Morgan & Zaslavsky 2018,
    doi:10.1080/01621459.2016.1260466): the population with most equipoise.

Each estimand's estimates are of a population, named in ``effects.csv``'s ``population``
column (:data:`POPULATIONS`): ``all`` (ATE), ``treated`` (ATT), ``overlap`` (ATO).

Stabilised ATE weights multiply by the marginal probability of the arm received
(Robins, Hernán & Brumback 2000, doi:10.1097/00001648-200009000-00011).
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.errors import DesignError, StatisticalWarning

__all__ = [
    "POPULATIONS",
    "PROBABILITY_FLOOR",
    "WeightEstimand",
    "bounded_probability",
    "check_truncate",
    "effective_sample_size",
    "positivity_check",
    "treatment_weights",
    "weight_summary",
]

FloatArray = npt.NDArray[np.float64]
#: Populations the weights target.
WeightEstimand = Literal["ate", "att", "overlap"]
WEIGHT_ESTIMANDS = get_args(WeightEstimand)
#: The population each weight estimand's estimates are of (``effects.csv``'s ``population``).
POPULATIONS: dict[str, str] = {"ate": "all", "att": "treated", "overlap": "overlap"}
#: Probabilities that divide (inverse-probability weights, AIPW) are kept at least this far
#: from 0 and 1, with a warning whenever the bound is used.
PROBABILITY_FLOOR = 1e-6


def bounded_probability(p: npt.ArrayLike, what: str, *, upper: bool = True) -> FloatArray:
    """Return ``p`` bounded to ``[1e-6, 1 - 1e-6]``, warning when the bound is used.

    A model that predicts a probability of (nearly) 0 or 1 for someone who is then weighted
    by its inverse says positivity fails for them; the weight is bounded at 1e6 and a
    :class:`~escalation.errors.StatisticalWarning` says how many were affected.

    Examples
    --------
    >>> bounded_probability([0.2, 0.9], "propensity scores").tolist()
    [0.2, 0.9]
    """
    values = np.asarray(p, dtype=float)
    low = values < PROBABILITY_FLOOR
    high = values > 1.0 - PROBABILITY_FLOOR if upper else np.zeros(values.shape, bool)
    if low.any() or high.any():
        warnings.warn(
            f"{int(low.sum()) + int(high.sum())} {what} are within {PROBABILITY_FLOOR:g} of 0 "
            "or 1 (positivity fails for them: the model gives them no chance of the other "
            f"arm); they were bounded at {PROBABILITY_FLOOR:g}, so their weights are at most "
            f"{1 / PROBABILITY_FLOOR:g}. Check the overlap of the arms and the covariates",
            StatisticalWarning,
            stacklevel=3,
        )
    hi = 1.0 - PROBABILITY_FLOOR if upper else np.inf
    out: FloatArray = np.clip(values, PROBABILITY_FLOOR, hi)
    return out


def check_truncate(truncate: float | None) -> None:
    """Refuse a truncation outside (0, 50); warn when it looks like a fraction.

    ``truncate`` is a percentile: 1 truncates at the 1st and 99th percentiles. A value
    below 1, such as 0.05 meant as 5%, truncates at the 0.05th and 99.95th percentiles
    (almost nothing), so a :class:`~escalation.errors.StatisticalWarning` says so.

    Raises
    ------
    DesignError
        When ``truncate`` is not in (0, 50).

    Examples
    --------
    >>> check_truncate(1)
    >>> check_truncate(None)
    """
    if truncate is None:
        return
    if not 0 < truncate < 50:
        raise DesignError(
            f"truncate must be a percentile in (0, 50), got {truncate}: 1 truncates the "
            "weights at their 1st and 99th percentiles, 5 at the 5th and 95th"
        )
    if truncate < 1:
        warnings.warn(
            f"truncate={truncate:g} is a percentile, not a fraction: the weights are "
            f"truncated at their {truncate:g}th and {100 - truncate:g}th percentiles. For "
            f"the {100 * truncate:g}th and {100 - 100 * truncate:g}th give "
            f"truncate={100 * truncate:g}",
            StatisticalWarning,
            stacklevel=3,
        )


def treatment_weights(
    scores: npt.ArrayLike,
    treatment: npt.ArrayLike,
    *,
    estimand: WeightEstimand = "ate",
    stabilize: bool = True,
    truncate: float | None = None,
) -> FloatArray:
    """Return balancing weights from propensity scores.

    Parameters
    ----------
    scores : array_like
        Propensity scores P(treatment = 1 | x).
    treatment : array_like of {0, 1}
        Treatment received.
    estimand : {"ate", "att", "overlap"}, default "ate"
        Target population (see the module notes).
    stabilize : bool, default True
        Multiply weights by the marginal probability of the arm received (ATE) or normalise
        each arm's weights to its size (ATT, overlap). Point estimates from weighted
        Aalen–Johansen curves do not change; the weights' spread does.
    truncate : float, optional
        Percentile in (0, 50), not a fraction: weights are capped at the
        ``100 - truncate`` percentile and floored at the ``truncate`` percentile (1 gives
        1st–99th percentile truncation; 0.05 the 0.05th–99.95th, about which
        :func:`check_truncate` warns when ``estimate_effects`` or ``estimate_curves`` is
        given it).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> treatment_weights([0.2, 0.5, 0.8], [1, 0, 1], stabilize=False)
    array([5.  , 2.  , 1.25])
    >>> treatment_weights([0.2, 0.5, 0.8], [1, 0, 1], estimand="overlap", stabilize=False)
    array([0.8, 0.5, 0.2])
    """
    if estimand not in WEIGHT_ESTIMANDS:
        raise DesignError(f"weight estimand {estimand!r} is not one of {WEIGHT_ESTIMANDS}")
    e = np.asarray(scores, dtype=float)
    a = np.asarray(treatment).astype(bool)
    # Divide by each unit's own arm probability only: np.where evaluates both branches, and
    # a treated unit scored exactly 1.0 (a logistic fit that saturates in a bootstrap
    # replicate) would raise a divide-by-zero warning from the branch it does not use.
    if estimand == "ate":
        w = 1.0 / np.where(a, e, 1.0 - e)
        if stabilize:
            p = a.mean()
            w = w * np.where(a, p, 1.0 - p)
    elif estimand == "att":
        w = np.where(a, 1.0, e / np.where(a, 1.0, 1.0 - e))
    else:
        w = np.where(a, 1.0 - e, e)
    if stabilize and estimand != "ate":
        for arm in (True, False):
            sel = a == arm
            total = w[sel].sum()
            if total > 0:
                w[sel] = w[sel] * sel.sum() / total
    if truncate is not None:
        if not 0 < truncate < 50:
            raise DesignError(
                f"truncate must be a percentile in (0, 50), got {truncate}: 1 truncates "
                "the weights at their 1st and 99th percentiles"
            )
        low, high = np.percentile(w, [truncate, 100 - truncate])
        w = np.clip(w, low, high)
    return w


def effective_sample_size(weights: npt.ArrayLike) -> float:
    """Return Kish's effective sample size ``(sum w)^2 / sum w^2``.

    Examples
    --------
    >>> effective_sample_size([1, 1, 1, 1])
    4.0
    >>> round(effective_sample_size([1, 1, 1, 5]), 2)
    2.29
    """
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / np.sum(w**2))


def weight_summary(weights: npt.ArrayLike, treatment: npt.ArrayLike) -> pd.DataFrame:
    """Return one row per arm and overall: n, effective n, sum, mean, min, percentiles, max.

    Examples
    --------
    >>> weight_summary([1.0, 2.0, 1.0, 4.0], [1, 1, 0, 0])[["group", "n", "ess"]]
      group  n       ess
    0   all  4  2.909091
    1     0  2  1.470588
    2     1  2  1.800000
    """
    w = np.asarray(weights, dtype=float)
    a = np.asarray(treatment).astype(int)
    rows = []
    for group, sel in (("all", np.ones(len(w), bool)), ("0", a == 0), ("1", a == 1)):
        v = w[sel]
        q = np.percentile(v, [1, 50, 99]) if len(v) else [np.nan] * 3
        rows.append(
            {
                "group": group,
                "n": int(sel.sum()),
                "ess": effective_sample_size(v) if len(v) else np.nan,
                "sum": float(v.sum()),
                "mean": float(v.mean()) if len(v) else np.nan,
                "min": float(v.min()) if len(v) else np.nan,
                "p01": float(q[0]),
                "median": float(q[1]),
                "p99": float(q[2]),
                "max": float(v.max()) if len(v) else np.nan,
            }
        )
    return pd.DataFrame(rows)


def positivity_check(
    scores: npt.ArrayLike,
    treatment: npt.ArrayLike,
    matrix: pd.DataFrame,
    *,
    bounds: tuple[float, float] = (0.025, 0.975),
    weights: npt.ArrayLike | None = None,
    max_weight: float = 20.0,
    warn: bool = True,
    min_children: int = 10,
) -> pd.DataFrame:
    """Find children with extreme propensity or weights and the covariates that drive them.

    A child is *extreme* when the score lies outside ``bounds`` or the weight exceeds
    ``max_weight``. For each coded covariate the table compares its mean among extreme
    children with the rest (difference over the covariate's overall standard deviation);
    the covariates with the largest
    differences are named in a :class:`StatisticalWarning` with counts of children only
    (never identifiers).

    Parameters
    ----------
    scores, treatment : array_like
        Propensity scores and treatment.
    matrix : pandas.DataFrame
        The coded covariate matrix (e.g. ``PropensityResult.matrix``).
    bounds : tuple of float, default (0.025, 0.975)
        Scores outside are extreme.
    weights : array_like, optional
        Weights; those above ``max_weight`` are extreme too.
    max_weight : float, default 20
        Weight threshold.
    warn : bool, default True
        Emit the warning when at least ``min_children`` children are extreme.
    min_children : int, default 10
        Fewer extreme children than this are reported in the table only.

    Returns
    -------
    pandas.DataFrame
        ``covariate, n_extreme, n_extreme_treated, n_extreme_untreated, mean_extreme,
        mean_rest, smd``, sorted by absolute ``smd``.
    """
    e = np.asarray(scores, dtype=float)
    a = np.asarray(treatment).astype(int)
    extreme = (e < bounds[0]) | (e > bounds[1])
    if weights is not None:
        extreme |= np.asarray(weights, dtype=float) > max_weight
    n_ext = int(extreme.sum())
    columns = [
        "covariate",
        "n_extreme",
        "n_extreme_treated",
        "n_extreme_untreated",
        "mean_extreme",
        "mean_rest",
        "smd",
    ]
    if n_ext == 0 or n_ext == len(e):
        return pd.DataFrame(columns=columns)
    x = matrix.to_numpy(dtype=float)
    m1, m0 = x[extreme].mean(axis=0), x[~extreme].mean(axis=0)
    pooled = x.std(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        smd = np.where(pooled > 0, (m1 - m0) / pooled, 0.0)
    table = pd.DataFrame(
        {
            "covariate": list(matrix.columns),
            "n_extreme": n_ext,
            "n_extreme_treated": int((extreme & (a == 1)).sum()),
            "n_extreme_untreated": int((extreme & (a == 0)).sum()),
            "mean_extreme": m1,
            "mean_rest": m0,
            "smd": smd,
        }
    )
    table = table.reindex(table["smd"].abs().sort_values(ascending=False).index)
    table = table.reset_index(drop=True)
    if warn and n_ext >= min_children:
        top: Sequence[str] = [
            f"{c} (SMD {s:+.2f})"
            for c, s in zip(table["covariate"][:3], table["smd"][:3], strict=True)
        ]
        warnings.warn(
            f"positivity: {n_ext} children ({int((extreme & (a == 1)).sum())} treated, "
            f"{int((extreme & (a == 0)).sum())} untreated) have propensity scores outside "
            f"{bounds} or weights above {max_weight:g}; they differ most in "
            f"{', '.join(top)}. Consider restricting the population, overlap weights or "
            "truncation.",
            StatisticalWarning,
            stacklevel=2,
        )
    return table
