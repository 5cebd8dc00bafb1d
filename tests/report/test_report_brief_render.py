"""Render the brief in headless Chromium: laptop screenshots and a printed PDF.

Skipped when Chromium is not installed (``apt-get install -y chromium``). To keep the
images for a look, set ``ESCALATION_BRIEF_RENDER_DIR=some/folder``.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pytest

from escalation.report.brief import write_brief
from tests.report.report_support import demo_front, example_brief

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")


def chromium(*args: str) -> None:
    assert CHROMIUM is not None
    subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            "--disable-dev-shm-usage",
            *args,
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    keep = os.environ.get("ESCALATION_BRIEF_RENDER_DIR")
    folder = Path(keep) if keep else tmp_path_factory.mktemp("brief")
    folder.mkdir(parents=True, exist_ok=True)
    return write_brief(example_brief(), folder / "brief.html", dpi=150)


@pytest.mark.parametrize("size", [(1366, 768), (1440, 900)])
def test_report_brief_screenshot_on_a_laptop(rendered: Path, size: tuple[int, int]) -> None:
    width, height = size
    shot = rendered.with_name(f"brief_{width}x{height}.png")
    chromium(f"--window-size={width},{height}", f"--screenshot={shot}", rendered.as_uri())
    image = mpimg.imread(shot)
    assert image.shape[:2] == (height, width)
    # The text column is centred with white margins, and the page is not blank.
    ink = image[..., :3].mean(axis=-1) < 0.5
    columns = np.flatnonzero(ink.any(axis=0))
    assert columns.min() > 0.1 * width and columns.max() < 0.9 * width
    assert ink.mean() > 0.01


def test_report_brief_prints_to_pdf(rendered: Path) -> None:
    pdf = rendered.with_name("brief.pdf")
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", rendered.as_uri())
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    pages = data.count(b"/Type /Page") - data.count(b"/Type /Pages")
    assert 2 <= pages <= 8
    # A4 pages (595 x 842 points).
    assert b"/MediaBox [0 0 595" in data or b"/MediaBox [0 0 594" in data


def test_report_brief_prints_the_key_caveats_reason(tmp_path: Path) -> None:
    """The reason behind the key caveat is behind "Why" on phones; printed, it is there."""
    from pdfminer.high_level import extract_text

    brief = dataclasses.replace(demo_front(example_brief()), figures=())
    page = write_brief(brief, tmp_path / "brief.html", dpi=30)
    pdf = tmp_path / "brief.pdf"
    chromium("--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    text = " ".join(extract_text(pdf).split())
    box = text[text.index("Read with this caveat.") : text.index("Escalation within 365 days")]
    assert "within the 14-day grace period, before they could have received it" in box, box
    assert not re.search(r"\bWhy\b", box), box
