"""Cox, g-formula, IP-weighted Aalen–Johansen and AIPW against frozen R output.

Inputs and script: tests/reference/causal/ (make_causal_inputs.py, riskregression.R; R 4.x,
survival, riskRegression 2022.11.28). Tests read the frozen CSVs and never need R.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.causal.curves import fit_hazard, run_estimator

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "causal"
TIMES = np.array([100.0, 365.0, 730.0])
R_NAMES = {"gformula": "GFORMULA", "ipw": "IPTW", "aipw": "AIPTW"}


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "ate_data.csv")


def _arrays(data: pd.DataFrame) -> tuple[np.ndarray, ...]:
    x = data[["risk", "factor", "age"]].to_numpy(float)
    return (
        data["duration"].to_numpy(float),
        data["event"].to_numpy(np.int64),
        data["treatment"].to_numpy(np.int64),
        x,
    )


def test_cause_specific_cox_matches_coxph_breslow(data: pd.DataFrame) -> None:
    expected = pd.read_csv(REFERENCE / "cox_reference.csv")
    dur, ev, a, x = _arrays(data)
    xa = np.column_stack([a, x])
    for model, cause in (("cause1", ev == 1), ("cause2", ev == 2)):
        got = fit_hazard(dur, cause, xa, None, "a reference model").beta
        want = expected.loc[expected["model"] == model, "estimate"].to_numpy()
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-8)


def test_ip_weighted_aalen_johansen_matches_survfit(data: pd.DataFrame) -> None:
    expected = pd.read_csv(REFERENCE / "ipw_aj_reference.csv")
    out = run_estimator("ipw", *_arrays(data), TIMES, TIMES)
    for arm in (0, 1):
        want = expected.loc[expected["treatment"] == arm, "risk"].to_numpy()
        np.testing.assert_allclose(out.risk[arm], want, atol=1e-10)


@pytest.mark.parametrize(("method", "tolerance"), [("gformula", 1e-8), ("aipw", 1e-4)])
def test_risks_match_riskregression_ate(data: pd.DataFrame, method: str, tolerance: float) -> None:
    """G-formula: exact. AIPTW-AIPCW: within 1e-4 (the integral's left limits differ)."""
    ref = pd.read_csv(REFERENCE / "ate_reference.csv")
    ref = ref[ref["estimator"] == R_NAMES[method]]
    out = run_estimator(method, *_arrays(data), TIMES, TIMES, influence=True)  # type: ignore[arg-type]
    for arm, estimand in ((1, "risk_treated"), (0, "risk_untreated")):
        want = ref[ref["estimand"] == estimand].sort_values("time")
        np.testing.assert_allclose(out.risk[arm], want["estimate"], atol=tolerance)
    diff = ref[ref["estimand"] == "risk_difference"].sort_values("time")["estimate"]
    np.testing.assert_allclose(out.risk[1] - out.risk[0], diff, atol=2 * tolerance)
    if method == "aipw":
        # Influence-function SEs (nuisance terms omitted) within 10% of R's full ones.
        assert out.influence is not None
        se = np.sqrt((out.influence["risk"] ** 2).sum(axis=0)) / len(data)
        for arm, estimand in ((1, "risk_treated"), (0, "risk_untreated")):
            want = ref[ref["estimand"] == estimand].sort_values("time")["std_error"]
            np.testing.assert_allclose(se[arm], want, rtol=0.1)


def test_iptw_with_censoring_model_is_close_to_weighted_aalen_johansen(
    data: pd.DataFrame,
) -> None:
    """R's IPTW-IPCW and our Hájek IPW handle censoring differently: within 0.015 (0.4 SE)."""
    ref = pd.read_csv(REFERENCE / "ate_reference.csv")
    ref = ref[ref["estimator"] == "IPTW"]
    out = run_estimator("ipw", *_arrays(data), TIMES, TIMES)
    for arm, estimand in ((1, "risk_treated"), (0, "risk_untreated")):
        want = ref[ref["estimand"] == estimand].sort_values("time")["estimate"]
        np.testing.assert_allclose(out.risk[arm], want, atol=0.015)
