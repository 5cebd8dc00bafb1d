"""Write a figure as PNG, PDF and SVG at journal column widths."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final, Literal

import matplotlib as mpl
import matplotlib.pyplot as plt
import plotnine as p9

from escalation.errors import DesignError
from escalation.figures.theme import ColumnWidth, width_mm

__all__ = ["FORMATS", "save_figure"]

#: Formats :func:`save_figure` can write.
FORMATS: Final = ("png", "pdf", "svg")

Format = Literal["png", "pdf", "svg"]

_MM_PER_INCH: Final = 25.4
#: Metadata cleared so that the same figure gives the same bytes on every run.
_METADATA: Final = {
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "Producer": None, "Creator": None},
    "svg": {"Date": None, "Creator": None},
}


def save_figure(
    plot: p9.ggplot,
    path_stem: str | Path,
    *,
    width: ColumnWidth | float = "single",
    height_mm: float | None = None,
    formats: Sequence[Format] = FORMATS,
    dpi: int = 300,
) -> list[Path]:
    """Write ``plot`` to ``path_stem.png``, ``.pdf`` and ``.svg`` at a journal width.

    The figure is drawn once and written in every format; fonts are embedded as
    TrueType in PDF and as paths in SVG, and time stamps are left out, so the same
    figure gives the same files on every run.

    Parameters
    ----------
    plot : plotnine.ggplot
        The figure (from any ``plot_*`` function).
    path_stem : str or Path
        Output path without extension; folders are created.
    width : {"single", "double"} or float, default "single"
        85 mm, 178 mm, or millimetres.
    height_mm : float, optional
        Height in millimetres (default: the height set by the figure's theme).
    formats : sequence of {"png", "pdf", "svg"}
        Formats to write.
    dpi : int, default 300
        Resolution of the PNG.

    Returns
    -------
    list of Path
        The files written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from escalation.figures import plot_hazard_ratios
    >>> effects = pd.DataFrame({"term": ["treatment"], "estimate": [0.8],
    ...                         "conf_low": [0.7], "conf_high": [0.92]})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     plot = plot_hazard_ratios(effects)
    ...     paths = save_figure(plot, f"{folder}/hr", formats=["png"], dpi=72)
    ...     [p.name for p in paths]
    ['hr.png']
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise DesignError(
            f"figure formats {unknown or list(formats)} are not supported; "
            f"use some of {', '.join(FORMATS)}"
        )
    if dpi <= 0:
        raise DesignError(f"dpi must be positive, got {dpi}")
    w = width_mm(width) / _MM_PER_INCH
    if height_mm is None:
        size = plot.theme.themeables.property("figure_size") if plot.theme else None
        h = float(size[1]) if size else w * 0.75
    else:
        if height_mm <= 0:
            raise DesignError(f"figure height must be positive millimetres, got {height_mm}")
        h = float(height_mm) / _MM_PER_INCH
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    sized: Any = plot + p9.theme(figure_size=(w, h), dpi=dpi)
    written: list[Path] = []
    with mpl.rc_context({"svg.hashsalt": "escalation", "pdf.fonttype": 42, "svg.fonttype": "path"}):
        figure = sized.draw()
        try:
            for fmt in formats:
                path = stem.with_name(f"{stem.name}.{fmt}")
                figure.savefig(path, format=fmt, dpi=dpi, metadata=_METADATA[fmt])
                written.append(path)
        finally:
            plt.close(figure)
    return written
