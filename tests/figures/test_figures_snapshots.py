"""Image snapshots of a few figures (PNG at pinned DPI and font), compared with a tolerance.

Regenerate after an intended change to a figure with::

    ESCALATION_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/figures/test_figures_snapshots.py

then look at the new PNGs in ``tests/figures/snapshots/`` before committing them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from escalation.figures import plot_hazard_ratios, save_figure
from escalation.figures._examples import example_figure_names, example_figures, example_frames
from tests.figures.conftest import SNAPSHOT_DPI

SNAPSHOTS = Path(__file__).parent / "snapshots"
DPI = SNAPSHOT_DPI
UPDATE = os.environ.get("ESCALATION_UPDATE_SNAPSHOTS") == "1"


def compare(actual: np.ndarray, expected: np.ndarray) -> tuple[float, float]:
    """Return the mean absolute difference and the share of pixels that differ by > 0.25."""
    diff = np.abs(actual[..., :3] - expected[..., :3]).max(axis=-1)
    return float(diff.mean()), float((diff > 0.25).mean())


# Every figure kind (the same set as the gallery and the font-size check).
@pytest.mark.parametrize("name", sorted(example_figure_names()))
def test_figures_snapshot(name: str, example_files: Callable[[str], dict[str, Path]]) -> None:
    target = SNAPSHOTS / f"{name}.png"
    if UPDATE:
        SNAPSHOTS.mkdir(exist_ok=True)
        plot, width = example_figures([name])[name]
        save_figure(plot, SNAPSHOTS / name, width=width, formats=["png"], dpi=DPI)  # type: ignore[arg-type]
        pytest.skip(f"snapshot {target.name} regenerated")
    actual = mpimg.imread(example_files(name)["png"])
    expected = mpimg.imread(target)
    assert actual.shape == expected.shape, f"{name}: image size changed"
    mean, share = compare(actual, expected)
    # Tolerance absorbs anti-aliasing and FreeType differences between machines; a moved
    # label, a lost layer or a different colour exceeds it.
    assert mean < 0.01 and share < 0.01, f"{name}: mean diff {mean:.4f}, changed {share:.2%}"


def test_figures_snapshot_comparison_detects_changes() -> None:
    frames = example_frames()
    expected = mpimg.imread(SNAPSHOTS / "hazard_ratios.png")
    shifted = frames["hazard"].assign(estimate=frames["hazard"]["estimate"] * 1.3)
    changed = plot_hazard_ratios(shifted)
    buffer_dir = Path(os.environ.get("TMPDIR", "/tmp"))
    (path,) = save_figure(
        changed, buffer_dir / "escalation_snapshot_probe", formats=["png"], dpi=DPI
    )
    actual = mpimg.imread(path)
    path.unlink()
    mean, share = compare(actual, expected)
    assert share > 0.001 or mean > 0.01
