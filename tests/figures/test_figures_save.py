"""save_figure writes PNG, PDF and SVG at journal widths, reproducibly."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib as mpl
import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import plotnine as p9
import pytest
from matplotlib.figure import Figure

from escalation.errors import DesignError
from escalation.figures import (
    plot_flow,
    plot_hazard_ratios,
    plot_love,
    plot_schoenfeld,
    save,
    save_figure,
)
from escalation.figures._examples import example_frames
from escalation.figures.save import drawn


def test_figures_save_writes_three_formats_at_column_width(tmp_path: Path) -> None:
    plot = plot_hazard_ratios(example_frames()["hazard"])
    paths = save_figure(plot, tmp_path / "sub" / "hr", width="double", height_mm=60, dpi=150)
    assert [p.suffix for p in paths] == [".png", ".pdf", ".svg"]
    image = mpimg.imread(paths[0])
    # 178 mm x 60 mm at 150 dpi.
    assert image.shape[1] == round(178 / 25.4 * 150)
    assert image.shape[0] == round(60 / 25.4 * 150)
    assert paths[1].read_bytes().startswith(b"%PDF")
    svg = paths[2].read_text()
    match = re.search(r'<svg[^>]* width="([0-9.]+)pt" height="([0-9.]+)pt"', svg)
    assert match is not None
    assert float(match.group(1)) == pytest.approx(178 / 25.4 * 72, abs=0.01)
    assert float(match.group(2)) == pytest.approx(60 / 25.4 * 72, abs=0.01)
    assert "<text" not in svg  # text drawn as paths: no font needed to view it


def test_figures_save_is_byte_for_byte_reproducible(tmp_path: Path) -> None:
    plot = plot_hazard_ratios(example_frames()["hazard"])
    first = save_figure(plot, tmp_path / "a", formats=["pdf", "svg"], dpi=72)
    second = save_figure(plot, tmp_path / "b", formats=["pdf", "svg"], dpi=72)
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.suffix


def test_figures_save_rejects_bad_arguments(tmp_path: Path) -> None:
    plot = plot_hazard_ratios(example_frames()["hazard"])
    with pytest.raises(DesignError, match="jpeg"):
        save_figure(plot, tmp_path / "x", formats=["jpeg"])  # type: ignore[list-item]
    with pytest.raises(DesignError, match="'triple' is unknown"):
        save_figure(plot, tmp_path / "x", width="triple")  # type: ignore[arg-type]
    with pytest.raises(DesignError, match="height must be positive"):
        save_figure(plot, tmp_path / "x", height_mm=0)


def test_figures_written_from_two_threads_keep_their_truetype_fonts(tmp_path: Path) -> None:
    """matplotlib's settings are global: a thread leaving its ``rc_context`` restored them
    while another thread was still writing, whose PDF then embedded Type 3 fonts (journals
    refuse them). The interleaving is forced here: B is inside its writing when A starts; A
    waits inside its own writing until B has finished (or one second has passed)."""
    import threading

    import matplotlib as mpl

    from escalation.figures.save import drawn, write_figure

    plot = plot_hazard_ratios(example_frames()["hazard"])
    b_inside, a_inside, b_done = threading.Event(), threading.Event(), threading.Event()
    seen: list[object] = []
    with drawn(plot, dpi=72) as fig_a, drawn(plot, dpi=72) as fig_b:
        save_a, save_b = fig_a.savefig, fig_b.savefig

        def writing_b(*args: object, **kwargs: object) -> None:
            b_inside.set()
            a_inside.wait(timeout=1)  # A gets in meanwhile, unless writers take turns
            save_b(*args, **kwargs)

        def writing_a(*args: object, **kwargs: object) -> None:
            a_inside.set()
            b_done.wait(timeout=1)
            seen.append(mpl.rcParams["pdf.fonttype"])
            save_a(*args, **kwargs)

        fig_a.savefig, fig_b.savefig = writing_a, writing_b

        def thread_b() -> None:
            write_figure(fig_b, tmp_path / "b", formats=["pdf"])
            b_done.set()

        other = threading.Thread(target=thread_b)
        other.start()
        assert b_inside.wait(timeout=30)
        (pdf,) = write_figure(fig_a, tmp_path / "a", formats=["pdf"])
        other.join()
    assert seen == [42]  # TrueType (Type 42) while A wrote, not Type 3
    assert b"/FontType 3" not in pdf.read_bytes() and b"/Subtype /Type3" not in pdf.read_bytes()


@pytest.mark.parametrize(
    ("kind", "frame"),
    [("love", "balance"), ("schoenfeld", "schoenfeld"), ("flow", "flow"), ("hr", "hazard")],
)
def test_figures_laid_out_by_the_engine_alone_are_those_of_a_full_draw(
    tmp_path: Path, kind: str, frame: str
) -> None:
    # save_figure runs plotnine's layout engine by itself, as the start of a draw does,
    # rather than in a whole draw without output; the files are those of the whole draw.
    plots = {"love": plot_love, "schoenfeld": plot_schoenfeld, "flow": plot_flow}
    plot = plots.get(kind, plot_hazard_ratios)(example_frames()[frame])
    ours = save_figure(plot, tmp_path / "ours", width="double", height_mm=70, dpi=100)
    sized = plot + p9.theme(figure_size=(178 / 25.4, 70 / 25.4), dpi=100)
    with save._rc_lock, mpl.rc_context(save._RC), save._lean_font_subsets():
        figure = sized.draw()
        try:
            figure.draw_without_rendering()  # the layout engine runs at the start
            figure.set_layout_engine(None)
            for path in ours:
                reference = tmp_path / f"reference{path.suffix}"
                fmt = path.suffix[1:]
                figure.savefig(
                    reference, format=fmt, dpi=100, metadata=save._METADATA[fmt], **save._extra(fmt)
                )
                assert path.read_bytes() == reference.read_bytes(), path.suffix
        finally:
            plt.close(figure)


def test_figures_drawn_lays_out_without_drawing(monkeypatch: pytest.MonkeyPatch) -> None:
    # To write files, the layout is computed without a draw of the whole figure (each
    # format draws it); drawn() by default also draws it, for checks that measure it.
    draws: list[object] = []
    real = Figure.draw
    monkeypatch.setattr(Figure, "draw", lambda self, r: draws.append(r) or real(self, r))
    plot = plot_hazard_ratios(example_frames()["hazard"])
    with drawn(plot, dpi=72, measured=False) as figure:
        assert draws == []
        assert figure.get_layout_engine() is None
    with drawn(plot, dpi=72) as figure:
        assert len(draws) == 1
        assert figure.get_layout_engine() is None
