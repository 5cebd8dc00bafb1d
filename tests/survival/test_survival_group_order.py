"""The groups of every curve and test are in the package's one level order.

Kaplan–Meier, Nelson–Aalen, Aalen–Johansen, the log-rank and Gray's tests, RMST and the
curves' figure order their groups as the covariate coding, formulas and Table 1 do
(:func:`~escalation.timeline.matrix.level_order`): a ``Categorical``'s declared order,
else sorted, numerically when every group is a number. The expected orders are written
out by hand below (the rule as documented in docs/survival.md), and checked against
``level_order`` too.

Numbers: the same spells with the groups relabelled ``"a"``, ``"b"``, ``"c"`` in the
same order (text that sorts alike under either rule: the old order) give identical
estimates, row for row; only the labels differ. Each group's curve is also that group's
spells alone (no ``group=``), so the order changes which row is which, never a number.

Was: the curves sorted the groups themselves, as text when they did not compare, so
``"10"`` came before ``"2"``, a ``Categorical``'s declared order was ignored, and the
default reference of ``rmst`` was not the models' reference level.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError
from escalation.figures import plot_survival_curves
from escalation.survival import (
    aalen_johansen,
    gray_test,
    kaplan_meier,
    logrank_test,
    nelson_aalen,
    rmst,
)
from escalation.timeline.matrix import level_order

#: Each case: the group of each of three blocks of spells, and the order expected.
CASES: dict[str, tuple[Any, list[Any]]] = {
    "number-like text": (["10", "2", "9"], ["2", "9", "10"]),
    "number-like text as pandas string": (
        pd.array(["10", "2", "9"], dtype="string"),
        ["2", "9", "10"],
    ),
    "numbers and number-like text mixed": (
        pd.array(["10", 2, 9], dtype=object),
        [2, 9, "10"],
    ),
    "declared Categorical order": (
        pd.Categorical(["none", "some", "many"], categories=["none", "some", "many"]),
        ["none", "some", "many"],
    ),
    "booleans": ([True, False, True], [False, True]),
    "0/1 integers": ([1, 0, 1], [0, 1]),
}


def _spells(blocks: Any, n: int = 60, seed: int = 3) -> pd.DataFrame:
    """Spells in three blocks of ``n``, block ``i`` with group ``blocks[i]``.

    Each block has its own event rate, so the groups' curves differ; events 1 and 2
    (a competing cause) and censoring.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(3):
        duration = np.ceil(rng.exponential(200.0 * (i + 1), n))
        event = rng.choice([0, 1, 2], n, p=[0.3, 0.5, 0.2])
        parts.append(pd.DataFrame({"duration": duration, "event": event, "block": i}))
    frame = pd.concat(parts, ignore_index=True)
    values = pd.Series(blocks).iloc[frame["block"].to_numpy()].reset_index(drop=True)
    return frame.assign(g=values)


def _old_order(frame: pd.DataFrame, order: list[Any]) -> pd.DataFrame:
    """The same spells with group ``order[j]`` relabelled the ``j``-th letter."""
    letters = {str(level): "abc"[j] for j, level in enumerate(order)}
    return frame.assign(g=frame["g"].astype(str).map(letters))


def _same_but_labels(new: pd.DataFrame, old: pd.DataFrame, order: list[Any]) -> None:
    letters = ["abc"[j] for j in range(len(order))]
    assert [str(g) for g in pd.unique(new["group"])] == [str(g) for g in order]
    assert list(pd.unique(old["group"])) == letters
    pd.testing.assert_frame_equal(
        new.drop(columns="group").reset_index(drop=True),
        old.drop(columns="group").reset_index(drop=True),
    )


@pytest.mark.parametrize("case", list(CASES))
def test_the_hand_written_order_is_level_order(case: str) -> None:
    blocks, order = CASES[case]
    frame = _spells(blocks)
    assert level_order(frame["g"]) == [str(level) for level in order]


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("curve", [kaplan_meier, nelson_aalen, aalen_johansen])
def test_curves_list_the_groups_in_level_order_with_the_same_numbers(case: str, curve: Any) -> None:
    blocks, order = CASES[case]
    frame = _spells(blocks)
    new = curve(frame, group="g").tidy()
    old = curve(_old_order(frame, order), group="g").tidy()
    _same_but_labels(new, old, order)
    for level in order:  # each group's curve is its spells' curve alone
        alone = curve(frame[frame["g"].astype(str) == str(level)]).tidy()
        mine = new[new["group"].astype(str) == str(level)].drop(columns="group")
        pd.testing.assert_frame_equal(
            mine.reset_index(drop=True), alone.drop(columns="group").reset_index(drop=True)
        )


def _group_rows(result: Any) -> pd.DataFrame:
    tidy = result.tidy()
    return tidy if "group" in tidy.columns else result.table


@pytest.mark.parametrize("case", list(CASES))
@pytest.mark.parametrize("test", [logrank_test, gray_test])
def test_k_sample_tests_list_the_groups_in_level_order(case: str, test: Any) -> None:
    blocks, order = CASES[case]
    frame = _spells(blocks)
    new, old = test(frame, "g"), test(_old_order(frame, order), "g")
    # the groups' rows: observed and expected (log-rank), spells and events (Gray)
    _same_but_labels(_group_rows(new), _group_rows(old), order)
    for column in ("statistic", "df", "p_value"):
        assert new.glance()[column].tolist() == old.glance()[column].tolist()


@pytest.mark.parametrize("case", list(CASES))
def test_rmst_default_reference_is_the_first_level(case: str) -> None:
    blocks, order = CASES[case]
    frame = _spells(blocks)
    new = rmst(frame, 400.0, group="g").tidy()
    old = rmst(_old_order(frame, order), 400.0, group="g").tidy()
    differences = new.loc[new["term"] == "difference", "group"].tolist()
    assert differences == [f"{level} - {order[0]}" for level in order[1:]]
    means = new.loc[new["term"] == "rmst", "group"].astype(str).tolist()
    assert means == [str(level) for level in order]
    numbers = [c for c in new.columns if c not in ("group", "term")]
    pd.testing.assert_frame_equal(new[numbers], old[numbers])


def test_rmst_reference_named_is_unchanged_by_the_order() -> None:
    frame = _spells(["10", "2", "9"])
    named = rmst(frame, 400.0, group="g", reference="10").tidy()
    differences = named.loc[named["term"] == "difference", "group"].tolist()
    assert differences == ["2 - 10", "9 - 10"]


def test_the_curves_figure_keeps_the_level_order() -> None:
    frame = _spells(["10", "2", "9"])
    plot = plot_survival_curves(kaplan_meier(frame, group="g").tidy())
    assert list(plot.data["group"].cat.categories) == ["2", "9", "10"]


@pytest.mark.parametrize(
    "values",
    [
        ["10", None, "9"],
        pd.Categorical(["none", None, "many"], categories=["none", "some", "many"]),
        [True, None, False],
    ],
)
def test_a_missing_group_is_still_refused_naming_its_rows(values: Any) -> None:
    frame = _spells(values, n=2)
    with pytest.raises(DataValidationError) as raised:
        kaplan_meier(frame, group="g")
    rows = [p.row for p in raised.value.problems]
    assert rows == [2, 3]  # the second block's rows (the index labels)
