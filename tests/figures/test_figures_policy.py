"""The policy figure: its data, the sideways spread, and a clear error on bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError
from escalation.figures import plot_policy_values, save_figure


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": ["Current practice", "Everyone", "No one", "Highest risk", "Benefit"],
            "flagged_per_1000": [365.0, 1000.0, 0.0, 300.0, 296.0],
            "flagged_low": [355.0, 1000.0, 0.0, 290.0, 286.0],
            "flagged_high": [375.0, 1000.0, 0.0, 310.0, 306.0],
            "prevented_per_1000": [9.0, 19.0, 0.0, 10.0, 12.0],
            "conf_low": [4.0, 12.0, 0.0, 3.0, 5.0],
            "conf_high": [14.0, 26.0, 0.0, 17.0, 19.0],
        }
    )


def test_policy_figure_data_and_layers(tmp_path: object) -> None:
    plot = plot_policy_values(_frame(), capacity_per_1000=300)
    data = plot.data.set_index("label")
    # The two targeting rules at the capacity are spread apart; the others stay put.
    assert data.loc["Highest risk", "shown_at"] != data.loc["Benefit", "shown_at"]
    assert abs(data.loc["Highest risk", "shown_at"] - data.loc["Benefit", "shown_at"]) >= 18
    assert data.loc["Everyone", "shown_at"] == 1000
    np.testing.assert_allclose(data["prevented_per_1000"], _frame()["prevented_per_1000"])
    geoms = [type(layer.geom).__name__ for layer in plot.layers]
    # The dotted capacity line is named by the text beside it.
    assert geoms == [
        "geom_hline",
        "geom_vline",
        "geom_text",
        "geom_errorbarh",
        "geom_errorbar",
        "geom_point",
    ]
    assert plot.labels.x == "Children offered early help per 1,000 referrals"
    files = save_figure(plot, f"{tmp_path}/policy")
    assert all(f.stat().st_size > 0 for f in files)


def test_policy_figure_without_horizontal_intervals() -> None:
    frame = _frame().drop(columns=["flagged_low", "flagged_high"])
    geoms = [type(layer.geom).__name__ for layer in plot_policy_values(frame).layers]
    assert "geom_errorbarh" not in geoms and "geom_vline" not in geoms


def test_policy_figure_names_missing_columns() -> None:
    with pytest.raises(DataValidationError, match="prevented_per_1000"):
        plot_policy_values(_frame().drop(columns="prevented_per_1000"))


def test_a_rule_withheld_for_disclosure_is_named_in_the_legend_not_silently_dropped(
    tmp_path: object,
) -> None:
    """A rule whose offers are withheld (flagged_per_1000 missing, as PolicyStudy.figure_data
    gives it under disclosure control) vanished from the panel with only plotnine's
    "Removed 1 rows containing missing values" warning, its legend entry left as if drawn."""
    import warnings
    from pathlib import Path

    frame = _frame()
    frame.loc[4, ["flagged_per_1000", "flagged_low", "flagged_high"]] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning: nothing dropped behind the reader's back
        plot = plot_policy_values(frame, capacity_per_1000=300)
        save_figure(plot, Path(str(tmp_path)) / "policy", formats=("png",))
    label = "Benefit (not plotted: too few children to show)"
    assert list(plot.data["label"].cat.categories) == [*frame["label"][:4], label]
    assert label not in set(plot.data["label"])  # no point drawn for it
    assert set(plot.data["label"]) == set(frame["label"][:4])


def test_the_policy_figure_s_text_says_a_rule_withheld_is_not_plotted() -> None:
    """Its alt text read "Benefit 12.0 at nan" for a rule whose offers were withheld."""
    from escalation.report.alt_text import policy_alt

    frame = _frame().assign(rule=["current_practice", "everyone", "no_one", "risk_cox",
                                  "benefit"])  # fmt: skip
    frame.loc[4, "flagged_per_1000"] = np.nan
    text = policy_alt(frame, 300, 365)
    assert "nan" not in text.lower(), text
    assert "Benefit 12.0 (offers too few to show; not plotted)" in text
    assert "Current practice 9.0 at 365 offers; Everyone 19.0 at 1,000;" in text
