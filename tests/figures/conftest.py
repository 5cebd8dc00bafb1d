"""Each example figure drawn once for the checks that read its files (fonts, snapshots)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import get_args

import pytest

from escalation.figures.save import Format
from tests.figures.drawings import SNAPSHOT_DPI as SNAPSHOT_DPI
from tests.figures.drawings import drawing, write_drawing


class _Files(dict[str, Path]):
    """One example figure's files by format, each written when first asked for."""

    def __init__(self, name: str, folder: Path) -> None:
        super().__init__()
        self.name, self.folder = name, folder

    def __missing__(self, fmt: str) -> Path:
        if fmt not in get_args(Format):
            raise KeyError(fmt)
        files = write_drawing(drawing(self.name), self.folder / self.name, [fmt])  # type: ignore[list-item]
        self[fmt] = files[fmt]
        return files[fmt]


@pytest.fixture(scope="session")
def example_files(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Path]]:
    """Return a function giving an example figure's PNG (at :data:`SNAPSHOT_DPI`) and PDF.

    The figure is the worker's one drawing of it (:func:`tests.figures.drawings.drawing`,
    which the text and colour checks read too), written at its journal width in each
    format once, when first asked for (a worker running only the snapshots writes no
    PDF); the files are the bytes :func:`~escalation.figures.save_figure` writes. The
    image snapshot reads the PNG and the font-size check the PDF, whose text is vector
    (its sizes do not depend on the PNG's resolution).
    """
    folder = tmp_path_factory.mktemp("example-figures")

    @cache
    def files(name: str) -> dict[str, Path]:
        return _Files(name, folder)

    return files
