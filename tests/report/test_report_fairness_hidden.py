"""The fairness figure's caption and alt text name the groups it does not show, and why.

Disclosure control withholds the recall and precision of groups with too few children,
escalations or flagged children (in the demo, every ethnic minority group of the later
years). The figure lists them as suppressed; its caption and alternative text name them by
their labels (categories, never a child, and without counts), and say nothing of hidden
groups when every group is shown.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np
import pandas as pd
import pytest

import escalation.pipeline as pipeline
from escalation.disclosure import DEFAULT_RULES, DisclosureRules
from escalation.report import alt_text

#: Groups of the later years: (attribute, group, children, escalations), as the demo's:
#: the Asian and Black groups' children flagged who escalated are too few to show.
GROUPS = (
    ("ethnicity", "White", 1560, 130),
    ("ethnicity", "Asian", 130, 15),
    ("ethnicity", "Black", 145, 12),
    ("sex", "F", 1050, 100),
    ("sex", "M", 1195, 90),
)


def _subgroup_metrics(small: bool) -> pd.DataFrame:
    """The validation's fairness table (exact: disclosed by the stage), recall 30%.

    With ``small``, the Asian and Black groups are as in ``GROUPS``; otherwise they have
    600 children and 60 escalations each, enough for every count to be shown.
    """
    rows = []
    for attribute, group, n, events in GROUPS:
        if not small and group in ("Asian", "Black"):
            n, events = 600, 60
        for metric, value in (("events", events), ("recall_top10", 0.3), ("precision_top10", 0.25)):
            stat = metric != "events"
            rows.append(
                {
                    "model": "cox",
                    "metric": metric,
                    "attribute": attribute,
                    "group": group,
                    "n": n,
                    "estimate": float(value),
                    "conf_low": value - 0.05 if stat else np.nan,
                    "conf_high": value + 0.05 if stat else np.nan,
                    "suppressed": False,
                }
            )
    return pd.DataFrame(rows)


def _figure(small: bool, table: pd.DataFrame | None = None) -> dict[str, Any]:
    """Run the fairness stage on the table; return what it gives the brief's figure."""
    drawn: dict[str, Any] = {}
    overall = pd.DataFrame(
        {
            "model": "cox",
            "metric": ["recall_top10", "precision_top10"],
            "estimate": [0.26, 0.23],
        }
    )
    run = SimpleNamespace(
        rules=DEFAULT_RULES,
        extra={},
        table=lambda name, frame: frame,
        figure=lambda name, plot, **kwargs: drawn.update(kwargs),
    )
    fit = SimpleNamespace(subgroup_metrics=_subgroup_metrics(small) if table is None else table)
    pipeline._fairness(run, {"fit": fit, "metrics": overall})  # type: ignore[arg-type]
    return drawn


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_report_fairness_caption_and_alt_name_the_hidden_groups() -> None:
    figure = _figure(small=True)
    named = "Ethnicity: Asian, Black."
    reason = "one of the counts behind their rates is below 10 (children flagged who"
    for text in (figure["caption"], figure["alt"]):
        assert named in text and reason in text, text
        assert "White" not in text.split("Groups not shown")[-1]  # shown groups are not listed
        assert "130" not in text and "145" not in text  # no counts of the hidden groups
    # Every group shown: nothing about hidden or suppressed groups.
    shown = _figure(small=False)
    for text in (shown["caption"], shown["alt"]):
        assert "not shown" not in text.lower() and "suppressed" not in text, text


def test_report_fairness_hidden_names_groups_by_attribute_and_partial_metrics() -> None:
    groups = pd.DataFrame(
        {
            "metric": ["Recall"] * 4 + ["Precision"] * 4,
            "attribute": ["Deprivation", "Deprivation", "Deprivation", "Disability"] * 2,
            "group": ["Q1 (most deprived)", "Q4", "Q5 (least deprived)", "yes"] * 2,
            "estimate": [0.3, None, None, 0.2, 0.2, None, None, None],
        }
    )
    text = alt_text.fairness_hidden(groups, DisclosureRules(20))
    assert text == (
        "Groups not shown, as one of the counts behind their rates is below 20 (children "
        "flagged who escalated, missed, flagged who did not escalate, or neither): "
        "Deprivation: Q4, Q5 (least deprived); Disability: yes (precision only). Whether the "
        "tool works as well for them cannot be judged from these data."
    )
    assert text in alt_text.fairness_alt(groups, None, "Cox", DisclosureRules(20))
    assert alt_text.fairness_hidden(groups.assign(estimate=0.3)) == ""


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_report_fairness_caption_names_a_group_withheld_beside_a_small_one_apart() -> None:
    """Sex U (8 children) is too small; F, the smallest other, is withheld beside it
    (complementary suppression), though its counts are not small: the caption and alt
    text must not call it small, and quote no count of either."""
    table = _subgroup_metrics(small=False)
    table = table[table["attribute"] == "sex"]
    small = table[table["group"] == "F"].assign(group="U", n=8)
    table = pd.concat([table, small], ignore_index=True)
    table.loc[table["metric"] == "events", "estimate"] = table["n"].map(
        {1050: 100.0, 1195: 90.0, 8: 2.0}
    )
    figure = _figure(small=False, table=table)
    for text in (figure["caption"], figure["alt"]):
        hidden = text.split("Groups not shown")[-1]
        assert "below 10 (children flagged who escalated, missed, flagged who did not " in hidden
        assert ": Sex: U." in hidden, text
        assert (
            "Withheld beside them, so that their counts cannot be worked out by subtraction: "
            "Sex: F." in hidden
        ), text
        assert "1050" not in text and "1,050" not in text and "100" not in text
