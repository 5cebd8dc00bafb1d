"""A left-out term says why: no variation, or collinear with the columns it repeats.

A reviewer found ``fit_cox(data).summary()`` printing "left out (no variation)
prior_assessments" for a column the fit had just warned was collinear. The reason now
comes from the core's one collinearity check, for the Cox and the propensity summaries.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from escalation.causal import fit_propensity
from escalation.core.collinearity import redundant_columns
from escalation.errors import StatisticalWarning
from escalation.survival import fit_cox
from tests.survival.survival_reference import spells


def _with_redundant_columns() -> pd.DataFrame:
    """Reference spells with ``x4 = x1 + 1`` (collinear) and ``flat`` (constant)."""
    return spells().assign(x4=lambda d: d["x1"] + 1.0, flat=3.0)


def test_redundant_columns_name_the_columns_an_aliased_column_repeats() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(200, 3))
    x = np.column_stack([x, x[:, 0] - 2 * x[:, 2], np.full(200, 5.0)])
    found = redundant_columns(x)
    assert found.partners[3] == (0, 2)
    assert found.reasons(["a", "b", "c", "d", "e"]) == {
        "d": "collinear with a, c",
        "e": "no variation",
    }
    numpy = redundant_columns(x, engine="numpy")
    assert numpy.partners == found.partners


def test_cox_summary_says_collinear_not_no_variation() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", StatisticalWarning)
        fit = fit_cox(_with_redundant_columns(), ["x1", "x2", "x4", "flat"], cluster=None)
    assert any("x4 (collinear with x1)" in str(w.message) for w in caught)
    assert fit.dropped_terms == ("x4", "flat")
    assert fit.dropped_reasons == ("collinear with x1", "no variation")
    facts = fit.summary().facts
    assert facts["left out"] == "x4 (collinear with x1); flat (no variation)"
    assert not any("no variation)" in str(key) for key in facts)


def test_propensity_summary_names_what_it_left_out_and_why() -> None:
    frame = _with_redundant_columns().assign(treated=lambda d: (d["x2"] > 0).astype(int))
    frame = frame.assign(x2=np.random.default_rng(1).normal(size=len(frame)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        fit = fit_propensity(frame, "treated", ["x1", "x2", "x4", "flat"])
    assert fit.dropped == ("x4", "flat")
    assert fit.summary().facts["left out"] == "x4 (collinear with x1); flat (no variation)"


def test_left_out_phrase_without_reasons() -> None:
    from escalation.core.collinearity import left_out_phrase

    assert left_out_phrase(["a"], []) == "a (no variation or collinear)"
