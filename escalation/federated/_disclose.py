"""Disclosure control of share packs: every count that leaves an authority passes here.

The rule is the package's (:mod:`escalation.disclosure`): no count below the design's
``[disclosure] threshold`` (:class:`~escalation.disclosure.DisclosureRules`, 10 by
default; zero included) leaves the authority. Every function takes the rules the pack was
built with, and the pack records them. Counts in a pack are *not* rounded: the hub adds
them across authorities, and rounding would make the pooled curves and tables inexact;
the hub's own outputs are rounded when they are published. Instead of rounding, risk-set
tables are coarsened (to a coarser level of the shared grid, or cut short) until every
cell is at least the threshold, and a column that cannot reach it is folded or withheld.
Table 1 counts are withheld with their complements
(:func:`~escalation.federated.summaries.suppress_summary`).

Every decision is logged (what was withheld and why, never the value), and
:func:`check_pack` is the final gate: it refuses a pack holding any count under the
threshold, a withheld Table 1 count that can be worked out, or any record-level column.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from escalation.disclosure import DEFAULT_RULES, DisclosureRules, disclose_text
from escalation.errors import DataValidationError, Problem
from escalation.federated._pack_values import COUNT_COLUMNS, located

__all__ = [
    "COUNT_COLUMNS",
    "RECORD_LEVEL_COLUMNS",
    "DisclosureLog",
    "check_pack",
    "coarsen_risk_sets",
    "share",
    "withhold_small",
]

#: Columns that would carry record-level data; never in a pack.
RECORD_LEVEL_COLUMNS: Final = frozenset(
    {
        "child_id",
        "family_id",
        "birth_date",
        "spell_id",
        "time_zero",
        "text",
        "date",
        "treatment_start",
        "end_reason",
    }
)


def _small(value: object, rules: DisclosureRules) -> bool:
    """Whether a count is under the threshold (missing counts are not counts)."""
    if value is None or value is pd.NA:
        return False
    number = float(value)  # type: ignore[arg-type]
    return bool(np.isfinite(number) and number < rules.threshold)


@dataclass
class DisclosureLog:
    """What disclosure control withheld or coarsened, in words (never values)."""

    rows: list[dict[str, str]] = field(default_factory=list)

    def add(self, table: str, item: str, action: str) -> None:
        """Record what was done; counts and row numbers in ``action`` are disclosed.

        Actions quote warnings and errors of the analysis ("positivity: 12 children (3
        treated, ...)", "row 0 ... 2 value(s) ... missing"); the log travels in the share
        pack, so their counts are written as disclosed counts and rows are not shown
        (:func:`escalation.disclosure.disclose_text`).
        """
        self.rows.append({"table": table, "item": item, "action": disclose_text(action)})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["table", "item", "action"])


def share(part: int, whole: int, rules: DisclosureRules = DEFAULT_RULES) -> float:
    """Return ``part / whole`` when both counts (and ``whole - part``) may be shared, else NaN.

    Examples
    --------
    >>> share(40, 100), bool(np.isnan(share(4, 100)))
    (0.4, True)
    """
    if _small(part, rules) or _small(whole, rules) or _small(whole - part, rules) or whole == 0:
        return float("nan")
    return part / whole


def withhold_small(
    frame: pd.DataFrame,
    counts: Iterable[str],
    *,
    table: str,
    log: DisclosureLog,
    also: Iterable[str] = (),
    rules: DisclosureRules = DEFAULT_RULES,
) -> pd.DataFrame:
    """Return ``frame`` with every count under the threshold (and the row's ``also``) missing.

    Parameters
    ----------
    frame : pandas.DataFrame
    counts : iterable of str
        Count columns.
    table, log
        Where to record what was withheld.
    also : iterable of str
        Columns derived from the count (a percentage, a mean) withheld with it.
    rules : DisclosureRules, optional
        The pack's rules (its threshold).
    """
    out = frame.copy()
    counts = list(counts)
    also = [c for c in also if c in out.columns]
    for column in counts:
        values = pd.to_numeric(out[column], errors="coerce")
        small = values.map(lambda v: _small(v, rules)).astype(bool).to_numpy()
        if small.any():
            log.add(table, column, f"{int(small.sum())} cell(s) under {rules.threshold} withheld")
        out[column] = values.astype("Float64").mask(small)
        for other in also:
            out[other] = pd.to_numeric(out[other], errors="coerce").astype("Float64").mask(small)
    return out


def _aggregate(rows: pd.DataFrame, edges: np.ndarray, fold: bool) -> pd.DataFrame:
    """Sum one arm's fine counts into the intervals between ``edges``."""
    out = []
    for a, b in itertools.pairwise(edges):
        inside = rows[(rows["interval_start"] >= a) & (rows["interval_end"] <= b)]
        first = rows.loc[rows["interval_start"] == a, "at_risk"]
        competing = int(inside["competing"].sum())
        out.append(
            {
                "interval_start": float(a),
                "interval_end": float(b),
                "at_risk": int(first.iloc[0]),
                "events": int(inside["events"].sum()),
                "competing": np.nan if fold else competing,
                "censored": int(inside["censored"].sum()) + (competing if fold else 0),
            }
        )
    return pd.DataFrame(out)


def _remaining(rows: pd.DataFrame, end: float) -> int:
    """Spells of one arm still at risk after ``end`` (from the fine counts)."""
    after = rows[rows["interval_start"] >= end]
    if not after.empty:
        return int(after["at_risk"].iloc[0])
    last = rows.iloc[-1]
    return int(last["at_risk"] - last["events"] - last["competing"] - last["censored"])


def _passes(table: pd.DataFrame, threshold: int) -> bool:
    cells = table[["at_risk", "events", "competing", "censored"]].to_numpy(dtype=float)
    return bool(np.all(np.isnan(cells) | (cells >= threshold)))


def _escalated_after(rows: pd.DataFrame, end: float, total: int | None) -> float:
    """Escalations of one arm after ``end``: its ``total`` (over all follow-up) less the table's.

    Infinite when the total is not known (nothing to protect).
    """
    if total is None:
        return float("inf")
    return float(total - rows.loc[rows["interval_end"] <= end, "events"].sum())


def _cut_tail(
    arms: dict[str, pd.DataFrame],
    edges: np.ndarray,
    threshold: int,
    escalations: Mapping[str, int] | None = None,
) -> np.ndarray:
    """Drop final boundaries while an arm would have fewer than the threshold after the end.

    Fewer than the threshold still at risk, or (``escalations``: each arm's escalations
    over all follow-up, as the pack shares them) fewer escalations after the end: that
    arm's total less the table's would give them back.
    """
    totals = escalations or {}

    def short(group: str, rows: pd.DataFrame) -> bool:
        end = float(edges[-1])
        return (
            _remaining(rows, end) < threshold
            or _escalated_after(rows, end, totals.get(group)) < threshold
        )

    while edges.size > 1 and any(short(g, rows) for g, rows in arms.items()):
        edges = edges[:-1]
    return edges


def _merge_jointly(
    arms: dict[str, pd.DataFrame], edges: np.ndarray, folds: dict[str, bool], threshold: int
) -> np.ndarray:
    """Keep a boundary only when every arm's merged interval before it passes."""
    kept = [edges[0]]
    for b in edges[1:]:
        if all(
            _passes(_aggregate(rows, np.array([kept[-1], b]), folds[g]), threshold)
            for g, rows in arms.items()
        ):
            kept.append(b)
    if len(kept) > 1 and kept[-1] != edges[-1]:
        kept[-1] = edges[-1]  # a short tail joins the last interval
    return np.asarray(kept, dtype=float)


def coarsen_risk_sets(
    counts: pd.DataFrame,
    anchors: Iterable[float],
    log: DisclosureLog,
    rules: DisclosureRules = DEFAULT_RULES,
    escalations: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """Coarsen an authority's risk-set tables until no cell is under the threshold.

    Rules (both arms share their boundaries, so curves by arm stay comparable):

    1. An arm with fewer escalations in total than the threshold, or fewer other exits,
       is withheld (no curve can be shared for it).
    2. Competing events fewer in total than the threshold are *folded* into the censored
       count (``competing`` becomes missing; the hub then treats them as censored and
       says so).
    3. The finest *level* of the shared grid at which every cell (escalations, competing
       events if kept, censored, numbers at risk) reaches the threshold is used: level
       ``m`` keeps every ``2**m``-th boundary between the anchors (0 and the horizons),
       so authorities that coarsen to different levels still share the coarser one's
       boundaries. Before checking a level, final intervals are dropped while fewer than
       the threshold would remain at risk in an arm, or (given ``escalations``) fewer
       than the threshold of its escalations would fall after the table's end (the curve
       stops earlier): the arm's escalations in all, shared, less the table's would give
       those back.
    4. If even the anchors alone fail, intervals are merged greedily; if nothing passes
       the table is withheld.

    Parameters
    ----------
    counts : pandas.DataFrame
        Output of :func:`escalation.federated.risksets.risk_set_counts` on the shared grid.
    anchors : iterable of float
        Boundaries every level keeps (0 and the horizons).
    log : DisclosureLog
    rules : DisclosureRules, optional
        The pack's rules (its threshold).
    escalations : mapping of str to int, optional
        Each arm's escalations over all follow-up (by ``group``), as the pack shares
        them elsewhere (``hazard_ratios.csv``).

    Returns
    -------
    pandas.DataFrame
        The disclosed table (same columns; ``competing`` may be missing).
    """
    from escalation.federated.risksets import grid_level

    threshold = rules.threshold
    columns = list(counts.columns)
    arms: dict[str, pd.DataFrame] = {}
    folds: dict[str, bool] = {}
    for group, rows in counts.groupby("group", sort=False):
        rows = rows.sort_values("interval_start").reset_index(drop=True)
        label = f"arm {group}"
        if rows["events"].sum() < threshold or (
            rows["censored"].sum() + rows["competing"].sum() < threshold
        ):
            log.add("risk_sets", label, f"fewer than {threshold} escalations or exits: withheld")
            continue
        folds[str(group)] = bool(rows["competing"].sum() < threshold)
        if folds[str(group)]:
            log.add(
                "risk_sets",
                label,
                f"competing events fewer than {threshold} in all: counted with the censored",
            )
        arms[str(group)] = rows
    if not arms:
        return pd.DataFrame(columns=columns)
    base = np.unique(
        np.r_[counts["interval_start"].to_numpy(float), counts["interval_end"].to_numpy(float)]
    )
    chosen: np.ndarray | None = None
    level, previous = 0, None
    while True:
        edges = grid_level(base, list(anchors), level)
        if previous is not None and np.array_equal(edges, previous):
            break
        previous = edges
        trimmed = _cut_tail(arms, edges, threshold, escalations)
        if trimmed.size > 1 and all(
            _passes(_aggregate(rows, trimmed, folds[g]), threshold) for g, rows in arms.items()
        ):
            chosen = trimmed
            break
        level += 1
    if chosen is None:
        merged = _merge_jointly(
            arms, _cut_tail(arms, previous, threshold, escalations), folds, threshold
        )
        if merged.size > 1 and all(
            _passes(_aggregate(rows, merged, folds[g]), threshold) for g, rows in arms.items()
        ):
            chosen = merged
            log.add("risk_sets", "both arms", "horizons merged to reach the threshold")
    if chosen is None:
        log.add(
            "risk_sets", "both arms", f"no interval reaches {threshold} in every cell: withheld"
        )
        return pd.DataFrame(columns=columns)
    if level:
        log.add("risk_sets", "both arms", f"intervals {2**level} times the shared width")
    if chosen[-1] < base[-1]:
        log.add(
            "risk_sets",
            "both arms",
            f"cut at day {chosen[-1]:g}: fewer than {threshold} would remain at risk, or "
            "escalate after it, in an arm",
        )
    frames = [
        _aggregate(rows, chosen, folds[g]).assign(group=g)[columns] for g, rows in arms.items()
    ]
    frame = pd.concat(frames, ignore_index=True)
    frame["competing"] = frame["competing"].astype("Float64")
    return frame


def check_pack(tables: dict[str, pd.DataFrame], rules: DisclosureRules = DEFAULT_RULES) -> None:
    """Refuse a pack with a record-level column, a small count or a derivable withheld one.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The pack's tables.
    rules : DisclosureRules, optional
        The rules the pack was made under (its design's ``[disclosure]``).

    Raises
    ------
    DataValidationError
        Naming the pack's file (``risk_sets.csv``), the row a spreadsheet shows (header
        row 1: :func:`~escalation.federated._pack_values.located`, as the hub reading a
        pack gives it) and the column, never the value: a record-level column, a count
        under the threshold, a withheld count of ``covariates`` that can be worked out
        from the published ones (:func:`~escalation.federated.summaries.derivable_cells`),
        escalations under the threshold that the totals give back by subtraction
        (:func:`~escalation.federated._escalations.derivable_escalations`), or a Cox
        profile or hazard ratio beside an arm whose escalations are withheld
        (:func:`~escalation.federated._escalations.models_beside_withheld_arms`).
    """
    from escalation.federated._escalations import (
        derivable_escalations,
        models_beside_withheld_arms,
    )
    from escalation.federated.summaries import derivable_cells

    problems = []
    for name, frame in tables.items():
        for column in frame.columns:
            if str(column) in RECORD_LEVEL_COLUMNS:
                problems.append(
                    Problem(name, None, str(column), None, "record-level column in a share pack")
                )
            if str(column) in COUNT_COLUMNS:
                values = pd.to_numeric(frame[column], errors="coerce")
                small = values.map(lambda v: _small(v, rules)).astype(bool)
                for row in np.flatnonzero(small.to_numpy())[:5]:
                    problems.append(
                        Problem(name, int(row), str(column), None, f"count under {rules.threshold}")
                    )
    covariates = tables.get("covariates")
    if covariates is not None and {"covariate", "level", "group", "n", "count"} <= set(
        covariates.columns
    ):
        problems += derivable_cells(covariates, rules)
    problems += derivable_escalations(tables, rules) + models_beside_withheld_arms(tables)
    if problems:
        # located as the hub's reading of the pack gives them: one row convention
        raise DataValidationError([located(p) for p in problems], "share pack disclosure control")
