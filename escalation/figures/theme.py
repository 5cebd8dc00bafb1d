"""One journal-ready look for every figure: font, sizes and a colour-blind-safe palette.

The font is pinned to DejaVu Sans, which ships with matplotlib, so figures render the
same on every machine (and image snapshots in the tests stay comparable). Colours come
from the Okabe–Ito palette (Okabe & Ito, 2008), distinguishable under the common forms
of colour-vision deficiency.
"""

# plotnine constructors (aes, theme, geoms) are unannotated: calls to them are untyped.
# mypy: disable-error-code="no-untyped-call, no-any-return"

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal, TypeVar

import plotnine as p9

from escalation.timeline.labels import ARM_LABELS

__all__ = [
    "ANNOTATION_PT",
    "ARM_COLOURS",
    "ARM_LINETYPES",
    "CENSOR_MARK",
    "COLUMN_WIDTH_MM",
    "DIFFERENT_FROM_ARMS",
    "ESTIMATOR_INKS",
    "FONT_FAMILY",
    "GREY",
    "GROUP_HUES",
    "INK",
    "LINETYPES",
    "LINE_KEY_PT",
    "MIN_FONT_PT",
    "OKABE_ITO",
    "SERIES_HUES",
    "SHAPES",
    "SIMULATED_NOTE",
    "ColumnWidth",
    "LineType",
    "colour_map",
    "estimator_inks",
    "figure_note",
    "group_colours",
    "group_linetypes",
    "group_shapes",
    "linetype_map",
    "near_arm_colour",
    "palette",
    "scale_colour_escalation",
    "scale_colour_estimators",
    "scale_colour_groups",
    "scale_fill_escalation",
    "scale_fill_estimators",
    "scale_fill_groups",
    "scale_linetype_estimators",
    "scale_linetype_groups",
    "scale_shape_groups",
    "secondary_pt",
    "series_hues",
    "theme_diagram",
    "theme_escalation",
    "title_pt",
    "width_mm",
    "with_note",
]

#: The font every figure uses (bundled with matplotlib, hence available everywhere).
FONT_FAMILY: Final = "DejaVu Sans"

#: The smallest text any figure may carry, in points at final print size.
MIN_FONT_PT: Final = 7.0
#: Text drawn inside panels (risk tables, flow boxes, labels), in points.
ANNOTATION_PT: Final = 7.5

#: Journal column widths in millimetres (single and double column).
COLUMN_WIDTH_MM: Final = {"single": 85.0, "double": 178.0}

ColumnWidth = Literal["single", "double"]

#: The Okabe–Ito palette, without black, in the order groups are coloured.
OKABE_ITO: Final = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#E69F00",  # orange
    "#CC79A7",  # reddish purple
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Marker shapes, in the order groups take them: a second cue beside colour, so that no
#: figure tells groups apart by colour alone. None is cross-like ("P" and "X", the filled
#: plus and cross, read as the censoring marks, :data:`CENSOR_MARK`, on curves by group).
SHAPES: Final = ("o", "s", "^", "D", "v", "<", ">", "*")

#: The marker of a censoring time on a survival or incidence curve (a plus, as R's
#: ``plot.survfit``): no group marker (:data:`SHAPES`) looks like it.
CENSOR_MARK: Final = "+"

#: A line type as plotnine takes it: a name or an ``(offset, (on, off, ...))`` dash pattern.
LineType = str | tuple[int, tuple[int, ...]]

#: Line types, in the order models take them (with :func:`linetype_map`): lines that
#: differ in colour differ in pattern too, for readers who cannot tell the colours apart
#: and for print in grey.
LINETYPES: Final[tuple[LineType, ...]] = (
    "solid",
    "dashed",
    "dotted",
    "dashdot",
    (0, (6, 2, 1, 2, 1, 2)),
    (0, (8, 3)),
    # Seven, not six: estimators and models take ESTIMATOR_INKS (six) with these in turn,
    # and a seventh level took the first's shade and line type both.
    (0, (10, 2, 2, 2)),
)

#: The width of a legend key that shows a line type's pattern, in points (the default key,
#: 11.5 pt, is too short to tell "dashdot" from "dashed").
LINE_KEY_PT: Final = 22.0

#: The colour of each treatment arm, the same in every figure (curves, balance, overlap,
#: restricted means): early help blue, no early help vermillion.
ARM_COLOURS: Final = {ARM_LABELS[1]: OKABE_ITO[0], ARM_LABELS[0]: OKABE_ITO[1]}

#: The line type of each treatment arm, the same in every figure that draws the arms as
#: lines (survival and incidence curves, adjusted and restricted-mean curves, densities):
#: early help solid, no early help dashed. Blue and vermillion are 8 apart in lightness
#: (L* 46.0 and 54.2), one grey in print: the arms are told apart by pattern as well.
ARM_LINETYPES: Final[dict[str, LineType]] = {ARM_LABELS[1]: "solid", ARM_LABELS[0]: "dashed"}

#: Neutral grey for reference lines and secondary marks.
GREY: Final = "#6E6E6E"

#: The colour of a figure's only series (a forest of one kind of estimate, a curve of a
#: difference, a mean): black, since blue and vermillion mean the arms in every figure.
INK: Final = "#000000"

#: The shades of estimators (IPW, AIPW, CCW, ...) and of the other levels a forest plot
#: dodges: black and greys, each one after another far from the last, the lightest at
#: least 3:1 against white. Never the arms' colours: a reader who has learned that blue and
#: vermillion mean early help and no early help would read two estimators as the arms.
#: Levels differ by marker shape as well (:data:`SHAPES`), so that no shade must be told
#: from its neighbour.
ESTIMATOR_INKS: Final = ("#000000", "#5E5E5E", "#8C8C8C", "#2E2E2E", "#767676", "#474747")

#: How far (CIE76 colour difference in CIELAB) a colour that is not an arm must stay from
#: each arm's colour. Sky blue (26 from the arms' blue) and orange (33 from their
#: vermillion) are nearer and read as the arms; bluish green (70) and greys (over 40) are
#: not.
DIFFERENT_FROM_ARMS: Final = 40.0

#: The fills of series that need more distinct hues than greys give (the stacked areas of
#: state occupation): the Okabe–Ito hues far from both arms' colours
#: (:func:`near_arm_colour`), then greys.
SERIES_HUES: Final = ("#009E73", "#CC79A7", "#F0E442", "#8C8C8C", "#5E5E5E", "#000000")

#: The colours of groups drawn like the arms that are not the arms (:func:`group_colours`):
#: bluish green, then greys and black, each at least 3:1 against white (reddish purple and
#: yellow are too light for the numbers of a risk table). Each differs in CIELAB lightness
#: from the next, and the last from the first, by at least 15 (L* 57.7, 39.9, 0, 49.6,
#: 30.2), so that neighbouring groups' risk-table numbers and points are told apart in
#: print in grey; no two are as light as each other (at least 8 apart) and only one is
#: near black. Groups differ by line type as well (:func:`group_linetypes`).
GROUP_HUES: Final = (SERIES_HUES[0], "#5E5E5E", "#000000", "#767676", "#474747")

# The colour rule, once for every figure
# --------------------------------------
# * The treatment arms, and only they, are blue (early help) and vermillion (no early
#   help): :data:`ARM_COLOURS`, :func:`group_colours`.
# * The arms are told apart by line type too (:data:`ARM_LINETYPES`: early help solid,
#   no early help dashed): their blue and vermillion are one grey in print.
# * Groups drawn like arms that are not the arms (curves by sex) take :data:`GROUP_HUES`,
#   :data:`LINETYPES` (:func:`group_linetypes`) and marker shapes (:func:`group_shapes`):
#   never shade alone.
# * Every other set of series (estimators, risk models, policy rules, before and after
#   weighting, the groups of a fairness figure) is black and greys (:data:`ESTIMATOR_INKS`,
#   :func:`estimator_inks`, :func:`colour_map`), told apart by marker shape
#   (:data:`SHAPES`) or line type (:data:`LINETYPES`) as well.
# * Where distinct hues are really needed (stacked areas), :func:`series_hues`: Okabe–Ito
#   hues other than the arms' and not near them (:func:`near_arm_colour`), then greys.

_MM_PER_INCH: Final = 25.4

_Value = TypeVar("_Value")


def _in_turn(levels: Sequence[object], values: Sequence[_Value]) -> dict[str, _Value]:
    """Give the distinct ``levels`` ``values`` in turn, in the order given (recycled)."""
    names = list(dict.fromkeys(str(v) for v in levels))
    return {n: values[i % len(values)] for i, n in enumerate(names)}


def _by_group(
    levels: Sequence[object], arms: Mapping[str, _Value], others: Sequence[_Value]
) -> dict[str, _Value]:
    """Give the arms their ``arms`` value and the other groups ``others`` in turn."""
    names = [str(v) for v in levels]
    rest = _in_turn([n for n in names if n not in arms], others)
    return {n: arms[n] if n in arms else rest[n] for n in names}


def _lab(colour: str) -> tuple[float, float, float]:
    """Return the CIELAB coordinates (D65 white) of a ``#RRGGBB`` colour."""
    rgb = [int(colour.lstrip("#")[i : i + 2], 16) / 255.0 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    xyz = (
        (0.4124 * lin[0] + 0.3576 * lin[1] + 0.1805 * lin[2]) / 0.95047,
        0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2],
        (0.0193 * lin[0] + 0.1192 * lin[1] + 0.9505 * lin[2]) / 1.08883,
    )
    f = [t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116 for t in xyz]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


def near_arm_colour(colour: str) -> bool:
    """Return whether ``colour`` is an arm's colour or a near shade of one.

    Near means a CIE76 colour difference below :data:`DIFFERENT_FROM_ARMS` from blue
    ``#0072B2`` or vermillion ``#D55E00`` (:data:`ARM_COLOURS`). A figure whose series are
    not the arms draws nothing in such a colour.

    Parameters
    ----------
    colour : str
        A ``#RRGGBB`` colour (``#RRGGBBAA`` is read without its alpha).

    Returns
    -------
    bool

    Examples
    --------
    >>> [near_arm_colour(c) for c in ("#0072B2", "#1980B9", "#56B4E9", "#E69F00")]
    [True, True, True, True]
    >>> [near_arm_colour(c) for c in ("#009E73", "#CC79A7", "#000000", "#8C8C8C")]
    [False, False, False, False]
    """
    here = _lab(str(colour)[:7])
    for arm in ARM_COLOURS.values():
        there = _lab(arm)
        if sum((a - b) ** 2 for a, b in zip(here, there, strict=True)) ** 0.5 < DIFFERENT_FROM_ARMS:
            return True
    return False


def series_hues(levels: Sequence[object]) -> dict[str, str]:
    """Return a distinct fill for each level that is not an arm, in the order given.

    For figures that need hues, not only greys (the stacked areas of state occupation):
    levels take :data:`SERIES_HUES` in turn (recycled beyond six), never an arm's colour
    or a near shade of one.

    Parameters
    ----------
    levels : sequence
        The series, in the order they take the hues.

    Returns
    -------
    dict of str to str
        Colour of each level.

    Examples
    --------
    >>> series_hues(["Referral closed", "CP plan"])
    {'Referral closed': '#009E73', 'CP plan': '#CC79A7'}
    """
    return _in_turn(levels, SERIES_HUES)


def palette(n: int) -> list[str]:
    """Return ``n`` colours of the Okabe–Ito palette (recycled beyond eight).

    Parameters
    ----------
    n : int
        Number of colours.

    Returns
    -------
    list of str
        Hex colour strings.

    Examples
    --------
    >>> palette(2)
    ['#0072B2', '#D55E00']
    """
    return [OKABE_ITO[i % len(OKABE_ITO)] for i in range(max(n, 0))]


def colour_map(levels: Sequence[object], *, reserved: Sequence[object] = ()) -> dict[str, str]:
    """Return one shade per level (a risk model), the same whatever order or subset is shown.

    Models are not the arms, so they take black and greys (:data:`ESTIMATOR_INKS`), never
    the arms' blue and vermillion, and differ by line type (:func:`linetype_map`) or marker
    shape as well. Levels take the shades in sorted order, so that "Cox + text" has the
    same shade in the calibration plot, the decision curve, the ROC curves and the fairness
    plot whenever the same models are drawn. Pass every model of a study (``reserved``) to
    keep the shades fixed when a figure shows only some of them.

    Examples
    --------
    >>> dict(sorted(colour_map(["Gradient boosting", "Cox"]).items()))
    {'Cox': '#000000', 'Gradient boosting': '#5E5E5E'}
    >>> colour_map(["Gradient boosting"], reserved=["Cox", "Gradient boosting"])
    {'Gradient boosting': '#5E5E5E'}
    """
    every = sorted({str(v) for v in [*reserved, *levels]})
    colours = _in_turn(every, ESTIMATOR_INKS)
    return {str(v): colours[str(v)] for v in levels}


def group_colours(levels: Sequence[object]) -> dict[str, str]:
    """Return the colour of each group: the arms' own colours, other groups never theirs.

    The treatment arms ("Early help", "No early help") always take :data:`ARM_COLOURS`,
    whatever order the groups arrive in. Any other group (curves by sex, say) is not an
    arm, so it takes :data:`GROUP_HUES` in the order given: never blue, vermillion or a
    near shade of them, which would read as the arms.

    Examples
    --------
    >>> group_colours(["No early help", "Early help"])
    {'No early help': '#D55E00', 'Early help': '#0072B2'}
    >>> group_colours(["Girls", "Boys"])
    {'Girls': '#009E73', 'Boys': '#5E5E5E'}
    """
    return _by_group(levels, ARM_COLOURS, GROUP_HUES)


def group_linetypes(levels: Sequence[object]) -> dict[str, LineType]:
    """Return the line type of each group: the arms :data:`ARM_LINETYPES`, others in turn.

    The arms are early help solid and no early help dashed, whatever order they arrive in
    (their blue and vermillion are one grey in print). Groups that are not the arms take
    :data:`LINETYPES` in the order given, as they take their shades (:func:`group_colours`),
    so that no two groups are told apart by shade alone (in print in grey, or by a reader
    who cannot tell the shades apart).

    Examples
    --------
    >>> group_linetypes(["No early help", "Early help"])
    {'No early help': 'dashed', 'Early help': 'solid'}
    >>> group_linetypes(["Girls", "Boys", "Not stated"])
    {'Girls': 'solid', 'Boys': 'dashed', 'Not stated': 'dotted'}
    """
    return _by_group(levels, ARM_LINETYPES, LINETYPES)


def group_shapes(levels: Sequence[object]) -> dict[str, str]:
    """Return the marker shape of each group: :data:`SHAPES` in the order given.

    Groups that are not the arms carry markers on their curves as well as line types, so
    that every group of up to eight (and any two neighbours) is told apart without colour:
    seven line types and eight shapes, no two groups with both the same.

    Examples
    --------
    >>> group_shapes(["Girls", "Boys"])
    {'Girls': 'o', 'Boys': 's'}
    """
    return _in_turn(levels, SHAPES)


def scale_shape_groups(levels: Sequence[object], **kwargs: Any) -> p9.scale_shape_manual:
    """Return a shape scale giving ``levels`` their :func:`group_shapes`, in that order.

    Examples
    --------
    >>> scale_shape_groups(["Girls", "Boys"]).limits
    ['Girls', 'Boys']
    """
    names = [str(v) for v in levels]
    return p9.scale_shape_manual(values=group_shapes(names), limits=names, **kwargs)


def scale_linetype_groups(levels: Sequence[object], **kwargs: Any) -> p9.scale_linetype_manual:
    """Return a line-type scale giving ``levels`` their :func:`group_linetypes`, in that order.

    Examples
    --------
    >>> scale_linetype_groups(["Girls", "Boys"]).limits
    ['Girls', 'Boys']
    """
    names = [str(v) for v in levels]
    return p9.scale_linetype_manual(values=group_linetypes(names), limits=names, **kwargs)


def scale_colour_groups(levels: Sequence[object], **kwargs: Any) -> p9.scale_color_manual:
    """Return a colour scale giving ``levels`` their :func:`group_colours`, in that order.

    Examples
    --------
    >>> scale_colour_groups(["No early help", "Early help"]).limits
    ['No early help', 'Early help']
    """
    names = [str(v) for v in levels]
    return p9.scale_color_manual(values=group_colours(names), limits=names, **kwargs)


def scale_fill_groups(levels: Sequence[object], **kwargs: Any) -> p9.scale_fill_manual:
    """Return the fill scale of :func:`scale_colour_groups`.

    Examples
    --------
    >>> scale_fill_groups(["Early help"]).aesthetics
    ['fill']
    """
    names = [str(v) for v in levels]
    return p9.scale_fill_manual(values=group_colours(names), limits=names, **kwargs)


def estimator_inks(levels: Sequence[object]) -> dict[str, str]:
    """Return the shade of each estimator (or other dodged level), in the order given.

    Levels take :data:`ESTIMATOR_INKS` in turn (recycled beyond six), never an arm's
    colour; draw them with marker shapes too (:data:`SHAPES`).

    Examples
    --------
    >>> estimator_inks(["IPW", "AIPW"])
    {'IPW': '#000000', 'AIPW': '#5E5E5E'}
    """
    return _in_turn(levels, ESTIMATOR_INKS)


def scale_colour_estimators(levels: Sequence[object], **kwargs: Any) -> p9.scale_color_manual:
    """Return a colour scale giving ``levels`` their :func:`estimator_inks`, in that order.

    Examples
    --------
    >>> scale = scale_colour_estimators(["Unadjusted", "IPW"], name="Method")
    >>> scale.limits, scale.name
    (['Unadjusted', 'IPW'], 'Method')
    """
    names = list(dict.fromkeys(str(v) for v in levels))
    return p9.scale_color_manual(values=estimator_inks(names), limits=names, **kwargs)


def scale_fill_estimators(levels: Sequence[object], **kwargs: Any) -> p9.scale_fill_manual:
    """Return the fill scale of :func:`scale_colour_estimators` (bands in the lines' shades).

    Examples
    --------
    >>> scale_fill_estimators(["IPW"]).aesthetics
    ['fill']
    """
    names = list(dict.fromkeys(str(v) for v in levels))
    return p9.scale_fill_manual(values=estimator_inks(names), limits=names, **kwargs)


def scale_linetype_estimators(levels: Sequence[object], **kwargs: Any) -> p9.scale_linetype_manual:
    """Return a line-type scale giving ``levels`` :data:`LINETYPES` in turn, in that order.

    The line types of curves drawn with :func:`scale_colour_estimators`, so that
    estimators differ by pattern as well as by shade.

    Examples
    --------
    >>> scale = scale_linetype_estimators(["AIPW", "IPW"])
    >>> scale.limits, [scale.palette(2)[k] for k in scale.limits]
    (['AIPW', 'IPW'], ['solid', 'dashed'])
    """
    names = list(dict.fromkeys(str(v) for v in levels))
    return p9.scale_linetype_manual(values=_in_turn(names, LINETYPES), limits=names, **kwargs)


def linetype_map(
    levels: Sequence[object], *, reserved: Sequence[object] = ()
) -> dict[str, LineType]:
    """Return one line type per level, fixed as :func:`colour_map` fixes colours.

    Levels take :data:`LINETYPES` in sorted order of ``levels`` and ``reserved``, so that
    a model has the same colour and the same line type in every figure.

    Examples
    --------
    >>> linetype_map(["Gradient boosting", "Cox"])
    {'Gradient boosting': 'dashed', 'Cox': 'solid'}
    """
    every = sorted({str(v) for v in [*reserved, *levels]})
    types = _in_turn(every, LINETYPES)
    return {str(v): types[str(v)] for v in levels}


def width_mm(width: ColumnWidth | float) -> float:
    """Return a figure width in millimetres from ``"single"``, ``"double"`` or a number.

    Examples
    --------
    >>> width_mm("double")
    178.0
    >>> width_mm(120)
    120.0
    """
    if isinstance(width, str):
        if width not in COLUMN_WIDTH_MM:
            from escalation.errors import DesignError

            raise DesignError(
                f"figure width {width!r} is unknown; use 'single' (85 mm), 'double' (178 mm) "
                "or a number of millimetres"
            )
        return COLUMN_WIDTH_MM[width]
    value = float(width)
    if not value > 0:
        from escalation.errors import DesignError

        raise DesignError(f"figure width must be positive millimetres, got {width!r}")
    return value


def scale_colour_escalation(**kwargs: Any) -> p9.scale_color_manual:
    """Return the discrete colour scale of the house palette.

    Examples
    --------
    >>> scale_colour_escalation(name="Arm").name
    'Arm'
    """
    return p9.scale_color_manual(values=list(OKABE_ITO), **kwargs)


def scale_fill_escalation(**kwargs: Any) -> p9.scale_fill_manual:
    """Return the discrete fill scale of the house palette.

    Examples
    --------
    >>> scale_fill_escalation().aesthetics
    ['fill']
    """
    return p9.scale_fill_manual(values=list(OKABE_ITO), **kwargs)


def secondary_pt(base_size: float = 8.0) -> float:
    """Return the size of secondary text (ticks, legend, captions) for ``base_size``.

    A little smaller than the base size, never below :data:`MIN_FONT_PT`.

    Examples
    --------
    >>> round(secondary_pt(), 2), secondary_pt(6.0)
    (7.52, 7.0)
    """
    return max(base_size * 0.94, MIN_FONT_PT)


def title_pt(base_size: float = 8.0) -> float:
    """Return the size of a figure's title for ``base_size`` (bold, a little larger).

    Examples
    --------
    >>> title_pt()
    9.2
    """
    return round(base_size * 1.15, 2)


def theme_escalation(
    base_size: float = 8.0, *, width: ColumnWidth | float = "single", height_mm: float = 65.0
) -> p9.theme:
    """Return the house theme: clean axes, light grid, pinned font, journal sizes.

    Parameters
    ----------
    base_size : float, default 8
        Base font size in points (8 pt suits a single journal column).
    width : {"single", "double"} or float, default "single"
        Figure width: a journal column (85 or 178 mm) or millimetres.
    height_mm : float, default 65
        Figure height in millimetres.

    Returns
    -------
    plotnine.theme
        Add it to a ggplot (``plot + theme_escalation()``).

    Examples
    --------
    >>> theme = theme_escalation(width="double", height_mm=90)
    >>> [round(v, 2) for v in theme.themeables["figure_size"].properties["value"]]
    [7.01, 3.54]
    """
    w = width_mm(width) / _MM_PER_INCH
    h = float(height_mm) / _MM_PER_INCH
    small = secondary_pt(base_size)
    return p9.theme_bw(base_size=base_size, base_family=FONT_FAMILY) + p9.theme(
        figure_size=(w, h),
        dpi=300,
        text=p9.element_text(family=FONT_FAMILY, size=base_size, color="#1A1A1A"),
        axis_text=p9.element_text(size=small, color="#333333"),
        axis_title=p9.element_text(size=base_size),
        plot_title=p9.element_text(size=title_pt(base_size), weight="bold", ha="left"),
        plot_subtitle=p9.element_text(size=small, ha="left", color="#444444"),
        plot_caption=p9.element_text(
            size=max(small * 0.95, MIN_FONT_PT), ha="left", color="#555555"
        ),
        legend_title=p9.element_text(size=small),
        legend_text=p9.element_text(size=small),
        legend_key=p9.element_blank(),
        legend_background=p9.element_blank(),
        legend_position="bottom",
        # A caption (e.g. the simulated-data note) starts at the figure's left edge: from
        # the panel, behind long row labels, it ran off the right edge.
        plot_caption_position="plot",
        legend_box_margin=0,
        strip_text=p9.element_text(size=base_size, ha="left"),
        strip_background=p9.element_blank(),
        panel_border=p9.element_blank(),
        panel_grid_major=p9.element_line(color="#E5E5E5", size=0.35),
        panel_grid_minor=p9.element_blank(),
        axis_line=p9.element_line(color="#4D4D4D", size=0.4),
        axis_ticks=p9.element_line(color="#4D4D4D", size=0.4),
    )


#: Height a one-line note adds beneath a figure, in millimetres.
_NOTE_MM: Final = 5.0


#: What every figure drawn from simulated data says beneath it.
SIMULATED_NOTE: Final = "Simulated data: not real children"


def figure_note(data_label: str | None) -> str | None:
    """Return the line figures carry beneath them for data described by ``data_label``.

    Figures drawn from simulated data say so (:data:`SIMULATED_NOTE`, drawn with
    :func:`with_note`), since a figure is often forwarded on its own; figures of real
    data carry no note.

    Examples
    --------
    >>> figure_note("Simulated local authority: not real children")
    'Simulated data: not real children'
    >>> figure_note(None) is None
    True
    """
    if data_label and "simulated" in data_label.lower():
        return SIMULATED_NOTE
    return None


def with_note(plot: p9.ggplot, note: str) -> p9.ggplot:
    """Return ``plot`` with ``note`` as a caption line beneath it, the figure that much taller.

    The panels keep their size: a caption added to a figure of fixed height squeezed the
    panels (and the rows of a risk table ran into their titles).

    Examples
    --------
    >>> import pandas as pd
    >>> plot = p9.ggplot(pd.DataFrame({"x": [1]})) + theme_escalation(height_mm=60)
    >>> noted = with_note(plot, "Simulated data: not real children")
    >>> noted.labels.caption, round(noted.theme.themeables.property("figure_size")[1] * 25.4)
    ('Simulated data: not real children', 65)
    """
    noted = plot + p9.labs(caption=note)
    try:
        width, height = plot.theme.themeables.property("figure_size")
    except (AttributeError, KeyError):
        return noted
    return noted + p9.theme(figure_size=(width, height + _NOTE_MM / _MM_PER_INCH))


def theme_diagram() -> p9.theme:
    """Return the additions for a diagram (boxes and arrows): no axes, grid or panel.

    Examples
    --------
    >>> sorted(theme_diagram().themeables)[:2]
    ['axis_line', 'axis_text']
    """
    return p9.theme(
        axis_line=p9.element_blank(),
        axis_text=p9.element_blank(),
        axis_ticks=p9.element_blank(),
        axis_title=p9.element_blank(),
        panel_grid_major=p9.element_blank(),
        panel_background=p9.element_blank(),
    )
