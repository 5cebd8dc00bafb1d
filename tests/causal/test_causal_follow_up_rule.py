"""The causal curves read past the follow-up by the package's one rule (``past_follow_up``).

From the review of the causal estimators in session 26: ``estimate_curves`` (finding 3),
``pooled_logistic_survival`` (finding 4) and ``clone.weighted_aj_counting`` (the known open
item) carried the last value forward past the follow-up, or extrapolated a hazard model,
without a word: a risk (and an interval) for a time nobody was followed to. The rule:
a time past every spell's follow-up is refused, and a curve is NaN past the follow-up of
its own rows, with a ``StatisticalWarning`` when the time was asked for. Finding 2:
``pooled_logistic_survival`` took a treatment coded 1/2 and returned the arms wrong.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from escalation.causal import estimate_curves, pooled_logistic_survival
from escalation.causal.clone import weighted_aj_counting
from escalation.errors import DataValidationError, DesignError, StatisticalWarning


def _spells(n: int = 300, seed: int = 5) -> pd.DataFrame:
    """Spells whose untreated arm is followed for less time than the treated arm."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    a = (rng.random(n) < 1 / (1 + np.exp(-0.5 * x))).astype(int)
    t = rng.exponential(400 / np.exp(0.5 * x - 0.4 * a))
    c = rng.uniform(50, np.where(a == 1, 900, 700))
    return pd.DataFrame(
        {
            "x": x,
            "treatment": a,
            "duration": np.ceil(np.minimum(t, c)),
            "event": (t <= c).astype(int),
        }
    )


def _caught(call: Any) -> tuple[Any, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = call()
    said = [str(w.message) for w in caught if w.category is StatisticalWarning]
    return result, [m for m in said if "past the longest follow-up" in m]


def _longest(frame: pd.DataFrame, column: str = "duration") -> dict[int, float]:
    return {arm: float(frame.loc[frame["treatment"] == arm, column].max()) for arm in (0, 1)}


# -- finding 3: estimate_curves -----------------------------------------------------------


@pytest.mark.parametrize("method", ["unadjusted", "ipw", "aipw"])
def test_estimate_curves_is_nan_past_an_arms_follow_up(method: str) -> None:
    frame = _spells()
    last = _longest(frame)
    assert last[0] < last[1]
    inside = [100.0, last[0]]
    known = estimate_curves(frame, ["x"], method=method, times=inside)  # no warning
    fit, said = _caught(
        lambda: estimate_curves(frame, ["x"], method=method, times=[*inside, last[1]])
    )
    assert len(said) == 1 and "untreated" in said[0] and f"{last[0]:.0f}" in said[0]
    assert said[0].endswith("are not identified; use shorter times")
    # the times within both arms' follow-up are unchanged
    np.testing.assert_allclose(fit.risk[:, :2], known.risk, rtol=1e-12)
    # past the untreated spells' follow-up the untreated curve is unknown, the treated not
    assert np.isnan(fit.risk[0, 2]) and np.isfinite(fit.risk[1, 2])
    rows = fit.tidy().set_index(["group", "time"])
    assert rows.loc[("untreated", last[1])].isna()[["estimate", "conf_low", "conf_high"]].all()
    if method == "aipw":
        assert fit.std_error is not None
        assert np.isnan(fit.std_error[0, 2]) and np.isfinite(fit.std_error[1, 2])


def test_estimate_curves_refuses_times_past_every_spells_follow_up() -> None:
    frame = _spells()
    longest = float(frame["duration"].max())
    with pytest.raises(DesignError, match=f"times {longest + 1:.0f} days are past"):
        estimate_curves(frame, ["x"], method="unadjusted", times=[100, longest + 1])


def test_estimate_curves_default_times_are_nan_past_an_arm_without_a_warning() -> None:
    frame = _spells()
    last = _longest(frame)
    fit = estimate_curves(frame, ["x"], method="unadjusted")  # warnings are errors here
    np.testing.assert_array_equal(np.isnan(fit.risk[0]), fit.times > last[0])
    assert np.isfinite(fit.risk[1]).all()


# -- findings 2 and 4: pooled_logistic_survival ------------------------------------------


def _intervals(n: int = 400, seed: int = 7) -> pd.DataFrame:
    """People followed for whole months: the untreated up to 10, the treated up to 12."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    a = (rng.random(n) < 1 / (1 + np.exp(-0.5 * x))).astype(int)
    t = np.ceil(rng.exponential(20 / np.exp(0.4 * x - 0.5 * a)))
    c = np.where(a == 1, 12, 10)
    return pd.DataFrame(
        {
            "x": x,
            "treat": a,
            "months": np.minimum(t, c).astype(int),
            "dead": (t <= c).astype(int),
        }
    )


def _pooled(frame: pd.DataFrame, times: list[int]) -> pd.DataFrame:
    return pooled_logistic_survival(
        frame,
        duration="months",
        event="dead",
        treatment="treat",
        formula="treat + x + time",
        times=times,
    )


def test_pooled_refuses_a_treatment_not_coded_0_1() -> None:
    frame = _intervals()
    recoded = frame.assign(treat=frame["treat"] + 1)  # 1 untreated, 2 treated
    with pytest.raises(DataValidationError, match="must be 0 or 1") as caught:
        _pooled(recoded, [6])
    problem = caught.value.problems[0]
    assert (problem.table, problem.column) == ("spells", "treat")
    assert recoded["treat"].iloc[problem.row] == 2


def test_pooled_is_nan_past_an_arms_follow_up_and_refuses_past_everyones() -> None:
    frame = _intervals()
    last = _longest(frame.rename(columns={"treat": "treatment"}), "months")
    assert (last[0], last[1]) == (10.0, 12.0)
    known = _pooled(frame, [6, 10])  # no warning
    out, said = _caught(lambda: _pooled(frame, [6, 10, 12]))
    assert len(said) == 1 and "untreated" in said[0] and "12 intervals" in said[0]
    rows = out.set_index(["group", "time"])
    assert rows.loc[("untreated", 12)].isna().all()
    assert rows.loc[("treated", 12)].notna().all()
    pd.testing.assert_frame_equal(
        rows.drop(index=12, level="time"), known.set_index(["group", "time"])
    )
    with pytest.raises(DesignError, match="13 intervals are past the longest follow-up"):
        _pooled(frame, [6, 13])


# -- the clone-censor-weight curve ---------------------------------------------------------


def test_weighted_aj_counting_is_nan_past_its_rows() -> None:
    entry = np.array([0.0, 0.0, 0.0, 2.0])
    exit_ = np.array([2.0, 3.0, 2.0, 5.0])
    event = np.array([1, 0, 0, 1])
    weight = np.array([1.0, 1.0, 1.0, 1.0])
    # By hand: 3 at risk at 2 (one event): F = 1/3; at 5 the one row left has its event:
    # F = 1/3 + 2/3 * 1 = 1. Past 5 no row is followed.
    risk = weighted_aj_counting(entry, exit_, event, weight, [2.0, 5.0, 5.5])
    np.testing.assert_allclose(risk[:2], [1 / 3, 1.0])
    assert np.isnan(risk[2])


def test_ccw_rmst_at_a_horizon_does_not_depend_on_later_horizons_asked_for() -> None:
    """Was: with the clones' curve NaN past their last exit, a later horizon (365 days, past
    the treated spells' 200 days) made the ccw RMST difference at 180 days NaN: the area
    summed NaN x 0 for the pieces after 180 (session 26's last read)."""
    import dataclasses

    from escalation import default_design, simulate_local_authority
    from escalation.causal import estimate_effects
    from escalation.timeline import build_spells

    design = default_design()
    data = build_spells(simulate_local_authority(n_children=1500, seed=5).history, design)
    spells = data.spells.copy()
    late = (spells["treatment"] == 1) & (spells["duration"] > 200.0)
    spells.loc[late, "event"] = 0
    spells.loc[late, "duration"] = 200.0
    capped = dataclasses.replace(data, spells=spells)
    at_180 = {}
    for horizons in ([180], [180, 365]):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StatisticalWarning)
            fit = estimate_effects(
                capped, design, estimators=["ccw"], bootstrap=0, horizons=horizons
            )
        tidy = fit.tidy()
        row = tidy[(tidy["horizon"] == 180) & (tidy["estimand"] == "rmst_difference")]
        at_180[len(horizons)] = float(row["estimate"].iloc[0])
    assert np.isfinite(at_180[1])
    assert at_180[2] == pytest.approx(at_180[1], abs=1e-12)
