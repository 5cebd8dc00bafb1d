"""An illustrative brief built from the example frames (tests and the render check)."""

from __future__ import annotations

from escalation.figures import (
    plot_adjusted_curves,
    plot_fairness,
    plot_flow,
    plot_risk_differences,
    plot_survival_curves,
)
from escalation.figures._examples import example_frames
from escalation.report.brief import (
    Brief,
    BriefFigure,
    KeyNumber,
    describe_difference,
    describe_risk,
)


def example_brief(with_risk_tool: bool = True) -> Brief:
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
        key_numbers=(
            KeyNumber(
                "Escalation within a year without early help",
                describe_risk(0.148, 0.131, 0.166),
                "About 15 in every 100 children.",
            ),
            KeyNumber(
                "Change with early help", "-2.1 points", describe_difference(-0.021, -0.038, -0.004)
            ),
        ),
        shows=("Families who got early help escalated a little less often.",),
        does_not_show=("That early help caused the difference for any one child.",),
        limits=("Only recorded differences between families are adjusted for.",),
        risk_tool="The model missed about 78 in every 100 children who escalated."
        if with_risk_tool
        else None,
        figures=figures,
        subtitle="Illustrative numbers from the package's example frames.",
        provenance=("escalation test build",),
    )
