"""Effect estimates and their family-clustered bootstrap do not depend on the row order.

The bootstrap draws whole families by their sorted label (``cluster_codes``), so a
reordered spells table resamples the same families for the same seed, and every estimate
and interval agrees to rounding. A resampler that drew rows by position would pass the
point estimates and fail the intervals. The confounders here are numeric, so no fit is
separated: a separated fit stops where its likelihood flattens, which moves with the order
of summation (the separation warning says its estimates are not to be trusted anyway).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np

from escalation import build_spells, simulate_local_authority
from escalation.causal import estimate_effects
from escalation.design import default_design
from escalation.errors import StatisticalWarning


def test_reordered_spells_give_the_same_effects_and_bootstrap_intervals() -> None:
    data = build_spells(simulate_local_authority(900, seed=5).history, default_design())
    shuffled = data.spells.sample(frac=1.0, random_state=np.random.RandomState(1))
    covariates = ["age", "imd_decile", "prior_referrals", "prior_assessments"]
    options = {
        "bootstrap": 12,
        "seed": 4,
        "estimators": ["ipw", "aipw"],
        "horizons": [365],
        "covariates": covariates,
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)  # small-sample caveats, same in both
        first = estimate_effects(data, **options).tidy()
        again = estimate_effects(dataclasses.replace(data, spells=shuffled), **options).tidy()
    numbers = first.select_dtypes("number").columns
    assert {"conf_low", "conf_high"} <= set(numbers)
    assert first["conf_low"].notna().all()
    np.testing.assert_allclose(
        again[numbers].to_numpy(float), first[numbers].to_numpy(float), rtol=0, atol=1e-10
    )
