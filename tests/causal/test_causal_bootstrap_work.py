"""The effects bootstrap does each model's work once: no fit repeated, no row repeated.

Issue 19 ("first run fast"): the bootstrap first ran every estimator once more on every row
only to learn how long a replicate's output is; the g-formula and AIPW each fitted the same
Cox models to every row; and clone-censor-weight fitted its models to each resample's
repeated rows rather than to its distinct rows with their counts, as every other estimator
does. The estimates are the same (the frequency weights' to rounding).
"""

from __future__ import annotations

import warnings
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest

import escalation.causal.curves as curves
from escalation.causal import cluster_bootstrap, estimate_effects
from escalation.causal.clone import run_ccw
from escalation.causal.effects import _Config, _run
from escalation.core.coxfit import fit_cox_model
from escalation.errors import StatisticalWarning

from .causal_support import simulate


def test_a_bootstrap_told_the_width_runs_the_statistic_once_per_replicate() -> None:
    calls: list[int] = []

    def mean(rows: np.ndarray, values: np.ndarray) -> np.ndarray:
        calls.append(len(rows))
        return np.array([values[rows].mean()])

    values = np.arange(20.0)
    told = cluster_bootstrap(mean, np.arange(20) // 2, 6, args=(values,), seed=3, n_jobs=1, width=1)
    assert len(calls) == 6  # not once more on every row
    calls.clear()
    found = cluster_bootstrap(mean, np.arange(20) // 2, 6, args=(values,), seed=3, n_jobs=1)
    assert len(calls) == 7  # without the width: once on every row to learn it
    np.testing.assert_array_equal(told, found)


def _counting_fits(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    fits: Counter[str] = Counter()

    def counted(data: Any, ties: Any, **options: Any) -> Any:
        fits[options["what"]] += 1
        return fit_cox_model(data, ties, **options)

    monkeypatch.setattr(curves, "fit_cox_model", counted)
    return fits


def test_effects_fit_the_outcome_models_once_per_data_set(monkeypatch: pytest.MonkeyPatch) -> None:
    spells = simulate(1500, seed=4)
    fits = _counting_fits(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        estimate_effects(
            spells, covariates=["risk", "factor", "age"], estimators=["gformula", "aipw"],
            horizons=[365], bootstrap=3, seed=2, n_jobs=1, cluster="family_id",
        )  # fmt: skip
    # Every row once (the g-formula and AIPW share the models), then each replicate once.
    assert fits["the Cox model of escalation"] == 1 + 3
    assert fits["the censoring model"] == 1 + 3


def _grace_spells(n: int, seed: int) -> pd.DataFrame:
    """Spells whose early help starts during a 14-day grace period (or not at all)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    starts = rng.random(n) < 1 / (1 + np.exp(-(x[:, 0] - 0.3)))
    t = rng.exponential(365 / (0.6 * np.exp(0.5 * x[:, 0] - 0.3 * x[:, 1])))
    c = rng.uniform(200, 500, n)
    duration = np.ceil(np.minimum(t, c))
    start = np.where(starts, np.ceil(rng.uniform(0.5, 14, n)), np.nan)
    start = np.where(start < duration, start, np.nan)
    return pd.DataFrame(
        {
            "x1": x[:, 0],
            "x2": x[:, 1],
            "duration": duration,
            "event": np.where(t < c, rng.choice([1, 1, 1, 2], n), 0),
            "start": start,
        }
    )


def test_clone_censor_weight_on_distinct_rows_with_counts_is_the_repeated_rows() -> None:
    frame = _grace_spells(800, seed=7)
    rows = np.sort(np.random.default_rng(1).integers(0, len(frame), len(frame)))
    distinct, counts = np.unique(rows, return_counts=True)
    report, horizons = np.array([30.0, 100.0, 180.0]), np.array([180.0])

    def ccw(at: np.ndarray, weights: np.ndarray | None = None) -> Any:
        part = frame.iloc[at]
        return run_ccw(
            part["duration"].to_numpy(float), part["event"].to_numpy(np.int64),
            part["start"].to_numpy(float), part[["x1", "x2"]].to_numpy(float), 14.0,
            report, horizons, case_weights=weights,
        )  # fmt: skip

    repeated, weighted = ccw(rows), ccw(distinct, counts.astype(float))
    np.testing.assert_allclose(weighted.risk, repeated.risk, rtol=0, atol=1e-12)
    np.testing.assert_allclose(weighted.rmst, repeated.rmst, rtol=1e-12)
    np.testing.assert_allclose(
        weighted.nuisance.censoring.beta, repeated.nuisance.censoring.beta, rtol=1e-9
    )


def test_a_clone_censor_weight_replicate_fits_the_distinct_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = _grace_spells(600, seed=8)
    arrays = (
        frame["duration"].to_numpy(float),
        frame["event"].to_numpy(np.int64),
        np.zeros(len(frame), dtype=np.int64),  # the treatment: unused by ccw
        frame[["x1", "x2"]].to_numpy(float),
        frame["start"].to_numpy(float),
    )
    config = _Config(("ccw",), np.array([30.0, 180.0]), np.array([180.0]), "ate", None, 14.0)
    rows = np.sort(np.random.default_rng(2).integers(0, len(frame), len(frame)))
    sizes: list[int] = []

    def sized(data: Any, ties: Any, **options: Any) -> Any:
        sizes.append(data.n)
        return fit_cox_model(data, ties, **options)

    monkeypatch.setattr(curves, "fit_cox_model", sized)
    out = _run("ccw", rows, arrays, config)
    assert sizes == [len(np.unique(rows))]  # not len(rows): each drawn row once, with its count
    monkeypatch.undo()
    repeated = _run("ccw", None, tuple(v[rows] for v in arrays), config)  # type: ignore[arg-type]
    np.testing.assert_allclose(out.risk, repeated.risk, rtol=0, atol=1e-12)
