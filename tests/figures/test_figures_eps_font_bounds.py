"""An EPS takes each font's bounding box from a cache that is never stale.

matplotlib's PostScript backend measures every glyph of each embedded font (about 6,000
in DejaVu Sans) for the font's bounding box, on every EPS written: four fifths of the
time of writing one. :mod:`escalation.figures.save` measures each font once, keyed by
the bytes of its tables. These checks compare it with matplotlib's own measure: for
fonts whose file is rewritten at the same path, and for whole EPS files (text in small
subsets of DejaVu Sans: measuring the whole font takes a second or two).
"""

from __future__ import annotations

import contextlib
import re
import types
from pathlib import Path

import pytest
from fontTools import subset
from fontTools.ttLib import TTFont
from matplotlib import font_manager
from matplotlib import pyplot as plt
from matplotlib.backends import backend_ps
from matplotlib.font_manager import FontProperties

import escalation.figures.save as save


def _subset_font(path: Path, text: str) -> None:
    """Write DejaVu Sans cut down to the glyphs of ``text`` to ``path``."""
    options = subset.Options()
    with subset.load_font(font_manager.findfont("DejaVu Sans"), options) as font:
        subsetter = subset.Subsetter(options)
        subsetter.populate(text=text)
        subsetter.subset(font)
        font.save(str(path))


def test_font_bounds_are_matplotlibs_for_a_font_rewritten_at_the_same_path(
    tmp_path: Path,
) -> None:
    path = tmp_path / "font.ttf"
    boxes = []
    for text in ("..", "ÅgWj", ".."):  # small, then tall and wide, then small again
        _subset_font(path, text)
        with TTFont(path) as font:
            cached = save._font_bounds(font, measure=backend_ps._bounds)
        with TTFont(path) as font:
            assert cached == backend_ps._bounds(font), text
        boxes.append(cached)
    assert boxes[0] != boxes[1] and boxes[0] == boxes[2]


def test_eps_is_the_file_matplotlibs_own_measure_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = backend_ps._bounds
    written: dict[str, list[bytes]] = {}
    for text in ("..", "ÅgWj"):  # two fonts of different bounds, one after the other
        font = tmp_path / f"font-{len(written)}.ttf"
        _subset_font(font, text)
        figure = plt.figure(figsize=(1, 1))
        figure.text(0.5, 0.5, text, fontproperties=FontProperties(fname=font))
        try:
            with monkeypatch.context() as patch:
                (cached,) = save.write_figure(figure, tmp_path / "cached" / "f", formats=["eps"])
                assert backend_ps._bounds is own  # restored after the write
                written[text] = [cached.read_bytes()]
                patch.setattr(save, "_bounds_computed_once", contextlib.nullcontext)
                (measured,) = save.write_figure(figure, tmp_path / "own" / "f", formats=["eps"])
                written[text].append(measured.read_bytes())
        finally:
            plt.close(figure)
    for text, (cached_bytes, measured_bytes) in written.items():
        assert b"/FontType 42 def" in cached_bytes, text
        assert cached_bytes == measured_bytes, text
    boxes = {re.search(rb"/FontBBox \[[^]]*\]", b[0]).group() for b in written.values()}  # type: ignore[union-attr]
    assert len(boxes) == 2  # each font its own box


def test_another_matplotlib_without_the_measure_is_left_to_measure_its_own_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The stand-in replaces a private function of matplotlib's: a matplotlib without it
    is left as it is (its EPS written its own way, slower), the write never fails."""
    import matplotlib.backends

    other = types.SimpleNamespace()  # a backend_ps without _bounds
    monkeypatch.setattr(matplotlib.backends, "backend_ps", other)
    with save._bounds_computed_once():
        assert vars(other) == {}
    assert vars(other) == {}


def test_a_measure_called_otherwise_than_with_one_font_is_matplotlibs_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Another matplotlib calling its measure with other arguments gets its own answer."""
    import matplotlib.backends

    calls: list[tuple[object, ...]] = []
    other = types.SimpleNamespace(_bounds=lambda *args: calls.append(args) or "own")
    monkeypatch.setattr(matplotlib.backends, "backend_ps", other)
    with save._bounds_computed_once():
        assert other._bounds("font", "glyphs") == "own"
    assert calls == [("font", "glyphs")]
