"""Shared simulated local authorities for the simulator tests (built once per session)."""

from __future__ import annotations

from functools import cache

from escalation.data.simulator import (
    SimulatedLocalAuthority,
    SimulationConfig,
    simulate_local_authority,
)
from escalation.design import default_design
from escalation.timeline import SpellData, build_spells


@cache
def simulated(
    n: int, seed: int, confounding: float = 1.0, notes: bool = False
) -> SimulatedLocalAuthority:
    """A simulated local authority, cached by its arguments."""
    config = SimulationConfig(confounding=confounding, notes=notes)
    return simulate_local_authority(n, seed=seed, config=config)


@cache
def spells(n: int, seed: int, confounding: float = 1.0) -> SpellData:
    """The default design's spells of :func:`simulated`."""
    return build_spells(simulated(n, seed, confounding).history, default_design())
