"""The shared drawings (tests/figures/drawings.py) measure as a fresh drawing does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from escalation.figures._examples import example_figures
from escalation.figures.save import drawn
from tests.figures.drawings import SNAPSHOT_DPI, drawing, write_drawing


def _text_boxes(figure: Any) -> list[tuple[str, tuple[float, ...]]]:
    """Every text of a drawn figure with its box in pixels (to 1e-6 px)."""
    from matplotlib.text import Text

    renderer = figure._get_renderer()
    return [
        (t.get_text(), tuple(round(float(v), 6) for v in t.get_window_extent(renderer).bounds))
        for t in figure.findobj(Text)
    ]


def test_written_drawing_measures_as_a_fresh_one(tmp_path: Path) -> None:
    # Writing a PDF draws at 72 dpi and left the policy figure's legend where that draw
    # put it: the text checks run after it found the legend title over a rule's name.
    shared = drawing("policy_values")
    write_drawing(shared, tmp_path / "policy_values", ["pdf"])
    plot, width = example_figures(["policy_values"])["policy_values"]
    with drawn(plot, width=width, dpi=SNAPSHOT_DPI) as fresh:  # type: ignore[arg-type]
        assert _text_boxes(shared.figure) == _text_boxes(fresh)
