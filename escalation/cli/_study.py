"""The study commands' shared start: the design file, its data and the spells.

``build``, ``estimate``, ``predict``, ``policy``, ``share`` and ``run`` all take a design
file with ``--data`` and ``--extract-date`` overriding its ``[data]`` section; this module
adds those arguments and reads the study in one way.
"""

from __future__ import annotations

import argparse
import datetime as dt
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from escalation.data.history import CaseHistory
from escalation.data.io import read_case_history
from escalation.design.study import StudyDesign, path_from, read_design
from escalation.errors import DesignError
from escalation.report.caveats import CaveatLog
from escalation.timeline.flow import require_spells
from escalation.timeline.spells import SpellData, build_spells

if TYPE_CHECKING:
    from escalation.report.outputs import OutputFolder

__all__ = [
    "Study",
    "add_study_arguments",
    "data_folder",
    "design_as_read",
    "extract_date_of",
    "load_spells",
    "load_study",
    "study_inputs",
    "write_design_copy",
]


def add_study_arguments(
    parser: Any, design_help: str = "the study design TOML file", *, optional: bool = False
) -> None:
    """Add ``DESIGN``, ``--data`` and ``--extract-date`` to a study command's parser.

    With ``optional``, ``DESIGN`` may be left out (the command then says where its design
    comes from).
    """
    parser.add_argument(
        "design", metavar="DESIGN", help=design_help, nargs="?" if optional else None
    )
    parser.add_argument("--data", help="case-history folder (overrides [data] path)")
    parser.add_argument(
        "--extract-date", help="extract date YYYY-MM-DD (overrides [data] extract_date)"
    )


def data_folder(design: StudyDesign, design_file: Path, override: str | None = None) -> Path:
    """Return the case-history folder: ``override``, else ``[data] path`` by the design file."""
    if override is not None:
        return Path(override)
    if design.data.path is None:
        raise DesignError(f"{design_file.name}: [data] path is not set; add it or pass --data DIR")
    folder = Path(design.data.path)
    return folder if folder.is_absolute() else design_file.parent / folder


def study_inputs(args: argparse.Namespace) -> list[Path]:
    """Return what a study command reads: the design file and its case-history folder.

    An output folder is told these, so that it refuses to be (or hold) one of them.
    """
    design_file = Path(args.design)
    design = read_design(design_file)
    return [design_file, data_folder(design, design_file, args.data)]


def design_as_read(
    design: StudyDesign, design_file: str | Path, args: argparse.Namespace
) -> StudyDesign:
    """Return the design the command analyses: its ``[data]`` and the seed and replicates.

    With ``--data`` or ``--extract-date`` the folder and extract date the command uses
    replace the design file's (the folder as a path from the design file, as a ``[data]
    path`` is read); with ``--seed`` or ``--bootstrap`` (the commands that take them) the
    seed and bootstrap replicates used replace ``[estimation]``'s
    (:meth:`StudyDesign.with_estimation`). So the design written beside the outputs, the
    manifest's design hash and the registration check all describe what was run;
    without these options the design is returned unchanged.
    """
    design = design.with_estimation(
        seed=getattr(args, "seed", None), bootstrap=getattr(args, "bootstrap", None)
    )
    if args.data is None and args.extract_date is None:
        return design
    used = data_folder(design, Path(design_file), args.data).resolve()
    extract = (
        dt.date.fromisoformat(args.extract_date)
        if args.extract_date is not None
        else design.data.extract_date
    )
    path = path_from(used, Path(design_file).resolve().parent)
    return design.replace(data=replace(design.data, path=path + "/", extract_date=extract))


def write_design_copy(design: StudyDesign, design_file: str | Path, folder: OutputFolder) -> Path:
    """Write the design (as read: :func:`design_as_read`) into the output folder.

    Its relative ``[data] path`` is re-expressed from the output folder
    (:meth:`StudyDesign.relocated`), so the copy reads the data the original read
    wherever the output folder is.
    """
    copy = design.relocated(design_file, folder.path)
    return copy.write(folder.staging / "design.toml")


def extract_date_of(args: argparse.Namespace, design: StudyDesign) -> str | None:
    """Return ``--extract-date``, else the design's ``[data] extract_date`` (or None)."""
    if args.extract_date is not None:
        return str(args.extract_date)
    if design.data.extract_date is not None:
        return design.data.extract_date.isoformat()
    return None


def load_study(args: argparse.Namespace) -> tuple[StudyDesign, CaseHistory]:
    """Read ``args.design`` and its case histories (``--data`` and ``--extract-date`` win).

    The design returned is the design as read (:func:`design_as_read`): its ``[data]``
    names the data returned, and ``[estimation]`` the ``--seed`` and ``--bootstrap`` given.
    """
    design_file = Path(args.design)
    design = read_design(design_file)
    folder = data_folder(design, design_file, args.data)
    history = read_case_history(folder, extract_date=extract_date_of(args, design))
    return design_as_read(design, design_file, args), history


@dataclass(frozen=True)
class Study:
    """A study command's inputs: the design, its case histories, spells and caveat log."""

    design: StudyDesign
    history: CaseHistory
    data: SpellData
    log: CaveatLog


def load_spells(args: argparse.Namespace) -> Study:
    """Read the study and build its spells, their warnings logged against the design file.

    Raises
    ------
    DesignError
        When the design gives no spell on the data: the message names the exclusion
        rules that removed every candidate (nothing is analysed).
    """
    design, history = load_study(args)
    log = CaveatLog(design, args.design)
    with log.watch("spells"):
        data = build_spells(history, design)
    require_spells(data.flow)
    return Study(design, history, data, log)
