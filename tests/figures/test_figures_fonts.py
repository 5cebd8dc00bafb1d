"""Every text element of every figure is at least 7 pt at final print size (8 pt default).

The figures are written as PDF at their journal width (85 or 178 mm, the print size)
and read back with pdfminer.six, which reports each character's size from the font
size and text matrix; rotated text (the y axis title) is measured across its baseline.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from escalation.figures import MIN_FONT_PT, save_figure
from escalation.figures._examples import example_figure_names, example_figures

pdfminer = pytest.importorskip("pdfminer")

from pdfminer.high_level import extract_pages  # noqa: E402
from pdfminer.layout import LTChar  # noqa: E402


def _chars(node: object) -> list[LTChar]:
    if isinstance(node, LTChar):
        return [node]
    if hasattr(node, "__iter__"):
        return [c for child in node for c in _chars(child)]
    return []


def font_sizes(pdf: Path) -> Counter[float]:
    """Return how many characters of each size (points) the PDF draws."""
    sizes: Counter[float] = Counter()
    for page in extract_pages(pdf):
        for char in _chars(page):
            a, b, _c, _d, _e, _f = char.matrix
            size = char.height if abs(a) >= abs(b) else char.width
            sizes[round(size, 2)] += 1
    return sizes


@pytest.mark.parametrize("name", sorted(example_figure_names()))
def test_figures_text_is_at_least_7pt(
    name: str, example_files: Callable[[str], dict[str, Path]]
) -> None:
    sizes = font_sizes(example_files(name)["pdf"])
    assert sizes, f"{name}: no text found in the PDF"
    assert min(sizes) >= MIN_FONT_PT - 0.01, f"{name}: text sizes {sorted(sizes.items())}"
    # Axis titles and headings are the 8 pt default wherever the figure has axes.
    if name not in {"flow", "transitions"}:
        assert 8.0 in sizes, f"{name}: no 8 pt text ({sorted(sizes.items())})"


def test_figures_font_check_detects_small_text(tmp_path: Path) -> None:
    import plotnine as p9

    plot, width = example_figures(["hazard_ratios"])["hazard_ratios"]
    small = plot + p9.theme(axis_text=p9.element_text(size=5.5))
    (pdf,) = save_figure(small, tmp_path / "small", width=width, formats=["pdf"])  # type: ignore[arg-type]
    assert min(font_sizes(pdf)) == pytest.approx(5.5, abs=0.05)
