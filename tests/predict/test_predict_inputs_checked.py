"""Bad input to the risk-tool metrics is refused by name, never scored silently.

Was (review of session 26, findings 3, 5, 7, 8 and 9): a Series of risks sorted by
value was given to other children by position; ``competing="censored"`` was scored as
``"control"``; a spell without a time zero was put in the test period; ``fairness_table``
without ``duration`` raised a bare ``KeyError``; ``censor_training`` with
cross-validation did nothing, yet the provenance recorded it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.cli import predict as predict_command
from escalation.errors import DataValidationError, DesignError
from escalation.predict import metrics, precision_recall_curve, roc_curve
from escalation.predict.fairness import fairness_table, subgroup_metrics
from escalation.predict.splits import temporal_split
from escalation.predict.validate import validate_risk_models
from tests.predict.test_predict_past_follow_up import _spells


def _test_spells(n: int = 800, start: int = 1000) -> tuple[pd.DataFrame, pd.Series]:
    """Spells indexed ``start..``, and their risks as a Series on the same index."""
    rng = np.random.default_rng(0)
    risk = rng.uniform(0.05, 0.6, n)
    escalated = rng.random(n) < risk
    index = pd.RangeIndex(start, start + n)
    spells = pd.DataFrame(
        {
            "child_id": [f"c{i}" for i in range(n)],
            "family_id": [f"f{i // 2}" for i in range(n)],
            "duration": np.where(escalated, 30.0, 500.0),
            "event": escalated.astype(int),
            "sex": np.where(risk > 0.3, "F", "M"),
        },
        index=index,
    )
    return spells, pd.Series(risk, index=index, name="risk")


def test_a_series_of_risks_is_read_by_label() -> None:
    spells, risk = _test_spells()
    shuffled = risk.sort_values()  # the same labels and values, in another order
    d, e = spells["duration"], spells["event"]
    expected = metrics.time_dependent_auc(d.to_numpy(), e.to_numpy(), risk.to_numpy(), 365)
    assert metrics.time_dependent_auc(d, e, shuffled, 365) == expected
    pd.testing.assert_series_equal(
        pd.Series(metrics.score_risks(d, e, shuffled, 365)),
        pd.Series(metrics.score_risks(d.to_numpy(), e.to_numpy(), risk.to_numpy(), 365)),
    )
    plain = fairness_table(spells, risk.to_numpy(), 365, bootstrap=0)
    pd.testing.assert_frame_equal(fairness_table(spells, shuffled, 365, bootstrap=0), plain)


@pytest.mark.parametrize("function", ["auc", "fairness"])
def test_a_series_of_risks_on_other_labels_is_refused(function: str) -> None:
    spells, risk = _test_spells()
    other = risk.set_axis(pd.RangeIndex(len(risk)))  # labels 0.. for spells 1000..
    with pytest.raises(DataValidationError, match="does not match the spells' index") as error:
        if function == "auc":
            metrics.time_dependent_auc(spells["duration"], spells["event"], other, 365)
        else:
            fairness_table(spells, other, 365, bootstrap=0)
    (problem,) = error.value.problems
    assert (problem.table, problem.column, problem.row) == ("predictions", "risk", 0)


def _arguments() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(2)
    risk = rng.uniform(0.05, 0.6, 200)
    event = np.where(rng.random(200) < risk, 1, np.where(rng.random(200) < 0.1, 2, 0))
    return rng.uniform(1, 700, 200).round(), event, risk


_SCORED: dict[str, Callable[..., Any]] = {
    "horizon_status": lambda d, e, r, c: metrics.horizon_status(d, e, 365, competing=c),
    "time_dependent_auc": lambda d, e, r, c: metrics.time_dependent_auc(d, e, r, 365, competing=c),
    "brier_score": lambda d, e, r, c: metrics.brier_score(d, e, r, 365, competing=c),
    "integrated_brier_score": lambda d, e, r, c: metrics.integrated_brier_score(
        d, e, np.c_[r, r], [100, 365], competing=c
    ),
    "observed_risk": lambda d, e, r, c: metrics.observed_risk(d, e, 365, competing=c),
    "calibration_slope": lambda d, e, r, c: metrics.calibration_slope(d, e, r, 365, competing=c),
    "calibration_curve": lambda d, e, r, c: metrics.calibration_curve(d, e, r, 365, competing=c),
    "operating_point": lambda d, e, r, c: metrics.operating_point(d, e, r, 365, competing=c),
    "average_precision": lambda d, e, r, c: metrics.average_precision(d, e, r, 365, competing=c),
    "net_benefit": lambda d, e, r, c: metrics.net_benefit(d, e, r, 365, [0.2], competing=c),
    "score_risks": lambda d, e, r, c: metrics.score_risks(d, e, r, 365, competing=c),
    "subgroup_metrics": lambda d, e, r, c: subgroup_metrics(
        d, e, r, pd.DataFrame({"sex": ["F"] * len(d)}), 365, model="m", competing=c
    ),
    "roc_curve": lambda d, e, r, c: roc_curve(d, e, r, 365, competing=c),
    "precision_recall_curve": lambda d, e, r, c: precision_recall_curve(d, e, r, 365, competing=c),
}


@pytest.mark.parametrize("name", sorted(_SCORED))
@pytest.mark.parametrize("competing", ["censored", "Censor", "competing"])
def test_competing_other_than_control_or_censor_is_refused(name: str, competing: str) -> None:
    d, e, r = _arguments()
    function = _SCORED[name]
    for known in ("control", "censor"):
        function(d, e, r, known)
    with pytest.raises(
        DesignError, match=f"competing must be 'control' or 'censor', not '{competing}'"
    ):
        function(d, e, r, competing)


def _weekly_spells(n: int = 60) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "child_id": [f"c{i}" for i in range(n)],
            "family_id": [f"f{i}" for i in range(n)],
            "time_zero": pd.date_range("2020-01-01", periods=n, freq="W").astype(object),
        }
    )


def test_a_spell_without_a_time_zero_is_refused_naming_its_row() -> None:
    spells = _weekly_spells()
    spells.loc[[3, 7], "time_zero"] = None  # both in the training period
    with pytest.raises(DataValidationError) as error:
        temporal_split(spells)
    assert [(p.table, p.row, p.column) for p in error.value.problems] == [
        ("spells", 3, "time_zero"), ("spells", 7, "time_zero"),
    ]  # fmt: skip
    spells = _weekly_spells()
    spells.loc[7, "time_zero"] = "not a date"
    with pytest.raises(DataValidationError) as error:
        temporal_split(spells)
    (problem,) = error.value.problems
    assert (problem.table, problem.row, problem.column, problem.value) == (
        "spells", 7, "time_zero", "not a date",
    )  # fmt: skip
    with pytest.raises(DataValidationError, match="column 'time_zero': required column is missing"):
        temporal_split(_weekly_spells().drop(columns="time_zero"))
    # dates given as text are read as dates, as before
    split = temporal_split(_weekly_spells().assign(time_zero=lambda f: f["time_zero"].astype(str)))
    assert len(split.train) + len(split.test) == 60


@pytest.mark.parametrize("column", ["duration", "event"])
def test_fairness_table_without_the_outcome_names_the_missing_column(column: str) -> None:
    spells, risk = _test_spells(100)
    with pytest.raises(DataValidationError) as error:
        fairness_table(spells.drop(columns=column), risk, 365, bootstrap=0)
    (problem,) = error.value.problems
    assert (problem.table, problem.column, problem.row) == ("spells", column, None)
    assert "required column is missing" in problem.reason


def test_censor_training_without_a_temporal_split_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DesignError, match=r"censor_training=True .* validation 'grouped_cv'"):
        validate_risk_models(
            _spells(), models=["cox"], validation="grouped_cv", n_splits=3,
            censor_training=True, bootstrap=0, seed=1, n_jobs=1,
        )  # fmt: skip
    parser = argparse.ArgumentParser(prog="escalation")
    predict_command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(
        [
            "predict", str(tmp_path / "design.toml"), "--out", str(tmp_path / "out"),
            "--validation", "grouped_cv", "--censor-training",
        ]
    )  # fmt: skip
    with pytest.raises(DesignError, match=r"--censor-training .* validation 'grouped_cv'"):
        args.func(args)
