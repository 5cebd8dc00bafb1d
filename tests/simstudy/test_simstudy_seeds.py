"""Replications are seeded with 128 bits from ``SeedSequence.spawn``; old folders are refused.

Was: each replication drew two 32-bit seeds (``generate_state(2, uint32)``), which the data
generator and the bootstrap then expanded: a study's data sets came from at most 2**32
seeds, so two replications of a large study could be one data set drawn twice (even odds
near 77,000 replications, 1 - exp(-n²/2**33)). Now the replication's ``SeedSequence`` is
the scenario's ``spawn`` child and its own two children seed the data and the bootstrap
with 128 bits each. Seeds therefore changed: a folder of replications drawn the old way
is refused rather than mixed with new ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from escalation.errors import DesignError
from escalation.simstudy import run_simstudy
from escalation.simstudy import study as study_module
from tests.simstudy.test_simstudy_run import small_plan


def _bits128(sequence: np.random.SeedSequence) -> int:
    low, high = (int(w) for w in sequence.generate_state(2, dtype=np.uint64))
    return low | (high << 64)


def test_seeds_are_the_spawned_children_with_128_bits() -> None:
    plan = small_plan()
    scenario = plan.scenarios()[1]
    # numpy's spawn, called on the scenario's sequence in order: the r-th child is the
    # replication's, and its two children the data's and the bootstrap's.
    parent = np.random.SeedSequence(plan.seed, spawn_key=(scenario.key,))
    for r, child in enumerate(parent.spawn(5)):
        data, boot = child.spawn(2)
        assert study_module._seeds(plan, scenario, r) == (_bits128(data), _bits128(boot))
    seeds = [study_module._seeds(plan, scenario, r)[0] for r in range(200)]
    assert max(seeds) >= 2**64  # more than 32 (or 64) bits reach the generators
    assert len(set(seeds)) == 200


def test_data_and_bootstrap_use_the_whole_seed() -> None:
    """Two seeds differing only above bit 32 draw different data and resamples."""
    from escalation.data.simulator.exponential import simulate_spells

    low = 12345
    a = simulate_spells(200, low)["duration"].to_numpy()
    b = simulate_spells(200, low + 2**100)["duration"].to_numpy()
    assert not np.array_equal(a, b)


def test_a_folder_of_replications_seeded_the_old_way_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_simstudy(small_plan(replications=1, bootstrap=0), out=tmp_path / "new", workers=1)
    record = json.loads((tmp_path / "new" / "simstudy.json").read_text(encoding="utf-8"))
    assert record["seed_scheme"] == 2
    # A folder written under the 32-bit scheme (its simstudy.json says 1, or says nothing).
    monkeypatch.setattr(study_module, "SEED_SCHEME", 1)
    run_simstudy(small_plan(replications=1, bootstrap=0), out=tmp_path / "old", workers=1)
    monkeypatch.undo()
    with pytest.raises(DesignError, match=r"seed scheme 1 .*32-bit.*new output folder"):
        run_simstudy(small_plan(replications=2, bootstrap=0), out=tmp_path / "old", workers=1)
    resumed = run_simstudy(small_plan(replications=2, bootstrap=0), out=tmp_path / "new")
    assert resumed.new_replications == 2  # a folder of this scheme resumes
