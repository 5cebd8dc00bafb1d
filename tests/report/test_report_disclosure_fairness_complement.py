"""A group whose operating-point rates are blanked alone cannot be worked out by subtraction.

Review (session 25, brief finding 1): ``disclose_metric_counts`` blanks a group's recall,
precision and error rates at an operating point when one of its four counts (children
flagged who escalated, missed, flagged who did not, neither) is below the threshold, with
its size and escalations still shown. The groups of an attribute add up to the test set,
whose rates ``prediction_metrics.csv`` publishes (and every shown group's rate minus its
gap gives them again), so where one group was blanked alone its counts came back by
subtraction: in the demo, 40/190 flagged escalations overall and 40/175 among children
without a disability left 0 (0 to 4 after the rounding) among disabled children, against
the "fewer than 10" the suppression promises. The smallest other group's rates are now
blanked beside it (complementary suppression), and named as such in the fairness
caption and on the model card.

The attack is the review's: each shown rate is a share of counts rounded to 5, so its
counts are read back (to within the rounding), and the blanked group's are the test
set's less the others'.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pytest

import escalation.pipeline as pipeline
from escalation.disclosure import (
    DEFAULT_RULES,
    disclose_count,
    disclose_metric_counts,
    withheld_beside,
)
from tests.report.risk_tool_support import validated_and_shared_cards

THRESHOLD = DEFAULT_RULES.threshold
#: Half the rounding: a count published as c is c - 2 to c + 2.
SLACK = DEFAULT_RULES.rounding // 2


class Group(NamedTuple):
    """A group's exact counts at the operating point (the riskiest 10% flagged)."""

    attribute: str
    group: str
    n: int
    escalated: int
    caught: int  # flagged who escalated
    flagged: int


#: The demo's disability by gradient boosting: "yes" has 1 flagged escalation.
DISABILITY = (
    Group("disability", "no", 2123, 176, 40, 200),
    Group("disability", "yes", 142, 14, 1, 11),
)
#: Three groups, one ("Asian": none of its escalations flagged) blanked.
ETHNICITY = (
    Group("ethnicity", "White", 1790, 150, 43, 180),
    Group("ethnicity", "Black", 320, 30, 12, 40),
    Group("ethnicity", "Asian", 155, 10, 0, 12),
)
CASES = {"two groups": DISABILITY, "three groups": ETHNICITY}


def _rates(n: float, escalated: float, caught: float, flagged: float) -> dict[str, float]:
    """Recall, precision and the error rates at the operating point, exact."""
    return {
        "recall_top10": caught / escalated,
        "precision_top10": caught / flagged,
        "fnr_top10": 1 - caught / escalated,
        "fpr_top10": (flagged - caught) / (n - escalated),
    }


def _whole(groups: tuple[Group, ...]) -> tuple[int, int, int, int]:
    """The test set's counts: the sums over an attribute's groups."""
    return tuple(sum(getattr(g, f) for g in groups) for f in Group._fields[2:])  # type: ignore[return-value]


def _subgroup_metrics(groups: tuple[Group, ...]) -> pd.DataFrame:
    """The validation's fairness table (exact), gaps against the whole test set."""
    whole = _rates(*_whole(groups))
    rows = []
    for g in groups:
        mine = _rates(g.n, g.escalated, g.caught, g.flagged)
        values = {"events": float(g.escalated), "auc": 0.712345, **mine}
        for rate in ("fnr", "fpr"):
            values[f"{rate}_gap_top10"] = mine[f"{rate}_top10"] - whole[f"{rate}_top10"]
        for metric, value in values.items():
            rows.append(
                {"model": "gb", "metric": metric, "attribute": g.attribute, "group": g.group,
                 "n": g.n, "estimate": value, "conf_low": np.nan, "conf_high": np.nan,
                 "suppressed": False}
            )  # fmt: skip
    return pd.DataFrame(rows)


def _prediction_metrics(groups: tuple[Group, ...]) -> pd.DataFrame:
    """The whole test set's metrics as ``prediction_metrics.csv`` publishes them."""
    n, escalated, caught, flagged = _whole(groups)
    values = {"n": float(n), "events": float(escalated), **_rates(n, escalated, caught, flagged)}
    exact = pd.DataFrame({"model": "gb", "metric": list(values), "estimate": list(values.values())})
    return disclose_metric_counts(exact)


def _read_back(rates: pd.Series, escalated: float) -> tuple[range, range]:
    """The flagged escalations and the children flagged that published rates allow.

    Each rate is a share of counts rounded to 5 (``disclose_share``): recall times the
    published escalations is the rounded count of flagged escalations, and that over the
    precision the rounded count flagged; each exact count is within 2 of its rounded one.
    """
    caught = round(float(rates["recall_top10"]) * escalated)
    flagged = round(caught / float(rates["precision_top10"]))
    return (range(caught - SLACK, caught + SLACK + 1), range(flagged - SLACK, flagged + SLACK + 1))


def _attack(table: pd.DataFrame, whole: pd.DataFrame) -> dict[str, dict[str, range]]:
    """The flagged escalations, missed escalations and flagged non-escalations of every
    group with blanked rates, as far as subtraction from the test set's narrows them."""
    overall = whole.set_index("metric")["estimate"].astype(float)
    all_caught, all_flagged = _read_back(overall, overall["events"])
    own = {}
    for group, part in table.groupby("group", sort=False):
        values = part.set_index("metric")["estimate"]
        escalated = float(values["events"])
        events = range(int(escalated) - SLACK, int(escalated) + SLACK + 1)
        if pd.notna(values["recall_top10"]):
            caught, flagged = _read_back(values, escalated)
        else:  # blanked: anything its published size and escalations allow
            size = int(part["n"].iloc[0])
            caught, flagged = range(0, events.stop), range(0, size + SLACK + 1)
        own[group] = (caught, flagged, events, pd.isna(values["recall_top10"]))
    found = {}
    for group, (_, _, events, blanked) in own.items():
        if not blanked:
            continue
        others = [v for k, v in own.items() if k != group]
        caught = _narrow(all_caught, [o[0] for o in others], events.stop - 1)
        flagged = _narrow(all_flagged, [o[1] for o in others], None)
        found[str(group)] = {
            "flagged escalations": caught,
            "missed escalations": _narrow(events, [caught], None),
            "flagged non-escalations": _narrow(flagged, [caught], None),
        }
    return found


def _narrow(total: range, parts: list[range], most: int | None) -> range:
    """The values of ``total`` less the sum of ``parts`` (each anywhere in its range)."""
    low = total.start - sum(p.stop - 1 for p in parts)
    high = total.stop - 1 - sum(p.start for p in parts)
    return _clip(low, high if most is None else min(high, most))


def _clip(low: int, high: int) -> range:
    """The counts from ``low`` to ``high``, none below zero."""
    return range(max(low, 0), max(high, 0) + 1)


def _narrower_than_promised(found: dict[str, dict[str, range]]) -> list[str]:
    """The recovered counts pinned below the threshold to fewer values than "fewer than
    10" allows (0 to 9)."""
    return [
        f"{group}: {name} {values.start}-{values.stop - 1}"
        for group, counts in found.items()
        for name, values in counts.items()
        if values.stop <= THRESHOLD and len(values) < THRESHOLD
    ]


@pytest.mark.parametrize("case", list(CASES))
def test_subtraction_gives_back_no_blanked_count_narrower_than_the_threshold(case: str) -> None:
    groups = CASES[case]
    exact = _subgroup_metrics(groups)
    table = disclose_metric_counts(exact)
    found = _attack(table, _prediction_metrics(groups))
    assert found, "a group's rates are blanked in these data"
    assert not _narrower_than_promised(found), found
    # The counts of the blanked group(s) are still within what the attack allows.
    for g in groups:
        if g.group in found:
            assert g.caught in found[g.group]["flagged escalations"]
            assert g.flagged - g.caught in found[g.group]["flagged non-escalations"]


def test_a_shown_rate_minus_its_gap_is_the_test_set_rate_as_published() -> None:
    """So even without prediction_metrics.csv, fairness.csv alone gives the test set's
    rates, and with them a group's blanked alone by subtraction."""
    groups = ETHNICITY[:2]  # White and Black: every count shown
    table = disclose_metric_counts(_subgroup_metrics(groups))
    whole = _prediction_metrics(groups).set_index("metric")["estimate"].astype(float)
    shown = table.pivot(index="group", columns="metric", values="estimate").astype(float)
    for rate in ("fnr", "fpr"):
        overall = shown[f"{rate}_top10"] - shown[f"{rate}_gap_top10"]
        assert overall.to_numpy() == pytest.approx(whole[f"{rate}_top10"], abs=1e-12)


@pytest.mark.parametrize("case", list(CASES))
def test_no_group_has_its_rates_and_gaps_blanked_alone(case: str) -> None:
    table = disclose_metric_counts(_subgroup_metrics(CASES[case]))
    rates = table[table["metric"].str.match(r"^(recall|precision|fnr|fpr)(_gap)?_top10$")]
    blanked = rates.groupby("group")["estimate"].apply(lambda v: v.isna().any())
    assert blanked.sum() == 2, blanked
    # A blanked group has all its rates and gaps blanked, marked suppressed.
    hidden = rates[rates["group"].isin(blanked[blanked].index)]
    assert hidden["estimate"].isna().all() and hidden["suppressed"].all()


def test_the_group_withheld_beside_keeps_its_size_escalations_and_rank_metrics() -> None:
    exact = _subgroup_metrics(DISABILITY)
    table = disclose_metric_counts(exact)
    no = table[table["group"] == "no"].set_index("metric")
    assert no["n"].tolist() == [disclose_count(2123)] * len(no)
    assert no.at["events", "estimate"] == disclose_count(176)
    assert no.at["auc", "estimate"] == pytest.approx(0.712) and not no.at["auc", "suppressed"]
    assert no.loc["recall_top10":, "estimate"].isna().all()  # rates and gaps
    beside = withheld_beside(table, exact)
    assert set(table.loc[beside, "group"]) == {"no"}
    assert set(table.loc[beside, "metric"]) == {
        "recall_top10", "precision_top10", "fnr_top10", "fpr_top10", "fnr_gap_top10",
        "fpr_gap_top10",
    }  # fmt: skip


def _figure(table: pd.DataFrame) -> dict[str, Any]:
    """Run the fairness stage on the table; return what it gives the brief's figure."""
    drawn: dict[str, Any] = {}
    overall = _prediction_metrics(DISABILITY)
    run = SimpleNamespace(
        rules=DEFAULT_RULES,
        extra={},
        table=lambda name, frame: frame,
        figure=lambda name, plot, **kwargs: drawn.update(kwargs),
    )
    fit = SimpleNamespace(subgroup_metrics=table)
    pipeline._fairness(run, {"fit": fit, "metrics": overall})  # type: ignore[arg-type]
    return drawn


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_the_caption_names_the_group_withheld_beside_apart_from_the_small_one() -> None:
    exact = _subgroup_metrics(DISABILITY)
    extra = _subgroup_metrics(ETHNICITY[:2])  # White and Black: both shown
    figure = _figure(pd.concat([exact, extra], ignore_index=True))
    for text in (figure["caption"], figure["alt"]):
        hidden = text.split("Groups not shown")[-1]
        assert "below 10 (children flagged who escalated" in hidden, text
        assert ": Disability: yes." in hidden, text
        assert (
            "Withheld beside them, so that their counts cannot be worked out by subtraction: "
            "Disability: no." in hidden
        ), text
        assert "Ethnicity" not in hidden, text


def test_the_model_card_says_the_rates_of_a_second_group_were_withheld_beside() -> None:
    _, shared = validated_and_shared_cards("gb", _subgroup_metrics(DISABILITY), n=2265, events=190)
    assert not any("too small" in line for line in shared.limits), shared.limits
    assert shared.limits[-1] == (
        "Some results of 1 subgroup were withheld because they rest on too few children "
        "(for example, rates among few children flagged); the same results of 1 more were "
        "withheld beside it, so that their counts cannot be worked out by subtraction."
    ), shared.limits
    assert shared.subgroups.empty  # no gap of either group is listed
