"""The policy study refuses the spells the effect estimate refuses, and names bad tool scores."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

import escalation.policy.rules as rules_module
from escalation.causal import estimate_effects
from escalation.errors import DataValidationError, DesignError
from escalation.policy import evaluate_policies, learn_rules
from tests.policy.policy_support import authority, small_spells

COVARIATES = ["risk", "factor", "age"]


def _no_model(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("a model was fitted on spells that should have been refused")


def test_learn_rules_refuses_a_horizon_past_the_follow_up_before_fitting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The deployable rule read "offer early help when the predicted risk of escalation by
    day 3812 (cox model) is at least 25.7%" on 1,812 days of follow-up."""
    frame = small_spells()
    far = int(frame["duration"].max()) + 1000
    with pytest.raises(DesignError) as effect:
        estimate_effects(frame, estimators=["aipw"], covariates=COVARIATES, horizons=[far],
                         bootstrap=0)  # fmt: skip
    monkeypatch.setattr(rules_module, "_fit_risk", _no_model)
    monkeypatch.setattr(rules_module, "fit_effect_model", _no_model)
    monkeypatch.setattr(rules_module, "policy_scores", _no_model)
    for rules in (("risk",), ("benefit",), ("tree",)):
        with pytest.raises(DesignError) as refused:
            learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=far, rules=rules,
                        folds=3, n_jobs=1)  # fmt: skip
        assert str(refused.value) == str(effect.value)
    # Fixed rules and tool scores fit nothing by the horizon: nothing to refuse.
    fixed = learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=far,
                        rules=("everyone", "no_one"), n_jobs=1)  # fmt: skip
    assert set(fixed.flags) == {"everyone", "no_one"}


def test_evaluate_policies_refuses_a_horizon_past_the_follow_up() -> None:
    """evaluate_policies published current practice's risk by day 3,812 (0.239), 105.5
    escalations prevented per 1,000 and four criteria judged there, on 1,812 days of
    follow-up (the `escalation policy` command and the pipeline's policy stage)."""
    _, data = authority(1500, 7)
    longest = int(data.spells["duration"].max())
    far = longest + 2000
    design = data.design
    assert design.policy is not None
    design = design.replace(
        outcome=dataclasses.replace(design.outcome, horizons=(365, far)),
        policy=dataclasses.replace(design.policy, rules=("everyone", "no_one"), horizon=far),
        criteria=None,  # fixed rules only: refused before any rule is learned
    )
    with pytest.raises(DesignError, match=f"horizon\\(s\\) {far} days are past the longest "
                       f"follow-up in these data \\({longest} days\\)"):  # fmt: skip
        evaluate_policies(data, design, n_jobs=1)


@pytest.mark.parametrize(("row", "value"), [(21, np.nan), (3, np.inf), (0, -np.inf)])
def test_a_bad_fixed_score_is_refused_naming_table_row_column_and_value(
    row: int, value: float
) -> None:
    """A NaN tool score at row 21 gave "fixed score 'tool' needs one finite value per spell
    (300)": no row, no value, and the same words for a wrong length."""
    frame = small_spells(300, 5)
    score = np.random.default_rng(1).normal(size=len(frame))
    score[row] = value
    shuffled = frame.iloc[::-1].set_index(np.arange(len(frame)) + 1000)  # rows are positions
    with pytest.raises(DataValidationError) as error:
        learn_rules(shuffled, covariates=COVARIATES, capacity=0.3, horizon=365,
                    rules=("everyone",), fixed_scores={"tool": score}, n_jobs=1)  # fmt: skip
    problem = error.value.problems[0]
    assert (problem.table, problem.row, problem.column) == ("fixed_scores", row, "tool")
    assert f"table 'fixed_scores', row {row}, column 'tool', value '{value}'" in str(error.value)
    assert "C0" not in str(error.value)  # no identifier of a child


def test_a_fixed_score_of_the_wrong_length_says_so_apart() -> None:
    frame = small_spells(300, 5)
    with pytest.raises(DataValidationError) as error:
        learn_rules(frame, covariates=COVARIATES, capacity=0.3, horizon=365,
                    rules=("everyone",), fixed_scores={"tool": np.ones(299)}, n_jobs=1)  # fmt: skip
    problem = error.value.problems[0]
    assert (problem.table, problem.row, problem.column) == ("fixed_scores", None, "tool")
    assert "one score per spell (300), in one dimension; 299 given" in problem.reason
    assert "value '299'" in str(error.value)
    assert "finite" not in str(error.value)
