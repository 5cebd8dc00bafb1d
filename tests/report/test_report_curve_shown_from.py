"""A suppressed row of the adjusted curves says from no time its value comes (session 28).

``adjusted_curves.csv``: :func:`~escalation.disclosure.disclose_curves` gives each row the
time its (coarsened) value comes from, ``shown_from``, blank where the value is
suppressed; :func:`~escalation.disclosure.disclose_curve_shares` then suppresses the
observed (unadjusted) values whose expected count is below the threshold, and kept their
``shown_from``: a suppressed row still said when the step it hides was taken. Here an arm
of 3,393 spells, its observed risk 29/3,393 on one row (30 of 3,395 published) and
4/3,393 on another (4 < 10: suppressed).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from escalation.disclosure import DEFAULT_RULES, disclose_curve_shares


def test_suppressed_observed_values_have_no_shown_from() -> None:
    records = pd.DataFrame({"group": ["treated"] * 3393})
    curves = pd.DataFrame(
        {
            "estimator": ["unadjusted", "unadjusted", "aipw"],
            "group": "treated",
            "time": [30.0, 60.0, 60.0],
            "estimate": [29 / 3393, 4 / 3393, 4 / 3393],
            "conf_low": [0.0055, 0.0, 0.0],
            "conf_high": [0.0116, 0.0024, 0.0024],
            "shown_from": [30.0, 45.0, 45.0],
            "suppressed": False,
        }
    )
    out = disclose_curve_shares(curves, records, DEFAULT_RULES)
    assert out["suppressed"].tolist() == [False, True, False]
    assert np.isnan(out.loc[1, "estimate"])
    assert np.isnan(out.loc[1, "shown_from"]), out
    # shown values keep it; a model-based row is left as it is
    assert out.loc[0, "shown_from"] == 30.0 and out.loc[2, "shown_from"] == 45.0
    assert out.loc[0, "estimate"] == 30 / 3395
