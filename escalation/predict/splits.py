"""How spells are split for validation: by time (earlier vs later) and by family.

A risk tool is built on past cases and used on future ones, so the honest test is
*temporal*: train on spells whose time zero is earlier, test on later ones. Siblings
share a home and a case history; splitting them between training and test lets the model
recognise a family rather than predict for a new one, so every split here keeps each
``family_id`` (or, without one, each child) on one side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._row_order import canonical_order, restore
from escalation._vocabulary import spells_of
from escalation.clusters import family_labels
from escalation.errors import DataValidationError, DesignError, Problem

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = ["Split", "SplitMethod", "family_groups", "grouped_folds", "temporal_split"]

IntArray = npt.NDArray[np.int64]
SplitMethod = Literal["temporal", "grouped_cv"]


@dataclass(frozen=True)
class Split:
    """Row positions of one training and one test set.

    Attributes
    ----------
    train, test : numpy.ndarray of int
        Row positions (``iloc``) in the spells table.
    label : str
        ``"temporal"`` or ``"fold 1"``, ``"fold 2"``, ...
    cutoff : pandas.Timestamp or None
        First time zero of the test period (temporal splits only).
    """

    train: IntArray
    test: IntArray
    label: str
    cutoff: pd.Timestamp | None = None


def family_groups(spells: pd.DataFrame) -> npt.NDArray[np.int64]:
    """Return one integer group per row: the family, or the child when no family is known.

    Groups are numbered in the order they first appear with the rows in ``spell_id`` order
    (in row order without a ``spell_id`` column), so the same spells in another row order
    get the same numbers, and the folds and bootstrap draws made from them are the same.

    ``child_id`` is read only for spells without a ``family_id``: spells with a family each
    need no ``child_id`` column.

    Raises
    ------
    DataValidationError
        Some spells have no ``family_id`` and there is no ``child_id`` column (table
        ``spells``, column ``child_id``).

    Examples
    --------
    >>> spells = pd.DataFrame({"child_id": ["a", "b", "c"], "family_id": ["f", "f", None]})
    >>> family_groups(spells).tolist()
    [0, 0, 1]
    """
    key = family_labels(spells)
    order = canonical_order(spells)
    if order is None:
        return np.asarray(pd.factorize(key)[0], dtype=np.int64)
    return restore(np.asarray(pd.factorize(key.iloc[order])[0], dtype=np.int64), order)


def temporal_split(
    spells: SpellData | pd.DataFrame,
    *,
    cutoff: str | pd.Timestamp | None = None,
    train_fraction: float = 0.7,
    separate_families: bool = True,
) -> Split:
    """Train on spells with time zero before ``cutoff``, test on those on or after it.

    Parameters
    ----------
    spells : SpellData or pandas.DataFrame
        A :class:`~escalation.timeline.SpellData` or its ``spells`` (``time_zero``,
        ``child_id``, ``family_id``).
    cutoff : date, optional
        First time zero of the test period; by default the date that leaves
        ``train_fraction`` of spells for training.
    train_fraction : float
        Share of spells in the training period when ``cutoff`` is not given.
    separate_families : bool
        Drop from the test set spells of families that also have a training spell, so no
        family is on both sides (default). The number dropped is ``len(spells) -
        len(train) - len(test)``.

    Returns
    -------
    Split

    Raises
    ------
    DesignError
        When either period is empty.
    DataValidationError
        When ``time_zero`` is absent, or missing or not a date in some row (naming table
        ``spells``, the rows, column ``time_zero`` and the values): such a spell was put
        in the test period.

    Examples
    --------
    >>> spells = pd.DataFrame({
    ...     "child_id": ["a", "b", "c", "d"], "family_id": ["f1", "f2", "f1", "f3"],
    ...     "time_zero": pd.to_datetime(["2020-01-01", "2020-06-01", "2021-01-01",
    ...                                  "2021-06-01"])})
    >>> split = temporal_split(spells, cutoff="2021-01-01")
    >>> split.train.tolist(), split.test.tolist()
    ([0, 1], [3])
    """
    spells = spells_of(spells, function="temporal_split")
    time_zero = time_zeros(spells)
    if cutoff is None:
        if not 0 < train_fraction < 1:
            raise DesignError(f"train_fraction must be between 0 and 1, not {train_fraction}")
        cut = time_zero.sort_values().iloc[int(train_fraction * len(spells))]
    else:
        cut = pd.Timestamp(cutoff)
    early = (time_zero < cut).to_numpy()
    train = np.flatnonzero(early)
    test = np.flatnonzero(~early)
    if separate_families and len(train):
        groups = family_groups(spells)
        test = test[~np.isin(groups[test], groups[train])]
    if len(train) == 0 or len(test) == 0:
        raise DesignError(
            f"temporal split at {cut.date().isoformat()} leaves {len(train)} training and "
            f"{len(test)} test spells; choose a cutoff inside the time-zero window"
        )
    return Split(train.astype(np.int64), test.astype(np.int64), "temporal", pd.Timestamp(cut))


def time_zeros(spells: pd.DataFrame) -> pd.Series:
    """Return the spells' ``time_zero`` as dates, or raise naming the rows without one.

    A missing time zero is before no cutoff, so :func:`temporal_split` put its spell in
    the test period without a word; text that is not a date raised pandas' bare
    ``DateParseError`` and an absent column a bare ``KeyError``.

    Raises
    ------
    DataValidationError
        Naming table ``spells``, column ``time_zero`` and each of the first 20 rows whose
        value is missing or not a date (with the value), or the column when it is absent.

    Examples
    --------
    >>> time_zeros(pd.DataFrame({"time_zero": ["2020-01-06", None]}))
    Traceback (most recent call last):
    ...
    escalation.errors.DataValidationError: Spells: 1 problem found
      - table 'spells', row 1, column 'time_zero', value <empty>: 1 time zero(s) missing \
or not a date; every spell needs the date its follow-up starts
    """
    if "time_zero" not in spells.columns:
        problem = Problem("spells", None, "time_zero", None, "required column is missing")
        raise DataValidationError([problem], "spells")
    values = spells["time_zero"]
    if pd.api.types.is_datetime64_any_dtype(values) and not values.isna().any():
        return values
    dates = pd.to_datetime(values, errors="coerce", format="mixed")
    bad = np.flatnonzero(dates.isna().to_numpy())
    if bad.size:
        reason = (
            f"{bad.size} time zero(s) missing or not a date; every spell needs the date its "
            "follow-up starts"
        )
        problems = [
            Problem("spells", int(r), "time_zero", values.iloc[r], reason) for r in bad[:20]
        ]
        raise DataValidationError(problems, "spells")
    return dates


def grouped_folds(
    spells: SpellData | pd.DataFrame, n_splits: int = 5, *, seed: int = 0
) -> list[Split]:
    """Return ``n_splits`` cross-validation folds that never split a family.

    ``spells`` is a :class:`~escalation.timeline.SpellData` or a data frame of spells
    (``child_id``, ``family_id``). Families are shuffled (seeded) and dealt to folds so
    that folds have similar numbers of spells.

    Examples
    --------
    >>> spells = pd.DataFrame({"child_id": list("abcdef"),
    ...                        "family_id": ["f1", "f1", "f2", "f3", "f3", "f4"]})
    >>> folds = grouped_folds(spells, 2, seed=1)
    >>> sorted(len(f.test) for f in folds), all(
    ...     set(spells.family_id.iloc[f.train]).isdisjoint(spells.family_id.iloc[f.test])
    ...     for f in folds)
    ([3, 3], True)
    """
    groups = family_groups(spells_of(spells, function="grouped_folds"))
    n_groups = int(groups.max()) + 1 if len(groups) else 0
    if n_splits < 2 or n_splits > n_groups:
        raise DesignError(
            f"grouped cross-validation needs 2 <= n_splits <= number of families "
            f"({n_groups}); got {n_splits}"
        )
    rng = np.random.default_rng(seed)
    sizes = np.bincount(groups, minlength=n_groups)
    order = rng.permutation(n_groups)
    # largest families first (stable after the shuffle), each to the smallest fold
    order = order[np.argsort(-sizes[order], kind="stable")]
    fold_of = np.empty(n_groups, dtype=np.int64)
    load = np.zeros(n_splits)
    for g in order:
        k = int(np.argmin(load))
        fold_of[g] = k
        load[k] += sizes[g]
    row_fold = fold_of[groups]
    return [
        Split(
            np.flatnonzero(row_fold != k).astype(np.int64),
            np.flatnonzero(row_fold == k).astype(np.int64),
            f"fold {k + 1}",
        )
        for k in range(n_splits)
    ]
