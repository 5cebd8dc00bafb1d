"""Every causal function that takes a horizon reads it by the one rule (``horizon_days``).

From the final review of session 23 (finding 1): ``subgroup_effects``,
``estimate_heterogeneity``, ``fit_effect_model``, ``refute_effect`` and ``policy_scores``
did not check their horizons. A horizon of 0 or -30 gave an effect of 0 with standard error
0, and 101.9 was estimated at 101.9 but labelled 101; ``policy_scores`` also merged a
repeated horizon and read ``True`` as day 1. Finding 5: ``horizon_days`` (and so
``estimate_effects``) read a dict as its keys, text as its characters ("365" as 3, 6 and 5)
and failed on a number with a bare TypeError, where the design file refused each.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from escalation._vocabulary import horizon_days
from escalation.causal import estimate_effects
from escalation.causal.dowhy_graph import refute_effect
from escalation.causal.heterogeneity import (
    estimate_heterogeneity,
    fit_effect_model,
    subgroup_effects,
)
from escalation.causal.policy import policy_scores
from escalation.design.study import OutcomeSpec
from escalation.errors import DesignError, StatisticalWarning
from tests.causal.causal_support import simulate

_ONE_HORIZON: dict[str, Callable[..., Any]] = {
    "subgroup_effects": lambda frame, h: subgroup_effects(
        frame, covariates=["risk", "age"], horizon=h, cluster=None
    ),
    "estimate_heterogeneity": lambda frame, h: estimate_heterogeneity(
        frame, covariates=["risk", "age"], horizon=h, n_estimators=20, cluster=None
    ),
    "fit_effect_model": lambda frame, h: fit_effect_model(
        frame, covariates=["risk", "age"], horizon=h, n_estimators=20
    ),
    "refute_effect": lambda frame, h: refute_effect(
        frame, covariates=["risk", "age"], horizon=h, num_simulations=2
    ),
    "policy_scores": lambda frame, h: policy_scores(
        frame, covariates=["risk", "age"], horizons=[h]
    ),
}


def _frame() -> pd.DataFrame:
    return simulate(300, 1).assign(duration=lambda d: d["duration"] - 0.5)


@pytest.mark.parametrize("function", sorted(_ONE_HORIZON))
@pytest.mark.parametrize(
    ("horizon", "named"), [(0, "0"), (-30, "-30"), (101.9, "101.9"), (True, "True")]
)
def test_a_horizon_that_is_not_whole_days_is_refused_by_name(
    function: str, horizon: object, named: str
) -> None:
    with pytest.raises(DesignError, match=rf"horizon {named} is not a positive whole number"):
        _ONE_HORIZON[function](_frame(), horizon)


@pytest.mark.parametrize("horizons", [[365, 365], [101, 101.0]])
def test_policy_scores_refuses_a_horizon_given_twice(horizons: list[object]) -> None:
    with pytest.raises(DesignError, match=r"twice|more than once"):
        policy_scores(_frame(), covariates=["risk", "age"], horizons=horizons)


def test_a_whole_horizon_given_as_a_float_is_labelled_as_estimated() -> None:
    frame = _frame()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        scores = policy_scores(frame, covariates=["risk", "age"], horizons=[200.0, 100])
        model = fit_effect_model(frame, covariates=["risk", "age"], horizon=200.0, n_estimators=20)
    assert scores.horizons == (100, 200)
    assert model.horizon == 200
    assert isinstance(model.horizon, int)


@pytest.mark.parametrize(
    ("horizons", "message"),
    [
        (365, "must be a list of days, e.g. [365]"),
        ({365: 1}, "must be a list of days, e.g. [365]"),
        ("365", "must be a list of days such as [365], not text"),
        ([], "needs at least one horizon in days"),
    ],
    ids=["number", "dict", "text", "empty"],
)
def test_horizons_that_are_not_a_list_of_days_are_refused_as_the_design_refuses_them(
    horizons: object, message: str
) -> None:
    with pytest.raises(DesignError) as error:
        estimate_effects(
            _frame(), covariates=["risk", "age"], horizons=horizons, estimators=["unadjusted"],
            bootstrap=0, cluster=None,
        )  # fmt: skip
    assert str(error.value) == f"horizons = {horizons!r}: {message}"
    # the design file's [outcome] horizons: the same rule, named by its section and key
    with pytest.raises(DesignError) as design_error:
        OutcomeSpec(events=("cp_plan",), horizons=horizons)  # type: ignore[arg-type]
    assert str(design_error.value) == f"design [outcome] horizons = {horizons!r}: {message}"


def test_a_repeated_horizon_is_named_alike_by_the_design_and_horizon_days() -> None:
    with pytest.raises(DesignError) as error:
        horizon_days([365, 730, 365.0])
    with pytest.raises(DesignError) as design_error:
        OutcomeSpec(events=("cp_plan",), horizons=(365, 730, 365.0))  # type: ignore[arg-type]
    problem = "lists a horizon twice (365); list each once"
    assert str(error.value) == f"horizons = [365, 730, 365.0]: {problem}"
    assert str(design_error.value) == f"design [outcome] horizons = (365, 730, 365.0): {problem}"
