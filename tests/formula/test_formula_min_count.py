"""``min_count`` with a formula in the survival models: the levels are used as written, warned.

Was: ``fit_cox(data, formula=..., min_count=...)`` (and ``fit_aft``, ``fit_fine_gray``,
``fit_cause_specific``) ignored ``min_count`` without a word: a level of 8 rows out of 200
got its own coefficient while ``covariates=[...]`` pooled it into ``other``. The causal
estimators and ``fit_propensity`` already had the package's rule for a formula
(:func:`escalation.formula.warn_rare_levels`: a formula's levels are used as written, and a
``StatisticalWarning`` names the variables with rarer levels); the survival models now
share it. The expected columns are counted by hand from the data built here (three levels,
the first the reference: two indicator columns written as written, one ``other`` column
pooled).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.errors import StatisticalWarning
from escalation.survival import fit_aft, fit_cause_specific, fit_cox, fit_fine_gray

FITS: dict[str, Callable[..., Any]] = {
    "fit_cox": fit_cox,
    "fit_aft": fit_aft,
    "fit_fine_gray": fit_fine_gray,
    "fit_cause_specific": fit_cause_specific,
}


def _frame() -> pd.DataFrame:
    """200 spells; ``band`` has levels a (100 rows), b (92) and the rare c (8 rows)."""
    rng = np.random.default_rng(27)
    n = 200
    band = np.array(["a"] * 100 + ["b"] * 92 + ["c"] * 8)
    x = rng.normal(size=n)
    t = rng.exponential(100 / np.exp(0.3 * x + 0.2 * (band == "b")))
    c = rng.uniform(20, 300, n)
    event = np.where(t <= c, rng.choice([1, 2], n, p=[0.7, 0.3]), 0)
    event[-8:] = [1, 2, 0, 1, 2, 1, 0, 2]  # the rare level has both causes: no separation
    return pd.DataFrame(
        {"duration": np.ceil(np.minimum(t, c)), "event": event, "x": x, "band": band}
    )


def _coefficient_names(fit: Any) -> list[str]:
    """The coded columns of ``band`` (once: the cause-specific table has a row per cause)."""
    return list(dict.fromkeys(str(term) for term in fit.tidy()["term"] if "band" in str(term)))


@pytest.mark.parametrize("name", list(FITS))
@pytest.mark.parametrize("term", ["C(band)", "band"])
def test_a_formula_keeps_its_rare_levels_and_says_so(name: str, term: str) -> None:
    fit = FITS[name]
    with pytest.warns(StatisticalWarning, match=r"'band' \(1 of its 3 levels\).*min_count=20"):
        by_formula = fit(_frame(), f"Surv(duration, event) ~ x + {term}", min_count=20)
    assert _coefficient_names(by_formula) == [f"{term}[T.b]", f"{term}[T.c]"]  # c kept


@pytest.mark.parametrize("name", list(FITS))
def test_covariates_pool_the_rare_level_without_the_formula_warning(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        by_list = FITS[name](_frame(), ["x", "band"], min_count=20)
    assert _coefficient_names(by_list) == ["band_b", "band_other"]  # c pooled into other


@pytest.mark.parametrize("name", list(FITS))
def test_no_rare_level_no_warning(name: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit = FITS[name](_frame(), "Surv(duration, event) ~ x + C(band)", min_count=8)
    assert _coefficient_names(fit) == ["C(band)[T.b]", "C(band)[T.c]"]


@pytest.mark.parametrize("name", list(FITS))
def test_the_warning_points_at_the_callers_line(name: str) -> None:
    with pytest.warns(StatisticalWarning) as caught:
        FITS[name](_frame(), "Surv(duration, event) ~ x + C(band)")
    assert [w.filename for w in caught] == [__file__]
