"""The causal entry points that name confounders take their spells as every other does.

Was: ``estimate_effects``, ``subgroup_effects``, ``estimate_heterogeneity`` and
``refute_effect`` read the ``spells`` of any object that had one (a copy of the package's
``spells_of`` by duck typing), and refused anything else without naming the function
called, where every other entry point says ``fit_propensity: data must be ...``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from escalation.causal import estimate_effects, refute_effect, subgroup_effects
from escalation.causal.heterogeneity import estimate_heterogeneity
from escalation.errors import DesignError

CALLS: dict[str, Callable[[Any], object]] = {
    "estimate_effects": lambda data: estimate_effects(data, covariates=["x"], horizons=[30]),
    "subgroup_effects": lambda data: subgroup_effects(data, covariates=["x"], horizon=30),
    "estimate_heterogeneity": lambda data: estimate_heterogeneity(
        data, covariates=["x"], horizon=30
    ),
    "refute_effect": lambda data: refute_effect(data, covariates=["x"], horizon=30),
}

#: Spells enough to pass for spells (too few to estimate anything).
SPELLS = pd.DataFrame(
    {"x": [0.1, 0.4], "treatment": [0, 1], "duration": [40.0, 50.0], "event": [1, 0]}
)


@pytest.mark.parametrize("function", CALLS)
@pytest.mark.parametrize(
    "data",
    [[1, 2], SPELLS.to_numpy(), SimpleNamespace(spells=SPELLS)],
    ids=["list", "array", "an object with spells"],
)
def test_data_neither_spell_data_nor_a_frame_is_refused_naming_the_function(
    function: str, data: object
) -> None:
    expected = (
        f"{function}: data must be a SpellData or a pandas DataFrame of spells, got "
        f"{type(data).__name__}"
    )
    with pytest.raises(DesignError, match=f"^{re.escape(expected)}$"):
        CALLS[function](data)
