"""The simulator's outputs, frozen: digests of small authorities' tables and truth.

The expected digests were produced by the code before the ``sim-speed`` changes (at
commit 20af99f). Any change to how the tables are made (the order of the random draws,
a dtype, a category's order, a floating-point operation of the truth) changes them; a
change meant to alter the simulated data must update them and say so in the CHANGELOG.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

import pandas as pd
import pytest

from escalation.data.simulator import (
    SimulatedLocalAuthority,
    SimulationConfig,
    simulate_local_authorities,
    simulate_local_authority,
)
from escalation.results import data_hash


def _dtypes(frame: pd.DataFrame) -> str:
    """Each column's name and dtype, with a categorical's categories in their order."""
    parts = []
    for name, dtype in frame.dtypes.items():
        kind = str(dtype)
        if isinstance(dtype, pd.CategoricalDtype):
            kind = f"category{list(dtype.categories)}"
        parts.append(f"{name}:{kind}")
    return ";".join(parts)


def _digest(sim: SimulatedLocalAuthority) -> str:
    """SHA-256 (first 16 hex digits) of every table of the history and the truth."""
    digest = hashlib.sha256()
    truth = sim.truth
    for frame in (
        sim.history.children,
        sim.history.episodes,
        sim.history.notes,
        truth.spell_risks,
        truth.note_mentions,
        truth.assessment_factors,
    ):
        digest.update(_dtypes(frame).encode())
        digest.update(data_hash(frame).encode())  # values bit for bit (floats by their bits)
    return digest.hexdigest()[:16]


def _authorities() -> list[SimulatedLocalAuthority]:
    sims = simulate_local_authorities(
        2, n_children=300, seed=3, config=SimulationConfig(notes=False)
    )
    return list(sims.authorities.values())


CASES: dict[str, tuple[Callable[[], list[SimulatedLocalAuthority]], list[str]]] = {
    "default, notes": (
        lambda: [simulate_local_authority(300, seed=5)],
        ["2030accbd5d91747"],
    ),
    "heterogeneous effect, no notes": (
        lambda: [
            simulate_local_authority(
                400,
                seed=2,
                config=SimulationConfig(
                    notes=False, effect_heterogeneity=True, early_help_hazard_ratio=0.6
                ),
            )
        ],
        ["63dd9a99ba27e998"],
    ),
    "two authorities": (_authorities, ["c274547af7c97644", "9f93705a29ca7df9"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tables_and_truth_are_those_of_the_code_before_the_speed_ups(case: str) -> None:
    make, expected = CASES[case]
    assert [_digest(sim) for sim in make()] == expected
