"""A formula's errors never quote a value typed beside a personal column.

Session 24: errors quoted the formula as typed, so the reference level given for an
identifier (``C(child_id, Treatment('C0042'))``), an identifier compared with or a name
searched for in the note text reached the message, while the levels of such a column
were already withheld. Every quotation now withholds those values (the rule of
``escalation.errors.is_personal``, which Table 1 refuses personal columns by), and still
names the column and the problem. A personal column is then refused as a covariate
before the data are coded (``tests/test_personal_covariates.py``): the errors here are
those raised before, reading the formula.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.causal import fit_propensity
from escalation.errors import WITHHELD, DesignError
from escalation.formula import FormulaCoding
from escalation.survival import fit_cox

#: An identifier of the data (row 2), and one that is not in it: neither may be shown.
KNOWN, UNKNOWN = "C0002", "C9999"
NAME = "Jane Smith"


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(24)
    n = 60
    return pd.DataFrame(
        {
            "g": rng.choice(["a", "b", "c"], n),
            "x": rng.uniform(0.5, 2.0, n),
            "treatment": rng.integers(0, 2, n),
            "child_id": [f"C{i:04d}" for i in range(n)],
            "text": [f"visit {i}" for i in range(n)],
            "duration": rng.uniform(1, 300, n),
            "event": rng.integers(0, 2, n),
        }
    )


def assert_withheld(message: str, column: str, problem: str, *values: str) -> None:
    """The message names the column and the problem, and none of the values typed."""
    assert column in message, message
    assert problem in message, message
    assert WITHHELD in message, message
    for value in values:
        assert value not in message, message


@pytest.mark.parametrize(
    ("formula", "column", "problem", "value"),
    [
        (  # formulaic cannot read it (an unclosed bracket): its message quoted the term
            f"Surv(duration, event) ~ x + C(child_id, Treatment('{KNOWN}')",
            "child_id",
            "cannot read the right-hand side",
            KNOWN,
        ),
        (
            f"Surv(duration, child_id == '{KNOWN}') ~ x",
            "child_id",
            "the event of Surv() is a column",
            KNOWN,
        ),
        (
            f"treatment ~ x + C(child_id, Treatment('{KNOWN}')) + strata(g)",
            "child_id",
            "the formula has Surv(duration, event) on the left",
            KNOWN,
        ),
    ],
)
def test_an_error_of_a_model_formula_withholds_the_values_of_personal_columns(
    frame: pd.DataFrame, formula: str, column: str, problem: str, value: str
) -> None:
    with pytest.raises(DesignError) as raised:
        fit_cox(frame, formula)
    assert_withheld(str(raised.value), column, problem, value)


def test_a_propensity_formula_withholds_the_identifier(frame: pd.DataFrame) -> None:
    with pytest.raises(DesignError) as raised:
        fit_propensity(frame, formula=f"treatment ~ x + I(child_id == '{KNOWN}') + strata(g)")
    assert_withheld(str(raised.value), "child_id", "a propensity formula is", KNOWN)


def test_a_formula_of_columns_that_are_not_personal_is_quoted_as_typed(
    frame: pd.DataFrame,
) -> None:
    with pytest.raises(DesignError) as raised:
        FormulaCoding.learn(frame, "C(g, Treatment('z')) + x")
    message = str(raised.value)
    assert "formula \"C(g, Treatment('z')) + x\"" in message
    assert "'z' is not a level of g (levels: a, b, c)" in message
    assert WITHHELD not in message
    with pytest.raises(DesignError) as unreadable:  # formulaic's own words are kept
        FormulaCoding.learn(frame, "C(g, Treatment('z')")
    assert "quote context was closed" in str(unreadable.value)
