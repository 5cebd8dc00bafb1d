"""``escalation run design.toml --out DIR``: the whole study on a user's case histories.

Also holds :func:`run_demo`, the flow of ``escalation demo`` (simulate a local authority,
then run the same study on it), for the ``demo`` command to call.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from escalation.cli import SUMMARIES
from escalation.cli._compute import add_compute_options, compute_from
from escalation.cli._output import (
    add_output_arguments,
    design_hash_in,
    note_design_replaced,
    output_folder,
)
from escalation.cli._progress import add_quiet_option, shows_progress
from escalation.cli._study import add_study_arguments, load_study, study_inputs
from escalation.data.io import read_case_history, write_case_history
from escalation.design.registration import register_design, registration_path
from escalation.design.study import StudyDesign, default_design

__all__ = ["register", "run", "run_demo"]


def register(subparsers: Any) -> None:
    """Add the ``run`` sub-command."""
    parser = subparsers.add_parser(
        "run",
        help=SUMMARIES["run"],
        description=(
            "Read the study design and its case-history data ([data] path, relative to the "
            "design file), build the spells, fit the survival models, estimate the effect of "
            "early help, validate a risk tool, and write tidy results (results/*.csv), "
            "figures (figures/*.png|pdf|svg), the policy brief (brief.html) and "
            "manifest.json to DIR. A stage that fails stops the run (exit status 3, DIR "
            "unchanged) unless --keep-going."
        ),
    )
    add_study_arguments(parser)
    add_output_arguments(parser)
    parser.add_argument("--seed", type=int, default=None, help="seed (default: the design's)")
    parser.add_argument(
        "--bootstrap", type=int, default=None, help="bootstrap replicates (default: the design's)"
    )
    parser.add_argument(
        "--registration",
        metavar="FILE",
        help="registration file (default: <design>.registration.json beside the design)",
    )
    add_quiet_option(parser)
    add_keep_going(parser)
    add_compute_options(parser)
    parser.set_defaults(func=run)


def add_keep_going(parser: argparse.ArgumentParser) -> None:
    """Add ``--keep-going`` (and the old ``--strict``, now the default behaviour)."""
    parser.add_argument(
        "--keep-going",
        action="store_true",
        help="when a stage fails, run the others, write the outputs with the brief and "
        "manifest listing what failed and why, and exit 0 (default: stop, write nothing "
        "and exit 3)",
    )
    parser.add_argument("--strict", action="store_true", help=argparse.SUPPRESS)


def run(args: argparse.Namespace) -> int:
    """Run the study on the design's data; return 0 on success."""
    from escalation.pipeline import compile_kernels_ahead, run_study, study_files

    design_file = Path(args.design)
    # The files known in advance (design.toml, brief.html): a folder whose earlier run
    # wrote them (a demo's) is refused at once, without suggesting --overwrite.
    inputs = [*study_inputs(args), args.registration]
    with output_folder(args, study_files(), inputs) as folder:
        compile_kernels_ahead()  # while the data are read (not for a refused output folder)
        before = design_hash_in(folder.path)
        design, history = load_study(args)
        seed = args.seed if args.seed is not None else design.estimation.seed
        with compute_from(args, design):
            outputs = run_study(
                history,
                design,
                out=folder,
                seed=seed,
                progress=shows_progress(args),
                bootstrap=args.bootstrap,
                keep_going=args.keep_going,
                command=folder.command,
                design_file=design_file,
                registration=args.registration,
            )
    # The same command may re-run into its folder; a changed design is said out loud.
    note_design_replaced("escalation run", folder.path, before)
    return report_outputs(outputs)


def report_outputs(outputs: Any) -> int:
    """Print what failed and the caveats of a finished run; return its exit status."""
    for failure in outputs.failures:
        print(f"escalation: stage {failure.text()} (listed in the brief)", file=sys.stderr)
    if outputs.caveats:
        print(
            f"{len(outputs.caveats)} caveat(s) raised: each with its design key in "
            f"{outputs.manifest}; the brief lists them grouped, in plain words",
            file=sys.stderr,
        )
    if outputs.failures:
        print(
            f"escalation: {len(outputs.failures)} stage(s) failed; --keep-going wrote the "
            f"rest to {outputs.out}",
            file=sys.stderr,
        )
    return 0


def run_demo(
    out: str | Path,
    *,
    children: int = 20_000,
    seed: int = 1,
    bootstrap: int | None = 50,
    progress: bool = True,
    design: StudyDesign | None = None,
    keep_going: bool = False,
    overwrite: bool = False,
    command: str | None = None,
) -> Any:
    """Simulate a local authority and run the whole study on it (``escalation demo``).

    The design, as it will be run, is first registered (``out/design.registration.json``;
    kept if it exists). The simulated case histories are written to ``out/data`` and read
    back through the strict validator, the ground truth to ``out/truth.json``; then
    :func:`escalation.pipeline.run_study` writes results, figures, the brief and the
    manifest to ``out``.

    Parameters
    ----------
    out : str or Path
        Output folder.
    children : int, default 20000
        Children in the simulated local authority.
    seed : int, default 1
        Seed of the simulation and of every later random step.
    bootstrap : int or None, default 50
        Bootstrap replicates of the effect estimates and of the risk tool's metrics
        (None: the design's).
    progress : bool, default True
        Show progress on standard error.
    design : StudyDesign, optional
        Default: the package's default design.
    keep_going : bool, default False
        Carry on past a failed stage (see :func:`escalation.pipeline.run_study`).
    overwrite : bool, default False
        Write into a folder escalation did not write (its files are left untouched).
    command : str, optional
        Recorded in the manifest and named by the output folder's lock.

    Returns
    -------
    escalation.pipeline.StudyOutputs
    """
    from escalation.data.simulator import simulate_local_authority, simulation_record
    from escalation.pipeline import compile_kernels_ahead, design_as_run, run_study, study_files
    from escalation.report.outputs import OutputFolder

    design = design if design is not None else default_design()
    command = command or (
        f"escalation demo --children {children} --seed {seed} --bootstrap {bootstrap}"
    )
    console: Any = None
    if progress:
        from escalation._console import stderr_console

        console = stderr_console()
    start = time.perf_counter()
    # Files known before anything is simulated: a clash is refused before the work.
    writes = [*study_files(), registration_path("design.toml").as_posix(), "truth.json"]
    with OutputFolder(out, overwrite=overwrite, command=command, writes=writes) as folder:
        compile_kernels_ahead()  # while the data are simulated, written and read back
        # Pre-register the design as it will be run, before any data exist. A registration
        # is never replaced: a previous run's is kept (and a changed design then flagged).
        registration = registration_path(folder.staging / "design.toml")
        previous = registration_path(folder.path / "design.toml")
        if previous.is_file():
            shutil.copyfile(previous, registration)
        else:
            planned = design_as_run(design, seed=seed, bootstrap=bootstrap)
            register_design(planned.write(folder.staging / "design.toml"))
        if console is not None:
            with console.status(f"Simulating a local authority of {children:,} children..."):
                simulated = simulate_local_authority(children, seed=seed)
        else:
            simulated = simulate_local_authority(children, seed=seed)
        write_case_history(simulated.history, folder.staging / "data")
        (folder.staging / "truth.json").write_text(simulated.truth.to_json(), encoding="utf-8")
        history = read_case_history(folder.staging / "data")
        if console is not None:
            console.log(f"Simulated and validated in {time.perf_counter() - start:.1f} s")
        outputs = run_study(
            history,
            design,
            out=folder,
            seed=seed,
            progress=progress,
            bootstrap=bootstrap,
            keep_going=keep_going,
            command=command,
            data_label="Simulated local authority: not real children",
            registration=registration,
            simulation=simulation_record(children, seed, simulated.config),
        )
    if console is not None:
        console.log(f"Demo finished in {time.perf_counter() - start:.1f} s")
    return outputs
