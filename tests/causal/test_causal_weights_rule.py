"""One rule of weights ("finite numbers >= 0") for Table 1, the balance table and the
survival layer (``survival._outcome.case_weights``).

From the final review of session 23 (finding 4): ``balance_table`` read text weights with
numpy's bare ``ValueError``, which named no table, row or column and echoed the value, and
the three copies of the rule disagreed on the same column (Table 1 listed only the text,
the survival layer only the first bad row).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.causal import balance_table
from escalation.causal.curves import pooled_logistic_survival
from escalation.causal.tableone import table_one
from escalation.errors import DataValidationError

_NAME = "Jane Smith"


def _frame() -> pd.DataFrame:
    w = pd.Series([1.0, 1.0, _NAME, 1.0, np.inf, 1.0, 1.0, -2.0], name="w", dtype=object)
    return pd.DataFrame({
        "treatment": [1, 0] * 4, "age": [3.0, 4, 5, 6, 7, 8, 9, 10],
        "duration": [3, 4, 2, 5, 6, 3, 2, 4], "event": [1, 0, 1, 0, 1, 1, 0, 0], "w": w,
    })  # fmt: skip


_CALLERS: dict[str, tuple[str, Callable[[pd.DataFrame], Any]]] = {
    "table_one": (
        "table one",
        lambda f: table_one(f, group="treatment", variables=["age"], weights="w"),
    ),
    "balance_table": ("spells", lambda f: balance_table(f[["age"]], f["treatment"], f["w"])),
    "pooled_logistic_survival": (
        "spells",
        lambda f: pooled_logistic_survival(
            f,
            duration="duration",
            event="event",
            treatment="treatment",
            formula="treatment + time",
            times=[1],
            weights="w",
        ),
    ),
}


@pytest.mark.parametrize("caller", sorted(_CALLERS))
def test_every_bad_weight_is_named_by_the_one_rule_without_echoing_text(caller: str) -> None:
    table, call = _CALLERS[caller]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(DataValidationError) as error:
            call(_frame())
    text = str(error.value)
    assert _NAME not in text
    rows = [int(r) for r in re.findall(rf"table '{table}', row (\d+), column 'w'", text)]
    assert rows == [2, 4, 7]
    assert (
        "2 value(s) are missing, infinite or not numbers; weights are finite numbers >= 0" in text
    )
    assert "1 weight(s) negative; weights are finite numbers >= 0" in text


def test_balance_table_names_text_weights_given_as_values() -> None:
    frame = _frame()
    with pytest.raises(DataValidationError, match=r"row 2, column 'weight', value <not shown"):
        balance_table(frame[["age"]], frame["treatment"], frame["w"].to_list())
