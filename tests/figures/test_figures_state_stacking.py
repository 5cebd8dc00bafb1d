"""The state occupation figure stacks its states itself, to what plotnine's stacking draws.

plotnine's ``position_stack`` stacks each time apart (a pandas group per time): with the
demo's 817 times that was most of the figure's drawing time (1.4 of 1.7 s of CPU). The
figure now draws bands from each state's bottom to its top, computed in one pass, and its
files are the same bytes as those of the stacked area it replaces.
"""

from __future__ import annotations

import typing
from pathlib import Path

import numpy as np
import pandas as pd
import plotnine as p9
import pytest
from plotnine.exceptions import PlotnineWarning

from escalation.figures import plot_state_occupation, save_figure
from escalation.figures._labels import percent
from escalation.figures._legends import legend_beneath
from escalation.figures.theme import series_hues, theme_escalation


def _frame(groups: bool) -> pd.DataFrame:
    """Four states at 20 times (in two panels), some rows absent, negative, repeated or NaN."""
    rng = np.random.default_rng(3)
    rows = []
    for group in ("A", "B"):
        for time in range(0, 60, 3):
            for state in ("s1", "s2", "s3", "s4"):
                if rng.random() < 0.15:
                    continue
                value = rng.choice([rng.random() / 3, -rng.random() / 20, 0.0], p=[0.8, 0.1, 0.1])
                rows.append((group, time, state, value))
    frame = pd.DataFrame(rows, columns=["group", "time", "state", "probability"])
    frame = pd.concat([frame, frame.iloc[[5, 9]]], ignore_index=True)
    frame.loc[12, "probability"] = np.nan
    return frame if groups else frame.drop(columns="group")


def _stacked_area(frame: pd.DataFrame, order: list[str]) -> p9.ggplot:
    """The figure as plotnine's stacked area drew it (the builder before this change)."""
    data = frame.assign(state=pd.Categorical(frame["state"], categories=order[::-1]))
    plot = (
        p9.ggplot(data, p9.aes("time", "probability", fill="state"))
        + p9.geom_area(position="stack", alpha=0.9, color="white", size=0.2)
        + p9.scale_fill_manual(values=series_hues(order), breaks=order, name="")
        + p9.scale_y_continuous(labels=percent, expand=(0, 0))
        + p9.scale_x_continuous(expand=(0, 0))
        + p9.labs(x="Days since the decision point", y="Probability of being in the state")
        + theme_escalation(width="single", height_mm=70.0)
        + p9.theme(legend_title=p9.element_blank())
        # The legend as the figure lays it out now (as many columns as fit, session 27).
        + legend_beneath(order, "single", aesthetics=("fill",)).additions
    )
    return plot + p9.facet_wrap("group", nrow=1) if "group" in data.columns else plot


def test_state_occupation_is_not_stacked_by_plotnine() -> None:
    with pytest.warns(PlotnineWarning, match="missing values"):
        plot = plot_state_occupation(_frame(groups=True))
    assert not any(isinstance(layer.position, p9.position_stack) for layer in plot.layers)
    bands = plot.data.set_index(["group", "time", "state"]).sort_index()
    first = bands.loc[("A", 0)]
    assert typing.cast(float, first["bottom"].min()) <= 0 <= typing.cast(float, first["top"].max())


@pytest.mark.parametrize("groups", [True, False], ids=["panels", "one panel"])
def test_state_occupation_files_are_those_of_the_stacked_area(groups: bool, tmp_path: Path) -> None:
    _same_files(_frame(groups), ["s3", "s1", "s2", "s4"], tmp_path)


def test_a_state_that_states_does_not_list_is_stacked_on_top_as_before(tmp_path: Path) -> None:
    """``s4`` not in ``states``: plotnine's stacking drew it on top (it went to the bottom)."""
    rng = np.random.default_rng(5)
    times = np.repeat(np.arange(0, 60, 3), 4)
    states = np.tile(["s1", "s2", "s3", "s4"], 20)
    frame = pd.DataFrame({"time": times, "state": states, "probability": rng.random(80) / 4})
    frame.loc[7, "probability"] = np.nan
    _same_files(frame, ["s3", "s1", "s2"], tmp_path)


def _same_files(frame: pd.DataFrame, order: list[str], folder: Path) -> None:
    """Both builders' PNG, PDF and SVG are the same bytes; both warn of the row left out."""
    with pytest.warns(PlotnineWarning, match="missing values"):  # the row left out
        ours = save_figure(plot_state_occupation(frame, states=order), folder / "ours", dpi=100)
    with pytest.warns(PlotnineWarning, match="missing values"):
        theirs = save_figure(_stacked_area(frame, order), folder / "theirs", dpi=100)
    for mine, reference in zip(ours, theirs, strict=True):
        assert mine.read_bytes() == reference.read_bytes(), mine.name
