"""The simulator's vectorised coding helpers against plain Python references."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from escalation._sort_keys import pack_keys, stable_order
from escalation.data.simulator.notes import _format_days
from escalation.data.simulator.pathway import FACTOR_CODES, _bits, _popcount
from escalation.data.simulator.tables import factor_text


def test_dates_are_written_as_strftime_writes_them() -> None:
    # 1900-2100 spans leap centuries (1900 common, 2000 leap) and days before 1970.
    days = np.arange(-25_567, 47_482, 7, dtype=np.int64)
    expected = [
        (dt.date(1970, 1, 1) + dt.timedelta(days=int(d))).strftime("%d/%m/%Y") for d in days
    ]
    assert _format_days(days).tolist() == expected
    assert _format_days(np.array([11_016], dtype=np.int64)).tolist() == ["29/02/2000"]
    assert _format_days(np.empty(0, dtype=np.int64)).tolist() == []


def test_factor_masks_become_their_codes_in_bit_order() -> None:
    rng = np.random.default_rng(1)
    masks = np.r_[rng.integers(0, 1 << len(FACTOR_CODES), 500), -1, 0, (1 << 20) - 1]
    expected = [
        None if m < 0 else ";".join(c for i, c in enumerate(FACTOR_CODES) if m >> i & 1)
        for m in masks.tolist()
    ]
    text = factor_text(masks)
    assert text.dtype == "string"
    assert [None if pd.isna(v) else v for v in text.tolist()] == expected


def test_bit_counts_and_flag_masks_match_a_loop() -> None:
    rng = np.random.default_rng(2)
    masks = rng.integers(0, 1 << len(FACTOR_CODES), 1_000)
    assert _popcount(masks).tolist() == [bin(int(m)).count("1") for m in masks]
    flags = rng.random((300, len(FACTOR_CODES))) < 0.4
    loop = [sum(1 << i for i in range(len(FACTOR_CODES)) if row[i]) for row in flags]
    assert _bits(flags, FACTOR_CODES).tolist() == loop


def test_rows_are_ordered_as_a_stable_three_key_sort() -> None:
    rng = np.random.default_rng(3)
    rows = {
        "child": rng.integers(0, 40, 2_000),
        "start": rng.integers(16_000, 16_030, 2_000),  # many ties
        "kind": rng.integers(0, 10, 2_000),
    }
    expected = np.lexsort((rows["kind"], rows["start"], rows["child"]))
    start = rows["start"] - rows["start"].min()  # as the simulator's tables sort them
    order = stable_order(pack_keys([rows["child"], start, rows["kind"]]))
    np.testing.assert_array_equal(order, expected)
