"""Curves derived from adjusted curves: the difference over time and restricted means.

The counterparts of ``adjustedCurves::plot_curve_diff`` and ``adjusted_rmst``: from an
:class:`~escalation.causal.effects.EffectsResult`, the difference of the two adjusted
risk curves at every reported time, and the restricted mean time free of escalation up
to every reported time, with bootstrap intervals (percentile-free: estimate ± z times the
standard deviation of the replicates, as ``effects.csv``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation.errors import DesignError

__all__ = ["difference_curve", "rmst_curves"]

FloatArray = npt.NDArray[np.float64]


def _pick(result: Any, estimator: str | None) -> tuple[str, pd.DataFrame, FloatArray | None]:
    curves = result.curves
    names = list(result.settings["estimators"])
    name = estimator or next((e for e in ("aipw", "ipw", "gformula") if e in names), names[0])
    if name not in names:
        raise DesignError(f"estimator {name!r} was not run (estimators: {', '.join(names)})")
    part = curves[curves["estimator"] == name]
    treated = part[part["group"].astype(str).isin(["treated", "1"])].sort_values("time")
    untreated = part[part["group"].astype(str).isin(["untreated", "0"])].sort_values("time")
    times = treated["time"].to_numpy(float)
    both = np.stack([untreated["estimate"].to_numpy(float), treated["estimate"].to_numpy(float)])
    reps = None
    if result.replicates is not None:
        k = names.index(name)
        report = len(times)
        width = 2 * report + 2 * len(result.settings["horizons"])
        block = result.replicates[:, k * width : (k + 1) * width]
        block = block[~np.isnan(block).all(axis=1)]
        reps = block[:, : 2 * report].reshape(-1, 2, report)
    frame = pd.DataFrame({"time": times})
    return name, frame.assign(r0=both[0], r1=both[1]), reps


def _level(result: Any) -> float:
    """Return the level of the result's intervals (``settings["conf_level"]``, default 0.95)."""
    return float(result.settings.get("conf_level", 0.95))


def _z(result: Any) -> float:
    return float(stats.norm.ppf(0.5 + _level(result) / 2))


def difference_curve(result: Any, estimator: str | None = None) -> pd.DataFrame:
    """Return the adjusted risk difference (treated minus untreated) at every reported time.

    Parameters
    ----------
    result : EffectsResult
        From :func:`~escalation.causal.estimate_effects`.
    estimator : str, optional
        Default: AIPW, else IPW, else the g-formula.

    Returns
    -------
    pandas.DataFrame
        ``time, estimate, std_error, conf_low, conf_high, conf_level, estimator``
        (``conf_level`` the level of the effects' intervals); intervals are missing
        without bootstrap replicates.
    """
    name, frame, reps = _pick(result, estimator)
    estimate = frame["r1"].to_numpy() - frame["r0"].to_numpy()
    se = np.full_like(estimate, np.nan)
    if reps is not None and len(reps) > 1:
        se = np.nanstd(reps[:, 1] - reps[:, 0], axis=0, ddof=1)
    z = _z(result)
    return pd.DataFrame(
        {
            "time": frame["time"],
            "estimate": estimate,
            "std_error": se,
            "conf_low": estimate - z * se,
            "conf_high": estimate + z * se,
            "conf_level": _level(result),
            "estimator": name,
        }
    )


def _restricted(times: FloatArray, risk: FloatArray) -> FloatArray:
    """∫_0^τ (1 - F(u)) du at every τ in ``times`` (trapezoid between reported times)."""
    knots = np.r_[0.0, times]
    values = np.concatenate([np.zeros((*risk.shape[:-1], 1)), risk], axis=-1)
    free = 1.0 - values
    pieces = 0.5 * (free[..., 1:] + free[..., :-1]) * np.diff(knots)
    return np.cumsum(pieces, axis=-1)


def rmst_curves(result: Any, estimator: str | None = None) -> pd.DataFrame:
    """Return adjusted restricted mean days free of escalation up to every reported time.

    For each restriction time τ (the reported times of the adjusted curves), the mean
    number of the first τ days a child spends free of escalation under early help and
    under none, and their difference. The integral is the trapezoid rule over the
    reported times, so at a horizon it is close to, not identical with, the
    ``rmst_difference`` of ``effects.csv`` (integrated over every event time).

    Parameters
    ----------
    result : EffectsResult
        From :func:`~escalation.causal.estimate_effects`.
    estimator : str, optional
        Default: AIPW, else IPW, else the g-formula.

    Returns
    -------
    pandas.DataFrame
        ``time, group`` ("1", "0", "difference"), ``estimate, std_error, conf_low,
        conf_high, conf_level, estimator`` (``conf_level`` the level of the effects'
        intervals).
    """
    name, frame, reps = _pick(result, estimator)
    times = frame["time"].to_numpy(float)
    point = _restricted(times, np.stack([frame["r0"].to_numpy(), frame["r1"].to_numpy()]))
    z = _z(result)
    rows = []
    draws = _restricted(times, reps) if reps is not None and len(reps) > 1 else None
    series = {"0": (point[0], 0), "1": (point[1], 1)}
    for group, (value, arm) in series.items():
        se = (
            np.nanstd(draws[:, arm], axis=0, ddof=1)
            if draws is not None
            else np.full_like(value, np.nan)
        )
        rows.append((group, value, se))
    diff = point[1] - point[0]
    se_diff = (
        np.nanstd(draws[:, 1] - draws[:, 0], axis=0, ddof=1)
        if draws is not None
        else np.full_like(diff, np.nan)
    )
    rows.append(("difference", diff, se_diff))
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "time": times,
                    "group": group,
                    "estimate": value,
                    "std_error": se,
                    "conf_low": value - z * se,
                    "conf_high": value + z * se,
                    "conf_level": _level(result),
                    "estimator": name,
                }
            )
            for group, value, se in rows
        ],
        ignore_index=True,
    )
