"""The Efron-corrected baseline hazard and predicted survival against R.

After an Efron fit R's ``basehaz`` and ``survfit.coxph`` use the Efron-corrected hazard
increments (``ctype = 2``); escalation used the Breslow ones and was off by up to 1e-2 on
the tied reference spells. Frozen by ``tests/reference/core/core.R`` with tight convergence.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.survival import CoxResult, fit_cox
from tests.core.core_reference import read
from tests.survival.survival_reference import counting, spells
from tests.survival.survival_reference import read as read_survival

COVARIATES = ["x1", "x2", "x3"]


def _fits() -> dict[str, CoxResult]:
    d = spells()
    return {
        "efron": fit_cox(d, COVARIATES, cluster=None),
        "weighted_efron": fit_cox(d, COVARIATES, cluster=None, weights="weight"),
        "strata_efron": fit_cox(d, COVARIATES, cluster=None, strata="stratum"),
        "tv_efron": fit_cox(counting(), ["tv", "x1"], cluster=None, time_varying=True),
    }


@pytest.fixture(scope="module")
def fits() -> dict[str, CoxResult]:
    return _fits()


@pytest.mark.parametrize("model", ["efron", "weighted_efron", "strata_efron", "tv_efron"])
def test_baseline_hazard_is_efron_corrected_as_basehaz(
    fits: dict[str, CoxResult], model: str
) -> None:
    ref = read("cox_efron_baseline.csv").query("model == @model")
    ours = fits[model].baseline_hazard()
    if model != "strata_efron":
        ours["stratum"] = "all"
    ours["stratum"] = ours["stratum"].astype(str)
    # basehaz lists every distinct time (censorings too); ours the event times: compare the
    # step functions at R's times
    for stratum, part in ref.groupby(ref["stratum"].astype(str)):
        mine = ours[ours["stratum"] == stratum]
        index = np.searchsorted(mine["time"].to_numpy(), part["time"].to_numpy(), "right") - 1
        values = np.where(index >= 0, mine["cumulative_hazard"].to_numpy()[index], 0.0)
        np.testing.assert_allclose(values, part["cumulative_hazard"], rtol=1e-9)


@pytest.mark.parametrize("model", ["efron", "weighted_efron", "strata_efron"])
def test_predicted_survival_matches_survfit_defaults(
    fits: dict[str, CoxResult], model: str
) -> None:
    ref = read("cox_efron_predict.csv").query("model == @model")
    profiles = pd.DataFrame(
        {"x1": [-1, 0, 1.5], "x2": [0, 1, 1], "x3": [0, 2, 4], "stratum": [1, 2, 1]}
    )
    ours = fits[model].predict_survival(profiles, [5, 20, 60, 100])
    # the reference is extend = TRUE: past the last follow-up of a profile's stratum (day
    # 98 of stratum 2) ours is NaN, where R's extend = FALSE leaves the time out
    kept = read_survival("past_follow_up_reference.csv").query("model == @model")
    known = ours.merge(kept, on=["profile", "time"], how="left")["survival"].notna()
    np.testing.assert_allclose(
        ours["estimate"][known], ref["survival"][known.to_numpy()], rtol=1e-9, atol=1e-12
    )
    assert ours["estimate"][~known].isna().all()
    assert (~known).sum() == (1 if model == "strata_efron" else 0)
