"""Shared command line of the numbered analysis scripts (public API only).

Every script takes ``--design`` (default: the package's default design) and reads the
design's ``[data] path`` (or ``--data``); with neither, it simulates the built-in
synthetic local authority (``--children``, ``--seed``). Outputs go to ``--out`` with
``manifest.json``: by default ``figures/`` at the repository root for the whole study
(``05_brief.py``), and ``analyses-output/<script>/`` for the scripts that run part of it (a
folder holds exactly one run's outputs, so a partial run never replaces the whole study's).
The manifest records the command that remakes the run from the repository root (the script
and every option's value as run, e.g. ``analyses/05_brief.py --out figures --children 20000
--seed 1 --bootstrap 50``) and, when the input was simulated, how (``simulation``: children,
seed and the simulator's settings).

Exit status as the ``escalation`` command: 0 success, 2 bad input or output folder, 3 a
stage failed (nothing written; ``--keep-going`` writes the rest and exits 0), 130
interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import escalation
from escalation import (
    CaseHistory,
    StudyDesign,
    default_design,
    read_case_history,
    read_design,
    simulate_local_authority,
)
from escalation._shown_path import shown_command
from escalation._shown_path import shown_path as escalation_shown_path
from escalation.data.simulator import simulation_record

ROOT = Path(__file__).resolve().parents[1]


def parser(description: str, out: Path = ROOT / "figures") -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    # Paths are typed Path: the recorded command writes them from the repository root.
    p.add_argument(
        "--design", type=Path, help="study design TOML (default: the package's default design)"
    )
    p.add_argument(
        "--data", type=Path, help="case-history folder (default: the design's [data] path)"
    )
    p.add_argument("--out", type=Path, default=out, help=f"output folder (default {out})")
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


def shown_path(path: Path) -> str:
    """Return ``path`` as a command run from the repository root names it.

    Relative to the repository when inside it; under the user's home as ``~/...``, so no
    user name is recorded; otherwise absolute (the package's one rule, from ``ROOT``).
    """
    return escalation_shown_path(path, base=ROOT)


def command_line(script: str | Path, args: argparse.Namespace) -> str:
    """Return the command that remakes the run: the script and every option as run.

    Defaults are written out, so the command says what was run even if they change;
    paths are written by :func:`shown_path`; flags only when given.
    """
    words = [shown_path(Path(script))]
    for name, value in vars(args).items():
        if value is None or value is False:
            continue
        option = "--" + name.replace("_", "-")
        if value is True:
            words.append(option)
        else:
            words += [option, shown_path(value) if isinstance(value, Path) else str(value)]
    return shown_command(words, base=ROOT)


def load(
    args: argparse.Namespace,
) -> tuple[CaseHistory, StudyDesign, Path | None, dict[str, Any] | None]:
    """Return the case histories, the design, its file, and how the data were simulated.

    The last is None when the data were read (``--data`` or the design's ``[data] path``).
    """
    design_file: Path | None = args.design
    design = read_design(design_file) if design_file else default_design()
    folder: Path | None = args.data
    if folder is None and design.data.path is not None:
        folder = Path(design.data.path)
        if not folder.is_absolute() and design_file is not None:
            folder = design_file.parent / folder
    if folder is not None:
        extract = design.data.extract_date.isoformat() if design.data.extract_date else None
        return read_case_history(folder, extract_date=extract), design, design_file, None
    simulated = simulate_local_authority(args.children, seed=args.seed)
    record = simulation_record(args.children, args.seed, simulated.config)
    return simulated.history, design, design_file, record


def main(stages: Sequence[str], description: str, argv: Sequence[str] | None = None) -> int:
    """Run the stages; return the exit status (3 when a stage failed, 130 interrupted)."""
    from escalation.pipeline import STAGES, run_study

    whole = set(stages) == set(STAGES)
    out = ROOT / "figures" if whole else ROOT / "analyses-output" / Path(sys.argv[0]).stem
    args = parser(description, out).parse_args(argv)
    try:
        history, design, design_file, simulation = load(args)
        outputs = run_study(
            history,
            design,
            out=args.out,
            seed=args.seed,
            progress=not args.quiet,
            bootstrap=args.bootstrap,
            keep_going=args.keep_going,
            overwrite=args.overwrite,
            command=command_line(sys.argv[0], args),
            design_file=design_file,
            stages=stages,
            subfolders=False,
            data_label="Simulated local authority: not real children" if simulation else None,
            simulation=simulation,
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
