"""E-values against VanderWeele & Ding (2017) and the EValue package's worked examples.

R's ``EValue`` package (Mathur, Ding, Riddell & VanderWeele) is not packaged for Debian
(no ``r-cran-evalue``) and is not installed here, so the references are hand computations
from the published formulas: E = RR + sqrt(RR (RR - 1)) for RR >= 1 (1/RR below 1;
VanderWeele & Ding 2017, Ann Intern Med 167:268, doi:10.7326/M16-2607), the interval's
limit nearest the null (1 when the interval reaches it), and the hazard-ratio conversion
RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)) for a common outcome (VanderWeele 2020,
Biometrics 76:746, doi:10.1111/biom.13197; VanderWeele, Ding & Mathur 2019, J Causal
Infer 7(2), doi:10.1515/jci-2018-0007). The rules on bad input follow ``EValue::evalues.RR``
and ``evalues.HR`` (read in its source, ``R/EValue.R`` and ``R/effect_measures.R``).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from escalation.causal import evalue, evalue_table, hazard_ratio_to_risk_ratio
from escalation.errors import DesignError


def _e(rr: float) -> float:
    """VanderWeele & Ding's E-value of a risk ratio, by hand."""
    rr = 1 / rr if rr < 1 else rr
    return rr + math.sqrt(rr * (rr - 1))


def test_risk_ratio_worked_example() -> None:
    """Annals 2017: RR 3.9 (1.8 to 8.7) needs E = 7.26, CI limit E = 3.0.

    1.8 + sqrt(1.8 x 0.8) = 1.8 + 1.2 = 3.0 exactly (the paper prints "3.0").
    """
    out = evalue(3.9, 1.8, 8.7)
    assert out["evalue"] == pytest.approx(3.9 + math.sqrt(3.9 * 2.9))
    assert round(out["evalue"], 2) == 7.26
    assert out["evalue_ci"] == pytest.approx(3.0, abs=1e-12)


def test_protective_risk_ratio_uses_inverse_and_upper_limit() -> None:
    """EValue::evalues.RR(0.80, 0.71, 0.91): 1.81 and 1.43."""
    out = evalue(0.80, 0.71, 0.91)
    assert round(out["evalue"], 2) == 1.81
    assert round(out["evalue_ci"], 2) == 1.43
    assert out["evalue_ci"] == pytest.approx(_e(1 / 0.91))
    # The symmetry the package's examples show: 1/0.8 has the same E-value.
    assert evalue(1 / 0.80)["evalue"] == pytest.approx(out["evalue"])


def test_interval_crossing_null_gives_one() -> None:
    assert evalue(1.2, 0.9, 1.6)["evalue_ci"] == 1.0
    assert evalue(0.8, 0.6, 1.1)["evalue_ci"] == 1.0
    assert evalue(1.0, 0.8, 1.25) == {"evalue": 1.0, "evalue_ci": 1.0}


def test_hazard_ratio_common_outcome_conversion() -> None:
    """VanderWeele (2020): RR = (1 - 0.5^sqrt(HR)) / (1 - 0.5^sqrt(1/HR)).

    The EValue documentation's example, evalues.HR(0.56, 0.46, 0.69, rare = FALSE).
    """
    rr = hazard_ratio_to_risk_ratio(0.56, rare=False)
    assert rr == pytest.approx((1 - 0.5 ** math.sqrt(0.56)) / (1 - 0.5 ** math.sqrt(1 / 0.56)))
    out = evalue(0.56, 0.46, 0.69, measure="hr", rare=False)
    assert out["evalue"] == pytest.approx(_e(rr))
    high = (1 - 0.5 ** math.sqrt(0.69)) / (1 - 0.5 ** math.sqrt(1 / 0.69))
    assert out["evalue_ci"] == pytest.approx(_e(high))
    # By hand: RR 0.6701 -> E 2.35; the upper limit's RR 0.7735 -> E 1.91.
    assert (round(out["evalue"], 2), round(out["evalue_ci"], 2)) == (2.35, 1.91)
    assert evalue(2.0, measure="hr", rare=True)["evalue"] == pytest.approx(2 + math.sqrt(2))


def test_hazard_ratio_needs_to_be_told_whether_the_outcome_is_rare() -> None:
    """As EValue's ``toRR.HR``: "Must specify whether the rare outcome assumption can be made".

    Taking a common outcome as rare overstates the E-value: HR 2 is E 3.41 as a rare
    outcome's but 2.61 as a common one's (RR 1.613 by the conversion). The base took every
    hazard ratio as a rare outcome's unless told otherwise.
    """
    with pytest.raises(DesignError, match="rare=True or rare=False"):
        evalue(2.0, 1.5, 2.7, measure="hr")
    common = evalue(2.0, measure="hr", rare=False)["evalue"]
    rr = (1 - 0.5 ** math.sqrt(2)) / (1 - 0.5 ** math.sqrt(0.5))
    assert common == pytest.approx(rr + math.sqrt(rr * (rr - 1)))
    assert round(common, 2) == 2.61
    # rare says nothing about a risk ratio
    assert evalue(2.0)["evalue"] == evalue(2.0, rare=False)["evalue"] == pytest.approx(_e(2.0))


def test_one_limit_is_enough() -> None:
    """EValue::evalues.RR(3.9, lo = 1.8) gives the interval's E-value 3.0 (the limit nearer 1).

    The base gave NaN unless both limits were given.
    """
    assert evalue(3.9, 1.8)["evalue_ci"] == pytest.approx(3.0, abs=1e-12)
    assert evalue(0.80, conf_high=0.91)["evalue_ci"] == pytest.approx(_e(1 / 0.91))
    # the limit on the far side says nothing about the null
    assert math.isnan(evalue(3.9, conf_high=8.7)["evalue_ci"])


def test_estimate_outside_its_interval_is_refused() -> None:
    """EValue: "Point estimate should be inside confidence interval".

    The base gave the interval's E-value of RR 1.2 (1.3 to 1.5) as 1.92 (the lower
    limit's), above the estimate's own 1.69.
    """
    with pytest.raises(DesignError, match=r"estimate = 1\.2 lies outside its interval"):
        evalue(1.2, 1.3, 1.5)
    with pytest.raises(DesignError, match=r"conf_high = 0\.7"):
        evalue(0.8, 0.5, 0.7)


def test_limits_in_the_wrong_order_are_refused() -> None:
    """EValue: "Lower confidence limit should be less than upper confidence limit"."""
    with pytest.raises(DesignError, match=r"conf_low = 2\.0 is above conf_high = 1\.5"):
        evalue(1.8, 2.0, 1.5)


def test_invalid_ratio_raises() -> None:
    with pytest.raises(DesignError, match=r"estimate = -1\.0: .*positive"):
        evalue(-1.0)
    with pytest.raises(DesignError, match=r"conf_low = 0\.0"):
        evalue(1.5, 0.0, 2.0)


def test_missing_values_give_missing_evalues() -> None:
    """An effect the estimators could not give (NaN) has no E-value, not an error."""
    out = evalue(float("nan"), float("nan"), float("nan"))
    assert math.isnan(out["evalue"]) and math.isnan(out["evalue_ci"])
    assert math.isnan(evalue(1.5, float("nan"), float("nan"))["evalue_ci"])


def test_risk_difference_has_the_evalue_of_its_counterfactual_risks_ratio() -> None:
    """The table's E-values are the ``risk_ratio`` rows': standardised risks 0.30 and 0.20.

    A risk difference of 0.10 from counterfactual (standardised) risks 0.30 and 0.20 is a
    risk ratio of 1.5 (VanderWeele, Ding & Mathur 2019, section 5): E = 1.5 + sqrt(0.75)
    = 2.37; a protective effect, 0.20 against 0.25, RR 0.8, E = 1.81.
    """
    effects = pd.DataFrame(
        {
            "estimator": ["aipw"] * 4,
            "horizon": [365, 365, 730, 730],
            "estimand": ["risk_difference", "risk_ratio"] * 2,
            "estimate": [0.10, 0.30 / 0.20, -0.05, 0.20 / 0.25],
            "conf_low": [0.02, 1.1, -0.09, 0.71],
            "conf_high": [0.18, 2.0, -0.01, 0.91],
        }
    )
    table = evalue_table(effects)
    assert table["horizon"].tolist() == [365, 730]
    assert table["evalue"].tolist() == pytest.approx([1.5 + math.sqrt(0.75), _e(0.8)])
    assert table["evalue_ci"].tolist() == pytest.approx([_e(1.1), _e(1 / 0.91)])
    assert round(table["evalue"].iloc[0], 2) == 2.37


def test_the_table_says_the_level_of_the_interval_its_evalue_is_of() -> None:
    """An 80% interval's limit is further from 1 than a 95% one's: its E-value is larger.

    RR 1.5 with log standard error 0.15: the 95% lower limit exp(log 1.5 - 1.96 x 0.15)
    = 1.118 gives E 1.48; the 80% limit exp(log 1.5 - 1.2816 x 0.15) = 1.238 gives E 1.78.
    The base's table had no ``conf_level``, so an 80% E-value read as a 95% one.
    """
    z = {0.95: 1.959963984540054, 0.80: 1.2815515655446004}
    rows = []
    for level in (0.95, 0.80):
        low, high = (math.exp(math.log(1.5) + s * z[level] * 0.15) for s in (-1, 1))
        rows.append(
            {"estimator": "aipw", "horizon": 365, "estimand": "risk_ratio", "estimate": 1.5,
             "conf_low": low, "conf_high": high, "population": "all", "conf_level": level}
        )  # fmt: skip
    table = evalue_table(pd.DataFrame(rows))
    assert table["conf_level"].tolist() == [0.95, 0.80]
    assert table["population"].tolist() == ["all", "all"]
    limits = [math.exp(math.log(1.5) - z[level] * 0.15) for level in (0.95, 0.80)]
    assert table["evalue_ci"].tolist() == pytest.approx([_e(v) for v in limits])
    assert [round(v, 2) for v in table["evalue_ci"]] == [1.48, 1.78]
