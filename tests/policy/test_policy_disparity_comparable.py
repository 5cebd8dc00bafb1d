"""``max_disparity`` compares the groups that can be compared, naming those left out.

Session 28: in the policy study sex was nearly always "not compared". Every group the
attribute defines is listed (F, M and U), and U, which no child (or very few) is in, is
suppressed; the complementary rule then withholds the smaller of F and M beside it, so
that U's count cannot be worked out from the cohort's. One group of sex was left shown,
and the criterion compared nothing, though F and M are each hundreds of children. The
group withheld only beside a small one is not small: the criterion now compares it, on
the groups each suppressed only for its own sake, publishes the verdict alone (its gap
with F would give its share back) and names the groups left out (U).

The gap is checked against the shares flagged counted by hand from the spells (the
table's shares rest on counts rounded to 5: within 0.02).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.causal.policy import estimate_policy_values, policy_scores
from escalation.design import CriteriaSpec
from escalation.policy import disparities, flagged_by_group, judge_criteria
from escalation.policy.groups import left_out_groups
from tests.policy.policy_support import small_spells

_VALUES = pd.DataFrame(columns=["rule", "horizon", "estimand", "estimate", "conf_low", "conf_high"])


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_sex_is_compared_when_only_an_empty_u_group_is_small() -> None:
    frame = small_spells().copy()
    assert "U" not in set(frame["sex"])
    risk = frame["risk"].to_numpy(dtype=float)
    flags = (risk >= np.quantile(risk, 0.7)).astype(float)
    scores = policy_scores(frame, covariates=["risk", "factor", "age"], horizons=[365])
    fit = estimate_policy_values(scores, {"top": flags})
    shown = flagged_by_group(fit, frame, horizon=365, rules=["top"])
    comparable = flagged_by_group(fit, frame, horizon=365, rules=["top"], complements=False)
    # as published, one group of sex is shown: no gap
    gaps = disparities(fit, frame, shown, horizon=365)
    assert "sex" not in set(gaps["attribute"])
    # F and M can be compared: neither is suppressed for its own sake; U is (no child)
    left = left_out_groups(comparable)
    assert set(left.loc[left["attribute"] == "sex", "group"]) == {"U"}
    exact = disparities(fit, frame, comparable, horizon=365)
    sex = exact[(exact["attribute"] == "sex") & (exact["metric"] == "flagged")].iloc[0]
    by_hand = {g: flags[(frame["sex"] == g).to_numpy()].mean() for g in ("F", "M")}
    assert {sex["higher"], sex["lower"]} == {"F", "M"}
    assert sex["estimate"] == pytest.approx(
        by_hand[sex["higher"]] - by_hand[sex["lower"]], abs=0.02
    )
    row = judge_criteria(
        _VALUES, gaps, CriteriaSpec(max_disparity=0.5), rule="top", horizon=365,
        attributes=list(dict.fromkeys(shown["attribute"])),
        exact_gaps=exact, left_out=left,
    ).iloc[0]  # fmt: skip
    assert "sex" not in row["not_compared"].split(", ")
    assert row["withheld"] and np.isnan(row["estimate"]) and np.isnan(row["conf_high"])
    assert "sex: U" in row["note"]  # the group left out is named
    # Every attribute has two groups to compare now; sex and the other attributes are
    # unrelated to the flags by construction (sex alternates), so no true gap is near 0.5
    assert row["not_compared"] == "" and row["verdict"] == "met"
