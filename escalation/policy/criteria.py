"""Pre-registered success criteria, judged as met, not met or inconclusive.

A criterion is stated in the design's ``[criteria]`` section before any outcome is seen
(and registered with ``escalation register``). Each is judged on one rule at the
capacity of ``[policy]``, by the policy horizon, from the estimate's 95% interval:

========================  ===========================  ==============================
criterion                 met when                     not met when
========================  ===========================  ==============================
``min_precision``         lower limit >= threshold     upper limit < threshold
``min_recall``            lower limit >= threshold     upper limit < threshold
``min_prevented_per_1000``  lower limit >= threshold   upper limit < threshold
``max_disparity``         every attribute's largest    some attribute's gap has its
                          gap has upper limit <=       lower limit > threshold
                          threshold
========================  ===========================  ==============================

and *inconclusive* otherwise (the data cannot tell). Precision and recall are those of
the flag against escalation under current practice, as the WWCSC 2020 pilots measured
them (Clayton et al. 2020: none of their models reached the pre-specified 65%
precision). Every row says whether the design was registered and unchanged.
"""

from __future__ import annotations

from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from escalation.design.registration import RegistrationCheck
from escalation.design.study import CriteriaSpec

__all__ = ["CRITERIA_COLUMNS", "Verdict", "judge", "judge_criteria"]

Verdict = Literal["met", "not met", "inconclusive"]
#: Columns of :func:`judge_criteria`.
CRITERIA_COLUMNS: Final = (
    "criterion",
    "rule",
    "horizon",
    "threshold",
    "estimate",
    "conf_low",
    "conf_high",
    "verdict",
    "registration",
    "note",
    "groups",
)
_ESTIMAND: Final = {
    "min_precision": "precision",
    "min_recall": "recall",
    "min_prevented_per_1000": "prevented_per_1000",
}


def judge(low: float, high: float, threshold: float, *, at_least: bool) -> Verdict:
    """Return the verdict on an interval against a threshold.

    Examples
    --------
    >>> judge(0.55, 0.62, 0.65, at_least=True), judge(0.6, 0.7, 0.65, at_least=True)
    ('not met', 'inconclusive')
    >>> judge(0.01, 0.04, 0.10, at_least=False)
    'met'
    """
    if not (np.isfinite(low) and np.isfinite(high)):
        return "inconclusive"
    if at_least:
        if low >= threshold:
            return "met"
        return "not met" if high < threshold else "inconclusive"
    if high <= threshold:
        return "met"
    return "not met" if low > threshold else "inconclusive"


def judge_criteria(
    values: pd.DataFrame,
    gaps: pd.DataFrame,
    criteria: CriteriaSpec,
    *,
    rule: str,
    horizon: int,
    registration: RegistrationCheck | None = None,
) -> pd.DataFrame:
    """Judge every stated criterion on ``rule`` at ``horizon``.

    Parameters
    ----------
    values : pandas.DataFrame
        :meth:`escalation.causal.policy.PolicyValueResult.tidy`.
    gaps : pandas.DataFrame
        :func:`escalation.policy.groups.disparities`.
    criteria : CriteriaSpec
        The design's criteria.
    rule : str
        The rule judged (e.g. ``risk_cox``).
    horizon : int
        Days.
    registration : RegistrationCheck, optional
        How the design compares with its registration (``None``: not registered).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CRITERIA_COLUMNS`, one row per stated criterion.

    Examples
    --------
    >>> values = pd.DataFrame({"rule": "risk_cox", "horizon": 365,
    ...     "estimand": ["precision", "recall", "prevented_per_1000"],
    ...     "estimate": [0.31, 0.52, 4.0], "conf_low": [0.27, 0.47, -1.0],
    ...     "conf_high": [0.35, 0.57, 9.0]})
    >>> gaps = pd.DataFrame(columns=["rule", "horizon", "attribute", "metric", "higher",
    ...                              "lower", "estimate", "conf_low", "conf_high"])
    >>> spec = CriteriaSpec(min_precision=0.65, min_recall=0.5, min_prevented_per_1000=5)
    >>> judge_criteria(values, gaps, spec, rule="risk_cox", horizon=365)["verdict"].tolist()
    ['not met', 'inconclusive', 'inconclusive']
    """
    status = (
        registration.describe()
        if registration is not None
        else RegistrationCheck("not_registered", None, "").describe()
    )
    registered = registration is not None and registration.status == "registered"
    rows: list[dict[str, Any]] = []
    mine = values[(values["rule"] == rule) & (values["horizon"] == horizon)]
    for key, threshold in criteria.stated.items():
        row: dict[str, Any] = {
            "criterion": key,
            "rule": rule,
            "horizon": int(horizon),
            "threshold": threshold,
            "registration": "registered" if registered else _short(registration),
            "note": "" if registered else status,
            "groups": "",  # the largest gap's two groups (max_disparity)
        }
        if key == "max_disparity":
            part = gaps[
                (gaps["rule"] == rule)
                & (gaps["horizon"] == horizon)
                & (gaps["metric"] == criteria.disparity_metric)
            ]
            if part.empty:
                rows.append(
                    {**row, "estimate": np.nan, "conf_low": np.nan, "conf_high": np.nan,
                     "verdict": "inconclusive",
                     "note": _join(row["note"], "no two groups large enough to compare")}
                )  # fmt: skip
                continue
            verdicts = [
                judge(lo, hi, threshold, at_least=False)
                for lo, hi in zip(part["conf_low"], part["conf_high"], strict=True)
            ]
            worst = part.iloc[int(np.argmax(part["estimate"].to_numpy(dtype=float)))]
            groups = f"{worst['attribute']} ({worst['higher']} vs {worst['lower']})"
            verdict: str = (
                "not met"
                if "not met" in verdicts
                else ("met" if all(v == "met" for v in verdicts) else "inconclusive")
            )
            rows.append(
                {
                    **row,
                    "estimate": float(worst["estimate"]),
                    "conf_low": float(worst["conf_low"]),
                    "conf_high": float(worst["conf_high"]),
                    "verdict": verdict,
                    "note": _join(
                        row["note"], f"largest gap in {criteria.disparity_metric}: {groups}"
                    ),
                    "groups": groups,
                }
            )
            continue
        found = mine[mine["estimand"] == _ESTIMAND[key]]
        if found.empty:
            rows.append(
                {**row, "estimate": np.nan, "conf_low": np.nan, "conf_high": np.nan,
                 "verdict": "inconclusive", "note": _join(row["note"], "not estimated")}
            )  # fmt: skip
            continue
        got = found.iloc[0]
        low, high = float(got["conf_low"]), float(got["conf_high"])
        rows.append(
            {
                **row,
                "estimate": float(got["estimate"]),
                "conf_low": low,
                "conf_high": high,
                "verdict": judge(low, high, threshold, at_least=True),
            }
        )
    return pd.DataFrame.from_records(rows, columns=list(CRITERIA_COLUMNS))


def _short(registration: RegistrationCheck | None) -> str:
    if registration is None or registration.status == "not_registered":
        return "not registered"
    return "changed after registration"


def _join(first: str, second: str) -> str:
    return (
        f"{first} {second[0].upper()}{second[1:]}."
        if first
        else f"{second[0].upper()}{second[1:]}."
    )
