"""Parallel by default: every core unless told otherwise, identical results for any n_jobs

(:func:`escalation.compute.run_tasks` and :func:`~escalation.compute.resolve_jobs`; the old
``escalation.jobs`` module is a deprecated alias.)
"""

from __future__ import annotations

import warnings
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

import escalation.compute as compute
from escalation.causal import estimate_effects
from escalation.compute import available_cores, resolve_jobs, run_tasks
from escalation.errors import StatisticalWarning
from escalation.predict import validate_risk_models
from tests.predict.predict_support import simulated_spells


def test_jobs_default_to_every_core_unless_told(monkeypatch: pytest.MonkeyPatch) -> None:
    # the machine's cores, not the one core tests/conftest.py gives each pytest-xdist worker
    monkeypatch.setattr(compute, "available_cores", available_cores)
    assert resolve_jobs() == available_cores()
    design = SimpleNamespace(compute=SimpleNamespace(workers=3))
    assert resolve_jobs(None, design) == 3  # the design's [compute] section
    assert resolve_jobs(1, design) == 1  # an explicit n_jobs wins
    assert resolve_jobs(None, SimpleNamespace(compute=SimpleNamespace(workers=None))) >= 1
    assert resolve_jobs(-100) == 1


def _warn(value: int) -> int:
    warnings.warn(f"item {value}", StatisticalWarning, stacklevel=1)
    return value * 2


def test_warnings_in_workers_reach_the_caller() -> None:
    with pytest.warns(StatisticalWarning, match=r"item \d") as caught:
        assert run_tasks(_warn, [1, 2, 3], n_jobs=2, progress=False) == [2, 4, 6]
    assert sorted(str(w.message) for w in caught) == ["item 1", "item 2", "item 3"]


def test_bootstrap_is_identical_for_any_number_of_workers() -> None:
    rng = np.random.default_rng(2)
    n = 300
    x = rng.normal(size=n)
    a = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    t = rng.exponential(400 / np.exp(0.5 * x - 0.4 * a))
    spells = pd.DataFrame(
        {"x": x, "treatment": a, "duration": np.ceil(np.minimum(t, 800)),
         "event": (t < 800).astype(int), "family_id": np.arange(n) // 2}
    )  # fmt: skip
    runs = [
        estimate_effects(
            spells, covariates=["x"], estimators=["ipw"], horizons=[365], bootstrap=12,
            seed=4, n_jobs=jobs, progress=False,
        ).tidy()
        for jobs in (1, 2)
    ]  # fmt: skip
    assert runs[0]["std_error"].notna().all()
    pd.testing.assert_frame_equal(runs[0], runs[1], check_exact=True)


@pytest.mark.filterwarnings("ignore::escalation.errors.StatisticalWarning")  # small folds
def test_cross_validation_is_identical_for_any_number_of_workers() -> None:
    data, _ = simulated_spells(1500, 3)
    runs = [
        validate_risk_models(
            data, models=["cox"], validation="grouped_cv", n_splits=3, bootstrap=0, seed=1,
            n_jobs=jobs, progress=False,
        )
        for jobs in (1, 2)
    ]  # fmt: skip
    pd.testing.assert_frame_equal(runs[0].predictions, runs[1].predictions, check_exact=True)
    pd.testing.assert_frame_equal(runs[0].metrics, runs[1].metrics, check_exact=True)


def test_the_old_jobs_module_still_works_with_a_deprecation_warning() -> None:
    import escalation.compute

    with pytest.warns(DeprecationWarning, match=r"escalation\.jobs\.run_tasks moved to"):
        from escalation.jobs import run_tasks as old_run_tasks
    assert old_run_tasks is escalation.compute.run_tasks
    with pytest.raises(ImportError, match="no_such_name"):
        from escalation.jobs import no_such_name  # type: ignore[attr-defined]  # noqa: F401


def test_run_tasks_on_processes_keeps_the_order_of_items_and_of_warnings() -> None:
    with pytest.warns(StatisticalWarning) as caught:
        assert run_tasks(_warn, list(range(8)), n_jobs=2, progress=False) == [
            2 * v for v in range(8)
        ]
    assert [str(w.message) for w in caught] == [f"item {v}" for v in range(8)]
