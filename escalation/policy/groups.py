"""Who a rule flags, by group: the share flagged and the share of escalating children found.

For each rule and each attribute (sex, ethnicity, disability, deprivation, age band and,
when the data record it, unborn at the decision point) the table gives, per group,

``flagged``
    the share of the group's decision points the rule offers early help;
``recall``
    the share of the group's children who went on to escalate (under current practice,
    the censoring-augmented scores of :class:`escalation.causal.policy.PolicyScores`)
    whom the rule flagged: the rule's equal-opportunity gap when it differs by group.

Both come with family-clustered influence-function standard errors (conditional on the
learned rules) and intervals on the logit scale, which stay within [0, 1]
(:func:`escalation.causal.policy.proportion_interval`).

Each share is computed from the disclosed counts it divides
(:func:`escalation.disclosure.disclose_share`: the group's children flagged and its size,
or its escalations flagged and its escalations, censoring-augmented sums rounded to whole
numbers): at full precision 0.40484429065743943 gives back 234 flagged of 578, sizes the
table rounds to 5. The standard error, itself a function of those counts, is rounded to
2 significant figures and the interval is centred on the disclosed share with it.

Disclosure control, per rule and group (``suppressed = True``, no numbers):

* a group with fewer than ``min_group`` decision points (or, for recall, fewer than
  ``min_group`` escalations seen by the horizon) is suppressed (statistical disclosure
  control, and no over-reading of noise);
* the operating-point rule of the risk tool's group metrics
  (:func:`escalation.disclosure.disclose_operating_metrics`): a share flagged and a
  recall reveal how many children the rule flagged and missed, among those who escalated
  by the horizon and among those who did not. Unless each of the four counts (flagged
  and escalated, missed and escalated, flagged and not escalated, missed and not
  escalated) reaches the disclosure threshold, both of the group's metrics for that rule
  are suppressed. Where exactly one group of an attribute is so suppressed and the
  number it flags, or does not flag, is below the threshold, the smallest other group's
  metrics are suppressed too: that number could otherwise be recovered by subtraction
  from the whole cohort's share flagged and the other groups' (complementary
  suppression).

Counts in ``n`` are rounded to 5 by :func:`escalation.disclosure.disclose_table`, with
complementary suppression of the groups too small to report.

Every group an attribute defines is listed (:func:`policy_groups`), those no child is in
too: a group left out would say that it has none, a count (zero) the rules suppress. Such
a group's ``n`` is 0, below the threshold: it is suppressed (no ``n``, no estimate) and
takes a second group with it (complementary suppression); it is never compared in
:func:`disparities`, so an attribute left with one group shown is not compared by the
``max_disparity`` criterion.

:func:`disparities` gives, for each rule, attribute and metric, the largest difference
between two reported (not suppressed) groups, the difference of their shares as
published, with its interval (its standard error, that of the difference of the two
groups picked by their estimates, rounded to 2 significant figures; the pick itself is
not accounted for, which makes the interval a little optimistic), and bounds on the
largest gap over every pair of groups shown (``largest_low``, ``largest_high``), on which
the ``max_disparity`` criterion is judged: a small group near the middle can be further
from another than its estimate shows.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation._age_bands import AGE_BANDS
from escalation._row_order import check_same_spells
from escalation._vocabulary import spells_of
from escalation.causal.heterogeneity import subgroup_levels, subgroup_sort_key
from escalation.causal.influence import cluster_standard_error
from escalation.causal.policy import PolicyValueResult, proportion_interval
from escalation.disclosure import (
    DEFAULT_RULES,
    DisclosureRules,
    complementary_suppression,
    disclose_share,
    disclose_std_error,
    disclose_table,
    round_std_error,
)
from escalation.predict._inputs import by_label, labels_of
from escalation.predict.fairness import (
    fairness_groups,
    group_levels,
    listed_levels,
    yes_no_groups,
)

if TYPE_CHECKING:
    from escalation.timeline.spells import SpellData

__all__ = [
    "DISPARITY_COLUMNS",
    "GROUP_COLUMNS",
    "disparities",
    "flagged_by_group",
    "left_out_groups",
    "operating_counts",
    "policy_groups",
]

FloatArray = npt.NDArray[np.float64]
#: Columns of :func:`disparities`.
DISPARITY_COLUMNS: Final = (
    "rule",
    "horizon",
    "attribute",
    "metric",
    "higher",
    "lower",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "conf_level",
    "largest_low",
    "largest_high",
)
#: Columns of :func:`flagged_by_group`.
GROUP_COLUMNS: Final = (
    "rule",
    "horizon",
    "attribute",
    "group",
    "n",
    "metric",
    "estimate",
    "std_error",
    "conf_low",
    "conf_high",
    "conf_level",
    "suppressed",
)


def policy_groups(spells: SpellData | pd.DataFrame) -> pd.DataFrame:
    """Return each spell's group for every attribute present (same index).

    ``spells`` is a :class:`~escalation.timeline.SpellData` or a data frame of spells.

    Sex, ethnicity, disability and deprivation as in
    :func:`escalation.predict.fairness.fairness_groups`; ``age`` in bands unborn, 0-4,
    5-10, 11-15, 16-17 completed years (:data:`escalation.causal.heterogeneity.AGE_BANDS`,
    by :func:`escalation.causal.heterogeneity.subgroup_levels`' rule); ``unborn``
    (``yes``/``no``) when the spells have an ``unborn`` column. Each column is
    categorical, its categories every group the attribute defines, those no spell is in
    too (:func:`escalation.predict.fairness.group_levels`): the groups table lists them.

    Examples
    --------
    >>> spells = pd.DataFrame({"sex": ["F", "M"], "age": [-0.2, 12.0],
    ...                        "unborn": [True, False]})
    >>> policy_groups(spells).astype(str).to_dict("list")
    {'sex': ['F', 'M'], 'age': ['unborn', '11-15'], 'unborn': ['yes', 'no']}
    """
    spells = spells_of(spells, function="policy_groups")
    out = fairness_groups(spells)
    ages = [c for c in ("age", "age_years") if c in spells]
    if ages:  # completed years when the spells carry them (subgroup_levels' one rule)
        bands = subgroup_levels(spells[ages])["age_band"]
        out["age"] = listed_levels(bands.set_axis(out.index), AGE_BANDS)
    if "unborn" in spells:
        out["unborn"] = yes_no_groups(spells["unborn"]).set_axis(out.index)
    return out


def _group_estimates(
    flags: FloatArray,
    observed: FloatArray,
    cluster: npt.NDArray[np.int64],
    member: npt.NDArray[np.bool_],
) -> dict[str, tuple[float, FloatArray, float, float]]:
    """Estimates, per-row influence values (whole-cohort scale), numerator and denominator.

    The numerator and denominator are the (expected) numbers the estimate divides: for
    ``flagged`` the group's children flagged and its size, for ``recall`` its
    escalations flagged and its escalations (censoring-augmented sums).
    """
    n = len(flags)
    weight = member.astype(float)
    share = weight.mean()
    flagged = float((flags * weight).sum() / weight.sum())
    phi_flagged = weight * (flags - flagged) / share
    hits = weight * flags * observed
    cases = weight * observed
    chosen = float((flags * weight).sum())
    out = {"flagged": (flagged, phi_flagged, chosen, float(weight.sum()))}
    if cases.sum() > 0:
        recall = float(hits.sum() / cases.sum())
        phi_recall = (hits - recall * cases) / (cases.sum() / n)
        out["recall"] = (recall, phi_recall, float(hits.sum()), float(cases.sum()))
    return out


def operating_counts(
    flags: npt.ArrayLike, escalated: npt.ArrayLike, member: npt.ArrayLike | None = None
) -> FloatArray:
    """Return a rule's operating-point counts in a group: what its metrics reveal.

    Parameters
    ----------
    flags : array-like of float
        The rule's flags (1 offer early help; a randomised rule's probabilities count
        as expected numbers).
    escalated : array-like of bool
        Escalation seen by the horizon.
    member : array-like of bool, optional
        The group (default: everyone).

    Series are read by label, in the order of the first of the three given
    (:func:`~escalation.predict._inputs.by_label`: other labels are refused); arrays by
    position.

    Returns
    -------
    numpy.ndarray
        ``[flagged and escalated, missed and escalated, flagged and not escalated,
        missed and not escalated]``.

    Examples
    --------
    >>> operating_counts([1, 1, 0, 0, 1], [True, False, True, False, False]).tolist()
    [1.0, 1.0, 2.0, 1.0]
    """
    index = labels_of(flags, escalated, member)
    d = np.asarray(by_label(flags, index, table="flags", column="flags"), dtype=float)
    seen = np.asarray(by_label(escalated, index, table="flags", column="escalated"), dtype=bool)
    inside = (
        np.ones(len(d), dtype=bool)
        if member is None
        else np.asarray(by_label(member, index, table="flags", column="member"), dtype=bool)
    )
    d, seen = d[inside], seen[inside]
    return np.array(
        [d[seen].sum(), (1 - d[seen]).sum(), d[~seen].sum(), (1 - d[~seen]).sum()], dtype=float
    )


def _check_same_spells(result: PolicyValueResult, spells: pd.DataFrame, function: str) -> None:
    """Refuse ``spells`` other than those the rules were scored on, in their row order.

    Each spell's group is read from ``spells`` and its flag from ``result`` by row
    position (:func:`~escalation._row_order.check_same_spells`).

    Raises
    ------
    DesignError
        When the number of spells or a ``spell_id`` differs.
    """
    ids = spells["spell_id"].to_numpy() if "spell_id" in spells else np.arange(len(spells))
    check_same_spells(ids, result.backend.spell_id, function=function, done="scored")


def _discloses(counts: FloatArray, threshold: int) -> bool:
    """Whether every operating-point count reaches the threshold (as the risk tool's)."""
    return bool(np.all(np.round(counts) >= threshold))


def flagged_by_group(
    result: PolicyValueResult,
    spells: pd.DataFrame,
    *,
    horizon: int,
    min_group: int = 10,
    rules: list[str] | None = None,
    disclosure: DisclosureRules = DEFAULT_RULES,
    complements: bool = True,
) -> pd.DataFrame:
    """Return who each rule flags, by group, with intervals and disclosure control.

    Parameters
    ----------
    result : PolicyValueResult
        The rules' values (their flags and scores are used).
    spells : pandas.DataFrame
        The spells scored, in the same row order (``spell_id`` is checked).
    horizon : int
        Days (recall is of escalation by this horizon).
    min_group : int, default 10
        Smallest group (decision points; escalations for recall) reported; never below
        the disclosure threshold. Beyond it, a group's metrics for a rule are shown only
        when the children it flags and misses, among those who escalated by the horizon
        and among those who did not, each reach the disclosure threshold
        (:func:`operating_counts`; the rule of
        :func:`escalation.disclosure.disclose_operating_metrics`).
    rules : list of str, optional
        Rules to describe (default: all but ``no_one`` and ``everyone``, which flag
        every group alike).
    disclosure : DisclosureRules, optional
        The design's disclosure rules (:meth:`DisclosureRules.from_design`); default:
        counts below 10 suppressed, others rounded to 5. The groups of one attribute add
        up to the cohort, so where one is suppressed the next smallest is too
        (complementary suppression).
    complements : bool, default True
        ``False``: no complementary suppression, each group suppressed only for its own
        sake (too small, or its counts too few), its ``n`` exact. Not for publication:
        the groups that can be compared, for the ``max_disparity`` criterion's verdict
        (:func:`escalation.policy.criteria.judge_criteria`'s ``exact_gaps``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`GROUP_COLUMNS`; ``n`` under disclosure control; suppressed rows
        have no estimate, standard error or interval and ``suppressed = True``.

    Raises
    ------
    DesignError
        When ``spells`` are not the spells ``result`` scored, in that row order.
    """
    scores = result.backend
    _check_same_spells(result, spells, "flagged_by_group")
    column = scores.column(horizon)
    observed = scores.observed[:, column]
    seen = (spells["event"].to_numpy() == 1) & (spells["duration"].to_numpy(dtype=float) <= horizon)
    groups = policy_groups(spells.reset_index(drop=True))
    chosen = (
        rules if rules is not None else [r for r in result.rules if r not in ("everyone", "no_one")]
    )
    z = stats.norm.ppf(0.5 + result.conf_level / 2)
    min_group = max(int(min_group), disclosure.threshold)
    rows: list[dict[str, Any]] = []
    # (rule, attribute, group) -> the group's operating-point counts (what subtraction
    # could recover of a group blanked alone: see _complement_blanked)
    found: dict[tuple[str, str, str], FloatArray] = {}
    for rule in chosen:
        flags = result.flags[rule]
        for attribute in groups.columns:
            labels = groups[attribute].astype(object).to_numpy()
            # Every group the attribute defines, those no child is in too (n 0: suppressed).
            listed = group_levels(groups[attribute])
            for group in sorted(listed, key=lambda g: subgroup_sort_key(str(g))):
                member = labels == group
                size = int(member.sum())
                escalated = int(seen[member].sum())
                estimates = (
                    _group_estimates(flags, observed, scores.cluster, member) if size else {}
                )
                counts = operating_counts(flags, seen, member)
                revealing = not _discloses(counts, disclosure.threshold)
                found[(rule, attribute, str(group))] = counts
                for metric in ("flagged", "recall"):
                    small = (
                        size < min_group
                        or revealing
                        or (metric == "recall" and escalated < min_group)
                    )
                    base = {
                        "rule": rule,
                        "horizon": int(horizon),
                        "attribute": attribute,
                        "group": str(group),
                        "n": size,
                        "metric": metric,
                        "conf_level": result.conf_level,
                    }
                    if small or metric not in estimates:
                        rows.append(
                            {**base, "estimate": np.nan, "std_error": np.nan,
                             "conf_low": np.nan, "conf_high": np.nan, "suppressed": True}
                        )  # fmt: skip
                        continue
                    _, phi, numerator, denominator = estimates[metric]
                    value = disclose_share(numerator, denominator, disclosure)
                    if value is None:
                        rows.append(
                            {**base, "estimate": np.nan, "std_error": np.nan,
                             "conf_low": np.nan, "conf_high": np.nan, "suppressed": True}
                        )  # fmt: skip
                        continue
                    se = disclose_std_error(
                        float(cluster_standard_error(phi[:, None], scores.cluster)[0]),
                        numerator / denominator if denominator else np.nan,
                        value,
                        denominator,
                        disclosure,
                    )
                    low, high = proportion_interval(value, se, z)
                    rows.append(
                        {**base, "estimate": value, "std_error": se, "conf_low": low,
                         "conf_high": high, "suppressed": False}
                    )  # fmt: skip
    table = pd.DataFrame.from_records(rows, columns=list(GROUP_COLUMNS))
    if not complements:
        return table
    # Groups under min_group are withheld cells when the counts are disclosed, at their
    # true size, so complementary suppression of the sizes within each attribute hides
    # no more than they need; a group whose metrics are blanked alone takes a second
    # with it (_complement_blanked).
    unreported = table["suppressed"].to_numpy(bool)
    disclosed = disclose_table(
        table.drop(columns="suppressed"),
        ["n"],
        rules=disclosure,
        partition=["rule", "horizon", "attribute", "metric"],
        withheld=(table["n"] < min_group).to_numpy(),
    )
    disclosed["suppressed"] = disclosed["suppressed"] | unreported
    disclosed = _complement_blanked(disclosed, found, disclosure.threshold)
    numbers = ["estimate", "std_error", "conf_low", "conf_high"]
    disclosed.loc[disclosed["suppressed"], numbers] = np.nan
    return disclosed[list(GROUP_COLUMNS)]


def left_out_groups(table: pd.DataFrame) -> pd.DataFrame:
    """Return the groups of a groups table that cannot be compared: those suppressed.

    Of :func:`flagged_by_group` with ``complements=False``: the groups suppressed for
    their own sake (too few children, escalations, or counts at the operating point),
    which the ``max_disparity`` criterion names as left out.

    Examples
    --------
    >>> table = pd.DataFrame({"rule": "top", "horizon": 365, "attribute": "sex",
    ...     "metric": "flagged", "group": ["F", "M", "U"], "suppressed": [False, False, True]})
    >>> left_out_groups(table)["group"].tolist()
    ['U']
    """
    keys = ["rule", "horizon", "attribute", "metric", "group"]
    return table.loc[table["suppressed"].astype(bool), keys].reset_index(drop=True)


def _complement_blanked(
    table: pd.DataFrame, found: dict[tuple[str, str, str], FloatArray], threshold: int
) -> pd.DataFrame:
    """Blank a second group where a group blanked alone would give back a small count.

    The whole cohort's share flagged, recall and precision (``policy_values.csv``) and
    every group's size are published, so the cohort's numbers flagged, escalating and
    flagged among those escalating follow from them. Where exactly one group of an
    attribute has a metric blanked, what that metric counts follows, to within the
    rounding, by subtraction from the other groups: each shown share is computed from
    disclosed counts (:func:`escalation.disclosure.disclose_share`), and a ratio of
    multiples of 5 gives its pair back (a recall of 0.4025974 is 155 of 385 escalations
    and no other pair near the group's share). So a group blanked alone for the share
    flagged gives back its numbers flagged and not flagged (with its size shown); blanked
    alone for recall, its escalations flagged and missed; blanked alone for both, all
    four counts (:func:`operating_counts`). Where a metric alone gives back a count
    below the threshold, that metric of the smallest other shown group is blanked too
    (complementary suppression, as for the sizes:
    :func:`~escalation.disclosure.complementary_suppression`), so that two unknowns share
    the difference; where only the two together do, one of them is.
    """
    out = table.copy()
    blanked = out["suppressed"].astype(bool)
    lone: dict[tuple[str, str, str], pd.DataFrame] = {}  # (rule, attribute, group) -> rows
    for _, part in out.groupby(["rule", "attribute", "metric"], sort=False):
        hidden = part[blanked[part.index]]
        if len(hidden) == 1 and len(hidden) < len(part):
            row = hidden.iloc[0]
            key = (str(row["rule"]), str(row["attribute"]), str(row["group"]))
            lone[key] = pd.concat([lone[key], part]) if key in lone else part
    chosen = pd.Series(False, index=out.index)  # rows of the partitions to complement
    for key, parts in lone.items():
        size_shown = bool(parts.loc[blanked[parts.index], "n"].notna().all())
        metrics = list(pd.unique(parts["metric"].astype(str)))
        complement = [
            m for m in metrics if _gives_back_small(found[key], {m}, size_shown, threshold)
        ]
        left = [m for m in metrics if m not in complement]
        # Safe one by one but not together (flagged and recall give the children flagged
        # without escalating): one complement is enough.
        if _gives_back_small(found[key], set(left), size_shown, threshold):
            complement.append(left[0])
        chosen[parts.index[parts["metric"].astype(str).isin(complement)]] = True
    sizes = pd.to_numeric(out["n"], errors="coerce").astype(float).where(chosen)
    labels = out.groupby(["rule", "attribute", "metric"], sort=False).ngroup().to_numpy()
    out["suppressed"] = complementary_suppression(
        np.asarray(sizes, dtype=np.float64), blanked.to_numpy(dtype=bool), [labels], threshold
    )
    return out


def _gives_back_small(
    counts: FloatArray, metrics: set[str], size_shown: bool, threshold: int
) -> bool:
    """Whether subtraction from ``metrics`` blanked alone recovers a count below ``threshold``."""
    return min(_recoverable(counts, metrics, size_shown), default=np.inf) < threshold


def _recoverable(counts: FloatArray, metrics: set[str], size_shown: bool) -> list[float]:
    """Return the counts of a group that subtraction recovers from the metrics blanked alone.

    ``counts`` are :func:`operating_counts` (flagged and missed escalations, flagged and
    unflagged others); ``metrics`` the metrics for which the group is the only one
    blanked in its attribute. Its number flagged follows from the share flagged, the
    number not flagged too when its size is shown; its escalations flagged and missed
    from recall; with both, the flagged and unflagged children who did not escalate.

    Examples
    --------
    >>> counts = np.array([5.0, 5.0, 40.0, 150.0])
    >>> _recoverable(counts, {"flagged"}, True), _recoverable(counts, {"recall"}, True)
    ([45.0, 155.0], [5.0, 5.0])
    """
    tp, fn, fp, tn = (float(c) for c in np.round(counts))
    out: list[float] = []
    if "flagged" in metrics:
        out += [tp + fp, fn + tn] if size_shown else [tp + fp]
    if "recall" in metrics:
        out += [tp, fn]
    if {"flagged", "recall"} <= metrics:
        out += [fp, tn] if size_shown else [fp]
    return out


def disparities(
    result: PolicyValueResult,
    spells: pd.DataFrame,
    groups_table: pd.DataFrame,
    *,
    horizon: int,
) -> pd.DataFrame:
    """Return the largest gap between two reported groups, per rule, attribute and metric.

    Only the rows of ``groups_table`` not suppressed are compared, so no gap rests on a
    group whose metrics are not shown. The gap is the difference of the two shares as
    the table publishes them (from disclosed counts), its standard error rounded to 2
    significant figures (:func:`escalation.disclosure.round_std_error`).

    With three groups or more, the largest gap need not be between the two groups whose
    estimates are furthest apart: a small group near the middle has a wide interval.
    ``largest_low`` and ``largest_high`` bound the largest gap over every pair of groups
    shown (the highest lower end and the highest upper end of the pairs' intervals,
    ``|gap| -/+ z SE``); with two groups they are the interval of ``|gap|``. The
    ``max_disparity`` criterion is judged on them
    (:func:`escalation.policy.criteria.judge_criteria`).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DISPARITY_COLUMNS`: ``rule, horizon, attribute, metric, higher,
        lower, estimate, std_error, conf_low, conf_high, conf_level`` (``estimate`` =
        higher group minus lower, its interval that of this pair) and ``largest_low,
        largest_high``.

    Raises
    ------
    DesignError
        When ``spells`` are not the spells ``result`` scored, in that row order (each
        spell's group would be paired with another spell's flag).
    """
    scores = result.backend
    _check_same_spells(result, spells, "disparities")
    column = scores.column(horizon)
    observed = scores.observed[:, column]
    labels_frame = policy_groups(spells.reset_index(drop=True))
    z = stats.norm.ppf(0.5 + result.conf_level / 2)
    shown = groups_table[~groups_table["suppressed"].astype(bool)]
    rows = []
    for (rule, attribute, metric), part in shown.groupby(
        ["rule", "attribute", "metric"], sort=False
    ):
        if len(part) < 2:
            continue
        estimates = part["estimate"].to_numpy(dtype=float)
        labels = labels_frame[attribute].to_numpy()
        flags = result.flags[str(rule)]
        # Each shown group's influence values, for the gap of every pair of groups.
        phis = [
            _group_estimates(flags, observed, scores.cluster, labels == group)[str(metric)][1]
            for group in part["group"]
        ]
        top, bottom = int(np.argmax(estimates)), int(np.argmin(estimates))
        gaps = {
            (i, j): _gap(estimates, phis, (i, j), scores.cluster)
            for i in range(len(part))
            for j in range(i + 1, len(part))
        }
        gap, se = _gap(estimates, phis, (top, bottom), scores.cluster)
        # The largest gap is that of whichever pair has it: bounded above by the highest
        # upper end of every pair's interval, below by the highest lower end.
        ends = [(abs(g) - z * e, abs(g) + z * e) for g, e in gaps.values()]
        rows.append(
            {
                "rule": rule,
                "horizon": int(horizon),
                "attribute": attribute,
                "metric": metric,
                "higher": part["group"].iloc[top],
                "lower": part["group"].iloc[bottom],
                "estimate": gap,
                "std_error": se,
                "conf_low": gap - z * se,
                "conf_high": gap + z * se,
                "conf_level": result.conf_level,
                "largest_low": max(low for low, _ in ends),
                "largest_high": max(high for _, high in ends),
            }
        )
    return pd.DataFrame.from_records(rows, columns=list(DISPARITY_COLUMNS))


def _gap(
    estimates: FloatArray,
    phis: list[FloatArray],
    pair: tuple[int, int],
    cluster: npt.NDArray[np.int64],
) -> tuple[float, float]:
    """Return the gap between two groups' shares as published, and its standard error.

    The difference of the two shares as published (each from disclosed counts), with the
    standard error rounded as theirs are
    (:func:`escalation.disclosure.round_std_error`): the exact difference of two shares
    would give back both pairs of counts.
    """
    i, j = pair
    phi = phis[i] - phis[j]
    se = round_std_error(float(cluster_standard_error(phi[:, None], cluster)[0]))
    return float(estimates[i] - estimates[j]), se
