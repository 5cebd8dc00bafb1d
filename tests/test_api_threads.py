"""The study functions give the same bits whatever number of BLAS threads the caller allows.

The order of a matrix product's partial sums depends on how many threads share it, so a
fit run on two BLAS threads can differ in its last bits from the same fit on one. The
pipeline (``run_study``) and the policy functions have always run on one thread
(:func:`escalation.compute.one_blas_thread`); ``estimate_effects``,
``estimate_heterogeneity`` and ``build_share_pack`` called directly ran on as many as the
caller allowed, so the same call gave other bits than inside a study on a multi-core
machine (and, with small matrices, cost more CPU, not less). All three failed here.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from threadpoolctl import threadpool_limits

from escalation.causal import estimate_effects, estimate_heterogeneity
from escalation.data.simulator import (
    SimulatedLocalAuthority,
    SimulationConfig,
    simulate_local_authority,
)
from escalation.design import default_design
from escalation.errors import StatisticalWarning
from escalation.federated.pack import build_share_pack
from escalation.timeline import SpellData, build_spells
from tests.federated.federated_support import cheap_design


@cache
def _authority() -> tuple[SimulatedLocalAuthority, SpellData]:
    sim = simulate_local_authority(3000, seed=3, config=SimulationConfig(notes=False))
    return sim, build_spells(sim.history, default_design())


def _effects() -> pd.DataFrame:
    data = _authority()[1]
    estimators = ["ipw", "aipw", "gformula"]
    return estimate_effects(data, estimators=estimators, bootstrap=0, seed=1).tidy()


def _heterogeneity() -> pd.DataFrame:
    data = _authority()[1]
    covariates = list(data.model_covariates)
    fit = estimate_heterogeneity(data.spells, covariates=covariates, horizon=365, n_estimators=40)
    return fit.tidy()


def _share_pack() -> dict[str, pd.DataFrame]:
    design = cheap_design()
    estimation = dataclasses.replace(design.estimation, estimators=("ipw", "aipw"))
    design = design.replace(estimation=estimation)
    pack = build_share_pack(_authority()[0].history, design, seed=1)
    return {name: table for name, table in pack.tables.items() if name != "manifest"}


CALLS: dict[str, Callable[[], Any]] = {
    "estimate_effects": _effects,
    "estimate_heterogeneity": _heterogeneity,
    "build_share_pack": _share_pack,
}


def _assert_same(one: Any, two: Any) -> None:
    if isinstance(one, dict):
        assert one.keys() == two.keys()
        for name in one:
            _assert_same(one[name], two[name])
        return
    pd.testing.assert_frame_equal(one, two, check_exact=True)


@pytest.mark.parametrize("function", list(CALLS))
def test_results_do_not_depend_on_the_blas_threads_the_caller_allows(function: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        with threadpool_limits(limits=1, user_api="blas"):
            one = CALLS[function]()
        with threadpool_limits(limits=2, user_api="blas"):
            two = CALLS[function]()
    _assert_same(one, two)
    tables = one.values() if isinstance(one, dict) else [one]
    numbers = [t.select_dtypes("number").to_numpy(dtype=float) for t in tables]
    assert any(np.isfinite(n).any() for n in numbers)  # something was estimated
