"""Provenance manifest: how every output in a folder was made.

``manifest.json`` records the package versions, the study design (its TOML text and
SHA-256), a hash of the input data (:func:`escalation.results.data_hash`), the seeds,
and every output file with its size and SHA-256, so a reader can check that the
figures and the brief in front of them came from this design and these data. It is also
how escalation recognises a folder it wrote (:mod:`escalation.report.outputs`): it is
written last, into the run's staging folder, and lists exactly the files of that run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pandas as pd

from escalation._shown_path import shown_path
from escalation.design.registration import design_sha256
from escalation.design.study import StudyDesign, read_design
from escalation.errors import DesignError
from escalation.results import data_hash, machine_record, provenance

if TYPE_CHECKING:
    from escalation.data.history import CaseHistory

__all__ = ["MANIFEST_NAME", "build_manifest", "file_hash", "write_manifest"]

#: File name of the manifest inside an output folder.
MANIFEST_NAME: Final = "manifest.json"


def file_hash(path: str | Path) -> str:
    """Return the SHA-256 hex digest of a file's bytes.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = pathlib.Path(folder, "a.txt")
    ...     _ = path.write_bytes(b"abc")
    ...     file_hash(path)[:12]
    'ba7816bf8f01'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _design_record(
    design: StudyDesign | str | Path | None, design_file: str | Path | None = None
) -> dict[str, Any] | None:
    """Return the design's record: its source, canonical TOML and that text's SHA-256.

    A design file is read first, so its record is its values (as the registration's
    ``design_sha256``), not its comments or layout: the same design hashes alike
    whether it is given as a file or in memory. ``source`` is the name of the file the
    design was read from (``design``'s, else ``design_file``'s), "in memory" for a design
    that was never in a file.
    """
    if design is None:
        return None
    source = "in memory" if design_file is None else Path(design_file).name
    if not isinstance(design, StudyDesign):
        source = Path(design).name
        design = read_design(design)
    return {"source": source, "sha256": design_sha256(design), "toml": design.to_toml()}


def build_manifest(
    out: str | Path,
    *,
    command: str,
    design: StudyDesign | str | Path | None = None,
    inputs: CaseHistory | pd.DataFrame | tuple[pd.DataFrame, ...] | None = None,
    input_hash: str | None = None,
    seeds: Mapping[str, int | None] | None = None,
    notes: tuple[str, ...] = (),
    extra: Mapping[str, Any] | None = None,
    design_file: str | Path | None = None,
) -> dict[str, Any]:
    """Return the manifest of the output folder ``out`` as a dictionary.

    Parameters
    ----------
    out : str or Path
        The output folder; every file in it (except an existing manifest) is listed.
    command : str
        What produced the outputs (e.g. ``"escalation demo"``).
    design : StudyDesign, path or None
        The study design: its canonical TOML text and that text's SHA-256 (the
        registration's ``design_sha256``) are recorded; a file is read first, so its
        comments and layout do not count.
    inputs : CaseHistory, DataFrame or tuple of DataFrame, optional
        The input data: a case history's :meth:`~escalation.CaseHistory.digest` (what the
        commands record), or the :func:`escalation.results.data_hash` of the tables.
        Anything else is a ``DesignError`` naming ``inputs``.
    input_hash : str, optional
        A precomputed input hash (used when ``inputs`` is not given).
    seeds : mapping, optional
        Every seed used, by name.
    notes : tuple of str
        Stages skipped or caveats worth keeping with the outputs.
    extra : mapping, optional
        Further facts to record.
    design_file : str or Path, optional
        The file ``design`` (a :class:`StudyDesign`, as a command analysed it) was read
        from: recorded as ``design_file`` (a path under the home folder as ``~/...``,
        :func:`~escalation._shown_path.shown_path`) and named as the design's ``source``.

    Returns
    -------
    dict
        ``created, command, versions, design, input_hash, seeds, notes, outputs`` (+
        ``extra``) and ``machine`` (:func:`~escalation.results.machine_record`);
        ``outputs`` lists ``path, bytes, sha256`` sorted by path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = pathlib.Path(folder, "result.csv").write_text("a,b")
    ...     manifest = build_manifest(folder, command="example", seeds={"simulation": 1})
    >>> [o["path"] for o in manifest["outputs"]], manifest["seeds"]
    (['result.csv'], {'simulation': 1})
    """
    folder = Path(out)
    outputs = [
        {
            "path": path.relative_to(folder).as_posix(),
            "bytes": path.stat().st_size,
            "sha256": file_hash(path),
        }
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.relative_to(folder).as_posix() != MANIFEST_NAME
    ]
    if inputs is not None:
        input_hash = _input_hash(inputs)
    record = provenance(
        created=datetime.now(UTC).isoformat(timespec="seconds"),
        command=command,
        design=_design_record(design, design_file),
        input_hash=input_hash,
        seeds=dict(seeds or {}),
        notes=list(notes),
        **dict(extra or {}),
    )
    if design_file is not None:
        record["design_file"] = shown_path(design_file)
    record["machine"] = machine_record()
    record["written_by"] = "escalation"
    record["outputs"] = outputs
    return record


def write_manifest(out: str | Path, **kwargs: Any) -> Path:
    """Build the manifest of ``out`` (see :func:`build_manifest`) and write it there.

    Returns
    -------
    Path
        The path of ``manifest.json``.

    Examples
    --------
    >>> import tempfile, json
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = write_manifest(folder, command="example")
    ...     sorted(json.loads(path.read_text()))[:3]
    ['command', 'created', 'design']
    """
    path = Path(out) / MANIFEST_NAME
    manifest = build_manifest(out, **kwargs)
    path.write_text(json.dumps(manifest, indent=2, default=str) + "\n", encoding="utf-8")
    return path


def _input_hash(inputs: object) -> str:
    """Return the input hash of ``inputs``: a case history, a table or tables."""
    from escalation.data.history import CaseHistory

    if isinstance(inputs, CaseHistory):
        return inputs.digest()  # as the commands record a history
    if isinstance(inputs, pd.DataFrame):
        return data_hash(inputs)
    if isinstance(inputs, tuple | list) and all(isinstance(t, pd.DataFrame) for t in inputs):
        return data_hash(*inputs)
    raise DesignError(
        "inputs must be a CaseHistory, a pandas DataFrame or a tuple of DataFrames, got "
        f"{type(inputs).__name__}"
    )
