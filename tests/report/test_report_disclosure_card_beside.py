"""The shared model card tells a group withheld beside a small one from a small one.

Complementary suppression (:func:`escalation.disclosure.disclose_metric_counts`) withholds
the smallest other group of an attribute beside a group too small to show (the demo's sex
F beside U), so that neither's counts follow by subtraction; that group is not small and
keeps its rank metrics. The card's limits counted it among the groups "suppressed as too
small"; they now count it apart, by the rule the fairness caption uses
(:func:`escalation.disclosure.withheld_beside`).
"""

from __future__ import annotations

import pandas as pd

from escalation.disclosure import DEFAULT_RULES, disclose_metric_counts
from escalation.report import alt_text
from tests.report.risk_tool_support import validated_and_shared_cards

#: (attribute, group, children, escalations): Asian, Black and U too small to show; F, the
#: smallest other sex, withheld beside U; ethnicity has two small groups, so no complement.
GROUPS = (
    ("ethnicity", "White", 2230, 185),
    ("ethnicity", "Asian", 8, 2),
    ("ethnicity", "Black", 9, 3),
    ("sex", "F", 1050, 100),
    ("sex", "M", 1195, 90),
    ("sex", "U", 8, 2),
)


def _subgroup_metrics() -> pd.DataFrame:
    """The validation's fairness table of ``GROUPS`` (exact, as computed)."""
    rows = []
    for attribute, group, n, events in GROUPS:
        for metric, value in (
            ("events", float(events)),
            ("auc", 0.712345),
            ("recall_top10", 0.3),
            ("precision_top10", 0.25),
        ):
            stat = metric != "events"
            low, high = (value - 0.05, value + 0.05) if stat else (None, None)
            rows.append(
                {"model": "cox", "metric": metric, "attribute": attribute, "group": group,
                 "n": n, "estimate": value, "conf_low": low, "conf_high": high,
                 "suppressed": False}
            )  # fmt: skip
    return pd.DataFrame(rows)


def _cards() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Return the limits of the card as validated and of the card to share."""
    raw, shared = validated_and_shared_cards("cox", _subgroup_metrics(), n=4500, events=380)
    return raw.limits, shared.limits


def test_the_shared_card_counts_a_group_withheld_beside_a_small_one_apart() -> None:
    raw, shared = _cards()
    assert not any("subgroup" in line and "suppressed" in line for line in raw[4:])
    withheld = [line for line in shared if line.startswith("Results of")]
    assert withheld == [
        "Results of 3 subgroups were suppressed as too small; 1 more was withheld beside "
        "them, so that their counts cannot be worked out by subtraction."
    ], shared
    # No count of any group on the card's limits.
    assert not any(str(n) in " ".join(shared) for _, _, n, _ in GROUPS if n > 9)


def test_the_card_and_the_fairness_caption_tell_the_same_groups_apart() -> None:
    """The caption names F apart from Asian, Black and U: the card counts the same."""
    from escalation.disclosure import withheld_beside

    table = _subgroup_metrics()
    disclosed = disclose_metric_counts(table)
    beside = withheld_beside(disclosed, table)
    assert set(disclosed.loc[beside, "group"]) == {"F"}
    assert disclosed.loc[beside & (disclosed["metric"] == "auc"), "estimate"].tolist() == [0.71]
    shown = disclosed.assign(beside=beside)
    shown = shown[shown["metric"] == "recall_top10"].assign(metric="Recall")
    text = alt_text.fairness_hidden(shown, DEFAULT_RULES)
    assert ": ethnicity: Asian, Black; sex: U. Withheld beside them" in text, text
    assert text.split("Withheld beside them")[1].startswith(
        ", so that their counts cannot be worked out by subtraction: sex: F."
    ), text


def test_a_large_group_with_only_its_rates_withheld_is_not_called_too_small() -> None:
    """Sex F (1,050 children, 100 escalations) has 5 flagged escalations at the operating
    point: its recall and precision are withheld (:func:`disclose_operating_metrics`),
    its size and AUC are shown. The card counted it among the groups "suppressed as too
    small"; it now says that some of its results were withheld, and that M's were
    withheld beside them (else the test set's rates less M's would give F's back).
    """
    rows = []
    for group, n, events, recall in (("F", 1050, 100, 0.05), ("M", 1195, 90, 0.3)):
        for metric, value in (
            ("events", float(events)),
            ("auc", 0.71),
            ("recall_top10", recall),
            ("precision_top10", 0.25),
        ):
            rows.append(
                {"model": "cox", "metric": metric, "attribute": "sex", "group": group, "n": n,
                 "estimate": value, "conf_low": None, "conf_high": None, "suppressed": False}
            )  # fmt: skip
    table = pd.DataFrame(rows)
    _, shared = validated_and_shared_cards("cox", table, n=2245, events=190)
    shown = disclose_metric_counts(table)
    assert shown.loc[shown["suppressed"], "group"].unique().tolist() == ["F", "M"]
    assert shown["n"].notna().all()
    assert not any("too small" in line for line in shared.limits), shared.limits
    assert shared.limits[-1] == (
        "Some results of 1 subgroup were withheld because they rest on too few children "
        "(for example, rates among few children flagged); the same results of 1 more were "
        "withheld beside it, so that their counts cannot be worked out by subtraction."
    ), shared.limits
