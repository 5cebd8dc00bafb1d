"""PDF figures embed their font as TrueType (glyphs and metrics only) with real text.

matplotlib subsets each embedded font with fontTools; ``save_figure`` has it leave out the
text-shaping tables (GSUB, GPOS, GDEF, kern, MATH), which no PDF reader uses and whose
subsetting was most of the time spent writing a PDF. The text must stay selectable and
the font embedded, and fontTools' own defaults are restored afterwards.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fontTools import subset
from fontTools.ttLib import TTFont

from escalation.figures import save_figure
from escalation.figures._examples import example_figures

pdfminer = pytest.importorskip("pdfminer")

from pdfminer.high_level import extract_text  # noqa: E402
from pdfminer.pdfdocument import PDFDocument  # noqa: E402
from pdfminer.pdfparser import PDFParser  # noqa: E402
from pdfminer.pdftypes import PDFStream, resolve1  # noqa: E402


def embedded_fonts(pdf: Path) -> dict[str, TTFont]:
    """Return every TrueType font program embedded in ``pdf`` (FontFile2), by font name."""
    fonts = {}
    with pdf.open("rb") as handle:
        document = PDFDocument(PDFParser(handle))
        for xref in document.xrefs:
            for objid in xref.get_objids():
                obj = resolve1(document.getobj(objid))
                if isinstance(obj, dict) and obj.get("Type") and "FontFile2" in obj:
                    stream = resolve1(obj["FontFile2"])
                    assert isinstance(stream, PDFStream)
                    name = str(resolve1(obj["FontName"]))
                    fonts[name] = TTFont(io.BytesIO(stream.get_data()))
    return fonts


def test_pdf_text_is_real_text_in_an_embedded_truetype_font(tmp_path: Path) -> None:
    defaults = list(subset.Options._drop_tables_default)
    plot, width = example_figures(["cumulative_incidence"])["cumulative_incidence"]
    (pdf,) = save_figure(plot, tmp_path / "cif", width=width, formats=["pdf"])  # type: ignore[arg-type]
    assert subset.Options._drop_tables_default == defaults  # restored
    text = extract_text(pdf)
    assert "log-rank" in text  # selectable, searchable text
    fonts = embedded_fonts(pdf)
    assert fonts, "no embedded TrueType font"
    for name, font in fonts.items():
        assert "DejaVuSans" in name
        tables = set(font.keys())
        assert {"glyf", "loca", "hmtx", "cmap", "head"} <= tables, name
        assert not tables & {"GSUB", "GPOS", "GDEF", "kern", "MATH"}, (name, sorted(tables))
        assert font["maxp"].numGlyphs < 200  # a subset of the 6,000 glyphs


def test_pdf_font_subsets_never_read_the_tables_they_drop(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # fontTools' subsetter reads a font's GDEF, GSUB and GPOS before dropping them (about
    # 8% of the time of writing a PDF): save_figure removes them from the font unread.
    from fontTools.ttLib.tables import otBase

    read: list[str] = []
    decompile = otBase.BaseTTXConverter.decompile

    def spy(self: otBase.BaseTTXConverter, data: bytes, font: TTFont) -> None:
        read.append(self.tableTag)
        decompile(self, data, font)

    monkeypatch.setattr(otBase.BaseTTXConverter, "decompile", spy)
    loader = subset.load_font
    plot, width = example_figures(["cumulative_incidence"])["cumulative_incidence"]
    (pdf,) = save_figure(plot, tmp_path / "cif", width=width, formats=["pdf"])  # type: ignore[arg-type]
    assert subset.load_font is loader  # restored
    assert embedded_fonts(pdf)
    assert not {"GSUB", "GPOS", "GDEF"} & set(read), sorted(set(read))
