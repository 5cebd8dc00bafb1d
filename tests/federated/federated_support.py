"""Shared builders of the federated tests: small simulated authorities and their packs."""

from __future__ import annotations

import dataclasses
import warnings
from functools import lru_cache

from escalation.data.simulator import (
    AuthorityVariation,
    SimulatedAuthorities,
    simulate_local_authorities,
)
from escalation.design import AnalysisSpec, StudyDesign, default_design
from escalation.errors import StatisticalWarning
from escalation.federated.hub import PooledAnalysis, pool_share_packs
from escalation.federated.pack import SharePack, build_share_pack


def cheap_design(**analysis: object) -> StudyDesign:
    """The default design with one fast estimator, no bootstrap, moving out competing.

    Moving out competes (rather than censors) so that the risk-set tables carry enough
    competing events to be shared unfolded; intervals of about 61 days.
    """
    base = default_design()
    return base.replace(
        outcome=dataclasses.replace(
            base.outcome, competing=("death", "moved_out"), censor=("age_18",)
        ),
        estimation=dataclasses.replace(base.estimation, estimators=("unadjusted",), bootstrap=0),
        analysis=AnalysisSpec(**{"interval_days": 61, **analysis}),  # type: ignore[arg-type]
    )


def authorities(k: int = 3, children: int = 8_000, seed: int = 11) -> SimulatedAuthorities:
    """Simulated authorities that differ (cached: the same object for every test)."""
    return _authorities(k, children, seed)


def packs(k: int = 3, children: int = 8_000, seed: int = 11) -> tuple[SharePack, ...]:
    """One share pack per simulated authority, built with :func:`cheap_design`."""
    return _packs(k, children, seed)


# The caches are keyed on the arguments as passed: ``authorities()`` and
# ``authorities(3, 8_000, 11)`` were two entries, so the authorities every test reads were
# simulated twice in a test worker (once for the tests, once for ``packs()``). The public
# builders above pass every argument, so each set of authorities is one entry.
@lru_cache(maxsize=2)
def _authorities(k: int, children: int, seed: int) -> SimulatedAuthorities:
    return simulate_local_authorities(
        k, n_children=children, seed=seed, variation=AuthorityVariation()
    )


@lru_cache(maxsize=2)
def _packs(k: int, children: int, seed: int) -> tuple[SharePack, ...]:
    sims = authorities(k, children, seed)
    design = cheap_design()
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StatisticalWarning)
        for sim in sims.authorities.values():
            out.append(build_share_pack(sim.history, design))
    return tuple(out)


@lru_cache(maxsize=1)
def pooled_analysis() -> PooledAnalysis:
    """The hub's analysis of :func:`packs` with every default (cached: one object, read only)."""
    return pool_share_packs(list(packs()))
