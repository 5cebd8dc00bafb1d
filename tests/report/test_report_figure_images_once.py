"""A brief figure already drawn for its files is not drawn again for the screen.

Was: ``figure_images`` reused the drawing only when its size was the plot's own size; a
title too wide for the figure is wrapped and the figure drawn taller by the lines added
(:func:`escalation.figures.save.drawn`), so a figure with a wrapped title never matched
and was drawn again (twice more: once, then once with its title wrapped).
"""

from __future__ import annotations

import pandas as pd
import plotnine as p9
import pytest

from escalation.figures import plot_hazard_ratios
from escalation.figures.save import drawn
from escalation.figures.theme import width_mm
from escalation.report.brief import BriefFigure, figure_images

RATIOS = pd.DataFrame(
    {"term": ["age", "sex"], "estimate": [0.8, 1.2], "conf_low": [0.7, 1.0],
     "conf_high": [0.9, 1.4]}
)  # fmt: skip
LONG = (
    "Hazard ratios of escalation to a child protection plan or care, by characteristic at "
    "the decision point, from the Cox model"
)


def _count_draws(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls = [0]
    original = p9.ggplot.draw

    def counted(self: p9.ggplot, *args: object, **kwargs: object) -> object:
        calls[0] += 1
        return original(self, *args, **kwargs)

    monkeypatch.setattr(p9.ggplot, "draw", counted)
    return calls


@pytest.mark.parametrize("title", [None, LONG])
def test_a_drawn_single_column_figure_is_not_drawn_again(
    monkeypatch: pytest.MonkeyPatch, title: str | None
) -> None:
    plot = plot_hazard_ratios(RATIOS, title=title)
    figure = BriefFigure("Ratios", "Caption.", plot, "Alt.", width="single")
    calls = _count_draws(monkeypatch)
    with drawn(plot, width="single", dpi=30, measured=False) as done:
        drawn_for_files = calls[0]
        own = plot.theme.themeables.property("figure_size")[1]
        w, h = done.get_size_inches()
        assert w == pytest.approx(width_mm("single") / 25.4)
        # The long title was wrapped: the figure is taller than its theme says.
        assert (h > own + 0.05) == (title is not None)
        images = figure_images(figure, dpi=30, drawn=done)
    assert drawn_for_files == (1 if title is None else 2)
    assert calls[0] == drawn_for_files  # the screen image is rendered from that drawing
    assert images.uri.startswith("data:image/png;base64,") and images.narrow is None


def test_a_drawing_of_another_size_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    plot = plot_hazard_ratios(RATIOS, title=LONG)
    figure = BriefFigure("Ratios", "Caption.", plot, "Alt.", width="single")
    calls = _count_draws(monkeypatch)
    with drawn(plot, width="double", dpi=30, measured=False) as done:
        before = calls[0]
        figure_images(figure, dpi=30, drawn=done)
    assert calls[0] > before  # drawn again at the screen's single-column width
