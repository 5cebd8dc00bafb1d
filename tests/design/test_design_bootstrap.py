"""One rule for every number of bootstrap replicates: 0 for none, or at least 2.

One replicate has no spread: ``estimate_effects`` reported missing standard errors and
intervals labelled ``cluster_bootstrap``. The design, the API functions that take
``bootstrap=`` and the command line's ``--bootstrap`` refuse it by the same rule
(:func:`escalation.design.options.bootstrap_problem`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.causal import estimate_effects
from escalation.cli import main
from escalation.design import default_design
from escalation.errors import DesignError
from escalation.federated.pack import build_share_pack
from escalation.pipeline import design_as_run
from escalation.predict.fairness import fairness_table
from escalation.predict.validate import validate_risk_models
from escalation.simstudy import SimulationPlan
from escalation.timeline import build_spells
from tests.timeline.timeline_support import synthetic_history

REFUSED = [(1, "1"), (-3, "-3"), (2.0, "2.0"), (True, "True")]


def spells(n: int = 300) -> pd.DataFrame:
    """Spells with a confounder ``x``, a treatment and escalations (seeded)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=n)
    a = (rng.random(n) < 1 / (1 + np.exp(-x))).astype(int)
    t = rng.exponential(400 / np.exp(0.5 * x - 0.4 * a))
    return pd.DataFrame(
        {
            "x": x,
            "treatment": a,
            "duration": np.ceil(np.minimum(t, 800)),
            "event": (t < 800).astype(int),
            "family_id": np.arange(n) // 2,
            "child_id": [f"c{i}" for i in range(n)],
            "sex": rng.choice(["F", "M"], n),
        }
    )


def refusal(shown: str) -> str:
    return rf"bootstrap={shown}: must be (0 \(no bootstrap\) or at least 2|a whole number)"


@pytest.mark.parametrize(("value", "shown"), REFUSED)
def test_estimate_effects_refuses_one_replicate(value: object, shown: str) -> None:
    with pytest.raises(DesignError, match=refusal(shown)):
        estimate_effects(
            spells(), formula="Surv(duration, event) ~ x", estimators=["unadjusted"],
            horizons=[365], bootstrap=value,  # type: ignore[arg-type]
        )  # fmt: skip


def test_estimate_effects_with_two_replicates_has_bootstrap_standard_errors() -> None:
    fit = estimate_effects(
        spells(), formula="Surv(duration, event) ~ x", estimators=["unadjusted"],
        horizons=[365], bootstrap=2, n_jobs=1, progress=False,
    )  # fmt: skip
    table = fit.tidy()
    assert set(table["se_method"]) == {"cluster_bootstrap"}
    difference = table[table["estimand"] == "risk_difference"]
    assert np.isfinite(difference[["std_error", "conf_low", "conf_high"]].to_numpy()).all()


@pytest.mark.parametrize(("value", "shown"), REFUSED[:2])
def test_fairness_table_refuses_one_replicate(value: int, shown: str) -> None:
    frame = spells()
    risk = np.linspace(0.05, 0.6, len(frame))
    with pytest.raises(DesignError, match=refusal(shown)):
        fairness_table(frame, risk, 365, bootstrap=value, seed=1)


def test_validate_risk_models_share_packs_and_runs_refuse_one_replicate() -> None:
    history = synthetic_history(200, seed=3)
    design = default_design()
    data = build_spells(history, design)
    with pytest.raises(DesignError, match=refusal("1")):
        validate_risk_models(data, models=["cox"], bootstrap=1, seed=1)
    with pytest.raises(DesignError, match=refusal("1")):
        build_share_pack(history, design, bootstrap=1)
    with pytest.raises(DesignError, match=refusal("1")):
        design_as_run(design, seed=1, bootstrap=1)
    assert design_as_run(design, seed=1, bootstrap=2).estimation.bootstrap == 2


def test_a_simulation_plan_refuses_one_replicate() -> None:
    with pytest.raises(DesignError, match=r"plan \[estimation\] bootstrap = 1: must be 0"):
        SimulationPlan(generator="spells", replications=2, seed=1, bootstrap=1)


@pytest.mark.parametrize("command", ["estimate", "run", "predict"])
def test_the_command_line_refuses_one_replicate(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "d.toml", "--out", f"{tmp_path}/o", "--bootstrap", "1"]) == 2
    err = capsys.readouterr().err
    assert "--bootstrap must be 0 (no bootstrap) or at least 2 replicates" in err
    assert err.rstrip().endswith("not 1") and err.count("\n") == 1
