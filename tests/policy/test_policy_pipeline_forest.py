"""In a study run, the policy stage deploys the heterogeneity stage's causal forest."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

import escalation.policy
import escalation.policy.rules as rules_module
from escalation.design import ComputeSpec
from escalation.pipeline import run_study
from tests.policy.policy_support import authority


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")
def test_the_policy_stage_deploys_the_heterogeneity_forest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sim, data = authority(2000, 3)
    design = data.design
    assert design.policy is not None and design.criteria is not None
    design = design.replace(
        policy=dataclasses.replace(design.policy, rules=("no_one", "benefit"), folds=2),
        criteria=dataclasses.replace(design.criteria, rule="benefit"),
        compute=ComputeSpec(workers=1),  # the folds are grown here, where they are counted
    )
    given: list[Any] = []
    grown: list[int] = []
    evaluate, fit = escalation.policy.evaluate_policies, rules_module.fit_effect_model

    def recording(*args: Any, **kwargs: Any) -> Any:
        given.append(kwargs.get("effect_model"))
        return evaluate(*args, **kwargs)

    def counting(train: Any, *args: Any, **kwargs: Any) -> Any:
        grown.append(len(train))
        return fit(train, *args, **kwargs)

    monkeypatch.setattr(escalation.policy, "evaluate_policies", recording)
    monkeypatch.setattr(rules_module, "fit_effect_model", counting)
    run_study(sim.history, design, out=tmp_path / "out", progress=False,
              stages=("heterogeneity", "policy"), background_figures=False)  # fmt: skip
    assert len(given) == 1 and given[0] is not None
    assert given[0].horizon == design.policy_horizon
    assert len(grown) == 2 and max(grown) < len(data.spells)  # the folds' forests only
