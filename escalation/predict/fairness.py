"""Who a risk tool fails: every metric by ethnicity, sex, disability and deprivation.

Each group is scored with the *same* operating point as the whole test set (the risk
cut-off that flags the riskiest 10% overall), because that is how a tool would be used;
then false-negative and false-positive rates differ between groups when the tool misses
or over-flags some more than others. Calibration within groups (observed minus expected
risk, and their ratio) shows whether a group's risk is over- or under-stated.

Small groups are not over-read: a group with fewer than ``min_n`` spells or fewer than
``min_events`` escalations by the horizon is reported with ``suppressed = True`` and no
estimate or interval (statistical disclosure control and honesty about noise). Its ``n``
is kept, exact, for use inside the authority; the published table withholds it
(:func:`escalation.disclosure.disclose_metric_counts`), counting it at that size when
it chooses complements.

Groups
------
ethnicity
    The CIN census major groups: White (W...), Mixed (M...), Asian (A...), Black (B...),
    Other (CHNE, OOTH, as in the Department for Education's tables), Not known (REFU,
    NOBT or missing).
sex
    As recorded (F, M, U, missing).
disability
    ``yes`` / ``no`` / ``missing``.
deprivation
    Index of Multiple Deprivation quintile, ``Q1 (most deprived)`` ... ``Q5``, from the
    decile.

Every group an attribute defines (:data:`FAIRNESS_LEVELS`: the code list of sex, the
ethnic groups, yes and no, the five quintiles) is listed, those no child is in too: a
group left out of a table would say it has none, a count (zero) the disclosure rules
suppress. Its ``n`` is 0, below ``min_n``: it is suppressed, with no metric;
published, with no ``n`` either, the complementary suppression of the groups
(:func:`escalation.disclosure.disclose_metric_counts`) hides a second group with it, so
that its 0 does not follow by subtraction from the test set's size. ``missing`` is
listed when some child's value is. :func:`fairness_groups` gives each attribute as a
categorical column whose categories are its groups; :func:`group_levels` reads them, so
groups given as categoricals list their unused categories too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

from escalation._top_share import TopCut, top_cut
from escalation._vocabulary import spells_of
from escalation.clusters import family_labels
from escalation.compute import run_batched
from escalation.data.codes import SEXES
from escalation.design.options import bootstrap_replicates
from escalation.errors import (
    SUBGROUP_ROLE,
    DataValidationError,
    DesignError,
    Problem,
    refuse_personal,
)
from escalation.predict._inputs import by_label, labels_of, prediction_arrays
from escalation.predict.metrics import (
    BootstrapInterval,
    Competing,
    bootstrap_indices,
    bootstrap_interval,
    flag_labels,
    follow_up_of,
    horizon_status,
    left_out_count,
    operating_at,
    score_rows,
    warn_left_out,
)

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "ATTRIBUTES",
    "FAIRNESS_COLUMNS",
    "FAIRNESS_LEVELS",
    "fairness_groups",
    "fairness_table",
    "subgroup_metrics",
]

#: Attributes reported, in order.
ATTRIBUTES: Final = ("ethnicity", "sex", "disability", "deprivation")
#: Columns of the subgroup table, in order.
FAIRNESS_COLUMNS: Final = (
    "model",
    "metric",
    "attribute",
    "group",
    "n",
    "estimate",
    "conf_low",
    "conf_high",
    "conf_level",
    "suppressed",
    "draws_left_out",
)
_ETHNIC: Final = {"W": "White", "M": "Mixed", "A": "Asian", "B": "Black"}
_OTHER: Final = {"CHNE", "OOTH"}
_NOT_KNOWN: Final = "Not known"
#: The label of a child whose sex, disability or deprivation is not recorded.
MISSING: Final = "missing"
#: Index of Multiple Deprivation quintiles (deciles 1-2, ..., 9-10), the most deprived first.
DEPRIVATION_QUINTILES: Final = ("Q1 (most deprived)", "Q2", "Q3", "Q4", "Q5 (least deprived)")
#: The groups each attribute defines, listed in every table of groups, those no child is
#: in too (``missing`` is listed when some child's value is).
FAIRNESS_LEVELS: Final = {
    "ethnicity": (*_ETHNIC.values(), "Other", _NOT_KNOWN),
    "sex": tuple(SEXES),
    "disability": ("yes", "no"),
    "deprivation": DEPRIVATION_QUINTILES,
}


def _ethnic_group(code: object) -> str:
    if code is None or code is pd.NA or (isinstance(code, float) and np.isnan(code)):
        return _NOT_KNOWN
    text = str(code).upper()
    if text in _OTHER:
        return "Other"
    return _ETHNIC.get(text[:1], _NOT_KNOWN) if text not in {"REFU", "NOBT"} else _NOT_KNOWN


def fairness_groups(spells: SpellData | pd.DataFrame) -> pd.DataFrame:
    """Return the group of each spell for every attribute present (same index).

    ``spells`` is a :class:`~escalation.timeline.SpellData` or a data frame of spells.
    Each column is categorical, its categories every group of :data:`FAIRNESS_LEVELS`
    (those no spell is in too) and any other label seen (``missing``): tables of groups
    list them all (:func:`group_levels`).

    Examples
    --------
    >>> spells = pd.DataFrame({"ethnicity": ["WBRI", "BAFR", "REFU"], "sex": ["F", "M", None],
    ...                        "disability": [True, False, None], "imd_decile": [1, 6, 10]})
    >>> groups = fairness_groups(spells)
    >>> groups.astype(str).to_dict("list")  # doctest: +NORMALIZE_WHITESPACE
    {'ethnicity': ['White', 'Black', 'Not known'], 'sex': ['F', 'M', 'missing'],
     'disability': ['yes', 'no', 'missing'],
     'deprivation': ['Q1 (most deprived)', 'Q3', 'Q5 (least deprived)']}
    >>> group_levels(groups["sex"])  # no child is U: listed all the same
    ['F', 'M', 'U', 'missing']
    """
    spells = spells_of(spells, function="fairness_groups")
    out = pd.DataFrame(index=spells.index)
    if "ethnicity" in spells:
        out["ethnicity"] = [_ethnic_group(v) for v in spells["ethnicity"].astype(object)]
    if "sex" in spells:
        out["sex"] = spells["sex"].astype("string").fillna(MISSING).astype(object)
    if "disability" in spells:
        out["disability"] = yes_no_groups(spells["disability"])
    if "imd_decile" in spells:
        decile = pd.to_numeric(spells["imd_decile"], errors="coerce")
        quintile = np.ceil(decile / 2)
        out["deprivation"] = [
            MISSING if np.isnan(q) else DEPRIVATION_QUINTILES[int(q) - 1] for q in quintile
        ]
    for attribute in out.columns:
        out[attribute] = listed_levels(out[attribute], FAIRNESS_LEVELS[attribute])
    return out


def yes_no_groups(flags: pd.Series) -> pd.Series:
    """Return the groups of a true/false attribute: ``yes``, ``no``, ``missing`` (both listed).

    Examples
    --------
    >>> yes_no_groups(pd.Series([True, None])).astype(str).tolist()
    ['yes', 'missing']
    """
    flag = flags.astype("boolean")
    labels = np.where(flag.isna().to_numpy(), MISSING, np.where(flag.fillna(False), "yes", "no"))
    return listed_levels(pd.Series(labels, index=flags.index, name=flags.name), ("yes", "no"))


def listed_levels(values: pd.Series, levels: Sequence[str]) -> pd.Series:
    """Return ``values`` as a categorical whose categories are ``levels`` and any other seen.

    The groups a table lists (:func:`group_levels`): ``levels`` those the attribute
    defines, no child in them too; a label seen beyond them (``missing``) follows.

    Examples
    --------
    >>> listed_levels(pd.Series(["F", "missing"]), ("F", "M", "U")).cat.categories.tolist()
    ['F', 'M', 'U', 'missing']
    """
    seen = pd.unique(values.astype(object).to_numpy())
    others = sorted({str(v) for v in seen} - set(levels))
    categories = pd.Index([*levels, *others], dtype=object)
    return pd.Series(
        pd.Categorical(values.astype(object).astype(str), categories=categories),
        index=values.index,
        name=values.name,
    )


def group_levels(values: pd.Series) -> list[object]:
    """Return the groups a table lists for one attribute: its categories and any label seen.

    A categorical column (:func:`fairness_groups`) lists its categories, those no child
    is in too: a group left out would say it has none. Other labels are those seen. In
    the order of ``np.unique``.

    Examples
    --------
    >>> group_levels(pd.Series(pd.Categorical(["b"], categories=["a", "b"])))
    ['a', 'b']
    >>> group_levels(pd.Series(["b", "a", "b"]))
    ['a', 'b']
    """
    labels = values.astype(object).to_numpy()
    if isinstance(values.dtype, pd.CategoricalDtype):
        labels = np.concatenate([labels, values.cat.categories.to_numpy(dtype=object)])
    return list(np.unique(labels))


@dataclass(frozen=True)
class _GroupInputs:
    """Models' test-set predictions and groups, scored per bootstrap sample (to workers).

    ``scores`` and ``cuts`` hold one entry per model; the models share the spells, so
    each group's follow-up (counts, censoring weights, order of the pairs) is found once
    for all of them.
    """

    time: npt.NDArray[np.float64]
    code: npt.NDArray[np.int64]
    scores: tuple[npt.NDArray[np.float64], ...]
    groups: pd.DataFrame
    horizon: float
    flags: tuple[float, ...]
    cuts: tuple[dict[float, TopCut], ...]
    competing: Competing
    #: Each attribute's sorted labels and every row's code among them (:func:`_group_codes`).
    coded: dict[str, tuple[npt.NDArray[np.object_], npt.NDArray[np.intp]]]
    #: The ``(attribute, group)`` pairs scored (None: every group). The bootstrap samples
    #: score only the groups shown: a suppressed group's intervals are never reported.
    scored: frozenset[tuple[str, str]] | None = None


def _score_groups(
    rows: npt.NDArray[np.int64], inputs: _GroupInputs
) -> list[dict[tuple[str, str, str], float]]:
    """Return every metric in every group on ``rows`` (one bootstrap sample), by model.

    Each model's numbers are :func:`~escalation.predict.metrics.score_risks` of its
    risks in the group (and its rates minus the whole sample's
    :func:`~escalation.predict.metrics.operating_point`); the follow-up side of those is
    computed once per group for every model.
    """
    horizon, flags = inputs.horizon, inputs.flags
    # The gaps need only the whole sample's operating points (not every metric on it).
    whole = horizon_status(
        inputs.time[rows], inputs.code[rows], horizon, competing=inputs.competing
    )
    overall = [
        {q: operating_at(score[rows], whole, cuts[q]) for q in flags}
        for score, cuts in zip(inputs.scores, inputs.cuts, strict=True)
    ]
    flag_names = flag_labels(flags)
    out: list[dict[tuple[str, str, str], float]] = [{} for _ in inputs.scores]
    for attribute, (names, codes) in inputs.coded.items():
        labels = codes[rows]
        # The groups present, in the order of their labels (as np.unique of the labels).
        for code in np.flatnonzero(np.bincount(labels, minlength=len(names))):
            group = str(names[code])
            if inputs.scored is not None and (attribute, group) not in inputs.scored:
                continue
            keep = rows[labels == code]
            follow_up = follow_up_of(
                inputs.time[keep], inputs.code[keep], horizon, inputs.competing
            )
            for model, score in enumerate(inputs.scores):
                values = score_rows(follow_up, score[keep], flags, inputs.cuts[model])
                table = out[model]
                for metric, value in values.items():
                    table[(attribute, group, metric)] = value
                for q, label in flag_names.items():
                    for rate in ("fnr", "fpr"):
                        table[(attribute, group, f"{rate}_gap_{label}")] = (
                            values[f"{rate}_{label}"] - overall[model][q][rate]
                        )
    return out


def _group_codes(
    groups: pd.DataFrame,
) -> dict[str, tuple[npt.NDArray[np.object_], npt.NDArray[np.intp]]]:
    """Return each attribute's groups (:func:`group_levels`) and every row's position among them.

    Found once per attribute (not per bootstrap sample): comparing small integers is
    cheaper than comparing the labels, and the labels sort as ``np.unique`` sorts them.
    A group no row is in (a category of a categorical column) has no row's code.
    """
    out = {}
    for attribute in groups.columns:
        names = np.array(group_levels(groups[attribute]), dtype=object)
        codes = np.searchsorted(names, groups[attribute].astype(object).to_numpy())
        out[attribute] = (names, np.asarray(codes, dtype=np.intp).reshape(-1))
    return out


def aligned_groups(groups: pd.DataFrame | pd.Series, index: pd.Index | None) -> pd.DataFrame:
    """Return ``groups`` as a data frame in the order of the spells' labels ``index``.

    The rule of the risks (:func:`~escalation.predict._inputs.by_label`): a Series or
    data frame of groups whose labels are the spells' in another order (sorted by group,
    or indexed after a merge) is put in their order; one on other labels is refused. With
    no labels to read by (``index`` None: the spells were given as arrays) the groups
    are read by position. A Series is one attribute, named by its name (``group`` when it
    has none).

    Raises
    ------
    DataValidationError
        Naming table ``groups`` and the first row whose label is not the spells'.
    """
    if isinstance(groups, pd.Series):
        groups = groups.to_frame("group" if groups.name is None else str(groups.name))
    return pd.DataFrame(by_label(groups, index, table="groups", column="groups"))


def check_groups(groups: pd.DataFrame, n: int) -> None:
    """Raise unless ``groups`` has one labelled row per spell.

    A missing label is no group (:func:`fairness_groups` names them "Not known" or
    "missing"); it made the sorting of the groups fail with a bare ``TypeError``. A
    personal column (``child_id``) is no attribute: its values would label the groups
    (:func:`~escalation.errors.refuse_personal`).
    """
    refuse_personal(list(map(str, groups.columns)), SUBGROUP_ROLE, "groups")
    if not n:
        raise DesignError("subgroup_metrics: there are no spells to score")
    if len(groups) != n:
        raise DesignError(
            f"subgroup_metrics: {len(groups)} rows of groups for {n} spells; give one per spell"
        )
    problems = []
    for column in groups.columns:
        values = groups[column]
        missing = np.flatnonzero(values.isna().to_numpy())
        reason = (
            f"{missing.size} spell(s) have no {column} group; label them (fairness_groups "
            "calls them 'Not known' or 'missing')"
        )
        problems += [
            Problem("groups", int(r), str(column), values.iloc[r], reason) for r in missing[:20]
        ]
    if problems:
        raise DataValidationError(problems, "subgroup groups")


def subgroup_metrics(
    duration: npt.ArrayLike,
    event: npt.ArrayLike,
    risk: npt.ArrayLike,
    groups: pd.DataFrame | pd.Series,
    horizon: float,
    *,
    model: str,
    flags: Sequence[float] = (0.1,),
    replicates: Sequence[npt.NDArray[np.int64]] = (),
    min_n: int = 10,
    min_events: int = 10,
    conf_level: float = 0.95,
    competing: Competing = "control",
    n_jobs: int = 1,
) -> pd.DataFrame:
    """Return every metric of :func:`~escalation.predict.metrics.score_risks` by group.

    Parameters
    ----------
    duration, event, risk : array_like
        Test spells' follow-up and predicted risk by ``horizon``.
    groups : pandas.DataFrame or pandas.Series
        One column per attribute (from :func:`fairness_groups`); a Series is one
        attribute. Read by label when ``duration``, ``event`` or ``risk`` has an index
        (the spells', e.g. ``spells["duration"]``): rows in another order are put in
        theirs, other labels are refused. Read by position when all three are arrays.
    horizon : float
        Days.
    model : str
        Label written in the ``model`` column.
    flags : sequence of float
        Shares flagged overall (e.g. 0.1 = top 10%); the cut-off of the whole test set
        is used within every group.
    replicates : sequence of index arrays
        Bootstrap samples (e.g. :func:`~escalation.predict.metrics.bootstrap_indices`);
        the group metrics are recomputed on each for percentile intervals.
    min_n, min_events : int
        Suppression limits.
    conf_level : float
        Level of the intervals.
    competing : {"control", "censor"}
        How deaths count (see :mod:`escalation.predict.metrics`).
    n_jobs : int, default 1
        Worker processes scoring the bootstrap samples (identical results for any
        number).

    Returns
    -------
    pandas.DataFrame
        Columns ``model, metric, attribute, group, n, estimate, conf_low, conf_high,
        conf_level, suppressed`` (``n`` and the numbers are missing on suppressed rows). Besides the
        metrics, ``fnr_gap_topQ`` and ``fpr_gap_topQ`` rows give each group's rate minus
        the overall rate.

    Raises
    ------
    DataValidationError
        When a duration, event code, risk or group label is missing or invalid (naming
        the row), ``groups`` (or ``risk``) is labelled with other labels than the spells'
        (naming table ``groups`` and the first such row), or a column of ``groups`` is
        personal (an identifier: its values would label the groups).
    DesignError
        When there are no spells, the groups are not one row per spell, or
        ``competing`` is neither ``"control"`` nor ``"censor"``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> risk = rng.uniform(0.05, 0.5, 400)
    >>> escalated = rng.random(400) < risk
    >>> groups = pd.DataFrame({"sex": np.where(np.arange(400) < 395, "F", "M")})
    >>> table = subgroup_metrics(np.where(escalated, 10.0, 400.0), escalated, risk, groups,
    ...                          365, model="demo")
    >>> table.loc[table.metric == "auc", ["group", "suppressed"]].to_dict("list")
    {'group': ['F', 'M'], 'suppressed': [False, True]}
    """
    time, code, score = prediction_arrays(duration, event, risk)
    groups = aligned_groups(groups, labels_of(duration, event, risk))
    check_groups(groups, len(time))
    (table,) = subgroup_tables(
        time,
        code,
        (score,),
        groups,
        horizon,
        models=(model,),
        flags=flags,
        replicates=replicates,
        min_n=min_n,
        min_events=min_events,
        conf_level=conf_level,
        competing=competing,
        n_jobs=n_jobs,
    )
    return table


def subgroup_tables(
    time: npt.NDArray[np.float64],
    code: npt.NDArray[np.int64],
    scores: Sequence[npt.NDArray[np.float64]],
    groups: pd.DataFrame,
    horizon: float,
    *,
    models: Sequence[str],
    flags: Sequence[float],
    replicates: Sequence[npt.NDArray[np.int64]],
    min_n: int,
    min_events: int,
    conf_level: float,
    competing: Competing,
    n_jobs: int,
) -> list[pd.DataFrame]:
    """Return :func:`subgroup_metrics` of several models' risks for the same spells.

    ``time``, ``code`` and each of ``scores`` are validated
    (:func:`~escalation.predict._inputs.prediction_arrays`) and ``groups`` checked; one
    table per model, equal to :func:`subgroup_metrics` of it alone, but each bootstrap
    sample and group is counted once for every model.
    """
    inputs = _GroupInputs(
        time=time,
        code=code,
        scores=tuple(scores),
        groups=groups,
        horizon=horizon,
        flags=tuple(flags),
        cuts=tuple({q: top_cut(score, q) for q in flag_labels(flags)} for score in scores),
        competing=competing,
        coded=_group_codes(groups),
    )
    whole = _score_groups(np.arange(len(time), dtype=np.int64), inputs)
    points = [_with_empty_groups(point, inputs.coded) for point in whole]
    shown = _shown_groups(points[0], min_n, min_events) if points else frozenset()
    draws = run_batched(
        _score_groups, replicates, args=(replace(inputs, scored=shown),), n_jobs=n_jobs,
        description=f"{', '.join(models)}: group bootstrap",
    )  # fmt: skip
    return [
        _group_table(model, point, [d[k] for d in draws], min_n, min_events, conf_level)
        for k, (model, point) in enumerate(zip(models, points, strict=True))
    ]


def _with_empty_groups(
    point: dict[tuple[str, str, str], float],
    coded: dict[str, tuple[npt.NDArray[np.object_], npt.NDArray[np.intp]]],
) -> dict[tuple[str, str, str], float]:
    """Return ``point`` with every group no spell is in: ``n`` and ``events`` 0, no metric.

    Each attribute's groups (:func:`group_levels`) in their order, an empty one with the
    metrics the attribute's other groups have, missing: listed, it is suppressed
    (:func:`_suppressed`) where left out it would say that no child is in it.
    """
    out: dict[tuple[str, str, str], float] = {}
    for attribute, (names, _) in coded.items():
        mine = {key: value for key, value in point.items() if key[0] == attribute}
        metrics = list(dict.fromkeys(metric for _, _, metric in mine))
        for group in map(str, names):
            if (attribute, group, "n") in mine:
                out.update({k: v for k, v in mine.items() if k[1] == group})
                continue
            for metric in metrics:
                out[(attribute, group, metric)] = 0.0 if metric in ("n", "events") else np.nan
    return out


def _shown_groups(
    point: dict[tuple[str, str, str], float], min_n: int, min_events: int
) -> frozenset[tuple[str, str]]:
    """Return the ``(attribute, group)`` pairs not suppressed, from one model's estimates.

    Suppression depends on a group's spells and escalations, not on the model's risks,
    so any model's estimates give every model's shown groups.
    """
    return frozenset(
        (attribute, group)
        for attribute, group, metric in point
        if metric == "n" and not _suppressed(point, attribute, group, min_n, min_events)
    )


def _suppressed(
    point: dict[tuple[str, str, str], float],
    attribute: str,
    group: str,
    min_n: int,
    min_events: int,
) -> bool:
    """Return whether a group is suppressed: fewer than ``min_n`` spells or ``min_events``."""
    return bool(
        point[(attribute, group, "n")] < min_n or point[(attribute, group, "events")] < min_events
    )


def _group_table(
    model: str,
    point: dict[tuple[str, str, str], float],
    draws: Sequence[dict[tuple[str, str, str], float]],
    min_n: int,
    min_events: int,
    conf_level: float,
) -> pd.DataFrame:
    """Return one model's subgroup table from its estimates and bootstrap draws.

    A draw on which a shown group's metric could not be estimated (the group was not
    drawn, every spell of it drawn ended before the horizon, or the metric is undefined
    on the draw: nobody in the group flagged, no precision) is left out of the group's
    interval and counted, in the ``draws_left_out`` column and in a warning naming them;
    an interval missing more than :data:`~escalation.predict.metrics.MAX_LEFT_OUT` of
    its draws is missing (:func:`~escalation.predict.metrics.bootstrap_interval`). Draws
    with nobody flagged were dropped uncounted, so an interval could describe only the
    draws in which someone was flagged.
    """
    records = []
    intervals: dict[str, BootstrapInterval] = {}
    for (attribute, group, metric), estimate in point.items():
        n = point[(attribute, group, "n")]
        suppressed = _suppressed(point, attribute, group, min_n, min_events)
        interval = bootstrap_interval(_group_draws(draws, attribute, group, metric), conf_level)
        low, high = interval.low, interval.high
        if not suppressed and metric != "n":
            intervals[f"{attribute} {group} {metric}"] = interval
        records.append(
            {
                "model": model,
                "metric": metric,
                "attribute": attribute,
                "group": group,
                "n": n,
                "estimate": np.nan if suppressed else estimate,
                "conf_low": np.nan if suppressed else low,
                "conf_high": np.nan if suppressed else high,
                "conf_level": float(conf_level),
                "suppressed": suppressed,
                "draws_left_out": left_out_count(interval, hidden=suppressed),
            }
        )
    warn_left_out(f"{model}: subgroup metrics", intervals, stacklevel=4)
    table = pd.DataFrame.from_records(records, columns=list(FAIRNESS_COLUMNS))
    table = table[~table["metric"].isin(["n"])].reset_index(drop=True)
    table["n"] = table["n"].astype("Int64")
    table["draws_left_out"] = table["draws_left_out"].astype("Int64")
    return table


def _group_draws(
    draws: Sequence[dict[tuple[str, str, str], float]], attribute: str, group: str, metric: str
) -> npt.NDArray[np.float64]:
    """Return a group's metric on every bootstrap draw, NaN where it could not be estimated.

    NaN where the group was not drawn, its status at the horizon is unknown (every spell
    of it drawn ended before the horizon) or the metric is undefined on the draw (nobody
    in the group flagged: no precision; no escalation drawn: no recall). Every such draw
    is counted by :func:`~escalation.predict.metrics.bootstrap_interval` (none is dropped
    uncounted).
    """
    return np.array([d.get((attribute, group, metric), np.nan) for d in draws], dtype=float)


def fairness_table(
    spells: SpellData | pd.DataFrame,
    risk: npt.ArrayLike,
    horizon: float,
    *,
    model: str = "model",
    metrics: Sequence[str] | None = ("precision", "recall"),
    flags: Sequence[float] = (0.1,),
    bootstrap: int = 100,
    seed: int | None = 0,
    min_n: int = 10,
    min_events: int = 10,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Return subgroup metrics of predicted risks for test spells, intervals over families.

    A convenience over :func:`subgroup_metrics`: the groups come from the spells'
    ``ethnicity, sex, disability, imd_decile`` (:func:`fairness_groups`) and the bootstrap
    resamples whole families (``family_id``).

    Parameters
    ----------
    spells : SpellData or pandas.DataFrame
        Test spells (``duration``, ``event``, ``child_id``, ``family_id`` and the
        attributes): a :class:`~escalation.timeline.SpellData` or its ``spells``.
    risk : array_like
        Predicted risk of escalation by ``horizon``: an array in the order of ``spells``,
        or a Series read by the spells' labels (index).
    horizon : float
        Days.
    model : str
        Label of the ``model`` column.
    metrics : sequence of str, optional
        Metrics kept (default precision and recall at each share in ``flags``); ``None``
        keeps every metric. A name of an operating-point metric without its share
        (``precision``, ``recall``, ``fnr``, ``fpr``, ``fnr_gap``, ``fpr_gap``) keeps it
        at every share flagged; ``precision_top10`` keeps one.
    flags : sequence of float
        Shares flagged.
    bootstrap : int
        Replicates (0 for no intervals, else at least 2).
    seed : int, optional
        Seed of the bootstrap.
    min_n, min_events : int
        Suppression limits.
    conf_level : float
        Level of the intervals.

    Returns
    -------
    pandas.DataFrame
        ``model, metric, attribute, group, n, estimate, conf_low, conf_high, conf_level,
        suppressed``.

    Raises
    ------
    DesignError
        A metric in ``metrics`` that the table does not have (listing the names it has):
        ``flags=(0.05,)`` with the top 10% metrics, or a misspelt name, gave an empty or
        partial table.
    DataValidationError
        Without a ``duration`` or ``event`` column (naming table ``spells`` and the
        column), or when ``risk`` is a Series whose labels are not the spells' (naming
        table ``predictions`` and column ``risk``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> n = 600
    >>> risk = rng.uniform(0.05, 0.6, n)
    >>> escalated = rng.random(n) < risk
    >>> spells = pd.DataFrame({
    ...     "child_id": [f"c{i}" for i in range(n)], "family_id": [f"f{i // 2}" for i in range(n)],
    ...     "duration": np.where(escalated, 30.0, 500.0), "event": escalated.astype(int),
    ...     "sex": rng.choice(["F", "M"], n)})
    >>> table = fairness_table(spells, risk, 365, bootstrap=20, seed=1)
    >>> sorted(set(table["metric"])), sorted(set(table["group"]))  # no child is U: listed
    (['precision_top10', 'recall_top10'], ['F', 'M', 'U'])
    >>> table.loc[table["group"] == "U", ["n", "estimate", "suppressed"]].values.tolist()
    [[0, nan, True], [0, nan, True]]
    """
    given = spells_of(spells, function="fairness_table")
    _require_outcome(given)
    # A Series of risks is read by the spells' labels (refused when they differ).
    aligned = np.asarray(by_label(risk, given.index), dtype=float)
    frame = given.reset_index(drop=True)
    bootstrap = bootstrap_replicates(bootstrap)
    # Families are drawn by their labels, not by codes in row order: the same spells in
    # another order give the same intervals.
    replicates = bootstrap_indices(family_labels(frame), bootstrap, seed) if bootstrap > 0 else []
    table = subgroup_metrics(
        frame["duration"],
        frame["event"],
        aligned,
        fairness_groups(frame),
        horizon,
        model=model,
        flags=flags,
        replicates=replicates,
        min_n=min_n,
        min_events=min_events,
        conf_level=conf_level,
    )
    if metrics is None:
        return table
    chosen = _chosen(metrics, table["metric"], flags)
    return table[table["metric"].isin(chosen)].reset_index(drop=True)


def _require_outcome(spells: pd.DataFrame) -> None:
    """Raise naming table ``spells`` and each outcome column it lacks (``duration``, ``event``).

    A bare ``KeyError: 'duration'`` before.
    """
    missing = [c for c in ("duration", "event") if c not in spells.columns]
    if missing:
        reason = "required column is missing: fairness_table scores the spells' follow-up"
        raise DataValidationError(
            [Problem("spells", None, column, None, reason) for column in missing], "spells"
        )


def _chosen(metrics: Sequence[str], available: pd.Series, flags: Sequence[float]) -> list[str]:
    """Return the metrics of ``available`` that ``metrics`` names, or raise naming the rest.

    A name followed in ``available`` by ``_top`` and a share (``recall`` for
    ``recall_top10``, ``recall_top5``) stands for the metric at every share flagged.
    """
    names = list(pd.unique(available.astype(str)))
    chosen: dict[str, None] = {}
    unknown = []
    for metric in metrics:
        matches = [n for n in names if n == metric or n.startswith(f"{metric}_top")]
        chosen.update(dict.fromkeys(matches))
        if not matches:
            unknown.append(metric)
    if unknown:
        raise DesignError(
            f"fairness_table: unknown metric(s) {', '.join(map(repr, unknown))} with "
            f"flags={tuple(flags)}; the table has {', '.join(names)} (or a name before "
            "'_top', such as 'recall', for every share flagged)"
        )
    return list(chosen)
