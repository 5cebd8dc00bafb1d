"""A pack leaves out estimators whose Cox model does not converge as the pipeline does.

The pipeline drops the outcome-model estimators (g-formula, AIPW), then the clone-censor
weights, keeping the others and saying so; a share pack, whose pooled effects sit beside
the authorities' own reports, must drop the same ones in the same order.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

import escalation.causal
from escalation.design import default_design
from escalation.errors import ConvergenceError
from escalation.federated.pack import build_share_pack
from tests.federated.federated_support import authorities

#: Estimators whose (fake) Cox model never converges in these tests.
FAILING = {"gformula", "aipw", "ccw"}


@pytest.fixture
def unconverged(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Make every fit with a Cox-model estimator fail; record each call's estimators."""
    real = escalation.causal.estimate_effects
    calls: list[list[str]] = []

    def estimate(data: Any, design: Any, **options: Any) -> Any:
        names = list(options.get("estimators") or design.estimation.estimators)
        calls.append(names)
        if FAILING & set(names):
            raise ConvergenceError("the Cox model did not converge")
        return real(data, design, **options)

    monkeypatch.setattr(escalation.causal, "estimate_effects", estimate)
    return calls


def test_a_pack_drops_the_unconverged_estimators_tier_by_tier(
    unconverged: list[list[str]],
) -> None:
    base = default_design()
    design = base.replace(
        estimation=dataclasses.replace(
            base.estimation,
            estimators=("unadjusted", "ipw", "gformula", "aipw", "ccw"),
            bootstrap=0,
        )
    )
    history = authorities().history
    authority = str(history.children["la"].iloc[0])
    pack = build_share_pack(history, design, authority=authority)
    assert unconverged == [
        ["unadjusted", "ipw", "gformula", "aipw", "ccw"],
        ["unadjusted", "ipw", "ccw"],
        ["unadjusted", "ipw"],
    ]
    assert set(pack.tables["effects"]["estimator"]) == {"unadjusted", "ipw"}
    log = pack.tables["disclosure"]
    said = log[(log["table"] == "effects") & log["action"].str.startswith("not estimated")]
    assert list(said["item"]) == ["gformula, aipw", "ccw"]


def test_a_pack_fails_when_nothing_is_left(unconverged: list[list[str]]) -> None:
    base = default_design()
    design = base.replace(
        estimation=dataclasses.replace(base.estimation, estimators=("aipw",), bootstrap=0)
    )
    history = authorities().history
    authority = str(history.children["la"].iloc[0])
    with pytest.raises(ConvergenceError):
        build_share_pack(history, design, authority=authority)
    assert unconverged == [["aipw"]]
