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

where an attribute's largest gap is bounded over every pair of its groups shown
(``largest_low``, ``largest_high`` of :func:`escalation.policy.groups.disparities`): with
three groups or more, a small group near the middle can be further from another than the
two groups furthest apart by their estimates.

and *inconclusive* otherwise (the data cannot tell). ``max_disparity`` is met only when
every attribute of the groups table has two groups that can be compared: an attribute left
out (fewer than two groups large enough) makes it inconclusive unless a gap compared is
already too large, and the row names it (``not_compared``) and the groups left out. A
group withheld from the table only beside a small one (an empty sex "U" takes the smaller
of F and M with it) is not small: it is compared, and the verdict alone is published. A value the
disclosure rules withhold from the published table is judged on its exact interval and
only the verdict is published (``withheld``; see :func:`judge_criteria`). Precision and
recall are those of the flag against escalation under current practice, as the WWCSC 2020
pilots measured them (Clayton et al. 2020: none of their models reached the pre-specified 65%
precision). Every row says whether the design was registered and unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

import numpy as np
import pandas as pd

from escalation.design.registration import RegistrationCheck
from escalation.design.study import CriteriaSpec

__all__ = [
    "CRITERIA_COLUMNS",
    "NOT_COMPARED_REASON",
    "WITHHELD_NOTE",
    "WITHHELD_VERDICT",
    "Judgement",
    "Verdict",
    "judge",
    "judge_criteria",
]

#: What :func:`judge` concludes from an interval against a threshold.
Judgement = Literal["met", "not met", "inconclusive"]
#: A criterion's verdict as :func:`judge_criteria` and
#: :func:`escalation.policy.study.withhold_revealing_verdicts` return it: a judgement, or
#: :data:`WITHHELD_VERDICT` where the judgement would give a withheld count back.
Verdict = Literal["met", "not met", "inconclusive", "withheld"]
#: The verdict of a criterion whose published verdict would give a count back.
WITHHELD_VERDICT: Final[Verdict] = "withheld"
#: Columns of :func:`judge_criteria`.
CRITERIA_COLUMNS: Final = (
    "criterion",
    "rule",
    "horizon",
    "threshold",
    "estimate",
    "conf_low",
    "conf_high",
    "conf_level",
    "verdict",
    "registration",
    "note",
    "groups",
    "withheld",
    "not_compared",
)
#: The note of a criterion judged on a value the disclosure rules withhold.
WITHHELD_NOTE: Final = "estimate withheld (disclosure)"
#: Why an attribute has no gap (``not_compared``), in the note and in the brief: fewer
#: than two of its groups are not suppressed for their own sake (too few children,
#: escalations, or counts at the operating point). A group withheld only beside a small
#: one is not small and is compared (its verdict alone published), so an attribute with
#: fewer than two groups *shown* may still be compared: the reason is their size.
NOT_COMPARED_REASON: Final = "fewer than two groups large enough to compare, for disclosure control"
#: The interval of the gap between the two groups furthest apart.
_PAIR: Final = ("conf_low", "conf_high")
_ESTIMAND: Final = {
    "min_precision": "precision",
    "min_recall": "recall",
    "min_prevented_per_1000": "prevented_per_1000",
}


def judge(low: float, high: float, threshold: float, *, at_least: bool) -> Judgement:
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
    attributes: Sequence[str],
    registration: RegistrationCheck | None = None,
    exact: pd.DataFrame | None = None,
    exact_gaps: pd.DataFrame | None = None,
    left_out: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Judge every stated criterion on ``rule`` at ``horizon``.

    Parameters
    ----------
    values : pandas.DataFrame
        The rules' values as published
        (:func:`escalation.policy.study.disclose_values`, or
        :meth:`escalation.causal.policy.PolicyValueResult.tidy`).
    gaps : pandas.DataFrame
        :func:`escalation.policy.groups.disparities`.
    criteria : CriteriaSpec
        The design's criteria.
    rule : str
        The rule judged (e.g. ``risk_cox``).
    horizon : int
        Days.
    attributes : sequence of str
        The attributes of the groups table (``policy_groups.csv``): ``max_disparity`` is
        met only when each has a gap in ``gaps``; those without one are named in the
        row's ``not_compared`` and note.
    registration : RegistrationCheck, optional
        How the design compares with its registration (``None``: not registered).
    exact : pandas.DataFrame, optional
        The exact values (``PolicyValueResult.tidy()``): a criterion whose value in
        ``values`` is withheld (missing) for disclosure is judged on its exact interval,
        and only the verdict is published (estimate and interval missing, ``withheld``
        true, the note saying :data:`WITHHELD_NOTE`). A verdict against a threshold is
        not the value, but see :func:`escalation.policy.study.withhold_revealing_verdicts`
        for the cases where it would give a count back.
    exact_gaps : pandas.DataFrame, optional
        :func:`~escalation.policy.groups.disparities` of the groups that can be
        compared (:func:`~escalation.policy.groups.flagged_by_group` with
        ``complements=False``): a group withheld from ``gaps`` only beside a small one
        (an empty sex "U" takes the smaller of F and M with it, leaving sex with one
        group shown) is not small, and ``max_disparity`` compares it; where a gap of
        ``exact_gaps`` is not in ``gaps``, the criterion's verdict alone is published
        (``withheld``), and an attribute is not compared only when fewer than two of its
        groups can be.
    left_out : pandas.DataFrame, optional
        The groups that cannot be compared
        (:func:`~escalation.policy.groups.left_out_groups`), named in the
        ``max_disparity`` note.

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
    >>> judge_criteria(values, gaps, spec, rule="risk_cox", horizon=365,
    ...                attributes=["sex"])["verdict"].tolist()
    ['not met', 'inconclusive', 'inconclusive']
    """
    status = (
        registration.describe()
        if registration is not None
        else RegistrationCheck("not_registered", None, "").describe()
    )
    registered = registration is not None and registration.status == "registered"
    rows: list[dict[str, Any]] = []
    mine = _rows_of(values, rule, horizon)
    exact_rows = _rows_of(exact, rule, horizon) if exact is not None else mine.iloc[:0]
    for key, threshold in criteria.stated.items():
        row: dict[str, Any] = {
            "criterion": key,
            "rule": rule,
            "horizon": int(horizon),
            "threshold": threshold,
            "registration": "registered" if registered else _short(registration),
            "note": "" if registered else status,
            "groups": "",  # the largest gap's two groups (max_disparity)
            "withheld": False,
            "not_compared": "",
            "conf_level": np.nan,  # of the interval judged (none: not estimated)
        }
        if key == "max_disparity":
            metric = criteria.disparity_metric
            part = _gaps_of(gaps, rule, horizon, metric)
            behind = _gaps_of(exact_gaps, rule, horizon, metric) if exact_gaps is not None else None
            small = _gaps_of(left_out, rule, horizon, metric) if left_out is not None else None
            rows.append(_disparity_row(row, part, attributes, metric, behind, small))
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
        behind = exact_rows[exact_rows["estimand"] == _ESTIMAND[key]]
        hidden = behind[["conf_low", "conf_high"]].to_numpy(dtype=float)[:1].ravel()
        if not np.isfinite([low, high]).all() and np.isfinite(hidden).all() and len(hidden):
            # Withheld from the table for disclosure: judged on the exact interval, and
            # only the verdict published.
            rows.append(
                {**row, "estimate": np.nan, "conf_low": np.nan, "conf_high": np.nan,
                 "conf_level": _level(behind),
                 "verdict": judge(float(hidden[0]), float(hidden[1]), threshold,
                                  at_least=True),
                 "withheld": True,
                 "note": _join(row["note"], WITHHELD_NOTE)}
            )  # fmt: skip
            continue
        rows.append(
            {
                **row,
                "estimate": float(got["estimate"]),
                "conf_low": low,
                "conf_high": high,
                "conf_level": _level(found),
                "verdict": judge(low, high, threshold, at_least=True),
            }
        )
    return pd.DataFrame.from_records(rows, columns=list(CRITERIA_COLUMNS))


def _rows_of(values: pd.DataFrame, rule: str, horizon: int) -> pd.DataFrame:
    """Return the rows of ``rule`` at ``horizon`` of a table of values."""
    return values[(values["rule"] == rule) & (values["horizon"] == horizon)]


def _level(table: pd.DataFrame) -> float:
    """Return the level of the first interval of ``table`` (NaN: a table without one)."""
    if "conf_level" not in table or table.empty:
        return np.nan
    return float(table["conf_level"].iloc[0])


def _gaps_of(table: pd.DataFrame, rule: str, horizon: int, metric: str) -> pd.DataFrame:
    """Return the rows of ``rule`` at ``horizon`` for ``metric`` of a table of groups or gaps."""
    return table[
        (table["rule"] == rule) & (table["horizon"] == horizon) & (table["metric"] == metric)
    ]


def _disparity_row(
    row: dict[str, Any],
    part: pd.DataFrame,
    attributes: Sequence[str],
    metric: str,
    behind: pd.DataFrame | None = None,
    small: pd.DataFrame | None = None,
) -> dict[str, Any]:
    """Return the ``max_disparity`` row from the judged rule's gaps ``part``.

    Met only when every attribute has a gap and each is met; not met when a gap compared
    is wholly above the threshold; inconclusive otherwise, naming the attributes that
    could not be compared (fewer than two groups large enough to compare). ``behind``:
    the gaps of the groups that can be compared, of which the published ones (``part``)
    are a part; an attribute whose gap there is not published is judged on it, and the
    row publishes its verdict alone (``withheld``). ``small``: the groups left out, named
    in the note.
    """
    withheld = False
    if behind is not None:
        extra = behind[~behind["attribute"].isin(set(part["attribute"]))]
        if len(extra):
            part, withheld = pd.concat([part, extra], ignore_index=True), True
    compared = set(part["attribute"])
    missing = ", ".join(str(a) for a in dict.fromkeys(attributes) if a not in compared)
    row = {**row, "not_compared": missing}
    if small is not None and len(small):
        named = small.groupby("attribute", sort=False)["group"].agg(lambda g: ", ".join(g))
        groups = "; ".join(f"{a}: {g}" for a, g in named.items())
        row["note"] = _join(row["note"], f"groups too small to compare, left out: {groups}")
    left_out = f"not compared ({NOT_COMPARED_REASON}): {missing}"
    if part.empty:
        return {**row, "estimate": np.nan, "conf_low": np.nan, "conf_high": np.nan,
                "verdict": "inconclusive", "note": _join(row["note"], left_out)}  # fmt: skip
    threshold = float(row["threshold"])
    # The bounds of each attribute's largest gap over every pair of groups shown (a table
    # of gaps made without them: the interval of the pair furthest apart).
    low, high = ("largest_low", "largest_high") if "largest_high" in part else _PAIR
    verdicts = [
        judge(lo, hi, threshold, at_least=False)
        for lo, hi in zip(part[low], part[high], strict=True)
    ]
    worst = part.iloc[int(np.argmax(part["estimate"].to_numpy(dtype=float)))]
    groups = f"{worst['attribute']} ({worst['higher']} vs {worst['lower']})"
    verdict: Judgement = "inconclusive"
    if "not met" in verdicts:  # one attribute's gap too large fails the criterion
        verdict = "not met"
    elif not missing and all(v == "met" for v in verdicts):
        verdict = "met"
    note = _join(row["note"], f"largest gap in {metric}: {groups}")
    if missing:
        note = _join(note, left_out)
    row["conf_level"] = _level(part)
    if withheld:  # a gap of groups withheld beside small ones: the verdict alone
        return {**row, "estimate": np.nan, "conf_low": np.nan, "conf_high": np.nan,
                "verdict": verdict, "withheld": True, "groups": groups,
                "note": _join(note, WITHHELD_NOTE)}  # fmt: skip
    return {
        **row,
        "estimate": float(worst["estimate"]),
        "conf_low": float(worst[low]),
        "conf_high": float(worst[high]),
        "verdict": verdict,
        "note": note,
        "groups": groups,
    }


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
