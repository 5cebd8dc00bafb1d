"""Bad values in the columns a public function uses get an error naming row, column, value.

One bad value at a time in a small valid frame. Before: a missing or infinite numeric
covariate was a DesignError without its row (infinite: read as a covariate that "does
not vary"), an empty frame failed deep in numpy or pandas (or gave an empty RMST), a
missing group label formed a group of its own, ``balance_table`` counted a missing or
non-0/1 arm as treated and took missing and negative weights, ``table_one`` failed on a
missing weight (LinAlgError) and took negative ones, ``clone_censor_weight`` used
negative durations, missing event codes and negative treatment starts, the prediction
metrics cast a missing event code to a huge integer, ``subgroup_metrics`` failed on a
missing group label (TypeError) or no spells (IndexError), ``covariate_summary`` left
rows of neither arm out of both arms, and a DataValidationError raised in a worker
process could not be unpickled. Existing tests cover durations, event codes and weights
of the survival models (tests/survival) and the treatment column of the causal estimators
(tests/causal).
"""

from __future__ import annotations

import dataclasses
import pickle
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.causal import (
    balance_table,
    clone_censor_weight,
    estimate_effects,
    fit_propensity,
    policy_scores,
    table_one,
)
from escalation.errors import DataValidationError, DesignError, Problem, StageError
from escalation.federated import meta_analyse
from escalation.federated.summaries import covariate_summary
from escalation.predict.fairness import subgroup_metrics
from escalation.survival import (
    aalen_johansen,
    fit_aft,
    fit_cause_specific,
    fit_cox,
    fit_fine_gray,
    kaplan_meier,
    logrank_test,
    rmst,
)
from tests.causal.causal_support import simulate

COVARIATES = ["risk", "age", "band"]


@cache
def _spells() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    frame = simulate(200, 1)
    started = rng.random(len(frame)) < 0.5
    return frame.assign(
        weight=rng.uniform(0.5, 2.0, len(frame)),
        spell_id=np.arange(len(frame)),
        treatment_start=np.where(started, rng.uniform(0, 30, len(frame)), np.nan),
    )


def _with(column: str, value: object, row: int = 7) -> pd.DataFrame:
    frame = _spells().copy()
    text = isinstance(value, str) or frame[column].dtype == object
    frame[column] = frame[column].astype(object if text else float)
    frame.loc[row, column] = value
    return frame


def _ccw(frame: pd.DataFrame) -> object:
    return clone_censor_weight(frame, covariates=["risk", "age"], grace_days=14, times=[100])


COVARIATE_USERS: dict[str, Callable[[pd.DataFrame], object]] = {
    "fit_cox": lambda d: fit_cox(d, COVARIATES, cluster=None),
    "fit_aft": lambda d: fit_aft(d, COVARIATES, cluster=None),
    "fit_cause_specific": lambda d: fit_cause_specific(d, COVARIATES, cluster=None),
    "fit_fine_gray": lambda d: fit_fine_gray(d, COVARIATES, cluster=None),
    "estimate_effects": lambda d: estimate_effects(
        d, covariates=COVARIATES, estimators=["ipw"], horizons=[365], bootstrap=0, cluster=None
    ),
    "fit_propensity": lambda d: fit_propensity(d, "treatment", COVARIATES),
    "policy_scores": lambda d: policy_scores(
        d, covariates=COVARIATES, horizons=[365], cluster=None
    ),
    "clone_censor_weight": _ccw,
}


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("function", list(COVARIATE_USERS))
def test_a_missing_or_infinite_covariate_names_its_row_and_value(
    function: str, value: float
) -> None:
    with pytest.raises(DataValidationError, match=r"row 7, column 'risk', value '-?(nan|inf)'"):
        COVARIATE_USERS[function](_with("risk", value))


EMPTY: dict[str, Callable[[pd.DataFrame], object]] = {
    "kaplan_meier": kaplan_meier,
    "aalen_johansen": aalen_johansen,
    "rmst": lambda d: rmst(d, 300, group="treatment"),
    "logrank_test": lambda d: logrank_test(d, "treatment"),
    "fit_cox": lambda d: fit_cox(d, COVARIATES, cluster=None),
    "fit_aft": lambda d: fit_aft(d, COVARIATES, cluster=None),
    "estimate_effects": COVARIATE_USERS["estimate_effects"],
    "fit_propensity": COVARIATE_USERS["fit_propensity"],
    "clone_censor_weight": _ccw,
    "balance_table": lambda d: balance_table(d[["risk"]], d["treatment"]),
}


@pytest.mark.parametrize("function", list(EMPTY))
def test_an_empty_frame_is_refused_as_having_no_rows(function: str) -> None:
    with pytest.raises(DesignError, match="no rows"):
        EMPTY[function](_spells().iloc[:0])


def test_table_one_of_an_empty_frame_is_refused() -> None:
    with pytest.raises(DataValidationError, match="has no rows"):
        table_one(_spells().iloc[:0], variables=["risk"])


GROUPED: dict[str, Callable[[pd.DataFrame], object]] = {
    "kaplan_meier": lambda d: kaplan_meier(d, group="treatment"),
    "aalen_johansen": lambda d: aalen_johansen(d, group="treatment"),
    "logrank_test": lambda d: logrank_test(d, "treatment"),
    "logrank_test strata": lambda d: logrank_test(d, "band", strata="treatment"),
    "rmst": lambda d: rmst(d, 300, group="treatment"),
}


@pytest.mark.parametrize("function", list(GROUPED))
def test_a_missing_group_label_is_refused_not_made_a_group(function: str) -> None:
    with pytest.raises(DataValidationError, match=r"row 7, column 'treatment'.*no treatment"):
        GROUPED[function](_with("treatment", np.nan))


@pytest.mark.parametrize(
    ("column", "value"),
    [("risk", np.nan), ("risk", np.inf), ("risk", "ten"), ("treatment", np.nan),
     ("treatment", 2.0), ("treatment", "yes"), ("weight", np.nan), ("weight", -1.0)],
)  # fmt: skip
def test_balance_table_names_bad_values(column: str, value: object) -> None:
    d = _with(column, value)
    with pytest.raises(DataValidationError, match=rf"row 7, column '{column}'"):
        balance_table(d[["risk", "age"]], d["treatment"].to_numpy(), d["weight"].to_numpy())


def test_balance_table_needs_both_arms_and_one_value_per_row() -> None:
    d = _spells()
    with pytest.raises(DesignError, match="0 untreated"):
        balance_table(d[["risk"]], np.ones(len(d)))
    with pytest.raises(DesignError, match="199 treatments"):
        balance_table(d[["risk"]], d["treatment"].to_numpy()[1:])


@pytest.mark.parametrize(
    ("column", "value"), [("weight", np.nan), ("weight", -1.0), ("risk", np.inf)]
)
def test_table_one_names_bad_weights_and_infinite_values(column: str, value: float) -> None:
    with pytest.raises(DataValidationError, match=rf"row 7, column '{column}'"):
        table_one(_with(column, value), variables=["risk", "band"], weights="weight")


@pytest.mark.timeout(60)  # a missing duration made the weighting loop forever
@pytest.mark.parametrize(
    ("column", "value"),
    [("duration", -1.0), ("duration", np.nan), ("event", np.nan), ("treatment_start", -3.0)],
)
def test_clone_censor_weight_names_bad_outcomes_and_starts(column: str, value: float) -> None:
    with pytest.raises(DataValidationError, match=rf"row 7, column '{column}'"):
        _ccw(_with(column, value))


def _subgroups(frame: pd.DataFrame) -> pd.DataFrame:
    return subgroup_metrics(
        frame["duration"].to_numpy(),
        frame["event"].to_numpy(),
        frame["risk"].to_numpy() * 0.1 + 0.3,
        frame[["band"]],
        365,
        model="m",
        min_n=1,
        min_events=1,
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [("event", np.nan), ("event", 0.5), ("duration", 0.0), ("risk", np.inf), ("band", None)],
)
def test_subgroup_metrics_names_bad_values(column: str, value: object) -> None:
    with pytest.raises(DataValidationError, match=rf"row 7, column '(band|{column})'"):
        _subgroups(_with(column, value))


def test_subgroup_metrics_refuses_no_spells() -> None:
    with pytest.raises(DesignError, match="no spells"):
        _subgroups(_spells().iloc[:0])


@pytest.mark.parametrize("value", [np.nan, 2.0, "yes"], ids=["nan", "2", "yes"])
def test_covariate_summary_refuses_a_row_of_neither_arm(value: object) -> None:
    with pytest.raises(DataValidationError, match=r"row 7, column 'treatment'.*0 or 1"):
        covariate_summary(_with("treatment", value), ["risk", "band"])


def test_covariate_summary_refuses_an_empty_table() -> None:
    # it summarised 0 of 0 children as a 0/1 covariate with no ones
    with pytest.raises(DesignError, match="no rows"):
        covariate_summary(_with("risk", 0.5).iloc[:0], ["risk", "band"])


def test_covariate_summary_refuses_an_infinite_value() -> None:
    with pytest.raises(DataValidationError, match=r"row 7, column 'risk', value 'inf'"):
        covariate_summary(_with("risk", np.inf), ["risk", "band"])


@pytest.mark.timeout(60)  # a missing duration made the folds loop forever
@pytest.mark.parametrize("column", ["duration", "event"])
def test_validate_risk_models_names_a_missing_outcome_before_any_fit(column: str) -> None:
    from escalation.predict.validate import validate_risk_models
    from tests.predict.predict_support import simulated_spells

    data, _ = simulated_spells(200, 3)
    spells = data.spells.assign(**{column: data.spells[column].astype(float)})
    spells.loc[spells.index[4], column] = np.nan
    with pytest.raises(DataValidationError, match=f"row 4, column '{column}'"):
        validate_risk_models(
            dataclasses.replace(data, spells=spells), horizon=365, models=["cox"], n_jobs=1
        )


def test_errors_survive_the_trip_to_and_from_a_worker_process() -> None:
    """An error raised in a worker is pickled; DataValidationError could not be rebuilt."""
    error = DataValidationError([Problem("spells", 3, "age", -1.0, "negative")], "spells")
    again = pickle.loads(pickle.dumps(error))
    assert type(again) is DataValidationError
    assert str(again) == str(error)
    assert again.problems == error.problems
    stage = pickle.loads(pickle.dumps(StageError("effects", "boom")))
    assert (stage.stage, str(stage)) == ("effects", "stage 'effects' failed: boom")


META: list[tuple[Any, Any, str]] = [
    ([0.1, np.nan, 0.3], [0.1, 0.1, 0.1], "estimate of '2' is not a finite"),
    ([0.1, 0.2, 0.3], [0.1, np.nan, 0.1], "standard error of '2' must be a positive"),
    ([0.1, 0.2, 0.3], [0.1, -0.1, 0.1], "standard error of '2' must be a positive"),
    ([0.1, 0.2, 0.3], [0.1, 0.0, 0.1], "standard error of '2' must be a positive"),
]


@pytest.mark.parametrize(("estimates", "errors", "message"), META)
def test_meta_analyse_names_the_study_with_a_bad_estimate(
    estimates: Any, errors: Any, message: str
) -> None:
    """Already so on main: kept as the API's record of what it refuses."""
    with pytest.raises(DesignError, match=message):
        meta_analyse(estimates, errors)
