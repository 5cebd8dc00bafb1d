"""The figure examples in docs/figures.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import plotnine as p9

DOC = Path(__file__).resolve().parents[2] / "docs" / "figures.md"


def test_figures_docs_gallery_examples_run() -> None:
    text = DOC.read_text(encoding="utf-8")
    gallery = text[text.index("## Gallery") : text.index("## Table 1")]
    blocks = re.findall(r"```python\n(.*?)```", gallery, re.S)
    assert len(blocks) >= 8
    namespace: dict[str, object] = {}
    drawn = 0
    for block in blocks:
        for statement in block.strip().split("\n\n"):
            lines = statement.strip()
            if lines.startswith(("from ", "import ", "f = ")):
                exec(lines, namespace)
                continue
            for call in re.split(r"\n(?=plot_)", lines):
                plot = eval(call, namespace)
                assert isinstance(plot, p9.ggplot)
                drawn += 1
    assert drawn >= 15
