"""Office files (``.xlsx``, ``.docx``) written the same, byte for byte, on every run.

Both are zip archives. :mod:`zipfile` dates every member with the time it was written, and
openpyxl stamps the workbook's document properties (``docProps/core.xml``) with the time
it was saved, so two runs of the same study on the same data gave the same tables in files
whose bytes, and so whose SHA-256 in the manifest, differed. :func:`fix_archive_times`
dates both at :data:`FIXED_TIME`, as figures are written without a time stamp
(:mod:`escalation.figures.save`); the run's own time is in its manifest.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Final

__all__ = ["FIXED_TIME", "fix_archive_times"]

#: The earliest time a zip archive can record (1980-01-01 00:00:00).
FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)
#: The Office document properties' creation and modification times (W3C date-times).
_PROPERTY_TIMES: Final = re.compile(rb"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")
_PROPERTIES: Final = "docProps/core.xml"


def fix_archive_times(path: str | Path) -> Path:
    """Rewrite the zip archive at ``path`` with every time in it set to :data:`FIXED_TIME`.

    The members keep their names, order, contents, compression method and permissions; the
    document properties' ``created`` and ``modified`` times (when the archive has them)
    read ``1980-01-01T00:00:00Z``.

    Parameters
    ----------
    path : str or Path
        An ``.xlsx``, ``.docx`` or other zip archive.

    Returns
    -------
    Path
        ``path``.

    Examples
    --------
    >>> import tempfile, zipfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = f"{folder}/a.zip"
    ...     with zipfile.ZipFile(path, "w") as archive:
    ...         archive.writestr("a.txt", "text")
    ...     with zipfile.ZipFile(fix_archive_times(path)) as archive:
    ...         [(i.filename, i.date_time) for i in archive.infolist()]
    [('a.txt', (1980, 1, 1, 0, 0, 0))]
    """
    target = Path(path)
    with zipfile.ZipFile(target) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    stamp = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*FIXED_TIME).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info, data in members:
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME)
            fixed.compress_type = info.compress_type
            fixed.external_attr = info.external_attr
            if info.filename == _PROPERTIES:
                data = _PROPERTY_TIMES.sub(rb"\g<1>" + stamp + rb"\g<3>", data)
            archive.writestr(fixed, data)
    partial = target.with_name(target.name + ".partial")  # never a half-written file
    partial.write_bytes(buffer.getvalue())
    partial.replace(target)
    return target
