"""The brief at desktop, tablet and phone widths in headless Chromium, measured in the page.

Headless Chromium's window is at least 500 px wide, so the brief is loaded into an
``<iframe>`` of the width tested (its media queries see that width). A script added to
a copy of the brief measures, after the page has loaded, whether
anything is wider than the viewport (``scrollWidth`` against ``clientWidth`` of the
document and of every element), the smallest computed font size of visible text, and
for every figure the size at which its smallest text (7 pt at print size) is drawn on
screen: ``7 / 72 * dpi * displayed width / image width`` CSS pixels. The frame posts its
results to the host page, and Chromium's ``--dump-dom`` prints the host page after they
have been written into it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from escalation.figures import MIN_FONT_PT
from escalation.report.brief import write_brief
from tests.report.report_support import example_brief

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed")

#: Smallest readable sizes in CSS pixels: page text, and figure text on screen.
MIN_TEXT_PX = 12.0
MIN_FIGURE_TEXT_PX = 9.0
DPI = 200  # the brief's default

MEASURE = """
<script>
window.addEventListener("load", () => {
  const doc = document.documentElement;
  const view = doc.clientWidth;
  const wide = [];
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (box.width > 0 && box.right > view + 1 && !el.closest(".table-wrap")) {
      wide.push(el.tagName + "." + el.className);
    }
  }
  let smallest = 1e9;
  const texts = "p, li, th, td, dt, dd, figcaption, h1, h2, h3";
  for (const el of document.body.querySelectorAll(texts)) {
    if (el.getClientRects().length && el.textContent.trim()) {
      smallest = Math.min(smallest, parseFloat(getComputedStyle(el).fontSize));
    }
  }
  const figures = [];
  for (const img of document.querySelectorAll("figure img")) {
    const dpi = parseFloat(img.dataset.dpi || %(dpi)s);
    figures.push({
      shown: img.clientWidth,
      natural: img.naturalWidth,
      text_px: %(pt)s / 72 * dpi * img.clientWidth / img.naturalWidth,
    });
  }
  parent.postMessage(JSON.stringify({
    view, scroll: doc.scrollWidth, wide: wide.slice(0, 5), smallest, figures
  }), "*");
});
</script>
"""

HOST = """<!DOCTYPE html><html><body style="margin:0">
<iframe src="probe.html" style="width:%(width)dpx;height:%(height)dpx;border:0"></iframe>
<script>
window.addEventListener("message", (event) => {
  const out = document.createElement("pre");
  out.id = "layout-check";
  out.textContent = event.data;
  document.body.appendChild(out);
});
</script></body></html>"""


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("brief_widths")
    brief = write_brief(example_brief(with_policy=True), folder / "brief.html", dpi=DPI)
    html = brief.read_text(encoding="utf-8")
    probe = folder / "probe.html"
    probe.write_text(
        html.replace("</body>", MEASURE % {"pt": MIN_FONT_PT, "dpi": DPI} + "</body>"),
        encoding="utf-8",
    )
    return probe


def measure(page: Path, width: int, height: int, profile: Path) -> dict[str, object]:
    assert CHROMIUM is not None
    host = page.with_name(f"host_{width}.html")
    host.write_text(HOST % {"width": width, "height": height}, encoding="utf-8")
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            "--allow-file-access-from-files",
            f"--window-size={max(width, 1400) + 40},{height + 40}",
            "--virtual-time-budget=10000",
            "--dump-dom",
            host.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        text=True,
    )
    found = re.search(r'<pre id="layout-check">(.*?)</pre>', result.stdout, re.S)
    assert found, "the measuring script did not run"
    return json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))


@pytest.mark.parametrize(
    "size", [(1366, 900), (768, 1024), (400, 800)], ids=["desktop", "tablet", "phone"]
)
def test_report_brief_fits_the_screen(page: Path, size: tuple[int, int], tmp_path: Path) -> None:
    layout = measure(page, *size, tmp_path / "profile")
    assert layout["view"] == size[0]
    # No horizontal overflow of the page, nor of any element (wide tables scroll inside
    # their own box).
    assert layout["scroll"] <= layout["view"], layout
    assert layout["wide"] == [], layout
    assert float(layout["smallest"]) >= MIN_TEXT_PX, layout  # type: ignore[arg-type]
    figures = layout["figures"]
    assert isinstance(figures, list) and len(figures) == 6  # five figures and the policy section's
    for figure in figures:
        assert figure["shown"] <= layout["view"]
        assert figure["text_px"] >= MIN_FIGURE_TEXT_PX, (size, figure)
