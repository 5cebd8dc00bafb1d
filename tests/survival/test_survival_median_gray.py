"""Median survival with its interval and Gray's test, against R (``reference/survival/present.R``).

R's ``quantile(survfit)`` gives the median and its Brookmeyer–Crowley limits for the three
interval transforms; ``cmprsk::cuminc(...)$Tests`` gives Gray's test (several groups,
``rho = 1``, strata, two groups). The frozen values are read; R is not needed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DesignError
from escalation.survival import aalen_johansen, gray_test, kaplan_meier

REFERENCE = Path(__file__).parents[1] / "reference" / "survival"
TINY = pd.DataFrame({"duration": [1, 2, 3, 4, 5, 6], "event": [1, 1, 1, 0, 1, 0]})
SHORT = pd.DataFrame({"duration": [2, 4, 6, 8, 10, 12, 14, 16], "event": [1, 0, 1, 0, 1, 0, 0, 0]})


@pytest.fixture(scope="module")
def spells() -> pd.DataFrame:
    return pd.read_csv(REFERENCE / "spells.csv")


def _data(spells: pd.DataFrame, label: str) -> tuple[pd.DataFrame, str | None, int | None]:
    if label == "spells_any":
        return spells, "group", None
    if label == "spells_overall":
        return spells, None, None
    if label == "spells_cause1":
        return spells, "group", 1
    return (TINY if label == "tiny" else SHORT), None, None


@pytest.mark.parametrize("conf_type", ["log", "log-log", "plain"])
def test_survival_median_matches_r(spells: pd.DataFrame, conf_type: str) -> None:
    reference = pd.read_csv(REFERENCE / "median_reference.csv")
    reference = reference[reference["conf_type"] == conf_type]
    for label, expected in reference.groupby("data", sort=False):
        data, group, cause = _data(spells, str(label))
        fit = kaplan_meier(data, group=group, cause=cause, conf_type=conf_type)  # type: ignore[arg-type]
        got = fit.median().set_index("group").loc[expected["group"].to_numpy()]
        for ours, theirs in (("estimate", "median"), ("conf_low", "lower"), ("conf_high", "upper")):
            np.testing.assert_allclose(
                got[ours].to_numpy(float), expected[theirs].to_numpy(float), err_msg=f"{label}"
            )


def test_survival_median_of_cumulative_incidence_is_where_it_reaches_half() -> None:
    # Without competing events the cumulative incidence is 1 - KM: the same median (the
    # intervals differ: Aalen–Johansen limits are log-transformed cumulative incidences).
    km = kaplan_meier(TINY).median()
    aj = aalen_johansen(TINY).median()
    assert aj["estimate"].iloc[0] == km["estimate"].iloc[0] == 4.0
    assert aj["conf_low"].iloc[0] <= aj["estimate"].iloc[0]
    with pytest.raises(DesignError, match="strictly between"):
        kaplan_meier(TINY).quantile(1.0)


def test_survival_summary_of_curves_shows_the_median(spells: pd.DataFrame) -> None:
    text = kaplan_meier(spells, group="group").summary().as_text()
    assert "median" in text and "lower 95%" in text
    # group a: median 23 (R), printed as a number, not a raw float
    row = next(line for line in text.splitlines() if line.strip().startswith("a "))
    assert "23" in row and "19" in row and "29" in row


def test_survival_gray_test_matches_cmprsk(spells: pd.DataFrame) -> None:
    reference = pd.read_csv(REFERENCE / "gray_reference.csv")
    cases = {
        "three_groups": (spells, "group", {}),
        "rho_1": (spells, "group", {"rho": 1.0}),
        "strata": (spells, "group", {"strata": "stratum"}),
        "two_groups": (spells[spells["group"] != "c"], "group", {}),
        "x2": (spells, "x2", {}),
    }
    for row in reference.itertuples():
        data, group, options = cases[str(row.variant)]
        result = gray_test(data, group, cause=int(row.cause), **options)  # type: ignore[arg-type]
        np.testing.assert_allclose(result.statistic, row.statistic, rtol=1e-9)
        np.testing.assert_allclose(result.p_value, row.p_value, rtol=1e-8)
        assert result.df == row.df


def test_survival_gray_test_is_unchanged_by_row_order(spells: pd.DataFrame) -> None:
    shuffled = spells.sample(frac=1.0, random_state=4)
    a = gray_test(spells, "group").statistic
    b = gray_test(shuffled, "group").statistic
    np.testing.assert_allclose(a, b, rtol=1e-12)


def test_survival_gray_test_errors_in_plain_words(spells: pd.DataFrame) -> None:
    with pytest.raises(DesignError, match="single group"):
        gray_test(spells.assign(one="x"), "one")
    with pytest.raises(DesignError, match="no events of cause 7"):
        gray_test(spells, "group", cause=7)
    summary = gray_test(spells, "group").summary().as_text()
    assert "Gray's test" in summary and "0.733" in summary
