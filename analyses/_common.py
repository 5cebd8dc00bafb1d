"""Shared command line of the numbered analysis scripts (public API only).

Every script takes ``--design`` (default: the package's default design) and reads the
design's ``[data] path`` (or ``--data``); with neither, it simulates the built-in
synthetic local authority (``--children``, ``--seed``). Outputs go to ``--out``
(default: ``figures/`` at the repository root) with ``manifest.json``.
"""

from __future__ import annotations

import argparse
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


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--design", help="study design TOML (default: the package's default design)")
    p.add_argument("--data", help="case-history folder (default: the design's [data] path)")
    p.add_argument("--out", default=str(ROOT / "figures"), help="output folder")
    p.add_argument("--children", type=int, default=20_000, help="simulated children")
    p.add_argument("--seed", type=int, default=1, help="seed")
    p.add_argument("--bootstrap", type=int, default=50, help="bootstrap replicates")
    p.add_argument("--quiet", action="store_true", help="no progress display")
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
    from escalation.pipeline import run_study

    args = parser(description).parse_args(argv)
    history, design, design_file, label = load(args)
    outputs = run_study(
        history,
        design,
        out=args.out,
        seed=args.seed,
        progress=not args.quiet,
        bootstrap=args.bootstrap,
        command=f"analyses ({', '.join(stages)}) escalation {escalation.__version__}",
        design_file=design_file,
        stages=stages,
        subfolders=False,
        data_label=label,
    )
    for note in outputs.notes:
        print(f"note: {note}")
    return 0
