"""The federated path end to end on simulated authorities (``escalation demo --authorities``).

Each simulated authority's case histories are written to their own folder, read back
through the strict validator and analysed there into a share pack, as each authority
would do it; the hub then reads only the packs and writes the pooled outputs. The truth
of every authority and of the pooled population is written beside them.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from escalation.compute import parallel_map
from escalation.data.io import read_case_history, write_case_history
from escalation.data.simulator.authorities import simulate_local_authorities
from escalation.data.simulator.config import simulation_record
from escalation.design.study import DataSpec, StudyDesign, default_design
from escalation.federated.hub import PooledAnalysis, pool_share_packs
from escalation.federated.outputs import PooledOutputs, write_pooled
from escalation.federated.pack import build_share_pack, read_share_pack, write_share_pack

__all__ = ["REGISTERED_DESIGN", "FederatedDemo", "run_federated_demo", "share_authority"]

#: The design every simulated authority ran, written in the output folder under this name.
REGISTERED_DESIGN: Final = "registered_design.toml"


@dataclass(frozen=True)
class FederatedDemo:
    """What :func:`run_federated_demo` wrote."""

    packs: tuple[Path, ...]
    pooled: PooledAnalysis
    outputs: PooledOutputs
    truth: Path
    seconds: float
    #: How the authorities were simulated (:func:`~escalation.data.simulator.simulation_record`).
    simulation: dict[str, Any]


def share_authority(home: Path, packs: Path) -> Path:
    """Run what one authority runs: read its data and design, write its share pack.

    Parameters
    ----------
    home : Path
        The authority's folder: ``design.toml`` and its case histories.
    packs : Path
        Folder the pack is written to.

    Returns
    -------
    Path
        The pack written.
    """
    from escalation.design.study import read_design

    design = read_design(home / "design.toml")
    history = read_case_history(home / "data")
    return write_share_pack(build_share_pack(history, design), packs)


def run_federated_demo(
    out: str | Path,
    *,
    authorities: int = 4,
    children: int = 5_000,
    seed: int = 1,
    bootstrap: int | None = 50,
    design: StudyDesign | None = None,
    progress: bool = True,
    jobs: int | None = 2,
    command: str | None = None,
) -> FederatedDemo:
    """Simulate ``authorities`` local authorities, make their share packs and pool them.

    Parameters
    ----------
    out : str or Path
        Output folder: ``authorities/<la>/`` (each authority's data and design),
        ``packs/<la>.zip``, ``pooled/`` (results, figures, brief, manifest) and
        ``truth.json``.
    authorities : int, default 4
        Number of authorities.
    children : int, default 5000
        Typical number of children per authority.
    seed : int, default 1
        Seed of the simulation and of every later random step.
    bootstrap : int or None, default 50
        Bootstrap replicates in each authority (None: the design's).
    design : StudyDesign, optional
        Default: the package's default design.
    progress : bool, default True
        Show progress on standard error.
    jobs : int or None, default 2
        Authorities analysed at once, in local worker processes (each authority would run
        on its own machine); 1 runs them one after another here. None: where the enclosing
        :func:`escalation.compute.use_compute` says (e.g. a Dask cluster). The packs are
        the same either way: each authority's random steps are seeded from the design.
    command : str, optional
        The command recorded in the pooled manifest (default: the ``escalation demo``
        command that makes the same folder).

    Returns
    -------
    FederatedDemo
    """
    start = time.perf_counter()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    design = design if design is not None else default_design()
    console: Any = None
    if progress:
        from escalation._console import stderr_console

        console = stderr_console()

    def say(message: str) -> None:
        if console is not None:
            from rich.markup import escape

            console.log(escape(message))

    # The registered design is the one every authority runs: bootstrap and seed included.
    design = design.replace(data=DataSpec()).with_estimation(seed=seed, bootstrap=bootstrap)
    sims = simulate_local_authorities(authorities, n_children=children, seed=seed)
    simulation = simulation_record(children, seed, authorities=authorities)
    say(f"Simulated {authorities} local authorities: {sims!r}")
    homes = []
    for la, sim in sims.authorities.items():
        home = folder / "authorities" / la
        write_case_history(sim.history, home / "data")
        design.replace(data=DataSpec(path="data")).write(home / "design.toml")
        homes.append(home)
    say("Each authority analyses its own data...")
    packs = parallel_map(
        share_authority,
        homes,
        shared=(folder / "packs",),
        description="authorities",
        progress=progress,
        workers=jobs,
    )
    say(f"{len(packs)} share packs written ({time.perf_counter() - start:.0f} s)")
    read = [read_share_pack(p) for p in packs]
    pooled = pool_share_packs(read, design=design)
    design.write(folder / REGISTERED_DESIGN)
    outputs = write_pooled(
        pooled,
        folder / "pooled",
        command=command
        if command is not None
        else (
            f"escalation demo --authorities {authorities} --children "
            f"{children * authorities} --seed {seed} --bootstrap {design.estimation.bootstrap}"
        ),
        data_label="Simulated local authorities: not real children",
        simulation=simulation,
    )
    truth = {
        "authorities": sims.characteristics.to_dict("records"),
        "by_authority": sims.truth.by_authority().to_dict("records"),
        "pooled": sims.truth.pooled().to_dict("records"),
        "mean_over_authorities": sims.truth.mean_effect().to_dict("records"),
        "seed": seed,
    }
    truth_path = folder / "truth.json"
    truth_path.write_text(json.dumps(truth, indent=2, default=float) + "\n", encoding="utf-8")
    seconds = time.perf_counter() - start
    # no path: the caller may be writing into a staging folder (the command prints the final one)
    say(f"Pooled {len(read)} packs ({seconds:.0f} s)")
    return FederatedDemo(tuple(packs), pooled, outputs, truth_path, seconds, simulation)
