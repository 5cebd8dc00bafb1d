"""Calendar arithmetic on whole days since 1970-01-01, vectorised with ``datetime64``.

One place for the date parts and the 18th birthday, used by the simulator (its children
and case notes) and the timeline (ages and the end of follow-up at 18).

Examples
--------
>>> import numpy as np
>>> days = np.array([0, 11_016])  # 1970-01-01 and 2000-02-29
>>> [part.tolist() for part in ymd(days)]
[[1970, 2000], [1, 2], [1, 29]]
>>> (eighteenth_birthday(days) - days).tolist()  # 2018 is a common year: 1 March
[6574, 6575]
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["eighteenth_birthday", "ymd"]

IntArray = npt.NDArray[np.int64]


def ymd(days: IntArray) -> tuple[IntArray, IntArray, IntArray]:
    """Return the year, month (1-12) and day of the month (1-31) of each day."""
    stamps = np.asarray(days, dtype=np.int64).astype("datetime64[D]")
    month_start = stamps.astype("datetime64[M]")
    year_start = month_start.astype("datetime64[Y]")
    day = (stamps - month_start.astype("datetime64[D]")).astype(np.int64) + 1
    month = (month_start - year_start.astype("datetime64[M]")).astype(np.int64) + 1
    return year_start.astype(np.int64) + 1970, month, day


def eighteenth_birthday(birth: IntArray) -> IntArray:
    """Day of the 18th birthday (29 February births turn 18 on 1 March in common years).

    The same month 18 years on, plus the day of the month less one (29 February plus 28
    days is 1 March when February has 28 days).
    """
    days = np.asarray(birth, dtype=np.int64).astype("datetime64[D]")
    month = days.astype("datetime64[M]")
    day_in_month = (days - month.astype("datetime64[D]")).astype(np.int64)
    later = (month + np.timedelta64(12 * 18, "M")).astype("datetime64[D]")
    out: IntArray = later.astype(np.int64) + day_in_month
    return out
