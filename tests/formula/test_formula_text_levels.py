"""A text column in a formula (``g`` or ``C(g)``) is coded as ``covariates=["g"]`` codes it.

Was (review of session 27): formulaic sorted a text column's levels as text, so a column
of codes kept as text (``"2"``, ``"9"``, ``"10"``) had the reference ``"10"`` in a formula
and ``"2"`` with ``covariates=`` (the package's one order,
:func:`~escalation.timeline.matrix.level_order`, documented in docs/vocabulary.md): other
names (``n[T.2]``, ``n[T.9]`` against ``n_9``, ``n_10``) and other estimates for one model.
A text column of pandas' ``string`` type was read as numbers: one column named ``s`` and a
``ValueError`` when coded. The names are the documented ones (docs/vocabulary.md,
"Coefficient names"); the reference for the estimates is the ``covariates=`` coding of the
same data (whose levels are written out here by hand), and for each indicator its
definition (1 where the row has the level).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.formula import FormulaCoding
from escalation.survival import fit_cox


def _spells(kind: str = "object") -> pd.DataFrame:
    """240 spells with a text column of codes ``n`` (2, 9, 10) and of words ``g`` (a, b, c)."""
    rng = np.random.default_rng(11)
    n = 240
    code = rng.choice([2, 9, 10], n)
    word = rng.choice(["a", "b", "c"], n)
    t = rng.exponential(50 / np.exp(0.4 * (code == 9) - 0.5 * (code == 10) + 0.3 * (word == "c")))
    return pd.DataFrame(
        {
            "duration": np.ceil(np.minimum(t, 120)),
            "event": (t < 120).astype(int),
            "n": pd.Series(code.astype(str), dtype=kind),
            "g": pd.Series(word, dtype=kind),
        }
    )


@pytest.mark.parametrize("kind", ["object", "string"])
def test_codes_kept_as_text_have_the_same_reference_names_and_estimates(kind: str) -> None:
    data = _spells(kind)
    by_list = fit_cox(data, ["n", "g"], min_count=1)
    assert list(by_list.coefficients.index) == ["n_9", "n_10", "g_b", "g_c"]
    for rhs, names in {
        "n + g": ["n[T.9]", "n[T.10]", "g[T.b]", "g[T.c]"],
        "C(n) + C(g)": ["C(n)[T.9]", "C(n)[T.10]", "C(g)[T.b]", "C(g)[T.c]"],
    }.items():
        by_formula = fit_cox(data, f"Surv(duration, event) ~ {rhs}", min_count=1)
        assert list(by_formula.coefficients.index) == names
        np.testing.assert_allclose(by_formula.coefficients, by_list.coefficients, rtol=1e-10)
        np.testing.assert_allclose(
            np.diag(by_formula.covariance), np.diag(by_list.covariance), rtol=1e-10
        )
    shown = str(fit_cox(data, "Surv(duration, event) ~ n + C(g)", min_count=1).summary())
    assert "n = 2" in shown and "C(g) = a" in shown  # the references the summary names


def test_a_string_column_is_coded_as_indicators_of_its_levels() -> None:
    frame = pd.DataFrame({"s": pd.array(["b", "a", "c", "a"], dtype="string")})
    coding = FormulaCoding.learn(frame, "s")
    assert coding.names == ("s[T.b]", "s[T.c]") and coding.references == {"s": "a"}
    coded = coding.apply(frame)
    expected = np.column_stack([frame["s"] == "b", frame["s"] == "c"]).astype(float)
    np.testing.assert_array_equal(coded.to_numpy(), expected)


def test_new_rows_are_coded_by_the_levels_learnt() -> None:
    """A profile of level "10" alone is coded against the reference "2" learnt, not its own."""
    coding = FormulaCoding.learn(pd.DataFrame({"n": ["10", "2", "9", "2"]}), "n")
    new = pd.DataFrame({"n": pd.array(["10", "9"], dtype="string")}, index=[7, 3])
    coded = coding.apply(new, table="profiles")
    assert coded.index.tolist() == [7, 3]
    np.testing.assert_array_equal(coded.to_numpy(), [[0.0, 1.0], [1.0, 0.0]])
    with pytest.raises(DesignError, match=r"profiles: .*level not seen"):
        coding.apply(pd.DataFrame({"n": ["11"]}), table="profiles")
