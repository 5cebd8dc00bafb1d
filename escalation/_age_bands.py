"""The one rule by which ages are banded: completed years at time zero, by the calendar.

Kept in a module of its own (numpy only) so that the simulator, the subgroup analyses and
the policy groups share it; :mod:`escalation.causal.heterogeneity` re-exports both names.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt

__all__ = ["AGE_BANDS", "age_bands"]

#: Age bands at time zero, youngest first. Unborn children (a negative age: records
#: before birth, which the case-history contract allows) are a band of their own.
AGE_BANDS: Final = ("unborn", "0-4", "5-10", "11-15", "16-17")


def age_bands(years: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Return the age band (:data:`AGE_BANDS`) of each number of completed years.

    Below 0 (-1: an unborn child) ``unborn``; 0-4, 5-10, 11-15, then 16-17 for 16 and
    over. The one rule by which every table, figure and group bands ages.

    Examples
    --------
    >>> age_bands([-1, 0, 4, 5, 10, 11, 15, 16, 17]).tolist()
    ['unborn', '0-4', '0-4', '5-10', '5-10', '11-15', '11-15', '16-17', '16-17']
    """
    cut = np.searchsorted(np.array([0, 5, 11, 16]), np.asarray(years, dtype=float), side="right")
    out: npt.NDArray[np.object_] = np.asarray(AGE_BANDS, dtype=object)[cut]
    return out
