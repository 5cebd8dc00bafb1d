"""The benefit rule offers early help only where the estimated benefit is positive.

Was (session 27's note, left open): the "largest estimated benefit" rule filled the
capacity whatever the sign, so at a capacity of 90% it offered early help to 18 children
whose estimated benefit was negative (early help estimated to raise their risk of
escalation). The capacity is a maximum: places no child is estimated to benefit from are
left unused, counted in ``LearnedRules.unused`` and published as
``unused_places_per_1000``. Expected values are read from the rule's own out-of-fold
scores (a positive benefit is flagged, never a non-positive one), the places the capacity
allows (``floor(0.9 · 1500) = 1350``) and, for the value, the doubly robust formula
``mean(d Γ(1) + (1 − d) Γ(0))`` applied by hand to the flags.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pandas as pd
import pytest

from escalation.causal.policy import estimate_policy_values, policy_scores
from escalation.policy import LearnedRules, learn_rules
from tests.policy.policy_support import small_spells

COVARIATES = ["risk", "factor", "age"]
CAPACITY = 0.9
PLACES = 1350  # floor(0.9 x 1500), by hand


@cache
def _learned(capacity: float = CAPACITY) -> LearnedRules:
    return learn_rules(
        small_spells(), covariates=COVARIATES, capacity=capacity, horizon=365,
        rules=["benefit"], folds=3, forest_trees=20, seed=3, n_jobs=1,
    )  # fmt: skip


def test_no_child_with_a_non_positive_estimated_benefit_is_offered_early_help() -> None:
    learned = _learned()
    score, flags = learned.scores["benefit"], learned.flags["benefit"]
    assert len(score) == 1500
    negative = score <= 0
    assert negative.sum() > 0  # children no place should go to
    assert not (flags[negative] == 1).any()
    # Every positive benefit above the carried cut-offs is flagged, so places go unused.
    assert flags.sum() < PLACES
    assert learned.unused == {"benefit": PLACES - int(flags.sum())}
    assert learned.unused["benefit"] > 0


def test_the_value_is_that_of_the_flags_applied() -> None:
    frame = small_spells()
    learned = _learned()
    scores = policy_scores(frame, covariates=COVARIATES, horizons=[365])
    flags = learned.aligned(scores.spell_id)
    fit = estimate_policy_values(scores, flags).tidy().set_index(["rule", "estimand"])
    d = flags["benefit"]
    by_hand = float(np.mean(d * scores.treated[:, 0] + (1 - d) * scores.untreated[:, 0]))
    assert fit.loc[("benefit", "risk"), "estimate"] == pytest.approx(by_hand, abs=1e-12)
    assert fit.loc[("benefit", "flagged_per_1000"), "estimate"] == pytest.approx(
        1000 * d.mean(), abs=1e-12
    )


def test_the_rule_to_deploy_says_the_places_are_left_unused() -> None:
    # 63 of the 1,500 out-of-fold benefits are not positive: at 97% fewer children than
    # the capacity have a positive estimated benefit on every family too.
    learned = learn_rules(
        small_spells(), covariates=COVARIATES, capacity=0.97, horizon=365,
        rules=["benefit"], folds=3, forest_trees=20, seed=3, n_jobs=1,
    )  # fmt: skip
    said = learned.descriptions["benefit"]
    assert "is above 0" in said and "left unused" in said
    frame = small_spells()
    model, _ = learned.backend["benefit"]
    applied = learned.apply(frame)["benefit"]
    assert np.array_equal(applied, (-model.predict(frame) > 0).astype(float))


def test_unused_places_are_the_capacity_less_the_published_number_flagged() -> None:
    from escalation.policy.study import unused_places  # new here: imported where used

    values = pd.DataFrame(
        {
            "rule": ["benefit", "everyone"], "horizon": 365,
            "estimand": "flagged_per_1000", "estimate": [812.0, 1000.0],
            "std_error": [4.0, 0.0], "conf_low": [804.16, 1000.0],
            "conf_high": [819.84, 1000.0], "conf_level": 0.95,
        }
    )  # fmt: skip
    out = unused_places(values, CAPACITY, ["benefit"])
    row = out[out["estimand"] == "unused_places_per_1000"]
    assert row["rule"].tolist() == ["benefit"]  # everyone follows no capacity
    # 900 - 812 = 88 (95% CI 900 - 819.84 = 80.16 to 900 - 804.16 = 95.84)
    assert row[["estimate", "std_error", "conf_low", "conf_high"]].iloc[0].tolist() == (
        pytest.approx([88.0, 4.0, 80.16, 95.84], abs=1e-9)
    )
