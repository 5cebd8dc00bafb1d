"""Alt text of the brief's figures: what each plots and its finding, from disclosed tables."""

from __future__ import annotations

import re

import pandas as pd

from escalation.disclosure import DisclosureRules, disclose_table
from escalation.figures import plot_risk_differences
from escalation.figures._examples import example_frames
from escalation.figures.flow import flow_layout
from escalation.report.alt_text import (
    NOT_SHOWN,
    adjusted_alt,
    authority_alt,
    calibration_alt,
    fairness_alt,
    flow_alt,
    incidence_alt,
    policy_alt,
    risk_differences_alt,
    subgroups_alt,
)
from escalation.report.brief import Brief, BriefFigure, render_brief
from tests.report.alt_support import brief_images

LABELS = {"aipw": "AIPW", "ipw": "IPW", "unadjusted": "Unadjusted"}


def _effects(*, suppressed_730: bool = False) -> pd.DataFrame:
    """Disclosed effects of two estimators at 365 and 730 days (730 blanked if asked)."""
    rows = []
    values = {
        ("unadjusted", "risk_treated"): (0.31, 0.28, 0.34),
        ("unadjusted", "risk_untreated"): (0.35, 0.33, 0.37),
        ("unadjusted", "risk_difference"): (-0.04, -0.075, -0.005),
        ("aipw", "risk_treated"): (0.29, 0.26, 0.32),
        ("aipw", "risk_untreated"): (0.305, 0.29, 0.32),
        ("aipw", "risk_difference"): (-0.015, -0.031, 0.001),
    }
    for horizon in (365, 730):
        blank = suppressed_730 and horizon == 730
        for (estimator, estimand), (e, lo, hi) in values.items():
            grow = 1.4 if horizon == 730 else 1.0
            rows.append(
                {
                    "estimator": estimator,
                    "horizon": horizon,
                    "estimand": estimand,
                    "estimate": None if blank else e * grow,
                    "conf_low": None if blank else lo * grow,
                    "conf_high": None if blank else hi * grow,
                    "suppressed": blank,
                }
            )
    return pd.DataFrame(rows)


def test_incidence_alt_states_the_observed_risks_at_the_horizons() -> None:
    text = incidence_alt(_effects(), [365, 730])
    assert "not adjusted" in text and "Aalen–Johansen" in text
    assert "by 365 days an estimated 31% (95% CI 28% to 34%) of spells had escalated" in text
    assert "35% (95% CI 33% to 37%) without" in text
    assert "by 730 days 43% and 49%." in text
    assert len(text) <= 300, len(text)


def test_alt_texts_say_not_shown_for_a_suppressed_horizon() -> None:
    effects = _effects(suppressed_730=True)
    for text in (
        incidence_alt(effects, [365, 730], DisclosureRules(threshold=20)),
        adjusted_alt(effects, "aipw", "AIPW", [365, 730], DisclosureRules(threshold=20)),
    ):
        assert "the risks by 730 days are not shown (fewer than 20 children escalated" in text
        # nothing of the blanked rows (43%, 49%; 41%, 43%) is given
        assert not re.search(r"730 days \d", text), text
    # every horizon suppressed: the forest plot's text gives no estimate at all
    blank = _effects(suppressed_730=True)
    blank = blank[blank["horizon"] == 730]
    text = risk_differences_alt(blank, LABELS, [730])
    assert NOT_SHOWN in text and "points (95% CI" not in text


def test_adjusted_alt_words_model_based_risks_as_estimates() -> None:
    text = adjusted_alt(_effects(), "aipw", "AIPW", [365, 730])
    assert "model-based, not observed" in text and "AIPW" in text
    assert "by 365 days an estimated 29% (95% CI 26% to 32%) would have escalated" in text
    assert "30% (95% CI 29% to 32%) without; by 730 days 41% and 43%." in text


def test_risk_differences_alt_leads_with_the_preferred_estimator_in_key_number_format() -> None:
    text = risk_differences_alt(_effects(), LABELS, [365, 730])
    assert "at 365 and 730 days" in text
    # the key numbers' format: "-1.5 points", "95% CI -3.1 to +0.1"
    assert "By 365 days: AIPW -1.5 points (95% CI -3.1 to +0.1), Unadjusted -4.0" in text
    assert text.index("AIPW") < text.index("Unadjusted")
    assert (
        "for 1 of the 2 estimators the 95% interval lies wholly on one side of no difference"
        in text
    )
    assert not re.search(r"\bIPW\b", text)  # not estimated: not listed


def test_flow_alt_gives_disclosed_counts_never_the_raw_ones() -> None:
    raw = pd.DataFrame(
        {
            "stage": ["entered", "excluded", "excluded", "remaining"],
            "children": [1403, 4, 20, 1379],
            "episodes": [19787, 6, 31, 1379],
            "_block": [0, 1, 1, 1],
        }
    )
    flow = disclose_table(raw, ["children", "episodes"], partition=["_block"])
    text = flow_alt(flow, raw)
    assert "1,405 children with 19,785 episodes" in text
    assert "1,380 spells of 1,380 children analysed" in text
    assert "2 reasons" in text and "rounded to the nearest 5" in text
    for exact in ("1,403", "1403", "19,787", "1,379"):
        assert exact not in text
    # the first and last boxes suppressed: said so, never given
    small = raw.assign(children=[8, 4, 2, 2], episodes=[9, 4, 3, 2])
    text = flow_alt(disclose_table(small, ["children", "episodes"], partition=["_block"]), small)
    assert "fewer than 10 children with fewer than 10 episodes" in text
    assert not re.search(r"\b[1-9] (?:children|episodes|spells)", text), text


def test_flow_alt_words_each_reason_as_the_figure_draws_it() -> None:
    """The reasons in design codes ("cp_plan", "looked_after", "early_help") read in the
    figure's words: a reviewer heard "already in cp_plan or looked_after at time zero"
    where the figure shows "Already in child protection plan or care at time zero"."""
    flow = pd.DataFrame(
        {
            "stage": ["entered", "excluded", "excluded", "remaining"],
            "rule": ["", "already_in_plan", "already_helped", ""],
            "description": [
                "",
                "already in cp_plan or looked_after at time zero",
                "early_help already under way at time zero",
                "",
            ],
            "children": [1405, 15, 20, 1380],
            "episodes": [19785, 15, 30, 1380],
        }
    )
    text = flow_alt(flow, flow)
    boxes, _ = flow_layout(flow)
    drawn = " ".join(" ".join(boxes.loc[boxes["kind"] == "excluded", "text"]).split())
    for code in ("cp_plan", "looked_after", "early_help"):
        assert code not in text, text
    for reason in (
        "already in child protection plan or care at time zero (15 episodes)",
        "early help already under way at time zero (30 episodes)",
    ):
        assert reason in text, text
        assert reason.split(" (")[0] in drawn.lower(), drawn


def test_subgroups_alt_gives_the_range_and_the_groups_not_estimated() -> None:
    groups = pd.DataFrame(
        {
            "subgroup": ["age_band", "age_band", "age_band", "n_factors"],
            "level": ["0-4", "5-10", "unborn", "3+"],
            "estimate": [0.036, -0.041, None, -0.07],
            "conf_low": [-0.037, -0.085, None, -0.12],
            "conf_high": [0.11, 0.003, None, -0.02],
        }
    )
    overall = pd.DataFrame({"estimate": [-0.008], "conf_low": [-0.039], "conf_high": [0.022]})
    text = subgroups_alt(groups, 365, overall)
    assert "by Age and Factors at assessment" in text
    assert "from -7.0 points (Factors at assessment: 3+) to +3.6 points (Age: 0-4)" in text
    assert (
        "for 1 of the 3 estimated groups the 95% interval lies wholly on one side of no difference"
        in text
    )
    assert "1 group not estimated" in text
    assert "all children -0.8 points (95% CI -3.9 to +2.2)" in text


def test_calibration_alt_says_what_is_plotted_and_the_slopes() -> None:
    metrics = pd.DataFrame(
        {
            "model": ["cox"] * 3 + ["gradient_boosting"] * 3,
            "metric": ["observed", "expected", "calibration_slope"] * 2,
            "estimate": [0.0726, 0.0826, 0.23, 0.0726, 0.0818, 0.77],
            "conf_low": [0.054, 0.075, -0.04, 0.054, 0.075, 0.47],
            "conf_high": [0.084, 0.091, 0.52, 0.084, 0.086, 0.95],
        }
    )
    label = {"cox": "Cox", "gradient_boosting": "Gradient boosting"}.__getitem__
    text = calibration_alt(metrics, 365, label)
    assert "Observed against predicted risk of escalation by 365 days for 2 risk models" in text
    assert "dashed diagonal: perfect agreement" in text
    assert (
        "Observed risk (estimated) 7.3% (95% CI 5.4% to 8.4%), mean predicted 8.2% to 8.3%" in text
    )
    assert text.count("Observed risk (estimated)") == 1  # an estimate, worded as one
    assert "calibration slope (1 is ideal): Cox 0.23, Gradient boosting 0.77" in text
    # withheld (too few escalations in the test years): not shown, no number given
    blank = metrics.assign(estimate=float("nan"), conf_low=float("nan"), conf_high=float("nan"))
    text = calibration_alt(blank, 365, label)
    assert "calibration slopes not shown" in text and "%" not in text


def test_fairness_alt_range_overall_and_suppressed_groups() -> None:
    groups = pd.DataFrame(
        {
            "metric": ["Recall"] * 3 + ["Precision"] * 3,
            "attribute": ["Sex", "Sex", "Disability"] * 2,
            "group": ["F", "M", "yes"] * 2,
            "estimate": [0.40, 0.62, None, 0.18, 0.21, None],
        }
    )
    overall = pd.DataFrame({"metric": ["Recall", "Precision"], "estimate": [0.5, 0.2]})
    text = fairness_alt(groups, overall, "Cox")
    assert "by group (Sex, Disability)" in text
    assert "Recall from 40% (Sex: F) to 62% (Sex: M), against 50%" in text
    # the group not shown is named, with why (not counted)
    assert text.endswith(
        "did not escalate, or neither): Disability: yes. Whether the tool works as well for "
        "them cannot be judged from these data."
    )
    assert "against 50% for all children" in text
    assert "precision from 18% (Sex: F) to 21% (Sex: M)" in text
    hidden = fairness_alt(groups.assign(estimate=None), None, "Cox", DisclosureRules(20))
    assert "Recall and precision are not shown for any group (a count behind it below 20" in hidden
    assert not re.search(r"\d+% \(", hidden)


def test_policy_and_authority_alts_give_each_rule_and_the_pooled_estimate() -> None:
    policy = pd.DataFrame(
        {
            "rule": ["no_one", "current_practice", "risk_cox", "benefit"],
            "label": ["No one", "Current practice", "Highest predicted risk (Cox)",
                      "Largest estimated benefit"],
            "flagged_per_1000": [0.0, 349.04, 291.9, 298.4],
            "prevented_per_1000": [0.0, 3.56, 7.4, float("nan")],
            "conf_low": [0.0, -11.6, 3.4, float("nan")],
            "conf_high": [0.0, 18.7, 11.4, float("nan")],
        }
    )  # fmt: skip
    text = policy_alt(policy, 300, 365)
    assert "Current practice 3.6 at 349 offers; Highest predicted risk (Cox) 7.4 at 292;" in text
    assert "for 1 of the 2 rules the 95% interval lies wholly on one side of no difference" in text
    assert "per 1,000 referrals" in text and "capacity of 300" in text
    assert "No one" not in text and "Largest estimated benefit not estimated" in text
    # Review (session 25): a rule without an estimate whose index label a shown rule
    # shares (pd.concat) was left out of the text.
    repeated = policy_alt(policy.set_axis([0, 1, 2, 2]), 300, 365)
    assert repeated == text
    forest = pd.DataFrame(
        {
            "label": ["Ashby", "Brook", "Pooled (random effects)", "Prediction interval"],
            "estimate": [-0.02, 0.01, -0.005, -0.005],
            "conf_low": [-0.05, -0.03, -0.02, -0.06],
            "conf_high": [0.01, 0.05, 0.01, 0.05],
            "kind": ["authority", "authority", "pooled", "prediction"],
        }
    )
    text = authority_alt(forest, 365, "augmented inverse probability weighting")
    assert "2 authorities shown, from -2.0 to +1.0 points" in text
    assert "Pooled (random effects) -0.5 points (95% CI -2.0 to +1.0)" in text


def test_brief_img_carries_the_alt_text_escaped() -> None:
    alt = 'Risk "with" & <without> early help: AIPW -1.5 points'
    f = example_frames()
    figure = BriefFigure(
        "Change in risk", "Caption.", plot_risk_differences(f["effects"], colour="method"), alt
    )
    page = render_brief(
        Brief(title="T", question="Q", cohort_text="C", cohort_counts={}, figures=(figure,)),
        dpi=30,
    )
    assert 'alt="Risk &#34;with&#34; &amp; &lt;without&gt; early help' in page
    assert brief_images(page) == [(alt, "Change in risk")]
