"""Labels wrapped by their measured width, not by a number of characters (review s27).

The flow diagram's boxes, the transition diagram's states, the Schoenfeld panels'
titles, the fairness figure's metric strips and the rows of the love plot wrapped at a
fixed number of characters (or not at all): capitals, or a long name at one column's
width, ran out of their box, over the next panel's title or off the figure. (The
hazard-ratio table keeps its rule: its width follows its labels,
``hazard_ratio_table_width``, and narrower it is a DesignError, never cut off.) Each
now wraps by the one measured rule (:func:`escalation.figures._labels.wrap_words`); each
layout is measured after drawing.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest
from matplotlib.collections import PolyCollection

import escalation.figures as fg
from escalation.figures._examples import example_frames
from escalation.figures.save import drawn
from tests.figures.text_fits import text_problems

NURSE = "Children referred by a school nurse, health visitor or other universal service"
#: Wide capitals: about 1.6 times as wide as lower case, so that a wrap by characters runs
#: out of its box.
CAPITALS = "MOVED WITHIN WALES OR MOVED AWAY WHOLLY WITHOUT A WORKER MEMO"


def _problems(plot: Any, width: Any, dpi: int = 100) -> list[str]:
    with warnings.catch_warnings(), drawn(plot, width=width, dpi=dpi) as figure:
        warnings.simplefilter("ignore")
        return [str(p) for p in text_problems(figure)]


def _outside_boxes(plot: Any, width: Any, clear_px: float) -> list[str]:
    """Texts drawn in a box (a drawn rectangle) nearer its sides than ``clear_px``, or beyond."""
    out = []
    with drawn(plot, width=width, dpi=100) as figure:
        renderer = figure._get_renderer()
        for axes in figure.axes:
            boxes = [
                path.transformed(axes.transData).get_extents()
                for rects in axes.collections
                if isinstance(rects, PolyCollection)
                for path in rects.get_paths()
            ]
            for text in axes.texts:
                extent = text.get_window_extent(renderer)
                centre = ((extent.x0 + extent.x1) / 2, (extent.y0 + extent.y1) / 2)
                for box in boxes:
                    if box.contains(*centre) and (
                        extent.x0 < box.x0 + clear_px
                        or extent.x1 > box.x1 - clear_px
                        or extent.y0 < box.y0
                    ):
                        first = text.get_text().splitlines()[0]
                        out.append(f"{first!r} beyond its box by {box.x0 - extent.x0:.0f} px")
    return out


def test_flow_boxes_wrap_wide_text_inside_them() -> None:
    # Was: 24 characters a line at one column: a line of capitals took the box's whole
    # width, its letters 2.7 px from the box's sides (the padding is 5 px).
    flow = example_frames()["flow"].copy()
    flow.loc[0, "description"] = CAPITALS
    flow.loc[1, "description"] = CAPITALS
    plot = fg.plot_flow(flow, width="single")
    # The boxes' padding is 0.35 layout units, 5 px at one column and 100 dpi.
    assert not _outside_boxes(plot, "single", clear_px=4.0)
    assert not _problems(plot, "single")


def test_state_boxes_wrap_long_names_inside_them() -> None:
    # Was: 14 characters a line whatever the width: at one column "plan after an" and
    # "Looked after" ran through their boxes' sides, and five lines out of its top and
    # bottom.
    moves = example_frames()["transitions"].replace(
        {"Child protection plan": "Child protection plan after an initial conference"}
    )
    plot = fg.plot_transitions(moves, width="single")
    assert not _outside_boxes(plot, "single", clear_px=1.0)
    assert not _problems(plot, "single")


def test_schoenfeld_panel_titles_wrap_to_their_panel() -> None:
    # Was: 40 characters a line: at one column "Early help (within the grace period)"
    # ran over "Age (years)", the next panel's title.
    frames = example_frames()
    plot = fg.plot_schoenfeld(frames["schoenfeld"], frames["ph_tests"], width="single")
    problems = _problems(plot, "single")
    assert not problems, "; ".join(problems)


def test_fairness_strips_wrap_by_words_to_their_panel() -> None:
    # Was: a number of characters from a guessed width: "Recall (se" / "nsitivity)"
    # (textwrap breaks words longer than the line), in five lines over a third of the
    # panel's width.
    long = "Recall (sensitivity) among children who escalated within a year"
    frames = example_frames()
    fairness = frames["fairness"].replace({"Recall": long})
    plot = fg.plot_fairness(fairness, overall=frames["overall"], width="single")
    assert not _problems(plot, "single")
    with drawn(plot, width="single", dpi=100) as figure:
        strip = next(t.get_text() for t in figure.findobj() if _is_text(t, "Recall"))
    assert strip.replace("\n", " ") == long  # every word whole, none broken


def _is_text(artist: Any, start: str) -> bool:
    return hasattr(artist, "get_text") and str(artist.get_text()).startswith(start)


def test_love_plot_rows_wrap_a_long_name_to_the_margin() -> None:
    # Was: not wrapped at all: at one column the name squeezed the panels to slivers and
    # pushed "Before weighting" 84 px off the figure's left edge, the titles off its top.
    balance = example_frames()["balance"].replace({"age": NURSE})
    plot = fg.plot_love(balance, width="single")
    with drawn(plot, width="single", dpi=100) as figure:
        ticks = [t.get_text() for a in figure.axes for t in a.get_yticklabels()]
    assert any("\n" in t and "school nurse" in t.replace("\n", " ") for t in ticks), ticks
    # Nothing may leave the figure by any edge, or overlap.
    problems = _problems(plot, "single")
    assert not problems, "; ".join(problems)


def test_love_plot_legend_and_panel_title_stay_inside_one_column() -> None:
    # Was: with the example's names, "After weighting" (the legend side by side, centred
    # on the panels the names push right) ran 9 px and "Variance ratio" (centred on the
    # narrow panel) 6 px past the figure's right edge at one column, measured after
    # drawing; both are now laid out by their measured widths.
    plot = fg.plot_love(example_frames()["balance"], width="single")
    problems = _problems(plot, "single")
    assert not problems, "; ".join(problems)
    with drawn(plot, width="single", dpi=100) as figure:
        right = figure.bbox.x1
        renderer = figure._get_renderer()
        texts = [t for t in figure.findobj() if _is_text(t, "After") or _is_text(t, "Variance")]
        ends = {t.get_text(): t.get_window_extent(renderer).x1 for t in texts if t.get_text()}
    assert {t.split()[0] for t in ends} == {"After", "Variance"}, ends
    assert all(x1 <= right for x1 in ends.values()), (right, ends)


@pytest.mark.parametrize("lines", [1, 3])
def test_rows_are_spaced_for_their_tallest_name(lines: int) -> None:
    # One rule for every figure of rows: 3.3 mm a line of a name and 1.7 mm between
    # names, at least the figure's own row height (here 4 mm).
    from escalation.figures._rows import row_pitch_mm

    expected = max(4.0, 3.3 * lines + 1.7)
    assert row_pitch_mm(lines, 4.0) == pytest.approx(expected)
