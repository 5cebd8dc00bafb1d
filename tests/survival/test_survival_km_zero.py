"""Kaplan–Meier intervals where the curve reaches 0.

Was: with ``conf_type="log"`` the interval where S = 0 was half defined (``conf_low`` 0,
``conf_high`` NaN), though the docs promise no interval there, as R (``NA``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.survival import kaplan_meier


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
@pytest.mark.parametrize("weights", [None, "w"])
def test_no_interval_where_the_curve_is_zero(conf_type: str, weights: str | None) -> None:
    spells = pd.DataFrame(
        {
            "duration": [2.0, 4.0, 5.0, 7.0, 12.0],
            "event": [1, 0, 1, 1, 1],  # the last spell has the event: S reaches 0 at 12
            "w": [1.0, 2.0, 0.5, 1.5, 1.0],
        }
    )
    tidy = kaplan_meier(spells, conf_type=conf_type, weights=weights).tidy()  # type: ignore[arg-type]
    zero = tidy["estimate"] == 0
    assert zero.sum() == 1
    assert tidy.loc[zero, ["conf_low", "conf_high"]].isna().all().all()
    positive = tidy.loc[~zero & (tidy["estimate"] < 1)]
    assert np.isfinite(positive[["conf_low", "conf_high"]].to_numpy()).all()
