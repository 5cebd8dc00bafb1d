"""Disclosure of diagnostics (balance, weights, positivity) and record-level figure data."""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.core.smd import smd_categorical
from escalation.disclosure._counts import (
    DEFAULT_RULES,
    DisclosureRules,
    disclose_share,
    disclose_table,
)


def disclose_balance(
    balance: pd.DataFrame,
    matrix: pd.DataFrame,
    treatment: npt.ArrayLike,
    *,
    rules: DisclosureRules = DEFAULT_RULES,
    withheld: Collection[str] = (),
) -> pd.DataFrame:
    """Return the balance table with what it says of 0/1 covariates held to their counts.

    For a 0/1 covariate (an indicator) the standardised difference and variance ratio are
    functions of the counts with it in each arm. Published exactly beside arm sizes
    rounded to 5 they gave those counts back (an SMD of 0.092154 alone fitted 45 of 537
    against 51 of 850 and no other counts), undoing the rounding of Table 1. So, for an
    indicator:

    - the SMD before weighting is computed from its counts as disclosed, with the formula
      Table 1 prints (:func:`~escalation.core.smd.smd_categorical` of each arm's
      disclosed share, :func:`~escalation.disclosure.disclose_share`), signed treated
      minus untreated;
    - the variance ratio, before and after weighting, and the means by arm are withheld
      (missing): for a yes/no covariate the variance is fixed by the share, so the ratio
      tells nothing the SMD does not (``cobalt`` reports none), and with ATT weights the
      weighted treated arm is the unweighted one, whose exact variance and mean the
      weighted row would give back;
    - the SMD after weighting is kept: it is the difference of weighted shares, which
      depend on continuous propensity weights, over the pooled SD; one value with an
      unknown numerator fits any counts.

    Everything of an indicator is blanked (``suppressed = True``) when fewer than the
    threshold of children in either arm have, or lack, it; everything is blanked when an
    arm has fewer children than the threshold. Numeric covariates keep their values.

    Everything of the covariates in ``withheld`` is blanked too, before and after
    weighting: those whose counts Table 1 does not print (below the threshold or ``[c]``,
    :func:`~escalation.report.table_one.hidden_indicators`). Computed from disclosed
    counts, the SMD of a count Table 1 withholds as ``[c]`` gives it back (one count
    fits it against the other arm's printed one), and with it, by subtraction from the
    arm's n, the small count the ``[c]`` protects.

    Parameters
    ----------
    balance : pandas.DataFrame
        ``covariate``, ``smd`` (and ``sample``, ``variance_ratio``, the means by arm),
        e.g. ``EffectsResult.balance``; rows without ``sample`` are before weighting.
    matrix : pandas.DataFrame
        The coded covariates, one column per ``covariate``.
    treatment : array-like
        0/1 arm of each row of ``matrix``.
    rules : DisclosureRules, optional
        Default: below 10 suppressed, others rounded to 5.
    withheld : collection of str, optional
        Covariates blanked whatever their counts: those whose counts Table 1 hides.

    Examples
    --------
    >>> matrix = pd.DataFrame({"disability": [1] * 3 + [0] * 57, "age": range(60)})
    >>> arm = [1] * 30 + [0] * 30
    >>> table = pd.DataFrame({"covariate": ["disability", "age"], "smd": [0.4, 0.1]})
    >>> disclose_balance(table, matrix, arm)["smd"].tolist()
    [nan, 0.1]
    >>> matrix = pd.DataFrame({"disability": [1] * 12 + [0] * 18 + [1] * 18 + [0] * 12})
    >>> table = pd.DataFrame({"covariate": ["disability"], "smd": [-0.4]})
    >>> round(float(disclose_balance(table, matrix, arm)["smd"].iloc[0]), 4)  # 10 vs 20 of 30
    -0.7071
    >>> disclose_balance(table, matrix, arm, withheld=["disability"])["smd"].tolist()
    [nan]
    """
    a = np.asarray(treatment).astype(int)
    indicators = _indicators(matrix)
    unsafe = {c for c, x in indicators.items() if _rare_in_an_arm(x, a, rules)}
    unsafe |= {str(c) for c in withheld}
    if min((a == 0).sum(), (a == 1).sum()) < rules.threshold:
        unsafe = {str(c) for c in balance["covariate"]}
    out = balance.copy()
    for column in ("smd", "variance_ratio", "mean_treated", "mean_untreated"):
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    covariate = out["covariate"].astype(str)
    indicator = covariate.isin(list(indicators)).to_numpy()
    unweighted = (
        (out["sample"].astype(str) == "unweighted").to_numpy()
        if "sample" in out.columns
        else np.ones(len(out), dtype=bool)
    )
    disclosed = {c: _disclosed_smd(x, a, rules) for c, x in indicators.items()}
    replace = indicator & unweighted
    out.loc[replace, "smd"] = covariate[replace].map(disclosed)
    withheld = [c for c in ("variance_ratio", "mean_treated", "mean_untreated") if c in out]
    out.loc[indicator, withheld] = np.nan
    blank = covariate.isin(unsafe).to_numpy()
    for column in ("smd", "variance_ratio", "mean_treated", "mean_untreated"):
        if column in out.columns:
            out[column] = out[column].where(~blank)
    out["suppressed"] = blank
    return out


def _indicators(matrix: pd.DataFrame) -> dict[str, npt.NDArray[np.float64]]:
    """Return the 0/1 columns of the coded covariates (missing values aside) by name."""
    found: dict[str, npt.NDArray[np.float64]] = {}
    for column in matrix.columns:
        x = pd.to_numeric(matrix[column], errors="coerce").to_numpy(dtype=float)
        if np.isin(x[np.isfinite(x)], (0.0, 1.0)).all():
            found[str(column)] = x
    return found


def _rare_in_an_arm(
    x: npt.NDArray[np.float64], a: npt.NDArray[np.int_], rules: DisclosureRules
) -> bool:
    """Whether fewer than the threshold of children in an arm have, or lack, the indicator."""
    return any(
        min(int((x[a == arm] == 1).sum()), int((x[a == arm] == 0).sum())) < rules.threshold
        for arm in (0, 1)
    )


def _disclosed_smd(
    x: npt.NDArray[np.float64], a: npt.NDArray[np.int_], rules: DisclosureRules
) -> float:
    """Return the SMD (treated minus untreated) of an indicator from its disclosed counts.

    Each arm's share is its disclosed count with the indicator over its disclosed count
    with it recorded; NaN when one is suppressed.
    """
    shares = []
    for arm in (1, 0):
        values = x[(a == arm) & np.isfinite(x)]
        share = disclose_share(int((values == 1).sum()), len(values), rules)
        if share is None:
            return float("nan")
        shares.append(share)
    treated, untreated = shares
    size = smd_categorical([1 - treated, treated], [1 - untreated, untreated])
    return float(np.sign(treated - untreated) * size)


def disclose_weights(
    summary: pd.DataFrame, *, rules: DisclosureRules = DEFAULT_RULES
) -> pd.DataFrame:
    """Return a weight summary with counts disclosed and single-child values suppressed.

    ``n``, the effective sample size ``ess`` and the weight ``sum`` (which estimate
    numbers of children) are disclosed as counts; ``min`` and ``max`` (one child's
    weight) are suppressed; a percentile is shown only with at least the threshold of
    children beyond it; everything is blanked for a group under the threshold.

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["0", "1"], "n": [400, 3], "ess": [380.2, 2.9],
    ...     "sum": [800.0, 6.1], "mean": [2.0, 2.0], "min": [1.0, 1.5], "median": [1.8, 2.0],
    ...     "p99": [6.0, 2.6], "max": [9.0, 2.6]})
    >>> disclose_weights(table)[["n", "ess", "median", "p99", "max"]].values.tolist()
    [[400, 380, 1.8, nan, nan], [<NA>, <NA>, nan, nan, nan]]
    """
    out = summary.copy()
    n = pd.to_numeric(out["n"], errors="coerce").to_numpy(dtype=float)
    for column in ("ess", "sum"):
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").round()
    out = disclose_table(out, [c for c in ("n", "ess", "sum") if c in out.columns], rules=rules)
    small = n < rules.threshold
    for column in out.columns:
        if column in ("min", "max"):
            out[column] = np.nan
            continue
        match = re.fullmatch(r"p(\d{2})|median|mean", str(column))
        if match is None:
            continue
        q = 0.5 if column in ("median", "mean") else int(match.group(1)) / 100
        beyond = n * min(q, 1 - q)
        keep = ~small & ((column == "mean") | (beyond >= rules.threshold))
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float).where(keep)
    out["suppressed"] = out["suppressed"].to_numpy() | small
    return out


def disclose_positivity(
    table: pd.DataFrame, *, rules: DisclosureRules = DEFAULT_RULES
) -> pd.DataFrame:
    """Return the positivity table with its counts disclosed and small groups blanked.

    ``n_extreme`` (and by arm) are disclosed as counts; the means and differences of the
    extreme children are blanked where they are fewer than the threshold.

    Examples
    --------
    >>> table = pd.DataFrame({"covariate": ["age"], "n_extreme": [1],
    ...     "n_extreme_treated": [1], "n_extreme_untreated": [0], "mean_extreme": [16.2],
    ...     "mean_rest": [8.1], "smd": [2.1]})
    >>> disclose_positivity(table)[["n_extreme", "mean_extreme"]].values.tolist()
    [[<NA>, nan]]
    """
    counts = [c for c in table.columns if str(c).startswith("n_")]
    raw = pd.to_numeric(table["n_extreme"], errors="coerce") if "n_extreme" in table else None
    out = disclose_table(table, counts, rules=rules)
    if raw is not None:
        small = (raw < rules.threshold).to_numpy()
        for column in ("mean_extreme", "mean_rest", "smd"):
            if column in out.columns:
                out[column] = (
                    pd.to_numeric(out[column], errors="coerce").astype(float).where(~small)
                )
    return out


def microaggregate(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    by: Sequence[str] = (),
    order: str | None = None,
    rules: DisclosureRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Replace record-level values by means over groups of at least the threshold of rows.

    Within each ``by`` group the rows are sorted by ``order`` (default: the first of
    ``columns``) and cut into consecutive blocks of ``threshold`` rows (the last block
    takes the remainder); every value in ``columns`` becomes its block's mean. A figure of
    the result (histogram, scatter, smooth) then shows no point or bar standing for fewer
    than the threshold of children (Defays & Nanopoulos, 1993, microaggregation). Groups
    with fewer rows than the threshold are dropped.

    Examples
    --------
    >>> frame = pd.DataFrame({"score": [0.1, 0.2, 0.3, 0.4, 0.9], "arm": [0, 0, 0, 0, 1]})
    >>> out = microaggregate(frame, ["score"], by=["arm"], rules=DisclosureRules(threshold=2))
    >>> out["score"].round(2).tolist()
    [0.15, 0.15, 0.35, 0.35]
    """
    k = rules.threshold
    parts = []
    groups = frame.groupby(list(by), sort=False, dropna=False) if by else [((), frame)]
    for _, part in groups:
        if len(part) < k:
            continue
        sort_by = order if order is not None else columns[0]
        part = part.sort_values(sort_by, kind="stable").copy()
        blocks = np.minimum(np.arange(len(part)) // k, len(part) // k - 1)
        for column in columns:
            means = part.groupby(blocks)[column].transform("mean")
            part[column] = means.to_numpy()
        parts.append(part)
    if not parts:
        return frame.iloc[0:0].copy()
    return pd.concat(parts).sort_index()
