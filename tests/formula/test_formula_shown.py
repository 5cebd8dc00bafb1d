"""The one rule for quoting a formula: values typed in a term of a personal column withheld.

:func:`escalation._formula_shown.shown_formula` is what every formula error quotes (see
``test_formula_withheld.py`` for the errors themselves); read as Python reads it, it
withholds the values of formulas formulaic cannot read too.
"""

from __future__ import annotations

import pytest

from escalation._formula_shown import shown_formula, uses_personal
from escalation.errors import WITHHELD


@pytest.mark.parametrize(
    ("formula", "shown"),
    [
        (
            "Surv(t, e) ~ x + C(child_id, Treatment('C1')) + cluster(family_id)",
            "Surv(t, e) ~ x + C(child_id, Treatment(<w>)) + cluster(family_id)",
        ),
        # only the term of the personal column: another's reference level is shown
        (
            "C(g, Treatment(reference='b')) + C(child_id, Treatment(reference='C1'))",
            "C(g, Treatment(reference='b')) + C(child_id, Treatment(reference=<w>))",
        ),
        ("I(child_id == 42) + np.log(x)", "I(child_id == <w>) + np.log(x)"),
        ("I(text.str.contains('Jane'))", "I(text.str.contains(<w>))"),
        # formulaic cannot read these; the values are withheld all the same
        ("C(child_id, Treatment('C1 23)) + x", "C(child_id, Treatment(<w>)) + x"),
        ("x + C(child_id, Treatment('''C1 23", "x + C(child_id, Treatment(<w>"),
        ("x +\nC(child_id,\n Treatment('C1'))", "x +\nC(child_id,\n Treatment(<w>))"),
        ("C(child_id, levels=[C1, C2])", "C(child_id, levels=[<w>, <w>])"),
        # no personal column: as typed (an unclosed quote included)
        ("C(g, Treatment('''b", "C(g, Treatment('''b"),
        ("x + C(g, Treatment('b'))", "x + C(g, Treatment('b'))"),
    ],
)
def test_shown_formula_withholds_every_value_typed_in_a_personal_term(
    formula: str, shown: str
) -> None:
    assert shown_formula(formula) == shown.replace("<w>", WITHHELD)


def test_uses_personal_reads_columns_not_functions_or_keywords() -> None:
    assert uses_personal("x + strata(child_id)")
    assert not uses_personal("C(g, Treatment(reference='b'))")  # 'reference' is a keyword
    assert not uses_personal("name(x)")  # a function named like a personal column
