"""Disclosure of observed risks in an effects table, and of the contrasts made from them."""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist
from typing import Any

import numpy as np
import pandas as pd

from escalation.disclosure._counts import DEFAULT_RULES, DisclosureRules, round_std_error
from escalation.disclosure._curves import observed_shares
from escalation.errors import DesignError
from escalation.survival._result import check_conf_level

#: The estimands of an arm's risk, and the arm (as :func:`spell_records` labels it).
_RISKS = {"risk_treated": "treated", "risk_untreated": "untreated"}
_VALUES = ("estimate", "std_error", "conf_low", "conf_high")


def disclose_observed_effects(
    effects: pd.DataFrame,
    records: pd.DataFrame,
    rules: DisclosureRules = DEFAULT_RULES,
    *,
    estimators: Sequence[str] = ("unadjusted",),
    conf_level: float | None = None,
) -> pd.DataFrame:
    """Publish the observed risks of an effects table, and their contrasts, from disclosed counts.

    An observed (Aalen–Johansen) risk is, before censoring, a share of the arm's spells:
    at full precision its value times the arm's size gives the exact number escalated
    back, and so does a contrast of two, since a risk difference and a risk ratio
    together give both risks (with the same at a second horizon, the escalations
    between the two, however few). So for the ``estimators`` rows, at each horizon:

    - ``risk_treated`` and ``risk_untreated`` are published as a run publishes its
      observed curves (:func:`~escalation.disclosure.disclose_curve_shares`, by the one
      rule of :func:`~escalation.disclosure._curves.observed_shares`): the expected
      count, disclosed, over the arm's spells, disclosed; the standard error carries no
      more than those; the Wald interval is recomputed around the value, within [0, 1];
    - ``risk_difference``, ``risk_ratio`` and ``log_risk_ratio`` are those of the risks
      as published, as a gap between groups is (``policy_disparities.csv``): their
      standard errors (the ratio's on the log scale) rounded to 2 significant figures
      (:func:`~escalation.disclosure.round_std_error`), their intervals and p-values
      recomputed around them. A contrast of a suppressed risk is suppressed, and so is
      one whose risks are not in the table.

    Other estimands (the restricted mean difference) and other estimators (model-based,
    standardised over every child) are left as they are, as in a run's ``effects.csv``.

    Parameters
    ----------
    effects : pandas.DataFrame
        ``estimator, horizon, estimand, estimate, std_error, conf_low, conf_high`` (and
        optionally ``p_value``, ``log_estimate``, ``log_std_error``, ``suppressed``), as
        :func:`~escalation.disclosure.disclose_effects` returns them.
    records : pandas.DataFrame
        :func:`~escalation.disclosure.spell_records` of the spells (the arm sizes).
    rules : DisclosureRules, optional
        Default: below 10 suppressed, others rounded to 5.
    estimators : sequence of str, default ("unadjusted",)
        The estimators whose risks are observed shares.
    conf_level : float, optional
        Level of the recomputed (Wald) intervals. By default the table's ``conf_level``
        column (0.95 without one); a level that differs from the column is refused, as
        the rows would be labelled with one level and computed at another.

    Returns
    -------
    pandas.DataFrame

    Raises
    ------
    DesignError
        When the level is not strictly between 0 and 1, the ``conf_level`` column holds
        more than one level, or ``conf_level`` differs from it.

    Examples
    --------
    >>> records = pd.DataFrame({"group": ["treated"] * 578 + ["untreated"] * 912})
    >>> effects = pd.DataFrame({"estimator": "unadjusted", "horizon": 365,
    ...     "estimand": ["risk_treated", "risk_untreated", "risk_difference"],
    ...     "estimate": [234 / 578, 301 / 912, 234 / 578 - 301 / 912],
    ...     "std_error": [0.0204, 0.0156, 0.0257], "conf_low": 0.0, "conf_high": 1.0})
    >>> out = disclose_observed_effects(effects, records)
    >>> out["estimate"].round(6).tolist()  # 235/580, 300/910 and their difference
    [0.405172, 0.32967, 0.075502]
    >>> out["std_error"].tolist()
    [0.02, 0.016, 0.026]
    """
    out = effects.copy()
    sizes = records["group"].astype(str).value_counts()
    observed = out["estimator"].astype(str).isin(list(estimators)).to_numpy()
    z = NormalDist().inv_cdf(0.5 + _interval_level(out[observed], conf_level) / 2)
    for _, part in out[observed].groupby(["estimator", "horizon"], sort=False):
        risks = {}
        for estimand, group in _RISKS.items():
            row = part.index[part["estimand"] == estimand]
            if len(row) != 1 or group not in sizes.index:
                continue
            shown, error = observed_shares(
                out.loc[row, "estimate"].to_numpy(dtype=float),
                out.loc[row, "std_error"].to_numpy(dtype=float),
                int(sizes[group]),
                rules,
            )
            _publish(out, row[0], shown[0], error[0], z, clip=True)
            risks[group] = shown[0]
        _contrasts(out, part, risks, z)
    return out


def _interval_level(rows: pd.DataFrame, conf_level: float | None) -> float:
    """Return the level of the recomputed intervals: the rows' ``conf_level``, checked."""
    if conf_level is not None:
        check_conf_level(conf_level)
    column = "conf_level"
    levels = sorted(set(rows[column].dropna().astype(float))) if column in rows else []
    if len(levels) > 1:
        raise DesignError(
            f"table effects, column {column!r}: the observed rows hold the levels "
            f"{levels}; give one level per table"
        )
    if conf_level is not None and levels and not math.isclose(conf_level, levels[0]):
        raise DesignError(
            f"conf_level = {conf_level!r}, but table effects, column {column!r}, holds "
            f"{levels[0]!r}: the intervals would be labelled with one level and computed at "
            f"the other; leave conf_level out or give {levels[0]!r}"
        )
    chosen = conf_level if conf_level is not None else levels[0] if levels else 0.95
    return check_conf_level(chosen)


def _contrasts(out: pd.DataFrame, part: pd.DataFrame, risks: dict[str, float], z: float) -> None:
    """Write the difference and ratios of the ``risks`` as published over their rows in ``out``."""
    treated, untreated = risks.get("treated", math.nan), risks.get("untreated", math.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.float64(treated) / np.float64(untreated)
    for index, row in part.iterrows():
        estimand = str(row["estimand"])
        exact_se = float(row["std_error"])
        if estimand == "risk_difference":
            _publish(out, index, treated - untreated, round_std_error(exact_se), z)
        elif estimand == "log_risk_ratio":
            _publish(out, index, float(np.log(ratio)), round_std_error(exact_se), z)
        elif estimand == "risk_ratio":
            exact = float(row["estimate"])
            log_se = round_std_error(
                float(row["log_std_error"]) if "log_std_error" in part else exact_se / exact
            )
            _publish_ratio(out, index, float(ratio), log_se, z)


def _publish(
    out: pd.DataFrame, index: Any, value: float, se: float, z: float, *, clip: bool = False
) -> None:
    """Write ``value`` with its standard error, Wald interval and p-value (or blank it)."""
    low, high = value - z * se, value + z * se
    if clip:
        low, high = max(low, 0.0), min(high, 1.0)
    _write(out, index, value, se, low, high, value / se if se > 0 else math.nan)


def _publish_ratio(out: pd.DataFrame, index: Any, ratio: float, log_se: float, z: float) -> None:
    """Write a ratio with its interval from the log scale (and its log columns, if any)."""
    log = math.log(ratio) if math.isfinite(ratio) and ratio > 0 else math.nan
    low, high = math.exp(log - z * log_se), math.exp(log + z * log_se)
    z_value = log / log_se if log_se > 0 else math.nan
    _write(out, index, ratio, round_std_error(ratio * log_se), low, high, z_value)
    if "log_estimate" in out.columns:
        out.loc[index, ["log_estimate", "log_std_error"]] = [log, log_se]


def _write(
    out: pd.DataFrame,
    index: Any,
    value: float,
    se: float,
    low: float,
    high: float,
    z_value: float,
) -> None:
    """Write one row's numbers; a value that is not finite is suppressed with them."""
    if not math.isfinite(value):
        out.loc[index, [c for c in (*_VALUES, "p_value") if c in out.columns]] = np.nan
        if "suppressed" in out.columns:
            out.loc[index, "suppressed"] = True
        return
    out.loc[index, list(_VALUES)] = [value, se, low, high]
    if "p_value" in out.columns and pd.notna(out.loc[index, "p_value"]):
        out.loc[index, "p_value"] = 2 * (1 - NormalDist().cdf(abs(z_value)))
