"""Figures written as PNG alone in tests whose checks do not depend on the file format.

A study writes each figure as PNG, PDF and SVG from one drawing; the PDF and SVG take about
half the time of writing a figure. Tests that check tables, notes, disclosure or the PNG
alone ask for :func:`png_figures` (the ``png_figures`` fixture of ``tests/conftest.py``, or
the context manager around a module-scoped study). The three formats stay tested where
they are the point: ``tests/figures/test_figures_save.py`` (all three, byte-for-byte
reproducible), ``tests/figures/test_figures_fonts.py`` (the PDF of every figure), and the
studies of ``tests/report/test_report_pipeline.py`` (manifest, helper process) and the
end-to-end demos (``tests/report/test_report_demo.py``, the federated demo), which write
every format.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def png_figures() -> Iterator[None]:
    """While the block runs, figures are written as PNG unless a caller names formats.

    The default ``formats`` of :mod:`escalation.figures.save`'s writers is changed in
    this process only (a figure helper process writes every format).
    """
    from escalation.figures import save

    writers = [
        writer
        for writer in (getattr(save, name, None) for name in ("save_figure", "write_figure"))
        if writer is not None and "formats" in (writer.__kwdefaults__ or {})
    ]
    assert writers, "escalation.figures.save has no writer with a formats= default"
    before = [writer.__kwdefaults__["formats"] for writer in writers]
    for writer in writers:
        writer.__kwdefaults__["formats"] = ("png",)
    try:
        yield
    finally:
        for writer, formats in zip(writers, before, strict=True):
            writer.__kwdefaults__["formats"] = formats
