"""Disclosure of diagnostics (balance, weights, positivity) and record-level figure data."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.disclosure._counts import DEFAULT_RULES, DisclosureRules, disclose_table


def disclose_balance(
    balance: pd.DataFrame,
    matrix: pd.DataFrame,
    treatment: npt.ArrayLike,
    *,
    rules: DisclosureRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Blank the balance of indicator covariates held by too few children in an arm.

    For a 0/1 covariate the standardised difference and variance ratio give back the
    share of each arm with it; they (and the arms' means) are blanked
    (``suppressed = True``) when fewer than the threshold of children in either arm have,
    or lack, the level. Everything is blanked when an arm has fewer children than the
    threshold.

    Parameters
    ----------
    balance : pandas.DataFrame
        ``covariate``, ``smd`` (and ``variance_ratio``), e.g. ``EffectsResult.balance``.
    matrix : pandas.DataFrame
        The coded covariates, one column per ``covariate``.
    treatment : array-like
        0/1 arm of each row of ``matrix``.

    Examples
    --------
    >>> matrix = pd.DataFrame({"disability": [1] * 3 + [0] * 57, "age": range(60)})
    >>> arm = [1] * 30 + [0] * 30
    >>> table = pd.DataFrame({"covariate": ["disability", "age"], "smd": [0.4, 0.1]})
    >>> disclose_balance(table, matrix, arm)["smd"].tolist()
    [nan, 0.1]
    """
    a = np.asarray(treatment).astype(int)
    unsafe: set[str] = set()
    if min((a == 0).sum(), (a == 1).sum()) < rules.threshold:
        unsafe = {str(c) for c in balance["covariate"]}
    for column in matrix.columns:
        x = pd.to_numeric(matrix[column], errors="coerce").to_numpy(dtype=float)
        if not np.isin(x[np.isfinite(x)], (0.0, 1.0)).all():
            continue
        for arm in (0, 1):
            ones = int((x[a == arm] == 1).sum())
            zeros = int((x[a == arm] == 0).sum())
            if min(ones, zeros) < rules.threshold:
                unsafe.add(str(column))
    out = balance.copy()
    blank = out["covariate"].astype(str).isin(unsafe).to_numpy()
    for column in ("smd", "variance_ratio", "mean_treated", "mean_untreated"):
        if column in out.columns:
            out[column] = pd.to_numeric(out[column], errors="coerce").astype(float).where(~blank)
    out["suppressed"] = blank
    return out


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
