"""The brief's words read as the numbers are: review of session 25 (findings 2, 5, 6, 7).

Was:

* a risk difference whose interval lies below zero, with its near end within 0.05 points
  of it (-0.04), printed "95% CI -2.9 to -0.0", "plausibly between 0.0 and 2.9 fewer" and
  an edge note "-0.0 points": an interval that reads as touching no difference;
* the criteria table said sex was "not compared: ... too few children in their groups"
  when one small group was withheld and a large one (4,405 girls) withheld beside it;
* the flow figure's alternative text read "not shown children with 130,475 episodes";
* the key caveat's reason rested on "IPW", "g-formula" and "immortal time", and the edge
  note on "Monte Carlo error", none of them in the brief's glossary.
"""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest

from escalation.disclosure import format_rank_metric
from escalation.figures._labels import interval_digits
from escalation.pipeline import _difference_card, _grace_caveat_words
from escalation.policy.criteria import judge_criteria
from escalation.report.alt_text import flow_alt, points
from escalation.report.brief import (
    GLOSSARY,
    bootstrap_edge_note,
    describe_difference,
    point_digits,
    render_brief,
)
from escalation.report.policy_section import _criterion_row, _interval_words
from escalation.report.risk_tool import _paired_verdict
from tests.policy.test_policy_criteria_disclosure import SPEC, _gaps, _values
from tests.report.report_support import example_brief

#: The demo's CCW risk difference with its near end moved to -0.04 points (probe_zero_end).
NEAR_ZERO = {"estimate": -0.01468, "conf_low": -0.02853, "conf_high": -0.0004}
#: A number printed as zero: "0.0", "-0.0", "+0.00", "0" (not followed by other digits).
_PRINTED_ZERO = re.compile(r"(?<![\d.])[-+−]?0(?:\.0+)?(?![\d.])")
#: A zero printed with a sign.
_SIGNED_ZERO = re.compile(r"[-+−]0(?:\.0+)?(?![\d.])")


def _numbers(text: str) -> list[float]:
    """Return the numbers printed in ``text`` (with their signs)."""
    return [float(n.replace("−", "-")) for n in re.findall(r"[-+−]?\d+(?:\.\d+)?", text)]


def test_a_key_number_whose_interval_excludes_zero_never_prints_an_end_as_zero() -> None:
    card = _difference_card(NEAR_ZERO, 365, "CCW", unsettled=True)
    low, high = _numbers(card.interval.removeprefix("95% CI"))
    assert low < 0 and high < 0, card.interval  # both ends below zero, as the interval
    assert abs(high - 100 * NEAR_ZERO["conf_high"]) < 0.005, card.interval
    assert not _PRINTED_ZERO.search(card.interval.removeprefix("95% CI")), card.interval
    near, far = _numbers(card.plain.split("plausibly between")[1].split(")")[0])
    assert 0 < near < far, card.plain  # "between 0.04 and 2.85 fewer"
    assert "Only just clear of no difference" in card.plain


def test_the_plain_words_and_the_edge_note_name_the_near_end_as_it_is() -> None:
    words = describe_difference(*NEAR_ZERO.values())
    assert "between 0.0 " not in words and "between 0 " not in words, words
    note = bootstrap_edge_note(
        NEAR_ZERO["estimate"],
        NEAR_ZERO["conf_low"],
        NEAR_ZERO["conf_high"],
        std_error_mc=0.00078155,
        replicates=50,
    )
    assert note is not None
    end = note.split("nearest no difference, ")[1].split(" points")[0]
    assert float(end) < 0 and abs(float(end) - 100 * NEAR_ZERO["conf_high"]) < 0.005, note
    alt = points(NEAR_ZERO["estimate"], NEAR_ZERO["conf_low"], NEAR_ZERO["conf_high"])
    assert not _PRINTED_ZERO.search(alt.split("95% CI")[1]), alt


def test_the_policy_differences_per_1000_never_print_the_near_end_as_zero() -> None:
    """The policy section's "(95% CI 0.0 to 28.5 fewer)" for an end of -0.04 per 1,000."""
    words = _interval_words(-28.53, -0.04)
    assert not words.startswith("0.0 ") and not words.startswith("0 "), words
    assert float(words.split(" to ")[0]) > 0
    assert _interval_words(-12.39, -2.98) == "3.0 to 12.4 fewer"  # one decimal as before


def test_an_exact_auc_difference_never_prints_an_end_of_an_interval_above_zero_as_zero() -> None:
    text = _paired_verdict((0.01, 0.0004, 0.02), "with them its AUC was 0.70", None)
    assert "improved its ranking" in text
    low = text.split("95% CI ")[1].split(" to ")[0]
    assert float(low) > 0, text


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_printed_interval_that_excludes_zero_stays_off_zero(seed: int) -> None:
    """Random differences whose near end is within 0.1 points of zero, on either side."""
    rng = np.random.default_rng(seed)
    for _ in range(300):
        near = rng.uniform(1e-6, 1e-3) * rng.choice([-1, 1])
        far = near + np.sign(near) * rng.uniform(0.001, 0.05)
        low, high = sorted((near, far))
        estimate = (low + high) / 2
        d = point_digits(estimate, low, high)
        for value in (low, high):
            shown = round(100 * value, d)
            assert shown != 0 and np.sign(shown) == np.sign(value), (low, high, d)
        d0 = interval_digits(estimate, low, high)  # a risk's percentages
        assert round(100 * min(abs(low), abs(high)), d0) != 0, (low, high, d0)


def test_no_estimate_or_end_prints_as_a_signed_zero() -> None:
    """An estimate of -0.0003 in an interval that includes zero printed "-0.0 points"."""
    card = _difference_card(
        {"estimate": -0.0003, "conf_low": -0.0152, "conf_high": 0.012}, 365, "AIPW"
    )
    assert card.value == "0.0 points", card.value
    assert not _SIGNED_ZERO.search(card.interval), card.interval
    alt = points(-0.0003, -0.0152, 0.012)
    assert alt.startswith("0.0 points"), alt
    # an end across zero, within 0.05 points of it: "+0.0 points"
    note = bootstrap_edge_note(-0.01, -0.03, 0.0004, std_error_mc=0.0007, replicates=50)
    assert note is not None and "no difference, 0.0 points" in note, note
    assert not _SIGNED_ZERO.search(note), note
    assert format_rank_metric(-0.0004) == "0.000"


def test_the_criteria_table_gives_the_reason_the_data_give_for_an_attribute_not_compared() -> None:
    """Sex: U (95 children) small, F (4,405) withheld beside it; the brief said "too few
    children in their groups", which the criteria's own note does not say."""
    values = _values((0.7, 0.66, 0.74), (0.6, 0.55, 0.65))
    gaps = _gaps(["deprivation"], [0.31], [0.59])
    criteria = judge_criteria(
        values, gaps, SPEC, rule="r", horizon=365, attributes=["deprivation", "sex"]
    )
    row = criteria.set_index("criterion", drop=False).loc["max_disparity"]
    name = _criterion_row(row, "recall")[0]
    assert "too few children" not in name, name
    reason = name.split("(not compared: sex; ")[1].rstrip(")")
    assert reason in str(row["note"]), (reason, row["note"])
    assert "disclosure" in reason


def test_the_flow_alt_text_says_a_withheld_count_in_words() -> None:
    """The first box's children withheld beside a small count: "not shown children"."""
    flow = pd.DataFrame(
        {
            "stage": ["entered", "excluded", "remaining"],
            "children": [np.nan, np.nan, np.nan],
            "episodes": [130475.0, 60.0, np.nan],
        }
    )
    raw = pd.DataFrame(
        {
            "stage": flow["stage"],
            "children": [20012, 4, 9288],
            "episodes": [130476, 61, 9282],
        }
    )
    text = flow_alt(flow, raw)
    assert "not shown children" not in text and "not shown spells" not in text, text
    assert not re.search(r"\bnot shown (?:children|episodes|spells)\b", text), text
    assert "an undisclosed number of children with 130,475 episodes" in text, text
    assert "an undisclosed number of spells of an undisclosed number of children" in text
    for exact in ("20,012", "20012", "9,288", "9,282"):
        assert exact not in text


#: The demo brief's key caveat and edge note, as the study runner writes them.
_DEMO_GRACE = (
    "Treatment is classified by early help starting within 14 days of time zero; 60 "
    "untreated spells ended within that grace period and could not have been treated, "
    "which biases unadjusted, IPW, g-formula, AIPW towards benefit (immortal time)."
)


def test_the_glossary_defines_every_term_the_key_caveat_and_edge_note_use() -> None:
    note = bootstrap_edge_note(-0.0147, -0.0285, -0.0008, std_error_mc=0.00078, replicates=50)
    assert note is not None
    brief = dataclasses.replace(
        example_brief(with_risk_tool=True),
        figures=(),
        key_caveat="These numbers come from CCW, which allows for the grace period.",
        key_caveat_why=_DEMO_GRACE,
        shows=(note, "By 365 days: CCW -1.5 points (95% CI -2.9 to -0.1)."),
        limits=(_DEMO_GRACE, "SMD: absolute standardised mean difference between the arms."),
    )
    html = render_brief(brief, dpi=30)
    glossary = html[html.index('<section aria-labelledby="glossary">') :]
    for term in ("IPW", "g-formula", "immortal time", "Monte Carlo error", "bootstrap", "CI"):
        assert term in GLOSSARY
        anchor = "gloss-" + re.sub(r"[^a-z]+", "-", term.lower()).strip("-")
        assert f'<dt id="{anchor}">' in glossary, term
        assert f'href="#{anchor}"' in html[: html.index(glossary)], term
    assert '<dt id="gloss-smd">' in glossary
    # "augmented inverse probability weighting" is AIPW, not a use of IPW
    assert 'href="#gloss-ipw">inverse' not in html


def test_the_key_caveats_reason_is_in_plain_words() -> None:
    """Its reason was the effects stage's warning: "biases unadjusted, IPW, g-formula, AIPW
    towards benefit (immortal time)"."""
    _, why = _grace_caveat_words(14, "AIPW")
    assert "14-day grace period" in why
    assert "look more beneficial than it is" in why
    for jargon in (r"\bIPW\b", "g-formula", "biases unadjusted", "untreated"):
        assert not re.search(jargon, why), why
    # the only abbreviations left are ones the glossary defines
    for abbreviation in re.findall(r"\b[A-Z]{2,}\b", why):
        assert abbreviation in GLOSSARY, abbreviation


def test_the_glossary_defines_the_competing_event_and_the_calibration_slope() -> None:
    """The demo brief says "deaths as a competing event", "calibration slope (1 is
    ideal)" and "censored" without defining them (session 25's read)."""
    brief = dataclasses.replace(
        example_brief(with_risk_tool=True),
        figures=(),
        limits=("Deaths are treated as a competing event; moves away are censored.",),
        shows=("Its predicted risks were too extreme: the calibration slope was 0.8.",),
    )
    html = render_brief(brief, dpi=30)
    glossary = html[html.index('<section aria-labelledby="glossary">') :]
    for anchor in ("gloss-competing-event", "gloss-calibration-slope", "gloss-censored"):
        assert f'<dt id="{anchor}">' in glossary, anchor
        assert f'href="#{anchor}"' in html[: html.index(glossary)], anchor


def test_the_glossary_defines_grays_test() -> None:
    """The demo brief's cumulative-incidence caption gives "Gray's test" a p-value without
    saying what it tests (session 25's note)."""
    brief = dataclasses.replace(
        example_brief(),
        figures=(),
        shows=("The curves differ (Gray's test p = 0.003).",),
    )
    html = render_brief(brief, dpi=30)
    glossary = html[html.index('<section aria-labelledby="glossary">') :]
    assert '<dt id="gloss-gray-s-test">' in glossary
    assert 'href="#gloss-gray-s-test">Gray&#39;s test</a>' in html[: html.index(glossary)]
