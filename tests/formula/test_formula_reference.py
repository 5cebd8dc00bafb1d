"""The Rossi and NHEFS examples of R written as one formula each give R's coefficients.

Reference: tests/reference/formula/formula.R (R 4.2.2, survival 3.5.3) and its frozen
output formula_reference.csv; the factor-coded Rossi data (rossi_factors.csv) are written
by the same script, so the levels and their code order are R's.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.causal import fit_propensity, ipw_mean_difference
from escalation.survival import fit_cox

REFERENCE = Path(__file__).resolve().parents[1] / "reference"
R = pd.read_csv(REFERENCE / "formula" / "formula_reference.csv")


def _r(model: str) -> pd.DataFrame:
    return R[R["model"] == model].reset_index(drop=True)


@pytest.fixture(scope="module")
def rossi() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "formula" / "rossi_factors.csv")


@pytest.fixture(scope="module")
def nhefs() -> pd.DataFrame:
    frame = pd.read_csv(REFERENCE / "causal" / "nhefs.csv")
    frame["survtime"] = np.where(
        frame["death"] == 0, 120, (frame["yrdth"] - 83) * 12 + frame["modth"]
    )
    return frame


NHEFS_PROPENSITY = (
    "qsmk ~ sex + race + age + I(age**2) + C(education) + smokeintensity"
    " + I(smokeintensity**2) + smokeyrs + I(smokeyrs**2) + C(exercise) + C(active)"
    " + wt71 + I(wt71**2)"
)


def _check(terms: list[str], estimate: np.ndarray, se: np.ndarray, model: str) -> None:
    ref = _r(model)
    assert len(terms) == len(ref), (terms, ref["term"].tolist())
    np.testing.assert_allclose(estimate, ref["estimate"], rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(se, ref["std_error"], rtol=1e-6, atol=1e-9)


def test_rossi_main_effects_with_r_reference_levels(rossi: pd.DataFrame) -> None:
    """Fox & Weisberg's model: fin 'no', race 'black', mar 'married' ... are references."""
    fit = fit_cox(rossi, "Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio")
    tidy = fit.tidy()
    assert tidy["term"].tolist() == [
        "fin[T.yes]", "age", "race[T.other]", "wexp[T.yes]", "mar[T.not married]",
        "paro[T.yes]", "prio",
    ]  # fmt: skip
    assert fit.variance == "model"
    _check(tidy["term"].tolist(), tidy["estimate"], tidy["std_error"], "rossi_main")
    shown = str(fit.summary())
    assert "fin = no" in shown and "mar = married" in shown  # the summary names R's references


def test_rossi_list_of_covariates_uses_r_reference_levels_too(rossi: pd.DataFrame) -> None:
    """The reference level is the first in code order without a formula as well.

    Before, it was the most frequent level ('not married'), so the sign of mar flipped.
    """
    covariates = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    fit = fit_cox(rossi, covariates, duration="week", event="arrest", min_count=1)
    assert "mar_not married" in fit.coefficients.index
    np.testing.assert_allclose(fit.coefficients, _r("rossi_main")["estimate"], rtol=1e-6)


def test_rossi_splines_chosen_reference_interaction_strata_cluster(rossi: pd.DataFrame) -> None:
    fit = fit_cox(
        rossi,
        formula="Surv(week, arrest) ~ fin + bs(age, df=3) + C(race, Treatment('other'))"
        " + prio + fin:prio + strata(wexp) + cluster(family)",
    )
    assert fit.variance == "robust"
    assert fit.glance().loc[0, "strata"] == "wexp"
    tidy = fit.tidy()
    assert tidy["term"].iloc[4] == "C(race, Treatment('other'))[T.black]"
    _check(tidy["term"].tolist(), tidy["estimate"], tidy["std_error"], "rossi_formula")


def test_rossi_product_term_with_breslow_ties(rossi: pd.DataFrame) -> None:
    fit = fit_cox(rossi, "Surv(week, arrest) ~ fin * prio + mar", ties="breslow")
    tidy = fit.tidy()
    assert tidy["term"].tolist() == ["fin[T.yes]", "prio", "mar[T.not married]", "fin[T.yes]:prio"]
    _check(tidy["term"].tolist(), tidy["estimate"], tidy["std_error"], "rossi_interaction_breslow")


def test_nhefs_propensity_model_of_chapter_12(nhefs: pd.DataFrame) -> None:
    """R's glm with as.factor(education) etc.: level 1 (and 0) are the references."""
    complete = nhefs[nhefs["wt82_71"].notna()]
    fit = fit_propensity(complete, formula=NHEFS_PROPENSITY)
    tidy = fit.tidy()
    assert tidy["term"].iloc[5] == "C(education)[T.2]"
    _check(tidy["term"].tolist(), tidy["estimate"], tidy["std_error"], "nhefs_propensity")


def test_nhefs_ip_weighted_difference_from_one_formula(nhefs: pd.DataFrame) -> None:
    """3.4 kg (95% CI 2.4 to 4.5); the book's R code gives 3.4405 (2.4106, 4.4705)."""
    out = ipw_mean_difference(nhefs, outcome="wt82_71", formula=NHEFS_PROPENSITY).iloc[0]
    assert out["term"] == "qsmk"
    assert out["estimate"] == pytest.approx(3.4405, abs=5e-4)
    assert out["conf_low"] == pytest.approx(2.4106, abs=5e-4)


def test_nhefs_cox_model(nhefs: pd.DataFrame) -> None:
    fit = fit_cox(
        nhefs,
        "Surv(survtime, death) ~ qsmk + sex + race + age + I(age**2) + C(education)"
        " + smokeintensity + smokeyrs + C(exercise) + C(active) + wt71",
    )
    tidy = fit.tidy()
    _check(tidy["term"].tolist(), tidy["estimate"], tidy["std_error"], "nhefs_cox")
