"""The causal estimators refuse covariates that are the treatment or outcome columns.

Given the treatment (or an outcome column) as a confounder, the estimators failed on a
singular information matrix that did not say why, or fitted something else silently; a
covariate named like the refutation data's own ``early_help``/``escalation_<h>`` columns
was overwritten by them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.causal import (
    estimate_effects,
    estimate_heterogeneity,
    fit_propensity,
    pooled_logistic_survival,
    refute_effect,
)
from escalation.errors import DesignError

from .causal_support import simulate


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return simulate(400, seed=3)


@pytest.mark.parametrize("column", ["treatment", "duration", "event"])
def test_estimate_effects_refuses_the_treatment_or_outcome_as_a_covariate(
    data: pd.DataFrame, column: str
) -> None:
    with pytest.raises(DesignError, match=f"covariate '{column}' is the {column} column"):
        estimate_effects(
            data, covariates=["risk", column], estimators=["ipw", "gformula"], horizons=[180]
        )


def test_estimate_heterogeneity_refuses_the_treatment_as_a_covariate(data: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="covariate 'treatment' is the treatment column"):
        estimate_heterogeneity(data, covariates=["risk", "treatment"], horizon=180)


@pytest.mark.parametrize("name", ["early_help", "escalation_180"])
def test_refute_effect_refuses_a_covariate_named_like_its_own_columns(
    data: pd.DataFrame, name: str
) -> None:
    renamed = data.rename(columns={"age": name})
    with pytest.raises(DesignError, match=f"'{name}' share a name with the treatment"):
        refute_effect(renamed, covariates=["risk", name], horizon=180, num_simulations=2)


def test_estimate_effects_refuses_the_treatment_in_the_confounders_formula(
    data: pd.DataFrame,
) -> None:
    with pytest.raises(DesignError, match="covariate 'treatment' is the treatment column"):
        estimate_effects(
            data,
            formula="Surv(duration, event) ~ risk + treatment",
            estimators=["ipw"],
            horizons=[180],
        )


@pytest.mark.parametrize(
    "arguments",
    [
        {"treatment": "treatment", "covariates": ["risk", "treatment"]},
        {"formula": "treatment ~ risk + treatment"},
    ],
)
def test_fit_propensity_refuses_the_treatment_as_a_covariate(
    data: pd.DataFrame, arguments: dict[str, object]
) -> None:
    # it fitted the treatment on itself: a separation warning and a propensity of 0 or 1
    with pytest.raises(DesignError, match="covariate 'treatment' is the treatment column"):
        fit_propensity(data, **arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"estimators": ["ipw", "ipw"], "horizons": [180]}, "estimator.s. listed .*: ipw"),
        ({"estimators": ["ipw"], "horizons": [180, 365, 180]}, r"lists a horizon twice \(180\)"),
    ],
)
def test_estimate_effects_refuses_an_estimator_or_horizon_listed_twice(
    data: pd.DataFrame, arguments: dict[str, list[object]], message: str
) -> None:
    # every row of its estimates was written twice
    with pytest.raises(DesignError, match=message):
        estimate_effects(data, covariates=["risk"], **arguments)  # type: ignore[arg-type]


def test_pooled_logistic_survival_refuses_a_column_named_like_its_interval() -> None:
    # a covariate 'time' was overwritten by the expanded rows' interval: the model used
    # the interval where the formula meant the covariate
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame(
        {
            "t": rng.integers(1, 6, n),
            "d": rng.integers(0, 2, n),
            "a": rng.integers(0, 2, n),
            "time": rng.normal(size=n),
        }
    )
    with pytest.raises(DesignError, match="a column 'time'"):
        pooled_logistic_survival(
            frame, duration="t", event="d", treatment="a", formula="a + time", times=[5]
        )
    # the duration itself named 'time' is the interval's own column: allowed
    renamed = frame.drop(columns="time").rename(columns={"t": "time"})
    out = pooled_logistic_survival(
        renamed, duration="time", event="d", treatment="a", formula="a + time", times=[5]
    )
    assert list(out["group"]) == ["treated", "untreated"]
