"""Performance measures of a simulation study, with Monte Carlo standard errors.

The measures and their Monte Carlo standard errors (MCSE) are those of Morris, White &
Crowther (2019), "Using simulation studies to evaluate statistical methods", *Statistics in
Medicine* 38:2074–2102, doi:10.1002/sim.8086, Table 6. Each measure is computed over the
``n`` replications that have what it needs, with estimates ``θ̂_i``, model variances
``V_i = SE_i²``, truth ``θ`` and ``θ̄ = mean(θ̂_i)`` over those replications:

- ``bias`` = ``θ̄ - θ``; MCSE ``sqrt(Σ(θ̂_i - θ̄)² / (n(n-1)))``
- ``empirical_se`` = ``sqrt(Σ(θ̂_i - θ̄)² / (n-1))``; MCSE ``EmpSE / sqrt(2(n-1))``
- ``mse`` = ``Σ(θ̂_i - θ)² / n``; MCSE ``sqrt(Σ((θ̂_i - θ)² - MSE)² / (n(n-1)))``
- ``relative_precision`` (of a method against a reference method) =
  ``100 ((EmpSE_ref / EmpSE)² - 1)``; MCSE ``200 (EmpSE_ref / EmpSE)² sqrt((1 - ρ²) / (n-1))``,
  with ``ρ`` the correlation of the two methods' estimates, over the ``n`` replications in
  which both have an estimate (paired by ``replication``; the reference's own is 0, MCSE 0)
- ``model_se`` = ``sqrt(Σ V_i / n)``; MCSE ``sqrt(Var(V) / (4 n ModSE²))``
- ``relative_error_model_se`` = ``100 (ModSE / EmpSE - 1)``; MCSE
  ``100 (ModSE / EmpSE) sqrt(Var(V) / (4 n ModSE⁴) + 1 / (2(n-1)))``
- ``coverage`` = ``Σ 1(low_i ≤ θ ≤ high_i) / n``; MCSE ``sqrt(C(1-C) / n)``
- ``bias_eliminated_coverage`` = ``Σ 1(low_i ≤ θ̄ ≤ high_i) / n``; MCSE ``sqrt(C(1-C) / n)``
- ``power`` = ``Σ 1(p_i ≤ α) / n``; MCSE ``sqrt(P(1-P) / n)``

Bias, empirical SE and MSE need an estimate and a truth; the model SE and its relative error
also a standard error (the relative error compares the two SEs over those same
replications); coverage also an interval; power also a p-value. Estimators without a
standard error (no bootstrap) thus still have a bias, empirical SE and MSE, as in rsimsum
without ``se``. ``replications`` says which ``n`` each measure used; a replication with an
error, no estimate or no truth is ``failed`` and used by none.

``Var(V)`` is the sample variance (divisor ``n-1``) of the model variances. Coverage and power
are proportions (0–1); the relative error of the model SE is a percentage.

When the truth differs between replications (the full simulator's true risks average over
the children each replication drew), ``θ`` becomes ``θ_i``: bias and MSE use ``θ̂_i - θ_i``,
coverage counts intervals containing ``θ_i`` and bias-eliminated coverage intervals
containing ``θ_i + bias``; with one truth these are exactly the formulas above.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.errors import DataValidationError, DesignError, Problem

__all__ = ["MEASURES", "failed_rows", "performance_measures", "zip_data"]

#: Performance measures, in the order they are reported.
MEASURES: Final = (
    "bias",
    "empirical_se",
    "mse",
    "relative_precision",
    "model_se",
    "relative_error_model_se",
    "coverage",
    "bias_eliminated_coverage",
    "power",
)
_REQUIRED: Final = ("estimate", "std_error", "conf_low", "conf_high", "truth")

FloatArray = npt.NDArray[np.float64]
_NAN: Final = (np.nan, np.nan)


def _empirical_se(estimate: FloatArray) -> float:
    """Return ``sqrt(Σ(θ̂_i - θ̄)² / (n - 1))``, the spread of the estimates (``n >= 2``)."""
    return float(np.sqrt(np.sum((estimate - estimate.mean()) ** 2) / (len(estimate) - 1)))


def _estimate_measures(estimate: FloatArray, truth: FloatArray) -> dict[str, tuple[float, float]]:
    """Return bias, empirical SE and MSE with their MCSEs (estimates and truths only)."""
    n = len(estimate)
    if n == 0:
        return dict.fromkeys(("bias", "empirical_se", "mse"), _NAN)
    error = estimate - truth
    mean_error = float(error.mean())
    sq = error**2
    mse = float(sq.mean())
    if n == 1:
        return {"bias": (mean_error, np.nan), "empirical_se": _NAN, "mse": (mse, np.nan)}
    emp = _empirical_se(estimate)
    return {
        "bias": (mean_error, float(np.sqrt(np.sum((error - mean_error) ** 2) / (n * (n - 1))))),
        "empirical_se": (emp, emp / np.sqrt(2 * (n - 1))),
        "mse": (mse, float(np.sqrt(np.sum((sq - mse) ** 2) / (n * (n - 1))))),
    }


def _se_measures(estimate: FloatArray, variance: FloatArray) -> dict[str, tuple[float, float]]:
    """Return the model SE and its relative error, over replications with a standard error.

    The empirical SE in the relative error is that of the same replications, so that both
    SEs, and the Monte Carlo SE of their ratio, rest on one ``n``.
    """
    n = len(estimate)
    if n == 0:
        return {"model_se": _NAN, "relative_error_model_se": _NAN}
    mod = float(np.sqrt(variance.mean()))
    if n == 1:
        return {"model_se": (mod, np.nan), "relative_error_model_se": _NAN}
    emp = _empirical_se(estimate)
    var_v = float(np.sum((variance - variance.mean()) ** 2) / (n - 1))
    out = {"model_se": (mod, float(np.sqrt(var_v / (4 * n * mod**2))) if mod > 0 else np.nan)}
    if emp > 0 and mod > 0:
        ratio = mod / emp
        rel_mcse = 100 * ratio * np.sqrt(var_v / (4 * n * mod**4) + 1 / (2 * (n - 1)))
        out["relative_error_model_se"] = (100 * (ratio - 1), float(rel_mcse))
    else:
        out["relative_error_model_se"] = _NAN
    return out


def _proportion(hits: npt.NDArray[np.bool_]) -> tuple[float, float]:
    """Return a share and its Monte Carlo SE, ``sqrt(p(1-p)/n)`` (missing when ``n = 0``)."""
    if len(hits) == 0:
        return _NAN
    share = float(hits.mean())
    return share, float(np.sqrt(share * (1 - share) / len(hits)))


def _covers(low: Any, value: Any, high: Any) -> Any:
    """Return whether each closed interval ``[low, high]`` contains ``value`` (ties cover)."""
    return (low <= value) & (value <= high)


def _interval_measures(
    estimate: FloatArray, low: FloatArray, high: FloatArray, truth: FloatArray
) -> dict[str, tuple[float, float]]:
    """Return the coverage and bias-eliminated coverage, over replications with an interval."""
    centre = truth + (estimate - truth).mean() if len(estimate) else truth  # = θ̄, one truth
    return {
        "coverage": _proportion(_covers(low, truth, high)),
        "bias_eliminated_coverage": _proportion(_covers(low, centre, high)),
    }


def _precision_against(estimate: FloatArray, reference: FloatArray) -> tuple[float, float]:
    """Return ``100((EmpSE_ref / EmpSE)² - 1)`` and its MCSE, over paired estimates.

    The MCSE is ``200 (EmpSE_ref / EmpSE)² sqrt((1 - ρ²) / (n - 1))`` (Morris et al. 2019,
    Table 6), ``ρ`` the correlation of the paired estimates; missing with fewer than two
    pairs or no spread.
    """
    n = len(estimate)
    if n < 2:
        return _NAN
    emp, emp_ref = _empirical_se(estimate), _empirical_se(reference)
    if emp == 0 or emp_ref == 0:
        return _NAN
    squared = (emp_ref / emp) ** 2
    rho = float(np.corrcoef(estimate, reference)[0, 1])
    return 100 * (squared - 1), float(200 * squared * np.sqrt(max(1 - rho**2, 0.0) / (n - 1)))


def _relative_precision(
    usable: pd.DataFrame, keys: list[str], method: str, reference: object
) -> dict[tuple[object, ...], tuple[float, float, int]]:
    """Return ``{by values: (relative precision, mcse, pairs)}`` of every method.

    ``usable`` holds the replications that did not fail; each method's estimates are paired
    with the reference method's by ``replication`` within the other ``keys``.
    """
    others = [k for k in keys if k != method]
    out: dict[tuple[object, ...], tuple[float, float, int]] = {}
    rows = usable[usable["estimate"].notna()]
    groups = rows.groupby(others, sort=False, observed=True, dropna=False) if others else None
    for key, group in groups if groups is not None else [((), rows)]:
        fixed = key if isinstance(key, tuple) else (key,)
        repeated = group.duplicated([method, "replication"], keep=False)
        if repeated.any():
            first = group.index[repeated.to_numpy()][0]
            raise DataValidationError(
                [
                    Problem(
                        "results",
                        int(first),  # the position in the results (index reset)
                        "replication",
                        group.loc[first, "replication"],
                        f"this replication of {method} {group.loc[first, method]!r} is given "
                        "more than once",
                    )
                ],
                "simulation results",
            )
        wide = group.pivot(index="replication", columns=method, values="estimate")
        for name in wide.columns:
            values = dict(zip([*others, method], [*fixed, name], strict=True))
            full = tuple(values[k] for k in keys)
            if reference not in wide.columns:
                out[full] = (np.nan, np.nan, 0)
                continue
            if name == reference:  # against itself: no gain, no Monte Carlo error
                n = int(wide[name].notna().sum())
                out[full] = (0.0, 0.0, n) if n >= 2 else (np.nan, np.nan, n)
                continue
            pairs = wide[[name, reference]].dropna()
            mine = pairs[name].to_numpy(dtype=float)
            theirs = pairs[reference].to_numpy(dtype=float)
            out[full] = (*_precision_against(mine, theirs), len(pairs))
    return out


def _precision_by_method(
    results: pd.DataFrame, keys: list[str], method: str, reference: object
) -> dict[tuple[object, ...], tuple[float, float, int]]:
    """Return the relative precision of every method (empty when it cannot be paired)."""
    if method not in keys or "replication" not in results.columns or results.empty:
        return {}
    methods = results[method].drop_duplicates().tolist()
    if reference is None:
        reference = methods[0]
    elif reference not in methods:
        raise DesignError(
            f"performance_measures(reference={reference!r}): not a {method} of the results; "
            f"they are {methods}"
        )
    usable = results[~failed_rows(results).to_numpy()]
    return _relative_precision(usable, keys, method, reference)


def _column(frame: pd.DataFrame, name: str) -> FloatArray:
    """Return a column as floats (all missing when the frame lacks it)."""
    if name not in frame.columns:
        return np.full(len(frame), np.nan)
    return frame[name].to_numpy(dtype=float)


def _finite(values: pd.Series) -> pd.Series:
    """Return which values are finite numbers (not missing, not infinite)."""
    return pd.Series(np.isfinite(values.to_numpy(dtype=float)), index=values.index)


def failed_rows(group: pd.DataFrame) -> pd.Series:
    """Return which rows are failed replications: an error, no estimate, or no truth.

    A row without a truth cannot be scored by any measure: it is a failure, counted as
    one, rather than a row every measure silently passes over. An infinite estimate,
    truth or standard error (a risk ratio over a zero risk) is no estimate: kept, it made
    the bias, empirical SE and MSE infinite or missing without a failure counted.

    With an ``se_method`` column, a missing standard error that should have been there (a
    method other than ``"none"``, e.g. a bootstrap whose every replicate failed) is a
    failure too: counted for bias alone, such replications would be silently left out of
    the coverage, which then rests on the replications that went well.
    """
    failed = ~_finite(group["estimate"]) | ~_finite(group["truth"])
    if "std_error" in group.columns:
        failed |= group["std_error"].isin([np.inf, -np.inf])
    if "error" in group.columns:
        failed |= group["error"].notna()
    if "se_method" in group.columns and "std_error" in group.columns:
        method = group["se_method"].astype("string")
        failed |= group["std_error"].isna() & method.notna() & (method != "none")
    return failed


def _group_measures(group: pd.DataFrame, alpha: float) -> dict[str, tuple[float, float, int]]:
    """Return ``{measure: (estimate, mcse, replications used)}`` for one method in one scenario.

    Each measure uses the replications that have what its formula needs: an estimate and a
    truth (bias, empirical SE, MSE); also a standard error (model SE and its relative
    error); also an interval (coverage); also a p-value (power).
    """
    estimate, truth = _column(group, "estimate"), _column(group, "truth")
    se, low, high = (
        _column(group, "std_error"),
        _column(group, "conf_low"),
        _column(group, "conf_high"),
    )
    p_value = _column(group, "p_value")
    base = ~np.isnan(estimate) & ~np.isnan(truth)
    with_se = base & ~np.isnan(se)
    with_interval = base & ~np.isnan(low) & ~np.isnan(high)
    tested = base & ~np.isnan(p_value)
    parts = [
        (_estimate_measures(estimate[base], truth[base]), base),
        (_se_measures(estimate[with_se], se[with_se] ** 2), with_se),
        (
            _interval_measures(
                estimate[with_interval],
                low[with_interval],
                high[with_interval],
                truth[with_interval],
            ),
            with_interval,
        ),
        ({"power": _proportion(p_value[tested] <= alpha)}, tested),
    ]
    return {
        measure: (value, mcse, int(used.sum()))
        for values, used in parts
        for measure, (value, mcse) in values.items()
    }


def performance_measures(
    results: pd.DataFrame,
    *,
    by: Sequence[str] = ("scenario_id", "estimator", "horizon", "estimand"),
    alpha: float = 0.05,
    method: str = "estimator",
    reference: object = None,
) -> pd.DataFrame:
    """Return the performance measures of every method in every scenario, with MCSEs.

    Parameters
    ----------
    results : pandas.DataFrame
        One row per replication and method: ``estimate, std_error, conf_low, conf_high,
        truth`` and optionally ``p_value`` (needed for power), plus the ``by`` columns.
        Optionally ``error``. A row with an error, without an estimate or without a truth is
        a failed replication: it is counted in ``failed`` and left out of every measure. A row with
        an estimate but no standard error (an estimator without a bootstrap) is not a
        failure: it counts for bias, empirical SE and MSE, and is left out of the measures
        that need a standard error, an interval or a p-value.
    by : sequence of str
        Columns identifying a method in a scenario.
    alpha : float, default 0.05
        Significance level of the power (rejection rate): ``p_value <= alpha``.
    method : str, default "estimator"
        The ``by`` column naming the methods compared by ``relative_precision``.
    reference : optional
        The method the others' precision is relative to (default: the first in the rows'
        order). Relative precision pairs the methods' estimates by ``replication``; it is
        missing (``replications`` 0) without a ``replication`` column, when ``method`` is
        not among ``by``, or where the reference has no estimates.

    Returns
    -------
    pandas.DataFrame
        Tidy: the ``by`` columns, ``measure`` (see :data:`MEASURES`), ``estimate``,
        ``mcse`` (its Monte Carlo standard error), ``replications`` (the ``n`` this
        measure and its MCSE used) and ``failed`` (:func:`failed_rows`).

    Raises
    ------
    DataValidationError
        When a required column is missing, or a method's replication is given twice.
    DesignError
        When ``reference`` is not a method of the results.

    Notes
    -----
    Formulas: Morris, White & Crowther (2019), doi:10.1002/sim.8086, Table 6 (see the
    module docstring). Power is missing for estimands without a p-value (the risks).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"method": "a", "estimate": [0.9, 1.1, 1.0, 1.2],
    ...     "std_error": 0.1, "conf_low": [0.7, 0.9, 0.8, 1.0],
    ...     "conf_high": [1.1, 1.3, 1.2, 1.4], "truth": 1.0})
    >>> table = performance_measures(frame, by=["method"]).set_index("measure")
    >>> round(float(table.loc["bias", "estimate"]), 3), float(table.loc["coverage", "estimate"])
    (0.05, 1.0)
    """
    missing = [c for c in (*_REQUIRED, *by) if c not in results.columns]
    if missing:
        raise DataValidationError(
            [Problem("results", None, c, None, "required column is missing") for c in missing],
            "simulation results",
        )
    rows: list[dict[str, object]] = []
    keys = list(by)
    results = results.reset_index(drop=True)
    precision = _precision_by_method(results, keys, method, reference)
    for key, group in results.groupby(keys, sort=True, observed=True, dropna=False):
        values = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        failures = failed_rows(group)
        failed = int(failures.sum())
        measures = _group_measures(group[~failures.to_numpy()], alpha)
        measures["relative_precision"] = precision.get(
            tuple(values[k] for k in keys), (np.nan, np.nan, 0)
        )
        for measure in MEASURES:
            estimate, mcse, used = measures[measure]
            rows.append(
                {
                    **values,
                    "measure": measure,
                    "estimate": estimate,
                    "mcse": mcse,
                    "replications": used,
                    "failed": failed,
                }
            )
    columns = [*keys, "measure", "estimate", "mcse", "replications", "failed"]
    return pd.DataFrame(rows, columns=columns)


def zip_data(results: pd.DataFrame, *, conf_level: float = 0.95) -> pd.DataFrame:
    """Return the intervals of a zip plot, ranked by how far each misses the truth.

    For each method (every column other than the estimates), intervals are ranked by the
    fractional centile of ``|θ̂_i - θ_i| / SE_i`` (Morris, White & Crowther 2019, section
    5.2): intervals at the bottom are nearest the truth, those above the ``conf_level``
    centile should be the ones that miss it.

    Parameters
    ----------
    results : pandas.DataFrame
        ``estimate, std_error, conf_low, conf_high, truth`` and the method columns (e.g.
        ``estimator``). Only the rows :func:`performance_measures` counts in the coverage
        are drawn: failed rows (:func:`failed_rows`) and rows without a standard error or
        an interval are left out, so the plot's coverage is the table's.
    conf_level : float, default 0.95
        Nominal level, shown as the reference centile.

    Returns
    -------
    pandas.DataFrame
        The rows with ``centile`` (0–100), ``covers`` (bool), ``coverage`` of the method
        and its Monte Carlo interval ``coverage_low``/``coverage_high`` (±1.96 MCSE), and
        ``conf_level``.
    """
    missing = [c for c in _REQUIRED if c not in results.columns]
    if missing:
        raise DataValidationError(
            [Problem("results", None, c, None, "required column is missing") for c in missing],
            "simulation results",
        )
    method = [
        c
        for c in ("scenario_id", "estimator", "horizon", "estimand")
        if c in results.columns and results[c].nunique() > 1
    ]
    usable = ~failed_rows(results) & results[["std_error", "conf_low", "conf_high"]].notna().all(
        axis=1
    )
    frame = results[usable.to_numpy()].copy()
    frame["z"] = (frame["estimate"] - frame["truth"]).abs() / frame["std_error"]
    frame["covers"] = _covers(frame["conf_low"], frame["truth"], frame["conf_high"])
    groups = frame.groupby(method, sort=False, observed=True) if method else [((), frame)]
    parts = []
    for _, group in groups:
        group = group.copy()
        n = len(group)
        group["centile"] = 100 * (group["z"].rank(method="first") - 0.5) / n
        coverage, mcse = _proportion(group["covers"].to_numpy())
        group["coverage"] = coverage
        group["coverage_low"] = coverage - 1.96 * mcse
        group["coverage_high"] = coverage + 1.96 * mcse
        parts.append(group)
    out = pd.concat(parts, ignore_index=True)
    out["conf_level"] = conf_level
    return out
