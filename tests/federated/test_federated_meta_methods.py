"""DerSimonian–Laird and fixed-effect meta-analysis against metafor (frozen values).

``meta_analyse`` implemented only REML. ``tests/reference/federated/metafor_methods.R``
fits ``rma(method = "DL" / "FE", test = "knha" / "z")`` with and without moderators and
``predict()``; every quantity must agree to 1e-8 (coefficients, intervals, tau², its
standard error, I², H², Q, the moderator test, prediction intervals).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.federated.meta import meta_analyse

REFERENCE = Path(__file__).parents[1] / "reference" / "federated"
TOLERANCE = 1e-8

#: (case, model) -> (moderators, prediction point)
MODELS = {
    ("authorities", "intercept"): ((), None),
    ("authorities", "offer"): (("early_help_rate",), {"early_help_rate": 0.5}),
    ("authorities", "offer_deprivation"): (
        ("early_help_rate", "deprivation"),
        {"early_help_rate": 0.5, "deprivation": 5.0},
    ),
    ("homogeneous", "intercept"): ((), None),
    ("bcg", "intercept"): ((), None),
    ("bcg", "ablat"): (("ablat",), {"ablat": 30.0}),
}
CASES = [(*key, m, t) for key in MODELS for m in ("DL", "FE") for t in ("knha", "z")]


def _close(ours: float, theirs: float, what: str) -> None:
    if np.isnan(theirs):
        assert np.isnan(ours), what
    else:
        assert ours == pytest.approx(theirs, rel=TOLERANCE, abs=1e-12), what


@pytest.mark.parametrize(("case", "model", "method", "test"), CASES)
def test_dl_and_fe_match_metafor(case: str, model: str, method: str, test: str) -> None:
    mods, at = MODELS[(case, model)]
    data = pd.concat(
        [pd.read_csv(REFERENCE / "meta_input.csv"), pd.read_csv(REFERENCE / "bcg_input.csv")],
        ignore_index=True,
    )
    data = data[data["case"] == case].reset_index(drop=True)
    fit = meta_analyse(
        data["yi"],
        np.sqrt(data["vi"]),
        moderators=data[list(mods)] if mods else None,
        studies=data["study"],
        test=test,  # type: ignore[arg-type]
        method=method,  # type: ignore[arg-type]
    )
    ref = pd.read_csv(REFERENCE / "meta_methods_reference.csv", keep_default_na=False)
    ref = ref[
        (ref["case"] == case)
        & (ref["model"] == model)
        & (ref["method"] == method)
        & (ref["test"] == test)
    ]

    def value(quantity: str, term: str = "") -> float:
        row = ref[(ref["quantity"] == quantity) & (ref["term"] == term)]
        assert len(row) == 1, (quantity, term)
        text = row["value"].iloc[0]
        return np.nan if text == "NA" else float(text)

    assert fit.method == method
    tidy = fit.tidy().set_index("term")
    for term in tidy.index:
        for column in ("estimate", "std_error", "statistic", "p_value", "conf_low", "conf_high"):
            _close(float(tidy.loc[term, column]), value(column, term), f"{term} {column}")
    for ours, theirs in (
        (fit.tau2, "tau2"),
        (fit.se_tau2, "se.tau2"),
        (fit.i2, "I2"),
        (fit.h2, "H2"),
        (fit.q, "QE"),
        (fit.q_p_value, "QEp"),
        (fit.qm, "QM"),
        (fit.qm_p_value, "QMp"),
    ):
        _close(ours, value(theirs), theirs)
    assert fit.k == value("k") and len(fit.coefficients) == value("p")
    pred = fit.predict(pd.DataFrame([at]) if at else None).iloc[0]
    for ours, theirs in (
        ("estimate", "pred"),
        ("std_error", "se"),
        ("conf_low", "ci.lb"),
        ("conf_high", "ci.ub"),
        ("pi_low", "pi.lb"),
        ("pi_high", "pi.ub"),
    ):
        _close(float(pred[ours]), value(f"predict_{theirs}"), ours)


def test_the_default_stays_reml_and_the_method_is_reported() -> None:
    y, se = [-0.02, -0.05, 0.01, -0.03], [0.015, 0.02, 0.018, 0.012]
    default, reml = meta_analyse(y, se), meta_analyse(y, se, method="REML")
    assert default.method == "REML" and default.tau2 == reml.tau2
    assert default.glance()["method"].iloc[0].startswith("REML")
    dl = meta_analyse(y, se, method="DL")
    assert dl.glance()["method"].iloc[0].startswith("DerSimonian-Laird")
    fe = meta_analyse(y, se, method="FE", test="z")
    assert fe.glance()["method"].iloc[0] == "fixed effect, normal inference"
    text = fe.summary().as_text()
    assert "Fixed-effect" in text and "0 (assumed)" in text
    # a fixed-effect forest plot has the pooled row and no prediction row
    assert list(fe.forest()["kind"].iloc[-1:]) == ["pooled"]
    assert "prediction" not in set(fe.forest()["kind"])


def test_an_unknown_method_is_refused() -> None:
    with pytest.raises(DesignError, match="method must be 'REML', 'DL' or 'FE', got 'PM'"):
        meta_analyse([0.1, 0.2, 0.3], [0.1, 0.1, 0.1], method="PM")  # type: ignore[arg-type]
