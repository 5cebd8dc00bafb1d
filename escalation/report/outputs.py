"""Output folders: who owns them, one writer at a time, and all-or-nothing updates.

Every command that writes a folder (``convert``, ``simulate``, ``simstudy``, ``build``,
``estimate``, ``predict``, ``run``, ``demo``, ``pool``, ``share`` and the analysis scripts)
writes through :class:`OutputFolder`:

- **Ownership.** The folder must be new, empty, or one escalation wrote before: it holds
  escalation's ``manifest.json``, which lists every file of that run. Anything else is
  refused unless ``overwrite=True`` (``--overwrite``); even then files escalation did not
  write are never deleted, moved or replaced. Files of the previous run that this run does
  not write again are removed, so nothing stale is left behind, but only when the previous
  run was the same command (:func:`command_kind` of the manifest's ``command``): a folder
  another command wrote is refused unless ``overwrite=True``, and then that run's files are
  kept, never deleted or replaced (a run that would write one of them again is refused).
- **Inputs.** The files and folders a run reads (``inputs``) never lie inside its output
  folder, nor are it: such a run is refused before it starts, with or without ``overwrite``.
- **One writer.** A lock file beside the folder (``.NAME.escalation.lock``) refuses a
  second run into the same folder while the first is running, naming its process.
- **Atomic.** Outputs are written into a hidden sibling folder. When the run succeeds the
  manifest is written last, listing exactly this run's files, and the files are moved into
  place (the whole folder is renamed when it holds nothing else). A run that fails or is
  interrupted leaves no manifest and the previous outputs as they were.
- **Append-only stores, resumable.** A long run that appends results as they finish (the
  simulation study's ``results/``) names the store's folders in ``keep`` (``share`` names
  ``*.zip``: the packs of other authorities shared into the same folder before): files
  escalation wrote there in earlier runs are kept and listed again rather than removed as
  stale, and :meth:`OutputFolder.checkpoint` publishes what the run has written so far
  (files and a manifest saying the run is not finished) while the run goes on. A run stopped after a
  checkpoint leaves that checkpoint's outputs, owned and complete; a rerun resumes from them.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from fnmatch import fnmatchcase
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any, Final

from escalation.errors import EscalationError
from escalation.report.manifest import MANIFEST_NAME, file_hash, write_manifest

__all__ = ["FolderState", "OutputFolder", "OutputFolderError", "command_kind", "inspect_folder"]

_LOCK_SUFFIX: Final = ".escalation.lock"
_PARTIAL: Final = ".escalation-partial-"
_PREVIOUS: Final = ".escalation-previous-"
_SHOWN: Final = 5


class OutputFolderError(EscalationError):
    """An output folder cannot be written: not escalation's, in use, or would lose files."""


@dataclass(frozen=True)
class FolderState:
    """What an output folder holds, by owner.

    Attributes
    ----------
    exists : bool
        The folder exists.
    owned : frozenset of str
        Files escalation wrote there (its manifest's outputs, and the manifest), as
        paths relative to the folder.
    changed : frozenset of str
        Owned files whose bytes no longer match the manifest (edited since).
    foreign : frozenset of str
        Files and empty folders escalation did not write.
    command : str or None
        The command its manifest records (None: no manifest, or none recorded).
    """

    exists: bool
    owned: frozenset[str]
    changed: frozenset[str]
    foreign: frozenset[str]
    command: str | None = None


def command_kind(command: str) -> str:
    """Return which command a command line runs: what decides who owns an output folder.

    ``escalation`` commands are named by their sub-command (``"escalation convert"``,
    whatever the format and options); :func:`escalation.pipeline.run_study` (``"run_study"``)
    writes what ``escalation run`` writes; the scripts in ``analyses/`` are all
    ``"analyses"`` (their commands start with the script's path, ``analyses/05_brief.py``,
    or, written by earlier versions, with ``analyses``); any other command by its first word.

    Examples
    --------
    >>> command_kind("escalation convert ssda903 return --out data --format csv")
    'escalation convert'
    >>> command_kind("run_study"), command_kind("analyses (describe) escalation 1.0")
    ('escalation run', 'analyses')
    >>> command_kind("analyses/05_brief.py --out figures --children 20000 --seed 1")
    'analyses'
    """
    words = command.split()
    if not words:
        return ""
    if words[0] == "escalation":
        rest = [word for word in words[1:] if not word.startswith("-")]
        return f"escalation {rest[0]}" if rest else "escalation"
    if words[0] == "run_study":
        return "escalation run"
    return "analyses" if words[0].startswith("analyses/") else words[0]


def _read_manifest(folder: Path) -> dict[str, Any] | None:
    """Return escalation's manifest of ``folder``, or None when it has none."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    if not isinstance(manifest, dict):
        return None
    versions, outputs = manifest.get("versions"), manifest.get("outputs")
    if not isinstance(versions, dict) or "escalation" not in versions:
        return None
    if not isinstance(outputs, list) or not all(
        isinstance(o, dict) and isinstance(o.get("path"), str) for o in outputs
    ):
        return None
    return manifest


def inspect_folder(path: str | Path) -> FolderState:
    """Return what ``path`` holds: files escalation wrote, edited since, or not its own.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = pathlib.Path(folder, "notes.csv").write_text("mine")
    ...     sorted(inspect_folder(folder).foreign)
    ['notes.csv']
    """
    folder = Path(path)
    if not folder.exists():
        return FolderState(False, frozenset(), frozenset(), frozenset())
    if not folder.is_dir():
        raise OutputFolderError(f"output folder {folder} is a file, not a folder")
    manifest = _read_manifest(folder)
    listed: dict[str, str] = {}
    if manifest is not None:
        for entry in manifest["outputs"]:
            listed[str(entry["path"])] = str(entry.get("sha256", ""))
    owned, changed, foreign = set(), set(), set()
    for item in sorted(folder.rglob("*")):
        name = item.relative_to(folder).as_posix()
        if item.is_dir() and not item.is_symlink():
            if not any(item.iterdir()):
                foreign.add(name + "/")
            continue
        if manifest is not None and name == MANIFEST_NAME:
            owned.add(name)
        elif name in listed and item.is_file() and not item.is_symlink():
            owned.add(name)
            if file_hash(item) != listed[name]:
                changed.add(name)
        else:
            foreign.add(name)
    command = manifest.get("command") if manifest is not None else None
    return FolderState(
        True,
        frozenset(owned),
        frozenset(changed),
        frozenset(foreign),
        command if isinstance(command, str) else None,
    )


def _is_pattern(keep: str) -> bool:
    """Whether a ``keep`` entry is a pattern of file names rather than a folder."""
    return any(char in keep for char in "*?[")


def _listing(names: frozenset[str] | set[str]) -> str:
    shown = sorted(names)[:_SHOWN]
    more = len(names) - len(shown)
    return ", ".join(shown) + (f" and {more} more" if more > 0 else "")


def _alive(pid: int) -> bool:
    """Whether a process runs on this machine (unknowable on Windows: assume it does)."""
    if pid == os.getpid():
        return True
    if os.name == "nt":  # pragma: no cover - os.kill(pid, 0) would end the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


class _Lock:
    """An exclusive lock file beside the output folder, naming the process that holds it."""

    def __init__(self, folder: Path, command: str) -> None:
        self.path = folder.parent / f".{folder.name}{_LOCK_SUFFIX}"
        self.folder = folder
        self.command = command
        self.held = False

    def acquire(self) -> None:
        record = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": self.command,
            "started": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        for _ in range(2):
            # Ctrl-C is held while the file is created and written, so that a lock file
            # never exists without this run knowing it holds it (it is re-raised after).
            with _interrupts_deferred(reraise=True):
                try:
                    handle = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
                except FileExistsError:
                    handle = -1
                if handle >= 0:
                    self.held = True
                    with os.fdopen(handle, "w", encoding="utf-8") as stream:
                        json.dump(record, stream)
                    return
            if self._stale():
                with suppress(FileNotFoundError):
                    self.path.unlink()
                continue
            raise OutputFolderError(self._busy())
        raise OutputFolderError(self._busy())

    def _other(self) -> dict[str, Any]:
        try:
            other = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return other if isinstance(other, dict) else {}

    def _stale(self) -> bool:
        other = self._other()
        pid = other.get("pid")
        if not isinstance(pid, int) or other.get("host") != socket.gethostname():
            return False
        return not _alive(pid)

    def _busy(self) -> str:
        other = self._other()
        who = (
            f"process {other.get('pid')} on {other.get('host')} ({other.get('command')!r}, "
            f"started {other.get('started')})"
            if other
            else "another process"
        )
        return (
            f"output folder {self.folder} is being written by another escalation run: {who}. "
            f"Wait for it to finish or choose another output folder; if no such run exists, "
            f"delete {self.path}."
        )

    def release(self) -> None:
        if self.held:
            other = self._other()
            if other.get("pid") == os.getpid():
                with suppress(FileNotFoundError):
                    self.path.unlink()
            self.held = False


@contextmanager
def _interrupts_deferred(*, reraise: bool = False) -> Iterator[None]:
    """Hold Ctrl-C and SIGTERM for a few file operations that must not be cut in two.

    With ``reraise``, a Ctrl-C or SIGTERM that came meanwhile is raised afterwards as
    :class:`KeyboardInterrupt`; otherwise (files already in place) it is dropped. A signal
    the process ignores (SIGINT in a background job) stays ignored, and both handlers are
    put back even when a Ctrl-C arrives as they are.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []

    def hold(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    previous = {}
    for number in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(number) in (signal.SIG_IGN, None):  # None: not set from Python
            continue
        with suppress(ValueError, OSError):
            previous[number] = signal.signal(number, hold)
    try:
        yield
    finally:
        try:
            if signal.SIGINT in previous:
                signal.signal(signal.SIGINT, previous[signal.SIGINT])
        finally:
            # Ctrl-C's own handler may be back: a Ctrl-C arriving now raises, even out of
            # the call below (it runs pending handlers before it changes one). SIGTERM's
            # handler is then put back all the same, before the interrupt goes on.
            if signal.SIGTERM in previous:
                try:
                    signal.signal(signal.SIGTERM, previous[signal.SIGTERM])
                except KeyboardInterrupt:
                    signal.signal(signal.SIGTERM, previous[signal.SIGTERM])
                    raise
    if received and reraise:
        raise KeyboardInterrupt


class OutputFolder:
    r"""An output folder written atomically by one run (see the module docstring).

    Use it as a context manager: write into :attr:`staging`, then call :meth:`commit`
    with the manifest's facts. Leaving the block without committing (an error, Ctrl-C)
    discards what was written and leaves the folder as it was.

    Parameters
    ----------
    path : str or Path
        The output folder.
    overwrite : bool, default False
        Write into a folder escalation did not write, or that another command wrote, beside
        the files there, and replace owned files edited since. Files escalation did not
        write, and the files of another command's run, are never deleted or replaced.
    command : str
        What is running (named by the lock to a second run). When given, a folder whose
        manifest records another command (:func:`command_kind`) is refused without
        ``overwrite``; re-running the same command replaces its earlier outputs.
    writes : iterable of str, optional
        Files the run will write, when known in advance: a clash with a file escalation
        did not write is then refused before any work is done (else when committing).
    keep : iterable of str, optional
        Folders of append-only stores (``"results"``), or patterns of file names
        (``"*.zip"``, matched with :func:`fnmatch.fnmatchcase` against the path in the
        folder): the files escalation wrote there before are kept and listed in this run's
        manifest, beside the files this run adds.
    inputs : iterable of str or Path, optional
        Files and folders the run reads. One that is the output folder or lies inside it
        is refused before anything is done, ``overwrite`` or not (see :meth:`protect`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> with tempfile.TemporaryDirectory() as parent:
    ...     target = pathlib.Path(parent, "out")
    ...     with OutputFolder(target, command="example") as folder:
    ...         _ = (folder.staging / "table.csv").write_text("a\n1\n")
    ...         _ = folder.commit(command="example")
    ...     sorted(p.name for p in target.iterdir())
    ['manifest.json', 'table.csv']
    """

    def __init__(
        self,
        path: str | Path,
        *,
        overwrite: bool = False,
        command: str = "",
        writes: Iterable[str] = (),
        keep: Iterable[str] = (),
        inputs: Iterable[str | Path] = (),
    ) -> None:
        self.path = Path(path).absolute()
        self.inputs: list[Path] = [Path(i) for i in inputs]
        self.writes = frozenset({MANIFEST_NAME, *writes})
        self.keep = tuple(k if _is_pattern(k) else k.strip("/") + "/" for k in keep)
        #: Files this run published with :meth:`checkpoint` (kept unless written again).
        self.published: set[str] = set()
        self.overwrite = overwrite
        self.command = command or "escalation"
        self.kind = command_kind(command) if command else None
        self._lock = _Lock(self.path, self.command)
        self.staging = self.path.parent / f".{self.path.name}{_PARTIAL}{os.getpid()}"
        self.committed = False
        #: Files in the folder that escalation did not write (left untouched).
        self.left_alone: frozenset[str] = frozenset()
        #: Called by :meth:`discard` before the staging folder is removed (see :meth:`on_discard`).
        self._before_discard: list[Callable[[], None]] = []

    # ------------------------------------------------------------------ opening
    def __enter__(self) -> OutputFolder:
        self.open()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if not self.committed:
            self.discard()

    def open(self) -> None:
        """Check the folder can be written, take the lock and create the staging folder.

        Raises
        ------
        OutputFolderError
            When the folder is not escalation's or another command wrote it (without
            ``overwrite``), holds outputs edited since, holds one of the run's inputs, or
            another run is writing it.
        """
        self._check_inputs(self.inputs)
        self._check(inspect_folder(self.path))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputFolderError(f"cannot create {self.path.parent}: {error}") from error
        try:
            self._lock.acquire()
            self._check(inspect_folder(self.path))  # again, now that no other run can write
            for leftover in self.path.parent.iterdir():
                if leftover.name.startswith(f".{self.path.name}{_PARTIAL}"):
                    shutil.rmtree(leftover, ignore_errors=True)  # from runs that were killed
            self.staging.mkdir()
        except BaseException:  # an error or Ctrl-C, possibly just after the staging was made
            self.discard()
            raise

    def protect(self, inputs: Iterable[str | Path]) -> None:
        """Add files or folders the run reads; refuse at once one the output folder holds.

        Call it before :meth:`open` (or pass ``inputs``), or while the folder is open, before
        :meth:`commit`: a run is refused before anything is published.

        Raises
        ------
        OutputFolderError
            When an input is the output folder or lies inside it.
        """
        added = [Path(i) for i in inputs]
        self._check_inputs(added)
        self.inputs += added

    def claim(self, writes: Iterable[str]) -> None:
        """Add files the run will write; refuse at once a clash with the folder's files.

        For files known only once the run has read its input (a share pack's name is its
        authority's code): call it before the work that writes them, so that a clash (a
        file escalation did not write, one another command wrote) is refused before that
        work is done, as ``writes`` is when the folder opens.

        Raises
        ------
        OutputFolderError
            When one of them would replace a file escalation did not write, or a file of
            another command's run.
        """
        self.writes = self.writes | set(writes)
        self._check(inspect_folder(self.path))

    def _check_inputs(self, inputs: Iterable[Path]) -> None:
        """Refuse a run whose input is the output folder or lies inside it."""
        folder = self.path.resolve()
        for given in inputs:
            path = given.absolute().resolve()
            if path == folder:
                where = f"is the output folder {self.path}"
            elif path.is_relative_to(folder):
                where = f"lies inside the output folder {self.path}"
            else:
                continue
            raise OutputFolderError(
                f"this run reads {given}, which {where}: escalation never deletes, moves or "
                "replaces a run's own input. Choose another output folder."
            )

    def _other_run(self, state: FolderState) -> str | None:
        """Return the command that wrote ``state``'s outputs when it is not this run's."""
        if self.kind is None or not state.owned or state.command is None:
            return None
        previous = command_kind(state.command)
        return previous if previous and previous != self.kind else None

    def _check_other_run(self, state: FolderState, other: str, written: set[str]) -> None:
        """Refuse a folder another command wrote (unless told), or replacing its files."""
        theirs = {name for name in state.owned - {MANIFEST_NAME} if name in written}
        if theirs:
            raise OutputFolderError(
                f"output folder {self.path} was written by `{other}` (its manifest.json says "
                f"so): this run writes {_listing(theirs)}, which that run wrote and this one "
                "never replaces. Choose another output folder."
            )
        if not self.overwrite:
            raise OutputFolderError(
                f"output folder {self.path} was written by `{other}` (its manifest.json says "
                f"so), not by `{self.kind}`: this run would remove that run's files. Choose "
                "another output folder, or pass --overwrite to write this run's files beside "
                "them (they are kept)."
            )

    def _check(self, state: FolderState, new: Iterable[str] = ()) -> None:
        """Refuse a folder escalation did not write, or outputs edited since, unless told."""
        self.left_alone = state.foreign
        written = {*self.writes, *new}
        clash = {
            name
            for name in state.foreign
            if name.rstrip("/") in written
            or any(w.startswith(name.rstrip("/") + "/") for w in written)
        }
        if clash:
            raise OutputFolderError(
                f"output folder {self.path}: this run writes {_listing(clash)}, which "
                "escalation did not write and never replaces. Choose another output folder, "
                "or move those files away."
            )
        other = self._other_run(state)
        if other is not None:
            self._check_other_run(state, other, written)
        if self.overwrite:
            return
        if state.foreign and not state.owned:
            raise OutputFolderError(
                f"output folder {self.path} is not empty and was not written by escalation "
                f"(it has no escalation manifest.json): it holds {_listing(state.foreign)}. "
                "Choose a new or empty folder, or pass --overwrite to write beside those "
                "files (escalation never deletes or changes files it did not write)."
            )
        if state.changed:
            one = len(state.changed) == 1
            them, they = ("it", "it no longer matches") if one else ("them", "they no longer match")
            raise OutputFolderError(
                f"output folder {self.path}: {_listing(state.changed)} changed since "
                f"escalation wrote {them} ({they} manifest.json). Move {them} away, "
                f"or pass --overwrite to replace {them}."
            )

    # ------------------------------------------------------------------ writing
    def final(self, path: str | Path) -> Path:
        """Return where a file written under :attr:`staging` ends up once committed."""
        return self.path / Path(path).relative_to(self.staging)

    def commit(self, **manifest: Any) -> Path:
        """Write the manifest last and move this run's files into place.

        Parameters
        ----------
        **manifest
            Passed to :func:`escalation.report.manifest.write_manifest` (``command``,
            ``design``, ``seeds``, ``notes``, ``extra``, ...). It lists exactly the files
            written under :attr:`staging` (with the files kept in ``keep`` folders and those
            published by :meth:`checkpoint`). Without any, a ``manifest.json`` the run wrote
            itself, last, into :attr:`staging` is kept as it is.

        Returns
        -------
        Path
            The manifest in the output folder.

        Raises
        ------
        OutputFolderError
            When a file of this run would replace a file escalation did not write; this
            run's outputs are then kept in a visible sibling folder, which the message names.
        """
        path = self._publish(manifest, final=True)
        self._lock.release()
        return path

    def checkpoint(self, **manifest: Any) -> Path:
        """Publish what the run has written so far, and go on writing.

        The files under :attr:`staging` move into the output folder with a manifest listing
        them (give it a fact saying the run is unfinished, e.g. ``extra={"complete":
        False}``); the lock stays held and :attr:`staging` starts empty. Published files
        stay in the output, listed by every later manifest of this run, unless written
        again. A run stopped after a checkpoint leaves the checkpoint's outputs in place.

        Parameters
        ----------
        **manifest
            As for :meth:`commit`.

        Returns
        -------
        Path
            The manifest in the output folder.
        """
        if self.committed or not self.staging.is_dir():
            raise OutputFolderError(f"output folder {self.path} is not open for writing")
        staged = {
            p.relative_to(self.staging).as_posix() for p in self.staging.rglob("*") if p.is_file()
        }
        path = self._publish(manifest, final=False)
        self.published |= staged - {MANIFEST_NAME}
        self.staging.mkdir()
        return path

    def _kept(self, name: str) -> bool:
        """Whether an earlier run's file lies in a ``keep`` folder or matches a pattern."""
        return any(
            fnmatchcase(name, keep) if _is_pattern(keep) else name.startswith(keep)
            for keep in self.keep
        )

    def _carry_over(self, state: FolderState) -> None:
        """Link into :attr:`staging` the owned files this run keeps (``keep``, published)."""
        if self._other_run(state) is not None:
            return  # another command's files: kept where they are, not taken over
        for name in sorted(state.owned - {MANIFEST_NAME} - state.changed):
            if not (name in self.published or self._kept(name)):
                continue
            target = self.staging / name
            if target.exists():
                continue  # written again by this run
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(self.path / name, target)
            except OSError:  # a file system without hard links
                shutil.copy2(self.path / name, target)

    def _publish(self, manifest: dict[str, Any], *, final: bool) -> Path:
        """Move the staging folder's files (and the manifest) into the output folder."""
        if self.keep or self.published:
            self._carry_over(inspect_folder(self.path))
        if manifest or not (self.staging / MANIFEST_NAME).is_file():
            write_manifest(self.staging, **manifest)
        state = inspect_folder(self.path)
        new = {
            p.relative_to(self.staging).as_posix() for p in self.staging.rglob("*") if p.is_file()
        }
        try:
            self._check_inputs(self.inputs)
            self._check(state, new)
        except OutputFolderError as error:
            kept = (
                self.path.parent / f"{self.path.name}-escalation-{datetime.now(UTC):%Y%m%dT%H%M%S}"
            )
            os.replace(self.staging, kept)
            self._lock.release()
            self.committed = True
            raise OutputFolderError(f"{error} This run's outputs are in {kept} instead.") from None
        state = self._keep_other_run(state, new)
        with _interrupts_deferred():
            if not state.exists:
                os.replace(self.staging, self.path)
            elif not state.foreign and not self.path.is_symlink() and self._swap():
                pass
            else:
                self._move_files(state, new)
            self.committed = final
        self.left_alone = state.foreign
        return self.path / MANIFEST_NAME

    def _keep_other_run(self, state: FolderState, new: set[str]) -> FolderState:
        """Count another command's files as files escalation did not write (kept).

        With ``overwrite``, a folder another command wrote keeps that run's files (this run
        writing one of them again was refused by :meth:`_check`); only its manifest is
        replaced by this run's, which lists this run's files.
        """
        if self._other_run(state) is None:
            return state
        kept = state.owned - new - {MANIFEST_NAME}
        return FolderState(
            state.exists,
            state.owned - kept,
            state.changed - kept,
            state.foreign | kept,
            state.command,
        )

    def _swap(self) -> bool:
        """Swap the whole folder for the staging one; False when renaming is impossible."""
        previous = self.path.parent / f".{self.path.name}{_PREVIOUS}{os.getpid()}"
        try:
            os.replace(self.path, previous)
        except OSError:
            return False
        try:
            os.replace(self.staging, self.path)
        except OSError:
            os.replace(previous, self.path)
            return False
        shutil.rmtree(previous, ignore_errors=True)
        return True

    def _move_files(self, state: FolderState, new: set[str]) -> None:
        """Replace the owned files one by one, leaving every other file where it is."""
        previous = self.path.parent / f".{self.path.name}{_PREVIOUS}{os.getpid()}"
        moved_out: list[str] = []
        moved_in: list[str] = []
        try:
            for name in sorted(state.owned):
                target = previous / name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self.path / name, target)
                moved_out.append(name)
            for name in sorted(new):
                target = self.path / name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self.staging / name, target)
                moved_in.append(name)
        except OSError:
            for name in moved_in:
                os.replace(self.path / name, self.staging / name)
            for name in moved_out:
                os.replace(previous / name, self.path / name)
            raise
        for name in sorted(state.owned - new, reverse=True):
            parent = (self.path / name).parent
            while parent != self.path and parent.is_dir() and not any(parent.iterdir()):
                parent.rmdir()
                parent = parent.parent
        shutil.rmtree(previous, ignore_errors=True)
        shutil.rmtree(self.staging, ignore_errors=True)

    def on_discard(self, settle: Callable[[], None]) -> None:
        """Have :meth:`discard` call ``settle`` before it removes the staging folder.

        For work still writing into :attr:`staging` elsewhere (figures drawn by a helper
        process): ``settle`` stops or waits for it, so that nothing is written there once
        the folder is removed.
        """
        self._before_discard.append(settle)

    def discard(self) -> None:
        """Remove what this run wrote and release the lock; the folder stays as it was."""
        settles, self._before_discard = self._before_discard, []
        try:
            for settle in settles:
                settle()
        finally:
            self._remove_staging()

    def _remove_staging(self) -> None:
        """Remove the staging folder and release the lock."""
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)
        self._lock.release()
