"""Complementary suppression counts a withheld group at its true size, not as 0.

Session 28: the group tables of the policy study (``policy_groups.csv``) and of the
risk tool (``fairness.csv``) counted a group withheld as too small (under the minimum
size, or, in fairness, with too few escalations) as 0 children when choosing its
complements. Two small groups of 4 and 7 children, whose hidden total (11, worked out
as the published total less the shown groups) already reaches the threshold of 10, then
took a third, large group with them: more hidden than the rule needs. Counted at their
true sizes they take no other (the rule, :func:`complementary_suppression`: at least two
hidden, adding up to at least the threshold); a group withheld alone still takes one.

The data are simulated; the sizes are counted from the spells, not from the tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.causal.policy import estimate_policy_values, policy_scores
from escalation.disclosure import DEFAULT_RULES, disclose_metric_counts, disclose_table
from escalation.policy import flagged_by_group
from escalation.predict.fairness import fairness_table
from tests.policy.policy_support import small_spells

THRESHOLD = DEFAULT_RULES.threshold


def test_disclose_table_counts_a_withheld_row_at_its_true_size() -> None:
    table = pd.DataFrame({"n": [4, 12, 300, 310]})
    # 12 withheld (under a minimum of 20) and 4 small: 16 hidden, two cells, no third
    out = disclose_table(table, partition=(), withheld=[False, True, False, False])
    assert out["n"].isna().tolist() == [True, True, False, False]
    # withheld alone, it still takes the smallest other with it
    out = disclose_table(table.assign(n=[40, 12, 300, 310]), partition=(),
                         withheld=[False, True, False, False])  # fmt: skip
    assert out["n"].isna().tolist() == [True, True, False, False]


def _sexes(n: int) -> np.ndarray:
    """F and M alternately, with 4 of sex U and 7 with no sex recorded."""
    sex = np.where(np.arange(n) % 2 == 0, "F", "M").astype(object)
    sex[:4] = "U"
    sex[4:11] = None
    return sex


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_policy_groups_count_two_small_groups_at_their_true_sizes() -> None:
    frame = small_spells().copy()  # cached: the others keep theirs
    frame["sex"] = _sexes(len(frame))
    risk = frame["risk"].to_numpy(dtype=float)
    flags = (risk >= np.quantile(risk, 0.7)).astype(float)
    scores = policy_scores(frame, covariates=["risk", "factor", "age"], horizons=[365])
    fit = estimate_policy_values(scores, {"top": flags})
    table = flagged_by_group(fit, frame, horizon=365, rules=["top"])
    sex = table[table["attribute"] == "sex"]
    for metric, part in sex.groupby("metric"):
        hidden = set(part.loc[part["n"].isna(), "group"])
        assert hidden == {"U", "missing"}, (metric, hidden)  # 4 + 7 = 11: F and M shown
        assert set(part.loc[~part["suppressed"], "group"]) == {"F", "M"}


def test_fairness_counts_two_small_groups_at_their_true_sizes() -> None:
    rng = np.random.default_rng(8)
    n = 1200
    risk = rng.uniform(0.05, 0.6, n)
    escalated = rng.random(n) < risk
    spells = pd.DataFrame(
        {
            "child_id": [f"c{i}" for i in range(n)],
            "family_id": [f"f{i // 2}" for i in range(n)],
            "duration": np.where(escalated, 30.0, 500.0),
            "event": escalated.astype(int),
            "sex": _sexes(n),
            "ethnicity": "WBRI",
            "imd_decile": rng.integers(1, 11, n),
        }
    )
    table = fairness_table(spells, risk, 365, metrics=None, bootstrap=0)
    published = disclose_metric_counts(table, DEFAULT_RULES)
    sex = published[published["attribute"] == "sex"]
    for metric, part in sex.groupby("metric"):
        hidden = set(part.loc[part["n"].isna(), "group"])
        assert hidden == {"U", "missing"}, (metric, hidden)
        assert not part.loc[part["group"].isin(["F", "M"]), "suppressed"].any(), metric
