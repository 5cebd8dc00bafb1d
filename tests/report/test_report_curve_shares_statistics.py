"""Every statistic of a suppressed observed curve row is blanked with it (session 28).

:func:`~escalation.disclosure.disclose_curve_shares` publishes an observed risk as its
disclosed count over the disclosed arm size and recomputes the interval from a disclosed
standard error, but blanked only ``estimate, conf_low, conf_high`` by a list of its own
and left a ``std_error`` column as estimated: on a suppressed row the exact standard error
of the hidden risk (about sqrt(p (1 - p) / n): 0.000589 for 4 of 3,393 gives back 4.0),
and on a shown row one that gives back the exact count the value rounds (29 of 3,393
behind 30 of 3,395). The table's one rule (``STAT_COLUMNS``, ``blank_statistics``) now
blanks a suppressed row, and a shown row's standard error is the disclosed one.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pandas as pd

from escalation.disclosure import DEFAULT_RULES, disclose_curve_shares


def _binomial(k: float, n: float) -> float:
    return math.sqrt(k / n * (1 - k / n) / n)


def test_a_suppressed_observed_row_keeps_no_statistic_and_a_shown_one_a_disclosed_error() -> None:
    n = 3393
    records = pd.DataFrame({"group": ["treated"] * n})
    exact = [_binomial(29, n), _binomial(4, n)]
    z = NormalDist().inv_cdf(0.975)
    curves = pd.DataFrame(
        {
            "estimator": "unadjusted",
            "group": "treated",
            "time": [30.0, 60.0],
            "estimate": [29 / n, 4 / n],
            "std_error": exact,
            "conf_low": [29 / n - z * exact[0], 0.0],
            "conf_high": [29 / n + z * exact[0], 4 / n + z * exact[1]],
            "p_value": [0.01, 0.2],
            "shown_from": [30.0, 60.0],
            "suppressed": False,
        }
    )
    # the exact standard error of the hidden row gives its count back
    p = 4 / n
    assert round(exact[1] ** 2 * n / (1 - p) * n) == 4
    out = disclose_curve_shares(curves, records, DEFAULT_RULES)
    assert out["suppressed"].tolist() == [False, True]
    hidden = out.loc[1, ["estimate", "std_error", "conf_low", "conf_high", "p_value"]]
    assert hidden.isna().all(), hidden
    # shown: 30 of 3,395 (counts rounded to 5), its binomial standard error on those
    # (design effect 1: the exact error is binomial), to 2 significant figures
    assert out.loc[0, "estimate"] == 30 / 3395
    assert out.loc[0, "std_error"] == float(f"{_binomial(30, 3395):.2g}") == 0.0016
    np.testing.assert_allclose(
        (out.loc[0, "conf_high"] - out.loc[0, "conf_low"]) / (2 * z), 0.0016, rtol=1e-12
    )


def test_a_coarsened_curve_carries_and_blanks_every_statistic_of_its_rows() -> None:
    # disclose_curves coarsened `estimate, probability, std_error, conf_low, conf_high`
    # by a list of its own: a pointwise p-value (or a bootstrap error's Monte Carlo
    # error) stayed on a suppressed row, and on a shown row was the exact one of its time,
    # not of the step shown. The curve of the example of `disclose_curves`: day 1
    # suppressed (5 events), then the values of day 2, day 2 and day 4 shown.
    from escalation.disclosure import disclose_curves

    curve = pd.DataFrame(
        {
            "time": [1.0, 2, 3, 4],
            "group": "a",
            "estimate": [0.05, 0.10, 0.30, 0.35],
            "p_value": [0.4, 0.2, 0.01, 0.001],
            "std_error_mc": [0.001, 0.002, 0.003, 0.004],
        }
    )
    records = pd.DataFrame(
        {
            "group": "a",
            "duration": [1.0] * 5 + [2.0] * 5 + [3.0] * 20 + [4.0] * 5 + [9.0] * 65,
            "event": 1,
        }
    )
    out = disclose_curves(curve, records, rules=DEFAULT_RULES)
    assert out["suppressed"].tolist() == [True, False, False, False]
    assert out.loc[0, ["estimate", "p_value", "std_error_mc"]].isna().all()
    assert out["p_value"].tolist()[1:] == [0.2, 0.2, 0.001]
    assert out["std_error_mc"].tolist()[1:] == [0.002, 0.002, 0.004]
