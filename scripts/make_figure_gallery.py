"""Draw every figure kind from the illustrative example frames into ``docs/img/``.

Run from the repository root::

    .venv/bin/python scripts/make_figure_gallery.py

The PNGs (150 dpi) illustrate ``docs/figures.md``; the numbers in them are made up
(:func:`escalation.figures._examples.example_frames`), never results.
"""

from __future__ import annotations

from pathlib import Path

from escalation.figures import (
    plot_adjusted_curves,
    plot_calibration,
    plot_decision_curve,
    plot_effect_distribution,
    plot_fairness,
    plot_flow,
    plot_hazard_ratios,
    plot_love,
    plot_overlap,
    plot_risk_differences,
    plot_schoenfeld,
    plot_state_occupation,
    plot_subgroup_effects,
    plot_survival_curves,
    save_figure,
)
from escalation.figures._examples import example_frames

OUT = Path(__file__).resolve().parents[1] / "docs" / "img"


def main() -> None:
    """Write one PNG per figure kind."""
    f = example_frames()
    gallery = {
        "survival_curves": (plot_survival_curves(f["km"], f["at_risk"]), "single"),
        "cumulative_incidence": (
            plot_survival_curves(f["cif"], f["at_risk"], kind="cumulative_incidence"),
            "single",
        ),
        "adjusted_curves": (plot_adjusted_curves(f["adjusted"], horizons=[365, 730]), "single"),
        "risk_differences": (plot_risk_differences(f["effects"], colour="method"), "single"),
        "hazard_ratios": (plot_hazard_ratios(f["hazard"]), "single"),
        "love_plot": (plot_love(f["balance"]), "single"),
        "propensity_overlap": (plot_overlap(f["propensity"]), "single"),
        "schoenfeld": (plot_schoenfeld(f["schoenfeld"]), "double"),
        "state_occupation": (plot_state_occupation(f["states"]), "single"),
        "calibration": (plot_calibration(f["calibration"]), "single"),
        "decision_curve": (plot_decision_curve(f["decision"]), "single"),
        "fairness": (plot_fairness(f["fairness"]), "double"),
        "effect_distribution": (plot_effect_distribution(f["cate"]), "single"),
        "subgroup_effects": (plot_subgroup_effects(f["subgroups"], overall=-0.025), "single"),
        "flow": (plot_flow(f["flow"]), "double"),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (plot, width) in gallery.items():
        save_figure(plot, OUT / name, width=width, formats=["png"], dpi=150)  # type: ignore[arg-type]
        print(f"wrote docs/img/{name}.png")


if __name__ == "__main__":
    main()
