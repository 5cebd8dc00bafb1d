"""Non-parametric curves and tests: Kaplan–Meier, Nelson–Aalen, Aalen–Johansen, log-rank, RMST.

The counts and the product limit are the package's one kernel
(:mod:`escalation.core.productlimit`: events before censorings at tied times); the
variances and tests follow R's ``survival`` package: ``survfit`` (Greenwood variance for
Kaplan–Meier; infinitesimal-jackknife variance for Aalen–Johansen and weighted curves,
computed in one pass over the rows), ``survdiff`` (stratified Fleming–Harrington G-rho
tests) and ``print(survfit, rmean = tau)``. ``tests/reference/survival`` holds the R script
and its frozen output the tests compare against.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, cast

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation._vocabulary import (
    cause_code,
    cause_from_event,
    real_number,
    refuse_repeats,
)
from escalation.core import productlimit
from escalation.core.influence import area_influence, influence_se
from escalation.core.sandwich import logrank_score_residuals, robust_score_statistic
from escalation.errors import DesignError, StatisticalWarning
from escalation.survival._curve_data import CurveArrays, curve_arrays, levels_seen
from escalation.survival._ksample import (
    check_rho,
    quadratic_statistic,
    uninformative_groups,
    warn_lost_df,
)
from escalation.survival._outcome import Weights, past_follow_up, prediction_times
from escalation.survival._result import KSampleTestResult, SurvivalResult, check_conf_level
from escalation.survival._survival_interval import ConfType, check_conf_type, survival_interval
from escalation.survival.quantiles import curve_quantile

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "ConfType",
    "CurveResult",
    "LogRankResult",
    "RMSTResult",
    "aalen_johansen",
    "kaplan_meier",
    "logrank_test",
    "nelson_aalen",
    "rmst",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def _counts(
    duration: FloatArray,
    event: npt.NDArray[np.bool_],
    w: FloatArray,
    entry: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """Event times, weighted at risk, weighted events, unweighted at risk (the core's counts).

    With ``entry`` a row is at risk on ``(entry, duration]`` (the core's delayed entry).
    """
    times = productlimit.distinct(duration[event])
    counts = productlimit.count(
        duration, event.astype(np.int64), weights=w, start=entry, times=times
    )
    return counts.time, counts.at_risk, counts.cause(1), counts.n_risk


def _entered_se(
    counts: productlimit.Counts,
    terms: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    w: FloatArray,
    clusters: IntArray | None,
    entry: FloatArray | None,
    censored: Callable[[npt.NDArray[np.intp]], tuple[FloatArray, FloatArray]],
) -> FloatArray:
    r"""Infinitesimal-jackknife standard error of a curve, with delayed entry.

    ``terms`` are the per-row ``left, slope`` and per-time ``staying, level`` of
    :func:`escalation.core.influence.influence_se`, for rows at risk from time 0. A row
    at risk on :math:`(e, t]` influences the hazard only where it is at risk, so its
    influence is that of a row followed from 0 to :math:`t` less that of a row censored at
    :math:`e` (whose ``left, slope`` at event position ``p`` are ``censored(p)``): each row
    and its censored double (weight :math:`-w`) are summed in one cluster (the row's own,
    or its ``clusters`` code) before squaring. Without ``entry``: ``influence_se`` itself.
    """
    left, slope, staying, level = terms
    if entry is None:
        return influence_se(counts.last, left, slope, staying, level, w, clusters)
    at = np.searchsorted(counts.time, entry, side="right") - 1
    left_e, slope_e = censored(np.clip(at, 0, None))
    own = np.arange(w.size, dtype=np.int64) if clusters is None else clusters
    return influence_se(
        np.concatenate((counts.last, at.astype(np.int64))),
        np.concatenate((left, left_e)),
        np.concatenate((slope, slope_e)),
        staying,
        level,
        np.concatenate((w, -w)),
        np.concatenate((own, own)),
    )


@dataclass(frozen=True)
class CurveResult(SurvivalResult):
    """Estimated curves (survival, cumulative hazard or cumulative incidence) by group.

    Attributes
    ----------
    curves : pandas.DataFrame
        ``time, estimate, std_error, conf_low, conf_high, conf_level, group`` (+ ``cause``
        for cumulative incidence) and ``n_risk, n_event`` (weighted), one row per event
        time and group; each curve starts with a row at time 0 and ends at its group's
        last follow-up time (a row with no events when that is a censoring, the estimate
        flat since the last event), as R's ``survfit`` and lifelines end them.
    kind : {"survival", "cumulative_hazard", "cumulative_incidence"}
        What ``estimate`` is.
    method : str
        Estimator and interval, e.g. ``"kaplan-meier, greenwood, log"``.
    n, events : int
        Rows and events used.
    dropped : int
        Rows left out (case weight 0).
    conf_level : float
        Level of the intervals.
    exits : pandas.DataFrame
        ``group, time, count, weight``: rows leaving follow-up at each time and their
        summed case weights (for numbers at risk); with delayed entry, also the rows
        entering at each time after 0, with count and weight negated.
    group_name : str or None
        The column the groups come from (labels the legend of :meth:`plot`).
    cluster : str or None
        The column of clusters of the (robust) standard errors, or ``None``.
    clusters : int or None
        The number of clusters (``None`` when not clustered).
    weighted : bool
        Whether the curves are weighted (``weights=``: inverse probability weights, say).
    """

    curves: pd.DataFrame
    kind: str
    method: str
    n: int
    events: int
    conf_level: float
    exits: pd.DataFrame = field(repr=False)
    backend: None = field(default=None, repr=False)
    dropped: int = 0
    group_name: str | None = None
    cluster: str | None = None
    clusters: int | None = None
    weighted: bool = False

    @property
    def title(self) -> str:
        """Heading of the summary."""
        return {
            "survival": "Kaplan–Meier survival",
            "cumulative_hazard": "Nelson–Aalen cumulative hazard",
            "cumulative_incidence": "Aalen–Johansen cumulative incidence",
        }[self.kind]

    def tidy(self) -> pd.DataFrame:
        """Return the curves (see :attr:`curves`)."""
        return self.curves.copy()

    def at_risk(self, times: Sequence[float] | None = None) -> pd.DataFrame:
        """Return numbers at risk (unweighted) ``time, group, at_risk`` at ``times``.

        The number at risk at ``t`` counts the rows still followed at ``t`` (duration
        ``>= t``), as R's ``summary(survfit, times = )``; 0 past a group's last follow-up.
        With delayed entry (``entry=``) only the rows entered before ``t`` count
        (``entry < t <= duration``; R's ``summary`` takes the count at its next recorded
        time, so it also counts rows entering in between).

        Parameters
        ----------
        times : sequence of float, optional
            Default: the times of each curve (its event times and its last follow-up).
        """
        if times is None:
            rows = self.curves.drop_duplicates(["group", "time"])
            frame = rows[["time", "group", "n_risk_unweighted"]]
            return frame.rename(columns={"n_risk_unweighted": "at_risk"}).reset_index(drop=True)
        at = prediction_times(times)
        out = [
            pd.DataFrame({"time": at, "group": group, "at_risk": counts})
            for group, counts, _weighted in self._remaining(at)
        ]
        return pd.concat(out, ignore_index=True)

    def _remaining(self, at: FloatArray) -> list[tuple[Any, IntArray, FloatArray]]:
        """Per group: the rows (and their summed weights) still followed at each of ``at``."""
        out = []
        for group, part in self.exits.groupby("group", sort=False):
            t = part["time"].to_numpy(dtype=float)
            index = np.searchsorted(t, at, side="left")
            counts = part["count"].to_numpy()
            weights = part["weight"].to_numpy(dtype=float) if "weight" in part else counts
            # sums from the last exit backwards, so the weight left past the end is exactly 0
            count_left = np.concatenate((np.cumsum(counts[::-1])[::-1], [0]))
            weight_left = np.concatenate((np.cumsum(weights[::-1])[::-1], [0.0]))
            out.append((group, count_left[index], weight_left[index].astype(float)))
        return out

    def at(self, times: Sequence[float]) -> pd.DataFrame:
        """Return the curves read off at ``times``, with the counts of R's ``summary``.

        The estimate, its standard error and limits are the step functions'
        (right-continuous) values at each time. The counts follow R's
        ``summary(survfit, times = )``:

        - ``n_risk`` (weighted) and ``n_risk_unweighted``: the number at risk at ``t``
          (rows with duration ``>= t``, and entry ``< t`` with delayed entry), the same as
          :meth:`at_risk`;
        - ``n_event`` (weighted): the events (of the curve's cause) in the interval since
          the previous requested time, ``(previous, t]``, or ``[0, t]`` for the first. The
          previous time is the largest of ``times`` below ``t``, whatever their order, so
          the ``n_event`` of sorted ``times`` add up to the events by the last one.

        Past a group's last follow-up time the curve is unknown, so its estimate, standard
        error and limits are NaN (R's ``summary(survfit, times, extend = FALSE)`` leaves
        those times out); ``n_risk`` is then 0 and ``n_event`` still counts the events
        since the previous time (as R's ``extend = TRUE``).

        Parameters
        ----------
        times : sequence of float
            Times to read the curves at (the same for every group).

        Returns
        -------
        pandas.DataFrame
            The columns of :attr:`curves`, one row per time and group (and cause), with
            ``time`` the requested time.

        Examples
        --------
        >>> spells = pd.DataFrame({"duration": [1, 2, 3, 4, 5, 6],
        ...                        "event": [1, 1, 1, 0, 1, 0]})
        >>> kaplan_meier(spells).at([2.5, 5])[["time", "estimate", "n_risk", "n_event"]]
           time  estimate  n_risk  n_event
        0   2.5  0.666667     4.0      2.0
        1   5.0  0.250000     2.0      2.0
        """
        keys = ["group", "cause"] if "cause" in self.curves else ["group"]
        counts = ("n_risk", "n_event", "n_risk_unweighted")
        last = self.exits.groupby("group")["time"].max()
        at = prediction_times(times)
        previous = _previous_times(at)
        remaining = {group: (n, w) for group, n, w in self._remaining(at)}
        unknown = [
            c for c in self.curves.columns if c not in (*keys, *counts, "time", "conf_level")
        ]
        out = []
        for _key, part in self.curves.groupby(keys, sort=False):
            group = part["group"].iloc[0]
            t = part["time"].to_numpy(dtype=float)
            idx = np.searchsorted(t, at, "right")
            rows = part.iloc[np.maximum(idx - 1, 0)].copy()
            rows["time"] = at
            rows.loc[past_follow_up(at, float(last.get(group, np.inf))), unknown] = np.nan
            so_far = np.concatenate(([0.0], np.cumsum(part["n_event"].to_numpy(dtype=float))))
            rows["n_event"] = so_far[idx] - so_far[np.searchsorted(t, previous, "right")]
            n_unweighted, n_weighted = remaining[group]
            rows["n_risk"] = n_weighted
            rows["n_risk_unweighted"] = n_unweighted.astype(float)
            out.append(rows)
        return pd.concat(out, ignore_index=True)[list(self.curves.columns)]

    def quantile(self, p: float = 0.5) -> pd.DataFrame:
        """Return the time by which a share ``p`` had the event, with its interval.

        As R's ``quantile(survfit)`` (and the median of ``print(survfit)``): the first
        time ``1 - S`` (or the cumulative incidence) reaches ``p``, the middle of a flat
        stretch at exactly ``p``; the limits are the same quantile of the curve's
        pointwise limits (Brookmeyer–Crowley, with the curve's ``conf_type``). See
        :mod:`escalation.survival.quantiles`.

        Parameters
        ----------
        p : float, default 0.5
            The share, strictly between 0 and 1.

        Returns
        -------
        pandas.DataFrame
            ``group`` (+ ``cause``), ``quantile, estimate, conf_low, conf_high,
            conf_level``: NaN where a curve never reaches ``p`` (most often the upper
            limit: follow-up too short).

        Raises
        ------
        DesignError
            For a cumulative hazard, or ``p`` outside (0, 1).
        """
        if self.kind == "cumulative_hazard":
            raise DesignError(
                "quantiles are of survival or cumulative incidence curves; use kaplan_meier "
                "or aalen_johansen"
            )
        if not 0.0 < p < 1.0:
            raise DesignError(f"p must lie strictly between 0 and 1, got {p!r}")
        keys = ["group", "cause"] if "cause" in self.curves else ["group"]
        last = self.exits.groupby("group", sort=False)["time"].max()
        rows = []
        for key, part in self.curves.groupby(keys, sort=False):
            t = part["time"].to_numpy(dtype=float)
            if self.kind == "survival":
                risk, early, late = (
                    1.0 - part[["estimate", "conf_low", "conf_high"]].to_numpy(dtype=float).T
                )
            else:
                risk, late, early = (
                    part[["estimate", "conf_low", "conf_high"]].to_numpy(dtype=float).T
                )
            end = float(last.get(part["group"].iloc[0], t[-1]))
            labels = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
            rows.append(
                {
                    **labels,
                    "quantile": p,
                    "estimate": curve_quantile(t, risk, p, end),
                    "conf_low": curve_quantile(t, early, p, end),
                    "conf_high": curve_quantile(t, late, p, end),
                    "conf_level": self.conf_level,
                }
            )
        return pd.DataFrame(rows)

    def median(self) -> pd.DataFrame:
        """Return the median time to the event with its interval (:meth:`quantile` at 0.5).

        Examples
        --------
        >>> spells = pd.DataFrame({"duration": [1, 2, 3, 4, 5, 6],
        ...                        "event": [1, 1, 1, 0, 1, 0]})
        >>> kaplan_meier(spells).median()[["estimate", "conf_low"]]
           estimate  conf_low
        0       4.0       2.0
        """
        return self.quantile(0.5)

    def plot(self, **options: Any) -> Any:
        """Return the curves as a figure (:func:`escalation.figures.plot_survival_curves`).

        Groups get their human labels and the numbers at risk are tabled beneath;
        ``options`` go to the figure function (e.g. ``title=``, ``labels=``).
        """
        from escalation.figures.results import plot_curve_result

        return plot_curve_result(self, **options)

    def _facts(self) -> dict[str, Any]:
        clustered = {} if self.cluster is None else {"cluster": self.cluster}
        return {
            **self._counts(),
            "groups": self.curves["group"].nunique(),
            "conf_level": self.conf_level,
            **clustered,
            **({} if self.clusters is None else {"clusters": self.clusters}),
        }

    def _summary_table(self) -> pd.DataFrame:
        """Per group: n, events and the median with its interval (as ``print(survfit)``).

        Counts are whole numbers (weighted events keep their decimals); a median the
        curve never reaches reads ``not reached`` and a limit never reached ``NA``, as R
        prints them.
        """
        events = self.curves.groupby("group", sort=False)["n_event"].sum()
        if self.kind == "cumulative_hazard":
            return pd.DataFrame({"group": events.index, "events": _counts_for_reading(events)})
        # the rows of each group (with delayed entry not all are at risk at time 0)
        leaving = self.exits[self.exits["count"] > 0]
        rows = leaving.groupby("group", sort=False)["count"].sum()
        table = pd.DataFrame({"group": self.curves["group"].drop_duplicates()})
        table = table.reset_index(drop=True)
        table["n"] = table["group"].map(rows).fillna(0).astype(int)
        table["events"] = _counts_for_reading(table["group"].map(events))
        medians = self.median()
        if "cause" in medians:
            medians = medians[medians["cause"] == medians["cause"].iloc[0]]
        level = f"{100 * self.conf_level:g}%"
        merged = table.merge(medians, on="group", how="left")
        return pd.DataFrame(
            {
                "group": merged["group"],
                "n": merged["n"],
                "events": merged["events"],
                "median": _times_for_reading(merged["estimate"], "not reached"),
                f"lower {level}": _times_for_reading(merged["conf_low"], "NA"),
                f"upper {level}": _times_for_reading(merged["conf_high"], "NA"),
            }
        )


def _counts_for_reading(values: pd.Series) -> pd.Series:
    """Event counts as integers when they are whole (unweighted), else as they are."""
    numbers = values.to_numpy(dtype=float)
    if np.array_equal(numbers, np.round(numbers)):
        return pd.Series(numbers.astype(np.int64), index=values.index)
    return values


def _times_for_reading(values: pd.Series, missing: str) -> list[Any]:
    """Return times as printed: whole days as integers, ``missing`` where NaN."""
    out: list[Any] = []
    for value in values.to_numpy(dtype=float):
        if np.isnan(value):
            out.append(missing)
        elif value == np.round(value):
            out.append(int(value))
        else:
            out.append(float(value))
    return out


def _previous_times(at: FloatArray) -> FloatArray:
    """Return the largest of ``at`` below each of ``at`` (``-inf`` for the smallest)."""
    ordered = np.unique(at)
    position = np.searchsorted(ordered, at, side="left")
    return np.concatenate(([-np.inf], ordered))[position]


def _exits(arrays: CurveArrays) -> pd.DataFrame:
    """Per group: each time rows leave follow-up, how many leave and their summed weight.

    Without weights (every weight 1) the counts are the sums, found by sorting; with
    weights pandas sums them (compensated sums). With delayed entry, the rows entering at
    each time are listed there too, with count and weight negated (after those leaving at
    that time): the sums over times ``>= t`` are then those at risk at ``t``
    (``entry < t <= duration``; a row entering at or before 0 is at risk at 0, as every
    row is without entry), and the positive counts still sum to the rows.
    """
    unit = bool((arrays.weights == 1.0).all()) and arrays.entry is None
    frames = []
    for level, rows in arrays.groups():
        duration = arrays.duration[rows]
        entry = arrays.entries(rows)
        if entry is not None:
            late = entry > 0.0  # entering at or before 0: at risk from time 0, as without
            times = np.concatenate((duration, entry[late]))
            counts = np.concatenate((np.ones(duration.size), -np.ones(int(late.sum()))))
            weights = np.concatenate((arrays.weights[rows], -arrays.weights[rows][late]))
            keys = pd.DataFrame({"time": times, "entering": counts < 0})
            table = (
                pd.DataFrame({"size": counts, "sum": weights})
                .groupby([keys["time"], keys["entering"]])
                .sum()
            )
            time = table.index.get_level_values("time").to_numpy(dtype=float)
            count = table["size"].to_numpy().astype(np.int64)
            weight = table["sum"].to_numpy(dtype=float)
        elif unit:
            time, count = np.unique(duration, return_counts=True)
            weight = count.astype(float)
        else:
            by_time = pd.Series(arrays.weights[rows]).groupby(duration).agg(["size", "sum"])
            time = by_time.index.to_numpy(dtype=float)
            count = by_time["size"].to_numpy()
            weight = by_time["sum"].to_numpy(dtype=float)
        frames.append(
            pd.DataFrame({"group": level, "time": time, "count": count, "weight": weight})
        )
    return pd.concat(frames, ignore_index=True)


def _finish(frames: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(frames, ignore_index=True)
    columns = ["time", "estimate", "std_error", "conf_low", "conf_high", "conf_level", "group"]
    if "cause" in out:
        columns.append("cause")
    columns += ["n_risk", "n_event", "n_risk_unweighted"]
    return out[columns]


def _na_influence_se(
    duration: FloatArray,
    hit: npt.NDArray[np.bool_],
    w: FloatArray,
    clusters: IntArray | None = None,
    entry: FloatArray | None = None,
) -> FloatArray:
    r"""Infinitesimal-jackknife standard error of the weighted Nelson–Aalen estimate.

    A row leaving at event time :math:`m` has influence :math:`a = -C_m + 1/Y_m` (event) or
    :math:`-C_m` (censored) from then on, :math:`C = \sum d/Y^2`; before that
    :math:`-C_j`. The variance (by row, or by cluster with ``clusters``) is
    :func:`escalation.core.influence.influence_se` of those: one pass over the rows
    (with ``entry``, :func:`_entered_se`).
    """
    counts = productlimit.count(
        duration,
        hit.astype(np.int64),
        weights=w,
        start=entry,
        times=productlimit.distinct(duration[hit]),
    )
    y, d = counts.at_risk, counts.cause(1)
    if y.size == 0:
        return np.zeros(0)
    cum = np.cumsum(d / y**2)
    exited = np.clip(counts.last, 0, None)
    own = -cum[exited] + np.where(hit, 1.0 / y[exited], 0.0)
    zero = np.zeros(own.size)
    return _entered_se(
        counts, (own, zero, -cum, cum), w, clusters, entry, lambda at: (-cum[at], zero)
    )


def _curve_rows(
    kind: str,
    data: CurveArrays,
    cause: int | None,
    conf_level: float,
    conf_type: ConfType,
    jackknife: bool,
) -> tuple[list[pd.DataFrame], int]:
    z = float(stats.norm.ppf(0.5 + conf_level / 2.0))
    frames = []
    total = 0
    for level, rows in data.groups():
        duration, w = data.duration[rows], data.weights[rows]
        clusters = data.cluster_codes(rows)
        entry = data.entries(rows)
        hit = data.event[rows] > 0 if cause is None else data.event[rows] == cause
        total += int(hit.sum())
        times, y, d, n_risk = _counts(duration, hit, w, entry)
        with np.errstate(divide="ignore", invalid="ignore"):
            if kind == "survival":
                estimate = productlimit.product_limit(y, d)
                if jackknife:  # the standard error of S itself (0 where S = 0, as R)
                    code = hit.astype(np.int64)
                    se = _aj_influence(duration, code, w, 1, clusters=clusters, entry=entry)[2]
                    se_log = se / estimate
                else:
                    se_log = np.sqrt(np.cumsum(d / (y * (y - d))))
                    se = se_log * estimate
                low, high = survival_interval(estimate, se_log, z, conf_type)
                start = 1.0
            else:
                estimate = np.asarray(np.cumsum(d / y), dtype=float)
                se = (
                    _na_influence_se(duration, hit, w, clusters, entry)
                    if jackknife
                    else np.sqrt(np.cumsum(d / y**2))
                )
                factor = np.exp(z * se / estimate)
                low, high = estimate / factor, estimate * factor
                start = 0.0
        frames.append(
            _curve_frame(
                times, (estimate, se, low, high), start, (y, d, n_risk), duration, w,
                {"conf_level": conf_level, "group": level}, entry,
            )
        )  # fmt: skip
    return frames, total


_IJ = "infinitesimal jackknife"


def _variance_name(weighted: bool, cluster: str | None, plain: str | None) -> str | None:
    """Return the standard errors' name in ``method``: ``plain``, jackknife or clustered."""
    if cluster is not None:
        return f"{_IJ} clustered by {cluster}"
    return _IJ if weighted else plain


def _method(estimator: str, variance: str | None, interval: str) -> str:
    """Return a curve's ``method``: estimator, standard errors (when named), interval."""
    return ", ".join(part for part in (estimator, variance, interval) if part)


def _jackknife(weights: object, arrays: CurveArrays) -> bool:
    """Whether the standard errors are the infinitesimal jackknife (weighted or clustered)."""
    return weights is not None or arrays.clusters is not None


#: The columns of a curve table around its labels: the interval, then the counts.
_CURVE_COLUMNS: Final = (
    "time", "estimate", "std_error", "conf_low", "conf_high",
    "n_risk", "n_event", "n_risk_unweighted",
)  # fmt: skip


def _curve_frame(
    times: FloatArray,
    curve: tuple[FloatArray, FloatArray, FloatArray, FloatArray],
    start: float,
    counts: tuple[FloatArray, FloatArray, FloatArray],
    duration: FloatArray,
    w: FloatArray,
    labels: dict[str, Any],
    entry: FloatArray | None = None,
) -> pd.DataFrame:
    """Return one group's curve table, from time 0 (at ``start``) to its last follow-up.

    ``curve`` is the estimate, its standard error and interval at ``times``; ``counts``
    the weighted numbers at risk and of events and the unweighted numbers at risk there;
    ``labels`` the constant columns between the interval and the counts (``conf_level``,
    ``group`` and, of a cumulative incidence, ``cause``).

    The curves jump at event times only; after the last event the estimate is known (and
    flat) until the last row leaves follow-up, so a final row at that time (no events, the
    numbers still at risk then) ends the curve there, as R's ``survfit`` and lifelines do.
    With delayed ``entry`` the first row counts those at risk just after time 0 (entry
    ``<= 0``).
    """
    values = (times, *curve, *counts)
    first = np.ones(w.size, dtype=bool) if entry is None else entry <= 0.0
    firsts = (0.0, start, 0.0, start, start, float(w[first].sum()), 0.0, float(first.sum()))
    table: dict[str, FloatArray] = {
        name: np.concatenate(([first], column))
        for name, first, column in zip(_CURVE_COLUMNS, firsts, values, strict=True)
    }
    end = float(duration.max()) if duration.size else 0.0
    if end > float(table["time"][-1]):  # carried, flat, to the last follow-up
        still = duration >= end
        final = {"time": end, "n_risk": float(w[still].sum()), "n_event": 0.0}
        final["n_risk_unweighted"] = float(still.sum())
        for name, column in table.items():
            table[name] = np.append(column, final.get(name, column[-1]))
    curves = {name: table[name] for name in _CURVE_COLUMNS[:5]}
    numbers = {name: table[name] for name in _CURVE_COLUMNS[5:]}
    return pd.DataFrame({**curves, **labels, **numbers})


def kaplan_meier(
    data: SpellData | pd.DataFrame,
    *,
    group: str | None = None,
    weights: Weights = None,
    duration: str = "duration",
    event: str = "event",
    cause: int | None = None,
    conf_level: float = 0.95,
    conf_type: ConfType = "log",
    cluster: str | None = None,
    entry: str | None = None,
) -> CurveResult:
    r"""Estimate survival free of events by the (weighted) Kaplan–Meier method.

    Estimand: :math:`S(t) = P(T > t)`, the chance of remaining event-free past ``t``,
    assuming censoring independent of the event time (within ``group``). With competing
    events, ``1 - S`` is *not* the risk of one cause: use :func:`aalen_johansen`.

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        Spells with ``duration`` (> 0) and ``event`` (0 censored, else a cause code).
    group : str, optional
        Column splitting the data into separate curves.
    weights : str or array_like, optional
        Column of non-negative case weights (e.g. inverse-probability weights), or the
        weights themselves (one per spell, in row order). Rows with
        weight 0 are left out (also from the numbers at risk) and counted in
        ``glance()["dropped"]``.
    duration, event : str, default "duration", "event"
        Columns of follow-up days and of event codes (0 censored, 1, 2, ... the cause).
    cause : int, optional
        The cause counted as the event (others censored). Default: any event.
    conf_level : float, default 0.95
        Level of the pointwise intervals.
    conf_type : {"log", "log-log", "plain"}, default "log"
        Interval transform, as R's ``survfit(conf.type=)`` (R's default is ``"log"``).
    cluster : str, None or "auto", default None
        Column of clusters (e.g. ``"family_id"``: siblings share a family): the standard
        errors are the infinitesimal jackknife with each cluster's influence summed,
        :math:`\sqrt{\sum_c (\sum_{i \in c} w_i D_i)^2}`, as R's
        ``survfit(..., cluster = )`` (robust). ``"auto"``: the design's cluster for
        SpellData (``SpellData.cluster``), none for a data frame. ``None``: not clustered.
    entry : str, optional
        Column of entry times (delayed entry, left truncation): a row is at risk on
        ``(entry, duration]``, as R's ``survfit(Surv(entry, stop, event))`` (landmark
        cohorts, children entering the study after time zero, (start, stop] rows; pass
        ``cluster=`` the child's identifier when a child has several rows). An entry not
        before its exit is refused naming the row. Default: every row at risk from 0.

    Returns
    -------
    CurveResult
        ``kind="survival"``; ``std_error`` is the Greenwood standard error of ``S`` or,
        with ``weights`` or ``cluster``, the infinitesimal-jackknife standard error (R's
        ``survfit`` does the same for weighted or clustered data). ``glance()`` names the
        ``cluster`` and counts the ``clusters`` when clustered.

    References
    ----------
    Kaplan EL, Meier P (1958). Nonparametric estimation from incomplete observations.
    *JASA* 53:457–481. doi:10.1080/01621459.1958.10501452

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({"duration": [1, 2, 2, 3, 4], "event": [1, 0, 1, 1, 0]})
    >>> kaplan_meier(spells).tidy()[["time", "estimate", "n_event"]]
       time  estimate  n_event
    0   0.0       1.0      0.0
    1   1.0       0.8      1.0
    2   2.0       0.6      1.0
    3   3.0       0.3      1.0
    4   4.0       0.3      0.0

    The last row is the last follow-up (a censoring at day 4): the curve is known, and
    flat, until then.
    """
    conf_level = check_conf_level(conf_level)
    check_conf_type(conf_type)
    event, cause = cause_from_event(event, cause, function="kaplan_meier")
    arrays = curve_arrays(
        data,
        function="kaplan_meier",
        group=group,
        weights=weights,
        duration=duration,
        event=event,
        cluster=cluster,
        entry=entry,
    )
    frames, total = _curve_rows(
        "survival", arrays, cause, conf_level, conf_type, _jackknife(weights, arrays)
    )
    return CurveResult(
        _finish(frames),
        "survival",
        _method(
            "kaplan-meier",
            _variance_name(weights is not None, arrays.cluster, "greenwood"),
            conf_type,
        ),
        arrays.duration.size,
        total,
        conf_level,
        _exits(arrays),
        dropped=arrays.dropped,
        group_name=group,
        cluster=arrays.cluster,
        clusters=arrays.n_clusters,
        weighted=weights is not None,
    )


def nelson_aalen(
    data: SpellData | pd.DataFrame,
    *,
    group: str | None = None,
    weights: Weights = None,
    duration: str = "duration",
    event: str = "event",
    cause: int | None = None,
    conf_level: float = 0.95,
    cluster: str | None = None,
    entry: str | None = None,
) -> CurveResult:
    r"""Estimate the cumulative hazard by the (weighted) Nelson–Aalen method.

    Estimand: :math:`\Lambda(t) = \int_0^t \lambda(s)\,ds` of any event (cause-specific
    when ``cause`` is given), :math:`\hat\Lambda(t) = \sum_{t_j \le t} d_j / Y_j`.

    Parameters
    ----------
    data, group, weights, duration, event, cause, conf_level, cluster, entry
        As :func:`kaplan_meier`.

    Returns
    -------
    CurveResult
        ``kind="cumulative_hazard"``; ``std_error`` is
        :math:`\sqrt{\sum d_j / Y_j^2}` (R's ``std.chaz``; the infinitesimal jackknife
        with ``weights`` or ``cluster``), intervals are log-transformed:
        :math:`\hat\Lambda \exp(\pm z\,\mathrm{se}/\hat\Lambda)`.

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({"duration": [1, 2, 2, 3, 4], "event": [1, 0, 1, 1, 0]})
    >>> nelson_aalen(spells).tidy()["estimate"].round(4).tolist()
    [0.0, 0.2, 0.45, 0.95, 0.95]
    """
    conf_level = check_conf_level(conf_level)
    event, cause = cause_from_event(event, cause, function="nelson_aalen")
    arrays = curve_arrays(
        data,
        function="nelson_aalen",
        group=group,
        weights=weights,
        duration=duration,
        event=event,
        cluster=cluster,
        entry=entry,
    )
    frames, total = _curve_rows(
        "cumulative_hazard", arrays, cause, conf_level, "log", _jackknife(weights, arrays)
    )
    return CurveResult(
        _finish(frames),
        "cumulative_hazard",
        _method("nelson-aalen", _variance_name(weights is not None, arrays.cluster, None), "log"),
        arrays.duration.size,
        total,
        conf_level,
        _exits(arrays),
        dropped=arrays.dropped,
        group_name=group,
        cluster=arrays.cluster,
        clusters=arrays.n_clusters,
        weighted=weights is not None,
    )


def _event_counts(
    duration: FloatArray,
    event: npt.NDArray[np.int64],
    w: FloatArray,
    entry: FloatArray | None = None,
) -> productlimit.Counts:
    """Return the core's counts at the event times (any cause), shared by every cause."""
    times = productlimit.distinct(duration[event > 0])
    return productlimit.count(duration, event, weights=w, start=entry, times=times)


@dataclass(frozen=True)
class _Influence:
    """A curve's per-row influence terms (see :mod:`escalation.core.influence`)."""

    counts: productlimit.Counts
    cif: FloatArray
    alpha: FloatArray  # per row: influence after leaving, at F = 0
    beta: FloatArray  # per row: its slope in F
    staying: FloatArray  # per time: the influence of every row still followed
    censored: Callable[[npt.NDArray[np.intp]], tuple[FloatArray, FloatArray]]  # alpha, beta


def _aj_terms(
    duration: FloatArray,
    event: npt.NDArray[np.int64],
    w: FloatArray,
    cause: int,
    counts: productlimit.Counts | None = None,
    entry: FloatArray | None = None,
) -> _Influence:
    r"""Return the CIF of ``cause`` and every row's infinitesimal-jackknife influence on it.

    The influence of a row on :math:`F(t_j)` is the same for every row still at risk after
    :math:`t_j` (:math:`v_j = -A_j + F_j B_j - C_j`), and for a row that left at event time
    :math:`m \le j` it is affine in :math:`F_j` (:math:`\alpha + F_j\beta`, fixed by the
    row's exit and status): R's ``survfit`` influence for multi-state data. ``censored``
    gives, at event positions, the ``alpha, beta`` of a row censored there (for delayed
    entry, :func:`_entered_se`).
    """
    if counts is None:
        counts = _event_counts(duration, event, w, entry)
    y = counts.at_risk
    surv = productlimit.survival(counts)
    s_before = np.concatenate(([1.0], surv[:-1]))
    cif = productlimit.cumulative_incidence(counts, cause)
    lam = productlimit.hazard(y, counts.any_event)
    lam_k = productlimit.hazard(y, counts.cause(cause))
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.where(lam < 1.0, lam / ((1.0 - lam) * y), 0.0)
        q_event = np.where(lam < 1.0, 1.0 / ((1.0 - lam) * y), 0.0)
    cum_a = np.cumsum(s_before * lam_k / y)
    cum_b = np.cumsum(q)
    cum_c = np.cumsum(cif * q)
    staying = -cum_a + cif * cum_b - cum_c

    def censored(at: npt.NDArray[np.intp]) -> tuple[FloatArray, FloatArray]:
        return -cum_a[at] - cum_c[at], cum_b[at]

    if counts.time.size == 0:
        empty = np.zeros(duration.size)
        return _Influence(counts, cif, empty, empty, staying, censored)
    ended = event > 0
    exited = np.clip(counts.last, 0, None)  # rows leaving before the first time: no influence
    alpha = -cum_a[exited] - cum_c[exited]
    alpha = alpha + np.where(ended, cif[exited] * q_event[exited], 0.0)
    alpha = alpha + np.where(event == cause, s_before[exited] / y[exited], 0.0)
    beta = cum_b[exited] - np.where(ended, q_event[exited], 0.0)
    return _Influence(counts, cif, alpha, beta, staying, censored)


def _aj_influence(
    duration: FloatArray,
    event: npt.NDArray[np.int64],
    w: FloatArray,
    cause: int,
    counts: productlimit.Counts | None = None,
    clusters: IntArray | None = None,
    entry: FloatArray | None = None,
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    r"""Return times, the CIF, its infinitesimal-jackknife SE and the weighted at risk.

    The variance :math:`\sum_c (\sum_{i \in c} w_i \mathrm{infl}_i)^2` (each row its own
    cluster without ``clusters``) of the influence of :func:`_aj_terms` is a few
    cumulative sums over the exit times (:func:`escalation.core.influence.influence_se`):
    one pass over the rows, whatever the number of distinct times (R's ``survfit``
    variance; with ``cluster=`` its robust variance).
    """
    terms = _aj_terms(duration, event, w, cause, counts, entry)
    c = terms.counts
    if c.time.size == 0:
        return c.time, terms.cif, np.zeros(0), c.at_risk
    se = _entered_se(
        c,
        (terms.alpha, terms.beta, terms.staying, terms.cif),
        w,
        clusters,
        entry,
        terms.censored,
    )
    return c.time, terms.cif, se, c.at_risk


def aalen_johansen(
    data: SpellData | pd.DataFrame,
    *,
    causes: Sequence[int] | None = None,
    group: str | None = None,
    weights: Weights = None,
    duration: str = "duration",
    event: str = "event",
    conf_level: float = 0.95,
    cluster: str | None = None,
    entry: str | None = None,
) -> CurveResult:
    r"""Estimate cumulative incidence with competing events (Aalen–Johansen).

    Estimand: :math:`F_k(t) = P(T \le t, \text{cause} = k)`, the risk of cause ``k`` by
    ``t`` in the presence of the other causes, assuming independent censoring.

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        Spells with ``duration`` and ``event`` (0 censored, 1, 2, ... causes).
    causes : sequence of int, optional
        Causes to report; default every cause present.
    group, weights, conf_level, cluster, entry
        As :func:`kaplan_meier` (``entry``: as R's ``survfit(Surv(entry, stop,
        factor(event)), id = id)`` with every row starting in the same state; the
        infinitesimal jackknife counts each row's influence only while it is at risk).

    Returns
    -------
    CurveResult
        ``kind="cumulative_incidence"`` with a ``cause`` column. ``std_error`` is the
        infinitesimal-jackknife standard error (weighted: :math:`\sqrt{\sum_i (w_i
        D_i)^2}`; clustered: :math:`\sqrt{\sum_c (\sum_{i \in c} w_i D_i)^2}`), as R's
        ``survfit`` for multi-state data; intervals use its default log transform,
        :math:`F \exp(\pm z\,\mathrm{se}/F)` capped at 1. (R's survival 3.5.3 takes
        ``cluster=`` for multi-state curves but leaves it out of ``std.err``; the
        clustered values equal its per-row ``influence = TRUE`` summed by cluster.)

    Notes
    -----
    Without competing events the estimate equals one minus :func:`kaplan_meier`. Point
    values come from the package's one product-limit kernel
    (:mod:`escalation.core.productlimit`), as does
    :func:`escalation.survival.cumulative_incidence_at`.

    References
    ----------
    Aalen OO, Johansen S (1978). An empirical transition matrix for non-homogeneous Markov
    chains based on censored observations. *Scand J Stat* 5:141–150.

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({"duration": [1, 2, 3, 4], "event": [1, 2, 0, 1]})
    >>> cif = aalen_johansen(spells, causes=[1]).tidy()
    >>> cif[["time", "estimate"]].round(3)
       time  estimate
    0   0.0      0.00
    1   1.0      0.25
    2   2.0      0.25
    3   4.0      0.75
    """
    conf_level = check_conf_level(conf_level)
    arrays = curve_arrays(
        data,
        function="aalen_johansen",
        group=group,
        weights=weights,
        duration=duration,
        event=event,
        cluster=cluster,
        entry=entry,
    )
    wanted = sorted(int(c) for c in np.unique(arrays.event[arrays.event > 0]))
    causes = (
        wanted
        if causes is None
        else [cause_code(c, function="aalen_johansen", argument="causes") for c in causes]
    )
    refuse_repeats("cause(s)", causes)
    unknown = sorted(set(causes) - set(wanted))
    if unknown:
        warnings.warn(
            f"cause(s) {', '.join(map(str, unknown))} have no events in column 'event' (the "
            f"causes present are {', '.join(map(str, wanted)) or 'none'}): their incidence "
            "is 0 throughout; check the code if that is unexpected",
            StatisticalWarning,
            stacklevel=2,
        )
    z = float(stats.norm.ppf(0.5 + conf_level / 2.0))
    frames = []
    for level, rows in arrays.groups():
        time, code, w = arrays.duration[rows], arrays.event[rows], arrays.weights[rows]
        entered = arrays.entries(rows)
        counts = _event_counts(time, code, w, entered)
        clusters = arrays.cluster_codes(rows)
        for cause in causes:
            times, cif, se, y = _aj_influence(time, code, w, cause, counts, clusters, entered)
            with np.errstate(divide="ignore", invalid="ignore"):
                factor = np.exp(z * se / cif)
                low = np.where(cif > 0, cif / factor, np.nan)
                high = np.where(cif > 0, np.minimum(cif * factor, 1.0), np.nan)
            frames.append(
                _curve_frame(
                    times, (cif, se, low, high), 0.0,
                    (y, counts.cause(cause), counts.n_risk), time, w,
                    {"conf_level": conf_level, "group": level, "cause": cause}, entered,
                )
            )  # fmt: skip
    events_total = int(np.isin(arrays.event, causes).sum())
    return CurveResult(
        _finish(frames),
        "cumulative_incidence",
        _method("aalen-johansen", _variance_name(weights is not None, arrays.cluster, _IJ), "log"),
        arrays.duration.size,
        events_total,
        conf_level,
        _exits(arrays),
        dropped=arrays.dropped,
        group_name=group,
        cluster=arrays.cluster,
        clusters=arrays.n_clusters,
        weighted=weights is not None,
    )


@dataclass(frozen=True)
class LogRankResult(KSampleTestResult):
    r"""A (stratified, weighted) log-rank test.

    Attributes
    ----------
    table : pandas.DataFrame
        ``group, observed, expected`` (weighted by the G-rho weights when ``rho > 0``).
    statistic, df, p_value : float
        The chi-squared statistic, its degrees of freedom and p-value.
    rho : float
        Fleming–Harrington weight :math:`\hat S(t-)^\rho` (0 = log-rank, 1 = Peto–Peto
        style).
    strata : str or None
        Column the test was stratified on.
    cluster : str or None
        The column of clusters of the robust (clustered) test, or ``None``.
    clusters : int or None
        The number of clusters (``None`` when not clustered).
    """

    cluster: str | None = field(default=None, kw_only=True)
    clusters: int | None = field(default=None, kw_only=True)

    @property
    def title(self) -> str:
        """Heading of the summary."""
        return (
            "Log-rank test"
            + (f" (G-rho, rho = {self.rho:g})" if self.rho else "")
            + ("" if self.cluster is None else f", clustered by {self.cluster}")
        )

    @property
    def method(self) -> str:
        """The test, as ``glance()`` names it."""
        robust = "" if self.cluster is None else f", robust score clustered by {self.cluster}"
        return f"log-rank, rho={self.rho:g}{robust}"

    def _test_facts(self) -> dict[str, Any]:
        if self.cluster is None:
            return {}
        return {"cluster": self.cluster, "clusters": self.clusters}


def logrank_test(
    data: SpellData | pd.DataFrame,
    group: str,
    *,
    strata: str | None = None,
    rho: float = 0.0,
    duration: str = "duration",
    event: str = "event",
    cause: int | None = 1,
    cluster: str | None = None,
) -> LogRankResult:
    r"""Test equality of the hazards of ``cause`` across groups (R's ``survdiff``).

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        Spells with ``duration`` and ``event``.
    group : str
        Column defining the groups compared.
    strata : str, optional
        Column of strata: observed minus expected counts are summed over strata.
    rho : float, default 0
        Fleming–Harrington G-rho weights :math:`\hat S(t-)^\rho` (pooled Kaplan–Meier
        within the stratum): 0 is the log-rank test, 1 the Peto–Peto modification of the
        Gehan–Wilcoxon test, which weights early differences more.
    duration, event : str, default "duration", "event"
        Columns of follow-up days and of event codes (0 censored, 1, 2, ... the cause).
    cause : int or None, default 1
        The cause tested (others censored); ``None`` for any event.
    cluster : str, None or "auto", default None
        Column of clusters (e.g. ``"family_id"``: siblings share a family): the statistic
        is then the robust score test of a Cox model with the groups as covariates,
        :math:`U^\top (\sum_c U_c U_c^\top)^{-1} U`, with :math:`U = O - E` and
        :math:`U_c` the score residuals at :math:`\beta = 0` summed within cluster
        :math:`c`: R's ``coxph(Surv(duration, event == cause) ~ factor(group) +
        strata(strata) + cluster(cluster), ties = "breslow")`` ``rscore`` (the "Robust"
        line of its ``summary``). Observed and expected counts are unchanged. With
        ``rho != 0`` each event time's contribution to :math:`U` and to the score
        residuals is weighted by :math:`\hat S(t-)^\rho`, as in the unclustered test (the
        weights are held fixed, as its hypergeometric variance holds them; R has no
        clustered G-rho test). ``"auto"``: the design's cluster for SpellData, none for a
        data frame.

    Returns
    -------
    LogRankResult
        Without ``cluster`` the statistic is R's ``survdiff`` (hypergeometric variance;
        on tied times it equals ``coxph(..., ties = "exact")``'s score test, not the
        Breslow one). With ``cluster``, ``glance()`` names the ``cluster`` and counts the
        ``clusters``. Each row its own cluster does not give ``survdiff``: the robust
        variance is another estimate of the same variance.

    References
    ----------
    Harrington DP, Fleming TR (1982). A class of rank test procedures for censored
    survival data. *Biometrika* 69:553–566. doi:10.1093/biomet/69.3.553

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame(
    ...     {"duration": [1, 2, 3, 4, 5, 6], "event": [1, 1, 0, 1, 1, 0], "arm": list("aaabbb")}
    ... )
    >>> round(logrank_test(spells, "arm").statistic, 4)  # R survdiff: 2.469388
    2.4694
    """
    if not isinstance(cast(object, event), str):  # deprecated: event= was the cause code
        event, cause = cause_from_event(event, None, function="logrank_test")
    rho = check_rho(rho, function="logrank_test")
    arrays = curve_arrays(
        data,
        function="logrank_test",
        group=group,
        strata=strata,
        duration=duration,
        event=event,
        cluster=cluster,
    )
    levels = list(arrays.levels)
    if len(levels) < 2:
        raise DesignError(f"column {group!r} has a single group; a test needs two or more")
    hit = arrays.event > 0 if cause is None else arrays.event == cause
    k = len(levels)
    observed = np.zeros(k)
    expected = np.zeros(k)
    variance = np.zeros((k, k))
    g_index = arrays.codes
    # each row's (G-rho weighted) score residual at beta = 0, for the clustered test
    residuals = None if arrays.clusters is None else np.zeros((arrays.duration.size, k))
    for level in levels_seen(arrays.strata):
        rows = arrays.strata == level
        duration, h, gi = arrays.duration[rows], hit[rows], g_index[rows]
        times = np.unique(duration[h])
        if times.size == 0:
            continue
        pooled = productlimit.count(duration, h.astype(np.int64), times=times)
        at_risk, deaths = pooled.n_risk, pooled.cause(1)
        km = productlimit.survival(pooled)
        weight = np.concatenate(([1.0], km[:-1])) ** rho
        y_g = np.zeros((times.size, k))
        d_g = np.zeros((times.size, k))
        for j in range(k):
            arm = productlimit.count(duration[gi == j], h[gi == j].astype(np.int64), times=times)
            y_g[:, j] = arm.n_risk
            d_g[:, j] = arm.cause(1)
        y = at_risk.astype(float)
        d = deaths.astype(float)
        observed += (weight[:, None] * d_g).sum(axis=0)
        expected += (weight[:, None] * d[:, None] * y_g / y[:, None]).sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(y > 1, weight**2 * d * (y - d) / (y - 1), 0.0)
        share = y_g / y[:, None]
        variance += np.einsum("t,ti,ij->ij", factor, share, np.eye(k)) - np.einsum(
            "t,ti,tj->ij", factor, share, share
        )
        if residuals is not None:
            time = arrays.duration[rows]  # `duration` names its column too
            residuals[rows] = logrank_score_residuals(time, h, gi, times, weight, d / y, share)
    diff = (observed - expected)[:-1]
    if residuals is None:
        statistic, df = quadratic_statistic(diff, variance[:-1, :-1])
        lost = uninformative_groups(arrays.duration, hit, g_index, arrays.strata, k)
        warn_lost_df("logrank_test", levels, lost, df)
    else:  # the robust score test on k - 1 groups' indicators (R's rscore at rho = 0)
        statistic, df = robust_score_statistic(residuals[:, :-1], diff, arrays.clusters), k - 1
    table = pd.DataFrame({"group": levels, "observed": observed, "expected": expected})
    return LogRankResult(
        table,
        statistic,
        df,
        float(stats.chi2.sf(statistic, df)),
        float(rho),
        strata,
        arrays.duration.size,
        int(hit.sum()),
        dropped=arrays.dropped,
        cluster=arrays.cluster,
        clusters=arrays.n_clusters,
    )


@dataclass(frozen=True)
class RMSTResult(SurvivalResult):
    """Restricted mean survival time by group and its differences.

    Attributes
    ----------
    table : pandas.DataFrame
        ``term`` (``"rmst"`` or ``"difference"``), ``group`` (for differences
        ``"<group> - <reference>"``), ``estimate, std_error, conf_low, conf_high,
        conf_level, p_value`` (``p_value`` only for differences).
    tau : float
        The restriction time.
    cluster : str or None
        The column of clusters of the (robust) standard errors, or ``None``.
    clusters : int or None
        The number of clusters (``None`` when not clustered).
    weighted : bool
        Whether the curves are weighted (``weights=``: inverse probability weights, say).
    last_follow_up : dict
        Group -> its last follow-up time (largest observed time, event or censoring).
        ``glance()["last_follow_up"]`` is the smallest: a ``tau`` past it extends some
        group's curve flat beyond its data (a warning says so).
    """

    table: pd.DataFrame
    tau: float
    n: int
    events: int
    backend: None = field(default=None, repr=False)
    dropped: int = 0
    cluster: str | None = None
    clusters: int | None = None
    weighted: bool = False
    last_follow_up: dict[Any, float] = field(default_factory=dict)

    @property
    def title(self) -> str:
        """Heading of the summary."""
        return f"Restricted mean survival time to {self.tau:g}"

    def tidy(self) -> pd.DataFrame:
        """Return the table (see :attr:`table`)."""
        return self.table.copy()

    def _facts(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "events": self.events,
            "dropped": self.dropped,
            "method": _method(
                "area under kaplan-meier", _variance_name(self.weighted, self.cluster, None), ""
            ),
            "tau": self.tau,
            "last_follow_up": min(self.last_follow_up.values(), default=np.nan),
            **({} if self.cluster is None else {"cluster": self.cluster}),
            **({} if self.clusters is None else {"clusters": self.clusters}),
        }


def rmst(
    data: SpellData | pd.DataFrame,
    tau: float,
    *,
    group: str | None = None,
    weights: Weights = None,
    duration: str = "duration",
    event: str = "event",
    cause: int | None = None,
    conf_level: float = 0.95,
    cluster: str | None = None,
    reference: object = None,
) -> RMSTResult:
    r"""Estimate the restricted mean survival time (RMST) and its differences.

    Estimand: :math:`\mu(\tau) = \int_0^\tau S(t)\,dt`, the mean event-free time over the
    first ``tau`` days; differences are each other group's minus the ``reference`` group's
    (by default the first group in level order), labelled ``"<group> - <reference>"``.

    Parameters
    ----------
    data : SpellData or pandas.DataFrame
        Spells with ``duration`` and ``event``.
    tau : float
        Restriction time (days).
    group : str, optional
        Column of groups.
    weights : str or array_like, optional
        Column of non-negative case weights (e.g. inverse-probability weights), or the
        weights themselves (one per spell, in row order): the area under the weighted
        Kaplan–Meier curve of :func:`kaplan_meier`. Rows with weight 0 are left out and
        counted in ``glance()["dropped"]``; a group whose every row has weight 0 is left
        out with them, so the differences are then against the first group left (check
        the ``group`` column of the table). The standard errors are then the
        infinitesimal jackknife, as the weighted curves' (below).
    duration, event : str, default "duration", "event"
        Columns of follow-up days and of event codes (0 censored, 1, 2, ... the cause).
    cause : int, optional
        The cause counted as the event; default any event.
    conf_level : float, default 0.95
        Level of the Wald intervals.
    cluster : str, None or "auto", default None
        Column of clusters (e.g. ``"family_id"``): the standard errors are then the
        infinitesimal jackknife with each cluster's influence summed (R's ``survfit``
        influence with ``cluster =``, integrated to ``tau``), and a difference's is that
        of the clusters' differences of influence, so siblings in both groups count once.
    reference : object, optional
        The group the differences are against (a value of ``group``; ``0`` or ``"0"``
        alike). Default the first group in the package's level order
        (:func:`~escalation.timeline.matrix.level_order`: a ``Categorical``'s declared
        order, else sorted, numerically when every group is a number): with groups
        ``"treated"`` and ``"untreated"`` that is ``"treated"``, so the difference is
        ``"untreated - treated"``; pass ``reference="untreated"`` for ``"treated -
        untreated"``, the orientation of the causal estimates' ``rmst_difference`` and
        ``risk_difference`` (with a 0/1 ``treatment`` column the default is already
        ``"1 - 0"``).

    Returns
    -------
    RMSTResult
        Standard errors as R's ``print(survfit, rmean = tau)``:
        :math:`\sqrt{\sum_{t_j \le \tau} A_j^2 d_j / (Y_j (Y_j - d_j))}`, with
        :math:`A_j` the area under the curve from :math:`t_j` to :math:`\tau`;
        differences of independent groups add variances. With ``weights`` or
        ``cluster``, the infinitesimal jackknife: each row's influence on the curve
        (R's ``survfit(..., influence = TRUE)``) integrated to ``tau``,
        :math:`I_i`, and :math:`\sqrt{\sum_i (w_i I_i)^2}` (by row) or
        :math:`\sqrt{\sum_c (\sum_{i \in c} w_i I_i)^2}` (by cluster): the variance of
        the weighted curve that :func:`kaplan_meier` gives, integrated. (R's ``print``
        ignores ``cluster``, and with weights applies the formula above to the weighted
        counts, which is not the variance of the weighted curve.)

    Raises
    ------
    DesignError
        When ``tau`` is not a positive number, or is past the last follow-up time (the
        largest observed time, event or censoring) of every group: no spell is followed
        that long (the rule of the effect estimates' horizons,
        :func:`~escalation.causal.estimate_effects`); when ``reference`` is given without
        ``group`` or is not one of the groups (left, with ``weights``).

    Warns
    -----
    StatisticalWarning
        When ``tau`` is past some group's last follow-up time: that curve is unknown
        there (:func:`~escalation.survival._outcome.past_follow_up`), and the area from
        its last follow-up to ``tau`` is that of the curve held flat at its last value,
        as R's ``print(survfit, rmean = tau)`` extends it (``survRM2::rmst2`` refuses
        such a ``tau``). The warning names each such group and its last follow-up time;
        ``glance()["last_follow_up"]`` records the smallest.

    References
    ----------
    Royston P, Parmar MKB (2013). Restricted mean survival time: an alternative to the
    hazard ratio. *BMC Med Res Methodol* 13:152. doi:10.1186/1471-2288-13-152

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({"duration": [1, 2, 2, 3, 4], "event": [1, 0, 1, 1, 0]})
    >>> round(float(rmst(spells, 3).tidy()["estimate"].iloc[0]), 6)
    2.4
    """
    conf_level = check_conf_level(conf_level)
    real_number(tau, function="rmst", argument="tau")  # not text
    if not np.isfinite(tau) or tau <= 0:
        raise DesignError(f"tau must be a positive number of days, got {tau!r}")
    event, cause = cause_from_event(event, cause, function="rmst")
    arrays = curve_arrays(
        data,
        function="rmst",
        group=group,
        weights=weights,
        duration=duration,
        event=event,
        cluster=cluster,
    )
    first = _reference_position(arrays.levels, group, reference)
    z = float(stats.norm.ppf(0.5 + conf_level / 2.0))
    jackknife = _jackknife(weights, arrays)
    units = np.arange(arrays.duration.size) if arrays.clusters is None else arrays.clusters
    last = {level: float(arrays.duration[sel].max()) for level, sel in arrays.groups()}
    _check_tau(float(tau), last)
    rows = []
    by_cluster = []
    for level, sel in arrays.groups():
        time = arrays.duration[sel]
        hit = arrays.event[sel] > 0 if cause is None else arrays.event[sel] == cause
        if jackknife:
            by_cluster.append(_rmst_influence(arrays, sel, hit, float(tau), units))
        times, y, d, _ = _counts(time, hit, arrays.weights[sel])
        keep = times <= tau
        times, y, d = times[keep], y[keep], d[keep]
        surv = productlimit.product_limit(y, d)
        edges = np.concatenate(([0.0], times, [tau]))
        heights = np.concatenate(([1.0], surv))
        pieces = heights * np.diff(edges)
        estimate = float(pieces.sum())
        area_after = np.cumsum(pieces[::-1])[::-1][1:]  # area from t_j to tau
        with np.errstate(divide="ignore", invalid="ignore"):
            terms = np.where(y > d, area_after**2 * d / (y * (y - d)), 0.0)
        se = float(np.sqrt(terms.sum()))
        if by_cluster:
            se = float(np.sqrt(np.sum(by_cluster[-1] ** 2)))
        rows.append((level, estimate, se))
    table = pd.DataFrame(rows, columns=["group", "estimate", "std_error"])
    table.insert(0, "term", "rmst")
    table["p_value"] = np.nan
    if len(rows) > 1:
        order = [first, *(i for i in range(len(rows)) if i != first)]
        rows = [rows[i] for i in order]  # the reference first
        by_cluster = [by_cluster[i] for i in order] if by_cluster else by_cluster
        ref = rows[0]
        diffs = pd.DataFrame(
            {
                "term": "difference",
                "group": [f"{r[0]} - {ref[0]}" for r in rows[1:]],
                "estimate": [r[1] - ref[1] for r in rows[1:]],
                "std_error": _difference_errors(rows, by_cluster),
            }
        )
        diffs["p_value"] = 2.0 * stats.norm.sf(np.abs(diffs["estimate"] / diffs["std_error"]))
        table = pd.concat([table, diffs], ignore_index=True)
    table["conf_low"] = table["estimate"] - z * table["std_error"]
    table["conf_high"] = table["estimate"] + z * table["std_error"]
    table["conf_level"] = conf_level
    table = table[
        ["term", "group", "estimate", "std_error", "conf_low", "conf_high", "conf_level", "p_value"]
    ]
    hits = arrays.event > 0 if cause is None else arrays.event == cause
    return RMSTResult(
        table,
        float(tau),
        arrays.duration.size,
        int(hits.sum()),
        dropped=arrays.dropped,
        cluster=arrays.cluster,
        clusters=arrays.n_clusters,
        weighted=weights is not None,
        last_follow_up=last,
    )


def _reference_position(levels: tuple[Any, ...], group: str | None, reference: object) -> int:
    """Return the position among ``levels`` of the ``reference`` group of :func:`rmst`.

    ``None`` is the first level; a level matches as itself or as text (``0`` or ``"0"``).

    Raises
    ------
    DesignError
        When ``reference`` is given without ``group``, or is none of the groups.
    """
    if reference is None:
        return 0
    if group is None:
        raise DesignError(
            f"rmst: reference={reference!r} was given without group=: there are no groups "
            "to compare; give the column of groups"
        )
    found = [
        i for i, level in enumerate(levels) if level == reference or str(level) == str(reference)
    ]
    if not found:
        raise DesignError(
            f"rmst: reference={reference!r} is not a group of column {group!r} (with a row "
            f"of positive weight); its groups are {', '.join(map(repr, levels))}"
        )
    return found[0]


def _check_tau(tau: float, last: dict[Any, float]) -> None:
    """Refuse ``tau`` past every group's last follow-up; warn when past some group's.

    The horizons' rule of the effect estimates (:func:`escalation.causal.estimate_effects`,
    :func:`~escalation.causal._estimable.check_estimable`): past the longest follow-up
    nothing is estimable; past one group's only, that group's area is extrapolated.

    Parameters
    ----------
    tau : float
        The restriction time.
    last : dict
        Group -> its last follow-up time.

    Raises
    ------
    DesignError
        When ``tau`` is past the last follow-up of every group.
    """
    beyond = {level: time for level, time in last.items() if past_follow_up(tau, time)}
    if beyond and len(beyond) == len(last):
        raise DesignError(
            f"rmst: tau = {tau:g} days is past the longest follow-up in these data "
            f"({max(last.values()):g} days): no spell is followed that long, so the curve "
            "is unknown there; choose tau within the follow-up"
        )
    if beyond:
        named = ", ".join(f"group {level} ({time:g} days)" for level, time in beyond.items())
        warnings.warn(
            f"rmst: tau = {tau:g} days is past the last follow-up of {named}: the curve is "
            "unknown there, and the area from the last follow-up to tau is that of the "
            "curve held flat at its last value (as R's print(survfit, rmean = tau)); "
            "choose tau within every group's follow-up",
            StatisticalWarning,
            stacklevel=3,
        )


def _rmst_influence(
    arrays: CurveArrays,
    rows: npt.NDArray[np.bool_],
    hit: npt.NDArray[np.bool_],
    tau: float,
    units: IntArray,
) -> FloatArray:
    """Return each unit's summed (weighted) influence on a group's RMST to ``tau``.

    ``units`` are the cluster codes of every row, or each row's own position (the
    unclustered jackknife of weighted curves).
    """
    time, w = arrays.duration[rows], arrays.weights[rows]
    terms = _aj_terms(time, hit.astype(np.int64), w, 1)
    t = terms.counts.time
    ends = np.minimum(np.concatenate((t[1:], [np.inf])), tau)
    widths = np.clip(ends - t, 0.0, None)
    area = area_influence(
        terms.counts.last, terms.alpha, terms.beta, terms.staying, terms.cif, widths
    )
    size = int(units.max()) + 1 if units.size else 0
    # the area under S = 1 - F: its influence is minus that on the area under F
    summed = np.bincount(units[rows], weights=-w * area, minlength=size)
    return np.asarray(summed, dtype=np.float64)


def _difference_errors(
    rows: list[tuple[Any, float, float]], by_cluster: list[FloatArray]
) -> list[float]:
    """Return the standard errors of each group's RMST minus the first's (the reference).

    Independent groups add variances; with the jackknife (weights or clusters), a
    unit's (row's or cluster's) influence on the difference is its influence on one
    group's RMST minus that on the other's.
    """
    if by_cluster:
        return [float(np.sqrt(np.sum((b - by_cluster[0]) ** 2))) for b in by_cluster[1:]]
    return [float(np.hypot(r[2], rows[0][2])) for r in rows[1:]]
