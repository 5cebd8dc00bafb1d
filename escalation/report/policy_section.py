"""The brief's policy section (would a risk score help decide who is offered early help).

Words for the policy study's results (:class:`escalation.policy.PolicyStudy`): every value
an estimate with its interval, every contrast with its direction in words, bounds that
never read as the registered threshold they miss, the grace-period caveat beside the
numbers, and no group the disclosure rules suppress. :func:`policy_section` is called by
the pipeline's brief stage.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import numpy as np
import pandas as pd

from escalation._decimals import clear_of_zero_digits
from escalation._interval_words import ci_words
from escalation.design.study import StudyDesign
from escalation.report.brief import BriefFigure, PolicySection
from escalation.report.wording import attribute_label

__all__ = ["policy_section"]


_CRITERIA_WORDS: Final = {
    "min_precision": "Precision: share of flagged children who escalated",
    "min_recall": "Recall: share of children who escalated who were flagged",
    "max_disparity": "Largest gap between groups",
    "min_prevented_per_1000": "Escalations prevented per 1,000 referrals",
}


def _pct(value: float) -> str:
    return f"{100 * value:.0f}%"


def _against(value: float, threshold: float, *, scale: float = 1.0, digits: int = 0) -> str:
    """Return ``value`` rounded so that it never reads as the registered ``threshold``.

    A bound of 0.505 against a threshold of 0.5 is "50.5", not "50": one more decimal
    (up to three more) wherever rounding would make a value that differs from the
    threshold print as it.

    Examples
    --------
    >>> _against(0.505, 0.5, scale=100), _against(0.58, 0.5, scale=100)
    ('50.5', '58')
    >>> _against(9.96, 10, digits=1)
    '9.96'
    """
    shown = f"{scale * value:.{digits}f}"
    limit = scale * threshold
    for extra in range(1, 4):
        if value == threshold or float(shown) != round(limit, digits + extra - 1):
            break
        shown = f"{scale * value:.{digits + extra}f}"
    return shown


def _criterion_row(row: pd.Series, metric: str) -> tuple[str, str, str, str]:
    from escalation.policy.criteria import NOT_COMPARED_REASON, WITHHELD_NOTE
    from escalation.policy.study import WITHHELD_VERDICT

    key = str(row["criterion"])
    estimate, low, high = float(row["estimate"]), float(row["conf_low"]), float(row["conf_high"])
    threshold = float(row["threshold"])

    def at(value: float, scale: float = 1.0, digits: int = 0) -> str:
        return _against(value, threshold, scale=scale, digits=digits)

    if key in ("min_precision", "min_recall"):
        limit = f"at least {100 * threshold:g}%"
        shown = f"{at(estimate, 100)}% ({at(low, 100)}% to {at(high, 100)}%)"
    elif key == "max_disparity":
        limit = f"at most {100 * threshold:g} points"
        shown = f"{at(estimate, 100)} points ({at(low, 100)} to {at(high, 100)})"
    else:
        limit = f"at least {threshold:g}"
        shown = f"{at(estimate, digits=1)} ({at(low, digits=1)} to {at(high, digits=1)})"
    if row.get("withheld", False):  # judged on the exact interval, only the verdict shown
        shown = WITHHELD_NOTE
    elif not np.isfinite(estimate):
        shown = "not estimable"
    name = _CRITERIA_WORDS.get(key, key)
    if key == "max_disparity":
        name += f" in {'recall' if metric == 'recall' else 'the share flagged'}"
        if row.get("groups"):  # the two groups compared (both disclosed)
            name += f": {row['groups']}"
        if row.get("not_compared"):  # attributes with fewer than two groups large enough
            left_out = ", ".join(
                attribute_label(a).lower() for a in str(row["not_compared"]).split(", ")
            )
            name += f" (not compared: {left_out}; {NOT_COMPARED_REASON})"
    verdict = str(row["verdict"])
    if verdict == WITHHELD_VERDICT:
        verdict += " (disclosure)"
    return (name, limit, shown, verdict)


def _rule_phrase(rule: str) -> str:
    """Return a targeting rule in running text: "the highest predicted risk (Cox model)"."""
    from escalation.policy import rule_label

    if rule.startswith("risk_"):
        model = rule_label(rule).split("(", 1)[1].rstrip(")")
        return f"the highest predicted risk ({model} model)"
    return {"benefit": "the largest estimated benefit", "tree": "the learned tree"}.get(
        rule, rule_label(rule).lower()
    )


def _difference_words(estimate: float, low: float, high: float, than: str) -> str:
    """Return a difference in escalations per 1,000 with its direction in words.

    ``estimate`` and its interval are escalations per 1,000 referrals under one rule
    minus under the other (negative: fewer).

    Examples
    --------
    >>> _difference_words(10.38, 2.57, 18.18, "risk targeting")
    '10.4 more escalations per 1,000 referrals than risk targeting (95% CI 2.6 to 18.2 more)'
    >>> _difference_words(-7.69, -12.39, -2.98, "current practice")
    '7.7 fewer escalations per 1,000 referrals than current practice (95% CI 3.0 to 12.4 fewer)'
    >>> _difference_words(-7.1, -15.0, 0.9, "no one")
    '7.1 fewer escalations per 1,000 referrals than no one (95% CI 15.0 fewer to 0.9 more)'
    >>> _difference_words(-7.1, np.nan, np.nan, "no one")  # doctest: +ELLIPSIS
    '7.1 fewer escalations per 1,000 referrals than no one (no interval: the design asked...)'
    """
    if round(abs(estimate), 1) == 0:
        head = "about as many escalations per 1,000 referrals as"
    else:
        head = f"{_more_or_fewer(estimate)} escalations per 1,000 referrals than"
    return f"{head} {than} ({ci_words(low, high, _interval_words)})"


def _whole_numbers(low: float, high: float) -> str:
    return f"{low:,.0f} to {high:,.0f}"


def _pct_interval(low: float, high: float) -> str:
    return f"{_pct(low)} to {_pct(high)}"


def _more_or_fewer(value: float, digits: int = 1) -> str:
    return f"{abs(value):,.{digits}f} {'more' if value > 0 else 'fewer'}"


def _interval_words(low: float, high: float) -> str:
    """Return an interval of a difference per 1,000 in words ("3.0 to 12.4 fewer").

    One decimal, more where an interval that lies on one side of no difference would
    print its nearer end as 0.0 (:func:`escalation._decimals.clear_of_zero_digits`).

    Examples
    --------
    >>> _interval_words(-12.39, -2.98), _interval_words(-28.53, -0.04)
    ('3.0 to 12.4 fewer', '0.04 to 28.53 fewer')
    """
    if low > 0 or high < 0:
        digits = clear_of_zero_digits(low, high, digits=1)
        near, far = sorted((low, high), key=abs)
        return f"{abs(near):,.{digits}f} to {_more_or_fewer(far, digits)}"
    return f"{_more_or_fewer(low)} to {_more_or_fewer(high)}"


def _offers(
    figure: pd.DataFrame,
    rule: str,
    *,
    per: str = "in 1,000",
    about: str = "about ",
    withheld: str = "too few referrals to show",
) -> str:
    """Return how many referrals ``rule`` offers early help to, as published.

    ``figure`` is the study's figure data indexed by rule: the rule's own
    ``flagged_per_1000`` (a rule may offer it to fewer than the capacity allows: the tree
    flags no more than it), or ``withheld`` when it is withheld for disclosure (never
    "nan"). Every sentence that quotes a rule's offers reads them here.

    Examples
    --------
    >>> figure = pd.DataFrame({"flagged_per_1000": [102.94, np.nan]}, index=["tree", "x"])
    >>> _offers(figure, "tree"), _offers(figure, "x")
    ('about 103 in 1,000', 'too few referrals to show')
    >>> _offers(figure, "tree", per="offers per 1,000", about="")
    '103 offers per 1,000'
    """
    flagged = float(figure["flagged_per_1000"].to_numpy(dtype=float)[figure.index == rule][0])
    if not np.isfinite(flagged):
        return withheld
    return f"{about}{flagged:,.0f} {per}"


#: A rule's offers in the other rules' list when they are withheld for disclosure.
_OFFERS_WITHHELD: Final = "offers to too few referrals to show"


def _other_rules(rules: list[str], lead: str | None) -> list[str]:
    """Return the rules listed after current practice, one sentence each: all but the lead.

    Every rule studied except current practice (listed first), offering early help to no
    one (the baseline each sentence is against) and the rule the summary is about; in the
    study's order, with ``everyone`` last (the key numbers' effect is tied to it).

    Examples
    --------
    >>> rules = ["current_practice", "everyone", "no_one", "risk_cox",
    ...          "risk_gradient_boosting", "benefit", "tree"]
    >>> _other_rules(rules, "tree")
    ['risk_cox', 'risk_gradient_boosting', 'benefit', 'everyone']
    """
    skipped = ("current_practice", "no_one", "everyone", lead)
    listed = [rule for rule in rules if rule not in skipped]
    return listed + (["everyone"] if "everyone" in rules else [])


def _criteria_note(study: Any, capacity: int, figure: pd.DataFrame) -> str:
    """Return the criteria table's caption: rule, operating point, population, key number.

    The risk tool's key number flags the riskiest 10% of the later years' referrals with a
    model trained on the earlier years; the criteria judge the registered rule at the
    design's capacity on every referral, each scored by a model fitted without its family.
    The share the rule offers early help to is its own (``figure``: the study's figure
    data indexed by rule), which may be below the capacity.
    """
    judged = study.judged_rule
    rule = _rule_phrase(str(judged)) if judged else "the rule the design names"
    offers = (
        f", which offers early help to {_offers(figure, str(judged), per='in 1,000 referrals')}"
        if judged in figure.index
        else ""
    )
    return (
        f"Judged on one rule: {rule}{offers} at the early-help capacity the design states "
        f"({capacity:,} in 1,000, [policy] capacity_per_1000), among every "
        "referral studied, each scored by a model fitted without that "
        f"child's family (cross-fitting), within {study.horizon} days. These differ from the "
        "risk tool's key number above, which flags the riskiest 10% of the later years' "
        "referrals with a model trained on the earlier years: flagging more children finds "
        "more of those who escalate (higher recall), and fewer of those flagged escalate "
        "(lower precision)."
    )


def _same_as_key_number(everyone: pd.Series, aipw: Mapping[str, float]) -> str:
    """Return a sentence tying the "everyone" rule's value to the key numbers' AIPW effect.

    ``everyone`` is the rule's row of the figure's data (``prevented_per_1000``);
    ``aipw`` the key numbers' risk difference (proportions). Empty unless the two
    estimates agree as printed (one decimal per 1,000): a value that differed would not be
    "the same estimate".

    Examples
    --------
    >>> row = pd.Series({"prevented_per_1000": 21.256})
    >>> text = _same_as_key_number(row, {"estimate": -0.021256, "conf_low": -0.0357,
    ...                                  "conf_high": -0.0068})
    >>> text.endswith("so the two intervals differ (there: 95% CI 6.8 to 35.7 fewer).")
    True

    >>> _same_as_key_number(row, {"estimate": -0.018, "conf_low": -0.03, "conf_high": -0.006})
    ''
    """
    prevented = -1000 * aipw["estimate"]
    if f"{prevented:,.1f}" != f"{everyone['prevented_per_1000']:,.1f}":
        return ""
    interval = _interval_words(1000 * aipw["conf_low"], 1000 * aipw["conf_high"])
    return (
        " This is the key numbers' change in risk with early help (AIPW) per 1,000: the "
        "same estimate, its interval here from a formula and there from resampling "
        f"families, so the two intervals differ (there: 95% CI {interval})."
    )


def _published(values: pd.DataFrame, rule: str, horizon: int, estimand: str) -> pd.Series | None:
    """Return the published row of ``rule``'s ``estimand`` at ``horizon`` (None if none)."""
    rows = values[
        (values["rule"] == rule) & (values["horizon"] == horizon) & (values["estimand"] == estimand)
    ]
    return rows.iloc[0] if len(rows) else None


def _precision_ceiling(values: pd.DataFrame, study: Any, threshold: float | None) -> str:
    """Return a sentence when no rule at the judged rule's share could meet ``threshold``.

    A rule that offers early help to a share ``s`` of referrals, of which a share ``p``
    escalate (everyone's precision), flags at most ``p`` per referral who escalate, so
    its precision is at most ``p / s``. Below the threshold, "not met" says more about the
    threshold than about the rule. Empty when the threshold can be met, or without one.
    ``values`` are the study's published values.
    """
    if threshold is None or study.judged_rule is None:
        return ""
    h = study.horizon
    everyone = _published(values, "everyone", h, "precision")
    flagged = _published(values, study.judged_rule, h, "flagged_per_1000")
    if everyone is None or flagged is None or not flagged["estimate"] > 0:
        return ""
    escalated = float(everyone["estimate"])
    share = float(flagged["estimate"]) / 1000
    ceiling = min(1.0, escalated / share)
    if ceiling >= threshold:
        return ""
    return (
        f" About {1000 * escalated:,.0f} in 1,000 referrals escalated within {h} days, so a "
        f"rule offering early help to {1000 * share:,.0f} in 1,000 could have a precision of "
        f"at most about {_pct(ceiling)}: the precision threshold ({_pct(threshold)}) cannot "
        "be met at this capacity, whatever the score."
    )


def policy_section(
    study: Any,
    design: StudyDesign,
    policy_figure: BriefFigure | None,
    *,
    ccw_effect: tuple[int, Mapping[str, float]] | None = None,
    aipw_effect: tuple[int, Mapping[str, float]] | None = None,
) -> PolicySection | None:
    """Return the brief's policy section for a policy study (None without one).

    Parameters
    ----------
    study : escalation.policy.PolicyStudy or None
        The study's policy stage, if it ran.
    design : StudyDesign
        The design that ran (its registered success criteria).
    policy_figure : BriefFigure or None
        The policy values figure, shown in the section.
    ccw_effect : tuple of (int, mapping), optional
        The horizon and the clone-censor-weight risk difference (``estimate``,
        ``conf_low``, ``conf_high``, as proportions) that lead the key numbers when the
        grace period biases the other estimators. Offering early help to everyone against
        no one is the same quantity, here estimated from AIPW-type scores that share that
        bias: at the same horizon, the "everyone" rule is followed by the CCW figure for
        scale, so that the reader is not left with two answers to one question.
    aipw_effect : tuple of (int, mapping), optional
        The horizon and the AIPW risk difference among the key numbers (leading, or shown
        beside CCW), with its bootstrap interval. The "everyone" rule's value is the same
        estimate with an interval from the scores' influence functions: when the two agree
        as printed, the section says so and gives the key numbers' interval, so that two
        intervals for one estimate are not left unexplained.

    Returns
    -------
    PolicySection or None
    """
    if study is None:
        return None
    from escalation.policy import rule_label

    figure = study.figure_data().set_index("rule")
    h = study.horizon
    capacity = round(1000 * study.capacity)

    def against_no_one(rule: str) -> str:
        row = figure.loc[rule]
        return _difference_words(
            -row["prevented_per_1000"], -row["conf_high"], -row["conf_low"],
            "offering it to no one",
        )  # fmt: skip

    def contrast(rule: str, other: str) -> pd.Series | None:
        table = study.contrasts
        if table.empty:
            return None
        pair = table[(table["rule"] == rule) & (table["other"] == other)]
        return pair.iloc[0] if len(pair) else None

    values = study.published_values()
    # Current practice's offers as published (withheld for disclosure: said so in words).
    practice_offers = _offers(figure, "current_practice")
    parts = []
    judged = study.judged_rule
    risk_rules = [r for r in figure.index if str(r).startswith("risk_")]
    lead = judged if judged in figure.index else (risk_rules[0] if risk_rules else None)
    if lead is not None:
        # The rule's own offers (the tree may offer fewer than the capacity), and the
        # contrast's direction in words, as every other contrast.
        parts.append(
            f"With early help for up to {capacity:,} in every 1,000 referrals closed without "
            f"statutory action, choosing them by {_rule_phrase(lead)}, which offers it to "
            f"{_offers(figure, lead)}, is estimated to lead, within {h} days, to "
            f"{against_no_one(lead)}."
        )
        current = contrast(lead, "current_practice")
        if current is not None:
            # Not like for like unless the reader sees how many practitioners offered it to.
            parts.append(
                f"Choosing them by {_rule_phrase(lead)} rather than as practitioners did "
                f"(they offered it to {practice_offers}) is estimated to "
                "lead to "
                + _difference_words(
                    current["estimate"],
                    current["conf_low"],
                    current["conf_high"],
                    "current practice",
                )
                + "."
            )
        row = _published(values, lead, h, "unneeded_offers_per_1000")
        if row is not None:
            parts.append(
                f"An estimated {row['estimate']:,.0f} of those offers per 1,000 referrals "
                f"({ci_words(row['conf_low'], row['conf_high'], _whole_numbers)}) would go to "
                f"children who would not have escalated within {h} days without early help."
            )
    # The other rules, one sentence each: listed under the summary, not run into it.
    practice_count = _offers(
        figure, "current_practice", per="offers per 1,000", withheld=_OFFERS_WITHHELD
    )
    others = [
        f"Current practice ({practice_count}): an estimated {against_no_one('current_practice')}."
    ]
    for rule in _other_rules(list(figure.index), lead):
        count = _offers(figure, rule, per="offers per 1,000", about="", withheld=_OFFERS_WITHHELD)
        others.append(f"{rule_label(rule)} ({count}): an estimated {against_no_one(rule)}.")
    if "everyone" in figure.index and aipw_effect is not None and aipw_effect[0] == h:
        others[-1] += _same_as_key_number(figure.loc["everyone"], aipw_effect[1])
    if ccw_effect is not None and ccw_effect[0] == h and "everyone" in figure.index:
        rd = ccw_effect[1]
        others[-1] += (
            " For scale: the clone-censor-weight estimate that leads the key numbers, which "
            "the grace period does not bias, is "
            + _difference_words(
                1000 * rd["estimate"], 1000 * rd["conf_low"], 1000 * rd["conf_high"],
                "offering it to no one",
            )
            + "; read these values as likely too high."
        )  # fmt: skip
    pair = contrast("benefit", lead) if lead is not None and "benefit" in figure.index else None
    if pair is not None and lead is not None:
        parts.append(
            "Targeting by the largest estimated benefit instead is estimated to lead to "
            + _difference_words(
                pair["estimate"],
                pair["conf_low"],
                pair["conf_high"],
                "targeting by predicted risk" if lead.startswith("risk_") else _rule_phrase(lead),
            )
            + "."
        )
    if lead is not None:
        # The values are those of a rule applied as written; the tool is meant to inform
        # practitioners' choices, not to make them (the decision-support box below).
        parts.append(
            "These figures assume the rule alone chose who was offered early help; used as "
            "intended, a score would only inform practitioners' choices, so what it would "
            "change in practice depends on how they use it."
        )
    if study.grace_caveat:
        # First, not last: the reader meets the bias before the numbers it inflates.
        parts.insert(0, study.grace_caveat)
    criteria_rows: tuple[tuple[str, str, str, str], ...] = ()
    metric = design.criteria.disparity_metric if design.criteria is not None else "recall"
    if not study.criteria.empty:
        criteria_rows = tuple(_criterion_row(r, metric) for _, r in study.criteria.iterrows())
    flagged = []
    if lead is not None:
        for row in study.most_flagged(lead).itertuples(index=False):
            label = attribute_label(row.attribute)
            flagged.append(
                f"{label}: {row.group} — {_pct(row.estimate)} flagged "
                f"({ci_words(row.conf_low, row.conf_high, _pct_interval)}) against "
                f"{_pct(row.overall)} "
                "of all children."
            )
    registration = study.registration.describe()
    if study.criteria.empty:
        registration = (
            "The design states no success criteria ([criteria]); none are judged. " + registration
        )
    return PolicySection(
        summary=" ".join(parts),
        other_rules=tuple(others),
        figure=policy_figure,
        criteria=criteria_rows,
        criteria_note=(
            _criteria_note(study, capacity, figure)
            + _precision_ceiling(
                values,
                study,
                design.criteria.min_precision if design.criteria is not None else None,
            )
            + (
                " The escalations prevented rest on the same AIPW-type scores as the values "
                "above, so they share their bias towards benefit."
                if study.grace_caveat
                else ""
            )
            if criteria_rows
            else ""
        ),
        registration=registration,
        criteria_heading=_criteria_heading(study.registration.status),
        most_flagged=tuple(flagged),
        flagged_by=(
            f"By {rule_label(lead)[:1].lower()}{rule_label(lead)[1:]}, offering early help to "
            f"{_offers(figure, lead, per='in every 1,000 referrals')} (at a capacity of "
            f"{capacity:,}; every referral, cross-fitted). The risk tool's fairness figure "
            "shows another rule: the riskiest 10% of the later years' referrals."
            if flagged and lead is not None
            else ""
        ),
        cannot_say=(
            "These are estimated averages over children like those studied: they cannot say "
            "whether early help is right for any one child, and they hold only if everything "
            "that drove both early help and escalation was recorded."
        ),
    )


def _criteria_heading(status: str) -> str:
    """Return the criteria table's heading for the design's registration ``status``.

    Examples
    --------
    >>> _criteria_heading("registered"), _criteria_heading("not_registered")
    ('Pre-registered criteria', 'Success criteria (not registered)')
    >>> _criteria_heading("changed")
    'Success criteria (changed since registration)'
    """
    if status == "registered":
        return "Pre-registered criteria"
    if status == "changed":
        return "Success criteria (changed since registration)"
    return "Success criteria (not registered)"


#: The estimator the brief and the adjusted figures lead with, in order of preference.
