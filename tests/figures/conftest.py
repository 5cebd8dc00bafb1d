"""Each example figure drawn once for the checks that read its files (fonts, snapshots)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from tests.figures.drawings import SNAPSHOT_DPI as SNAPSHOT_DPI
from tests.figures.drawings import drawing, write_drawing


@pytest.fixture(scope="session")
def example_files(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Path]]:
    """Return a function giving an example figure's PNG (at :data:`SNAPSHOT_DPI`) and PDF.

    The figure is the worker's one drawing of it (:func:`tests.figures.drawings.drawing`,
    which the text and colour checks read too), written once in both formats (as
    :func:`~escalation.figures.save_figure` writes every format of one drawing), at its
    journal width; the image snapshot reads the PNG and the font-size check the PDF,
    whose text is vector (its sizes do not depend on the PNG's resolution).
    """
    folder = tmp_path_factory.mktemp("example-figures")

    @cache
    def files(name: str) -> dict[str, Path]:
        return write_drawing(drawing(name), folder / name, ["png", "pdf"])

    return files
