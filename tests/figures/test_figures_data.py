"""The data, layers, scales and labels behind each figure."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotnine as p9
import pytest

from escalation.errors import DataValidationError, DesignError
from escalation.figures import (
    COLUMN_WIDTH_MM,
    OKABE_ITO,
    plot_adjusted_curves,
    plot_calibration,
    plot_decision_curve,
    plot_effect_distribution,
    plot_fairness,
    plot_flow,
    plot_forest,
    plot_hazard_ratios,
    plot_love,
    plot_overlap,
    plot_risk_differences,
    plot_schoenfeld,
    plot_state_occupation,
    plot_subgroup_effects,
    plot_survival_curves,
    theme_escalation,
)
from escalation.figures._examples import example_frames
from escalation.figures._labels import point_breaks, points
from escalation.figures.curves import step_frame, time_breaks
from escalation.figures.flow import flow_layout
from escalation.timeline.labels import covariate_label, describe_covariate


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return example_frames()


def layer_geoms(plot: p9.ggplot) -> list[str]:
    return [type(layer.geom).__name__ for layer in plot.layers]


def test_figures_theme_sizes_and_palette() -> None:
    theme = theme_escalation(width="single", height_mm=60)
    w, h = theme.themeables.property("figure_size")
    assert w * 25.4 == pytest.approx(85.0)
    assert h * 25.4 == pytest.approx(60.0)
    assert COLUMN_WIDTH_MM == {"single": 85.0, "double": 178.0}
    # Okabe & Ito (2008): the published hex codes.
    assert OKABE_ITO[:3] == ("#0072B2", "#D55E00", "#009E73")
    assert theme.themeables.property("text", "family") == "DejaVu Sans"


def test_figures_step_frame_is_right_continuous() -> None:
    curve = pd.DataFrame(
        {
            "time": [0.0, 10.0, 25.0],
            "estimate": [1.0, 0.8, 0.5],
            "conf_low": [1.0, 0.7, 0.35],
            "conf_high": [1.0, 0.9, 0.65],
            "group": "a",
        }
    )
    steps = step_frame(curve)
    assert steps["time"].tolist() == [0, 10, 10, 25, 25]
    assert steps["estimate"].tolist() == [1.0, 1.0, 0.8, 0.8, 0.5]
    assert steps["conf_low"].tolist() == [1.0, 1.0, 0.7, 0.7, 0.35]


def test_figures_survival_curves_with_table(frames: dict[str, pd.DataFrame]) -> None:
    at_risk = frames["at_risk"].copy()
    at_risk["at_risk"] = at_risk["at_risk"].astype("Int64")
    at_risk.loc[3, "at_risk"] = pd.NA  # suppressed by disclosure control upstream
    plot = plot_survival_curves(frames["km"], at_risk)
    assert layer_geoms(plot)[:2] == ["geom_ribbon", "geom_line"]
    texts = [layer.geom.data for layer in plot.layers if type(layer.geom).__name__ == "geom_text"]
    cells = next(d for d in texts if "group" in d)
    at = cells[cells["estimate"].isin([-1.0, -2.0])]
    # At risk first (rows -1, -2), then escalated and censored blocks beneath.
    assert at.groupby("group", observed=True)["estimate"].first().to_dict() == {
        "Early help": -1.0,
        "No early help": -2.0,
    }
    assert at["label"].tolist()[:5] == ["1,840", "1,605", "1,390", "<10", "645"]
    titles = next(d for d in texts if "group" not in d)["label"].tolist()
    assert titles == ["At risk", "Escalation (cumulative)", "Censored (cumulative)"]
    assert plot.facet.space["y"][0] >= 1.5 * plot.facet.space["y"][1]
    assert plot.labels.y == "Free of escalation"


def test_figures_cumulative_incidence_says_what_it_is(frames: dict[str, pd.DataFrame]) -> None:
    # Built from a curve result's tidy() as the docs describe: groups are 0/1.
    cif = frames["cif"].assign(
        group=frames["cif"]["group"].map({"Early help": 1, "No early help": 0})
    )
    longer = cif[cif["time"] == cif["time"].max()].assign(time=1560.0)
    cif = pd.concat([cif, longer], ignore_index=True)
    plot = plot_survival_curves(
        cif,
        kind="cumulative_incidence",
        censored=frames["censored"],
        test=("log-rank", 0.0004),
    )
    # The legend names the arms, not "0 / 1".
    assert set(plot.data["group"].astype(str)) == {"Early help", "No early help"}
    assert plot.labels.y == "Cumulative incidence of escalation"
    assert plot.labels.subtitle == "Unadjusted; log-rank p < 0.001"
    # The y axis starts at 0 exactly; time ticks cover the whole curve (to 1,560 days).
    y = plot.scales.get_scales("y")
    assert y.limits[0] == 0.0 and tuple(y.expand) == (0, 0)
    x_breaks = plot.scales.get_scales("x").breaks
    assert max(x_breaks) >= 1560
    marks = [layer for layer in plot.layers if type(layer.geom).__name__ == "geom_point"]
    assert marks and len(marks[0].geom.data) <= 2 * 60


def test_figures_time_breaks_cover_the_curve() -> None:
    assert time_breaks(1560)[-1] >= 1560
    for last in (45, 100, 365, 730, 1000, 3000):
        breaks = time_breaks(last)
        assert breaks[0] == 0 and breaks[-1] >= last and len(breaks) <= 6
        assert len(set(np.diff(breaks))) == 1


def test_figures_survival_curves_selects_cause(frames: dict[str, pd.DataFrame]) -> None:
    cif = frames["cif"]
    both = pd.concat([cif, cif.assign(cause=2, estimate=cif["estimate"] / 10)])
    plot = plot_survival_curves(both, kind="cumulative_incidence")
    assert set(plot.data["cause"]) == {1}
    assert plot.labels.y == "Cumulative incidence of escalation"
    with pytest.raises(DesignError, match="cause 3"):
        plot_survival_curves(both, cause=3)


def test_figures_missing_columns_are_listed(frames: dict[str, pd.DataFrame]) -> None:
    with pytest.raises(DataValidationError) as error:
        plot_survival_curves(frames["km"].drop(columns=["conf_low", "conf_high"]))
    message = str(error.value)
    assert "Survival curves data: 2 problems found" in message
    assert "column 'conf_low'" in message and "column 'conf_high'" in message
    with pytest.raises(DataValidationError, match="expected a tidy pandas DataFrame"):
        plot_love([1, 2, 3])  # type: ignore[arg-type]
    with pytest.raises(DataValidationError, match="no rows"):
        plot_calibration(frames["calibration"].iloc[:0])


def test_figures_adjusted_curves_mark_horizons(frames: dict[str, pd.DataFrame]) -> None:
    plot = plot_adjusted_curves(frames["adjusted"], horizons=[365, 730])
    vline = [layer for layer in plot.layers if type(layer.geom).__name__ == "geom_vline"]
    assert list(vline[0].geom.data["xintercept"]) == [365.0, 730.0]
    assert plot.labels.y == "Risk of escalation"


def test_figures_forest_plots(frames: dict[str, pd.DataFrame]) -> None:
    hr = plot_hazard_ratios(frames["hazard"])
    assert isinstance(hr.scales.get_scales("x").trans, type(p9.scale_x_log10().trans))
    null = [layer for layer in hr.layers if type(layer.geom).__name__ == "geom_vline"]
    assert null[0].geom.data["xintercept"].tolist() == [1.0]
    # First term at the top: categories are reversed.
    assert list(hr.data["term"].cat.categories)[-1] == "Early help"
    rd = plot_risk_differences(frames["effects"], colour="method")
    nudges = sorted(
        layer.position.params["y"]
        for layer in rd.layers
        if type(layer.geom).__name__ == "geom_point"
    )
    assert nudges == pytest.approx([-0.125, 0.125])
    assert list(points([-0.02, 0.0, 0.03])) == ["-2", "0", "+3"]
    # Breaks are even steps of percentage points and labelled as such (no "-2" for -2.5).
    assert list(points(point_breaks((-0.05, 0.0)))) == ["-5", "-4", "-3", "-2", "-1", "0"]
    assert list(points([-0.025, 0.0, 0.025])) == ["-2.5", "0", "+2.5"]
    steps = np.diff(point_breaks((-0.062, 0.011)))
    assert np.allclose(steps, steps[0])
    with pytest.raises(DataValidationError, match="column 'term'"):
        plot_forest(frames["effects"].drop(columns="estimand"))


def test_figures_love_plot_labels_groups_and_summarises(frames: dict[str, pd.DataFrame]) -> None:
    balance = frames["balance"]
    plot = plot_love(balance, top=8)
    names = plot.scales.get_scales("y").labels(plot.scales.get_scales("y").limits)
    shown = [n.strip() for n in names]
    # Human labels from the code lists, grouped under domain headers.
    assert "Domestic abuse: parent" in shown and "factor_3B" not in shown
    assert {"Child", "History", "Assessment factors"} <= set(shown)
    # The 8 most imbalanced before weighting are shown; the other 4 in one row.
    raw = balance[balance["sample"] == "unweighted"].set_index("covariate")["smd"].abs()
    rest = raw.sort_values(ascending=False).index[8:]
    assert "4 other covariates (largest)" in shown
    summary = plot.data[plot.data["covariate"] == "__rest__"]
    before = summary[
        (summary["sample"] == "Before weighting") & (summary["panel"] == "Absolute SMD")
    ]
    assert before["x"].iloc[0] == pytest.approx(raw[rest].max())
    # Variance ratios of numeric covariates only, on a log2 axis offset from the SMDs.
    vr = plot.data[plot.data["panel"] == "Variance ratio"]
    assert set(vr["covariate"]) <= {
        "age",
        "imd_decile",
        "disability",
        "prior_referrals",
        "prior_assessments",
        "prior_cp_plans",
        "n_factors",
        "__rest__",
    }
    assert len(vr) > 0
    assert set(plot.data["sample"]) == {"Before weighting", "After weighting"}
    assert (plot.data.loc[plot.data["panel"] == "Absolute SMD", "x"] >= 0).all()


def test_figures_covariate_labels() -> None:
    assert covariate_label("factor_3B") == "Domestic abuse: parent"
    assert covariate_label("need_N5") == "Primary need: Family dysfunction"
    assert covariate_label("ethnicity_MWBC") == "Ethnicity: White and Black Caribbean"
    assert covariate_label("factor_21") == "No factors identified"
    assert describe_covariate("source_6").domain == "Referral"
    assert covariate_label("mystery_column") == "Mystery column"


def test_figures_overlap_shares(frames: dict[str, pd.DataFrame]) -> None:
    frame = frames["propensity"]
    plot = plot_overlap(frame, bins=20)
    data = plot.data
    for _, part in data.groupby(["sample", "treatment"], observed=True):
        assert part["ymax"].sub(part["ymin"]).sum() == pytest.approx(1.0)
    weighted_treated = data[(data["sample"] == "Weighted") & (data["treatment"] == "Early help")]
    treated = frame[frame["treatment"] == 1]
    edges = np.r_[weighted_treated["xmin"].to_numpy(), weighted_treated["xmax"].iloc[-1]]
    score = frame["propensity"]
    pad = (score.max() - score.min()) * 0.02
    np.testing.assert_allclose(
        edges[[0, -1]], [max(0.0, score.min() - pad), min(1.0, score.max() + pad)]
    )
    expected, _ = np.histogram(treated["propensity"], bins=edges, weights=treated["weight"])
    np.testing.assert_allclose(weighted_treated["ymax"], expected / expected.sum())
    untreated = data[(data["sample"] == "Unweighted") & (data["treatment"] == "No early help")]
    assert (untreated["ymax"] == 0).all() and (untreated["ymin"] <= 0).all()


def test_figures_schoenfeld(frames: dict[str, pd.DataFrame]) -> None:
    residuals = frames["schoenfeld"].copy()
    residuals.loc[0, "residual"] = 60.0  # an outlier must not stretch the axis
    plot = plot_schoenfeld(residuals, frames["ph_tests"], covariates=["age", "treatment"])
    panels = list(plot.data["panel"].cat.categories)
    assert panels == ["Age (years)\np = 0.004", "Early help (within the grace period)\np = 0.620"]
    assert plot.labels.subtitle == "Global test of proportional hazards: p = 0.020"
    assert len(plot.data) == 500
    assert "geom_ribbon" in layer_geoms(plot)
    age = plot.data[plot.data["panel"] == panels[0]]
    assert age["residual"].max() < 10
    assert (age["outside"] == "beyond the axis").sum() >= 1
    with pytest.raises(DesignError, match="no residuals for sex"):
        plot_schoenfeld(frames["schoenfeld"], covariates=["sex"])


def test_figures_schoenfeld_indicators_show_their_covariates_test(
    frames: dict[str, pd.DataFrame],
) -> None:
    # ph_test tests a categorical covariate once (sex; a formula's C(sex)), as cox.zph
    age = frames["schoenfeld"].query("covariate == 'age'")
    residuals = pd.concat(
        [age.assign(covariate=name) for name in ("sex_M", "C(sex)[T.U]", "age_band_5")]
    )
    tests = pd.DataFrame(
        {"term": ["sex", "C(sex)", "age", "age_band", "global"],
         "p_value": [0.3, 0.4, 0.01, 0.5, 0.2]}
    )  # fmt: skip
    plot = plot_schoenfeld(residuals, tests)
    panels = list(plot.data["panel"].cat.categories)
    assert [panel.split("\n")[-1] for panel in panels] == ["p = 0.300", "p = 0.400", "p = 0.500"]


def test_figures_state_occupation_stacks_to_one(frames: dict[str, pd.DataFrame]) -> None:
    plot = plot_state_occupation(frames["states"])
    totals = plot.data.groupby("time")["probability"].sum()
    np.testing.assert_allclose(totals, 1.0)
    # First state listed is drawn at the bottom (last category).
    assert list(plot.data["state"].cat.categories)[-1] == "No further contact"


def test_figures_calibration_and_decision(frames: dict[str, pd.DataFrame]) -> None:
    cal = plot_calibration(frames["calibration"])
    assert "geom_point" in layer_geoms(cal)
    smooth = frames["calibration"].sample(frac=1.0, random_state=0)
    smooth = pd.concat([smooth] * 3, ignore_index=True)
    assert "geom_ribbon" in layer_geoms(plot_calibration(smooth))
    dec = plot_decision_curve(frames["decision"])
    # The models keep the legend; the reference strategies are drawn (and named) apart.
    assert list(dec.data["model"].cat.categories) == ["Structured + notes", "Structured data"]
    assert sum(type(layer.geom).__name__ == "geom_line" for layer in dec.layers) == 3
    top = frames["decision"]["net_benefit"].max()
    assert dec.coordinates.limits.y == pytest.approx((-0.25 * top, 1.05 * top))


def test_figures_fairness_suppressed_groups(frames: dict[str, pd.DataFrame]) -> None:
    plot = plot_fairness(frames["fairness"])
    suppressed = frames["fairness"]["suppressed"]
    assert len(plot.data) == int((~suppressed).sum())
    labels = [layer for layer in plot.layers if type(layer.geom).__name__ == "geom_text"]
    assert labels and set(labels[0].geom.data["group"]) == {"Other"}
    assert plot.facet.space["y"] == [2.0, 5.0, 2.0]


def test_figures_heterogeneity(frames: dict[str, pd.DataFrame]) -> None:
    dist = plot_effect_distribution(frames["cate"])
    mean_line = dist.layers[1].geom.data["xintercept"].iloc[0]
    assert mean_line == pytest.approx(frames["cate"]["effect"].mean())
    sub = plot_subgroup_effects(frames["subgroups"], overall=-0.025)
    y = sub.scales.get_scales("y")
    names = list(y.labels(y.limits))[::-1]
    # Subgroup names are header rows above their levels (no clipped strips).
    assert names[:4] == ["Age", "    0-4", "    5-11", "    12-17"]
    assert "Prior referrals" in names and "Domestic abuse" in names


def test_figures_subgroup_without_an_estimate_keeps_its_row_in_words(
    frames: dict[str, pd.DataFrame],
) -> None:
    # A level too small to estimate (NaN): plotnine warned "Removed 1 rows containing
    # missing values", which stopped the study's heterogeneity stage.
    import warnings

    from escalation.figures.save import drawn

    subgroups = frames["subgroups"].copy()
    subgroups.loc[0, ["estimate", "conf_low", "conf_high"]] = np.nan
    plot = plot_subgroup_effects(subgroups, overall=-0.025)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with drawn(plot, width="single", height_mm=None, dpi=72) as figure:
            texts = [t.get_text() for t in figure.findobj(lambda a: hasattr(a, "get_text"))]
    assert "not estimated (too few children)" in texts
    y = plot.scales.get_scales("y")
    assert len(y.limits) == len(frames["subgroups"]) + frames["subgroups"]["subgroup"].nunique()


def test_figures_subgroup_effects_whatever_the_index() -> None:
    """Review (session 25): the rows without an estimate were dropped by index label, so
    with the index (0, 1, 0, 1) that ``pd.concat`` leaves, dropping sex M (label 1) also
    dropped age 5-10: 2 points drawn of 3, and age 5-10 left blank without words."""
    sex = pd.DataFrame({"subgroup": "sex", "level": ["F", "M"], "estimate": [-0.03, None],
                        "conf_low": [-0.05, None], "conf_high": [-0.01, None]})  # fmt: skip
    age = pd.DataFrame({"subgroup": "age_band", "level": ["0-4", "5-10"],
                        "estimate": [0.02, -0.01], "conf_low": [-0.01, -0.04],
                        "conf_high": [0.05, 0.02]})  # fmt: skip
    plot = plot_subgroup_effects(pd.concat([sex, age]))
    assert plot.data["level"].tolist() == ["F", "0-4", "5-10"]
    (words,) = [layer.geom.data for layer in plot.layers if isinstance(layer.geom, p9.geom_text)]
    assert words["level"].tolist() == ["M"]


def test_figures_effect_distribution_takes_the_design_rules() -> None:
    """Review (session 25): bars were disclosed under the default rules (10, 5) whatever
    the design's: under threshold 20 and rounding 10 a bin of 12 children was drawn as 10
    and one of 37 as 35."""
    from escalation.disclosure import DisclosureRules

    effects = np.r_[np.full(12, -0.05), np.full(37, 0.05)]
    plot = plot_effect_distribution(
        pd.DataFrame({"effect": effects}), rules=DisclosureRules(threshold=20, rounding=10)
    )
    drawn = plot.data.loc[plot.data["children"] > 0, "children"].tolist()
    assert drawn == [40]
    default = plot_effect_distribution(pd.DataFrame({"effect": effects}))
    assert default.data.loc[default.data["children"] > 0, "children"].tolist() == [10, 35]


def test_figures_effect_distribution_of_equal_effects() -> None:
    """A 150-child demo's forest gave every child the same effect up to rounding:
    numpy could not cut that range into 40 bins ("Too many bins for data range") and the
    heterogeneity stage stopped. All the children are now in one bar."""
    effects = np.full(60, 0.1)
    effects[::2] = np.nextafter(0.1, 1.0)
    plot = plot_effect_distribution(pd.DataFrame({"effect": effects}))
    assert int(plot.data["children"].sum()) == 60 and int((plot.data["children"] > 0).sum()) == 1


def test_figures_flow_layout(frames: dict[str, pd.DataFrame]) -> None:
    flow = frames["flow"]
    boxes, arrows = flow_layout(flow)
    assert boxes["kind"].tolist() == ["main", "excluded", "main", "excluded", "main"]
    side = boxes.loc[3, "text"]
    assert "Referral closed for another reason: 1,900 children; 7,100 episodes" in side.replace(
        "\n  ", " "
    )
    # Boxes never overlap vertically within a column and flow downwards.
    main = boxes[boxes["kind"] == "main"]
    assert (main["y1"].to_numpy()[1:] < main["y0"].to_numpy()[:-1]).all()
    assert len(arrows) == 4
    suppressed = flow.astype({"children": "Int64"})
    suppressed.loc[5, "children"] = pd.NA
    boxes, _ = flow_layout(suppressed)
    assert "<10 children" in boxes.loc[3, "text"].replace("\n  ", " ")
    plot = plot_flow(flow)
    assert set(layer_geoms(plot)) == {"geom_segment", "geom_rect", "geom_text"}
