"""The brief's risk-tool paragraph gives the calibration and case-note verdicts.

Each verdict is read from the validation's intervals, not from point estimates alone, and
is worded whichever way the result goes: predictions too extreme, too modest or of the
right spread; too little, too much or about the right escalation on average; case-note
(text) features improving the ranking, worsening it, or not clearly improving it (from the
paired AUC difference's interval when the table has it, else from the two AUC intervals).
"""

from __future__ import annotations

import pandas as pd
import pytest

from escalation.report import risk_tool
from tests.report.risk_tool_support import DEMO, DEMO_TEXT, GAIN, Stats, metrics_table


def _calibration(**values: Stats) -> str:
    return risk_tool.calibration_sentence(metrics_table({"cox": {**DEMO, **values}}), "cox")


def _text(auc: Stats, text_auc: Stats) -> str:
    table = metrics_table({"cox": {**DEMO, "auc": auc}, "cox+text": {**DEMO, "auc": text_auc}})
    return risk_tool.text_features_sentence(table, "cox")


@pytest.mark.parametrize(
    ("slope", "verdict"),
    [
        ((0.76, 0.62, 0.94), "too extreme"),  # the demo: interval below 1
        ((1.56, 1.28, 1.96), "too modest"),  # interval above 1
        ((0.80, 0.55, 1.05), "consistent with what happened"),  # below 1, interval includes 1
        ((1.02, 0.90, 1.15), "consistent with what happened"),
    ],
)
def test_risk_tool_calibration_slope_verdict_comes_from_its_interval(
    slope: Stats, verdict: str
) -> None:
    text = _calibration(calibration_slope=slope)
    assert verdict in text
    assert f"calibration slope was {slope[0]:.2f} (95% CI {slope[1]:.2f} to {slope[2]:.2f}" in text
    others = {"too extreme", "too modest", "consistent with what happened"} - {verdict}
    assert not any(o in text for o in others), text


@pytest.mark.parametrize(
    ("difference", "verdict"),
    [
        ((0.0054, -0.0046, 0.0188), "its predictions were not clearly too high or too low"),
        ((0.030, 0.012, 0.048), "it predicted too little escalation"),
        ((-0.030, -0.048, -0.012), "it predicted too much escalation"),
    ],
)
def test_risk_tool_average_calibration_verdict_comes_from_its_interval(
    difference: Stats, verdict: str
) -> None:
    text = _calibration(calibration_in_the_large=difference)
    assert f"On average {verdict}" in text
    assert "8.7% of children escalated against 8.2% predicted" in text


@pytest.mark.parametrize(
    ("auc", "text_auc", "verdict"),
    [
        (
            (0.675, 0.644, 0.720),
            (0.660, 0.632, 0.701),
            "Adding features from case notes showed no sign of improving it",
        ),  # the demo
        (
            (0.660, 0.630, 0.700),
            (0.690, 0.650, 0.730),
            "Whether adding features from case notes improved it could not be told",
        ),
        (
            (0.660, 0.630, 0.690),
            (0.760, 0.730, 0.790),
            "Adding features from case notes improved its ranking",
        ),
        (
            (0.760, 0.730, 0.790),
            (0.660, 0.630, 0.690),
            "Adding features from case notes made its ranking worse",
        ),
    ],
)
def test_risk_tool_case_note_verdict_comes_from_the_intervals(
    auc: Stats, text_auc: Stats, verdict: str
) -> None:
    text = _text(auc, text_auc)
    assert text.startswith(verdict)
    assert f"with them its AUC was {text_auc[0]:.2f} (95% CI {text_auc[1]:.2f}" in text
    assert f"against {auc[0]:.2f} (95% CI {auc[1]:.2f} to {auc[2]:.2f})" in text


def _paired(difference: Stats, text_auc: Stats = GAIN["auc"]) -> str:
    table = metrics_table(
        {"cox": DEMO, "cox+text": {**DEMO, "auc": text_auc, "auc_difference": difference}}
    )
    return risk_tool.text_features_sentence(table, "cox")


@pytest.mark.parametrize(
    ("difference", "verdict", "shown"),
    [
        (
            (0.017, 0.004, 0.030),
            "Adding features from case notes improved its ranking",
            "(difference 0.017, 95% CI 0.004 to 0.030).",
        ),
        (
            (-0.016, -0.028, -0.006),
            "Adding features from case notes made its ranking worse",
            "(difference -0.016, 95% CI -0.028 to -0.006).",
        ),
        (
            (-0.012, -0.031, 0.004),
            "Adding features from case notes showed no sign of improving it",
            "(difference -0.012, 95% CI -0.031 to 0.004).",
        ),
        (
            (-0.0001, -0.02, 0.02),
            "Adding features from case notes showed no sign of improving it",
            "(difference 0.000, 95% CI -0.020 to 0.020).",
        ),
        (
            (0.012, -0.004, 0.031),
            "Whether adding features from case notes improved it could not be told",
            "(difference 0.012, 95% CI -0.004 to 0.031); the interval of the difference includes",
        ),
    ],
)
def test_risk_tool_case_note_verdict_comes_from_the_paired_difference(
    difference: Stats, verdict: str, shown: str
) -> None:
    """With an auc_difference row its interval decides, though the AUC intervals overlap."""
    text = _paired(difference)
    assert text.startswith(verdict), text
    assert "with them its AUC was 0.69 (95% CI 0.66 to 0.74), against 0.68 (95% CI 0.64 to" in text
    assert shown in text
    assert "two intervals overlap" not in text


def test_paired_difference_overrides_the_intervals_both_ways() -> None:
    # Intervals apart (the old rule: improved), the paired difference includes 0.
    apart = (0.760, 0.730, 0.790)
    assert _paired((0.01, -0.01, 0.03), apart).startswith("Whether adding features")
    # Overlapping intervals (the old rule: could not be told), the difference above 0.
    assert _text(DEMO["auc"], GAIN["auc"]).startswith("Whether adding features")
    assert _paired(GAIN["auc_difference"]).startswith("Adding features from case notes improved")


def test_without_an_interval_of_the_difference_the_auc_intervals_decide() -> None:
    """Results without a paired interval (no bootstrap, or older tables) keep the old rule."""
    text = _paired((0.017, float("nan"), float("nan")))
    assert text.startswith("Whether adding features from case notes improved it could not")
    assert text.endswith("the two intervals overlap.") and "difference" not in text


def test_risk_tool_says_nothing_it_cannot_read() -> None:
    # No model with case notes, or an interval withheld: no verdict.
    assert risk_tool.text_features_sentence(metrics_table({"cox": DEMO}), "cox") == ""
    blank = metrics_table({"cox": DEMO, "cox+text": DEMO_TEXT})
    blank.loc[(blank["model"] == "cox+text") & (blank["metric"] == "auc"), "conf_low"] = None
    assert risk_tool.text_features_sentence(blank, "cox") == ""
    assert _calibration(calibration_slope=(float("nan"),) * 3).startswith("On average")


def test_text_features_are_judged_only_against_the_same_model() -> None:
    """Another family's text model (gbm+text against cox) would credit the case notes with
    the difference between the models: nothing is said."""
    metrics = pd.DataFrame(
        {
            "model": ["cox", "gbm+text"],
            "metric": "auc",
            "estimate": [0.60, 0.75],
            "conf_low": [0.57, 0.72],
            "conf_high": [0.63, 0.78],
        }
    )
    assert risk_tool.text_features_sentence(metrics, "cox") == ""


def test_risk_tool_missed_and_wrongly_flagged_shares_carry_their_intervals() -> None:
    """The demo brief said "would miss about 74 in every 100 children who escalated, and
    about 77 in every 100 children it flagged would not escalate" with no interval, though
    every other number of the brief has one.

    Reference, by hand: the share missed is 1 - recall, so its 95% interval is 1 minus the
    recall's ends swapped (the demo's 0.263, 95% CI 0.230 to 0.331: 73.7, 66.9 to 77.0 in
    100); the flagged who did not escalate are 1 - precision (0.227, 0.186 to 0.284: 77.3,
    71.6 to 81.4 in 100). Rounded to whole numbers the estimates lie inside their intervals.
    """
    text = risk_tool.risk_tool_paragraph(
        metrics_table({"cox": DEMO}), "cox", "Cox", within=" within 365 days"
    )
    assert text is not None
    assert (
        "would miss about 74 in every 100 children who escalated within 365 days (95% CI 67 "
        "to 77), and about 77 in every 100 children it flagged would not escalate within 365 "
        "days (95% CI 72 to 81)."
    ) in text


def test_risk_tool_key_number_gives_the_precisions_interval() -> None:
    """The key number's "about 23 in 100 flagged children escalated" had no interval.

    Reference: the precision's own interval, 0.186 to 0.284 of flagged children, is 19 to
    28 in 100.
    """
    from escalation.pipeline import _risk_tool_card

    e, lo, hi = DEMO["precision_top10"]
    card = _risk_tool_card(26.3, 100 * e, (0.230, 0.331), " within 365 days", (lo, hi))
    assert card.plain.endswith(
        "about 23 in 100 flagged children escalated within 365 days (95% CI 19 to 28)."
    )
    # Withheld ends (missing) leave the interval out rather than print "nan".
    card = _risk_tool_card(26.3, 100 * e, (0.230, 0.331), "", (float("nan"), float("nan")))
    assert card.plain.endswith("about 23 in 100 flagged children escalated.")
