"""The ``escalation`` command line: thin wrappers that call the public API and write files.

Each sub-command lives in its own module exposing ``register(subparsers)``, which adds
a parser whose ``func`` default takes the parsed arguments and returns an exit code.
Only the module of the sub-command being run is imported: ``escalation --help`` and
``escalation --version`` list the sub-commands from :data:`SUMMARIES` without loading
pandas or any modelling library.

Exit status: 0 success; 1 ``validate`` found rows that break the contract; 2 bad input
(arguments, data, design, an output folder escalation may not write); 3 a stage of a study
failed (nothing written; ``--keep-going`` carries on and exits 0 with the failure listed in
the brief and manifest); 70 an unexpected error (a bug, or an input escalation does not
handle yet: one message naming where it happened; ``--debug`` shows the traceback); 130
interrupted (Ctrl-C or SIGTERM; nothing written); 141 the reader of the output went away
(``escalation ... | head``), as a program stopped by SIGPIPE.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from types import FrameType, TracebackType
from typing import Final

from escalation import __version__
from escalation._shown_path import shown_command
from escalation.errors import EscalationError, StageError

__all__ = [
    "ARGUMENT_CHECKS",
    "COMBINED_CHECKS",
    "COMMANDS",
    "COMMAND_CHECKS",
    "EXIT_BROKEN_PIPE",
    "EXIT_FAILED_STAGE",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_USAGE",
    "SUMMARIES",
    "build_parser",
    "check_arguments",
    "interrupt_in_compiled_code",
    "main",
    "note_kept",
]

#: Exit status when the input, design, arguments or output folder are not usable.
EXIT_USAGE: Final = 2
#: Exit status when a stage of a study failed (and ``--keep-going`` was not given).
EXIT_FAILED_STAGE: Final = 3
#: Exit status of an unexpected error (sysexits' EX_SOFTWARE): a bug or an unhandled input.
EXIT_INTERNAL: Final = 70
#: Exit status after Ctrl-C or SIGTERM (128 + SIGINT, as shells report it).
EXIT_INTERRUPTED: Final = 130
#: Exit status when the output's reader closed the pipe (128 + SIGPIPE, as shells report it).
EXIT_BROKEN_PIPE: Final = 141
#: The option (anywhere on the command line) that shows an unexpected error's traceback.
DEBUG_OPTION: Final = "--debug"
#: The attribute of an unexpected error saying what its run kept (:func:`note_kept`).
_KEPT: Final = "escalation_kept"

#: Sub-command modules, in the order ``--help`` lists them (the last part is the name).
COMMANDS = (
    "escalation.cli.demo",
    "escalation.cli.run",
    "escalation.cli.simulate",
    "escalation.cli.validate",
    "escalation.cli.init",
    "escalation.cli.convert",
    "escalation.cli.build",
    "escalation.cli.estimate",
    "escalation.cli.predict",
    "escalation.cli.share",
    "escalation.cli.pool",
    "escalation.cli.simstudy",
    "escalation.cli.policy",
    "escalation.cli.register",
)

#: One-line help of each sub-command (``escalation --help``; the modules use it too).
SUMMARIES: Final = {
    "demo": "run the full analysis on the built-in synthetic local authority",
    "run": "run the whole study on your case histories: results, figures, brief, manifest",
    "simulate": "simulate a local authority with known ground truth",
    "validate": "check a case-history folder against the data contract",
    "init": "write a commented study design file (design.toml) for your data",
    "convert": (
        "convert statutory returns (CIN census XML, SSDA903 CSV, Ofsted Annex A workbooks) "
        "to case-history tables"
    ),
    "build": "build time-to-escalation data (spells, counting process, exclusion flow)",
    "estimate": "estimate effects of the treatment on escalation (effects.csv and diagnostics)",
    "predict": "validate risk models of escalation (metrics, fairness, calibration, model cards)",
    "share": "write this authority's share pack (aggregate statistics only) for pooling",
    "pool": "pool share packs from several authorities (meta-analysis, Cox, curves, brief)",
    "simstudy": "run a simulation study of the effect estimators (bias, SEs, coverage, power)",
    "policy": "value of rules deciding who is offered early help; pre-registered criteria",
    "register": "pre-register a study design (its hash and the time) before any outcome is seen",
}


def _name(module: str) -> str:
    return module.rsplit(".", 1)[-1]


def build_parser(commands: Iterable[str] | None = None) -> argparse.ArgumentParser:
    """Return the argument parser.

    Parameters
    ----------
    commands : iterable of str, optional
        Sub-commands whose modules are imported and registered in full (default: all).
        The others are listed by their one-line help only.
    """
    parser = argparse.ArgumentParser(
        prog="escalation",
        description="Causal and survival analysis of children's social care case histories.",
    )
    parser.add_argument("--version", action="version", version=f"escalation {__version__}")
    parser.add_argument(
        DEBUG_OPTION,
        action="store_true",
        help="show the Python traceback of an unexpected error (it may show values from "
        "your data: keep it inside the authority); also ESCALATION_DEBUG=1",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    wanted = None if commands is None else set(commands)
    for module in COMMANDS:
        name = _name(module)
        if wanted is None or name in wanted:
            importlib.import_module(module).register(subparsers)
        else:
            subparsers.add_parser(name, help=SUMMARIES.get(name), add_help=False)
    return parser


def _whole(least: int, what: str) -> Callable[[object], str | None]:
    def check(value: object) -> str | None:
        if isinstance(value, int) and value < least:
            return f"must be {least} or more ({what}), not {value}"
        return None

    return check


def _bootstrap(value: object) -> str | None:
    # here, not at the top: escalation.design loads pandas, which --help does not need
    from escalation.design.options import bootstrap_problem

    problem = bootstrap_problem(value)
    return None if problem is None else f"{problem}, not {value}"


def _iso_date(value: object) -> str | None:
    try:
        dt.date.fromisoformat(str(value))
    except ValueError:
        return f"must be a date written YYYY-MM-DD, not {value!r}"
    return None


def _encoding(value: object) -> str | None:
    from escalation.data.io import check_encoding  # pandas: only when --encoding is given

    try:
        check_encoding(str(value))
    except ValueError:
        return f"must be a known text encoding such as utf-8 or cp1252, not {value!r}"
    return None


def _output_folder(value: object) -> str | None:
    path = Path(str(value))
    if path.exists() and not path.is_dir():
        return f"{path} is a file, not a folder; give a folder to write the outputs to"
    return None


def _jobs(value: object) -> str | None:
    if isinstance(value, int) and value < 1 and value != -1:
        return f"must be 1 or more worker processes (or -1 for one per CPU), not {value}"
    return None


def _workers(value: object) -> str | None:
    from escalation.compute import compute_problem

    problem = compute_problem(value, None)
    return None if problem is None else f"{problem[1]} (worker processes), not {value}"


def _workers_and_scheduler(args: argparse.Namespace) -> str | None:
    """Refuse ``--workers`` with ``--scheduler``: one of them would be ignored."""
    workers, scheduler = getattr(args, "workers", None), getattr(args, "scheduler", None)
    if workers is None or scheduler is None:
        return None
    return (
        f"--workers {workers} cannot be used with --scheduler: --workers starts local "
        "processes, and a Dask cluster at a scheduler address has its own; give one of them"
    )


#: Checks of arguments shared by several commands: argument name -> check (None: fine).
ARGUMENT_CHECKS: dict[str, Callable[[object], str | None]] = {
    "seed": _whole(0, "a random seed"),
    "authorities": _whole(1, "local authorities to simulate"),
    "workers": _workers,
    "bootstrap": _bootstrap,
    "children": _whole(1, "children to simulate"),
    "refutations": _whole(0, "simulations per refuter; 0 to skip"),
    "trees": _whole(0, "causal forest trees; 0 to skip"),
    "folds": _whole(2, "cross-validation folds"),
    "horizon": _whole(1, "days"),
    "jobs": _jobs,
    "extract_date": _iso_date,
    "cutoff": _iso_date,
    "encoding": _encoding,
    "out": _output_folder,
}


#: Checks of one command's argument that replace the shared one (command, argument name).
COMMAND_CHECKS: dict[tuple[str, str], Callable[[object], str | None]] = {
    ("demo", "authorities"): _whole(2, "simulated authorities to pool"),
    # register's --out is the registration file (or a folder to hold it): an existing
    # file is not "a file, not a folder"; register_design says what it holds
    ("register", "out"): lambda value: None,
}


def _authorities_within_children(args: argparse.Namespace) -> str | None:
    """Refuse more simulated authorities than children (each needs one at least)."""
    authorities = getattr(args, "authorities", None)
    children = getattr(args, "children", None)
    if getattr(args, "command", None) != "simulate" or authorities is None or children is None:
        return None
    if isinstance(authorities, int) and isinstance(children, int) and authorities > children:
        return (
            f"--authorities must be at most --children ({children}: each authority needs a "
            f"child at least), not {authorities}"
        )
    return None


def _national_format(args: argparse.Namespace) -> str | None:
    """Refuse ``simulate --authorities`` with a table format other than Parquet."""
    if getattr(args, "command", None) != "simulate" or getattr(args, "authorities", None) is None:
        return None
    table_format = getattr(args, "format", "parquet")
    if table_format == "parquet":
        return None
    return (
        f"--format {table_format} cannot be used with --authorities, which writes a "
        "partitioned Parquet dataset: leave --format out, or simulate one authority"
    )


#: Checks of several arguments together: each returns a message naming them (None: fine).
COMBINED_CHECKS: tuple[Callable[[argparse.Namespace], str | None], ...] = (
    _authorities_within_children,
    _national_format,
    _workers_and_scheduler,
)


def check_arguments(args: argparse.Namespace) -> list[str]:
    """Return one message per invalid argument (empty when every argument is fine)."""
    out = []
    command = str(getattr(args, "command", "") or "")
    for name, shared in ARGUMENT_CHECKS.items():
        value = getattr(args, name, None)
        if value is None:
            continue
        problem = COMMAND_CHECKS.get((command, name), shared)(value)
        if problem is not None:
            out.append(f"--{name.replace('_', '-')} {problem}")
    if out:
        return out
    return [problem for check in COMBINED_CHECKS if (problem := check(args)) is not None]


def _command(argv: Sequence[str]) -> str | None:
    """Return the sub-command named in ``argv`` (its first word that is not an option)."""
    names = {_name(m) for m in COMMANDS}
    for word in argv:
        if not word.startswith("-"):
            return word if word in names else None
    return None


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _where(trace: TracebackType | None) -> str:
    """Return the innermost place in escalation's code a traceback passed through."""
    place = "escalation"
    root = Path(__file__).resolve().parents[1]
    while trace is not None:
        code = trace.tb_frame.f_code
        path = Path(code.co_filename)
        if path.is_relative_to(root):
            place = f"{path.relative_to(root.parent).as_posix()}:{trace.tb_lineno} ({code.co_name})"
        trace = trace.tb_next
    return place


def note_kept(error: BaseException, kept: str) -> None:
    """Have the message of an unexpected ``error`` say what the run had already kept.

    For a command that publishes outputs part-way (a simulation study's checkpoints): the
    message says ``kept`` (e.g. "the 30 replications that finished are kept in out")
    instead of "nothing was written".
    """
    setattr(error, _KEPT, kept)


def _unexpected(command: str | None, error: Exception) -> None:
    """Say what failed and where, without the message (it may hold values from the data)."""
    name = f"escalation {command}" if command else "escalation"
    kept = getattr(error, _KEPT, None) or "nothing was written (the output folder is as it was)"
    print(
        f"{name}: unexpected error: {type(error).__name__} in {_where(error.__traceback__)}. "
        f"This is a bug in escalation or an input it does not handle yet; {kept}. "
        f"Run again with {DEBUG_OPTION} for the full "
        "traceback (it may show values from your data: keep it inside the authority), and "
        "please report the error type and place above.",
        file=sys.stderr,
    )


def _error_text(error: Exception) -> str:
    """Return an error's message for the terminal: an operating system's error in words.

    Python writes a missing file as ``[Errno 2] No such file or directory: 'design.toml'``;
    the command line says ``design.toml: no such file or directory``. An error whose
    message escalation wrote (no file name attached) is shown as it is.

    Examples
    --------
    >>> _error_text(FileNotFoundError(2, "No such file or directory", "design.toml"))
    'design.toml: no such file or directory'
    >>> _error_text(FileNotFoundError("case-history folder not found: la"))
    'case-history folder not found: la'
    """
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        what = error.strerror[:1].lower() + error.strerror[1:]
        names = [str(error.filename)]
        if error.filename2 is not None:
            names.append(str(error.filename2))
        return f"{' -> '.join(names)}: {what}"
    return str(error)


def _interrupted() -> int:
    """Say that the run was stopped (Ctrl-C or SIGTERM); return :data:`EXIT_INTERRUPTED`."""
    print(
        "escalation: interrupted; nothing was written (the output folder is as it was "
        "before this run).",
        file=sys.stderr,
    )
    return EXIT_INTERRUPTED


def interrupt_in_compiled_code(error: BaseException) -> bool:
    """Whether ``error`` is a Ctrl-C that landed inside compiled code (a numba kernel).

    Python raises the ``KeyboardInterrupt`` there, and the compiled function, which cannot
    pass it on, ends with a ``SystemError`` raised while handling it.
    """
    return isinstance(error, SystemError) and isinstance(error.__context__, KeyboardInterrupt)


def _quiet_stdout() -> None:
    """Point stdout at the null device: its reader has gone, so nothing more is written."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # pragma: no cover - stdout not a file
        pass


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line and return its exit code (2 for a user error, one line)."""
    words = list(sys.argv[1:] if argv is None else argv)
    debug = DEBUG_OPTION in words or os.environ.get("ESCALATION_DEBUG", "") not in ("", "0")
    words = [word for word in words if word != DEBUG_OPTION]
    command = None
    previous = None
    if threading.current_thread() is threading.main_thread():
        # SIGTERM stops a run as Ctrl-C does: outputs discarded, the folder as it was.
        previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        command = _command(words)
        args = build_parser([command] if command else []).parse_args(words)
        # paths under the home folder as ~/..., so no user's folder name is recorded
        args.command_line = shown_command(["escalation", *words])
        problems = check_arguments(args)
        if problems:
            for problem in problems:
                print(f"escalation {args.command}: error: {problem}", file=sys.stderr)
            return EXIT_USAGE
        status = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return status
    except BrokenPipeError:
        # ``escalation ... | head``: the reader has what it wanted; stop without a message
        _quiet_stdout()
        return EXIT_BROKEN_PIPE
    except StageError as error:
        print(
            f"escalation: error: {error}\nNothing was written: the output folder is as it was. "
            "Pass --keep-going to write the other results, with a brief that lists what "
            "failed and why.",
            file=sys.stderr,
        )
        return EXIT_FAILED_STAGE
    except (EscalationError, OSError) as error:
        # OSError covers a missing file, a folder given for a file, no permission.
        print(f"escalation: error: {_error_text(error)}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as error:
        if interrupt_in_compiled_code(error):
            return _interrupted()
        if debug:
            raise
        _unexpected(command, error)
        return EXIT_INTERNAL
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
