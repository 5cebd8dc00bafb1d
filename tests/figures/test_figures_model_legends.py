"""Legends of models and rules beneath the panel: whole at one column, and no wasted rows.

The calibration, ROC, precision-recall, decision-curve and policy figures had fixed
legend columns (two, or one entry a line) and a key width of their own: two long model
names side by side ran off the figure's edge at one column, and two short ones took a
row each. They now lay out their legends as the survival curves do
(:func:`escalation.figures._legends.legend_beneath`): measured after drawing here.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import pytest

import escalation.figures as fg
from escalation.figures._examples import example_frames
from escalation.figures.save import drawn
from escalation.figures.theme import LINE_KEY_PT
from tests.figures.text_fits import text_problems

#: Model names as a study might give them: two side by side are wider than one column.
LONG_MODELS = {
    "Structured data": "Cox model, structured case-history data only",
    "Structured + notes": "Cox model, structured data and case-note topics",
}
SHORT_MODELS = {"Structured data": "Cox", "Structured + notes": "Logistic"}
LONG_RULES = {
    "Current practice": "Current practice (social worker's judgement)",
    "Highest predicted risk (Cox)": "Highest predicted risk (Cox model, all covariates)",
}
SHORT_RULES = ["Current practice", "Everyone"]


def _renamed(frame: pd.DataFrame, column: str, names: Mapping[str, str]) -> pd.DataFrame:
    return frame.assign(**{column: frame[column].replace(dict(names))})


def _models_figure(kind: str, names: Mapping[str, str]) -> Any:
    """The example figure of ``kind`` with its models renamed by ``names``."""
    f = example_frames()
    figures: dict[str, Callable[[], Any]] = {
        "calibration": lambda: fg.plot_calibration(_renamed(f["calibration"], "model", names)),
        "calibration (histogram)": lambda: fg.plot_calibration(
            _renamed(f["calibration"], "model", names), _renamed(f["histogram"], "model", names)
        ),
        # The areas are named only with the long names: two short names and their areas
        # are wider than the panel at one column ("Cox (AUC 0.71)", 93 pt with its key).
        "roc": lambda: fg.plot_roc(
            _renamed(f["roc"], "model", names),
            auc={names["Structured data"]: 0.71, names["Structured + notes"]: 0.78}
            if names is LONG_MODELS
            else None,
        ),
        "precision-recall": lambda: fg.plot_precision_recall(
            _renamed(f["precision_recall"], "model", names), prevalence=0.16
        ),
        "decision curve": lambda: fg.plot_decision_curve(_renamed(f["decision"], "model", names)),
    }
    return figures[kind]()


MODEL_KINDS = [
    "calibration",
    "calibration (histogram)",
    "roc",
    "precision-recall",
    "decision curve",
]


def _legend_texts(figure: Any, entries: list[str]) -> list[Any]:
    """The drawn texts that are legend entries (or start with one: "Cox (AUC 0.71)")."""
    from matplotlib.text import Text

    return [
        t
        for t in figure.findobj(Text)
        if t.get_visible() and any(t.get_text().startswith(e) for e in entries)
    ]


def _rows(figure: Any, entries: list[str]) -> int:
    """How many lines the drawn legend entries take (entries whose centres differ)."""
    renderer = figure._get_renderer()
    texts = _legend_texts(figure, entries)
    assert len(texts) >= len(entries), "every entry is drawn"
    centres = sorted({round(t.get_window_extent(renderer).y0 / 4) for t in texts})
    return len(centres)


def _problems(plot: Any) -> list[str]:
    with drawn(plot, width="single", dpi=100) as figure, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [str(p) for p in text_problems(figure)]


@pytest.mark.parametrize(
    "kind",
    MODEL_KINDS,
)
def test_long_model_names_stay_inside_a_single_column_figure(kind: str) -> None:
    # Two names side by side ran off the right edge ("... case-note topi").
    problems = _problems(_models_figure(kind, LONG_MODELS))
    assert not problems, f"{kind}: " + "; ".join(problems)


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_short_model_names_share_one_line(kind: str) -> None:
    # "Cox" and "Logistic" took a line each beneath the ROC and precision-recall panels.
    plot = _models_figure(kind, SHORT_MODELS)
    with drawn(plot, width="single", dpi=100) as figure:
        assert _rows(figure, list(SHORT_MODELS.values())) == 1


def _policy(labels: Mapping[str, str], keep: list[str] | None = None) -> Any:
    policy = example_frames()["policy"]
    if keep is not None:
        policy = policy[policy["label"].isin(keep)]
    return fg.plot_policy_values(
        _renamed(policy, "label", labels), capacity_per_1000=300, horizon=365
    )


def test_long_rule_names_stay_inside_a_single_column_figure() -> None:
    problems = _problems(_policy(LONG_RULES))
    assert not problems, "; ".join(problems)


def test_short_rule_names_share_one_line() -> None:
    # Two rules took a line each (and the figure grew 4.5 mm for each).
    with drawn(_policy({}, keep=SHORT_RULES), width="single", dpi=100) as figure:
        assert _rows(figure, SHORT_RULES) == 1


@pytest.mark.parametrize("kind", MODEL_KINDS)
def test_model_legend_keys_are_long_enough_to_show_the_line_type(kind: str) -> None:
    # The ROC, precision-recall and calibration keys were 11.5 pt: their key width was
    # set before the figures' complete theme, which reset it.
    from matplotlib.offsetbox import DrawingArea

    plot = _models_figure(kind, SHORT_MODELS)
    with drawn(plot, width="single", dpi=72) as figure:
        renderer = figure._get_renderer()
        widths = {
            round(a.get_window_extent(renderer).width, 1) for a in figure.findobj(DrawingArea)
        }
    assert widths == {LINE_KEY_PT}, f"{kind}: keys {sorted(widths)} pt wide"


def test_a_survival_curve_group_wider_than_the_panel_is_wrapped_inside_it() -> None:
    # Was: the survival curves measured their legend but never wrapped an entry too wide
    # for the panel on its own, so it ran off the figure's edge (session 25's note).
    km = example_frames()["km"].assign(group=lambda d: d["group"].astype(str))
    long_name = "Referred by a school nurse, health visitor or other universal service"
    plot = fg.plot_survival_curves(_renamed(km, "group", {str(km["group"].iloc[0]): long_name}))
    problems = _problems(plot)
    assert not problems, "; ".join(problems)
    with drawn(plot, width="single", dpi=100) as figure:
        texts = _legend_texts(figure, ["Referred by a school nurse"])
        assert texts and "\n" in texts[0].get_text()
