"""A stratified Cox model lists its strata in the package's one level order.

The per-stratum outputs (``baseline_hazard``, ``last_follow_up`` and the predictions
built on them) follow :func:`~escalation.timeline.matrix.level_order`, as the curves,
formulas and Table 1 do: a ``Categorical``'s declared order, else sorted, numerically
when every stratum is a number. The expected orders are written out by hand below.

Numbers: the same spells with the strata relabelled ``"a"``, ``"b"``, ``"c"`` in the
expected order (letters sort alike under either rule) give identical coefficients,
standard errors and baseline hazards, row for row; only the labels differ. Stratifying
only changes which rows share a risk set, never the labels' order, so the estimates are
the reference.

Was: the strata were ordered with ``np.unique`` on their text, so ``"10"`` came before
``"2"`` and a ``Categorical``'s declared order was ignored.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.survival import fit_cox

#: Each case: the stratum of each of three blocks of spells, and the order expected.
CASES: dict[str, tuple[Any, list[str]]] = {
    "number-like text": (["10", "2", "9"], ["2", "9", "10"]),
    "numbers": ([10, 2, 9], ["2", "9", "10"]),
    "declared Categorical order": (
        pd.Categorical(["none", "some", "many"], categories=["none", "some", "many"]),
        ["none", "some", "many"],
    ),
    "declared Categorical of number-like text": (
        pd.Categorical(["2", "10", "9"], categories=["10", "9", "2"]),
        ["10", "9", "2"],
    ),
}


def _spells(blocks: Any, n: int = 80, seed: int = 5) -> pd.DataFrame:
    """Spells in three blocks of ``n``, block ``i`` in stratum ``blocks[i]``.

    Each block has its own baseline rate; one covariate ``x`` with a true log hazard
    ratio of 0.5.
    """
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(3):
        x = rng.normal(size=n)
        time = rng.exponential(200.0 * (i + 1) / np.exp(0.5 * x))
        event = (rng.uniform(size=n) < 0.8).astype(int)
        parts.append(pd.DataFrame({"duration": np.ceil(time), "event": event, "x": x, "b": i}))
    frame = pd.concat(parts, ignore_index=True)
    values = pd.Series(blocks).iloc[frame["b"].to_numpy()].reset_index(drop=True)
    return frame.assign(s=values)


def _relabelled(frame: pd.DataFrame, order: list[str]) -> pd.DataFrame:
    """The same spells with stratum ``order[j]`` relabelled the ``j``-th letter."""
    letters = {level: "abc"[j] for j, level in enumerate(order)}
    return frame.assign(s=frame["s"].astype(str).map(letters))


@pytest.mark.parametrize("case", list(CASES))
def test_strata_follow_level_order_with_the_same_numbers(case: str) -> None:
    blocks, order = CASES[case]
    frame = _spells(blocks)
    new = fit_cox(frame, ["x"], strata="s", cluster=None)
    old = fit_cox(_relabelled(frame, order), ["x"], strata="s", cluster=None)
    pd.testing.assert_frame_equal(new.tidy(), old.tidy())
    new_base, old_base = new.baseline_hazard(), old.baseline_hazard()
    assert [str(s) for s in pd.unique(new_base["stratum"])] == order
    assert list(pd.unique(old_base["stratum"])) == ["a", "b", "c"]
    pd.testing.assert_frame_equal(
        new_base.drop(columns="stratum"), old_base.drop(columns="stratum")
    )
    assert [str(s) for s in new.last_follow_up()] == order
    assert list(new.last_follow_up().values()) == list(old.last_follow_up().values())
    glance = new.glance().drop(columns="strata")
    pd.testing.assert_frame_equal(glance, old.glance().drop(columns="strata"))


def test_each_profile_is_predicted_from_its_own_stratum() -> None:
    blocks, order = CASES["number-like text"]
    frame = _spells(blocks)
    new = fit_cox(frame, ["x"], strata="s", cluster=None)
    old = fit_cox(_relabelled(frame, order), ["x"], strata="s", cluster=None)
    profiles = pd.DataFrame({"x": [0.0, 0.0, 0.0], "s": ["10", "2", "9"]})
    mine = new.predict_survival(profiles, [50.0, 150.0])
    theirs = old.predict_survival(profiles.assign(s=["c", "a", "b"]), [50.0, 150.0])
    pd.testing.assert_frame_equal(mine, theirs)


def test_two_strata_columns_are_ordered_by_the_first_then_the_second() -> None:
    frame = _spells(["10", "2", "9"])
    frame["t"] = pd.Categorical(np.where(frame.index % 2 == 0, "lo", "hi"), categories=["lo", "hi"])
    fit = fit_cox(frame, ["x"], strata=["s", "t"], cluster=None)
    expected = ["2 / lo", "2 / hi", "9 / lo", "9 / hi", "10 / lo", "10 / hi"]
    assert list(pd.unique(fit.baseline_hazard()["stratum"])) == expected
