"""Statistical disclosure control: the one gate every shared output passes through.

Results returned by the package's API are exact, for use inside the local authority.
Everything written to be shared (CSV tables, figures, the policy brief, model cards)
passes through the functions here first, under one :class:`DisclosureRules` taken from
the design's ``[disclosure]`` section and recorded in every manifest. With the default
rules (threshold 10, rounding 5, the ONS "10-5 rule"):

1. **Small counts.** A count below the threshold, zero included, is suppressed: missing
   in tables (with ``suppressed = True``), "fewer than 10" in text.
2. **Rounding.** Every other count is rounded to the nearest multiple of 5, halves
   upwards.
3. **Complementary suppression.** When counts that add up to a published total have
   one suppressed, or suppressed ones adding up to less than the threshold (two empty
   groups), the smallest others are suppressed too until the suppressed ones reach the
   threshold together, so no hidden one, nor their sum, can be found by subtraction.
   Such another count is not small: it reads "not shown" in text and ``[c]`` in
   figures, never "fewer than 10".
4. **Statistics of a suppressed group** (its estimate and interval) are suppressed with
   its count; figures are drawn from the disclosed table, so they never show them.
5. **Estimates that rest on few children.** A risk, difference or ratio at a horizon is
   shown only when each arm has at least the threshold of children with, and of
   children without, the event by then; a model's table only when the model rests on at
   least the threshold of events; a proportion of children (recall, precision, error
   rates) only when its numerator and the rest of its denominator both reach the
   threshold.
6. **Curves** are coarsened so that each step stands for at least the threshold of
   events; where fewer than the threshold remain at risk the curve stops. Curves of
   several states (state occupation) are coarsened state by state, each step of a state
   resting on the threshold of moves into or out of it, and are shown as shares of
   disclosed counts (rule 9; :func:`disclose_state_occupation`).
7. **Record-level figures** (distributions, residuals, propensity scores) are drawn from
   micro-aggregated values: each point or bar stands for at least the threshold of
   children.
8. **Extremes.** Minimum and maximum values, and percentiles with fewer than the
   threshold beyond them, are suppressed.
9. **Shares of counts** (shares flagged, recall, precision, true- and false-positive
   rates, rates per 1,000) are computed from the disclosed numerator and denominator
   (:func:`disclose_share`) and suppressed when either is: at full precision they would
   give the exact counts back. A standard error published with one is rounded to 2
   significant figures (:func:`round_std_error`). Observed (Aalen–Johansen) risks are
   such shares, in curves (:func:`disclose_curve_shares`), in effect tables, where
   their difference and ratio are made from them (:func:`disclose_observed_effects`),
   and in a risk tool's metrics, with its calibration in the large and observed /
   expected (:func:`disclose_metric_counts`).
10. **Rank metrics** (AUC, C-index, average precision) are ratios of counts too (an AUC
    is the pairs ranked rightly over escalations times non-escalations) and are rounded
    to 2 decimals, to 3 when the larger of the escalations and non-escalations is at
    least 100 (:func:`disclose_rank_metric`): every interval of that width then holds a
    ratio for every product of counts the published counts allow.

The functions take tidy frames and return disclosed copies; inputs are never modified.
"""

from escalation.disclosure._counts import (
    BASE,
    CONVENTIONS,
    DEFAULT_RULES,
    NOT_APPLYING_LABEL,
    NOT_APPLYING_TEXT,
    SUPPRESSED_TEXT,
    THRESHOLD,
    WITHHELD_COUNT,
    WITHHELD_LABEL,
    WITHHELD_TEXT,
    DisclosureRules,
    complementary_suppression,
    count_labels,
    count_texts,
    disclose_count,
    disclose_share,
    disclose_std_error,
    disclose_table,
    disclose_text,
    disclosed_share,
    format_count,
    round_std_error,
    share_of_recorded,
)
from escalation.disclosure._curves import (
    disclose_curve_shares,
    disclose_curves,
    disclose_effects,
    disclose_state_occupation,
    disclose_subgroup_table,
    disclose_subgroups,
    spell_records,
)
from escalation.disclosure._diagnostics import (
    disclose_balance,
    disclose_positivity,
    disclose_weights,
    microaggregate,
)
from escalation.disclosure._effects import disclose_observed_effects
from escalation.disclosure._models import (
    RANK_METRICS,
    disclose_decision_curve,
    disclose_metric_counts,
    disclose_model,
    disclose_model_card,
    disclose_operating_metrics,
    disclose_rank_metric,
    disclose_threshold_curve,
    format_rank_metric,
    model_rank_decimals,
    rank_decimals,
    withheld_beside,
    withheld_rank_decimals,
)

__all__ = [
    "BASE",
    "CONVENTIONS",
    "DEFAULT_RULES",
    "NOT_APPLYING_LABEL",
    "NOT_APPLYING_TEXT",
    "RANK_METRICS",
    "SUPPRESSED_TEXT",
    "THRESHOLD",
    "WITHHELD_COUNT",
    "WITHHELD_LABEL",
    "WITHHELD_TEXT",
    "DisclosureRules",
    "complementary_suppression",
    "count_labels",
    "count_texts",
    "disclose_balance",
    "disclose_count",
    "disclose_curve_shares",
    "disclose_curves",
    "disclose_decision_curve",
    "disclose_effects",
    "disclose_metric_counts",
    "disclose_model",
    "disclose_model_card",
    "disclose_observed_effects",
    "disclose_operating_metrics",
    "disclose_positivity",
    "disclose_rank_metric",
    "disclose_share",
    "disclose_state_occupation",
    "disclose_std_error",
    "disclose_subgroup_table",
    "disclose_subgroups",
    "disclose_table",
    "disclose_text",
    "disclose_threshold_curve",
    "disclose_weights",
    "disclosed_share",
    "format_count",
    "format_rank_metric",
    "microaggregate",
    "model_rank_decimals",
    "rank_decimals",
    "round_std_error",
    "share_of_recorded",
    "spell_records",
    "withheld_beside",
    "withheld_rank_decimals",
]
