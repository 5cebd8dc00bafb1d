"""Risk models on the package's simulated local authority, scored beside the oracle.

Skipped until ``escalation.data.simulator`` exists.
"""

from __future__ import annotations

import numpy as np
import pytest

from escalation import build_spells, default_design
from escalation.data import simulator
from escalation.predict.validate import oracle_risk, validate_risk_models


@pytest.mark.slow
def test_models_and_text_against_the_oracle() -> None:
    la = simulator.simulate_local_authority(n_children=4000, seed=11)
    data = build_spells(la.history, default_design())
    oracle = oracle_risk(la.truth, data.spells, 365)
    assert oracle is not None, "truth.spell_risks needs child_id, time_zero, risk_observed_365"
    assert oracle.notna().mean() > 0.99
    assert ((oracle >= 0) & (oracle <= 1)).all()
    result = validate_risk_models(
        data,
        models=["penalised_cox", "gradient_boosting"],
        feature_sets=["structured", "structured+text"],
        history=la.history,
        truth=la.truth,
        bootstrap=20,
        seed=3,
        model_options={"gradient_boosting": {"n_estimators": 50}},
    )
    auc = result.metrics[result.metrics["metric"] == "auc"].set_index("model")["estimate"]
    assert {"oracle", "penalised_cox+text", "gradient_boosting+text"} <= set(auc.index)
    # nobody beats the truth by more than sampling noise
    assert np.all(auc.drop("oracle") <= auc["oracle"] + 0.03)
    m = result.metrics.set_index(["model", "metric"])["estimate"]
    assert abs(m[("oracle", "calibration_in_the_large")]) < 0.05
