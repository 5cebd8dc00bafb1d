"""Paths and commands as a manifest records them: no user's folder names.

A manifest records the command that made its outputs and the design file it read, so
that the run can be made again. Written as typed, an absolute path names the analyst's
home folder (``/home/<user>/...``), which is personal and means nothing on another
machine. Both the command line and the analysis scripts record paths by one rule:
relative to a base folder (the working folder, or the repository for the scripts)
when inside it, ``~/...`` when under the user's home, otherwise as given.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from pathlib import Path

__all__ = ["shown_command", "shown_path"]


def shown_path(path: str | Path, base: str | Path | None = None) -> str:
    """Return ``path`` as a command run from ``base`` names it.

    Parameters
    ----------
    path : str or Path
        The path (relative paths are taken from the working folder).
    base : str or Path, optional
        The folder the command is run from (default: the working folder).

    Returns
    -------
    str
        Relative to ``base`` when inside it (``.`` for ``base`` itself); under the user's
        home as ``~/...``, so no user name is recorded; otherwise absolute.

    Examples
    --------
    >>> from pathlib import Path
    >>> shown_path(Path.home() / "projects" / "la" / "design.toml", base="/nowhere")
    '~/projects/la/design.toml'
    >>> shown_path("/srv/data/la", base="/srv/data")
    'la'
    """
    full = Path(path).expanduser().resolve()
    start = Path(base).expanduser().resolve() if base is not None else Path.cwd().resolve()
    for folder, prefix in ((start, ""), (Path.home().resolve(), "~/")):
        if full.is_relative_to(folder):
            return prefix + (full.relative_to(folder).as_posix() if full != folder else ".")
    return full.as_posix()


def shown_command(words: Sequence[str], base: str | Path | None = None) -> str:
    """Return a command line to record: absolute paths by :func:`shown_path`, shell-quoted.

    A word (or the value of an ``--option=value`` word) that is an absolute path, or
    starts with ``~``, is written by :func:`shown_path`; other words as typed.

    Parameters
    ----------
    words : sequence of str
        The command's words, the program first.
    base : str or Path, optional
        The folder the command is run from (default: the working folder).

    Examples
    --------
    >>> from pathlib import Path
    >>> home = str(Path.home())
    >>> shown_command(["escalation", "run", home + "/la/design.toml", "--out=/srv/o"], "/srv")
    'escalation run ~/la/design.toml --out=o'
    >>> shown_command(["escalation", "run", "my design.toml", "--quiet"])
    "escalation run 'my design.toml' --quiet"
    """
    return " ".join(_shown_word(word, base) for word in words)


def _shown_word(word: str, base: str | Path | None) -> str:
    is_option_value = word.startswith("--") and "=" in word
    option, equals, value = word.partition("=") if is_option_value else ("", "", word)
    if _is_path(value):
        value = shown_path(value, base)
    return option + equals + _quoted(value)


def _is_path(word: str) -> bool:
    return word.startswith(("/", "~")) and len(word) > 1


def _quoted(word: str) -> str:
    """Return ``word`` quoted for a POSIX shell, a leading ``~/`` left for it to expand."""
    home = word.startswith("~/")
    return ("~/" if home else "") + shlex.quote(word[2:] if home else word)
