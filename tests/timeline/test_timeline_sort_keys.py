"""The timeline's packed sort keys and calendar arithmetic against plain references."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from escalation.timeline._index import NEVER, _running_max_end, pack_keys, stable_order
from escalation.timeline.spells import _completed_years, eighteenth_birthday


def test_packed_keys_sort_as_the_keys_do() -> None:
    rng = np.random.default_rng(1)
    for radices in ((40, 3_000, 10, 5), (2**30, 2**30, 2**10, 7, 3)):  # one key; several
        columns = [rng.integers(0, r, 5_000) for r in radices]
        columns[1][::3] = columns[1][1::3][: len(columns[1][::3])]  # ties
        expected = np.lexsort(columns[::-1])
        keys = pack_keys(columns)
        assert len(keys) < len(columns)
        np.testing.assert_array_equal(stable_order(keys), expected)


def test_running_latest_end_restarts_at_each_child() -> None:
    rng = np.random.default_rng(2)
    child = np.sort(rng.integers(0, 300, 3_000))
    end = rng.integers(-100_000, 100_000, 3_000)
    end[rng.random(3_000) < 0.1] = NEVER  # open episodes
    expected = pd.Series(end).groupby(child).cummax().to_numpy()
    np.testing.assert_array_equal(_running_max_end(child, end), expected)


def test_ages_and_eighteenth_birthdays_follow_the_calendar() -> None:
    births = [
        dt.date(1955, 3, 1),
        dt.date(2000, 2, 29),
        dt.date(2004, 2, 29),
        dt.date(2019, 12, 31),
    ]
    days_of = np.array([(b - dt.date(1970, 1, 1)).days for b in births], dtype=np.int64)
    expected = [
        dt.date(1973, 3, 1),
        dt.date(2018, 3, 1),
        dt.date(2022, 3, 1),
        dt.date(2037, 12, 31),
    ]
    got = eighteenth_birthday(days_of)
    assert [dt.date(1970, 1, 1) + dt.timedelta(days=int(d)) for d in got] == expected
    on = np.array([(dt.date(2018, 2, 28) - dt.date(1970, 1, 1)).days] * 4, dtype=np.int64)
    assert _completed_years(days_of, on).tolist() == [62, 17, 13, -2]
    assert _completed_years(np.array([NEVER]), on[:1]).tolist()[0] > 10**6  # no birth date
