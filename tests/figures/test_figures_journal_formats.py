"""save_figure writes what journals ask for: LZW TIFF at 300–600 dpi and EPS.

``formats=("pdf", "tiff", "eps")`` raised "use some of png, pdf, svg". PLOS and Elsevier
ask for TIFF (LZW-compressed, 300–600 dpi) or EPS. The TIFF must open at the pixel size
its resolution gives; the EPS must be encapsulated PostScript with its fonts embedded
(TrueType, Type 42: as the PDF, tests/figures/test_figures_pdf_fonts.py), never Type 3,
and since PostScript has no transparency, a confidence band must be blended with the
panel, not drawn opaque over the curves.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_rgba
from PIL import Image

from escalation.figures import save_figure
from escalation.figures._examples import example_figures
from escalation.figures.save import FORMATS, drawn, write_figure

MM_PER_INCH = 25.4


@pytest.fixture(scope="module")
def cumulative_incidence() -> tuple[object, str]:
    """A figure with partly transparent confidence bands and text."""
    return example_figures(["cumulative_incidence"])["cumulative_incidence"]


@pytest.mark.parametrize("dpi", [300, 600])
def test_tiff_is_lzw_rgb_at_its_resolution(tmp_path: Path, dpi: int) -> None:
    plot, _ = example_figures(["hazard_ratios"])["hazard_ratios"]
    (tiff,) = save_figure(plot, tmp_path / "hr", width=85, height_mm=60, formats=["tiff"], dpi=dpi)
    assert tiff.suffix == ".tiff"
    with Image.open(tiff) as image:
        assert image.format == "TIFF"
        assert image.mode == "RGB"  # no alpha channel: on white, as journals want
        assert image.info["compression"] == "tiff_lzw"
        assert image.info["dpi"] == pytest.approx((dpi, dpi))
        # the whole pixels in 85 x 60 mm (as the PNG: matplotlib drops a part pixel)
        assert image.size == (int(85 / MM_PER_INCH * dpi), int(60 / MM_PER_INCH * dpi))
        corner = image.getpixel((0, 0))
    assert corner == (255, 255, 255)


def test_eps_is_encapsulated_postscript_with_embedded_fonts(
    tmp_path: Path, cumulative_incidence: tuple[object, str], caplog: pytest.LogCaptureFixture
) -> None:
    plot, width = cumulative_incidence
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        (eps,) = save_figure(plot, tmp_path / "cif", width=width, formats=["eps"])
    assert not [r for r in caplog.records if "transparency" in r.getMessage()]
    content = eps.read_bytes()
    assert content.startswith(b"%!PS-Adobe-3.0 EPSF-3.0")
    assert content.endswith(b"showpage\n%%EOF\n")  # DSC: the end of the file
    box = re.search(rb"%%BoundingBox: 0 0 (\d+) (\d+)", content)
    assert box is not None
    assert int(box.group(1)) == round(85 / MM_PER_INCH * 72)  # a single column
    assert b"/FontType 42 def" in content  # TrueType embedded: no font needed to view it
    assert b"/FontType 3" not in content
    assert b"/FontName /DejaVuSans" in content
    assert b"%%CreationDate" not in content  # the same figure gives the same file


def test_eps_blends_the_bands_with_the_panel(
    tmp_path: Path, cumulative_incidence: tuple[object, str]
) -> None:
    plot, width = cumulative_incidence
    with drawn(plot, width=width, measured=False) as figure:
        bands = [
            c for c in figure.findobj(lambda a: type(a).__name__ == "FillBetweenPolyCollection")
        ]
        assert bands, "the example has confidence bands"
        before = [c.get_facecolor().copy() for c in bands]
        (eps,) = write_figure(figure, tmp_path / "cif", formats=["eps"])
        after = [c.get_facecolor() for c in bands]
        panel = np.asarray(to_rgba(bands[0].axes.get_facecolor())[:3])
    for colour, restored in zip(before, after, strict=True):
        np.testing.assert_array_equal(colour, restored)  # the figure is left as it was
    text = eps.read_text("latin-1")
    for colour in before:
        rgb, alpha = colour[0, :3], colour[0, 3]
        assert 0 < alpha < 1
        blended = rgb * alpha + panel * (1 - alpha)
        opaque = " ".join(f"{v:.3g}" for v in rgb)
        assert f"{' '.join(f'{v:.3g}' for v in blended)} setrgbcolor" in text
        assert text.count(f"{opaque} setrgbcolor") >= 1  # the curves keep their colour


def test_journal_formats_are_reproducible_and_not_written_by_default(
    tmp_path: Path, cumulative_incidence: tuple[object, str]
) -> None:
    assert FORMATS == ("png", "pdf", "svg")  # what the studies write
    plot, width = cumulative_incidence
    first = save_figure(plot, tmp_path / "a" / "cif", width=width, formats=["tiff", "eps"], dpi=150)
    second = save_figure(
        plot, tmp_path / "b" / "cif", width=width, formats=["tiff", "eps"], dpi=150
    )
    for a, b in zip(first, second, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.suffix
