"""The authority-side summaries take a SpellData as well as its table of spells.

Every entry point that reads spells takes both (docs/vocabulary.md); these three are the
ones a share pack is built from, callable on their own by an analyst checking what the
pack will hold.
"""

from __future__ import annotations

import pytest
from pandas.testing import assert_frame_equal

from escalation.data.simulator import simulate_local_authority
from escalation.design import default_design
from escalation.errors import DesignError
from escalation.federated.risksets import coarsen_spells, risk_set_counts, time_grid
from escalation.federated.summaries import covariate_summary
from escalation.timeline import SpellData, build_spells


@pytest.fixture(scope="module")
def data() -> SpellData:
    sim = simulate_local_authority(300, seed=8)
    return build_spells(sim.history, default_design())


def test_summaries_of_a_spell_data_are_those_of_its_spells(data: SpellData) -> None:
    spells = data.spells
    grid = time_grid(default_design())
    assert_frame_equal(risk_set_counts(data, grid), risk_set_counts(spells, grid))
    assert_frame_equal(coarsen_spells(data, grid), coarsen_spells(spells, grid))
    assert_frame_equal(
        covariate_summary(data, ["age", "sex"]),
        covariate_summary(spells, ["age", "sex"]),
    )


@pytest.mark.parametrize("function", ["risk_set_counts", "coarsen_spells", "covariate_summary"])
def test_anything_else_is_refused_naming_the_function(function: str) -> None:
    calls = {
        "risk_set_counts": lambda d: risk_set_counts(d, [0.0, 30.0]),
        "coarsen_spells": lambda d: coarsen_spells(d, [0.0, 30.0]),
        "covariate_summary": lambda d: covariate_summary(d, ["age"]),
    }
    with pytest.raises(DesignError, match=function):
        calls[function]([{"duration": 3.0}])
