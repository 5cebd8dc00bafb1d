"""Disclosure control of share packs: every count that leaves an authority passes here.

The rule is the package's (:mod:`escalation.report.disclosure`): no count below
:data:`~escalation.report.disclosure.THRESHOLD` (10; zero included) leaves the
authority. Counts in a pack are *not* rounded: the hub adds them across authorities, and
rounding would make the pooled curves and tables inexact; the hub's own outputs are
rounded when they are published. Instead of rounding, risk-set tables are coarsened
(adjacent intervals of the shared grid merged, or the table cut short) until every cell
is at least the threshold, and a column that cannot reach it is folded or withheld.

Every decision is logged (what was withheld and why, never the value), and
:func:`check_pack` is the final gate: it refuses a pack holding any count under the
threshold or any record-level column.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
import pandas as pd

from escalation.errors import DataValidationError, Problem
from escalation.report.disclosure import THRESHOLD

__all__ = [
    "COUNT_COLUMNS",
    "RECORD_LEVEL_COLUMNS",
    "DisclosureLog",
    "check_pack",
    "coarsen_risk_sets",
    "share",
    "withhold_small",
]

#: Columns of pack tables that hold counts of children or spells.
COUNT_COLUMNS: Final = frozenset(
    {"n", "count", "at_risk", "events", "competing", "censored", "spells", "treated"}
)
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


def _small(value: object) -> bool:
    """Whether a count is under the threshold (missing counts are not counts)."""
    if value is None or value is pd.NA:
        return False
    number = float(value)  # type: ignore[arg-type]
    return bool(np.isfinite(number) and number < THRESHOLD)


@dataclass
class DisclosureLog:
    """What disclosure control withheld or coarsened, in words (never values)."""

    rows: list[dict[str, str]] = field(default_factory=list)

    def add(self, table: str, item: str, action: str) -> None:
        self.rows.append({"table": table, "item": item, "action": action})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["table", "item", "action"])


def share(part: int, whole: int) -> float:
    """Return ``part / whole`` when both counts may be shared, else NaN.

    Examples
    --------
    >>> share(40, 100), np.isnan(share(4, 100))
    (0.4, True)
    """
    if _small(part) or _small(whole) or _small(whole - part) or whole == 0:
        return float("nan")
    return part / whole


def withhold_small(
    frame: pd.DataFrame,
    counts: Iterable[str],
    *,
    table: str,
    log: DisclosureLog,
    also: Iterable[str] = (),
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
    """
    out = frame.copy()
    counts = list(counts)
    also = [c for c in also if c in out.columns]
    for column in counts:
        values = pd.to_numeric(out[column], errors="coerce")
        small = values.map(_small).astype(bool).to_numpy()
        if small.any():
            log.add(table, column, f"{int(small.sum())} cell(s) under {THRESHOLD} withheld")
        out[column] = values.astype("Float64").mask(small)
        for other in also:
            out[other] = pd.to_numeric(out[other], errors="coerce").astype("Float64").mask(small)
    return out


def _merge_groups(cells: np.ndarray, at_risk: np.ndarray) -> list[list[int]]:
    """Group consecutive intervals so that every summed cell reaches the threshold."""
    groups: list[list[int]] = []
    current: list[int] = []
    total = np.zeros(cells.shape[1])
    for j in range(cells.shape[0]):
        current.append(j)
        total = total + cells[j]
        if np.all(total >= THRESHOLD) and at_risk[current[0]] >= THRESHOLD:
            groups.append(current)
            current, total = [], np.zeros(cells.shape[1])
    if current and groups:
        groups[-1] = groups[-1] + current  # a short tail joins the last full interval
    elif current:
        return []
    return groups


def coarsen_risk_sets(counts: pd.DataFrame, log: DisclosureLog) -> pd.DataFrame:
    """Merge intervals of each arm's risk-set table until no cell is under the threshold.

    Rules, applied to each arm separately:

    1. An arm with fewer escalations in total than the threshold, or fewer spells
       censored, is withheld (no curve can be shared for it).
    2. Competing events fewer in total than the threshold are *folded* into the censored
       count (``competing`` becomes missing; the hub then treats them as censored and
       says so).
    3. Adjacent intervals are merged until every cell (escalations, competing events if
       kept, censored) and the number at risk is at least the threshold; a short tail is
       merged into the last interval.
    4. While the number still at risk after the last interval is under the threshold,
       the last interval is dropped (the curve stops earlier).

    Parameters
    ----------
    counts : pandas.DataFrame
        Output of :func:`escalation.federated.risksets.risk_set_counts`.
    log : DisclosureLog

    Returns
    -------
    pandas.DataFrame
        The disclosed table (same columns; ``competing`` may be missing).
    """
    out = []
    for group, rows in counts.groupby("group", sort=False):
        rows = rows.sort_values("interval_start").reset_index(drop=True)
        label = f"arm {group}"
        events = rows["events"].to_numpy(float)
        competing = rows["competing"].to_numpy(float)
        censored = rows["censored"].to_numpy(float)
        if events.sum() < THRESHOLD or censored.sum() + competing.sum() < THRESHOLD:
            log.add("risk_sets", label, f"fewer than {THRESHOLD} escalations or exits: withheld")
            continue
        fold = competing.sum() < THRESHOLD
        if fold:
            censored = censored + competing
            log.add(
                "risk_sets",
                label,
                f"competing events fewer than {THRESHOLD} in all: counted with the censored",
            )
        cells = np.column_stack([events, censored] if fold else [events, competing, censored])
        at_risk = rows["at_risk"].to_numpy(float)
        exits = cells.sum(axis=1)
        stop = len(rows)
        while stop > 0:
            groups = _merge_groups(cells[:stop], at_risk[:stop])
            if not groups:
                stop = 0
                break
            end = groups[-1][-1]
            remaining = at_risk[groups[-1][0]] - exits[groups[-1][0] : end + 1].sum()
            if remaining >= THRESHOLD:
                break
            stop = groups[-1][0]
        if stop == 0:
            log.add("risk_sets", label, f"no interval reaches {THRESHOLD} in every cell: withheld")
            continue
        if stop < len(rows):
            log.add(
                "risk_sets",
                label,
                f"cut at day {rows['interval_start'].iloc[stop]:g}: fewer than {THRESHOLD} "
                "would remain at risk",
            )
        merged = 0
        for members in groups:
            merged += len(members) - 1
            first, last = members[0], members[-1]
            out.append(
                {
                    "group": group,
                    "interval_start": float(rows["interval_start"].iloc[first]),
                    "interval_end": float(rows["interval_end"].iloc[last]),
                    "at_risk": int(at_risk[first]),
                    "events": int(events[first : last + 1].sum()),
                    "competing": np.nan if fold else int(competing[first : last + 1].sum()),
                    "censored": int(censored[first : last + 1].sum()),
                }
            )
        if merged:
            log.add("risk_sets", label, f"{merged} interval boundaries merged to reach {THRESHOLD}")
    columns = list(counts.columns)
    if not out:
        return pd.DataFrame(columns=columns)
    frame = pd.DataFrame(out, columns=columns)
    frame["competing"] = frame["competing"].astype("Float64")
    return frame


def check_pack(tables: dict[str, pd.DataFrame]) -> None:
    """Refuse a pack with a record-level column or any count under the threshold.

    Raises
    ------
    DataValidationError
        Naming the table and column (never the value).
    """
    problems = []
    for name, frame in tables.items():
        for column in frame.columns:
            if str(column) in RECORD_LEVEL_COLUMNS:
                problems.append(
                    Problem(name, None, str(column), None, "record-level column in a share pack")
                )
            if str(column) in COUNT_COLUMNS:
                values = pd.to_numeric(frame[column], errors="coerce")
                small = values.map(_small).astype(bool)
                for row in np.flatnonzero(small.to_numpy())[:5]:
                    problems.append(
                        Problem(name, int(row), str(column), None, f"count under {THRESHOLD}")
                    )
    if problems:
        raise DataValidationError(problems, "share pack disclosure control")
