"""Temporal and family-grouped splits never put one family on both sides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation import build_spells, default_design
from escalation.errors import DataValidationError, DesignError
from escalation.policy import learn_rules
from escalation.predict.splits import family_groups, grouped_folds, temporal_split
from tests.timeline.timeline_support import synthetic_history


@pytest.fixture(scope="module")
def spells() -> pd.DataFrame:
    return build_spells(synthetic_history(3000, 11), default_design()).spells


def test_temporal_split_trains_on_earlier_time_zeros(spells: pd.DataFrame) -> None:
    split = temporal_split(spells, train_fraction=0.6)
    train, test = spells.iloc[split.train], spells.iloc[split.test]
    assert train["time_zero"].max() < test["time_zero"].min()
    assert set(train["family_id"]).isdisjoint(set(test["family_id"]))
    later = (spells["time_zero"] >= test["time_zero"].min()).sum()
    assert len(train) == pytest.approx(0.6 * len(spells), abs=3)
    # only later spells of families with a training spell are left out
    left_out = later - len(test)
    shared = spells.iloc[np.setdiff1d(np.arange(len(spells)), np.r_[split.train, split.test])]
    assert len(shared) == left_out and shared["family_id"].isin(train["family_id"]).all()
    keep_all = temporal_split(spells, train_fraction=0.6, separate_families=False)
    assert len(keep_all.test) == later
    with pytest.raises(DesignError, match="cutoff"):
        temporal_split(spells, cutoff="2030-01-01")


def test_grouped_folds_partition_spells_by_family(spells: pd.DataFrame) -> None:
    folds = grouped_folds(spells, 5, seed=3)
    tests = np.concatenate([f.test for f in folds])
    assert np.array_equal(np.sort(tests), np.arange(len(spells)))
    for fold in folds:
        assert np.intersect1d(fold.train, fold.test).size == 0
        train_fam = set(spells["family_id"].iloc[fold.train])
        assert train_fam.isdisjoint(set(spells["family_id"].iloc[fold.test]))
    sizes = [len(f.test) for f in folds]
    assert max(sizes) - min(sizes) <= 2  # families have at most two children here
    again = grouped_folds(spells, 5, seed=3)
    assert all(np.array_equal(a.test, b.test) for a, b in zip(folds, again, strict=True))
    other = grouped_folds(spells, 5, seed=4)
    assert not all(np.array_equal(a.test, b.test) for a, b in zip(folds, other, strict=True))
    with pytest.raises(DesignError, match="n_splits"):
        grouped_folds(spells.head(3), 5)


def test_children_without_a_family_are_their_own_group() -> None:
    frame = pd.DataFrame(
        {"child_id": ["a", "b", "c", "d"], "family_id": pd.array(["f", None, "f", None])}
    )
    groups = family_groups(frame)
    assert groups[0] == groups[2] and len(set(groups)) == 3


def test_child_id_is_read_only_for_spells_without_a_family() -> None:
    # learn_rules on spells with a family_id each but no child_id raised a bare
    # KeyError('child_id') from inside pandas.
    rng = np.random.default_rng(1)
    n = 200
    spells = pd.DataFrame(
        {
            "spell_id": np.arange(1, n + 1),
            "family_id": np.arange(n) // 2,
            "duration": rng.integers(1, 700, n).astype(float),
            "event": rng.integers(0, 2, n),
            "treatment": rng.integers(0, 2, n),
            "x": rng.normal(size=n),
        }
    )
    assert family_groups(spells).tolist() == (np.arange(n) // 2).tolist()
    learned = learn_rules(spells, covariates=["x"], capacity=0.2, horizon=365, rules=("risk",))
    assert len(learned.flags["risk_cox"]) == n
    without = spells.assign(family_id=spells["family_id"].astype(object).where(spells.index > 2))
    with pytest.raises(DataValidationError) as error:
        family_groups(without)
    assert "table 'spells', column 'child_id': required column is missing" in str(error.value)
    assert "(3 spell(s) have none)" in str(error.value)
