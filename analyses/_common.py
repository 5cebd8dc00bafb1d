"""Shared command line of the numbered analysis scripts (public API only).

Every script takes ``--design`` (default: the package's default design) and reads the
design's ``[data] path`` (or ``--data``); with neither, it simulates the built-in
synthetic local authority (``--children``, ``--seed``). Outputs go to ``--out`` with
``manifest.json``: by default ``figures/`` at the repository root for the whole study
(``05_brief.py``), and ``analyses-output/<script>/`` for the scripts that run part of it (a
folder holds exactly one run's outputs, so a partial run never replaces the whole study's).

Exit status as the ``escalation`` command: 0 success, 2 bad input or output folder, 3 a
stage failed (nothing written; ``--keep-going`` writes the rest and exits 0), 130
interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

import escalation
from escalation import (
    CaseHistory,
    StudyDesign,
    default_design,
    read_case_history,
    read_design,
    simulate_local_authority,
)

ROOT = Path(__file__).resolve().parents[1]


def parser(description: str, out: Path = ROOT / "figures") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--design", help="study design TOML (default: the package's default design)")
    p.add_argument("--data", help="case-history folder (default: the design's [data] path)")
    p.add_argument("--out", default=str(out), help=f"output folder (default {out})")
    p.add_argument("--children", type=int, default=20_000, help="simulated children")
    p.add_argument("--seed", type=int, default=1, help="seed")
    p.add_argument("--bootstrap", type=int, default=50, help="bootstrap replicates")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="write into a folder escalation did not write (its files are left untouched)",
    )
    p.add_argument(
        "--keep-going",
        action="store_true",
        help="when a stage fails, write the rest with the failure listed and exit 0",
    )
    return p


def load(args: argparse.Namespace) -> tuple[CaseHistory, StudyDesign, Path | None, str | None]:
    design_file = Path(args.design) if args.design else None
    design = read_design(design_file) if design_file else default_design()
    folder: Path | None = Path(args.data) if args.data else None
    if folder is None and design.data.path is not None:
        folder = Path(design.data.path)
        if not folder.is_absolute() and design_file is not None:
            folder = design_file.parent / folder
    if folder is not None:
        extract = design.data.extract_date.isoformat() if design.data.extract_date else None
        return read_case_history(folder, extract_date=extract), design, design_file, None
    simulated = simulate_local_authority(args.children, seed=args.seed)
    label = "Simulated local authority: not real children"
    return simulated.history, design, design_file, label


def main(stages: Sequence[str], description: str, argv: Sequence[str] | None = None) -> int:
    """Run the stages; return the exit status (3 when a stage failed, 130 interrupted)."""
    from escalation.pipeline import STAGES, run_study

    whole = set(stages) == set(STAGES)
    out = ROOT / "figures" if whole else ROOT / "analyses-output" / Path(sys.argv[0]).stem
    args = parser(description, out).parse_args(argv)
    try:
        history, design, design_file, label = load(args)
        outputs = run_study(
            history,
            design,
            out=args.out,
            seed=args.seed,
            progress=not args.quiet,
            bootstrap=args.bootstrap,
            keep_going=args.keep_going,
            overwrite=args.overwrite,
            command=f"analyses ({', '.join(stages)}) escalation {escalation.__version__}",
            design_file=design_file,
            stages=stages,
            subfolders=False,
            data_label=label,
        )
    except escalation.StageError as error:
        print(
            f"error: {error}; nothing was written (--keep-going writes the rest)", file=sys.stderr
        )
        return 3
    except escalation.EscalationError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written", file=sys.stderr)
        return 130
    for note in outputs.notes:
        print(f"note: {note}")
    for caveat in outputs.caveats:
        print(f"caveat: {caveat.text()}")
    return 0
