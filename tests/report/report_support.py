"""An illustrative brief built from the example frames (tests and the render check)."""

from __future__ import annotations

import dataclasses
import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from escalation.data.codes import ETHNICITIES, REFERRAL_SOURCES
from escalation.figures import (
    plot_adjusted_curves,
    plot_fairness,
    plot_flow,
    plot_policy_values,
    plot_risk_differences,
    plot_survival_curves,
)
from escalation.figures._examples import example_frames
from escalation.report.brief import (
    Brief,
    BriefFigure,
    KeyNumber,
    PolicySection,
    describe_difference,
    describe_risk,
)
from escalation.report.table_one import table_one_html


def example_table_one() -> str:
    """Table 1 as the demo prints it: about 50 rows, arms' numbers in the thousands."""
    rows = [("n", "", "5,890", "3,395", "", "", "")]
    rows.append(("Age (years), mean (SD)", "", "8.65 (5.26)", "8.07 (5.26)", "0.112", "0.005", "0"))
    for name, codes in (
        ("Ethnicity, n (%)", ETHNICITIES),
        ("Referral source, n (%)", REFERRAL_SOURCES),
    ):
        for i, label in enumerate(codes.values()):
            head = i == 0
            rows.append(
                (
                    name if head else "",
                    label,
                    "3,805 (64.6)",
                    "2,195 (64.7)",
                    "0.098" if head else "",
                    "0.024" if head else "",
                    "0" if head else "",
                )
            )
    rows.append(
        (
            "Days since first referral, median [Q1, Q3]",
            "",
            "53 [29, 1,108]",
            "69 [31, 1,215]",
            "0.084",
            "0.004",
            "0",
        )
    )
    columns = [
        "Characteristic",
        "Level",
        "No early help",
        "Early help",
        "SMD",
        "SMD after weighting",
        "Missing",
    ]
    return table_one_html(pd.DataFrame(rows, columns=columns))


def example_policy() -> PolicySection:
    """A policy section from the example frames (the rules side by side, criteria)."""
    return PolicySection(
        summary="If early help were offered to 300 in every 1,000 referrals, choosing them by "
        "highest predicted risk is estimated to prevent about 7.4 escalations per 1,000 referrals "
        "(95% CI 3.4 to 11.4) within 365 days, compared with offering it to no one.",
        other_rules=(
            "Current practice (about 366 offers per 1,000): an estimated 9.8 fewer escalations "
            "per 1,000 referrals than offering it to no one (95% CI 3.2 to 16.3 fewer).",
            "Everyone (1,000 offers per 1,000): an estimated 21.3 fewer escalations per 1,000 "
            "referrals than offering it to no one (95% CI 8.7 to 33.8 fewer).",
        ),
        figure=BriefFigure(
            "The rules side by side",
            "Escalations prevented per 1,000 referrals, against offering early help to no one.",
            plot_policy_values(example_frames()["policy"], capacity_per_1000=300),
            "Escalations prevented against children offered early help, by rule.",
        ),
        criteria=(
            (
                "Precision: share of flagged children who escalated",
                "at least 65%",
                "17% (16% to 19%)",
                "not met",
            ),
            (
                "Recall: share of children who escalated who were flagged",
                "at least 50%",
                "54% (50% to 58%)",
                "met",
            ),
            (
                "Largest gap between groups in recall",
                "at most 10 points",
                "41 points (26 to 56)",
                "not met",
            ),
            (
                "Escalations prevented per 1,000 referrals",
                "at least 10",
                "17.4 (8.4 to 26.5)",
                "inconclusive",
            ),
        ),
        criteria_heading="Pre-registered criteria",
        registration="The design was registered on 2024-05-01T09:30:00+00:00 and has not "
        "changed since.",
        most_flagged=("Age: 0-4 — 41% flagged (95% CI 39% to 43%) against 30% of all children.",),
        cannot_say="These are averages over children like those studied: they cannot say "
        "whether early help is right for any one child.",
    )


def demo_front(brief: Brief) -> Brief:
    """``brief`` with everything the demo's brief puts before the evidence.

    The demo's header (kicker, question and subtitle of the default design), its key
    numbers (CCW leading, only just clear of no difference; AIPW for comparison; the
    grace period's caveat; the risk without early help and the risk tool) and its cohort
    (the default design's sentence and five counts), built by the study runner's own
    functions from the demo's estimates at 365 days.
    """
    import escalation.pipeline as pipeline
    from escalation import default_design
    from escalation.report.wording import cohort_sentence, study_question

    design = default_design()
    ccw = {"estimate": -0.0147, "conf_low": -0.0285, "conf_high": -0.0008}
    aipw = {"estimate": -0.0213, "conf_low": -0.0357, "conf_high": -0.0068}
    untreated = {"estimate": 0.094, "conf_low": 0.085, "conf_high": 0.104}
    baseline = "Without early help, an estimated 9 in every 100 would."
    caveat, why = pipeline._grace_caveat_words(design.treatment.grace_days or 0, "AIPW")
    label = "Simulated local authority: not real children"
    return dataclasses.replace(
        brief,
        kicker=f"Policy brief · {label}",
        question=study_question(design),
        subtitle=f"{label}. " + pipeline._horizons_sentence([365, 730], "effects.csv"),
        key_numbers=(
            pipeline._difference_card(ccw, 365, "CCW", unsettled=True, baseline=baseline),
            pipeline._difference_card(aipw, 365, "AIPW", comparison=True),
            pipeline._context_card(untreated, 365, "CCW", modelled=True),
            pipeline._risk_tool_card(26.0, 23.0, (0.23, 0.33), " within 365 days"),
        ),
        key_caveat=caveat,
        key_caveat_why=why,
        cohort_text=cohort_sentence(design),
        cohort_counts={
            "Children": "9,280",
            "Decision points (spells)": "9,280",
            "Went on to escalate (any time in follow-up)": "1,485",
            "Early help started within the grace period": "3,395",
            "Died during follow-up": "10",
        },
    )


def example_brief(
    with_risk_tool: bool = True, with_policy: bool = False, with_table_one: bool = False
) -> Brief:
    f = example_frames()
    figures = (
        BriefFigure(
            "Who was studied",
            "The flow of children into the study.",
            plot_flow(f["flow"]),
            "Flow diagram",
            width="double",
        ),
        BriefFigure(
            "Escalation after the decision point",
            "Unadjusted cumulative incidence.",
            plot_survival_curves(f["cif"], f["at_risk"], kind="cumulative_incidence"),
            "Cumulative incidence curves",
        ),
        BriefFigure(
            "Risk with and without early help",
            "Adjusted curves.",
            plot_adjusted_curves(f["adjusted"], horizons=[365, 730]),
            "Adjusted curves",
        ),
        BriefFigure(
            "Change in risk",
            "Risk differences by estimator.",
            plot_risk_differences(f["effects"], colour="method"),
            "Forest plot",
        ),
        BriefFigure(
            "Does the tool work equally well?",
            "Recall and precision by group.",
            plot_fairness(f["fairness"]),
            "Fairness",
            width="double",
        ),
    )
    return Brief(
        title="Does early help keep children out of child protection and care?",
        question="When a referral closes without statutory action, does early help change "
        "how often children come back and need a plan or care?",
        cohort_text="Children whose referral closed in 2019-2023 with no further action.",
        cohort_counts={"Children": 8796, "Went on to escalate": 1234, "Died": 3},
        key_numbers=(  # the headline answer first, then the context, as run_study orders them
            KeyNumber(
                "Change with early help", "-2.1 points", describe_difference(-0.021, -0.038, -0.004)
            ),
            KeyNumber(
                "Escalation within a year without early help",
                describe_risk(0.148, 0.131, 0.166),
                "About 15 in every 100 children.",
            ),
        ),
        shows=("Families who got early help escalated a little less often.",),
        does_not_show=("That early help caused the difference for any one child.",),
        limits=("Only recorded differences between families are adjusted for.",),
        risk_tool="The model missed about 78 in every 100 children who escalated."
        if with_risk_tool
        else None,
        policy=example_policy() if with_policy else None,
        table_one=example_table_one() if with_table_one else None,
        figures=figures,
        subtitle="Illustrative numbers from the package's example frames.",
        provenance=("escalation test build",),
    )


def run_brief(out: Path, stages: tuple[str, ...], **options: Any) -> str:
    """Run ``stages`` and the brief on 300 simulated children (seed 5); return brief.html.

    A test replaces the stages' work first (``monkeypatch.setattr(pipeline, "_effects",
    ...)``) to put chosen results in the brief; their warnings are ignored.
    """
    import escalation.pipeline as pipeline
    from escalation import StatisticalWarning, default_design, simulate_local_authority

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        outputs = pipeline.run_study(
            simulate_local_authority(300, seed=5).history,
            default_design(),
            out=out,
            progress=False,
            stages=(*stages, "brief"),
            background_figures=False,
            **options,
        )
    return Path(outputs.brief).read_text(encoding="utf-8")
