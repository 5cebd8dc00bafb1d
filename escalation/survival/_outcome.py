"""The checks every time-to-event entry point applies to its input rows.

:func:`usable_rows` decides which rows an estimator uses and counts the others (the
``dropped`` of every result's ``glance()``); :func:`durations`, :func:`counting_intervals`,
:func:`event_codes` and :func:`case_weights` check the follow-up times, (start, stop]
intervals, event codes and case weights; :func:`outcome_arrays` runs them on the plain
arrays of the array functions. Errors name the row of the user's table, also when rows of
weight 0 were left out before the check, or the rows were put in another order
(:meth:`UsableRows.input_rows`, :func:`reordered_rows`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._finite import nonnegative_problems
from escalation._vocabulary import spells_of, weights_column
from escalation.core.riskset import bad_intervals
from escalation.core.timefix import near_ties_merged
from escalation.errors import DataValidationError, DesignError, Problem, available_columns

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "UsableRows",
    "case_weights",
    "counting_intervals",
    "durations",
    "event_codes",
    "outcome_arrays",
    "past_follow_up",
    "prediction_times",
    "refuse_missing_labels",
    "reordered_rows",
    "usable_data",
    "usable_rows",
    "weight_problems",
    "with_weights",
]

#: What ``weights=`` of every time-to-event entry point takes (docs/vocabulary.md).
Weights = str | npt.ArrayLike | None


@dataclass(frozen=True)
class UsableRows:
    """The rows an estimator uses, and how many it left out.

    Attributes
    ----------
    frame : pandas.DataFrame
        The rows used, in their order (the input itself when none were left out).
    weights : numpy.ndarray or None
        Their case weights (``None`` without a weights column).
    dropped : int
        Rows left out: zero case weight, or a missing outcome where the estimator allows
        it. Reported as ``dropped`` by the result's ``glance()``.
    positions : numpy.ndarray or None
        Position in the input of each row used (``None`` when none were left out).
    table : str or None
        The name of the table the user passed (``"spells"``, ``"counting"``), which the
        problems raised inside :meth:`input_rows` name; ``None`` keeps the names the
        checks gave.
    """

    frame: pd.DataFrame
    weights: npt.NDArray[np.float64] | None
    dropped: int
    positions: npt.NDArray[np.int64] | None = None
    table: str | None = None

    @contextmanager
    def input_rows(self) -> Iterator[None]:
        """Report the rows of a :class:`DataValidationError` raised inside as input rows.

        The checks run on :attr:`frame`, the rows used, so they name positions there;
        inside this block those become positions in the table the user passed, named as
        :attr:`table` (when given: a check of a covariate names ``spells`` or ``data``
        whichever rows it reads, so a counting-process fit's rows were named as spells).
        Rows that expand one row of the input (:attr:`positions` naming it more than
        once, as the intervals of a person) name it once for each problem they share.

        Examples
        --------
        >>> rows = pd.DataFrame({"duration": [3, 5, -8], "w": [0.0, 1.0, 1.0]})
        >>> used = usable_rows(rows, weights="w")
        >>> with used.input_rows():
        ...     durations(used.frame["duration"])
        Traceback (most recent call last):
        ...
        escalation.errors.DataValidationError: Spells: 1 problem found
          - table 'spells', row 2, column 'duration', value '-8': 1 duration(s) missing or not > 0; durations are positive days
        """  # noqa: E501
        try:
            yield
        except DataValidationError as error:
            if self.positions is None and self.table is None:
                raise
            positions, table = self.positions, self.table
            problems = [
                replace(
                    p,
                    row=p.row if p.row is None or positions is None else int(positions[p.row]),
                    table=p.table if table is None else table,
                )
                for p in error.problems
            ]
            once = {(p.table, p.row, p.column, repr(p.value), p.reason): p for p in problems}
            raise type(error)(list(once.values()), error.context) from None


def usable_rows(
    frame: pd.DataFrame,
    *,
    weights: str | None = None,
    missing_outcome: str | None = None,
    table: str = "spells",
) -> UsableRows:
    """Check case weights and leave out the rows that take no part in an estimate.

    A row with case weight 0 adds nothing to a weighted estimate (nor to its variance),
    so it is left out, which also keeps it out of unweighted counts such as the numbers
    at risk; with ``missing_outcome`` rows whose value there is missing are left out
    too. Every row left out is counted in :attr:`UsableRows.dropped`; any other bad
    value raises.

    Parameters
    ----------
    frame : pandas.DataFrame
        The input rows.
    weights : str, optional
        Column of case weights: finite and ``>= 0``.
    missing_outcome : str, optional
        Column whose missing values leave the row out (an outcome not measured).
    table : str, default "spells"
        The table named in errors.

    Returns
    -------
    UsableRows

    Raises
    ------
    DesignError
        When a named column is not in ``frame``, or ``frame`` has no rows.
    DataValidationError
        When a weight is missing, infinite or negative (naming the row and value).

    Examples
    --------
    >>> rows = pd.DataFrame({"duration": [3, 5, 8], "event": [1, 0, 1], "w": [1.0, 0.0, 2.5]})
    >>> used = usable_rows(rows, weights="w")
    >>> used.dropped, used.weights.tolist(), used.frame.index.tolist()
    (1, [1.0, 2.5], [0, 2])
    """
    for column in (weights, missing_outcome):
        if column is not None and column not in frame.columns:
            raise DesignError(
                f"column {column!r} is not in the {table} table"
                f"{available_columns([column], frame.columns)}"
            )
    if not len(frame):
        raise DesignError(f"the {table} table has no rows: there is nothing to estimate")
    keep = np.ones(len(frame), dtype=bool)
    w = None
    if weights is not None:
        w = case_weights(frame[weights], table=table)
        keep &= w > 0
    if missing_outcome is not None:
        keep &= frame[missing_outcome].notna().to_numpy()
    dropped = int((~keep).sum())
    if not dropped:
        return UsableRows(frame, w, 0, table=table)
    return UsableRows(
        frame.loc[keep],
        w[keep] if w is not None else None,
        dropped,
        np.flatnonzero(keep),
        table=table,
    )


def reordered_rows(frame: pd.DataFrame, order: npt.NDArray[np.int64] | None) -> UsableRows:
    """Return ``frame``'s rows put in another ``order``: all used, none left out.

    ``order[i]`` is the position in the input of row ``i`` (``None``: the input order),
    as :func:`escalation._row_order.in_canonical_order` gives it; checks run inside
    :meth:`UsableRows.input_rows` name the row of the table the user passed.

    Examples
    --------
    >>> rows = pd.DataFrame({"duration": [-8.0, 3.0]})
    >>> with reordered_rows(rows, np.array([1, 0])).input_rows():
    ...     durations(rows["duration"])
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Spells: 1 problem found
      - table 'spells', row 1, column 'duration', value '-8.0': 1 duration(s) missing or not > 0; durations are positive days
    """  # noqa: E501
    return UsableRows(frame, None, 0, order)


def usable_data(
    data: SpellData | pd.DataFrame, *, weights: str | None = None, function: str
) -> tuple[SpellData | pd.DataFrame, UsableRows]:
    """Apply :func:`usable_rows` to spells given as :class:`SpellData` or a data frame.

    Returns the data of the same kind holding only the rows used (SpellData keep their
    link to the case history: spells are matched by ``spell_id``), and the count.

    Raises
    ------
    DesignError
        When ``data`` is neither (naming ``function``, the entry point called:
        :func:`~escalation._vocabulary.spells_of`).
    """
    frame = spells_of(data, function=function)
    used = usable_rows(frame, weights=weights)
    if frame is data:  # a data frame
        return used.frame, used
    spell_data = cast("SpellData", data)
    return (replace(spell_data, spells=used.frame) if used.dropped else spell_data), used


def with_weights(
    data: SpellData | pd.DataFrame, weights: Weights, *, function: str
) -> tuple[SpellData | pd.DataFrame, str | None]:
    """Return ``data`` and its weights column, given as a name or one weight per spell.

    Weights given as values (:func:`~escalation._vocabulary.weights_column`) become a
    column of the spells (``SpellData.spells``) or of the data frame.
    """
    from escalation.timeline.spells import SpellData

    if isinstance(data, SpellData):
        spells, column = weights_column(data.spells, weights, function=function)
        return (data if spells is data.spells else replace(data, spells=spells)), column
    if not isinstance(cast(object, data), pd.DataFrame):  # refused by the entry point
        return data, cast(str | None, weights)
    return weights_column(data, weights, function=function)


#: The one rule of case weights, in every error that refuses one.
WEIGHTS_RULE: Final = (
    "weights are finite numbers >= 0 (a survival estimate leaves out the rows with weight 0 "
    "and counts them as dropped)"
)


def case_weights(
    values: pd.Series, *, table: str = "spells", context: str | None = None
) -> npt.NDArray[np.float64]:
    """Return case weights as floats, or raise naming the rows whose weight is not >= 0.

    The one rule of weights ("finite numbers >= 0"), for the survival layer, Table 1 and
    the balance table (:func:`weight_problems` without the raise).

    Parameters
    ----------
    values : pandas.Series
        The weights, named as the user named the column (the column of the error).
    table : str, default "spells"
        The table named in the error.
    context : str, optional
        The heading of the error (default: ``table``).

    Raises
    ------
    DataValidationError
        Naming the first :data:`~escalation._finite.LISTED` rows whose weight is missing,
        infinite, text or negative, with each value described (text is never echoed).

    Examples
    --------
    >>> case_weights(pd.Series([1, 0, 2.5], name="w")).tolist()
    [1.0, 0.0, 2.5]
    """
    w, problems = weight_problems(values, table=table)
    if problems:
        raise DataValidationError(problems, context or table)
    return w


def weight_problems(
    values: pd.Series, *, table: str
) -> tuple[npt.NDArray[np.float64], list[Problem]]:
    """Return weights as floats and a problem for each of the first bad rows.

    :func:`case_weights` without the raise, for a check that lists several columns'
    problems in one error: the rule "finite numbers >= 0"
    (:func:`~escalation._finite.nonnegative_problems`).

    Examples
    --------
    >>> w, problems = weight_problems(pd.Series([1.0, -2.0], name="w"), table="t")
    >>> [p.describe() for p in problems]  # doctest: +NORMALIZE_WHITESPACE
    ["table 't', row 1, column 'w', value '-2.0': 1 weight(s) negative; weights are finite
    numbers >= 0 (a survival estimate leaves out the rows with weight 0 and counts them as
    dropped)"]
    """
    return nonnegative_problems(values, table=table, why=WEIGHTS_RULE, noun="weight(s)")


def durations(values: pd.Series, *, table: str = "spells") -> npt.NDArray[np.float64]:
    """Return follow-up times as floats, or raise naming the first bad row.

    Times that differ only by floating-point rounding are made one time, as R's default
    ``timefix = TRUE`` does (:func:`escalation.core.timefix.near_ties_merged`): every
    time-to-event estimator reads its times here or in :func:`counting_intervals`.
    Whole days are returned as they are.

    Examples
    --------
    >>> durations(pd.Series([3, 10.5], name="duration")).tolist()
    [3.0, 10.5]
    >>> weeks = durations(pd.Series([5 / 7, 5 * (1 / 7)], name="duration"))
    >>> bool(weeks[0] == weeks[1]), 5 / 7 == 5 * (1 / 7)
    (True, False)
    """
    time = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(time) | (time <= 0))
    if len(bad):
        row = int(bad[0])
        reason = f"{len(bad)} duration(s) missing or not > 0; durations are positive days"
        raise DataValidationError(
            [Problem(table, row, str(values.name), values.iloc[row], reason)], table
        )
    return near_ties_merged(time)[0]


def prediction_times(times: object) -> npt.NDArray[np.float64]:
    """Return the times a curve or a model is read at, or raise naming the bad positions.

    A time is a finite number of days >= 0. A missing time was read past the last step
    (``searchsorted`` puts NaN after every time), giving the curve's last value; a
    negative one the value before the first step. Every ``at``/``predict_*`` that takes
    ``times`` calls this; errors name table ``arguments``, column ``times`` and the
    position as the row (:func:`~escalation._finite.finite_problems`).

    Examples
    --------
    >>> prediction_times([0, 30.5]).tolist()
    [0.0, 30.5]
    >>> prediction_times([30, float("nan"), -1])
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Times: 2 problems found
      - table 'arguments', row 1, column 'times', value 'nan': 1 value(s) are missing, infinite or not numbers; times are days >= 0 at which to read the estimate
      - table 'arguments', row 2, column 'times', value '-1.0': 1 time(s) are negative; times are days >= 0 at which to read the estimate
    """  # noqa: E501
    given = np.asarray(times).ravel()
    if given.dtype.kind in "biuf":  # numbers (the usual case): no pandas unless one is bad
        at = given.astype(float)
        if np.isfinite(at).all() and not (at < 0).any():
            return at
    values = pd.Series(given, name="times")
    why = "times are days >= 0 at which to read the estimate"
    at, problems = nonnegative_problems(values, table="arguments", why=why, noun="time(s) are")
    if problems:
        raise DataValidationError(sorted(problems, key=lambda p: p.row or 0), "times")
    return at


def past_follow_up(times: npt.ArrayLike, last_follow_up: float) -> npt.NDArray[np.bool_]:
    """Return which ``times`` lie past the last follow-up, where a curve is unknown.

    The one rule for reading a curve or a model past its data: a time after the largest
    observed time (event or censoring) of the rows behind the curve (a group's, or a
    model's stratum) is unknown, since no row is followed that long. The last follow-up
    time itself is known. Curves and model predictions give NaN there
    (:meth:`~escalation.survival.nonparametric.CurveResult.at`, every ``predict_*``
    of a Cox, Fine–Gray or cause-specific model,
    :func:`~escalation.survival.cumulative_incidence_at` and the observed risk of
    :mod:`escalation.predict.metrics` through it, the multi-state ``at``/``matrix``, the
    federated :func:`~escalation.federated.risksets.curves_from_risk_sets` through
    ``at``), as R's ``summary(survfit, times)`` leaves those times out
    (``extend = FALSE``). A single horizon past it is refused or
    warned about: :func:`~escalation.survival.rmst` warns when ``tau`` is past some
    group's last follow-up and refuses it past every group's, as the effect estimates
    (:func:`~escalation.causal._estimable.check_estimable`) and
    :func:`~escalation.predict.validate_risk_models` refuse a horizon past the longest
    follow-up.

    Parameters
    ----------
    times : array_like
        Times (days), as :func:`prediction_times` returns them.
    last_follow_up : float
        The largest observed time of the rows behind the curve.

    Returns
    -------
    numpy.ndarray of bool
        ``True`` where the time is past ``last_follow_up``.

    Examples
    --------
    >>> past_follow_up([59.0, 60.0, 61.0], 60.0).tolist()
    [False, False, True]
    """
    return np.asarray(np.asarray(times, dtype=float) > last_follow_up, dtype=np.bool_)


def counting_intervals(
    start: pd.Series, stop: pd.Series, *, table: str = "counting"
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Return the (start, stop] intervals of counting-process rows, or raise.

    A start must be a finite time and a stop a finite time after it (the core's rule,
    :func:`escalation.core.riskset.bad_intervals`): a missing start would otherwise take
    the row's delayed entry, and that of every row of its stratum, out of the risk sets.
    Starts and stops that differ only by floating-point rounding are made one time, as R's
    default ``timefix = TRUE`` does (:func:`escalation.core.timefix.near_ties_merged`);
    an interval whose start and stop become one time is refused, as R refuses it.

    Examples
    --------
    >>> rows = pd.DataFrame({"start": [0.0, None], "stop": [4.0, 9.0]})
    >>> counting_intervals(rows["start"], rows["stop"])
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Counting: 1 problem found
      - table 'counting', row 1, column 'start', value 'nan': 1 interval(s) with a missing or infinite start, or a stop missing or not after the start
    """  # noqa: E501
    begin = pd.to_numeric(start, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    end = pd.to_numeric(stop, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = bad_intervals(begin, end)
    if len(bad):
        row = int(bad[0])
        values = start if not np.isfinite(begin[row]) else stop
        reason = (
            f"{len(bad)} interval(s) with a missing or infinite start, or a stop missing or "
            "not after the start"
        )
        raise DataValidationError(
            [TimeProblem(table, row, str(values.name), values.iloc[row], reason)], table
        )
    merged_begin, merged_end = near_ties_merged(begin, end)
    _refuse_vanished(stop, np.flatnonzero(merged_end <= merged_begin), table)
    return merged_begin, merged_end


def _refuse_vanished(stop: pd.Series, rows: npt.NDArray[np.intp], table: str) -> None:
    """Raise naming the first interval whose start and stop became one time, if any."""
    if not len(rows):
        return
    row = int(rows[0])
    reason = (
        f"{len(rows)} interval(s) whose stop differs from the start only by rounding "
        "(within R's timefix tolerance, sqrt(machine epsilon)): the interval has no length; "
        "make the stop later or leave the row out"
    )
    raise DataValidationError(
        [TimeProblem(table, row, str(stop.name), stop.iloc[row], reason)], table
    )


#: A number as ``str`` gives it (``-4.0``, ``nan``, ``inf``, ``1e-05``).
_NUMBER: Final = re.compile(r"[-+]?((\d+\.?\d*|\.\d+)([eE][-+]?\d+)?|nan|inf)")


@dataclass(frozen=True)
class TimeProblem(Problem):
    """A bad time of a survival table, whose value is shown when it is a number.

    The times of counting-process rows are days, whatever their columns are called:
    ``start`` here is not the contract's episode start date, whose values are shown only
    in the form of a date (:func:`~escalation.errors.disclosed`).

    Examples
    --------
    >>> TimeProblem("counting", 4, "start", -2.0, "bad").describe()
    "table 'counting', row 4, column 'start', value '-2.0': bad"
    >>> TimeProblem("counting", 4, "start", "Jo Bloggs", "bad").shown_value()
    '<not shown: 9 characters, letters and spaces>'
    """

    def value_form(self) -> re.Pattern[str] | None:
        """Return the form of a number (see :func:`~escalation.errors.disclosed`)."""
        return _NUMBER


def outcome_arrays(
    duration: npt.ArrayLike, event: npt.ArrayLike, weights: npt.ArrayLike | None = None
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64], npt.NDArray[np.float64] | None]:
    """Check the arrays of an array function as the data-frame entry points check columns.

    Runs :func:`durations`, :func:`event_codes` and :func:`case_weights`; errors name
    table ``arrays``, the argument as the column and the position as the row.

    Examples
    --------
    >>> outcome_arrays([1, 2], [1, 1.5])
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Arrays: 1 problem found
      - table 'arrays', row 1, column 'event', value '1.5': 1 event code(s) are not whole numbers >= 0 (0 censored, 1, 2, ... the cause)
    """  # noqa: E501
    time = durations(_named(duration, "duration"), table="arrays")
    codes = event_codes(_named(event, "event"), table="arrays")
    if len(codes) != len(time):
        raise DesignError(f"duration has {len(time)} values but event has {len(codes)}")
    if weights is None:
        return time, codes, None
    w = case_weights(_named(weights, "weights"), table="arrays")
    if len(w) != len(time):
        raise DesignError(f"duration has {len(time)} values but weights has {len(w)}")
    return time, codes, w


def _named(values: npt.ArrayLike, name: str) -> pd.Series:
    """Return one argument of an array function as a series named after it."""
    return pd.Series(np.asarray(values).ravel(), name=name)


def event_codes(values: pd.Series, *, table: str = "spells") -> npt.NDArray[np.int64]:
    """Return event codes as integers (0 censored, 1, 2, ... the cause), or raise.

    Examples
    --------
    >>> event_codes(pd.Series([0, 1, 2.0], name="event")).tolist()
    [0, 1, 2]
    >>> event_codes(pd.Series([0, 0.5], name="event"))
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Spells: 1 problem found
      - table 'spells', row 1, column 'event', value '0.5': 1 event code(s) are not whole numbers >= 0 (0 censored, 1, 2, ... the cause)
    """  # noqa: E501
    codes = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    bad = np.flatnonzero(~np.isfinite(codes) | (codes < 0) | (codes != np.round(codes)))
    if len(bad):
        row = int(bad[0])
        reason = (
            f"{len(bad)} event code(s) are not whole numbers >= 0 (0 censored, 1, 2, ... the cause)"
        )
        raise DataValidationError(
            [Problem(table, row, str(values.name), values.iloc[row], reason)], table
        )
    return codes.astype(np.int64)


def refuse_missing_labels(
    frame: pd.DataFrame, columns: Sequence[str | None], *, what: str, table: str = "spells"
) -> None:
    """Raise naming the rows whose group or stratum label is missing.

    A missing label is no group: kept, it would form a group of its own (a three-group
    test where two were meant), and left out silently, its rows would be lost.

    Parameters
    ----------
    frame : pandas.DataFrame
        The input rows.
    columns : sequence of str or None
        The label columns (``None`` entries are skipped).
    what : str
        What the labels are (``"group"``, ``"strata"``), for the message.
    table : str, default "spells"
        The table named in errors.

    Raises
    ------
    DataValidationError
        When a label is missing.

    Examples
    --------
    >>> rows = pd.DataFrame({"arm": ["a", None, "b"]})
    >>> refuse_missing_labels(rows, ["arm"], what="group")
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Group column 'arm': 1 problem found
      - table 'spells', row 1, column 'arm', value <empty>: 1 row(s) have no arm; give every row a group or leave the rows out explicitly
    """  # noqa: E501
    for column in columns:
        if column is None:
            continue
        missing = np.flatnonzero(frame[column].isna().to_numpy())
        if missing.size:
            reason = (
                f"{missing.size} row(s) have no {column}; give every row a {what} or leave "
                "the rows out explicitly"
            )
            values = frame[column]
            problems = [
                Problem(table, int(r), column, values.iloc[r], reason) for r in missing[:20]
            ]
            raise DataValidationError(problems, f"{what} column {column!r}")
