"""Simulation-study figures: the data and layers behind the zip, coverage and nested-loop plots."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotnine as p9
import pytest

from escalation.errors import DataValidationError, DesignError
from escalation.figures.simstudy import plot_coverage, plot_nested_loop, plot_zip
from escalation.simstudy import performance_measures, zip_data

REF = Path(__file__).resolve().parents[1] / "reference" / "simstudy"


@pytest.fixture(scope="module")
def estimates() -> pd.DataFrame:
    return pd.read_csv(REF / "estimates.csv")


def geoms(plot: p9.ggplot) -> list[str]:
    return [type(layer.geom).__name__ for layer in plot.layers]


def test_zip_plot_draws_every_interval(estimates: pd.DataFrame) -> None:
    frame = zip_data(estimates[estimates["scenario_id"] == "s1"])
    plot = plot_zip(frame)
    assert geoms(plot)[:2] == ["geom_rect", "geom_segment"]
    assert len(plot.data) == 500
    assert set(plot.data["Interval"]) == {"covers the truth", "misses the truth"}
    plot.draw()


def test_coverage_plot_scales_to_percent(estimates: pd.DataFrame) -> None:
    performance = performance_measures(estimates, by=["scenario_id", "estimator"])
    performance["scenario"] = performance["scenario_id"].str[1:].astype(int)
    plot = plot_coverage(performance)
    good = plot.data[(plot.data["estimator"] == "good") & (plot.data["scenario"] == "1")]
    row = performance[(performance["measure"] == "coverage") & (performance["estimator"] == "good")]
    assert good["value"].iloc[0] == pytest.approx(100 * row["estimate"].iloc[0])
    assert "geom_hline" in geoms(plot)
    plot.draw()
    with pytest.raises(DesignError, match="no 'magic' rows"):
        plot_coverage(performance, measure="magic")


def test_nested_loop_orders_scenarios_by_the_settings() -> None:
    grid = pd.MultiIndex.from_product([[500, 1000], [0.0, 1.0]], names=["n", "confounding"])
    performance = grid.to_frame(index=False).assign(measure="bias", estimator="aipw")
    performance["estimate"] = np.arange(4) * 0.01
    shuffled = performance.sample(frac=1, random_state=2)
    plot = plot_nested_loop(shuffled, settings=["n", "confounding"])
    ordered = plot.data.sort_values("position")
    assert ordered[["n", "confounding"]].to_records(index=False).tolist() == [
        (500, 0.0),
        (500, 1.0),
        (1000, 0.0),
        (1000, 1.0),
    ]
    settings_layer = plot.layers[2]._data
    assert set(settings_layer["setting"]) == {"n", "confounding"}
    assert settings_layer["value"].max() < performance["estimate"].min()  # beneath the lines
    plot.draw()


def test_missing_columns_are_named() -> None:
    with pytest.raises(DataValidationError, match="centile"):
        plot_zip(pd.DataFrame({"estimator": ["a"]}))
