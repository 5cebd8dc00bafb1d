"""Write a figure as PNG, PDF and SVG (or TIFF and EPS) at journal column widths."""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

import hashlib
import io
import threading
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Final, Literal

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import plotnine as p9
from matplotlib.colors import to_rgba, to_rgba_array

from escalation.errors import DesignError
from escalation.figures.theme import ColumnWidth, width_mm

__all__ = [
    "FORMATS",
    "JOURNAL_FORMATS",
    "PNG_COMPRESSION",
    "asked_size",
    "drawn",
    "save_figure",
    "write_figure",
]

#: Formats :func:`save_figure` writes by default (and the studies write).
FORMATS: Final = ("png", "pdf", "svg")
#: Formats journals ask for besides: TIFF (LZW-compressed RGB, 300–600 dpi: PLOS,
#: Elsevier) and EPS (vector, fonts embedded).
JOURNAL_FORMATS: Final = ("tiff", "eps")

Format = Literal["png", "pdf", "svg", "tiff", "eps"]

_MM_PER_INCH: Final = 25.4
#: Metadata cleared so that the same figure gives the same bytes on every run.
_METADATA: Final = {
    "png": {"Software": None},
    "pdf": {"CreationDate": None, "Producer": None, "Creator": None},
    "svg": {"Date": None, "Creator": None},
    "eps": {"Creator": "escalation"},  # and no %%CreationDate (see _write_eps)
}
#: How PNG is compressed (Pillow's zlib level): 3, the last of zlib's fast levels, takes
#: two thirds of the CPU of Pillow's default 6 for files about 7% larger; the pixels are
#: the same (PNG is lossless).
PNG_COMPRESSION: Final = {"compress_level": 3}
#: The house settings every figure is drawn and written with.
_RC: Final[dict[Any, Any]] = {
    "svg.hashsalt": "escalation",
    "pdf.fonttype": 42,
    "svg.fonttype": "path",
    "ps.fonttype": 42,
}
#: Font tables left out of the TrueType fonts embedded in PDF: text shaping (GSUB, GPOS,
#: GDEF, kern) and math layout (MATH). A PDF places every glyph itself, so no reader uses
#: them; reading and subsetting them was most of the time spent writing a PDF.
_UNUSED_IN_PDF: Final = ("GSUB", "GPOS", "GDEF", "MATH", "kern")
#: Held while a figure is drawn or written under :data:`_RC`: matplotlib's settings are
#: global, and a thread leaving its ``rc_context`` restored them while another thread was
#: still writing (whose PDF then embedded Type 3 fonts).
_rc_lock = threading.RLock()
_lean_lock = threading.Lock()
_lean_users = 0
_lean_saved: list[str] = []
_lean_loader: Any = None
#: The bounding box of all the glyphs of each font embedded in an EPS, by a digest of the
#: font's tables (:func:`_font_bounds`).
_font_bounds_by_digest: dict[bytes, Any] = {}
_font_bounds_lock = threading.Lock()


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
    TrueType in PDF and EPS (the glyphs used, with their outlines and metrics: Type 42
    in PostScript) and as paths in SVG, and time stamps are left out, so the same
    figure gives the same files on every run. A title, subtitle or caption wider than the
    figure (matplotlib wraps none) is wrapped into lines where it is drawn, and the figure
    made taller by the lines added unless ``height_mm`` is given.

    ``formats=("pdf", "tiff", "eps")`` writes what journals ask for: TIFF is RGB (the
    figure on white), LZW-compressed, with its resolution (``dpi``) in the file; EPS is
    vector PostScript, which has no transparency, so partly transparent areas
    (confidence bands) are blended with the panel beneath them (where two bands
    overlap, the later one hides the other: use PDF or TIFF for such figures).

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
    formats : sequence of {"png", "pdf", "svg", "tiff", "eps"}
        Formats to write (default :data:`FORMATS`: png, pdf, svg).
    dpi : int, default 300
        Resolution of the PNG and TIFF (journals ask for 300–600 dpi).

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
    _check_formats(formats)
    with drawn(plot, width=width, height_mm=height_mm, dpi=dpi, measured=False) as figure:
        return write_figure(figure, path_stem, formats=formats, dpi=dpi)


@contextmanager
def drawn(
    plot: p9.ggplot,
    *,
    width: ColumnWidth | float = "single",
    height_mm: float | None = None,
    dpi: int = 300,
    measured: bool = True,
) -> Iterator[Any]:
    """Draw ``plot`` at a journal width; yield the matplotlib figure, closed afterwards.

    What :func:`save_figure` writes, for callers that also want the drawn figure (the
    pipeline renders the brief's screen image from it rather than drawing it again): its
    titles wrapped to its width as there.

    Parameters
    ----------
    plot : plotnine.ggplot
        The figure.
    width, height_mm, dpi
        As for :func:`save_figure`.
    measured : bool, default True
        Draw the laid-out figure once without output, so that its artists' positions and
        extents can be read from it (checks of where labels fall). False only lays it out
        (:func:`lay_out`), which is all writing its files needs: the same files, for
        about 5% less CPU.

    Yields
    ------
    matplotlib.figure.Figure
    """
    _, figure = _draw(plot, width=width, height_mm=height_mm, dpi=dpi, measured=measured)
    try:
        yield figure
    finally:
        plt.close(figure)


def _draw(
    plot: p9.ggplot,
    *,
    width: ColumnWidth | float,
    height_mm: float | None,
    dpi: int,
    measured: bool = True,
) -> tuple[p9.ggplot, Any]:
    """Draw ``plot`` as :func:`drawn` does; return the plot as drawn and its open figure.

    The plot drawn is a sized copy of ``plot`` (which is left as it was); drawing builds
    its layers, whose data then hold the mapped colours, shapes and positions.
    """
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
    sized: Any = plot + p9.theme(figure_size=(w, h), dpi=dpi)
    with _rc_lock, mpl.rc_context(_RC):
        figure = sized.draw()
        lay_out(figure, measured=measured)
        titles = _Titles()
        # matplotlib wraps no title: one that runs off the figure is wrapped and the figure
        # drawn again, taller by the lines added unless its height was given; again if a
        # line still runs off (a panel of fixed shape starts further in once shorter).
        for _ in range(_WRAP_ATTEMPTS):
            if not titles.wrap(plot, sized, figure):
                break
            plt.close(figure)
            taller = h + (titles.added_pt / 72.0 if height_mm is None else 0.0)
            sized = plot + p9.theme(figure_size=(w, taller), dpi=dpi)
            sized += titles.additions()
            figure = sized.draw()
            lay_out(figure, measured=measured)
    _ASKED[figure] = (w, h)
    return sized, figure


#: The size each drawn figure was asked for (inches, before titles wrapped made it taller).
_ASKED: weakref.WeakKeyDictionary[Any, tuple[float, float]] = weakref.WeakKeyDictionary()


def asked_size(figure: Any) -> tuple[float, float]:
    """Return the size (inches) ``figure`` was drawn for by :func:`drawn`.

    The width and the height from the plot's theme or ``height_mm``, before a wrapped
    title made the figure taller: two drawings of a plot asked for the same size are the
    same. A figure drawn otherwise gives its own size.

    Examples
    --------
    >>> import pandas as pd
    >>> from escalation.figures import plot_hazard_ratios
    >>> plot = plot_hazard_ratios(pd.DataFrame({"term": ["age"], "estimate": [0.8],
    ...     "conf_low": [0.7], "conf_high": [0.9]}), title="A long title " * 8)
    >>> with drawn(plot, width=85.0, height_mm=50.8, dpi=30, measured=False) as figure:
    ...     [round(x, 2) for x in asked_size(figure)]
    [3.35, 2.0]
    """
    if figure in _ASKED:
        return _ASKED[figure]
    width, height = figure.get_size_inches()
    return float(width), float(height)


#: The labels above and beneath the panels that a figure's width may cut off.
_TITLES: Final = ("title", "subtitle", "caption")
#: How many times a figure is drawn again with its titles wrapped, at most.
_WRAP_ATTEMPTS: Final = 3
#: The share of the room a wrapped title's line may take as measured: drawn text is up to
#: 3.5% wider than its outlines (hinting at 100 dpi).
_DRAWN_SHARE: Final = 0.96
#: A title wrapped where it starts (at the panel, after the y axis) when that leaves it
#: this share of the figure's width; else from the figure's left edge, as the caption.
_PANEL_ROOM_SHARE: Final = 0.6


class _Titles:
    """The titles of a figure wrapped to its width, and the height their new lines add."""

    def __init__(self) -> None:
        self.lines: dict[str, str] = {}
        self.added_pt = 0.0
        self.from_edge = False

    def additions(self) -> list[Any]:
        """Return the labels wrapped and, if they start there, the titles at the left edge."""
        edge = [p9.theme(plot_title_position="plot")] if self.from_edge else []
        return [*edge, p9.labs(**self.lines)]

    def wrap(self, plot: p9.ggplot, sized: Any, figure: Any) -> bool:
        """Wrap the title, subtitle and caption that run off ``figure``; return if any did.

        Each is measured where the laid-out figure draws it; one reaching beyond the
        figure's right edge is wrapped (:func:`~escalation.figures._labels.wrap_words`,
        from the text ``plot`` gives) into lines that fit between where it starts and
        that edge, or from the left edge when where it starts leaves too little room.
        """
        from escalation.figures._labels import wrap_words

        renderer = figure._get_renderer()
        margin = float(sized.theme.themeables.property("plot_margin")) * figure.bbox.width
        changed = False
        for name in _TITLES:
            artist = getattr(sized.theme.targets, f"plot_{name}", None)
            if artist is None or not artist.get_text():
                continue
            shown = artist.get_text()
            box = artist.get_window_extent(renderer)
            if box.x1 <= figure.bbox.x1:
                continue
            right = figure.bbox.x1 - margin
            if name != "caption" and right - box.x0 < _PANEL_ROOM_SHARE * figure.bbox.width:
                self.from_edge = True
            start = figure.bbox.x0 + margin if self.from_edge else box.x0
            room_pt = _DRAWN_SHARE * (right - start) * 72.0 / figure.dpi
            size = float(artist.get_fontsize())
            bold = artist.get_fontweight() in ("bold", 700)
            text = str(plot.labels.get(name, shown))
            lines = wrap_words(text, room_pt, size_pt=size, bold=bold)
            self.added_pt += (lines.count("\n") - str(shown).count("\n")) * size * _LINE_SPACING
            self.lines[name] = lines
            changed = True
        return changed


#: matplotlib's spacing of the lines of a text, in multiples of its size.
_LINE_SPACING: Final = 1.2


def lay_out(figure: Any, *, measured: bool = False) -> None:
    """Place a drawn plot's panels, legends and titles once, for every file written from it.

    plotnine's layout engine places them when the figure is first drawn, and matplotlib
    runs it again before writing each format (a full draw without output: a quarter of
    the time of writing PNG, PDF and SVG). It runs once here, at the figure's
    resolution, and is then removed, so that every format is written from that layout.
    The engine is run by itself, as matplotlib runs it at the start of a draw: the rest
    of a draw without output (every artist measured and placed, then drawn again when a
    file is written) changed nothing in the files and took about 5% of a figure's CPU.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        A figure from ``ggplot.draw()``, not yet drawn.
    measured : bool, default False
        Run the engine in a whole draw without output instead, after which every
        artist's position and extent can be read from the figure (before a draw, an
        axes' active position, and so its data's place, is the one before the layout).
    """
    engine = figure.get_layout_engine()
    if measured:
        figure.draw_without_rendering()  # runs the engine first
    elif engine is not None and figure.axes:
        with suppress(ValueError):  # as matplotlib's Figure.draw does
            engine.execute(figure)
    with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        figure.set_layout_engine(None)  # no engine: matplotlib does not lay it out again


def write_figure(
    figure: Any,
    path_stem: str | Path,
    *,
    formats: Sequence[Format] = FORMATS,
    dpi: int = 300,
) -> list[Path]:
    """Write a figure drawn by :func:`drawn` to ``path_stem`` in each of ``formats``.

    Figures may be drawn and written from several threads: one at a time, since
    matplotlib's settings are global.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
        The drawn figure.
    path_stem : str or Path
        Output path without extension; folders are created.
    formats, dpi
        As for :func:`save_figure`.

    Returns
    -------
    list of Path
        The files written.
    """
    _check_formats(formats)
    stem = Path(path_stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with _rc_lock, mpl.rc_context(_RC), _lean_font_subsets():
        for fmt in formats:
            path = stem.with_name(f"{stem.name}.{fmt}")
            if fmt == "tiff":
                _write_tiff(figure, path, dpi)
            elif fmt == "eps":
                _write_eps(figure, path, dpi)
            else:
                figure.savefig(path, format=fmt, dpi=dpi, metadata=_METADATA[fmt], **_extra(fmt))
            written.append(path)
    return written


def _extra(fmt: str) -> dict[str, Any]:
    """Return the further arguments of ``savefig`` for ``fmt``: PNG's compression."""
    return {"pil_kwargs": dict(PNG_COMPRESSION)} if fmt == "png" else {}


def _write_tiff(figure: Any, path: Path, dpi: int) -> None:
    """Write ``figure`` as an LZW-compressed RGB TIFF at ``dpi`` (the figure on white)."""
    from PIL import Image

    buffer = io.BytesIO()  # read back at once: not compressed
    figure.savefig(
        buffer, format="png", dpi=dpi, metadata=_METADATA["png"], pil_kwargs={"compress_level": 0}
    )
    buffer.seek(0)
    with Image.open(buffer) as image:
        rgba = image.convert("RGBA")
    white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    rgb = Image.alpha_composite(white, rgba).convert("RGB")
    rgb.save(path, format="TIFF", compression="tiff_lzw", dpi=(dpi, dpi))


def _write_eps(figure: Any, path: Path, dpi: int) -> None:
    """Write ``figure`` as EPS: opaque colours (:func:`_opaque`), fonts embedded.

    matplotlib writes the time as a ``%%CreationDate`` comment (optional in EPS); it is
    left out, so the same figure gives the same file. The file ends with the ``%%EOF``
    comment of the Document Structuring Conventions, which matplotlib does not write
    and some journals' checkers look for.
    """
    with _opaque(figure), _bounds_computed_once():
        figure.savefig(path, format="eps", dpi=dpi, metadata=_METADATA["eps"])
    content = path.read_bytes()
    header, separator, rest = content.partition(b"%%EndComments")
    dated = b"\n".join(
        line for line in header.split(b"\n") if not line.startswith(b"%%CreationDate")
    )
    ending = b"" if rest.rstrip().endswith(b"%%EOF") else b"%%EOF\n"
    path.write_bytes(dated + separator + rest + ending)


def _blend(colours: Any, beneath: tuple[float, ...]) -> Any:
    """Return RGBA ``colours`` made opaque by blending them over ``beneath``.

    Fully transparent colours stay so (PostScript leaves them out, as other formats do).
    """
    rgba = to_rgba_array(colours).copy()
    alpha = rgba[:, 3:4]
    partly = (alpha > 0) & (alpha < 1)
    blended = rgba[:, :3] * alpha + np.asarray(beneath[:3]) * (1 - alpha)
    rgba[:, :3] = np.where(partly, blended, rgba[:, :3])
    rgba[:, 3:4] = np.where(partly, 1.0, alpha)
    return rgba


def _beneath(artist: Any, figure: Any) -> tuple[float, ...]:
    """Return the opaque colour under ``artist``: its panel's, else the page's, else white."""
    for colour in (
        getattr(artist.axes, "get_facecolor", lambda: None)() if artist.axes else None,
        figure.get_facecolor(),
    ):
        if colour is not None and to_rgba(colour)[3] == 1:
            return to_rgba(colour)
    return (1.0, 1.0, 1.0, 1.0)


@contextmanager
def _opaque(figure: Any) -> Iterator[None]:
    """Blend the figure's partly transparent faces, edges and lines with what is beneath.

    PostScript has no transparency: matplotlib draws a partly transparent artist (a
    confidence band at alpha 0.2) opaque, hiding the curves under it. Blended with the
    panel beneath, the band looks as it does on screen. Restored afterwards, for the
    other formats written from the same figure.
    """
    from matplotlib.collections import Collection
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    restore: list[Any] = []
    for artist in figure.findobj(lambda a: isinstance(a, Collection | Patch | Line2D)):
        beneath = _beneath(artist, figure)
        alpha = artist.get_alpha()
        if isinstance(artist, Line2D):
            colour = to_rgba(artist.get_color(), alpha)
            if 0 < colour[3] < 1:
                restore.append((artist.set_color, artist.get_color(), artist, alpha))
                artist.set_alpha(None)
                artist.set_color(tuple(_blend([colour], beneath)[0]))
            continue
        face, edge = artist.get_facecolor(), artist.get_edgecolor()
        if not (_partly(face) or _partly(edge)):
            continue
        restore.append((artist.set_facecolor, face, artist, alpha))
        restore.append((artist.set_edgecolor, edge, artist, alpha))
        artist.set_alpha(None)
        single = isinstance(artist, Patch)
        for setter, colours in ((artist.set_facecolor, face), (artist.set_edgecolor, edge)):
            blended = _blend(colours, beneath)
            setter(tuple(blended[0]) if single else blended)
    try:
        yield
    finally:
        for setter, value, artist, alpha in reversed(restore):
            artist.set_alpha(alpha)
            setter(value)


def _partly(colours: Any) -> bool:
    alpha = to_rgba_array(colours)[:, 3]
    return bool(((alpha > 0) & (alpha < 1)).any())


def _check_formats(formats: Sequence[str]) -> None:
    supported = (*FORMATS, *JOURNAL_FORMATS)
    unknown = [f for f in formats if f not in supported]
    if unknown or not formats:
        raise DesignError(
            f"figure formats {unknown or list(formats)} are not supported; "
            f"use some of {', '.join(supported)}"
        )


@contextmanager
def _lean_font_subsets() -> Iterator[None]:
    """Leave :data:`_UNUSED_IN_PDF` out of the fonts fontTools subsets for embedding.

    matplotlib subsets each font it embeds in a PDF with fontTools, which otherwise
    reads and subsets the font's text-shaping tables (DejaVu Sans has large ones) only
    to embed tables no PDF reader uses. While the figure is written, fontTools' default
    list of dropped tables is extended, and the fonts it loads for subsetting have those
    tables removed unread (:func:`_load_font_lean`): fontTools 4.69's subsetter
    reads a font's GDEF, GSUB and GPOS before it drops them (about 8% of writing a PDF).
    Both are held by a lock and a count, so overlapping writers in threads restore them
    once, after the last.
    """
    global _lean_users, _lean_saved, _lean_loader
    from fontTools import subset

    with _lean_lock:
        if _lean_users == 0:
            _lean_saved = list(subset.Options._drop_tables_default)
            subset.Options._drop_tables_default = _lean_saved + [
                t for t in _UNUSED_IN_PDF if t not in _lean_saved
            ]
            _lean_loader = subset.load_font
            subset.load_font = _load_font_lean
        _lean_users += 1
    try:
        yield
    finally:
        with _lean_lock:
            _lean_users -= 1
            if _lean_users == 0:
                subset.Options._drop_tables_default = _lean_saved
                subset.load_font = _lean_loader


def _load_font_lean(font_file: Any, options: Any, *args: Any, **kwargs: Any) -> Any:
    """Load a font as fontTools' ``subset.load_font`` does, without the tables it drops.

    Of :data:`_UNUSED_IN_PDF`, those ``options`` drop are removed before any is read (the
    font is read lazily, a table when first asked for); the subset is the same font.
    """
    font = _lean_loader(font_file, options, *args, **kwargs)
    for tag in _UNUSED_IN_PDF:
        if tag in options.drop_tables and tag in font:
            del font[tag]
    return font


@contextmanager
def _bounds_computed_once() -> Iterator[None]:
    """Measure each font's bounding box once while an EPS is written (:func:`_font_bounds`).

    matplotlib's PostScript backend is given :func:`_font_bounds` for its own measure,
    which is restored afterwards. Held under :data:`_rc_lock` (as every write is), so
    writers in threads do not interleave; the box is the one matplotlib computes, so an
    EPS is the same file.
    """
    from matplotlib.backends import backend_ps

    own = getattr(backend_ps, "_bounds", None)
    if own is None:  # another matplotlib: it measures as it does (the same file, slower)
        yield
        return

    def stand_in(*args: Any, **kwargs: Any) -> Any:
        # called otherwise than with one font (another matplotlib): matplotlib's own
        if len(args) != 1 or kwargs:
            return own(*args, **kwargs)
        return _font_bounds(args[0], measure=own)

    backend_ps._bounds = stand_in
    try:
        yield
    finally:
        backend_ps._bounds = own


def _font_bounds(font: Any, measure: Callable[[Any], Any]) -> Any:
    """Return ``measure(font)``, the bounding box of all of ``font``'s glyphs, once per font.

    matplotlib's PostScript backend writes each embedded font's bounding box over every
    glyph of the whole font (DejaVu Sans has about 6,000), not only those the figure
    uses: drawing them all was about four fifths of writing an EPS. The box is kept
    under a digest of the bytes of every table of the font file, so a font file changed
    (or another at the same path) is measured afresh. A font not read from a file is
    measured every time.

    Parameters
    ----------
    font : fontTools.ttLib.TTFont
        The font as matplotlib opened it from its file (read, not changed).
    measure : callable
        matplotlib's own measure (``matplotlib.backends.backend_ps._bounds``).

    Returns
    -------
    tuple of float
        ``(xMin, yMin, xMax, yMax)``, as ``measure`` gives it.
    """
    reader = getattr(font, "reader", None)
    if reader is None:
        return measure(font)
    digest = hashlib.sha256()
    for tag in sorted(reader.keys()):
        data = reader[tag]
        digest.update(f"{tag}:{len(data)}:".encode("latin-1"))
        digest.update(data)
    key = digest.digest()
    with _font_bounds_lock:
        if key not in _font_bounds_by_digest:
            _font_bounds_by_digest[key] = measure(font)
        return _font_bounds_by_digest[key]
