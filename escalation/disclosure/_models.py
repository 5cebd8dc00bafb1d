"""Disclosure of model outputs: metrics, operating points, model tables and cards."""

from __future__ import annotations

import dataclasses
import functools
import math
import re
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._decimals import signed_text
from escalation.disclosure._counts import (
    DEFAULT_RULES,
    DisclosureRules,
    complementary_suppression,
    disclose_count,
    disclose_expected,
    disclose_share,
    disclose_table,
    format_count,
)
from escalation.errors import DataValidationError, Problem

if TYPE_CHECKING:
    from escalation.predict.modelcard import ModelCard


def disclose_metric_counts(
    frame: pd.DataFrame, rules: DisclosureRules = DEFAULT_RULES
) -> pd.DataFrame:
    """Return a metrics table with ``n`` and the count metrics under disclosure control.

    The ``n`` column and rows whose ``metric`` is a count (``n``, ``events``) are
    disclosed as :func:`disclose_count` does (below 10 missing, others rounded to 5);
    count rows lose their intervals. Proportions at an operating point are first checked
    by :func:`disclose_operating_metrics`; rank metrics (AUC, C-index, average
    precision, :data:`RANK_METRICS`) are rounded as their escalations and
    non-escalations allow (:func:`disclose_rank_metric`); the observed risk is a share of
    disclosed counts, and its difference from and ratio to the mean predicted risk are
    made from it (:func:`_disclose_observed_risks`). Each model's (or group's) counts
    are its ``n`` (column or row) and ``events`` row. A ``suppressed`` column (added
    when the table has none) is true on every row blanked here, so that a blank value is
    told from one that was not computed.

    In a table of groups (``attribute`` and ``group`` columns) a group suppressed as
    computed (``suppressed`` true on arrival: too few spells or escalations) has its
    ``n`` withheld, its exact size counting towards the threshold of its complements.
    The groups of an attribute add up to the test set, whose children and escalations
    are published: where one group of a model's attribute is suppressed, or suppressed
    groups add up to less than the threshold, the smallest other is suppressed too
    (:func:`_complement_groups`), or its children and escalations would follow by
    subtraction; it keeps its rank metrics, to :func:`withheld_rank_decimals` decimals.
    Likewise for the rates at an operating point, whose counts (the children flagged who
    escalated, missed, flagged who did not, and neither) add up to the test set's: where
    exactly one group of a model's attribute has them blanked, the smallest other group
    has them blanked too (:func:`_complement_operating`), its size and escalations shown.

    Examples
    --------
    >>> table = pd.DataFrame({"metric": ["events", "auc"], "n": [123, 123],
    ...                       "estimate": [7.0, 0.71], "conf_low": [None, 0.65]})
    >>> disclose_metric_counts(table)[["n", "estimate", "suppressed"]].values.tolist()
    [[125, None, True], [125, nan, True]]
    >>> table["estimate"] = [17.0, 65 / 88]  # an AUC of 17 escalations, 106 without
    >>> disclose_metric_counts(table)[["n", "estimate", "suppressed"]].values.tolist()
    [[125, 15, False], [125, 0.739, False]]
    """
    out = _disclose_observed_risks(
        _disclose_rank_metrics(disclose_operating_metrics(frame, rules), rules), rules
    )
    if "n" in out.columns:
        was = out["suppressed"].astype(bool) if "suppressed" in out.columns else None
        sizes = pd.to_numeric(out["n"], errors="coerce").to_numpy(dtype=float)
        # A group suppressed as computed (too few spells or escalations) keeps its exact
        # n there: withheld here, it counts at that size towards its complements.
        grouped = {"attribute", "group", "suppressed"} <= set(frame.columns)
        withheld = frame["suppressed"].astype(bool).to_numpy() if grouped else None
        out = disclose_table(out, ["n"], rules=rules, withheld=withheld)
        out = out.drop(columns="suppressed")
        if was is not None:
            out["suppressed"] = was.to_numpy() | out["n"].isna().to_numpy()
        out = _complement_groups(out, sizes, frame, rules)
        out = _complement_operating(out, sizes, rules.threshold)
    if "suppressed" not in out.columns:  # blank values are told from values not computed
        out["suppressed"] = False
    out["suppressed"] = out["suppressed"].astype(bool)
    counts = out["metric"].isin(["n", "events"])
    if counts.any():
        disclosed = [disclose_count(v, rules) for v in out.loc[counts, "estimate"]]
        out["estimate"] = out["estimate"].astype(object)
        out.loc[counts, "estimate"] = disclosed
        raw = pd.to_numeric(frame.loc[counts.to_numpy(), "estimate"], errors="coerce")
        hidden = np.array([v is None for v in disclosed]) & raw.notna().to_numpy()
        out.loc[out.index[counts.to_numpy()][hidden], "suppressed"] = True
        for column in ("conf_low", "conf_high"):
            if column in out.columns:
                out[column] = out[column].astype(object)
                out.loc[counts, column] = None
    return out


def _complement_groups(
    out: pd.DataFrame, raw: npt.NDArray[np.float64], frame: pd.DataFrame, rules: DisclosureRules
) -> pd.DataFrame:
    """Suppress a second group where one group of an attribute is suppressed alone.

    Complementary suppression (:func:`~escalation.disclosure.complementary_suppression`)
    within each ``model`` (and ``feature_set``), ``attribute`` and ``metric``: a group
    is suppressed when its ``n`` is missing (below the threshold, or blanked when the
    metrics were computed), and the smallest other group of a partition holding exactly
    one is suppressed with its ``n``, escalations and every metric made from counts (the
    rates of a group whose counts are withheld would narrow them). Its rank metrics are
    kept (:func:`_complement_rank_metrics`): they say nothing about its counts.

    Parameters
    ----------
    out : pandas.DataFrame
        The metrics table with ``n`` disclosed and a ``suppressed`` column.
    raw : numpy.ndarray
        ``n`` before disclosure (NaN where the metrics left it missing).
    frame : pandas.DataFrame
        The metrics table as computed (exact), row for row as ``out``.
    rules : DisclosureRules
        The rules ``out`` was disclosed with.

    Examples
    --------
    >>> table = pd.DataFrame({"model": "cox", "attribute": "sex", "metric": "events",
    ...     "group": ["F", "M", "U"], "n": [1050, 1195, pd.NA], "estimate": [80, 105, None],
    ...     "suppressed": [False, False, True]})
    >>> raw = np.array([1050.0, 1195.0, np.nan])
    >>> _complement_groups(table, raw, table, DEFAULT_RULES)["suppressed"].tolist()
    [True, False, True]
    """
    if not {"attribute", "group", "metric"} <= set(out.columns):
        return out
    keys = [c for c in ("model", "feature_set", "attribute", "metric") if c in out.columns]
    labels = out.groupby(keys, sort=False, dropna=False).ngroup().to_numpy()
    hidden = out["n"].isna().to_numpy()
    added = complementary_suppression(raw, hidden, [labels], rules.threshold) & ~hidden
    if not added.any():
        return out
    out = out.copy()
    out.loc[added, "n"] = pd.NA
    blank_statistics(out, added)
    was = out["suppressed"].astype(bool).to_numpy() if "suppressed" in out.columns else False
    out["suppressed"] = was | added
    return _complement_rank_metrics(out, frame, added, rules)


def _complement_operating(
    out: pd.DataFrame, raw: npt.NDArray[np.float64], threshold: int = 10
) -> pd.DataFrame:
    """Blank a second group's operating-point rates where one group's are blanked alone.

    A group's rates at an operating point (``recall``, ``precision``, ``fnr``, ``fpr`` and
    their ``_gap`` rows at one ``_top<k>``) are blanked together when one of its four
    counts is below the threshold (:func:`disclose_operating_metrics`), its ``n`` and
    escalations still shown. The groups' counts add up to the test set's, published with
    its rates (``prediction_metrics.csv``; a shown group's rate minus its gap gives them
    too), so a group blanked alone would come back by subtraction from the others'. So,
    within each ``model`` (and ``feature_set``), ``attribute`` and operating point, where
    exactly one group has them blanked (or missing), the smallest other group (by ``n``)
    has them blanked too (:func:`~escalation.disclosure.complementary_suppression`),
    marked ``suppressed``; its other rows are left as they are.

    Parameters
    ----------
    out : pandas.DataFrame
        The metrics table, disclosed, with a ``suppressed`` column.
    raw : numpy.ndarray
        Each row's ``n`` before disclosure (NaN: never chosen).
    threshold : int, default 10
        The rules' threshold (what the blanked groups' sizes must reach together).

    Examples
    --------
    >>> table = pd.DataFrame({"model": "cox", "attribute": "disability",
    ...     "group": ["no", "no", "yes", "yes"], "n": [2125, 2125, 140, 140],
    ...     "metric": ["events", "recall_top10"] * 2, "estimate": [175, 0.23, 15, None],
    ...     "suppressed": [False, False, False, True]})
    >>> raw = np.array([2123.0, 2123.0, 142.0, 142.0])
    >>> _complement_operating(table, raw)["suppressed"].tolist()
    [False, True, False, True]
    """
    if not {"attribute", "group", "metric"} <= set(out.columns):
        return out
    point = out["metric"].astype(str).str.extract(_OPERATING)[2]
    rows = np.flatnonzero(point.notna().to_numpy())
    if not len(rows):
        return out
    outer = [c for c in ("model", "feature_set", "attribute") if c in out.columns]
    keyed = out.iloc[rows][[*outer, "group"]].assign(_point=point.iloc[rows].to_numpy())
    cell = keyed.groupby([*outer, "group", "_point"], sort=False, dropna=False).ngroup()
    part = keyed.groupby([*outer, "_point"], sort=False, dropna=False).ngroup()
    cells = cell.to_numpy()
    blank = (
        out["suppressed"].astype(bool).to_numpy()[rows]
        | (pd.to_numeric(out["estimate"], errors="coerce").isna().to_numpy()[rows])
    )
    hidden = np.zeros(cells.max() + 1, dtype=bool)
    np.logical_or.at(hidden, cells, blank)
    sizes = np.full(len(hidden), np.nan)
    np.fmax.at(sizes, cells, raw[rows])
    labels = np.zeros(len(hidden), dtype=np.int64)
    labels[cells] = part.to_numpy()
    added = complementary_suppression(sizes, hidden, [labels], threshold) & ~hidden
    if not added.any():
        return out
    out = out.copy()
    blanked = np.zeros(len(out), dtype=bool)
    blanked[rows] = added[cells]
    blank_statistics(out, blanked)
    out["suppressed"] = out["suppressed"].astype(bool).to_numpy() | blanked
    return out


def withheld_beside(
    disclosed: pd.DataFrame, exact: pd.DataFrame, rules: DisclosureRules = DEFAULT_RULES
) -> npt.NDArray[np.bool_]:
    """Return whether each row's group was withheld only beside a small one.

    A group of a disclosed metrics table (:func:`disclose_metric_counts`) whose ``n`` is
    withheld although its exact ``n`` reaches the threshold (and it was not suppressed
    as computed, with too few spells or escalations) was withheld by complementary
    suppression (:func:`_complement_groups`): as the smallest other group beside a small
    one, so that their counts cannot be worked out by subtraction, not as small itself.
    So were the rates at an operating point that are blanked although the group's own
    counts would show them (:func:`disclose_operating_metrics` of ``exact``): withheld
    beside a group whose rates are blanked alone (:func:`_complement_operating`); the
    group's other rows are not marked.

    Parameters
    ----------
    disclosed : pandas.DataFrame
        The disclosed table, with an ``n`` column.
    exact : pandas.DataFrame
        The table as computed, row for row as ``disclosed``.
    rules : DisclosureRules, optional
        The rules ``disclosed`` was disclosed with.

    Returns
    -------
    numpy.ndarray of bool
        One per row of ``disclosed``.

    Examples
    --------
    >>> exact = pd.DataFrame({"model": "cox", "attribute": "sex", "metric": "events",
    ...     "group": ["F", "M", "U"], "n": [1050, 1195, 8], "estimate": [80.0, 105.0, 2.0]})
    >>> withheld_beside(disclose_metric_counts(exact), exact).tolist()
    [True, False, False]
    >>> exact = pd.DataFrame({"model": "cox", "attribute": "disability",
    ...     "group": ["no"] * 3 + ["yes"] * 3, "n": [2123] * 3 + [142] * 3,
    ...     "metric": ["events", "recall_top10", "precision_top10"] * 2,
    ...     "estimate": [176, 41 / 176, 41 / 203, 14, 2 / 14, 2 / 12]})
    >>> withheld_beside(disclose_metric_counts(exact), exact).tolist()  # "yes": 2 flagged
    [False, True, True, False, False, False]
    """
    shown = pd.to_numeric(disclosed["n"], errors="coerce").to_numpy(dtype=float)
    counted = pd.to_numeric(exact["n"], errors="coerce").to_numpy(dtype=float)
    sized = np.isnan(shown) & (counted >= rules.threshold)
    if "suppressed" in exact.columns:  # a group suppressed as computed keeps its exact n
        sized &= ~exact["suppressed"].astype(bool).to_numpy()
    own = disclose_operating_metrics(exact, rules)
    rates = own["metric"].astype(str).str.match(_OPERATING.pattern).to_numpy()
    if "suppressed" in own.columns:  # absent: no rates at an operating point
        rates &= ~own["suppressed"].astype(bool).to_numpy()
    blank = disclosed["suppressed"].astype(bool).to_numpy() | (
        pd.to_numeric(disclosed["estimate"], errors="coerce").isna().to_numpy()
    )
    return np.asarray(sized | (rates & blank), dtype=bool)


def withheld_rank_decimals(rules: DisclosureRules = DEFAULT_RULES) -> int:
    """Return the decimals of a rank metric shown beside withheld counts.

    A group suppressed as the complement of another (:func:`disclose_metric_counts`)
    publishes neither its escalations nor its children, so its rank metrics' decimals
    cannot be chosen from published counts (:func:`rank_decimals`) without telling
    something about them. A reader knows only that both counts reach the threshold (a
    rank metric is not shown otherwise), so the decimals are those that hide every such
    pair: 2 under a threshold of 10 (every product at least 100), whatever the counts.

    Examples
    --------
    >>> withheld_rank_decimals(), withheld_rank_decimals(DisclosureRules(threshold=5))
    (2, 1)
    """
    t = rules.threshold
    decimals = _decimals_of([(t, t)])
    assert decimals is not None
    return decimals


def _complement_rank_metrics(
    out: pd.DataFrame, frame: pd.DataFrame, added: npt.NDArray[np.bool_], rules: DisclosureRules
) -> pd.DataFrame:
    """Show the rank metrics of groups suppressed as a complement, to fixed decimals.

    Each rank metric (and interval end) of an ``added`` row is the exact value of
    ``frame`` rounded to :func:`withheld_rank_decimals`, where the group's exact
    escalations and non-escalations both reach the threshold; otherwise it stays blank.
    Its ``std_error`` and ``p_value`` stay blank, and so does its ``n``.
    """
    ranked = frame["metric"].astype(str).isin(RANK_METRICS).to_numpy() & added
    if not ranked.any():
        return out
    safe = np.zeros(len(frame), dtype=bool)
    for _, rows, _, _, n, events in _metric_groups(frame, _group_keys(frame)):
        safe[rows] = bool(events >= rules.threshold and n - events >= rules.threshold)
    kept = ranked & safe
    decimals = withheld_rank_decimals(rules)
    for column in (c for c in ("estimate", "conf_low", "conf_high") if c in out.columns):
        exact = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        out.loc[kept, column] = [_round_rank(v, decimals) for v in exact[kept]]
    computed = ~frame["suppressed"].astype(bool).to_numpy() if "suppressed" in frame else True
    out.loc[kept & computed, "suppressed"] = False
    return out


def _round_rank(value: float, decimals: int) -> float:
    """Return a rank metric rounded to ``decimals`` (NaN stays NaN)."""
    return round(float(value), decimals) if math.isfinite(float(value)) else math.nan


_OPERATING: Final = re.compile(r"^(precision|recall|fnr|fpr)(_gap)?_top(\d+)$")
#: The statistics of a row, blanked with it (``std_error_mc``: the Monte Carlo error of a
#: bootstrap standard error, about ``std_error / sqrt(2 (B - 1))``, gives it back).
STAT_COLUMNS: Final = (
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "p_value",
    "std_error_mc",
)
#: How many bootstrap draws a row's interval left out (a metrics table's column), blanked
#: with the row's statistics (:func:`blank_statistics`): it says in how many draws the
#: group was not drawn, or had no escalation, which a blanked group's counts would follow.
LEFT_OUT: Final = "draws_left_out"


def blank_statistics(out: pd.DataFrame, blank: npt.NDArray[np.bool_]) -> pd.DataFrame:
    """Blank the statistics of the rows ``blank`` (in place; ``out`` returned).

    The :data:`STAT_COLUMNS` (as floats, NaN) and the count of draws left out
    (:data:`LEFT_OUT`, an integer column, ``<NA>``): the one rule for a row whose
    values are withheld.

    Examples
    --------
    >>> table = pd.DataFrame({"estimate": [0.4, 0.5], "conf_low": [0.3, 0.4],
    ...                       "draws_left_out": pd.array([2, 7], dtype="Int64")})
    >>> blank_statistics(table, np.array([False, True])).values.tolist()
    [[0.4, 0.3, 2], [nan, nan, <NA>]]
    """
    for column in (c for c in STAT_COLUMNS if c in out.columns):
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float).where(~blank)
    if LEFT_OUT in out.columns:
        out[LEFT_OUT] = out[LEFT_OUT].astype("Int64")
        out.loc[blank, LEFT_OUT] = pd.NA
    return out


def disclose_operating_metrics(
    frame: pd.DataFrame, rules: DisclosureRules = DEFAULT_RULES
) -> pd.DataFrame:
    """Blank recall, precision and error rates whose counts fall below the threshold.

    At an operating point ("flag the riskiest 10%"), recall is TP / escalations,
    precision TP / flagged, the false-negative rate FN / escalations and the
    false-positive rate FP / non-escalations; each reveals its counts. For every
    ``model`` (and ``attribute``, ``group`` when present) the counts are recovered from
    the table's own ``n`` and ``events`` rows with the recall and precision, and every
    operating metric (gaps included) is blanked unless TP, FN, FP and TN all reach the
    threshold.

    The metrics shown are then computed from the disclosed counts
    (:func:`disclose_share`): at full precision a rate gives back its counts (a
    false-positive rate of 158/1885 names the test children without escalation). A
    censoring-weighted rate counts its expected number, the rate times the children it is
    a share of: escalations for recall and the false-negative rate, children without an
    escalation seen for the false-positive rate, children flagged for precision. A gap
    (a group's rate minus the whole test set's) is the difference of the two rates so
    computed, the whole test set's counts being the sums over the attribute's groups.
    Intervals are left as estimated. Blanked rows read ``suppressed = True`` (the column
    is added when the table has none).

    Examples
    --------
    >>> table = pd.DataFrame({"model": "cox", "metric": ["events", "recall_top10",
    ...     "precision_top10"], "n": [400, 400, 400], "estimate": [40.0, 0.1, 0.1]})
    >>> disclose_operating_metrics(table)["estimate"].tolist()  # TP = 4: blanked
    [40.0, nan, nan]
    >>> table["estimate"] = [42.0, 23 / 42, 23 / 41]  # TP 23 of 42 escalations, 41 flagged
    >>> disclose_operating_metrics(table)["estimate"].round(4).tolist()  # 25/40, 25/40
    [42.0, 0.625, 0.625]
    """
    if "metric" not in frame.columns or "estimate" not in frame.columns:
        return frame.copy()
    out = frame.copy()
    keys = _group_keys(out)
    metric = out["metric"].astype(str)
    operating = metric.str.match(_OPERATING.pattern).to_numpy()
    if not operating.any():
        return out
    stats = [c for c in STAT_COLUMNS if c in out.columns]
    for column in stats:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float)
    blank = np.zeros(len(out), dtype=bool)
    shares = out["estimate"].to_numpy(dtype=float).copy()
    totals = _whole_sample_counts(out, keys)
    for key, rows, names, values, n, events in _metric_groups(out, keys):
        whole = totals.get(_outer_key(key, keys), (np.nan, np.nan))
        for suffix in {m.group(3) for m in map(_OPERATING.match, names) if m}:
            recall = float(values.get(f"recall_top{suffix}", np.nan))
            precision = float(values.get(f"precision_top{suffix}", np.nan))
            tp = recall * events
            flagged = tp / precision if precision > 0 else np.nan
            counts = np.array([tp, events - tp, flagged - tp, n - events - (flagged - tp)])
            safe = bool(np.all(np.isfinite(counts)) and np.all(np.round(counts) >= rules.threshold))
            hit = np.char.endswith(names.astype(str), f"_top{suffix}") & operating[rows]
            if not safe:
                blank[rows[hit]] = True
                continue
            bases = {"recall": events, "fnr": events, "fpr": n - events, "precision": flagged}
            for j in np.flatnonzero(hit):
                match = _OPERATING.match(names[j])
                assert match is not None
                rate, gap = match.group(1), bool(match.group(2))
                value = float(shares[rows[j]])
                own = values.get(f"{rate}_top{suffix}", np.nan) if gap else value
                if rate == "fnr" and not np.isfinite(float(own)):
                    own = 1 - recall  # the false-negative rate is 1 - recall
                base = bases[rate]
                mine = disclose_share(float(own) * base, base, rules)
                if gap:
                    overall = float(own) - value
                    other = whole[0] - whole[1] if rate == "fpr" else whole[1]
                    theirs = disclose_share(overall * other, other, rules)
                    disclosed = None if mine is None or theirs is None else mine - theirs
                else:
                    disclosed = mine
                blank[rows[j]] |= disclosed is None
                shares[rows[j]] = np.nan if disclosed is None else disclosed
    out["estimate"] = np.where(operating & ~blank, shares, out["estimate"].to_numpy(dtype=float))
    blank_statistics(out, blank)
    was = out["suppressed"].astype(bool).to_numpy() if "suppressed" in out.columns else False
    out["suppressed"] = was | blank
    return out


#: The columns that tell one model's (or one group's) metrics from another's.
_GROUP_COLUMNS: Final = ("model", "attribute", "group", "feature_set")

_MetricGroup = tuple[
    object, npt.NDArray[np.int64], npt.NDArray[np.object_], dict[str, float], float, float
]


def _group_keys(frame: pd.DataFrame) -> list[str]:
    """Return the columns of ``frame`` that tell its models' (or groups') metrics apart."""
    return [c for c in _GROUP_COLUMNS if c in frame.columns]


def _metric_groups(frame: pd.DataFrame, keys: list[str]) -> Iterator[_MetricGroup]:
    """Yield each model's (or group's) metrics with the counts they rest on.

    For every group of rows sharing ``keys``: its key, its row positions, its metric
    names, its estimates by metric name, its children (the ``n`` column, or the ``n``
    row where the table has no such column) and its escalations (the ``events`` row),
    exact as the metrics were computed (NaN when the table does not give them).
    """
    grouped = (
        frame.groupby(keys, sort=False, dropna=False).indices
        if keys
        else {0: np.arange(len(frame))}
    )
    for key, members in grouped.items():
        rows = np.asarray(members, dtype=np.int64)
        part = frame.iloc[rows]
        names = part["metric"].astype(str).to_numpy()
        values = {
            str(name): float(value)
            for name, value in zip(
                names, pd.to_numeric(part["estimate"], errors="coerce"), strict=True
            )
        }
        n = (
            float(pd.to_numeric(part["n"], errors="coerce").astype("float64").max())
            if "n" in part
            else values.get("n", np.nan)
        )
        yield key, rows, names, values, n, values.get("events", np.nan)


#: Metrics that rank children who escalated above those who did not: the AUC and the
#: concordance indices (a share of the pairs of one escalation and one non-escalation
#: ranked rightly), the paired difference of two AUCs on the same children, and the
#: average precision (a mean of precisions at the ranks of the escalations).
RANK_METRICS: Final = frozenset(
    {"auc", "auc_difference", "harrell_c", "uno_c", "average_precision"}
)
#: A rank metric is shown to 3 decimals when every pair of counts the published ones allow
#: has its larger count at least this (and so, both being at least 10, a product of at
#: least 1,000), else to 2.
_MANY: Final = 100


def _published_as(shown: int, rules: DisclosureRules) -> list[int]:
    """Return every count :func:`disclose_count` publishes as ``shown``."""
    low = max(0, shown - rules.rounding)
    return [v for v in range(low, shown + rules.rounding + 1) if disclose_count(v, rules) == shown]


def _candidate_counts(
    events: float, non_events: float, rules: DisclosureRules
) -> list[tuple[int, int]]:
    """Return every (escalations, non-escalations) the published counts allow.

    What is published is the escalations and the children, each disclosed
    (:func:`disclose_count`); a reader also knows that both counts reach the threshold
    (a rank metric is not shown otherwise). Empty when either is suppressed.
    """
    shown = disclose_count(events, rules)
    total = disclose_count(events + non_events, rules)
    if shown is None or total is None or non_events < rules.threshold:
        return []
    return _published_candidates(shown, total, rules)


def _published_candidates(
    events: int, children: int, rules: DisclosureRules
) -> list[tuple[int, int]]:
    """Return every (escalations, non-escalations) that published counts stand for."""
    return [
        (e, n - e)
        for e in _published_as(events, rules)
        for n in _published_as(children, rules)
        if n - e >= rules.threshold
    ]


def _decimals_of(pairs: Sequence[tuple[int, int]]) -> int | None:
    """Return the decimals that hide every one of ``pairs`` (``None``: no pair)."""
    if not pairs:
        return None
    if all(max(e, m) >= _MANY and e * m >= 10 * _MANY for e, m in pairs):
        return 3
    return 2 if all(e * m >= _MANY for e, m in pairs) else 1


@functools.lru_cache(maxsize=4096)  # a table asks once per value and interval end
def _rank_decimals(
    events: float, non_events: float, rules: DisclosureRules = DEFAULT_RULES
) -> int | None:
    """Return the decimals a rank metric of ``events`` and ``non_events`` is shown to.

    3 when the larger of the escalations and non-escalations is at least 100, else 2;
    ``None`` (not shown) when either count is below the threshold. "At least 100" must
    hold for every pair of counts the published ones allow (:func:`_candidate_counts`),
    so that the number of decimals says nothing the published counts do not (an exact
    99 is published as 100 too), and with 3 decimals the product of every such pair is
    at least 1,000, with 2 at least 100 (true whenever the threshold is 10 or more; with
    a lower threshold, 1 decimal where a product could fall below 100).

    Examples
    --------
    >>> _rank_decimals(22, 66), _rank_decimals(22, 166), _rank_decimals(8, 166)
    (2, 3, None)
    >>> _rank_decimals(12, 101), _rank_decimals(12, 99)  # 99: published as 100 (98 to 102)
    (3, 2)
    """
    return _decimals_of(_candidate_counts(events, non_events, rules))


def rank_decimals(
    events: float | None, n: float | None, rules: DisclosureRules = DEFAULT_RULES
) -> int | None:
    """Return the decimals a model's (or group's) rank metrics were rounded to.

    The decimals depend on the published counts alone (:func:`disclose_rank_metric`), so
    they are read back from a disclosed table's ``events`` and ``n`` (exact counts give
    the same). A display shows a rank metric with them (:func:`format_rank_metric`): a
    value rounded to 2 decimals printed with 3 ("0.740") claims a precision it lacks.

    Parameters
    ----------
    events, n : float or None
        The escalations and children, exact or as published.
    rules : DisclosureRules, optional
        Default: below 10 suppressed, others rounded to 5.

    Returns
    -------
    int or None
        2 or 3 (1 under a threshold below 10); ``None`` when a count is missing or below
        the threshold (no rank metric is then shown).

    Examples
    --------
    >>> rank_decimals(20, 90), rank_decimals(22, 88), rank_decimals(20, 185)
    (2, 2, 3)
    >>> rank_decimals(None, 90), rank_decimals(float("nan"), 90)
    (None, None)
    """
    shown = disclose_expected(events, rules)
    total = disclose_expected(n, rules)
    if shown is None or total is None:
        return None
    return _decimals_of(_published_candidates(shown, total, rules))


def format_rank_metric(value: float | None, decimals: int | None = None) -> str:
    """Return a rank metric as text, with the decimals it was rounded to.

    Parameters
    ----------
    value : float or None
        The metric (``None`` or NaN: not shown, ``""``).
    decimals : int or None
        As :func:`rank_decimals` gives them; ``None`` for an exact value (3 decimals).

    Examples
    --------
    >>> format_rank_metric(0.74, 2), format_rank_metric(0.7386), format_rank_metric(0.7, 2)
    ('0.74', '0.739', '0.70')
    >>> format_rank_metric(-0.0004), format_rank_metric(float("nan"), 2)  # never "-0.000"
    ('0.000', '')
    """
    number = math.nan if value is None else float(value)
    if math.isnan(number):
        return ""
    return signed_text(number, 3 if decimals is None else decimals)


def disclose_rank_metric(
    value: float, events: float, non_events: float, rules: DisclosureRules = DEFAULT_RULES
) -> float | None:
    """Return a rank metric (AUC, C-index, average precision) rounded so it hides its counts.

    An AUC without ties is C/(E·N), C the pairs of one of the E escalations and one of
    the N non-escalations that the model ranks rightly (with ties (C + T/2)/(E·N)): at
    full precision it gives back E·N, and beside E and N rounded to 5 (each within 2)
    very often E and N exactly (0.7386363636 is 65/88: E·N = 88). Rounded to 2 decimals
    when both counts are at least 10 (E·N at least 100), every interval 0.01 wide holds a
    ratio k/(E·N) for every candidate E·N, so the value says nothing about the counts;
    with 3 decimals likewise once the larger count is at least 100 (E·N at least 1,000).
    The average precision, a mean of precisions at the ranks of the E escalations,
    likewise ties to E. Interval ends are rounded the same way.

    Parameters
    ----------
    value : float
        The metric as estimated (NaN stays NaN).
    events, non_events : float
        The escalations and non-escalations it rests on (exact whole numbers).
    rules : DisclosureRules, optional
        Default: below 10 suppressed, others rounded to 5.

    Returns
    -------
    float or None
        The value to :func:`_rank_decimals` decimals, ``None`` when either count
        is suppressed.

    Raises
    ------
    DataValidationError
        For a negative or fractional count (as :func:`disclose_count`).

    Examples
    --------
    >>> disclose_rank_metric(65 / 88, 22, 4), disclose_rank_metric(65 / 88, 22, 66)
    (None, 0.74)
    >>> disclose_rank_metric(0.73863636, 22, 166)
    0.739
    """
    decimals = _rank_decimals(events, non_events, rules)
    if decimals is None:
        return None
    return _round_rank(value, decimals)


def _disclose_rank_metrics(frame: pd.DataFrame, rules: DisclosureRules) -> pd.DataFrame:
    """Round every rank metric of a metrics table by :func:`disclose_rank_metric`.

    Each model's (or group's) escalations and children are its ``events`` row and ``n``
    (see :func:`_metric_groups`); its rank metrics and their interval ends are blanked
    (``suppressed = True``) when either count is below the threshold or unknown.
    """
    if "metric" not in frame.columns or "estimate" not in frame.columns:
        return frame.copy()
    out = frame.copy()
    ranked = out["metric"].astype(str).isin(RANK_METRICS).to_numpy()
    if not ranked.any():
        return out
    stats = [c for c in ("estimate", "conf_low", "conf_high") if c in out.columns]
    values = {c: pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=float) for c in stats}
    blank = np.zeros(len(out), dtype=bool)
    for _, rows, _, _, n, events in _metric_groups(out, _group_keys(out)):
        mine = rows[ranked[rows]]
        if not len(mine):
            continue
        counts = (events, n - events)
        if not all(np.isfinite(counts)) or _rank_decimals(*counts, rules) is None:
            blank[mine] = True
            continue
        for column in stats:
            shown = [disclose_rank_metric(v, *counts, rules) for v in values[column][mine]]
            values[column][mine] = np.array(shown, dtype=float)
    for column in stats:
        out[column] = np.where(blank, np.nan, values[column])
    was = out["suppressed"].astype(bool).to_numpy() if "suppressed" in out.columns else False
    out["suppressed"] = was | blank
    return out


#: The observed risk and the two calibration metrics made from it with the mean predicted
#: risk (``expected``), which is published beside them.
_OBSERVED: Final = "observed"
_EXPECTED: Final = "expected"
_CALIBRATION_IN_THE_LARGE: Final = "calibration_in_the_large"
_OBSERVED_EXPECTED: Final = "observed_expected"


def _disclose_observed_risks(frame: pd.DataFrame, rules: DisclosureRules) -> pd.DataFrame:
    """Publish each model's (or group's) observed risk as a share of disclosed counts.

    The observed (Aalen–Johansen) risk by the horizon is the escalations over the
    children when none is censored before it (in general its expected number of
    escalations over the children): at full precision it gives both back, and so do
    ``calibration_in_the_large`` (observed − expected) and ``observed_expected`` beside
    the mean predicted risk. The observed risk is therefore the expected number disclosed
    over the disclosed children (:func:`disclose_share`), and the difference and the
    ratio are made from it; all three are blanked (``suppressed = True``) when the share
    is. Intervals are left as estimated (percentile intervals over resamples), as for
    the rates at an operating point.
    """
    if "metric" not in frame.columns or "estimate" not in frame.columns:
        return frame.copy()
    out = frame.copy()
    metric = out["metric"].astype(str).to_numpy()
    made = np.isin(metric, [_OBSERVED, _CALIBRATION_IN_THE_LARGE, _OBSERVED_EXPECTED])
    if not made.any():
        return out
    estimate = pd.to_numeric(out["estimate"], errors="coerce").to_numpy(dtype=float)
    blank = np.zeros(len(out), dtype=bool)
    for _, rows, names, values, n, _ in _metric_groups(out, _group_keys(out)):
        observed = values.get(_OBSERVED, math.nan)
        if not math.isfinite(observed):
            continue
        shown = disclose_share(observed * n, n, rules)
        expected = values.get(_EXPECTED, math.nan)
        made_here = {
            _OBSERVED: shown,
            _CALIBRATION_IN_THE_LARGE: None if shown is None else shown - expected,
            _OBSERVED_EXPECTED: None if shown is None or not expected > 0 else shown / expected,
        }
        for row, name in zip(rows, names, strict=True):
            if name in made_here:
                value = made_here[name]
                blank[row] = shown is None
                estimate[row] = math.nan if value is None else value
    out["estimate"] = estimate
    blank_statistics(out, blank)
    was = out["suppressed"].astype(bool).to_numpy() if "suppressed" in out.columns else False
    out["suppressed"] = was | blank
    return out


def _outer_key(key: object, keys: list[str]) -> tuple[object, ...]:
    """Return the key of a group's whole sample: its key without ``group``."""
    parts = key if isinstance(key, tuple) else (key,)
    return tuple(p for p, k in zip(parts, keys, strict=False) if k != "group")


def _whole_sample_counts(
    frame: pd.DataFrame, keys: list[str]
) -> dict[tuple[object, ...], tuple[float, float]]:
    """Children and escalations of each whole sample, summed over its groups.

    Only for tables of groups (a ``group`` and an ``n`` column): the groups of an
    attribute partition the sample the gaps are measured against.
    """
    if "group" not in keys or "n" not in frame.columns:
        return {}
    outer = [k for k in keys if k != "group"]
    events = frame[frame["metric"].astype(str) == "events"].copy()
    events["n"] = pd.to_numeric(events["n"], errors="coerce").astype(float)
    events["estimate"] = pd.to_numeric(events["estimate"], errors="coerce").astype(float)
    if not outer:
        return {(): (float(events["n"].sum()), float(events["estimate"].sum()))}
    sums = events.groupby(outer, sort=False, dropna=False)[["n", "estimate"]].sum(min_count=1)
    return {
        (k if isinstance(k, tuple) else (k,)): (float(row["n"]), float(row["estimate"]))
        for k, row in sums.iterrows()
    }


def disclose_model(
    frame: pd.DataFrame,
    *,
    events: int,
    n: int | None = None,
    rules: DisclosureRules = DEFAULT_RULES,
    columns: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return a model's table, blanked when the model rests on too few events.

    A fitted model's coefficients and tests are "safe" outputs once the model rests on at
    least the threshold of events (and of children, when ``n`` is given); below that its
    numbers describe a handful of children and are blanked (``suppressed = True``).

    Parameters
    ----------
    frame : pandas.DataFrame
        The model's tidy table.
    events, n : int
        Events (and observations) the model was fitted on.
    rules : DisclosureRules, optional
    columns : sequence of str, optional
        Columns to blank (default: every numeric column).

    Examples
    --------
    >>> table = pd.DataFrame({"term": ["age"], "estimate": [1.2]})
    >>> disclose_model(table, events=6)["estimate"].isna().tolist()
    [True]
    """
    out = frame.copy()
    unsafe = events < rules.threshold or (n is not None and n - events < rules.threshold)
    targets = (
        list(columns)
        if columns is not None
        else [c for c in out.columns if pd.api.types.is_numeric_dtype(out[c])]
    )
    if unsafe:
        for column in targets:
            out[column] = np.nan
    out["suppressed"] = unsafe
    return out


def disclose_model_card(
    card: ModelCard,
    metrics: pd.DataFrame,
    subgroup_metrics: pd.DataFrame,
    *,
    events: int,
    n: int,
    rules: DisclosureRules = DEFAULT_RULES,
) -> ModelCard:
    """Return a model card fit to share: counts disclosed, small groups and tests blanked.

    The card is rebuilt from the disclosed metric tables (so its subgroup gaps skip every
    group that :func:`disclose_metric_counts` suppresses, and its limits count the groups
    withheld only beside a small one apart from the small ones: :func:`withheld_beside`),
    its whole-number facts are disclosed as counts, and its performance is blanked when
    the test data hold fewer than the threshold of escalations or of children without
    one. Its rank metrics are
    shown with the decimals they were rounded to (:func:`rank_decimals`).

    Parameters
    ----------
    card : ModelCard
        The card as validated (exact counts).
    metrics, subgroup_metrics : pandas.DataFrame
        The validation's metric tables (``RiskValidation.metrics``, ``.subgroup_metrics``).
    events, n : int
        Escalations and spells in the test data.
    rules : DisclosureRules, optional
    """
    from escalation.predict.modelcard import model_card

    shown = disclose_metric_counts(metrics, rules)
    if events < rules.threshold or n - events < rules.threshold:
        stats = [c for c in ("estimate", "conf_low", "conf_high") if c in shown.columns]
        shown = disclose_model(shown, events=events, n=n, rules=rules, columns=stats)
    groups = disclose_metric_counts(subgroup_metrics, rules)
    groups = groups.assign(beside=withheld_beside(groups, subgroup_metrics, rules))
    facts = {
        key: format_count(int(value), rules)
        if isinstance(value, int | np.integer) and not isinstance(value, bool)
        else value
        for key, value in card.facts.items()
    }
    rebuilt = model_card(
        card.model,
        shown,
        groups,
        description=card.description,
        facts=facts,
        min_group=card.min_group,
        rank_decimals=model_rank_decimals(shown, card.model, rules),
    )
    return dataclasses.replace(
        rebuilt,
        intended_use=card.intended_use,
        disclosure=f"Counts on this card are under disclosure control: counts below "
        f"{rules.threshold} are not shown and others are rounded to the nearest "
        f"{rules.rounding}.",
    )


def model_rank_decimals(
    metrics: pd.DataFrame, model: str, rules: DisclosureRules = DEFAULT_RULES
) -> int | None:
    """Return the decimals a model's rank metrics were rounded to, from its published counts.

    Parameters
    ----------
    metrics : pandas.DataFrame
        A disclosed metrics table (``model, metric, estimate``), with the model's
        ``events`` and ``n`` rows (:func:`disclose_metric_counts`).
    model : str
        The model's label.
    rules : DisclosureRules, optional
        The rules the table was disclosed with.

    Returns
    -------
    int or None
        As :func:`rank_decimals`; ``None`` when the table lacks either count.

    Examples
    --------
    >>> table = pd.DataFrame({"model": "cox", "metric": ["n", "events", "auc"],
    ...                       "estimate": [90.0, 25.0, 0.74]})
    >>> model_rank_decimals(table, "cox"), model_rank_decimals(table, "gbm")
    (2, None)
    """
    own = metrics[metrics["model"].astype(str) == model]
    counts = pd.to_numeric(own.set_index("metric")["estimate"], errors="coerce")
    events, n = (float(counts.get(name, math.nan)) for name in ("events", "n"))
    if not (math.isfinite(events) and math.isfinite(n)):
        return None
    return rank_decimals(events, n, rules)


def disclose_threshold_curve(
    curve: pd.DataFrame,
    risk: npt.ArrayLike,
    case: npt.ArrayLike,
    *,
    rules: DisclosureRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Thin a curve over risk thresholds (ROC, precision–recall) to steps of enough children.

    Each row of ``curve`` flags the children with ``risk >= threshold``. Rows are kept,
    from the fewest flagged to all, only where at least the threshold of children who
    escalated and of children who did not have been added to the flagged since the last
    row kept, so no step of the curve stands for fewer; the last step into "all flagged"
    merges with the one before until it does too. The first row (nobody flagged) and the
    last (everybody) are the curve's fixed ends.

    Each value is then a ratio of counts computed from the disclosed counts
    (:func:`disclose_share`), since at full precision it gives them back (a false-positive
    rate of 11/1885 names the children without escalation exactly): ``tpr`` and
    ``recall`` of the children who escalated, ``fpr`` of those who did not, ``precision``
    of the children flagged at the row. A censoring-weighted value counts its expected
    number (the value times the children it is a share of). Rows with a share suppressed
    are dropped; the first row, fixed by construction, is kept as it is.

    Parameters
    ----------
    curve : pandas.DataFrame
        ``threshold`` and the curve's columns (e.g. ``fpr, tpr``).
    risk : array-like
        Predicted risk of each test child.
    case : array-like of bool
        Whether each child escalated by the horizon.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> risk = rng.uniform(size=200)
    >>> case = rng.uniform(size=200) < risk
    >>> curve = pd.DataFrame({"threshold": np.r_[np.inf, np.sort(risk)[::-1]]})
    >>> len(curve) > len(disclose_threshold_curve(curve, risk, case)) > 2
    True
    """
    r = np.asarray(risk, dtype=float)
    hit = np.asarray(case, dtype=bool)
    out = curve.sort_values("threshold", ascending=False, kind="stable").reset_index(drop=True)
    cut = out["threshold"].to_numpy(dtype=float)
    flagged = r[None, :] >= cut[:, None]
    tp = (flagged & hit[None, :]).sum(axis=1)
    fp = flagged.sum(axis=1) - tp
    kept = [0]
    for i in range(1, len(out) - 1):
        if min(tp[i] - tp[kept[-1]], fp[i] - fp[kept[-1]]) >= rules.threshold:
            kept.append(i)
    last = len(out) - 1
    while len(kept) > 1 and min(tp[last] - tp[kept[-1]], fp[last] - fp[kept[-1]]) < rules.threshold:
        kept.pop()
    if last > 0:
        kept.append(last)
    flagged = tp + fp
    bases = {
        "tpr": np.full(len(out), hit.sum()),
        "recall": np.full(len(out), hit.sum()),
        "fpr": np.full(len(out), (~hit).sum()),
        "precision": flagged,
    }
    shown = out.iloc[kept].copy()
    dropped = np.zeros(len(shown), dtype=bool)
    for column, base in bases.items():
        if column not in shown.columns:
            continue
        values = shown[column].to_numpy(dtype=float)
        for j, i in enumerate(kept):
            if i == 0:
                continue  # nobody flagged: the curve's fixed start
            share = disclose_share(values[j] * base[i], base[i], rules)
            dropped[j] |= share is None
            values[j] = np.nan if share is None else share
        shown[column] = values
    return shown[~dropped].reset_index(drop=True)


#: The counts a decision curve's net benefit is made of (``RiskValidation.decision_curve``).
DECISION_COUNTS: Final = ("true_positives", "false_positives", "n")


def disclose_decision_curve(
    curve: pd.DataFrame,
    predictions: pd.DataFrame,
    *,
    rules: DisclosureRules = DEFAULT_RULES,
) -> pd.DataFrame:
    r"""Publish each net benefit from its disclosed counts, where enough children are flagged.

    Net benefit at a risk threshold :math:`p_t` is :math:`TP/n - FP/n \cdot p_t/(1-p_t)`,
    a weighted difference of the children flagged who escalated (TP) and who did not
    (FP). At full precision it gives its counts back, as a share does: ``treat_all`` is
    the prevalence less a known multiple of its complement (23/88 exactly), and a model's
    net benefit times :math:`n (1 - p_t)` is a whole number (times 100, at a threshold of
    a whole percent) only for the true number of children. It is therefore computed from
    the disclosed counts (as :func:`disclose_share`): TP and FP (expected numbers under the
    censoring weights, rounded to whole numbers first) and n each disclosed
    (:func:`disclose_count`), and blanked (``suppressed = True``) when TP or FP is
    suppressed (below the threshold, zero included), so a curve ends where fewer than the
    threshold of flagged children escalated, or did not. A model's row is also blanked
    unless at least the threshold of test children are flagged and at least the threshold
    are not. ``treat_all`` (everyone flagged: TP and FP are the escalations and the
    non-escalations) follows the same rule; ``treat_none`` stays 0. Intervals are left as
    estimated (percentile intervals over bootstrap resamples of families). The counts are
    not published.

    Parameters
    ----------
    curve : pandas.DataFrame
        ``model, threshold, net_benefit`` (+ intervals) and the counts ``true_positives,
        false_positives, n`` of each row, e.g. ``RiskValidation.decision_curve``.
    predictions : pandas.DataFrame
        ``model, risk``: every test prediction.

    Raises
    ------
    DataValidationError
        When ``curve`` lacks a count column.

    Examples
    --------
    >>> curve = pd.DataFrame({"model": "cox", "threshold": [0.1, 0.2, 0.9],
    ...                       "net_benefit": [0.05, 0.04, 0.01],
    ...                       "true_positives": [22.4, 21, 3], "false_positives": [27, 16, 0],
    ...                       "n": 53})
    >>> predictions = pd.DataFrame({"model": "cox", "risk": [0.05] * 20 + [0.2] * 30 + [0.95] * 3})
    >>> # (20 - 25 · 1/9) / 55, (20 - 15 · 1/4) / 55; 3 flagged at 0.9: not shown
    >>> disclose_decision_curve(curve, predictions)["net_benefit"].round(4).tolist()
    [0.3131, 0.2955, nan]
    """
    from escalation.predict.metrics import net_benefit_of

    missing = [c for c in DECISION_COUNTS if c not in curve.columns]
    if missing:
        raise DataValidationError(
            [
                Problem(
                    "decision curve",
                    None,
                    column,
                    None,
                    "missing: net benefit is published from the counts it is made of "
                    "(RiskValidation.decision_curve has them)",
                )
                for column in missing
            ],
            context="disclosure control",
        )
    out = curve.copy().reset_index(drop=True)
    values = [c for c in ("net_benefit", "conf_low", "conf_high") if c in out.columns]
    blank = _few_or_most_flagged(out, predictions, rules)
    estimate = pd.to_numeric(out["net_benefit"], errors="coerce").to_numpy(dtype=float)
    counts = {
        c: pd.to_numeric(out[c], errors="coerce").to_numpy(dtype=float) for c in DECISION_COUNTS
    }
    threshold = pd.to_numeric(out["threshold"], errors="coerce").to_numpy(dtype=float)
    made = (out["model"] != "treat_none").to_numpy()
    for row in np.flatnonzero(made):
        tp, fp, n = (disclose_expected(counts[c][row], rules) for c in DECISION_COUNTS)
        if tp is None or fp is None or n is None:
            blank[row] = True
            continue
        estimate[row] = float(net_benefit_of(tp, fp, n, threshold[row]))
    out["net_benefit"] = estimate
    for column in values:
        out[column] = pd.to_numeric(out[column], errors="coerce").astype(float).where(~blank)
    blank_statistics(out, blank)  # and its draws left out
    out["suppressed"] = blank
    return out.drop(columns=list(DECISION_COUNTS))


def _few_or_most_flagged(
    curve: pd.DataFrame, predictions: pd.DataFrame, rules: DisclosureRules
) -> npt.NDArray[np.bool_]:
    """Whether each model's row flags fewer than the threshold of children, or all but fewer."""
    blank = np.zeros(len(curve), dtype=bool)
    cut = curve["threshold"].to_numpy(dtype=float)
    for model, rows in curve.groupby("model", sort=False).indices.items():
        risk = predictions.loc[predictions["model"] == model, "risk"].to_numpy(dtype=float)
        if len(risk) == 0:
            continue
        ordered = np.sort(risk)
        flagged = len(ordered) - np.searchsorted(ordered, cut[rows], side="left")
        blank[rows] = np.minimum(flagged, len(ordered) - flagged) < rules.threshold
    return blank
