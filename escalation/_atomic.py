"""Files replaced whole: written beside their target, then renamed over it.

The one rule of every file the package replaces in place: a reader (or a run stopped
half-way, or a full disk) never leaves a half-written file where a whole one was.
:func:`replace_atomically` writes to a temporary file in the target's folder (so the
rename stays on one file system) and :func:`os.replace` puts it in place in one step;
on any failure the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

__all__ = ["replace_atomically", "write_text_atomically"]


def replace_atomically(target: str | Path, write: Callable[[Path], object]) -> Path:
    """Have ``write`` write a temporary file beside ``target``, then rename it to ``target``.

    Parameters
    ----------
    target : str or Path
        The file to create or replace.
    write : callable
        Called with the temporary file's path; writes the whole content there.

    Returns
    -------
    Path
        ``target``.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> path = replace_atomically(folder / "a.txt", lambda p: p.write_text("one"))
    >>> path.read_text(), sorted(p.name for p in folder.iterdir())
    ('one', ['a.txt'])
    """
    path = Path(target)
    handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            temporary.unlink()
        raise
    return path


def write_text_atomically(target: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (:func:`replace_atomically`); return the path."""
    return replace_atomically(target, lambda path: path.write_text(text, encoding=encoding))
