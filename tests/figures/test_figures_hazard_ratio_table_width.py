"""The hazard-ratio table is drawn only at widths where its text fits, measured when drawn."""

from __future__ import annotations

import math
import warnings

import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.figures import hazard_ratio_table_width, plot_hazard_ratio_table
from escalation.figures._labels import text_width_pt
from escalation.figures.save import drawn
from escalation.figures.theme import secondary_pt, width_mm
from tests.figures.text_fits import text_problems

#: Ratios from 0.002 to 900 (a wide axis), per-day ratios needing four decimals, and a
#: row label longer than any of the demo's.
TABLES = {
    "wide": (
        [0.01, 0.5, 1.0, 3.0, 80.0],
        [0.002, 0.3, 0.9, 2.0, 5.0],
        [0.05, 0.8, 1.1, 4.5, 900.0],
    ),
    "per day": ([0.99962, 1.2, 0.7], [0.99931, 1.0, 0.5], [0.99993, 1.4, 0.9]),
    "long label": ([0.6, 1.3], [0.45, 1.1], [0.8, 1.5]),
}
_TERMS = ["treatment", "age", "factor_3B", "factor_2A", "sex_male"]


def _effects(name: str) -> pd.DataFrame:
    estimate, low, high = TABLES[name]
    frame = pd.DataFrame(
        {"term": _TERMS[: len(estimate)], "estimate": estimate, "conf_low": low,
         "conf_high": high, "p_value": [0.0004, 0.03, 0.2, 0.5, 0.9][: len(estimate)]}
    )  # fmt: skip
    frame["label"] = frame["term"]
    if name == "long label":
        frame.loc[1, "label"] = (
            "Number of previous referrals to children's social care from any source, last 5 years"
        )
    return frame


def _problems(effects: pd.DataFrame, width: float | str) -> list[object]:
    plot = plot_hazard_ratio_table(effects, label="label", width=width)  # type: ignore[arg-type]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with drawn(plot, width=width, dpi=100) as figure:  # type: ignore[arg-type]
            return list(text_problems(figure))


@pytest.mark.parametrize("name", sorted(TABLES))
def test_table_fits_at_the_width_it_needs_and_is_refused_narrower(name: str) -> None:
    """At its narrowest width (and at a double column, when that is wider) every text is
    whole and apart: the ratios, the p-values, the headers and the log axis' ticks (which
    ran together, "0.250.5", on a narrow forest). Narrower, a DesignError names the width
    needed: at a single column the ratios were cut off at both edges of their panel."""
    effects = _effects(name)
    needed = hazard_ratio_table_width(effects, label="label")
    for width in sorted({math.ceil(needed), max(math.ceil(needed), 178)}):
        problems = _problems(effects, width)
        assert not problems, f"{name} at {width} mm: " + "; ".join(map(str, problems))
    with pytest.raises(DesignError, match=rf"at least {math.ceil(needed)} mm") as error:
        plot_hazard_ratio_table(effects, label="label", width=needed - 1)
    assert "plot_hazard_ratios" in str(error.value)
    with pytest.raises(DesignError, match="not 85 mm"):
        plot_hazard_ratio_table(effects, label="label", width="single")


def test_a_long_row_label_is_wrapped_to_fit_a_double_column() -> None:
    """A row label too long for its margin is wrapped by measured width (the figures' one
    rule, ``wrap_row_label``), as the forest plot's are, so the table fits a double
    column. Was: the label was kept on one line and the table needed 200 mm (its text
    ran off at a double column: a DesignError); the study drew it wider than a page."""
    long = _effects("long label")
    unwrapped_mm = (
        text_width_pt("    " + long.loc[1, "label"], secondary_pt()) * 25.4 / 72  # indented
    )
    assert unwrapped_mm > 0.45 * 178  # wider than a row name's share of a double column
    assert hazard_ratio_table_width(long, label="label") <= 178
    plot = plot_hazard_ratio_table(long, label="label", width="double")
    names = plot.scales.get_scales("y").labels(list(plot.scales.get_scales("y").limits))
    wrapped = [n for n in names if "previous referrals" in n]
    assert len(wrapped) == 1 and wrapped[0].count("\n") >= 1
    assert all(
        text_width_pt(line.strip(), secondary_pt()) <= 0.45 * width_mm("double") * 72 / 25.4
        for line in wrapped[0].split("\n")
    )
    assert not _problems(long, "double")


def test_table_is_drawn_at_exactly_the_width_it_says_it_needs() -> None:
    """The study draws the table at ``hazard_ratio_table_width`` when its labels need more
    than a double column: at that width a rounding error made it a DesignError."""
    for k in range(1, 40):
        effects = pd.DataFrame({"term": ["t0"], "label": ["Sex: Female" * k], "estimate": [0.8],
                                "conf_low": [0.5], "conf_high": [1.3]})  # fmt: skip
        width = hazard_ratio_table_width(effects, label="label")
        plot_hazard_ratio_table(effects, label="label", width=width)  # no DesignError
