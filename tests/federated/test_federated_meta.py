"""Random-effects meta-analysis against metafor (frozen values; R is not needed).

``tests/reference/federated/metafor.R`` fits ``rma(method = "REML", test = "knha")`` (and
``test = "z"``), meta-regressions with one and two moderators and ``predict()``; every
inferential quantity must agree to 1e-6.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.federated.meta import meta_analyse

REFERENCE = Path(__file__).parents[1] / "reference" / "federated"
TOLERANCE = 1e-6

#: model -> (input case, moderators, test, prediction point)
MODELS = {
    ("authorities", "intercept"): ((), "knha", None),
    ("authorities", "offer"): (("early_help_rate",), "knha", {"early_help_rate": 0.5}),
    ("authorities", "offer_deprivation"): (
        ("early_help_rate", "deprivation"),
        "knha",
        {"early_help_rate": 0.5, "deprivation": 5.0},
    ),
    ("authorities", "intercept_z"): ((), "z", None),
    ("homogeneous", "intercept"): ((), "knha", None),
    ("oscillating", "intercept"): ((), "knha", None),
    ("large_scale", "intercept"): ((), "knha", None),
    ("days", "intercept"): ((), "knha", None),
    ("bcg", "intercept"): ((), "knha", None),
    ("bcg", "ablat"): (("ablat",), "knha", {"ablat": 30.0}),
}


def _inputs() -> pd.DataFrame:
    return pd.concat(
        [
            pd.read_csv(REFERENCE / "meta_input.csv"),
            pd.read_csv(REFERENCE / "bcg_input.csv"),
        ],
        ignore_index=True,
    )


def _reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "meta_reference.csv", keep_default_na=False)


@pytest.mark.parametrize(("case", "model"), list(MODELS))
def test_meta_analysis_matches_metafor(case: str, model: str) -> None:
    mods, test, at = MODELS[(case, model)]
    data = _inputs()
    data = data[data["case"] == case].reset_index(drop=True)
    fit = meta_analyse(
        data["yi"],
        np.sqrt(data["vi"]),
        moderators=data[list(mods)] if mods else None,
        studies=data["study"],
        test=test,  # type: ignore[arg-type]
    )
    ref = _reference()
    ref = ref[(ref["case"] == case) & (ref["model"] == model)]

    def value(quantity: str, term: str = "") -> float:
        row = ref[(ref["quantity"] == quantity) & (ref["term"] == term)]
        assert len(row) == 1, (quantity, term)
        return float(row["value"].iloc[0])

    tidy = fit.tidy().set_index("term")
    for term in tidy.index:
        for ours, theirs in (
            ("estimate", "estimate"),
            ("std_error", "std_error"),
            ("statistic", "statistic"),
            ("p_value", "p_value"),
            ("conf_low", "conf_low"),
            ("conf_high", "conf_high"),
        ):
            assert tidy.loc[term, ours] == pytest.approx(value(theirs, term), abs=TOLERANCE), (
                term,
                ours,
            )
    glance = fit.glance().iloc[0]
    assert fit.tau2 == pytest.approx(value("tau2"), abs=TOLERANCE)
    assert fit.se_tau2 == pytest.approx(value("se.tau2"), abs=TOLERANCE)
    assert fit.i2 == pytest.approx(value("I2"), abs=TOLERANCE)
    assert fit.h2 == pytest.approx(value("H2"), abs=TOLERANCE)
    assert fit.q == pytest.approx(value("QE"), abs=TOLERANCE)
    assert fit.q_p_value == pytest.approx(value("QEp"), abs=TOLERANCE)
    assert fit.qm == pytest.approx(value("QM"), abs=TOLERANCE)
    assert fit.qm_p_value == pytest.approx(value("QMp"), abs=TOLERANCE)
    assert fit.k == value("k") and len(fit.coefficients) == value("p")
    pred = fit.predict(pd.DataFrame([at]) if at else None).iloc[0]
    for ours, theirs in (
        ("estimate", "predict_pred"),
        ("std_error", "predict_se"),
        ("conf_low", "predict_ci.lb"),
        ("conf_high", "predict_ci.ub"),
        ("pi_low", "predict_pi.lb"),
        ("pi_high", "predict_pi.ub"),
    ):
        assert pred[ours] == pytest.approx(value(theirs), abs=TOLERANCE), ours
    if not mods:
        assert glance["pi_low"] == pytest.approx(value("predict_pi.lb"), abs=TOLERANCE)


def test_default_metafor_stopping_rule_is_looser_than_ours() -> None:
    """metafor stops Fisher scoring when tau^2 changes by < 1e-5 (absolute) by default.

    On the risk-difference scale tau^2 is ~1e-4, so that rule stops early: the frozen
    reference uses ``control = list(threshold = 1e-12)``. Ours iterates to the optimum:
    its REML log-likelihood is at least that of metafor's default stop.
    """
    from escalation.federated.meta import _design_matrix, _reml_loglik

    data = _inputs()
    data = data[data["case"] == "authorities"]
    fit = meta_analyse(data["yi"], np.sqrt(data["vi"]))
    ref = _reference()
    default = ref[
        (ref["model"] == "intercept_default_control")
        & (ref["quantity"] == "tau2")
        & (ref["case"] == "authorities")
    ]["value"].iloc[0]
    assert 0 < abs(fit.tau2 - default) < 1e-5
    x, _, _ = _design_matrix(None, len(data))
    y, v = data["yi"].to_numpy(), data["vi"].to_numpy()
    assert _reml_loglik(x, y, v, fit.tau2) >= _reml_loglik(x, y, v, default)


@pytest.mark.parametrize("case", ["large_scale", "days"])
def test_the_fit_does_not_depend_on_the_units(case: str) -> None:
    """Estimates and standard errors times c give tau^2 times c^2 and mu times c.

    Fisher scoring once stopped on an absolute change in tau^2 (1e-14): near the optimum
    a step is rounding noise of about eps * tau^2, so every tau^2 above about 40 failed
    to converge. The reference is metafor's fit of the same table at c = 1.
    """
    data = _inputs()
    data = data[data["case"] == case]
    ref = _reference()
    ref = ref[(ref["case"] == case) & (ref["model"] == "intercept")].set_index("quantity")
    tau2 = float(ref.loc["tau2", "value"])
    mu = float(ref.loc["estimate", "value"])
    y, se = data["yi"].to_numpy(), np.sqrt(data["vi"].to_numpy())
    for scale in np.geomspace(1e-3, 1e3, 25):
        fit = meta_analyse(y * scale, se * scale)
        assert fit.tau2 / scale**2 == pytest.approx(tau2, rel=1e-9), scale
        assert fit.coefficients.iloc[0] / scale == pytest.approx(mu, rel=1e-9), scale


def test_homogeneous_estimates_have_no_between_authority_variance() -> None:
    data = _inputs()
    data = data[data["case"] == "homogeneous"]
    fit = meta_analyse(data["yi"], np.sqrt(data["vi"]))
    assert fit.tau2 == 0.0 and fit.i2 == 0.0
    pred = fit.predict().iloc[0]
    # With tau^2 = 0 the prediction interval is the confidence interval.
    assert pred["pi_low"] == pytest.approx(pred["conf_low"])


def test_weights_sum_to_100_and_follow_precision() -> None:
    fit = meta_analyse([0.1, 0.2, 0.3], [0.1, 0.2, 0.4], studies=["a", "b", "c"])
    weights = fit.studies.set_index("study")["weight"]
    assert weights.sum() == pytest.approx(100.0)
    assert weights["a"] > weights["b"] > weights["c"]


@pytest.mark.parametrize(
    ("estimates", "std_errors", "message"),
    [
        ([0.1], [0.1], "at least 2"),
        ([0.1, np.nan], [0.1, 0.1], "'2'.*not a finite"),
        ([0.1, 0.2], [0.1, 0.0], "'2'.*positive"),
        ([0.1, 0.2], [0.1], "give one each"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message(
    estimates: list[float], std_errors: list[float], message: str
) -> None:
    with pytest.raises(DesignError, match=message):
        meta_analyse(estimates, std_errors)


def test_collinear_or_constant_moderators_are_refused() -> None:
    mods = pd.DataFrame({"offer": [0.3, 0.3, 0.3, 0.3]})
    with pytest.raises(DesignError, match="collinear or constant"):
        meta_analyse([0.1, 0.2, 0.0, 0.1], [0.1] * 4, moderators=mods)


@pytest.mark.parametrize("name", ["estimate", "weight", "pi_low", "(Intercept)"])
def test_a_moderator_named_like_a_result_column_is_refused(name: str) -> None:
    """A moderator called ``estimate`` overwrote the authorities' estimates in the studies
    table (and so in the forest plot) and gave predictions two ``estimate`` columns."""
    mods = pd.DataFrame({name: [0.1, 0.4, 0.2, 0.8, 0.5]})
    with pytest.raises(DesignError, match=rf"moderator\(s\) '{re.escape(name)}' share a name"):
        meta_analyse([0.1, 0.2, 0.0, 0.1, 0.3], [0.1] * 5, moderators=mods)


@pytest.mark.parametrize("case", ["two", "identical", "identical_zero"])
@pytest.mark.parametrize("test", ["knha", "z"])
def test_edge_cases_match_metafor(case: str, test: str) -> None:
    """Two authorities, and authorities whose estimates are identical (``metafor_edges.R``).

    With identical estimates the Hartung-Knapp residual sum of squares is 0: the standard
    error is 0 and metafor's omnibus test is NA. ``meta_analyse`` stopped with numpy's
    ``LinAlgError: Singular matrix`` (and the hub, which catches only a
    ``ConvergenceError``, with it), e.g. when every authority's observed risk difference,
    from disclosed counts, was 0.
    """
    data = pd.read_csv(REFERENCE / "meta_edge_input.csv")
    data = data[data["case"] == case]
    ref = pd.read_csv(REFERENCE / "meta_edge_reference.csv")
    ref = ref[(ref["case"] == case) & (ref["test"] == test)].set_index("quantity")["value"]
    fit = meta_analyse(data["yi"], np.sqrt(data["vi"]), test=test)  # type: ignore[arg-type]
    tidy = fit.tidy().iloc[0]
    pred = fit.predict().iloc[0]
    ours = {
        "estimate": tidy["estimate"],
        "std_error": tidy["std_error"],
        "statistic": tidy["statistic"],
        "p_value": tidy["p_value"],
        "conf_low": tidy["conf_low"],
        "conf_high": tidy["conf_high"],
        "tau2": fit.tau2,
        "se.tau2": fit.se_tau2,
        "I2": fit.i2,
        "H2": fit.h2,
        "QE": fit.q,
        "QEp": fit.q_p_value,
        "QM": fit.qm,
        "QMp": fit.qm_p_value,
        "pi.lb": pred["pi_low"],
        "pi.ub": pred["pi_high"],
    }
    assert set(ours) == set(ref.index)
    for quantity, value in ours.items():
        assert float(value) == pytest.approx(float(ref[quantity]), abs=1e-8, nan_ok=True), quantity
