"""Each example figure drawn once per test worker, for every check that reads a drawing.

The font-size check and the image snapshots read the files of a drawing, the text checks
measure its text, the colour checks read its built layers. All of them draw the same
figures from :func:`~escalation.figures._examples.example_frames` at the same width and
resolution, so :func:`drawing` draws each once (as :func:`escalation.figures.save.drawn`
and :func:`~escalation.figures.save_figure` draw it) and every check inspects that
drawing. The checks only read it: they measure text with the figure's renderer, write
its files and read its layers' data, none of which restyles or adds anything.

Writing a PDF draws the figure at 72 dpi, and matplotlib leaves the text it places at
draw time (legends, annotations) where that draw put it: :func:`write_drawing` draws it
again at its own resolution, as :func:`~escalation.figures.save.drawn` left it, so that
a text check run after the files are written measures what one run before would.

A test that changes a figure, or needs one drawn afresh (reproducible bytes, threads,
restored settings), draws its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, cast

import matplotlib.pyplot as plt

import escalation.figures as fg
from escalation.figures._examples import example_figure_names, example_figures, example_frames
from escalation.figures.save import Format, _draw, write_figure
from escalation.figures.theme import ColumnWidth

__all__ = ["SNAPSHOT_DPI", "Drawing", "drawing", "drawing_names", "write_drawing"]

#: Resolution of the PNG snapshots (tests/figures/snapshots) and of the shared drawings.
SNAPSHOT_DPI = 100

#: The narrow (phone) variants the brief shows of its double-column figures.
_NARROW = ("flow (narrow)", "fairness (narrow)")


@dataclass(frozen=True)
class Drawing:
    """An example figure as drawn at its width and :data:`SNAPSHOT_DPI`.

    Attributes
    ----------
    plot : plotnine.ggplot
        The plot as drawn: its layers' data hold the mapped colours and shapes.
    figure : matplotlib.figure.Figure
        The laid-out figure (released by pyplot, so that the drawings kept do not count
        as open windows; it is still measured and written as before).
    width : {"single", "double"}
        Its column width ("single" or "double").
    """

    plot: Any
    figure: Any
    width: ColumnWidth


def drawing_names() -> list[str]:
    """Every figure :func:`drawing` draws: the example figures and the narrow variants."""
    return [*example_figure_names(), *_NARROW]


def _plot(name: str) -> tuple[Any, str]:
    if name not in _NARROW:
        return example_figures([name])[name]
    f = example_frames()
    if name == "flow (narrow)":
        return fg.plot_flow(f["flow"], width="single"), "single"
    return fg.plot_fairness(f["fairness"], overall=f["overall"], width="single"), "single"


@cache
def drawing(name: str) -> Drawing:
    """Return the figure ``name`` (one of :func:`drawing_names`), drawn once per worker.

    Callers must not change it (no new artists, styles or sizes): the next test reads it.
    """
    plot, named_width = _plot(name)
    width = cast(ColumnWidth, named_width)
    drawn_plot, figure = _draw(plot, width=width, height_mm=None, dpi=SNAPSHOT_DPI)
    plt.close(figure)  # as drawn() does once its figure is written
    return Drawing(drawn_plot, figure, width)


def write_drawing(drawn: Drawing, path_stem: Path, formats: list[Format]) -> dict[str, Path]:
    """Write ``drawn`` in ``formats`` at :data:`SNAPSHOT_DPI`; return the files by format.

    The figure is left laid out at its own resolution, as it was drawn.
    """
    paths = write_figure(drawn.figure, path_stem, formats=formats, dpi=SNAPSHOT_DPI)
    drawn.figure.draw_without_rendering()
    return {path.suffix.lstrip("."): path for path in paths}
