"""Shared separation caveats do not name a factor of two levels (session 28).

A factor coded as levels whose cohort has two of them (sex with F and M only) is one
model column (``sex_M``): "levels of sex separated" says that one sex had none of the
events (or all), as naming a yes/no covariate does, so it is not named where shared
("[not shown] other characteristics"). With a third level in the cohort the covariate
is named, its levels not. The warning tells the model's columns
(``StatisticalWarning.columns``), from which the caveat tells the two cases apart.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from escalation import default_design
from escalation.disclosure import DEFAULT_RULES
from escalation.report.caveats import brief_caveats, caveat_from_warning
from escalation.survival import fit_cox


def _separated_boys(levels: tuple[str, ...]) -> pd.DataFrame:
    """240 children of ``levels`` of sex in turn, no boy with an event of cause 1."""
    rng = np.random.default_rng(5)
    n = 240
    sex = np.array(levels)[np.arange(n) % len(levels)]
    event = rng.choice([0, 1, 2], n, p=[0.4, 0.4, 0.2])
    event[(sex == "M") & (event == 1)] = 0
    return pd.DataFrame(
        {
            "duration": rng.exponential(300, n).round() + 1,
            "event": event,
            "sex": sex,
            "age": rng.uniform(0, 17, n),
        }
    )


@pytest.mark.parametrize(
    ("levels", "named"),
    [(("F", "M"), False), (("F", "M", "U"), True)],
)
def test_separation_of_a_two_level_factor_is_not_named_where_shared(
    levels: tuple[str, ...], named: bool
) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_cox(_separated_boys(levels), ["sex", "age"], cause=1, cluster=None)
    (raised,) = [w.message for w in caught if "kept growing" in str(w.message)]
    assert "sex_M (-" in str(raised)  # the analyst's warning keeps the detail
    caveat = caveat_from_warning(raised, stage="survival", design=default_design())
    shared = caveat.disclosed(DEFAULT_RULES).message
    (brief,) = brief_caveats([caveat], DEFAULT_RULES)
    assert "sex_M" not in shared and "Male" not in brief
    assert ("levels of sex" in shared) is named, shared
    assert ("levels of Sex" in brief) is named, brief
    assert ("other characteristics" in shared) is not named, shared
    assert ("other characteristics" in brief) is not named, brief
