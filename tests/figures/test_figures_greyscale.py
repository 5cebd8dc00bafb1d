"""Figures read in grey print, one group without a legend, the brief's images (review s27).

- the treatment arms' blue and vermillion are 8 apart in lightness (L* 46.0 and 54.2),
  one grey in print: every figure that draws the arms as lines draws them in different
  line types (early help solid, no early help dashed), in its legend too;
- eight groups that are not the arms are each told apart without colour: line type and
  marker shape, no two groups with both the same;
- one curve beside its risk table has no legend repeating the table's row name;
- the brief's images are drawn as saved figures are, their long titles wrapped.

Each is read from the figure as matplotlib draws it.
"""

from __future__ import annotations

import base64
import io
from typing import Any

import numpy as np
import plotnine as p9
import pytest
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.offsetbox import AnchoredOffsetbox
from PIL import Image

from escalation.figures import plot_survival_curves
from escalation.figures._examples import example_figures
from escalation.figures.save import drawn
from escalation.figures.theme import ARM_COLOURS
from escalation.report.brief import figure_data_uri
from tests.figures.test_figures_long_labels import TITLE, _at_risk, _curves

_ARM_HEX = {to_hex(c): arm for arm, c in ARM_COLOURS.items()}


def _dashes(line: Line2D) -> tuple[float, ...]:
    """A drawn line's dash pattern as matplotlib draws it (empty for a solid line)."""
    _, pattern = line._dash_pattern  # type: ignore[attr-defined]
    return tuple(np.round(pattern, 2)) if pattern else ()


def _arm_lines(figure: Any) -> dict[str, set[tuple[float, ...]]]:
    """The dash patterns of the lines drawn in each arm's colour, panels and legend."""
    out: dict[str, set[tuple[float, ...]]] = {}
    for line in figure.findobj(Line2D):
        arm = _ARM_HEX.get(to_hex(line.get_color()))
        if arm is not None and line.get_visible() and len(line.get_xdata()) > 1:
            out.setdefault(arm, set()).add(_dashes(line))
    return out


@pytest.mark.parametrize(
    "name",
    [
        "survival_curves",
        "cumulative_incidence",
        "adjusted_curves",
        "rmst_curves",
        "distribution_balance",
    ],
)
def test_the_arms_differ_by_line_type_in_every_figure_of_them(name: str) -> None:
    # Was: both arms solid, blue (L* 46.0) and vermillion (L* 54.2): one grey in print.
    plot, width = example_figures([name])[name]
    if name == "distribution_balance":  # the continuous kind draws lines (densities)
        from escalation.figures import plot_distribution_balance
        from escalation.figures._examples import example_frames

        ages = example_frames()["ages"]
        plot = plot_distribution_balance(ages, covariate="age", max_levels=2)
    with drawn(plot, width=width, dpi=72) as figure:
        lines = _arm_lines(figure)
    assert set(lines) == set(ARM_COLOURS), lines
    early, none = lines["Early help"], lines["No early help"]
    assert early == {()}, f"early help is drawn solid: {early}"
    assert none and () not in none, f"no early help is drawn dashed throughout: {none}"


def _marker_and_dashes(figure: Any) -> dict[str, set[tuple[str, tuple[float, ...]]]]:
    """Each legend entry's drawn keys: (marker, dash pattern) of its lines and points."""
    legend = next(
        box
        for box in figure.findobj(AnchoredOffsetbox)
        if any("Group A" in t.get_text() for t in box.findobj(lambda a: hasattr(a, "get_text")))
    )
    keys: dict[str, set[tuple[str, tuple[float, ...]]]] = {}
    texts = [t for t in legend.findobj(lambda a: hasattr(a, "get_text")) if t.get_text()]
    names = [t.get_text() for t in texts if t.get_text().startswith("Group")]
    lines = [a for a in legend.findobj(Line2D) if a.get_visible()]
    per = len(lines) // len(names)
    for i, name in enumerate(names):
        for line in lines[i * per : (i + 1) * per]:
            marker = str(line.get_marker())
            keys.setdefault(name, set()).add(
                (marker if marker not in ("None", "", " ") else "", _dashes(line))
            )
    return keys


def test_eight_groups_are_each_told_apart_without_colour() -> None:
    # Was: groups A and H both solid, B and F dashed and long-dashed, D and G dash-dot and
    # long dash-dot (told apart only by shade); no markers.
    groups = [f"Group {c}" for c in "ABCDEFGH"]
    plot = plot_survival_curves(_curves(groups), _at_risk(groups), group_label="Area")
    with drawn(plot, width="single", dpi=72) as figure:
        points = [c for c in figure.axes[0].collections if type(c).__name__ == "PathCollection"]
        # Markers are drawn on the curves, in as many shapes as there are groups.
        assert sum(len(c.get_offsets()) for c in points) >= 8, "no markers on the curves"
    with drawn(plot, width="single", dpi=72) as figure:
        keys = _marker_and_dashes(figure)
    assert sorted(keys) == groups
    looks = [frozenset(k) for k in keys.values()]
    assert len(set(looks)) == len(groups), keys
    # Each group's key has a marker of its own (no two groups share one).
    own = [{m for m, _ in k if m} for k in keys.values()]
    assert all(len(m) == 1 for m in own), own
    assert len(set.union(*own)) == len(groups), own


def _legend_texts(figure: Any) -> list[str]:
    return [
        t.get_text()
        for box in figure.findobj(AnchoredOffsetbox)
        for t in box.findobj(lambda a: hasattr(a, "get_text"))
        if t.get_text()
    ]


def test_one_group_beside_its_risk_table_has_no_legend() -> None:
    # Was: a legend of one entry, "Early help", beneath the table whose row says it.
    plot = plot_survival_curves(_curves([1]), _at_risk([1]))
    with drawn(plot, width="single", dpi=72) as figure:
        ticks = [t.get_text() for a in figure.axes for t in a.get_yticklabels()]
        assert "Early help" in ticks  # the table's row stays
        assert "Early help" not in _legend_texts(figure)


def test_two_groups_keep_their_legend() -> None:
    plot = plot_survival_curves(_curves([1, 0]), _at_risk([1, 0]))
    with drawn(plot, width="single", dpi=72) as figure:
        assert {"Early help", "No early help"} <= set(_legend_texts(figure))


def _png_size(uri: str) -> tuple[int, int]:
    data = base64.b64decode(uri.split(",", 1)[1])
    with Image.open(io.BytesIO(data)) as image:
        return image.size


def test_the_brief_image_wraps_a_long_title_as_a_saved_figure_does() -> None:
    # Was: drawn without the saved figures' drawing path, the title ran off the image's
    # right edge on one line and the image kept the height of the untitled figure.
    plot, _ = example_figures(["hazard_ratios"])["hazard_ratios"]
    titled = plot + p9.labs(title=TITLE)
    dpi = 72
    with drawn(titled, width="single", dpi=dpi) as figure:
        saved = tuple(round(v * dpi) for v in figure.get_size_inches())
        assert any("\n" in t.get_text() for t in figure.texts)
    bare = _png_size(figure_data_uri(plot, width="single", dpi=dpi))
    image = _png_size(figure_data_uri(titled, width="single", dpi=dpi))
    assert image[1] > bare[1], (image, bare)
    assert image == pytest.approx(saved, abs=1)
