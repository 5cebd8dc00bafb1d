"""The brief's screen image of a figure is rendered from the drawing made for its files.

A study draws every figure once to write it as PNG, PDF and SVG; the brief's image of a
single-column figure has the same size, so it is rendered from that drawing at the
brief's resolution instead of drawing the figure again. Double-column figures are shown
at another width (and narrow), so those are still drawn.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import plotnine as p9
import pytest
from matplotlib.figure import Figure

import escalation.report.brief as brief_module
from escalation.figures import plot_hazard_ratios, plot_love
from escalation.figures._examples import example_frames
from escalation.figures.save import PNG_COMPRESSION, drawn
from escalation.pipeline import _write_figure
from escalation.report.brief import BriefFigure, figure_images


def _shape(uri: str) -> tuple[int, ...]:
    image = mpimg.imread(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    return tuple(image.shape[:2])


def test_single_column_brief_image_comes_from_the_drawn_figure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    plot = plot_hazard_ratios(example_frames()["hazard"])
    figure = BriefFigure("Ratios", "Caption.", plot, "Alt.")
    fresh = figure_images(figure, dpi=50)
    drawn_again: list[object] = []
    real = brief_module.figure_data_uri
    monkeypatch.setattr(
        brief_module,
        "figure_data_uri",
        lambda *a, **k: drawn_again.append(a) or real(*a, **k),
    )
    with drawn(plot, width="single", dpi=300) as printed:
        reused = figure_images(figure, dpi=50, drawn=printed)
    assert drawn_again == []
    assert reused.dpi == 50 and reused.narrow is None
    assert _shape(reused.uri) == _shape(fresh.uri)  # 85 mm at 50 dpi, the figure's height


def test_brief_images_of_other_sizes_are_drawn(monkeypatch: pytest.MonkeyPatch) -> None:
    plot = plot_love(example_frames()["balance"])
    figure = BriefFigure("Balance", "Caption.", plot, "Alt.", width="double")
    drawn_again: list[object] = []
    real = brief_module.figure_data_uri
    monkeypatch.setattr(
        brief_module,
        "figure_data_uri",
        lambda *a, **k: drawn_again.append(a) or real(*a, **k),
    )
    with drawn(plot, width="double", dpi=100) as printed:  # 178 mm; the screen shows 150
        images = figure_images(figure, dpi=40, drawn=printed)
    assert len(drawn_again) == 2  # the screen width and the narrow version
    assert images.narrow is not None


def test_write_figure_files_are_those_save_figure_writes(tmp_path: Path) -> None:
    from escalation.figures import save_figure

    plot = plot_hazard_ratios(example_frames()["hazard"])
    brief = BriefFigure("Ratios", "Caption.", plot, "Alt.")
    paths, images = _write_figure(plot, tmp_path / "a" / "hr", "single", brief)
    again = save_figure(plot, tmp_path / "b" / "hr")
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]
    assert images is not None and images.dpi == 200


def test_brief_images_drawn_again_are_laid_out_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # figure_data_uri lays the figure out before saving it: one draw, not matplotlib's two
    # (a draw without output for the layout engine, then the image), and the same image.
    plot = plot_love(example_frames()["balance"])
    sized = plot + p9.theme(figure_size=(85 / 25.4, 60 / 25.4), dpi=60)
    reference = sized.draw()
    try:
        assert reference.get_layout_engine() is not None
        buffer = io.BytesIO()
        reference.savefig(
            buffer,
            format="png",
            dpi=60,
            metadata={"Software": None},
            pil_kwargs=dict(PNG_COMPRESSION),
        )
    finally:
        plt.close(reference)
    draws: list[object] = []
    real = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: draws.append(r) or real(self, r))
    uri = brief_module.figure_data_uri(plot, width="single", height_mm=60, dpi=60)
    assert len(draws) == 1
    assert base64.b64decode(uri.split(",", 1)[1]) == buffer.getvalue()
