"""Bad values in figure inputs raise one clear error naming figure, row, column and value.

Before, they reached plotnine or numpy ("Discrete value supplied to continuous scale",
"could not convert string to float") or were dropped from the figure with only a
"Removed 1 rows" warning (reviewer's finding 13, probe p8_bad_input.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import plotnine as p9
import pytest

from escalation import figures as fg
from escalation.errors import DataValidationError

HR = pd.DataFrame({"term": ["age", "prior_referrals", "sex_M"], "estimate": [0.98, 1.21, 1.1],
                   "conf_low": [0.95, 1.1, 0.5], "conf_high": [1.01, 1.33, 2.0]})  # fmt: skip
CURVES = pd.DataFrame({"time": [0, 100, 200], "estimate": [1.0, 0.9, 0.8], "group": 1,
                       "conf_low": [1.0, 0.85, 0.7], "conf_high": [1.0, 0.95, 0.9]})  # fmt: skip
CALIBRATION = pd.DataFrame({"model": "Cox", "predicted": [0.1, 0.2, 0.3],
                            "observed": [0.12, 0.18, 0.35], "conf_low": [0.09, 0.15, 0.3],
                            "conf_high": [0.15, 0.21, 0.4]})  # fmt: skip
ROC = pd.DataFrame({"model": "Cox", "fpr": [0, 0.5, 1.0], "tpr": [0, 0.7, 1]})
MOVES = pd.DataFrame({"from_state": ["Referral", "Referral"], "to_state": ["CP plan", "Closed"],
                      "n": [15, 120]})  # fmt: skip


def _with(frame: pd.DataFrame, row: int, column: str, value: object) -> pd.DataFrame:
    out = frame.copy().astype({column: object})
    out.loc[row, column] = value
    return out


# (figure call, row, column, the value as the message shows it)
CASES: dict[str, tuple[Callable[[], p9.ggplot], int, str, str]] = {
    "hazard ratios, conf_low 0": (
        lambda: fg.plot_hazard_ratios(_with(HR, 2, "conf_low", 0.0)), 2, "conf_low", "'0.0'"),
    "hazard ratios, estimate -1.1": (
        lambda: fg.plot_hazard_ratios(_with(HR, 2, "estimate", -1.1)), 2, "estimate", "'-1.1'"),
    "hazard-ratio table, estimate 0": (
        lambda: fg.plot_hazard_ratio_table(_with(HR, 2, "estimate", 0.0)), 2, "estimate", "'0.0'"),
    "forest, estimate text": (
        lambda: fg.plot_forest(_with(HR, 1, "estimate", "abc")), 1, "estimate", "not shown"),
    "survival curves, estimate text": (
        lambda: fg.plot_survival_curves(_with(CURVES, 2, "estimate", "x")), 2, "estimate",
        "not shown"),
    "survival curves, estimate 1.7": (
        lambda: fg.plot_survival_curves(_with(CURVES, 1, "estimate", 1.7)), 1, "estimate",
        "'1.7'"),
    "survival curves, time -5": (
        lambda: fg.plot_survival_curves(_with(CURVES, 1, "time", -5)), 1, "time", "'-5.0'"),
    "at risk, -3": (
        lambda: fg.plot_survival_curves(
            CURVES, at_risk=pd.DataFrame({"time": [0, 100], "group": 1, "at_risk": [40, -3]})),
        1, "at_risk", "'-3.0'"),
    "calibration, predicted 1.4": (
        lambda: fg.plot_calibration(_with(CALIBRATION, 2, "predicted", 1.4)), 2, "predicted",
        "'1.4'"),
    "roc, fpr 1.5": (lambda: fg.plot_roc(_with(ROC, 2, "fpr", 1.5)), 2, "fpr", "'1.5'"),
    "transitions, n -5": (
        lambda: fg.plot_transitions(_with(MOVES, 0, "n", -5)), 0, "n", "'-5.0'"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_value_is_named(case: str) -> None:
    draw, row, column, value = CASES[case]
    with pytest.raises(DataValidationError) as raised:
        draw()
    (problem,) = raised.value.problems
    assert (problem.row, problem.column) == (row, column)
    message = str(raised.value)
    assert f"row {row}, column '{column}'" in message and value in message, message


def test_good_frames_still_draw() -> None:
    plots = [fg.plot_hazard_ratios(HR), fg.plot_survival_curves(CURVES), fg.plot_roc(ROC),
             fg.plot_calibration(CALIBRATION), fg.plot_transitions(MOVES)]  # fmt: skip
    for plot in plots:
        plot.draw()


def test_missing_values_pass_and_numeric_text_becomes_numbers() -> None:
    from escalation.figures._checks import require_values

    frame = pd.DataFrame({"estimate": ["0.98", None, "1.5"], "n": [np.nan, 3.0, 0.0]})
    out = require_values(frame, {"estimate": "ratio", "n": "count"}, figure="forest plot")
    assert out["estimate"].dtype == float
    np.testing.assert_array_equal(out["estimate"], [0.98, np.nan, 1.5])
    assert out["n"].equals(frame["n"])


def test_every_bad_value_is_listed_with_the_figure_name() -> None:
    from escalation.figures._checks import require_values

    frame = pd.DataFrame({"fpr": [0.1, -0.2, 1.2], "tpr": [0.0, 0.5, "high"]})
    with pytest.raises(DataValidationError, match="ROC curves data: 3 problems") as raised:
        require_values(frame, {"fpr": "share", "tpr": "share"}, figure="ROC curves")
    found = [(p.table, p.row, p.column) for p in raised.value.problems]
    assert found == [("ROC curves", 1, "fpr"), ("ROC curves", 2, "fpr"), ("ROC curves", 2, "tpr")]


def test_a_cumulative_hazard_above_one_is_drawn_on_its_own_axis() -> None:
    """``nelson_aalen(...).plot()`` drew a cumulative hazard as a share: its axis in
    percent and stopped at 100%, so a hazard above 1 was cut off (and with the value
    checks, refused as "a risk ... between 0 and 1"). It is drawn as a hazard now."""
    from escalation.figures.results import plot_curve_result
    from escalation.survival import nelson_aalen

    spells = pd.DataFrame(
        {"duration": np.arange(1.0, 41.0), "event": np.r_[np.ones(36), np.zeros(4)]}
    )
    result = nelson_aalen(spells)
    assert result.tidy()["estimate"].max() > 2  # the case: a hazard well above 1
    plot = plot_curve_result(result)
    y = plot.scales.get_scales("y")
    assert y.limits[1] > 2 and plot.labels.y == "Cumulative hazard"
    assert y.get_labels([0.0, 1.0, 2.5]) == ["0", "1", "2.5"]
    with pytest.raises(DataValidationError, match="a cumulative hazard must be 0 or more"):
        fg.plot_survival_curves(result.tidy().assign(estimate=-1.0), kind="cumulative_hazard")


def test_the_numbers_at_risk_may_be_printed_labels() -> None:
    """A run gives the risk table its counts as disclosure control printed them ("<10",
    "1,235": ``count_labels``); the value checks refused them as "must be a number" and
    stopped the demo. Labels are drawn as given; a negative count is still refused."""
    curves = pd.DataFrame(
        {"time": [0, 100, 0, 100], "estimate": [1.0, 0.9, 1.0, 0.8],
         "conf_low": [1.0, 0.85, 1.0, 0.75], "conf_high": [1.0, 0.95, 1.0, 0.85],
         "group": [1, 1, 0, 0]}
    )  # fmt: skip
    at_risk = pd.DataFrame(
        {"time": [0, 100, 0, 100], "group": [1, 1, 0, 0],
         "at_risk": ["1,235", "<10", "[c]", 45]}
    )  # fmt: skip
    plot = fg.plot_survival_curves(curves, at_risk)
    texts = [layer.geom.data for layer in plot.layers if isinstance(layer.geom, p9.geom_text)]
    (table,) = [t for t in texts if "label" in t.columns and t["label"].isin(["1,235"]).any()]
    assert sorted(table["label"]) == ["1,235", "45", "<10", "[c]"]
    with pytest.raises(DataValidationError, match="a count must be 0 or more"):
        fg.plot_survival_curves(curves, at_risk.assign(at_risk=[5, -1, 3, 2]))
