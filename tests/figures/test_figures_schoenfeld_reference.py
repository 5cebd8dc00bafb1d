"""The Schoenfeld smooth against ``survival::plot.cox.zph`` (frozen in tests/reference/figures).

``zph_smooth.R`` writes ``cox.zph``'s points for the Rossi model (km transform) and the
smooth and band ``plot.cox.zph`` draws through them (``df = 4``, 40 points,
``2 * sqrt(var[i, i] * seval)``). Tolerance: 1e-6 absolute on the fit and both band edges.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotnine as p9
import pytest

from escalation.errors import DesignError
from escalation.figures import plot_schoenfeld
from escalation.figures.diagnostics import natural_spline_smooth
from escalation.survival import fit_cox
from tests.survival.survival_reference import rossi

REFERENCE = Path(__file__).parents[1] / "reference" / "figures"
ROSSI = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]


@pytest.fixture(scope="module")
def r_smooth() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "zph_smooth_reference.csv")


@pytest.mark.parametrize("covariate", ROSSI)
def test_spline_smooth_equals_plot_cox_zph(r_smooth: pd.DataFrame, covariate: str) -> None:
    points = pd.read_csv(REFERENCE / "zph_smooth_points.csv").query("covariate == @covariate")
    ref = r_smooth.query("covariate == @covariate")
    ours = natural_spline_smooth(
        points["x"], points["y"], ref["at"], df=4, variance=float(ref["var"].iloc[0])
    )
    for column in ("fit", "low", "high"):
        np.testing.assert_allclose(ours[column], ref[column], rtol=0, atol=1e-6)


def test_plot_schoenfeld_draws_plot_cox_zph_smooth(r_smooth: pd.DataFrame) -> None:
    # End to end: escalation's Cox fit and residuals, smoothed on the km scale as R does.
    residuals = fit_cox(rossi(), ROSSI, cluster=None).schoenfeld()
    variances = residuals.groupby("covariate", sort=False)["variance"].first()
    expected = r_smooth.groupby("covariate", sort=False)["var"].first()
    np.testing.assert_allclose(variances[ROSSI], expected[ROSSI], rtol=1e-6)
    plot = plot_schoenfeld(residuals)
    (band,) = [layer.geom.data for layer in plot.layers if isinstance(layer.geom, p9.geom_ribbon)]
    panels = list(band["panel"].cat.categories)
    for covariate, panel in zip(ROSSI, panels, strict=True):
        ours = band[band["panel"] == panel]
        ref = r_smooth[r_smooth["covariate"] == covariate]
        np.testing.assert_allclose(ours["time"], ref["at"], rtol=0, atol=1e-9)
        for column in ("fit", "low", "high"):
            np.testing.assert_allclose(ours[column], ref[column], rtol=0, atol=1e-6)


def test_plot_schoenfeld_labels_the_km_scale_in_days() -> None:
    residuals = fit_cox(rossi(), ROSSI, cluster=None).schoenfeld()
    plot = plot_schoenfeld(residuals, covariates=["age"])
    scale = plot.scales.get_scales("x")
    breaks, labels = np.asarray(scale.breaks), [float(s.replace(",", "")) for s in scale.labels]
    assert (np.diff(breaks) > 0).all() and (np.diff(labels) > 0).all()
    km = residuals.drop_duplicates("transformed_time").sort_values("transformed_time")
    # each label (weeks, 2 significant digits) sits where its time falls on the km scale
    at = np.interp(breaks, km["transformed_time"], km["time"])
    np.testing.assert_allclose(at, labels, atol=0.5)
    assert labels == [float(f"{v:.2g}") for v in labels]
    assert plot.data["time"].max() <= 1.0  # points on the km scale, not in weeks


def test_spline_smooth_needs_two_degrees_of_freedom() -> None:
    with pytest.raises(DesignError, match="df must be at least 2"):
        natural_spline_smooth([1.0, 2.0, 3.0], [1.0, 2.0, 3.0], [2.0], df=1)
