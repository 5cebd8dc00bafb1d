"""Pre-registration of a study design: its hash and time, and changes made since.

A design states its success criteria before any outcome is seen. ``escalation register
design.toml`` (:func:`register_design`) writes a registration file beside the design
(``design.registration.json``) holding the SHA-256 of the design's canonical TOML (its
values, not its comments or layout), the SHA-256 of the file's bytes, the time in UTC,
the package version and the registered values. When the study runs,
:func:`check_registration` compares the design actually analysed with the registered
one and lists every value changed since registration; reports flag such changes beside
the criteria they may have moved.

A registration file is never overwritten: registering again after looking at outcomes
would defeat its purpose. Delete it by hand to start a new registration.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from escalation.design.study import StudyDesign, read_design
from escalation.errors import DesignError

__all__ = [
    "REGISTRATION_SUFFIX",
    "Registration",
    "RegistrationCheck",
    "check_registration",
    "design_sha256",
    "read_registration",
    "register_design",
    "registration_path",
]

#: The registration file of ``design.toml`` is ``design.registration.json``.
REGISTRATION_SUFFIX: Final = ".registration.json"
_FORMAT: Final = "escalation design registration 1"
#: A change of these sections is no change of the analysis: ``[compute]`` says where the
#: work runs and never changes a result (:class:`~escalation.design.ComputeSpec`).
_NEVER_A_RESULT: Final = ("[compute] ",)
RegistrationStatus = Literal["registered", "changed", "not_registered"]


def design_sha256(design: StudyDesign) -> str:
    """Return the SHA-256 of the design's canonical TOML (values only).

    Examples
    --------
    >>> from escalation.design import default_design
    >>> len(design_sha256(default_design()))
    64
    """
    return hashlib.sha256(design.to_toml().encode("utf-8")).hexdigest()


def registration_path(design_file: str | Path) -> Path:
    """Return where the registration of ``design_file`` is kept (beside it).

    Examples
    --------
    >>> registration_path("studies/design.toml").as_posix()
    'studies/design.registration.json'
    """
    file = Path(design_file)
    return file.with_name(file.stem + REGISTRATION_SUFFIX)


@dataclass(frozen=True)
class Registration:
    """A registered design.

    Attributes
    ----------
    design_sha256 : str
        SHA-256 of the canonical TOML of the registered design.
    file_sha256 : str
        SHA-256 of the design file's bytes when registered.
    registered_at : str
        Time of registration, ISO 8601 in UTC.
    version : str
        Package version that registered it.
    design : dict
        The registered design's values (:meth:`StudyDesign.to_dict`).
    """

    design_sha256: str
    file_sha256: str
    registered_at: str
    version: str
    design: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        """Return the registration as the JSON file stores it."""
        return {
            "format": _FORMAT,
            "design_sha256": self.design_sha256,
            "file_sha256": self.file_sha256,
            "registered_at": self.registered_at,
            "version": self.version,
            "design": self.design,
        }


def register_design(
    design_file: str | Path,
    *,
    out: str | Path | None = None,
    now: dt.datetime | None = None,
) -> Path:
    """Register a design file: write its hashes, the time and its values; return the path.

    Parameters
    ----------
    design_file : str or Path
        The design TOML file (validated first: an invalid design is not registered).
    out : str or Path, optional
        Registration file (default: beside the design, ``<name>.registration.json``); an
        existing folder holds it under that name.
    now : datetime, optional
        Registration time (default: the current time in UTC).

    Returns
    -------
    Path
        The registration file.

    Raises
    ------
    DesignError
        When the design is invalid, a registration file already exists there, or (with
        ``out``) the design was registered beside it already.

    Examples
    --------
    >>> import tempfile
    >>> from escalation.design import default_design
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     design = default_design().write(f"{folder}/design.toml")
    ...     register_design(design).name
    'design.registration.json'
    """
    from escalation import __version__

    file = Path(design_file)
    design = read_design(file)
    target = registration_path(file) if out is None else Path(out)
    if target.is_dir():  # --out results/: the registration goes into the folder
        target = registration_path(target / file.name)
    # A registration elsewhere (--out) of a design registered beside it would be a second,
    # later registration: the first is the one that says when the design was fixed.
    for earlier in dict.fromkeys([target, registration_path(file)]):
        if earlier.exists() or earlier.is_symlink():
            beside = earlier != target or out is None
            raise DesignError(_already_there(earlier, design_sha256(design), beside=beside))
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    registration = Registration(
        design_sha256=design_sha256(design),
        file_sha256=hashlib.sha256(file.read_bytes()).hexdigest(),
        registered_at=moment.replace(microsecond=0).isoformat(),
        version=__version__,
        design=design.to_dict(),
    )
    text = json.dumps(registration.to_dict(), indent=2) + "\n"
    target.parent.mkdir(parents=True, exist_ok=True)
    _write_new(target, text)
    return target


def _write_new(target: Path, text: str) -> None:
    """Write ``text`` to a new file ``target``: whole, or not at all.

    A registration cut short (Ctrl-C, a full disk) would be left as an empty or partial
    file that refuses every later registration and cannot be read; the partial file is
    removed. A file already there is never touched.
    """
    with target.open("x", encoding="utf-8") as handle:
        try:
            handle.write(text)
            handle.flush()
        except BaseException:
            with suppress(OSError):
                handle.close()
            target.unlink(missing_ok=True)
            raise


def _already_there(path: Path, digest: str, *, beside: bool) -> str:
    """Say why ``path``, which exists, refuses a registration, and what to do.

    Beside the design it is the design file's registration. Chosen with ``out`` it may
    also be a registration of another design or no registration at all (the design file
    itself, say): never "registered before", and never "delete it". The file is named
    with its folder, as the design file was given (the name alone does not say which
    folder's registration to look at).
    """
    try:
        record = read_registration(path)
    except (OSError, ValueError):
        record = None
    if not beside and (record is None or record.design_sha256 != digest):
        what = "is not a registration" if record is None else "registers another design"
        return (
            f"{path} exists and {what}: it is never overwritten; choose another registration file"
        )
    when = "time unreadable" if record is None else record.registered_at
    return (
        f"{path} already exists: the design was registered before ({when}). A "
        "registration is never overwritten or made again elsewhere; delete the file by hand "
        "only if no outcome has been looked at since"
    )


def read_registration(path: str | Path) -> Registration:
    """Read a registration file.

    Raises
    ------
    DesignError
        When the file is not a registration written by :func:`register_design`.
    FileNotFoundError
        When it does not exist.
    """
    file = Path(path)
    try:
        record = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as error:
        raise DesignError(f"{file.name} is not a registration file (invalid JSON)") from error
    keys = ("design_sha256", "file_sha256", "registered_at", "version", "design")
    if not isinstance(record, dict) or record.get("format") != _FORMAT:
        raise DesignError(f"{file.name} is not a registration file written by escalation")
    missing = [k for k in keys if k not in record]
    if missing:
        raise DesignError(f"{file.name}: registration lacks {', '.join(missing)}")
    return Registration(
        design_sha256=str(record["design_sha256"]),
        file_sha256=str(record["file_sha256"]),
        registered_at=str(record["registered_at"]),
        version=str(record["version"]),
        design=dict(record["design"]),
    )


@dataclass(frozen=True)
class RegistrationCheck:
    """How the design analysed compares with its registration.

    Attributes
    ----------
    status : {"registered", "changed", "not_registered"}
        Unchanged since registration, changed since, or never registered.
    registered_at : str or None
        When it was registered (ISO 8601, UTC).
    design_sha256 : str
        SHA-256 of the design analysed.
    registered_sha256 : str or None
        SHA-256 of the registered design.
    changes : tuple of str
        Each value changed since registration, as ``[section] key: old -> new``.
    """

    status: RegistrationStatus
    registered_at: str | None
    design_sha256: str
    registered_sha256: str | None = None
    changes: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """Whether the design was changed after registration."""
        return self.status == "changed"

    def describe(self) -> str:
        """Return the check in one plain sentence.

        Examples
        --------
        >>> RegistrationCheck("not_registered", None, "ab").describe()
        'The design was not registered before the analysis (escalation register), so its criteria are not shown to be pre-registered.'
        """  # noqa: E501
        if self.status == "not_registered":
            return (
                "The design was not registered before the analysis (escalation register), "
                "so its criteria are not shown to be pre-registered."
            )
        when = f"registered on {self.registered_at}"
        if self.status == "registered":
            return f"The design was {when} and has not changed since."
        listed = "; ".join(self.changes)
        return (
            f"The design was {when} but changed after registration ({listed}): results "
            "on the changed settings are not pre-registered."
        )

    def to_dict(self) -> dict[str, Any]:
        """Return the check as a JSON-ready dictionary (for the manifest)."""
        return {
            "status": self.status,
            "registered_at": self.registered_at,
            "design_sha256": self.design_sha256,
            "registered_sha256": self.registered_sha256,
            "changes": list(self.changes),
        }


def _changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[str, ...]:
    out = []
    for section in sorted(set(old) | set(new)):
        before, after = old.get(section, {}), new.get(section, {})
        if section not in old or section not in new:
            state = "added" if section not in old else "removed"
            out.append(f"[{section}] section {state}")
            continue
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                out.append(
                    f"[{section}] {key}: {_show(before.get(key))} -> {_show(after.get(key))}"
                )
    return tuple(out)


def _show(value: object) -> str:
    return "(unset)" if value is None else json.dumps(value)


def check_registration(
    design: StudyDesign, registration: str | Path | Registration | None
) -> RegistrationCheck:
    """Compare the design analysed with its registration.

    Parameters
    ----------
    design : StudyDesign
        The design actually analysed (after any command-line overrides).
    registration : str, Path, Registration or None
        The registration (or its file); ``None`` or a missing file means not registered.

    Returns
    -------
    RegistrationCheck
        ``changed`` when a value that can move a result differs from the registered
        one; a change of ``[compute]`` alone (where the work runs, which never changes a
        result) leaves the design ``registered``, though its hash differs.

    Examples
    --------
    >>> import dataclasses, tempfile
    >>> from escalation.design import default_design
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     file = default_design().write(f"{folder}/design.toml")
    ...     registration = register_design(file)
    ...     design = default_design()
    ...     changed = design.replace(policy=dataclasses.replace(design.policy,
    ...                                                         capacity_per_1000=400))
    ...     check_registration(changed, registration).changes
    ('[policy] capacity_per_1000: 300 -> 400',)
    """
    digest = design_sha256(design)
    if registration is None:
        return RegistrationCheck("not_registered", None, digest)
    if not isinstance(registration, Registration):
        file = Path(registration)
        if not file.exists():
            return RegistrationCheck("not_registered", None, digest)
        registration = read_registration(file)
    if registration.design_sha256 == digest:
        return RegistrationCheck(
            "registered", registration.registered_at, digest, registration.design_sha256
        )
    found = _changes(registration.design, design.to_dict())
    changes = tuple(c for c in found if not c.startswith(_NEVER_A_RESULT))
    if found and not changes:  # only where the work runs: the analysis is the registered one
        return RegistrationCheck(
            "registered", registration.registered_at, digest, registration.design_sha256
        )
    return RegistrationCheck(
        "changed",
        registration.registered_at,
        digest,
        registration.design_sha256,
        changes or ("values changed (design hash differs)",),
    )
