"""The brief's lead sentence: the judged rule's own offers, and its direction in words."""

from __future__ import annotations

import dataclasses
import re
from functools import cache

import numpy as np
import pandas as pd

from escalation.causal.policy import estimate_policy_values, policy_scores
from escalation.design import RegistrationCheck, default_design
from escalation.policy import PolicyStudy, disparities, flagged_by_group
from escalation.policy.rules import LearnedRules
from escalation.report.policy_section import policy_section
from tests.policy.policy_support import small_spells


@cache
def _study(judged: str) -> PolicyStudy:
    """Made-up rules on a small frame: the tree offers early help to fewer than the capacity."""
    frame = small_spells()
    n = len(frame)
    risk = frame["risk"].to_numpy(dtype=float)
    flags = {
        "everyone": np.ones(n),
        "no_one": np.zeros(n),
        "risk_cox": (risk >= np.quantile(risk, 0.72)).astype(float),
        "tree": (risk >= np.quantile(risk, 0.9)).astype(float),  # about 100 in 1,000
    }
    scores = policy_scores(frame, covariates=["risk", "factor", "age"], horizons=[365])
    values = estimate_policy_values(scores, flags)
    groups = flagged_by_group(values, frame, horizon=365)
    criteria = pd.DataFrame(
        [{"criterion": "min_prevented_per_1000", "rule": judged, "horizon": 365,
          "threshold": 10.0, "estimate": 12.0, "conf_low": 2.0, "conf_high": 22.0,
          "verdict": "inconclusive", "registration": "not registered", "note": "",
          "groups": ""}]
    )  # fmt: skip
    pairs = [(r, "current_practice") for r in values.rules if r != "current_practice"]
    rules = LearnedRules(
        flags=flags, scores={}, fold=np.zeros(n, dtype=np.int64), descriptions={},
        capacity=0.3, horizon=365, spell_id=frame["spell_id"].to_numpy(),
    )  # fmt: skip
    return PolicyStudy(
        values=values, groups=groups,
        disparities=disparities(values, frame, groups, horizon=365), criteria=criteria,
        contrasts=pd.concat([values.compare(a, b) for a, b in pairs], ignore_index=True),
        rules=rules, registration=RegistrationCheck("not_registered", None, "ab"),
        capacity=0.3, horizon=365, judged_rule=judged,
    )  # fmt: skip


def test_the_brief_quotes_the_judged_rule_s_own_offers() -> None:
    """The learned tree offered early help to about 103 in 1,000 and the brief said "If early
    help were offered to 300 in every 1,000 referrals ..., choosing them by the learned tree"
    and "offering early help to 30% of referrals ... chosen by the learned tree"."""
    for judged, phrase in (("tree", "the learned tree"),
                           ("risk_cox", "the highest predicted risk (Cox model)")):  # fmt: skip
        study = _study(judged)
        offers = study.figure_data().set_index("rule").loc[judged, "flagged_per_1000"]
        shown = f"{offers:,.0f}"
        section = policy_section(study, default_design(), None)
        assert section is not None
        assert (
            f"With early help for up to 300 in every 1,000 referrals closed without statutory "
            f"action, choosing them by {phrase}, which offers it to about {shown} in 1,000, is "
            "estimated to lead, within 365 days, to "
        ) in section.summary
        assert "If early help were offered to 300" not in section.summary
        assert f"which offers early help to about {shown} in 1,000 referrals" in (
            section.criteria_note
        )
        assert "offering early help to 30% of referrals" not in section.criteria_note
        assert f"offering early help to about {shown} in every 1,000 referrals" in (
            section.flagged_by
        )
    tree = _study("tree").figure_data().set_index("rule").loc["tree", "flagged_per_1000"]
    assert abs(tree - 100) < 10  # far from the capacity of 300: the sentence must say so


def _with_prevented(
    study: PolicyStudy, rule: str, estimate: float, low: float, high: float
) -> PolicyStudy:
    """Return ``study`` with ``rule``'s escalations prevented per 1,000 set as given."""
    table = study.values.values.copy()
    at = (table["rule"] == rule) & (table["estimand"] == "prevented_per_1000")
    table.loc[at, ["estimate", "conf_low", "conf_high"]] = [estimate, low, high]
    return dataclasses.replace(study, values=dataclasses.replace(study.values, values=table))


def test_a_negative_value_is_said_as_more_escalations_in_words() -> None:
    """The lead sentence printed "is estimated to prevent about -3.2 escalations per 1,000
    referrals within 730 days (95% CI -41.9 to 35.6)"."""
    study = _with_prevented(_study("risk_cox"), "risk_cox", -3.2, -41.9, 35.6)
    section = policy_section(study, default_design(), None)
    assert section is not None
    lead = next(s for s in re.split(r"(?<=\.) ", section.summary) if s.startswith("With early"))
    assert lead.endswith(
        "is estimated to lead, within 365 days, to 3.2 more escalations per 1,000 referrals "
        "than offering it to no one (95% CI 35.6 fewer to 41.9 more)."
    ), lead
    assert not re.search(r"-\d", lead)
    assert "prevent about" not in section.summary
    # Fewer escalations read as fewer, the interval's ends each with their direction.
    fewer = _with_prevented(_study("risk_cox"), "risk_cox", 7.69, 2.98, 12.39)
    section = policy_section(fewer, default_design(), None)
    assert section is not None
    assert (
        "to 7.7 fewer escalations per 1,000 referrals than offering it to no one (95% CI 3.0 to "
        "12.4 fewer)."
    ) in section.summary


def test_criteria_note_reads_right_when_the_rules_offers_are_withheld() -> None:
    """The caption names the judged rule's offers, or says they are too few to show."""
    from types import SimpleNamespace

    from escalation.report.policy_section import _criteria_note

    study = SimpleNamespace(judged_rule="tree", horizon=365)
    shown = pd.DataFrame({"flagged_per_1000": [102.94]}, index=["tree"])
    withheld = pd.DataFrame({"flagged_per_1000": [np.nan]}, index=["tree"])
    assert "which offers early help to about 103 in 1,000 referrals at" in _criteria_note(
        study, 300, shown
    )
    note = _criteria_note(study, 300, withheld)
    assert "which offers early help to too few referrals to show at" in note, note


def test_offers_withheld_for_disclosure_never_read_as_nan() -> None:
    """The other rules' list printed "Learned tree (nan offers per 1,000)" when the tree's
    number flagged (150 of 1,500) was under the design's disclosure threshold (200 here),
    and current practice's "about nan in 1,000" likewise: withheld offers are said in words."""
    from escalation.disclosure import DisclosureRules

    base = _study("risk_cox")
    flagged = {rule: int(base.values.flags[rule].sum()) for rule in ("tree", "current_practice")}
    assert flagged == {"tree": 150, "current_practice": 548}  # the tree's alone under 200
    tree_only = dataclasses.replace(base, disclosure=DisclosureRules(threshold=200, rounding=5))
    both = dataclasses.replace(base, disclosure=DisclosureRules(threshold=600, rounding=5))
    for study, withheld in ((tree_only, ("tree",)), (both, ("tree", "current_practice"))):
        figure = study.figure_data().set_index("rule")["flagged_per_1000"]
        assert figure[list(withheld)].isna().all()  # withheld from the published table
        section = policy_section(study, default_design(), None)
        assert section is not None
        words = " ".join((section.summary, *section.other_rules))
        assert "nan" not in words.lower(), words
        lines = {s.split(" (")[0]: s for s in section.other_rules}
        assert lines["Learned tree"].startswith(
            "Learned tree (offers to too few referrals to show): an estimated "
        )
        practice = lines["Current practice"]
        if "current_practice" in withheld:
            assert practice.startswith("Current practice (offers to too few referrals to show)")
            assert "(they offered it to too few referrals to show)" in section.summary
        else:
            shown = f"{figure['current_practice']:,.0f}"
            assert practice.startswith(f"Current practice (about {shown} offers per 1,000)")
            assert f"(they offered it to about {shown} in 1,000)" in section.summary


def test_every_rule_but_the_lead_is_listed_once_among_the_other_rules() -> None:
    """With the learned tree judged, the list after the summary was current practice, the
    learned tree (again) and everyone: the highest predicted risk, the rule the section's
    question is about, was in no sentence (nor is any second risk model or a tool's score)."""
    study = _study("tree")
    section = policy_section(study, default_design(), None)
    assert section is not None
    assert [s.split(" (")[0] for s in section.other_rules] == [
        "Current practice", "Highest predicted risk", "Everyone",
    ]  # fmt: skip
    shown = study.figure_data().set_index("rule").loc["risk_cox", "flagged_per_1000"]
    assert section.other_rules[1].startswith(
        f"Highest predicted risk (Cox) ({shown:,.0f} offers per 1,000): an estimated "
    )
    assert "the learned tree" in section.summary  # the lead, in the summary only
    assert not any(s.startswith("Learned tree") for s in section.other_rules)
