"""Draw every figure kind from the illustrative example frames into ``docs/img/``.

Run from the repository root::

    .venv/bin/python scripts/make_figure_gallery.py

The PNGs (150 dpi) illustrate ``docs/figures.md``; the numbers in them are made up
(:func:`escalation.figures._examples.example_frames`), never results. The set of figures
is :func:`escalation.figures._examples.example_figures`, the same the image snapshots and
the font-size check draw.
"""

from __future__ import annotations

from pathlib import Path

from escalation.figures import save_figure
from escalation.figures._examples import example_figures

OUT = Path(__file__).resolve().parents[1] / "docs" / "img"


def main() -> None:
    """Write one PNG per figure kind."""
    OUT.mkdir(parents=True, exist_ok=True)
    for name, (plot, width) in example_figures().items():
        save_figure(plot, OUT / name, width=width, formats=["png"], dpi=150)  # type: ignore[arg-type]
        print(f"wrote docs/img/{name}.png")


if __name__ == "__main__":
    main()
