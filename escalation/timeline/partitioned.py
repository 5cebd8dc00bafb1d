"""Spells and counting-process data from a partitioned case history, one partition at a time.

Time zero, follow-up, treatment and covariates are all per child, and a partitioned case
history keeps each child in one partition, so every partition is validated and built on its
own (:func:`~escalation.timeline.build_spells` on that partition alone) and written straight
to Parquet: memory is bounded by the largest partition, not the country, and partitions run
in parallel where :mod:`escalation.compute` says (this process, local workers, a Dask
cluster; the output folder must be storage the workers share).

What joins the partitions:

- the exclusion flow is the sum of the partitions' flows (children are in one partition
  only, so counts add up);
- ``spell_id`` is ``ordinal * SPELL_ID_STRIDE + local id`` (partitions in sorted order), unique
  over the dataset;
- ``factor_<code>`` columns are the union over partitions, in the contract's order, with 0
  where a partition saw no such factor, exactly as one build on all the data would give;
- a ``child_id`` found in two partitions is an error naming both partitions (never the id);
- strict validation collects every partition's problems (each located by table, partition,
  row, column and value) and raises them together; nothing is written then.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd

from escalation.compute import parallel_map
from escalation.data.codes import ASSESSMENT_FACTORS
from escalation.data.dataset import CaseHistoryDataset
from escalation.data.stream import duplicate_children, validate_partition
from escalation.design.study import StudyDesign
from escalation.errors import DataValidationError, DesignError
from escalation.results import package_versions
from escalation.timeline.spells import SpellData, build_spells

__all__ = [
    "SPELL_ID_STRIDE",
    "SpellDataset",
    "build_spell_dataset",
    "built_manifest",
    "combined_digest",
    "read_built_spells",
    "read_spell_dataset",
    "spells_sha256",
]

#: Spell ids of partition ``k`` (0-based, sorted order) are ``k * SPELL_ID_STRIDE + 1, ...``.
SPELL_ID_STRIDE: Final = 10**9
_FLOW_KEYS: Final = ["step", "stage", "rule", "description"]
#: The manifest every command writes (``escalation.report.manifest.MANIFEST_NAME``; the
#: timeline sits below the report and does not import it).
_MANIFEST: Final = "manifest.json"


@dataclass(frozen=True, eq=False)
class SpellDataset:
    """Spells and counting-process data written by :func:`build_spell_dataset`.

    Attributes
    ----------
    path : Path
        The output folder: ``spells/`` and ``counting/`` (partitioned like the input),
        ``flow.csv``.
    key : str
        Partitioning column.
    partitions : tuple of str
        Partitions built.
    flow : pandas.DataFrame
        The exclusion flow, summed over partitions.
    rows : dict
        Rows written: ``{"spells": n, "counting": m}``.
    factors : tuple of str
        The ``factor_<code>`` columns.
    design : StudyDesign
        The design.
    extract_date : pandas.Timestamp
        The extract date.
    partition_hashes : dict
        :meth:`~escalation.data.CaseHistory.digest` of each partition as validated.
    input_hash : str
        One SHA-256 over the partitions' digests (:func:`combined_digest`): what a
        manifest records as the build's ``input_hash``.
    """

    path: Path
    key: str
    partitions: tuple[str, ...]
    flow: pd.DataFrame
    rows: dict[str, int]
    factors: tuple[str, ...]
    design: StudyDesign
    extract_date: pd.Timestamp
    partition_hashes: dict[str, str]
    input_hash: str

    def scan(self, table: str = "spells") -> Any:
        """Return a lazy ``pyarrow.dataset.Dataset`` of ``spells`` or ``counting``."""
        return _scan(self.path / table, self.key)

    def read(self, table: str = "spells", columns: list[str] | None = None) -> pd.DataFrame:
        """Read ``spells`` or ``counting`` (optionally only some columns) into pandas."""
        return _read_all(self.path / table, self.key, columns)

    def glance(self) -> pd.DataFrame:
        """Return one row: partitions, spells, counting rows, excluded, versions."""
        excluded = int(self.flow.loc[self.flow["stage"] == "excluded", "episodes"].sum())
        row = {
            "partitions": len(self.partitions),
            "n": self.rows["spells"],
            "counting_rows": self.rows["counting"],
            "dropped": excluded,
            "method": "build_spell_dataset",
            **package_versions(),
        }
        return pd.DataFrame([row])


def combined_digest(digests: dict[str, str], key: str) -> str:
    """Return one SHA-256 over the digests of a dataset's partitions.

    The hash of the lines ``<digest>  <key>=<partition>``, sorted: it changes when any
    partition's content changes, or a partition is added, removed or renamed.

    Examples
    --------
    >>> a = combined_digest({"LA001": "ab", "LA002": "cd"}, "authority")
    >>> a == combined_digest({"LA002": "cd", "LA001": "ab"}, "authority")
    True
    >>> a == combined_digest({"LA001": "ab", "LA003": "cd"}, "authority")
    False
    """
    lines = sorted(f"{digest}  {key}={partition}\n" for partition, digest in digests.items())
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def _scan(folder: Path, key: str) -> Any:
    import pyarrow as pa
    import pyarrow.dataset as pads

    partitioning = pads.partitioning(pa.schema([(key, pa.string())]), flavor="hive")
    return pads.dataset(
        folder, format="parquet", partitioning=partitioning, ignore_prefixes=[".", "_"]
    )


def _read_all(folder: Path, key: str, columns: list[str] | None) -> pd.DataFrame:
    frame: pd.DataFrame = _scan(folder, key).to_table(columns=columns).to_pandas()
    return frame


def read_spell_dataset(path: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """Read the spells of a built dataset folder (``OUT/spells``) into one pandas frame.

    Parameters
    ----------
    path : str or Path
        The folder :func:`build_spell_dataset` wrote.
    columns : list of str, optional
        Columns to read (default all).
    """
    root = Path(path)
    meta = json.loads((root / "spells_dataset.json").read_text(encoding="utf-8"))
    return _read_all(root / "spells", str(meta["key"]), columns)


def spells_sha256(design: StudyDesign, *, censor_at_horizon: bool = False) -> str:
    """Return the SHA-256 of what in a design decides its spells.

    :func:`~escalation.timeline.build_spells` reads ``[time_zero]``, ``[treatment]``,
    ``[outcome] events, competing, censor``, the extra children columns of
    ``[covariates] include`` (the built-in covariates are always built) and, when
    follow-up is censored at the horizon, the longest of ``[outcome] horizons``. Two
    designs with the same hash give the same spells from the same case histories (the
    extract date, which also does, is the data's); estimation, disclosure, other horizons
    and the choice among built-in covariates do not enter.

    Parameters
    ----------
    design : StudyDesign
        The design.
    censor_at_horizon : bool, default False
        Whether follow-up is censored at the longest horizon.

    Examples
    --------
    >>> from escalation.design import default_design
    >>> design = default_design()
    >>> other = design.with_estimation(bootstrap=7)
    >>> spells_sha256(design) == spells_sha256(other)
    True
    """
    sections = design.to_dict()
    decides: dict[str, Any] = {
        "time_zero": sections["time_zero"],
        "treatment": sections["treatment"],
        "outcome": {key: sections["outcome"].get(key) for key in ("events", "competing", "censor")},
        "covariates": sorted(design.covariates.extra),
    }
    if censor_at_horizon:
        decides["longest_horizon"] = max(design.outcome.horizons)
    text = json.dumps(decides, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def built_manifest(path: str | Path) -> dict[str, Any]:
    """Return the manifest of a folder ``escalation build`` wrote, refusing any other folder.

    Parameters
    ----------
    path : str or Path
        The folder.

    Raises
    ------
    DesignError
        When the folder is not one ``escalation build`` wrote: no such folder, no
        ``manifest.json``, a manifest of another command, or its spells missing. The
        message names the folder and the file.
    """
    root = Path(path)
    file = root / _MANIFEST
    advice = "give the folder escalation build --out wrote"
    if not root.is_dir():
        raise DesignError(f"built spells {root}: no such folder; {advice}")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DesignError(
            f"built spells {root}: no {_MANIFEST}, so not a folder escalation build wrote; {advice}"
        ) from None
    except ValueError as error:
        raise DesignError(f"built spells {file}: not valid JSON ({error}); {advice}") from None
    command = str(manifest.get("command", "")) if isinstance(manifest, dict) else ""
    if not command.startswith("escalation build"):
        shown = command.split(" ")[:2] if command else ["no command"]
        raise DesignError(
            f"built spells {file}: written by {' '.join(shown)!r}, not escalation build; {advice}"
        )
    partitioned = (root / "spells_dataset.json").is_file() and (root / "spells").is_dir()
    for name in ("flow.csv", "design.toml"):
        if not (root / name).is_file():
            raise DesignError(f"built spells {root}: {name} is missing; build the folder again")
    if not partitioned and not (root / "spells.parquet").is_file():
        raise DesignError(
            f"built spells {root}: neither spells/ with spells_dataset.json nor "
            "spells.parquet is there; build the folder again"
        )
    return dict(manifest)


def read_built_spells(path: str | Path, design: StudyDesign | None = None) -> SpellData:
    """Read the folder ``escalation build`` wrote as the spells the analyses take.

    The spells (every partition of ``spells/``, without the partitioning column, or
    ``spells.parquet``), ``flow.csv``, and the extract date and follow-up rule the build's
    manifest records, with the design the build wrote beside them (``design.toml``) or
    ``design``: one that may differ from the build's in estimation, disclosure,
    horizons or the built-in covariates it adjusts for, never in what decides the spells
    (:func:`spells_sha256`).

    Parameters
    ----------
    path : str or Path
        The folder ``escalation build --out`` wrote.
    design : StudyDesign, optional
        The design to analyse with (default: the build's).

    Returns
    -------
    SpellData
        As :func:`~escalation.timeline.build_spells` on the same case histories gives it
        (only ``spell_id`` and the row order differ for a partitioned build, which no
        estimate depends on).

    Raises
    ------
    DesignError
        When the folder is not a build (:func:`built_manifest`), its ``design.toml`` was
        changed after the build in what decides the spells, or ``design`` differs from the
        build's in what decides the spells: the message names the sections compared and
        both hashes.
    """
    from escalation.design.study import read_design

    root = Path(path)
    manifest = built_manifest(root)
    censor = bool(manifest.get("censor_at_horizon", False))
    built = read_design(root / "design.toml")
    expected = manifest.get("spells_sha256")  # builds before it was recorded: from the design
    if not isinstance(expected, str):
        recorded = StudyDesign.from_toml(str(manifest["design"]["toml"]))
        expected = spells_sha256(recorded, censor_at_horizon=censor)
    if spells_sha256(built, censor_at_horizon=censor) != expected:
        raise DesignError(
            f"built spells {root / 'design.toml'}: changed since the build in what decides "
            f"the spells (the manifest records the design the spells were built with); "
            f"restore it or build the folder again"
        )
    if design is not None:
        given = spells_sha256(design, censor_at_horizon=censor)
        if given != expected:
            raise DesignError(
                f"built spells {root}: the design differs from the build's in what decides "
                "the spells ([time_zero], [treatment], [outcome] events, competing, censor, "
                "extra [covariates]"
                + (", the longest horizon" if censor else "")
                + f"): spells SHA-256 {given[:12]}, the build's {expected[:12]}; build the "
                "spells again with this design, or analyse with the build's design.toml"
            )
    if (root / "spells_dataset.json").is_file():
        key = str(json.loads((root / "spells_dataset.json").read_text(encoding="utf-8"))["key"])
        spells = _read_all(root / "spells", key, None).drop(columns=key)
    else:
        spells = pd.read_parquet(root / "spells.parquet")
    return SpellData(
        spells=spells,
        flow=pd.read_csv(root / "flow.csv"),
        design=built if design is None else design,
        extract_date=pd.Timestamp(manifest["extract_date"]),
        censor_at_horizon=censor,
    )


@dataclass(frozen=True)
class _Settings:
    dataset: CaseHistoryDataset
    design: StudyDesign
    staging: Path
    censor_at_horizon: bool


def _write(frame: pd.DataFrame, folder: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    folder.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(frame, preserve_index=False)
    pq.write_table(table, folder / "part-0.parquet")


def _build_partition(task: tuple[int, str], settings: _Settings) -> dict[str, Any]:
    """Validate and build one partition; write its spells and counting rows."""
    ordinal, partition = task
    dataset = settings.dataset
    checked = validate_partition(dataset, partition, lenient=False)
    valid = checked.history
    if valid is None:
        return {
            "partition": partition,
            "problems": checked.problems,
            "hashes": checked.hashes,
            "files": checked.children_files,
        }
    data = build_spells(valid, settings.design, censor_at_horizon=settings.censor_at_horizon)
    # The counting rows are built from the spells as build_spells numbered them (SpellData
    # refuses spell ids it did not make); both are then renumbered for the whole dataset.
    offset = ordinal * SPELL_ID_STRIDE
    counting = data.counting.assign(spell_id=lambda f: f["spell_id"] + offset)
    spells = data.spells.assign(spell_id=lambda f: f["spell_id"] + offset)
    folder = f"{dataset.key}={partition}"
    # The partition folder carries the key; a column of the same name (a covariate) would
    # clash with it when the dataset is read back.
    _write(spells.drop(columns=dataset.key, errors="ignore"), settings.staging / "spells" / folder)
    _write(
        counting.drop(columns=dataset.key, errors="ignore"), settings.staging / "counting" / folder
    )
    return {
        "partition": partition,
        "problems": [],
        "flow": data.flow,
        "spells": len(spells),
        "counting": len(counting),
        "factors": [c for c in spells.columns if c.startswith("factor_")],
        "hashes": checked.hashes,
        "files": checked.children_files,
        "digest": valid.digest(),
    }


def _factor_order(names: set[str]) -> list[str]:
    codes = [n.removeprefix("factor_") for n in names]
    known = [c for c in ASSESSMENT_FACTORS if c in codes]
    return [f"factor_{c}" for c in known + sorted(c for c in codes if c not in ASSESSMENT_FACTORS)]


def _align_factors(frame: pd.DataFrame, factors: list[str]) -> pd.DataFrame:
    """Give ``frame`` every factor column (0 when absent), in order, before ``n_factors``."""
    present = [c for c in frame.columns if c.startswith("factor_")]
    anchor = frame.columns.get_loc(present[0]) if present else frame.columns.get_loc("n_factors")
    before = [c for c in frame.columns[:anchor] if not c.startswith("factor_")]
    after = [c for c in frame.columns[anchor:] if not c.startswith("factor_")]
    for column in factors:
        if column not in frame.columns:
            frame[column] = np.zeros(len(frame), dtype=np.int8)
    return frame[before + factors + after]


def _unify_types(root: Path, folders: list[str]) -> None:
    """Store each column with one type in every partition of a built table.

    A partition's types follow its data: a covariate no child of an authority has (all
    ``imd_decile`` missing) is stored as Arrow's ``null`` type there, a column of whole
    numbers as integers where another authority's has decimals. Read back as one dataset
    (``pd.read_parquet``, pyarrow, Polars), the first file's types rule, and another
    partition's column either cannot be cast to them (``Unsupported cast from int64 to
    null``) or loses its decimals. The files whose types differ from the types that hold
    every partition's values (pyarrow's permissive promotion: ``null`` to any, integers
    to decimals) are written again with those types; the values do not change.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    files = [root / folder / "part-0.parquet" for folder in folders]
    schemas = [pq.read_schema(f) for f in files]
    try:
        unified = pa.unify_schemas(schemas, promote_options="permissive")
    except (pa.ArrowTypeError, pa.ArrowInvalid):  # pragma: no cover - types with no common type
        return
    for file, schema in zip(files, schemas, strict=True):
        if schema.equals(unified, check_metadata=False):
            continue
        table = pq.read_table(file).select(unified.names)
        pq.write_table(table.cast(unified.with_metadata(schema.metadata)), file)


def build_spell_dataset(
    dataset: CaseHistoryDataset,
    design: StudyDesign,
    out: str | Path,
    *,
    censor_at_horizon: bool = False,
    progress: bool = False,
) -> SpellDataset:
    """Validate every partition strictly and write its spells and counting-process rows.

    Parameters
    ----------
    dataset : CaseHistoryDataset
        The partitioned case history (:func:`~escalation.data.dataset.open_case_history_dataset`).
    design : StudyDesign
        The study design.
    out : str or Path
        Output folder; ``spells/`` and ``counting/`` are written inside it (replacing any
        earlier build), plus ``flow.csv`` and ``spells_dataset.json`` (the key, partitions,
        rows written, and the input hashes of :class:`SpellDataset`).
    censor_at_horizon : bool, default False
        As in :func:`~escalation.timeline.build_spells`.
    progress : bool, default False
        Show a progress bar over partitions.

    Returns
    -------
    SpellDataset

    Raises
    ------
    DataValidationError
        Every problem of every partition (tables named with their partition, e.g.
        ``episodes (authority=LA007)``), or a child in two partitions; nothing is written.

    Examples
    --------
    >>> from escalation.data.dataset import write_case_history_dataset
    >>> from escalation.data.simulator import simulate_local_authority, SimulationConfig
    >>> from escalation.design import default_design
    >>> tmp = getfixture("tmp_path")
    >>> config = SimulationConfig(notes=False)
    >>> history = simulate_local_authority(400, seed=2, config=config).history
    >>> dataset = write_case_history_dataset(history, tmp / "in", buckets=3)
    >>> built = build_spell_dataset(dataset, default_design(), tmp / "out")
    >>> built.rows["spells"] == len(build_spells(history, default_design()).spells)
    True
    """
    root = Path(out)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f".building-{uuid.uuid4().hex[:8]}"
    settings = _Settings(dataset, design, staging, censor_at_horizon)
    tasks = list(enumerate(dataset.partitions))
    try:
        results = parallel_map(
            _build_partition,
            tasks,
            shared=(settings,),
            description="partitions",
            progress=progress,
        )
        problems = [p for r in results for p in r["problems"]]
        problems += duplicate_children(
            [r["hashes"] for r in results],
            [r["partition"] for r in results],
            dataset.key,
            files=[r["files"] for r in results],
        )
        built = results
        if problems:
            raise DataValidationError(problems, f"case-history dataset {dataset.path}")
        factors = _factor_order({f for r in built for f in r["factors"]})
        for r in built:
            if r["factors"] != factors:
                folder = f"{dataset.key}={r['partition']}"
                for table in ("spells", "counting"):
                    target = staging / table / folder
                    frame = pd.read_parquet(target / "part-0.parquet")
                    _write(_align_factors(frame, factors), target)
        for table in ("spells", "counting"):
            _unify_types(staging / table, [f"{dataset.key}={r['partition']}" for r in built])
        flows = pd.concat([r["flow"] for r in built], ignore_index=True)
        flow = flows.groupby(_FLOW_KEYS, sort=False, as_index=False)[["children", "episodes"]].sum()
        for table in ("spells", "counting"):
            shutil.rmtree(root / table, ignore_errors=True)
            os.replace(staging / table, root / table)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    rows = {
        "spells": sum(r["spells"] for r in built),
        "counting": sum(r["counting"] for r in built),
    }
    hashes = {r["partition"]: r["digest"] for r in built}
    input_hash = combined_digest(hashes, dataset.key)
    flow.to_csv(root / "flow.csv", index=False)
    meta = {
        "key": dataset.key,
        "partitions": list(dataset.partitions),
        "rows": rows,
        "input_hash": input_hash,
        "partition_hashes": hashes,
    }
    (root / "spells_dataset.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    return SpellDataset(
        path=root,
        key=dataset.key,
        partitions=dataset.partitions,
        flow=flow,
        rows=rows,
        factors=tuple(factors),
        design=design,
        extract_date=dataset.extract_date,
        partition_hashes=hashes,
        input_hash=input_hash,
    )
