"""``AdjustedCurveResult`` records what its curves were estimated with, as ``EffectsResult``.

Was: ``estimate_curves``, ``clone_censor_weight`` and ``naive_grace_comparison`` returned a
result with no ``settings``: ``min_count`` (which pools levels, and so changes the curves),
the coding, the confounders, the weight estimand, truncation and cluster were nowhere in
it, where ``estimate_effects``' result records them. The expected values are the arguments
given here and, for the keys the two results share, ``EffectsResult.settings`` of the same
call; the pooled level is the one made rare here by hand (5 rows, ``min_count=15``).
"""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest

from escalation.causal import (
    clone_censor_weight,
    estimate_curves,
    estimate_effects,
    naive_grace_comparison,
)
from escalation.errors import StatisticalWarning
from tests.causal.causal_support import simulate

SHARED = (
    "weight_estimand",
    "truncate",
    "conf_level",
    "covariates",
    "duration",
    "event",
    "treatment",
    "min_count",
    "coding",
    "cluster",
)


@cache
def _spells() -> pd.DataFrame:
    """300 simulated spells whose first 5 have a band of their own (rarer than 15)."""
    frame = simulate(300, 1)
    frame.loc[:4, "band"] = "unrecorded"
    return frame


def test_estimate_curves_records_its_settings_as_estimate_effects_does() -> None:
    options = {"weight_estimand": "ate", "truncate": 2.0, "conf_level": 0.9, "min_count": 15}
    curves = estimate_curves(
        _spells(), ["risk", "band"], method="ipw", times=[100], cluster="family_id", **options
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        effects = estimate_effects(
            _spells(), covariates=["risk", "band"], estimators=["ipw"], horizons=[100],
            bootstrap=0, cluster="family_id", **options,
        )  # fmt: skip
    assert {k: curves.settings[k] for k in SHARED} == {k: effects.settings[k] for k in SHARED}
    assert curves.settings["min_count"] == 15 and curves.settings["truncate"] == 2.0
    assert curves.settings["coding"]["pooled"] == {"band": ["unrecorded"]}
    assert curves.settings["covariates"] == ["risk", "band"]
    assert curves.settings["cluster"] == "family_id"


def test_glance_tidy_summary_and_provenance_show_the_settings() -> None:
    curves = estimate_curves(
        _spells(), ["risk", "band"], method="ipw", times=[50, 100], weight_estimand="att",
        conf_level=0.8, min_count=15, cluster=None,
    )  # fmt: skip
    row = curves.glance().iloc[0]
    assert row["weight_estimand"] == "att" and row["conf_level"] == 0.8
    assert row["min_count"] == 15 and pd.isna(row["truncate"]) and pd.isna(row["cluster"])
    assert row["population"] == "treated" and row["n"] == 300
    tidy = curves.tidy()
    assert (tidy["conf_level"] == 0.8).all() and len(tidy) == 4
    assert "min_count" in str(curves.summary())
    manifest = curves.provenance()
    assert manifest["min_count"] == 15 and manifest["method"] == "ipw"
    assert manifest["coding"]["levels"]["band"][-1] == "other" and "versions" in manifest


def test_a_formula_is_recorded_as_written_with_no_pooled_levels() -> None:
    with pytest.warns(StatisticalWarning, match="'band'"):
        curves = estimate_curves(
            _spells(), formula="Surv(duration, event) ~ risk + C(band)", method="gformula",
            times=[100], min_count=15,
        )  # fmt: skip
    assert curves.settings["covariates"] == "risk + C(band)"
    assert curves.settings["coding"] == {} and curves.settings["min_count"] == 15


def _with_starts() -> pd.DataFrame:
    frame = _spells().copy()
    rng = np.random.default_rng(5)
    start = np.where(frame["treatment"] == 1, rng.uniform(0, 20, len(frame)), np.nan)
    frame["treatment_start"] = np.where(start < frame["duration"], start, np.nan)
    return frame


def test_the_grace_period_comparisons_record_their_settings() -> None:
    ccw = clone_censor_weight(
        _with_starts(), covariates=["risk", "band"], grace_days=14, times=[100], min_count=15
    )
    assert ccw.settings["grace_days"] == 14.0 and ccw.settings["min_count"] == 15
    assert ccw.settings["treatment_start"] == "treatment_start"
    assert ccw.settings["coding"]["pooled"] == {"band": ["unrecorded"]}
    assert ccw.glance().iloc[0]["grace_days"] == 14.0
    with pytest.warns(StatisticalWarning, match="naive grace-period"):
        naive = naive_grace_comparison(
            _with_starts(), covariates=["risk", "band"], grace_days=14, times=[100],
            min_count=15,
        )  # fmt: skip
    assert naive.settings["min_count"] == 15 and naive.settings["weight_estimand"] == "ate"
