"""E-values: how strong unmeasured confounding would have to be to explain an effect away.

For a risk ratio RR (taken as 1/RR when below one) the E-value is
``RR + sqrt(RR (RR - 1))`` (VanderWeele & Ding 2017, doi:10.7326/M16-2607): the minimum
strength of association, on the risk-ratio scale, that an unmeasured confounder would need
with both treatment and outcome to move the estimate to the null. The E-value of a
confidence interval uses the limit closest to the null (1 when the interval crosses it).
Hazard ratios are converted first: unchanged for a rare outcome (below about 15% by the end
of follow-up), else ``RR ≈ (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR))`` (VanderWeele 2020,
doi:10.1111/biom.13197).
"""

from __future__ import annotations

import math
from typing import Literal

import pandas as pd

from escalation.errors import DesignError

__all__ = ["evalue", "evalue_table", "hazard_ratio_to_risk_ratio"]


def hazard_ratio_to_risk_ratio(hr: float, *, rare: bool) -> float:
    """Return the risk ratio a hazard ratio approximates (VanderWeele 2020).

    Examples
    --------
    >>> hazard_ratio_to_risk_ratio(2.0, rare=True)
    2.0
    >>> round(hazard_ratio_to_risk_ratio(2.0, rare=False), 3)
    1.613
    """
    if hr <= 0:
        raise DesignError(f"a hazard ratio must be positive, got {hr}")
    if rare:
        return float(hr)
    return float((1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr)))


def _point(rr: float) -> float:
    rr = 1 / rr if rr < 1 else rr
    return rr + math.sqrt(rr * (rr - 1))


def evalue(
    estimate: float,
    conf_low: float | None = None,
    conf_high: float | None = None,
    *,
    measure: Literal["rr", "hr"] = "rr",
    rare: bool = True,
) -> dict[str, float]:
    """Return the E-values of an estimate and of its confidence interval.

    Parameters
    ----------
    estimate : float
        Risk ratio or hazard ratio.
    conf_low, conf_high : float, optional
        Confidence limits.
    measure : {"rr", "hr"}, default "rr"
        The scale of ``estimate``.
    rare : bool, default True
        For hazard ratios: whether the outcome is rare (< 15%) by the end of follow-up.

    Returns
    -------
    dict
        ``{"evalue": ..., "evalue_ci": ...}`` (``evalue_ci`` NaN without limits).

    Examples
    --------
    VanderWeele & Ding (2017): risk ratio 3.9 (95% CI 1.8 to 8.7).

    >>> out = evalue(3.9, 1.8, 8.7)
    >>> round(out["evalue"], 2), round(out["evalue_ci"], 2)
    (7.26, 3.0)
    """
    if measure not in ("rr", "hr"):
        raise DesignError(f"measure must be 'rr' or 'hr', got {measure!r}")
    values = [estimate, conf_low, conf_high]
    if any(v is not None and v <= 0 for v in values):
        raise DesignError("ratios and their limits must be positive")
    convert = (lambda v: hazard_ratio_to_risk_ratio(v, rare=rare)) if measure == "hr" else float
    rr = convert(estimate)
    out = {"evalue": _point(rr), "evalue_ci": float("nan")}
    if conf_low is not None and conf_high is not None:
        low, high = convert(conf_low), convert(conf_high)
        if low <= 1 <= high:
            out["evalue_ci"] = 1.0
        else:
            out["evalue_ci"] = _point(low if rr > 1 else high)
    return out


def evalue_table(effects: pd.DataFrame) -> pd.DataFrame:
    """Return E-values for every ``risk_ratio`` row of an ``effects.csv`` table.

    Examples
    --------
    >>> table = pd.DataFrame({"estimator": ["ipw"], "horizon": [365], "estimand": ["risk_ratio"],
    ...                       "estimate": [0.8], "conf_low": [0.71], "conf_high": [0.91]})
    >>> evalue_table(table)[["evalue", "evalue_ci"]].round(2).values.tolist()
    [[1.81, 1.43]]
    """
    rows = effects[effects["estimand"] == "risk_ratio"]
    out = []
    for _, row in rows.iterrows():
        values = evalue(float(row["estimate"]), float(row["conf_low"]), float(row["conf_high"]))
        out.append({"estimator": row["estimator"], "horizon": row["horizon"], **values})
    return pd.DataFrame(out, columns=["estimator", "horizon", "evalue", "evalue_ci"])
