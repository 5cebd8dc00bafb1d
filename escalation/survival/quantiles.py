"""Median (and other quantiles of) survival with confidence limits, as R's ``survfit`` gives.

The ``p`` quantile is the first time the curve of the event's probability, ``1 - S(t)``,
reaches ``p``; where the curve sits exactly at ``p`` over an interval, the middle of the
interval (the usual definition of a median). The limits are the same quantile of the
pointwise confidence limits of ``S`` (Brookmeyer & Crowley 1982: the times whose
confidence interval for ``S`` contains ``1 - p``), so they inherit the curve's
``conf_type``. A quantile or limit is missing (NaN) when its curve never reaches ``p``.

Reference: Brookmeyer R, Crowley J (1982). A confidence interval for the median survival
time. *Biometrics* 38:29–41. doi:10.2307/2530286
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["curve_quantile"]

FloatArray = npt.NDArray[np.float64]

#: Values of the curve this close to ``p`` are ``p`` (R uses sqrt of machine epsilon).
_TOLERANCE = float(np.sqrt(np.finfo(float).eps))


def curve_quantile(time: FloatArray, risk: FloatArray, p: float, last: float) -> float:
    """Return the first time a non-decreasing step curve ``risk`` reaches ``p``.

    Parameters
    ----------
    time : numpy.ndarray
        Increasing times of the steps, the first at the start of follow-up.
    risk : numpy.ndarray
        The curve (``1 - S``, or a cumulative incidence) just after each time.
    p : float
        The probability, strictly between 0 and 1.
    last : float
        The last time of follow-up (the curve is known up to it).

    Returns
    -------
    float
        The time; the middle of a flat stretch at exactly ``p``; NaN when the curve
        stays below ``p``.

    Examples
    --------
    >>> t = np.array([0.0, 1, 2, 3, 5])
    >>> curve_quantile(t, np.array([0.0, 1 / 6, 2 / 6, 0.5, 0.75]), 0.5, 6.0)
    4.0
    >>> curve_quantile(t, np.array([0.0, 0.1, 0.2, 0.3, 0.4]), 0.5, 6.0)
    nan
    """
    values = np.asarray(risk, dtype=float)
    times = np.asarray(time, dtype=float)
    known = ~np.isnan(values)
    values, times = values[known], times[known]
    if values.size == 0 or values.max() < p - _TOLERANCE:
        return float("nan")
    # one point per level of the curve: where it first took that value
    first = np.r_[True, np.diff(values) != 0]
    values, times = values[first], times[first]
    reach = int(np.argmax(values >= p - _TOLERANCE))
    if abs(values[reach] - p) >= _TOLERANCE:
        return float(times[reach])
    # exactly p over an interval: its middle (to the next step, or to the last time)
    end = times[reach + 1] if reach + 1 < times.size else last
    return float((times[reach] + end) / 2.0)
