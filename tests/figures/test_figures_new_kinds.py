"""The figure kinds R users look for: ROC/PR, calibration histogram, transitions, balance.

Also the fixes of the fairness and overlap figures and one colour per model.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from escalation.figures import (
    colour_map,
    plot_calibration,
    plot_decision_curve,
    plot_distribution_balance,
    plot_fairness,
    plot_hazard_ratio_table,
    plot_overlap,
    plot_precision_recall,
    plot_roc,
    plot_transitions,
)
from escalation.figures._examples import example_frames
from escalation.predict import precision_recall_curve, risk_histogram, roc_curve
from escalation.predict.metrics import average_precision, time_dependent_auc


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    return example_frames()


def test_figures_roc_and_pr_curves_match_sklearn_without_censoring() -> None:
    rng = np.random.default_rng(3)
    n = 500
    risk = rng.random(n)
    escalated = rng.random(n) < 0.2 + 0.5 * risk
    duration = np.where(escalated, rng.uniform(1, 300, n), 400.0)
    event = escalated.astype(int)
    ours = roc_curve(duration, event, risk, horizon=365)
    fpr, tpr, _ = skm.roc_curve(escalated, risk, drop_intermediate=False)
    np.testing.assert_allclose(ours["fpr"], fpr)
    np.testing.assert_allclose(ours["tpr"], tpr)
    pr = precision_recall_curve(duration, event, risk, horizon=365)
    precision, recall, _ = skm.precision_recall_curve(escalated, risk)
    np.testing.assert_allclose(pr["precision"].to_numpy()[1:], precision[::-1][1:])
    np.testing.assert_allclose(pr["recall"].to_numpy()[1:], recall[::-1][1:])


def test_figures_roc_area_equals_the_censoring_weighted_auc() -> None:
    rng = np.random.default_rng(5)
    n = 800
    risk = rng.random(n)
    t = rng.exponential(400 / (0.5 + risk))
    c = rng.uniform(50, 900, n)
    duration = np.ceil(np.minimum(t, c))
    event = np.where(t <= c, np.where(rng.random(n) < 0.05, 2, 1), 0)
    curve = roc_curve(duration, event, risk, horizon=365)
    area = float(np.trapezoid(curve["tpr"], curve["fpr"]))
    assert area == pytest.approx(time_dependent_auc(duration, event, risk, 365), abs=1e-12)
    pr = precision_recall_curve(duration, event, risk, horizon=365)
    step = float(np.sum(np.diff(pr["recall"]) * pr["precision"].to_numpy()[1:]))
    assert step == pytest.approx(average_precision(duration, event, risk, 365), abs=1e-12)


def test_figures_the_drawn_roc_of_disclosed_thresholds_encloses_its_auc() -> None:
    """Review (session 25): the disclosed ROC (12 of 601 thresholds, each step at least 10
    cases and 10 non-cases) was drawn as right-then-up steps, the lower staircase: it
    enclosed 0.572 beside the legend's AUC of 0.62, and ran below the chance line. Drawn
    as a path through the points, as pROC and timeROC join them, it encloses the AUC."""
    from matplotlib.collections import LineCollection

    from escalation.disclosure import DisclosureRules, disclose_threshold_curve
    from escalation.figures.save import drawn

    rng = np.random.default_rng(7)
    risk = rng.uniform(0, 1, 600)
    case = rng.uniform(0, 1, 600) < 0.05 + 0.25 * risk
    duration, event = np.where(case, 100.0, 400.0), case.astype(int)
    full = roc_curve(duration, event, risk, horizon=365)
    shown = disclose_threshold_curve(full, risk, case, rules=DisclosureRules())
    assert len(shown) < len(full) / 10  # the case: few points, far apart
    auc = float(np.trapezoid(full["tpr"], full["fpr"]))
    plot = plot_roc(shown.assign(model="Cox"), auc={"Cox": auc})
    with drawn(plot, width="single", height_mm=None, dpi=72) as figure:
        ax = figure.axes[0]
        lines = [line.get_xydata() for line in ax.get_lines()]
        lines += [
            segment
            for collection in ax.collections
            if isinstance(collection, LineCollection)
            for segment in collection.get_segments()
        ]
    curves = [xy for xy in lines if len(xy) > 2]
    assert len(curves) == 1
    x, y = curves[0][:, 0], curves[0][:, 1]
    assert float(np.trapezoid(y, x)) == pytest.approx(auc, abs=0.005)


def test_figures_one_colour_per_model_across_figures(frames: dict[str, pd.DataFrame]) -> None:
    models = ["Structured data", "Structured + notes"]
    colours = colour_map(models)
    cal = plot_calibration(frames["calibration"], frames["histogram"])
    roc = plot_roc(frames["roc"])
    pr = plot_precision_recall(frames["precision_recall"])
    dec = plot_decision_curve(
        pd.concat(
            [
                frames["decision"],
                frames["decision"]
                .query("model == 'Structured data'")
                .assign(model="Structured + notes"),
            ]
        )
    )
    for plot in (cal, roc, pr, dec):
        values = plot.scales.get_scales("color").palette(2)
        if isinstance(values, dict):
            for model in models:
                key = next(k for k in values if str(k).startswith(model))
                assert values[key] == colours[model]
    # A subset keeps the study's colours when they are reserved.
    assert colour_map(["Structured data"], reserved=models) == {
        "Structured data": colours["Structured data"]
    }


def test_figures_calibration_histogram(frames: dict[str, pd.DataFrame]) -> None:
    plot = plot_calibration(frames["calibration"], frames["histogram"])
    rects = [layer for layer in plot.layers if type(layer.geom).__name__ == "geom_rect"]
    bars = rects[0].geom.data
    # Suppressed bins (missing counts) are not drawn.
    assert bars["count"].notna().all()
    assert len(bars) == int(frames["histogram"]["count"].notna().sum()) - int(
        (frames["histogram"]["predicted_low"] >= 0.5).sum()
    )
    counts = risk_histogram(
        pd.DataFrame({"model": "m", "risk": [0.01, 0.02, 0.3]}), bins=3, top=0.3
    )
    assert counts["count"].tolist() == [2, 0, 1]


def test_figures_calibration_draws_every_bar_it_is_given() -> None:
    # The pipeline's histogram runs on past the curve (to the riskiest child); the axis
    # stopped at the curve, so bars beyond it were counted in the table but not drawn,
    # and the bar across the curve's end was cut short.
    risk = np.array([0.02, 0.05, 0.1, 0.15])
    calibration = pd.DataFrame({"model": "Cox", "predicted": risk, "observed": risk}).assign(
        conf_low=risk - 0.01, conf_high=risk + 0.01
    )
    edges = np.linspace(0.0, 0.9, 19)
    counts = [300.0] * 4 + [np.nan] * 10 + [20.0, np.nan, np.nan, 10.0]
    histogram = pd.DataFrame(
        {"model": "Cox", "predicted_low": edges[:-1], "predicted_high": edges[1:], "count": counts}
    )
    plot = plot_calibration(calibration, histogram)
    rects = [layer for layer in plot.layers if type(layer.geom).__name__ == "geom_rect"]
    drawn = rects[0].geom.data[["predicted_low", "predicted_high", "count"]]
    given = histogram.dropna(subset=["count"])[["predicted_low", "predicted_high", "count"]]
    pd.testing.assert_frame_equal(drawn.reset_index(drop=True), given.reset_index(drop=True))
    assert plot.scales.get_scales("x").limits == (0.0, pytest.approx(0.9))


def test_figures_fairness_degenerate_groups_overall_line_and_legend(
    frames: dict[str, pd.DataFrame],
) -> None:
    fairness = frames["fairness"].copy()
    row = fairness.index[(fairness["group"] == "Male") & (fairness["metric"] == "Recall")][0]
    fairness.loc[row, ["estimate", "conf_low", "conf_high"]] = 0.0
    plot = plot_fairness(fairness, overall=frames["overall"])
    texts = [layer.geom.data for layer in plot.layers if type(layer.geom).__name__ == "geom_text"]
    labels = [
        layer.geom.aes_params.get("label")
        for layer in plot.layers
        if type(layer.geom).__name__ == "geom_text"
    ]
    assert "  no interval: too few flagged or escalated" in labels
    flat = texts[labels.index("  no interval: too few flagged or escalated")]
    assert flat["group"].astype(str).tolist() == ["Male"]
    # The zero-width interval is not drawn as a precise estimate.
    assert not ((plot.data["group"] == "Male") & (plot.data["metric"] == "Recall")).any()
    lines = [layer for layer in plot.layers if type(layer.geom).__name__ == "geom_vline"]
    assert sorted(lines[0].geom.data["estimate"]) == [0.22, 0.38]
    # One model: no one-entry legend, the model is named in the subtitle.
    assert plot.theme.themeables.property("legend_position") == "none"
    assert plot.labels.subtitle.startswith("Model: Structured data")


def test_figures_overlap_axis_has_several_labelled_ticks() -> None:
    rng = np.random.default_rng(1)
    score = 1 / (1 + np.exp(-(-0.8 + 0.25 * rng.normal(size=20_000))))
    treat = (rng.random(20_000) < score).astype(int)
    frame = pd.DataFrame(
        {
            "propensity": score,
            "treatment": treat,
            "weight": np.where(treat, 1 / score, 1 / (1 - score)),
        }
    )
    plot = plot_overlap(frame)
    x = plot.scales.get_scales("x")
    low, high = frame["propensity"].min(), frame["propensity"].max()
    breaks = x.breaks((low, high))
    labels = x.labels(breaks)
    assert len(breaks) >= 3
    assert len(set(labels)) == len(labels)
    assert all(abs(float(lab) - b) < 0.06 for lab, b in zip(labels, breaks, strict=True))
    # Each side of the mirrored axis says which arm it is.
    texts = [layer.geom.data for layer in plot.layers if type(layer.geom).__name__ == "geom_text"]
    assert {"▲ Early help", "▼ No early help"} <= set(texts[0]["label"])


def test_figures_transition_diagram(frames: dict[str, pd.DataFrame]) -> None:
    plot = plot_transitions(frames["transitions"])
    tags = [layer.geom.data for layer in plot.layers if type(layer.geom).__name__ == "geom_label"]
    assert sorted(tags[0]["label"]) == sorted(["820", "610", "140", "210", "380", "95", "<10"])
    assert len(plot.data) == 4
    with pytest.raises(Exception, match="not in states"):
        plot_transitions(frames["transitions"], states=["No plan or care"])


def test_figures_distribution_balance_weighted_shares() -> None:
    frame = pd.DataFrame(
        {
            "value": [0, 1, 1, 0, 0, 1],
            "treatment": [1, 1, 1, 0, 0, 0],
            "weight": [3.0, 1.0, 1.0, 1.0, 1.0, 2.0],
        }
    )
    plot = plot_distribution_balance(frame, covariate="factor_3B")
    data = plot.data.set_index(["sample", "treatment", "x"])["y"]
    assert data[("Before weighting", "Early help", 1.0)] == pytest.approx(2 / 3)
    assert data[("After weighting", "Early help", 1.0)] == pytest.approx(2 / 5)
    assert data[("After weighting", "No early help", 1.0)] == pytest.approx(2 / 4)
    assert plot.labels.x == "Domestic abuse: parent"


def test_figures_hazard_ratio_table_columns(frames: dict[str, pd.DataFrame]) -> None:
    plot = plot_hazard_ratio_table(frames["hazard_coded"])
    y = plot.scales.get_scales("y")
    names = [n.strip() for n in y.labels(y.limits)][::-1]
    assert names[:2] == ["Treatment", "Early help (within the grace period)"]
    assert "Domestic abuse: parent" in names
    text = next(
        layer.geom.data for layer in plot.layers if type(layer.geom).__name__ == "geom_text"
    )
    assert "0.82 (0.71 to 0.94)" in set(text["label_text"])  # 0.82 * exp(-0.14) = 0.713
    assert "<0.001" in set(text["label_text"])
    assert list(plot.data["panel"].cat.categories) == ["HR (95% CI, log scale)", "HR (95% CI)", "p"]
