"""Baseline covariates as a numeric matrix, coded the same way for every model.

Survival, causal and prediction models all need the spells' covariates as numbers.
:class:`CovariateCoding` learns one coding from a table (which categorical levels to keep,
which is the reference) and applies it to that table or to new rows, so a model fitted on
one cohort can predict for another with identical columns.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._finite import LISTED, finite_numbers
from escalation._vocabulary import refuse_repeats
from escalation.data.columns import stray_words
from escalation.errors import (
    COVARIATE_ROLE,
    DataValidationError,
    DesignError,
    Problem,
    StatisticalWarning,
    available_columns,
    refuse_personal,
)

__all__ = [
    "Coding",
    "CovariateCoding",
    "coding_left_out",
    "coding_record",
    "covariate_matrix",
    "given_coding",
    "in_level_order",
    "level_order",
    "refuse_stray_words",
]

#: Level given to missing values of a categorical covariate.
MISSING: Final = "missing"
#: Level that pools categorical levels seen fewer than ``min_count`` times.
OTHER: Final = "other"


def _is_categorical(values: pd.Series) -> bool:
    return bool(
        isinstance(values.dtype, pd.CategoricalDtype)
        or pd.api.types.is_string_dtype(values.dtype)
        or pd.api.types.is_object_dtype(values.dtype)
    )


def _as_text(values: pd.Series) -> pd.Series:
    return values.astype("string").fillna(MISSING).astype(object)


def level_order(values: pd.Series) -> list[str]:
    """Return the levels of a categorical column in code order, as R's ``factor`` does.

    A pandas ``Categorical`` keeps its declared category order; otherwise levels are
    sorted, numerically when every level is a number (``"2"`` before ``"10"``), else as
    text. The first level is the reference of treatment coding. ``missing`` (missing
    values) comes after the observed levels.

    Examples
    --------
    >>> level_order(pd.Series(["b", "a", "b", None]))
    ['a', 'b', 'missing']
    >>> level_order(pd.Series([10, 2, 2]).astype(str))
    ['2', '10']
    >>> level_order(pd.Series(pd.Categorical(["lo", "hi"], categories=["lo", "hi"])))
    ['lo', 'hi']
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        return _categorical_tally(values)[1]
    present = set(_as_text(values).unique())
    has_missing = MISSING in present and bool(values.isna().any())
    observed = [str(v) for v in values.dropna().astype("string").unique()]
    numbers = pd.to_numeric(pd.Series(observed, dtype=object), errors="coerce")
    if len(observed) and numbers.notna().all():
        order = [observed[i] for i in np.argsort(numbers.to_numpy(dtype=float), kind="stable")]
    else:
        order = sorted(observed)
    return [*order, MISSING] if has_missing else order


def in_level_order(values: pd.Series) -> pd.Categorical:
    """Return ``values`` as a ``Categorical`` of the values present, in :func:`level_order`.

    The categories are the values themselves (numbers stay numbers, a ``Categorical``'s
    categories stay its categories), ordered as :func:`level_order` orders their text:
    the declared order of a ``Categorical``, else sorted, numerically when every value is
    a number. Missing values stay missing (code -1).

    Examples
    --------
    >>> list(in_level_order(pd.Series(["10", "2", "9"])).categories)
    ['2', '9', '10']
    >>> list(in_level_order(pd.Series([True, False, True])).categories)
    [False, True]
    """
    order = {level: j for j, level in enumerate(level_order(values))}
    if isinstance(values.dtype, pd.CategoricalDtype):  # level_order writes str(category)
        present = list(values.cat.categories)
        text = [str(c) for c in present]
    else:
        present = list(pd.unique(values.dropna()))
        text = pd.Series(present, dtype=object).astype("string").tolist()  # as level_order
    kept = sorted(
        (j for j in range(len(present)) if text[j] in order), key=lambda j: order[text[j]]
    )
    return pd.Categorical(values, categories=[present[j] for j in kept])


def _category_text(dtype: Any) -> list[str]:
    """Return each category of ``dtype`` as :func:`_as_text` writes it, in code order.

    Categories that are already text are written unchanged; others go through
    :func:`_as_text` as a ``Categorical`` of the same dtype (a plain Series of datetime
    categories would drop the time part).
    """
    categories = dtype.categories
    if categories.dtype == object and pd.api.types.infer_dtype(categories, skipna=False) in (
        "string",
        "empty",
    ):
        return [str(c) for c in categories]
    whole = pd.Categorical.from_codes(np.arange(len(categories)), dtype=dtype)
    return list(_as_text(pd.Series(whole)))


def _categorical_tally(values: pd.Series) -> tuple[dict[str, int], list[str]]:
    """Return the rows of each level of a ``Categorical`` column, and its level order.

    What ``_as_text(values).value_counts()`` and :func:`level_order` give, read from the
    codes: the categories are turned into text once, not every row.
    """
    text = _category_text(values.dtype)
    rows = np.bincount(values.cat.codes.to_numpy().astype(np.intp) + 1, minlength=len(text) + 1)
    counts: dict[str, int] = {}
    for level, k in zip([MISSING, *text], rows.tolist(), strict=True):
        if k:
            counts[level] = counts.get(level, 0) + k
    order = [str(c) for c in values.cat.categories if str(c) in counts]
    return counts, [*order, MISSING] if rows[0] else order


@runtime_checkable
class Coding(Protocol):
    """What every model needs from a covariate coding: column names and a way to apply it.

    :class:`CovariateCoding` (a list of covariates) and
    :class:`escalation.formula.FormulaCoding` (a model formula) are both codings.
    """

    @property
    def names(self) -> tuple[str, ...]:
        """The coded column names."""

    @property
    def columns(self) -> tuple[str, ...]:
        """The data columns the coding reads."""

    def apply(self, frame: pd.DataFrame, *, table: str | None = None) -> pd.DataFrame:
        """Return the coded numeric matrix of ``frame`` (same index), columns :attr:`names`.

        ``table`` names ``frame`` when it holds new rows (profiles to predict for): a
        categorical value the coding has no level for is then refused, naming the table.
        """


def given_coding(coding: Coding) -> Coding:
    """Return a coding the user gave (``coding=``), after refusing its personal columns.

    :class:`CovariateCoding` and :class:`~escalation.formula.FormulaCoding` refuse a
    personal column (an identifier, a birth date, note text) when built; a class of the
    user's own that meets the :class:`Coding` protocol is checked here, by the same rule
    (:func:`~escalation.errors.refuse_personal`), before it reads the data.

    Raises
    ------
    DataValidationError
        When the coding reads a personal column.
    """
    refuse_personal(tuple(coding.columns), COVARIATE_ROLE, "spells")
    return coding


@dataclass(frozen=True)
class CovariateCoding:
    """How covariates become numeric columns.

    Numeric and boolean columns pass through as floats. Each categorical column becomes
    indicator columns ``<column>_<level>``, one per kept level except the reference: the
    first level in code order, as R's ``factor`` (the first declared category of a pandas
    ``Categorical``, else the first level sorted; see :func:`level_order`), or the level
    given in ``reference``. Missing categorical values form their own level ``missing``;
    levels seen fewer than ``min_count`` times are pooled into ``other`` so that sparse
    codes do not make models unstable. A categorical column whose every level is that rare
    keeps ``other`` alone: it codes no column, so it is left out of every model, with a
    :class:`~escalation.errors.StatisticalWarning` when learnt and named by
    :attr:`left_out`. Missing or infinite numeric values are an error that names their
    rows: impute or exclude them explicitly first, and a column of numbers holding a few
    words (:func:`~escalation.data.columns.stray_words`, the reader's rule) is refused
    rather than coded as one level per number.

    Attributes
    ----------
    columns : tuple of str
        The covariates, in order.
    levels : dict
        For each categorical column, its kept levels with the reference first (then code
        order).
    pooled : dict
        For each categorical column, the levels pooled into ``other``.
    names : tuple of str
        The output column names.
    """

    columns: tuple[str, ...]
    levels: dict[str, tuple[str, ...]]
    pooled: dict[str, tuple[str, ...]]
    names: tuple[str, ...]

    def __post_init__(self) -> None:
        """Refuse a personal column, in a coding built by hand as in one learnt.

        :meth:`learn` refuses one before reading its values; a coding built by hand
        (its levels a child's identifiers) and passed as a model's ``coding=`` fitted a
        coefficient per child, named by the identifier: refused here
        (:func:`~escalation.errors.refuse_personal`).
        """
        refuse_personal(self.columns, COVARIATE_ROLE, "spells")

    @classmethod
    def learn(
        cls,
        frame: pd.DataFrame,
        columns: Sequence[str],
        *,
        min_count: int = 20,
        reference: Mapping[str, object] | None = None,
    ) -> CovariateCoding:
        """Learn the coding of ``columns`` from ``frame``.

        Parameters
        ----------
        frame : pandas.DataFrame
            Usually ``SpellData.spells``.
        columns : sequence of str
            Covariates to code, e.g. ``SpellData.model_covariates``.
        min_count : int, default 20
            Categorical levels with fewer rows are pooled into ``other``.
        reference : mapping, optional
            Column -> its reference level (default: the first level in code order).

        Returns
        -------
        CovariateCoding

        Raises
        ------
        DesignError
            When a column is absent from ``frame`` or listed twice, or a reference level is
            not among the column's kept levels.
        DataValidationError
            When a column is personal (an identifier, a birth date, note text:
            :func:`~escalation.errors.refuse_personal`, the rule of Table 1): its values
            would name the coefficients. Cluster on an identifier instead. When a column of
            numbers holds a few words (:func:`refuse_stray_words`), naming the rows.

        Warns
        -----
        StatisticalWarning
            When every level of a categorical column has fewer than ``min_count`` rows:
            the column keeps ``other`` alone, codes no column and is left out
            (:attr:`left_out`).
        """
        refuse_repeats(
            "covariate(s)",
            columns,
            "a repeated column is collinear with itself and would be left out",
        )
        refuse_personal(columns, COVARIATE_ROLE, "spells")
        missing = [c for c in columns if c not in frame.columns]
        unknown = sorted(set(reference or {}) - set(columns))
        if unknown:
            raise DesignError(
                f"reference levels given for {', '.join(unknown)}, which are not covariates"
            )
        if missing:
            raise DesignError(
                f"covariates not in the spells table: {', '.join(map(str, missing))}"
                f"{available_columns(missing, frame.columns)}"
            )
        levels: dict[str, tuple[str, ...]] = {}
        pooled: dict[str, tuple[str, ...]] = {}
        names: list[str] = []
        for column in columns:
            values = frame[column]
            if not _is_categorical(values):
                names.append(column)
                continue
            if isinstance(values.dtype, pd.CategoricalDtype):
                counts, coded = _categorical_tally(values)
            else:
                refuse_stray_words(values, table="spells")
                counts = {str(k): int(v) for k, v in _as_text(values).value_counts().items()}
                coded = level_order(values)
            rare = [level for level in coded if counts[level] < min_count]
            order = [level for level in coded if counts[level] >= min_count]
            if rare:
                order.append(OTHER)
            if not order:
                order = [OTHER]
            if rare and order == [OTHER]:  # no level kept: the column codes nothing
                _warn_all_rare(column, len(coded), min_count)
            wanted = (reference or {}).get(column)
            if wanted is not None:
                if str(wanted) not in order:
                    raise DesignError(
                        f"the reference level {wanted!r} of covariate {column!r} is not among "
                        f"its levels ({', '.join(order)}); choose one of those"
                    )
                order.remove(str(wanted))
                order.insert(0, str(wanted))
            levels[column] = tuple(order)
            pooled[column] = tuple(rare)
            names += [f"{column}_{level}" for level in order[1:]]
        return cls(tuple(columns), levels, pooled, tuple(names))

    @property
    def left_out(self) -> tuple[str, ...]:
        """The categorical columns that code no column: every level pooled into ``other``.

        Examples
        --------
        >>> import warnings
        >>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "g": ["a", "b", "c"]})
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     CovariateCoding.learn(frame, ["x", "g"], min_count=2).left_out
        ('g',)
        """
        return tuple(
            c for c in self.columns if self.levels.get(c) == (OTHER,) and self.pooled.get(c)
        )

    def terms(self) -> dict[str, tuple[str, ...]]:
        """Return each covariate's coded columns (a categorical's indicators), in order.

        A covariate is one term of the model, as in R's ``terms``: a factor's indicators
        are tested together (e.g. by :meth:`~escalation.survival.CoxResult.ph_test`).
        A categorical column with a single kept level codes no column and is left out.

        Examples
        --------
        >>> frame = pd.DataFrame({"x": [1.0, 2.0, 3.0], "g": ["a", "b", "c"]})
        >>> CovariateCoding.learn(frame, ["x", "g"], min_count=1).terms()
        {'x': ('x',), 'g': ('g_b', 'g_c')}
        """
        out: dict[str, tuple[str, ...]] = {}
        for column in self.columns:
            if column in self.levels:
                coded = tuple(f"{column}_{level}" for level in self.levels[column][1:])
            else:
                coded = (column,)
            if coded:
                out[column] = coded
        return out

    def unplaced(self, frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
        """Return which rows of ``frame`` have a categorical value no kept level takes.

        The values :meth:`apply` refuses with ``table`` or codes as the reference level
        with ``held_out``: a level not kept (nor missing where it was not) when no
        ``other`` level is kept.

        Examples
        --------
        >>> frame = pd.DataFrame({"g": ["a"] * 25 + ["b"] * 25})
        >>> coding = CovariateCoding.learn(frame, ["g"])
        >>> coding.unplaced(pd.DataFrame({"g": ["a", "c", None]})).tolist()
        [False, True, True]
        """
        out = np.zeros(len(frame), dtype=bool)
        for column, kept in self.levels.items():
            out |= _unplaced(frame[column], kept)
        return out

    def apply(
        self,
        frame: pd.DataFrame,
        *,
        table: str | None = None,
        held_out: bool = False,
        learnt_on: str = "the spells of the other folds",
    ) -> pd.DataFrame:
        """Return the numeric matrix of ``frame`` (same index), columns :attr:`names`.

        A categorical value that is not a kept level (a pooled level, one not seen when
        the coding was learnt, or a missing value where none was seen) is coded as
        ``other`` when that level is kept. Without ``other`` its indicators are all 0 (the
        reference), unless ``table`` is given (refused) or ``held_out`` (said aloud).

        Parameters
        ----------
        frame : pandas.DataFrame
            The rows to code.
        table : str, optional
            The table ``frame`` is, for rows the coding was not learnt from (``"profiles"``
            of a prediction): a categorical value with no kept level and no ``other`` to
            take it is then refused (it would be predicted as the reference level).
        held_out : bool, default False
            ``frame`` is a held-out fold of the spells the coding was learnt on the other
            folds of (cross-fitting, cross-validation). A level held only by the held-out
            families is rarer than ``min_count`` in the whole data, as a pooled level is:
            without ``other`` to take it, it is coded as the reference level (all
            indicators 0) with a :class:`~escalation.errors.StatisticalWarning` naming the
            covariate and how many spells and levels (never the values), not refused.
            Takes precedence over ``table``.
        learnt_on : str, default "the spells of the other folds"
            What the coding was learnt on, for the ``held_out`` warning (a temporal
            validation's training spells, time zero before its cutoff).

        Raises
        ------
        DesignError
            When a covariate is absent.
        DataValidationError
            When a numeric covariate has missing or infinite values, or text (naming the
            rows); with ``table`` (and not ``held_out``), when a categorical value has no
            level to take it (naming the table, rows, column and values as the package
            discloses them).

        Warns
        -----
        StatisticalWarning
            With ``held_out``, when a categorical value has no level to take it.
        """
        out = np.empty((len(frame), len(self.names)), order="F")
        place = {name: j for j, name in enumerate(self.names)}
        # Plain numpy numbers (the usual case) are read as floats in one go: one copy
        # out of pandas, not one a column (the same conversion of each value).
        dtypes = frame.dtypes.to_dict()
        plain = [
            c
            for c in dict.fromkeys(self.columns)
            if c not in self.levels and c in dtypes and _plain_number(dtypes[c])
        ]
        block = frame[plain].to_numpy(dtype=float) if plain else np.empty((len(frame), 0))
        numbers_at = {column: j for j, column in enumerate(plain)}
        for column in self.columns:
            if column not in frame.columns:
                raise DesignError(f"covariate {column!r} is not in the table")
            if column in numbers_at:
                array = block[:, numbers_at[column]]
                if not np.isfinite(array).all():  # read again by the rule, to name the rows
                    array = _numbers(frame[column])
                out[:, place[column]] = array
                continue
            values = frame[column]
            if column in self.levels:
                kept = self.levels[column]
                position = _positions(values, kept)
                unseen = _unplaced(values, kept, position)
                if unseen.any():
                    if held_out:
                        _warn_held_out(values, unseen, kept, learnt_on)
                    elif table is not None:
                        raise _unseen_levels(values, unseen, kept, table)
                position[position < 0] = kept.index(OTHER) if OTHER in kept else -1
                for j, level in enumerate(kept[1:], start=1):
                    out[:, place[f"{column}_{level}"]] = position == j
                continue
            out[:, place[column]] = _numbers(values)  # nullable numbers: NA is missing
        for j, name in enumerate(self.names):
            if place[name] != j:  # a name given twice: every copy holds its (last) values
                out[:, j] = out[:, place[name]]
        # One block of floats (not a column each): the same numbers, built without
        # pandas consolidating dozens of columns.
        return pd.DataFrame(out, index=frame.index, columns=list(self.names))


def _warn_all_rare(column: str, levels: int, min_count: int) -> None:
    """Warn that a categorical covariate is left out: each level is rarer than ``min_count``."""
    warnings.warn(
        f"covariate {column!r} has {levels} level(s), each seen in fewer than "
        f"min_count={min_count} rows: all are pooled into 'other', so it codes no column "
        "and is left out of the model (not adjusted for); lower min_count or group its "
        "levels",
        StatisticalWarning,
        stacklevel=4,
    )


def coding_left_out(coding: Coding) -> dict[str, str]:
    """Return the covariates a coding leaves out, and why (as ``dropped_reasons`` says it).

    A :class:`CovariateCoding` leaves out a categorical column whose every level was
    pooled into ``other`` (:attr:`CovariateCoding.left_out`); other codings leave none out.

    Examples
    --------
    >>> import warnings
    >>> frame = pd.DataFrame({"g": ["a", "b", "c"]})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     coding_left_out(CovariateCoding.learn(frame, ["g"], min_count=2))
    {'g': 'every level rarer than min_count (pooled into other)'}
    """
    if not isinstance(coding, CovariateCoding):
        return {}
    return dict.fromkeys(coding.left_out, "every level rarer than min_count (pooled into other)")


def coding_record(coding: Coding) -> dict[str, dict[str, list[str]]]:
    """Return the levels a coding kept and pooled, as settings and manifests record them.

    A :class:`CovariateCoding`'s kept levels of each categorical (reference first) and
    the levels pooled into ``other``: ``min_count`` changes both, and the estimates with
    them. A formula's levels are its variables' own (``{}``: the formula is recorded).

    Examples
    --------
    >>> frame = pd.DataFrame({"g": ["a"] * 3 + ["b"] * 2 + ["c"]})
    >>> coding_record(CovariateCoding.learn(frame, ["g"], min_count=2))
    {'levels': {'g': ['a', 'b', 'other']}, 'pooled': {'g': ['c']}}
    """
    if not isinstance(coding, CovariateCoding):
        return {}
    return {
        "levels": {c: list(v) for c, v in coding.levels.items()},
        "pooled": {c: list(v) for c, v in coding.pooled.items()},
    }


def refuse_stray_words(values: pd.Series, *, table: str) -> None:
    """Refuse a column of numbers holding a few words, naming the rows (value described).

    The reader's rule (:func:`~escalation.data.columns.stray_words`) for a column given to
    a model in a data frame: one ``"unknown"`` (or a name) in a column of numbers made it
    text, so every distinct number became a level of a categorical covariate (pooled into
    ``other``, or named in coefficients and warnings). The words are located problems,
    their values described by the package's rule, never echoed.

    Raises
    ------
    DataValidationError
        Naming ``table``, each row, the column and the value.

    Examples
    --------
    >>> refuse_stray_words(pd.Series([0.5 * i for i in range(19)] + ["Jane Smith"], name="x",
    ...                              dtype=object), table="spells")
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Covariate 'x': 1 problem found
      - table 'spells', row 19, column 'x', value <not shown: 10 characters, letters and spaces>: not a number, in a column otherwise numeric (19 of its 20 values are numbers): leave unknown values empty (missing values are refused too: impute them or leave the rows out) or convert the column to numbers
    """  # noqa: E501
    words = stray_words(values)
    if words is None:
        return
    column = str(values.name)
    present = int(values.notna().sum())
    reason = (
        f"not a number, in a column otherwise numeric ({present - int(words.sum())} of its "
        f"{present} values are numbers): leave unknown values empty (missing values are "
        "refused too: impute them or leave the rows out) or convert the column to numbers"
    )
    problems = [
        Problem(table, int(row), column, values.iloc[row], reason)
        for row in np.flatnonzero(words)[:LISTED]
    ]
    raise DataValidationError(problems, f"covariate {column!r}")


def _unseen_levels(
    values: pd.Series, unseen: npt.NDArray[np.bool_], kept: tuple[str, ...], table: str
) -> DataValidationError:
    """Return the error naming the rows of a categorical column with no kept level.

    The wording is :meth:`escalation.formula.FormulaCoding.apply`'s; the values are shown
    by the package's rule (:class:`~escalation.errors.Problem`: text is described, not
    echoed), the levels are those the model's coefficients are named by.
    """
    column = str(values.name)
    reason = (
        f"{int(unseen.sum())} value(s) of a categorical variable have a level not seen when "
        f"the model was fitted (or are missing where no value was), and no 'other' level "
        f"takes them; its levels are {', '.join(kept)}: give one of those"
    )
    problems = [
        Problem(table, int(row), column, _given(values.iloc[row]), reason)
        for row in np.flatnonzero(unseen)[:LISTED]
    ]
    return DataValidationError(problems, table)


def _unplaced(
    values: pd.Series, kept: tuple[str, ...], position: npt.NDArray[np.intp] | None = None
) -> npt.NDArray[np.bool_]:
    """Return which ``values`` no kept level takes: none of ``kept`` and no ``other`` kept.

    ``position``: the rows' positions among ``kept`` (:func:`_positions`), when known.
    """
    if OTHER in kept:
        return np.zeros(len(values), dtype=bool)
    found = _positions(values, kept) if position is None else position
    out: npt.NDArray[np.bool_] = found < 0
    return out


def _warn_held_out(
    values: pd.Series,
    unseen: npt.NDArray[np.bool_],
    kept: tuple[str, ...],
    learnt_on: str = "the spells of the other folds",
) -> None:
    """Warn that held-out rows' levels the training rows never had are coded as the reference.

    Names the covariate, how many rows and how many distinct levels (a missing value
    counting as one), never the values: a level held by one fold's families alone, or
    first seen after a temporal cutoff, is rare. ``learnt_on`` says what the coding was
    learnt on.
    """
    levels = _as_text(values)[unseen].nunique()
    warnings.warn(
        StatisticalWarning(
            f"covariate {str(values.name)!r}: {int(unseen.sum())} held-out spell(s) have "
            f"{levels} level(s) that {learnt_on} never had (or a missing "
            "value where they had none), and no 'other' level takes them: they are coded "
            f"as the reference level {kept[0]!r} (levels {', '.join(kept)}), as a level "
            "rarer than min_count is pooled",
            design_key="[covariates] include",
        ),
        stacklevel=4,
    )


def _given(value: object) -> object:
    """Return a value as a problem keeps it: a missing one as None (shown ``<empty>``)."""
    missing = value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value))
    return None if missing else value


def _plain_number(dtype: object) -> bool:
    """Whether a column of ``dtype`` holds plain numpy numbers (or booleans)."""
    return bool(
        isinstance(dtype, np.dtype)
        and pd.api.types.is_numeric_dtype(dtype)
        and not isinstance(dtype, pd.api.extensions.ExtensionDtype)
    )


def _numbers(values: pd.Series) -> npt.NDArray[np.float64]:
    """Return a numeric covariate as floats, or raise naming the rows that are no finite number.

    A missing value has no number to enter a model, and an infinite one makes every
    estimate that uses the column infinite or undefined (it read as a column that "does
    not vary"); neither is dropped or imputed silently, and text in a column coded as
    numbers is refused as well (:func:`~escalation._finite.finite_numbers`).
    """
    column = str(values.name)
    why = (
        f"numeric covariate {column!r} needs a number in every row: impute them, leave the "
        "rows out explicitly or leave the covariate out of the design"
    )
    return finite_numbers(values, table="spells", why=why, context=f"covariate {column!r}")


def _positions(values: pd.Series, kept: tuple[str, ...]) -> npt.NDArray[np.intp]:
    """Return each row's position among the ``kept`` levels of a categorical column (-1: none).

    One hash lookup per row, not one comparison of every row per level; a pandas
    ``Categorical`` is looked up once per category and read through its codes.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        # code -1 (a missing value) reads the last entry: the level ``missing`` when kept
        where = {level: j for j, level in enumerate(kept)}
        text = [*_category_text(values.dtype), MISSING]
        lookup = np.array([where.get(level, -1) for level in text], dtype=np.intp)
        out: npt.NDArray[np.intp] = lookup[values.cat.codes.to_numpy()]
        return out
    return pd.Index(kept).get_indexer(pd.Index(_as_text(values)))


def covariate_matrix(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    min_count: int = 20,
    reference: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Return ``columns`` of ``frame`` coded as numbers (see :class:`CovariateCoding`).

    Examples
    --------
    >>> import pandas as pd
    >>> spells = pd.DataFrame({"age": [3.0, 9.0, 12.0], "sex": ["F", "M", "F"]})
    >>> covariate_matrix(spells, ["age", "sex"], min_count=1)
        age  sex_M
    0   3.0    0.0
    1   9.0    1.0
    2  12.0    0.0
    >>> covariate_matrix(spells, ["sex"], min_count=1, reference={"sex": "M"}).columns.tolist()
    ['sex_F']
    """
    coding = CovariateCoding.learn(frame, columns, min_count=min_count, reference=reference)
    return coding.apply(frame)
