"""One rule for the numbers an estimate takes: finite, or refused naming the rows.

A number that is infinite (or missing, or text where a number belongs) makes every
estimate that uses it infinite or undefined, or fails deep in numpy without a row; no
estimator drops or imputes it silently. :func:`finite_numbers` returns the values as
floats or raises one :class:`~escalation.errors.DataValidationError` naming the table,
the first :data:`LISTED` bad rows, the column and each value (disclosed by the package's
rule: a number is shown, text is described, never echoed). Dates and durations are
refused with the column named ("convert to days since time zero first"), their values not
shown: read as numbers they were nanoseconds since 1970. Every check of "these numbers
must be finite" calls it: an outcome, a model covariate, a formula's variables and
coded terms, the covariates of a balance table, Table 1's and the federated covariate
summaries' numeric variables.

Rows are positions in the values given (``frame.iloc``). A caller that checks rows left
after some were left out runs the check inside
:meth:`escalation.survival._outcome.UsableRows.input_rows`, which names the row of the
table the user passed.

Examples
--------
>>> finite_numbers(pd.Series([1, 2.5], name="y"), table="spells", why="no mean").tolist()
[1.0, 2.5]
>>> finite_numbers(pd.Series([1.0, np.inf], name="y"), table="spells", why="no mean")
Traceback (most recent call last):
...
escalation.errors.DataValidationError: Spells: 1 problem found
  - table 'spells', row 1, column 'y', value 'inf': 1 value(s) are missing, infinite or not numbers; no mean
"""  # noqa: E501

from __future__ import annotations

import datetime
from typing import Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation.errors import DataValidationError, Problem

__all__ = ["LISTED", "finite_numbers", "finite_problems", "nonnegative_problems"]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

#: How many bad rows of a column an error lists (the count gives them all).
LISTED: Final = 20

#: What to do with a date where a number belongs (it would be read as nanoseconds).
DATES: Final = "dates are not numbers: convert to days since time zero first"

#: Values that are dates or durations, not numbers.
_DATE_TYPES: Final = (datetime.date, datetime.timedelta, np.datetime64, np.timedelta64, pd.Period)


def finite_numbers(
    values: pd.Series,
    *,
    table: str,
    why: str,
    missing_allowed: bool = False,
    text_allowed: bool = False,
    context: str | None = None,
) -> FloatArray:
    """Return ``values`` as floats, or raise naming the rows whose value is not a finite number.

    Parameters
    ----------
    values : pandas.Series
        One column, named as the user named it (its name is the column of the error).
        Numbers of any dtype (numpy, nullable, object holding numbers or numeric text,
        booleans as 0/1).
    table : str
        The table named in the error (``"spells"``, ``"table one"``, ``"data"``).
    why : str
        What the value breaks, and what to do, in the caller's terms (after the count and
        the fault: ``"3 value(s) are infinite; <why>"``).
    missing_allowed : bool, default False
        Whether a missing value (NaN, None, NA) is allowed: returned as NaN.
    text_allowed : bool, default False
        Whether a value that is not a number (text: a level of a categorical variable) is
        allowed: returned as NaN. Infinite numbers are refused whatever this says.
    context : str, optional
        What was being checked, the heading of the error (default: ``table``).

    Returns
    -------
    numpy.ndarray
        The values as floats (NaN where a missing or text value is allowed).

    Raises
    ------
    DataValidationError
        When a value is infinite, missing (unless ``missing_allowed``) or text (unless
        ``text_allowed``), naming the first :data:`LISTED` such rows with their values;
        the reason counts them all.

    Examples
    --------
    >>> values = pd.Series(["a", None, np.inf], name="band", dtype=object)
    >>> finite_numbers(values, table="data", why="x", missing_allowed=True, text_allowed=True)
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Data: 1 problem found
      - table 'data', row 2, column 'band', value 'inf': 1 value(s) are infinite; x
    """
    numbers, problems = finite_problems(
        values,
        table=table,
        why=why,
        missing_allowed=missing_allowed,
        text_allowed=text_allowed,
    )
    if problems:
        raise DataValidationError(problems, context or table)
    return numbers


def finite_problems(
    values: pd.Series,
    *,
    table: str,
    why: str,
    missing_allowed: bool = False,
    text_allowed: bool = False,
    input_rows: npt.NDArray[np.int64] | None = None,
) -> tuple[FloatArray, list[Problem]]:
    """Return ``values`` as floats and a problem for each of the first bad rows.

    :func:`finite_numbers` without the raise, for a check of several columns that lists
    every column's problems in one error. Parameters as there, and ``input_rows``: the
    row of the input each value expands (a person's intervals share their person's row),
    so that bad values are counted and listed once per input row (the first of its values),
    not once per interval; the problems still name positions in ``values``, which
    :meth:`~escalation.survival._outcome.UsableRows.input_rows` maps to input rows.

    Examples
    --------
    >>> numbers, problems = finite_problems(pd.Series([np.nan], name="x"), table="t", why="y")
    >>> [p.describe() for p in problems]
    ["table 't', row 0, column 'x', value 'nan': 1 value(s) are missing, infinite or not numbers; y"]
    >>> intervals = pd.Series([np.inf, np.inf, 1.0, np.inf], name="x")  # of rows 0, 0, 1, 2
    >>> _, problems = finite_problems(intervals, table="t", why="y",
    ...                               input_rows=np.array([0, 0, 1, 2]))
    >>> [p.row for p in problems], problems[0].reason
    ([0, 3], '2 value(s) are missing, infinite or not numbers; y')
    """  # noqa: E501
    numbers, missing, dates = _as_floats(values)
    column = str(values.name)
    if dates.any():  # read as nanoseconds since 1970, a coefficient would be per nanosecond
        rows = np.flatnonzero(dates)
        reason = (
            f"{rows.size} value(s) are dates or durations (the first at row {int(rows[0])}; "
            f"not shown: a date may be a birth date); {DATES}"
        )
        return numbers, [Problem(table, None, column, None, reason)]
    bad = np.isinf(numbers)
    if not text_allowed:
        bad |= np.isnan(numbers) & ~missing  # a value given that is no number: text
    if not missing_allowed:
        bad |= missing
    if not bad.any():
        return numbers, []
    positions = _first_of_each_row(np.flatnonzero(bad), input_rows)
    reason = f"{positions.size} value(s) are {_faults(missing_allowed, text_allowed)}; {why}"
    problems = [
        Problem(table, int(row), column, _given(values.iloc[row]), reason)
        for row in positions[:LISTED]
    ]
    return numbers, problems


def _first_of_each_row(
    positions: npt.NDArray[np.intp], input_rows: npt.NDArray[np.int64] | None
) -> npt.NDArray[np.intp]:
    """Return the first of ``positions`` of each input row (all of them without ``input_rows``).

    Examples
    --------
    >>> _first_of_each_row(np.array([0, 1, 3]), np.array([0, 0, 1, 2])).tolist()
    [0, 3]
    """
    if input_rows is None:
        return positions
    _, first = np.unique(input_rows[positions], return_index=True)
    return positions[np.sort(first)]


def nonnegative_problems(
    values: pd.Series, *, table: str, why: str, noun: str
) -> tuple[FloatArray, list[Problem]]:
    """Return ``values`` as floats and the problems of the rule "finite numbers >= 0".

    :func:`finite_problems` (missing, infinite, text), then a problem for each of the
    first :data:`LISTED` negative values, whose reason counts them as ``noun`` (e.g.
    ``"weight(s)"``): the rule of case weights and of the times a curve is read at.

    Examples
    --------
    >>> _, problems = nonnegative_problems(pd.Series([1.0, -2.0], name="w"), table="t",
    ...                                    why="weights are >= 0", noun="weight(s)")
    >>> [p.describe() for p in problems]
    ["table 't', row 1, column 'w', value '-2.0': 1 weight(s) negative; weights are >= 0"]
    """
    numbers, problems = finite_problems(values, table=table, why=why)
    negative = np.flatnonzero(numbers < 0)
    reason = f"{negative.size} {noun} negative; {why}"
    column = str(values.name)
    problems += [
        Problem(table, int(row), column, float(numbers[row]), reason) for row in negative[:LISTED]
    ]
    return numbers, problems


def _as_floats(values: pd.Series) -> tuple[FloatArray, BoolArray, BoolArray]:
    """Return the values as floats (NaN: missing or text), where one is missing, and dates.

    Text (object, string or categorical values) is read once per distinct value: a
    column of category labels is mostly a few values repeated, and parsing each row's
    text cost 40 times what finding the missing ones does. Dates and durations
    (datetime64, timedelta64, periods, or such objects) are flagged, not read: as
    numbers they are nanoseconds since 1970.
    """
    dtype = values.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "biuf":  # plain numpy numbers
        numbers = values.to_numpy(dtype=float)
        return numbers, np.isnan(numbers), np.zeros(len(numbers), dtype=bool)
    missing = values.isna().to_numpy(dtype=bool)
    if dtype.kind in "mM" or isinstance(dtype, pd.PeriodDtype):
        return np.full(len(values), np.nan), missing, ~missing
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        return values.to_numpy(dtype=float, na_value=np.nan), missing, np.zeros_like(missing)
    codes, distinct = pd.factorize(values)  # a missing value's code is -1
    objects = np.asarray(distinct, dtype=object)
    is_date = np.array([isinstance(v, _DATE_TYPES) for v in objects] + [False], dtype=bool)
    numeric = [None if date else v for v, date in zip(objects, is_date, strict=False)]
    read = pd.to_numeric(pd.Series(numeric, dtype=object), errors="coerce")
    each = np.append(read.to_numpy(dtype=float, na_value=np.nan), np.nan)
    return each[codes], codes < 0, is_date[codes]


def _faults(missing_allowed: bool, text_allowed: bool) -> str:
    """Return what the refused values are, by the rule: infinite, and missing or text."""
    faults = ([] if missing_allowed else ["missing"]) + ["infinite"]
    faults += [] if text_allowed else ["not numbers"]
    return faults[0] if len(faults) == 1 else f"{', '.join(faults[:-1])} or {faults[-1]}"


def _given(value: object) -> object:
    """Return a value as a problem keeps it: pandas' NA as None (it shows ``<empty>``)."""
    return None if value is pd.NA else value
