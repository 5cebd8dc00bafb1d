"""The baseline hazard of a stratum without events, against R's ``basehaz``.

``baseline_hazard()`` had no rows for a fitted stratum without events; R's
``basehaz(fit, centered = FALSE)`` lists it at each of its distinct (stop) times with
cumulative hazard 0. Frozen by ``tests/reference/survival/basehaz_strata.R``.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from escalation.errors import StatisticalWarning
from escalation.survival import CoxResult, fit_cox
from tests.survival.survival_reference import counting, read, spells


def _fit(model: str) -> CoxResult:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)  # "no events" in stratum 3
        if model == "counting_efron":
            d = counting().copy()
            quiet = d["id"] <= 20
            d["s3"] = np.where(quiet, 3, d["id"] % 2)
            d.loc[quiet, "event"] = 0
            return fit_cox(d, ["tv", "x1"], strata="s3", cluster=None, time_varying=True)
        d = spells().copy()
        d.loc[d.index[:25], "stratum"] = 3
        d.loc[d.index[:25], "event"] = 0
        ties = "breslow" if model == "spells_breslow" else "efron"
        return fit_cox(d, ["x1", "x2"], cause=1, strata="stratum", cluster=None, ties=ties)


@pytest.mark.parametrize("model", ["spells_efron", "spells_breslow", "counting_efron"])
def test_a_stratum_without_events_is_listed_at_zero_as_basehaz(model: str) -> None:
    ref = read("basehaz_strata_reference.csv").query("model == @model")
    ref = ref.assign(stratum=ref["stratum"].astype(str))
    ours = _fit(model).baseline_hazard()
    ours["stratum"] = ours["stratum"].astype(str)
    assert list(pd.unique(ours["stratum"])) == list(pd.unique(ref["stratum"]))
    # the stratum without events: R's rows exactly (its distinct times, hazard 0)
    mine, theirs = ours[ours["stratum"] == "3"], ref[ref["stratum"] == "3"]
    np.testing.assert_array_equal(mine["time"], theirs["time"])
    np.testing.assert_array_equal(mine["cumulative_hazard"], theirs["cumulative_hazard"])
    assert len(mine) > 0
    # the strata with events: ours lists the event times; compare the step functions at
    # R's times (events and censorings)
    for stratum, part in ref[ref["stratum"] != "3"].groupby("stratum"):
        mine = ours[ours["stratum"] == stratum]
        index = np.searchsorted(mine["time"].to_numpy(), part["time"].to_numpy(), "right") - 1
        values = np.where(index >= 0, mine["cumulative_hazard"].to_numpy()[index], 0.0)
        np.testing.assert_allclose(values, part["cumulative_hazard"], rtol=1e-9)
