"""Separation gives the same documented behaviour in every estimator.

The rule (escalation.core.newton): when the log-likelihood stops changing while a
coefficient keeps growing, the fit stops, warns with a StatisticalWarning that the
coefficient "may be infinite" and names it, keeps the covariate (nothing is dropped,
clipped or penalised) and records it in the result; the other estimates are at the limit
the likelihood approaches, i.e. the fit on the rows that still carry information.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.causal.clone import run_ccw
from escalation.causal.curves import run_estimator
from escalation.causal.propensity import fit_propensity
from escalation.errors import StatisticalWarning
from escalation.survival import fit_aft, fit_cause_specific, fit_cox, fit_fine_gray

INFINITE = "(?i)coefficient may be infinite"
REFERENCE = Path(__file__).resolve().parents[1] / "reference"


def _spells(cause: int = 1) -> pd.DataFrame:
    """Reference spells with a flag whose spells never have an event of ``cause``."""
    d = pd.read_csv(REFERENCE / "survival" / "spells.csv")
    flag = d["id"] % 9 == 0
    return d.assign(
        flag=flag.astype(float), event=np.where(flag & (d["event"] == cause), 0, d["event"])
    )


@pytest.mark.parametrize("ties", ["efron", "breslow"])
def test_cox_keeps_the_separated_covariate_and_warns(ties: str) -> None:
    d = _spells()
    with pytest.warns(StatisticalWarning, match=INFINITE):
        fit = fit_cox(d, ["x1", "flag"], cluster=None, ties=ties)  # type: ignore[arg-type]
    assert fit.separated == ("flag",)
    assert fit.coefficients["flag"] < -10
    assert fit.glance().loc[0, "separated"] == "flag"
    # the limit: the flagged spells leave every risk set, so x1 is the fit without them
    alone = fit_cox(d[d["flag"] == 0], ["x1"], cluster=None, ties=ties)  # type: ignore[arg-type]
    assert fit.coefficients["x1"] == pytest.approx(alone.coefficients["x1"], abs=1e-6)


def test_cause_specific_model_warns_alike() -> None:
    d = _spells(cause=2)
    with pytest.warns(StatisticalWarning, match=INFINITE):
        fit = fit_cause_specific(d, ["x1", "flag"], min_count=1)
    assert fit.separated == {1: (), 2: ("flag",)}
    assert fit.coefficients[2].iloc[1] < -10


def test_fine_gray_warns_alike() -> None:
    d = _spells(cause=1)
    with pytest.warns(StatisticalWarning, match=INFINITE):
        fit = fit_fine_gray(d, ["x1", "flag"], min_count=1)
    assert fit.separated == ("flag",)
    assert fit.coefficients.iloc[1] < -10
    assert fit.glance().loc[0, "separated"] == "flag"


def test_aft_warns_alike() -> None:
    d = _spells(cause=1)
    with pytest.warns(StatisticalWarning, match=INFINITE):
        fit = fit_aft(d, ["x1", "flag"], cluster=None, min_count=1)
    assert fit.separated == ("flag",)
    assert fit.coefficients["flag"] > 5  # no events: the time ratio is infinite


def _ate(flag_events: bool) -> tuple[np.ndarray, ...]:
    d = pd.read_csv(REFERENCE / "causal" / "ate_data.csv")
    flag = (np.arange(len(d)) % 11 == 0).astype(float)
    event = d["event"].to_numpy(np.int64)
    if not flag_events:
        event = np.where((flag == 1) & (event == 1), 0, event)
    x = np.column_stack([d[["risk", "factor", "age"]].to_numpy(float), flag])
    return d["duration"].to_numpy(float), event, d["treatment"].to_numpy(np.int64), x


@pytest.mark.parametrize("method", ["gformula", "aipw"])
def test_causal_outcome_model_warns_alike(method: str) -> None:
    """Was: the causal Cox returned beta ~ 22 silently (or refitted with a hidden penalty)."""
    dur, ev, a, x = _ate(flag_events=False)
    times = np.array([100.0, 365.0])
    with pytest.warns(StatisticalWarning, match=INFINITE):
        out = run_estimator(method, dur, ev, a, x, times, times)  # type: ignore[arg-type]
    cause = out.nuisance.cause
    assert cause is not None and cause.separated == (4,)  # treatment, risk, factor, age, flag
    assert cause.penalty is None  # never a silent penalty
    assert np.all((out.risk >= 0) & (out.risk <= 1))


def test_logistic_propensity_warns_alike() -> None:
    d = pd.read_csv(REFERENCE / "causal" / "ate_data.csv")
    d["flag"] = (np.arange(len(d)) % 11 == 0).astype(float)
    d.loc[d["flag"] == 1, "treatment"] = 1
    with pytest.warns(StatisticalWarning, match=INFINITE):
        fit = fit_propensity(d, "treatment", ["risk", "age", "flag"], min_count=1)
    assert fit.separated == ("flag",)
    assert (
        fit.coefficients is not None and fit.coefficients.iloc[-1] > 10
    )  # not clipped at 20, not silent


def test_clone_censor_weight_treatment_model_warns_alike() -> None:
    rng = np.random.default_rng(3)
    n = 600
    x = np.column_stack([rng.normal(size=n), (np.arange(n) % 7 == 0).astype(float)])
    start = np.where(rng.random(n) < 0.5, rng.uniform(0, 14, n), np.nan)
    start[x[:, 1] == 1] = np.nan  # flagged children never start within follow-up
    t = rng.exponential(300, n)
    duration = np.minimum(t, 400)
    start[start >= duration] = np.nan
    event = (t < 400).astype(np.int64)
    times = np.array([200.0, 365.0])
    with pytest.warns(StatisticalWarning, match=INFINITE):
        out = run_ccw(duration, event, start, x, 14.0, times, times)
    assert out.nuisance.censoring is not None and out.nuisance.censoring.separated == (1,)


def test_separation_found_when_no_halving_is_accepted() -> None:
    """A 200-child simulated authority's Cox risk model: separated coefficients ran to the
    thousands before the log-likelihood flattened, and every halving of the next step
    either overflowed the information or changed the log-likelihood by rounding only. The
    fit failed with "the log-likelihood could not be increased" (and stopped the risk-tool
    stage of a 200-child demo); it now stops with the separation warning, as the rule says."""
    import warnings

    from escalation import build_spells, default_design
    from escalation.data.simulator import simulate_local_authority
    from escalation.predict import validate_risk_models

    design = default_design()
    data = build_spells(simulate_local_authority(200, seed=1).history, design)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit = validate_risk_models(
            data, design, models=["cox"], bootstrap=0, seed=1, censor_training=True
        )
    assert any("may be infinite" in str(w.message) for w in caught)
    assert set(fit.metrics["model"]) == {"cox"}
