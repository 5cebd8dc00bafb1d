"""Publication figures: tidy frames in, plotnine ``ggplot`` out.

Every function takes the tidy frame a result's ``tidy()`` returns (see
``docs/figures.md`` for the columns each needs), checks its columns, and returns a
:class:`plotnine.ggplot` without drawing or saving it; :func:`save_figure` writes PNG,
PDF and SVG at journal column widths. All figures share :func:`theme_escalation`
(DejaVu Sans, 8 pt text and never below 7 pt at print size, Okabe–Ito colours).
"""

from escalation.figures.authorities import plot_authority_forest
from escalation.figures.balance import plot_distribution_balance, plot_love, plot_overlap
from escalation.figures.curves import (
    plot_adjusted_curves,
    plot_difference_curve,
    plot_rmst_curves,
    plot_survival_curves,
    time_breaks,
)
from escalation.figures.diagnostics import plot_schoenfeld
from escalation.figures.discrimination import plot_precision_recall, plot_roc
from escalation.figures.flow import plot_flow
from escalation.figures.forest import plot_forest, plot_hazard_ratios, plot_risk_differences
from escalation.figures.forest_table import hazard_ratio_table_width, plot_hazard_ratio_table
from escalation.figures.heterogeneity import plot_effect_distribution, plot_subgroup_effects
from escalation.figures.policy import plot_policy_values
from escalation.figures.predict import plot_calibration, plot_decision_curve, plot_fairness
from escalation.figures.save import save_figure
from escalation.figures.simstudy import plot_coverage, plot_nested_loop, plot_zip
from escalation.figures.states import plot_state_occupation, plot_transitions
from escalation.figures.theme import (
    COLUMN_WIDTH_MM,
    FONT_FAMILY,
    MIN_FONT_PT,
    OKABE_ITO,
    colour_map,
    palette,
    theme_escalation,
)

__all__ = [
    "COLUMN_WIDTH_MM",
    "FONT_FAMILY",
    "MIN_FONT_PT",
    "OKABE_ITO",
    "colour_map",
    "hazard_ratio_table_width",
    "palette",
    "plot_adjusted_curves",
    "plot_authority_forest",
    "plot_calibration",
    "plot_coverage",
    "plot_decision_curve",
    "plot_difference_curve",
    "plot_distribution_balance",
    "plot_effect_distribution",
    "plot_fairness",
    "plot_flow",
    "plot_forest",
    "plot_hazard_ratio_table",
    "plot_hazard_ratios",
    "plot_love",
    "plot_nested_loop",
    "plot_overlap",
    "plot_policy_values",
    "plot_precision_recall",
    "plot_risk_differences",
    "plot_rmst_curves",
    "plot_roc",
    "plot_schoenfeld",
    "plot_state_occupation",
    "plot_subgroup_effects",
    "plot_survival_curves",
    "plot_transitions",
    "plot_zip",
    "save_figure",
    "theme_escalation",
    "time_breaks",
]
