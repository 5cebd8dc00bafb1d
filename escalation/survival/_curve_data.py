"""The rows of a non-parametric curve or test, as arrays, read once for every estimator.

:func:`curve_arrays` reads a :class:`~escalation.timeline.spells.SpellData` or a data
frame of spells (the follow-up, event codes, weights, groups, strata and clusters) and
checks them; the Kaplan–Meier, Nelson–Aalen and Aalen–Johansen curves, the log-rank test,
RMST and Gray's test share it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._vocabulary import column_name, resolve_cluster, spells_of, weights_column
from escalation.clusters import cluster_codes, cluster_labels
from escalation.errors import DesignError, available_columns, refuse_personal
from escalation.survival._outcome import (
    Weights,
    counting_intervals,
    durations,
    event_codes,
    refuse_missing_labels,
    usable_rows,
)
from escalation.timeline.matrix import in_level_order

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = ["CurveArrays", "curve_arrays", "levels_seen"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class CurveArrays:
    """One curve's or test's rows as arrays: follow-up, event codes, weights, groups, strata."""

    duration: FloatArray
    event: npt.NDArray[np.int64]
    weights: FloatArray
    levels: tuple[Any, ...]  # the groups, in level order (_group_codes)
    codes: npt.NDArray[np.int64]  # each row's position in levels
    strata: npt.NDArray[Any]
    dropped: int
    clusters: IntArray | None = None  # each row's cluster code (None: not clustered)
    cluster: str | None = None  # the column they come from
    entry: FloatArray | None = None  # each row's delayed entry (None: at risk from 0)

    @property
    def n_clusters(self) -> int | None:
        """Return the number of clusters (``None`` when not clustered)."""
        return None if self.clusters is None else int(np.unique(self.clusters).size)

    def cluster_codes(self, rows: npt.NDArray[np.bool_]) -> IntArray | None:
        """Return the cluster codes of ``rows`` (``None`` when not clustered)."""
        return None if self.clusters is None else self.clusters[rows]

    def entries(self, rows: npt.NDArray[np.bool_]) -> FloatArray | None:
        """Return the delayed entries of ``rows`` (``None`` when every row is at risk from 0)."""
        return None if self.entry is None else self.entry[rows]

    def groups(self) -> list[tuple[Any, npt.NDArray[np.bool_]]]:
        """Each group's level and rows."""
        if len(self.levels) == 1:
            return [(self.levels[0], np.ones(self.codes.size, dtype=bool))]
        return [(level, self.codes == i) for i, level in enumerate(self.levels)]


def _group_codes(values: pd.Series | None, n: int) -> tuple[tuple[Any, ...], IntArray]:
    """Return the group levels and each row's position among them.

    The levels are in the package's one level order
    (:func:`~escalation.timeline.matrix.level_order`, as the covariate coding, formulas
    and Table 1 order them): a ``Categorical``'s declared order, else sorted, numerically
    when every level is a number (``"2"`` before ``"10"``). The rows are hashed once
    (:func:`pandas.factorize`); only the distinct values are put in order.
    """
    if values is None:
        return ("all",), np.zeros(n, dtype=np.int64)
    codes, found = pd.factorize(values)
    ordered = in_level_order(pd.Series(found))
    rank = ordered.codes.astype(np.int64)
    return tuple(ordered.categories), rank[codes]


#: Why a personal column is no group of curves (the role
#: :func:`~escalation.errors.refuse_personal` names).
_GROUP_ROLE: Final = (
    "a group: its values would label the curves, which tables and figures print; to allow "
    "for the repeated spells of a child or family, cluster on the identifier instead (cluster=)"
)


def curve_arrays(
    data: SpellData | pd.DataFrame,
    *,
    function: str,
    group: str | None = None,
    weights: Weights = None,
    strata: str | None = None,
    duration: str = "duration",
    event: str = "event",
    cluster: str | None = None,
    entry: str | None = None,
) -> CurveArrays:
    """Return the arrays of a curve's or test's rows, or raise naming what is wrong.

    The columns are checked to be there, the group not to be a personal column (its
    values label the curves: :func:`~escalation.errors.refuse_personal`), the group and
    strata labels to be present, and rows of weight 0 left out (counted in ``dropped``).
    With ``entry`` (delayed entry), each row's entry must be a finite time before its exit
    (:func:`~escalation.survival._outcome.counting_intervals`).
    """
    for argument, value in (("group", group), ("strata", strata)):
        column_name(value, function=function, argument=argument)
    column_name(duration, function=function, argument="duration")
    column_name(event, function=function, argument="event")
    column_name(entry, function=function, argument="entry")
    refuse_personal([] if group is None else [group], _GROUP_ROLE, "spells")
    cluster = resolve_cluster(data, cluster)
    if strata is not None and strata == group:  # a k-sample test within its own groups
        raise DesignError(
            f"column {group!r} is both the group and the strata: within each stratum there "
            "is one group, so there is nothing to compare; give other strata"
        )
    frame, weights = weights_column(spells_of(data, function=function), weights, function=function)
    wanted = [
        duration,
        event,
        *(c for c in (group, weights, strata, cluster, entry) if c is not None),
    ]
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise DesignError(
            f"column(s) {', '.join(map(str, missing))} are not in the data"
            f"{available_columns(missing, frame.columns)}"
        )
    refuse_missing_labels(frame, [group], what="group")
    refuse_missing_labels(frame, [strata], what="stratum")
    used = usable_rows(frame, weights=weights)  # weight 0: left out, counted as dropped
    frame = used.frame
    with used.input_rows():  # errors name the rows of the user's table
        if entry is None:
            time, start = durations(frame[duration]), None
        else:
            start, time = counting_intervals(frame[entry], frame[duration], table="spells")
        codes_ = event_codes(frame[event])
    w = np.ones(len(frame)) if used.weights is None else used.weights
    levels, codes = _group_codes(None if group is None else frame[group], len(frame))
    s = np.zeros(len(frame), dtype=object) if strata is None else frame[strata].to_numpy()
    clusters = None if cluster is None else cluster_codes(cluster_labels(frame, cluster))
    return CurveArrays(time, codes_, w, levels, codes, s, used.dropped, clusters, cluster, start)


def levels_seen(values: npt.NDArray[Any]) -> list[Any]:
    """Return the distinct values in the order they are first seen."""
    return list(pd.unique(pd.Series(values)).tolist()) if values.size else []
