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
import pytest

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


def _no_effect_values() -> pd.DataFrame:
    """policy_values of a rule where early help does nothing (the interval includes 0)."""
    import numpy as np

    from escalation.causal.policy import estimate_policy_values, policy_scores

    rng = np.random.default_rng(11)
    n = 1200
    x = rng.normal(size=n)
    treated = (rng.random(n) < 1 / (1 + np.exp(-0.5 * x))).astype(int)
    time = rng.exponential(500 / np.exp(0.5 * x))
    frame = pd.DataFrame(
        {"x": x, "treatment": treated, "duration": np.ceil(np.minimum(time, 800)),
         "event": (time < 800).astype(int)}
    )  # fmt: skip
    scores = policy_scores(frame, covariates=["x"], horizons=[365])
    return estimate_policy_values(scores, {"top half": (x > np.median(x)) * 1.0}).tidy()


def test_policy_values_hold_both_pieces_of_altmans_interval() -> None:
    """Both pieces in ``policy_values.csv`` (was: the harm piece only in the card's words).

    By hand from the table's own rows: benefit piece from flagged / prevented_high to no
    bound; harm piece from flagged / -prevented_low to no bound; the estimate on the side
    of the escalations prevented (flagged / |prevented|), no bound on the other.
    """
    table = _no_effect_values()
    mine = table[table["rule"] == "top half"].set_index("estimand")
    flagged = mine.loc["flagged_per_1000", "estimate"]
    prevented, low, high = mine.loc["prevented_per_1000", ["estimate", "conf_low", "conf_high"]]
    assert low < 0 < high  # the interval of the escalations prevented includes 0
    benefit = mine.loc["number_needed_to_offer", ["estimate", "conf_low", "conf_high"]]
    harm = mine.loc["number_needed_to_harm", ["estimate", "conf_low", "conf_high"]]
    assert benefit["conf_low"] == pytest.approx(flagged / high, rel=1e-12)
    assert harm["conf_low"] == pytest.approx(flagged / -low, rel=1e-12)
    assert benefit["conf_high"] == harm["conf_high"] == float("inf")
    side, other = (benefit, harm) if prevented > 0 else (harm, benefit)
    assert side["estimate"] == pytest.approx(flagged / abs(prevented), rel=1e-12)
    assert other["estimate"] == float("inf")
    # The card's words are the same two ends (one rule).
    from escalation.causal.policy import number_needed_words

    words = number_needed_words(flagged, low, high)
    assert words == (
        f"{benefit['conf_low']:.1f} offers per escalation prevented (benefit) to no bound "
        f"(none prevented) to {harm['conf_low']:.1f} offers per escalation caused (harm)"
    )


def test_a_rule_that_causes_escalations_has_a_number_needed_to_harm() -> None:
    """Wholly harmful (200 offered, 10 to 20 more escalations per 1,000): 10 to 20 offers per
    escalation caused, estimate 200 / 15 = 13.3; the benefit piece does not exist."""
    from escalation.causal.policy import number_needed_pieces

    pieces = number_needed_pieces(200.0, -15.0, -20.0, -10.0, 2.5)
    estimate, se, low, high = pieces["number_needed_to_harm"]
    assert (estimate, low, high) == pytest.approx((200 / 15, 10.0, 20.0))
    assert se == pytest.approx(200 * 2.5 / 15**2)  # delta method
    assert pieces["number_needed_to_offer"][::2] == (float("inf"), float("inf"))
