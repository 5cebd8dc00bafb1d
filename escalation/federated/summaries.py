"""Covariate summaries for Table 1: per authority in a pack, pooled at the hub.

For each covariate and arm an authority shares counts (binary flags and levels of
categorical covariates) or the mean and standard deviation (numeric covariates), with
the arm's size ``n`` and, when the covariate has any missing value, the number of spells
with it missing (level :data:`MISSING_LEVEL`), a count cell like the levels: the levels
(or the spells with a number), the children without a yes/no flag and the missing add
up to ``n``, so a small number missing is withheld with its complements as any small
count is, and cannot be worked out as ``n`` minus the spells with a value. The hub adds
counts and combines means and standard deviations exactly (within- plus
between-authority sums of squares, over the spells with a value: ``n`` minus the
missing), so the pooled Table 1 equals the one of the pooled data, except for cells an
authority had to withhold (under the threshold), which the hub reports as withheld
rather than guessing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Final

import numpy as np
import pandas as pd

from escalation._vocabulary import refuse_repeats, spells_of
from escalation.causal.propensity import treatment_vector
from escalation.causal.tableone import refuse_infinite
from escalation.disclosure import DisclosureRules, complementary_suppression, share_of_recorded
from escalation.errors import DataValidationError, DesignError, Problem, refuse_personal
from escalation.timeline.matrix import level_order

if TYPE_CHECKING:
    from escalation.timeline import SpellData

__all__ = [
    "MISSING_LEVEL",
    "SUMMARY_COLUMNS",
    "covariate_summary",
    "derivable_cells",
    "pool_covariate_summaries",
    "recorded_sizes",
    "suppress_summary",
]

#: Columns of a covariate summary, in order.
SUMMARY_COLUMNS: Final = ("covariate", "level", "group", "n", "count", "mean", "sd")
#: The level of the count of spells whose value of a covariate is missing.
MISSING_LEVEL: Final = "(missing)"
_GROUPS: Final = {"all": None, "treated": 1, "untreated": 0}
#: What to do about a pack whose withheld count can be worked out.
_REMAKE: Final = (
    "make the share pack again with this version of escalation, which withholds the "
    "cells that would give a withheld one back"
)


def _is_numeric(values: pd.Series) -> bool:
    """Whether a covariate is summarised by its mean and SD: numbers, not only 0 and 1.

    Numbers kept as text (codes "1" to "10") are levels, as in the local Table 1.
    """
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        return False
    return set(pd.unique(values.dropna())) - {0, 1} != set()


def covariate_summary(
    spells: pd.DataFrame | SpellData, covariates: Sequence[str], *, treatment: str = "treatment"
) -> pd.DataFrame:
    """Summarise covariates by arm (counts, or n, mean and SD), before disclosure control.

    Parameters
    ----------
    spells : pandas.DataFrame or SpellData
        Spells with the covariates and the 0/1 treatment.
    covariates : sequence of str
        Columns to summarise.
    treatment : str, default "treatment"

    Returns
    -------
    pandas.DataFrame
        :data:`SUMMARY_COLUMNS`, ``n`` the group's size (every spell of it) on every row:
        for a numeric covariate one row per group with the ``mean`` and ``sd`` of the
        values there; for a binary or categorical one one row per level and group with
        its ``count``. A covariate with any missing value (in any group) has one more row
        per group, the level :data:`MISSING_LEVEL` with the ``count`` of spells missing
        it (0 included), so that what adds up to ``n`` is published as cells
        (:func:`suppress_summary`).

    Raises
    ------
    DesignError
        When a column is not in ``spells``, a covariate is listed twice or ``spells``
        has no rows.
    DataValidationError
        When a treatment is not 0 or 1, a numeric covariate is infinite, a categorical
        one has the value :data:`MISSING_LEVEL` (naming the rows), or a covariate is
        personal (an identifier: its values would be the levels).

    Examples
    --------
    >>> spells = pd.DataFrame({"treatment": [1, 0, 0], "age": [3.0, 5.0, 7.0],
    ...                        "sex": ["F", "M", None]})
    >>> covariate_summary(spells, ["age", "sex"]).query("group == 'all'")[
    ...     ["covariate", "level", "n", "count", "mean"]].values.tolist()
    ... # doctest: +NORMALIZE_WHITESPACE
    [['age', '', 3, nan, 5.0], ['sex', 'F', 3, 1.0, nan], ['sex', 'M', 3, 1.0, nan],
     ['sex', '(missing)', 3, 1.0, nan]]
    """
    spells = spells_of(spells, function="covariate_summary")
    missing = [c for c in (*covariates, treatment) if c not in spells.columns]
    if missing:
        raise DesignError(f"the spells lack column(s) {', '.join(missing)} for Table 1")
    refuse_repeats("covariate(s)", covariates, "pooled, a repeated one would be counted twice")
    if not len(spells):
        raise DesignError("the spells table has no rows: there is nothing to summarise")
    # a row of neither arm was counted in "all" but in no arm
    arm = pd.Series(treatment_vector(spells, treatment, both_arms=False), index=spells.index)
    refuse_personal(covariates, "a covariate: its values would be its levels", "covariate summary")
    refuse_infinite(spells, covariates, "covariate summary")
    rows = []
    for covariate in covariates:
        values = spells[covariate]
        numeric = _is_numeric(values)
        if not numeric:
            _refuse_missing_level(values, covariate)
        for group, code in _GROUPS.items():
            mine = values if code is None else values[arm == code]
            rows += (
                _numeric_rows(mine, covariate, group)
                if numeric
                else _level_rows(mine, values, covariate, group)
            )
            if values.isna().any():
                rows.append(_row(covariate, MISSING_LEVEL, group, mine.size, mine.isna().sum()))
    return pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))


def _row(
    covariate: str,
    level: str,
    group: str,
    n: int,
    count: float = np.nan,
    mean: float = np.nan,
    sd: float = np.nan,
) -> dict[str, object]:
    """Return one row of a covariate summary (:data:`SUMMARY_COLUMNS`)."""
    return {
        "covariate": covariate,
        "level": level,
        "group": group,
        "n": int(n),
        "count": float(count),
        "mean": mean,
        "sd": sd,
    }


def _numeric_rows(mine: pd.Series, covariate: str, group: str) -> list[dict[str, object]]:
    """Return a numeric covariate's row in a group: its size, mean and SD of the values."""
    x = pd.to_numeric(mine, errors="coerce").dropna().to_numpy(dtype=float)
    mean = float(x.mean()) if x.size else np.nan
    sd = float(x.std(ddof=1)) if x.size > 1 else np.nan
    return [_row(covariate, "", group, mine.size, mean=mean, sd=sd)]


def _level_rows(
    mine: pd.Series, values: pd.Series, covariate: str, group: str
) -> list[dict[str, object]]:
    """Return a yes/no or categorical covariate's counts in a group (``values``: every group)."""
    levels = mine.dropna().astype(str)
    if set(levels.unique()) <= {"0", "1", "True", "False", "0.0", "1.0"}:
        counts = {"yes": int(levels.isin(["1", "True", "1.0"]).sum())}
    else:
        # the local Table 1's and the models' level order (level_order), as text
        present = set(values.dropna().astype(str).unique())
        every = [level for level in level_order(values) if level in present]
        every += sorted(present - set(every))
        counts = {level: int((levels == level).sum()) for level in every}
    return [_row(covariate, level, group, mine.size, count) for level, count in counts.items()]


def _refuse_missing_level(values: pd.Series, covariate: str) -> None:
    """Refuse a categorical value that reads as the level of the missing values."""
    clash = np.flatnonzero((values.astype(str) == MISSING_LEVEL).to_numpy())
    if len(clash):
        raise DataValidationError(
            [
                Problem(
                    "spells",
                    int(row),
                    covariate,
                    MISSING_LEVEL,
                    f"the value {MISSING_LEVEL!r} is the covariate summary's level of the "
                    "missing values; recode it",
                )
                for row in clash[:5]
            ],
            f"covariate {covariate!r}",
        )


def _binary_as_numeric(every: pd.DataFrame) -> pd.DataFrame:
    """Return ``every`` with 0/1 summaries of covariates summarised as numbers elsewhere.

    :func:`covariate_summary` decides by an authority's own values: a count that is 0 or
    1 for every child of one authority (prior care episodes in a small one) is shared
    there as a 0/1 covariate, ``n`` and the count of ones (level ``"yes"``), and as a
    number (``n``, mean, SD) where it takes other values. The count of ones is the same
    values' numeric summary: mean ``c / n`` and SD ``sqrt(c (n - c) / (n (n - 1)))``, ``n``
    the spells with a value (:func:`recorded_sizes`). An authority whose only level of
    such a covariate is ``"yes"`` (beside its missing) has its rows rewritten so (a
    withheld count leaves the mean missing, withheld).
    """
    has_mean = pd.to_numeric(every["mean"], errors="coerce").notna()
    names = every["covariate"].astype(str)
    numbers = set(names[has_mean])
    if not numbers:
        return every
    out = every.copy()
    recorded = recorded_sizes(out, ("authority", "covariate", "group"))
    for key, rows in out.groupby(["authority", names], sort=False).groups.items():
        covariate = str(key[1]) if isinstance(key, tuple) else ""
        if covariate not in numbers:
            continue
        # Not inlined in set() or pd.to_numeric: there mypy checks the .loc overloads again
        # for each of their overloads.
        levels = out.loc[rows, "level"].astype(str)
        if set(levels) - {MISSING_LEVEL} != {"yes"}:
            continue
        rows = rows[(levels == "yes").to_numpy()]
        given_count = out.loc[rows, "count"]
        n = recorded[out.index.get_indexer(rows)]
        ones = pd.to_numeric(given_count, errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(n > 0, ones / n, np.nan)
            sd = np.where(n > 1, np.sqrt(ones * (n - ones) / (n * (n - 1))), np.nan)
        out.loc[rows, "level"] = ""
        out.loc[rows, "count"] = np.nan
        out.loc[rows, "mean"] = mean
        out.loc[rows, "sd"] = sd
    return out


def _numeric_covariates(every: pd.DataFrame) -> set[str]:
    """Return the covariates summarised as numeric; refuse one also summarised by counts.

    ``every`` holds every authority's rows (an ``authority`` column). A row with a mean
    is numeric, one with another level than ``""`` or with a count is categorical, and a
    withheld row of the level ``""`` (neither) could be either.
    """
    level = every["level"].fillna("").astype(str)
    count = pd.to_numeric(every["count"], errors="coerce").notna()
    mean = pd.to_numeric(every["mean"], errors="coerce").notna()
    counted = ((level != "") | count) & (level != MISSING_LEVEL)
    problems = []
    numeric = set()
    for covariate, rows in every.groupby("covariate", sort=False).groups.items():
        # Not inlined in sorted(set(...)): there mypy checks the .loc overloads again for
        # each overload of sorted and set.
        numbered_by = every.loc[rows[mean[rows].to_numpy()], "authority"].astype(str)
        counted_by = every.loc[rows[counted[rows].to_numpy()], "authority"].astype(str)
        as_numbers = sorted(set(numbered_by))
        as_counts = sorted(set(counted_by))
        if as_numbers and as_counts:
            problems.append(
                Problem(
                    "covariate summaries",
                    None,
                    "covariate",
                    None,
                    f"covariate {str(covariate)!r} is summarised as numeric in "
                    f"{', '.join(as_numbers)} (n, mean and SD) but as categorical in "
                    f"{', '.join(as_counts)} (counts by level): pooled, the two would be "
                    "mixed; summarise it one way in every authority",
                )
            )
        elif not as_counts:
            numeric.add(str(covariate))
    if problems:
        raise DataValidationError(problems, "covariate summaries")
    return numeric


def pool_covariate_summaries(summaries: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Combine authorities' covariate summaries into one Table 1.

    Counts are added; means and SDs are combined exactly from each authority's n, mean
    and SD. A cell any authority withheld makes the pooled cell missing (``withheld``
    counts the authorities that withheld it).

    Returns
    -------
    pandas.DataFrame
        ``covariate, level, group, n, count, percent, mean, sd, withheld``.

    Notes
    -----
    A numeric covariate is summarised in one row per group with the level ``""``, a mean
    and no count; a categorical one in one row per level, and a blank value (``""``) is a
    level like any other, with its count. So a covariate is numeric when every row of it
    has the level ``""`` and none has a count. A covariate shared as 0/1 (level ``"yes"``)
    by some authorities and as a number by others (a count that is 0 or 1 for every child
    of a small authority) is pooled as a number: the count of ones gives the same values'
    n, mean and SD exactly.

    Raises
    ------
    DataValidationError
        When an authority's summary has two rows for one covariate, level and group, or
        one authority summarised a covariate as numeric and another as categorical.
    """
    if not summaries:
        raise DesignError("no covariate summaries to pool")
    problems = [
        Problem(
            f"{authority} covariate summary",
            int(row),
            "covariate",
            summary["covariate"].iloc[row],
            "a second row for this covariate, level and group (it would be counted twice)",
        )
        for authority, summary in summaries.items()
        for row in np.flatnonzero(summary.duplicated(["covariate", "level", "group"]))
    ]
    if problems:
        raise DataValidationError(problems, "covariate summaries")
    frames = [s.assign(authority=a) for a, s in summaries.items()]
    every = _binary_as_numeric(pd.concat(frames, ignore_index=True)).reset_index(drop=True)
    numeric = _numeric_covariates(every)
    # The numbers as floats once (not four conversions per cell): rows by position.
    values = {
        name: pd.to_numeric(every[name], errors="coerce").to_numpy(dtype=float)
        for name in ("n", "count", "mean", "sd")
    }
    values["recorded"] = recorded_sizes(every, ("authority", "covariate", "group"))
    rows = []
    for (covariate, level, group), part in every.groupby(
        ["covariate", "level", "group"], sort=False, dropna=False
    ):
        at = part.index.to_numpy()
        n = values["n"][at]
        withheld = int(np.isnan(n).sum())
        total = float(n.sum()) if not withheld else np.nan
        row = {
            "covariate": covariate,
            "level": level,
            "group": group,
            "n": total,
            "count": np.nan,
            "percent": np.nan,
            "mean": np.nan,
            "sd": np.nan,
            "withheld": withheld,
        }
        if str(covariate) in numeric and level != MISSING_LEVEL:
            row.update(_pooled_numbers(values, at, withheld))
        else:
            row.update(_pooled_count(values, at, withheld, level == MISSING_LEVEL))
        rows.append(row)
    return _missing_of_whole_groups(pd.DataFrame(rows))


def _pooled_numbers(
    values: dict[str, np.ndarray], at: np.ndarray, withheld: int
) -> dict[str, float]:
    """Return the pooled mean and SD of a numeric covariate's rows ``at`` (and ``withheld``).

    Each authority's mean and SD are of its spells with a value (:func:`recorded_sizes`);
    one without any in the group adds nothing, and a mean missing beside spells with a
    value (or beside a withheld number missing) was withheld.
    """
    recorded, mean, sd = values["recorded"][at], values["mean"][at], values["sd"][at]
    withheld = max(withheld, int(np.sum(np.isnan(mean) & ~(recorded == 0))))
    out: dict[str, float] = {"withheld": withheld}
    some = recorded > 0
    r, mean, sd = recorded[some], mean[some], sd[some]
    total = float(r.sum())
    if not withheld and total > 0 and np.all(np.isfinite(mean)):
        grand = float(np.sum(r * mean) / total)
        within = np.nansum((r - 1) * np.where(np.isfinite(sd), sd, 0.0) ** 2)
        between = float(np.sum(r * (mean - grand) ** 2))
        out["mean"] = grand
        out["sd"] = float(np.sqrt((within + between) / (total - 1))) if total > 1 else np.nan
    return out


def _pooled_count(
    values: dict[str, np.ndarray], at: np.ndarray, withheld: int, missing_level: bool
) -> dict[str, float]:
    """Return the pooled count of the rows ``at``, with its percentage of the spells with a value.

    The count of the missing (``missing_level``) has no percentage.
    """
    count = values["count"][at]
    gaps = int(np.isnan(count).sum())
    out: dict[str, float] = {"withheld": max(withheld, gaps)}
    if not gaps and not withheld:
        pooled = float(count.sum())
        recorded = float(values["recorded"][at].sum())
        out["count"] = pooled
        if not missing_level:  # withheld where an authority withheld its number missing
            share = share_of_recorded(pooled, recorded)
            out["percent"] = np.nan if share is None else share
    return out


def _missing_of_whole_groups(pooled: pd.DataFrame) -> pd.DataFrame:
    """Give each row of the missing the ``n`` of its covariate and group.

    Only authorities with a value missing have such a row (the others have none missing:
    the pooled count is right), so its own ``n`` is theirs alone; the group's is that of
    the covariate's other rows.
    """
    level = pooled["level"].fillna("").astype(str)
    where = (level == MISSING_LEVEL).to_numpy()
    if not where.any():
        return pooled
    keys = ["covariate", "group"]
    sizes = pooled.loc[~where].drop_duplicates(keys)[[*keys, "n"]]
    lost = pooled.loc[where, keys].merge(sizes, on=keys, how="left")
    out = pooled.copy()
    out.loc[where, "n"] = lost["n"].to_numpy(dtype=float)
    return out


def _size_cells(summary: pd.DataFrame) -> pd.DataFrame:
    """Return each (covariate, group)'s ``n`` once, with the first row it is on."""
    first = summary.reset_index(drop=True).drop_duplicates(["covariate", "group"])
    return pd.DataFrame(
        {
            "covariate": first["covariate"].astype(str).to_numpy(),
            "group": first["group"].astype(str).to_numpy(),
            "raw": pd.to_numeric(first["n"], errors="coerce").to_numpy(dtype=float),
        }
    )


def recorded_sizes(summary: pd.DataFrame, by: Sequence[str] = ("covariate", "group")) -> np.ndarray:
    """Return, per row, the spells of its covariate and group with a value.

    That is ``n`` less the count of the row :data:`MISSING_LEVEL` of the same ``by``
    (none such: none missing, ``n``; a withheld count: missing), what a percentage of a
    level and a mean are of.

    Examples
    --------
    >>> summary = covariate_summary(pd.DataFrame({"treatment": [1, 0, 0],
    ...     "sex": ["F", None, "M"], "age": [3.0, 5.0, 7.0]}), ["sex", "age"])
    >>> recorded_sizes(summary.query("group == 'all'")).tolist()
    [2.0, 2.0, 2.0, 3.0]
    """
    keys = list(by)
    frame = summary.reset_index(drop=True)
    where = (frame["level"].fillna("").astype(str) == MISSING_LEVEL).to_numpy()
    lost = frame.loc[where, keys].astype(str)
    lost["lost"] = pd.to_numeric(frame.loc[where, "count"], errors="coerce").to_numpy(float)
    lost["listed"] = True
    merged = frame[keys].astype(str).merge(lost, on=keys, how="left")
    listed = merged["listed"].notna().to_numpy()
    missing = np.where(listed, merged["lost"].to_numpy(dtype=float), 0.0)
    n = pd.to_numeric(frame["n"], errors="coerce").to_numpy(dtype=float)
    out: np.ndarray = n - missing
    return out


def _count_cells(summary: pd.DataFrame) -> pd.DataFrame:
    """Return the count cells of a summary, the unpublished ones included.

    Every row with a level (not a numeric covariate) is a cell, ``row`` its position,
    the spells missing the covariate (:data:`MISSING_LEVEL`) included. Two more kinds
    of cell are not published but worked out from ones that are (``row`` -1), so a small
    one has to be protected like a published one: the children without a yes/no flag
    (``n`` minus those with it and the missing), and the spells with a value of a numeric
    covariate that has missing ones (``n`` minus the missing), whose mean and SD rest on
    them (``stats``: that row's position, withheld with the cell; -1 for other cells).
    """
    frame = summary.reset_index(drop=True)
    level = frame["level"].fillna("").astype(str)
    recorded = recorded_sizes(frame)
    named = level.where(level != MISSING_LEVEL, None)
    kinds = named.groupby(frame["covariate"].astype(str).to_numpy()).transform(_kind)
    lacking = frame["covariate"].astype(str).isin(frame.loc[level == MISSING_LEVEL, "covariate"])
    rows = frame[level != ""]
    flags = frame[((kinds == "flag") & (level == "yes")).to_numpy()]
    numbers = frame[((kinds == "number") & (level == "") & lacking).to_numpy()]
    parts = [
        _cells(rows, level[rows.index], pd.to_numeric(rows["count"], errors="coerce"), -1),
        _cells(
            flags,
            "no",
            recorded[flags.index] - pd.to_numeric(flags["count"], errors="coerce"),
            -1,
            row=-1,
        ),
        _cells(numbers, "", recorded[numbers.index], numbers.index.to_numpy(), row=-1),
    ]
    return pd.concat(parts, ignore_index=True)


def _kind(levels: pd.Series) -> str:
    """Return what a covariate's levels (the missing left out) are: a flag, a number or levels."""
    shown = set(levels.dropna())
    return "flag" if shown == {"yes"} else "number" if shown == {""} else "levels"


def _cells(
    rows: pd.DataFrame,
    level: str | pd.Series,
    raw: pd.Series | np.ndarray,
    stats: int | np.ndarray,
    *,
    row: int | None = None,
) -> pd.DataFrame:
    """Return count cells of ``rows``: ``row`` their position unless given (-1: unpublished)."""
    return pd.DataFrame(
        {
            "covariate": rows["covariate"].astype(str).to_numpy(),
            "group": rows["group"].astype(str).to_numpy(),
            "level": level if isinstance(level, str) else level.to_numpy(dtype=object),
            "raw": np.asarray(raw, dtype=float),
            "row": rows.index.to_numpy() if row is None else row,
            "stats": stats,
        }
    )


def _codes(cells: pd.DataFrame, columns: list[str]) -> np.ndarray:
    return cells.groupby(columns, sort=False).ngroup().to_numpy()


def _size_hidden(cells: pd.DataFrame, sizes: pd.DataFrame) -> np.ndarray:
    """Return, per row of ``cells``, whether the ``n`` of its covariate and group is hidden."""
    keys = cells[["covariate", "group"]]
    hidden = keys.merge(sizes, on=["covariate", "group"], how="left")["hidden"]
    return hidden.to_numpy(dtype=bool)


def suppress_summary(
    summary: pd.DataFrame, rules: DisclosureRules, withheld_means: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Return which ``n`` and which ``count`` cells of a covariate summary to withhold.

    A cell under the threshold (zero included), or missing already (withheld by an
    authority), is withheld, and so are its complements
    (:func:`~escalation.disclosure.complementary_suppression`): the levels of a covariate
    in a group add up to its ``n`` (with the children without a yes/no flag), and each
    ``all`` cell is the ``treated`` one plus the ``untreated`` one, so none withheld can
    be worked out by subtraction. The spells missing a covariate (:data:`MISSING_LEVEL`)
    are a cell of its group like its levels, and for a numeric covariate so are the
    spells with a value (``n`` minus the missing), on which its mean and SD rest: a small
    number missing withholds the mean and SD of its group (or the number with a value is
    worked out from ``n`` and, from the mean at full precision, the sum). A withheld
    ``n`` withholds every count of its covariate and group.

    ``withheld_means`` marks numeric rows whose mean and SD must be withheld (a
    whole-number covariate whose moments would give a small count back,
    :func:`~escalation.federated._whole_numbers.whole_number_rows`); a complement is
    withheld beside each, since a covariate's sum and sum of squares in ``all`` are the
    arms' added.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`covariate_summary` (an authority's) or :func:`pool_covariate_summaries`.
    rules : DisclosureRules
    withheld_means : numpy.ndarray of bool, optional
        One per row of ``summary``.

    Returns
    -------
    tuple of numpy.ndarray of bool
        Withheld ``n`` and withheld ``count``, one per row of ``summary``; on the row of
        a numeric covariate a withheld ``count`` means its ``mean`` and ``sd`` withheld.

    Examples
    --------
    >>> spells = pd.DataFrame({"treatment": [1] * 40 + [0] * 60,
    ...     "sex": ["F"] * 18 + ["M"] * 18 + ["U"] * 4 + ["F"] * 30 + ["M"] * 30})
    >>> summary = covariate_summary(spells, ["sex"])
    >>> n, count = suppress_summary(summary, DisclosureRules())
    >>> withheld = summary.assign(hidden=count).query("hidden")
    >>> sorted(withheld["group"] + ":" + withheld["level"])  # U small; F hidden with it
    ['all:F', 'all:U', 'treated:F', 'treated:U', 'untreated:F', 'untreated:U']
    """
    frame = summary.reset_index(drop=True)
    sizes = _size_cells(frame)
    small = np.isnan(sizes["raw"].to_numpy()) | (sizes["raw"].to_numpy() < rules.threshold)
    sizes["hidden"] = complementary_suppression(
        sizes["raw"].to_numpy(), small, [_codes(sizes, ["covariate"])], rules.threshold
    )
    hidden_size = _size_hidden(frame[["covariate", "group"]].astype(str), sizes)
    cells = _count_cells(frame)
    raw = cells["raw"].to_numpy()
    start = np.isnan(raw) | (raw < rules.threshold) | _size_hidden(cells, sizes)
    hidden = complementary_suppression(
        raw,
        start,
        [_codes(cells, ["covariate", "group"]), _codes(cells, ["covariate", "level"])],
        rules.threshold,
    )
    hidden_count = np.zeros(len(frame), dtype=bool)
    for column in ("row", "stats"):  # a published count; a mean and SD resting on a cell
        at = cells[column].to_numpy()
        hidden_count[at[(at >= 0) & hidden]] = True
    if withheld_means is not None:
        start = np.asarray(withheld_means, dtype=bool) | hidden_count | hidden_size
        hidden_count |= _mean_complements(frame, start, rules.threshold)
    return hidden_size, hidden_count


def _numeric_rows_of(frame: pd.DataFrame) -> np.ndarray:
    """Return the positions of the rows of numeric covariates (level ``""``, no count)."""
    level = frame["level"].fillna("").astype(str)
    counted = pd.to_numeric(frame["count"], errors="coerce").notna()
    return np.flatnonzero(((level == "") & ~counted).to_numpy())


def _mean_complements(frame: pd.DataFrame, start: np.ndarray, threshold: int) -> np.ndarray:
    """Return which numeric rows' means to withhold: ``start`` and their complements.

    A numeric covariate's sum and sum of squares in ``all`` are its arms' added, so a
    mean withheld alone among its three groups is withheld with the smallest other
    (:func:`~escalation.disclosure.complementary_suppression`, by spells with a value).
    """
    rows = _numeric_rows_of(frame)
    out = np.asarray(start, dtype=bool).copy()
    if not rows.size:
        return out
    recorded = recorded_sizes(frame)[rows]
    codes = frame["covariate"].astype(str).iloc[rows].factorize()[0]
    out[rows] = complementary_suppression(recorded, out[rows], [codes], threshold)
    return out


def _moment_problems(frame: pd.DataFrame, rules: DisclosureRules) -> list[Problem]:
    """Return problems with means: giving a small count, or one withheld alone.

    A published mean and SD whose moments give a count under the threshold
    (:func:`~escalation.federated._whole_numbers.small_from_moments`), and a withheld
    mean alone among its covariate's groups beside published ones (``all`` less the
    other arm gives its sum and sum of squares back).
    """
    from escalation.federated._whole_numbers import moments_problems

    if not {"mean", "sd"} <= set(frame.columns):
        return []
    recorded = recorded_sizes(frame)
    problems = [
        Problem(
            "covariates",
            None,
            "mean",
            None,
            f"covariate {covariate}: its n, mean and SD give a count under "
            f"{rules.threshold} (a whole-number covariate): {_REMAKE}",
        )
        for covariate in moments_problems(frame, recorded, rules)
    ]
    rows = _numeric_rows_of(frame)
    means = pd.to_numeric(frame["mean"], errors="coerce").to_numpy(dtype=float)[rows]
    withheld = pd.Series(np.isnan(means) & (recorded[rows] > 0))
    names = frame["covariate"].astype(str).iloc[rows].to_numpy()
    alone = withheld.groupby(names).transform("sum").to_numpy() == 1
    for covariate in pd.unique(names[alone & withheld.to_numpy()]):
        problems.append(
            Problem(
                "covariates",
                None,
                "mean",
                None,
                f"covariate {covariate}: a withheld mean is the only one withheld among its "
                f"groups (all = treated + untreated gives it back): {_REMAKE}",
            )
        )
    return problems


def _small_hidden_sums(
    frame: pd.DataFrame, cells: pd.DataFrame, rules: DisclosureRules
) -> list[Problem]:
    """Return a problem per covariate whose withheld cells of a group add up to a small count.

    The cells of a covariate in a group add up to its published ``n``, so those withheld
    add up to ``n`` less the published ones: that sum is itself published, and under
    the threshold (two empty levels: 0) it says each is (the complementary rule,
    :func:`~escalation.disclosure.complementary_suppression`, keeps it at least the
    threshold). Pack counts are not rounded, so the sum is exact.
    """
    sizes = _size_cells(frame).rename(columns={"raw": "n"})
    table = cells.merge(sizes, on=["covariate", "group"], how="left")
    table["hidden"] = np.isnan(table["raw"].to_numpy(dtype=float))
    table["shown"] = table["raw"].fillna(0.0)
    by = table.groupby(["covariate", "group"], sort=False)
    groups = by.agg(n=("n", "first"), hidden=("hidden", "sum"), shown=("shown", "sum"))
    small = (groups["hidden"] > 1) & np.isfinite(groups["n"])
    small &= groups["n"] - groups["shown"] < rules.threshold
    return [
        Problem(
            "covariates",
            None,
            "count",
            None,
            f"covariate {covariate}: the withheld counts of group {group} add up to under "
            f"{rules.threshold} (n less the published ones): {_REMAKE}",
        )
        for covariate, group in groups.index[small.to_numpy()]
    ]


def derivable_cells(summary: pd.DataFrame, rules: DisclosureRules) -> list[Problem]:
    """Return the withheld cells of a disclosed covariate summary that can be worked out.

    A withheld (missing) ``n`` or ``count`` alone among the cells that add up to a
    published total (the levels of a covariate in a group with its ``n``; ``all`` with
    ``treated`` and ``untreated``) is given back by subtraction; so is a count of
    children without a yes/no flag (``n`` minus those with it) under the threshold, and
    the sum of withheld counts of a group when it is under the threshold
    (:func:`_small_hidden_sums`).

    Returns
    -------
    list of Problem
        One per covariate where it happens (never the value).
    """
    frame = summary.reset_index(drop=True)
    problems: list[Problem] = []
    sizes = _size_cells(frame)
    cells = _count_cells(frame)
    checks = (
        (sizes, ["covariate"], "n"),
        (cells, ["covariate", "group"], "count"),
        (cells, ["covariate", "level"], "count"),
    )
    for table, columns, column in checks:
        missing = pd.Series(np.isnan(table["raw"].to_numpy()), index=table.index)
        alone = missing.groupby(_codes(table, columns)).transform("sum") == 1
        for covariate in pd.unique(table.loc[alone & missing, "covariate"]):
            problems.append(
                Problem(
                    "covariates",
                    None,
                    column,
                    None,
                    f"covariate {covariate}: a withheld cell is the only one withheld among "
                    f"cells that add up to a published total (it can be worked out): {_REMAKE}",
                )
            )
    problems += _small_hidden_sums(frame, cells, rules)
    problems += _moment_problems(frame, rules)
    unshown = cells[(cells["row"] < 0) & (cells["raw"] < rules.threshold)]
    for covariate in pd.unique(unshown["covariate"]):
        problems.append(
            Problem(
                "covariates",
                None,
                "count",
                None,
                f"covariate {covariate}: n minus the count with the flag is under "
                f"{rules.threshold}: {_REMAKE}",
            )
        )
    return problems
