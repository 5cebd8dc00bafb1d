"""The figure helper process writes the formats the study's own process would.

Tests that check tables, notes or the PNG alone ask for PNG figures (``png_figures``, which
changes the default of :func:`escalation.figures.save.write_figure` in the test's process).
The figure helper is a separate Python with its own defaults, so it wrote PDF and SVG
besides: about a third of a study test's CPU. The study now names its formats to the
helper.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from escalation import default_design, simulate_local_authority
from escalation.figures.save import FORMATS
from escalation.pipeline import run_study


def _flow_files(out: Path) -> list[str]:
    """Run the describe stage with its figure drawn in the helper; the flow's files."""
    study = run_study(
        simulate_local_authority(300, seed=5).history,
        default_design(),
        out=out,
        progress=False,
        stages=("describe",),
        background_figures=True,
    )
    return sorted(path.name for path in study.figures["flow"])


@pytest.mark.usefixtures("png_figures")
def test_helper_writes_png_alone_when_this_process_does(tmp_path: Path) -> None:
    assert _flow_files(tmp_path / "out") == ["flow.png"]
    assert sorted(p.name for p in (tmp_path / "out" / "figures").iterdir()) == ["flow.png"]


def test_helper_writes_every_format_by_default(tmp_path: Path) -> None:
    assert _flow_files(tmp_path / "out") == sorted(f"flow.{fmt}" for fmt in FORMATS)
