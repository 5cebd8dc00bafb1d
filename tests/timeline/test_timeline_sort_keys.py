"""The timeline's packed sort keys and calendar arithmetic against plain references."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from escalation import CaseHistory
from escalation._calendar import eighteenth_birthday
from escalation._sort_keys import pack_keys, stable_order
from escalation.design import default_design
from escalation.timeline import build_spells
from escalation.timeline._index import NEVER, _running_max_end
from escalation.timeline.spells import _completed_years


def test_packed_keys_sort_as_the_keys_do() -> None:
    rng = np.random.default_rng(1)
    for radices in ((40, 3_000, 10, 5), (2**30, 2**30, 2**10, 7, 3)):  # one key; several
        columns = [rng.integers(0, r, 5_000) for r in radices]
        columns[1][::3] = columns[1][1::3][: len(columns[1][::3])]  # ties
        expected = np.lexsort(columns[::-1])
        keys = pack_keys(columns)
        assert len(keys) < len(columns)
        np.testing.assert_array_equal(stable_order(keys), expected)


def test_packed_keys_of_any_sign_and_range_sort_as_the_keys_do() -> None:
    """Negative keys (days before 1970), keys far from 0 and a key whose range alone
    exceeds 2**62 (nanoseconds) sort as ``np.lexsort`` of the keys themselves.

    Was: a key had to be >= 0, so with child 1 on day -5 and child 0 on day 3 the packed
    key (child * 4 + day) put child 1 first; ``escalation.data.validate`` kept a second
    packing of its own that shifted the keys.
    """
    rng = np.random.default_rng(4)
    n = 5_000
    cases = [
        [rng.integers(0, 300, n), rng.integers(-40_000, 20_000, n), rng.integers(-3, 3, n)],
        [rng.integers(10**12, 10**12 + 50, n), rng.integers(-(10**6), -(10**6) + 9, n)],
        [rng.integers(0, 3, n), rng.integers(-(2**62), 2**62, n), rng.integers(-1, 2, n)],
    ]
    for columns in cases:
        columns[1][::3] = columns[1][1::3][: len(columns[1][::3])]  # ties
        expected = np.lexsort(columns[::-1])
        np.testing.assert_array_equal(stable_order(pack_keys(columns)), expected)
    child, day = np.array([0, 1]), np.array([3, -5])
    assert stable_order(pack_keys([child, day])).tolist() == [0, 1]


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


def test_tied_episodes_sort_by_the_last_tie_column_when_there_are_no_factors() -> None:
    """Two referrals alike but for ``need`` (the last tie column of a table without
    ``factors``): the spell is the same whichever row comes first in the table."""
    children = pd.DataFrame({"child_id": ["a"], "birth_date": ["2015-06-01"], "imd_decile": [3]})
    episodes = pd.DataFrame(
        {
            "child_id": ["a", "a", "a"],
            "kind": ["referral", "referral", "cp_plan"],
            "start": ["2020-01-01", "2020-01-01", "2020-03-01"],
            "end": ["2020-02-01", "2020-02-01", ""],
            "reason": ["RC8", "RC8", ""],
            "source": ["1A", "1A", None],
            "need": ["N2", "N1", None],
        }
    )
    needs = []
    for rows in ([0, 1, 2], [1, 0, 2]):
        table = episodes.iloc[rows].reset_index(drop=True)
        history = CaseHistory(children, table, extract_date="2024-03-31")
        needs.append(build_spells(history, default_design()).spells["need"].astype(str).tolist())
    assert needs == [["N1"], ["N1"]]
