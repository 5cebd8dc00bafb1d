"""Figures a paper would print: long names, long titles, yes/no groups (review s27).

- a group's name wider than the risk table's margin is wrapped by the legend's rule
  (one measured word wrap) and its row made as tall as its lines, nothing cut or run
  together;
- text is measured by its glyphs' outlines in the figures' font (DejaVu Sans, which ships
  with matplotlib), not by characters times a width: two model names that fit beside
  each other share a line, and a subtitle of wide capitals no longer runs off;
- curves by a variable coded 1/0 or True/False read "Yes"/"No" under the variable's name,
  not the treatment arms' names;
- a title or subtitle of 120 characters is wrapped inside every kind of figure, which
  grows by the lines added (a figure of given height keeps it).

Each layout is measured after drawing, with the renderer that draws it
(:func:`tests.figures.text_fits.text_problems`).
"""

from __future__ import annotations

import itertools
import warnings
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
import plotnine as p9
import pytest
from matplotlib.backends.backend_agg import RendererAgg
from matplotlib.font_manager import FontProperties, findfont
from matplotlib.text import Text

import escalation.figures as fg
from escalation.figures._examples import example_figures, example_frames
from escalation.figures._labels import text_width_pt, wrap_to_width
from escalation.figures.save import drawn
from escalation.figures.theme import FONT_FAMILY, secondary_pt, width_mm
from escalation.survival import kaplan_meier
from tests.figures.text_fits import text_problems

LONG = "Children with a previous child protection plan"
OTHER = "Children without a previous plan"
#: A title and subtitle of 120 characters, as a paper's figure might carry.
TITLE = (
    "Risk of escalation to a child protection plan or care within two years of a "
    "referral, by whether early help was offered"
)[:120]
SUBTITLE = (
    "Unadjusted Kaplan-Meier estimates with 95% pointwise confidence bands; children "
    "censored at moving out or turning eighteen"
)[:120]


def _curves(groups: list[Any]) -> pd.DataFrame:
    """Survival curves of ``groups`` at 0 to 700 days, each lower than the last."""
    t = np.arange(0.0, 701.0, 100.0)
    rows = []
    for i, group in enumerate(groups):
        estimate = 1.0 - (0.05 + 0.02 * i) * np.arange(len(t)) / 2
        rows.append(
            pd.DataFrame(
                {
                    "time": t,
                    "estimate": estimate,
                    "conf_low": estimate - 0.04,
                    "conf_high": np.minimum(estimate + 0.04, 1.0),
                    "group": group,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _at_risk(groups: list[Any]) -> pd.DataFrame:
    """Four-digit numbers at risk (as a real cohort's) at the time ticks."""
    return pd.DataFrame(
        {
            "time": [0.0, 180.0, 360.0, 540.0, 720.0] * len(groups),
            "group": np.repeat(np.array(groups, dtype=object), 5),
            "at_risk": np.tile([1000, 800, 640, 500, 380], len(groups)),
        }
    )


def _problems(plot: Any, width: Any = "single", dpi: int = 300) -> list[str]:
    with warnings.catch_warnings(), drawn(plot, width=width, dpi=dpi) as figure:
        warnings.simplefilter("ignore")
        return [str(p) for p in text_problems(figure)]


def _tick_labels(plot: Any, dpi: int = 100) -> list[str]:
    """The y axes' tick labels as drawn (the risk table's group names among them)."""
    with drawn(plot, width="single", dpi=dpi) as figure:
        return [t.get_text() for a in figure.axes for t in a.get_yticklabels() if t.get_text()]


# ---------------------------------------------------------------------------------------
# Finding 1: a long group name beside the risk table


@pytest.mark.parametrize("dpi", [100, 300])
def test_a_long_group_name_beside_the_risk_table_is_wrapped_and_whole(dpi: int) -> None:
    # Was: the name took 47% of the figure's width as one line, the panel shrank to a
    # sliver, the time ticks ran together, the x axis title ran 123 px off the right edge
    # and the numbers at time 0 were cut off by the panel's edge (30 px).
    groups = [LONG, OTHER]
    plot = fg.plot_survival_curves(_curves(groups), _at_risk(groups), group_label="Previous plan")
    problems = _problems(plot, dpi=dpi)
    assert not problems, "; ".join(problems)


def test_the_risk_table_name_is_wrapped_to_its_margin_and_its_row_as_tall() -> None:
    groups = [LONG, OTHER]
    plot = fg.plot_survival_curves(_curves(groups), _at_risk(groups))
    names = [t for t in _tick_labels(plot) if t.replace("\n", " ") in groups]
    wrapped = next(t for t in names if t.replace("\n", " ") == LONG)
    assert "\n" in wrapped, names
    # The margin: no line wider than 45% of the figure (measured with the renderer that
    # draws the text, at 300 dpi: matplotlib's Agg, not the package's measure).
    renderer = RendererAgg(10, 10, 300)
    prop = FontProperties(family=FONT_FAMILY, size=secondary_pt())
    widest = max(
        renderer.get_text_width_height_descent(line, prop, ismath=False)[0] * 72 / 300
        for line in wrapped.split("\n")
    )
    assert widest <= 0.45 * width_mm("single") * 72 / 25.4


@pytest.mark.parametrize("groups", [["All children"], ["Girls", "Boys"]])
def test_four_digit_numbers_at_time_zero_keep_clear_of_the_block_title(
    groups: list[str],
) -> None:
    # "1,000" at time 0 overlapped "At risk" above it at 300 dpi: the table's rows were
    # squeezed to 8.6 pt (the panels shared the figure's height as if nothing else took
    # any), less than its 7.5 pt numbers need with the bold title above them.
    plot = fg.plot_survival_curves(_curves(groups), _at_risk(groups))
    problems = _problems(plot, dpi=300)
    assert not problems, "; ".join(problems)


# ---------------------------------------------------------------------------------------
# Finding 2: text measured in the font, not by characters


def test_the_figures_font_ships_with_matplotlib() -> None:
    # Measured widths are the same everywhere only if the font file is.
    path = Path(findfont(FontProperties(family=FONT_FAMILY), fallback_to_default=False))
    assert path.name == "DejaVuSans.ttf"
    assert Path(mpl.get_data_path()) in path.parents


@pytest.mark.parametrize("text", ["Cox + text", "Gradient boosting", "WWWWWW", "iiiiiiii", LONG])
def test_text_width_is_the_drawn_width(text: str) -> None:
    # Reference: matplotlib's Agg renderer at 300 dpi (the PNG the package writes).
    prop = FontProperties(family=FONT_FAMILY, size=7.5)
    drawn_pt = RendererAgg(10, 10, 300).get_text_width_height_descent(text, prop, ismath=False)
    # Hinting draws a run of narrow letters ("iiii") up to 3.5% wider than its outlines.
    assert text_width_pt(text, 7.5) == pytest.approx(drawn_pt[0] * 72 / 300, rel=0.04)


def _legend_rows(figure: Any, entries: list[str]) -> int:
    renderer = figure._get_renderer()
    texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text() in entries]
    assert len(texts) >= len(entries)
    return len({round(t.get_window_extent(renderer).y0 / 4) for t in texts})


@pytest.mark.parametrize("kind", ["decision curve", "calibration", "precision-recall"])
def test_two_model_names_that_fit_one_line_share_it(kind: str) -> None:
    # "Structured data" and "Structured + notes" took a line each: the rule counted each
    # name 10% wider than drawn. Side by side they are 183 pt wide at 300 dpi, beneath a
    # panel 205 pt wide.
    f = example_frames()
    plots = {
        "decision curve": lambda: fg.plot_decision_curve(f["decision"]),
        "calibration": lambda: fg.plot_calibration(f["calibration"]),
        "precision-recall": lambda: fg.plot_precision_recall(f["precision_recall"]),
    }
    plot = plots[kind]()
    names = ["Structured data", "Structured + notes"]
    for dpi in (100, 300):
        with warnings.catch_warnings(), drawn(plot, width="single", dpi=dpi) as figure:
            warnings.simplefilter("ignore")
            assert _legend_rows(figure, names) == 1
            problems = [str(p) for p in text_problems(figure)]
        assert not problems, f"{dpi} dpi: " + "; ".join(problems)


@pytest.mark.parametrize(
    "subtitle",
    [
        "MAXIMUM WEIGHTED MEAN OF MODELLED WORKLOAD MEASURES WITH WIDE MARGINS, MARKED",
        "Unadjusted; little, if any, limit in it; i.i.d. trial fit til it ill fits; fill it",
    ],
)
def test_a_subtitle_is_wrapped_by_its_measured_width(subtitle: str) -> None:
    # Was: 43 characters a line whatever the letters: capitals ran 80 pt past the room,
    # narrow letters left half of each line empty.
    room = (width_mm("single") - 16.0) * 72 / 25.4
    lines = wrap_to_width(subtitle, "single").split("\n")
    prop = FontProperties(family=FONT_FAMILY, size=secondary_pt())
    renderer = RendererAgg(10, 10, 300)

    def drawn_pt(text: str) -> float:
        return renderer.get_text_width_height_descent(text, prop, ismath=False)[0] * 72 / 300

    assert all(drawn_pt(line) <= room * 1.01 for line in lines), lines
    # As few lines as fit: a line with the next line's first word would not.
    for line, after in itertools.pairwise(lines):
        assert drawn_pt(f"{line} {after.split()[0]}") > room * 0.99, lines


# ---------------------------------------------------------------------------------------
# Finding 3: groups coded 1/0 or True/False


def _spells(column: str, values: np.ndarray) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = len(values)
    return pd.DataFrame(
        {
            "duration": rng.integers(1, 800, n).astype(float),
            "event": rng.integers(0, 2, n),
            column: values,
        }
    )


def _legend(plot: Any) -> tuple[set[str], set[str]]:
    """The groups drawn and the legend's titles (the scales' names)."""
    groups = set(plot.data["group"].astype(str))
    names = {s.name for s in plot.scales if {"color", "colour"} & set(s.aesthetics)}
    return groups, names


@pytest.mark.parametrize("coded", ["numbers", "booleans"])
def test_a_yes_no_variable_reads_yes_and_no_under_its_name(coded: str) -> None:
    # Was: "0"/"1" (or "False"/"True") beneath the variable's name.
    rng = np.random.default_rng(5)
    values = rng.integers(0, 2, 300)
    spells = _spells("prior_cp", values.astype(bool) if coded == "booleans" else values)
    plot = kaplan_meier(spells, group="prior_cp").plot()
    groups, names = _legend(plot)
    assert groups == {"Yes", "No"}
    assert names == {"Prior cp"}


@pytest.mark.parametrize("codes", [[1, 0], [True, False], ["1", "0"]])
def test_curves_by_a_named_variable_coded_1_0_are_not_the_arms(codes: list[Any]) -> None:
    # Was: "Early help" and "No early help", in the arms' blue and vermillion, under the
    # title "Previous plan"; the risk table and censoring marks named likewise.
    plot = fg.plot_survival_curves(
        _curves(codes),
        _at_risk(codes),
        censored=pd.DataFrame({"time": [150.0, 250.0], "group": codes}),
        group_label="Previous plan",
    )
    groups, names = _legend(plot)
    assert groups == {"Yes", "No"}
    assert names == {"Previous plan"}
    table = next(
        layer.geom.data
        for layer in plot.layers
        if type(layer.geom).__name__ == "geom_text" and "group" in layer.geom.data
    )
    assert set(table["group"].astype(str)) == {"Yes", "No"}


def test_curves_coded_1_0_without_a_variable_named_are_the_arms() -> None:
    plot = fg.plot_survival_curves(_curves([1, 0]), _at_risk([1, 0]))
    groups, _ = _legend(plot)
    assert groups == {"Early help", "No early help"}


# ---------------------------------------------------------------------------------------
# Finding 4: a title and subtitle of 120 characters


@pytest.mark.parametrize(
    "name",
    ["survival_curves", "risk_differences", "roc", "hazard_ratio_table", "flow", "fairness"],
)
def test_a_long_title_and_subtitle_are_wrapped_inside_the_figure(name: str) -> None:
    # Was: cut off at the right edge (the survival curves' title by 612 px at 100 dpi);
    # the risk differences, two rows tall, had no room left for the lines either.
    plot, width = example_figures([name])[name]
    titled = plot + p9.labs(title=TITLE, subtitle=SUBTITLE)
    problems = _problems(titled, width=width, dpi=100)
    assert not problems, f"{name}: " + "; ".join(problems)
    with drawn(titled, width=width, dpi=100) as figure, drawn(plot, width=width, dpi=100) as bare:
        texts = [t.get_text() for t in figure.texts]
        title = next(t for t in texts if t.replace("\n", " ") == TITLE)
        assert "\n" in title
        # The figure grew by the lines added rather than squeezing its panels.
        assert figure.get_figheight() > bare.get_figheight()


def test_a_figure_of_given_height_keeps_it_with_a_wrapped_title() -> None:
    plot, _ = example_figures(["hazard_ratios"])["hazard_ratios"]
    titled = plot + p9.labs(title=TITLE)
    with drawn(titled, width="single", height_mm=70.0, dpi=100) as figure:
        assert figure.get_figheight() == pytest.approx(70.0 / 25.4)
        assert any("\n" in t.get_text() for t in figure.texts)
        assert not text_problems(figure)


# ---------------------------------------------------------------------------------------
# Finding 4: long names and many levels in the other figures


NURSE = "Children referred by a school nurse, health visitor or other universal service"


def _first_renamed(frame: pd.DataFrame, column: str, name: str) -> pd.DataFrame:
    values = frame[column].astype(str)
    return frame.assign(**{column: values.replace({values.iloc[0]: name})})


def test_a_long_forest_row_name_is_wrapped_clear_of_its_neighbours() -> None:
    # Was: wrapped at 30 characters into three lines, drawn over "Age (years)" beneath it
    # (rows 5 mm apart whatever their names' lines).
    hazard = _first_renamed(example_frames()["hazard"], "term", NURSE)
    problems = _problems(fg.plot_hazard_ratios(hazard), dpi=100)
    assert not problems, "; ".join(problems)


def test_eight_dodged_methods_have_a_legend_inside_the_figure() -> None:
    # Was: two rows of four, fixed, whatever their width: "Method 3" and "Method 7" ran
    # 65 px off the right edge at one column.
    effects = example_frames()["effects"]
    eight = pd.concat([effects.assign(method=f"Method {i}") for i in range(8)])
    problems = _problems(fg.plot_risk_differences(eight, colour="method"), dpi=100)
    assert not problems, "; ".join(problems)


def test_a_long_state_name_is_wrapped_inside_the_figure() -> None:
    # Was: two rows of legend, fixed: the long name ran 30 px off the left edge and
    # "CP plan" 71 px off the right.
    states = _first_renamed(example_frames()["states"], "state", NURSE)
    problems = _problems(fg.plot_state_occupation(states), dpi=100)
    assert not problems, "; ".join(problems)


def test_a_long_subgroup_level_is_wrapped_inside_the_figure() -> None:
    # Was: the name as one line squeezed the panel to a sliver and pushed the x axis's
    # ticks 15 px beneath the figure's bottom edge.
    subgroups = _first_renamed(example_frames()["subgroups"], "level", NURSE)
    plot = fg.plot_subgroup_effects(
        subgroups, overall=-0.02, overall_label="All children (AIPW)", horizon=365
    )
    problems = _problems(plot, dpi=100)
    assert not problems, "; ".join(problems)


@pytest.mark.parametrize("width", ["double", "single"])
def test_a_long_fairness_group_is_wrapped_inside_the_figure(width: str) -> None:
    # Was: one line of 290 pt beside the panels: at one column it ran off the figure.
    fairness = _first_renamed(example_frames()["fairness"], "group", NURSE)
    plot = fg.plot_fairness(fairness, overall=example_frames()["overall"], width=width)  # type: ignore[arg-type]
    problems = _problems(plot, width=width, dpi=100)
    assert not problems, "; ".join(problems)


def test_eight_estimators_differ_and_their_legend_fits() -> None:
    # Was: a fixed row of legend ran 41 px off the right edge, and the seventh and eighth
    # estimators took the first's and second's shade and line type both (six of each).
    difference = example_frames()["difference"]
    names = [f"Estimator {i}" for i in range(8)]
    eight = pd.concat(
        [difference.assign(estimator=n, estimate=difference["estimate"] * (1 + i / 10))
         for i, n in enumerate(names)]
    )  # fmt: skip
    plot = fg.plot_difference_curve(eight, colour="estimator")
    problems = _problems(plot, dpi=100)
    assert not problems, "; ".join(problems)
    scales = {a: s for s in plot.scales for a in s.aesthetics}
    looks = {
        (str(scales["color"].palette(8)[n]), str(scales["linetype"].palette(8)[n])) for n in names
    }
    assert len(looks) == len(names), looks
