"""The brief's policy section in words: estimates as estimates, directions, decimals, caveat."""

from __future__ import annotations

import dataclasses
import re
from functools import cache

import numpy as np
import pandas as pd
import pytest

from escalation.causal.policy import estimate_policy_values, policy_scores
from escalation.design import RegistrationCheck, default_design
from escalation.policy import PolicyStudy, disparities, flagged_by_group, judge_criteria
from escalation.policy.rules import LearnedRules
from escalation.report.policy_section import _criterion_row, policy_section
from tests.policy.policy_support import small_spells


@cache
def study() -> PolicyStudy:
    """A policy study of made-up rules on a small frame (every sentence of the section)."""
    design = default_design()
    assert design.criteria is not None
    frame = small_spells()
    n = len(frame)
    risk = frame["risk"].to_numpy(dtype=float)
    rng = np.random.default_rng(3)
    flags = {
        "everyone": np.ones(n),
        "no_one": np.zeros(n),
        "risk_cox": (risk >= np.quantile(risk, 0.7)).astype(float),
        "benefit": (rng.random(n) < 0.3).astype(float),
        "tree": (frame["age"].to_numpy() < 5).astype(float),
    }
    scores = policy_scores(frame, covariates=["risk", "factor", "age"], horizons=[365])
    values = estimate_policy_values(scores, flags)
    groups = flagged_by_group(values, frame, horizon=365)
    gaps = disparities(values, frame, groups, horizon=365)
    registration = RegistrationCheck("not_registered", None, "ab")
    criteria = judge_criteria(
        values.tidy(), gaps, design.criteria, rule="risk_cox", horizon=365,
        attributes=list(dict.fromkeys(groups["attribute"])), registration=registration,
    )  # fmt: skip
    pairs = [(r, "current_practice") for r in values.rules if r != "current_practice"]
    pairs.append(("benefit", "risk_cox"))
    contrasts = pd.concat([values.compare(a, b) for a, b in pairs], ignore_index=True)
    rules = LearnedRules(
        flags=flags, scores={}, fold=np.zeros(n, dtype=np.int64), descriptions={},
        capacity=0.3, horizon=365, spell_id=frame["spell_id"].to_numpy(),
    )  # fmt: skip
    return PolicyStudy(
        values=values, groups=groups, disparities=gaps, criteria=criteria,
        contrasts=contrasts, rules=rules, registration=registration, capacity=0.3,
        horizon=365, judged_rule="risk_cox",
    )  # fmt: skip


def _summary(result: PolicyStudy) -> str:
    """The section's words: the summary, then the other rules' sentences."""
    section = policy_section(result, default_design(), None)
    assert section is not None
    return " ".join((section.summary, *section.other_rules))


def test_policy_section_lists_the_other_rules_apart_from_the_judged_one() -> None:
    """The summary is about the judged rule; each other rule is one sentence of its own
    (a reader on a phone met eight rules' numbers in one paragraph)."""
    section = policy_section(study(), default_design(), None)
    assert section is not None
    assert [s.split(" (")[0] for s in section.other_rules] == [
        "Current practice", "Largest estimated benefit", "Learned tree", "Everyone",
    ]  # fmt: skip
    assert all(s.count("than offering it to no one") == 1 for s in section.other_rules)
    for name in ("Current practice (", "Learned tree (", "Everyone ("):
        assert name not in section.summary
    assert section.summary.startswith("With early help for up to 300 in every 1,000")
    assert "Targeting by the largest estimated benefit instead" in section.summary
    # The values are a rule applied as written, not a score informing practitioners: the
    # summary ends saying so (a policy reader took them as the tool choosing).
    assert section.summary.endswith(
        "These figures assume the rule alone chose who was offered early help; used as "
        "intended, a score would only inform practitioners' choices, so what it would change "
        "in practice depends on how they use it."
    )


def test_policy_section_states_estimates_as_estimates_with_directions() -> None:
    result = study()
    text = _summary(result)
    assert "is estimated to lead, within 365 days, to" in text
    # Never the tool deciding, never an estimate stated as fact.
    assert not re.search(r"would prevent|\bprevented about|\bdecides?\b", text), text
    # Thousands separators.
    assert "Everyone (1,000 offers per 1,000)" in text
    assert "1000" not in text
    # Every interval of a difference says which way each end lies.
    for interval in re.findall(r"95% CI ([^)]*)\)", text):
        if "more" in interval or "fewer" in interval:
            assert re.fullmatch(r"[\d.,]+( more| fewer)? to [\d.,]+ (more|fewer)", interval), (
                interval
            )
    # Benefit against risk targeting: its direction in words, as the contrast says.
    pair = result.contrasts.set_index(["rule", "other"]).loc[("benefit", "risk_cox")]
    way = "more" if pair["estimate"] > 0 else "fewer"
    assert (
        f"Targeting by the largest estimated benefit instead is estimated to lead to "
        f"{abs(pair['estimate']):.1f} {way} escalations per 1,000 referrals than targeting "
        "by predicted risk (95% CI"
    ) in text
    # The policy-relevant contrast: risk targeting against current practice.
    own = result.contrasts.set_index(["rule", "other"]).loc[("risk_cox", "current_practice")]
    way = "more" if own["estimate"] > 0 else "fewer"
    offered = result.figure_data().set_index("rule").loc["current_practice", "flagged_per_1000"]
    assert (
        "Choosing them by the highest predicted risk (Cox model) rather than as practitioners "
        f"did (they offered it to about {offered:,.0f} in 1,000) is estimated to lead to "
        f"{abs(own['estimate']):.1f} {way} escalations per 1,000 referrals than current "
        "practice (95% CI"
    ) in text


def test_policy_section_carries_the_grace_period_caveat() -> None:
    """The values rest on AIPW-type scores: where untreated spells ended within the grace
    period (the effect estimate's caveat), the section says so beside its numbers."""
    from escalation.policy.study import grace_period_ended

    ended = grace_period_ended(small_spells(), default_design())
    assert ended > 0
    result = dataclasses.replace(study(), grace_days=14, grace_period_ended=ended)
    text = _summary(result)
    assert "14-day grace period" in text and "share the AIPW estimate's bias" in text
    # First, before the numbers it inflates (a reviewer found it at the end of a paragraph
    # a phone screen long).
    assert text.startswith(result.grace_caveat), text[:120]
    assert "escalated or left the study" in text
    # The criteria's escalations prevented carry it too (a policy reader met the criterion
    # "inconclusive" with no word of the bias), and only where it applies.
    bias = "so they share their bias towards benefit"
    section = policy_section(result, default_design(), None)
    assert section is not None and section.criteria and bias in section.criteria_note
    plain = policy_section(study(), default_design(), None)
    assert plain is not None and plain.criteria and bias not in plain.criteria_note
    assert str(ended) not in re.findall(r"\d+", result.grace_caveat)
    clean = dataclasses.replace(result, grace_period_ended=0)
    assert clean.grace_caveat == ""
    assert "grace period" not in _summary(clean)
    assert "grace period" not in _summary(study())  # a study that records none


def test_difference_words_and_threshold_decimals() -> None:
    from escalation.report.policy_section import _difference_words

    assert _difference_words(10.38, 2.57, 18.18, "risk targeting") == (
        "10.4 more escalations per 1,000 referrals than risk targeting (95% CI 2.6 to 18.2 more)"
    )
    assert _difference_words(-1234.5, -2000.0, 3.0, "no one").endswith(
        "(95% CI 2,000.0 fewer to 3.0 more)"
    )
    row = pd.Series(
        {"criterion": "min_recall", "estimate": 0.5402, "conf_low": 0.50486,
         "conf_high": 0.5756, "threshold": 0.5, "verdict": "met"}
    )  # fmt: skip
    assert _criterion_row(row, "recall")[1:] == ("at least 50%", "54% (50.5% to 58%)", "met")
    row = pd.Series(
        {"criterion": "min_prevented_per_1000", "estimate": 17.4, "conf_low": 9.96,
         "conf_high": 26.5, "threshold": 10.0, "verdict": "inconclusive"}
    )  # fmt: skip
    assert _criterion_row(row, "recall")[2] == "17.4 (9.96 to 26.5)"
    row = pd.Series(
        {"criterion": "max_disparity", "estimate": 0.43, "conf_low": 0.0996,
         "conf_high": 0.57, "threshold": 0.1, "verdict": "inconclusive"}
    )  # fmt: skip
    assert _criterion_row(row, "recall")[2] == "43 points (9.96 to 57)"


@pytest.mark.parametrize("value", [0.5, 0.58, 0.4951])
def test_threshold_decimals_leave_other_values_alone(value: float) -> None:
    row = pd.Series(
        {"criterion": "min_recall", "estimate": value, "conf_low": value,
         "conf_high": value, "threshold": 0.5, "verdict": "met"}
    )  # fmt: skip
    shown = _criterion_row(row, "recall")[2].split(" ")[0]
    expected = {0.5: "50%", 0.58: "58%", 0.4951: "49.5%"}[value]
    assert shown == expected


def test_policy_section_criteria_heading_follows_the_registration() -> None:
    """ "Pre-registered criteria" only for a design registered and unchanged since."""
    result = study()
    assert result.registration.status == "not_registered"
    section = policy_section(result, default_design(), None)
    assert section is not None
    assert section.criteria_heading == "Success criteria (not registered)"
    registered = dataclasses.replace(
        result, registration=RegistrationCheck("registered", "2024-05-01T09:30:00+00:00", "ab")
    )
    section = policy_section(registered, default_design(), None)
    assert section is not None and section.criteria_heading == "Pre-registered criteria"


def test_policy_section_says_when_no_rule_could_meet_the_precision_threshold() -> None:
    """Offering early help to a share s of referrals, of which a share p escalate, flags
    at most p per referral who escalate: precision at most p / s. Offering it to everyone
    (s = 1) caps it at p, the cohort's escalation risk, below the default 65% threshold."""
    result = dataclasses.replace(study(), judged_rule="everyone")
    values = result.published_values()
    risk = values[(values["rule"] == "everyone") & (values["estimand"] == "precision")]
    p = float(risk["estimate"].iloc[0])
    assert p < 0.65
    section = policy_section(result, default_design(), None)
    assert section is not None
    assert (
        f"About {1000 * p:,.0f} in 1,000 referrals escalated within 365 days, so a rule "
        f"offering early help to 1,000 in 1,000 could have a precision of at most about "
        f"{100 * p:.0f}%: the precision threshold (65%) cannot be met at this capacity"
    ) in section.criteria_note
    # The risk rule offers it to about 300 in 1,000 of a cohort of whom about 30% escalate:
    # a precision of up to about 100% is possible, and nothing is said.
    judged = policy_section(study(), default_design(), None)
    assert judged is not None and "cannot be met" not in judged.criteria_note


def test_offering_everyone_is_given_beside_the_ccw_effect_that_leads_the_brief() -> None:
    """Everyone against no one is the key numbers' effect, here from AIPW-type scores: when
    CCW leads (the grace period biasing the others), its figure follows for scale."""
    ccw = {"estimate": -0.015, "conf_low": -0.029, "conf_high": -0.001}
    section = policy_section(study(), default_design(), None, ccw_effect=(365, ccw))
    assert section is not None
    everyone = section.other_rules[-1]
    assert everyone.startswith("Everyone (1,000 offers per 1,000)")
    assert everyone.endswith(
        "For scale: the clone-censor-weight estimate that leads the key numbers, which the "
        "grace period does not bias, is 15.0 fewer escalations per 1,000 referrals than "
        "offering it to no one (95% CI 1.0 to 29.0 fewer); read these values as likely too "
        "high."
    ), everyone
    # Another horizon, or no CCW lead: nothing is added.
    other = policy_section(study(), default_design(), None, ccw_effect=(730, ccw))
    plain = policy_section(study(), default_design(), None)
    assert other is not None and plain is not None
    assert "For scale" not in " ".join(other.other_rules + plain.other_rules)


def test_offering_everyone_is_tied_to_the_aipw_key_number() -> None:
    """Everyone against no one is the key numbers' AIPW effect: the same estimate, with a
    bootstrap interval there and an influence-function interval here. The section says so
    and gives the other interval, only when the two estimates agree as printed."""
    everyone = study().figure_data().set_index("rule").loc["everyone"]
    prevented = everyone["prevented_per_1000"]
    aipw = {"estimate": -prevented / 1000, "conf_low": -0.041, "conf_high": -0.0021}
    section = policy_section(study(), default_design(), None, aipw_effect=(365, aipw))
    assert section is not None
    assert section.other_rules[-1].endswith(
        "This is the key numbers' change in risk with early help (AIPW) per 1,000: the same "
        "estimate, its interval here from a formula and there from resampling families, so "
        "the two intervals differ (there: 95% CI 2.1 to 41.0 fewer)."
    ), section.other_rules[-1]
    # Before the CCW figure when both are given (the AIPW tie first, then the scale).
    both = policy_section(study(), default_design(), None, aipw_effect=(365, aipw),
                          ccw_effect=(365, aipw))  # fmt: skip
    assert both is not None
    last = both.other_rules[-1]
    assert last.index("(AIPW) per 1,000") < last.index("For scale")
    # Another horizon, or an estimate that differs as printed: nothing is added.
    moved = {**aipw, "estimate": aipw["estimate"] - 0.0002}
    for kwargs in ({"aipw_effect": (730, aipw)}, {"aipw_effect": (365, moved)}):
        other = policy_section(study(), default_design(), None, **kwargs)  # type: ignore[arg-type]
        assert other is not None and "(AIPW) per 1,000" not in other.other_rules[-1]
