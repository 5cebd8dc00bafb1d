"""The optional la column: kept as text, required for every child when given."""

from __future__ import annotations

import pandas as pd
import pytest

from escalation import CaseHistory, validate_case_history
from escalation.errors import DataValidationError
from tests.data.conftest import EXTRACT, valid_tables


def test_la_codes_stay_text_even_when_they_look_like_numbers() -> None:
    tables = valid_tables()
    tables["children"]["la"] = ["318", "0318", "318"]
    valid = validate_case_history(CaseHistory(**tables, extract_date=EXTRACT))
    assert valid.children["la"].tolist() == ["318", "0318", "318"]


def test_a_child_without_an_authority_is_named() -> None:
    tables = valid_tables()
    tables["children"]["la"] = ["LA1", "", "LA2"]
    with pytest.raises(DataValidationError) as caught:
        validate_case_history(CaseHistory(**tables, extract_date=EXTRACT))
    problem = caught.value.problems[0]
    assert (problem.table, problem.row, problem.column) == ("children", 1, "la")
    assert "local authority" in problem.reason


def test_identifiers_must_be_unique_across_authorities() -> None:
    tables = valid_tables()
    tables["children"]["la"] = ["LA1", "LA2", "LA2"]
    tables["children"].loc[1, "child_id"] = "c1"
    with pytest.raises(DataValidationError, match="child_id is not unique"):
        validate_case_history(CaseHistory(**tables, extract_date=EXTRACT))


def test_spells_keep_the_authority() -> None:
    from escalation.design import default_design
    from escalation.timeline import build_spells

    tables = valid_tables()
    tables["children"]["la"] = ["LA1", "LA2", "LA2"]
    history = validate_case_history(CaseHistory(**tables, extract_date=EXTRACT))
    data = build_spells(history, default_design())
    assert "la" in data.spells.columns and "la" not in data.covariates
    assert set(data.authorities) <= {"LA1", "LA2"}
    assert isinstance(data.spells["la"].dtype, pd.StringDtype)
