"""The simulator's case histories, frozen: digests of small authorities' tables.

The expected digests were produced by the code before the ``sim-speed`` changes (at
commit 20af99f). Any change to how the tables are made (the order of the random draws,
a dtype, a category's order) changes them; a change meant to alter the simulated data
must update them and say so in the CHANGELOG.

Only the history's tables are frozen: their days, codes and texts are the same on every
machine. The truth's risks are floating-point numbers whose last bits may differ where
numpy's exponential is computed differently (another CPU's vector instructions), so a
frozen digest of them would fail on a user's machine for no fault of the code. They were
compared bit for bit with the code at 20af99f over 111 cases when the simulator was sped
up (sizes 1 to 20,000, seven configurations, several authorities), and are checked
against independent computations in ``tests/data/test_simulator_truth.py``.
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
    """SHA-256 (first 16 hex digits) of every table of the history."""
    digest = hashlib.sha256()
    for frame in (sim.history.children, sim.history.episodes, sim.history.notes):
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
        ["03374fcabed89fd1"],
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
        ["cc601dcd04f95f54"],
    ),
    "two authorities": (_authorities, ["8a7bf47953be57c3", "b6f1514edd24f8a6"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_tables_are_those_of_the_code_before_the_speed_ups(case: str) -> None:
    make, expected = CASES[case]
    assert [_digest(sim) for sim in make()] == expected
