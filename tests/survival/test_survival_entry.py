"""Delayed entry (left truncation) for Kaplan–Meier, Nelson–Aalen and Aalen–Johansen.

Was: ``kaplan_meier``, ``nelson_aalen`` and ``aalen_johansen`` counted every row at risk
from time 0 (no ``entry=``), so a child entering the study on day 20 was in the risk set
of every earlier event. Now ``entry=`` names a column and a row is at risk on
``(entry, stop]``, as R's ``survfit(Surv(entry, stop, event))``. Reference:
``tests/reference/survival/entry.R`` (R 4.2.2, survival 3.5.3): Greenwood standard errors
unweighted, the infinitesimal jackknife with non-whole weights or ``cluster=`` (R's
``survfit`` default for them) and for Aalen–Johansen.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from escalation.errors import DataValidationError, DesignError
from escalation.survival import aalen_johansen, kaplan_meier, nelson_aalen

REF = Path(__file__).parents[1] / "reference" / "survival"
TOL = 1e-10


def _rows() -> pd.DataFrame:
    return pd.read_csv(REF / "entry_rows.csv").rename(columns={"stop": "duration"})


def _reference(case: str) -> pd.DataFrame:
    ref = pd.read_csv(REF / "entry_reference.csv")
    return ref[ref["case"] == case]


def _options(case: str) -> dict[str, object]:
    options: dict[str, object] = {"entry": "entry"}
    options["group"] = None if case == "km_overall" else "group"
    if case in ("km_weighted", "km_cluster", "aj_weighted", "aj_cluster", "at_weighted"):
        options["weights"] = "weight"
    if case in ("km_cluster", "aj_cluster"):
        options["cluster"] = "family"
    if case == "km_cause1":
        options["cause"] = 1
    return options


def _merged(ref: pd.DataFrame, got: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    got = got.assign(group=got["group"].astype(str).replace({"None": "all"}))
    merged = ref.merge(got, on=keys, suffixes=("_r", ""))
    assert len(merged) == len(ref)
    return merged


@pytest.mark.parametrize(
    "case", ["km_plain", "km_overall", "km_weighted", "km_cluster", "km_cause1"]
)
def test_kaplan_meier_and_nelson_aalen_with_entry_match_survfit(case: str) -> None:
    ref = _reference(case)
    curve = _merged(ref, kaplan_meier(_rows(), **_options(case)).tidy(), ["group", "time"])  # type: ignore[arg-type]
    for ours, theirs in (("estimate", "estimate_r"), ("std_error", "std_err")):
        np.testing.assert_allclose(curve[ours], curve[theirs], rtol=0, atol=TOL)
    for column in ("n_risk", "n_event"):  # weighted counts, as R's
        np.testing.assert_allclose(curve[column], curve[f"{column}_r"], rtol=TOL, atol=TOL)
    hazard = _merged(
        ref.drop(columns="estimate"),
        nelson_aalen(_rows(), **_options(case)).tidy(),  # type: ignore[arg-type]
        ["group", "time"],
    )
    np.testing.assert_allclose(hazard["estimate"], hazard["cumhaz"], rtol=0, atol=TOL)
    np.testing.assert_allclose(hazard["std_error"], hazard["std_chaz"], rtol=0, atol=TOL)


@pytest.mark.parametrize("case", ["aj_plain", "aj_weighted", "aj_cluster"])
def test_aalen_johansen_with_entry_matches_survfit(case: str) -> None:
    ref = _reference(case)
    got = aalen_johansen(_rows(), **_options(case)).tidy()  # type: ignore[arg-type]
    merged = _merged(ref, got, ["group", "cause", "time"])
    np.testing.assert_allclose(merged["estimate"], merged["estimate_r"], rtol=0, atol=TOL)
    np.testing.assert_allclose(merged["std_error"], merged["std_err"], rtol=0, atol=TOL)
    # R's multi-state summary reports the unweighted numbers at risk
    np.testing.assert_array_equal(merged["n_risk_unweighted"], merged["n_risk_r"])


@pytest.mark.parametrize("case", ["at_plain", "at_weighted"])
def test_curve_read_at_times_counts_only_those_entered(case: str) -> None:
    # R's summary(survfit, times, extend = TRUE): at risk at t means entry < t <= stop
    ref = _reference(case)
    fit = kaplan_meier(_rows(), **_options(case))  # type: ignore[arg-type]
    merged = _merged(ref, fit.at(sorted(ref["time"].unique())), ["group", "time"])
    np.testing.assert_allclose(merged["estimate"], merged["estimate_r"], rtol=0, atol=TOL)
    np.testing.assert_allclose(merged["std_error"], merged["std_err"], rtol=0, atol=TOL)
    np.testing.assert_allclose(merged["n_event"], merged["n_event_r"], rtol=TOL, atol=TOL)
    # R's summary(times =) takes n.risk from the curve's next recorded (exit) time, so it
    # also counts rows entering between t and that time; the risk set at t is counted here
    # from the rows themselves (entry < t <= stop)
    rows = _rows()
    weight = rows["weight"] if "weights" in _options(case) else pd.Series(1.0, rows.index)
    for _, row in merged.iterrows():
        inside = (
            (rows["group"] == row["group"])
            & (rows["entry"] < row["time"])
            & (row["time"] <= rows["duration"])
        )
        assert row["n_risk"] == pytest.approx(float(weight[inside].sum()), abs=TOL)
        assert row["n_risk_unweighted"] == int(inside.sum())
    if case == "at_plain":
        at_risk = fit.at_risk(sorted(ref["time"].unique()))
        both = _merged(ref, at_risk, ["group", "time"])
        np.testing.assert_array_equal(both["at_risk"], merged["n_risk_unweighted"])


def test_entry_by_hand() -> None:
    # rows (0, 2], (0, 3], (2, 4], (1, 5]: the row entering on day 2 is not at risk of the
    # event on day 2 (3 at risk, S = 2/3), but is on day 4 (2 at risk: S = 2/3 * 1/2)
    spells = pd.DataFrame({"entry": [0, 0, 2, 1], "duration": [2, 3, 4, 5], "event": [1, 0, 1, 0]})
    fit = kaplan_meier(spells, entry="entry").tidy()
    assert fit["time"].tolist() == [0.0, 2.0, 4.0, 5.0]
    np.testing.assert_allclose(fit["estimate"], [1.0, 2 / 3, 1 / 3, 1 / 3], atol=1e-15)
    assert fit["n_risk"].tolist() == [2.0, 3.0, 2.0, 1.0]
    greenwood = np.sqrt([1 / (3 * 2), 1 / (3 * 2) + 1 / (2 * 1)])
    np.testing.assert_allclose(
        fit["std_error"].iloc[1:3], greenwood * np.array([2 / 3, 1 / 3]), atol=1e-15
    )


@pytest.mark.parametrize("function", [kaplan_meier, nelson_aalen, aalen_johansen])
def test_entry_not_before_exit_is_refused_naming_the_row(function: object) -> None:
    spells = pd.DataFrame({"entry": [0, 3, 1], "duration": [2, 3, 4], "event": [1, 0, 1]})
    with pytest.raises(DataValidationError, match=r"row 1, column 'duration', value '3'"):
        function(spells, entry="entry")  # type: ignore[operator]


def test_missing_entry_column_is_named() -> None:
    spells = pd.DataFrame({"duration": [2, 3], "event": [1, 0]})
    with pytest.raises(DesignError, match="start_day are not in the data"):
        kaplan_meier(spells, entry="start_day")


@pytest.mark.parametrize("function", [kaplan_meier, nelson_aalen, aalen_johansen])
def test_entry_at_zero_is_the_curve_without_entry(function: object) -> None:
    # every row entering at 0 is the validated curve from time zero, counts included
    rows = _rows()
    options = {"group": "group", "weights": "weight", "cluster": "family"}
    entered = function(rows.assign(entry=0.0), entry="entry", **options)  # type: ignore[operator]
    plain = function(rows, **options)  # type: ignore[operator]
    pd.testing.assert_frame_equal(entered.tidy(), plain.tidy(), rtol=1e-13, atol=1e-13)
    times = [0.0, 0.5, 5.0, 20.0, 45.0, 80.0]
    pd.testing.assert_frame_equal(entered.at_risk(times), plain.at_risk(times))
    pd.testing.assert_frame_equal(entered.at(times), plain.at(times), rtol=1e-13, atol=1e-13)


def test_summary_counts_every_row_of_a_group() -> None:
    # with delayed entry most rows are not at risk at time 0; n is still the group's rows
    rows = _rows()
    table = kaplan_meier(rows, entry="entry", group="group")._summary_table()
    expected = rows.groupby("group").size()
    assert table.set_index("group")["n"].to_dict() == expected.to_dict()
