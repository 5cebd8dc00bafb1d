"""The hub's meta-analyses and meta-regressions: what it refuses and what its notes say.

Findings of the session-23 review of the many-authorities meta-analysis
(``/work/wt/exp/s23/review_meta/FINDINGS.md``):

1. an estimand whose REML fit does not converge is noted, not fatal to the whole pool;
"""

from __future__ import annotations

from typing import Any

import pytest

import escalation.federated.hub as hub
from escalation.errors import ConvergenceError
from escalation.federated.hub import pool_share_packs
from escalation.federated.pack import SharePack
from tests.federated.federated_support import packs

#: Five small simulated authorities (the review's): no bootstrap, so only the Cox log
#: hazard ratios have standard errors.
FIVE = (5, 2_000, 5)


def _five() -> list[SharePack]:
    return list(packs(*FIVE))


def test_an_estimand_that_does_not_converge_is_noted_and_the_rest_are_pooled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first fit (the unadjusted Cox log hazard ratio) fails; the hub goes on."""
    fit = hub.meta_analyse
    failed: list[bool] = []

    def fail_the_first_fit(*args: Any, **kwargs: Any) -> Any:
        if not failed:
            failed.append(True)
            raise ConvergenceError("Fisher scoring did not converge")
        return fit(*args, **kwargs)

    monkeypatch.setattr(hub, "meta_analyse", fail_the_first_fit)
    result = pool_share_packs(_five())
    assert (
        "cox_unadjusted log_hazard_ratio at 0 days: not pooled (Fisher scoring did not converge)."
        in result.notes
    )
    assert result.meta[["estimator", "estimand"]].to_numpy().tolist() == [
        ["cox_ps_stratified", "log_hazard_ratio"]
    ]
