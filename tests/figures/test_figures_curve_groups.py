"""Curves of named groups: their risk table, censoring marks, line types and estimators.

- the numbers at risk and the censoring marks are named as the curves are (``labels=``,
  the arms' 1/0), and a group of theirs that matches no curve is an error, not a table
  drawn empty or marks silently left out;
- groups that are not the arms are told apart by line type as well as shade;
- a difference curve per estimator is drawn in the estimators' greys and line types,
  never in the arms' blue and vermillion.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pandas as pd
import plotnine as p9
import pytest

from escalation.errors import DataValidationError
from escalation.figures import plot_difference_curve, plot_survival_curves
from escalation.figures.theme import (
    GROUP_HUES,
    LINETYPES,
    estimator_inks,
    group_colours,
    near_arm_colour,
)
from escalation.survival import kaplan_meier


def _curves(groups: list[Any]) -> pd.DataFrame:
    """Survival curves of ``groups`` at 0, 100 and 200 days, each lower than the last."""
    rows = []
    for i, group in enumerate(groups):
        estimate = np.array([1.0, 0.9, 0.8]) - 0.05 * i * np.array([0.0, 1.0, 2.0])
        rows.append(
            pd.DataFrame(
                {
                    "time": [0.0, 100.0, 200.0],
                    "estimate": estimate,
                    "conf_low": estimate - 0.05,
                    "conf_high": np.minimum(estimate + 0.05, 1.0),
                    "group": group,
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


def _at_risk(groups: list[Any]) -> pd.DataFrame:
    """Distinct numbers at risk of each group at 0, 100 and 200 days."""
    return pd.DataFrame(
        {
            "time": [0.0, 100.0, 200.0] * len(groups),
            "group": np.repeat(np.array(groups, dtype=object), 3),
            "at_risk": np.arange(3 * len(groups)) * 10 + 500,
        }
    )


def _table_cells(plot: p9.ggplot) -> pd.DataFrame:
    """The numbers drawn in the risk table (the text layer whose data has groups)."""
    return next(
        layer.geom.data
        for layer in plot.layers
        if type(layer.geom).__name__ == "geom_text" and "group" in layer.geom.data
    )


def _marks(plot: p9.ggplot) -> pd.DataFrame:
    """The censoring marks drawn on the curves (empty when none is drawn)."""
    layers = [
        layer.geom.data
        for layer in plot.layers
        if type(layer.geom).__name__ == "geom_point" and layer.geom.aes_params.get("shape") == "+"
    ]
    if not layers:
        return pd.DataFrame({"time": [], "group": []})
    return pd.concat(layers, ignore_index=True)


# ---------------------------------------------------------------------------------------
# Finding 1: the risk table of named groups


def test_risk_table_of_groups_named_by_labels_is_drawn_in_full() -> None:
    # The review drew 0 of the 6 cells: the curves were named, the numbers at risk not.
    labels = {"a": "Group A", "b": "Group B"}
    risk = _at_risk(["a", "b"])
    plot = plot_survival_curves(_curves(["a", "b"]), risk, labels=labels)
    cells = _table_cells(plot)
    drawn = {(str(g), float(t)): label for g, t, label in cells[["group", "time", "label"]].values}
    given = {
        (labels[g], float(t)): f"{int(n):,}"
        for g, t, n in risk[["group", "time", "at_risk"]].values
    }
    assert drawn == given


def test_result_plot_by_sex_draws_the_numbers_at_risk_of_each_sex() -> None:
    # kaplan_meier(spells, group="sex").plot(): the curves are named "Female", "Male",
    # "Unknown or not stated", and the table was drawn empty under their names.
    rng = np.random.default_rng(7)
    n = 240
    spells = pd.DataFrame(
        {
            "duration": rng.integers(1, 800, n).astype(float),
            "event": rng.integers(0, 2, n),
            "sex": rng.choice(["F", "M", "U"], n, p=[0.45, 0.45, 0.1]),
        }
    )
    result = kaplan_meier(spells, group="sex")
    plot = result.plot()
    cells = _table_cells(plot)
    times = sorted(set(cells["time"].astype(float)))
    expected = result.at_risk(times)
    names = {"F": "Female", "M": "Male", "U": "Unknown or not stated"}
    given = {
        (names[str(g)], float(t)): f"{int(k):,}"
        for g, t, k in expected[["group", "time", "at_risk"]].values
    }
    drawn = {(str(g), float(t)): label for g, t, label in cells[["group", "time", "label"]].values}
    assert len(drawn) >= 3 * 2 and drawn == given


def test_numbers_at_risk_of_a_group_no_curve_has_are_refused_by_name() -> None:
    risk = _at_risk(["a", "c"])  # "c" has no curve
    with pytest.raises(DataValidationError) as error:
        plot_survival_curves(_curves(["a", "b"]), risk, labels={"a": "Group A", "b": "Group B"})
    message = str(error.value)
    assert "table 'numbers at risk', row 3, column 'group'" in message
    assert "'Group A', 'Group B'" in message  # the curves' groups, as the legend names them
    (problem,) = error.value.problems
    assert (problem.row, problem.value) == (3, "c")


# ---------------------------------------------------------------------------------------
# Finding 6: censoring marks coded as the curves are


def test_censoring_marks_coded_one_zero_like_the_curves_are_drawn() -> None:
    # '+' marks drawn: 0 with the 1/0 coding the curves and the table accept.
    censored = pd.DataFrame({"time": [50.0, 150.0, 60.0, 160.0], "group": [1, 1, 0, 0]})
    plot = plot_survival_curves(
        _curves([1, 0]), _at_risk([1, 0]), kind="survival", censored=censored
    )
    marks = _marks(plot)
    assert sorted(zip(marks["group"].astype(str), marks["time"], strict=True)) == [
        ("Early help", 50.0),
        ("Early help", 150.0),
        ("No early help", 60.0),
        ("No early help", 160.0),
    ]


def test_censoring_marks_named_by_labels_are_drawn() -> None:
    censored = pd.DataFrame({"time": [50.0, 150.0], "group": ["a", "b"]})
    plot = plot_survival_curves(
        _curves(["a", "b"]), labels={"a": "Group A", "b": "Group B"}, censored=censored
    )
    assert sorted(_marks(plot)["group"].astype(str)) == ["Group A", "Group B"]


def test_censoring_marks_of_a_group_no_curve_has_are_refused_by_name() -> None:
    censored = pd.DataFrame({"time": [50.0, 150.0], "group": [1, 2]})
    with pytest.raises(DataValidationError) as error:
        plot_survival_curves(_curves([1, 0]), censored=censored)
    message = str(error.value)
    assert "table 'censoring marks', row 1, column 'group', value '2'" in message
    (problem,) = error.value.problems
    assert problem.value == 2


# ---------------------------------------------------------------------------------------
# Finding 10: groups that are not the arms differ by more than shade


def test_five_groups_that_are_not_the_arms_differ_by_line_type() -> None:
    # Five groups were five solid lines told apart by shade alone, two of them the same
    # grey in print (bluish green and #8C8C8C, both L* 58).
    groups = ["White", "Mixed", "Asian", "Black", "Other"]
    plot = plot_survival_curves(_curves(groups), _at_risk(groups))
    line = next(layer for layer in plot.layers if type(layer.geom).__name__ == "geom_line")
    assert line.mapping.get("linetype") == "group", "line type does not follow the group"
    scale = next((s for s in plot.scales if "linetype" in s.aesthetics), None)
    assert scale is not None
    types = {g: str(scale.palette(len(groups))[g]) for g in groups}
    assert len(set(types.values())) == len(groups), f"groups share a line type: {types}"
    assert set(types.values()) <= {str(t) for t in LINETYPES}


def _lightness(colour: str) -> float:
    """CIELAB L* of a ``#RRGGBB`` colour (sRGB, D65), written out here, not the package's."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    if luminance <= (6 / 29) ** 3:
        return (29 / 3) ** 3 * luminance
    return 116 * luminance ** (1 / 3) - 16


def test_lightness_matches_published_values() -> None:
    # Reference L* of sRGB colours (Bruce Lindbloom's calculator; CSS Color 4 lab()).
    assert _lightness("#FFFFFF") == pytest.approx(100.0, abs=0.01)
    assert _lightness("#808080") == pytest.approx(53.585, abs=0.01)
    assert _lightness("#009E73") == pytest.approx(57.7, abs=0.1)


def test_neighbouring_groups_differ_in_lightness() -> None:
    # Groups 1 and 4 were bluish green (L* 57.7) and #8C8C8C (L* 58.3), one grey in
    # print, and groups 2 and 5 were black and #2E2E2E: risk-table numbers and points
    # coloured by group could not be told apart without colour.
    groups = [f"Group {i}" for i in range(len(GROUP_HUES) + 1)]  # once round, and again
    colours = list(group_colours(groups).values())
    light = [_lightness(c) for c in colours]
    gaps = [abs(a - b) for a, b in itertools.pairwise(light)]
    assert min(gaps) >= 15.0, f"neighbouring groups {colours}: L* {light}"
    shades = [_lightness(c) for c in GROUP_HUES]
    closest = min(abs(a - b) for a, b in itertools.combinations(shades, 2))
    assert closest >= 8.0, f"two group shades as light as each other: L* {shades}"
    assert sum(v < 25.0 for v in shades) <= 1, f"near-blacks among the shades: L* {shades}"
    # Every shade can carry risk-table numbers (3:1 against white), none is an arm's.
    assert all(v <= 61.7 for v in shades), shades
    assert not [c for c in GROUP_HUES if near_arm_colour(c)]


def test_the_arms_take_their_own_line_types() -> None:
    # The arms were kept solid (told apart by blue and vermillion alone, one grey in
    # print); they now differ by line type too (tests/figures/test_figures_greyscale.py).
    plot = plot_survival_curves(_curves([1, 0]))
    scale = next(s for s in plot.scales if "linetype" in s.aesthetics)
    assert scale.palette(2) == {"Early help": "solid", "No early help": "dashed"}


# ---------------------------------------------------------------------------------------
# Finding 9: a difference curve per estimator


def _differences(estimators: list[str]) -> pd.DataFrame:
    t = np.arange(0.0, 731.0, 73.0)
    return pd.concat(
        [
            pd.DataFrame(
                {
                    "time": t,
                    "estimate": -k * t / 20000,
                    "conf_low": -k * t / 20000 - 0.02,
                    "conf_high": -k * t / 20000 + 0.02,
                    "estimator": name,
                }
            )
            for k, name in enumerate(estimators, start=1)
        ],
        ignore_index=True,
    )


def test_difference_curves_by_estimator_are_drawn_in_greys_and_line_types() -> None:
    # colour="estimator" raised AttributeError (two scales added to each other), and the
    # scale would have drawn the first two estimators in the arms' blue and vermillion.
    import matplotlib.pyplot as plt
    from matplotlib.colors import to_hex

    estimators = ["AIPW", "IPW", "CCW"]
    plot = plot_difference_curve(_differences(estimators), colour="estimator", horizons=[365])
    figure = plot.draw()
    try:
        colours = {to_hex(line.get_color()) for line in figure.axes[0].get_lines()}
    finally:
        plt.close(figure)
    inks = {ink.lower() for ink in estimator_inks(estimators).values()}
    assert inks <= colours
    assert not any(near_arm_colour(c) for c in colours), f"an arm's colour drawn: {colours}"
    colour_scale = next(s for s in plot.scales if "color" in s.aesthetics)
    linetype_scale = next(s for s in plot.scales if "linetype" in s.aesthetics)
    assert list(colour_scale.limits) == list(linetype_scale.limits) == estimators
    types = linetype_scale.palette(len(estimators))
    assert len({str(types[e]) for e in estimators}) == len(estimators)


# ---------------------------------------------------------------------------------------
# Small fix: no group marker looks like a censoring mark

#: Matplotlib markers built of crossing strokes (plus, cross, filled plus and cross, the
#: three-legged "tri" markers, bars): a reader takes each for a censoring mark.
_CROSS_LIKE = frozenset({"+", "x", "P", "X", "1", "2", "3", "4", "|", "_"})


def _censoring_shapes(plot: p9.ggplot) -> set[str]:
    """The fixed shapes of the point layers that draw no group aesthetic (censoring marks)."""
    return {
        str(layer.geom.aes_params["shape"])
        for layer in plot.layers
        if type(layer.geom).__name__ == "geom_point" and "shape" in layer.geom.aes_params
    }


def test_no_group_marker_is_cross_like_nor_the_censoring_mark() -> None:
    # Groups 6 and 7 took "P" and "X" (filled plus and cross), read as the "+" censoring
    # marks drawn on the same curves.
    groups = [f"Group {i}" for i in range(8)]
    censored = pd.DataFrame({"time": [50.0] * 8, "group": groups})
    plot = plot_survival_curves(_curves(groups), _at_risk(groups), censored=censored)
    scale = next(s for s in plot.scales if "shape" in s.aesthetics)
    shapes = {g: str(scale.palette(len(groups))[g]) for g in groups}
    assert len(set(shapes.values())) == len(groups), f"groups share a marker: {shapes}"
    crosses = {g: s for g, s in shapes.items() if s in _CROSS_LIKE}
    assert not crosses, f"cross-like group markers: {crosses}"
    censoring = _censoring_shapes(plot)
    assert censoring, "no censoring marks drawn"
    assert not censoring & set(shapes.values()), f"censoring mark {censoring} is a group marker"
