"""Labels, colours and text of the figures: what a reader forwarded one figure can tell.

- every figure gives each arm the same colour, whatever order the arms arrive in;
- a coded term names its reference level as the model coded it ("Male vs Female");
- no text is cut off at the figure's edge or its panel's, and none runs into other text
  (measured with matplotlib's renderer after drawing), at each figure's width and in the
  narrow variants the brief shows on phones;
- a name written beside a line (the decision curve's "Treat all") keeps clear of every
  line, its own and the others (measured the same way);
- groups are told apart by more than colour (shapes, line types), legends list them in
  the order they are drawn;
- horizons and the capacity line are named on the figures.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache, partial
from typing import Any

import numpy as np
import pandas as pd
import pytest

import escalation.figures as fg
from escalation.figures._examples import example_figures, example_frames
from escalation.figures.save import _draw, drawn
from tests.figures.drawings import drawing, drawing_names
from tests.figures.text_fits import label_line_gaps, text_problems

EARLY_HELP, NO_EARLY_HELP = "#0072B2", "#D55E00"


def _built(plot: Any) -> Any:
    """Draw ``plot`` so that its layers hold the mapped colours."""
    import matplotlib.pyplot as plt

    plt.close(plot.draw())
    return plot


def _texts(plot: Any) -> list[str]:
    """Every piece of text of the drawn figure."""
    return _drawn_texts(plot)[1]


def _drawn_texts(plot: Any) -> tuple[Any, list[str]]:
    """Draw ``plot`` (one column, 50 dpi): the plot as drawn, and every piece of its text.

    The plot drawn is a copy of ``plot``, whose layers then hold the mapped colours.
    """
    import matplotlib.pyplot as plt
    from matplotlib.text import Text

    built, figure = _draw(plot, width="single", height_mm=None, dpi=50)
    try:
        return built, [t.get_text() for t in figure.findobj(Text) if t.get_text().strip()]
    finally:
        plt.close(figure)


def _values(scale: Any) -> dict[str, Any]:
    """A manual scale's value of each of its limits."""
    limits = list(scale.limits or ())
    values = scale.palette(len(limits))
    if isinstance(values, dict):
        return {str(k): values[k] for k in limits or values}
    return dict(zip(map(str, limits), values, strict=False))


def _curves(first: str, *, rmst: bool = False) -> pd.DataFrame:
    """Curves with the untreated arm first; the treated arm's estimates are the higher."""
    times = np.arange(0.0, 731.0, 73.0)
    rows = []
    for group, scale in ((first, 1.0), ("1" if first == "0" else "0", 2.0)):
        treated = group == "1"
        level = (2.0 if treated else 1.0) * (times if rmst else 0.0001 * times)
        rows.append(
            pd.DataFrame(
                {
                    "time": times,
                    "estimate": level,
                    "conf_low": level * 0.9,
                    "conf_high": level * 1.1,
                    "group": group,
                }
            )
        )
        del scale
    return pd.concat(rows, ignore_index=True)


def _line_colour_of_top(plot: Any) -> str:
    """Colour of the line reaching highest (the treated arm, in :func:`_curves`)."""
    layer = next(
        layer
        for layer in plot.layers
        if type(layer.geom).__name__ in {"geom_line", "geom_step"} and "color" in layer.data
    )
    data = layer.data
    return str(data.loc[data["y"].idxmax(), "color"])


@pytest.mark.parametrize(
    "draw",
    [
        lambda c: fg.plot_adjusted_curves(c),
        lambda c: fg.plot_survival_curves(c, kind="cumulative_incidence"),
    ],
    ids=["adjusted_curves", "cumulative_incidence"],
)
def test_curves_colour_each_arm_the_same_whatever_comes_first(draw: Any) -> None:
    for first in ("0", "1"):
        plot = _built(draw(_curves(first)))
        assert _line_colour_of_top(plot) == EARLY_HELP, f"early help not blue ({first} first)"


def test_rmst_curves_colour_the_arms_as_the_other_figures() -> None:
    # rmst_curves.png had early help orange: its arms arrive untreated first.
    rmst = _curves("0", rmst=True)
    plot = _built(fg.plot_rmst_curves(rmst))
    assert _line_colour_of_top(plot) == EARLY_HELP


def test_curves_of_groups_that_are_not_arms_use_no_arm_colour() -> None:
    # Curves by any other grouping (sex, say) took blue and vermillion: girls would read as
    # early help and boys as no early help.
    f = example_frames()
    sexes = {"Early help": "Girls", "No early help": "Boys"}
    plot = fg.plot_survival_curves(
        f["km"].assign(group=f["km"]["group"].map(sexes)),
        f["at_risk"].assign(group=f["at_risk"]["group"].map(sexes)),
    )
    colours, _ = _drawn_colours(plot)
    near = {c for c in colours if c.startswith("#") and _near_arm(c[:7])}
    assert not near, f"groups drawn in the arms' colours or near shades {near}"


@pytest.mark.parametrize("kind", ["plot_overlap", "plot_distribution_balance"])
def test_balance_figures_colour_the_arms_as_the_curves(kind: str) -> None:
    rng = np.random.default_rng(1)
    n = 400
    treatment = rng.integers(0, 2, n)
    if kind == "plot_overlap":
        frame = pd.DataFrame(
            {"propensity": rng.uniform(0.1, 0.9, n), "treatment": treatment, "weight": 1.0}
        )
        plot = _built(fg.plot_overlap(frame))
        rects = next(layer.data for layer in plot.layers if "fill" in layer.data)
        above = rects[rects["ymax"] > 0]  # early help is drawn above the axis
        assert set(above["fill"]) == {EARLY_HELP}
    else:
        frame = pd.DataFrame({"value": rng.normal(8, 4, n), "treatment": treatment, "weight": 1})
        plot = fg.plot_distribution_balance(frame, covariate="age")
        scale = next(s for s in plot.scales if "color" in s.aesthetics)
        assert _values(scale) == {"Early help": EARLY_HELP, "No early help": NO_EARLY_HELP}


def test_hazard_ratio_terms_name_the_reference_level_the_model_used() -> None:
    from escalation.pipeline import _references, _term_label
    from escalation.timeline.matrix import CovariateCoding

    # Male is the most common level, but the coding's reference is the first code: F.
    spells = pd.DataFrame({"sex": ["M"] * 60 + ["F"] * 30 + ["U"] * 10})
    coding = CovariateCoding.learn(spells, ["sex"], min_count=1)
    references = _references(coding)
    assert references == {"sex": "F"}
    assert _term_label("sex_M", references) == "Sex: Male vs Female"
    assert "most common" not in _term_label("sex_U", references)
    assert _term_label("sex_U", references).endswith("vs Female")
    # Without the coding, no reference is claimed.
    assert _term_label("sex_M") == "Sex: Male"


# ---------------------------------------------------------------------------------------
# Text cut off or run together


@cache
def _demo_like() -> dict[str, tuple[Any, str]]:
    """Figures with the labels the demo study gives them (long counts, long names)."""
    flow = pd.DataFrame(
        {
            "stage": ["entered", "excluded", "remaining", "excluded", "excluded", "remaining"],
            "rule": ["history", "unusable", "candidates", "open", "prevalent", "spells"],
            "description": [
                "children and episodes in the case history",
                "children with no referral episode; episodes of other kinds (history only)",
                "candidate time-zero episodes (referral, at its end)",
                "referral still open at the extract date",
                "early_help already under way at time zero (prevalent treatment)",
                "spells analysed",
            ],
            "children": [20000, None, 20000, 765, None, 9280],
            "episodes": [130475, "[c]", 44405, 1985, 400, 9280],
        }
    )
    f = example_frames()
    fairness = f["fairness"].copy()
    fairness["attribute"] = fairness["attribute"].replace({"IMD quintile": "Deprivation"})
    adjusted = f["adjusted"]
    sexes = {"Early help": "Female", "No early help": "Male"}

    def by_sex(frame: pd.DataFrame) -> pd.DataFrame:
        """Curves or numbers at risk of three sexes, as kaplan_meier(group="sex") gives."""
        named = frame.assign(group=frame["group"].map(sexes))
        unknown = named[named["group"] == "Male"].assign(group="Unknown or not stated")
        return pd.concat([named, unknown], ignore_index=True)

    from escalation.figures.theme import with_note

    note = "Simulated data: not real children"
    return {
        # The note beneath a figure must not squeeze its panels: the risk table's rows ran
        # into their titles, the precision axis title off the top.
        "cumulative incidence (note)": (
            with_note(
                fg.plot_survival_curves(
                    f["cif"], f["at_risk"], kind="cumulative_incidence", censored=f["censored"]
                ),
                note,
            ),
            "single",
        ),
        "precision-recall (note)": (
            with_note(fg.plot_precision_recall(f["precision_recall"], prevalence=0.16), note),
            "single",
        ),
        # Three groups that are not the arms in one column: the legend ran off the edge
        # ("Sex [Female] [Male] [Unknown or no").
        "survival curves by sex (narrow)": (
            fg.plot_survival_curves(by_sex(f["km"]), by_sex(f["at_risk"]), group_label="Sex"),
            "single",
        ),
        "flow (narrow)": (fg.plot_flow(flow, width="single"), "single"),
        "flow": (fg.plot_flow(flow), "double"),
        "fairness (narrow)": (
            fg.plot_fairness(
                fairness,
                overall=f["overall"],
                subtitle="Riskiest 10% flagged",
                width="single",
            ),
            "single",
        ),
        "adjusted curves (AIPW)": (
            fg.plot_adjusted_curves(adjusted, horizons=[365, 730], estimator="AIPW"),
            "single",
        ),
        "policy values (horizon)": (
            fg.plot_policy_values(f["policy"], capacity_per_1000=300, horizon=365),
            "single",
        ),
        "subgroup effects (horizon)": (
            fg.plot_subgroup_effects(
                f["subgroups"], overall=-0.02, overall_label="All children (AIPW)", horizon=365
            ),
            "single",
        ),
    }


# Every example figure at its width, and the narrow (phone) variants the brief shows of
# its double-column figures, at 100 dpi: the worker's one drawing of each.
@pytest.mark.parametrize("name", sorted(drawing_names()))
def test_figures_text_is_whole_and_apart(name: str) -> None:
    figure = drawing(name).figure
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        problems = text_problems(figure)
    assert not problems, f"{name}: " + "; ".join(map(str, problems))


DEMO_LIKE = (
    "adjusted curves (AIPW)",
    "cumulative incidence (note)",
    "precision-recall (note)",
    "fairness (narrow)",
    "flow",
    "flow (narrow)",
    "policy values (horizon)",
    "subgroup effects (horizon)",
    "survival curves by sex (narrow)",
)


def test_demo_like_figures_are_all_checked() -> None:
    assert sorted(_demo_like()) == sorted(DEMO_LIKE)


@pytest.mark.parametrize("name", DEMO_LIKE)
def test_figures_text_fits_with_the_demo_labels(name: str) -> None:
    # The review's cut text: "... received ea" (adjusted curves), ",280 children" (narrow
    # flow), overlapping panel titles and "0%10%20%30%" (narrow fairness).
    plot, width = _demo_like()[name]
    with drawn(plot, width=width, dpi=100) as figure:
        problems = text_problems(figure)
    assert not problems, f"{name}: " + "; ".join(map(str, problems))


def test_text_check_finds_a_cut_subtitle_and_colliding_labels() -> None:
    import matplotlib.pyplot as plt
    import plotnine as p9

    # Drawn by plotnine itself: drawn() wraps a subtitle too long for the figure.
    plot = fg.plot_hazard_ratios(example_frames()["hazard"]) + p9.labs(
        subtitle="A subtitle much too long for one journal column, which matplotlib cuts off"
    )
    figure = (plot + p9.theme(figure_size=(85 / 25.4, 60 / 25.4), dpi=100)).draw()
    try:
        figure.draw_without_rendering()
        problems = [str(p) for p in text_problems(figure)]
    finally:
        plt.close(figure)
    assert any("right edge of the figure" in p for p in problems)
    crowded = fg.plot_hazard_ratios(example_frames()["hazard"]) + p9.theme(
        axis_text_x=p9.element_text(size=40)
    )
    with drawn(crowded, width="single", dpi=100) as figure:
        assert any("overlaps" in str(p) for p in text_problems(figure))


#: The clear space a name written beside a line keeps from every line, in points (its box
#: to the line's edge): "Treat all" touching its line measured 0.6 pt, or ran into it.
MIN_LABEL_GAP_PT = 1.5


def _demo_decision() -> pd.DataFrame:
    """Net benefit shaped as the demo study's: 8.7% escalate, thresholds 1% to 50%.

    Treat all falls through the panel's floor near 10%; four models hug it, then zero.
    """
    thresholds = np.round(np.arange(0.01, 0.505, 0.01), 2)
    prevalence = 0.087
    treat_all = prevalence - (1 - prevalence) * thresholds / (1 - thresholds)
    above = np.maximum(treat_all, 0.0)
    bumps = {"Cox": 0.012, "Cox + text": 0.009, "Gradient boosting": 0.006}
    bumps["Gradient boosting + text"] = 0.004
    frames = [
        pd.DataFrame(
            {
                "model": model,
                "threshold": thresholds,
                "net_benefit": above + bump * np.exp(-(((thresholds - 0.12) / 0.08) ** 2)),
            }
        )
        for model, bump in bumps.items()
    ]
    frames += [
        pd.DataFrame({"model": "Treat all", "threshold": thresholds, "net_benefit": treat_all}),
        pd.DataFrame({"model": "Treat none", "threshold": thresholds, "net_benefit": 0.0}),
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.mark.parametrize("width", ["single", "double"])
@pytest.mark.parametrize("data", ["example", "demo"])
def test_decision_curve_names_keep_clear_of_every_line(data: str, width: str) -> None:
    # "Treat all", written left of its steep line, touched it in the demo's figure (0.6 pt
    # at one column) and ran into it in the example's.
    frame = _demo_decision() if data == "demo" else example_frames()["decision"]
    plot = fg.plot_decision_curve(frame, width=width)  # type: ignore[arg-type]
    with warnings.catch_warnings(), drawn(plot, width=width, dpi=100) as figure:  # type: ignore[arg-type]
        warnings.simplefilter("ignore")
        gaps = label_line_gaps(figure)
        problems = text_problems(figure)
    assert sorted(g.text for g in gaps) == ["Treat all", "Treat none"]
    close = [str(g) for g in gaps if g.gap_pt < MIN_LABEL_GAP_PT]
    assert not close, f"{data}, {width}: " + "; ".join(close)
    assert not problems, "; ".join(map(str, problems))


def test_label_gap_check_finds_a_name_on_its_line() -> None:
    import plotnine as p9

    line = pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]})
    on = pd.DataFrame({"x": [0.5], "y": [0.5], "label": ["on the line"]})
    off = pd.DataFrame({"x": [0.0], "y": [1.0], "label": ["far"]})
    plot = (
        p9.ggplot(line, p9.aes("x", "y"))
        + p9.geom_line()
        + p9.geom_text(p9.aes(label="label"), data=on)
        + p9.geom_text(p9.aes(label="label"), data=off, ha="left", va="top")
    )
    with drawn(plot, width="single", height_mm=60, dpi=100) as figure:
        gaps = {g.text: g.gap_pt for g in label_line_gaps(figure)}
    assert gaps["on the line"] < 0 < MIN_LABEL_GAP_PT < gaps["far"]


# ---------------------------------------------------------------------------------------
# Words on the figures


def test_flow_names_episode_kinds_in_words_and_wraps_counts() -> None:
    (plot, _) = _demo_like()["flow (narrow)"]
    text = "\n".join(plot.data["text"])
    assert "Early_help" not in text and "early_help" not in text
    assert "• Early help already" in text
    assert "20,000 children;\n130,475 episodes" in text


def test_policy_values_name_the_horizon_and_the_capacity_line() -> None:
    plot = fg.plot_policy_values(example_frames()["policy"], capacity_per_1000=300, horizon=365)
    assert "within 365 days" in plot.labels.y
    texts = _texts(plot)
    assert "Capacity: 300" in texts, f"no text names the capacity line: {texts}"
    assert "1,000" in texts


def test_subgroup_effects_name_the_horizon() -> None:
    plot = fg.plot_subgroup_effects(example_frames()["subgroups"], overall=-0.02, horizon=365)
    assert "by 365 days" in plot.labels.x


def test_estimators_differ_by_shape_and_the_legend_follows_the_plot() -> None:
    effects = pd.DataFrame(
        {
            "term": ["By 365 days"] * 5,
            "method": ["Unadjusted", "IPW", "G-formula", "AIPW", "CCW"],
            "estimate": [0.02, -0.02, -0.021, -0.021, -0.014],
            "conf_low": [0.007, -0.035, -0.03, -0.036, -0.028],
            "conf_high": [0.035, -0.006, -0.012, -0.006, 0.0],
        }
    )
    plot = fg.plot_risk_differences(effects, label="term", colour="method")
    shape = next(s for s in plot.scales if "shape" in s.aesthetics)
    colour = next(s for s in plot.scales if "color" in s.aesthetics)
    drawn_order = list(effects["method"])  # top to bottom
    assert list(shape.limits) == list(colour.limits) == drawn_order
    assert len(set(_values(shape).values())) == 5
    legend = plot.guides.color
    assert getattr(legend, "byrow", False), "the legend reads across, in the drawn order"


@pytest.mark.parametrize("kind", ["calibration", "roc", "precision_recall"])
def test_models_differ_by_line_type_as_well_as_colour(kind: str) -> None:
    f = example_frames()
    plot = {
        "calibration": lambda: fg.plot_calibration(f["calibration"], f["histogram"]),
        "roc": lambda: fg.plot_roc(f["roc"]),
        "precision_recall": lambda: fg.plot_precision_recall(f["precision_recall"]),
    }[kind]()
    scale = next((s for s in plot.scales if "linetype" in s.aesthetics), None)
    assert scale is not None, f"{kind}: models told apart by colour only"
    values = _values(scale)
    assert len({str(v) for v in values.values()}) == len(values) > 1


def test_figures_from_simulated_data_say_so() -> None:
    from escalation.figures.theme import figure_note

    assert figure_note("Simulated local authority: not real children") == (
        "Simulated data: not real children"
    )
    assert figure_note("Simulated local authorities: not real children") is not None
    assert figure_note(None) is None and figure_note("Anytown extract, 2024") is None


def test_flow_caption_says_counts_are_rounded_and_do_not_add_up() -> None:
    from escalation.pipeline import _rounding_note

    flow = pd.DataFrame(
        {
            "stage": ["entered", "excluded", "excluded", "remaining"],
            "children": [20000.0, 765.0, 3725.0, 15505.0],
            "episodes": [130475.0, 1985.0, 13140.0, 115350.0],
        }
    )
    assert "rounded to the nearest 5" in _rounding_note(flow, 5)
    assert "do not add up" in _rounding_note(flow, 5)
    exact = flow.assign(children=[20000.0, 765.0, 3725.0, 15510.0])
    assert "do not add up" not in _rounding_note(exact, 5)
    assert _rounding_note(exact, 1) == ""


def test_flow_caption_with_its_first_box_withheld_says_the_counts_do_not_add_up() -> None:
    """A first box withheld (missing in the disclosed flow, a nullable integer) stopped the
    describe stage: "float() argument must be ... not 'NAType'" in the caption's check."""
    from escalation.pipeline import _rounding_note

    flow = pd.DataFrame(
        {
            "stage": ["entered", "excluded", "remaining"],
            "rule": ["history", "reason", "spells"],
            "children": pd.array([None, None, 1000], dtype="Int64"),
            "episodes": pd.array([None, None, 3000], dtype="Int64"),
        }
    )
    assert _rounding_note(flow, 5) == (
        " Counts are rounded to the nearest 5, so the counts left out do not add up exactly "
        "to the difference between the boxes."
    )


def _decision(models: list[str]) -> pd.DataFrame:
    """Net benefit of ``models`` and of the two reference strategies."""
    thresholds = np.linspace(0.01, 0.5, 20)
    treat_all = 0.16 - 0.84 * thresholds / (1 - thresholds)
    frames = [
        pd.DataFrame({"model": m, "threshold": thresholds, "net_benefit": treat_all + 0.01 * i})
        for i, m in enumerate(models, start=1)
    ]
    frames += [
        pd.DataFrame({"model": "Treat all", "threshold": thresholds, "net_benefit": treat_all}),
        pd.DataFrame({"model": "Treat none", "threshold": thresholds, "net_benefit": 0.0}),
    ]
    return pd.concat(frames, ignore_index=True)


def test_decision_curve_models_differ_by_line_type_as_on_the_other_figures() -> None:
    # The decision curve drew every model solid: three models told apart by colour only.
    from escalation.figures.theme import linetype_map

    models = ["Structured data", "Structured + notes", "Gradient boosting"]
    plot = fg.plot_decision_curve(_decision(models))
    scale = next((s for s in plot.scales if "linetype" in s.aesthetics), None)
    assert scale is not None, "decision curve: models told apart by colour only"
    values = {k: v for k, v in _values(scale).items() if k in models}
    assert sorted(values) == sorted(models), "every model has a line type in the legend"
    assert len({str(v) for v in values.values()}) == len(models)
    # The same line type as on the ROC, precision-recall and calibration figures.
    assert values == linetype_map(models)
    roc = fg.plot_roc(pd.DataFrame({"model": models, "fpr": 0.5, "tpr": 0.6}))
    roc_types = _values(next(s for s in roc.scales if "linetype" in s.aesthetics))
    assert values == {m: roc_types[m] for m in models}


def test_decision_curve_references_are_named_not_only_grey() -> None:
    # "Treat all" and "Treat none" were two grey lines told apart in the legend only.
    plot = fg.plot_decision_curve(_decision(["Structured data", "Structured + notes"]))
    texts = _texts(plot)
    assert "Treat all" in texts and "Treat none" in texts, f"references not named: {texts}"
    styles = [
        str(layer.geom.aes_params["linetype"])
        for layer in plot.layers
        if type(layer.geom).__name__ == "geom_line" and "linetype" in layer.geom.aes_params
    ]
    assert len(styles) == len(set(styles)) == 2, "the references share a line type"


def test_calibration_histogram_has_one_strip_per_model() -> None:
    # Four models' outlined bars drawn over one another in one panel could not be read.
    f = example_frames()
    names = ["Cox", "Cox + text", "Gradient boosting", "Random forest"]
    one = f["calibration"]["model"] == "Structured data"
    calibration = pd.concat([f["calibration"][one].assign(model=m) for m in names])
    bins = f["histogram"][f["histogram"]["model"] == "Structured data"]
    histogram = pd.concat([bins.assign(model=m) for m in names])
    plot = fg.plot_calibration(calibration, histogram)
    assert len(plot.facet.space["y"]) == 1 + len(names)
    # One drawing gives both the bars' mapped fills and the strips' text.
    built, texts = _drawn_texts(plot)
    rects = next(layer.data for layer in built.layers if type(layer.geom).__name__ == "geom_rect")
    fills = rects.groupby("PANEL", observed=True)["fill"].nunique()
    assert len(fills) == len(names) and (fills == 1).all(), "a strip mixes models"
    assert all(any(t.endswith(f": {m}") for t in texts) for m in names), texts


def test_subgroup_effects_use_no_arm_colour() -> None:
    # Blue and vermillion are early help and no early help in every figure: the subgroup
    # figure's estimates and overall line drew in them, reading as the two arms.
    from escalation.figures.theme import ARM_COLOURS

    f = example_frames()
    plot = fg.plot_subgroup_effects(f["subgroups"], overall=-0.02, overall_label="All")
    colours = {str(layer.geom.aes_params.get("color", "")).upper() for layer in plot.layers}
    assert "#333333" in colours  # the estimates
    arms = {str(c).upper() for c in ARM_COLOURS.values()}
    assert not colours & arms, colours & arms


def _drawn_colours(plot: Any) -> tuple[set[str], set[str]]:
    """Every colour the drawn layers use (mapped or set), and every marker shape."""
    return _layer_colours(_built(plot))


def _layer_colours(built: Any) -> tuple[set[str], set[str]]:
    """Every colour the layers of a drawn plot use (mapped or set), and every marker shape."""
    colours: set[str] = set()
    shapes: set[str] = set()
    for layer in built.layers:
        for column in ("color", "fill"):
            if column in layer.data:
                colours |= {str(c).upper() for c in layer.data[column].dropna()}
            if layer.geom.aes_params.get(column):
                colours.add(str(layer.geom.aes_params[column]).upper())
        if "shape" in layer.data:
            shapes |= {str(shape) for shape in layer.data["shape"]}
    return colours, shapes


def _estimator_figures() -> dict[str, tuple[Callable[[], Any], int]]:
    """Figures that tell estimators apart, drawn when called, and how many estimators.

    The example's risk differences are the worker's one drawing of that figure.
    """
    from escalation.figures.simstudy import plot_coverage, plot_nested_loop

    methods = ["Unadjusted", "IPW", "G-formula", "AIPW", "CCW"]
    effects = pd.DataFrame(
        {
            "term": ["By 365 days"] * 5 + ["By 730 days"] * 5,
            "method": methods * 2,
            "estimate": [0.021, -0.021, -0.021, -0.021, -0.014] * 2,
            "conf_low": [0.007, -0.035, -0.03, -0.036, -0.028] * 2,
            "conf_high": [0.035, -0.006, -0.012, -0.006, 0.0] * 2,
        }
    )
    performance = pd.DataFrame(
        {
            "scenario": [1, 1, 1, 2, 2, 2],
            "n": [500, 500, 500, 1000, 1000, 1000],
            "estimator": ["ipw", "aipw", "ccw"] * 2,
            "measure": "coverage",
            "estimate": [0.93, 0.95, 0.94, 0.92, 0.95, 0.96],
            "mcse": 0.01,
        }
    )
    return {
        "risk differences (the brief's)": (
            lambda: _built(fg.plot_risk_differences(effects, label="term", colour="method")),
            5,
        ),
        "risk differences (example)": (
            lambda: drawing("risk_differences").plot,
            2,  # IPW and AIPW
        ),
        "forest of ratios by estimator": (
            lambda: _built(
                fg.plot_forest(
                    effects.assign(estimate=1.1, conf_low=0.9, conf_high=1.3),
                    colour="method",
                    scale="ratio",
                )
            ),
            5,
        ),
        "simulation coverage": (lambda: _built(plot_coverage(performance)), 3),
        "simulation nested loop": (
            lambda: _built(plot_nested_loop(performance, settings=["n"], measure="coverage")),
            3,
        ),
    }


@pytest.mark.parametrize("name", sorted(_estimator_figures()))
def test_estimator_figures_use_no_arm_colour(name: str) -> None:
    # Blue and vermillion are early help and no early help in every figure: the forest
    # plot of risk differences drew IPW and AIPW in them, which read as the two arms.
    from escalation.figures.theme import ARM_COLOURS

    built, n_estimators = _estimator_figures()[name]
    colours, shapes = _layer_colours(built())
    arms = {str(c).upper() for c in ARM_COLOURS.values()}
    assert not colours & arms, f"{name}: estimators in the arms' colours {colours & arms}"
    # Told apart by marker shape, not by shade alone.
    assert len(shapes) == n_estimators, f"{name}: estimators' shapes {shapes}"


_WITHOUT_ARMS = ("authority forest", "difference_curve", "effect_distribution",
                 "hazard_ratio_table", "hazard_ratios", "schoenfeld", "zip plot",
                 "policy_values", "fairness", "fairness (the brief's, flagged by group)",
                 "calibration", "roc", "precision_recall", "decision_curve",
                 "love_plot", "state_occupation")  # fmt: skip

#: Figures whose series may take hues (stacked areas), not only black and greys.
_HUED = ("state_occupation",)

#: The example figures among :data:`_WITHOUT_ARMS` (read from the worker's drawings).
_EXAMPLES_WITHOUT_ARMS = ("difference_curve", "hazard_ratios", "hazard_ratio_table",
                          "schoenfeld", "effect_distribution", "policy_values", "fairness",
                          "calibration", "roc", "precision_recall", "decision_curve",
                          "love_plot", "state_occupation")  # fmt: skip


def _figures_without_arms() -> dict[str, Callable[[], Any]]:
    """Figures whose lines, points and areas are not the arms, drawn when called.

    One series, authorities, policy rules, risk models, before and after weighting, states.
    The example figures are the worker's one drawing of each.
    """
    out: dict[str, Callable[[], Any]] = {
        name: partial(_drawn_example, name) for name in _EXAMPLES_WITHOUT_ARMS
    }
    others = _other_figures_without_arms()
    out |= {name: partial(_built, plot) for name, plot in others.items()}
    return out


def _drawn_example(name: str) -> Any:
    """The example figure ``name`` as drawn (its layers built): the worker's drawing."""
    return drawing(name).plot


@cache
def _other_figures_without_arms() -> dict[str, Any]:
    """The figures of :data:`_WITHOUT_ARMS` that are not example figures (not drawn)."""
    from escalation.figures.simstudy import plot_zip
    from escalation.figures.theme import colour_map

    out: dict[str, Any] = {}
    # The brief's "who is flagged" figure: the first model only, in the study's colours.
    f = example_frames()
    out["fairness (the brief's, flagged by group)"] = fg.plot_fairness(
        f["fairness"].assign(model="Cox"),
        overall=f["overall"],
        colours=colour_map(["Cox", "Cox + text"]),
    )
    out["authority forest"] = fg.plot_authority_forest(
        pd.DataFrame(
            {
                "label": ["LA01", "LA02", "Pooled (random effects)", "Prediction interval"],
                "estimate": [-0.02, -0.01, -0.015, -0.015],
                "conf_low": [-0.04, -0.03, -0.03, -0.06],
                "conf_high": [0.0, 0.01, 0.0, 0.03],
                "kind": ["authority", "authority", "pooled", "prediction"],
            }
        )
    )
    rng = np.random.default_rng(1)
    z = rng.normal(size=40)
    out["zip plot"] = plot_zip(
        pd.DataFrame(
            {
                "conf_low": z - 1.96,
                "conf_high": z + 1.96,
                "truth": 0.0,
                "centile": 100 * np.argsort(np.argsort(np.abs(z))) / 40,
                "covers": np.abs(z) < 1.96,
                "estimator": "aipw",
            }
        )
    )
    return out


def _near_arm(colour: str) -> bool:
    """Whether ``colour`` is within CIE76 distance 40 of the arms' blue or vermillion.

    Computed here, not by the package, so that the test judges the package's colours.
    """
    from matplotlib.colors import to_rgb

    def lab(hex_colour: str) -> np.ndarray:
        rgb = np.array(to_rgb(hex_colour))
        lin = np.where(rgb > 0.04045, ((rgb + 0.055) / 1.055) ** 2.4, rgb / 12.92)
        to_xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722],
                           [0.0193, 0.1192, 0.9505]])  # fmt: skip
        xyz = to_xyz @ lin / np.array([0.95047, 1.0, 1.08883])
        f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
        return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])

    return any(
        float(np.linalg.norm(lab(colour) - lab(arm))) < 40.0 for arm in (EARLY_HELP, NO_EARLY_HELP)
    )


def _contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of ``colour`` against white."""
    from matplotlib.colors import to_rgb

    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in to_rgb(colour)]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return 1.05 / (luminance + 0.05)


def _mapped_colours(plot: Any) -> set[str]:
    """The colours the layers of a drawn ``plot`` map to their series (not fixed marks)."""
    from matplotlib.colors import to_hex

    mapped: set[str] = set()
    for layer in plot.layers:
        for column in ("color", "fill"):
            if column in layer.data and column in layer.mapping:
                mapped |= {to_hex(c).upper() for c in layer.data[column].dropna()}
    return mapped


@pytest.mark.parametrize("name", _WITHOUT_ARMS)
def test_figures_without_arms_use_no_arm_colour(name: str) -> None:
    # A forest of hazard ratios, a difference curve, the mean of the individual effects,
    # a Schoenfeld smooth, authorities against their pooled estimate, and intervals that
    # miss the truth were drawn in the arms' blue or vermillion; so were the policy rules
    # ("Everyone", who all get early help, in the vermillion of no early help), the risk
    # models (Cox blue, Cox + text vermillion), every group of the brief's flagged-by-group
    # figure, before and after weighting, and the states (in near shades of both).
    from matplotlib.colors import to_hex

    from escalation.figures.theme import ARM_COLOURS

    figures = _figures_without_arms()
    assert set(figures) == set(_WITHOUT_ARMS)
    built = figures[name]()
    colours, _ = _layer_colours(built)
    arms = {str(c).upper() for c in ARM_COLOURS.values()}
    assert not colours & arms, f"{name}: drawn in the arms' colours {colours & arms}"
    near = {c for c in colours if c not in {"NONE", ""} and _near_arm(to_hex(c))}
    assert not near, f"{name}: drawn in near shades of the arms' colours {near}"
    if name not in _HUED:
        # Black and greys told apart by shape or line type: none too light to see.
        light = {c for c in _mapped_colours(built) if _contrast_with_white(c) < 3.0}
        assert not light, f"{name}: series lighter than 3:1 against white {light}"


def test_hazard_ratio_axis_title_stays_inside_with_long_row_labels() -> None:
    # The demo's labels ("Sex: Unknown or not stated vs Female") push the panel right: the
    # centred x-axis title ran 3 px (at 300 dpi) off the figure's right edge.
    labels = ["Early help (grace period)", "Age, per year", "Sex: Male vs Female",
              "Sex: Unknown or not stated vs Female", "Deprivation decile, per decile",
              "Prior periods in care, each"]  # fmt: skip
    hr = pd.DataFrame(
        {
            "term": labels,
            "estimate": [0.8, 0.95, 1.05, 1.0, 0.95, 1.7],
            "conf_low": [0.7, 0.93, 0.95, 0.6, 0.94, 1.4],
            "conf_high": [0.9, 0.97, 1.15, 1.6, 0.96, 2.2],
        }
    )
    with warnings.catch_warnings(), drawn(fg.plot_hazard_ratios(hr), width="single", dpi=300) as f:
        warnings.simplefilter("ignore")
        problems = text_problems(f)
    assert not problems, "; ".join(map(str, problems))


def test_calibration_strip_names_sit_above_the_bars() -> None:
    # "Children per bin: Gradient boosting + text" was drawn over the tallest bar.
    plot, _ = example_figures(["calibration"])["calibration"]
    layers = [layer.geom.data for layer in plot.layers]
    layers = [d for d in layers if isinstance(d, pd.DataFrame)]
    bars = next(d for d in layers if "count" in d)
    names = next(d for d in layers if "label" in d and "y" in d)
    assert (names["y"] >= 1.5 * bars["count"].max()).all()


@pytest.mark.parametrize("name", ["flow", "transitions"])
def test_diagram_boxes_are_neutral_grey(name: str) -> None:
    # The boxes were a pale tint of the early-help blue (#E8F1F8): a diagram of the cohort
    # is not an arm.
    colours, _ = _layer_colours(drawing(name).plot)
    tinted = {c for c in colours if c.startswith("#") and len({c[1:3], c[3:5], c[5:7]}) > 1}
    assert not tinted, f"{name}: boxes or lines in colours that are not greys {tinted}"


def _risk_table_example(times: list[float]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Curves to 1,747 days and four-digit numbers at risk at ``times`` (the review's)."""
    t = np.linspace(0.0, 1747.0, 60)
    curves = pd.concat(
        [
            pd.DataFrame({"time": t, "estimate": r * t / 1747, "group": g}).assign(
                conf_low=lambda f: f["estimate"] * 0.8, conf_high=lambda f: f["estimate"] * 1.2
            )
            for g, r in ((0, 0.25), (1, 0.3))
        ],
        ignore_index=True,
    )
    counts = {
        0: [1487, 1339, 1234, 797, 464, 216, 100, 50],
        1: [893, 799, 714, 456, 260, 121, 60, 30],
    }
    at_risk = pd.DataFrame(
        [
            {"time": time, "group": g, "at_risk": counts[g][i]}
            for g in (0, 1)
            for i, time in enumerate(times)
        ]
    )
    return curves, at_risk


def _table_numbers(plot: Any, width: str) -> tuple[set[str], list[tuple[str, str]]]:
    """The numbers of the drawn risk table, and the pairs in one row whose boxes overlap."""
    with drawn(plot, width=width, dpi=100) as figure:
        renderer = figure._get_renderer()
        boxes = [
            (t.get_text(), t.get_window_extent(renderer))
            for axes in figure.axes
            for t in axes.texts  # the text layers (the table), not the tick labels
            if t.get_visible() and t.get_text().replace(",", "").isdigit()
        ]
    overlapping = [
        (a, b)
        for i, (a, box_a) in enumerate(boxes)
        for b, box_b in boxes[i + 1 :]
        if abs(box_a.y0 - box_b.y0) < 1 and min(box_a.x1, box_b.x1) > max(box_a.x0, box_b.x0)
    ]
    return {text for text, _ in boxes}, overlapping


@pytest.mark.parametrize("width", ["single", "double"])
def test_risk_table_numbers_never_run_into_each_other(width: str) -> None:
    # The review: at_risk([0, 180, 365, 730]) under curves to 1,800 days drew "1,48 7,33 9,234".
    curves, at_risk = _risk_table_example([0, 180, 365, 730])
    plot = fg.plot_survival_curves(curves, at_risk, kind="cumulative_incidence", width=width)
    numbers, overlapping = _table_numbers(plot, width)
    assert not overlapping
    assert {"1,487", "1,234", "797", "893", "714", "456"} <= numbers  # thinned, not emptied
    # Times that fit are all drawn: round breaks (time_breaks).
    breaks = fg.time_breaks(1747)[:-1]
    curves, at_risk = _risk_table_example(breaks)
    plot = fg.plot_survival_curves(curves, at_risk, kind="cumulative_incidence", width=width)
    numbers, overlapping = _table_numbers(plot, width)
    assert not overlapping
    assert numbers == {f"{v:,}" for v in at_risk["at_risk"]}


def test_hazard_ratio_table_keeps_the_ratio_inside_its_printed_interval() -> None:
    """A covariate in days has hazard ratios near 1 per day: two decimals printed
    "1.00 (1.00 to 1.00)" (an academic reader's table); the text keeps decimals until the
    ratio lies strictly inside its interval, as the brief's numbers do."""
    from escalation.figures import plot_hazard_ratio_table

    table = pd.DataFrame(
        {
            "term": ["age", "days_since_first_referral"],
            "estimate": [1.05, 0.99962],
            "conf_low": [1.01, 0.99931],
            "conf_high": [1.09, 0.99993],
            "p_value": [0.01, 0.02],
        }
    )
    texts = set(plot_hazard_ratio_table(table).data["text"].dropna())
    assert texts == {"1.05 (1.01 to 1.09)", "0.9996 (0.9993 to 0.9999)"}
