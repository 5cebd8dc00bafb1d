"""A code written in another case than its list (``neg``, ``f``, ``Referral``) is unknown.

The contract (docs/contract.md, /work/shared/spec/case-history.md) says "Codes are checked
against the DfE code lists above; unknown codes are reported, not guessed" and gives the
codes in one case (``F``, ``M``, ``U``; ``NEG``, ...; the kinds in lower case); it says
nothing that allows another case. So ``neg`` stays unknown (reported, and dropped when
lenient), but the message now names the code meant: "did you mean 'NEG'?". Was: the
reason gave only the list, or "see the DfE code list", leaving the reader to find it.
The codes expected below are written out by hand from the DfE lists.
"""

from __future__ import annotations

import pandas as pd
import pytest

from escalation import validate_case_history

from .conftest import history_from, valid_tables

_HINT = "did you mean {!r}? (codes are read exactly as the list writes them, case included)"


@pytest.mark.parametrize(
    ("table", "row", "column", "value", "meant"),
    [
        ("children", 0, "sex", "f", "F"),
        ("children", 1, "ethnicity", "bafr", "BAFR"),
        ("episodes", 6, "category", "neg", "NEG"),
        ("episodes", 6, "category", "Neg", "NEG"),
        ("episodes", 7, "source", "3a", "3A"),
        ("episodes", 7, "need", "n4", "N4"),
        ("episodes", 7, "reason", "rc8", "RC8"),
        ("episodes", 8, "legal_status", "c2", "C2"),
        ("episodes", 1, "factors", "3b;4B", "3B"),
    ],
)
def test_a_code_in_another_case_is_reported_naming_the_code_meant(
    table: str, row: int, column: str, value: str, meant: str
) -> None:
    tables = valid_tables()
    tables[table].loc[row, column] = value
    history = validate_case_history(history_from(tables), lenient=True)
    (problem,) = history.exclusions.problems
    assert (problem.table, problem.row, problem.column) == (table, row, column)
    assert problem.hint == _HINT.format(meant) and "did you mean" not in problem.reason
    assert problem.describe().endswith(f"; {_HINT.format(meant)} [value dropped]")
    assert problem.action == "value dropped"  # reported, not guessed
    assert f"value {value!r}" in problem.describe()
    kept = getattr(history, table).loc[row, column]
    assert pd.isna(kept) or kept == "4B"  # the factors' known code is kept


def test_an_episode_kind_in_another_case_is_reported_naming_the_kind_meant() -> None:
    tables = valid_tables()
    tables["episodes"].loc[10, "kind"] = "Referral"
    history = validate_case_history(history_from(tables), lenient=True)
    (problem,) = history.exclusions.problems
    assert (problem.row, problem.column, problem.action) == (10, "kind", "episode excluded")
    assert problem.hint == _HINT.format("referral")


@pytest.mark.parametrize(
    ("column", "value"), [("category", "NEGL"), ("category", "XYZ"), ("source", "1Z")]
)
def test_an_unknown_code_that_no_code_is_but_for_case_gets_no_guess(
    column: str, value: str
) -> None:
    tables = valid_tables()
    tables["episodes"].loc[6 if column == "category" else 7, column] = value
    (problem,) = validate_case_history(history_from(tables), lenient=True).exclusions.problems
    assert "did you mean" not in problem.reason and problem.hint is None
