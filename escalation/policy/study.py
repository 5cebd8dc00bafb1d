"""The policy study: would a risk score help decide who is offered early help.

:func:`evaluate_policies` puts the package's two questions together. It learns the rules
of the design's ``[policy]`` section by cross-fitting over families
(:mod:`escalation.policy.rules`), estimates the cumulative incidence of escalation had
each rule decided who is offered early help, with doubly robust scores and
family-clustered intervals (:mod:`escalation.causal.policy`), describes who each rule
flags by group (:mod:`escalation.policy.groups`) and judges the pre-registered criteria
of ``[criteria]`` (:mod:`escalation.policy.criteria`), saying whether the design was
registered and changed since (:mod:`escalation.design.registration`).

A score may support a practitioner's judgement; it must never make the decision. The
study estimates what would happen *on average* if a rule decided, which is the
question a local authority faces before adopting a tool; it cannot say what is right for
any one child.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from escalation._vocabulary import spell_data_of
from escalation.causal.effects import grace_bias_words
from escalation.causal.heterogeneity import EffectModel
from escalation.causal.influence import as_clustered
from escalation.causal.policy import (
    CURRENT_PRACTICE,
    PolicyValueResult,
    estimate_policy_values,
    number_needed_words,
    policy_scores,
    proportion_interval,
)
from escalation.compute import one_blas_thread, resolve_jobs
from escalation.design.registration import RegistrationCheck, check_registration
from escalation.design.study import StudyDesign
from escalation.disclosure import (
    DEFAULT_RULES,
    DisclosureRules,
    disclose_share,
    disclose_std_error,
)
from escalation.errors import DesignError
from escalation.policy.criteria import WITHHELD_VERDICT, judge_criteria
from escalation.policy.groups import disparities, flagged_by_group, left_out_groups
from escalation.policy.rules import LearnedRules, learn_rules
from escalation.results import Presents, Summary, package_versions, provenance, used_data_hash
from escalation.timeline.spells import SpellData

__all__ = [
    "DECISION_CAVEAT",
    "MEASURE_LABELS",
    "RULE_LABELS",
    "WITHHELD_VERDICT",
    "PolicyStudy",
    "disclose_values",
    "evaluate_policies",
    "grace_period_ended",
    "rule_label",
    "unused_places",
    "withhold_revealing_verdicts",
]

#: Said wherever the policy study is reported.
DECISION_CAVEAT: Final = (
    "A score may support a practitioner's judgement; it must never make the decision."
)
#: Plain names of the estimands of ``policy_values.csv``.
MEASURE_LABELS: Final = {
    "risk": "Escalation risk by the horizon had the rule decided",
    "prevented_per_1000": "Escalations prevented per 1,000 referrals (against no early help)",
    "change_vs_current_per_1000": "Change in escalations per 1,000 against current practice",
    "flagged_per_1000": "Children offered early help per 1,000 referrals",
    "unused_places_per_1000": "Early-help places per 1,000 referrals left unused",
    "number_needed_to_offer": "Offers of early help per escalation prevented",
    "number_needed_to_harm": "Offers of early help per escalation caused",
    "flagged_not_escalating_per_1000": "Flagged per 1,000 who did not escalate",
    "unneeded_offers_per_1000": "Offers per 1,000 to children who would not have escalated anyway",
    "precision": "Precision: flagged children who escalated",
    "recall": "Recall: children who escalated who were flagged",
}

#: Plain names of the rules, for tables, figures and the brief.
RULE_LABELS: Final = {
    CURRENT_PRACTICE: "Current practice",
    "everyone": "Everyone",
    "no_one": "No one",
    "benefit": "Largest estimated benefit",
    "tree": "Learned tree",
}
_MODEL_WORDS: Final = {
    "cox": "Cox",
    "penalised_cox": "penalised Cox",
    "gradient_boosting": "gradient boosting",
    "random_forest": "random forest",
}


def rule_label(rule: str) -> str:
    """Return a rule's plain name.

    Examples
    --------
    >>> rule_label("risk_cox"), rule_label("tree")
    ('Highest predicted risk (Cox)', 'Learned tree')
    """
    if rule in RULE_LABELS:
        return RULE_LABELS[rule]
    if rule.startswith("risk_"):
        model = rule.removeprefix("risk_")
        return f"Highest predicted risk ({_MODEL_WORDS.get(model, model)})"
    if rule.startswith("top_"):
        return f"Highest {rule.removeprefix('top_')} score"
    return rule.replace("_", " ").capitalize()


@dataclass(frozen=True)
class PolicyStudy(Presents):
    """The value of rules deciding who is offered early help, and the criteria judged.

    Attributes
    ----------
    values : PolicyValueResult
        Every rule's value and its capacity measures (``tidy()`` is ``policy_values.csv``).
    groups : pandas.DataFrame
        Who each rule flags, by group (:func:`escalation.policy.groups.flagged_by_group`).
    disparities : pandas.DataFrame
        Largest gap between groups per rule, attribute and metric.
    criteria : pandas.DataFrame
        The pre-registered criteria judged (empty without ``[criteria]``).
    contrasts : pandas.DataFrame
        Differences in escalations per 1,000 between pairs of rules (each targeting rule
        against current practice, and risk against benefit targeting).
    rules : LearnedRules
        The rules' flags and descriptions.
    registration : RegistrationCheck
        The design against its registration.
    capacity : float
        Share of decision points the targeting rules flag.
    horizon : int
        Days.
    judged_rule : str or None
        The rule the criteria judge.
    settings : dict
        Provenance: seed, folds, models, data hash, versions.
    grace_days : int or None
        The design's grace period (point form of ``[treatment]``), days.
    grace_period_ended : int
        Untreated spells that ended within the grace period (exact; never shown): they
        could not have been treated, which biases the AIPW-type scores behind every value
        towards benefit, as the effect estimate's caveat says
        (:func:`grace_period_ended`). See :attr:`grace_caveat`.
    disclosure : DisclosureRules
        The design's disclosure rules: the published tables (:meth:`tidy`,
        :meth:`figure_data`, :attr:`groups`, :attr:`criteria`) follow them
        (:func:`disclose_values`).
    """

    values: PolicyValueResult = field(repr=False)
    groups: pd.DataFrame = field(repr=False)
    disparities: pd.DataFrame = field(repr=False)
    criteria: pd.DataFrame = field(repr=False)
    contrasts: pd.DataFrame = field(repr=False)
    rules: LearnedRules = field(repr=False)
    registration: RegistrationCheck
    capacity: float
    horizon: int
    judged_rule: str | None
    settings: dict[str, Any] = field(default_factory=dict, repr=False)
    grace_days: int | None = None
    grace_period_ended: int = field(default=0, repr=False)
    disclosure: DisclosureRules = field(default=DEFAULT_RULES, repr=False)

    def published_values(self) -> pd.DataFrame:
        """Return the rules' values as published: ratios of counts disclosed.

        :func:`disclose_values` under :attr:`disclosure`; ``values.tidy()`` stays exact,
        for use inside the local authority. Each targeting rule also gets
        ``unused_places_per_1000`` (:func:`unused_places`), from its published number
        flagged.
        """
        values = disclose_values(self.values, self.disclosure)
        return unused_places(values, self.capacity, list(self.rules.unused))

    @property
    def grace_caveat(self) -> str:
        """Return the sentence the values carry when the grace-period caveat applies, or "".

        The values rest on doubly robust (AIPW-type) scores that classify early help by
        whether it started within the grace period; untreated spells that ended within it
        could not have been treated (immortal time), which biases the scores towards
        benefit. The sentence names no count.
        """
        if not self.grace_period_ended or not self.grace_days:
            return ""
        return (
            "These policy estimates rest on AIPW-type scores and share the AIPW estimate's "
            f"bias: {grace_bias_words(self.grace_days)} (see the caveats)."
        )

    def tidy(self) -> pd.DataFrame:
        """Return ``policy_values.csv``: every rule's estimands with a ``label`` column."""
        values = self.published_values()
        values.insert(1, "label", values["rule"].map(rule_label))
        return values

    def glance(self) -> pd.DataFrame:
        """Return one row: n, capacity, horizon, rules, registration, versions."""
        row = {
            "n": self.values.n,
            "capacity_per_1000": round(1000 * self.capacity),
            "horizon": self.horizon,
            "rules": ", ".join(self.values.rules),
            "registration": self.registration.status,
            "method": "cross-fitted rules, AIPTW-AIPCW policy value",
            **package_versions(),
        }
        return pd.DataFrame([row])

    def summary(self) -> Summary:
        """Return the headline table (never prints)."""
        frame = self.figure_data()[
            ["label", "flagged_per_1000", "prevented_per_1000", "conf_low", "conf_high"]
        ]
        return Summary(
            "Would a risk score help decide who is offered early help?",
            {"n": self.values.n, "capacity per 1,000": round(1000 * self.capacity)},
            frame,
            (self.registration.describe(),),
        )

    def figure_data(self, horizon: int | None = None) -> pd.DataFrame:
        """Return the tidy frame of the policy figure: one row per rule.

        Columns ``rule, label, horizon, flagged_per_1000, flagged_low, flagged_high,
        prevented_per_1000, conf_low, conf_high, conf_level``.
        """
        h = self.horizon if horizon is None else int(horizon)
        values = self.published_values()
        values = values[values["horizon"] == h]
        rows = []
        for rule in self.values.rules:
            mine = values[values["rule"] == rule]
            flagged = mine[mine["estimand"] == "flagged_per_1000"].iloc[0]
            prevented = mine[mine["estimand"] == "prevented_per_1000"].iloc[0]
            rows.append(
                {
                    "rule": rule,
                    "label": rule_label(rule),
                    "horizon": h,
                    "flagged_per_1000": float(flagged["estimate"]),
                    "flagged_low": float(flagged["conf_low"]),
                    "flagged_high": float(flagged["conf_high"]),
                    "prevented_per_1000": float(prevented["estimate"]),
                    "conf_low": float(prevented["conf_low"]),
                    "conf_high": float(prevented["conf_high"]),
                    "conf_level": float(prevented["conf_level"]),
                }
            )
        return pd.DataFrame(rows)

    def most_flagged(self, rule: str | None = None, top: int = 3) -> pd.DataFrame:
        """Return the groups a rule flags most often, relative to the whole cohort.

        Rows ``attribute, group, estimate, conf_low, conf_high, overall`` of the share
        flagged, suppressed groups left out, largest first.
        """
        chosen = rule if rule is not None else (self.judged_rule or self.values.rules[-1])
        part = self.groups[
            (self.groups["rule"] == chosen)
            & (self.groups["metric"] == "flagged")
            & ~self.groups["suppressed"].astype(bool)
        ].copy()
        values = self.published_values()
        overall = values[
            (values["rule"] == chosen)
            & (values["horizon"] == self.horizon)
            & (values["estimand"] == "flagged_per_1000")
        ]["estimate"]
        part["overall"] = float(overall.iloc[0]) / 1000 if len(overall) else np.nan
        part = part.sort_values("estimate", ascending=False).head(top)
        return part[["attribute", "group", "estimate", "conf_low", "conf_high", "overall"]]

    def decision_use(self, rule: str) -> tuple[pd.DataFrame, tuple[str, ...]]:
        """Return a rule's model-card section: the measures and the sentences with them.

        For :meth:`escalation.predict.ModelCard.with_decision_use`: what would happen,
        at the design's capacity, if this rule decided who is offered early help.
        """
        if rule not in self.values.rules:
            raise DesignError(f"unknown rule {rule!r}; rules are {list(self.values.rules)}")
        values = self.published_values()
        mine = values[(values["rule"] == rule) & (values["horizon"] == self.horizon)]
        table = pd.DataFrame(
            {
                "measure": mine["estimand"].map(MEASURE_LABELS),
                "estimate": mine["estimate"].to_numpy(),
                "conf_low": mine["conf_low"].to_numpy(),
                "conf_high": mine["conf_high"].to_numpy(),
            }
        ).reset_index(drop=True)
        notes = [
            f"Early-help capacity {round(1000 * self.capacity)} per 1,000 referrals; "
            f"escalation by day {self.horizon} after the decision, deaths competing; 95% "
            "intervals clustered by family.",
            "The rule was learned on other families than those it is judged on "
            "(cross-fitting); precision and recall are against escalation under current "
            "practice.",
            f"Rule: {self.rules.descriptions.get(rule, rule_label(rule))}.",
            *_number_needed_note(mine),
        ]
        if rule == self.judged_rule and not self.criteria.empty:
            verdicts = "; ".join(
                f"{c} {v}"
                for c, v in zip(self.criteria["criterion"], self.criteria["verdict"], strict=True)
            )
            notes.append(f"Pre-registered criteria: {verdicts}. {self.registration.describe()}")
        notes.append(DECISION_CAVEAT)
        return table, tuple(notes)

    def provenance(self) -> dict[str, Any]:
        """Return versions and settings for the output manifest."""
        return provenance(**self.settings, registration=self.registration.to_dict())


def _number_needed_note(values: pd.DataFrame) -> list[str]:
    """Return the sentence giving the interval of the number needed to offer (Altman 1998).

    ``values`` are the rule's published values at the horizon. Its table gives the two
    pieces of an interval that passes through infinity in two rows
    (``number_needed_to_offer``: "25.6 to unbounded"; ``number_needed_to_harm``); the
    sentence says both (:func:`escalation.causal.policy.number_needed_words`, from the
    same ends: :func:`~escalation.causal.policy.number_needed_pieces`),
    from the published number flagged and interval of the escalations prevented. None
    when either is missing (withheld, or a rule flagging no one or everyone).
    """
    ends = {
        str(e): [float(x) for x in v]
        for e, *v in values[["estimand", "estimate", "conf_low", "conf_high"]].itertuples(
            index=False
        )
    }
    if not {"flagged_per_1000", "prevented_per_1000"} <= set(ends):
        return []
    flagged = ends["flagged_per_1000"][0]
    low, high = ends["prevented_per_1000"][1:]
    if not (flagged > 0 and math.isfinite(low) and math.isfinite(high)):
        return []
    words = number_needed_words(flagged, low, high)
    return [f"Offers of early help per escalation prevented, 95% interval: {words}."]


def unused_places(values: pd.DataFrame, capacity: float, rules: Sequence[str]) -> pd.DataFrame:
    """Return the values with, after each rule's ``flagged_per_1000``, its places left unused.

    ``unused_places_per_1000`` is the capacity per 1,000 referrals minus the children
    the rule offers early help per 1,000 (``flagged_per_1000`` as given, so published
    from the disclosed count), with its standard error and the interval mirrored. Only
    the targeting ``rules``, which the capacity binds: the benefit rule and the tree
    leave places unused where fewer children than the capacity allows have a positive
    estimated benefit; a ranking rule's is near 0 (a little below where a cut-off
    carried to a held-out fold flagged a few more, as ties can).

    Examples
    --------
    >>> values = pd.DataFrame({"rule": ["benefit"], "horizon": [365],
    ...     "estimand": ["flagged_per_1000"], "estimate": [250.0], "std_error": [5.0],
    ...     "conf_low": [240.2], "conf_high": [259.8], "conf_level": [0.95]})
    >>> row = unused_places(values, 0.3, ["benefit"]).iloc[1]
    >>> row["estimand"], round(float(row["estimate"]), 1), round(float(row["conf_low"]), 1)
    ('unused_places_per_1000', 50.0, 40.2)
    """
    if not len(rules):
        return values
    places = 1000 * float(capacity)
    pieces = []
    for _, row in values.iterrows():
        pieces.append(row.to_frame().T)
        if row["estimand"] == "flagged_per_1000" and row["rule"] in rules:
            unused = row.copy()
            unused["estimand"] = "unused_places_per_1000"
            unused["estimate"] = places - float(row["estimate"])
            unused["conf_low"] = places - float(row["conf_high"])
            unused["conf_high"] = places - float(row["conf_low"])
            pieces.append(unused.to_frame().T)
    return pd.concat(pieces, ignore_index=True).astype(values.dtypes.to_dict())


def _fixed(flags: npt.NDArray[np.float64]) -> bool:
    """Whether a rule flags no one or everyone: its share flagged is known by design."""
    return bool(len(flags)) and bool(np.all(flags == flags[0])) and flags[0] in (0.0, 1.0)


def disclose_values(result: PolicyValueResult, rules: DisclosureRules) -> pd.DataFrame:
    """Return the rules' values (``result.tidy()``) with their ratios of counts disclosed.

    ``flagged_per_1000`` is the number a rule flags per 1,000 decision points; precision
    and recall divide the escalations it flags (censoring-augmented sums) by the number
    it flags and by the escalations. At full precision each gives back its counts
    (365.546218487395 = 1000 x 3393/9282 names the cohort, 9,282, the brief rounds to
    9,280), so each is computed from the disclosed counts
    (:func:`escalation.disclosure.disclose_share`), its standard error that of the
    disclosed share (:func:`escalation.disclosure.disclose_std_error`) and its interval
    centred on it on the table's scale (Wald per 1,000; logit for precision and recall,
    :func:`escalation.causal.policy.proportion_interval`). A value resting on a
    suppressed count is missing. The number needed to offer, offers per escalation
    prevented, is rescaled to the disclosed number flagged (it would otherwise give it
    back with the escalations prevented), and so is the number needed to harm. Rules
    flagging no one or everyone keep their
    shares flagged and recall, which are known by design; everyone's precision, the
    cohort's risk of escalation, is disclosed like the others. The other estimands rest
    on models and are left as estimated.

    Parameters
    ----------
    result : PolicyValueResult
        The rules' values, flags and number of decision points (``n``).
    rules : DisclosureRules
        The design's disclosure rules.

    Returns
    -------
    pandas.DataFrame
        ``result.tidy()`` with those rows replaced.
    """
    out = result.tidy()
    z = float(stats.norm.ppf(0.5 + result.conf_level / 2))
    numbers = ["estimate", "std_error", "conf_low", "conf_high"]
    for (rule, _), part in out.groupby(["rule", "horizon"], sort=False):
        flags = np.asarray(result.flags[str(rule)], dtype=float)
        row = {str(e): i for e, i in zip(part["estimand"], part.index, strict=True)}
        value = dict(zip(row, part["estimate"].to_numpy(dtype=float).tolist(), strict=True))
        error = dict(zip(row, part["std_error"].to_numpy(dtype=float).tolist(), strict=True))
        flagged = value["flagged_per_1000"] * result.n / 1000
        hits = value["precision"] * flagged
        # estimand -> (numerator, denominator, scale): each is a share of counts
        counts: dict[str, tuple[float, float, float]]
        if _fixed(flags):
            # Flagged per 1,000 and recall are known by design (no one: 0 and 0; everyone:
            # 1,000 and 1), but everyone's precision is the cohort's risk of escalation,
            # a share of counts like any other (it gave back the exact cohort).
            if flags[0] != 1.0:
                continue
            counts = {"precision": (hits, result.n, 1.0)}
        else:
            escalations = hits / value["recall"] if value["recall"] > 0 else np.nan
            counts = {
                "flagged_per_1000": (flagged, result.n, 1000.0),
                "precision": (hits, flagged, 1.0),
                "recall": (hits, escalations, 1.0),
            }
        shares = {
            estimand: disclose_share(k, n, rules, per=scale)
            for estimand, (k, n, scale) in counts.items()
        }
        for estimand, share in shares.items():
            i = row[estimand]
            if share is None:
                out.loc[i, numbers] = np.nan
                continue
            _, n, scale = counts[estimand]
            se = scale * disclose_std_error(
                error[estimand] / scale, value[estimand] / scale, share / scale, n, rules
            )
            low, high = (
                (share - z * se, share + z * se)
                if estimand == "flagged_per_1000"
                else proportion_interval(share, se, z)
            )
            out.loc[i, numbers] = [share, se, low, high]
        if _fixed(flags):
            continue
        disclosed = shares["flagged_per_1000"]
        for estimand in ("number_needed_to_offer", "number_needed_to_harm"):
            i = row[estimand]
            if disclosed is None or value["flagged_per_1000"] <= 0:
                out.loc[i, numbers] = np.nan
            else:
                shown = out.loc[i, numbers]
                out.loc[i, numbers] = shown * (disclosed / value["flagged_per_1000"])
    return out


#: The denominator of each criterion's share: the rule's number flagged, or escalations.
_DENOMINATOR: Final = {"min_precision": "flagged", "min_recall": "escalations"}


def withhold_revealing_verdicts(
    criteria: pd.DataFrame, result: PolicyValueResult, rules: DisclosureRules
) -> pd.DataFrame:
    """Return the criteria with the verdicts that would give a withheld count back withheld.

    A precision or recall the disclosure rules withhold (:func:`disclose_values`) is
    judged on its exact interval and only its verdict published
    (:func:`escalation.policy.criteria.judge_criteria` with ``exact=``). Both share one
    count, the rule's escalations flagged ``h``, below the disclosure threshold ``T``
    when withheld (or their denominator is). A verdict says on which side of its
    threshold ``t`` the share lies: ``h < t n`` (not met) or ``h >= t n`` (met), ``n``
    the number flagged (precision) or the escalations (recall). The verdicts are kept
    while at least two whole counts ``h`` in ``0 .. min(T - 1, n)`` agree with all of
    them, counted with the exact ``n``: the reader knows ``n`` only as rounded, so no
    fewer counts agree with what they know. Otherwise (e.g. "not met" against a
    threshold below ``1 / n``, which says ``h = 0``) those verdicts are
    :data:`WITHHELD_VERDICT` too.

    Parameters
    ----------
    criteria : pandas.DataFrame
        :func:`~escalation.policy.criteria.judge_criteria` (empty: returned as it is).
    result : PolicyValueResult
        The rules' exact values (their flags and scores).
    rules : DisclosureRules
        The design's disclosure rules.

    Returns
    -------
    pandas.DataFrame
        ``criteria``, its rows' verdicts withheld where they would give a count back.
    """
    if criteria.empty:
        return criteria
    hidden = criteria[criteria["withheld"].astype(bool) & criteria["criterion"].isin(_DENOMINATOR)]
    if hidden.empty:
        return criteria
    first = hidden.iloc[0]
    scores = result.backend
    observed = scores.observed[:, scores.column(int(first["horizon"]))]
    flags = np.asarray(result.flags[str(first["rule"])], dtype=float)
    counts = {"flagged": round(float(flags.sum())), "escalations": round(float(observed.sum()))}
    hits = np.arange(max(0, min(rules.threshold - 1, *counts.values())) + 1, dtype=float)
    agree = np.ones(len(hits), dtype=bool)
    for criterion, threshold, verdict in zip(
        hidden["criterion"], hidden["threshold"].to_numpy(dtype=float), hidden["verdict"],
        strict=True,
    ):  # fmt: skip
        share = hits / max(counts[_DENOMINATOR[str(criterion)]], 1)
        if verdict == "met":
            agree &= share >= threshold
        elif verdict == "not met":
            agree &= share < threshold
    if int(agree.sum()) >= 2:
        return criteria
    out = criteria.copy()
    out.loc[hidden.index, "verdict"] = WITHHELD_VERDICT
    out.loc[hidden.index, "note"] = [
        f"{note} The verdict is withheld too: with the numbers published it would give a "
        "count below the disclosure threshold back."
        for note in hidden["note"]
    ]
    return out


def grace_period_ended(spells: pd.DataFrame, design: StudyDesign) -> int:
    """Return how many untreated spells ended within the design's grace period.

    The condition of the effect estimate's grace-period caveat
    (:func:`escalation.causal.estimate_effects`): treatment of the point form with a
    positive grace period, and untreated spells whose follow-up ended within it.

    Examples
    --------
    >>> from escalation.design import default_design
    >>> spells = pd.DataFrame({"duration": [3, 30, 5], "treatment": [0, 0, 1]})
    >>> grace_period_ended(spells, default_design())
    1
    """
    grace = design.treatment.grace_days
    if design.treatment.form != "point" or grace is None or grace <= 0:
        return 0
    duration = spells["duration"].to_numpy(dtype=float)
    untreated = spells["treatment"].to_numpy(dtype=float) == 0
    return int(((duration <= grace) & untreated).sum())


def _judged_rule(design: StudyDesign, rules: LearnedRules) -> str | None:
    if design.criteria is None or design.policy is None:
        return None
    kind = design.criteria.rule
    if kind == "risk":
        return f"risk_{design.policy_risk_models[0]}"
    return kind if kind in rules.flags else None


@one_blas_thread
def evaluate_policies(
    data: SpellData,
    design: StudyDesign | None = None,
    *,
    registration: RegistrationCheck | None = None,
    seed: int | None = None,
    forest_trees: int = 100,
    conf_level: float = 0.95,
    n_jobs: int | None = None,
    effect_model: EffectModel | None = None,
    deployable: bool = True,
    progress: bool = False,
) -> PolicyStudy:
    """Evaluate the rules of the design's ``[policy]`` and judge its ``[criteria]``.

    Parameters
    ----------
    data : SpellData
        Spells from :func:`~escalation.timeline.build_spells`.
    design : StudyDesign, optional
        Default ``data.design``; needs a ``[policy]`` section.
    registration : RegistrationCheck, optional
        The design against its registration (:func:`check_registration`); default: not
        registered.
    seed : int, optional
        Seed of the folds and learners (default: the design's).
    forest_trees : int, default 100
        Trees of the causal forest behind the ``benefit`` rule.
    conf_level : float, default 0.95
        Level of the intervals.
    n_jobs : int, optional
        Worker processes learning the rules (one task per cross-fitting fold): default
        the design's ``[compute] workers``, else every core; ``1`` learns them here. The
        results are identical for any number.
    effect_model : EffectModel, optional
        The heterogeneity study's causal forest (``HeterogeneityResult.backend
        ["effect_model"]``) when it was fitted on these spells with the ``benefit`` rule's
        settings (covariates, horizon, trees, seed): the rule to deploy uses it instead of
        growing the same forest again (see :func:`~escalation.policy.learn_rules`).
    deployable : bool, default True
        Also learn each rule on every family: the rule one would deploy, described in
        words in the rules' descriptions and applicable to other decision points
        (:meth:`~escalation.policy.LearnedRules.apply`). ``False`` skips that learning
        (one task in six with five folds) where only the estimates are wanted, e.g. a
        simulation study of the estimates; they, the flags and every table are the same
        either way, only the descriptions are the plain ones.
    progress : bool, default False
        Show a progress bar over the rules' learning on standard error (``escalation
        policy`` does, unless ``--quiet``).

    Returns
    -------
    PolicyStudy

    Raises
    ------
    DesignError
        When the design has no ``[policy]`` section, or ``effect_model`` was fitted on
        other spells or with other settings.

    Notes
    -----
    Linear algebra runs on one thread (:func:`escalation.compute.one_blas_thread`): the
    matrices are small, so threads cost more than they gain, and the results do not depend
    on how many threads BLAS would otherwise use.
    """
    data = spell_data_of(data, function="evaluate_policies", uses="its design")
    design = data.design if design is None else design
    if design.policy is None:
        raise DesignError(
            "the design has no [policy] section: state the early-help capacity "
            "(capacity_per_1000) and the rules to compare"
        )
    policy = design.policy
    seed = design.estimation.seed if seed is None else int(seed)
    horizon = design.policy_horizon
    spells = data.spells.reset_index(drop=True)
    covariates = list(data.model_covariates)
    horizons = [int(h) for h in design.outcome.horizons]
    scores = policy_scores(spells, covariates=covariates, horizons=horizons, cluster=data.cluster)
    rules = learn_rules(
        spells,
        covariates=covariates,
        capacity=policy.capacity,
        horizon=horizon,
        rules=policy.rules,
        risk_models=design.policy_risk_models,
        folds=policy.folds,
        seed=seed,
        tree_depth=policy.tree_depth,
        forest_trees=forest_trees,
        n_jobs=resolve_jobs(n_jobs, design),
        effect_model=effect_model,
        deployable=deployable,
        progress=progress,
    )
    values = estimate_policy_values(scores, rules.aligned(scores.spell_id), conf_level=conf_level)
    disclosure = DisclosureRules.from_design(design)
    groups = flagged_by_group(
        values, spells, horizon=horizon, min_group=policy.min_group, disclosure=disclosure
    )
    gaps = disparities(values, spells, groups, horizon=horizon)
    # The groups that can be compared: each suppressed only for its own sake (a group
    # withheld only beside a small one is compared, its verdict alone published).
    comparable = flagged_by_group(
        values,
        spells,
        horizon=horizon,
        min_group=policy.min_group,
        disclosure=disclosure,
        complements=False,
    )
    check = registration or check_registration(design, None)
    judged = _judged_rule(design, rules)
    criteria = (
        withhold_revealing_verdicts(
            judge_criteria(
                disclose_values(values, disclosure),  # judged on the values as published
                gaps,
                design.criteria,
                rule=judged,
                horizon=horizon,
                attributes=list(dict.fromkeys(groups["attribute"])),
                registration=check,
                exact=values.tidy(),  # a value withheld: its verdict alone, from these
                exact_gaps=disparities(values, spells, comparable, horizon=horizon),
                left_out=left_out_groups(comparable),
            ),
            values,
            disclosure,
        )
        if design.criteria is not None and judged is not None
        else pd.DataFrame()
    )
    pairs = [(r, CURRENT_PRACTICE) for r in values.rules if r != CURRENT_PRACTICE]
    risk_rules = [r for r in values.rules if r.startswith("risk_")]
    if risk_rules and "benefit" in values.rules:
        pairs.append(("benefit", risk_rules[0]))
    contrasts = (
        pd.concat([values.compare(a, b, horizon=horizon) for a, b in pairs], ignore_index=True)
        if pairs
        else pd.DataFrame()
    )
    settings = {
        "seed": seed,
        "capacity_per_1000": policy.capacity_per_1000,
        "horizon": horizon,
        "folds": policy.folds,
        "risk_models": list(design.policy_risk_models),
        "tree_depth": policy.tree_depth,
        "forest_trees": forest_trees,
        "covariates": covariates,
        "data_hash": used_data_hash(
            as_clustered(spells, data.cluster),  # the family-of-one labels the SEs read
            ["duration", "event", "treatment", data.cluster, *covariates],
        ),
    }
    return PolicyStudy(
        values=values,
        groups=groups,
        disparities=gaps,
        criteria=criteria,
        contrasts=contrasts,
        rules=rules,
        registration=check,
        capacity=policy.capacity,
        horizon=horizon,
        judged_rule=judged,
        settings=settings,
        grace_days=design.treatment.grace_days if design.treatment.form == "point" else None,
        grace_period_ended=grace_period_ended(spells, design),
        disclosure=disclosure,
    )
