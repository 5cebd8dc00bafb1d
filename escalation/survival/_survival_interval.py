"""Confidence intervals of a survival probability (R's ``survfit`` ``conf.type``).

One rule shared by the curves (:mod:`escalation.survival.nonparametric`) and the Cox
model's predicted survival (:mod:`escalation.survival.cox`).
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
import numpy.typing as npt

from escalation.errors import DesignError

__all__ = ["ConfType", "check_conf_type", "survival_interval"]

FloatArray = npt.NDArray[np.float64]
ConfType = Literal["log", "log-log", "plain"]


def survival_interval(
    estimate: FloatArray, se_log: FloatArray, z: float, conf_type: ConfType
) -> tuple[FloatArray, FloatArray]:
    """R's survfit intervals for a survival probability, from the SE of -log S.

    Where the estimate is 0 both limits are NaN (R gives NA; for plain intervals of
    weighted curves R gives 0 and 0).
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if conf_type == "log":
            low = np.exp(np.log(estimate) - z * se_log)
            high = np.minimum(np.exp(np.log(estimate) + z * se_log), 1.0)
        elif conf_type == "log-log":
            inner = np.where((estimate > 0) & (estimate < 1), estimate, np.nan)
            low = np.exp(-np.exp(np.log(-np.log(inner)) - z * se_log / np.log(inner)))
            high = np.exp(-np.exp(np.log(-np.log(inner)) + z * se_log / np.log(inner)))
        else:
            low = np.maximum(estimate - z * se_log * estimate, 0.0)
            high = np.minimum(estimate + z * se_log * estimate, 1.0)
    # no interval where S = 0 (R: NA, but 0-0 for plain intervals of weighted curves)
    reached_zero = estimate <= 0
    return np.where(reached_zero, np.nan, low), np.where(reached_zero, np.nan, high)


def check_conf_type(conf_type: str) -> None:
    """Refuse a ``conf_type`` that is not one of :data:`ConfType`'s."""
    if conf_type not in get_args(ConfType):
        raise DesignError(
            f"conf_type must be one of {', '.join(get_args(ConfType))}, got {conf_type!r}"
        )
