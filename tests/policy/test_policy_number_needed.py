"""The interval of the number needed to offer when that of the escalations prevented includes 0.

Altman (1998, BMJ 317:1309, "Confidence intervals for the number needed to treat"): the
number needed is the reciprocal of the risk difference, and when the difference's
interval includes 0 its interval is in two pieces, from the number needed to benefit
through infinity to the number needed to harm. It was published one-sided ("25.6 to
inf"), the harm end lost. Expected values are worked out here by hand from the
risk-difference interval: flagged per 1,000 over escalations prevented per 1,000.
"""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from escalation.policy.study import PolicyStudy

#: 200 offered per 1,000; escalations prevented per 1,000: 3.0 (95% CI -5.0 to 7.8125).
FLAGGED, PREVENTED, LOW, HIGH = 200.0, 3.0, -5.0, 7.8125
#: By hand: benefit end 200 / 7.8125 = 25.6; harm end 200 / 5.0 = 40.0.
BENEFIT, HARM = 200.0 / 7.8125, 200.0 / 5.0


def test_an_interval_through_zero_is_published_in_two_pieces() -> None:
    from escalation.causal.policy import number_needed_words

    assert (round(BENEFIT, 1), round(HARM, 1)) == (25.6, 40.0)
    words = number_needed_words(FLAGGED, LOW, HIGH)
    assert words == (
        "25.6 offers per escalation prevented (benefit) to no bound (none prevented) to "
        "40.0 offers per escalation caused (harm)"
    )


def test_intervals_on_one_side_of_zero_are_the_reciprocals_of_their_ends() -> None:
    from escalation.causal.policy import number_needed_words

    # 200 / 20 = 10.0 and 200 / 10 = 20.0, prevented (benefit) or caused (harm).
    assert number_needed_words(200.0, 10.0, 20.0) == "10.0 to 20.0 offers per escalation prevented"
    assert number_needed_words(200.0, -20.0, -10.0) == (
        "10.0 to 20.0 offers per escalation caused (harm)"
    )
    # An end at 0 exactly: no bound on that side (200 / 0).
    assert number_needed_words(200.0, 0.0, 8.0).endswith(
        "to no bound offers per escalation caused (harm)"
    )


def _values(flagged: float, low: float, high: float) -> pd.DataFrame:
    """A rule's published values at day 365: flagged, prevented and the number needed."""
    return pd.DataFrame(
        {
            "rule": "tree",
            "horizon": 365,
            "estimand": ["flagged_per_1000", "prevented_per_1000", "number_needed_to_offer"],
            "estimate": [flagged, PREVENTED, flagged / PREVENTED],
            "conf_low": [flagged - 10, low, flagged / high],
            "conf_high": [flagged + 10, high, float("inf")],
        }
    )


def _study(values: pd.DataFrame) -> SimpleNamespace:
    """The parts of a policy study its model-card section reads."""
    return SimpleNamespace(
        values=SimpleNamespace(rules=["tree"]),
        published_values=lambda: values,
        horizon=365,
        capacity=0.2,
        rules=SimpleNamespace(descriptions={}),
        judged_rule=None,
        criteria=pd.DataFrame(),
    )


def test_the_model_card_section_gives_both_pieces() -> None:
    _, notes = PolicyStudy.decision_use(_study(_values(FLAGGED, LOW, HIGH)), "tree")  # type: ignore[arg-type]
    said = " ".join(notes)
    assert f"{BENEFIT:.1f} offers per escalation prevented (benefit)" in said
    assert f"to {HARM:.1f} offers per escalation caused (harm)" in said


def test_no_sentence_when_the_number_flagged_is_withheld() -> None:
    notes = PolicyStudy.decision_use(_study(_values(float("nan"), LOW, HIGH)), "tree")[1]  # type: ignore[arg-type]
    assert not any("per escalation" in n for n in notes)
