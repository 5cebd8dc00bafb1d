"""save_figure writes PNG, PDF and SVG at journal widths, reproducibly."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.image as mpimg
import pytest

from escalation.errors import DesignError
from escalation.figures import plot_hazard_ratios, save_figure
from escalation.figures._examples import example_frames


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
