"""E-values: how strong unmeasured confounding would have to be to explain an effect away.

For a risk ratio RR (taken as 1/RR when below one) the E-value is
``RR + sqrt(RR (RR - 1))`` (VanderWeele & Ding 2017, doi:10.7326/M16-2607): the minimum
strength of association, on the risk-ratio scale, that an unmeasured confounder would need
with both the treatment and the outcome, conditional on the measured covariates, to move
the estimate to the null; weaker confounding could not, stronger confounding could but
need not. It says nothing about whether such a confounder exists, nor about bias of other
kinds (selection, measurement, the model). The E-value of a confidence interval uses the
limit closest to the null (1 when the interval crosses it). Hazard ratios are converted
first, and whether the outcome is rare must be said (as R's ``EValue::evalues.HR``):
unchanged for a rare outcome (below about 15% by the end of follow-up), else
``RR ≈ (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR))`` (VanderWeele 2020,
doi:10.1111/biom.13197). A risk difference of standardised (counterfactual) risks has the
E-value of their ratio, the ``risk_ratio`` row of ``effects.csv`` (:func:`evalue_table`).
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
    rare: bool | None = None,
) -> dict[str, float]:
    """Return the E-values of an estimate and of its confidence interval.

    Parameters
    ----------
    estimate : float
        Risk ratio or hazard ratio.
    conf_low, conf_high : float, optional
        Confidence limits. Only the limit on the null's side of the estimate is used
        (``conf_low`` above one, ``conf_high`` below), so one of them is enough.
    measure : {"rr", "hr"}, default "rr"
        The scale of ``estimate``.
    rare : bool, optional
        For hazard ratios, required: whether the outcome is rare (< 15%) by the end of
        follow-up. A common outcome's hazard ratio is further from 1 than its risk ratio,
        so taking it as rare overstates the E-value. Not used for risk ratios.

    Returns
    -------
    dict
        ``{"evalue": ..., "evalue_ci": ...}`` (``evalue_ci`` NaN without the limit on the
        null's side). NaN in, NaN out.

    Raises
    ------
    DesignError
        Naming the value: a ratio or limit that is not positive, ``conf_low`` above
        ``conf_high``, an estimate outside its interval (its interval's E-value would
        exceed its own), or a hazard ratio without ``rare``.

    Examples
    --------
    VanderWeele & Ding (2017): risk ratio 3.9 (95% CI 1.8 to 8.7).

    >>> out = evalue(3.9, 1.8, 8.7)
    >>> round(out["evalue"], 2), round(out["evalue_ci"], 2)
    (7.26, 3.0)
    """
    if measure not in ("rr", "hr"):
        raise DesignError(f"measure must be 'rr' or 'hr', got {measure!r}")
    if measure == "hr" and rare is None:
        raise DesignError(
            "a hazard ratio's E-value needs rare=True or rare=False: whether the outcome is "
            "rare (< 15%) by the end of follow-up (a common outcome's hazard ratio is "
            "converted to a risk ratio first)"
        )
    named = {"estimate": estimate, "conf_low": conf_low, "conf_high": conf_high}
    for name, value in named.items():
        if value is not None and float(value) <= 0:
            raise DesignError(f"{name} = {value!r}: ratios and their limits must be positive")
    if conf_low is not None and conf_high is not None and float(conf_low) > float(conf_high):
        raise DesignError(
            f"conf_low = {conf_low!r} is above conf_high = {conf_high!r}: give the lower "
            "limit first"
        )
    for name, value, outside in (
        ("conf_low", conf_low, conf_low is not None and float(estimate) < float(conf_low)),
        ("conf_high", conf_high, conf_high is not None and float(estimate) > float(conf_high)),
    ):
        if outside:
            raise DesignError(
                f"estimate = {estimate!r} lies outside its interval ({name} = {value!r}): "
                "an interval's E-value is that of its limit nearer the null"
            )

    def convert(v: float) -> float:
        return hazard_ratio_to_risk_ratio(v, rare=bool(rare)) if measure == "hr" else float(v)

    rr = convert(estimate)
    out = {"evalue": _point(rr), "evalue_ci": float("nan")}
    # The limit on the null's side of the estimate (either at the null): E-value 1 when
    # the interval reaches the null.
    near = conf_low if rr > 1 else conf_high if rr < 1 else None
    if rr == 1 and (conf_low is not None or conf_high is not None):
        out["evalue_ci"] = 1.0
    elif near is not None:
        limit = convert(near)
        crosses = limit <= 1 if rr > 1 else limit >= 1
        out["evalue_ci"] = 1.0 if crosses else _point(limit)
    return out


def evalue_table(effects: pd.DataFrame) -> pd.DataFrame:
    """Return E-values for every ``risk_ratio`` row of an ``effects.csv`` table.

    Columns ``estimator, horizon, evalue, evalue_ci``, then ``population`` and
    ``conf_level`` where ``effects`` has them: the E-value of an interval depends on its
    level (an 80% interval's limit is further from the null than a 95% one's, so its
    E-value is larger), so the level goes with it.

    Examples
    --------
    >>> table = pd.DataFrame({"estimator": ["ipw"], "horizon": [365], "estimand": ["risk_ratio"],
    ...                       "estimate": [0.8], "conf_low": [0.71], "conf_high": [0.91]})
    >>> evalue_table(table)[["evalue", "evalue_ci"]].round(2).values.tolist()
    [[1.81, 1.43]]
    """
    rows = effects[effects["estimand"] == "risk_ratio"]
    carried = [c for c in ("population", "conf_level") if c in effects.columns]
    out = []
    for _, row in rows.iterrows():
        values = evalue(float(row["estimate"]), float(row["conf_low"]), float(row["conf_high"]))
        out.append(
            {
                "estimator": row["estimator"],
                "horizon": row["horizon"],
                **values,
                **{c: row[c] for c in carried},
            }
        )
    return pd.DataFrame(out, columns=["estimator", "horizon", "evalue", "evalue_ci", *carried])
