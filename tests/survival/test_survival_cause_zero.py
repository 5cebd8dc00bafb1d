"""Cause 0 means censored: fit_cox and aalen_johansen refuse it as every competing-risks
function does (escalation._vocabulary.cause_code), instead of modelling censorings as
events (fit_cox fitted a Cox model of censoring labelled cause 0; aalen_johansen warned
and went on)."""

from __future__ import annotations

import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.survival import aalen_johansen, fit_cox

SPELLS = pd.DataFrame(
    {
        "duration": [5.0, 8.0, 12.0, 20.0, 25.0, 30.0, 31.0, 40.0],
        "event": [1, 0, 2, 1, 0, 1, 2, 0],
        "x": [0.1, 1.2, -0.3, 0.8, 0.0, -1.1, 0.4, 0.9],
    }
)


@pytest.mark.parametrize("cause", [0, -1, "1", 1.5, True])
def test_fit_cox_refuses_a_cause_that_is_not_an_event_code(cause: object) -> None:
    with pytest.raises(DesignError, match=r"fit_cox: cause must be an event code.*got"):
        fit_cox(SPELLS, covariates=["x"], cause=cause)  # type: ignore[arg-type]


@pytest.mark.parametrize("cause", [0, "2"])
def test_aalen_johansen_refuses_a_cause_that_is_not_an_event_code(cause: object) -> None:
    with pytest.raises(DesignError, match=r"aalen_johansen: causes must be an event code"):
        aalen_johansen(SPELLS, causes=[1, cause])  # type: ignore[list-item]


def test_whole_number_causes_still_fit() -> None:
    assert fit_cox(SPELLS, covariates=["x"], cause=2).cause == 2
    assert set(aalen_johansen(SPELLS, causes=[1, 2]).tidy()["cause"]) == {1, 2}
