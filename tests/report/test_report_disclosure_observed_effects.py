"""disclose_observed_effects: observed risks and their contrasts from disclosed counts.

A published unadjusted risk difference and risk ratio of one authority gave both risks
exactly (p0 = d / (r - 1), p1 = r p0), and so its exact escalations by each horizon.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from escalation.disclosure import DisclosureRules, disclose_observed_effects
from escalation.errors import DesignError

Z = 1.959963984540054


def _effects(p1: float, p0: float, estimator: str = "unadjusted") -> pd.DataFrame:
    rows = [
        ("risk_treated", p1, 0.021),
        ("risk_untreated", p0, 0.0157),
        ("risk_difference", p1 - p0, 0.02634),
        ("risk_ratio", p1 / p0, 0.0911),
        ("rmst_difference", -3.2187, 1.4821),
    ]
    frame = pd.DataFrame(rows, columns=["estimand", "estimate", "std_error"])
    frame["conf_low"] = frame["estimate"] - Z * frame["std_error"]
    frame["conf_high"] = frame["estimate"] + Z * frame["std_error"]
    frame["p_value"] = [np.nan, np.nan, 0.004, 0.004, 0.03]
    frame["log_estimate"] = np.where(frame["estimand"] == "risk_ratio", np.log(p1 / p0), np.nan)
    frame["log_std_error"] = np.where(frame["estimand"] == "risk_ratio", 0.0911 / (p1 / p0), np.nan)
    return frame.assign(estimator=estimator, horizon=365, suppressed=False)


def _records(treated: int, untreated: int) -> pd.DataFrame:
    return pd.DataFrame({"group": ["treated"] * treated + ["untreated"] * untreated})


def test_observed_risks_and_contrasts_are_made_of_disclosed_counts() -> None:
    # 234 of 578 treated and 301 of 912 untreated escalated: published as 235 of 580
    # and 300 of 910, the contrasts of those, standard errors to 2 significant figures
    out = disclose_observed_effects(_effects(234 / 578, 301 / 912), _records(578, 912))
    row = out.set_index("estimand")
    p1, p0 = 235 / 580, 300 / 910
    assert row.loc["risk_treated", "estimate"] == pytest.approx(p1, abs=1e-15)
    assert row.loc["risk_untreated", "estimate"] == pytest.approx(p0, abs=1e-15)
    assert row.loc["risk_difference", "estimate"] == pytest.approx(p1 - p0, abs=1e-15)
    assert row.loc["risk_difference", "std_error"] == 0.026
    assert row.loc["risk_difference", "conf_low"] == pytest.approx(p1 - p0 - Z * 0.026)
    assert row.loc["risk_difference", "p_value"] == pytest.approx(
        math.erfc(abs(p1 - p0) / 0.026 / math.sqrt(2))
    )
    log_se = 0.0911 / ((234 / 578) / (301 / 912))
    assert row.loc["risk_ratio", "estimate"] == pytest.approx(p1 / p0, abs=1e-15)
    assert row.loc["risk_ratio", "log_estimate"] == pytest.approx(math.log(p1 / p0))
    assert row.loc["risk_ratio", "log_std_error"] == float(f"{log_se:.2g}")
    assert row.loc["risk_ratio", "conf_high"] == pytest.approx(
        math.exp(math.log(p1 / p0) + Z * float(f"{log_se:.2g}"))
    )
    # a restricted mean difference is not a share of counts: left as it is
    assert row.loc["rmst_difference", "estimate"] == -3.2187
    assert not out["suppressed"].any()


def test_model_based_estimators_are_left_as_estimated() -> None:
    given = _effects(234 / 578, 301 / 912, estimator="aipw")
    out = disclose_observed_effects(given, _records(578, 912))
    pd.testing.assert_frame_equal(out, given)


def test_a_contrast_of_a_suppressed_risk_is_suppressed() -> None:
    # 4 of 578 treated escalated: the risk is suppressed, and so are the difference and
    # ratio, which with the untreated risk would give it back
    out = disclose_observed_effects(
        _effects(4 / 578, 301 / 912), _records(578, 912), DisclosureRules()
    ).set_index("estimand")
    for estimand in ("risk_treated", "risk_difference", "risk_ratio"):
        assert out.loc[estimand, "suppressed"], estimand
        assert out.loc[estimand, ["estimate", "std_error", "conf_low"]].isna().all()
    assert not out.loc["risk_untreated", "suppressed"]


def test_contrasts_without_the_arms_risks_are_suppressed() -> None:
    given = _effects(234 / 578, 301 / 912)
    given = given[~given["estimand"].str.startswith("risk_t")]  # no risk_treated
    out = disclose_observed_effects(given, _records(578, 912)).set_index("estimand")
    assert out.loc["risk_difference", "suppressed"] and out.loc["risk_ratio", "suppressed"]


def test_the_intervals_are_recomputed_at_the_tables_conf_level() -> None:
    """The intervals were recomputed at 95% under a conf_level column reading 0.9."""
    given = _effects(234 / 578, 301 / 912).assign(conf_level=0.9)
    out = disclose_observed_effects(given, _records(578, 912)).set_index("estimand")
    z90 = 1.6448536269514722
    for estimand in ("risk_treated", "risk_untreated", "risk_difference"):
        row = out.loc[estimand]
        assert (row["conf_high"] - row["conf_low"]) / 2 == pytest.approx(z90 * row["std_error"])
    ratio = out.loc["risk_ratio"]
    assert math.log(ratio["conf_high"] / ratio["estimate"]) == pytest.approx(
        z90 * ratio["log_std_error"]
    )
    assert (out["conf_level"] == 0.9).all()


@pytest.mark.parametrize(
    ("level", "message"),
    [
        (95, r"conf_level must lie strictly between 0 and 1, got 95"),
        (0.95, r"conf_level = 0.95, but table effects, column 'conf_level', holds 0.9"),
    ],
)
def test_a_conf_level_outside_0_1_or_not_the_tables_is_refused(level: float, message: str) -> None:
    given = _effects(234 / 578, 301 / 912).assign(conf_level=0.9)
    with pytest.raises(DesignError, match=message):
        disclose_observed_effects(given, _records(578, 912), conf_level=level)
