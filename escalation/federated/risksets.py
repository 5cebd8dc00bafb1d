"""Risk-set tables on coarsened time, and the curves the hub rebuilds from them.

An authority counts, for each arm and each interval ``(a, b]`` of a time grid shared by
every authority (the design's ``[analysis] interval_days``, with the horizons added),
the spells still at risk at ``a`` and how many escalated, had a competing event or were
censored in the interval. Those counts are all an Aalen–Johansen (or Kaplan–Meier)
estimate on the coarsened time scale needs: the hub adds the authorities' tables and
computes the pooled curve, which is *exactly* the individual-level estimate of the
pooled data with every time rounded up to the grid. The estimate itself is computed by
:func:`escalation.survival.aalen_johansen` on the counts expanded back to (identical,
anonymous) rows, so the curves, their standard errors and the product-limit rule are the
package's one implementation.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._vocabulary import spells_of
from escalation.design.study import StudyDesign
from escalation.errors import DesignError
from escalation.survival._outcome import durations, event_codes

if TYPE_CHECKING:
    from escalation.timeline import SpellData

__all__ = [
    "RISK_SET_COLUMNS",
    "coarsen_spells",
    "curves_from_risk_sets",
    "grid_level",
    "pool_risk_sets",
    "risk_set_counts",
    "time_grid",
]

FloatArray = npt.NDArray[np.float64]
#: Columns of a risk-set table, in order.
RISK_SET_COLUMNS: Final = (
    "group",
    "interval_start",
    "interval_end",
    "at_risk",
    "events",
    "competing",
    "censored",
)
#: The columns of a curve read from :func:`escalation.survival.aalen_johansen`.
_CURVE_COLUMNS: Final = ("estimate", "std_error", "conf_low", "conf_high")
#: Arms of the tables: treatment code -> group label.
ARMS: Final = {1: "treated", 0: "untreated"}


def time_grid(design: StudyDesign) -> FloatArray:
    """Return the shared interval boundaries of the risk-set tables.

    Each stretch between 0 and the first horizon, and between consecutive horizons, is
    cut into equal intervals of about ``[analysis] interval_days`` days, so every horizon
    is a boundary.

    Examples
    --------
    >>> from escalation.design import default_design
    >>> grid = time_grid(default_design())
    >>> len(grid), float(grid[1].round(2)), 365.0 in grid, float(grid[-1])
    (25, 30.42, True, 730.0)
    """
    step = design.analysis.interval_days
    ends = [0.0, *(float(h) for h in design.outcome.horizons)]
    parts = [np.zeros(1)]
    for low, high in itertools.pairwise(ends):
        pieces = max(1, round((high - low) / step))
        parts.append(np.linspace(low, high, pieces + 1)[1:])
    return np.concatenate(parts)


def grid_level(boundaries: npt.ArrayLike, anchors: npt.ArrayLike, level: int) -> FloatArray:
    """Return every ``2**level``-th boundary of each stretch between anchors (nested levels).

    ``anchors`` are boundaries always kept (0 and the horizons). Level ``m + 1`` keeps a
    subset of level ``m``'s boundaries, so authorities that coarsen to different levels
    still share the coarser one.

    Examples
    --------
    >>> grid_level([0, 10, 20, 30, 40, 50], [0, 30, 50], 1).tolist()
    [0.0, 20.0, 30.0, 50.0]
    """
    edges = np.asarray(boundaries, dtype=float)
    keep = np.asarray(anchors, dtype=float)
    out = [edges[:1]]
    for low, high in itertools.pairwise(np.unique(keep)):
        inside = edges[(edges > low) & (edges <= high)]
        picked = inside[(np.arange(1, inside.size + 1) % (2**level)) == 0]
        out.append(np.unique(np.r_[picked, high]))
    return np.unique(np.concatenate(out))


def coarsen_spells(spells: pd.DataFrame | SpellData, boundaries: npt.ArrayLike) -> pd.DataFrame:
    """Return ``duration`` and ``event`` with times rounded up to the grid.

    ``spells`` is a data frame of spells or a SpellData.

    A spell ending in ``(a, b]`` ends at ``b``; one still followed after the last
    boundary ``c`` is censored just after it (``c + 0.5``). This is the individual-level
    data the pooled risk-set tables describe exactly.

    Examples
    --------
    >>> spells = pd.DataFrame({"duration": [0.5, 31.0, 800.0], "event": [1, 0, 1]})
    >>> coarsen_spells(spells, [0, 30, 60])[["duration", "event"]].values.tolist()
    [[30.0, 1.0], [60.0, 0.0], [60.5, 0.0]]
    """
    spells = spells_of(spells, function="coarsen_spells")
    edges = np.asarray(boundaries, dtype=float)
    dur = durations(spells["duration"])
    ev = event_codes(spells["event"])
    index = np.searchsorted(edges, dur, side="left")
    beyond = index >= edges.size
    coarse = np.where(beyond, edges[-1] + 0.5, edges[np.minimum(index, edges.size - 1)])
    return pd.DataFrame(
        {"duration": coarse, "event": np.where(beyond, 0, ev).astype(float)},
        index=spells.index,
    )


def risk_set_counts(
    spells: pd.DataFrame | SpellData, boundaries: npt.ArrayLike, *, treatment: str = "treatment"
) -> pd.DataFrame:
    """Count spells at risk and leaving in each interval of the grid, by arm.

    Parameters
    ----------
    spells : pandas.DataFrame or SpellData
        ``duration``, ``event`` (0 censored, 1 escalation, 2+ competing) and the 0/1
        ``treatment`` column.
    boundaries : array_like
        Interval boundaries starting at 0 (see :func:`time_grid`).
    treatment : str, default "treatment"

    Returns
    -------
    pandas.DataFrame
        :data:`RISK_SET_COLUMNS`, one row per arm and interval, counts not yet under
        disclosure control (they never leave the authority as they are).
    """
    spells = spells_of(spells, function="risk_set_counts")
    edges = np.asarray(boundaries, dtype=float)
    if edges.size < 2 or edges[0] != 0 or np.any(np.diff(edges) <= 0):
        raise DesignError("the time grid must start at 0 and increase")
    coarse = coarsen_spells(spells, edges)
    arm = pd.to_numeric(spells[treatment], errors="coerce").to_numpy()
    rows = []
    for code, label in ARMS.items():
        mine = arm == code
        dur = coarse["duration"].to_numpy()[mine]
        ev = coarse["event"].to_numpy()[mine].astype(int)
        for a, b in itertools.pairwise(edges):
            leaving = dur == b
            rows.append(
                {
                    "group": label,
                    "interval_start": a,
                    "interval_end": b,
                    "at_risk": int((dur > a).sum()),
                    "events": int((leaving & (ev == 1)).sum()),
                    "competing": int((leaving & (ev >= 2)).sum()),
                    "censored": int((leaving & (ev == 0)).sum()),
                }
            )
    return pd.DataFrame(rows, columns=list(RISK_SET_COLUMNS))


def _check_table(table: pd.DataFrame, label: str) -> None:
    missing = [c for c in RISK_SET_COLUMNS if c not in table.columns]
    if missing:
        raise DesignError(f"risk-set table of {label} lacks column(s) {', '.join(missing)}")
    for group, rows in table.groupby("group", sort=False):
        ends = rows["interval_end"].to_numpy(float)
        starts = rows["interval_start"].to_numpy(float)
        if np.any(starts[1:] != ends[:-1]):
            raise DesignError(
                f"risk-set table of {label}, arm {group}: intervals are not contiguous"
            )
        at_risk = rows["at_risk"].to_numpy(float)
        exits = np.nansum(
            rows[["events", "competing", "censored"]].apply(pd.to_numeric).to_numpy(float), axis=1
        )
        wrong = np.flatnonzero(at_risk[1:] != at_risk[:-1] - exits[:-1])
        if wrong.size:
            i = int(wrong[0])
            raise DesignError(
                f"risk-set table of {label}, arm {group}: the numbers at risk do not follow "
                f"from the exits: column 'at_risk' of the interval from {starts[i + 1]:g} "
                f"is {at_risk[i + 1]:g}, not {at_risk[i]:g} at risk from {starts[i]:g} less "
                f"{exits[i]:g} exits"
            )


def pool_risk_sets(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, FloatArray]:
    """Add authorities' risk-set tables on the boundaries they all share.

    Parameters
    ----------
    tables : dict of str to DataFrame
        Each authority's (disclosed) table; a suppressed ``competing`` column (missing)
        counts its competing events among the censored, as the authority folded them.

    Returns
    -------
    (pandas.DataFrame, numpy.ndarray)
        The pooled table (same columns, counts summed) and the shared boundaries. Where
        an authority merged intervals, only boundaries every authority kept remain.
    """
    if not tables:
        raise DesignError("no risk-set tables to pool")
    for label, table in tables.items():
        _check_table(table, label)
    shared: set[float] | None = None
    for table in tables.values():
        edges = set(table["interval_start"].astype(float)) | set(
            table["interval_end"].astype(float)
        )
        shared = edges if shared is None else shared & edges
    boundaries = np.array(sorted(shared or {0.0}), dtype=float)
    # The common end: the earliest last boundary (later times are not in every table).
    last = min(float(t["interval_end"].max()) for t in tables.values())
    boundaries = boundaries[boundaries <= last]
    rows = []
    for group in ARMS.values():
        for a, b in itertools.pairwise(boundaries):
            at_risk = events = competing = censored = 0
            for table in tables.values():
                mine = table[table["group"] == group]
                first = mine[mine["interval_start"] == a]
                inside = mine[(mine["interval_start"] >= a) & (mine["interval_end"] <= b)]
                if first.empty:
                    raise DesignError(
                        f"arm {group}: an authority has no interval starting at {a:g}"
                    )
                at_risk += int(first["at_risk"].iloc[0])
                events += int(inside["events"].sum())
                competing += int(np.nansum(pd.to_numeric(inside["competing"]).to_numpy(float)))
                censored += int(inside["censored"].sum())
            rows.append(
                {
                    "group": group,
                    "interval_start": a,
                    "interval_end": b,
                    "at_risk": at_risk,
                    "events": events,
                    "competing": competing,
                    "censored": censored,
                }
            )
    return pd.DataFrame(rows, columns=list(RISK_SET_COLUMNS)), boundaries


def _expand(table: pd.DataFrame) -> pd.DataFrame:
    """Rows equivalent to the counts: one per spell, time at the interval end."""
    parts = []
    for group, rows in table.groupby("group", sort=False):
        rows = rows.sort_values("interval_start")
        durations_: list[FloatArray] = []
        events_: list[FloatArray] = []
        for code, column in ((1, "events"), (2, "competing"), (0, "censored")):
            counts = np.nan_to_num(pd.to_numeric(rows[column]).to_numpy(dtype=float)).astype(
                np.int64
            )
            durations_.append(np.repeat(rows["interval_end"].to_numpy(float), counts))
            events_.append(np.full(int(counts.sum()), code, dtype=float))
        last = rows.iloc[-1]
        exits = pd.to_numeric(last[["events", "competing", "censored"]], errors="coerce")
        remaining = int(last["at_risk"]) - int(np.nansum(exits.to_numpy(dtype=float)))
        durations_.append(np.full(remaining, float(last["interval_end"]) + 0.5))
        events_.append(np.zeros(remaining))
        parts.append(
            pd.DataFrame(
                {
                    "duration": np.concatenate(durations_),
                    "event": np.concatenate(events_),
                    "group": group,
                }
            )
        )
    return pd.concat(parts, ignore_index=True)


def curves_from_risk_sets(table: pd.DataFrame, conf_level: float = 0.95) -> pd.DataFrame:
    """Return the Aalen–Johansen cumulative incidence of escalation by arm from counts.

    Parameters
    ----------
    table : pandas.DataFrame
        A risk-set table (one authority's, or pooled by :func:`pool_risk_sets`).
    conf_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        ``group, time, estimate, std_error, conf_low, conf_high, conf_level, at_risk`` at every
        boundary of the table (time 0 included), as
        :func:`escalation.survival.aalen_johansen` gives them (its curves' ``at``). At a
        boundary past an arm's last follow-up (its rows end earlier than the table's,
        or no spell of the arm is left at risk) the estimate, standard error and limits
        are NaN: the curve is unknown there
        (:func:`~escalation.survival._outcome.past_follow_up`), not its last value.

    Examples
    --------
    >>> table = pd.DataFrame({"group": ["treated"] * 2, "interval_start": [0.0, 30.0],
    ...     "interval_end": [30.0, 60.0], "at_risk": [100, 80], "events": [10, 10],
    ...     "competing": [0, 0], "censored": [10, 10]})
    >>> curves_from_risk_sets(table)["estimate"].round(4).tolist()
    [0.0, 0.1, 0.2125]
    """
    from escalation.survival.nonparametric import aalen_johansen

    rows = _expand(table)
    fit = aalen_johansen(rows, causes=[1], group="group", conf_level=conf_level)
    times = np.unique(np.r_[0.0, table["interval_end"].to_numpy(float)])
    # The curve's own reading: NaN past an arm's last follow-up (its table ends earlier)
    read = fit.at(times.tolist())
    out = []
    for group, curve in read.groupby("group", sort=False):
        at_risk = table[table["group"] == group].set_index("interval_start")["at_risk"]
        out.append(
            pd.DataFrame(
                {
                    "group": group,
                    "time": times,
                    **{c: curve[c].to_numpy(float) for c in _CURVE_COLUMNS},
                    "conf_level": fit.conf_level,
                    "at_risk": [at_risk.get(t, np.nan) for t in times],
                }
            )
        )
    return pd.concat(out, ignore_index=True)
