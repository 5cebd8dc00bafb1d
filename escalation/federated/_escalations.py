"""The escalation totals of a pack, and what they give back by subtraction.

A share pack publishes one authority's escalations in three places: in all
(``authority.csv``: ``escalation_rate`` × ``spells``), by arm (``hazard_ratios.csv``:
``events_treated``, ``events_untreated``, over all follow-up, as the Cox models count
them) and by arm and interval (``risk_sets.csv``, which stops at its last boundary).
They are cells of one 3 × 3 table whose rows are the arms and their total and whose
columns are the escalations in all, those within the risk-set table and those after
it, so each row's first cell is the sum of the other two and each column's total cell
the sum of the arms'. A withheld cell that stands alone among the unknowns of any of
these six sums is given back by subtraction (the treated escalations as the total less
the untreated ones; the escalations after the table as an arm's less the table's).

:func:`derivable_escalations` is the gate's check of a pack (every cell a pack's
published numbers give back is at least the threshold, or it is refused);
:func:`withhold_escalation_complements` is how the pack builder keeps to it: when one
arm's count is withheld, the smallest of the others in its sum is withheld too
(:func:`~escalation.disclosure.complementary_suppression`). The escalations after the
table are kept at the threshold or more by
:func:`~escalation.federated._disclose.coarsen_risk_sets`, which ends the table earlier
while an arm would have fewer after it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from escalation.disclosure import DisclosureRules, complementary_suppression
from escalation.errors import Problem

if TYPE_CHECKING:
    from escalation.federated._disclose import DisclosureLog

__all__ = [
    "ARM_EVENTS",
    "derivable_escalations",
    "models_beside_withheld_arms",
    "withhold_escalation_complements",
    "withhold_models",
]

#: The arms' escalation columns of ``hazard_ratios.csv`` by risk-set group.
ARM_EVENTS: Final = {"treated": "events_treated", "untreated": "events_untreated"}
_ROWS: Final = ("all", *ARM_EVENTS)
_COLUMNS: Final = ("in all", "in the risk-set table", "after the risk-set table")
#: Columns of ``hazard_ratios.csv`` that come from the Cox fit of a model.
_FIT_COLUMNS: Final = ("estimate", "std_error", "conf_low", "conf_high", "variance")
#: Where a cell of the first column is published (table, column).
_PUBLISHED: Final = {
    "all": ("authority", "escalation_rate"),
    **{arm: ("hazard_ratios", column) for arm, column in ARM_EVENTS.items()},
}


def _first(frame: pd.DataFrame | None, column: str) -> float:
    """Return the first value of ``column`` as a float (NaN: absent, empty or withheld)."""
    if frame is None or frame.empty or column not in frame.columns:
        return float("nan")
    return float(pd.to_numeric(frame[column], errors="coerce").astype(float).iloc[0])


def _published(tables: dict[str, pd.DataFrame]) -> np.ndarray:
    """Return the 3 × 3 escalation table as the pack publishes it (NaN: not published)."""
    cells = np.full((3, 3), np.nan)
    authority = tables.get("authority")
    total = _first(authority, "escalation_rate") * _first(authority, "spells")
    cells[0, 0] = np.round(total) if np.isfinite(total) else np.nan
    for row, column in enumerate(ARM_EVENTS.values(), start=1):
        cells[row, 0] = _first(tables.get("hazard_ratios"), column)
    risk_sets = tables.get("risk_sets")
    if risk_sets is not None and {"group", "events"} <= set(risk_sets.columns):
        events = pd.to_numeric(risk_sets["events"], errors="coerce")
        for row, arm in enumerate(ARM_EVENTS, start=1):
            mine = events[risk_sets["group"].astype(str) == arm]
            if len(mine) and mine.notna().all():
                cells[row, 1] = float(mine.sum())
        if np.isfinite(cells[1:, 1]).all():
            cells[0, 1] = cells[1, 1] + cells[2, 1]
    return cells


def _worked_out(cells: np.ndarray) -> np.ndarray:
    """Return ``cells`` with every cell the six sums give back filled in.

    Each row's first cell is the sum of its other two, and each column's first cell the
    sum of its other two; a sum with one unknown gives it, until none does.
    """
    out = cells.copy()
    lines = [[(i, 0), (i, 1), (i, 2)] for i in range(3)]
    lines += [[(0, j), (1, j), (2, j)] for j in range(3)]
    changed = True
    while changed:
        changed = False
        for total, first, second in lines:
            unknown = [c for c in (total, first, second) if np.isnan(out[c])]
            if len(unknown) != 1:
                continue
            cell = unknown[0]
            if cell == total:
                out[cell] = out[first] + out[second]
            else:
                out[cell] = out[total] - (out[second] if cell == first else out[first])
            changed = True
    return out


def derivable_escalations(tables: dict[str, pd.DataFrame], rules: DisclosureRules) -> list[Problem]:
    """Return the escalation counts under the threshold that a pack gives back by subtraction.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The pack's tables (``authority``, ``hazard_ratios``, ``risk_sets``).
    rules : DisclosureRules
        The rules the pack was made under (its threshold).

    Returns
    -------
    list of Problem
        One per such count, naming its table and column where it is published (never
        the value).
    """
    published = _published(tables)
    worked = _worked_out(published)
    problems = []
    # The escalations in all are published as a rate of the spells: the rate x spells and
    # the spells without one are counts like any other (and the sum of the arms' withheld
    # counts, when both are).
    authority = tables.get("authority")
    spells = _first(authority, "spells")
    for count, what in ((published[0, 0], "escalations"),
                        (spells - published[0, 0], "spells without an escalation")):  # fmt: skip
        if np.isfinite(count) and count < rules.threshold:
            problems.append(
                Problem(
                    "authority",
                    None,
                    "escalation_rate",
                    None,
                    f"escalation_rate times spells gives the {what} in all, under "
                    f"{rules.threshold}: make the share pack again with this version of "
                    "escalation",
                )
            )
    for i, j in zip(*np.nonzero(np.isnan(published) & (worked < rules.threshold)), strict=True):
        table, column = _PUBLISHED[_ROWS[i]] if j == 0 else ("risk_sets", "events")
        problems.append(
            Problem(
                table,
                None,
                column,
                None,
                f"the escalations of {_ROWS[i]} spells {_COLUMNS[j]} are under "
                f"{rules.threshold} and can be worked out from the escalations the pack "
                "publishes elsewhere (authority.csv, hazard_ratios.csv, risk_sets.csv): make "
                "the share pack again with this version of escalation",
            )
        )
    return problems


def withhold_escalation_complements(
    tables: dict[str, pd.DataFrame],
    escalations: dict[str, int],
    log: DisclosureLog,
    rules: DisclosureRules,
) -> dict[str, pd.DataFrame]:
    """Return the tables with a complement withheld beside a withheld escalation total.

    The escalations in all and by arm (``escalations``: ``all``, ``treated``,
    ``untreated``, exact) add up; while one of them is withheld alone (under the
    threshold, or a rate withheld because the spells without one are few), the smallest
    of the other two is withheld too
    (:func:`~escalation.disclosure.complementary_suppression`): an arm's count in
    ``hazard_ratios.csv``, or ``escalation_rate`` in ``authority.csv``.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The pack's ``authority`` and ``hazard_ratios`` tables, already disclosed.
    escalations : dict of str to int
        The exact counts by :data:`_ROWS`.
    log : DisclosureLog
    rules : DisclosureRules

    Returns
    -------
    dict of str to DataFrame
        ``tables`` with the complements withheld (copies of the tables changed).
    """
    raw = np.array([float(escalations[row]) for row in _ROWS])
    shown = _published(tables)[:, 0]
    start = np.isnan(shown)
    zeros = np.zeros(raw.size, dtype=np.int64)
    hidden = complementary_suppression(raw, start, [zeros], rules.threshold)
    out = dict(tables)
    for row in np.flatnonzero(hidden & ~start):
        table, column = _PUBLISHED[_ROWS[row]]
        frame = out[table].copy()
        frame[column] = frame[column].mask(np.ones(len(frame), dtype=bool))
        out[table] = frame
        log.add(
            table,
            column,
            "withheld: with the escalations of all spells or of the other arm it would "
            "give back an arm's escalations withheld under the threshold",
        )
    return out


def _withheld_arms(tables: dict[str, pd.DataFrame]) -> list[str]:
    """Return the arms whose escalations ``hazard_ratios.csv`` withholds."""
    cells = _published(tables)[1:, 0]
    return [arm for arm, value in zip(ARM_EVENTS, cells, strict=True) if np.isnan(value)]


def withhold_models(tables: dict[str, pd.DataFrame], log: DisclosureLog) -> dict[str, pd.DataFrame]:
    """Return the tables without Cox models beside an arm whose escalations are withheld.

    The score of the Cox model of treatment alone is the treated escalations less
    their expected number, which vanishes as the log hazard ratio falls: the likelihood
    profile's slope at the grid's low end gives the treated escalations to within a
    fraction of one (and the fit's standard error roughly too). So when an arm's count
    is withheld (under the threshold, or beside one that is), the profiles are not
    shared and the hazard ratios' estimates are withheld: such an authority adds
    nothing to the pooled Cox models, as it adds no effects.

    Parameters
    ----------
    tables : dict of str to DataFrame
        The pack's tables, escalation counts already disclosed.
    log : DisclosureLog

    Returns
    -------
    dict of str to DataFrame
    """
    withheld = _withheld_arms(tables)
    profiles = tables.get("cox_profiles")
    if not withheld or profiles is None:
        return tables
    out = dict(tables)
    out["cox_profiles"] = profiles.iloc[0:0]
    ratios = tables["hazard_ratios"].copy()
    fitted = [c for c in _FIT_COLUMNS if c in ratios.columns]
    ratios[fitted] = np.nan
    out["hazard_ratios"] = ratios
    log.add(
        "hazard_ratios, cox_profiles",
        ", ".join(withheld),
        "escalations withheld: the hazard ratios and likelihood profiles withheld too "
        "(a profile's slope at low hazard ratios tends to the treated escalations)",
    )
    return out


def models_beside_withheld_arms(tables: dict[str, pd.DataFrame]) -> list[Problem]:
    """Return a problem when a pack shares a Cox profile or hazard ratio beside a withheld arm.

    The gate's side of :func:`withhold_models`.
    """
    withheld = _withheld_arms(tables)
    if not withheld:
        return []
    problems = []
    profiles = tables.get("cox_profiles")
    if profiles is not None and not profiles.empty:
        problems.append(
            Problem(
                "cox_profiles",
                None,
                "derivative",
                None,
                f"a likelihood profile beside withheld escalations ({', '.join(withheld)}): "
                "its slope at low hazard ratios gives the treated escalations back; make "
                "the share pack again with this version of escalation",
            )
        )
    ratios = tables.get("hazard_ratios")
    if ratios is not None:
        for column in (c for c in ("estimate", "std_error") if c in ratios.columns):
            if pd.to_numeric(ratios[column], errors="coerce").notna().any():
                problems.append(
                    Problem(
                        "hazard_ratios",
                        None,
                        column,
                        None,
                        f"a Cox estimate beside withheld escalations ({', '.join(withheld)}): "
                        "make the share pack again with this version of escalation",
                    )
                )
    return problems
