"""E-values against VanderWeele & Ding (2017) and the EValue package's worked examples."""

from __future__ import annotations

import math

import pytest

from escalation.causal import evalue, hazard_ratio_to_risk_ratio
from escalation.errors import DesignError


def test_risk_ratio_worked_example() -> None:
    """Annals 2017: RR 3.9 (1.8 to 8.7) needs E = 7.26, CI limit E = 3.00."""
    out = evalue(3.9, 1.8, 8.7)
    assert out["evalue"] == pytest.approx(3.9 + math.sqrt(3.9 * 2.9))
    assert round(out["evalue"], 2) == 7.26
    assert round(out["evalue_ci"], 2) == 3.0


def test_protective_risk_ratio_uses_inverse_and_upper_limit() -> None:
    """EValue::evalues.RR(0.80, 0.71, 0.91): 1.81 and 1.43."""
    out = evalue(0.80, 0.71, 0.91)
    assert round(out["evalue"], 2) == 1.81
    assert round(out["evalue_ci"], 2) == 1.43


def test_interval_crossing_null_gives_one() -> None:
    assert evalue(1.2, 0.9, 1.6)["evalue_ci"] == 1.0


def test_hazard_ratio_common_outcome_conversion() -> None:
    """VanderWeele (2020): RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR))."""
    rr = hazard_ratio_to_risk_ratio(0.56, rare=False)
    assert rr == pytest.approx((1 - 0.5 ** math.sqrt(0.56)) / (1 - 0.5 ** math.sqrt(1 / 0.56)))
    out = evalue(0.56, 0.46, 0.69, measure="hr", rare=False)
    assert out["evalue"] == pytest.approx(1 / rr + math.sqrt(1 / rr * (1 / rr - 1)))
    assert evalue(2.0, measure="hr", rare=True)["evalue"] == pytest.approx(2 + math.sqrt(2))


def test_invalid_ratio_raises() -> None:
    with pytest.raises(DesignError, match="positive"):
        evalue(-1.0)
