"""Each example figure drawn once for the checks that read its files (fonts, snapshots)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from escalation.figures import save_figure
from escalation.figures._examples import example_figures

#: Resolution of the PNG snapshots (tests/figures/snapshots).
SNAPSHOT_DPI = 100


@pytest.fixture(scope="session")
def example_files(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], dict[str, Path]]:
    """Return a function giving an example figure's PNG (at :data:`SNAPSHOT_DPI`) and PDF.

    The figure is drawn once and written in both formats (as :func:`save_figure` writes
    every format of one drawing), at its journal width; the image snapshot reads the PNG
    and the font-size check the PDF, whose text is vector (its sizes do not depend on
    the PNG's resolution).
    """
    folder = tmp_path_factory.mktemp("example-figures")

    @cache
    def files(name: str) -> dict[str, Path]:
        ((plot, width),) = example_figures([name]).values()
        paths = save_figure(
            plot, folder / name, width=width, formats=["png", "pdf"], dpi=SNAPSHOT_DPI
        )
        return {path.suffix.lstrip("."): path for path in paths}

    return files
