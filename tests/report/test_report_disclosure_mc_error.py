"""A suppressed effect keeps no Monte Carlo error of its standard error (session 28).

In a run on a 400-child simulated authority (seed 28, 20 bootstrap replicates)
``effects.csv`` blanked the suppressed risks' estimates, standard errors and intervals
but kept ``std_error_mc`` at full precision (0.006539663779174694 beside a blank
``risk_treated``). It is ``(s / 2) sqrt(2 / (B - 1) + G2 / B)`` of the bootstrap
standard error ``s`` (Efron & Tibshirani 1993, section 19.3): about ``s / sqrt(2 (B - 1))``,
so it gives back the standard error of a risk of few children, ``sqrt(p (1 - p) / n)``,
and with it the risk the row withholds. It is blanked with the row's other statistics.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from escalation.disclosure import disclose_effects


def test_a_suppressed_effect_has_no_monte_carlo_error() -> None:
    # 2 of 15 early-help children escalate by the horizon: under the threshold
    spells = pd.DataFrame(
        {
            "treatment": [1] * 15 + [0] * 40,
            "duration": [50.0] * 55,
            "event": [1, 1] + [0] * 13 + [1] * 12 + [0] * 28,
        }
    )
    s = math.sqrt((2 / 15) * (13 / 15) / 15)  # the binomial standard error
    effects = pd.DataFrame(
        {
            "horizon": [365],
            "estimand": ["risk_treated"],
            "estimate": [2 / 15],
            "std_error": [s],
            "std_error_mc": [s / math.sqrt(2 * 19)],  # B = 20 normal replicates
        }
    )
    out = disclose_effects(effects, spells)
    assert out["suppressed"].all() and np.isnan(out["estimate"]).all()
    assert np.isnan(out["std_error_mc"]).all()
