"""Files replaced whole: written beside their target, then renamed over it.

The one rule of every file the package replaces in place: a reader (or a run stopped
half-way, or a full disk) never leaves a half-written file where a whole one was.
:func:`replace_atomically` writes to a temporary file in the target's folder (so the
rename stays on one file system) and :func:`os.replace` puts it in place in one step;
on any failure the temporary file is removed and the target is left as it was.
"""

from __future__ import annotations

import os
import secrets
import stat
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
    temporary = _new_file_beside(path)
    try:
        write(temporary)
        os.replace(temporary, path)
    except BaseException:
        with suppress(OSError):
            temporary.unlink()
        raise
    return path


def _new_file_beside(path: Path) -> Path:
    """Create an empty temporary file beside ``path`` with the mode ``path`` would get.

    ``tempfile.mkstemp`` makes its file readable by its owner alone (0600), whatever the
    umask, and the rename kept that mode: a ``design.toml`` beside a run's outputs could
    not be read by the colleagues who could read every other output. The temporary file is
    created as a plain ``open`` creates one (0666 less the umask), and takes the mode of
    the file it replaces when there is one, as writing that file in place would keep it.
    """
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        mode = None  # a new file: the umask decides, as for any file the package writes
    while True:
        temporary = path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp"
        try:
            handle = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # pragma: no cover - 32 random bits taken
            continue
        os.close(handle)
        if mode is not None:
            os.chmod(temporary, mode)
        return temporary


def write_text_atomically(target: str | Path, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``target`` atomically (:func:`replace_atomically`); return the path."""
    return replace_atomically(target, lambda path: path.write_text(text, encoding=encoding))
