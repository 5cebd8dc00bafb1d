"""A simulated country: many local authorities written straight to a partitioned dataset.

:func:`simulate_national` simulates each authority with
:func:`~escalation.data.simulator.simulate_local_authority` (its own seed, derived from the
master seed and the authority's number) and writes it as one partition
(``authority=LA001``, ...) of a partitioned case history, so no process ever holds more than
one authority. Identifiers are prefixed with the authority code (``LA001-C0000001``,
``LA001-F000001``) and so are unique nationally. The ground truth of each authority is written
beside the tables (``truth/authority=.../part-0.parquet``: the true risks of each index
spell). The children table carries the contract's ``la`` column (the authority code), as
:func:`~escalation.data.simulator.simulate_local_authorities` writes it, so a design's
``[analysis] authority`` setting works on national data too. Authorities run in parallel
where :mod:`escalation.compute` says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import numpy as np

from escalation._atomic import replace_atomically
from escalation.compute import parallel_map
from escalation.data.dataset import (
    METADATA_FILE,
    CaseHistoryDataset,
    open_case_history_dataset,
    write_partition,
)
from escalation.data.history import TABLES
from escalation.data.simulator.config import SimulationConfig

__all__ = ["authority_codes", "national_files", "simulate_national"]

_KEY: Final = "authority"


def authority_codes(n: int) -> list[str]:
    """Return authority codes ``LA001``, ``LA002``, ... (three digits or more).

    Examples
    --------
    >>> authority_codes(2)
    ['LA001', 'LA002']
    """
    width = max(3, len(str(n)))
    return [f"LA{i:0{width}d}" for i in range(1, n + 1)]


def national_files(authorities: int, *, notes: bool) -> list[str]:
    """Return the files :func:`simulate_national` writes, relative to its folder.

    Known before anything is simulated, so that an output folder can refuse a clash with
    a file escalation did not write before the work starts. The notes table is written
    only for authorities that have notes; with ``notes`` its files are all listed.

    Examples
    --------
    >>> national_files(2, notes=False)[:2]
    ['case_history.json', 'children/authority=LA001/part-0.parquet']
    >>> len(national_files(2, notes=True))  # case_history.json and 4 tables per authority
    9
    """
    tables = ("children", "episodes", *(("notes",) if notes else ()), "truth")
    parts = [
        f"{table}/{_KEY}={code}/part-0.parquet"
        for code in authority_codes(authorities)
        for table in tables
    ]
    return [METADATA_FILE, *parts]


@dataclass(frozen=True)
class _Job:
    path: Path
    config: SimulationConfig
    seed: int


def _simulate_authority(task: tuple[int, str, int], job: _Job) -> dict[str, int]:
    """Simulate one authority and write its partition; return row counts."""
    from escalation.data.simulator import simulate_local_authority
    from escalation.data.simulator.authorities import label_authority

    number, code, n_children = task
    seed = int(np.random.SeedSequence(job.seed, spawn_key=(number,)).generate_state(1)[0])
    simulated = label_authority(
        simulate_local_authority(n_children, seed=seed, config=job.config), code
    )
    history = simulated.history
    write_partition(job.path, _KEY, code, history)
    folder = job.path / "truth" / f"{_KEY}={code}"
    folder.mkdir(parents=True, exist_ok=True)
    risks = simulated.truth.spell_risks
    replace_atomically(
        folder / "part-0.parquet", lambda temporary: risks.to_parquet(temporary, index=False)
    )
    return {
        "children": len(history.children),
        "episodes": len(history.episodes),
        "notes": len(history.notes),
    }


def simulate_national(
    n_children: int,
    path: str | Path,
    *,
    authorities: int = 150,
    seed: int = 1,
    config: SimulationConfig | None = None,
    progress: bool = False,
) -> CaseHistoryDataset:
    """Simulate a country's case histories, one authority per partition, written to ``path``.

    Parameters
    ----------
    n_children : int
        Children in total, split evenly over the authorities (the first authorities get one
        more when it does not divide).
    path : str or Path
        Destination folder (must not already hold case-history tables).
    authorities : int, default 150
        Local authorities (England has about 150).
    seed : int, default 1
        Master seed; authority ``k`` uses ``SeedSequence(seed, spawn_key=(k,))``, so the data
        do not depend on the number of workers.
    config : SimulationConfig, optional
        Parameters of every authority; default the calibrated defaults without notes.
    progress : bool, default False
        Show a progress bar over authorities.

    Returns
    -------
    CaseHistoryDataset
        The dataset, opened.

    Examples
    --------
    >>> dataset = simulate_national(900, getfixture("tmp_path") / "england", authorities=3)
    >>> dataset.partitions
    ('LA001', 'LA002', 'LA003')
    >>> int(dataset.count_rows()["children"].sum())
    900
    """
    total = int(n_children)
    count = int(authorities)
    if count < 1 or total < count:
        raise ValueError("need at least one authority and at least one child per authority")
    root = Path(path)
    if any((root / t).exists() for t in TABLES):
        raise FileExistsError(f"{root} already holds case-history tables; choose a new folder")
    root.mkdir(parents=True, exist_ok=True)
    config = config if config is not None else SimulationConfig(notes=False)
    sizes = np.full(count, total // count, dtype=np.int64)
    sizes[: total % count] += 1
    codes = authority_codes(count)
    tasks = [(i, codes[i], int(sizes[i])) for i in range(count)]
    rows = parallel_map(
        _simulate_authority,
        tasks,
        shared=(_Job(root, config, int(seed)),),
        description="authorities",
        progress=progress,
    )
    metadata = {
        "extract_date": config.extract_date,
        "extract_date_source": "simulator",
        "layout": "partitioned",
        "partition_key": _KEY,
        "partitions": count,
        "seed": int(seed),
        "n_children": total,
        "rows": {t: int(sum(r[t] for r in rows)) for t in TABLES},
        "config": config.to_dict(),
    }
    (root / METADATA_FILE).write_text(json.dumps(metadata, indent=2) + "\n", encoding="utf-8")
    return open_case_history_dataset(root)
